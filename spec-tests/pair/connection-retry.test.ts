import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection/connection.js';
import { onLostTokens } from '../../src/connection/recovery-tokens.js';
import type { ConnectionToken } from '../../src/connection/types.js';
import { deriveInitialKeys } from '../../src/crypto/initial-secrets.js';
import { unprotectPacket } from '../../src/crypto/packet-protection.js';
import { buildRetry } from '../../src/endpoint/stateless-responses.js';
import type { SentPacket } from '../../src/recovery/sent-packet.js';
import { Reader, bytesEqual } from '../../src/util/bytes.js';
import { SeededRandom } from '../../src/util/random.js';
import { instant } from '../../src/util/time.js';
import { TransportErrorCode } from '../../src/wire/errors.js';
import { decodePacketHeader, type PacketHeader } from '../../src/wire/header.js';
import { PacketNumberSpace, PacketType } from '../../src/wire/packet-type.js';
import { QUIC_V1 } from '../../src/wire/version.js';
import { ConnectionPair } from '../helpers/connection-pair.js';
import { EndpointHarness, endpointOptions, provider } from '../helpers/endpoint-harness.js';

const REMOTE = '198.51.100.7:5001';

function header(bytes: Uint8Array): PacketHeader {
  return decodePacketHeader(new Reader(bytes), 8);
}

function isRetry(bytes: Uint8Array): boolean {
  return (bytes[0]! & 0x80) !== 0 && header(bytes).type === PacketType.Retry;
}

function serverConn(h: EndpointHarness): Connection {
  const ev = h.serverEvents.find((e) => e.type === 'new_connection');
  if (ev === undefined || ev.type !== 'new_connection') throw new Error('no connection');
  const c = h.endpoint.connection(ev.handle);
  if (c === undefined) throw new Error('connection gone');
  return c;
}

/** A valid Retry for `client` (tag over its original DCID), with our own SCID and token. */
function forgeRetry(client: Connection, scid: Uint8Array, token = new Uint8Array([1, 2, 3, 4])): Uint8Array {
  return buildRetry(provider, new SeededRandom(5), QUIC_V1, client.state.originalDcid, client.state.localCid, scid, token);
}

