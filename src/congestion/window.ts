/**
 * Window arithmetic and recovery-period bookkeeping shared by the controllers.
 *
 * Implements RFC 9002 §7.2 (initial and minimum congestion window), §7.3.2 (the recovery
 * period: InCongestionRecovery of Appendix B.5, congestion_recovery_start_time of B.2) and
 * §7.7 (the pacing rate N * congestion_window / smoothed_rtt).
 */
import type { Instant } from '../util/time.js';
import type { RttSample } from './controller.js';

/** RFC 9002 B.1 kLossReductionFactor (NewReno's multiplicative decrease, §7.3.2). */
export const kLossReductionFactor = 0.5;

/** RFC 9002 §7.7: the pacing gain N ("small, but at least 1 (for example, 1.25)"). */
export const kPacingGain = 1.25;

/** RFC 9000 §14: the smallest maximum datagram size a QUIC path may have. */
export const kMinimumMaxDatagramSize = 1200;

/**
 * Checks a max_datagram_size given by the caller (RFC 9002 B.2: "with a minimum value of 1200
 * bytes"). A bad value is a programming error in the caller, not peer input.
 */
export function checkMaxDatagramSize(size: number): number {
  if (!Number.isSafeInteger(size) || size < kMinimumMaxDatagramSize) {
    throw new RangeError(`max_datagram_size must be an integer >= ${kMinimumMaxDatagramSize}, got ${size}`);
  }
  return size;
}

/** RFC 9002 §7.2 kInitialWindow = min(10 * max_datagram_size, max(14720, 2 * max_datagram_size)). */
export function kInitialWindow(maxDatagramSize: number): number {
  return Math.min(10 * maxDatagramSize, Math.max(14_720, 2 * maxDatagramSize));
}

/** RFC 9002 §7.2 kMinimumWindow: "The RECOMMENDED value is 2 * max_datagram_size." */
export function kMinimumWindow(maxDatagramSize: number): number {
  return 2 * maxDatagramSize;
}

/**
 * RFC 9002 §7.7: rate = N * congestion_window / smoothed_rtt, in bytes per second; undefined
 * before an RTT sample exists. A zero smoothed_rtt (possible only on a virtual clock) is treated
 * as one microsecond so the rate stays finite.
 */
export function pacingRateFor(congestionWindow: number, rtt: RttSample | undefined): number | undefined {
  if (rtt === undefined) return undefined;
  const srttMicros = Math.max(1, rtt.smoothedRtt);
  return (kPacingGain * congestionWindow * 1_000_000) / srttMicros;
}

/**
 * The recovery period of RFC 9002 §7.3.2 (congestion_recovery_start_time, InCongestionRecovery).
 *
 * `inCongestionRecovery(sentTime)` is Appendix B.5's predicate and decides both "no growth for
 * this ack" and "no new reduction for this loss". `inRecoveryPeriod` is the state of §7.3's
 * Figure 1: entered on a congestion event, left when a packet sent after the start is acked.
 */
export class RecoveryPeriod {
  #startTime: Instant | undefined = undefined;
  #active = false;

  /** True between a congestion event and the ack of a packet sent after it (RFC 9002 §7.3.2). */
  get inRecoveryPeriod(): boolean {
    return this.#active;
  }

  /** RFC 9002 B.5 InCongestionRecovery(sent_time): sent_time <= congestion_recovery_start_time. */
  inCongestionRecovery(sentTime: Instant): boolean {
    return this.#startTime !== undefined && sentTime <= this.#startTime;
  }

  /** RFC 9002 B.6: congestion_recovery_start_time = now(). */
  enter(now: Instant): void {
    this.#startTime = now;
    this.#active = true;
  }

  /**
   * RFC 9002 §7.3.2: "A recovery period ends and the sender enters congestion avoidance when a
   * packet sent during the recovery period is acknowledged."
   */
  onPacketAcked(timeSent: Instant): void {
    if (this.#active && !this.inCongestionRecovery(timeSent)) this.#active = false;
  }

  /** RFC 9002 B.8 after persistent congestion: congestion_recovery_start_time = 0. */
  reset(): void {
    this.#startTime = undefined;
    this.#active = false;
  }
}
