/**
 * The server's 'early_data_accepted' event (src/connection/types.ts, zero-rtt.ts): emitted when
 * TLS accepts the client's 0-RTT at its ClientHello (RFC 9001 §4.6.2), before
 * 'handshake_completed', and never on rejection or a full handshake; and the server's 0.5-RTT
 * answer (RFC 9001 §5.7: before the handshake completes the server may use 1-RTT keys to send).
 */
import { describe, expect, it } from 'vitest';
import type { ConnectionEvent } from '../../src/connection/types.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import type { SessionTicket } from '../../src/tls/session-types.js';
import { MemoryTicketStore } from '../../src/tls/ticket-store.js';
import { bytesEqual, concatBytes } from '../../src/util/bytes.js';
import { SeededRandom } from '../../src/util/random.js';
import { PacketType } from '../../src/wire/packet-type.js';
import { splitDatagram } from '../../src/wire/header.js';
import { ConnectionPair, payload, type Side } from '../helpers/connection-pair.js';

function newStore(seed = 99): MemoryTicketStore {
  return new MemoryTicketStore(nodeCryptoProvider, new SeededRandom(seed));
}

async function firstTicket(store: MemoryTicketStore, enableEarlyData = true): Promise<SessionTicket> {
  const pair = new ConnectionPair({ seed: 11, serverResumption: { tickets: store, enableEarlyData } });
  let ticket: SessionTicket | undefined;
  await pair.run(() => ticket !== undefined, (side, ev) => {
    if (side === 'client' && ev.type === 'session_ticket') ticket = ev.ticket;
  });
  return ticket!;
}

function types(events: readonly ConnectionEvent[]): string[] {
  return events.map((e) => e.type);
}

describe('RFC 9001 §4.6.2: the server tells the application when it accepted 0-RTT', () => {
  it('RFC 9001 §4.6.2: early_data_accepted (with the ALPN) comes once, before the 0-RTT stream and before handshake_completed', async () => {
    const store = newStore();
    const ticket = await firstTicket(store);
    const pair = new ConnectionPair({ seed: 31, clientResumption: { sessionTicket: ticket, enableEarlyData: true }, serverResumption: { tickets: store, enableEarlyData: true } });
    const id = pair.client.openStream('bidi')!;
    pair.client.streamWrite(id, payload(200, 3));
    pair.client.streamFinish(id);
    await pair.run(() => pair.handshakeDone);
    const server = types(pair.events.server);
    const early = server.indexOf('early_data_accepted');
    expect(early).toBeGreaterThanOrEqual(0);
    expect(server.filter((t) => t === 'early_data_accepted')).toHaveLength(1);
    expect(early).toBeLessThan(server.indexOf('stream_opened'));
    expect(early).toBeLessThan(server.indexOf('handshake_completed'));
    expect(pair.events.server[early]).toEqual({ type: 'early_data_accepted', alpn: 'hq-interop' });
    expect(pair.events.server.find((e) => e.type === 'handshake_completed')).toMatchObject({ earlyData: 'accepted' });
    expect(types(pair.events.client)).not.toContain('early_data_accepted'); // server only
  });

  it('RFC 9001 §4.6.2: no early_data_accepted when the server rejects 0-RTT, on a full handshake, or on resumption without 0-RTT', async () => {
    const store = newStore();
    const ticket = await firstTicket(store);
    const rejected = new ConnectionPair({ seed: 32, clientResumption: { sessionTicket: ticket, enableEarlyData: true }, serverResumption: { tickets: store, enableEarlyData: false } });
    const full = new ConnectionPair({ seed: 33, serverResumption: { tickets: newStore(), enableEarlyData: true } });
    const noEarly = new ConnectionPair({ seed: 34, clientResumption: { sessionTicket: await firstTicket(store) }, serverResumption: { tickets: store, enableEarlyData: true } });
    for (const [pair, outcome] of [[rejected, 'rejected'], [full, 'not_offered'], [noEarly, 'not_offered']] as const) {
      await pair.run(() => pair.handshakeDone);
      expect(pair.events.server.find((e) => e.type === 'handshake_completed')).toMatchObject({ earlyData: outcome });
      expect(types(pair.events.server)).not.toContain('early_data_accepted');
      expect(pair.server!.state.zeroRtt.accepted).toBe(false);
    }
  });

  it('RFC 9001 §5.7: the server answers a 0-RTT request in 1-RTT packets before its handshake completes (0.5-RTT); the client reads it before the server completes', async () => {
    const store = newStore();
    const ticket = await firstTicket(store);
    const pair = new ConnectionPair({ seed: 35, clientResumption: { sessionTicket: ticket, enableEarlyData: true }, serverResumption: { tickets: store, enableEarlyData: true } });
    const request = payload(300, 4);
    const reply = payload(900, 5);
    const id = pair.client.openStream('bidi')!;
    pair.client.streamWrite(id, request);
    pair.client.streamFinish(id);
    const order: string[] = [];
    const got: Uint8Array[] = [];
    const read: Uint8Array[] = [];
    let replyFin = false;
    await pair.run(() => replyFin && pair.handshakeDone, (side: Side, ev) => {
      order.push(`${side}:${ev.type}`);
      const c = pair.conn(side)!;
      if (side === 'server' && ev.type === 'stream_readable') {
        for (let r = c.streamRead(ev.streamId); r !== undefined && (r.data.length > 0 || r.fin); r = c.streamRead(ev.streamId)) {
          read.push(r.data.slice());
          if (r.fin) {
            order.push('server:answered');
            expect(c.isHandshakeComplete).toBe(false);
            expect(c.streamWrite(ev.streamId, reply)).toBe(reply.length);
            c.streamFinish(ev.streamId);
            break;
          }
        }
      }
      if (side === 'client' && ev.type === 'stream_readable' && ev.streamId === id) {
        for (let r = c.streamRead(id); r !== undefined && (r.data.length > 0 || r.fin); r = c.streamRead(id)) {
          got.push(r.data.slice());
          if (r.fin) {
            replyFin = true;
            order.push('client:reply');
            break;
          }
        }
      }
    });
    expect(bytesEqual(concatBytes(...read), request)).toBe(true);
    expect(bytesEqual(concatBytes(...got), reply)).toBe(true);
    expect(order.indexOf('server:early_data_accepted')).toBeLessThan(order.indexOf('server:answered'));
    expect(order.indexOf('server:answered')).toBeLessThan(order.indexOf('server:handshake_completed'));
    // The reply left in the server's first flight, not after the client's Finished.
    expect(order.indexOf('client:reply')).toBeLessThan(order.indexOf('server:handshake_completed'));
    const firstServer = pair.sent.filter((d) => d.from === 'server').slice(0, 2).flatMap((d) => splitDatagram(d.bytes.slice(), 8).packets.map((p) => p.type));
    expect(firstServer).toContain(PacketType.OneRtt);
  });
});
