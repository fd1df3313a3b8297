/**
 * Flow control (RFC 9000 §4): the receive-window logic shared by streams and the connection
 * (advertising MAX_STREAM_DATA / MAX_DATA as the application reads, with window auto-tuning), and
 * the connection-level sender credit (MAX_DATA from the peer, DATA_BLOCKED) and receiver limit.
 *
 * Window auto-tuning (RFC 9000 §4.2: "Implementations decide when and how much credit to
 * advertise"; "A receiver can use an autotuning mechanism to tune the frequency and amount of
 * advertised additional credit based on a round-trip time estimate and the rate at which the
 * receiving application consumes data"): a receive window of `window` bytes is advertised as
 * `consumed + window`, and a new limit is due once the consumer has read past half the window
 * (early enough "to allow time for loss of the frame and subsequent recovery", and without a
 * stream of small updates). If the previous update went out less than two round-trip times before
 * this one, the consumer reads faster than the window lets the peer send per RTT, so the window
 * doubles, up to `maxWindow` (the rule quinn and neqo use). Deterministic: time and RTT are inputs.
 * The receiver never waits for a *_BLOCKED frame before updating (RFC 9000 §4.2: "a receiver
 * MUST NOT wait for a STREAM_DATA_BLOCKED or DATA_BLOCKED frame before sending a MAX_STREAM_DATA
 * or MAX_DATA frame").
 */
import type { Writer } from '../util/bytes.js';
import { elapsed, type Duration, type Instant } from '../util/time.js';
import { MAX_VARINT } from '../util/varint.js';
import { TransportError, TransportErrorCode } from '../wire/errors.js';
import type { FrameType } from '../wire/frame-types.js';
import { encodeFrame, sizeOfFrame } from '../wire/frames.js';
import { writeFrameIfFits } from './frame-writer.js';
import type { DataBlockedToken, MaxDataToken } from './tokens.js';

/** Sizes of a receive window. */
export interface ReceiveWindowConfig {
  /** The limit advertised in the transport parameters, and the initial window. */
  readonly initialWindow: number;
  /** How large auto-tuning may grow the window (at least `initialWindow`). */
  readonly maxWindow: number;
}

/** The receiving side of one flow controller: the advertised limit and when to raise it. */
export class ReceiveWindow {
  /** The highest limit advertised so far (MAX_STREAM_DATA / MAX_DATA value). */
  limit: number;
  /** Current window size; grows by auto-tuning up to `maxWindow`. */
  window: number;
  /** Upper bound for `window`. */
  readonly maxWindow: number;
  /** Bytes the consumer has released (read or discarded). */
  consumed = 0;
  private lastUpdate: Instant | undefined;
  private lostLimit = false;

  constructor(config: ReceiveWindowConfig) {
    this.limit = config.initialWindow;
    this.window = config.initialWindow;
    this.maxWindow = Math.max(config.maxWindow, config.initialWindow);
  }

  /** Records that `n` more bytes were released by the consumer. */
  release(n: number): void {
    this.consumed += n;
  }

  /** True when the consumer has read past half the window (a new limit is worth sending). */
  get triggered(): boolean {
    return this.limit < MAX_VARINT && this.limit - this.consumed <= this.window / 2;
  }

  /** True when a limit update should be sent: read past half the window, or the last one was lost. */
  get wantsUpdate(): boolean {
    return this.triggered || this.lostLimit;
  }

  /** The largest value `takeUpdate` could return now (to check that its frame fits first). */
  get largestUpdate(): number {
    return Math.min(MAX_VARINT, Math.max(this.limit, this.consumed + Math.min(this.window * 2, this.maxWindow)));
  }

  /**
   * The limit to advertise now; auto-tunes the window when the update is triggered by reading
   * (see the module comment) and records it as advertised.
   */
  takeUpdate(now: Instant, rtt: Duration): number {
    if (this.triggered) {
      if (this.lastUpdate !== undefined && elapsed(this.lastUpdate, now) < 2 * rtt) {
        this.window = Math.min(this.window * 2, this.maxWindow);
      }
      this.lastUpdate = now;
    }
    this.lostLimit = false;
    this.limit = Math.min(MAX_VARINT, Math.max(this.limit, this.consumed + this.window));
    return this.limit;
  }

  /**
   * A packet carrying `maximum` was lost: RFC 9000 §13.3 "An updated value is sent in a MAX_DATA
   * frame if the packet containing the most recently sent MAX_DATA frame is declared lost" (and
   * likewise for MAX_STREAM_DATA); an older value is superseded by a newer one and not resent.
   */
  onLost(maximum: number): void {
    if (maximum === this.limit) this.lostLimit = true;
  }

  /** Stops any pending update (the stream no longer needs credit: size known, reset, stopped). */
  cancel(): void {
    this.lostLimit = false;
  }
}

