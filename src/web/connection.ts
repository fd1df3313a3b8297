/**
 * The browser build of `QuicConnection` (DESIGN §7): a thin wrapper over the browser's
 * `new WebTransport(url, { serverCertificateHashes })` (W3C WebTransport; the session model of
 * draft-ietf-webtrans-overview-13 §4: bidirectional and unidirectional streams, datagrams, and a
 * session close with an application code and reason). It implements `QuicConnectionLike`, the
 * interface the Node `QuicConnection` implements too.
 */
import { AsyncQueue } from '../api-common/async-queue.js';
import type { OpenStreamOptionsLike, QuicConnectionLike } from '../api-common/connection-like.js';
import { QuicError, QuicErrorCode, errorFromClose, type CloseInfo } from '../api-common/errors.js';
import { StreamPriority } from '../scheduler/priority.js';
import {
  checkCloseArguments,
  closeInfoFromSessionError,
  closeInfoFromWebTransport,
  handshakeErrorFrom,
  isWebTransportError,
  messageOf,
  priorityToSendOrder,
  statsFromWebTransport,
  streamErrorFrom,
  toCertificateHash,
  type CertificateHashInput,
  type WebConnectionStats,
  type WebTransportCloseInfoLike,
  type WebTransportHashLike,
  type WebTransportStatsLike,
} from './mapping.js';
import { WebBiStream, WebRecvStream, WebSendStream, type WebStreamHost, type WebWritable } from './stream.js';

/** A bidirectional stream as the browser gives it. */
export interface WebTransportBidiLike {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WebWritable;
}

/** What this build uses of a `WebTransport` object (structural, so tests can pass fakes). */
export interface WebTransportLike {
  readonly ready: Promise<unknown>;
  readonly closed: Promise<WebTransportCloseInfoLike>;
  close(info?: { closeCode?: number; reason?: string }): void;
  createBidirectionalStream(options?: { sendOrder?: number }): Promise<WebTransportBidiLike>;
  createUnidirectionalStream(options?: { sendOrder?: number }): Promise<WebWritable>;
  readonly incomingBidirectionalStreams: ReadableStream<WebTransportBidiLike>;
  readonly incomingUnidirectionalStreams: ReadableStream<ReadableStream<Uint8Array>>;
  readonly datagrams: {
    readonly readable: ReadableStream<Uint8Array>;
    readonly writable?: WritableStream<Uint8Array>;
    createWritable?(): WritableStream<Uint8Array>;
    readonly maxDatagramSize?: number;
  };
  getStats?(): Promise<WebTransportStatsLike>;
}

/** Options of `new WebTransport()` as this build passes them. */
export interface WebTransportInit {
  serverCertificateHashes?: WebTransportHashLike[];
  congestionControl?: 'default' | 'throughput' | 'low-latency';
  requireUnreliable?: boolean;
  allowPooling?: boolean;
}

/** The `WebTransport` constructor. */
export type WebTransportConstructorLike = new (url: string, init?: WebTransportInit) => WebTransportLike;

/** Options of `connectWebTransport`. */
export interface WebConnectOptions {
  /**
   * SHA-256 hashes of the server's certificate (W3C WebTransport §6.6: an ECDSA certificate valid
   * for at most 14 days; no CA check). Bytes (e.g. `QuicServer.certificate.sha256`), hex or base64.
   */
  readonly serverCertificateHashes?: readonly CertificateHashInput[];
  /** A hint to the browser (W3C WebTransport §6.5). */
  readonly congestionControl?: 'default' | 'throughput' | 'low-latency';
  /** Fail unless the connection supports datagrams (HTTP/3, not HTTP/2). */
  readonly requireUnreliable?: boolean;
  /** Allow sharing the connection with other sessions (default false). */
  readonly allowPooling?: boolean;
  /** Most unread incoming datagrams kept (default 256; older ones are dropped, RFC 9221 §5). */
  readonly datagramQueue?: number;
  /** The constructor to use (default `globalThis.WebTransport`): for tests and polyfills. */
  readonly WebTransport?: WebTransportConstructorLike;
}

