import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection/connection.js';
import type { ConnectionEvent } from '../../src/connection/types.js';
import { MAX_BUFFERED_ZERO_RTT_PACKETS } from '../../src/connection/zero-rtt.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { protectPacket, unprotectPacket } from '../../src/crypto/packet-protection.js';
import type { SessionTicket } from '../../src/tls/session-types.js';
import { MemoryTicketStore } from '../../src/tls/ticket-store.js';
import { Reader, Writer, bytesEqual, concatBytes } from '../../src/util/bytes.js';
import { SeededRandom } from '../../src/util/random.js';
import { TransportErrorCode } from '../../src/wire/errors.js';
import { decodeFrames } from '../../src/wire/frames.js';
import { decodePacketHeader, splitDatagram } from '../../src/wire/header.js';
import { encodeLongHeader } from '../../src/wire/long-header.js';
import { PacketNumberSpace, PacketType } from '../../src/wire/packet-type.js';
import { QUIC_V2 } from '../../src/wire/version.js';
import { ConnectionPair, payload, type PairOptions, type Side } from '../helpers/connection-pair.js';
import { EndpointHarness, endpointOptions } from '../helpers/endpoint-harness.js';

const REMOTE = '192.0.2.7:4433';

function newStore(seed = 99): MemoryTicketStore {
  return new MemoryTicketStore(nodeCryptoProvider, new SeededRandom(seed));
}

/** A first connection with `store`; returns the client's first session ticket. */
async function firstTicket(store: MemoryTicketStore, enableEarlyData = true, extra: PairOptions = {}): Promise<SessionTicket> {
  const pair = new ConnectionPair({ seed: 11, serverResumption: { tickets: store, enableEarlyData }, ...extra });
  let ticket: SessionTicket | undefined;
  await pair.run(() => ticket !== undefined, (side, ev) => {
    if (side === 'client' && ev.type === 'session_ticket') ticket = ev.ticket;
  });
  return ticket!;
}

function completed(events: readonly ConnectionEvent[]): Extract<ConnectionEvent, { type: 'handshake_completed' }> | undefined {
  return events.find((e): e is Extract<ConnectionEvent, { type: 'handshake_completed' }> => e.type === 'handshake_completed');
}

/** Packet types of every packet in a datagram. */
function packetTypes(bytes: Uint8Array): string[] {
  return splitDatagram(bytes.slice(), 8).packets.map((p) => p.type);
}

/** Reads everything readable on `id` of `c` into `into`; true at FIN. */
function drain(c: Connection, id: number, into: Uint8Array[]): boolean {
  const r = c.streamRead(id);
  if (r === undefined) return false;
  if (r.data.length > 0) into.push(r.data.slice());
  return r.fin;
}

/** Opens a bidi stream on the client and writes `data` with FIN. */
function send(c: Connection, data: Uint8Array): number {
  const id = c.openStream('bidi');
  if (id === undefined) throw new Error('no stream');
  expect(c.streamWrite(id, data)).toBe(data.length);
  c.streamFinish(id);
  return id;
}

/** Runs a resumed pair until the server read the whole stream; returns what it read and when. */
async function runUntilServerRead(pair: ConnectionPair, onClient?: (ev: ConnectionEvent) => void): Promise<{ data: Uint8Array; beforeComplete: boolean }> {
  const got: Uint8Array[] = [];
  let fin = false;
  let beforeComplete = false;
  await pair.run(() => fin && pair.handshakeDone, (side: Side, ev) => {
    if (side === 'client') onClient?.(ev);
    if (side === 'server' && ev.type === 'stream_readable') {
      const server = pair.server!;
      if (!server.isHandshakeComplete) beforeComplete = true;
      if (drain(server, ev.streamId, got)) fin = true;
    }
  });
  return { data: concatBytes(...got), beforeComplete };
}

describe('RFC 9001 §4.5: session resumption through the connection', () => {
  it('RFC 9001 §4.5: the second connection resumes with the first one\'s ticket: resumed, no certificate to verify', async () => {
    const store = newStore();
    const ticket = await firstTicket(store, false);
    expect(ticket.maxEarlyData).toBe(0); // RFC 9001 §4.6.1: no early_data extension without 0-RTT
    const pair = new ConnectionPair({ seed: 21, clientResumption: { sessionTicket: ticket }, serverResumption: { tickets: store } });
    await pair.run(() => pair.handshakeDone);
    expect(completed(pair.events.client)).toMatchObject({ resumed: true, earlyData: 'not_offered', alpn: 'hq-interop' });
    expect(completed(pair.events.server)).toMatchObject({ resumed: true, earlyData: 'not_offered' });
    expect(pair.events.client.some((e) => e.type === 'verify_certificate')).toBe(false);
  });

  it('RFC 9001 §4.5: a ticket of another server (another ticket store) is not accepted: full handshake, resumed false', async () => {
    const ticket = await firstTicket(newStore(1), false);
    const pair = new ConnectionPair({ seed: 22, clientResumption: { sessionTicket: ticket }, serverResumption: { tickets: newStore(2) } });
    await pair.run(() => pair.handshakeDone);
    expect(completed(pair.events.client)).toMatchObject({ resumed: false, earlyData: 'not_offered' });
    expect(pair.events.client.some((e) => e.type === 'verify_certificate')).toBe(true);
  });
});

