/**
 * A token-bucket pacer (RFC 9002 §7.7: "One possible implementation strategy for pacing uses a
 * leaky bucket algorithm, where the capacity of the 'bucket' is limited to the maximum burst size
 * and the rate the 'bucket' fills is determined by the above function").
 *
 * The fill rate is the controller's `pacingRate()` (N * congestion_window / smoothed_rtt), handed
 * in with `setRate`; with no rate (no RTT sample yet) sending is not paced. Tokens are bytes.
 *
 * Burst. The driver's timers are millisecond-grained (Node), so it wakes at most about once per
 * millisecond and must be able to release what the rate allows in that time in one go. The
 * bucket's capacity is therefore max(burstDatagrams * max_datagram_size, rate * timerGranularity):
 * by default 10 datagrams (about RFC 9002 §7.2's initial window, "Senders SHOULD limit bursts to
 * the initial congestion window") or one 1 ms tick's worth at the current rate, whichever is
 * larger. Both are configurable. A single datagram is always allowed once the bucket is full, so
 * a datagram larger than the capacity cannot stall the sender.
 *
 * RFC 9002 §7.7: "packets containing only ACK frames SHOULD therefore not be paced": the caller
 * simply does not consult the pacer for them (and may still report them with `onSend`; tokens
 * never go below zero).
 *
 * Pure and Instant-driven (DESIGN §1).
 */
import type { Duration, Instant } from '../util/time.js';
import { millis } from '../util/time.js';
import { checkMaxDatagramSize } from './window.js';

/** Pacer options. */
export interface PacerConfig {
  /** The path's max_datagram_size (RFC 9002 B.2). */
  readonly maxDatagramSize: number;
  /** Minimum burst, in datagrams. Default 10. */
  readonly burstDatagrams?: number;
  /** The driver's timer granularity: the bucket holds at least this long's worth. Default 1 ms. */
  readonly timerGranularity?: Duration;
}

/** A token bucket in bytes, refilled at the pacing rate. */
export class Pacer {
  #maxDatagramSize: number;
  readonly #burstDatagrams: number;
  readonly #granularity: Duration;
  #rate: number | undefined = undefined;
  #tokens: number;
  #lastUpdate: Instant | undefined = undefined;
  /** `capacity`, recomputed when the rate or the datagram size changes (it is read several times per datagram). */
  #capacity: number;

  /** Starts with a full bucket and no rate (unpaced). */
  constructor(config: PacerConfig) {
    this.#maxDatagramSize = checkMaxDatagramSize(config.maxDatagramSize);
    const burst = config.burstDatagrams ?? 10;
    if (!Number.isSafeInteger(burst) || burst < 1) throw new RangeError(`burstDatagrams must be >= 1, got ${burst}`);
    this.#burstDatagrams = burst;
    const granularity = config.timerGranularity ?? millis(1);
    if (!(granularity >= 0)) throw new RangeError(`timerGranularity must be >= 0, got ${granularity}`);
    this.#granularity = granularity;
    this.#capacity = this.#computeCapacity();
    this.#tokens = this.#capacity;
  }

  /** The fill rate in bytes per second, or undefined when not pacing. */
  get rate(): number | undefined {
    return this.#rate;
  }

  /** The bucket size in bytes: max(burstDatagrams * max_datagram_size, rate * timerGranularity). */
  get capacity(): number {
    return this.#capacity;
  }

  #computeCapacity(): number {
    const floor = this.#burstDatagrams * this.#maxDatagramSize;
    if (this.#rate === undefined) return floor;
    return Math.max(floor, Math.ceil((this.#rate * this.#granularity) / 1_000_000));
  }

  /** The tokens (bytes) available at `now`, never negative and never above the capacity. */
  tokens(now: Instant): number {
    if (this.#rate === undefined || this.#lastUpdate === undefined) return Math.min(this.#tokens, this.capacity);
    const dt = Math.max(0, now - this.#lastUpdate);
    return Math.min(this.capacity, this.#tokens + (this.#rate * dt) / 1_000_000);
  }

  /**
   * Sets the fill rate (bytes per second; from CongestionController.pacingRate), keeping the
   * tokens earned at the old rate up to `now`. Undefined, zero, negative or non-finite rates switch
   * pacing off.
   */
  setRate(now: Instant, bytesPerSecond: number | undefined): void {
    this.#tokens = this.tokens(now);
    this.#lastUpdate = now;
    this.#rate = bytesPerSecond !== undefined && Number.isFinite(bytesPerSecond) && bytesPerSecond > 0 ? bytesPerSecond : undefined;
    this.#capacity = this.#computeCapacity();
    this.#tokens = Math.min(this.#tokens, this.capacity);
  }

  /** The path's max_datagram_size changed (the burst floor scales with it). */
  setMaxDatagramSize(size: number): void {
    this.#maxDatagramSize = checkMaxDatagramSize(size);
    this.#capacity = this.#computeCapacity();
  }

  /** May a datagram of `bytes` leave at `now`? Always true when not pacing. */
  canSend(now: Instant, bytes: number): boolean {
    const rate = this.#rate;
    if (rate === undefined) return true;
    // A thousandth of a microsecond's worth of tokens absorbs float rounding, so that
    // canSend(nextSendTime(...)) holds despite rounding in the token arithmetic.
    return this.tokens(now) + rate * 1e-9 >= this.#needed(bytes);
  }

  /**
   * When a datagram of `bytes` may leave: undefined if it may leave now (no pacing timer needed),
   * otherwise the earliest Instant (rounded up to whole microseconds) at which `canSend` is true.
   */
  nextSendTime(now: Instant, bytes: number): Instant | undefined {
    const rate = this.#rate;
    if (rate === undefined || this.canSend(now, bytes)) return undefined;
    const deficit = this.#needed(bytes) - this.tokens(now);
    return (now + Math.max(1, Math.ceil((deficit * 1_000_000) / rate))) as Instant;
  }

  /** A datagram of `bytes` left at `now`: spend its tokens (clamped at zero). */
  onSend(now: Instant, bytes: number): void {
    this.#tokens = Math.max(0, this.tokens(now) - Math.max(0, bytes));
    this.#lastUpdate = now;
  }

  #needed(bytes: number): number {
    return Math.min(Math.max(0, bytes), this.capacity);
  }
}
