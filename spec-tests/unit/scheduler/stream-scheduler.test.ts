import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidPriorityError, StreamPriority } from '../../../src/scheduler/priority.js';
import { SchedulerError, StreamScheduler } from '../../../src/scheduler/stream-scheduler.js';
import { Writer } from '../../../src/util/bytes.js';
import { FakeSource, HEADER } from './fake-source.js';

const MTU = 1200;

/** Fills one packet of `size` bytes; returns the frames written. */
function packet(s: StreamScheduler, src: FakeSource, size = MTU): number {
  const w = new Writer(new Uint8Array(size));
  const res = s.fillPacket(w, size, src);
  expect(res.bytes).toBe(w.offset);
  src.packet++;
  return res.frames;
}

/** Registers streams with sizes and priorities, all pending. */
function setup(streams: readonly (readonly [id: number, priority: number, bytes: number])[]): { s: StreamScheduler; src: FakeSource } {
  const s = new StreamScheduler();
  const src = new FakeSource();
  for (const [id, priority, bytes] of streams) {
    src.remaining.set(id, bytes);
    s.add(id, priority, true);
  }
  return { s, src };
}

function drain(s: StreamScheduler, src: FakeSource, limit = 10_000): number {
  let packets = 0;
  while (s.pendingCount > 0 && packets < limit) {
    packet(s, src);
    packets++;
  }
  return packets;
}

describe('DESIGN §7: strict priority across levels', () => {
  it('DESIGN §7: all CRITICAL data goes before any BACKGROUND data (1200-byte packets)', () => {
    const { s, src } = setup([
      [4, StreamPriority.BACKGROUND, 20_000],
      [8, StreamPriority.CRITICAL, 20_000],
    ]);
    drain(s, src);
    expect(src.sentBy(8)).toBe(20_000);
    expect(src.sentBy(4)).toBe(20_000);
    const firstBackground = src.log.findIndex((f) => f.id === 4);
    const lastCritical = src.log.map((f) => f.id).lastIndexOf(8);
    expect(lastCritical).toBeLessThan(firstBackground);
    // The last CRITICAL packet's leftover room goes to BACKGROUND: no packet is wasted.
    expect(src.log[firstBackground]!.packet).toBe(src.log[lastCritical]!.packet);
  });

  it('DESIGN §7: with random sizes at every named level, a level finishes before any lower level starts', () => {
    const levels = Object.values(StreamPriority);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...levels), fc.integer({ min: 1, max: 5000 })), { minLength: 1, maxLength: 12 }), (spec) => {
        const { s, src } = setup(spec.map(([p, n], i) => [i * 4, p, n] as const));
        drain(s, src);
        const prio = (id: number): number => spec[id / 4]![0];
        for (let i = 0; i < src.log.length; i++) {
          for (let j = i + 1; j < src.log.length; j++) {
            expect(prio(src.log[i]!.id)).toBeGreaterThanOrEqual(prio(src.log[j]!.id));
          }
        }
        spec.forEach(([, n], i) => expect(src.sentBy(i * 4)).toBe(n));
      }),
      { numRuns: 100 },
    );
  });

  it('DESIGN §7: a higher stream that becomes pending preempts a lower one at the next frame', () => {
    const { s, src } = setup([[0, StreamPriority.LOW, 50_000]]);
    s.add(4, StreamPriority.HIGH);
    packet(s, src);
    src.remaining.set(4, 2000);
    s.markPending(4);
    packet(s, src);
    packet(s, src);
    expect(src.log.filter((f) => f.packet === 1).map((f) => f.id)).toEqual([4]);
    expect(src.log.filter((f) => f.packet === 2).map((f) => f.id)).toEqual([4, 0]);
  });
});

