/**
 * The receiving part of a stream (RFC 9000 §3.2): ordered reassembly of STREAM frames (RFC 9000
 * §2.2) into a buffer bounded by the flow-control window we advertised (RFC 9000 §4.1), final
 * size rules (RFC 9000 §4.5), RESET_STREAM (RFC 9000 §19.4), STOP_SENDING (RFC 9000 §3.5, §19.5)
 * and MAX_STREAM_DATA updates with window auto-tuning (see flow-control.ts).
 *
 * STREAM frame data is a view into the datagram (DESIGN §4): what is kept is copied into the
 * stream's own buffer. The buffer holds offsets [readOffset, MAX_STREAM_DATA) at most, so its
 * memory is bounded by the window (it grows by doubling, at most twice the window).
 *
 * States (RFC 9000 §3.2 Figure 3):
 *   recv --STREAM+FIN--> size_known --all data received--> data_recvd --app read all--> data_read
 *   recv | size_known --RESET_STREAM--> reset_recvd --app sees the reset (read())--> reset_read
 * In data_recvd a RESET_STREAM is ignored (RFC 9000 §3.2 allows keeping the data).
 */
import type { Writer } from '../util/bytes.js';
import { RangeSet } from '../util/range-set.js';
import type { Duration, Instant } from '../util/time.js';
import { TransportError, TransportErrorCode } from '../wire/errors.js';
import { FrameType } from '../wire/frame-types.js';
import { encodeFrame, sizeOfFrame, type ResetStreamFrame, type StreamFrame } from '../wire/frames.js';
import { ReceiveWindow, type ReceiveWindowConfig } from './flow-control.js';
import { writeFrameIfFits } from './frame-writer.js';
import type { RecvStreamToken } from './tokens.js';

/** The states of RFC 9000 §3.2, snake_case. */
export type RecvStreamState = 'recv' | 'size_known' | 'data_recvd' | 'data_read' | 'reset_recvd' | 'reset_read';

/** Configuration of a RecvStream. */
export interface RecvStreamConfig {
  readonly streamId: number;
  /** Our initial MAX_STREAM_DATA for this stream (transport parameter) and how far it may grow. */
  readonly window: ReceiveWindowConfig;
  /** Most disjoint received ranges buffered out of order (default `MAX_RECV_FRAGMENTS`). */
  readonly maxFragments?: number;
}

/**
 * Default cap on the disjoint ranges a stream buffers out of order (RFC 9000 §21.7: "QUIC
 * deployments SHOULD provide mitigations for stream fragmentation attacks. Mitigations could
 * consist of ... limiting the size of tracking data structures"). An honest sender leaves a hole
 * per lost packet of the stream in flight; 1,024 holes in one stream's window is far beyond that.
 */
export const MAX_RECV_FRAGMENTS = 1024;

const EMPTY = new Uint8Array(0);

/** The receiving part of one stream (RFC 9000 §3.2). */
export class RecvStream {
  /** The stream ID. */
  readonly streamId: number;
  /** Current state (RFC 9000 §3.2). */
  state: RecvStreamState = 'recv';
  /** The final size, once known (RFC 9000 §4.5). */
  finalSize: number | undefined;
  /** The peer's RESET_STREAM error code, once reset. */
  resetCode: number | undefined;
  /** The code we asked the peer to stop with, once `stopSending` was called. */
  stopSendingCode: number | undefined;
  /** Bytes delivered to the application so far (the next offset `read` returns). */
  readOffset = 0;
  /** Highest offset received + 1 (or the final size): the peer's consumed credit (RFC 9000 §4.5). */
  highestOffset = 0;
  /** The stream-level receive window (our MAX_STREAM_DATA). */
  readonly window: ReceiveWindow;

  private buf: Uint8Array = EMPTY;
  private bufBase = 0;
  /** Offsets received at or above `readOffset`. */
  private readonly received = new RangeSet();
  private stopSendingPending = false;
  private released = 0;
  private readonly maxFragments: number;

  constructor(config: RecvStreamConfig) {
    this.streamId = config.streamId;
    this.window = new ReceiveWindow(config.window);
    this.maxFragments = Math.max(1, config.maxFragments ?? MAX_RECV_FRAGMENTS);
  }

  /** Disjoint ranges buffered at or above the read offset (the reassembly structure's size). */
  get fragmentCount(): number {
    return this.received.length;
  }

  /** Our current MAX_STREAM_DATA for this stream. */
  get maxStreamData(): number {
    return this.window.limit;
  }

  /** True once the application has read every byte and the end of the stream (data_read). */
  get isFinished(): boolean {
    return this.state === 'data_read';
  }

