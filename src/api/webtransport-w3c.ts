/**
 * A W3C-shaped `WebTransport` class for Node (W3C WebTransport §5; the model of
 * draft-ietf-webtrans-overview), on top of `connectWebTransport`: `ready`, `closed`,
 * `createBidirectionalStream()`, `createUnidirectionalStream()`, `incomingBidirectionalStreams`,
 * `incomingUnidirectionalStreams`, `datagrams.{readable,writable}` and `close({ closeCode, reason })`
 * with WHATWG streams (node:stream/web). A subset: no `sendOrder`/`sendGroup`, no `getStats()`,
 * stream errors are our `QuicError`s rather than `WebTransportError`s.
 */
import { ReadableStream, WritableStream } from 'node:stream/web';
import type { QuicRecvStreamLike, QuicSendStreamLike } from '../api-common/connection-like.js';
import { QuicError, QuicErrorCode } from './errors.js';
import { connectWebTransport, type WebTransportConnectOptions, type WebTransportSession } from './webtransport.js';

/** W3C WebTransport §5.10 `WebTransportCloseInfo`. */
export interface WebTransportCloseInfo {
  readonly closeCode: number;
  readonly reason: string;
}

/** W3C WebTransport §5.11 `WebTransportHash`. */
export interface WebTransportHash {
  readonly algorithm: string;
  readonly value: ArrayBuffer | ArrayBufferView;
}

/** W3C WebTransport §5.7 `WebTransportOptions` (the subset we honour), plus our client options. */
export interface WebTransportOptions extends Omit<WebTransportConnectOptions, 'serverCertificateHashes'> {
  readonly serverCertificateHashes?: readonly WebTransportHash[];
}

/** W3C WebTransport §6 `WebTransportBidirectionalStream`. */
export interface WebTransportBidirectionalStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

function readableOf(r: QuicRecvStreamLike): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const c = await r.readChunk();
      if (c === null) controller.close();
      else controller.enqueue(c.slice());
    },
    cancel() {
      r.stopSending(0);
    },
  });
}

function writableOf(s: QuicSendStreamLike): WritableStream<Uint8Array> {
  return new WritableStream<Uint8Array>({
    write: (chunk) => s.write(chunk),
    close: () => s.finish(),
    abort: () => s.reset(0),
  });
}

function bytesOf(v: ArrayBuffer | ArrayBufferView): Uint8Array {
  return v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** `new WebTransport(url, options)` for Node. */
export class WebTransport {
  /** Resolves once the session is established (W3C WebTransport §5.4). */
  readonly ready: Promise<void>;
  /** Resolves with the close info when the session ends; rejects when it never started. */
  readonly closed: Promise<WebTransportCloseInfo>;
  /**
   * W3C WebTransport §5.4 `draining`: resolves when the server asked to wind the session down
   * (WT_DRAIN_SESSION or HTTP/3 GOAWAY, draft-ietf-webtrans-http3-16 §4.7).
   */
  readonly draining: Promise<void>;
  /** W3C WebTransport §5.4 `datagrams`. */
  readonly datagrams: { readonly readable: ReadableStream<Uint8Array>; readonly writable: WritableStream<Uint8Array>; readonly maxDatagramSize: number };
  readonly incomingBidirectionalStreams: ReadableStream<WebTransportBidirectionalStream>;
  readonly incomingUnidirectionalStreams: ReadableStream<ReadableStream<Uint8Array>>;
  /** The underlying session (a QuicConnectionLike), once ready. */
  readonly session: Promise<WebTransportSession>;

  constructor(url: string, options: WebTransportOptions = {}) {
    const hashes = options.serverCertificateHashes;
    if (hashes !== undefined && hashes.some((h) => h.algorithm !== 'sha-256')) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, 'serverCertificateHashes: only sha-256 is supported');
    const { serverCertificateHashes: _ignored, ...rest } = options;
    void _ignored;
    this.session = connectWebTransport(url, { ...rest, ...(hashes === undefined ? {} : { serverCertificateHashes: hashes.map((h) => bytesOf(h.value)) }) });
    this.ready = this.session.then(() => undefined);
    this.closed = this.session.then(async (s) => {
      const info = await s.closed;
      return { closeCode: info.code, reason: info.reason };
    });
    this.draining = this.session.then((s) => s.draining);
    this.ready.catch(() => undefined);
    this.closed.catch(() => undefined);
    this.draining.catch(() => undefined);
    const session = this.session;
    const datagramsReadable = new ReadableStream<Uint8Array>({ async pull(c) {
      try {
        c.enqueue(await (await session).recvDatagram());
      } catch {
        c.close();
      }
    } });
    const datagramsWritable = new WritableStream<Uint8Array>({ async write(chunk) {
      (await session).sendDatagram(chunk);
    } });
    let max = 0;
    void session.then((s) => (max = s.maxDatagramSize), () => undefined);
    this.datagrams = { readable: datagramsReadable, writable: datagramsWritable, get maxDatagramSize() { return max; } };
    this.incomingBidirectionalStreams = new ReadableStream<WebTransportBidirectionalStream>({ async pull(c) {
      try {
        const s = await (await session).acceptBiStream();
        c.enqueue({ readable: readableOf(s.recv), writable: writableOf(s.send) });
      } catch {
        c.close();
      }
    } });
    this.incomingUnidirectionalStreams = new ReadableStream<ReadableStream<Uint8Array>>({ async pull(c) {
      try {
        c.enqueue(readableOf(await (await session).acceptUniStream()));
      } catch {
        c.close();
      }
    } });
  }

  /** W3C WebTransport §5.5 `createBidirectionalStream()`. */
  async createBidirectionalStream(): Promise<WebTransportBidirectionalStream> {
    const s = await (await this.session).openBiStream();
    return { readable: readableOf(s.recv), writable: writableOf(s.send) };
  }

  /** W3C WebTransport §5.5 `createUnidirectionalStream()`. */
  async createUnidirectionalStream(): Promise<WritableStream<Uint8Array>> {
    return writableOf(await (await this.session).openUniStream());
  }

  /** W3C WebTransport §5.5 `close(closeInfo)`: WT_CLOSE_SESSION with the code and reason. */
  close(info: Partial<WebTransportCloseInfo> = {}): void {
    void this.session.then((s) => s.close(info.closeCode ?? 0, info.reason ?? ''), () => undefined);
  }
}
