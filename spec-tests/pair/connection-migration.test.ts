/**
 * Path validation and connection migration between two Connections in memory (RFC 9000 §8.2, §9):
 * NAT rebinding (port only and address), spoofed addresses, client migration with a new
 * connection ID, the server's preferred address, validation failure, and the bounds on paths and
 * queued PATH_RESPONSE frames. A small NAT in the pair's `route` hook maps the client's local
 * address to the address the server sees, and drops what the server sends to stale mappings.
 */
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection/connection.js';
import { MAX_PATHS, MAX_PENDING_RESPONSES } from '../../src/connection/paths.js';
import type { NetworkPath } from '../../src/connection/types.js';
import { unprotectPacket } from '../../src/crypto/packet-protection.js';
import { bytesEqual } from '../../src/util/bytes.js';
import { decodeFrames, type Frame } from '../../src/wire/frames.js';
import { splitDatagram } from '../../src/wire/header.js';
import { PacketNumberSpace, PacketType } from '../../src/wire/packet-type.js';
import { EndpointHarness } from '../helpers/endpoint-harness.js';
import { ConnectionPair, confirmedPair, forgeOneRttDatagram, payload, transfer, type PairOptions, type SentDatagram } from '../helpers/connection-pair.js';

const SERVER = '10.0.0.9:443';
const CLIENT = '10.0.0.1:5000';

/** The 1-RTT frames of `datagram` as `receiver` would read them (its current keys), or undefined. */
function oneRttFrames(receiver: Connection | undefined, datagram: Uint8Array): Frame[] | undefined {
  if (receiver === undefined) return undefined;
  const copy = datagram.slice();
  const pkt = splitDatagram(copy, 8).packets[0];
  if (pkt === undefined || pkt.type !== PacketType.OneRtt) return undefined;
  const sp = receiver.state.spaces[PacketNumberSpace.ApplicationData];
  if (sp.readKeys === undefined) return undefined;
  const opened = unprotectPacket(sp.readKeys, pkt.bytes, pkt.pnOffset, pkt.packetLength, sp.ack.largestReceived);
  return opened === null ? undefined : decodeFrames(opened.payload, PacketType.OneRtt);
}

/** The DCID of a short-header datagram (8 bytes after the first byte). */
function dcidOf(d: Uint8Array): string {
  return Buffer.from(d.subarray(1, 9)).toString('hex');
}

interface Observed {
  readonly d: SentDatagram;
  readonly frames: Frame[] | undefined;
  /** The remote address the datagram went to. */
  readonly to: string;
}

/** A NAT in front of the client plus a log of what each side sent, decrypted by the peer. */
class TestNet {
  /** The address the server sees for the client's socket CLIENT. */
  external = CLIENT;
  /** Every mapping the NAT has used (server packets to older ones are dropped). */
  readonly log: Observed[] = [];
  /** Remotes the server must not reach (an attacker, a broken path). */
  readonly blackholed = new Set<string>();
  pair!: ConnectionPair;
  /** The next full-size client datagram reaches the server from this address instead (then unset). */
  spoofFrom: string | undefined;
  spoofedBytes = 0;

  readonly route = (d: SentDatagram): NetworkPath | undefined => {
    const sentOn = d.path ?? { local: d.from === 'client' ? CLIENT : SERVER, remote: d.from === 'client' ? SERVER : this.external };
    const receiver = this.pair === undefined ? undefined : d.from === 'client' ? this.pair.server : this.pair.client;
    this.log.push({ d, frames: oneRttFrames(receiver, d.bytes), to: sentOn.remote });
    if (d.from === 'client') {
      if (this.spoofFrom !== undefined && d.bytes.length >= 1200) {
        const remote = this.spoofFrom;
        this.spoofFrom = undefined;
        this.spoofedBytes = d.bytes.length;
        return { local: SERVER, remote };
      }
      const local = sentOn.local === '' ? CLIENT : sentOn.local;
      return { local: sentOn.remote === '' ? SERVER : sentOn.remote, remote: local === CLIENT ? this.external : local };
    }
    if (this.blackholed.has(sentOn.remote)) return undefined;
    if (sentOn.remote === this.external) return { local: CLIENT, remote: sentOn.local };
    if (sentOn.remote.startsWith('10.0.0.1:') || !sentOn.remote.startsWith('10.0.0.')) return undefined; // stale mapping / unknown
    return { local: sentOn.remote, remote: sentOn.local };
  };

