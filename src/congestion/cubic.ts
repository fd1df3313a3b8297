/**
 * CUBIC congestion control (RFC 9438; the text in specs/rfc9438.txt is draft-ietf-tcpm-rfc8312bis,
 * whose §4 is the same algorithm) on QUIC's loss signals (RFC 9002 §7).
 *
 * - §4.2 window increase W_cubic(t) = C * (t - K)^3 + W_max, K = cbrt((W_max - cwnd_epoch) / C),
 *   target = W_cubic(t + RTT) clamped to [cwnd, 1.5 * cwnd].
 * - §4.3 Reno-friendly region W_est with alpha_cubic = 3 * (1 - beta) / (1 + beta) (1 once
 *   W_est >= cwnd_prior); §4.4/§4.5 concave and convex regions: cwnd += (target - cwnd) / cwnd.
 * - §4.6 multiplicative decrease by beta_cubic = 0.7, §4.7 fast convergence, §4.8 after a
 *   timeout (here: persistent congestion, RFC 9002 §7.6) K = 0 and W_max = cwnd at the start of
 *   the next congestion avoidance stage, §4.10 HyStart++ for the initial slow start (on by
 *   default) with K = 0, W_max = cwnd_prior = cwnd when it exits without loss.
 * - §5.8 / §4.2: "The elapsed time t MUST NOT include periods during which cwnd has not been
 *   updated due to application-limited behavior": the epoch is shifted forward by such periods.
 * - Recovery periods follow RFC 9002 §7.3.2 exactly as NewReno does (one reduction per period).
 *
 * Windows are in bytes; a segment is max_datagram_size bytes (§4.1 allows bytes "factoring in the
 * maximum segment size"). Times are seconds in the formulas, microsecond Instants outside them.
 * The epoch starts at the congestion event (like quinn), so t includes the recovery period.
 */
import type { Instant } from '../util/time.js';
import type {
  CongestionConfig,
  CongestionPacket,
  RttSample,
} from './controller.js';
import { HyStartPlusPlus } from './hystart.js';
import { WindowedController } from './windowed-controller.js';
import { kMinimumWindow } from './window.js';

/** RFC 9438 §5.1: C = 0.4 segments / second^3. */
export const CUBIC_C = 0.4;
/** RFC 9438 §4.6: "The parameter beta_cubic SHOULD be set to 0.7". */
export const CUBIC_BETA = 0.7;
/** RFC 9438 §4.3: alpha_cubic = 3 * (1 - beta_cubic) / (1 + beta_cubic). */
export const CUBIC_ALPHA = (3 * (1 - CUBIC_BETA)) / (1 + CUBIC_BETA);

/** CUBIC options: the shared ones plus HyStart++ (default on) and fast convergence (default on). */
export interface CubicConfig extends CongestionConfig {
  /** RFC 9438 §4.10: "CUBIC SHOULD use the HyStart++ slow start algorithm". Default true. */
  readonly hystart?: boolean;
  /** RFC 9438 §4.7: fast convergence "SHOULD be implemented". Default true. */
  readonly fastConvergence?: boolean;
}

/** RFC 9438 Figure 2, in seconds: K = cbrt((W_max - cwnd_epoch) / C), windows in bytes. */
export function cubicK(wMax: number, cwndEpoch: number, maxDatagramSize: number): number {
  return Math.cbrt((wMax - cwndEpoch) / maxDatagramSize / CUBIC_C);
}

/** RFC 9438 Figure 1 in bytes: W_cubic(t) = C * (t - K)^3 * MSS + W_max (t and K in seconds). */
export function wCubic(t: number, k: number, wMax: number, maxDatagramSize: number): number {
  return CUBIC_C * (t - k) ** 3 * maxDatagramSize + wMax;
}

/** The CUBIC controller. */
export class Cubic extends WindowedController {
  /** Always 'cubic'. */
  readonly algorithm = 'cubic' as const;
  readonly #fastConvergence: boolean;
  /** RFC 9438 §4.1.2 W_max, cwnd_prior, K, t_epoch, cwnd_epoch, W_est. */
  #wMax: number | undefined = undefined;
  #cwndPrior: number | undefined = undefined;
  #k = 0;
  #epochStart: Instant | undefined = undefined;
  #wEst = 0;
  /** §4.8 / §4.10: the next congestion avoidance stage starts with K = 0, W_max = cwnd. */
  #resetOnNextEpoch = false;
  /** Start of the current application-limited period (§5.8), if any. */
  #appLimitedSince: Instant | undefined = undefined;

  /** RFC 9002 B.3: congestion_window = kInitialWindow, ssthresh = infinite. */
  constructor(config: CubicConfig) {
    super(config, config.hystart === false ? undefined : new HyStartPlusPlus());
    this.#fastConvergence = config.fastConvergence !== false;
  }


  /** RFC 9438 W_max in bytes (undefined before the first congestion event or HyStart++ exit). */
  get wMax(): number | undefined {
    return this.#wMax;
  }

  /** RFC 9438 K in seconds for the current congestion avoidance stage. */
  get k(): number {
    return this.#k;
  }

  /** RFC 9438 cwnd_prior in bytes. */
  get cwndPrior(): number | undefined {
    return this.#cwndPrior;
  }

  /** RFC 9438 §4.3 W_est in bytes. */
  get wEst(): number {
    return this.#wEst;
  }

  /** RFC 9438 t_epoch (shifted by application-limited periods). */
  get epochStart(): Instant | undefined {
    return this.#epochStart;
  }

