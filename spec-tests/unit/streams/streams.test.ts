import { describe, expect, it } from 'vitest';
import { StreamManager, type StreamTransportLimits } from '../../../src/streams/streams.js';
import type { Role } from '../../../src/streams/stream-id.js';
import type { StreamsToken } from '../../../src/streams/tokens.js';
import { concatBytes, Writer } from '../../../src/util/bytes.js';
import { instant, millis } from '../../../src/util/time.js';
import { TransportErrorCode } from '../../../src/wire/errors.js';
import { decodeFrames, type Frame } from '../../../src/wire/frames.js';
import { expectTransportError, pattern } from './helpers.js';

const LIMITS: StreamTransportLimits = {
  initialMaxData: 10_000,
  initialMaxStreamDataBidiLocal: 1000,
  initialMaxStreamDataBidiRemote: 1000,
  initialMaxStreamDataUni: 1000,
  initialMaxStreamsBidi: 10,
  initialMaxStreamsUni: 10,
};

function manager(role: Role, local: Partial<StreamTransportLimits> = {}, peer: Partial<StreamTransportLimits> = {}): StreamManager {
  return new StreamManager({
    role,
    local: { ...LIMITS, ...local },
    peer: { ...LIMITS, ...peer },
    sendBufferCapacity: 4096,
    maxStreamWindow: 4096,
    maxConnectionWindow: 40_000,
  });
}

/** Delivers one frame from a peer. */
function deliver(m: StreamManager, f: Frame): void {
  switch (f.type) {
    case 'stream':
    case 'reset_stream':
    case 'stop_sending':
    case 'max_stream_data':
    case 'stream_data_blocked':
      m.onStreamFrame(f);
      return;
    case 'max_data':
      m.onMaxData(f.maximum);
      return;
    case 'max_streams':
      m.onMaxStreams(f.bidi, f.maximum);
      return;
    default:
      return;
  }
}

/** One lossless packet from `a` to `b`, acknowledged at once. Returns the frames sent. */
function packet(a: StreamManager, b: StreamManager, now = 0): Frame[] {
  const w = Writer.alloc(1200);
  const tokens: StreamsToken[] = [];
  a.writeFrames(w, instant(now), millis(10), tokens);
  if (w.offset === 0) return [];
  const frames = decodeFrames(w.written());
  for (const f of frames) deliver(b, f);
  for (const t of tokens) a.onAcked(t);
  return frames;
}

