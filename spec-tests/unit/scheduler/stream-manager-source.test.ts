import { describe, expect, it } from 'vitest';
import { StreamPriority } from '../../../src/scheduler/priority.js';
import { MAX_STREAM_FRAME_OVERHEAD, StreamManagerSource } from '../../../src/scheduler/stream-manager-source.js';
import { StreamScheduler } from '../../../src/scheduler/stream-scheduler.js';
import { StreamManager, type StreamTransportLimits } from '../../../src/streams/streams.js';
import type { StreamsToken } from '../../../src/streams/tokens.js';
import { Writer } from '../../../src/util/bytes.js';
import { decodeFrames, type Frame } from '../../../src/wire/frames.js';

const LIMITS: StreamTransportLimits = {
  initialMaxData: 1_000_000,
  initialMaxStreamDataBidiLocal: 100_000,
  initialMaxStreamDataBidiRemote: 100_000,
  initialMaxStreamDataUni: 100_000,
  initialMaxStreamsBidi: 10,
  initialMaxStreamsUni: 10,
};

function setup(peer: Partial<StreamTransportLimits> = {}): { m: StreamManager; s: StreamScheduler; src: StreamManagerSource } {
  const m = new StreamManager({
    role: 'client',
    local: LIMITS,
    peer: { ...LIMITS, ...peer },
    sendBufferCapacity: 10_000,
    maxStreamWindow: 100_000,
    maxConnectionWindow: 1_000_000,
  });
  return { m, s: new StreamScheduler(), src: new StreamManagerSource(m) };
}

function open(m: StreamManager, s: StreamScheduler, priority: number, bytes: number): number {
  const entry = m.openStream('bidi')!;
  expect(entry.send!.write(new Uint8Array(bytes).fill(entry.id + 1))).toBe(bytes);
  s.add(entry.id, priority, true);
  return entry.id;
}

type StreamFrame = Extract<Frame, { type: 'stream' }>;

function packet(s: StreamScheduler, src: StreamManagerSource, size = 1200): { frames: StreamFrame[]; tokens: StreamsToken[] } {
  const w = new Writer(new Uint8Array(size));
  src.out = [];
  const res = s.fillPacket(w, size, src);
  expect(res.bytes).toBe(w.offset);
  const frames = w.offset === 0 ? [] : decodeFrames(w.written());
  expect(frames.length).toBe(res.frames);
  expect(src.out.length).toBe(res.frames);
  return { frames: frames as StreamFrame[], tokens: src.out };
}

describe('DESIGN §7: scheduling a StreamManager\'s streams', () => {
  it('DESIGN §7 / RFC 9000 §19.8: HIGH stream data all goes before LOW stream data, in STREAM frames that decode', () => {
    const { m, s, src } = setup();
    const low = open(m, s, StreamPriority.LOW, 5000);
    const high = open(m, s, StreamPriority.HIGH, 5000);
    const order: number[] = [];
    for (let i = 0; i < 20 && s.pendingCount > 0; i++) for (const f of packet(s, src).frames) order.push(f.streamId);
    expect(order.indexOf(low)).toBeGreaterThan(order.lastIndexOf(high));
    expect(m.get(high)!.send!.bytesSent).toBe(5000);
    expect(m.get(low)!.send!.bytesSent).toBe(5000);
  });

  it('DESIGN §7: equal priorities alternate packet by packet', () => {
    const { m, s, src } = setup();
    const a = open(m, s, StreamPriority.NORMAL, 8000);
    const b = open(m, s, StreamPriority.NORMAL, 8000);
    const firsts = [0, 1, 2, 3].map(() => packet(s, src).frames[0]!.streamId);
    expect(firsts).toEqual([a, b, a, b]);
  });

  it('RFC 9000 §4.1: streams blocked on connection credit leave the schedule and return on MAX_DATA', () => {
    const { m, s, src } = setup({ initialMaxData: 1000 });
    const a = open(m, s, StreamPriority.NORMAL, 3000);
    const b = open(m, s, StreamPriority.NORMAL, 3000);
    const first = packet(s, src);
    expect(first.frames.map((f) => [f.streamId, f.data.length])).toEqual([[a, 1000]]);
    expect(s.pendingCount).toBe(0);
    expect(src.waitingCount).toBe(2);
    expect(src.onConnectionCredit(s)).toBe(0); // still no credit: nothing moves
    m.onMaxData(100_000);
    expect(src.onConnectionCredit(s)).toBe(2);
    expect(src.waitingCount).toBe(0);
    const second = packet(s, src);
    expect(second.frames[0]!.streamId).toBe(b);
  });

  it('RFC 9000 §13.3: lost data is retransmitted while the connection is out of credit', () => {
    const { m, s, src } = setup({ initialMaxData: 1000 });
    const a = open(m, s, StreamPriority.NORMAL, 3000);
    const { tokens } = packet(s, src);
    expect(s.isPending(a)).toBe(false);
    m.onLost(tokens[0]!);
    s.markPending(a);
    const again = packet(s, src);
    expect(again.frames.map((f) => [f.streamId, f.offset, f.data.length])).toEqual([[a, 0, 1000]]);
  });

  it('RFC 9000 §19.8: a packet with no room for a STREAM frame header ends without dropping the stream', () => {
    const { m, s, src } = setup();
    const a = open(m, s, StreamPriority.NORMAL, 3000);
    expect(packet(s, src, 2).frames).toEqual([]);
    expect(s.isPending(a)).toBe(true);
    expect(MAX_STREAM_FRAME_OVERHEAD).toBe(25);
  });

  it('RFC 9000 §3.1: a finished stream leaves the schedule after its FIN', () => {
    const { m, s, src } = setup();
    const a = open(m, s, StreamPriority.NORMAL, 10);
    m.get(a)!.send!.finish();
    const { frames } = packet(s, src);
    expect(frames.map((f) => [f.streamId, f.data.length, f.fin])).toEqual([[a, 10, true]]);
    expect(s.isPending(a)).toBe(false);
  });
});
