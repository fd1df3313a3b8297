/**
 * DPLPMTUD over the seeded simulator (RFC 9000 §14.3; RFC 8899): the link's `mtu` drops datagrams
 * whose UDP payload is longer (link.ts), as a real path MTU would, on the S0 link (15 ms one way,
 * 10 Mbit/s, 25-packet queue). Prints `replay with SIM_SEED=…` on failure.
 */
import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { instant, seconds } from '../../src/util/time.js';
import { SimNetwork } from './network.js';
import { defaultLink, RUNNER_CLIENT, RUNNER_SERVER, simpleP2p } from './scenarios.js';
import { reportSeedOnFailure, simSeed } from './seed.js';
import { Download, SimPair } from './sim-pair.js';

async function downloadOverMtu(mtu: number, maxDatagramSize: number, seed: number): Promise<{ pair: SimPair; download: Download }> {
  const network = new SimNetwork({ seed });
  network.setPath(RUNNER_CLIENT, RUNNER_SERVER, { ...simpleP2p(), mtu }, { ...simpleP2p(), mtu });
  const limits = { maxDatagramSize };
  const pair = new SimPair({ scenario: defaultLink, seed, provider: nodeCryptoProvider, network, clientLimits: limits, serverLimits: limits });
  const deadline = instant(seconds(60));
  await pair.run(() => pair.handshakeDone, undefined, deadline);
  const download = new Download(1, 1_000_000);
  download.start(pair);
  await pair.run(() => download.done || pair.client.isClosed, download.onEvent, deadline);
  expect(download.done).toBe(true);
  expect(download.intact).toBe(true);
  return { pair, download };
}

describe('RFC 9000 §14.3: DPLPMTUD over the simulated S0 link', () => {
  it('RFC 9000 §14.3: on a link with mtu 1500 both sides reach the configured 1452 bytes and the download uses them', async () => {
    const seed = reportSeedOnFailure(simSeed());
    const { pair } = await downloadOverMtu(1500, 1452, seed);
    expect(pair.client.stats().pmtu).toBe(1452);
    expect(pair.server!.stats().pmtu).toBe(1452);
    expect(pair.net.stats(RUNNER_SERVER, RUNNER_CLIENT).dropped.mtu).toBe(0);
    // Nearly every datagram of the 1 MB download is full-sized: far fewer than at 1200 bytes.
    expect(pair.datagramsSent.server).toBeLessThan(1_000_000 / 1300);
  });

  it('RFC 8899 §5.3: on a link with mtu 1400 and a maximum of 1500 the search settles within 20 bytes below 1400', async () => {
    const seed = reportSeedOnFailure(simSeed());
    const { pair } = await downloadOverMtu(1400, 1500, seed);
    for (const c of [pair.client, pair.server!]) {
      expect(c.stats().pmtu).toBeLessThanOrEqual(1400);
      expect(c.stats().pmtu).toBeGreaterThan(1380);
    }
    expect(pair.net.stats(RUNNER_SERVER, RUNNER_CLIENT).dropped.mtu).toBeGreaterThanOrEqual(3);
  });
});