  serverSentTo(remote: string): Observed[] {
    return this.log.filter((o) => o.d.from === 'server' && o.to === remote);
  }
}

async function netPair(extra: PairOptions = {}): Promise<{ pair: ConnectionPair; net: TestNet }> {
  const net = new TestNet();
  const pair = await confirmedPair({ clientPath: { local: CLIENT, remote: SERVER }, route: net.route, ...extra });
  net.pair = pair;
  return { pair, net };
}

function hasFrame(o: Observed, type: Frame['type']): boolean {
  return o.frames?.some((f) => f.type === type) ?? false;
}

/** RFC 9000 §8.2.2: every PATH_CHALLENGE one side sent was echoed in a PATH_RESPONSE by the other. */
function allChallengesAnswered(net: TestNet, challenger: 'client' | 'server'): number {
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  const challenges = net.log.filter((o) => o.d.from === challenger).flatMap((o) => o.frames ?? []).filter((f) => f.type === 'path_challenge').map((f) => hex(f.data));
  const responses = new Set(net.log.filter((o) => o.d.from !== challenger).flatMap((o) => o.frames ?? []).filter((f) => f.type === 'path_response').map((f) => hex(f.data)));
  // A challenge sent again after its path validated needs no answer; every validation needs one.
  return challenges.filter((c) => responses.has(c)).length;
}

async function rebindMidTransfer(newExternal: string): Promise<{ pair: ConnectionPair; net: TestNet; ccBefore: unknown; firstSampleBefore: unknown; received: Uint8Array; data: Uint8Array }> {
  const { pair, net } = await netPair();
  const server = pair.server!;
  const ccBefore = server.state.ld.cc;
  const firstSampleBefore = server.state.ld.rtt.firstRttSample;
  const data = payload(400_000);
  let rebound = false;
  const received = await transfer(pair, data, (n) => {
    if (!rebound && n > 100_000) {
      rebound = true;
      net.external = newExternal;
    }
  });
  return { pair, net, ccBefore, firstSampleBefore, received, data };
}

