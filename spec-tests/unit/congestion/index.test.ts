import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Cubic, NewReno, createCongestionController, kMinimumWindow } from '../../../src/congestion/index.js';
import type { CongestionControlAlgorithm, CongestionPacket } from '../../../src/congestion/index.js';
import { instant, micros } from '../../../src/util/time.js';

describe('RFC 9002 §7: createCongestionController', () => {
  it('RFC 9002 §7: the factory builds NewReno and CUBIC (with HyStart++ by default for CUBIC)', () => {
    const reno = createCongestionController('newreno', { maxDatagramSize: 1200 });
    expect(reno).toBeInstanceOf(NewReno);
    expect(reno.algorithm).toBe('newreno');
    expect((reno as NewReno).hystart).toBeUndefined();
    const cubic = createCongestionController('cubic', { maxDatagramSize: 1500 });
    expect(cubic).toBeInstanceOf(Cubic);
    expect(cubic.algorithm).toBe('cubic');
    expect(cubic.congestionWindow).toBe(14_720);
    expect((cubic as Cubic).hystart).toBeDefined();
    expect((createCongestionController('cubic', { maxDatagramSize: 1200, hystart: false }) as Cubic).hystart).toBeUndefined();
    expect((createCongestionController('newreno', { maxDatagramSize: 1200, hystart: true }) as NewReno).hystart).toBeDefined();
  });

  it('RFC 9002 §7: an unknown algorithm is rejected', () => {
    expect(() => createCongestionController('bbr' as CongestionControlAlgorithm, { maxDatagramSize: 1200 })).toThrow();
  });
});

type Event =
  | { kind: 'send'; dt: number; bytes: number }
  | { kind: 'ack'; dt: number; count: number; appLimited: boolean; rttMs: number }
  | { kind: 'loss'; dt: number; count: number; persistent: boolean }
  | { kind: 'ecn'; dt: number }
  | { kind: 'mtu'; dt: number; size: number };

const eventArb: fc.Arbitrary<Event> = fc.oneof(
  fc.record({ kind: fc.constant('send' as const), dt: fc.nat(20_000), bytes: fc.integer({ min: 1, max: 9000 }) }),
  fc.record({
    kind: fc.constant('ack' as const),
    dt: fc.nat(200_000),
    count: fc.integer({ min: 0, max: 40 }),
    appLimited: fc.boolean(),
    rttMs: fc.integer({ min: 0, max: 2000 }),
  }),
  fc.record({ kind: fc.constant('loss' as const), dt: fc.nat(200_000), count: fc.integer({ min: 0, max: 10 }), persistent: fc.boolean() }),
  fc.record({ kind: fc.constant('ecn' as const), dt: fc.nat(200_000) }),
  fc.record({ kind: fc.constant('mtu' as const), dt: fc.nat(1_000_000), size: fc.integer({ min: 1200, max: 9000 }) }),
);

describe('RFC 9002 §7.2: window invariants under random events', () => {
  it.each(['newreno', 'cubic'] as const)(
    'RFC 9002 §7.2: %s never drops below kMinimumWindow and never becomes NaN',
    (algorithm) => {
      fc.assert(
        fc.property(fc.boolean(), fc.boolean(), fc.array(eventArb, { maxLength: 120 }), (hystart, fastConvergence, events) => {
          const cc = createCongestionController(algorithm, { maxDatagramSize: 1200, hystart, fastConvergence });
          let mds = 1200;
          let now = 0;
          // In-flight packets in send order: [packetNumber, timeSent, bytes].
          const flight: CongestionPacket[] = [];
          let pn = 0;
          let inFlight = 0;
          for (const e of events) {
            now += e.dt;
            const t = instant(now);
            switch (e.kind) {
              case 'send':
                flight.push({ packetNumber: pn++, timeSent: t, sentBytes: e.bytes });
                inFlight += e.bytes;
                cc.onPacketSent(t, e.bytes, inFlight);
                break;
              case 'ack': {
                const acked = flight.splice(0, e.count);
                for (const p of acked) inFlight -= p.sentBytes;
                const rtt = micros(e.rttMs * 1000);
                cc.onPacketsAcked(t, acked, { latestRtt: rtt, smoothedRtt: rtt, minRtt: rtt }, e.appLimited);
                break;
              }
              case 'loss': {
                const lost = flight.splice(0, e.count);
                for (const p of lost) inFlight -= p.sentBytes;
                cc.onPacketsLost(t, lost, e.persistent && lost.length > 0);
                break;
              }
              case 'ecn':
                cc.onEcnCongestion(t, flight[0]?.timeSent ?? t);
                break;
              case 'mtu':
                cc.setMaxDatagramSize(e.size);
                mds = e.size;
                break;
              default: {
                const never: never = e;
                throw new Error(String(never));
              }
            }
            const w = cc.congestionWindow;
            expect(Number.isFinite(w)).toBe(true);
            expect(Number.isInteger(w)).toBe(true);
            expect(w).toBeGreaterThanOrEqual(kMinimumWindow(mds));
            expect(Number.isNaN(cc.slowStartThreshold)).toBe(false);
            expect(cc.slowStartThreshold).toBeGreaterThan(0);
            if (cc.inSlowStart) expect(w).toBeLessThanOrEqual(cc.slowStartThreshold);
            else expect(w).toBeGreaterThanOrEqual(cc.slowStartThreshold);
            const rate = cc.pacingRate({ latestRtt: micros(1000), smoothedRtt: micros(1000), minRtt: micros(1000) });
            expect(Number.isFinite(rate)).toBe(true);
            expect(rate).toBeGreaterThan(0);
          }
        }),
        { numRuns: 200 },
      );
    },
  );
});