describe('RFC 9000 §2, §3: stream manager', () => {
  it('RFC 9000 §2.1, §3: a bidirectional exchange between client and server', () => {
    const client = manager('client');
    const server = manager('server');
    const s = client.openStream('bidi')!;
    expect(s.id).toBe(0);
    s.send!.write(pattern(3000));
    s.send!.finish();
    const received: Uint8Array[] = [];
    const accepted: number[] = [];
    for (let i = 0; i < 20; i++) {
      packet(client, server, i);
      for (let e = server.acceptStream(); e !== undefined; e = server.acceptStream()) accepted.push(e.id);
      const peer = server.get(0);
      for (let d = server.read(0); d !== undefined; d = server.read(0)) received.push(d);
      if (peer !== undefined && peer.recv!.isFinished && peer.send!.state === 'ready') {
        peer.send!.write(pattern(10, 1));
        peer.send!.finish();
      }
      packet(server, client, i);
    }
    expect(accepted).toEqual([0]);
    expect(concatBytes(...received)).toEqual(pattern(3000));
    expect(client.read(0)).toEqual(pattern(10, 1));
    expect(client.read(0)).toBeUndefined();
    // Both ends are done: the stream is gone from both managers.
    expect(server.size).toBe(0);
    expect(client.size).toBe(0);
  });

  it('RFC 9000 §4.6: 2,000 streams over time with at most 1,000 concurrent', () => {
    const client = manager('client', {}, { initialMaxStreamsUni: 1000 });
    const server = manager('server', { initialMaxStreamsUni: 1000 });
    let opened = 0;
    let maxConcurrent = 0;
    for (let round = 0; round < 200 && opened < 2000; round++) {
      for (let s = client.openStream('uni'); s !== undefined; s = opened < 2000 ? client.openStream('uni') : undefined) {
        s.send!.write(pattern(1));
        s.send!.finish();
        opened++;
      }
      for (let i = 0; i < 200; i++) {
        if (packet(client, server, round).length === 0) break;
      }
      maxConcurrent = Math.max(maxConcurrent, server.size);
      for (let e = server.acceptStream(); e !== undefined; e = server.acceptStream()) {
        expect(server.read(e.id)).toEqual(pattern(1));
        server.read(e.id);
      }
      packet(server, client, round); // MAX_STREAMS
    }
    expect(opened).toBe(2000);
    expect(maxConcurrent).toBeLessThanOrEqual(1000);
    expect(server.size).toBe(0);
  });

  it('RFC 9000 §4.6: a peer stream beyond our limit is a STREAM_LIMIT_ERROR', () => {
    const server = manager('server', { initialMaxStreamsBidi: 2 });
    server.onStreamFrame({ type: 'stream', streamId: 4, offset: 0, fin: false, data: pattern(1) });
    expect(server.size).toBe(2); // stream 0 opened implicitly (RFC 9000 §3.2)
    expectTransportError(() => server.onStreamFrame({ type: 'stream', streamId: 8, offset: 0, fin: false, data: pattern(1) }), TransportErrorCode.STREAM_LIMIT_ERROR);
  });

  it('RFC 9000 §19.8, §19.4, §19.5, §19.10, §19.13: frames for the wrong direction or unopened local streams are STREAM_STATE_ERROR', () => {
    const client = manager('client');
    const s = TransportErrorCode.STREAM_STATE_ERROR;
    // STREAM / RESET_STREAM / STREAM_DATA_BLOCKED on our send-only stream (client uni = 2).
    client.openStream('uni');
    expectTransportError(() => client.onStreamFrame({ type: 'stream', streamId: 2, offset: 0, fin: false, data: pattern(1) }), s);
    expectTransportError(() => client.onStreamFrame({ type: 'reset_stream', streamId: 2, errorCode: 0, finalSize: 0 }), s);
    expectTransportError(() => client.onStreamFrame({ type: 'stream_data_blocked', streamId: 2, limit: 0 }), s);
    // STOP_SENDING / MAX_STREAM_DATA on a receive-only stream (server uni = 3).
    expectTransportError(() => client.onStreamFrame({ type: 'stop_sending', streamId: 3, errorCode: 0 }), s);
    expectTransportError(() => client.onStreamFrame({ type: 'max_stream_data', streamId: 3, maximum: 10 }), s);
    // Any frame for a local stream not yet opened (client bidi 0).
    expectTransportError(() => client.onStreamFrame({ type: 'stream', streamId: 0, offset: 0, fin: false, data: pattern(1) }), s);
    expectTransportError(() => client.onStreamFrame({ type: 'max_stream_data', streamId: 4, maximum: 10 }), s);
    // Once opened, MAX_STREAM_DATA is fine.
    client.openStream('bidi');
    client.onStreamFrame({ type: 'max_stream_data', streamId: 0, maximum: 5000 });
    expect(client.get(0)!.send!.maxStreamData).toBe(5000);
  });

  it('RFC 9000 §4.1: the sum of all streams beyond our MAX_DATA is a FLOW_CONTROL_ERROR', () => {
    const server = manager('server', { initialMaxData: 1500 });
    server.onStreamFrame({ type: 'stream', streamId: 0, offset: 0, fin: false, data: pattern(1000) });
    server.onStreamFrame({ type: 'reset_stream', streamId: 4, errorCode: 1, finalSize: 500 });
    expectTransportError(() => server.onStreamFrame({ type: 'stream', streamId: 8, offset: 0, fin: false, data: pattern(1) }), TransportErrorCode.FLOW_CONTROL_ERROR);
  });

  it('RFC 9000 §4.1: the sender respects the peer\'s MAX_DATA across streams and DATA_BLOCKED reports it', () => {
    const client = manager('client', {}, { initialMaxData: 1500 });
    const server = manager('server', { initialMaxData: 1500 });
    const a = client.openStream('bidi')!;
    const b = client.openStream('bidi')!;
    a.send!.write(pattern(1000));
    b.send!.write(pattern(1000));
    const sent: Frame[] = [];
    for (let i = 0; i < 5; i++) sent.push(...packet(client, server));
    const bytes = sent.filter((f) => f.type === 'stream').reduce((n, f) => n + (f.type === 'stream' ? f.data.length : 0), 0);
    expect(bytes).toBe(1500);
    expect(sent).toContainEqual({ type: 'data_blocked', limit: 1500 });
    // The server reads; MAX_DATA flows back; the rest goes.
    server.read(0);
    server.read(4);
    packet(server, client);
    for (let i = 0; i < 5; i++) packet(client, server);
    expect(server.read(4)?.length).toBe(500);
  });

  it('RFC 9000 §13.3: over a lossy path every token is routed back and all streams complete', () => {
    const client = manager('client', {}, { initialMaxData: 3000, initialMaxStreamDataBidiRemote: 700 });
    const server = manager('server', { initialMaxData: 3000, initialMaxStreamDataBidiRemote: 700 });
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) {
      const e = client.openStream('bidi')!;
      e.send!.write(pattern(2500, i));
      e.send!.finish();
      ids.push(e.id);
    }
    const got = new Map<number, Uint8Array[]>();
    let n = 0;
    const lossy = (a: StreamManager, b: StreamManager, now: number): void => {
      const w = Writer.alloc(600);
      const tokens: StreamsToken[] = [];
      a.writeFrames(w, instant(now), millis(10), tokens);
      if (w.offset === 0) return;
      if (n++ % 3 === 1) {
        for (const t of tokens) a.onLost(t);
        return;
      }
      for (const f of decodeFrames(w.written())) deliver(b, f);
      for (const t of tokens) a.onAcked(t);
    };
    for (let round = 0; round < 500; round++) {
      lossy(client, server, round * 1000);
      for (const id of ids) {
        for (let d = server.read(id); d !== undefined; d = server.read(id)) got.set(id, [...(got.get(id) ?? []), d]);
        server.get(id)?.send?.finish();
      }
      lossy(server, client, round * 1000);
      for (const id of ids) client.read(id);
    }
    for (const [i, id] of ids.entries()) expect(concatBytes(...(got.get(id) ?? []))).toEqual(pattern(2500, i));
    expect(client.size).toBe(0);
    expect(server.size).toBe(0);
  });
});
