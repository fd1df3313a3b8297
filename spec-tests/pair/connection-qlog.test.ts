/**
 * qlog events from a connection pair (DESIGN §8; draft-ietf-quic-qlog-quic-events-13; main schema
 * -14 JSON-SEQ): observers on both sides through a handshake, a 50 KB transfer and a close.
 * qlog-emit.ts is wrapped in spies so the disabled path can be shown to call none of it.
 */
import { describe, expect, it, vi } from 'vitest';

vi.mock('../../src/connection/qlog-emit.js', async (importOriginal) => {
  const actual = await importOriginal<Record<string, unknown>>();
  const wrapped: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(actual)) wrapped[k] = typeof v === 'function' ? vi.fn(v as (...a: unknown[]) => unknown) : v;
  return wrapped;
});

import * as qlogEmit from '../../src/connection/qlog-emit.js';
import type { QlogEvent } from '../../src/qlog/events.js';
import { BufferingQlogObserver, type QlogObserver } from '../../src/qlog/observer.js';
import { serializeQlog } from '../../src/qlog/serialize.js';
import { instant, millis } from '../../src/util/time.js';
import { ConnectionPair, payload, transfer, type PairOptions, type Side } from '../helpers/connection-pair.js';

const DELAY = millis(10);
const RS = '\u001e';

function observers(): { client: BufferingQlogObserver; server: BufferingQlogObserver } {
  return { client: new BufferingQlogObserver(100_000), server: new BufferingQlogObserver(100_000) };
}

function pairWith(obs: { client: QlogObserver; server: QlogObserver }, extra: PairOptions = {}): ConnectionPair {
  return new ConnectionPair({ oneWayDelay: DELAY, clientExtra: { qlog: obs.client }, serverExtra: { qlog: obs.server }, ...extra });
}

async function handshake(pair: ConnectionPair): Promise<void> {
  await pair.run(() => pair.handshakeDone && pair.client.state.handshakeConfirmed);
}

async function closeBoth(pair: ConnectionPair): Promise<void> {
  pair.client.close(pair.now, 0, 'done');
  await pair.run(() => pair.client.isClosed && pair.server!.isClosed);
}

type Named<N extends QlogEvent['name']> = Extract<QlogEvent, { name: N }>;
function named<N extends QlogEvent['name']>(events: readonly QlogEvent[], name: N): Named<N>[] {
  return events.filter((e): e is Named<N> => e.name === name);
}

/** The packet number space of a qlog packet type (RFC 9000 §12.3): 0-RTT and 1-RTT share one. */
function spaceOf(type: string): string {
  return type === '0RTT' || type === '1RTT' ? 'app' : type;
}

function spyCalls(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(qlogEmit)) if (vi.isMockFunction(v)) out[k] = v.mock.calls.length;
  return out;
}

// ---- a small checker of the draft's required fields (quic-events-13 CDDL) ----

const PACKET_TYPES = new Set(['initial', 'handshake', '0RTT', '1RTT', 'retry', 'version_negotiation', 'stateless_reset', 'unknown']);
const KEY_TYPES = new Set(['server_initial_secret', 'client_initial_secret', 'server_handshake_secret', 'client_handshake_secret', 'server_0rtt_secret', 'client_0rtt_secret', 'server_1rtt_secret', 'client_1rtt_secret']);
const CONN_STATES = new Set(['attempted', 'handshake_started', 'handshake_complete', 'closed', 'peer_validated', 'early_write', 'handshake_confirmed', 'closing', 'draining']);
const FRAME_TYPES = new Set(['padding', 'ping', 'ack', 'reset_stream', 'stop_sending', 'crypto', 'new_token', 'stream', 'max_data', 'max_stream_data', 'max_streams', 'data_blocked', 'stream_data_blocked', 'streams_blocked', 'new_connection_id', 'retire_connection_id', 'path_challenge', 'path_response', 'connection_close', 'handshake_done', 'unknown', 'datagram']);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

function checkHeader(h: unknown, errors: string[], where: string): void {
  if (!isObj(h)) return void errors.push(`${where}: header is not an object`);
  if (!PACKET_TYPES.has(h.packet_type as string)) errors.push(`${where}: bad packet_type ${String(h.packet_type)}`);
  if (h.packet_number !== undefined && !isNum(h.packet_number)) errors.push(`${where}: packet_number`);
}