const noop = (): void => undefined;
let sessionCounter = 0;

/** A WebTransport session seen through the DESIGN §7 connection interface. */
export class WebQuicConnection implements QuicConnectionLike<WebBiStream, WebSendStream, WebRecvStream>, WebStreamHost {
  /** A per-page identifier ("wt-1", …): the browser exposes no connection ID. */
  readonly id: string;
  /** The session URL. */
  readonly url: string;
  /** Resolves (never rejects) with how the session ended. */
  readonly closed: Promise<CloseInfo>;
  /** Incoming bidirectional streams (async iterable). */
  readonly incomingBiStreams: AsyncQueue<WebBiStream> = new AsyncQueue<WebBiStream>(100_000);
  /** Incoming unidirectional streams (async iterable). */
  readonly incomingUniStreams: AsyncQueue<WebRecvStream> = new AsyncQueue<WebRecvStream>(100_000);
  /** Incoming datagrams (async iterable; the oldest are dropped beyond `datagramQueue`). */
  readonly incomingDatagrams: AsyncQueue<Uint8Array>;
  /** The underlying browser object. */
  readonly transport: WebTransportLike;
  private resolveClosed!: (info: CloseInfo) => void;
  private closeInfo: CloseInfo | undefined;
  private error: QuicError | undefined;
  private closingByUs: { code: number; reason: string } | undefined;
  private datagramWriter: WritableStreamDefaultWriter<Uint8Array> | undefined;
  private lastStats: WebTransportStatsLike | undefined;
  private nextId = { localBidi: 0, peerBidi: 1, localUni: 2, peerUni: 3 };
  private counters = { streamsOpened: 0, streamsAccepted: 0, datagramsSent: 0, datagramsReceived: 0 };

  /** @internal made by `connectWebTransport` once the session is ready. */
  constructor(transport: WebTransportLike, url: string, datagramQueue = 256) {
    this.transport = transport;
    this.url = url;
    this.id = `wt-${++sessionCounter}`;
    this.incomingDatagrams = new AsyncQueue<Uint8Array>(datagramQueue);
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    transport.closed.then(
      (info) => this.onClosed(closeInfoFromWebTransport(info ?? this.closingByUs, this.closingByUs !== undefined)),
      (e: unknown) => this.onClosed(this.closingByUs !== undefined ? closeInfoFromWebTransport(this.closingByUs, true) : closeInfoFromSessionError(e, true)),
    );
    void this.pump(transport.incomingBidirectionalStreams, (s) => {
      this.counters.streamsAccepted++;
      const id = this.take('peerBidi');
      this.incomingBiStreams.push(new WebBiStream(new WebSendStream(this, id, s.writable, StreamPriority.NORMAL), new WebRecvStream(this, id, s.readable)));
    });
    void this.pump(transport.incomingUnidirectionalStreams, (s) => {
      this.counters.streamsAccepted++;
      this.incomingUniStreams.push(new WebRecvStream(this, this.take('peerUni'), s));
    });
    void this.pump(transport.datagrams.readable, (d) => {
      this.counters.datagramsReceived++;
      this.incomingDatagrams.push(d);
    });
  }

  /** True once the session has ended. */
  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  /** The close error, once closed. */
  get closeError(): QuicError | undefined {
    return this.error;
  }

  /** The browser does not expose the local address. */
  get localAddress(): string {
    return '';
  }

  /** The URL's host:port. */
  get remoteAddress(): string {
    return new URL(this.url).host;
  }

  /** `datagrams.maxDatagramSize` (W3C WebTransport §4.2); 0 once closed. */
  get maxDatagramSize(): number {
    if (this.error !== undefined) return 0;
    return this.transport.datagrams.maxDatagramSize ?? 0;
  }