describe('RFC 9000 §8.1.2, §17.2.5: the client follows a Retry', () => {
  it('RFC 9000 §17.2.5.2: one Retry; the second Initial goes to the Retry SCID with the token, packet numbers continue; the handshake completes with odcid and retry_source_connection_id (RFC 9000 §7.3)', async () => {
    const h = new EndpointHarness(endpointOptions({ retry: 'always' }));
    const client = h.addClient(REMOTE);
    const firstDcid = client.state.originalDcid.slice();
    await h.run(() => h.clientDone(REMOTE));
    const retries = h.fromServer.filter((d) => isRetry(d.bytes));
    expect(retries).toHaveLength(1);
    expect(h.endpoint.stats().retriesSent).toBe(1);
    const retry = header(retries[0]!.bytes);
    if (retry.type !== PacketType.Retry) throw new Error('not a Retry');
    // The client's Initials: the first to the random DCID without a token, the next to the Retry SCID with its token.
    const initials = h.fromClients.map((d) => header(d.bytes)).filter((p) => p.type === PacketType.Initial);
    const [first, second] = initials;
    if (first?.type !== PacketType.Initial || second?.type !== PacketType.Initial) throw new Error('missing Initials');
    expect(first.dcid).toEqual(firstDcid);
    expect(first.token.length).toBe(0);
    expect(second.dcid).toEqual(retry.scid);
    expect(second.token).toEqual(retry.token);
    // RFC 9000 §17.2.5.3: "MUST NOT reset the packet number": the second Initial is packet 1.
    const keys = deriveInitialKeys(provider, QUIC_V1, retry.scid).client;
    const opened = unprotectPacket(keys, second.bytes.slice(), second.pnOffset, second.packetLength, -1);
    expect(opened?.packetNumber).toBe(1);
    const server = serverConn(h);
    expect(server.state.localParams.originalDestinationConnectionId).toEqual(firstDcid);
    expect(server.state.localParams.retrySourceConnectionId).toEqual(retry.scid);
    expect(client.state.peerParams?.retrySourceConnectionId).toEqual(retry.scid);
    expect(client.state.negotiation.retrySourceCid).toEqual(retry.scid);
  });

  it('RFC 9000 §8.1: a valid Retry token validates the address: the server is not amplification-limited', async () => {
    const h = new EndpointHarness(endpointOptions({ retry: 'always' }));
    h.addClient(REMOTE);
    await h.run(() => h.serverEvents.some((e) => e.type === 'new_connection'));
    expect(serverConn(h).state.addressValidated).toBe(true);
    // Without Retry the same first Initial leaves the address unvalidated (3x limit, RFC 9000 §8.1).
    const h2 = new EndpointHarness(endpointOptions({ retry: 'never' }));
    h2.addClient(REMOTE);
    await h2.run(() => h2.serverEvents.some((e) => e.type === 'new_connection'));
    expect(serverConn(h2).state.addressValidated).toBe(false);
  });

  it('RFC 9000 §17.2.5.2: a Retry whose integrity tag fails (RFC 9001 §5.8) is discarded; the genuine one is then followed', async () => {
    const h = new EndpointHarness(endpointOptions({ retry: 'always' }));
    const client = h.addClient(REMOTE);
    const firstDcid = client.state.originalDcid.slice();
    let held: Uint8Array | undefined;
    h.filter = (d) => {
      if (d.toServer || !isRetry(d.bytes) || held !== undefined) return true;
      held = d.bytes;
      return false;
    };
    await h.run(() => held !== undefined);
    const tampered = held!.slice();
    tampered[tampered.length - 1]! ^= 0x01;
    client.handleDatagram(h.now, tampered);
    expect(client.state.negotiation.retrySourceCid).toBeUndefined();
    expect(client.state.remoteCid).toEqual(firstDcid);
    client.handleDatagram(h.now, held!);
    expect(client.state.negotiation.retrySourceCid).toBeDefined();
    expect(bytesEqual(client.state.remoteCid, firstDcid)).toBe(false);
    await h.run(() => h.clientDone(REMOTE));
    expect(h.clientDone(REMOTE)).toBe(true);
  });

  it('RFC 9000 §17.2.5.2: "A client MUST accept and process at most one Retry packet": a second valid Retry is ignored', async () => {
    const h = new EndpointHarness(endpointOptions({ retry: 'always' }));
    const client = h.addClient(REMOTE);
    await h.run(() => client.state.negotiation.retrySourceCid !== undefined);
    const scid = client.state.remoteCid.slice();
    client.handleDatagram(h.now, forgeRetry(client, new Uint8Array(8).fill(0x77)));
    expect(client.state.remoteCid).toEqual(scid);
    expect(client.state.negotiation.retrySourceCid).toEqual(scid);
    await h.run(() => h.clientDone(REMOTE));
    expect(h.clientDone(REMOTE)).toBe(true);
  });

  it('RFC 9000 §17.2.5.2: a Retry after a server Initial was processed, or one whose SCID is the original DCID (§17.2.5.1), is ignored', async () => {
    const pair = new ConnectionPair();
    const echoed = forgeRetry(pair.client, pair.client.state.originalDcid);
    pair.client.handleDatagram(pair.now, echoed);
    expect(pair.client.state.negotiation.retrySourceCid).toBeUndefined();
    await pair.run(() => pair.handshakeDone);
    const remote = pair.client.state.remoteCid.slice();
    pair.client.handleDatagram(pair.now, forgeRetry(pair.client, new Uint8Array(8).fill(0x66)));
    expect(pair.client.state.remoteCid).toEqual(remote);
    expect(pair.client.state.negotiation.retrySourceCid).toBeUndefined();
  });

  it('RFC 9000 §7.3: after a Retry, a server without retry_source_connection_id is a TRANSPORT_PARAMETER_ERROR', async () => {
    const pair = new ConnectionPair({
      // The server knows the original DCID but not the Retry (no retry_source_connection_id).
      acceptValidation: (_h, p) => ({ addressValidated: true, originalDestinationConnectionId: p.client.state.originalDcid }),
    });
    pair.client.handleDatagram(pair.now, forgeRetry(pair.client, new Uint8Array(8).fill(0x55)));
    expect(pair.client.state.negotiation.retrySourceCid).toBeDefined();
    await pair.run(() => pair.events.client.some((e) => e.type === 'connection_closed'));
    const closed = pair.events.client.find((e) => e.type === 'connection_closed');
    expect(closed).toMatchObject({ by: 'local', code: TransportErrorCode.TRANSPORT_PARAMETER_ERROR });
  });

  it('RFC 9000 §7.3: a mismatched retry_source_connection_id is a TRANSPORT_PARAMETER_ERROR; a matching one completes', async () => {
    for (const [rscid, ok] of [[new Uint8Array(8).fill(0x44), false], [new Uint8Array(8).fill(0x55), true]] as const) {
      const pair = new ConnectionPair({
        acceptValidation: (_h, p) => ({ addressValidated: true, originalDestinationConnectionId: p.client.state.originalDcid, retrySourceConnectionId: rscid }),
      });
      pair.client.handleDatagram(pair.now, forgeRetry(pair.client, new Uint8Array(8).fill(0x55)));
      await pair.run(() => pair.handshakeDone || pair.events.client.some((e) => e.type === 'connection_closed'));
      if (ok) expect(pair.handshakeDone).toBe(true);
      else expect(pair.events.client.find((e) => e.type === 'connection_closed')).toMatchObject({ code: TransportErrorCode.TRANSPORT_PARAMETER_ERROR });
    }
  });

  it('RFC 9000 §7.3: retry_source_connection_id without a Retry is a TRANSPORT_PARAMETER_ERROR', async () => {
    const pair = new ConnectionPair({ acceptValidation: () => ({ addressValidated: false, retrySourceConnectionId: new Uint8Array(8).fill(0x33) }) });
    await pair.run(() => pair.events.client.some((e) => e.type === 'connection_closed'));
    expect(pair.events.client.find((e) => e.type === 'connection_closed')).toMatchObject({ code: TransportErrorCode.TRANSPORT_PARAMETER_ERROR });
  });
});

