import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AckTracker } from '../../../src/recovery/ack-tracker.js';
import { Reader } from '../../../src/util/bytes.js';
import { RangeSet } from '../../../src/util/range-set.js';
import { instant, millis } from '../../../src/util/time.js';
import { decodeFrame, encodeFramesToBytes, sizeOfFrame } from '../../../src/wire/frames.js';
import { PacketNumberSpace } from '../../../src/wire/packet-type.js';

const APP = PacketNumberSpace.ApplicationData;
const t = (ms: number) => instant(ms * 1000);

describe('RFC 9000 §13.2.1: when an ACK is due', () => {
  it('RFC 9000 §13.2.1: ack-eliciting Initial and Handshake packets are acknowledged immediately', () => {
    for (const space of [PacketNumberSpace.Initial, PacketNumberSpace.Handshake]) {
      const a = new AckTracker(space);
      expect(a.ackDue(t(0))).toBe(false);
      a.onPacketReceived(0, true, t(0));
      expect(a.ackDue(t(0))).toBe(true);
    }
  });

  it('RFC 9000 §13.2.1: one ack-eliciting 1-RTT packet is acknowledged within max_ack_delay', () => {
    const a = new AckTracker(APP, { maxAckDelay: millis(25) });
    a.onPacketReceived(0, true, t(10));
    expect(a.ackDue(t(10))).toBe(false);
    expect(a.ackDeadline()).toBe(t(35));
    expect(a.ackDue(t(34.999))).toBe(false);
    expect(a.ackDue(t(35))).toBe(true);
  });

  it('RFC 9000 §13.2.2: an ACK is due after two ack-eliciting packets', () => {
    const a = new AckTracker(APP);
    a.onPacketReceived(0, true, t(0));
    a.onPacketReceived(1, true, t(1));
    expect(a.ackDue(t(1))).toBe(true);
  });

  it('RFC 9000 §13.2.1: a packet below another ack-eliciting one, or after a gap, is acknowledged immediately', () => {
    const reordered = new AckTracker(APP, { ackElicitingThreshold: 10 });
    reordered.onPacketReceived(5, true, t(0));
    expect(reordered.ackDue(t(0))).toBe(false);
    reordered.onPacketReceived(3, true, t(0));
    expect(reordered.ackDue(t(0))).toBe(true);

    const gap = new AckTracker(APP, { ackElicitingThreshold: 10 });
    gap.onPacketReceived(0, true, t(0));
    gap.onPacketReceived(2, true, t(0));
    expect(gap.ackDue(t(0))).toBe(true);

    const inOrder = new AckTracker(APP, { ackElicitingThreshold: 10 });
    inOrder.onPacketReceived(0, true, t(0));
    inOrder.onPacketReceived(1, false, t(0));
    inOrder.onPacketReceived(2, true, t(0));
    expect(inOrder.ackDue(t(0))).toBe(false);
  });

  it('RFC 9000 §13.2.1: non-ack-eliciting packets never make an ACK due, but can be piggybacked', () => {
    const a = new AckTracker(PacketNumberSpace.Initial);
    a.onPacketReceived(0, false, t(0));
    a.onPacketReceived(2, false, t(0));
    expect(a.ackDue(t(1000))).toBe(false);
    expect(a.ackDeadline()).toBeUndefined();
    expect(a.hasUnreported()).toBe(true);
    expect(a.hasAckElicitingPending()).toBe(false);
  });

  it('RFC 9000 §13.2.1: an ECN-CE marked packet is acknowledged immediately', () => {
    const a = new AckTracker(APP);
    a.onPacketReceived(0, true, t(0), 'ce');
    expect(a.ackDue(t(0))).toBe(true);
  });

  it('RFC 9000 §13.2.1: sending an ACK resets the timer and counters', () => {
    const a = new AckTracker(APP);
    a.onPacketReceived(0, true, t(0));
    a.onPacketReceived(1, true, t(0));
    const sent = a.writeAck(t(1), 1000);
    expect(sent?.frame.ranges).toEqual([{ largest: 1, smallest: 0 }]);
    expect(sent?.token).toEqual({ space: APP, largestAcknowledged: 1 });
    expect(a.ackDue(t(1000))).toBe(false);
    expect(a.ackDeadline()).toBeUndefined();
    expect(a.hasUnreported()).toBe(false);
    a.onPacketReceived(2, true, t(2));
    expect(a.ackDue(t(2))).toBe(false);
    expect(a.ackDeadline()).toBe(t(27));
  });
});

