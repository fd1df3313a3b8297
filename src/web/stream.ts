/**
 * Streams of the browser build (DESIGN §7) over WebTransport streams (W3C WebTransport §5-§6;
 * draft-ietf-webtrans-overview-13 §4.3: reliable, ordered byte streams that either side can reset
 * or stop with an application error code). The methods mirror src/api/stream.ts: `write` with
 * backpressure, `writeAll`, `finish`, `reset`, `setPriority` (→ `sendOrder`), `read`, `readChunk`,
 * `readExact`, `readAll`, `stopSending`; `readable` / `writable` are the browser's own streams (use
 * either them or the methods on one stream, not both: the methods lock them).
 *
 * Stream IDs: WebTransport does not expose wire stream IDs, so `id` is a per-session number
 * following RFC 9000 §2.1's numbering (client bidi 0, 4, 8, …; client uni 2, 6, …; server 1 / 3, …).
 */
import type { QuicBiStreamLike, QuicRecvStreamLike, QuicSendStreamLike, StreamStatsLike } from '../api-common/connection-like.js';
import { QuicError, QuicErrorCode } from '../api-common/errors.js';
import { BiStreamBase, RecvStreamBase } from '../api-common/stream-base.js';
import { priorityToSendOrder, streamErrorFrom } from './mapping.js';

/** What a stream needs from its session. */
export interface WebStreamHost {
  /** The session's close error, once closed. */
  readonly closeError: QuicError | undefined;
  /** A `WebTransportError` carrying `code` (for abort / cancel, W3C WebTransport §7). */
  streamError(code: number): unknown;
}

/** A WebTransport send stream: a WritableStream with an optional `sendOrder`. */
export type WebWritable = WritableStream<Uint8Array> & { sendOrder?: number | null };

export { DEFAULT_READ_ALL_LIMIT } from '../api-common/stream-base.js';

const noop = (): void => undefined;

/** The receiving half of a stream. */
export class WebRecvStream extends RecvStreamBase implements QuicRecvStreamLike {
  readonly id: number;
  /** Bytes read so far. */
  bytesRead = 0;
  private readonly host: WebStreamHost;
  private readonly stream: ReadableStream<Uint8Array>;
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private leftover: Uint8Array | undefined;
  private finished = false;
  private error: QuicError | undefined;

  /** @internal created by the session. */
  constructor(host: WebStreamHost, id: number, stream: ReadableStream<Uint8Array>) {
    super();
    this.host = host;
    this.id = id;
    this.stream = stream;
  }

  /** The browser's ReadableStream (locked once a read method was used). */
  get readable(): ReadableStream<Uint8Array> {
    return this.stream;
  }

  private getReader(): ReadableStreamDefaultReader<Uint8Array> {
    if (this.reader !== undefined) return this.reader;
    try {
      this.reader = this.stream.getReader();
    } catch {
      throw new QuicError(QuicErrorCode.INVALID_STATE, `stream ${this.id}: its readable is locked by another reader`);
    }
    return this.reader;
  }

  /**
   * The next chunk (at most `max` bytes), or null at the end of the stream.
   * @throws QuicError ERR_QUIC_STREAM_RESET with the peer's code, ERR_QUIC_STREAM_STOPPED after
   * `stopSending`, or the session's close error.
   */
  async readChunk(max: number = 65_536): Promise<Uint8Array | null> {
    for (;;) {
      const left = this.leftover;
      if (left !== undefined) {
        const out = left.length > max ? left.subarray(0, max) : left;
        this.leftover = left.length > max ? left.subarray(max) : undefined;
        this.bytesRead += out.length;
        return out;
      }
      if (this.finished) return null;
      if (this.error !== undefined) throw this.error;
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await this.getReader().read();
      } catch (e) {
        this.error ??= streamErrorFrom(e, 'read', this.id, this.host.closeError);
        throw this.error;
      }
      if (r.done) {
        this.finished = true;
        return null;
      }
      if (r.value.length > 0) this.leftover = r.value;
    }
  }

  /** Asks the peer to stop sending with `code` (cancels the readable, W3C WebTransport §7 → STOP_SENDING). */
  stopSending(code: number): void {
    if (this.finished || this.error !== undefined) return;
    this.error = new QuicError(QuicErrorCode.STREAM_STOPPED, `stream ${this.id}: we stopped reading with code ${code}`, { initiator: 'local', wireCode: code });
    this.leftover = undefined;
    const reason = this.host.streamError(code);
    const cancelled = this.reader !== undefined ? this.reader.cancel(reason) : this.stream.cancel(reason);
    cancelled.catch(noop);
  }
}