function checkFrame(f: unknown, errors: string[], where: string): void {
  if (!isObj(f) || !FRAME_TYPES.has(f.frame_type as string)) return void errors.push(`${where}: bad frame ${JSON.stringify(f)}`);
  // quic-events §8.13: required fields of the frames this stack sends.
  const required: Record<string, string[]> = {
    crypto: ['offset', 'raw'], stream: ['stream_id', 'offset'], max_data: ['maximum'], max_stream_data: ['stream_id', 'maximum'],
    max_streams: ['stream_type', 'maximum'], new_connection_id: ['sequence_number', 'retire_prior_to', 'connection_id'],
    retire_connection_id: ['sequence_number'], reset_stream: ['stream_id', 'error_code', 'final_size'], connection_close: ['error_space'],
  };
  for (const field of required[f.frame_type as string] ?? []) if (f[field] === undefined) errors.push(`${where}: ${String(f.frame_type)} lacks ${field}`);
}

/** Checks one parsed JSON-SEQ event record against the draft's required fields; returns the errors. */
function checkRecord(rec: unknown): string[] {
  const errors: string[] = [];
  if (!isObj(rec) || !isNum(rec.time) || typeof rec.name !== 'string' || !isObj(rec.data)) return [`bad record ${JSON.stringify(rec)}`];
  const d = rec.data;
  const where = rec.name;
  switch (rec.name) {
    case 'quic:connection_started':
      if (!isObj(d.local) || !isObj(d.remote)) errors.push(`${where}: local/remote required`);
      break;
    case 'quic:connection_state_updated':
      if (!CONN_STATES.has(d.new as string)) errors.push(`${where}: new`);
      break;
    case 'quic:packet_sent':
    case 'quic:packet_received':
      checkHeader(d.header, errors, where);
      if (d.frames !== undefined) {
        if (!Array.isArray(d.frames)) errors.push(`${where}: frames`);
        else d.frames.forEach((f) => checkFrame(f, errors, where));
      }
      break;
    case 'quic:packet_dropped':
    case 'quic:packet_lost':
      if (d.header !== undefined) checkHeader(d.header, errors, where);
      break;
    case 'quic:packet_buffered':
      if (d.header !== undefined) checkHeader(d.header, errors, where);
      if (d.trigger !== undefined && d.trigger !== 'keys_unavailable' && d.trigger !== 'backpressure') errors.push(`${where}: trigger`);
      break;
    case 'quic:key_updated':
    case 'quic:key_discarded':
      if (!KEY_TYPES.has(d.key_type as string)) errors.push(`${where}: key_type`);
      break;
    case 'quic:recovery_parameters_set':
      if (!isNum(d.timer_granularity)) errors.push(`${where}: timer_granularity`);
      break;
    case 'quic:recovery_metrics_updated':
      for (const v of Object.values(d)) if (!isNum(v)) errors.push(`${where}: non-numeric field`);
      if (Object.keys(d).length === 0) errors.push(`${where}: empty`);
      break;
    case 'quic:congestion_state_updated':
      if (typeof d.new !== 'string') errors.push(`${where}: new`);
      break;
    case 'quic:mtu_updated':
      if (!isNum(d.new)) errors.push(`${where}: new`);
      break;
    case 'quic:connection_closed':
      if (d.initiator !== undefined && d.initiator !== 'local' && d.initiator !== 'remote') errors.push(`${where}: initiator`);
      break;
    case 'quic:version_information':
    case 'quic:alpn_information':
    case 'quic:parameters_set':
      break;
    default:
      errors.push(`unexpected event ${rec.name}`);
  }
  return errors;
}

