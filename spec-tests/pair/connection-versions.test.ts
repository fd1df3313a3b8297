import { describe, expect, it } from 'vitest';
import { Connection } from '../../src/connection/connection.js';
import { chooseServerVersion, longHeaderReadKeys } from '../../src/connection/versions.js';
import { deriveInitialKeys } from '../../src/crypto/initial-secrets.js';
import { decodeFrames } from '../../src/wire/frames.js';
import { unprotectPacket } from '../../src/crypto/packet-protection.js';
import { Reader, Writer } from '../../src/util/bytes.js';
import { SeededRandom } from '../../src/util/random.js';
import { TransportErrorCode } from '../../src/wire/errors.js';
import { splitDatagram } from '../../src/wire/header.js';
import { PacketType } from '../../src/wire/packet-type.js';
import { decodeVersionNegotiation, encodeVersionNegotiation, sizeOfVersionNegotiation, versionNegotiationFor } from '../../src/wire/version-negotiation.js';
import { QUIC_V1, QUIC_V2 } from '../../src/wire/version.js';
import { ConnectionPair, payload, transfer } from '../helpers/connection-pair.js';
import { EndpointHarness, endpointOptions, provider } from '../helpers/endpoint-harness.js';

const REMOTE = '192.0.2.10:4000';
const GREASE = 0x1a2a3a4a;

/** The versions of the long-header packets in a datagram (short headers carry none). */
function longVersions(bytes: Uint8Array): number[] {
  return splitDatagram(bytes, 8).packets.flatMap((p) => (p.type === PacketType.OneRtt || p.type === PacketType.VersionNegotiation ? [] : [p.version]));
}

/** A Version Negotiation packet answering `client`'s first Initial, listing `versions`. */
function vnFor(client: Connection, versions: number[], dcid = client.state.localCid, scid = client.state.originalDcid): Uint8Array {
  const vn = versionNegotiationFor(new SeededRandom(3), scid, dcid, versions);
  const w = new Writer(new Uint8Array(sizeOfVersionNegotiation(vn)));
  encodeVersionNegotiation(w, vn);
  return w.written();
}

function serverOf(h: EndpointHarness): Connection {
  const ev = h.serverEvents.find((e) => e.type === 'new_connection');
  if (ev?.type !== 'new_connection') throw new Error('no connection');
  return h.endpoint.connection(ev.handle)!;
}

function upgradingEndpoint(extra: { versionInformation?: { chosenVersion: number; availableVersions: number[] } } = {}): EndpointHarness {
  const base = endpointOptions();
  return new EndpointHarness({ ...base, server: { ...base.server, preferredVersions: [QUIC_V2, QUIC_V1], ...extra } });
}

describe('RFC 9000 §6: version negotiation at the client', () => {
  it('RFC 9000 §6.1: an Initial of an unsupported version gets a VN listing v1 and v2 that echoes the client CIDs', () => {
    const h = new EndpointHarness();
    const client = h.addClient(REMOTE);
    const out = new Uint8Array(1500);
    const n = client.pollTransmit(h.now, out)!.length;
    const initial = out.slice(0, n);
    new DataView(initial.buffer).setUint32(1, GREASE); // the client "speaks" an unknown version
    const answers = h.inject(initial, REMOTE);
    expect(answers).toHaveLength(1);
    const vn = decodeVersionNegotiation(new Reader(answers[0]!.bytes));
    expect(vn.supportedVersions).toEqual(expect.arrayContaining([QUIC_V1, QUIC_V2]));
    expect(vn.dcid).toEqual(client.state.localCid);
    expect(vn.scid).toEqual(client.state.originalDcid);
    // The VN lists the client's real version (v1), so the client ignores it (RFC 9000 §6.2).
    client.handleDatagram(h.now, answers[0]!.bytes);
    expect(client.isClosed).toBe(false);
    expect(client.state.phase).toBe('handshaking');
  });

  it('RFC 9000 §6.2: "A client that supports only this version of QUIC MUST abandon the current connection attempt": a VN without our version closes', () => {
    const h = new EndpointHarness();
    const client = h.addClient(REMOTE, { version: QUIC_V2, availableVersions: [QUIC_V2] });
    h.flush();
    client.handleDatagram(h.now, vnFor(client, [QUIC_V1, GREASE]));
    const closed = client.pollEvent();
    expect(closed).toMatchObject({ type: 'connection_closed', by: 'version_negotiation' });
    expect(closed?.type === 'connection_closed' && closed.reason).toContain('0x00000001');
    // Nothing more is sent.
    expect(client.pollTransmit(h.now, new Uint8Array(1500))).toBeUndefined();
    client.handleTimeout(client.pollTimeout() ?? h.now);
    expect(client.isClosed).toBe(true);
  });

  it('RFC 9000 §6.2: "A client MUST discard a Version Negotiation packet that lists the QUIC version selected by the client"; one with foreign CIDs is discarded too', async () => {
    const h = new EndpointHarness();
    const client = h.addClient(REMOTE);
    client.handleDatagram(h.now, vnFor(client, [QUIC_V2, QUIC_V1, GREASE]));
    client.handleDatagram(h.now, vnFor(client, [QUIC_V2], new Uint8Array(8).fill(9)));
    expect(client.pollEvent()).toBeUndefined();
    await h.run(() => h.clientDone(REMOTE));
    expect(h.clientDone(REMOTE)).toBe(true);
  });

  it('RFC 9000 §6.2: "A client MUST discard any Version Negotiation packet if it has received and successfully processed any other packet"', async () => {
    const h = new EndpointHarness();
    const client = h.addClient(REMOTE);
    await h.run(() => client.state.packetsReceived > 0);
    client.handleDatagram(h.now, vnFor(client, [QUIC_V2, GREASE]));
    expect(client.state.phase).not.toBe('draining');
    await h.run(() => h.clientDone(REMOTE));
    expect(h.clientEvents.get(REMOTE)!.some((e) => e.type === 'connection_closed')).toBe(false);
  });
});

