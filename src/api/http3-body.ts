/**
 * A message body as it arrives on an HTTP/3 stream (RFC 9114 §4.1: the DATA frame payloads): an
 * async iterable of chunks with `readAll()`, bounded by a high-water mark that the stream reader
 * waits on (backpressure: DESIGN §7, §5 "every buffer has a limit").
 */
import { concatByteList } from '../util/bytes.js';

/** Default bytes held before the reader stops pulling from the QUIC stream. */
export const BODY_HIGH_WATER = 1024 * 1024;

/** See the module comment. */
export class Http3Body implements AsyncIterable<Uint8Array> {
  private chunks: Uint8Array[] = [];
  private held = 0;
  private ended = false;
  private error: Error | undefined;
  private readers: (() => void)[] = [];
  private roomWaiters: (() => void)[] = [];
  private readonly highWater: number;
  /** Bytes received so far. */
  received = 0;

  /** @param highWater bytes held before `room()` waits. */
  constructor(highWater = BODY_HIGH_WATER) {
    this.highWater = highWater;
  }

  /** @internal appends a chunk (copied). */
  push(data: Uint8Array): void {
    if (this.ended || data.length === 0) return;
    this.chunks.push(data.slice());
    this.held += data.length;
    this.received += data.length;
    this.wakeReaders();
  }

  /** @internal the body is complete. */
  end(): void {
    this.ended = true;
    this.wakeReaders();
  }

  /** @internal the body failed. */
  fail(error: Error): void {
    if (this.ended) return;
    this.error = error;
    this.ended = true;
    this.chunks = [];
    this.held = 0;
    this.wakeReaders();
    this.wakeRoom();
  }

  /** True once complete or failed. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** @internal resolves when fewer than the high-water mark bytes are held. */
  room(): Promise<void> {
    if (this.held < this.highWater || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  private wakeReaders(): void {
    for (const r of this.readers.splice(0)) r();
  }

  private wakeRoom(): void {
    for (const r of this.roomWaiters.splice(0)) r();
  }

  /** The next chunk, or null at the end. @throws the stream's error. */
  async next(): Promise<Uint8Array | null> {
    for (;;) {
      const c = this.chunks.shift();
      if (c !== undefined) {
        this.held -= c.length;
        if (this.held < this.highWater) this.wakeRoom();
        return c;
      }
      if (this.error !== undefined) throw this.error;
      if (this.ended) return null;
      await new Promise<void>((resolve) => this.readers.push(resolve));
    }
  }

  /** Reads the whole body. @throws Error beyond `limit` bytes, or the stream's error. */
  async readAll(limit = 64 * 1024 * 1024): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let c = await this.next(); c !== null; c = await this.next()) {
      total += c.length;
      if (total > limit) throw new Error(`body exceeds ${limit} bytes`);
      parts.push(c);
    }
    return concatByteList(parts);
  }

  /** Reads the whole body as UTF-8 text. */
  async text(limit?: number): Promise<string> {
    return new TextDecoder().decode(await this.readAll(limit));
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    for (let c = await this.next(); c !== null; c = await this.next()) yield c;
  }
}