  /**
   * @internal a `WebTransportError` with a stream error code, for abort / cancel (W3C
   * WebTransport §7; a plain object outside browsers). The W3C constructor is
   * `(message, { source, streamErrorCode })`; Chromium's older one takes one
   * `{ message, streamErrorCode }` dictionary and rejects the W3C form with a TypeError.
   */
  streamError(code: number): unknown {
    const message = `stream error ${code}`;
    const Ctor = (globalThis as { WebTransportError?: new (a?: unknown, b?: unknown) => unknown }).WebTransportError;
    if (Ctor !== undefined) {
      try {
        return new Ctor(message, { source: 'stream', streamErrorCode: code });
      } catch {
        try {
          return new Ctor({ message, streamErrorCode: code });
        } catch {
          // Fall through to the plain object.
        }
      }
    }
    return { name: 'WebTransportError', message, source: 'stream', streamErrorCode: code };
  }

  private take(kind: keyof WebQuicConnection['nextId']): number {
    const id = this.nextId[kind];
    this.nextId[kind] += 4;
    return id;
  }

  private async pump<T>(source: ReadableStream<T>, on: (item: T) => void): Promise<void> {
    const reader = source.getReader();
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) return;
        on(r.value);
      }
    } catch {
      // The session ended: `closed` reports how.
    }
  }

  private onClosed(info: CloseInfo): void {
    if (this.closeInfo !== undefined) return;
    this.closeInfo = info;
    const error = errorFromClose(info);
    this.error = error;
    this.incomingBiStreams.close(error);
    this.incomingUniStreams.close(error);
    this.incomingDatagrams.close(error);
    this.resolveClosed(info);
  }

  private failOpen(e: unknown): QuicError {
    if (this.error !== undefined) return this.error;
    if (isWebTransportError(e) && e.source === 'session') return new QuicError(QuicErrorCode.CONNECTION_CLOSED, `session closed: ${messageOf(e)}`, { initiator: 'peer' });
    return streamErrorFrom(e, 'write', -1, undefined);
  }

  /** Opens a bidirectional stream; `priority` becomes its `sendOrder` (higher first). */
  async openBiStream(options: OpenStreamOptionsLike = {}): Promise<WebBiStream> {
    const priority = priorityToSendOrder(options.priority ?? StreamPriority.NORMAL);
    if (this.error !== undefined) throw this.error;
    let s: WebTransportBidiLike;
    try {
      s = await this.transport.createBidirectionalStream({ sendOrder: priority });
    } catch (e) {
      throw this.failOpen(e);
    }
    this.counters.streamsOpened++;
    const id = this.take('localBidi');
    return new WebBiStream(new WebSendStream(this, id, s.writable, priority), new WebRecvStream(this, id, s.readable));
  }

  /** Opens a unidirectional stream; `priority` becomes its `sendOrder` (higher first). */
  async openUniStream(options: OpenStreamOptionsLike = {}): Promise<WebSendStream> {
    const priority = priorityToSendOrder(options.priority ?? StreamPriority.NORMAL);
    if (this.error !== undefined) throw this.error;
    let w: WebWritable;
    try {
      w = await this.transport.createUnidirectionalStream({ sendOrder: priority });
    } catch (e) {
      throw this.failOpen(e);
    }
    this.counters.streamsOpened++;
    return new WebSendStream(this, this.take('localUni'), w, priority);
  }

  /** The next bidirectional stream the peer opened. */
  acceptBiStream(): Promise<WebBiStream> {
    return this.incomingBiStreams.shift();
  }

  /** The next unidirectional stream the peer opened. */
  acceptUniStream(): Promise<WebRecvStream> {
    return this.incomingUniStreams.shift();
  }

  /**
   * Queues an unreliable datagram (W3C WebTransport §4.2; RFC 9221 §5: it may be lost or dropped).
   * @throws QuicError ERR_QUIC_DATAGRAM_UNSUPPORTED, ERR_QUIC_DATAGRAM_TOO_LARGE, or the close error.
   */
  sendDatagram(bytes: Uint8Array): void {
    if (this.error !== undefined) throw this.error;
    const max = this.maxDatagramSize;
    if (max === 0) throw new QuicError(QuicErrorCode.DATAGRAM_UNSUPPORTED, 'the session does not carry datagrams');
    if (bytes.length > max) throw new QuicError(QuicErrorCode.DATAGRAM_TOO_LARGE, `datagram of ${bytes.length} bytes exceeds the maximum of ${max}`);
    if (this.datagramWriter === undefined) {
      const d = this.transport.datagrams;
      const writable = d.createWritable !== undefined ? d.createWritable() : d.writable;
      if (writable === undefined) throw new QuicError(QuicErrorCode.DATAGRAM_UNSUPPORTED, 'this browser has no datagram writable');
      this.datagramWriter = writable.getWriter();
    }
    this.datagramWriter.write(bytes.slice()).catch(noop);
    this.counters.datagramsSent++;
  }

  /** The next received datagram. */
  recvDatagram(): Promise<Uint8Array> {
    return this.incomingDatagrams.shift();
  }

  /**
   * Counters from `getStats()` (W3C WebTransport §6.12) mapped to the connection stats, plus the
   * wrapper's own stream and datagram counts. Asynchronous (unlike Node's): `await conn.stats()`.
   * After the session closed, the last snapshot. Browsers without `getStats()` (Chromium 156)
   * give `transportStats: false` and zero transport counters.
   */
  async stats(): Promise<WebConnectionStats> {
    if (this.error === undefined && this.transport.getStats !== undefined) {
      try {
        this.lastStats = await this.transport.getStats();
      } catch {
        // Closed meanwhile: keep the last snapshot.
      }
    }
    return statsFromWebTransport(this.lastStats, { ...this.counters, datagramsDropped: this.incomingDatagrams.dropped });
  }

  /**
   * Closes the session with an application `code` (32-bit) and `reason` (≤ 1024 bytes),
   * draft-ietf-webtrans-overview-13 §4.1; resolves with the close info once closed.
   */
  async close(code = 0, reason = ''): Promise<CloseInfo> {
    checkCloseArguments(code, reason);
    if (this.closeInfo === undefined && this.closingByUs === undefined) {
      this.closingByUs = { code, reason };
      // Stream operations from now on fail with our close.
      this.error = errorFromClose(closeInfoFromWebTransport({ closeCode: code, reason }, true));
      try {
        this.transport.close({ closeCode: code, reason });
      } catch {
        this.onClosed(closeInfoFromWebTransport({ closeCode: code, reason }, true));
      }
    }
    return this.closed;
  }
}