describe('RFC 9001 §4.6: 0-RTT through the connection', () => {
  it('RFC 9001 §4.6.1: 0-RTT data written right after connect arrives at the server before its handshake completes; the first datagram coalesces Initial and 0-RTT (RFC 9000 §12.2)', async () => {
    const store = newStore();
    const ticket = await firstTicket(store);
    expect(ticket.maxEarlyData).toBe(0xffffffff);
    const pair = new ConnectionPair({ seed: 23, clientResumption: { sessionTicket: ticket, enableEarlyData: true }, serverResumption: { tickets: store, enableEarlyData: true } });
    const data = payload(3000, 5);
    send(pair.client, data); // RFC 9000 §7.4.1: streams open at once with the remembered parameters
    const { data: got, beforeComplete } = await runUntilServerRead(pair);
    expect(bytesEqual(got, data)).toBe(true);
    expect(beforeComplete).toBe(true); // RFC 9001 §4.6.2: "The server then processes ... the 0-RTT packets"
    const first = pair.sent.find((d) => d.from === 'client')!;
    expect(packetTypes(first.bytes)).toEqual([PacketType.Initial, PacketType.ZeroRtt]);
    expect(first.bytes.length).toBeGreaterThanOrEqual(1200); // RFC 9000 §14.1
    expect(completed(pair.events.client)).toMatchObject({ resumed: true, earlyData: 'accepted' });
    expect(completed(pair.events.server)).toMatchObject({ resumed: true, earlyData: 'accepted' });
    expect(pair.server!.state.zeroRtt.packetsReceived).toBeGreaterThan(0);
    // RFC 9001 §4.9.3: the client discards its 0-RTT keys once it has 1-RTT keys.
    expect(pair.client.state.zeroRtt.writeKeys).toBeUndefined();
    expect(pair.client.state.zeroRtt.discarded).toBe(true);
  });

  it('RFC 9001 §5.6: "A server MUST NOT use 0-RTT keys to protect packets": the server\'s packets are never 0-RTT; it acknowledges 0-RTT in 1-RTT (RFC 9000 §12.3)', async () => {
    const store = newStore();
    const ticket = await firstTicket(store);
    const pair = new ConnectionPair({ seed: 24, clientResumption: { sessionTicket: ticket, enableEarlyData: true }, serverResumption: { tickets: store, enableEarlyData: true } });
    send(pair.client, payload(500, 6));
    await runUntilServerRead(pair);
    await pair.run(() => pair.client.state.ld.bytesInFlight === 0);
    for (const d of pair.sent.filter((x) => x.from === 'server')) expect(packetTypes(d.bytes)).not.toContain(PacketType.ZeroRtt);
    // The 0-RTT packets were acknowledged (in 1-RTT packets): nothing of the Application Data space is left in flight.
    expect(pair.client.state.ld.trackedPackets(PacketNumberSpace.ApplicationData)).toBe(0);
    expect(pair.client.stats().lostPackets).toBe(0);
  });

  it('RFC 9001 §4.6.2: 0-RTT rejected by a server without early data: streams are reset, the application writes again and the data arrives via 1-RTT', async () => {
    const store = newStore();
    const ticket = await firstTicket(store);
    const pair = new ConnectionPair({ seed: 25, clientResumption: { sessionTicket: ticket, enableEarlyData: true }, serverResumption: { tickets: store, enableEarlyData: false } });
    const data = payload(2500, 8);
    const first = send(pair.client, data);
    let rejected = false;
    const { data: got } = await runUntilServerRead(pair, (ev) => {
      if (ev.type === 'handshake_completed' && ev.earlyData === 'rejected') {
        rejected = true;
        // RFC 9001 §4.6.2: "MUST reset the state of all streams": the 0-RTT stream is gone.
        expect(pair.client.state.streams?.get(first)).toBeUndefined();
        send(pair.client, data);
      }
    });
    expect(rejected).toBe(true);
    expect(bytesEqual(got, data)).toBe(true);
    expect(completed(pair.events.client)).toMatchObject({ resumed: true, earlyData: 'rejected' });
    // "When rejecting 0-RTT, a server MUST NOT process any 0-RTT packets, even if it could."
    expect(pair.server!.state.zeroRtt.packetsReceived).toBe(0);
    expect(pair.client.state.zeroRtt.packetsSent).toBeGreaterThan(0);
  });

  it('RFC 8446 §8.1: a ticket used twice: the second 0-RTT is rejected (anti-replay) and the connection still works', async () => {
    const store = newStore();
    const ticket = await firstTicket(store);
    const opts = { clientResumption: { sessionTicket: ticket, enableEarlyData: true }, serverResumption: { tickets: store, enableEarlyData: true } };
    const once = new ConnectionPair({ seed: 26, ...opts });
    send(once.client, payload(100, 1));
    await runUntilServerRead(once);
    expect(completed(once.events.client)?.earlyData).toBe('accepted');
    const twice = new ConnectionPair({ seed: 27, ...opts });
    const data = payload(1500, 2);
    send(twice.client, data);
    const { data: got } = await runUntilServerRead(twice, (ev) => {
      if (ev.type === 'handshake_completed' && ev.earlyData === 'rejected') send(twice.client, data);
    });
    expect(completed(twice.events.client)?.earlyData).toBe('rejected');
    expect(twice.server!.state.zeroRtt.packetsReceived).toBe(0);
    expect(bytesEqual(got, data)).toBe(true);
  });

  it('RFC 9000 §12.4: an ACK frame in a 0-RTT packet is a PROTOCOL_VIOLATION', async () => {
    const store = newStore();
    const ticket = await firstTicket(store);
    const pair = new ConnectionPair({ seed: 28, clientResumption: { sessionTicket: ticket, enableEarlyData: true }, serverResumption: { tickets: store, enableEarlyData: true } });
    await pair.run(() => pair.server !== undefined && pair.server.state.zeroRtt.readKeys !== undefined);
    const c = pair.client.state;
    const keys = c.zeroRtt.writeKeys!;
    const pn = c.spaces[PacketNumberSpace.ApplicationData].nextPacketNumber + 10;
    const buf = new Uint8Array(200);
    const w = new Writer(buf);
    const layout = encodeLongHeader(w, { type: PacketType.ZeroRtt, version: c.version, dcid: c.remoteCid, scid: c.localCid }, { packetNumber: pn, packetNumberLength: 4, lengthFieldSize: 2, length: 4 + 8 + 16 });
    w.bytes(Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00)); // ACK(largest 0), PING, PADDING
    const end = protectPacket(keys, buf, layout.pnOffset, 4, pn, w.offset);
    pair.deliverNow('server', buf.slice(0, end));
    const close = pair.server!.state.closeFrame;
    expect(close?.type).toBe('connection_close');
    if (close?.type !== 'connection_close' || !('frameType' in close)) throw new Error('no transport close');
    expect(close.errorCode).toBe(TransportErrorCode.PROTOCOL_VIOLATION);
  });

  it('RFC 9000 §5.2.2: 0-RTT packets arriving before the server has 0-RTT keys are buffered (at most MAX_BUFFERED_ZERO_RTT_PACKETS) and processed once the keys are there', async () => {
    const store = newStore();
    const ticket = await firstTicket(store);
    const pair = new ConnectionPair({ seed: 29, clientResumption: { sessionTicket: ticket, enableEarlyData: true }, serverResumption: { tickets: store, enableEarlyData: true } });
    await pair.run(() => pair.server !== undefined && pair.server.state.zeroRtt.readKeys !== undefined);
    const server = pair.server!;
    const c = pair.client.state;
    const forge = (pn: number, frame: Uint8Array): Uint8Array => {
      const buf = new Uint8Array(200);
      const w = new Writer(buf);
      const layout = encodeLongHeader(w, { type: PacketType.ZeroRtt, version: c.version, dcid: c.remoteCid, scid: c.localCid }, { packetNumber: pn, packetNumberLength: 4, lengthFieldSize: 2, length: 4 + frame.length + 16 });
      w.bytes(frame);
      return buf.slice(0, protectPacket(c.zeroRtt.writeKeys!, buf, layout.pnOffset, 4, pn, w.offset));
    };
    // Simulate keys not yet derived (a ClientHello still incomplete): the packets wait.
    const keys = server.state.zeroRtt.readKeys;
    server.state.zeroRtt.readKeys = undefined;
    const base = c.spaces[PacketNumberSpace.ApplicationData].nextPacketNumber + 100;
    const total = MAX_BUFFERED_ZERO_RTT_PACKETS + 4;
    // Each carries one byte of uni stream 2 (client-initiated unidirectional): STREAM type 0x0f with offset, length and FIN on the last.
    for (let i = 0; i < total; i++) {
      const fin = i === total - 1 ? 0x01 : 0x00;
      pair.deliverNow('server', forge(base + i, Uint8Array.of(0x0e | fin, 0x02, i, 0x01, 0x41 + (i % 26))));
    }
    expect(server.state.zeroRtt.buffered).toHaveLength(MAX_BUFFERED_ZERO_RTT_PACKETS);
    expect(server.state.streams?.get(2)).toBeUndefined();
    server.state.zeroRtt.readKeys = keys;
    pair.deliverNow('server', forge(base + total, Uint8Array.of(0x01))); // PING: the next datagram replays the buffer
    expect(server.state.zeroRtt.buffered).toHaveLength(0);
    const r = server.streamRead(2);
    expect(r?.data.length).toBe(MAX_BUFFERED_ZERO_RTT_PACKETS); // the packets beyond the bound were dropped
  });

  it('RFC 9000 §17.2.5.3: 0-RTT with a Retry: the 0-RTT data goes again to the Retry\'s connection ID and arrives', async () => {
    const store = newStore();
    const base = endpointOptions({ retry: 'always' });
    const options = endpointOptions({ retry: 'always', server: { ...base.server, tickets: store, enableEarlyData: true } });
    const h1 = new EndpointHarness(options);
    let ticket: SessionTicket | undefined;
    h1.addClient(REMOTE);
    await h1.run(() => (ticket = h1.clientEvents.get(REMOTE)!.find((e) => e.type === 'session_ticket')?.ticket) !== undefined);
    const h = new EndpointHarness(options);
    const client = h.addClient(REMOTE, { sessionTicket: ticket!, enableEarlyData: true });
    const data = payload(1800, 9);
    const id = send(client, data);
    const got: Uint8Array[] = [];
    let fin = false;
    await h.run(() => fin && h.clientDone(REMOTE), (ev) => {
      if (ev.type === 'connection_event' && ev.event.type === 'stream_readable') {
        const server = h.endpoint.connection(ev.handle)!;
        if (drain(server, ev.event.streamId, got)) fin = true;
      }
    });
    expect(id).toBe(0);
    expect(bytesEqual(concatBytes(...got), data)).toBe(true);
    expect(h.endpoint.stats().retriesSent).toBe(1);
    const retryScid = client.state.negotiation.retrySourceCid!;
    // 0-RTT packets both before the Retry (to the first DCID) and after it (to the Retry's SCID).
    const zeroRtt = h.fromClients.flatMap((d) => splitDatagram(d.bytes.slice(), 8).packets).filter((p) => p.type === PacketType.ZeroRtt);
    expect(zeroRtt.some((p) => bytesEqual(p.dcid, client.state.originalDcid))).toBe(true);
    expect(zeroRtt.some((p) => bytesEqual(p.dcid, retryScid))).toBe(true);
    expect(completed(h.clientEvents.get(REMOTE)!)).toMatchObject({ resumed: true, earlyData: 'accepted' });
  });

  it('RFC 9369 §3: 0-RTT with QUIC v2 (0-RTT long header type 0b10, v2 key labels) with a ticket of a v2 connection', async () => {
    const store = newStore();
    const ticket = await firstTicket(store, true, { clientVersioning: { version: QUIC_V2 } });
    const pair = new ConnectionPair({
      seed: 30, clientVersioning: { version: QUIC_V2 }, clientResumption: { sessionTicket: ticket, enableEarlyData: true }, serverResumption: { tickets: store, enableEarlyData: true },
    });
    const data = payload(700, 4);
    send(pair.client, data);
    const { data: got, beforeComplete } = await runUntilServerRead(pair);
    expect(bytesEqual(got, data)).toBe(true);
    expect(beforeComplete).toBe(true);
    expect(pair.client.version).toBe(QUIC_V2);
    const first = pair.sent.find((d) => d.from === 'client')!;
    const h = decodePacketHeader(new Reader(first.bytes), 8);
    expect(h.type === PacketType.Initial && h.version === QUIC_V2).toBe(true);
    expect(packetTypes(first.bytes)).toContain(PacketType.ZeroRtt);
    expect(completed(pair.events.client)?.earlyData).toBe('accepted');
  });

  it('RFC 9001 §4.6.3: a server whose transport parameters changed since the ticket rejects 0-RTT (RFC 9000 §7.4.1); the data arrives after the rewrite', async () => {
    const store = newStore();
    const ticket = await firstTicket(store, true, { serverLimits: { initialMaxStreamData: 1000 } });
    const pair = new ConnectionPair({ seed: 31, clientResumption: { sessionTicket: ticket, enableEarlyData: true }, serverResumption: { tickets: store, enableEarlyData: true } });
    const data = payload(5000, 3);
    const id = pair.client.openStream('bidi')!;
    pair.client.streamWrite(id, data);
    pair.client.streamFinish(id);
    pair.flush();
    // RFC 9000 §7.4.1: "flow control limits from remembered transport parameters apply to all 0-RTT
    // packets": the remembered initial_max_stream_data_bidi_remote (1000) bounds the 0-RTT STREAM data.
    const keys = pair.client.state.zeroRtt.writeKeys!;
    let streamBytes = 0;
    for (const d of pair.sent.filter((x) => x.from === 'client')) {
      for (const p of splitDatagram(d.bytes.slice(), 8).packets) {
        if (p.type !== PacketType.ZeroRtt) continue;
        const opened = unprotectPacket(keys, p.bytes, p.pnOffset, p.packetLength, -1);
        for (const f of decodeFrames(opened!.payload, PacketType.ZeroRtt)) if (f.type === 'stream') streamBytes += f.data.length;
      }
    }
    expect(streamBytes).toBe(1000);
    const { data: got } = await runUntilServerRead(pair, (ev) => {
      if (ev.type === 'handshake_completed' && ev.earlyData === 'rejected') send(pair.client, data);
    });
    expect(completed(pair.events.client)).toMatchObject({ resumed: true, earlyData: 'rejected' });
    expect(bytesEqual(got, data)).toBe(true);
  });

  it('RFC 9369 §5: "Clients MUST NOT use a session ticket ... from a QUIC version 1 connection to initiate a QUIC version 2 connection": no resumption, no 0-RTT', async () => {
    const store = newStore();
    const ticket = await firstTicket(store);
    const pair = new ConnectionPair({
      seed: 32, clientVersioning: { version: QUIC_V2 }, clientResumption: { sessionTicket: ticket, enableEarlyData: true }, serverResumption: { tickets: store, enableEarlyData: true },
    });
    expect(pair.client.openStream('bidi')).toBeUndefined(); // no remembered parameters: nothing to send before the handshake
    await pair.run(() => pair.handshakeDone);
    expect(completed(pair.events.client)).toMatchObject({ resumed: false, earlyData: 'not_offered' });
    expect(pair.sent.filter((d) => d.from === 'client').flatMap((d) => packetTypes(d.bytes))).not.toContain(PacketType.ZeroRtt);
  });

  it('RFC 9001 §4.9.3: the server keeps 0-RTT keys for reordered packets, then discards them 3 PTO after its first 1-RTT packet', async () => {
    const store = newStore();
    const ticket = await firstTicket(store);
    const pair = new ConnectionPair({ seed: 33, clientResumption: { sessionTicket: ticket, enableEarlyData: true }, serverResumption: { tickets: store, enableEarlyData: true } });
    send(pair.client, payload(200, 1));
    const c = pair.client.state;
    const keys = c.zeroRtt.writeKeys!;
    const forge = (pn: number): Uint8Array => {
      const buf = new Uint8Array(100);
      const w = new Writer(buf);
      const layout = encodeLongHeader(w, { type: PacketType.ZeroRtt, version: c.version, dcid: c.remoteCid, scid: c.localCid }, { packetNumber: pn, packetNumberLength: 4, lengthFieldSize: 2, length: 4 + 4 + 16 });
      w.bytes(Uint8Array.of(0x01, 0x00, 0x00, 0x00)); // PING, PADDING
      return buf.slice(0, protectPacket(keys, buf, layout.pnOffset, 4, pn, w.offset));
    };
    await runUntilServerRead(pair);
    const server = pair.server!;
    const deadline = server.state.zeroRtt.discardDeadline;
    expect(deadline).toBeDefined();
    const before = server.state.zeroRtt.packetsReceived;
    pair.deliverNow('server', forge(500)); // reordered 0-RTT packet within the grace period: processed
    expect(server.state.zeroRtt.packetsReceived).toBe(before + 1);
    pair.now = deadline!;
    pair.deliverNow('server', forge(501));
    expect(server.state.zeroRtt.packetsReceived).toBe(before + 1);
    expect(server.state.zeroRtt.discarded).toBe(true);
    expect(server.state.zeroRtt.readKeys).toBeUndefined();
  });
});