describe('RFC 9000 §12.3: duplicates', () => {
  it('RFC 9000 §12.3: a packet number already received is reported as a duplicate and not counted', () => {
    const a = new AckTracker(APP);
    expect(a.onPacketReceived(7, true, t(0), 'ect0')).toBe(true);
    expect(a.isDuplicate(7)).toBe(true);
    expect(a.onPacketReceived(7, true, t(0), 'ect0')).toBe(false);
    expect(a.ecnCounts).toEqual({ ect0: 1, ect1: 0, ce: 0 });
    expect(a.isDuplicate(6)).toBe(false);
    expect(a.largestReceived).toBe(7);
  });
});

describe('RFC 9000 §13.2.3: bounded ranges', () => {
  it('RFC 9000 §13.2.3: at most maxRanges ranges are kept; the oldest are dropped and become duplicates', () => {
    const a = new AckTracker(APP, { maxRanges: 4 });
    for (let pn = 0; pn <= 20; pn += 2) a.onPacketReceived(pn, false, t(0));
    expect(a.rangeCount).toBe(4);
    const frame = a.buildAck(t(0), 1000)!;
    expect(frame.ranges).toEqual([
      { largest: 20, smallest: 20 },
      { largest: 18, smallest: 18 },
      { largest: 16, smallest: 16 },
      { largest: 14, smallest: 14 },
    ]);
    // Below the retained minimum, packets cannot be told apart from duplicates: refused (§13.2.3 MUST).
    expect(a.isDuplicate(0)).toBe(true);
    expect(a.isDuplicate(13)).toBe(true);
    expect(a.onPacketReceived(1, true, t(0))).toBe(false);
    expect(a.isDuplicate(15)).toBe(false);
  });

  it('RFC 9000 §13.2.3: the ACK frame fits the byte budget by omitting the oldest ranges', () => {
    const a = new AckTracker(APP, { maxRanges: 32 });
    for (let pn = 0; pn < 64; pn += 2) a.onPacketReceived(pn * 100, false, t(0));
    const full = a.buildAck(t(0), 10_000)!;
    expect(full.ranges.length).toBe(32);
    const fullSize = sizeOfFrame(full);
    const budget = fullSize - 10;
    const small = a.buildAck(t(0), budget)!;
    expect(sizeOfFrame(small)).toBeLessThanOrEqual(budget);
    expect(small.ranges.length).toBeLessThan(32);
    expect(small.ranges).toEqual(full.ranges.slice(0, small.ranges.length));
    expect(a.buildAck(t(0), 3)).toBeUndefined();
  });

  it('RFC 9000 §13.2.3: property: the frame is the largest newest-first prefix of ranges that fits, and encodes', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 5000 }), { maxLength: 80 }), fc.integer({ min: 0, max: 300 }), fc.boolean(), (pns, budget, ecn) => {
        const a = new AckTracker(APP, { maxRanges: 32 });
        const model = new RangeSet();
        for (const pn of pns) {
          a.onPacketReceived(pn, true, t(0), ecn ? 'ect1' : 'not-ect');
          model.add(pn);
        }
        model.truncateToNewest(32);
        const all = [...model.descending()].map((r) => ({ largest: r.end - 1, smallest: r.start }));
        const frame = a.buildAck(t(5), budget);
        if (frame === undefined) {
          if (all.length === 0) return;
          expect(sizeOfFrame({ type: 'ack', ackDelay: a.encodedAckDelay(t(5)), ranges: all.slice(0, 1), ecn: ecn ? a.ecnCounts : undefined })).toBeGreaterThan(budget);
          return;
        }
        expect(sizeOfFrame(frame)).toBeLessThanOrEqual(budget);
        expect(frame.ranges).toEqual(all.slice(0, frame.ranges.length));
        if (frame.ranges.length < all.length) {
          expect(sizeOfFrame({ ...frame, ranges: all.slice(0, frame.ranges.length + 1) })).toBeGreaterThan(budget);
        }
        const bytes = encodeFramesToBytes([frame]);
        expect(bytes.length).toBe(sizeOfFrame(frame));
        expect(decodeFrame(new Reader(bytes))).toEqual(frame);
      }),
    );
  });
});

