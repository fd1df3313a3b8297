/**
 * Twins of the interop runner's resumption and zerortt tests (INTEROP-RUNNER.md §3 rows 7 and 8)
 * on the default link S0: two connections to the same server (one shared ticket store); the
 * second resumes with the first one's ticket (RFC 9001 §4.5) and, for zerortt, sends its 39
 * requests in 0-RTT (RFC 9001 §4.6) so that the client's 1-RTT bytes over both connections stay
 * under the runner's 5000-byte bound.
 */
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection/connection.js';
import type { ConnectionEvent } from '../../src/connection/types.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import type { SessionTicket } from '../../src/tls/session-types.js';
import { MemoryTicketStore } from '../../src/tls/ticket-store.js';
import { SeededRandom } from '../../src/util/random.js';
import { instant } from '../../src/util/time.js';
import { splitDatagram } from '../../src/wire/header.js';
import { PacketType } from '../../src/wire/packet-type.js';
import { defaultLink } from './scenarios.js';
import { reportSeedOnFailure, simSeed } from './seed.js';
import { SimPair, type SimPairOptions, type SimSide } from './sim-pair.js';

const provider = nodeCryptoProvider;
const RESPONSE_SIZE = 32;

/** A request line with a 250-letter file name, as the runner's zerortt test asks for. */
function request(i: number): Uint8Array {
  const name = Array.from({ length: 250 }, (_, k) => String.fromCharCode(97 + ((i * 31 + k * 7) % 26))).join('');
  return new TextEncoder().encode(`GET /${name}\r\n`);
}

/** Server side of hq-interop-like requests: reads each request to FIN, answers RESPONSE_SIZE bytes. */
class Server {
  readonly requests = new Map<number, number>();
  readBeforeHandshake = 0;
  onEvent(server: Connection, streamId: number): void {
    for (;;) {
      const r = server.streamRead(streamId);
      if (r === undefined) return;
      this.requests.set(streamId, (this.requests.get(streamId) ?? 0) + r.data.length);
      if (!r.fin) return;
      if (!server.isHandshakeComplete) this.readBeforeHandshake++;
      server.streamWrite(streamId, new Uint8Array(RESPONSE_SIZE).fill(0x5a));
      server.streamFinish(streamId);
      return;
    }
  }
}

interface Run {
  readonly pair: SimPair;
  readonly server: Server;
  responses: number;
  ticket: SessionTicket | undefined;
  oneRttClientBytes: number;
  zeroRttClientPackets: number;
  readonly clientEvents: ConnectionEvent[];
}

/** One connection that sends `count` requests (at once, before any datagram when `early`) and waits for the answers (and a ticket). */
async function connection(options: SimPairOptions, count: number, wantTicket: boolean): Promise<Run> {
  const pair = new SimPair(options);
  const server = new Server();
  const run: Run = { pair, server, responses: 0, ticket: undefined, oneRttClientBytes: 0, zeroRttClientPackets: 0, clientEvents: [] };
  pair.onSend = (d) => {
    if (d.from !== 'client' || d.datagram === undefined) return;
    for (const p of splitDatagram(d.datagram.slice(), 8).packets) {
      if (p.type === PacketType.OneRtt) run.oneRttClientBytes += p.packetLength;
      if (p.type === PacketType.ZeroRtt) run.zeroRttClientPackets++;
    }
  };
  const responses = new Map<number, number>();
  const sendAll = (): void => {
    for (let i = 0; i < count; i++) {
      const id = pair.client.openStream('bidi')!;
      const req = request(i);
      expect(pair.client.streamWrite(id, req)).toBe(req.length);
      pair.client.streamFinish(id);
    }
  };
  let sent = false;
  if (options.clientResumption?.enableEarlyData === true) {
    // RFC 9000 §7.4.1: with 0-RTT, streams open at once with the remembered parameters.
    sendAll();
    sent = true;
  }
  const onEvent = (side: SimSide, ev: ConnectionEvent): void => {
    if (side === 'client') run.clientEvents.push(ev);
    if (side === 'server' && ev.type === 'stream_readable') server.onEvent(pair.server!, ev.streamId);
    if (side === 'client' && ev.type === 'session_ticket') run.ticket ??= ev.ticket;
    if (side === 'client' && ev.type === 'handshake_completed' && !sent) {
      sendAll();
      sent = true;
    }
    if (side === 'client' && ev.type === 'stream_readable') {
      const r = pair.client.streamRead(ev.streamId);
      if (r === undefined) return;
      responses.set(ev.streamId, (responses.get(ev.streamId) ?? 0) + r.data.length);
      if (r.fin && responses.get(ev.streamId) === RESPONSE_SIZE) run.responses++;
    }
  };
  // The server's handshake too: with 0-RTT accepted its answers (0.5-RTT, RFC 9001 §5.7) reach the client before it completes.
  await pair.run(() => run.responses === count && (!wantTicket || run.ticket !== undefined) && pair.server?.isHandshakeComplete === true, onEvent, instant(defaultLink.timeout));
  expect(run.responses).toBe(count);
  return run;
}

function options(seed: number, store: MemoryTicketStore, extra: Partial<SimPairOptions> = {}): SimPairOptions {
  return { scenario: defaultLink, seed, provider, serverResumption: { tickets: store, enableEarlyData: true }, ...extra };
}

describe('INTEROP resumption / zerortt: two connections to one server (S0)', () => {
  it('INTEROP resumption: RFC 9001 §4.5: the second connection resumes (PSK, no certificate) and its requests are answered', async () => {
    const seed = reportSeedOnFailure(simSeed());
    const store = new MemoryTicketStore(provider, new SeededRandom(seed));
    const first = await connection(options(seed, store), 1, true);
    const second = await connection(options(seed + 1, store, { clientResumption: { sessionTicket: first.ticket! } }), 1, false);
    expect(first.clientEvents.some((e) => e.type === 'verify_certificate')).toBe(true);
    expect(second.clientEvents.some((e) => e.type === 'verify_certificate')).toBe(false);
    expect(second.clientEvents.find((e) => e.type === 'handshake_completed')).toMatchObject({ resumed: true, earlyData: 'not_offered' });
    expect(second.zeroRttClientPackets).toBe(0);
  });

  it('INTEROP zerortt: RFC 9001 §4.6: the second connection sends its 39 requests in 0-RTT; the client\'s 1-RTT bytes over both connections stay <= 5000', async () => {
    const seed = reportSeedOnFailure(simSeed());
    const store = new MemoryTicketStore(provider, new SeededRandom(seed));
    const first = await connection(options(seed, store), 1, true);
    expect(first.ticket?.maxEarlyData).toBe(0xffffffff);
    const second = await connection(options(seed + 1, store, { clientResumption: { sessionTicket: first.ticket!, enableEarlyData: true } }), 39, false);
    const outcome = second.pair.server!.state.zeroRtt.outcome;
    expect(outcome).toBe('accepted');
    expect(second.zeroRttClientPackets).toBeGreaterThan(0);
    expect(second.clientEvents.find((e) => e.type === 'handshake_completed')).toMatchObject({ resumed: true, earlyData: 'accepted' });
    // Every request reached the server in 0-RTT, before its handshake completed.
    expect(second.server.readBeforeHandshake).toBe(39);
    expect(first.oneRttClientBytes + second.oneRttClientBytes).toBeLessThanOrEqual(5000);
  });
});
