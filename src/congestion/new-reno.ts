/**
 * NewReno congestion control for QUIC: RFC 9002 §7 and Appendix B.
 *
 * Slow start (§7.3.1), the recovery period (§7.3.2), congestion avoidance (§7.3.3), ECN-CE as a
 * congestion signal (§7.1, B.7), persistent congestion (§7.6, B.8: the caller decides, the window
 * collapses to kMinimumWindow), no growth while the window is under-used (§7.8) and the pacing
 * rate (§7.7). HyStart++ (draft-ietf-tcpm-hystartplusplus-04) may be switched on for the initial
 * slow start; it is off by default, as RFC 9002 describes plain slow start.
 *
 * bytes_in_flight lives in loss recovery (src/recovery), which reports sends, acks and losses.
 */
import type { Instant } from '../util/time.js';
import type {
  CongestionConfig,
  CongestionController,
  CongestionPacket,
  RttSample,
} from './controller.js';
import { HyStartPlusPlus } from './hystart.js';
import {
  RecoveryPeriod,
  checkMaxDatagramSize,
  kInitialWindow,
  kLossReductionFactor,
  kMinimumWindow,
  pacingRateFor,
} from './window.js';

/** NewReno options: the shared ones plus HyStart++ for the initial slow start (default off). */
export interface NewRenoConfig extends CongestionConfig {
  readonly hystart?: boolean;
}

/** The NewReno controller of RFC 9002 Appendix B. */
export class NewReno implements CongestionController {
  /** Always 'newreno'. */
  readonly algorithm = 'newreno' as const;
  #maxDatagramSize: number;
  #cwnd: number;
  #ssthresh = Infinity;
  readonly #recovery = new RecoveryPeriod();
  readonly #hystart: HyStartPlusPlus | undefined;
  readonly #fixedInitialWindow: number | undefined;
  /** No ack or loss yet: the window is still the initial window (RFC 9002 §7.2 recalculation). */
  #pristine = true;

  /** RFC 9002 B.3 initialization: congestion_window = kInitialWindow, ssthresh = infinite. */
  constructor(config: NewRenoConfig) {
    this.#maxDatagramSize = checkMaxDatagramSize(config.maxDatagramSize);
    this.#fixedInitialWindow = config.initialWindow;
    this.#cwnd = this.#initialWindow();
    this.#hystart = config.hystart === true ? new HyStartPlusPlus() : undefined;
  }