describe('DESIGN §7: round-robin within a level', () => {
  it('DESIGN §7: 3 NORMAL streams each get a third of every N packets, within one packet (quantum = one frame)', () => {
    const { s, src } = setup([
      [0, StreamPriority.NORMAL, 100_000],
      [4, StreamPriority.NORMAL, 100_000],
      [8, StreamPriority.NORMAL, 100_000],
    ]);
    const perPacket = MTU - HEADER;
    for (let n = 1; n <= 60; n++) {
      expect(packet(s, src)).toBe(1); // each busy stream fills a whole packet per turn
      const sent = [0, 4, 8].map((id) => src.sentBy(id));
      expect(Math.max(...sent) - Math.min(...sent)).toBeLessThanOrEqual(perPacket);
      for (const b of sent) expect(Math.abs(b - (n * perPacket) / 3)).toBeLessThanOrEqual(perPacket);
    }
    expect(src.log.slice(0, 6).map((f) => f.id)).toEqual([0, 4, 8, 0, 4, 8]);
  });

  it('DESIGN §7: small streams of one level share a packet', () => {
    const { s, src } = setup([
      [0, StreamPriority.NORMAL, 100],
      [4, StreamPriority.NORMAL, 200],
      [8, StreamPriority.NORMAL, 300],
    ]);
    expect(packet(s, src)).toBe(3);
    expect(s.pendingCount).toBe(0);
    expect(s.next()).toBeUndefined();
  });

  it('DESIGN §7: equal priorities progress together while a lower level waits', () => {
    const { s, src } = setup([
      [0, StreamPriority.HIGH, 12_000],
      [4, StreamPriority.HIGH, 12_000],
      [8, StreamPriority.LOW, 12_000],
    ]);
    for (let i = 0; i < 10; i++) packet(s, src);
    expect(src.sentBy(0)).toBe(5 * (MTU - HEADER));
    expect(src.sentBy(4)).toBe(5 * (MTU - HEADER));
    expect(src.sentBy(8)).toBe(0);
  });
});

describe('DESIGN §7: priority changes', () => {
  it('DESIGN §7: a priority change mid-transfer takes effect at the next packet', () => {
    const { s, src } = setup([
      [0, StreamPriority.NORMAL, 50_000],
      [4, StreamPriority.NORMAL, 50_000],
    ]);
    packet(s, src); // 0
    packet(s, src); // 4
    expect(s.setPriority(4, StreamPriority.CRITICAL)).toBe(true);
    packet(s, src);
    packet(s, src);
    expect(src.log.map((f) => f.id)).toEqual([0, 4, 4, 4]);
    s.setPriority(4, StreamPriority.BACKGROUND);
    packet(s, src);
    expect(src.log.at(-1)!.id).toBe(0);
    expect(s.priorityOf(4)).toBe(StreamPriority.BACKGROUND);
  });

  it('DESIGN §7: a priority change on an idle stream applies when it becomes pending', () => {
    const { s, src } = setup([[0, StreamPriority.NORMAL, 50_000]]);
    s.add(4, StreamPriority.BACKGROUND);
    s.setPriority(4, StreamPriority.HIGH);
    expect(s.isPending(4)).toBe(false);
    src.remaining.set(4, 10);
    s.markPending(4);
    expect(s.next()).toBe(4);
  });

  it('DESIGN §7: a moved stream joins the back of its new level; an unchanged priority keeps its place', () => {
    const s = new StreamScheduler();
    s.add(0, 100, true);
    s.add(4, 100, true);
    s.add(8, 50, true);
    s.setPriority(0, 100);
    expect(s.next()).toBe(0);
    s.setPriority(8, 100);
    s.setPriority(0, 50);
    s.setPriority(0, 100);
    expect(s.next()).toBe(4);
    s.rotate(4);
    expect(s.next()).toBe(8);
    s.rotate(8);
    expect(s.next()).toBe(0);
  });

  it('DESIGN §7: invalid priorities are rejected and change nothing', () => {
    const s = new StreamScheduler();
    s.add(0, 7, true);
    for (const bad of [-1, 256, 0.5, Number.NaN]) {
      expect(() => s.setPriority(0, bad)).toThrow(InvalidPriorityError);
      expect(() => s.add(4, bad)).toThrow(RangeError);
    }
    expect(s.priorityOf(0)).toBe(7);
    expect(s.has(4)).toBe(false);
    expect(s.setPriority(99, 1)).toBe(false);
  });
});

