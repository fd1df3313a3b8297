import { describe, expect, it } from 'vitest';
import { verifyRetryIntegrity } from '../../src/crypto/retry-integrity.js';
import { AddressTokens } from '../../src/endpoint/address-token.js';
import { StatelessResetKey } from '../../src/endpoint/stateless-reset-key.js';
import { Reader, Writer } from '../../src/util/bytes.js';
import { SeededRandom } from '../../src/util/random.js';
import { addDuration, seconds } from '../../src/util/time.js';
import { decodePacketHeader } from '../../src/wire/header.js';
import { decodeRetryPacket } from '../../src/wire/retry-packet.js';
import { encodeShortHeader } from '../../src/wire/short-header.js';
import { PacketType } from '../../src/wire/packet-type.js';
import { statelessResetTokenOf } from '../../src/wire/stateless-reset.js';
import { decodeVersionNegotiation } from '../../src/wire/version-negotiation.js';
import { QUIC_V1, QUIC_V2, isReservedVersion } from '../../src/wire/version.js';
import { EndpointHarness, cid, endpointOptions, forgeInitial, provider } from '../helpers/endpoint-harness.js';

/** A long-header datagram of `size` bytes with `version` (the interop runner's readiness probe). */
function unknownVersionDatagram(version: number, dcid: Uint8Array, scid: Uint8Array, size: number): Uint8Array {
  const w = new Writer(new Uint8Array(size));
  w.u8(0xc0).u32(version).u8(dcid.length).bytes(dcid).u8(scid.length).bytes(scid);
  return w.buf;
}

function shortHeaderDatagram(dcid: Uint8Array, size: number): Uint8Array {
  const w = new Writer(new Uint8Array(size));
  encodeShortHeader(w, { type: PacketType.OneRtt, dcid, spin: false, keyPhase: false }, 7, 1);
  return w.buf;
}

describe('RFC 9000 §6.1: version negotiation', () => {
  it('RFC 9000 §6.1: an unknown version in a 1200-byte datagram gets a VN listing v1, v2 and a greased version, CIDs swapped', () => {
    const h = new EndpointHarness();
    const dcid = cid(0xd1, 8);
    const scid = cid(0x5c, 5);
    const out = h.inject(unknownVersionDatagram(0x1a2a3a4a, dcid, scid, 1200), '203.0.113.9:443');
    expect(out).toHaveLength(1);
    expect(out[0]!.remote).toBe('203.0.113.9:443');
    const vn = decodeVersionNegotiation(new Reader(out[0]!.bytes));
    expect(vn.supportedVersions).toContain(QUIC_V1);
    expect(vn.supportedVersions).toContain(QUIC_V2);
    expect(vn.supportedVersions.some(isReservedVersion)).toBe(true);
    expect(vn.dcid).toEqual(scid);
    expect(vn.scid).toEqual(dcid);
    expect(h.endpoint.stats()).toMatchObject({ connections: 0, routes: 0, versionNegotiationsSent: 1 });
  });

  it('RFC 9000 §5.2.2: an unknown version in a datagram under 1200 bytes is dropped', () => {
    const h = new EndpointHarness();
    expect(h.inject(unknownVersionDatagram(0x1a2a3a4a, cid(1), cid(2), 1199), 'x:1')).toHaveLength(0);
  });

  it('RFC 9000 §6.1: a Version Negotiation packet is never answered with one', () => {
    const h = new EndpointHarness();
    expect(h.inject(unknownVersionDatagram(0, cid(1), cid(2), 1200), 'x:1')).toHaveLength(0);
  });
});

describe('RFC 9000 §14.1, §7.2: no connection state before a valid Initial', () => {
  it('RFC 9000 §14.1: a client Initial in a datagram under 1200 bytes is dropped; at 1200 it is accepted', () => {
    const h = new EndpointHarness();
    expect(h.inject(forgeInitial(cid(1), cid(2), 1199), 'x:1')).toHaveLength(0);
    expect(h.endpoint.stats()).toMatchObject({ connections: 0, routes: 0 });
    expect(h.endpoint.pollEvent()).toBeUndefined();
    h.inject(forgeInitial(cid(1), cid(2), 1200), 'x:1');
    expect(h.endpoint.stats().connections).toBe(1);
    expect(h.endpoint.pollEvent()).toMatchObject({ type: 'new_connection', remote: 'x:1' });
  });

  it('RFC 9000 §7.2: a client Initial whose DCID is shorter than 8 bytes is dropped; 8 bytes is accepted', () => {
    const h = new EndpointHarness();
    h.inject(forgeInitial(cid(1, 7), cid(2), 1200), 'x:1');
    expect(h.endpoint.stats()).toMatchObject({ connections: 0, routes: 0 });
    h.inject(forgeInitial(cid(1, 8), cid(2), 1200), 'x:1');
    expect(h.endpoint.stats().connections).toBe(1);
  });

  it('RFC 9001 §5.5: an Initial that does not authenticate creates no connection', () => {
    const h = new EndpointHarness();
    const d = forgeInitial(cid(1), cid(2), 1200);
    d[d.length - 1]! ^= 1;
    h.inject(d, 'x:1');
    expect(h.endpoint.stats()).toMatchObject({ connections: 0, routes: 0 });
  });

  it('RFC 9000 §5.2.2: a Handshake or 1-RTT packet for no connection creates nothing', () => {
    const h = new EndpointHarness();
    h.inject(shortHeaderDatagram(cid(9), 1200), 'x:1');
    expect(h.endpoint.stats()).toMatchObject({ connections: 0, routes: 0 });
  });
});