/**
 * The connection-level receive limit (RFC 9000 §4.1): the sum of the highest offsets received on
 * every stream must stay within the MAX_DATA we advertised; MAX_DATA grows as the application reads.
 */
export class ConnectionRecvFlow {
  /** Sum over streams of the highest offset received (or final size). */
  received = 0;
  /** The window logic. */
  readonly window: ReceiveWindow;

  constructor(config: ReceiveWindowConfig) {
    this.window = new ReceiveWindow(config);
  }

  /** Our advertised MAX_DATA. */
  get limit(): number {
    return this.window.limit;
  }

  /**
   * Accounts `delta` new bytes of flow-control credit consumed by the peer (a stream's highest
   * received offset grew by `delta`).
   * @throws TransportError FLOW_CONTROL_ERROR beyond our MAX_DATA.
   */
  onReceived(delta: number, frameType: FrameType | number): void {
    // RFC 9000 §4.1: "A receiver MUST close the connection with an error of type
    // FLOW_CONTROL_ERROR if the sender violates the advertised connection or stream data limits".
    if (this.received + delta > this.window.limit) {
      throw new TransportError(TransportErrorCode.FLOW_CONTROL_ERROR, frameType, `connection data ${this.received + delta} exceeds MAX_DATA ${this.window.limit}`);
    }
    this.received += delta;
  }

  /** The application consumed (or a reset discarded) `n` bytes: credit to give back. */
  onConsumed(n: number): void {
    this.window.release(n);
  }

  /** Writes MAX_DATA if an update is due and fits; returns its token. */
  writeFrame(w: Writer, now: Instant, rtt: Duration): MaxDataToken | undefined {
    if (!this.window.wantsUpdate) return undefined;
    if (sizeOfFrame({ type: 'max_data', maximum: this.window.largestUpdate }) > w.remaining) return undefined;
    const maximum = this.window.takeUpdate(now, rtt);
    encodeFrame(w, { type: 'max_data', maximum });
    return { kind: 'max_data', maximum };
  }

  /** A MAX_DATA frame was lost. */
  onLost(token: MaxDataToken): void {
    this.window.onLost(token.maximum);
  }
}

/**
 * The connection-level sender credit (RFC 9000 §4.1): new stream data across all streams never
 * exceeds the peer's MAX_DATA; DATA_BLOCKED is sent once per limit value when credit runs out.
 */
export class ConnectionSendFlow {
  /** The peer's MAX_DATA. */
  limit: number;
  /** Bytes of new stream data sent so far (sum of the streams' highest sent offsets). */
  used = 0;
  private blockedSentAt: number | undefined;
  private blockedPending = false;

  /** @param initialMaxData the peer's initial_max_data transport parameter. */
  constructor(initialMaxData: number) {
    this.limit = initialMaxData;
  }

  /** Credit left for new data. */
  get available(): number {
    return this.limit - this.used;
  }

  /** Records `n` bytes of new stream data sent. */
  consume(n: number): void {
    // RFC 9000 §4.1: "Senders MUST NOT send data in excess of either limit."
    if (n > this.available) throw new Error(`connection flow control: ${n} bytes exceed credit ${this.available}`);
    this.used += n;
  }

  /** MAX_DATA received; "A sender MUST ignore any MAX_STREAM_DATA or MAX_DATA frames that do not increase flow control limits" (RFC 9000 §4.1). Returns true if the limit grew. */
  onMaxData(maximum: number): boolean {
    if (maximum <= this.limit) return false;
    this.limit = maximum;
    this.blockedPending = false;
    return true;
  }

  /**
   * A stream had data to send but no connection credit: queue DATA_BLOCKED once for this limit
   * (RFC 9000 §4.1: "A sender SHOULD send a ... DATA_BLOCKED frame ... to indicate to the receiver
   * that it has data to write but is blocked by flow control limits").
   */
  markBlocked(): void {
    if (this.available <= 0 && this.blockedSentAt !== this.limit) this.blockedPending = true;
  }

  /** Writes DATA_BLOCKED if one is due and fits; returns its token. */
  writeFrame(w: Writer): DataBlockedToken | undefined {
    if (!this.blockedPending || this.available > 0) return undefined;
    if (!writeFrameIfFits(w, { type: 'data_blocked', limit: this.limit })) return undefined;
    this.blockedPending = false;
    this.blockedSentAt = this.limit;
    return { kind: 'data_blocked', limit: this.limit };
  }

  /** DATA_BLOCKED lost: resent only if still blocked at the same limit (RFC 9000 §13.3). */
  onLost(token: DataBlockedToken): void {
    if (token.limit === this.limit && this.available <= 0) this.blockedPending = true;
  }
}
