/**
 * The round-trip time estimator of RFC 9002 §5 (and Appendix A.7 UpdateRtt, A.4 initialization).
 *
 * Implements:
 * - RFC 9002 §5.1: latest_rtt from an acknowledgment (the caller computes it; see loss-detection.ts).
 * - RFC 9002 §5.2: min_rtt, the minimum over the connection's samples, ignoring ack delay.
 * - RFC 9002 §5.3: smoothed_rtt and rttvar as exponentially weighted moving averages over samples
 *   adjusted for the peer's acknowledgment delay; ack_delay capped by max_ack_delay once the
 *   handshake is confirmed, and not subtracted when that would take the sample below min_rtt.
 * - RFC 9002 §6.2.1: the PTO base, smoothed_rtt + max(4*rttvar, kGranularity).
 * - RFC 9002 §6.2.2: before any sample, kInitialRtt (333 ms) seeds smoothed_rtt and rttvar.
 */
import type { RttSample } from '../congestion/controller.js';
import { type Duration, type Instant, maxDuration, micros, millis, minDuration } from '../util/time.js';

/** RFC 9002 §6.2.2 / A.2: "The RECOMMENDED initial value for kInitialRtt is 333 ms". */
export const kInitialRtt: Duration = millis(333);

/** RFC 9002 §6.1.2 / A.2: "The RECOMMENDED value of the timer granularity (kGranularity) is 1 millisecond." */
export const kGranularity: Duration = millis(1);

/** RFC 9002 §5: the RTT estimator of one path. */
export class RttEstimator {
  private readonly initialRtt: Duration;
  private latest: Duration = micros(0);
  private smoothed: Duration;
  private variation: Duration;
  private min: Duration = micros(0);
  private firstSample: Instant | undefined;

  /** @param initialRtt kInitialRtt, or a remembered value for the path (RFC 9002 §6.2.2). */
  constructor(initialRtt: Duration = kInitialRtt) {
    this.initialRtt = initialRtt;
    // RFC 9002 §5.3: "smoothed_rtt = kInitialRtt; rttvar = kInitialRtt / 2".
    this.smoothed = initialRtt;
    this.variation = micros(initialRtt / 2);
  }

  /** RFC 9002 §5.1 latest_rtt (0 before the first sample, A.4). */
  get latestRtt(): Duration {
    return this.latest;
  }

  /** RFC 9002 §5.3 smoothed_rtt. */
  get smoothedRtt(): Duration {
    return this.smoothed;
  }

  /** RFC 9002 §5.3 rttvar. */
  get rttvar(): Duration {
    return this.variation;
  }

  /** RFC 9002 §5.2 min_rtt (0 before the first sample, A.4). */
  get minRtt(): Duration {
    return this.min;
  }

  /** When the first RTT sample was taken (RFC 9002 A.3 first_rtt_sample), or undefined. */
  get firstRttSample(): Instant | undefined {
    return this.firstSample;
  }

  /** True once at least one RTT sample was taken. */
  get hasSample(): boolean {
    return this.firstSample !== undefined;
  }

  /**
   * RFC 9002 A.7 UpdateRtt: folds in a new sample.
   * @param latestRtt now - time_sent of the newly acknowledged largest packet (§5.1).
   * @param ackDelay the peer's reported acknowledgment delay, already decoded with its
   *   ack_delay_exponent (pass 0 to ignore it, as §5.3 allows for Initial packets).
   * @param handshakeConfirmed RFC 9001 §4.1.2: whether the handshake is confirmed.
   * @param maxAckDelay the peer's max_ack_delay transport parameter.
   * @param now the current time (recorded as first_rtt_sample).
   */
  updateRtt(latestRtt: Duration, ackDelay: Duration, handshakeConfirmed: boolean, maxAckDelay: Duration, now: Instant): void {
    this.latest = latestRtt;
    if (this.firstSample === undefined) {
      // RFC 9002 §5.3: "min_rtt = latest_rtt; smoothed_rtt = latest_rtt; rttvar = latest_rtt / 2".
      this.min = latestRtt;
      this.smoothed = latestRtt;
      this.variation = micros(latestRtt / 2);
      this.firstSample = now;
      return;
    }
    // RFC 9002 §5.2: min_rtt ignores acknowledgment delay.
    this.min = minDuration(this.min, latestRtt);
    // RFC 9002 §5.3: "MUST use the lesser of the acknowledgment delay and the peer's
    // max_ack_delay after the handshake is confirmed".
    const delay = handshakeConfirmed ? minDuration(ackDelay, maxAckDelay) : ackDelay;
    // RFC 9002 §5.3: "MUST NOT subtract the acknowledgment delay from the RTT sample if the
    // resulting value is smaller than the min_rtt".
    const adjusted = latestRtt >= this.min + delay ? micros(latestRtt - delay) : latestRtt;
    // rttvar_sample = abs(smoothed_rtt - adjusted_rtt); rttvar = 3/4 * rttvar + 1/4 * rttvar_sample.
    this.variation = micros((3 * this.variation + Math.abs(this.smoothed - adjusted)) / 4);
    // smoothed_rtt = 7/8 * smoothed_rtt + 1/8 * adjusted_rtt.
    this.smoothed = micros((7 * this.smoothed + adjusted) / 8);
  }

  /** RFC 9002 §6.2.1: smoothed_rtt + max(4*rttvar, kGranularity), before backoff and max_ack_delay. */
  ptoBase(): Duration {
    return micros(this.smoothed + maxDuration(micros(4 * this.variation), kGranularity));
  }

  /**
   * The figures a congestion controller uses (src/congestion/controller.ts). Before the first
   * sample every field is smoothed_rtt (the initial RTT), so a controller never sees a zero RTT.
   */
  sample(): RttSample {
    if (this.firstSample === undefined) return { latestRtt: this.smoothed, smoothedRtt: this.smoothed, minRtt: this.smoothed };
    return { latestRtt: this.latest, smoothedRtt: this.smoothed, minRtt: this.min };
  }

  /** RFC 9000 §9.4: resets the estimator to its initial state (a new path). */
  reset(): void {
    this.latest = micros(0);
    this.smoothed = this.initialRtt;
    this.variation = micros(this.initialRtt / 2);
    this.min = micros(0);
    this.firstSample = undefined;
  }
}