  /** True in a terminal state (data_read, reset_read). */
  get isClosed(): boolean {
    return this.state === 'data_read' || this.state === 'reset_read';
  }

  /** True if `writeControlFrame` has a frame due (STOP_SENDING or MAX_STREAM_DATA). */
  get hasControlFrames(): boolean {
    return this.stopSendingPending || (this.state === 'recv' && this.stopSendingCode === undefined && this.window.wantsUpdate);
  }

  /** Contiguous bytes `read` could return now. */
  get readableBytes(): number {
    const start = this.received.startAt(0);
    return start !== undefined && start <= this.readOffset ? this.received.endAt(0)! - this.readOffset : 0;
  }

  /** Bytes of buffer memory held. */
  get bufferSize(): number {
    return this.buf.length;
  }

  /**
   * Takes a STREAM frame (RFC 9000 §19.8). Returns how much the peer's consumed flow-control
   * credit grew (the increase of the highest offset), for the connection-level check.
   * @throws TransportError FLOW_CONTROL_ERROR beyond our MAX_STREAM_DATA; FINAL_SIZE_ERROR for a
   *   final size violation; PROTOCOL_VIOLATION for different data at an offset received before.
   */
  onStreamFrame(frame: StreamFrame): number {
    const end = frame.offset + frame.data.length;
    const type = FrameType.Stream;
    this.checkFinalSize(end, frame.fin, type);
    // RFC 9000 §4.1: "A receiver MUST close the connection with an error of type
    // FLOW_CONTROL_ERROR if the sender violates the advertised connection or stream data limits".
    if (end > this.window.limit) {
      throw new TransportError(TransportErrorCode.FLOW_CONTROL_ERROR, type, `stream ${this.streamId}: data up to ${end} exceeds MAX_STREAM_DATA ${this.window.limit}`);
    }
    const delta = Math.max(0, end - this.highestOffset);
    this.highestOffset += delta;
    if (this.state === 'reset_recvd' || this.state === 'reset_read') return delta;
    if (frame.fin && this.finalSize === undefined) {
      this.finalSize = end;
      // RFC 9000 §3.2: "When a STREAM frame with a FIN bit is received, the final size of the
      // stream is known ... The receiving part of the stream then enters the "Size Known" state."
      if (this.state === 'recv') this.state = 'size_known';
      this.window.cancel();
    }
    if (this.stopSendingCode !== undefined) {
      // Data after STOP_SENDING is discarded; its credit goes straight back.
      this.release(delta);
      this.readOffset = this.highestOffset;
    } else if (this.state === 'recv' || this.state === 'size_known') {
      const start = Math.max(frame.offset, this.readOffset);
      if (start < end) this.store(frame.data.subarray(start - frame.offset), start, end);
    }
    this.checkAllReceived();
    return delta;
  }

  /**
   * Takes a RESET_STREAM frame (RFC 9000 §19.4). Returns the growth of the peer's consumed
   * credit (final size minus the highest offset received before).
   * @throws TransportError FINAL_SIZE_ERROR or FLOW_CONTROL_ERROR.
   */
  onResetStream(frame: ResetStreamFrame): number {
    const type = FrameType.ResetStream;
    this.checkFinalSize(frame.finalSize, true, type);
    if (frame.finalSize > this.window.limit) {
      throw new TransportError(TransportErrorCode.FLOW_CONTROL_ERROR, type, `stream ${this.streamId}: final size ${frame.finalSize} exceeds MAX_STREAM_DATA ${this.window.limit}`);
    }
    const delta = frame.finalSize - this.highestOffset;
    this.highestOffset = frame.finalSize;
    this.finalSize = frame.finalSize;
    if (this.state !== 'recv' && this.state !== 'size_known') return delta;
    // RFC 9000 §3.2: "Receiving a RESET_STREAM frame in the "Recv" or "Size Known" state causes the
    // stream to enter the "Reset Recvd" state." Unread data is discarded and its credit released
    // (RFC 9000 §4.5: the final size accounts for all bytes in connection-level flow control).
    this.state = 'reset_recvd';
    this.resetCode = frame.errorCode;
    this.release(this.finalSize - this.readOffset);
    this.readOffset = this.finalSize;
    this.dropBuffer();
    this.window.cancel();
    this.stopSendingPending = false;
    return delta;
  }

