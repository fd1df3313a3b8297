/**
 * PTO probes across packet number spaces (RFC 9002 §6.2.4, §7.5), packets held until their keys
 * arrive (RFC 9001 §4.1.4), and the idle timer during the handshake (RFC 9000 §10.1), over a
 * connection pair with a deterministic drop filter.
 */
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/util/bytes.js';
import { instant, millis } from '../../src/util/time.js';
import { PacketNumberSpace } from '../../src/wire/packet-type.js';
import { ConnectionPair, type SentDatagram } from '../helpers/connection-pair.js';
import { MAX_UNDECRYPTABLE_BYTES, MAX_UNDECRYPTABLE_PACKETS } from '../../src/connection/receive.js';

/** Splits a datagram into its coalesced packets (RFC 9000 §12.2), by the long header's Length. */
function splitPackets(datagram: Uint8Array): { initial: boolean; bytes: Uint8Array }[] {
  const out: { initial: boolean; bytes: Uint8Array }[] = [];
  let at = 0;
  while (at < datagram.length) {
    const first = datagram[at]!;
    if ((first & 0x80) === 0) {
      out.push({ initial: false, bytes: datagram.subarray(at) }); // short header: runs to the end
      break;
    }
    const r = new Reader(datagram.subarray(at));
    r.u8();
    r.u32(); // version
    r.bytes(r.u8()); // DCID
    r.bytes(r.u8()); // SCID
    const initial = ((first >> 4) & 0x03) === 0; // RFC 9000 §17.2: long packet type 0 is Initial
    if (initial) r.bytes(r.varint()); // token
    const length = r.varint();
    const end = at + r.offset + length;
    out.push({ initial, bytes: datagram.subarray(at, end) });
    at = end;
  }
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('RFC 9002 §6.2.4, §7.5: PTO probes reach every space with data in flight', () => {
  it('RFC 9002 §6.2.4, §7.5: the server\'s Initial (ServerHello) is lost twice while unacknowledged Handshake data fills the congestion window; PTO probes still resend the Initial and the handshake completes', async () => {
    // Strips the Initial packets that carry CRYPTO data (the small ACK-only ones pass) from the
    // server's first two datagrams holding one; their Handshake packets arrive at once.
    let stripped = 0;
    const carriesCrypto = (q: { initial: boolean; bytes: Uint8Array }): boolean => q.initial && q.bytes.length > 100;
    const pair: ConnectionPair = new ConnectionPair({
      drop: (d: SentDatagram): boolean => {
        if (d.from !== 'server' || stripped >= 2) return false;
        const packets = splitPackets(d.bytes);
        if (!packets.some(carriesCrypto)) return false;
        stripped++;
        const rest = packets.filter((q) => !carriesCrypto(q)).map((q) => q.bytes);
        if (rest.length > 0) pair.deliverNow('client', concat(rest));
        return true;
      },
    });
    await pair.run(() => pair.sent.some((d) => d.from === 'server'));
    // The client cannot ACK Handshake packets without the ServerHello: stand for a window's worth
    // of them (as in the simulator run SIM_SEED=352338245) with one unacknowledgeable packet, so
    // bytes_in_flight stays at or above the congestion window and only probes may be sent.
    const srv = pair.server!.state;
    const hs = srv.spaces[PacketNumberSpace.Handshake];
    srv.ld.onPacketSent(PacketNumberSpace.Handshake, { packetNumber: hs.nextPacketNumber++, ackEliciting: true, inFlight: true, sentBytes: srv.ld.cc.congestionWindow, tokens: [] }, pair.now);
    expect(srv.ld.bytesInFlight).toBeGreaterThanOrEqual(srv.ld.cc.congestionWindow);
    await pair.run(() => pair.handshakeDone && pair.client.state.handshakeConfirmed, undefined, 20_000, instant(15_000_000));
    expect(stripped).toBe(2);
    expect(pair.client.isHandshakeComplete && pair.server!.isHandshakeComplete).toBe(true);
    expect(pair.now).toBeLessThan(millis(5_000));
  });
});

describe('RFC 9000 §13.3, RFC 9002 §6.2.4: HANDSHAKE_DONE in the server\'s PTO probes', () => {
  it('RFC 9000 §13.3: the server\'s HANDSHAKE_DONE packets are lost and no client ACK of a later packet arrives; an Application Data probe carries HANDSHAKE_DONE again and the client is confirmed', async () => {
    // The scenario the local interop runner's handshakeloss test hit (quic-go 0.59 client): with
    // no ACK, HANDSHAKE_DONE is never declared lost, so PING-only probes never deliver it.
    let strippedServer = 0;
    const isShort = (q: { bytes: Uint8Array }): boolean => (q.bytes[0]! & 0x80) === 0;
    const pair: ConnectionPair = new ConnectionPair({
      drop: (d: SentDatagram): boolean => {
        const packets = splitPackets(d.bytes);
        if (!packets.some(isShort)) return false;
        // Every client 1-RTT packet (its ACKs) is lost; its Handshake packets pass.
        // The server's first two datagrams with a 1-RTT packet (HANDSHAKE_DONE) lose that packet.
        if (d.from === 'server' && strippedServer >= 2) return false;
        if (d.from === 'server') strippedServer++;
        const rest = packets.filter((q) => !isShort(q)).map((q) => q.bytes);
        if (rest.length > 0) pair.deliverNow(d.from === 'server' ? 'client' : 'server', concat(rest));
        return true;
      },
    });
    await pair.run(() => pair.client.state.handshakeConfirmed, undefined, 20_000, instant(10_000_000));
    expect(strippedServer).toBe(2);
    expect(pair.server!.state.handshakeDoneAcked).toBe(false); // no client 1-RTT packet ever arrived
    expect(pair.client.state.handshakeConfirmed).toBe(true);
    expect(pair.now).toBeLessThan(millis(5_000));
  });
});

describe('RFC 9001 §4.1.4, §5.7: packets that arrive before their keys are held, then processed', () => {
  it('RFC 9001 §4.1.4: the client\'s Finished is lost and its 1-RTT request arrives first; the server holds it (at most MAX_UNDECRYPTABLE_PACKETS packets) and reads it once the resent Finished completes the handshake', async () => {
    const isShort = (q: { bytes: Uint8Array }): boolean => (q.bytes[0]! & 0x80) === 0;
    const isHandshake = (q: { bytes: Uint8Array }): boolean => (q.bytes[0]! & 0x80) !== 0 && ((q.bytes[0]! >> 4) & 0x03) === 2;
    let stripped = 0;
    let heldAfterDelivery = -1;
    let heldAtLimit = -1;
    let heldBig = -1;
    const request = new TextEncoder().encode('GET /held');
    let streamId: number | undefined;
    const pair: ConnectionPair = new ConnectionPair({
      drop: (d: SentDatagram): boolean => {
        if (d.from !== 'client' || stripped > 0) return false;
        const packets = splitPackets(d.bytes);
        if (!packets.some(isHandshake) || !packets.some(isShort)) return false;
        stripped++;
        const early = concat(packets.filter((q) => !isHandshake(q)).map((q) => q.bytes));
        pair.deliverNow('server', early);
        heldAfterDelivery = pair.server!.state.undecryptable.length;
        // DESIGN §5 (bounded buffers): copies beyond MAX_UNDECRYPTABLE_PACKETS are dropped, not held.
        for (let i = 0; i < MAX_UNDECRYPTABLE_PACKETS + 8; i++) pair.deliverNow('server', early);
        heldAtLimit = pair.server!.state.undecryptable.length;
        // ... and beyond MAX_UNDECRYPTABLE_BYTES: a 1-RTT packet padded to 60,000 bytes is not held.
        const big = new Uint8Array(60_000);
        big.set(early);
        pair.server!.state.undecryptable.splice(1); // room by count, not by bytes
        pair.deliverNow('server', big);
        pair.deliverNow('server', big);
        heldBig = pair.server!.state.undecryptable.length;
        return true;
      },
    });
    const got: Uint8Array[] = [];
    let fin = false;
    await pair.run(() => fin, (side, ev) => {
      // The client writes as soon as it has 1-RTT keys: the request leaves with its Finished.
      if (side === 'client' && ev.type === 'handshake_completed') {
        streamId = pair.client.openStream('bidi');
        pair.client.streamWrite(streamId!, request);
        pair.client.streamFinish(streamId!);
      }
      if (side === 'server' && ev.type === 'stream_readable') {
        for (let r = pair.server!.streamRead(ev.streamId); r !== undefined; r = pair.server!.streamRead(ev.streamId)) {
          got.push(r.data);
          if (r.fin) fin = true;
          if (r.fin || r.data.length === 0) break;
        }
      }
    }, 20_000, instant(10_000_000));
    expect(stripped).toBe(1);
    expect(heldAfterDelivery).toBe(1); // held, not dropped (before the handshake completed)
    expect(heldAtLimit).toBe(MAX_UNDECRYPTABLE_PACKETS);
    expect(heldBig).toBe(2); // one 60,000-byte packet fits in MAX_UNDECRYPTABLE_BYTES, the second does not
    expect(MAX_UNDECRYPTABLE_BYTES).toBeLessThan(2 * 60_000);
    expect(new TextDecoder().decode(concat(got))).toBe('GET /held');
    expect(pair.server!.state.undecryptable.length).toBe(0);
  });
});

describe('RFC 9000 §10.1: the idle timer runs during the handshake', () => {
  it('RFC 9000 §10.1: a client whose server vanishes after the first flight closes with idle after its own max_idle_timeout', async () => {
    const pair = new ConnectionPair({ clientLimits: { maxIdleTimeoutMs: 3_000 }, drop: (d) => d.from === 'server' || d.index > 0 });
    await pair.run(() => pair.client.isClosed, undefined, 20_000, instant(60_000_000));
    expect(pair.client.isClosed).toBe(true);
    expect(pair.events.client.find((e) => e.type === 'connection_closed')).toMatchObject({ type: 'connection_closed', by: 'idle' });
    expect(pair.client.isHandshakeComplete).toBe(false);
    // The timer starts with the first ack-eliciting packet (t = 0); with kInitialRtt 333 ms, 3 x PTO
    // (~3 s) may stretch it a little but never to the next multiple.
    expect(pair.now).toBeGreaterThanOrEqual(millis(3_000));
    expect(pair.now).toBeLessThan(millis(6_000));
  });

  it('RFC 9000 §10.1: a server whose client vanishes after its first Initial closes with idle after its own max_idle_timeout', async () => {
    const pair = new ConnectionPair({ serverLimits: { maxIdleTimeoutMs: 3_000 }, drop: (d) => d.from === 'client' ? d.index > 0 : true });
    await pair.run(() => pair.server !== undefined && pair.server.isClosed, undefined, 20_000, instant(60_000_000));
    expect(pair.server?.isClosed).toBe(true);
    expect(pair.events.server.find((e) => e.type === 'connection_closed')).toMatchObject({ type: 'connection_closed', by: 'idle' });
    expect(pair.now).toBeLessThan(millis(8_000));
  });
});