describe('RFC 9369: QUIC version 2', () => {
  it('RFC 9369 §3: a v2 client and server complete the handshake and move data, every long header in v2', async () => {
    const pair = new ConnectionPair({ clientVersioning: { version: QUIC_V2, availableVersions: [QUIC_V2] } });
    await pair.run(() => pair.handshakeDone && pair.client.state.handshakeConfirmed);
    const data = payload(50_000);
    expect(await transfer(pair, data)).toEqual(data);
    expect(pair.server!.version).toBe(QUIC_V2);
    const versions = pair.sent.flatMap((d) => longVersions(d.bytes));
    expect(versions.length).toBeGreaterThan(2);
    expect(new Set(versions)).toEqual(new Set([QUIC_V2]));
  });

  it('RFC 9369 §4, RFC 9368 §2.3: a v1 client offering v2 is upgraded; every server packet and the client Handshake/1-RTT packets are v2 (the interop v2 test)', async () => {
    const h = upgradingEndpoint();
    const client = h.addClient(REMOTE);
    await h.run(() => h.serverEvents.some((e) => e.type === 'new_connection'));
    const server = serverOf(h);
    expect(server.version).toBe(QUIC_V2);
    // RFC 9368 §2.3: the client's v1 Initials still in flight open with the server's kept v1 keys.
    const first = splitDatagram(h.fromClients[0]!.bytes.slice(), 8).packets[0]!;
    if (first.type !== PacketType.Initial) throw new Error('not an Initial');
    expect(first.version).toBe(QUIC_V1);
    const keys = longHeaderReadKeys(server.state, first);
    expect(keys).toBeDefined();
    expect(unprotectPacket(keys!, first.bytes, first.pnOffset, first.packetLength, -1)).not.toBeNull();
    await h.run(() => h.clientDone(REMOTE) && client.state.handshakeConfirmed);
    expect(client.version).toBe(QUIC_V2);
    expect(longVersions(h.fromClients[0]!.bytes)).toEqual([QUIC_V1]);
    for (const d of h.fromServer) for (const v of longVersions(d.bytes)) expect(v).toBe(QUIC_V2);
    for (const d of h.fromClients.slice(1)) for (const v of longVersions(d.bytes)) expect(v).toBe(QUIC_V2);
    expect(h.fromServer.length).toBeGreaterThan(0);
    expect(h.fromClients.length).toBeGreaterThan(1);
    expect(server.state.localParams.versionInformation?.chosenVersion).toBe(QUIC_V2);
    expect(client.state.peerParams?.versionInformation?.chosenVersion).toBe(QUIC_V2);
  });

  it('RFC 9369 §3.3.3, RFC 9368 §2.3: Retry then upgrade: a v1 client follows a v1 Retry and is upgraded to v2; a v2 client follows a v2 Retry', async () => {
    const base = endpointOptions({ retry: 'always' });
    const h = new EndpointHarness({ ...base, server: { ...base.server, preferredVersions: [QUIC_V2, QUIC_V1] } });
    const c1 = h.addClient(REMOTE);
    const c2 = h.addClient('192.0.2.11:4001', { version: QUIC_V2, availableVersions: [QUIC_V2] });
    await h.run(() => h.clientDone(REMOTE) && h.clientDone('192.0.2.11:4001'));
    expect(h.endpoint.stats().retriesSent).toBe(2);
    expect(c1.state.negotiation.retrySourceCid).toBeDefined();
    expect(c2.state.negotiation.retrySourceCid).toBeDefined();
    expect(c1.version).toBe(QUIC_V2);
    expect(c2.version).toBe(QUIC_V2);
  });

  it('RFC 9368 §2.3: the server decides once the ClientHello is whole, also when it spans several CRYPTO frames', () => {
    const h = new EndpointHarness();
    const client = h.addClient(REMOTE);
    const out = new Uint8Array(1500);
    const n = client.pollTransmit(h.now, out)!.length;
    const pkt = splitDatagram(out.slice(0, n), 8).packets[0]!;
    if (pkt.type !== PacketType.Initial) throw new Error('not an Initial');
    const opened = unprotectPacket(deriveInitialKeys(provider, QUIC_V1, client.state.originalDcid).client, pkt.bytes, pkt.pnOffset, pkt.packetLength, -1)!;
    const crypto = decodeFrames(opened.payload).find((f) => f.type === 'crypto');
    if (crypto?.type !== 'crypto') throw new Error('no CRYPTO frame');
    const base = endpointOptions().server;
    const server = Connection.accept({ ...base, preferredVersions: [QUIC_V2] }, pkt);
    chooseServerVersion(server.state, crypto.data.subarray(0, 100));
    expect(server.version).toBe(QUIC_V1);
    chooseServerVersion(server.state, crypto.data.subarray(100));
    expect(server.version).toBe(QUIC_V2);
    expect(server.state.localParams.versionInformation?.chosenVersion).toBe(QUIC_V2);
  });

  it('RFC 9368 §2.3: a server without preferred versions keeps v1 for a v1 client that offers v2', async () => {
    const h = new EndpointHarness();
    const client = h.addClient(REMOTE);
    await h.run(() => h.clientDone(REMOTE));
    expect(client.version).toBe(QUIC_V1);
    for (const d of [...h.fromServer, ...h.fromClients]) for (const v of longVersions(d.bytes)) expect(v).toBe(QUIC_V1);
    expect(client.state.peerParams?.versionInformation?.chosenVersion).toBe(QUIC_V1);
  });

  it('RFC 9368 §2.3: a client that does not offer v2 is not upgraded', async () => {
    const h = upgradingEndpoint();
    const client = h.addClient(REMOTE, { availableVersions: [QUIC_V1] });
    await h.run(() => h.clientDone(REMOTE));
    expect(client.version).toBe(QUIC_V1);
    expect(serverOf(h).version).toBe(QUIC_V1);
  });

  it('RFC 9368 §4: a server Chosen Version that differs from the version in use closes with VERSION_NEGOTIATION_ERROR', async () => {
    // The server upgrades to v2 but claims v1 in version_information (a downgrade's signature).
    const h = upgradingEndpoint({ versionInformation: { chosenVersion: QUIC_V1, availableVersions: [QUIC_V1, QUIC_V2] } });
    const client = h.addClient(REMOTE);
    await h.run(() => h.clientEvents.get(REMOTE)!.some((e) => e.type === 'connection_closed'));
    expect(client.version).toBe(QUIC_V2);
    expect(h.clientEvents.get(REMOTE)!.find((e) => e.type === 'connection_closed')).toMatchObject({ by: 'local', code: TransportErrorCode.VERSION_NEGOTIATION_ERROR });
  });

  it('RFC 9368 §4: a client Chosen Version that is not the version of its first Initial closes with VERSION_NEGOTIATION_ERROR', async () => {
    const pair = new ConnectionPair({ clientVersioning: { versionInformation: { chosenVersion: QUIC_V2, availableVersions: [QUIC_V2, QUIC_V1] } } });
    await pair.run(() => pair.events.server.some((e) => e.type === 'connection_closed'));
    expect(pair.events.server.find((e) => e.type === 'connection_closed')).toMatchObject({ by: 'local', code: TransportErrorCode.VERSION_NEGOTIATION_ERROR });
  });
});
