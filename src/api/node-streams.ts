/**
 * Node.js stream adapters of QUIC streams (DESIGN §7: "Node stream adapters"): a `Readable` over
 * a receiving part, a `Writable` over a sending part, and a `Duplex` over a bidirectional stream
 * (RFC 9000 §2, §3), for `node:stream` `pipeline()`.
 *
 * Backpressure both ways: `_read` pulls one chunk at a time and stops when `push` says the
 * buffer is above its highWaterMark (the QUIC receive window then closes: RFC 9000 §4.1);
 * `_write` calls back only once the QUIC send buffer accepted every byte, so Node's writable
 * buffer holds at most highWaterMark bytes plus one chunk. `end()` finishes the stream (FIN).
 * Errors are the stream's `QuicError`s (RESET_STREAM → ERR_QUIC_STREAM_RESET with the wire code,
 * STOP_SENDING → ERR_QUIC_STREAM_STOPPED) and reach 'error'. `destroy()` before the end abandons
 * the stream: RESET_STREAM (RFC 9000 §19.4) on the sending part and STOP_SENDING (RFC 9000 §19.5)
 * on the receiving part, with the configured codes.
 */
import { Duplex, Readable, Writable } from 'node:stream';
import type { QuicBiStream, QuicRecvStream, QuicSendStream } from './stream.js';

/** Adapter options. */
export interface NodeStreamOptions {
  /** Node's highWaterMark in bytes (default Node's, 16 KiB for byte streams). */
  readonly highWaterMark?: number;
  /** Largest chunk read from the QUIC stream at once (default 64 KiB). */
  readonly readChunkSize?: number;
  /** Application error code of the RESET_STREAM sent when destroyed before `end()` (default 0). */
  readonly resetCode?: number;
  /** Application error code of the STOP_SENDING sent when destroyed before the end of the data (default 0). */
  readonly stopSendingCode?: number;
}

const DEFAULT_READ_CHUNK = 64 * 1024;

/** The reading half of an adapter: pulls chunks into `push` until it refuses or the stream ends. */
class Puller {
  private readonly recv: QuicRecvStream;
  private readonly chunkSize: number;
  private reading = false;
  /** True once the end of the stream (FIN) was pushed. */
  ended = false;

  constructor(recv: QuicRecvStream, chunkSize: number) {
    this.recv = recv;
    this.chunkSize = chunkSize;
  }

  pull(push: (chunk: Uint8Array | null) => boolean, fail: (e: Error) => void): void {
    if (this.reading || this.ended) return;
    this.reading = true;
    void (async () => {
      try {
        for (;;) {
          const chunk = await this.recv.readChunk(this.chunkSize);
          if (chunk === null) {
            this.ended = true;
            push(null);
            return;
          }
          if (!push(chunk)) return;
        }
      } catch (e) {
        fail(e instanceof Error ? e : new Error(String(e)));
      } finally {
        this.reading = false;
      }
    })();
  }

  /** Abandons the receiving part (STOP_SENDING) unless its end was read. */
  abandon(code: number): void {
    if (!this.ended) this.recv.stopSending(code);
  }
}

/** The writing half of an adapter. */
class Pusher {
  private readonly send: QuicSendStream;
  /** True once FIN was queued. */
  finished = false;

  constructor(send: QuicSendStream) {
    this.send = send;
  }

  write(chunk: unknown, cb: (e?: Error | null) => void): void {
    const bytes = chunk instanceof Uint8Array ? chunk : new TextEncoder().encode(String(chunk));
    this.send.write(bytes).then(() => cb(), (e: unknown) => cb(e instanceof Error ? e : new Error(String(e))));
  }

  final(cb: (e?: Error | null) => void): void {
    try {
      this.send.finish();
      this.finished = true;
      cb();
    } catch (e) {
      cb(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** Abandons the sending part (RESET_STREAM) unless it was finished. */
  abandon(code: number): void {
    if (!this.finished) this.send.reset(code);
  }
}

function nodeOptions(o: NodeStreamOptions): { highWaterMark?: number } {
  return o.highWaterMark === undefined ? {} : { highWaterMark: o.highWaterMark };
}

/** A `node:stream` Readable of the bytes of `recv` (see the module comment). */
export function toNodeReadable(recv: QuicRecvStream, options: NodeStreamOptions = {}): Readable {
  const puller = new Puller(recv, options.readChunkSize ?? DEFAULT_READ_CHUNK);
  const readable: Readable = new Readable({
    ...nodeOptions(options),
    read() {
      puller.pull((c) => readable.push(c), (e) => readable.destroy(e));
    },
    destroy(err, cb) {
      puller.abandon(options.stopSendingCode ?? 0);
      cb(err);
    },
  });
  return readable;
}

/** A `node:stream` Writable into `send`; `end()` finishes the stream (see the module comment). */
export function toNodeWritable(send: QuicSendStream, options: NodeStreamOptions = {}): Writable {
  const pusher = new Pusher(send);
  return new Writable({
    ...nodeOptions(options),
    write(chunk, _encoding, cb) {
      pusher.write(chunk, cb);
    },
    final(cb) {
      pusher.final(cb);
    },
    destroy(err, cb) {
      pusher.abandon(options.resetCode ?? 0);
      cb(err);
    },
  });
}

/** A `node:stream` Duplex over a bidirectional stream (half-open allowed: `end()` sends FIN, reading goes on). */
export function toNodeDuplex(stream: QuicBiStream, options: NodeStreamOptions = {}): Duplex {
  const puller = new Puller(stream.recv, options.readChunkSize ?? DEFAULT_READ_CHUNK);
  const pusher = new Pusher(stream.send);
  const duplex: Duplex = new Duplex({
    ...nodeOptions(options),
    allowHalfOpen: true,
    read() {
      puller.pull((c) => duplex.push(c), (e) => duplex.destroy(e));
    },
    write(chunk, _encoding, cb) {
      pusher.write(chunk, cb);
    },
    final(cb) {
      pusher.final(cb);
    },
    destroy(err, cb) {
      pusher.abandon(options.resetCode ?? 0);
      puller.abandon(options.stopSendingCode ?? 0);
      cb(err);
    },
  });
  return duplex;
}
