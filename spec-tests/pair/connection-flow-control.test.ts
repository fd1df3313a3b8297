/**
 * Flow control and stream limits over a connection pair (RFC 9000 §4.1, §4.6, §19.9-§19.14): a
 * sender blocked at the stream or connection window says so (STREAM_DATA_BLOCKED, DATA_BLOCKED),
 * stays blocked with bounded memory while the receiver does not read, and resumes when the
 * receiver reads (MAX_STREAM_DATA, MAX_DATA); a peer's concurrent-stream limit is respected and
 * grows as streams close (MAX_STREAMS, STREAMS_BLOCKED).
 */
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection/connection.js';
import type { ConnectionToken } from '../../src/connection/types.js';
import { bytesEqual, concatBytes } from '../../src/util/bytes.js';
import { millis } from '../../src/util/time.js';
import { confirmedPair, payload, pump, type ConnectionPair } from '../helpers/connection-pair.js';

/** Records the recovery token of every frame `c` sends from now on. */
function spyTokens(c: Connection): ConnectionToken[] {
  const log: ConnectionToken[] = [];
  const ld = c.state.ld;
  const original = ld.onPacketSent.bind(ld);
  ld.onPacketSent = (space, info, now) => {
    log.push(...info.tokens);
    return original(space, info, now);
  };
  return log;
}

/** Reads everything readable on the server's stream `id` into `got`; true at FIN. */
function drain(server: Connection, id: number, got: Uint8Array[]): boolean {
  for (let r = server.streamRead(id); r !== undefined; r = server.streamRead(id)) {
    if (r.data.length > 0) got.push(r.data);
    if (r.fin) return true;
    if (r.data.length === 0) return false;
  }
  return false;
}

async function readAll(pair: ConnectionPair, ids: number[], got: Map<number, Uint8Array[]>, writers: Map<number, { data: Uint8Array; up: { offset: number; finished: boolean } }>): Promise<void> {
  const server = pair.server!;
  const done = new Set<number>();
  for (const id of ids) if (drain(server, id, got.get(id)!)) done.add(id);
  await pair.run(
    () => done.size === ids.length,
    (side, ev) => {
      if (side === 'client' && ev.type === 'stream_writable') {
        const w = writers.get(ev.streamId);
        if (w !== undefined) pump(pair.client, ev.streamId, w.data, w.up);
      }
      if (side === 'server' && ev.type === 'stream_readable' && got.has(ev.streamId) && drain(server, ev.streamId, got.get(ev.streamId)!)) done.add(ev.streamId);
    },
    50_000,
  );
}

describe('RFC 9000 §4.1: flow-control blocking and unblocking over a pair', () => {
  it('RFC 9000 §4.1, §19.13: a sender at the stream window sends STREAM_DATA_BLOCKED, stays blocked with bounded memory, and MAX_STREAM_DATA unblocks it', async () => {
    const window = 16_384;
    const pair = await confirmedPair({ serverLimits: { initialMaxStreamData: window, initialMaxData: 1 << 20 } });
    const clientTokens = spyTokens(pair.client);
    const serverTokens = spyTokens(pair.server!);
    const data = payload(64_000, 3);
    const id = pair.client.openStream('bidi')!;
    const up = { offset: 0, finished: false };
    pump(pair.client, id, data, up);
    expect(up.finished).toBe(true);
    // The receiver does not read.
    await pair.runFor(millis(1_000));
    const recv = pair.server!.state.streams!.get(id)!.recv!;
    const send = pair.client.state.streams!.get(id)!.send!;
    expect(recv.highestOffset).toBe(window);
    expect(send.bytesSent).toBe(window);
    // RFC 9000 §4.1: "A sender SHOULD send a STREAM_DATA_BLOCKED or DATA_BLOCKED frame to indicate
    // to the receiver that it has data to write but is blocked by flow control limits."
    const blocked = clientTokens.filter((t) => t.kind === 'stream_data_blocked');
    expect(blocked.length).toBeGreaterThanOrEqual(1);
    expect(blocked[0]).toMatchObject({ streamId: id, limit: window });
    // Blocked "forever": 20 more seconds (under the 30 s idle timeout), nothing grows.
    const sentBefore = pair.sent.length;
    await pair.runFor(millis(20_000));
    expect(recv.highestOffset).toBe(window);
    expect(recv.bufferSize).toBeLessThanOrEqual(window);
    expect(send.bytesSent).toBe(window);
    expect(send.bufferedBytes).toBe(data.length - window); // the acknowledged prefix is freed
    expect(pair.client.state.ld.bytesInFlight).toBe(0);
    expect(pair.sent.length - sentBefore).toBeLessThanOrEqual(4); // no chatter while blocked
    expect(clientTokens.filter((t) => t.kind === 'stream_data_blocked').length).toBe(blocked.length);
    expect(pair.client.isClosed).toBe(false);
    // The receiver reads: MAX_STREAM_DATA (RFC 9000 §19.10) unblocks the sender.
    const got = new Map([[id, [] as Uint8Array[]]]);
    await readAll(pair, [id], got, new Map());
    expect(serverTokens.some((t) => t.kind === 'max_stream_data' && t.streamId === id)).toBe(true);
    expect(bytesEqual(concatBytes(...got.get(id)!), data)).toBe(true);
  });

  it('RFC 9000 §4.1, §19.12: a sender at the connection window sends DATA_BLOCKED and MAX_DATA unblocks it', async () => {
    const connWindow = 32_768;
    const pair = await confirmedPair({ serverLimits: { initialMaxStreamData: 256 * 1024, initialMaxData: connWindow } });
    const clientTokens = spyTokens(pair.client);
    const serverTokens = spyTokens(pair.server!);
    const writers = new Map<number, { data: Uint8Array; up: { offset: number; finished: boolean } }>();
    for (const seed of [1, 2, 3]) {
      const id = pair.client.openStream('bidi')!;
      const w = { data: payload(50_000, seed), up: { offset: 0, finished: false } };
      writers.set(id, w);
      pump(pair.client, id, w.data, w.up);
    }
    await pair.runFor(millis(1_000));
    const ids = [...writers.keys()];
    const serverStreams = pair.server!.state.streams!;
    const receivedTotal = (): number => ids.reduce((n, id) => n + (serverStreams.get(id)?.recv?.highestOffset ?? 0), 0);
    expect(receivedTotal()).toBe(connWindow);
    expect(pair.client.state.streams!.connSend.available).toBe(0);
    const blocked = clientTokens.filter((t) => t.kind === 'data_blocked');
    expect(blocked.length).toBeGreaterThanOrEqual(1);
    expect(blocked[0]).toMatchObject({ limit: connWindow });
    expect(clientTokens.some((t) => t.kind === 'stream_data_blocked')).toBe(false); // the stream windows are not the limit
    await pair.runFor(millis(10_000));
    expect(receivedTotal()).toBe(connWindow);
    const buffered = ids.reduce((n, id) => n + serverStreams.get(id)!.recv!.bufferSize, 0);
    expect(buffered).toBeLessThanOrEqual(3 * connWindow); // each stream's buffer holds at most what arrived
    // Reading releases connection credit: MAX_DATA (RFC 9000 §19.9) and the rest flows.
    const got = new Map(ids.map((id) => [id, [] as Uint8Array[]]));
    await readAll(pair, ids, got, writers);
    expect(serverTokens.some((t) => t.kind === 'max_data')).toBe(true);
    for (const id of ids) expect(bytesEqual(concatBytes(...got.get(id)!), writers.get(id)!.data)).toBe(true);
  });
});

