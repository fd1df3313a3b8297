/**
 * Stream concurrency limits (RFC 9000 §4.6, §19.11 MAX_STREAMS, §19.14 STREAMS_BLOCKED), one
 * instance per direction (bidirectional / unidirectional):
 *
 * - `LocalStreamLimit`: streams we open, up to the peer's MAX_STREAMS; beyond it `tryOpen`
 *   refuses and STREAMS_BLOCKED is queued once per limit value. Frames naming one of our streams
 *   not yet opened are a STREAM_STATE_ERROR.
 * - `RemoteStreamLimit`: streams the peer opens, within the limit we advertised (else
 *   STREAM_LIMIT_ERROR); opening stream n implicitly opens every lower-numbered one of its type
 *   (RFC 9000 §3.2); as streams close, the limit is raised (MAX_STREAMS) so that at most
 *   `maxConcurrent` are open at once, however many are opened over the connection's life.
 */
import type { Writer } from '../util/bytes.js';
import { TransportError, TransportErrorCode } from '../wire/errors.js';
import { writeFrameIfFits } from './frame-writer.js';
import { MAX_STREAM_COUNT } from './stream-id.js';
import type { MaxStreamsToken, StreamsBlockedToken } from './tokens.js';

/** Streams we open of one type, bounded by the peer's MAX_STREAMS. */
export class LocalStreamLimit {
  /** Bidirectional or unidirectional. */
  readonly bidi: boolean;
  /** The peer's current limit: stream indexes below it may be opened. */
  maxStreams: number;
  /** Number of streams opened so far (the next index). */
  opened = 0;
  private blockedSentAt: number | undefined;
  private blockedPending = false;

  /** @param initialMaxStreams the peer's initial_max_streams_bidi / _uni transport parameter. */
  constructor(bidi: boolean, initialMaxStreams: number) {
    this.bidi = bidi;
    this.maxStreams = Math.min(initialMaxStreams, MAX_STREAM_COUNT);
  }

  /** How many more streams may be opened now. */
  get available(): number {
    return this.maxStreams - this.opened;
  }

  /**
   * Opens the next stream: returns its index, or undefined at the peer's limit (RFC 9000 §4.6:
   * "Endpoints MUST NOT exceed the limit set by their peer"), queueing STREAMS_BLOCKED once for
   * this limit (RFC 9000 §4.6: "An endpoint that is unable to open a new stream due to the peer's
   * limits SHOULD send a STREAMS_BLOCKED frame").
   */
  tryOpen(): number | undefined {
    if (this.opened >= this.maxStreams) {
      if (this.blockedSentAt !== this.maxStreams) this.blockedPending = true;
      return undefined;
    }
    return this.opened++;
  }

  /**
   * MAX_STREAMS received (RFC 9000 §4.6: "MAX_STREAMS frames that do not increase the stream limit
   * MUST be ignored"). The frame decoder already refuses values above 2^60. Returns true if raised.
   */
  onMaxStreams(maximum: number): boolean {
    if (maximum <= this.maxStreams) return false;
    this.maxStreams = Math.min(maximum, MAX_STREAM_COUNT);
    this.blockedPending = false;
    return true;
  }

  /**
   * Checks a frame naming our stream with index `index`: RFC 9000 §19.8 "An endpoint MUST
   * terminate the connection with error STREAM_STATE_ERROR if it receives a STREAM frame for a
   * locally initiated stream that has not yet been created" (likewise §19.4, §19.5, §19.10, §19.13).
   */
  checkPeerReference(index: number, frameType: number): void {
    if (index >= this.opened) {
      throw new TransportError(TransportErrorCode.STREAM_STATE_ERROR, frameType, `frame for local ${this.bidi ? 'bidi' : 'uni'} stream index ${index} not yet opened`);
    }
  }

