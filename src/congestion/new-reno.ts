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
  CongestionPacket,
  RttSample,
} from './controller.js';
import { HyStartPlusPlus } from './hystart.js';
import { WindowedController } from './windowed-controller.js';
import {
  kLossReductionFactor,
  kMinimumWindow,
  } from './window.js';

/** NewReno options: the shared ones plus HyStart++ for the initial slow start (default off). */
export interface NewRenoConfig extends CongestionConfig {
  readonly hystart?: boolean;
}

/** The NewReno controller of RFC 9002 Appendix B. */
export class NewReno extends WindowedController {
  /** Always 'newreno'. */
  readonly algorithm = 'newreno' as const;

  /** RFC 9002 B.3 initialization (HyStart++ off by default). */
  constructor(config: NewRenoConfig) {
    super(config, config.hystart === true ? new HyStartPlusPlus() : undefined);
  }

  /** RFC 9002 B.5 OnPacketsAcked. */
  onPacketsAcked(now: Instant, acked: readonly CongestionPacket[], rtt: RttSample, appLimited: boolean): void {
    if (acked.length === 0) return;
    this.pristine = false;
    for (const p of acked) this.recovery.onPacketAcked(p.timeSent);
    if (this.hystartState !== undefined && this.inSlowStart && this.hystartState.onAck(now, acked, rtt.latestRtt)) {
      // draft-ietf-tcpm-hystartplusplus-04 §4.2: "enter congestion avoidance. ssthresh = cwnd".
      this.ssthresh = this.cwnd;
    }
    // RFC 9002 §7.8: "the congestion window SHOULD NOT be increased in either slow start or
    // congestion avoidance" while it is under-utilized.
    if (appLimited) return;
    for (const p of acked) {
      // RFC 9002 B.5: "Do not increase congestion window in recovery period."
      if (this.recovery.inCongestionRecovery(p.timeSent)) continue;
      if (this.cwnd < this.ssthresh) {
        // RFC 9002 §7.3.1: "the congestion window increases by the number of bytes acknowledged".
        this.cwnd += p.sentBytes / (this.hystartState?.growthDivisor ?? 1);
      } else {
        // RFC 9002 §7.3.3: "MUST limit the increase to the congestion window to at most one
        // maximum datagram size for each congestion window that is acknowledged."
        this.cwnd += (this.maxDatagramSize * p.sentBytes) / this.cwnd;
      }
    }
  }

  /** RFC 9002 B.6 OnCongestionEvent. */
  protected onCongestionEvent(now: Instant, sentTime: Instant): void {
    // RFC 9002 §7.3.2: "during a recovery period, the congestion window does not change in
    // response to new losses or increases in the ECN-CE count."
    if (this.recovery.inCongestionRecovery(sentTime)) return;
    this.recovery.enter(now);
    this.hystartState?.onCongestionEvent();
    // RFC 9002 §7.3.2: "On entering a recovery period, a sender MUST set the slow start threshold
    // to half the value of the congestion window when loss is detected."
    this.ssthresh = this.cwnd * kLossReductionFactor;
    this.cwnd = Math.max(this.ssthresh, kMinimumWindow(this.maxDatagramSize));
  }
}
