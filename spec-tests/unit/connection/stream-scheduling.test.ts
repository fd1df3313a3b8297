import { describe, expect, it } from 'vitest';
import { InvalidPriorityError, StreamPriority, schedulingFor, setStreamPriority, streamPriority, writeStreamFrames } from '../../../src/connection/stream-scheduling.js';
import type { ConnectionToken } from '../../../src/connection/types.js';
import { StreamManager, type StreamTransportLimits } from '../../../src/streams/streams.js';
import { Writer } from '../../../src/util/bytes.js';
import { instant, millis } from '../../../src/util/time.js';
import { decodeFrames } from '../../../src/wire/frames.js';

const LIMITS: StreamTransportLimits = {
  initialMaxData: 1 << 30,
  initialMaxStreamDataBidiLocal: 1 << 20,
  initialMaxStreamDataBidiRemote: 1 << 20,
  initialMaxStreamDataUni: 1 << 20,
  initialMaxStreamsBidi: 20_000,
  initialMaxStreamsUni: 10,
};

function manager(): StreamManager {
  return new StreamManager({ role: 'client', local: LIMITS, peer: LIMITS, sendBufferCapacity: 1 << 20, maxStreamWindow: 1 << 20, maxConnectionWindow: 1 << 30 });
}

/** Builds one 1,200-byte packet body; returns the stream IDs of its STREAM frames, in order. */
function packet(m: StreamManager, tokens: ConnectionToken[] = []): number[] {
  const w = Writer.alloc(1200);
  writeStreamFrames(m, w, instant(0), millis(10), tokens);
  return decodeFrames(w.written()).flatMap((f) => (f.type === 'stream' ? [f.streamId] : []));
}

describe('DESIGN §2, §7: stream scheduling in the connection', () => {
  it('DESIGN §7: strict priority across levels, round-robin within one', () => {
    const m = manager();
    const low = m.openStream('bidi')!.id;
    const a = m.openStream('bidi')!.id;
    const b = m.openStream('bidi')!.id;
    setStreamPriority(m, low, StreamPriority.LOW);
    setStreamPriority(m, a, StreamPriority.HIGH);
    setStreamPriority(m, b, StreamPriority.HIGH);
    for (const id of [low, a, b]) m.write(id, new Uint8Array(5000));
    const firsts: number[] = [];
    for (let i = 0; i < 20; i++) {
      const p = packet(m);
      if (p.includes(low)) {
        // LOW only gets room once both HIGH streams have sent everything.
        expect(m.get(a)!.send!.bytesSent).toBe(5000);
        expect(m.get(b)!.send!.bytesSent).toBe(5000);
        break;
      }
      firsts.push(p[0]!);
    }
    expect(firsts.slice(0, 6)).toEqual([a, b, a, b, a, b]);
    expect(m.get(low)!.send!.bytesSent).toBeGreaterThan(0);
  });

  it('DESIGN §2: control frames come before STREAM frames', () => {
    const m = manager();
    const a = m.openStream('bidi')!.id;
    const b = m.openStream('bidi')!.id;
    m.write(a, new Uint8Array(5000));
    m.resetStream(b, 1);
    const w = Writer.alloc(1200);
    writeStreamFrames(m, w, instant(0), millis(10), []);
    expect(decodeFrames(w.written()).map((f) => f.type)).toEqual(['reset_stream', 'stream']);
  });

  it('DESIGN §7: with 10,000 idle streams and one busy one, a packet costs O(1) scheduler steps', () => {
    const m = manager();
    for (let i = 0; i < 10_000; i++) m.openStream('bidi');
    const busy = m.openStream('bidi')!.id;
    m.write(busy, new Uint8Array(100_000));
    const { scheduler } = schedulingFor(m);
    packet(m);
    const before = scheduler.steps;
    for (let i = 0; i < 20; i++) expect(packet(m)).toEqual([busy]);
    expect(scheduler.steps - before).toBeLessThanOrEqual(20 * 3 * 8);
    expect(scheduler.size).toBe(1); // idle streams are never registered
  });

  it('DESIGN §7: streams leave the scheduler when closed', () => {
    const m = manager();
    const id = m.openStream('uni')!.id;
    m.write(id, new Uint8Array(10));
    m.finish(id);
    const tokens: ConnectionToken[] = [];
    expect(packet(m, tokens)).toEqual([id]);
    expect(schedulingFor(m).scheduler.has(id)).toBe(true);
    for (const t of tokens) if (t.kind === 'stream') m.onAcked(t);
    expect(m.get(id)).toBeUndefined();
    expect(schedulingFor(m).scheduler.has(id)).toBe(false);
  });

  it('DESIGN §7: priorities are validated; unknown streams have none', () => {
    const m = manager();
    const id = m.openStream('bidi')!.id;
    expect(streamPriority(m, id)).toBe(StreamPriority.NORMAL);
    expect(() => setStreamPriority(m, id, 256)).toThrow(InvalidPriorityError);
    expect(() => setStreamPriority(m, id, -1)).toThrow(InvalidPriorityError);
    expect(() => setStreamPriority(m, id, 0.5)).toThrow(InvalidPriorityError);
    expect(setStreamPriority(m, 999, 3)).toBe(false);
    expect(streamPriority(m, 999)).toBeUndefined();
  });
});