  /** Writes STREAMS_BLOCKED (RFC 9000 §19.14) if one is due and fits. */
  writeFrame(w: Writer): StreamsBlockedToken | undefined {
    if (!this.blockedPending || this.opened < this.maxStreams) return undefined;
    const limit = this.maxStreams;
    if (!writeFrameIfFits(w, { type: 'streams_blocked', bidi: this.bidi, limit })) return undefined;
    this.blockedPending = false;
    this.blockedSentAt = limit;
    return { kind: 'streams_blocked', bidi: this.bidi, limit };
  }

  /** STREAMS_BLOCKED lost: resent only if still blocked at that limit (RFC 9000 §13.3). */
  onLost(token: StreamsBlockedToken): void {
    if (token.limit === this.maxStreams && this.opened >= this.maxStreams) this.blockedPending = true;
  }
}

/** Streams the peer opens of one type, bounded by the limit we advertise. */
export class RemoteStreamLimit {
  /** Bidirectional or unidirectional. */
  readonly bidi: boolean;
  /** How many peer streams may be open at once (our initial_max_streams transport parameter). */
  readonly maxConcurrent: number;
  /** The limit advertised so far (transport parameter, then MAX_STREAMS). */
  maxStreams: number;
  /** Number of peer streams opened (explicitly or implicitly) so far: the next index. */
  opened = 0;
  /** Number of peer streams closed so far. */
  closed = 0;
  private lostLimit = false;

  constructor(bidi: boolean, maxConcurrent: number) {
    this.bidi = bidi;
    this.maxConcurrent = Math.min(maxConcurrent, MAX_STREAM_COUNT);
    this.maxStreams = this.maxConcurrent;
  }

  /**
   * A frame names peer stream `index`. Returns the indexes it opens, [from, to) (empty when
   * already opened): RFC 9000 §3.2 "Before a stream is created, all streams of the same type with
   * lower- numbered stream IDs MUST be created."
   * @throws TransportError STREAM_LIMIT_ERROR beyond our limit.
   */
  onPeerStream(index: number, frameType: number): { readonly from: number; readonly to: number } {
    // RFC 9000 §4.6: "An endpoint that receives a frame with a stream ID exceeding the limit it has
    // sent MUST treat this as a connection error of type STREAM_LIMIT_ERROR".
    if (index >= this.maxStreams) {
      throw new TransportError(TransportErrorCode.STREAM_LIMIT_ERROR, frameType, `peer ${this.bidi ? 'bidi' : 'uni'} stream index ${index} beyond limit ${this.maxStreams}`);
    }
    const from = this.opened;
    if (index < from) return { from, to: from };
    this.opened = index + 1;
    return { from, to: this.opened };
  }

  /** A peer stream was closed (both parts terminal and released): room for one more. */
  onStreamClosed(): void {
    if (this.closed < this.opened) this.closed++;
  }

  /** The limit we would advertise now: closed streams plus the concurrency window. */
  private get target(): number {
    return Math.min(this.closed + this.maxConcurrent, MAX_STREAM_COUNT);
  }

  /**
   * True when MAX_STREAMS is worth sending: half the concurrency window has been freed since the
   * last advertisement (batching, as quinn and neqo do), or the last one was lost.
   */
  get wantsUpdate(): boolean {
    const gained = this.target - this.maxStreams;
    return this.lostLimit || (gained > 0 && gained >= Math.max(1, Math.floor(this.maxConcurrent / 2)));
  }

  /** Writes MAX_STREAMS (RFC 9000 §19.11) if an update is due and fits. */
  writeFrame(w: Writer): MaxStreamsToken | undefined {
    if (!this.wantsUpdate) return undefined;
    const maximum = Math.max(this.maxStreams, this.target);
    if (!writeFrameIfFits(w, { type: 'max_streams', bidi: this.bidi, maximum })) return undefined;
    this.maxStreams = maximum;
    this.lostLimit = false;
    return { kind: 'max_streams', bidi: this.bidi, maximum };
  }

  /** MAX_STREAMS lost: resent only if it is still the latest limit (RFC 9000 §13.3). */
  onLost(token: MaxStreamsToken): void {
    if (token.maximum === this.maxStreams) this.lostLimit = true;
  }
}
