import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Pacer } from '../../../src/congestion/pacer.js';
import { instant, micros, millis } from '../../../src/util/time.js';

describe('RFC 9002 §7.7: token-bucket pacer', () => {
  it('RFC 9002 §7.7: without a rate (no RTT sample yet) nothing is paced', () => {
    const p = new Pacer({ maxDatagramSize: 1200 });
    for (let i = 0; i < 100; i++) {
      expect(p.canSend(instant(0), 1200)).toBe(true);
      expect(p.nextSendTime(instant(0), 1200)).toBeUndefined();
      p.onSend(instant(0), 1200);
    }
    expect(p.rate).toBeUndefined();
  });

  it('RFC 9002 §7.7: a full bucket releases a burst of burstDatagrams, then waits for tokens', () => {
    const p = new Pacer({ maxDatagramSize: 1200 });
    const t0 = instant(1_000_000);
    p.setRate(t0, 1_200_000); // 1200 bytes per millisecond
    expect(p.capacity).toBe(12_000);
    for (let i = 0; i < 10; i++) {
      expect(p.canSend(t0, 1200)).toBe(true);
      p.onSend(t0, 1200);
    }
    expect(p.canSend(t0, 1200)).toBe(false);
    expect(p.nextSendTime(t0, 1200)).toBe(t0 + 1000);
    expect(p.canSend(instant(t0 + 999), 1200)).toBe(false);
    expect(p.canSend(instant(t0 + 1000), 1200)).toBe(true);
    // Half-filled: 600 bytes after 500 µs, so the rest arrives 500 µs later.
    expect(p.tokens(instant(t0 + 500))).toBeCloseTo(600, 9);
    expect(p.nextSendTime(instant(t0 + 500), 1200)).toBe(t0 + 1000);
  });

  it('RFC 9002 §7.7: the interval between datagrams is packet_size / rate', () => {
    const p = new Pacer({ maxDatagramSize: 1200, burstDatagrams: 1, timerGranularity: micros(0) });
    let now = instant(0);
    p.setRate(now, 150_000); // 1.25 * cwnd 12000 / srtt 100 ms
    p.onSend(now, 1200);
    const next = p.nextSendTime(now, 1200)!;
    expect(next - now).toBe(8000); // 1200 / 150000 s = 8 ms
    now = next;
    expect(p.canSend(now, 1200)).toBe(true);
  });

  it('RFC 9002 §7.7: the bucket never holds more than its capacity after idle time', () => {
    const p = new Pacer({ maxDatagramSize: 1200, burstDatagrams: 4 });
    p.setRate(instant(0), 1_000_000);
    expect(p.tokens(instant(60_000_000))).toBe(4800);
  });

  it('RFC 9002 §7.7: the burst covers one timer tick at high rates', () => {
    const p = new Pacer({ maxDatagramSize: 1200, timerGranularity: millis(1) });
    p.setRate(instant(0), 1e9); // 1 GB/s: 1 MB per 1 ms tick
    expect(p.capacity).toBe(1_000_000);
    const q = new Pacer({ maxDatagramSize: 1200, timerGranularity: millis(4) });
    q.setRate(instant(0), 1e9);
    expect(q.capacity).toBe(4_000_000);
  });

  it('RFC 9002 §7.7: tokens never go negative (unpaced ACK-only packets, oversized sends)', () => {
    const p = new Pacer({ maxDatagramSize: 1200 });
    p.setRate(instant(0), 100_000);
    p.onSend(instant(0), 1_000_000);
    expect(p.tokens(instant(0))).toBe(0);
    expect(p.nextSendTime(instant(0), 1200)).toBe(12_000);
  });

  it('RFC 9002 §7.7: a datagram larger than the bucket is sent once the bucket is full', () => {
    const p = new Pacer({ maxDatagramSize: 1200, burstDatagrams: 1, timerGranularity: micros(0) });
    p.setRate(instant(0), 1_200_000);
    expect(p.canSend(instant(0), 1500)).toBe(true);
    p.onSend(instant(0), 1500);
    expect(p.nextSendTime(instant(0), 1500)).toBe(1000);
  });

  it('RFC 9002 §7.7: changing the rate keeps the tokens earned at the old rate', () => {
    const p = new Pacer({ maxDatagramSize: 1200 });
    p.setRate(instant(0), 1_200_000);
    p.onSend(instant(0), 12_000);
    p.setRate(instant(2000), 120_000); // 2400 bytes earned at the old rate
    expect(p.tokens(instant(2000))).toBeCloseTo(2400, 9);
    expect(p.tokens(instant(12_000))).toBeCloseTo(3600, 9);
    p.setRate(instant(12_000), undefined);
    expect(p.canSend(instant(12_000), 1_000_000)).toBe(true);
  });

  it('RFC 9002 §7.7: invalid configurations are rejected', () => {
    expect(() => new Pacer({ maxDatagramSize: 1000 })).toThrow(RangeError);
    expect(() => new Pacer({ maxDatagramSize: 1200, burstDatagrams: 0 })).toThrow(RangeError);
    expect(() => new Pacer({ maxDatagramSize: 1200, timerGranularity: micros(-1) })).toThrow(RangeError);
  });

  it('RFC 9002 §7.7: tokens stay within [0, capacity] and canSend holds at nextSendTime for random schedules', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('rate' as const), dt: fc.nat(50_000), rate: fc.option(fc.double({ min: 1, max: 1e10, noNaN: true })) }),
      fc.record({ kind: fc.constant('send' as const), dt: fc.nat(50_000), bytes: fc.integer({ min: 0, max: 70_000 }) }),
      fc.record({ kind: fc.constant('mtu' as const), dt: fc.nat(50_000), size: fc.integer({ min: 1200, max: 9000 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(op, { maxLength: 60 }), (burst, ops) => {
        const p = new Pacer({ maxDatagramSize: 1200, burstDatagrams: burst });
        let now = 0;
        for (const o of ops) {
          now += o.dt;
          const t = instant(now);
          if (o.kind === 'rate') p.setRate(t, o.rate ?? undefined);
          else if (o.kind === 'mtu') p.setMaxDatagramSize(o.size);
          else {
            const next = p.nextSendTime(t, o.bytes);
            if (next === undefined) {
              expect(p.canSend(t, o.bytes)).toBe(true);
            } else {
              expect(next).toBeGreaterThan(now);
              expect(p.canSend(t, o.bytes)).toBe(false);
              expect(p.canSend(next, o.bytes)).toBe(true);
            }
            p.onSend(t, o.bytes);
          }
          const tokens = p.tokens(t);
          expect(tokens).toBeGreaterThanOrEqual(0);
          expect(tokens).toBeLessThanOrEqual(p.capacity);
          expect(Number.isNaN(tokens)).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });
});
