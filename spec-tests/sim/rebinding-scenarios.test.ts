/**
 * In-process twins of the interop runner's rebind-port and rebind-addr tests (INTEROP-RUNNER.md §3
 * rows 20-21, §5 rebind): a NAT gives the client a new source port (and address) at 1 s and every
 * 5 s during a download, and the runner's checks are applied to what the server sent:
 * - "whenever the 4-tuple changes to a never-seen one, that first packet must contain PATH_CHALLENGE";
 * - ">= 2 distinct paths seen" (rebind-addr: ">= 2 distinct client IPs");
 * - "every PATH_CHALLENGE payload must appear in some client PATH_RESPONSE";
 * - the file arrives intact.
 * And the connectionmigration twin (row 22): the server advertises preferred_address, the client
 * migrates to it, the first client packet on every new path uses a different DCID than before.
 * Frames are read by decrypting each datagram with the receiver's current 1-RTT keys (no key update
 * happens here). Seeded: a failure prints `replay with SIM_SEED=…`.
 */
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection/connection.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { unprotectPacket } from '../../src/crypto/packet-protection.js';
import { toHex } from '../../src/util/bytes.js';
import { instant } from '../../src/util/time.js';
import { decodeFrames, type Frame } from '../../src/wire/frames.js';
import { splitDatagram } from '../../src/wire/header.js';
import { PacketNumberSpace, PacketType } from '../../src/wire/packet-type.js';
import type { LinkConfig } from './link.js';
import { defaultLink, rebindAddr, rebindPort, RUNNER_CLIENT, RUNNER_SERVER, type Scenario } from './scenarios.js';
import { reportSeedOnFailure, simSeed } from './seed.js';
import { Download, SimPair } from './sim-pair.js';

const provider = nodeCryptoProvider;

/** The 1-RTT frames of `datagram` as `receiver` reads them now, or undefined (long header, no keys). */
function oneRttFrames(receiver: Connection | undefined, datagram: Uint8Array): Frame[] | undefined {
  const sp = receiver?.state.spaces[PacketNumberSpace.ApplicationData];
  if (sp?.readKeys === undefined) return undefined;
  const copy = datagram.slice();
  const pkt = splitDatagram(copy, 8).packets[0];
  if (pkt === undefined || pkt.type !== PacketType.OneRtt) return undefined;
  const opened = unprotectPacket(sp.readKeys, pkt.bytes, pkt.pnOffset, pkt.packetLength, sp.ack.largestReceived);
  return opened === null ? undefined : decodeFrames(opened.payload, PacketType.OneRtt);
}

/** A slower link (2 Mbit/s) so that a 3 MB download spans three rebinds (1 s, 6 s, 11 s). */
function slow(s: Scenario): Scenario {
  const link = (l: LinkConfig): LinkConfig => ({ ...l, rate: { ...l.rate!, bytesPerSecond: 2_000_000 / 8 } });
  return { ...s, clientToServer: link(s.clientToServer), serverToClient: link(s.serverToClient) };
}

interface Trace {
  /** Each new 4-tuple the server sent to, with whether its first datagram carried PATH_CHALLENGE. */
  readonly firstOnPath: { to: string; challenge: boolean; length: number }[];
  readonly challenges: string[];
  readonly responses: Set<string>;
}

async function rebindRun(scenario: Scenario, seed: number): Promise<{ pair: SimPair; download: Download; trace: Trace }> {
  const pair = new SimPair({ scenario: slow(scenario), seed, provider });
  const trace: Trace = { firstOnPath: [], challenges: [], responses: new Set() };
  const seen = new Set<string>([RUNNER_CLIENT]);
  pair.onSend = (d, p) => {
    if (d.datagram === undefined) return;
    const frames = oneRttFrames(d.from === 'server' ? p.client : p.server, d.datagram) ?? [];
    if (d.from === 'server') {
      for (const f of frames) if (f.type === 'path_challenge') trace.challenges.push(toHex(f.data));
      if (d.to !== undefined && !seen.has(d.to)) {
        seen.add(d.to);
        trace.firstOnPath.push({ to: d.to, challenge: frames.some((f) => f.type === 'path_challenge'), length: d.length });
      }
    } else {
      for (const f of frames) if (f.type === 'path_response') trace.responses.add(toHex(f.data));
    }
  };
  const deadline = instant(scenario.timeout);
  await pair.run(() => pair.handshakeDone || pair.client.isClosed, undefined, deadline);
  expect(pair.handshakeDone).toBe(true);
  const download = new Download(1, 3_000_000);
  download.start(pair);
  await pair.run(() => download.done || pair.client.isClosed, download.onEvent, deadline);
  expect(download.done, `download done by ${deadline} µs (got ${download.bytesReceived} bytes)`).toBe(true);
  expect(download.intact).toBe(true);
  return { pair, download, trace };
}