describe('RFC 9000 §4.1: blocked streams', () => {
  it('RFC 9000 §4.1: a flow-control-blocked stream is skipped, leaves the schedule, and resumes when marked pending', () => {
    const { s, src } = setup([
      [0, StreamPriority.HIGH, 5000],
      [4, StreamPriority.NORMAL, 50_000],
    ]);
    src.blocked.add(0);
    packet(s, src);
    expect(src.log.map((f) => f.id)).toEqual([4]);
    expect(s.isPending(0)).toBe(false);
    packet(s, src);
    expect(src.log.map((f) => f.id)).toEqual([4, 4]);
    src.blocked.delete(0);
    s.markPending(0);
    packet(s, src);
    expect(src.log.at(-1)!.id).toBe(0);
  });

  it('DESIGN §7: a stream with data but no room for a frame ends the packet (no lower level overtakes it)', () => {
    const { s, src } = setup([
      [0, StreamPriority.HIGH, 5000],
      [4, StreamPriority.LOW, 5000],
    ]);
    expect(packet(s, src, HEADER)).toBe(0);
    expect(src.log).toEqual([]);
    expect(s.isPending(0)).toBe(true);
    expect(s.isPending(4)).toBe(true);
  });

  it('DESIGN §7: fillPacket respects maxBytes below the writer size', () => {
    const { s, src } = setup([[0, StreamPriority.HIGH, 5000]]);
    const w = new Writer(new Uint8Array(MTU));
    expect(s.fillPacket(w, 500, src)).toEqual({ frames: 1, bytes: 500 });
    expect(w.offset).toBe(500);
  });

  it('DESIGN §7: markPending on a pending stream keeps its place', () => {
    const s = new StreamScheduler();
    s.add(0, 9, true);
    s.add(4, 9, true);
    s.markPending(0);
    expect(s.next()).toBe(0);
    expect(s.pendingCount).toBe(2);
    expect(s.markPending(77)).toBe(false);
    expect(s.markIdle(77)).toBe(false);
  });
});

describe('DESIGN §7: registering and removing streams', () => {
  it('DESIGN §7: a removed stream is never selected and can be added again', () => {
    const { s, src } = setup([
      [0, StreamPriority.CRITICAL, 5000],
      [4, StreamPriority.LOW, 5000],
    ]);
    expect(s.remove(0)).toBe(true);
    expect(s.remove(0)).toBe(false);
    expect(s.size).toBe(1);
    packet(s, src);
    expect(src.log.map((f) => f.id)).toEqual([4]);
    s.add(0, StreamPriority.CRITICAL, true);
    expect(s.next()).toBe(0);
  });

  it('DESIGN §7: removing the only stream of a level empties the level', () => {
    const s = new StreamScheduler();
    s.add(0, 200, true);
    s.add(4, 100, true);
    s.remove(0);
    expect(s.next()).toBe(4);
    s.markIdle(4);
    expect(s.next()).toBeUndefined();
    expect(s.pendingCount).toBe(0);
  });

  it('DESIGN §7: adding a stream twice is a SchedulerError', () => {
    const s = new StreamScheduler();
    s.add(0);
    expect(s.priorityOf(0)).toBe(StreamPriority.NORMAL);
    expect(() => s.add(0)).toThrow(SchedulerError);
  });

  it('DESIGN §5: the scheduler holds at most maxStreams streams', () => {
    const s = new StreamScheduler({ maxStreams: 3 });
    s.add(0);
    s.add(4);
    s.add(8);
    expect(() => s.add(12)).toThrow(SchedulerError);
    s.remove(4);
    s.add(12);
    expect(s.size).toBe(3);
  });
});

type Op =
  | { readonly op: 'add'; readonly id: number; readonly priority: number; readonly pending: boolean }
  | { readonly op: 'remove'; readonly id: number }
  | { readonly op: 'setPriority'; readonly id: number; readonly priority: number }
  | { readonly op: 'markPending'; readonly id: number }
  | { readonly op: 'markIdle'; readonly id: number }
  | { readonly op: 'send'; readonly done: boolean };

/** The O(n) reference: pick the pending stream of highest priority that joined its level first. */
class ReferenceScheduler {
  private readonly streams = new Map<number, { priority: number; pending: boolean; seq: number }>();
  private seq = 0;

