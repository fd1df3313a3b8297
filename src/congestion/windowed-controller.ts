/**
 * What NewReno and CUBIC share (RFC 9002 §7, Appendix B): the congestion window and ssthresh in
 * bytes, the recovery period, optional HyStart++, the initial window and its recalculation when
 * the datagram size changes (§7.2), ECN-CE as a congestion event (B.7), and the pacing rate
 * (§7.7). Subclasses supply the growth on acks, the reaction to losses and the congestion event.
 */
import type { Instant } from '../util/time.js';
import type { CongestionConfig, CongestionControlAlgorithm, CongestionController, CongestionPacket, RttSample } from './controller.js';
import type { HyStartPlusPlus } from './hystart.js';
import { RecoveryPeriod, checkMaxDatagramSize, kInitialWindow, kMinimumWindow, pacingRateFor } from './window.js';

/** The window bookkeeping of RFC 9002 Appendix B, shared by the controllers. */
export abstract class WindowedController implements CongestionController {
  abstract readonly algorithm: CongestionControlAlgorithm;
  protected maxDatagramSize: number;
  /** RFC 9002 B.2 congestion_window, fractional inside, whole bytes outside. */
  protected cwnd: number;
  /** RFC 9002 B.2 ssthresh. */
  protected ssthresh = Infinity;
  protected readonly recovery = new RecoveryPeriod();
  protected readonly hystartState: HyStartPlusPlus | undefined;
  /** No ack or loss yet: the window is still the initial window (RFC 9002 §7.2 recalculation). */
  protected pristine = true;
  readonly #fixedInitialWindow: number | undefined;

  /** RFC 9002 B.3 initialization: congestion_window = kInitialWindow, ssthresh = infinite. */
  constructor(config: CongestionConfig, hystart: HyStartPlusPlus | undefined) {
    this.maxDatagramSize = checkMaxDatagramSize(config.maxDatagramSize);
    this.#fixedInitialWindow = config.initialWindow;
    this.cwnd = this.initialWindow();
    this.hystartState = hystart;
  }

  /** RFC 9002 B.2 congestion_window in bytes (whole bytes; the fraction is kept internally). */
  get congestionWindow(): number {
    return Math.floor(this.cwnd);
  }

  /** RFC 9002 B.2 ssthresh (whole bytes; Infinity until the first congestion event). */
  get slowStartThreshold(): number {
    return Math.floor(this.ssthresh);
  }

  /** RFC 9002 §7.3.1: in slow start while congestion_window < ssthresh. */
  get inSlowStart(): boolean {
    return this.cwnd < this.ssthresh;
  }

  /** RFC 9002 §7.3.2: inside a recovery period. */
  get inRecovery(): boolean {
    return this.recovery.inRecoveryPeriod;
  }

  /** The HyStart++ state, when enabled (for stats and qlog). */
  get hystart(): HyStartPlusPlus | undefined {
    return this.hystartState;
  }

  /** RFC 9002 B.4 OnPacketSentCC: bytes_in_flight is tracked by loss recovery; nothing to do. */
  onPacketSent(_now: Instant, _sentBytes: number, _bytesInFlight: number): void {}

  abstract onPacketsAcked(now: Instant, acked: readonly CongestionPacket[], rtt: RttSample, appLimited: boolean): void;

  /**
   * RFC 9002 B.8 OnPacketsLost: one congestion event for the newest lost packet's send time; on
   * persistent congestion (established by the caller, §7.6.2) "the sender's congestion window MUST
   * be reduced to the minimum congestion window (kMinimumWindow)", and the recovery period ends.
   */
  onPacketsLost(now: Instant, lost: readonly CongestionPacket[], persistentCongestion: boolean): void {
    if (lost.length === 0) return;
    this.pristine = false;
    let sentTimeOfLastLoss = lost[0]!.timeSent;
    for (const p of lost) if (p.timeSent > sentTimeOfLastLoss) sentTimeOfLastLoss = p.timeSent;
    this.onCongestionEvent(now, sentTimeOfLastLoss);
    if (persistentCongestion) {
      this.cwnd = kMinimumWindow(this.maxDatagramSize);
      this.recovery.reset();
      this.onPersistentCongestion();
    }
  }

  /** RFC 9002 B.7 ProcessECN: a new CE mark is a congestion event for the packet's send time. */
  onEcnCongestion(now: Instant, timeSent: Instant): void {
    this.pristine = false;
    this.onCongestionEvent(now, timeSent);
  }

  /** RFC 9002 §7.7: 1.25 * congestion_window / smoothed_rtt bytes per second. */
  pacingRate(rtt: RttSample | undefined): number | undefined {
    return pacingRateFor(this.cwnd, rtt);
  }

  /**
   * RFC 9002 §7.2: "If the maximum datagram size changes during the connection, the initial
   * congestion window SHOULD be recalculated with the new size." Before any ack or loss the window
   * becomes the new initial window; afterwards it is only kept at or above the new minimum.
   */
  setMaxDatagramSize(size: number): void {
    this.maxDatagramSize = checkMaxDatagramSize(size);
    if (this.pristine) this.cwnd = this.initialWindow();
    this.cwnd = Math.max(this.cwnd, kMinimumWindow(this.maxDatagramSize));
  }

  /** RFC 9002 B.6 OnCongestionEvent, with the controller's own reduction. */
  protected abstract onCongestionEvent(now: Instant, sentTime: Instant): void;

  /** After persistent congestion collapsed the window: the controller's own state (default: none). */
  protected onPersistentCongestion(): void {}

  /** RFC 9002 §7.2 kInitialWindow (or the configured one), never below kMinimumWindow. */
  protected initialWindow(): number {
    const w = this.#fixedInitialWindow ?? kInitialWindow(this.maxDatagramSize);
    return Math.max(w, kMinimumWindow(this.maxDatagramSize));
  }
}