describe('RFC 9000 §4.6: stream limits over a pair (MAX_STREAMS, STREAMS_BLOCKED)', () => {
  it('RFC 9000 §4.6, §19.11, §19.14: 2,000 bidirectional streams against a limit of 100 concurrent all complete, never more than 100 open', async () => {
    const limit = 100;
    const total = 2_000;
    const pair = await confirmedPair({ serverLimits: { initialMaxStreamsBidi: limit } });
    const client = pair.client;
    const server = pair.server!;
    const clientTokens = spyTokens(client);
    const serverTokens = spyTokens(server);
    let opened = 0;
    let completed = 0;
    let maxServerOpen = 0;
    let maxClientOpen = 0;
    let refused = 0;
    const openMore = (): void => {
      while (opened < total) {
        const id = client.openStream('bidi');
        if (id === undefined) {
          refused++;
          break;
        }
        opened++;
        client.streamWrite(id, payload(100, opened));
        client.streamFinish(id);
      }
      maxClientOpen = Math.max(maxClientOpen, client.state.streams!.size);
    };
    openMore();
    expect(opened).toBe(limit);
    // No event announces a raised stream limit, so the opener retries at every step of the loop.
    await pair.run(
      () => {
        openMore();
        return completed === total;
      },
      (side, ev) => {
        if (ev.type !== 'stream_readable') return;
        const c = side === 'client' ? client : server;
        for (let r = c.streamRead(ev.streamId); r !== undefined; r = c.streamRead(ev.streamId)) {
          if (r.fin) {
            if (side === 'server') c.streamFinish(ev.streamId); // close our half: the stream can be dropped
            else completed++;
            break;
          }
          if (r.data.length === 0) break;
        }
        maxServerOpen = Math.max(maxServerOpen, server.state.streams!.size);
        if (side === 'client') openMore();
      },
      200_000,
    );
    expect(completed).toBe(total);
    expect(opened).toBe(total);
    // RFC 9000 §4.6: "An endpoint MUST NOT open more streams than permitted by the current stream limit set by its peer."
    expect(maxServerOpen).toBeLessThanOrEqual(limit);
    expect(maxClientOpen).toBeLessThanOrEqual(limit);
    expect(refused).toBeGreaterThan(0);
    // RFC 9000 §4.6: "A sender SHOULD send a STREAMS_BLOCKED frame ... when it wishes to open a
    // stream but is unable to do so due to the maximum stream limit set by its peer".
    expect(clientTokens.some((t) => t.kind === 'streams_blocked' && t.bidi)).toBe(true);
    // The limit grew as streams closed (MAX_STREAMS, RFC 9000 §19.11).
    const maxStreams = serverTokens.filter((t) => t.kind === 'max_streams' && t.bidi);
    expect(maxStreams.length).toBeGreaterThan(0);
    expect(Math.max(...maxStreams.map((t) => (t.kind === 'max_streams' ? t.maximum : 0)))).toBeGreaterThanOrEqual(total);
    expect(client.isClosed).toBe(false);
  });
});