describe('RFC 9000 §8.1.3, §19.7: NEW_TOKEN', () => {
  it('RFC 9000 §8.1.3: the server sends a NEW_TOKEN token after the handshake; a later connection with it skips the Retry and is address-validated', async () => {
    const h = new EndpointHarness(endpointOptions({ retry: 'always' }));
    h.addClient(REMOTE);
    await h.run(() => h.clientEvents.get(REMOTE)!.some((e) => e.type === 'new_token'));
    const ev = h.clientEvents.get(REMOTE)!.find((e) => e.type === 'new_token');
    if (ev?.type !== 'new_token') throw new Error('no token');
    expect(h.endpoint.stats().retriesSent).toBe(1);
    // Same host, another port (RFC 9000 §8.1.3: the port is not bound).
    const second = '198.51.100.7:6002';
    h.addClient(second, { token: ev.token });
    await h.run(() => h.clientDone(second));
    expect(h.endpoint.stats().retriesSent).toBe(1);
    const first = h.fromClients.find((d) => d.remote === second);
    const hdr = header(first!.bytes);
    expect(hdr.type === PacketType.Initial && bytesEqual(hdr.token, ev.token)).toBe(true);
    const handles = h.serverEvents.filter((e) => e.type === 'new_connection');
    const conn = h.endpoint.connection((handles[1] as { handle: number }).handle)!;
    expect(conn.state.addressValidated).toBe(true);
    // A token from another host is not valid: that client gets a Retry.
    const other = '203.0.113.50:7000';
    h.addClient(other, { token: ev.token });
    await h.run(() => h.clientDone(other));
    expect(h.endpoint.stats().retriesSent).toBe(2);
  });

  it('RFC 9000 §13.3: "NEW_TOKEN frames are retransmitted if the packet containing them is lost"', async () => {
    const pair = new ConnectionPair();
    await pair.run(() => pair.handshakeDone);
    const server = pair.server!;
    const token = new Uint8Array([9, 8, 7]);
    expect(server.sendNewToken(token)).toBe(true);
    expect(pair.client.sendNewToken(token)).toBe(false); // RFC 9000 §19.7: clients never send NEW_TOKEN
    pair.flush();
    expect(server.state.negotiation.newTokens).toHaveLength(0);
    const lost = { packetNumber: 99, tokens: [{ kind: 'new_token', token } as ConnectionToken] } as unknown as SentPacket<ConnectionToken>;
    onLostTokens(server.state, instant(0), [lost]);
    expect(server.state.negotiation.newTokens).toEqual([token]);
    await pair.run(() => pair.events.client.filter((e) => e.type === 'new_token').length >= 2);
    expect(pair.events.client.filter((e) => e.type === 'new_token').map((e) => (e as { token: Uint8Array }).token)).toEqual([token, token]);
    expect(server.state.spaces[PacketNumberSpace.ApplicationData].canSend).toBe(true);
  });
});