describe('RFC 9000 §5.2.2: connection limits', () => {
  it('RFC 9000 §5.2.2: Initials beyond maxConnections are refused (CONNECTION_CLOSE, endpoint-refusal.test.ts)', () => {
    const h = new EndpointHarness(endpointOptions({ maxConnections: 2 }));
    for (let i = 1; i <= 3; i++) h.inject(forgeInitial(cid(i), cid(0x10 + i), 1200), `x:${i}`);
    expect(h.endpoint.stats().connections).toBe(2);
    expect(h.endpoint.stats().refusals.max_connections).toBe(1);
    expect(h.endpoint.stats().refusalsSent).toBe(1);
    // Datagrams of existing connections still get through.
    h.inject(forgeInitial(cid(1), cid(0x11), 1200), 'x:1');
    expect(h.endpoint.stats().refusals.max_connections).toBe(1);
    expect(h.endpoint.stats().droppedDatagrams).toBe(0);
  });

  it('RFC 9000 §5.2.2: Initials beyond maxHandshakes are refused (dropped)', () => {
    const h = new EndpointHarness(endpointOptions({ maxHandshakes: 1 }));
    h.inject(forgeInitial(cid(1), cid(2), 1200), 'x:1');
    h.inject(forgeInitial(cid(3), cid(4), 1200), 'x:2');
    expect(h.endpoint.stats()).toMatchObject({ connections: 1, handshakesInProgress: 1 });
  });

  it('RFC 9000 §5.2: a real client beyond maxConnections gets only a refusal while the first completes', async () => {
    const h = new EndpointHarness(endpointOptions({ maxConnections: 1 }));
    h.addClient('a:1');
    h.addClient('b:2');
    await h.run(() => h.clientDone('a:1'));
    expect(h.clientDone('b:2')).toBe(false);
    // RFC 9000 §5.2.2: b gets one stateless CONNECTION_CLOSE and nothing else.
    expect(h.fromServer.filter((s) => s.remote === 'b:2').length).toBeLessThanOrEqual(1);
    expect(h.endpoint.stats().connections).toBe(1);
  });
});