describe('draft-ietf-quic-qlog-quic-events-13: connection events', () => {
  it('quic-events §4-§7: handshake, 50 KB transfer and close produce ordered, matching events on both sides', async () => {
    const obs = observers();
    const pair = pairWith(obs);
    await handshake(pair);
    const data = payload(50_000);
    expect(await transfer(pair, data)).toEqual(data);
    await closeBoth(pair);
    const ev: Record<Side, QlogEvent[]> = { client: obs.client.events(), server: obs.server.events() };
    expect(obs.client.dropped + obs.server.dropped).toBe(0);

    for (const side of ['client', 'server'] as const) {
      const e = ev[side];
      // quic-events §4.2: connection_started comes first; times never go backwards.
      expect(e[0]!.name).toBe('quic:connection_started');
      for (let i = 1; i < e.length; i++) expect(e[i]!.time).toBeGreaterThanOrEqual(e[i - 1]!.time);
      // quic-events §4.6: the states in order.
      const states = named(e, 'quic:connection_state_updated').map((x) => x.data.new);
      const expected = side === 'client'
        ? ['attempted', 'handshake_complete', 'handshake_confirmed', 'closing', 'closed']
        : ['handshake_started', 'handshake_complete', 'handshake_confirmed', 'draining', 'closed'];
      expect(states).toEqual(expected);
      // Both transport parameter sets (quic-events §5.3), the chosen ALPN and version (§5.1, §5.2).
      expect(named(e, 'quic:parameters_set').map((x) => x.data.initiator)).toEqual(['local', 'remote']);
      expect(named(e, 'quic:alpn_information').some((x) => x.data.chosen_alpn?.string_value === 'hq-interop')).toBe(true);
      expect(named(e, 'quic:version_information').some((x) => x.data.chosen_version === '00000001')).toBe(true);
      // quic-events §6.1/§6.2: Initial, Handshake and 1-RTT keys installed; Initial and Handshake keys discarded.
      const updated = new Set(named(e, 'quic:key_updated').map((x) => x.data.key_type));
      for (const k of ['client_initial_secret', 'server_initial_secret', 'client_handshake_secret', 'server_handshake_secret', 'client_1rtt_secret', 'server_1rtt_secret']) expect(updated.has(k as never)).toBe(true);
      const discarded = new Set(named(e, 'quic:key_discarded').map((x) => x.data.key_type));
      for (const k of ['client_initial_secret', 'server_initial_secret', 'client_handshake_secret', 'server_handshake_secret']) expect(discarded.has(k as never)).toBe(true);
      // quic-events §7.2: metrics with the window and RTTs; §7.3: the controller's state.
      const metrics = named(e, 'quic:recovery_metrics_updated');
      expect(metrics.some((m) => m.data.congestion_window !== undefined)).toBe(true);
      expect(metrics.some((m) => m.data.smoothed_rtt !== undefined && m.data.latest_rtt !== undefined && m.data.min_rtt !== undefined)).toBe(true);
      expect(metrics.some((m) => m.data.bytes_in_flight !== undefined)).toBe(true);
      expect(metrics.some((m) => m.data.pacing_rate !== undefined)).toBe(true);
      // RTT is 2 x 10 ms here.
      const lastRtt = metrics.filter((m) => m.data.smoothed_rtt !== undefined).at(-1)!.data.smoothed_rtt!;
      expect(lastRtt).toBeGreaterThanOrEqual(20);
      expect(lastRtt).toBeLessThan(40);
      expect(named(e, 'quic:congestion_state_updated')[0]!.data.new).toBe('slow_start');
      // Metrics only when something changed (quic-events §7.2).
      for (const m of metrics) expect(Object.keys(m.data).length).toBeGreaterThan(0);
      // quic-events §4.3: one connection_closed, after every packet that carried stream data.
      const closed = named(e, 'quic:connection_closed');
      expect(closed).toHaveLength(1);
      const closedIndex = e.indexOf(closed[0]!);
      const carriesStream = e.map((x) => (x.name === 'quic:packet_sent' || x.name === 'quic:packet_received') && (x.data.frames ?? []).some((f) => f.frame_type === 'stream'));
      const lastStream = carriesStream.lastIndexOf(true);
      expect(closedIndex).toBeGreaterThan(lastStream);
      expect(e.at(-1)!.name).toBe('quic:connection_state_updated');
      // quic-events §4.8: DPLPMTUD's result (RFC 9000 §14.3) is the last mtu_updated.
      const pmtu = pair.conn(side)!.stats().pmtu;
      expect(pmtu).toBeGreaterThan(1200);
      expect(named(e, 'quic:mtu_updated').at(-1)?.data.new).toBe(pmtu);
    }
    expect(named(ev.client, 'quic:connection_closed')[0]!.data).toEqual({ initiator: 'local', application_error: 'unknown', error_code: 0, reason: 'done', trigger: 'application' });
    expect(named(ev.server, 'quic:connection_closed')[0]!.data).toMatchObject({ initiator: 'remote', error_code: 0, reason: 'done' });

    // Every packet_sent is received by the peer with the same frames, unless the peer dropped
    // it or stopped receiving (draining) before it could arrive.
    for (const [from, to] of [['client', 'server'], ['server', 'client']] as const) {
      const received = new Map<string, Named<'quic:packet_received'>>();
      for (const r of named(ev[to], 'quic:packet_received')) received.set(`${spaceOf(r.data.header.packet_type)}/${r.data.header.packet_number}`, r);
      const drops = new Map<string, number>();
      for (const d of named(ev[to], 'quic:packet_dropped')) drops.set(d.data.header?.packet_type ?? '?', (drops.get(d.data.header?.packet_type ?? '?') ?? 0) + 1);
      const stopped = named(ev[to], 'quic:connection_state_updated').find((x) => x.data.new === 'draining' || x.data.new === 'closed')!.time;
      const unmatched = new Map<string, number>();
      let matched = 0;
      for (const sent of named(ev[from], 'quic:packet_sent')) {
        const h = sent.data.header;
        if (sent.time + DELAY >= stopped) continue;
        const r = received.get(`${spaceOf(h.packet_type)}/${h.packet_number}`);
        if (r === undefined) {
          unmatched.set(h.packet_type, (unmatched.get(h.packet_type) ?? 0) + 1);
          continue;
        }
        matched++;
        expect(r.data.header.packet_type).toBe(h.packet_type);
        expect(r.data.raw?.length).toBe(sent.data.raw?.length);
        expect(r.data.frames).toEqual(sent.data.frames);
        expect(r.time).toBeGreaterThanOrEqual(sent.time + DELAY);
      }
      expect(matched).toBeGreaterThan(from === 'client' ? 40 : 10);
      for (const [type, n] of unmatched) expect(n, `${from} ${type} packets neither received nor dropped`).toBeLessThanOrEqual(drops.get(type) ?? 0);
    }
    // The 50 KB went in STREAM frames the server logged as received.
    const streamBytes = named(ev.server, 'quic:packet_received').flatMap((p) => p.data.frames ?? []).filter((f) => f.frame_type === 'stream').reduce((n, f) => n + (f.frame_type === 'stream' ? f.raw?.length ?? 0 : 0), 0);
    expect(streamBytes).toBe(50_000);

    // main schema §5 / §11.2: JSON-SEQ, each record RS + JSON + LF, each event valid per the draft.
    for (const side of ['client', 'server'] as const) {
      const text = serializeQlog({ vantagePoint: side, odcid: pair.client.state.originalDcid, referenceTime: instant(0), referenceEpochMs: 1_700_000_000_000 }, ev[side]);
      const records = text.split(RS);
      expect(records[0]).toBe('');
      const parsed = records.slice(1).map((r) => {
        expect(r.endsWith('\n')).toBe(true);
        return JSON.parse(r) as unknown;
      });
      expect(parsed[0]).toMatchObject({ file_schema: 'urn:ietf:params:qlog:file:sequential', serialization_format: 'application/qlog+json-seq' });
      expect(parsed).toHaveLength(ev[side].length + 1);
      const errors = parsed.slice(1).flatMap(checkRecord);
      expect(errors).toEqual([]);
    }
  });

  it('quic-events §5.7: a corrupted packet is dropped as decryption_failure and a replayed one as duplicate', async () => {
    const obs = observers();
    const pair = pairWith(obs);
    await handshake(pair);
    const last = pair.sent.filter((d) => d.from === 'client').at(-1)!;
    obs.server.clear();
    pair.deliverNow('server', last.bytes); // RFC 9000 §12.3: a duplicate
    const corrupt = last.bytes.slice();
    corrupt[corrupt.length - 1]! ^= 0xff;
    pair.deliverNow('server', corrupt); // RFC 9001 §5.5: fails authentication
    // The datagram's 1-RTT packet (coalesced long-header packets find their keys discarded: key_unavailable).
    const dropped = named(obs.server.events(), 'quic:packet_dropped').filter((d) => d.data.header?.packet_type === '1RTT');
    expect(dropped.map((d) => d.data.trigger)).toEqual(['duplicate', 'decryption_failure']);
    expect(dropped[0]!.data.header?.packet_number).toBeTypeOf('number');
    expect(named(obs.server.events(), 'quic:packet_dropped').every((d) => d.data.trigger !== 'key_unavailable' || d.data.header?.packet_type === 'handshake' || d.data.header?.packet_type === 'initial')).toBe(true);
  });

  it('quic-events §7.4: packets of dropped datagrams are logged lost by their sender', async () => {
    const obs = observers();
    const pair = pairWith(obs, { drop: (d) => d.from === 'client' && d.index >= 12 && d.index < 15 });
    await handshake(pair);
    const data = payload(50_000, 3);
    expect(await transfer(pair, data)).toEqual(data);
    const lost = named(obs.client.events(), 'quic:packet_lost');
    expect(lost.length).toBeGreaterThan(0);
    const sent = new Set(named(obs.client.events(), 'quic:packet_sent').map((p) => `${spaceOf(p.data.header.packet_type)}/${p.data.header.packet_number}`));
    const received = new Set(named(obs.server.events(), 'quic:packet_received').map((p) => `${spaceOf(p.data.header.packet_type)}/${p.data.header.packet_number}`));
    for (const l of lost) {
      const key = `${spaceOf(l.data.header!.packet_type)}/${l.data.header!.packet_number}`;
      expect(sent.has(key)).toBe(true);
      expect(received.has(key)).toBe(false);
    }
  });

  it('quic-events §6.1: a key update is logged with its trigger and key phase on both sides', async () => {
    const obs = observers();
    const pair = pairWith(obs);
    await handshake(pair);
    await transfer(pair, payload(5_000));
    expect(pair.client.initiateKeyUpdate(pair.now)).toBe(true);
    await transfer(pair, payload(5_000, 9));
    await pair.runFor(millis(100)); // the server's ACKs in the new phase reach the client
    const oneRtt = (e: QlogEvent[]) => named(e, 'quic:key_updated').filter((k) => k.data.key_phase !== undefined && k.data.key_phase > 0);
    expect(oneRtt(obs.client.events()).map((k) => [k.data.key_type, k.data.key_phase, k.data.trigger])).toEqual([
      ['client_1rtt_secret', 1, 'local_update'],
      ['server_1rtt_secret', 1, 'local_update'],
    ]);
    expect(oneRtt(obs.server.events()).map((k) => [k.data.key_type, k.data.key_phase, k.data.trigger])).toEqual([
      ['client_1rtt_secret', 1, 'remote_update'],
      ['server_1rtt_secret', 1, 'remote_update'],
    ]);
    // Packets after the update carry key_phase 1.
    expect(named(obs.server.events(), 'quic:packet_received').at(-1)!.data.header.key_phase).toBe(1);
  });

  it('DESIGN §8: without an observer (or a disabled one) no qlog-emit function runs and no event is built', async () => {
    vi.clearAllMocks();
    const disabled: QlogObserver & { calls: number } = { enabled: false, calls: 0, emit() { this.calls++; } };
    for (const options of [{ oneWayDelay: DELAY }, { oneWayDelay: DELAY, clientExtra: { qlog: disabled }, serverExtra: { qlog: disabled } }] satisfies PairOptions[]) {
      vi.clearAllMocks();
      const pair = new ConnectionPair(options);
      await handshake(pair);
      await transfer(pair, payload(20_000));
      await closeBoth(pair);
      const calls = spyCalls();
      // createQlogState runs once per connection and says "no qlog"; nothing else is reached.
      expect(calls.createQlogState).toBe(2);
      expect(Object.entries(calls).filter(([k, n]) => k !== 'createQlogState' && n > 0)).toEqual([]);
      expect(pair.client.state.qlog).toBeUndefined();
      expect(pair.server!.state.qlog).toBeUndefined();
    }
    expect(disabled.calls).toBe(0);
    // The spies are live: with an observer they are called.
    vi.clearAllMocks();
    const obs = observers();
    const pair = pairWith(obs);
    await handshake(pair);
    expect(spyCalls().qlogPacketSent).toBeGreaterThan(0);
    expect(obs.client.size).toBeGreaterThan(0);
  });
});
