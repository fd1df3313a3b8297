import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LossDetection } from '../../../src/recovery/loss-detection.js';
import type { SentPacket } from '../../../src/recovery/sent-packet.js';
import { RangeSet } from '../../../src/util/range-set.js';
import { instant } from '../../../src/util/time.js';
import type { AckRange } from '../../../src/wire/frame-types.js';
import { PacketNumberSpace } from '../../../src/wire/packet-type.js';
import { FakeController } from './fake-controller.js';

const SPACES = [PacketNumberSpace.Initial, PacketNumberSpace.Handshake, PacketNumberSpace.ApplicationData] as const;

type Op =
  | { op: 'send'; space: number; ackEliciting: boolean; inFlight: boolean; bytes: number; dt: number }
  | { op: 'ack'; space: number; picks: number[]; dt: number }
  | { op: 'timeout' }
  | { op: 'discard'; space: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('send' as const), space: fc.integer({ min: 0, max: 2 }), ackEliciting: fc.boolean(), inFlight: fc.boolean(), bytes: fc.integer({ min: 1, max: 1500 }), dt: fc.integer({ min: 0, max: 50_000 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('ack' as const), space: fc.integer({ min: 0, max: 2 }), picks: fc.array(fc.nat(), { maxLength: 6 }), dt: fc.integer({ min: 0, max: 200_000 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'timeout' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('discard' as const), space: fc.integer({ min: 0, max: 1 }) }) },
);

describe('RFC 9002 Appendix A: accounting invariants', () => {
  it('RFC 9002 A.1: every sent packet is reported once (acked, lost, given up or discarded) or still tracked, and bytes_in_flight is the sum of in-flight outstanding packets', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), fc.boolean(), (ops, validated) => {
        const cc = new FakeController();
        const ld = new LossDetection<string>(cc, { peerCompletedAddressValidation: validated, maxTrackedPackets: 40 });
        ld.setHandshakeConfirmed(instant(0));
        let now = 0;
        const nextPn = [0, 0, 0];
        const lastSent = [-1, -1, -1];
        const discarded = [false, false, false];
        const outstanding = new Map<string, SentPacket<string>>();
        const reported = new Set<string>();
        const report = (ps: readonly SentPacket<string>[]) => {
          for (const p of ps) {
            const id = p.tokens[0]!;
            expect(reported.has(id)).toBe(false);
            expect(outstanding.has(id)).toBe(true);
            reported.add(id);
            outstanding.delete(id);
          }
        };
        for (const o of ops) {
          switch (o.op) {
            case 'send': {
              if (discarded[o.space]) break;
              now += o.dt;
              const space = SPACES[o.space]!;
              const pn = nextPn[o.space]!;
              lastSent[o.space] = pn;
              nextPn[o.space] = pn + 1 + (pn % 7 === 3 ? 1 : 0); // occasional skipped numbers
              const ackEliciting = o.ackEliciting;
              const inFlight = o.inFlight || ackEliciting;
              const id = `${space}#${pn}`;
              const evicted = ld.onPacketSent(space, { packetNumber: pn, ackEliciting, inFlight, sentBytes: o.bytes, tokens: [id] }, instant(now));
              outstanding.set(id, { packetNumber: pn, ackEliciting, inFlight, sentBytes: o.bytes, tokens: [id], timeSent: instant(now) });
              report(evicted);
              break;
            }
            case 'ack': {
              const space = SPACES[o.space]!;
              const sent = lastSent[o.space]! + 1;
              if (sent === 0 || discarded[o.space]) break;
              now += o.dt;
              const set = new RangeSet();
              for (const pick of o.picks) {
                const pn = pick % sent;
                set.insert(pn, Math.min(sent, pn + 1 + (pick % 3)));
              }
              if (set.isEmpty) break;
              const r = ld.onAckReceived({ type: 'ack', ackDelay: 0, ranges: toRanges(set) }, space, instant(now));
              report(r.acked);
              report(r.lost);
              break;
            }
            case 'timeout': {
              const deadline = ld.lossDetectionTimeout();
              if (deadline === undefined) break;
              now = Math.max(now, deadline);
              const r = ld.onLossDetectionTimeout(instant(now));
              if (r.kind === 'lost') {
                expect(r.lost.length).toBeGreaterThan(0);
                report(r.lost);
              }
              break;
            }
            case 'discard': {
              const space = SPACES[o.space]!;
              discarded[o.space] = true;
              report(ld.discardSpace(space, instant(now)));
              break;
            }
          }
          // Invariants after every step.
          let inFlight = 0;
          for (const p of outstanding.values()) if (p.inFlight) inFlight += p.sentBytes;
          expect(ld.bytesInFlight).toBe(inFlight);
          let tracked = 0;
          for (const s of SPACES) tracked += ld.trackedPackets(s);
          expect(tracked).toBe(outstanding.size);
          const timer = ld.lossDetectionTimeout();
          if (timer !== undefined) expect(Number.isFinite(timer)).toBe(true);
        }
        // Eventually: acknowledging everything still tracked leaves nothing outstanding.
        now += 1;
        for (let i = 0; i < SPACES.length; i++) {
          if (discarded[i] || lastSent[i]! < 0) continue;
          const r = ld.onAckReceived({ type: 'ack', ackDelay: 0, ranges: [{ largest: lastSent[i]!, smallest: 0 }] }, SPACES[i]!, instant(now));
          report(r.acked);
          report(r.lost);
        }
        expect(outstanding.size).toBe(0);
        expect(ld.bytesInFlight).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});

function toRanges(set: RangeSet): AckRange[] {
  return [...set.descending()].map((r) => ({ largest: r.end - 1, smallest: r.start }));
}
