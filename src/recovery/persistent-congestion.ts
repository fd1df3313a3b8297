/**
 * Persistent congestion (RFC 9002 §7.6).
 *
 * Implements:
 * - RFC 9002 §7.6.1: the duration, (smoothed_rtt + max(4*rttvar, kGranularity) + max_ack_delay)
 *   * kPersistentCongestionThreshold, with max_ack_delay whatever the packet-number space.
 * - RFC 9002 §7.6.2: two ack-eliciting lost packets, sent further apart than that duration, after
 *   the first RTT sample, with no acknowledged packet sent between them in any space.
 *
 * "No acknowledged packet between them, across spaces" is established exactly, with no list of
 * acknowledged send times: only lost packets sent after every packet acknowledged by earlier ACK
 * frames (in any space) are considered, and a gap in the packet numbers of the lost packets of
 * this one detection (the ACK being processed acknowledged the packet in between, or it was
 * declared lost earlier, or its number was skipped) restarts the period. The last two cases only
 * make the check more conservative. This is neqo's approach.
 */
import type { Duration, Instant } from '../util/time.js';
import { micros } from '../util/time.js';
import type { SentPacket } from './sent-packet.js';

/** RFC 9002 §7.6.1: "The RECOMMENDED value for kPersistentCongestionThreshold is 3". */
export const kPersistentCongestionThreshold = 3;

/**
 * RFC 9002 §7.6.1: the persistent congestion duration.
 * @param ptoBase smoothed_rtt + max(4*rttvar, kGranularity) (RttEstimator.ptoBase()).
 * @param maxAckDelay the peer's max_ack_delay.
 */
export function persistentCongestionDuration(ptoBase: Duration, maxAckDelay: Duration): Duration {
  return micros((ptoBase + maxAckDelay) * kPersistentCongestionThreshold);
}

/**
 * RFC 9002 §7.6.2: whether `lost` (the packets of one space just declared lost, ascending by
 * packet number) establishes persistent congestion.
 * @param duration the persistent congestion duration (§7.6.1).
 * @param firstRttSample when the first RTT sample was taken, or undefined if none was.
 * @param largestAckedTimeSent the latest time_sent of any packet acknowledged before this ACK, in
 *   any packet-number space, or undefined.
 */
export function detectPersistentCongestion<T>(
  lost: readonly SentPacket<T>[],
  duration: Duration,
  firstRttSample: Instant | undefined,
  largestAckedTimeSent: Instant | undefined,
): boolean {
  // RFC 9002 §7.6.2: "The persistent congestion period SHOULD NOT start until there is at least
  // one RTT sample."
  if (firstRttSample === undefined) return false;
  const cutoff = largestAckedTimeSent !== undefined && largestAckedTimeSent > firstRttSample ? largestAckedTimeSent : firstRttSample;
  let start: Instant | undefined;
  let previous: number | undefined;
  for (const p of lost) {
    // A gap: a packet between the two was acknowledged (or is otherwise not among these losses).
    if (previous !== undefined && p.packetNumber !== previous + 1) start = undefined;
    previous = p.packetNumber;
    // "a prior RTT sample existed when these two packets were sent", and nothing sent after
    // them was acknowledged before.
    if (p.timeSent <= cutoff) {
      start = undefined;
      continue;
    }
    // RFC 9002 §7.6.2: "These two packets MUST be ack-eliciting".
    if (!p.ackEliciting) continue;
    if (start === undefined) start = p.timeSent;
    // "the duration between the send times of these two packets exceeds the persistent
    // congestion duration".
    else if (p.timeSent - start > duration) return true;
  }
  return false;
}
