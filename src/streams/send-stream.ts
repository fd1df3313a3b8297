/**
 * The sending part of a stream (RFC 9000 §3.1): a bounded send buffer with backpressure, STREAM
 * frame generation with retransmission of lost ranges before new data (RFC 9000 §13.3), stream
 * flow control against the peer's MAX_STREAM_DATA (RFC 9000 §4.1) with STREAM_DATA_BLOCKED
 * (RFC 9000 §19.13), RESET_STREAM (RFC 9000 §19.4) and the reaction to STOP_SENDING (RFC 9000
 * §3.5, §19.5). Frames are written straight into the packet being built; each one yields a
 * plain-data token the connection hands back on ack or loss (DESIGN §2).
 *
 * States (RFC 9000 §3.1 Figure 2):
 *   ready --send STREAM / STREAM_DATA_BLOCKED--> send --send STREAM+FIN--> data_sent
 *   data_sent --all data and FIN acked--> data_recvd
 *   ready | send | data_sent --reset()/STOP_SENDING--> reset_sent --RESET_STREAM acked--> reset_recvd
 * The first frame may carry FIN, going from ready through send to data_sent at once. A reset moves
 * to reset_sent when the application asks for it; the RESET_STREAM frame is then queued.
 */
import type { Writer } from '../util/bytes.js';
import { RangeSet } from '../util/range-set.js';
import { MAX_VARINT } from '../util/varint.js';
import { streamFrameDataCapacity } from '../wire/frame-types.js';
import { encodeStreamFrameHeader } from '../wire/frames.js';
import { writeFrameIfFits } from './frame-writer.js';
import type { ResetStreamToken, SendStreamToken, StreamDataBlockedToken, StreamDataToken } from './tokens.js';

/** The states of RFC 9000 §3.1, snake_case. */
export type SendStreamState = 'ready' | 'send' | 'data_sent' | 'data_recvd' | 'reset_sent' | 'reset_recvd';

