import { describe, expect, it } from 'vitest';
import { detectPersistentCongestion, kPersistentCongestionThreshold, persistentCongestionDuration } from '../../../src/recovery/persistent-congestion.js';
import type { SentPacket } from '../../../src/recovery/sent-packet.js';
import { type Instant, instant, millis, seconds } from '../../../src/util/time.js';

const at = (s: number): Instant => instant(s * 1_000_000);
const lost = (pn: number, s: number, ackEliciting = true): SentPacket<never> => ({
  packetNumber: pn,
  timeSent: at(s),
  ackEliciting,
  inFlight: true,
  sentBytes: 1200,
  tokens: [],
});

// RFC 9002 §7.6.3, Table 1: packets 2..8 are declared lost when #9's acknowledgment arrives at
// t = 12.2; #1 (sent at t = 0) was acknowledged at t = 1.2.
const TABLE_1 = [lost(2, 1), lost(3, 2), lost(4, 3), lost(5, 4), lost(6, 5), lost(7, 6), lost(8, 8)];
// smoothed_rtt + max(4*rttvar, kGranularity) + max_ack_delay = 2; kPersistentCongestionThreshold = 3.
const DURATION = persistentCongestionDuration(seconds(1.5), seconds(0.5));

describe('RFC 9002 §7.6: persistent congestion', () => {
  it('RFC 9002 §7.6.1: duration = (smoothed_rtt + max(4*rttvar, kGranularity) + max_ack_delay) * 3', () => {
    expect(kPersistentCongestionThreshold).toBe(3);
    expect(DURATION).toBe(6_000_000);
    expect(persistentCongestionDuration(millis(300), millis(25))).toBe(975_000);
  });

  it('RFC 9002 §7.6.3: the example: 2..8 lost, period 7 > 6, persistent congestion', () => {
    // §7.6.2 also asks that an RTT sample existed when the two packets were sent; the example's
    // table leaves the sample that precedes packet 2 implicit (one from the handshake, at t = 0.5).
    expect(detectPersistentCongestion(TABLE_1, DURATION, at(0.5), at(0))).toBe(true);
  });

  it('RFC 9002 §7.6.2: with the first RTT sample only at t = 1.2 (after #2 was sent), 3..8 span 6, not more: no persistent congestion', () => {
    expect(detectPersistentCongestion(TABLE_1, DURATION, at(1.2), at(0))).toBe(false);
  });

  it('RFC 9002 §7.6.2: no RTT sample at all: never', () => {
    expect(detectPersistentCongestion(TABLE_1, DURATION, undefined, undefined)).toBe(false);
  });

  it('RFC 9002 §7.6.2: an acknowledged packet between (a gap in the lost packet numbers) restarts the period', () => {
    const withoutFive = TABLE_1.filter((p) => p.packetNumber !== 5);
    expect(detectPersistentCongestion(withoutFive, DURATION, at(0.5), at(0))).toBe(false);
  });

  it('RFC 9002 §7.6.2: a packet acknowledged earlier (any space) and sent after the first loss restarts the period', () => {
    expect(detectPersistentCongestion(TABLE_1, DURATION, at(0.5), at(1.5))).toBe(false);
  });

  it('RFC 9002 §7.6.2: the two packets must be ack-eliciting', () => {
    const ends = TABLE_1.map((p) => (p.packetNumber === 2 || p.packetNumber === 8 ? lost(p.packetNumber, p.timeSent / 1_000_000, false) : p));
    // Ack-eliciting span is now 3 (t=2) .. 7 (t=6) = 4.
    expect(detectPersistentCongestion(ends, DURATION, at(0.5), at(0))).toBe(false);
    expect(detectPersistentCongestion(ends, millis(3_999), at(0.5), at(0))).toBe(true);
  });
});
