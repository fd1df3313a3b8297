/**
 * HyStart++ (draft-ietf-tcpm-hystartplusplus-04 §4, the slow start RFC 9438 §4.10 says CUBIC
 * SHOULD use): slow start with a delay-increase exit into Conservative Slow Start (CSS), and from
 * CSS either back to slow start (the RTT came down again) or on to congestion avoidance after
 * CSS_ROUNDS rounds.
 *
 * Rounds. §4.2 counts rounds in sequence numbers: "When windowEnd is ACKed, the current round
 * ends and windowEnd is set to SND.NXT", i.e. a round ends when a packet sent after the round
 * started is acknowledged. QUIC packet numbers are per packet number space and the controller is
 * shared by all spaces, so this module uses send times instead: a round started at `roundStart`
 * ends when an acknowledged packet has `timeSent >= roundStart`. (`>=` rather than `>` because on
 * a virtual clock the packets released by an ACK carry the ACK's own instant.)
 *
 * One call to `onAck` is one "arriving ACK" of §4.2 and contributes one RTT sample (latest_rtt).
 * The cwnd increase limit L of RFC 3465 is not applied: RFC 9002 §7.3.1 grows by all acked bytes.
 */
import type { Duration, Instant } from '../util/time.js';
import { millis } from '../util/time.js';
import type { CongestionPacket } from './controller.js';

/** draft-ietf-tcpm-hystartplusplus-04 §4.3 tuning constants (the RECOMMENDED values). */
export const HYSTART = {
  MIN_RTT_THRESH: millis(4),
  MAX_RTT_THRESH: millis(16),
  MIN_RTT_DIVISOR: 8,
  N_RTT_SAMPLE: 8,
  CSS_GROWTH_DIVISOR: 4,
  CSS_ROUNDS: 5,
} as const;

/** Where HyStart++ is: standard slow start, Conservative Slow Start, or finished for good. */
export const HyStartPhase = {
  SlowStart: 'slow-start',
  ConservativeSlowStart: 'conservative-slow-start',
  Done: 'done',
} as const;
/** A value of {@link HyStartPhase}. */
export type HyStartPhase = (typeof HyStartPhase)[keyof typeof HyStartPhase];

/** HyStart++ state for one connection's initial slow start (draft-04 §4.2). */
export class HyStartPlusPlus {
  #phase: HyStartPhase = HyStartPhase.SlowStart;
  #roundStart: Instant | undefined = undefined;
  #lastRoundMinRtt = Infinity;
  #currentRoundMinRtt = Infinity;
  #rttSampleCount = 0;
  #cssBaselineMinRtt = Infinity;
  #cssRounds = 0;

  /** The current phase. */
  get phase(): HyStartPhase {
    return this.#phase;
  }

  /**
   * Divide slow-start growth by this (draft-04 §4.2: in CSS "cwnd = cwnd + (min (N, L * SMSS) /
   * CSS_GROWTH_DIVISOR)"); 1 otherwise.
   */
  get growthDivisor(): number {
    return this.#phase === HyStartPhase.ConservativeSlowStart ? HYSTART.CSS_GROWTH_DIVISOR : 1;
  }

  /** The number of CSS rounds begun so far, counting the partial round CSS was entered in. */
  get cssRounds(): number {
    return this.#cssRounds;
  }

  /**
   * One arriving ACK during slow start (before the window grows for it). Returns true when
   * HyStart++ ends slow start: "If CSS_ROUNDS rounds are complete, enter congestion avoidance.
   * ssthresh = cwnd" (the caller sets ssthresh).
   */
  onAck(now: Instant, acked: readonly CongestionPacket[], latestRtt: Duration): boolean {
    if (this.#phase === HyStartPhase.Done) return false;
    if (this.#roundEnded(acked)) {
      if (this.#phase === HyStartPhase.ConservativeSlowStart) {
        // draft-04 §4.2: "CSS lasts at most CSS_ROUNDS rounds. If the transition into CSS
        // happens in the middle of a round, that partial round counts towards the limit."
        if (this.#cssRounds >= HYSTART.CSS_ROUNDS) {
          this.#phase = HyStartPhase.Done;
          return true;
        }
        this.#cssRounds += 1;
      }
      // "At the start of each round during standard slow start and CSS".
      this.#lastRoundMinRtt = this.#currentRoundMinRtt;
      this.#currentRoundMinRtt = Infinity;
      this.#rttSampleCount = 0;
      this.#roundStart = now;
    }
    this.#currentRoundMinRtt = Math.min(this.#currentRoundMinRtt, latestRtt);
    this.#rttSampleCount += 1;
    if (this.#rttSampleCount < HYSTART.N_RTT_SAMPLE) return false;
    if (this.#phase === HyStartPhase.SlowStart) {
      if (this.#currentRoundMinRtt === Infinity || this.#lastRoundMinRtt === Infinity) return false;
      // "RttThresh = clamp(MIN_RTT_THRESH, lastRoundMinRTT / 8, MAX_RTT_THRESH)"
      const rttThresh = Math.min(
        HYSTART.MAX_RTT_THRESH,
        Math.max(HYSTART.MIN_RTT_THRESH, this.#lastRoundMinRtt / HYSTART.MIN_RTT_DIVISOR),
      );
      if (this.#currentRoundMinRtt >= this.#lastRoundMinRtt + rttThresh) {
        this.#cssBaselineMinRtt = this.#currentRoundMinRtt;
        this.#phase = HyStartPhase.ConservativeSlowStart;
        this.#cssRounds = 1;
      }
    } else if (this.#currentRoundMinRtt < this.#cssBaselineMinRtt) {
      // "if (currentRoundMinRTT < cssBaselineMinRtt): cssBaselineMinRtt = infinity; resume slow
      // start including HyStart++"
      this.#cssBaselineMinRtt = Infinity;
      this.#phase = HyStartPhase.SlowStart;
      this.#cssRounds = 0;
    }
    return false;
  }

  /**
   * draft-04 §4.2: "If loss or ECN-marking is observed anytime during standard slow start or CSS,
   * enter congestion avoidance"; §4.3: HyStart++ is used only for the initial slow start.
   */
  onCongestionEvent(): void {
    this.#phase = HyStartPhase.Done;
  }

  #roundEnded(acked: readonly CongestionPacket[]): boolean {
    const start = this.#roundStart;
    if (start === undefined) return true;
    for (const p of acked) if (p.timeSent >= start) return true;
    return false;
  }
}
