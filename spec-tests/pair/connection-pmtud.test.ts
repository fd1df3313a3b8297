import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../../src/util/bytes.js';
import { millis, seconds } from '../../src/util/time.js';
import { confirmedPair, payload, transfer, type ConnectionPair, type PairOptions } from '../helpers/connection-pair.js';

/** A pair whose wire drops every datagram longer than `mtu()` (read at send time). */
async function pairOverMtu(mtu: () => number, options: PairOptions = {}): Promise<ConnectionPair> {
  const pair = await confirmedPair({ ...options, drop: (d) => d.bytes.length > mtu() });
  await pair.runFor(seconds(3)); // let both searches settle
  return pair;
}

const big = (n: number) => ({ maxDatagramSize: n });

describe('RFC 9000 §14.3: DPLPMTUD over a connection pair', () => {
  it('RFC 9000 §14.3: on a clean path both sides reach the default maximum of 1452 bytes', async () => {
    const pair = await pairOverMtu(() => 65_527);
    expect(pair.client.stats().pmtu).toBe(1452);
    expect(pair.server!.stats().pmtu).toBe(1452);
    expect(pair.client.state.pmtud.phase).toBe('search_complete');
    expect(Math.max(...pair.sent.map((d) => d.bytes.length))).toBe(1452);
    // RFC 9000 §14.4: the probe is one ack-eliciting 1-RTT packet of exactly the probed size.
    expect(pair.sent.filter((d) => d.bytes.length === 1452 && d.from === 'client').length).toBeGreaterThanOrEqual(1);
  });

  it('RFC 9000 §14.1: before the handshake is confirmed no datagram exceeds 1200 bytes', async () => {
    const pair = await pairOverMtu(() => 65_527, { clientLimits: big(1500), serverLimits: big(1500) });
    const confirmedAt = pair.sent.findIndex((d) => d.bytes.length > 1200);
    expect(confirmedAt).toBeGreaterThan(0);
    expect(pair.sent.slice(0, confirmedAt).every((d) => (d.bytes[0]! & 0x80) !== 0 || d.bytes.length <= 1200)).toBe(true);
    expect(pair.sent.filter((d) => (d.bytes[0]! & 0x80) !== 0).every((d) => d.bytes.length <= 1200)).toBe(true);
  });

  it('RFC 8899 §5.3: a path MTU of 1400 under a maximum of 1500 settles within the 20-byte granularity below 1400; lost probes cause no congestion reaction', async () => {
    const pair = await pairOverMtu(() => 1400, { clientLimits: big(1500), serverLimits: big(1500) });
    for (const side of [pair.client, pair.server!]) {
      const pmtu = side.stats().pmtu;
      expect(pmtu).toBeLessThanOrEqual(1400);
      expect(pmtu).toBeGreaterThan(1400 - 20);
      expect(side.state.pmtud.phase).toBe('search_complete');
      // RFC 9000 §14.4: "SHOULD NOT trigger a congestion control reaction": no congestion event at all.
      expect(side.state.ld.cc.slowStartThreshold).toBe(Infinity);
      expect(side.state.ld.cc.inRecovery).toBe(false);
    }
    const dropped = pair.sent.filter((d) => d.dropped);
    expect(dropped.length).toBeGreaterThanOrEqual(2 * 3); // 1500 probed MAX_PROBES times by each side
    expect(Math.max(...pair.sent.map((d) => d.bytes.length))).toBe(1500);
  });

  it('RFC 9000 §14.2: the search never exceeds the peer\'s max_udp_payload_size', async () => {
    const pair = await pairOverMtu(() => 65_527, { clientLimits: big(1500), serverLimits: { maxDatagramSize: 1500, maxUdpPayloadSize: 1300 } });
    expect(pair.client.stats().pmtu).toBe(1300);
    expect(pair.server!.stats().pmtu).toBe(1500);
    expect(Math.max(...pair.sent.filter((d) => d.from === 'client').map((d) => d.bytes.length))).toBe(1300);
  });

  it('RFC 9000 §14.3: maxDatagramSize 1200 disables probing', async () => {
    const pair = await pairOverMtu(() => 65_527, { clientLimits: big(1200), serverLimits: big(1200) });
    expect(pair.client.stats().pmtu).toBe(1200);
    expect(pair.client.state.pmtud.phase).toBe('disabled');
    expect(pair.sent.every((d) => d.bytes.length <= 1200)).toBe(true);
  });

  it('RFC 9002 §7.2: a bulk transfer then fills 1452-byte datagrams, and the controller and pacer use the new size', async () => {
    const pair = await pairOverMtu(() => 65_527);
    const before = pair.sent.length;
    const data = payload(300_000, 3);
    expect(bytesEqual(await transfer(pair, data), data)).toBe(true);
    const full = pair.sent.slice(before).filter((d) => d.from === 'client' && d.bytes.length === 1452).length;
    expect(full).toBeGreaterThan(180); // 300 kB / ~1420 bytes of STREAM payload
    expect(pair.client.state.pacer.capacity).toBeGreaterThanOrEqual(10 * 1452);
  });

  it('RFC 8899 §4.3: the path MTU shrinks mid-transfer; black hole detection drops to 1200, the transfer completes, and the search finds the new MTU', async () => {
    let mtu = 65_527;
    const pair = await pairOverMtu(() => mtu, { oneWayDelay: millis(10) });
    expect(pair.client.stats().pmtu).toBe(1452);
    const data = payload(400_000, 4);
    const got = await transfer(pair, data, (received) => {
      if (received > 100_000) mtu = 1300;
    });
    expect(bytesEqual(got, data)).toBe(true);
    expect(pair.client.state.pmtud.blackHoles).toBeGreaterThanOrEqual(1);
    await pair.runFor(seconds(3));
    const pmtu = pair.client.stats().pmtu;
    expect(pmtu).toBeLessThanOrEqual(1300);
    expect(pmtu).toBeGreaterThan(1300 - 20);
  });
});