describe('RFC 9000 §9.3: NAT rebinding', () => {
  it('RFC 9000 §9.3, §8.2.1: a port-only rebinding mid-transfer: the first server datagram on the new path carries PATH_CHALLENGE (≥ 1200 bytes), the client answers, the transfer completes and RTT/congestion state is kept', async () => {
    const { pair, net, ccBefore, firstSampleBefore, received, data } = await rebindMidTransfer('10.0.0.1:6000');
    const server = pair.server!;
    expect(bytesEqual(received, data)).toBe(true);
    const toNew = net.serverSentTo('10.0.0.1:6000');
    expect(toNew.length).toBeGreaterThan(0);
    expect(hasFrame(toNew[0]!, 'path_challenge')).toBe(true);
    expect(toNew[0]!.d.bytes.length).toBeGreaterThanOrEqual(1200);
    expect(server.path.remote).toBe('10.0.0.1:6000');
    expect(pair.events.server.some((e) => e.type === 'path_validated' && e.path.remote === '10.0.0.1:6000')).toBe(true);
    expect(allChallengesAnswered(net, 'server')).toBeGreaterThan(0);
    // the client's PATH_RESPONSE datagram is expanded too (RFC 9000 §8.2.2)
    const response = net.log.find((o) => o.d.from === 'client' && hasFrame(o, 'path_response'));
    expect(response?.d.bytes.length).toBeGreaterThanOrEqual(1200);
    // RFC 9000 §9.4: "the endpoint MAY instead retain its congestion control state and round-trip estimate" (port only)
    expect(server.state.ld.cc).toBe(ccBefore);
    expect(server.state.ld.rtt.firstRttSample).toBe(firstSampleBefore);
  });

  it('RFC 9000 §9.4: an address change mid-transfer resets the congestion controller and RTT estimator once the new path is validated', async () => {
    const { pair, net, ccBefore, firstSampleBefore, received, data } = await rebindMidTransfer('10.0.0.77:7000');
    const server = pair.server!;
    expect(bytesEqual(received, data)).toBe(true);
    const toNew = net.serverSentTo('10.0.0.77:7000');
    expect(hasFrame(toNew[0]!, 'path_challenge')).toBe(true);
    expect(server.path.remote).toBe('10.0.0.77:7000');
    expect(server.state.ld.cc).not.toBe(ccBefore);
    expect(server.state.ld.rtt.firstRttSample).not.toBe(firstSampleBefore);
  });

  it('RFC 9000 §9.3.2: a spoofed copy from an attacker address moves the connection only until the next genuine packet; the attacker gets at most 3× the bytes it sent', async () => {
    const { pair, net } = await netPair();
    const server = pair.server!;
    const ATTACKER = '6.6.6.6:666';
    net.blackholed.add(ATTACKER);
    const data = payload(200_000);
    // One full client datagram arrives from the attacker's address first; the genuine original is
    // then a duplicate (RFC 9000 §9.3.2: "the original packet will be seen as a duplicate and dropped").
    const received = await transfer(pair, data, (n) => {
      if (n > 50_000 && net.spoofedBytes === 0) net.spoofFrom = ATTACKER;
    });
    expect(bytesEqual(received, data)).toBe(true);
    expect(net.spoofedBytes).toBeGreaterThan(0);
    expect(pair.events.server.some((e) => e.type === 'path_migrated' && e.path.remote === ATTACKER)).toBe(true);
    expect(server.path.remote).toBe(CLIENT);
    const toAttacker = net.serverSentTo(ATTACKER);
    expect(toAttacker.length).toBeGreaterThan(0);
    expect(hasFrame(toAttacker[0]!, 'path_challenge')).toBe(true);
    expect(toAttacker.reduce((n, o) => n + o.d.bytes.length, 0)).toBeLessThanOrEqual(3 * net.spoofedBytes);
    // the spurious path's validation was abandoned when the genuine path came back
    expect(server.state.paths.list.some((p) => p.path.remote === ATTACKER && p.challengeDeadline !== undefined)).toBe(false);
    expect(pair.events.server.some((e) => e.type === 'path_validated' && e.path.remote === ATTACKER)).toBe(false);
  });
});

describe('RFC 9000 §9: packets from an unknown server address', () => {
  it('RFC 9000 §9: the client discards a genuine server packet that arrives from an unknown address, and reads the same packet from the server address', async () => {
    const pair = await confirmedPair({ clientPath: { local: CLIENT, remote: SERVER } });
    const client = pair.client;
    // A PING (0x01): ack-eliciting, so a processed copy would be counted and acknowledged.
    const datagram = forgeOneRttDatagram(pair.server!, new Uint8Array([0x01]), pair.now);
    const received = client.state.packetsReceived;
    const bytes = client.state.bytesReceived;
    pair.deliverNow('client', datagram.slice(), { local: CLIENT, remote: '10.9.9.9:443' });
    expect(client.state.packetsReceived).toBe(received);
    expect(client.state.bytesReceived).toBe(bytes);
    expect(client.state.paths.list.map((p) => p.path.remote)).toEqual([SERVER]);
    pair.deliverNow('client', datagram.slice(), { local: CLIENT, remote: SERVER });
    expect(client.state.packetsReceived).toBe(received + 1);
  });
});