  /** RFC 9002 B.5 OnPacketsAcked with RFC 9438 §4.2-§4.5 growth. */
  onPacketsAcked(now: Instant, acked: readonly CongestionPacket[], rtt: RttSample, appLimited: boolean): void {
    if (acked.length === 0) return;
    this.pristine = false;
    for (const p of acked) this.recovery.onPacketAcked(p.timeSent);
    if (this.hystartState !== undefined && this.inSlowStart && this.hystartState.onAck(now, acked, rtt.latestRtt)) {
      // RFC 9438 §4.10: HyStart++ exited slow start without loss: "CUBIC sets cwnd_prior = cwnd
      // and switches to congestion avoidance ... K is set to 0, and W_max is set to the
      // congestion window size at the beginning of the current congestion avoidance stage."
      this.ssthresh = this.cwnd;
      this.#cwndPrior = this.cwnd;
      this.#epochStart = undefined;
      this.#resetOnNextEpoch = true;
    }
    if (appLimited) {
      // RFC 9438 §5.8: "CUBIC does not increase its congestion window if a flow is
      // application-limited."
      this.#appLimitedSince ??= now;
      return;
    }
    if (this.#appLimitedSince !== undefined) {
      // RFC 9438 §4.2: "The elapsed time t ... MUST NOT include periods during which cwnd has not
      // been updated due to application-limited behavior."
      if (this.#epochStart !== undefined) {
        const from = Math.max(this.#appLimitedSince, this.#epochStart);
        this.#epochStart = (this.#epochStart + (now - from)) as Instant;
      }
      this.#appLimitedSince = undefined;
    }
    for (const p of acked) {
      // RFC 9002 B.5: "Do not increase congestion window in recovery period."
      if (this.recovery.inCongestionRecovery(p.timeSent)) continue;
      if (this.cwnd < this.ssthresh) {
        this.cwnd += p.sentBytes / (this.hystartState?.growthDivisor ?? 1);
      } else {
        this.#congestionAvoidance(now, p.sentBytes, rtt.smoothedRtt);
      }
    }
  }

  /**
   * RFC 9438 §4.8 (persistent congestion is its timeout): in the first congestion avoidance stage
   * after it, K = 0 and W_max = cwnd at its start; W_est is set to that window too.
   */
  protected override onPersistentCongestion(): void {
    this.#epochStart = undefined;
    this.#resetOnNextEpoch = true;
  }

  /** RFC 9438 §4.6 and §4.7, inside RFC 9002 B.6's recovery rule. */
  protected onCongestionEvent(now: Instant, sentTime: Instant): void {
    // RFC 9002 §7.3.2: no further reduction inside a recovery period.
    if (this.recovery.inCongestionRecovery(sentTime)) return;
    this.recovery.enter(now);
    this.hystartState?.onCongestionEvent();
    const cwnd = this.cwnd;
    // RFC 9438 §4.7: W_max = cwnd * (1 + beta_cubic) / 2 "if cwnd < W_max and fast convergence
    // enabled", otherwise cwnd.
    this.#wMax =
      this.#fastConvergence && this.#wMax !== undefined && cwnd < this.#wMax ? (cwnd * (1 + CUBIC_BETA)) / 2 : cwnd;
    this.#cwndPrior = cwnd;
    // RFC 9438 §4.6 Figure 5: ssthresh = cwnd * beta_cubic, at least 2 MSS; cwnd = ssthresh. RFC
    // 9002 §7.2 makes kMinimumWindow the floor for losses and ECN-CE alike.
    const minimum = kMinimumWindow(this.maxDatagramSize);
    this.ssthresh = Math.max(cwnd * CUBIC_BETA, minimum);
    this.cwnd = this.ssthresh;
    this.#resetOnNextEpoch = false;
    this.#startEpoch(now);
  }

  /** Begin a congestion avoidance stage at `now` (RFC 9438 §4.2, §4.3, §4.8, §4.10). */
  #startEpoch(now: Instant): void {
    this.#epochStart = now;
    this.#wEst = this.cwnd;
    if (this.#wMax === undefined || this.#resetOnNextEpoch) {
      this.#wMax = this.cwnd;
      this.#k = 0;
    } else {
      this.#k = cubicK(this.#wMax, this.cwnd, this.maxDatagramSize);
    }
    this.#cwndPrior ??= this.cwnd;
    this.#resetOnNextEpoch = false;
  }

  /** One acknowledged packet in congestion avoidance (RFC 9438 §4.2-§4.5). */
  #congestionAvoidance(now: Instant, ackedBytes: number, smoothedRtt: number): void {
    if (this.#epochStart === undefined) this.#startEpoch(now);
    const mss = this.maxDatagramSize;
    const wMax = this.#wMax ?? this.cwnd;
    const t = Math.max(0, now - (this.#epochStart ?? now)) / 1_000_000;
    const rttSeconds = Math.max(0, smoothedRtt) / 1_000_000;
    // RFC 9438 §4.2: target is W_cubic(t + RTT), bounded by cwnd and 1.5 * cwnd.
    const target = Math.min(1.5 * this.cwnd, Math.max(this.cwnd, wCubic(t + rttSeconds, this.#k, wMax, mss)));
    // RFC 9438 §4.3: "the sender SHOULD set alpha_cubic to 1" once W_est >= cwnd_prior.
    const alpha = this.#cwndPrior !== undefined && this.#wEst >= this.#cwndPrior ? 1 : CUBIC_ALPHA;
    this.#wEst += (alpha * ackedBytes * mss) / this.cwnd;
    if (wCubic(t, this.#k, wMax, mss) < this.#wEst) {
      // RFC 9438 §4.3: in the Reno-friendly region "cwnd SHOULD be set to W_est".
      this.cwnd = Math.max(this.cwnd, this.#wEst);
    } else {
      // RFC 9438 §4.4/§4.5: cwnd "MUST be incremented by (target - cwnd) / cwnd" per segment.
      this.cwnd += ((target - this.cwnd) * ackedBytes) / this.cwnd;
    }
  }
}