  /**
   * Returns up to `max` contiguous bytes (a copy), or undefined when none are readable. When the
   * stream was reset, returns undefined and moves reset_recvd to reset_read (the application has
   * seen the reset: check `resetCode`). After the last byte and FIN, the state is data_read.
   */
  read(max: number = Number.MAX_SAFE_INTEGER): Uint8Array | undefined {
    if (this.state === 'reset_recvd') {
      // RFC 9000 §3.2: "Once the application receives the signal indicating that the stream was
      // reset, the receiving part of the stream transitions to the "Reset Read" state".
      this.state = 'reset_read';
      return undefined;
    }
    if (this.state === 'reset_read' || this.state === 'data_read' || this.stopSendingCode !== undefined) return undefined;
    const n = Math.min(max, this.readableBytes);
    let out: Uint8Array | undefined;
    if (n > 0) {
      const at = this.readOffset - this.bufBase;
      out = this.buf.slice(at, at + n);
      this.readOffset += n;
      this.received.removeBelow(this.readOffset);
      this.release(n);
    }
    if (this.state === 'data_recvd' && this.readOffset === this.finalSize) {
      // RFC 9000 §3.2: "Once stream data has been delivered, the stream enters the "Data Read"
      // state, which is a terminal state."
      this.state = 'data_read';
      this.dropBuffer();
    }
    return out;
  }

  /**
   * Asks the peer to stop sending (RFC 9000 §3.5, §19.5): queues STOP_SENDING with `errorCode`
   * and discards what is buffered and what arrives later. Only useful in recv / size_known
   * (RFC 9000 §3.5: "STOP_SENDING SHOULD only be sent for a stream that has not been reset by the
   * peer"); returns false (nothing sent) otherwise or when already asked.
   */
  stopSending(errorCode: number): boolean {
    if (this.stopSendingCode !== undefined || (this.state !== 'recv' && this.state !== 'size_known')) return false;
    this.stopSendingCode = errorCode;
    this.stopSendingPending = true;
    this.release(this.highestOffset - this.readOffset);
    this.readOffset = this.highestOffset;
    this.dropBuffer();
    this.window.cancel();
    return true;
  }

  /**
   * Credit released since the last call (bytes read, or discarded by a reset or STOP_SENDING):
   * the connection gives it back through MAX_DATA.
   */
  takeReleasedCredit(): number {
    const n = this.released;
    this.released = 0;
    return n;
  }

  /**
   * Writes one control frame this stream owes: STOP_SENDING (RFC 9000 §19.5) or MAX_STREAM_DATA
   * (RFC 9000 §19.10, when the application read past half the window; `now` and `rtt` drive
   * auto-tuning). Returns its token, or undefined.
   */
  writeControlFrame(w: Writer, now: Instant, rtt: Duration): RecvStreamToken | undefined {
    if (this.stopSendingPending) {
      const errorCode = this.stopSendingCode ?? 0;
      if (!writeFrameIfFits(w, { type: 'stop_sending', streamId: this.streamId, errorCode })) return undefined;
      this.stopSendingPending = false;
      return { kind: 'stop_sending', streamId: this.streamId, errorCode };
    }
    // RFC 9000 §3.2: in Size Known "the endpoint no longer needs to send MAX_STREAM_DATA frames";
    // RFC 9000 §13.3: "An endpoint SHOULD stop sending MAX_STREAM_DATA frames when the receiving
    // part of the stream enters a "Size Known" or "Reset Recvd" state."
    if (this.state === 'recv' && this.stopSendingCode === undefined && this.window.wantsUpdate) {
      // Sized with the largest value the update can take, so the real frame surely fits.
      if (sizeOfFrame({ type: 'max_stream_data', streamId: this.streamId, maximum: this.window.largestUpdate }) > w.remaining) return undefined;
      const maximum = this.window.takeUpdate(now, rtt);
      encodeFrame(w, { type: 'max_stream_data', streamId: this.streamId, maximum });
      return { kind: 'max_stream_data', streamId: this.streamId, maximum };
    }
    return undefined;
  }

  /** The packet carrying `token` was acknowledged (nothing to do: these frames are idempotent). */
  onAcked(_token: RecvStreamToken): void {}

  /** The packet carrying `token` was lost: queue it again if still relevant (RFC 9000 §13.3). */
  onLost(token: RecvStreamToken): void {
    switch (token.kind) {
      case 'stop_sending':
        // RFC 9000 §13.3: a request to cancel stream transmission, "as encoded in a STOP_SENDING
        // frame, is sent until the receiving part of the stream enters either a "Data Recvd" or
        // "Reset Recvd" state".
        if (this.state === 'recv' || this.state === 'size_known') this.stopSendingPending = true;
        return;
      case 'max_stream_data':
        if (this.state === 'recv' && this.stopSendingCode === undefined) this.window.onLost(token.maximum);
        return;
      default:
        return assertNever(token);
    }
  }