describe('RFC 9000 §9.2, §9.5: client migration', () => {
  it('RFC 9000 §9: migrate() is refused before the handshake is confirmed and by the server', async () => {
    const pair = new ConnectionPair({ clientPath: { local: CLIENT, remote: SERVER } });
    expect(pair.client.migrate(pair.now, { local: '10.0.0.2:5001', remote: SERVER })).toBe('not_confirmed');
    await pair.run(() => pair.handshakeDone && pair.client.state.handshakeConfirmed);
    expect(pair.server!.migrate(pair.now, { local: SERVER, remote: '10.0.0.2:1' })).toBe('not_client');
    expect(pair.client.migrate(pair.now, pair.client.path)).toBe('same_path');
  });

  it('RFC 9000 §9: migrate() is refused when the server sent disable_active_migration, and without a spare connection ID', async () => {
    const { pair } = await netPair();
    const params = pair.client.state.peerParams!;
    pair.client.state.peerParams = { ...params, disableActiveMigration: true };
    expect(pair.client.migrate(pair.now, { local: '10.0.0.2:5001', remote: SERVER })).toBe('disabled');
    pair.client.state.peerParams = params;
    // RFC 9000 §9.5: "An endpoint that exhausts available connection IDs cannot probe new paths or initiate migration"
    const remote = pair.client.state.cids.remote;
    for (const seq of [...remote.keys()]) if (seq !== pair.client.state.cids.remoteSeq) remote.delete(seq);
    expect(pair.client.migrate(pair.now, { local: '10.0.0.2:5001', remote: SERVER })).toBe('no_connection_id');
  });

  it('RFC 9000 §9.5: after migrate() the first client packet on the new path uses a new DCID, the server answers with a new DCID too, and the transfer completes', async () => {
    const { pair, net } = await netPair();
    const NEW = '10.0.0.2:5001';
    const data = payload(300_000);
    let migrated: string | undefined;
    let oldClientDcid = '';
    let oldServerDcid = '';
    const received = await transfer(pair, data, (n) => {
      if (migrated === undefined && n > 50_000) {
        oldClientDcid = Buffer.from(pair.client.state.remoteCid).toString('hex');
        oldServerDcid = Buffer.from(pair.server!.state.remoteCid).toString('hex');
        migrated = pair.client.migrate(pair.now, { local: NEW, remote: SERVER });
      }
    });
    expect(migrated).toBe('ok');
    expect(bytesEqual(received, data)).toBe(true);
    const firstOnNew = net.log.find((o) => o.d.from === 'client' && o.d.path?.local === NEW)!;
    expect(dcidOf(firstOnNew.d.bytes)).not.toBe(oldClientDcid);
    expect(hasFrame(firstOnNew, 'path_challenge')).toBe(true);
    const serverFirst = net.serverSentTo(NEW)[0]!;
    expect(hasFrame(serverFirst, 'path_challenge')).toBe(true);
    expect(dcidOf(serverFirst.d.bytes)).not.toBe(oldServerDcid);
    expect(pair.server!.path.remote).toBe(NEW);
    expect(pair.events.client.some((e) => e.type === 'path_validated' && e.path.local === NEW)).toBe(true);
    expect(allChallengesAnswered(net, 'client')).toBeGreaterThan(0);
  });

  it('RFC 9000 §8.2.4, §9.3.2: when validation of the new path fails the client falls back to the last validated path and the transfer completes', async () => {
    const { pair, net } = await netPair();
    const BROKEN = '10.0.0.3:5002';
    net.blackholed.add(BROKEN); // nothing from the server reaches the new local address
    const data = payload(150_000);
    let migrated = false;
    const received = await transfer(pair, data, (n) => {
      if (!migrated && n > 30_000) migrated = pair.client.migrate(pair.now, { local: BROKEN, remote: SERVER }) === 'ok';
    });
    expect(migrated).toBe(true);
    expect(bytesEqual(received, data)).toBe(true);
    expect(pair.events.client.some((e) => e.type === 'path_failed' && e.path.local === BROKEN)).toBe(true);
    expect(pair.client.path.local).toBe(CLIENT);
  });
});

