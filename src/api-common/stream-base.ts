/**
 * What every backend's streams share (DESIGN §7): the reading conveniences built on `readChunk`,
 * and the bidirectional stream that forwards to its two halves. The raw QUIC streams (src/api),
 * the WebTransport session streams (src/api/webtransport-stream.ts) and the browser's streams
 * (src/web) extend these, so `read`, `readExact` and `readAll` behave the same on all of them.
 */
import { concatByteList } from '../util/bytes.js';
import { QuicError, QuicErrorCode } from './errors.js';
import type { QuicRecvStreamLike, QuicSendStreamLike } from './connection-like.js';

/** What `readAll` accepts by default before it stops the stream (64 MiB). */
export const DEFAULT_READ_ALL_LIMIT = 64 * 1024 * 1024;

/** A receiving stream: a backend supplies `readChunk` and `stopSending`; the rest is here. */
export abstract class RecvStreamBase {
  /** The stream's ID. */
  abstract readonly id: number;

  /** The next bytes (at most `max`), or null at the end of the stream. */
  abstract readChunk(max?: number): Promise<Uint8Array | null>;

  /** Asks the peer to stop sending (STOP_SENDING, RFC 9000 §3.5). */
  abstract stopSending(code: number): void;

  /** Reads into `buf`; resolves with the count (> 0), or null at the end of the stream. */
  async read(buf: Uint8Array): Promise<number | null> {
    if (buf.length === 0) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, 'read buffer is empty');
    const chunk = await this.readChunk(buf.length);
    if (chunk === null) return null;
    buf.set(chunk);
    return chunk.length;
  }

  /**
   * Reads exactly `n` bytes.
   * @throws QuicError ERR_QUIC_STREAM_FINISHED when the stream ends first.
   */
  async readExact(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const got = await this.read(out.subarray(off));
      if (got === null) throw new QuicError(QuicErrorCode.STREAM_FINISHED, `stream ${this.id} ended after ${off} of ${n} bytes`);
      off += got;
    }
    return out;
  }

  /**
   * Reads until the end of the stream.
   * @throws QuicError ERR_QUIC_INVALID_STATE beyond `limit` bytes (the stream is then stopped).
   */
  async readAll(limit: number = DEFAULT_READ_ALL_LIMIT): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (let c = await this.readChunk(); c !== null; c = await this.readChunk()) {
      total += c.length;
      if (total > limit) {
        this.stopSending(0);
        throw new QuicError(QuicErrorCode.INVALID_STATE, `stream ${this.id} exceeds the readAll limit of ${limit} bytes`);
      }
      chunks.push(c);
    }
    return concatByteList(chunks);
  }
}

/** A bidirectional stream: its sending and receiving halves, and every call forwarded to one of them. */
export abstract class BiStreamBase<S extends QuicSendStreamLike, R extends QuicRecvStreamLike> {
  readonly send: S;
  readonly recv: R;

  constructor(send: S, recv: R) {
    this.send = send;
    this.recv = recv;
  }

  /** The two halves, to hand to different owners. */
  split(): { send: S; recv: R } {
    return { send: this.send, recv: this.recv };
  }
  write(bytes: Uint8Array): Promise<void> {
    return this.send.write(bytes);
  }
  writeAll(bytes: Uint8Array): Promise<void> {
    return this.send.writeAll(bytes);
  }
  finish(): void {
    this.send.finish();
  }
  reset(code: number): void {
    this.send.reset(code);
  }
  setPriority(priority: number): void {
    this.send.setPriority(priority);
  }
  read(buf: Uint8Array): Promise<number | null> {
    return this.recv.read(buf);
  }
  readChunk(max?: number): Promise<Uint8Array | null> {
    return this.recv.readChunk(max);
  }
  readExact(n: number): Promise<Uint8Array> {
    return this.recv.readExact(n);
  }
  readAll(limit?: number): Promise<Uint8Array> {
    return this.recv.readAll(limit);
  }
  stopSending(code: number): void {
    this.recv.stopSending(code);
  }
}