/**
 * Opens a WebTransport session to `url` (an `https://` URL; use the IP literal, e.g.
 * `https://127.0.0.1:4433/path`, when pinning a certificate) and resolves once it is ready.
 * @throws QuicError ERR_QUIC_UNSUPPORTED without a WebTransport global, ERR_QUIC_INVALID_ARGUMENT for
 * a bad URL or hash, ERR_QUIC_HANDSHAKE when the session is refused or cannot be established.
 */
export async function connectWebTransport(url: string, options: WebConnectOptions = {}): Promise<WebQuicConnection> {
  const Ctor = options.WebTransport ?? (globalThis as { WebTransport?: WebTransportConstructorLike }).WebTransport;
  if (Ctor === undefined) throw new QuicError(QuicErrorCode.UNSUPPORTED, 'this runtime has no WebTransport (use a browser with WebTransport, or quic-multistream/node on Node.js)');
  const init: WebTransportInit = {};
  if (options.serverCertificateHashes !== undefined) init.serverCertificateHashes = options.serverCertificateHashes.map(toCertificateHash);
  if (options.congestionControl !== undefined) init.congestionControl = options.congestionControl;
  if (options.requireUnreliable !== undefined) init.requireUnreliable = options.requireUnreliable;
  if (options.allowPooling !== undefined) init.allowPooling = options.allowPooling;
  let wt: WebTransportLike;
  try {
    wt = new Ctor(url, init);
  } catch (e) {
    throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, `cannot open a WebTransport session to ${url}: ${messageOf(e)}`);
  }
  try {
    await wt.ready;
  } catch (e) {
    wt.closed.catch(noop);
    throw handshakeErrorFrom(e, url);
  }
  return new WebQuicConnection(wt, url, options.datagramQueue);
}