describe('RFC 9000 §9.6: server preferred address', () => {
  it('RFC 9000 §9.6.2: the client learns the preferred address at confirmation, probes it with the sequence-1 connection ID, moves, and the transfer continues there', async () => {
    const PREFERRED = '10.0.0.10:4433';
    const { pair, net } = await netPair({ serverPreferredAddress: { ipv4: PREFERRED } });
    const ev = pair.events.client.find((e) => e.type === 'preferred_address');
    expect(ev).toEqual({ type: 'preferred_address', ipv4: PREFERRED });
    const seq1 = pair.server!.state.cids.local.get(1)!.cid;
    expect(pair.client.migrate(pair.now, { local: CLIENT, remote: PREFERRED })).toBe('ok');
    const data = payload(200_000);
    const received = await transfer(pair, data);
    expect(bytesEqual(received, data)).toBe(true);
    expect(pair.client.path.remote).toBe(PREFERRED);
    expect(bytesEqual(pair.client.state.remoteCid, seq1)).toBe(true);
    expect(pair.server!.path.local).toBe(PREFERRED);
    // RFC 9000 §18.2: "A client MUST NOT send non-probing frames to a preferred address prior to validating that address"
    const toPreferred = net.log.filter((o) => o.d.from === 'client' && o.to === PREFERRED);
    const validatedAt = toPreferred.findIndex((o) => o.frames?.some((f) => f.type !== 'path_challenge' && f.type !== 'path_response' && f.type !== 'padding' && f.type !== 'new_connection_id'));
    expect(validatedAt).toBeGreaterThan(0);
    expect(hasFrame(toPreferred[0]!, 'path_challenge')).toBe(true);
    expect(hasFrame(net.serverSentTo(CLIENT).filter((o) => o.d.path?.local === PREFERRED)[0]!, 'path_challenge')).toBe(true);
  });
});

describe('RFC 9000 §9.3.1: limits on what a peer can make us remember', () => {
  it(`RFC 9000 §9.3.1: packets from many new addresses keep at most ${MAX_PATHS} paths`, async () => {
    const { pair } = await netPair();
    const server = pair.server!;
    for (let i = 0; i < 12; i++) {
      const forged = forgeOneRttDatagram(pair.client, Uint8Array.of(0x01), pair.now); // PING: non-probing
      pair.deliverNow('server', forged, { local: SERVER, remote: `192.0.2.${i}:1000` });
    }
    expect(server.state.paths.list.length).toBeLessThanOrEqual(MAX_PATHS);
    expect(server.path.remote).toBe('192.0.2.11:1000');
  });

  it(`RFC 9000 §8.2.2: at most ${MAX_PENDING_RESPONSES} PATH_RESPONSE frames are queued per path`, async () => {
    const { pair } = await netPair();
    const frames: number[] = [];
    for (let i = 0; i < 10; i++) frames.push(0x1a, i, i, i, i, i, i, i, i);
    const forged = forgeOneRttDatagram(pair.client, Uint8Array.from(frames), pair.now);
    pair.deliverNow('server', forged, { local: SERVER, remote: CLIENT });
    const p = pair.server!.state.paths.list.find((q) => q.path.remote === CLIENT)!;
    expect(p.responses.length).toBe(MAX_PENDING_RESPONSES);
    expect(p.responses[0]![0]).toBe(10 - MAX_PENDING_RESPONSES);
  });
});

describe('RFC 9000 §9.3: the endpoint follows a connection to a new address', () => {
  it('RFC 9000 §9.3: a known connection ID from a new address reaches its connection on the new path, and the endpoint answers there with PATH_CHALLENGE first', async () => {
    const h = new EndpointHarness();
    const c = h.addClient('192.0.2.1:1000');
    await h.run(() => h.clientDone('192.0.2.1:1000') && c.state.handshakeConfirmed);
    const forged = forgeOneRttDatagram(c, new Uint8Array([0x01, ...new Array<number>(1199).fill(0)]), h.now);
    const sent = h.inject(forged, '192.0.2.1:2000');
    expect(sent.length).toBeGreaterThan(0);
    expect(sent[0]!.remote).toBe('192.0.2.1:2000');
    expect(oneRttFrames(c, sent[0]!.bytes)?.some((f) => f.type === 'path_challenge')).toBe(true);
    expect(sent[0]!.bytes.length).toBeGreaterThanOrEqual(1200);
  });
});