describe('RFC 9000 §8.1.2: Retry', () => {
  it("RFC 9000 §8.1.2: retry 'always' answers a client's Initial with a valid Retry (integrity tag, token)", async () => {
    const tokens = new AddressTokens(provider, new SeededRandom(5));
    const h = new EndpointHarness(endpointOptions({ retry: 'always', addressTokens: tokens }));
    h.addClient('a:1');
    await h.run(() => h.fromServer.length > 0);
    const first = decodePacketHeader(new Reader(h.fromClients[0]!.bytes), 8);
    if (first.type !== PacketType.Initial) throw new Error('expected an Initial');
    const retryBytes = h.fromServer[0]!.bytes;
    const retry = decodeRetryPacket(new Reader(retryBytes));
    expect(retry.dcid).toEqual(first.scid);
    expect(retry.scid.length).toBe(8);
    expect(retry.token.length).toBeGreaterThan(0);
    expect(verifyRetryIntegrity(provider, QUIC_V1, first.dcid, retryBytes)).toBe(true);
    expect(verifyRetryIntegrity(provider, QUIC_V1, cid(0), retryBytes)).toBe(false);
    const v = tokens.validate(retry.token, { ip: 'a:1', port: 0 }, { now: h.now, wallMs: 0 });
    expect(v).toMatchObject({ ok: true, kind: 'retry', odcid: first.dcid, retryScid: retry.scid });
    expect(h.endpoint.stats()).toMatchObject({ connections: 0, routes: 0, retriesSent: 1 });
  });

  it("RFC 9000 §8.1.2: with retry 'always', an Initial with the Retry's token and DCID is accepted; a bad token is closed with INVALID_TOKEN", () => {
    const h = new EndpointHarness(endpointOptions({ retry: 'always' }));
    const odcid = cid(0xaa);
    const out = h.inject(forgeInitial(odcid, cid(0xcc, 4), 1200), 'a:1');
    expect(out).toHaveLength(1);
    const retry = decodeRetryPacket(new Reader(out[0]!.bytes));
    // A tampered token, the right token from another address, the right token to another DCID:
    // RFC 9000 §8.1.2 "the server SHOULD immediately close ... with an INVALID_TOKEN error"
    // (a stateless CONNECTION_CLOSE, endpoint-refusal.test.ts), no connection.
    const bad = retry.token.slice();
    bad[bad.length - 1]! ^= 1;
    expect(h.inject(forgeInitial(retry.scid, cid(0xcc, 4), 1200, bad), 'a:1')).toHaveLength(1);
    expect(h.inject(forgeInitial(retry.scid, cid(0xcc, 4), 1200, retry.token), 'b:2')).toHaveLength(1);
    expect(h.inject(forgeInitial(cid(0xbb), cid(0xcc, 4), 1200, retry.token), 'a:1')).toHaveLength(1);
    expect(h.endpoint.stats()).toMatchObject({ connections: 0, retriesSent: 1 });
    expect(h.endpoint.stats().refusals.invalid_token).toBe(3);
    h.inject(forgeInitial(retry.scid, cid(0xcc, 4), 1200, retry.token), 'a:1');
    expect(h.endpoint.stats().connections).toBe(1);
  });

  it('RFC 9000 §8.1.2: a Retry token expires', () => {
    const h = new EndpointHarness(endpointOptions({ retry: 'always' }));
    const out = h.inject(forgeInitial(cid(0xaa), cid(0xcc, 4), 1200), 'a:1');
    const retry = decodeRetryPacket(new Reader(out[0]!.bytes));
    h.now = addDuration(h.now, seconds(11));
    h.inject(forgeInitial(retry.scid, cid(0xcc, 4), 1200, retry.token), 'a:1');
    expect(h.endpoint.stats().connections).toBe(0);
  });

  it("RFC 9000 §8.1.2: retry 'under-load' sends Retry only from retryThreshold handshakes in progress", () => {
    const h = new EndpointHarness(endpointOptions({ retry: 'under-load', retryThreshold: 1 }));
    h.inject(forgeInitial(cid(1), cid(2), 1200), 'x:1');
    expect(h.endpoint.stats()).toMatchObject({ connections: 1, retriesSent: 0 });
    h.inject(forgeInitial(cid(3), cid(4), 1200), 'x:2');
    expect(h.endpoint.stats()).toMatchObject({ connections: 1, retriesSent: 1 });
  });

  it("RFC 9000 §8.1.2: retry 'never' accepts without a token", () => {
    const h = new EndpointHarness(endpointOptions({ retry: 'never' }));
    h.inject(forgeInitial(cid(1), cid(2), 1200), 'x:1');
    expect(h.endpoint.stats()).toMatchObject({ connections: 1, retriesSent: 0 });
  });
});

describe('RFC 9000 §10.3: stateless reset', () => {
  it('RFC 9000 §10.3: an unknown short-header DCID gets a smaller reset ending with the token for that CID', () => {
    const key = new StatelessResetKey(provider, new SeededRandom(3));
    const h = new EndpointHarness(endpointOptions({ statelessResetKey: key }));
    const dcid = cid(0x42);
    const out = h.inject(shortHeaderDatagram(dcid, 100), 'x:1');
    expect(out).toHaveLength(1);
    const reset = out[0]!.bytes;
    expect(reset.length).toBeLessThan(100);
    expect(reset.length).toBeGreaterThanOrEqual(21);
    expect(reset[0]! & 0xc0).toBe(0x40);
    expect(statelessResetTokenOf(reset)).toEqual(key.tokenFor(dcid));
    expect(h.endpoint.stats().connections).toBe(0);
  });

  it('RFC 9000 §10.3.3: no reset for a datagram too small to answer with a smaller one', () => {
    const h = new EndpointHarness();
    expect(h.inject(shortHeaderDatagram(cid(0x42), 21), 'x:1')).toHaveLength(0);
    expect(h.inject(shortHeaderDatagram(cid(0x42), 22), 'x:1')).toHaveLength(1);
  });

  it('RFC 9000 §10.3.3: resets are rate-limited per second', () => {
    const h = new EndpointHarness(endpointOptions({ maxStatelessResetsPerSecond: 2 }));
    let sent = 0;
    for (let i = 0; i < 5; i++) sent += h.inject(shortHeaderDatagram(cid(i), 100), 'x:1').length;
    expect(sent).toBe(2);
    h.now = addDuration(h.now, seconds(1));
    expect(h.inject(shortHeaderDatagram(cid(9), 100), 'x:1')).toHaveLength(1);
  });
});