describe('RFC 9000 §13.2.4: ACK of ACK', () => {
  it('RFC 9000 §13.2.4: once an ACK frame is acknowledged, packets up to its Largest Acknowledged are no longer reported', () => {
    const a = new AckTracker(APP);
    for (const pn of [0, 1, 2, 5]) a.onPacketReceived(pn, true, t(0));
    const sent = a.writeAck(t(0), 1000)!;
    expect(sent.frame.ranges).toEqual([
      { largest: 5, smallest: 5 },
      { largest: 2, smallest: 0 },
    ]);
    a.onPacketReceived(8, true, t(1));
    a.onAckFrameAcked(sent.token);
    expect(a.buildAck(t(1), 1000)!.ranges).toEqual([{ largest: 8, smallest: 8 }]);
    // A late packet below the pruned ranges is still new, and an old one still a duplicate.
    expect(a.onPacketReceived(3, true, t(2))).toBe(true);
    expect(a.onPacketReceived(1, true, t(2))).toBe(false);
    expect(a.buildAck(t(2), 1000)!.ranges).toEqual([
      { largest: 8, smallest: 8 },
      { largest: 3, smallest: 3 },
    ]);
  });

  it('RFC 9000 §13.2.4: with everything pruned there is nothing to acknowledge', () => {
    const a = new AckTracker(APP);
    a.onPacketReceived(0, true, t(0));
    const sent = a.writeAck(t(0), 1000)!;
    a.onAckFrameAcked(sent.token);
    expect(a.buildAck(t(1), 1000)).toBeUndefined();
    expect(a.hasUnreported()).toBe(false);
    expect(a.largestReceived).toBe(0);
  });
});

describe('RFC 9000 §13.2.5: ACK delay', () => {
  it('RFC 9000 §19.3: the ACK Delay is the time since the largest was received, divided by 2^ack_delay_exponent', () => {
    const a = new AckTracker(APP, { ackDelayExponent: 3 });
    a.onPacketReceived(10, true, instant(0));
    a.onPacketReceived(4, true, instant(500)); // not the largest: does not restart the clock
    expect(a.encodedAckDelay(instant(1000))).toBe(125);
    expect(a.encodedAckDelay(instant(1007))).toBe(125);
    expect(a.buildAck(instant(1000), 100)!.ackDelay).toBe(125);
    const b = new AckTracker(APP, { ackDelayExponent: 0 });
    b.onPacketReceived(0, true, instant(0));
    expect(b.encodedAckDelay(instant(1003))).toBe(1003);
    const c = new AckTracker(APP, { ackDelayExponent: 10 });
    c.onPacketReceived(0, true, instant(0));
    expect(c.encodedAckDelay(instant(5000))).toBe(4);
  });
});

describe('RFC 9000 §13.4.1: ECN counts', () => {
  it('RFC 9000 §19.3.2: ECN counts are carried when any is non-zero', () => {
    const a = new AckTracker(APP);
    a.onPacketReceived(0, true, t(0));
    expect(a.buildAck(t(0), 100)!.ecn).toBeUndefined();
    a.onPacketReceived(1, true, t(0), 'ect0');
    a.onPacketReceived(2, true, t(0), 'ect1');
    a.onPacketReceived(3, true, t(0), 'ce');
    a.onPacketReceived(4, true, t(0), 'ce');
    const frame = a.buildAck(t(0), 100)!;
    expect(frame.ecn).toEqual({ ect0: 1, ect1: 1, ce: 2 });
    expect(sizeOfFrame(frame)).toBe(encodeFramesToBytes([frame]).length);
  });
});