function checkRunnerConditions(trace: Trace): void {
  // ">= 2 distinct paths seen": the handshake path plus at least one after a rebind (three expected)
  expect(trace.firstOnPath.length).toBeGreaterThanOrEqual(2);
  for (const f of trace.firstOnPath) {
    expect(f.challenge, `first server datagram to ${f.to} carries PATH_CHALLENGE`).toBe(true);
    // RFC 9000 §8.2.1: expanded to 1200 bytes unless the amplification limit forbids it
    expect(f.length).toBeGreaterThan(0);
  }
  expect(trace.challenges.length).toBeGreaterThanOrEqual(trace.firstOnPath.length);
  for (const c of trace.challenges) expect(trace.responses.has(c), `PATH_CHALLENGE ${c} answered`).toBe(true);
}

describe('INTEROP rebind-port / rebind-addr: RFC 9000 §9.3 NAT rebinding during a download', () => {
  it('INTEROP rebind-port: RFC 9000 §9.3, §8.2: every new client port gets a PATH_CHALLENGE first, every challenge is answered, the download completes', async () => {
    const seed = reportSeedOnFailure(simSeed());
    const { pair, trace } = await rebindRun(rebindPort, seed);
    checkRunnerConditions(trace);
    expect(trace.firstOnPath.length).toBeGreaterThanOrEqual(3);
    expect(pair.server!.path.remote).not.toBe(RUNNER_CLIENT);
  });

  it('INTEROP rebind-addr: RFC 9000 §9.3, §9.4: the server follows new client addresses, validating each, and the download completes', async () => {
    const seed = reportSeedOnFailure(simSeed());
    const { trace } = await rebindRun(rebindAddr, seed);
    checkRunnerConditions(trace);
    // "server must have sent to >= 2 distinct client IPs"
    const hosts = new Set([RUNNER_CLIENT, ...trace.firstOnPath.map((f) => f.to)].map((a) => a.slice(0, a.lastIndexOf(':'))));
    expect(hosts.size).toBeGreaterThanOrEqual(2);
  });
});

describe('INTEROP connectionmigration: RFC 9000 §9.6 migration to the server\'s preferred address', () => {
  it('INTEROP connectionmigration: RFC 9000 §9.6.2, §9.5: the client moves to the preferred address with a new DCID, every new path starts with PATH_CHALLENGE and every challenge is answered', async () => {
    const seed = reportSeedOnFailure(simSeed());
    const PREFERRED = '193.167.100.101:443';
    const pair = new SimPair({ scenario: defaultLink, seed, provider, serverPreferredAddress: PREFERRED });
    const seenServer = new Set<string>([`${RUNNER_SERVER}->${RUNNER_CLIENT}`]);
    const seenClient = new Set<string>([RUNNER_SERVER]);
    const serverFirst: { path: string; challenge: boolean }[] = [];
    const clientFirst: { to: string; dcid: string; previous: string }[] = [];
    const challenges: string[] = [];
    const responses = new Set<string>();
    let lastClientDcid = '';
    pair.onSend = (d, p) => {
      if (d.datagram === undefined) return;
      const frames = oneRttFrames(d.from === 'server' ? p.client : p.server, d.datagram) ?? [];
      for (const f of frames) if (f.type === 'path_challenge') challenges.push(toHex(f.data));
      for (const f of frames) if (f.type === 'path_response') responses.add(toHex(f.data));
      if (d.from === 'server') {
        const key = `${d.local}->${d.to}`;
        if (!seenServer.has(key)) {
          seenServer.add(key);
          serverFirst.push({ path: key, challenge: frames.some((f) => f.type === 'path_challenge') });
        }
        return;
      }
      const short = (d.datagram[0]! & 0x80) === 0;
      const dcid = short ? toHex(d.datagram.subarray(1, 9)) : lastClientDcid;
      if (d.to !== undefined && !seenClient.has(d.to)) {
        seenClient.add(d.to);
        clientFirst.push({ to: d.to, dcid, previous: lastClientDcid });
      }
      if (short) lastClientDcid = dcid;
    };
    let offered: string | undefined;
    const deadline = instant(defaultLink.timeout);
    const download = new Download(1, 2_000_000);
    let started = false;
    await pair.run(
      () => download.done || pair.client.isClosed,
      (side, ev, p) => {
        if (side === 'client' && ev.type === 'preferred_address') {
          offered = ev.ipv4;
          expect(p.client.migrate(p.now, { local: RUNNER_CLIENT, remote: ev.ipv4! })).toBe('ok');
        }
        if (!started && p.handshakeDone) {
          started = true;
          download.start(p);
        }
        download.onEvent(side, ev, p);
      },
      deadline,
    );
    expect(offered).toBe(PREFERRED);
    expect(download.done).toBe(true);
    expect(download.intact).toBe(true);
    expect(pair.client.path.remote).toBe(PREFERRED);
    expect(pair.server!.path.local).toBe(PREFERRED);
    expect(clientFirst.length).toBeGreaterThanOrEqual(1);
    for (const c of clientFirst) expect(c.dcid, `first client packet to ${c.to} uses a new DCID`).not.toBe(c.previous);
    expect(serverFirst.length).toBeGreaterThanOrEqual(1);
    for (const f of serverFirst) expect(f.challenge, `first server datagram on ${f.path} carries PATH_CHALLENGE`).toBe(true);
    for (const c of challenges) expect(responses.has(c), `PATH_CHALLENGE ${c} answered`).toBe(true);
  });
});
