/**
 * The streams of a WebTransport session (draft-ietf-webtrans-http3-16 §4.2, §4.3) as
 * `QuicSendStreamLike` / `QuicRecvStreamLike` / `QuicBiStreamLike`: QUIC streams whose header
 * (0x41 or 0x54, then the session ID) is written and consumed here, so the application sees only
 * its own bytes. Application error codes are remapped both ways (draft-16 §4.4: "WebTransport
 * implementations MUST remap those error codes into the error range reserved for
 * WT_APPLICATION_ERROR"); a code outside that range (WT_SESSION_GONE, say) is reported unchanged.
 */
import { httpCodeToWebTransport, webTransportCodeToHttp, MAX_WT_APPLICATION_CODE } from '../webtransport/constants.js';
import type { QuicBiStreamLike, QuicRecvStreamLike, QuicSendStreamLike, StreamStatsLike } from '../api-common/connection-like.js';
import { BiStreamBase, RecvStreamBase } from '../api-common/stream-base.js';
import { QuicError, QuicErrorCode } from './errors.js';
import type { QuicSendStream } from './stream.js';

/** Where a WebTransport receive stream's bytes come from. */
export interface WtChunkSource {
  /** The next chunk (any size), or null at the end. @throws the stream's error. */
  next(): Promise<Uint8Array | null>;
  /** STOP_SENDING with an HTTP/3 code. */
  stopSending(httpCode: number): void;
}

/** Checks an application code at the API boundary (draft-16 §4.4: 32 bits). */
export function checkWtCode(code: number): void {
  if (!Number.isInteger(code) || code < 0 || code > MAX_WT_APPLICATION_CODE) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, `WebTransport error code ${code} is not a 32-bit unsigned integer`);
}

/** Maps a stream error's HTTP/3 wire code back to the application's code (draft-16 §4.4). */
export function mapWtStreamError(e: unknown, streamId: number): unknown {
  if (!(e instanceof QuicError) || e.wireCode === undefined) return e;
  if (e.code !== QuicErrorCode.STREAM_RESET && e.code !== QuicErrorCode.STREAM_STOPPED) return e;
  const app = httpCodeToWebTransport(e.wireCode);
  if (app === undefined) return e;
  return new QuicError(e.code, `WebTransport stream ${streamId}: ${e.code === QuicErrorCode.STREAM_RESET ? 'reset' : 'stopped'} with code ${app}`, { initiator: e.initiator, wireCode: app });
}

/** The receiving half of a WebTransport stream. */
export class WtRecvStream extends RecvStreamBase implements QuicRecvStreamLike {
  /** The QUIC stream ID. */
  readonly id: number;
  private readonly source: WtChunkSource;
  private leftover: Uint8Array | undefined;
  private ended = false;
  private stopped: QuicError | undefined;
  private read_ = 0;
  private abort!: (e: unknown) => void;
  /** Rejects when reading is stopped, so that a pending read fails at once. */
  private readonly aborted: Promise<never> = new Promise((_, reject) => (this.abort = reject));

  /** @param initial bytes already read past the stream header. */
  constructor(id: number, source: WtChunkSource, initial?: Uint8Array) {
    super();
    this.id = id;
    this.source = source;
    if (initial !== undefined && initial.length > 0) this.leftover = initial;
    this.aborted.catch(() => undefined);
  }

  /** True once the end was read or reading stopped. */
  get isDone(): boolean {
    return this.ended || this.stopped !== undefined;
  }

  /** Application bytes read. */
  get bytesRead(): number {
    return this.read_;
  }

  /** The next chunk of at most `max` bytes, or null at the end. */
  async readChunk(max = 65_536): Promise<Uint8Array | null> {
    if (this.stopped !== undefined) throw this.stopped;
    let c = this.leftover;
    this.leftover = undefined;
    if (c === undefined) {
      if (this.ended) return null;
      try {
        c = (await Promise.race([this.source.next(), this.aborted])) ?? undefined;
      } catch (e) {
        throw mapWtStreamError(e, this.id);
      }
      if (this.stopped !== undefined) throw this.stopped;
      if (c === undefined) {
        this.ended = true;
        return null;
      }
    }
    if (c.length > max) {
      this.leftover = c.subarray(max);
      c = c.subarray(0, max);
    }
    this.read_ += c.length;
    return c;
  }

  /** STOP_SENDING with application code `code` (remapped, draft-16 §4.4). */
  stopSending(code: number): void {
    checkWtCode(code);
    this.stopWire(webTransportCodeToHttp(code), code);
  }

  /**
   * @internal STOP_SENDING with an HTTP/3 code (WT_SESSION_GONE); `app` is the code later reads
   * report, or `error` replaces their error (the session's close error).
   */
  stopWire(httpCode: number, app: number = httpCode, error?: QuicError): void {
    if (this.stopped !== undefined || this.ended) return;
    this.stopped = error ?? new QuicError(QuicErrorCode.STREAM_STOPPED, `stream ${this.id}: reading stopped with code ${app}`, { initiator: 'local', wireCode: app });
    this.leftover = undefined;
    this.abort(this.stopped);
    try {
      this.source.stopSending(httpCode);
    } catch {
      // the stream is already gone
    }
  }
}

/** The sending half of a WebTransport stream. */
export class WtSendStream implements QuicSendStreamLike {
  /** The QUIC stream. */
  readonly inner: QuicSendStream;
  private readonly headerLength: number;

  /** @param headerLength bytes of the stream header this side wrote (0 for a peer's bidi stream). */
  constructor(inner: QuicSendStream, headerLength: number) {
    this.inner = inner;
    this.headerLength = headerLength;
  }

  /** The QUIC stream ID. */
  get id(): number {
    return this.inner.id;
  }

  /** 0–255. */
  get priority(): number {
    return this.inner.priority;
  }

  /** Application bytes accepted (the stream header excluded). */
  get bytesWritten(): number {
    return Math.max(0, this.inner.bytesWritten - this.headerLength);
  }

  /** Writes (backpressure as the QUIC stream's). */
  async write(bytes: Uint8Array): Promise<void> {
    try {
      await this.inner.write(bytes);
    } catch (e) {
      throw mapWtStreamError(e, this.id);
    }
  }

  /** Writes all of `bytes`. */
  async writeAll(bytes: Uint8Array): Promise<void> {
    try {
      await this.inner.writeAll(bytes);
    } catch (e) {
      throw mapWtStreamError(e, this.id);
    }
  }

  /** FIN. */
  finish(): void {
    this.inner.finish();
  }

  /** RESET_STREAM with application code `code` (remapped, draft-16 §4.4). */
  reset(code: number): void {
    checkWtCode(code);
    this.inner.reset(webTransportCodeToHttp(code));
  }

  /** @internal RESET_STREAM with an HTTP/3 code (WT_SESSION_GONE), unless it already ended cleanly. */
  resetWire(httpCode: number): void {
    if (this.inner.finishedCleanly) return;
    try {
      this.inner.reset(httpCode);
    } catch {
      // already reset or finished
    }
  }

  /** 0–255. */
  setPriority(priority: number): void {
    this.inner.setPriority(priority);
  }
}

/** A bidirectional WebTransport stream. */
export class WtBiStream extends BiStreamBase<WtSendStream, WtRecvStream> implements QuicBiStreamLike<WtSendStream, WtRecvStream> {
  /** The QUIC stream ID. */
  get id(): number {
    return this.recv.id;
  }

  /** Application byte counters. */
  stats(): StreamStatsLike {
    return { bytesWritten: this.send.bytesWritten, bytesRead: this.recv.bytesRead };
  }
}