  /** RFC 9002 B.2 congestion_window in bytes (whole bytes; the fraction is kept internally). */
  get congestionWindow(): number {
    return Math.floor(this.#cwnd);
  }

  /** RFC 9002 B.2 ssthresh (whole bytes; Infinity until the first congestion event). */
  get slowStartThreshold(): number {
    return Math.floor(this.#ssthresh);
  }

  /** RFC 9002 §7.3.1: in slow start while congestion_window < ssthresh. */
  get inSlowStart(): boolean {
    return this.#cwnd < this.#ssthresh;
  }

  /** RFC 9002 §7.3.2: inside a recovery period. */
  get inRecovery(): boolean {
    return this.#recovery.inRecoveryPeriod;
  }

  /** The HyStart++ state, when enabled (for stats and qlog). */
  get hystart(): HyStartPlusPlus | undefined {
    return this.#hystart;
  }

  /** RFC 9002 B.4 OnPacketSentCC: bytes_in_flight is tracked by loss recovery; nothing to do. */
  onPacketSent(_now: Instant, _sentBytes: number, _bytesInFlight: number): void {}

  /** RFC 9002 B.5 OnPacketsAcked. */
  onPacketsAcked(now: Instant, acked: readonly CongestionPacket[], rtt: RttSample, appLimited: boolean): void {
    if (acked.length === 0) return;
    this.#pristine = false;
    for (const p of acked) this.#recovery.onPacketAcked(p.timeSent);
    if (this.#hystart !== undefined && this.inSlowStart && this.#hystart.onAck(now, acked, rtt.latestRtt)) {
      // draft-ietf-tcpm-hystartplusplus-04 §4.2: "enter congestion avoidance. ssthresh = cwnd".
      this.#ssthresh = this.#cwnd;
    }
    // RFC 9002 §7.8: "the congestion window SHOULD NOT be increased in either slow start or
    // congestion avoidance" while it is under-utilized.
    if (appLimited) return;
    for (const p of acked) {
      // RFC 9002 B.5: "Do not increase congestion window in recovery period."
      if (this.#recovery.inCongestionRecovery(p.timeSent)) continue;
      if (this.#cwnd < this.#ssthresh) {
        // RFC 9002 §7.3.1: "the congestion window increases by the number of bytes acknowledged".
        this.#cwnd += p.sentBytes / (this.#hystart?.growthDivisor ?? 1);
      } else {
        // RFC 9002 §7.3.3: "MUST limit the increase to the congestion window to at most one
        // maximum datagram size for each congestion window that is acknowledged."
        this.#cwnd += (this.#maxDatagramSize * p.sentBytes) / this.#cwnd;
      }
    }
  }

  /** RFC 9002 B.8 OnPacketsLost (persistent congestion established by the caller, §7.6.2). */
  onPacketsLost(now: Instant, lost: readonly CongestionPacket[], persistentCongestion: boolean): void {
    if (lost.length === 0) return;
    this.#pristine = false;
    let sentTimeOfLastLoss = lost[0]!.timeSent;
    for (const p of lost) if (p.timeSent > sentTimeOfLastLoss) sentTimeOfLastLoss = p.timeSent;
    this.#onCongestionEvent(now, sentTimeOfLastLoss);
    if (persistentCongestion) {
      // RFC 9002 §7.6.2: "the sender's congestion window MUST be reduced to the minimum
      // congestion window (kMinimumWindow)".
      this.#cwnd = kMinimumWindow(this.#maxDatagramSize);
      this.#recovery.reset();
    }
  }

  /** RFC 9002 B.7 ProcessECN: a new CE mark is a congestion event for the packet's send time. */
  onEcnCongestion(now: Instant, timeSent: Instant): void {
    this.#pristine = false;
    this.#onCongestionEvent(now, timeSent);
  }

  /** RFC 9002 §7.7: 1.25 * congestion_window / smoothed_rtt bytes per second. */
  pacingRate(rtt: RttSample | undefined): number | undefined {
    return pacingRateFor(this.#cwnd, rtt);
  }

  /**
   * RFC 9002 §7.2: "If the maximum datagram size changes during the connection, the initial
   * congestion window SHOULD be recalculated with the new size." Before any ack or loss the window
   * becomes the new initial window; afterwards it is only kept at or above the new minimum.
   */
  setMaxDatagramSize(size: number): void {
    this.#maxDatagramSize = checkMaxDatagramSize(size);
    if (this.#pristine) this.#cwnd = this.#initialWindow();
    this.#cwnd = Math.max(this.#cwnd, kMinimumWindow(this.#maxDatagramSize));
  }

  /** RFC 9002 B.6 OnCongestionEvent. */
  #onCongestionEvent(now: Instant, sentTime: Instant): void {
    // RFC 9002 §7.3.2: "during a recovery period, the congestion window does not change in
    // response to new losses or increases in the ECN-CE count."
    if (this.#recovery.inCongestionRecovery(sentTime)) return;
    this.#recovery.enter(now);
    this.#hystart?.onCongestionEvent();
    // RFC 9002 §7.3.2: "On entering a recovery period, a sender MUST set the slow start threshold
    // to half the value of the congestion window when loss is detected."
    this.#ssthresh = this.#cwnd * kLossReductionFactor;
    this.#cwnd = Math.max(this.#ssthresh, kMinimumWindow(this.#maxDatagramSize));
  }

  #initialWindow(): number {
    const w = this.#fixedInitialWindow ?? kInitialWindow(this.#maxDatagramSize);
    return Math.max(w, kMinimumWindow(this.#maxDatagramSize));
  }
}