  private checkFinalSize(end: number, fin: boolean, type: number): void {
    if (this.finalSize !== undefined) {
      // RFC 9000 §4.5: "If a RESET_STREAM or STREAM frame is received indicating a change in the
      // final size for the stream, an endpoint SHOULD respond with an error of type
      // FINAL_SIZE_ERROR"; "A receiver SHOULD treat receipt of data at or beyond the final size
      // as an error of type FINAL_SIZE_ERROR, even after a stream is closed."
      if (fin && end !== this.finalSize) throw this.finalSizeError(type, `final size changed from ${this.finalSize} to ${end}`);
      if (end > this.finalSize) throw this.finalSizeError(type, `data up to ${end} beyond final size ${this.finalSize}`);
    } else if (fin && end < this.highestOffset) {
      // RFC 9000 §19.4 / §4.5: a final size below data already received is a change of final size.
      throw this.finalSizeError(type, `final size ${end} below received offset ${this.highestOffset}`);
    }
  }

  private finalSizeError(type: number, reason: string): TransportError {
    return new TransportError(TransportErrorCode.FINAL_SIZE_ERROR, type, `stream ${this.streamId}: ${reason}`);
  }

  private release(n: number): void {
    if (n <= 0) return;
    this.released += n;
    this.window.release(n);
  }

  private checkAllReceived(): void {
    // RFC 9000 §3.2: "Once all data for the stream has been received, the receiving part enters the "Data Recvd" state."
    if (this.state !== 'size_known' || this.finalSize === undefined) return;
    if (this.readOffset === this.finalSize || this.received.covers(this.readOffset, this.finalSize)) {
      this.state = 'data_recvd';
      this.stopSendingPending = false;
    }
  }

  /** Copies `data` (offsets [start, end), all >= readOffset) in, checking overlaps are identical. */
  private store(data: Uint8Array, start: number, end: number): void {
    this.ensureCapacity(end);
    const buf = this.buf;
    const base = this.bufBase;
    // RFC 9000 §2.2: "An endpoint could receive data for a stream at the same stream offset
    // multiple times. Data that has already been received can be discarded. The data at a given
    // offset MUST NOT change if it is sent multiple times; an endpoint MAY treat receipt of
    // different data at the same offset within a stream as a connection error of type PROTOCOL_VIOLATION."
    const received = this.received;
    for (let i = received.indexAfter(start); i < received.length; i++) {
      const rangeStart = received.startAt(i)!;
      if (rangeStart >= end) break;
      const from = Math.max(rangeStart, start);
      const to = Math.min(received.endAt(i)!, end);
      for (let o = from; o < to; o++) {
        if (buf[o - base] !== data[o - start]) {
          throw new TransportError(TransportErrorCode.PROTOCOL_VIOLATION, FrameType.Stream, `stream ${this.streamId}: different data at offset ${o}`);
        }
      }
    }
    // RFC 9000 §21.7 (see MAX_RECV_FRAGMENTS): the reassembly structure is bounded, so each insert
    // costs at most O(maxFragments) and a flood of tiny non-contiguous frames ends the connection
    // before the structure grows past the cap. No error code fits a peer that stays within flow
    // control but fragments without bound; INTERNAL_ERROR (RFC 9000 §20.1: "The endpoint
    // encountered an internal error and cannot continue with the connection") says we gave up.
    // OpenSSL's QUIC stack bounds its reassembly list the same way and closes with INTERNAL_ERROR
    // (openssl/openssl pull request 32654).
    if (received.length >= this.maxFragments) {
      const nextStart = received.startAt(received.indexAfter(start - 1)); // first range with end >= start
      if (nextStart === undefined || nextStart > end) {
        throw new TransportError(TransportErrorCode.INTERNAL_ERROR, FrameType.Stream, `stream ${this.streamId}: more than ${this.maxFragments} out-of-order fragments`);
      }
    }
    buf.set(data, start - base);
    received.insert(start, end);
  }

  private ensureCapacity(end: number): void {
    if (end - this.bufBase <= this.buf.length) return;
    if (this.readOffset > this.bufBase) {
      // Shift unread data to the front.
      this.buf.copyWithin(0, this.readOffset - this.bufBase);
      this.bufBase = this.readOffset;
      if (end - this.bufBase <= this.buf.length) return;
    }
    const needed = end - this.bufBase;
    const cap = Math.max(needed, Math.min(Math.max(this.buf.length * 2, 4096), this.window.limit - this.bufBase));
    const next = new Uint8Array(cap);
    next.set(this.buf);
    this.buf = next;
  }

  private dropBuffer(): void {
    this.buf = EMPTY;
    this.bufBase = this.readOffset;
    this.received.clear();
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected token ${JSON.stringify(x)}`);
}