/** The sending half of a stream. */
export class WebSendStream implements QuicSendStreamLike {
  readonly id: number;
  /** Bytes accepted so far. */
  bytesWritten = 0;
  private readonly host: WebStreamHost;
  private readonly stream: WebWritable;
  private writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  private priorityValue: number;
  private finished = false;
  private error: QuicError | undefined;

  /** @internal created by the session. */
  constructor(host: WebStreamHost, id: number, stream: WebWritable, priority: number) {
    this.host = host;
    this.id = id;
    this.stream = stream;
    this.priorityValue = priority;
  }

  /** The browser's WritableStream (locked once a write method was used). */
  get writable(): WebWritable {
    return this.stream;
  }

  /** The stream's priority (0–255, higher first). */
  get priority(): number {
    return this.priorityValue;
  }

  /**
   * Changes the priority: sets the stream's `sendOrder` (W3C WebTransport §5.3) where the browser
   * has one (Chromium 156 has no `sendOrder` on its send streams: the priority is then only kept).
   */
  setPriority(priority: number): void {
    this.priorityValue = priorityToSendOrder(priority);
    if ('sendOrder' in this.stream) this.stream.sendOrder = this.priorityValue;
  }

  /** The browser's current `sendOrder` of the stream (undefined if the browser has none). */
  get sendOrder(): number | undefined {
    return this.stream.sendOrder ?? undefined;
  }

  private getWriter(): WritableStreamDefaultWriter<Uint8Array> {
    if (this.writer !== undefined) return this.writer;
    try {
      this.writer = this.stream.getWriter();
    } catch {
      throw new QuicError(QuicErrorCode.INVALID_STATE, `stream ${this.id}: its writable is locked by another writer`);
    }
    return this.writer;
  }

  private checkWritable(): void {
    if (this.error !== undefined) throw this.error;
    if (this.finished) throw new QuicError(QuicErrorCode.STREAM_FINISHED, `stream ${this.id} is finished`);
    if (this.host.closeError !== undefined) throw this.host.closeError;
  }

  /**
   * Queues a copy of `bytes`; resolves once the browser accepted them (backpressure: the
   * writer's write promise). Concurrent writes keep call order (the writer queues them).
   * @throws QuicError ERR_QUIC_STREAM_STOPPED (the peer's STOP_SENDING), ERR_QUIC_STREAM_RESET
   * (we reset it), ERR_QUIC_STREAM_FINISHED, or the session's close error.
   */
  async write(bytes: Uint8Array): Promise<void> {
    this.checkWritable();
    const copy = bytes.slice();
    try {
      await this.getWriter().write(copy);
    } catch (e) {
      this.error ??= streamErrorFrom(e, 'write', this.id, this.host.closeError);
      throw this.error;
    }
    this.bytesWritten += copy.length;
  }

  /** Writes `bytes`, then finishes the stream. */
  async writeAll(bytes: Uint8Array): Promise<void> {
    await this.write(bytes);
    this.finish();
  }

  /** Ends the stream after the bytes written (closes the writable: FIN). Idempotent. */
  finish(): void {
    if (this.finished) return;
    this.checkWritable();
    this.finished = true;
    this.getWriter()
      .close()
      .catch((e: unknown) => {
        this.error ??= streamErrorFrom(e, 'write', this.id, this.host.closeError);
      });
  }

  /** Abandons the stream with `code` (aborts the writable, W3C WebTransport §7 → RESET_STREAM). */
  reset(code: number): void {
    if (this.error !== undefined) return;
    this.error = new QuicError(QuicErrorCode.STREAM_RESET, `stream ${this.id} was reset locally with code ${code}`, { initiator: 'local', wireCode: code });
    const reason = this.host.streamError(code);
    const aborted = this.writer !== undefined ? this.writer.abort(reason) : this.stream.abort(reason);
    aborted.catch(noop);
  }
}

/** A bidirectional stream: both halves, with their methods. */
export class WebBiStream extends BiStreamBase<WebSendStream, WebRecvStream> implements QuicBiStreamLike<WebSendStream, WebRecvStream> {
  readonly id: number;

  /** @internal created by the session. */
  constructor(send: WebSendStream, recv: WebRecvStream) {
    super(send, recv);
    this.id = send.id;
  }

  /** Counters. */
  stats(): StreamStatsLike {
    return { bytesWritten: this.send.bytesWritten, bytesRead: this.recv.bytesRead };
  }
  /** The browser's ReadableStream of the stream. */
  get readable(): ReadableStream<Uint8Array> {
    return this.recv.readable;
  }
  /** The browser's WritableStream of the stream. */
  get writable(): WebWritable {
    return this.send.writable;
  }
}