  add(id: number, priority: number, pending: boolean): void {
    if (this.streams.has(id)) return;
    this.streams.set(id, { priority, pending, seq: this.seq++ });
  }
  remove(id: number): void {
    this.streams.delete(id);
  }
  setPriority(id: number, priority: number): void {
    const s = this.streams.get(id);
    if (s === undefined || s.priority === priority) return;
    s.priority = priority;
    s.seq = this.seq++;
  }
  markPending(id: number): void {
    const s = this.streams.get(id);
    if (s !== undefined && !s.pending) {
      s.pending = true;
      s.seq = this.seq++;
    }
  }
  markIdle(id: number): void {
    const s = this.streams.get(id);
    if (s !== undefined) s.pending = false;
  }
  rotate(id: number): void {
    const s = this.streams.get(id);
    if (s !== undefined) s.seq = this.seq++;
  }
  next(): number | undefined {
    let best: number | undefined;
    let bp = -1;
    let bs = Infinity;
    for (const [id, s] of this.streams) {
      if (s.pending && (s.priority > bp || (s.priority === bp && s.seq < bs))) {
        best = id;
        bp = s.priority;
        bs = s.seq;
      }
    }
    return best;
  }
  get pendingCount(): number {
    let n = 0;
    for (const s of this.streams.values()) if (s.pending) n++;
    return n;
  }
}

const idArb = fc.integer({ min: 0, max: 11 });
// Mostly a few levels (so levels hold several streams), sometimes any level.
const prioArb = fc.oneof({ arbitrary: fc.constantFrom(0, 31, 32, 128, 255), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('add' as const), id: idArb, priority: prioArb, pending: fc.boolean() }),
  fc.record({ op: fc.constant('remove' as const), id: idArb }),
  fc.record({ op: fc.constant('setPriority' as const), id: idArb, priority: prioArb }),
  fc.record({ op: fc.constant('markPending' as const), id: idArb }),
  fc.record({ op: fc.constant('markIdle' as const), id: idArb }),
  fc.record({ op: fc.constant('send' as const), done: fc.boolean() }),
  fc.record({ op: fc.constant('send' as const), done: fc.constant(false) }),
);

describe('DESIGN §7: against a reference model', () => {
  it('DESIGN §7: random operations select the same stream as an O(n) scan', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 20, maxLength: 200 }), (ops) => {
        const s = new StreamScheduler();
        const ref = new ReferenceScheduler();
        for (const o of ops) {
          switch (o.op) {
            case 'add':
              if (s.has(o.id)) expect(() => s.add(o.id, o.priority, o.pending)).toThrow(SchedulerError);
              else s.add(o.id, o.priority, o.pending);
              ref.add(o.id, o.priority, o.pending);
              break;
            case 'remove':
              s.remove(o.id);
              ref.remove(o.id);
              break;
            case 'setPriority':
              s.setPriority(o.id, o.priority);
              ref.setPriority(o.id, o.priority);
              break;
            case 'markPending':
              s.markPending(o.id);
              ref.markPending(o.id);
              break;
            case 'markIdle':
              s.markIdle(o.id);
              ref.markIdle(o.id);
              break;
            case 'send': {
              const id = s.next();
              if (id === undefined) break;
              if (o.done) {
                s.markIdle(id);
                ref.markIdle(id);
              } else {
                s.rotate(id);
                ref.rotate(id);
              }
              break;
            }
            default:
              throw new Error('unreachable');
          }
          expect(s.next()).toBe(ref.next());
          expect(s.pendingCount).toBe(ref.pendingCount);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('DESIGN §7: scale', () => {
  it('DESIGN §7: with 10,000 streams every next() takes at most eight internal steps', () => {
    const s = new StreamScheduler();
    const n = 10_000;
    for (let i = 0; i < n; i++) s.add(i * 4, (i * 37) % 256, true);
    let prevPriority = 256;
    let maxSteps = 0;
    let selections = 0;
    // Round-robin each stream three times, then drain it: 4n selections in all.
    const turns = new Map<number, number>();
    for (;;) {
      const before = s.steps;
      const id = s.next();
      maxSteps = Math.max(maxSteps, s.steps - before);
      if (id === undefined) break;
      selections++;
      const p = s.priorityOf(id)!;
      expect(p).toBeLessThanOrEqual(prevPriority);
      prevPriority = p;
      const t = (turns.get(id) ?? 0) + 1;
      turns.set(id, t);
      if (t < 4) s.rotate(id);
      else s.markIdle(id);
    }
    expect(selections).toBe(4 * n);
    expect(maxSteps).toBeLessThanOrEqual(8);
  });

  it('DESIGN §7: 10,000 equal-priority streams are served in strict rotation', () => {
    const s = new StreamScheduler();
    const n = 10_000;
    for (let i = 0; i < n; i++) s.add(i, StreamPriority.NORMAL, true);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < n; i++) {
        expect(s.next()).toBe(i);
        s.rotate(i);
      }
    }
  });
});