/** Misuse of a stream by the application (not a protocol error): writing after finish or reset. */
export class StreamUsageError extends Error {
  override readonly name = 'StreamUsageError';
  /** Stable code: 'ERR_QUIC_STREAM_FINISHED' (write after finish) or 'ERR_QUIC_STREAM_RESET' (after a reset). */
  readonly code: 'ERR_QUIC_STREAM_FINISHED' | 'ERR_QUIC_STREAM_RESET';
  constructor(code: StreamUsageError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** Configuration of a SendStream. */
export interface SendStreamConfig {
  readonly streamId: number;
  /** Bytes the send buffer holds at most (unacknowledged data included); `write` accepts no more. */
  readonly bufferCapacity: number;
  /** The peer's initial MAX_STREAM_DATA for this stream (its transport parameter, RFC 9000 §18.2). */
  readonly initialMaxStreamData: number;
}

/** What `writeFrame` wrote. */
export interface StreamFrameWritten {
  readonly token: StreamDataToken;
  /** Bytes of new data (never sent before): the connection-level credit consumed (RFC 9000 §4.1). */
  readonly newBytes: number;
}

interface Chunk {
  readonly offset: number;
  readonly data: Uint8Array;
}

const FIN_NONE = 0;
const FIN_PENDING = 1;
const FIN_IN_FLIGHT = 2;
const FIN_ACKED = 3;

/** The sending part of one stream (RFC 9000 §3.1). */
export class SendStream {
  /** The stream ID. */
  readonly streamId: number;
  /** Current state (RFC 9000 §3.1). */
  state: SendStreamState = 'ready';
  /** Send buffer capacity in bytes. */
  readonly capacity: number;
  /** The peer's current MAX_STREAM_DATA. */
  maxStreamData: number;
  /** The application error code of a reset, once reset (RFC 9000 §19.4). */
  resetCode: number | undefined;
  /** The error code of a STOP_SENDING the peer sent, if any (RFC 9000 §19.5). */
  stopSendingCode: number | undefined;
  /** Scheduling priority 0..255, higher first (DESIGN §7); the scheduler reads it. */
  priority = 128;

  private readonly chunks: Chunk[] = [];
  private head = 0;
  /** Index of the chunk the last copy ended in: a hint for `findChunk`, checked before use. */
  private cursor = 0;
  /** Bytes accepted from the application: the stream's end so far. */
  private writeOffset = 0;
  /** Highest offset sent + 1: the flow-control credit consumed (RFC 9000 §4.5). */
  private sentHigh = 0;
  /** Every byte below is acknowledged. */
  private ackedPrefix = 0;
  /** Acknowledged ranges above `ackedPrefix`. */
  private readonly acked = new RangeSet();
  /** Ranges declared lost and not acknowledged since: sent again before new data. */
  private readonly lost = new RangeSet();
  private fin = FIN_NONE;
  private blockedSentAt: number | undefined;
  private blockedPending = false;
  private resetFinalSize = 0;
  private resetPending = false;

  constructor(config: SendStreamConfig) {
    this.streamId = config.streamId;
    this.capacity = config.bufferCapacity;
    this.maxStreamData = config.initialMaxStreamData;
  }

  /** Bytes held in the send buffer (unsent, in flight, or acked above a gap). */
  get bufferedBytes(): number {
    return this.isResetState ? 0 : this.writeOffset - this.ackedPrefix;
  }

  /** How many bytes `write` would accept now. */
  get writableBytes(): number {
    if (this.fin !== FIN_NONE || this.state !== 'ready' && this.state !== 'send') return 0;
    return Math.max(0, Math.min(this.capacity - this.bufferedBytes, MAX_VARINT - this.writeOffset));
  }

  /** Total bytes the application wrote. */
  get bytesWritten(): number {
    return this.writeOffset;
  }

  /** Bytes acknowledged by the peer from the start of the stream (0 after a reset: the data was discarded). */
  get bytesAcked(): number {
    return this.isResetState ? 0 : this.ackedPrefix;
  }

  /** Highest offset sent (the flow-control credit this stream consumed). */
  get bytesSent(): number {
    return this.sentHigh;
  }

  /** The final size, once the application finished or reset the stream (RFC 9000 §4.5). */
  get finalSize(): number | undefined {
    if (this.isResetState) return this.resetFinalSize;
    return this.fin !== FIN_NONE ? this.writeOffset : undefined;
  }

  /** True in a terminal state (data_recvd, reset_recvd). */
  get isClosed(): boolean {
    return this.state === 'data_recvd' || this.state === 'reset_recvd';
  }

  /** True if new data is ready but only connection credit is missing (for DATA_BLOCKED). */
  get wantsConnectionCredit(): boolean {
    return this.canSendData && this.sentHigh < Math.min(this.writeOffset, this.maxStreamData);
  }

  /** True if `writeFrame` or `writeControlFrame` has something to write (given connection credit). */
  get hasPendingFrames(): boolean {
    if (this.resetPending || this.blockedPending) return true;
    if (!this.canSendData) return false;
    return !this.lost.isEmpty || this.sentHigh < Math.min(this.writeOffset, this.maxStreamData) || this.finReady;
  }

  /** True if `writeControlFrame` has a frame due (RESET_STREAM or STREAM_DATA_BLOCKED). */
  get hasControlFrames(): boolean {
    return (this.resetPending && this.state === 'reset_sent') || (this.blockedPending && this.isStreamBlocked);
  }

  private get isResetState(): boolean {
    return this.state === 'reset_sent' || this.state === 'reset_recvd';
  }

  private get canSendData(): boolean {
    return this.state === 'ready' || this.state === 'send' || this.state === 'data_sent';
  }

  /** FIN can go out in an empty frame: every byte sent, FIN not yet sent or lost. */
  private get finReady(): boolean {
    return this.fin === FIN_PENDING && this.sentHigh === this.writeOffset && this.lost.isEmpty;
  }

  /**
   * Copies as much of `bytes` as fits in the send buffer and returns how many bytes it took
   * (0 when the buffer is full: backpressure, DESIGN §7).
   * @throws StreamUsageError after `finish()` or a reset.
   */
  write(bytes: Uint8Array): number {
    if (this.isResetState) throw new StreamUsageError('ERR_QUIC_STREAM_RESET', `stream ${this.streamId} was reset`);
    // RFC 9000 §4.5: "An endpoint MUST NOT send data on a stream at or beyond the final size."
    if (this.fin !== FIN_NONE || !this.canSendData) throw new StreamUsageError('ERR_QUIC_STREAM_FINISHED', `stream ${this.streamId} is finished`);
    const n = Math.min(bytes.length, this.writableBytes);
    if (n === 0) return 0;
    this.chunks.push({ offset: this.writeOffset, data: bytes.slice(0, n) });
    this.writeOffset += n;
    return n;
  }

  /** Ends the stream after the data written so far (a STREAM frame with FIN follows). Idempotent. */
  finish(): void {
    if (this.isResetState) throw new StreamUsageError('ERR_QUIC_STREAM_RESET', `stream ${this.streamId} was reset`);
    if (this.fin === FIN_NONE) this.fin = FIN_PENDING;
  }

  /**
   * Abandons the stream with an application error code (RFC 9000 §3.1: "From any state that is one of
   * "Ready", "Send", or "Data Sent", an application can signal that it wishes to abandon
   * transmission of stream data"). Discards the buffer and queues RESET_STREAM. Returns false
   * (and does nothing) in data_recvd or a reset state.
   */
  reset(errorCode: number): boolean {
    if (!this.canSendData) return false;
    this.state = 'reset_sent';
    this.resetCode = errorCode;
    // RFC 9000 §4.5: the final size "is the amount of flow control credit that is consumed by a stream".
    this.resetFinalSize = this.sentHigh;
    this.resetPending = true;
    this.blockedPending = false;
    this.chunks.length = 0;
    this.head = 0;
    this.lost.clear();
    this.acked.clear();
    return true;
  }

  /**
   * STOP_SENDING received (RFC 9000 §3.5: "An endpoint that receives a STOP_SENDING frame MUST send
   * a RESET_STREAM frame if the stream is in the "Ready" or "Send" state. If the stream is in the
   * "Data Sent" state, the endpoint MAY defer sending the RESET_STREAM frame ..."; "An endpoint
   * SHOULD copy the error code from the STOP_SENDING frame to the RESET_STREAM frame it sends").
   * Resets at once with the peer's code. Returns true if that reset the stream.
   */
  onStopSending(errorCode: number): boolean {
    if (this.stopSendingCode === undefined) this.stopSendingCode = errorCode;
    return this.reset(errorCode);
  }

  /**
   * MAX_STREAM_DATA received (RFC 9000 §4.1: "A sender MUST ignore any MAX_STREAM_DATA or
   * MAX_DATA frames that do not increase flow control limits"). Returns true if the limit grew.
   */
  onMaxStreamData(maximum: number): boolean {
    if (maximum <= this.maxStreamData) return false;
    this.maxStreamData = maximum;
    this.blockedPending = false;
    return true;
  }

  /**
   * Writes one STREAM frame (RFC 9000 §19.8, always with a Length field) of at most `maxBytes`
   * bytes into `w`: lost ranges first, then new data within the stream limit and
   * `connectionCredit` new bytes. Returns undefined when nothing fits or nothing is sendable.
   */
  writeFrame(w: Writer, maxBytes: number, connectionCredit: number): StreamFrameWritten | undefined {
    if (!this.canSendData) return undefined;
    const room = Math.min(maxBytes, w.remaining);
    const lost = this.lost.rangeAt(0);
    if (lost !== undefined) {
      const cap = streamFrameDataCapacity(this.streamId, lost.start, room, true);
      if (cap <= 0) return undefined;
      const length = Math.min(lost.end - lost.start, cap);
      const fin = this.fin === FIN_PENDING && lost.start + length === this.writeOffset;
      this.emit(w, lost.start, length, fin);
      this.lost.remove(lost.start, lost.start + length);
      return { token: { kind: 'stream', streamId: this.streamId, offset: lost.start, length, fin }, newBytes: 0 };
    }
    // RFC 9000 §4.1: "Senders MUST NOT send data in excess of either limit."
    const limit = Math.min(this.writeOffset, this.maxStreamData, this.sentHigh + Math.max(0, connectionCredit));
    const available = limit - this.sentHigh;
    if (available <= 0 && !this.finReady) {
      this.checkBlocked();
      return undefined;
    }
    const cap = streamFrameDataCapacity(this.streamId, this.sentHigh, room, true);
    if (cap < 0 || (cap === 0 && available > 0)) return undefined;
    const offset = this.sentHigh;
    const length = Math.min(available, cap);
    const fin = this.fin === FIN_PENDING && offset + length === this.writeOffset;
    this.emit(w, offset, length, fin);
    this.sentHigh += length;
    this.checkBlocked();
    return { token: { kind: 'stream', streamId: this.streamId, offset, length, fin }, newBytes: length };
  }

  /**
   * Writes one control frame this stream owes: RESET_STREAM (RFC 9000 §19.4) or
   * STREAM_DATA_BLOCKED (RFC 9000 §19.13). Returns its token, or undefined if none is due or fits.
   */
  writeControlFrame(w: Writer): ResetStreamToken | StreamDataBlockedToken | undefined {
    if (this.resetPending && this.state === 'reset_sent') {
      const errorCode = this.resetCode ?? 0;
      if (!writeFrameIfFits(w, { type: 'reset_stream', streamId: this.streamId, errorCode, finalSize: this.resetFinalSize })) return undefined;
      this.resetPending = false;
      return { kind: 'reset_stream', streamId: this.streamId, errorCode, finalSize: this.resetFinalSize };
    }
    if (this.blockedPending && this.isStreamBlocked) {
      const limit = this.maxStreamData;
      if (!writeFrameIfFits(w, { type: 'stream_data_blocked', streamId: this.streamId, limit })) return undefined;
      this.blockedPending = false;
      this.blockedSentAt = limit;
      // RFC 9000 §3.1: "Sending the first STREAM or STREAM_DATA_BLOCKED frame causes a sending part of a stream to enter the "Send" state."
      if (this.state === 'ready') this.state = 'send';
      return { kind: 'stream_data_blocked', streamId: this.streamId, limit };
    }
    return undefined;
  }

  /** The packet carrying `token` was acknowledged. */
  onAcked(token: SendStreamToken): void {
    switch (token.kind) {
      case 'stream': {
        if (!this.canSendData) return;
        const end = token.offset + token.length;
        if (!this.lost.isEmpty) this.lost.remove(token.offset, end);
        if (token.fin) this.fin = FIN_ACKED;
        // `acked` holds ranges above the acknowledged prefix only: a range acknowledged again
        // (carried by two packets) may lie below it and must not move the prefix back.
        if (end > this.ackedPrefix) {
          if (token.offset <= this.ackedPrefix && this.acked.isEmpty) {
            // In-order acknowledgement (the common case): the range extends the prefix and no
            // acknowledged range above waits to join it, so the set is not touched.
            this.setAckedPrefix(end);
          } else {
            this.acked.insert(Math.max(token.offset, this.ackedPrefix), end);
            this.advanceAckedPrefix();
          }
        }
        // RFC 9000 §3.1: "Once all stream data has been successfully acknowledged, the sending
        // part of the stream enters the "Data Recvd" state, which is a terminal state."
        if (this.state === 'data_sent' && this.fin === FIN_ACKED && this.ackedPrefix === this.writeOffset) this.state = 'data_recvd';
        return;
      }
      case 'reset_stream':
        // RFC 9000 §3.1: "Once a packet containing a RESET_STREAM has been acknowledged, the
        // sending part of the stream enters the "Reset Recvd" state, which is a terminal state."
        if (this.state === 'reset_sent') this.state = 'reset_recvd';
        return;
      case 'stream_data_blocked':
        return;
      default:
        return assertNever(token);
    }
  }

  /** The packet carrying `token` was declared lost: queue what it carried again if still needed. */
  onLost(token: SendStreamToken): void {
    switch (token.kind) {
      case 'stream': {
        if (!this.canSendData) return;
        const end = token.offset + token.length;
        const start = Math.max(token.offset, this.ackedPrefix);
        if (start < end) {
          this.lost.insert(start, end);
          for (const r of this.acked.ascending()) {
            if (r.start >= end) break;
            if (r.end > start) this.lost.remove(r.start, r.end);
          }
        }
        if (token.fin && this.fin === FIN_IN_FLIGHT) this.fin = FIN_PENDING;
        return;
      }
      case 'reset_stream':
        // RFC 9000 §13.3: "Cancellation of stream transmission, as carried in a RESET_STREAM
        // frame, is sent until acknowledged or until all stream data is acknowledged by the peer".
        if (this.state === 'reset_sent') this.resetPending = true;
        return;
      case 'stream_data_blocked':
        // RFC 9000 §13.3: blocked signals are resent while the stream is still blocked at that limit.
        if (token.limit === this.maxStreamData && this.isStreamBlocked) this.blockedPending = true;
        return;
      default:
        return assertNever(token);
    }
  }

  private get isStreamBlocked(): boolean {
    return this.canSendData && this.sentHigh === this.maxStreamData && this.writeOffset > this.maxStreamData;
  }

  private checkBlocked(): void {
    // RFC 9000 §4.1: "A sender SHOULD send a STREAM_DATA_BLOCKED or DATA_BLOCKED frame to indicate
    // to the receiver that it has data to write but is blocked by flow control limits." Once per limit.
    if (this.isStreamBlocked && this.blockedSentAt !== this.maxStreamData) this.blockedPending = true;
  }

  private emit(w: Writer, offset: number, length: number, fin: boolean): void {
    encodeStreamFrameHeader(w, this.streamId, offset, length, fin, true);
    this.copyOut(w, offset, length);
    if (fin) this.fin = FIN_IN_FLIGHT;
    if (this.state === 'ready') this.state = 'send';
    // RFC 9000 §3.1: a STREAM frame with FIN moves the stream to "Data Sent".
    if (fin && this.state === 'send') this.state = 'data_sent';
  }

  private copyOut(w: Writer, offset: number, length: number): void {
    let i = this.findChunk(offset);
    let at = offset;
    const end = offset + length;
    while (at < end) {
      const chunk = this.chunks[i];
      if (chunk === undefined) throw new Error(`send buffer of stream ${this.streamId} lacks offset ${at}`);
      const from = at - chunk.offset;
      const to = Math.min(chunk.data.length, end - chunk.offset);
      w.bytes(chunk.data.subarray(from, to));
      at = chunk.offset + to;
      i++;
    }
    this.cursor = i - 1;
  }

  /**
   * Index of the chunk holding `offset`: new data is read in order, so first the chunk the last
   * copy ended in and the one after it, else a binary search (chunks are contiguous and ascending).
   */
  private findChunk(offset: number): number {
    if (this.chunkHolds(this.cursor, offset)) return this.cursor;
    if (this.chunkHolds(this.cursor + 1, offset)) return this.cursor + 1;
    let lo = this.head;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.chunks[mid]!.offset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private chunkHolds(i: number, offset: number): boolean {
    const c = this.chunks[i];
    return i >= this.head && c !== undefined && c.offset <= offset && offset < c.offset + c.data.length;
  }

  /** Joins the lowest acknowledged range to the prefix when it touches it. */
  private advanceAckedPrefix(): void {
    const start = this.acked.startAt(0);
    if (start === undefined || start > this.ackedPrefix) return;
    this.setAckedPrefix(this.acked.endAt(0)!);
    this.acked.removeBelow(this.ackedPrefix);
  }

  /** Every byte below `prefix` (above the current prefix) is acknowledged: frees the chunks wholly below it. */
  private setAckedPrefix(prefix: number): void {
    this.ackedPrefix = prefix;
    while (this.head < this.chunks.length) {
      const c = this.chunks[this.head]!;
      if (c.offset + c.data.length > prefix) break;
      this.head++;
    }
    if (this.head > 32 && this.head * 2 > this.chunks.length) {
      this.chunks.splice(0, this.head);
      this.head = 0;
    }
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected token ${JSON.stringify(x)}`);
}
