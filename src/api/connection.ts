/**
 * `QuicConnection` (DESIGN §7): streams, datagrams (RFC 9221), stats and close over one core
 * `Connection`, fed by a driver (src/io) that hands it the connection's events. The same class
 * serves both roles; the driver decides how the connection's packets travel.
 */
import type { Connection } from '../connection/connection.js';
import type { ConnectionEvent, ConnectionStats } from '../connection/types.js';
import { monotonicNow } from '../io/clock.js';
import { peerMaxDatagramFrameSize } from '../io/stream-status.js';
import { toHex } from '../util/bytes.js';
import { AsyncQueue } from './async-queue.js';
import { QuicError, QuicErrorCode, errorFromClose, type CloseInfo } from './errors.js';
import { Signal } from './signal.js';
import { QuicBiStream, QuicRecvStream, QuicSendStream, StreamPriority, checkPriority, type StreamHost } from './stream.js';

/** What a QuicConnection needs from its driver. */
export interface ConnectionLink {
  readonly connection: Connection;
  /** Schedules a flush. */
  wake(): void;
  readonly localAddress: string;
  readonly remoteAddress: string;
  /** Resolves once the driver let go of the connection (socket closed or routes removed). */
  readonly released: Promise<void>;
}

/** Connection counters (DESIGN §7 ConnectionStats). */
export interface QuicConnectionStats extends ConnectionStats {
  readonly streamsOpened: number;
  readonly streamsAccepted: number;
  readonly datagramsSent: number;
  readonly datagramsReceived: number;
  readonly datagramsDropped: number;
}

/** Options of `openBiStream` / `openUniStream`. */
export interface OpenStreamOptions {
  /** 0–255, higher first (default NORMAL 128). */
  readonly priority?: number;
}

/** Most unread incoming datagrams kept (RFC 9221 §5: datagrams may be dropped). */
const DATAGRAM_QUEUE = 256;
/** Largest DATAGRAM payload sent: one 1200-byte packet minus header, tag, frame header and room for an ACK. */
export const MAX_DATAGRAM_PAYLOAD = 1200 - 1 - 20 - 4 - 16 - 3 - 64;

interface PendingOpen {
  readonly dir: 'bidi' | 'uni';
  readonly priority: number;
  readonly resolve: (id: number) => void;
  readonly reject: (e: unknown) => void;
}

/** A QUIC connection (client or server side). */
export class QuicConnection implements StreamHost {
  /** A stable identifier (hex of our first connection ID). */
  readonly id: string;
  /** @internal the core connection. */
  readonly connection: Connection;
  /** Resolves with how the connection ended. */
  readonly closed: Promise<CloseInfo>;
  /** Incoming bidirectional streams (async iterable). */
  readonly incomingBiStreams = new AsyncQueue<QuicBiStream>(100_000);
  /** Incoming unidirectional streams (async iterable). */
  readonly incomingUniStreams = new AsyncQueue<QuicRecvStream>(100_000);
  /** Incoming datagrams (async iterable). */
  readonly incomingDatagrams = new AsyncQueue<Uint8Array>(DATAGRAM_QUEUE);
  private readonly link: ConnectionLink;
  private readonly recvs = new Map<number, QuicRecvStream>();
  private readonly sends = new Map<number, QuicSendStream>();
  private readonly pendingOpens: PendingOpen[] = [];
  private readonly established = new Signal();
  private resolveClosed!: (info: CloseInfo) => void;
  private closeInfo: CloseInfo | undefined;
  private error: QuicError | undefined;
  private alpnValue: string | undefined;
  private counters = { streamsOpened: 0, streamsAccepted: 0, datagramsSent: 0, datagramsReceived: 0 };

  /** @internal made by QuicServer / QuicClient. */
  constructor(link: ConnectionLink) {
    this.link = link;
    this.connection = link.connection;
    this.id = toHex(link.connection.activeConnectionIds[0] ?? new Uint8Array(0));
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  /** The negotiated ALPN protocol (after the handshake). */
  get alpn(): string | undefined {
    return this.alpnValue;
  }

  /** The QUIC version in use (RFC 9000 §15; QUIC_V2 after compatible negotiation, RFC 9369). */
  get version(): number {
    return this.connection.version;
  }

  /**
   * Starts a 1-RTT key update (RFC 9001 §6.1). Returns false when not allowed yet: before the
   * handshake is confirmed, or while the previous update is not yet acknowledged. Try again later.
   */
  initiateKeyUpdate(): boolean {
    if (this.error !== undefined) return false;
    const ok = this.connection.initiateKeyUpdate(monotonicNow());
    if (ok) this.wake();
    return ok;
  }

  /** The Key Phase bit we send with (RFC 9001 §6): 0 or 1. */
  get keyPhase(): 0 | 1 {
    return this.connection.keyPhase;
  }

  /** Our address string. */
  get localAddress(): string {
    return this.link.localAddress;
  }

  /** The peer's address string. */
  get remoteAddress(): string {
    return this.link.remoteAddress;
  }

  /** True once the connection has ended (closed, idle, reset). */
  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  /** The close error, once closed. */
  get closeError(): QuicError | undefined {
    return this.error;
  }

  /** @internal resolves when the handshake completes; rejects with the close error. */
  handshake(): Promise<void> {
    if (this.alpnValue !== undefined) return Promise.resolve();
    return this.established.wait();
  }

  wake(): void {
    this.link.wake();
  }

  applyPriority(id: number, priority: number): void {
    // The core's setStreamPriority, when it exists (DESIGN §7 StreamPriority).
    const core = this.connection as unknown as { setStreamPriority?: (id: number, p: number) => void };
    if (typeof core.setStreamPriority === 'function') core.setStreamPriority(id, priority);
  }

  /** @internal one event of the core connection, in order. */
  handleEvent(ev: ConnectionEvent): void {
    switch (ev.type) {
      case 'handshake_completed':
        this.alpnValue = ev.alpn;
        this.established.notify();
        break;
      case 'stream_opened':
        this.onPeerStream(ev.streamId);
        break;
      case 'stream_readable':
        this.recvs.get(ev.streamId)?.onReadable();
        break;
      case 'stream_writable':
        this.sends.get(ev.streamId)?.onWritable();
        break;
      case 'datagram_received':
        for (let d = this.connection.readDatagram(); d !== undefined; d = this.connection.readDatagram()) {
          this.counters.datagramsReceived++;
          this.incomingDatagrams.push(d);
        }
        break;
      case 'connection_closed':
        this.onClosed({ initiator: ev.by, code: ev.code, reason: ev.reason, errorSpace: ev.errorSpace, handshakeCompleted: this.alpnValue !== undefined });
        break;
      default:
        // session_ticket, connection IDs, and event types added to the core later: not the API's business.
        break;
    }
  }

  /** @internal after each flush: retry stream opens waiting for credit, re-check blocked writers. */
  poke(): void {
    while (this.pendingOpens.length > 0 && this.error === undefined) {
      const p = this.pendingOpens[0]!;
      const id = this.connection.openStream(p.dir);
      if (id === undefined) break;
      this.pendingOpens.shift();
      p.resolve(id);
    }
    for (const s of this.sends.values()) if (s.blocked) s.onWritable();
  }

  private onPeerStream(id: number): void {
    this.counters.streamsAccepted++;
    const bidi = (id & 0x2) === 0;
    const recv = new QuicRecvStream(this, id);
    this.recvs.set(id, recv);
    if (bidi) {
      const send = new QuicSendStream(this, id, StreamPriority.NORMAL);
      this.sends.set(id, send);
      this.incomingBiStreams.push(new QuicBiStream(send, recv));
    } else {
      this.incomingUniStreams.push(recv);
    }
  }

  private onClosed(info: CloseInfo): void {
    if (this.closeInfo !== undefined) return;
    this.closeInfo = info;
    const error = errorFromClose(info);
    this.error = error;
    this.established.fail(error);
    for (const p of this.pendingOpens.splice(0)) p.reject(error);
    for (const r of this.recvs.values()) r.onClosed(error);
    for (const s of this.sends.values()) s.onClosed(error);
    this.incomingBiStreams.close(error);
    this.incomingUniStreams.close(error);
    this.incomingDatagrams.close(error);
    this.resolveClosed(info);
  }

  private async open(dir: 'bidi' | 'uni', options: OpenStreamOptions): Promise<number> {
    const priority = checkPriority(options.priority ?? StreamPriority.NORMAL);
    if (this.error !== undefined) throw this.error;
    const id = this.pendingOpens.length === 0 ? this.connection.openStream(dir) : undefined;
    if (id !== undefined) return id;
    // RFC 9000 §4.6: at the peer's stream limit, wait for MAX_STREAMS.
    return new Promise<number>((resolve, reject) => this.pendingOpens.push({ dir, priority, resolve, reject }));
  }

  /** Opens a bidirectional stream (waits for stream credit, RFC 9000 §4.6). */
  async openBiStream(options: OpenStreamOptions = {}): Promise<QuicBiStream> {
    const id = await this.open('bidi', options);
    this.counters.streamsOpened++;
    const send = new QuicSendStream(this, id, options.priority ?? StreamPriority.NORMAL);
    const recv = new QuicRecvStream(this, id);
    this.sends.set(id, send);
    this.recvs.set(id, recv);
    if (options.priority !== undefined) this.applyPriority(id, options.priority);
    return new QuicBiStream(send, recv);
  }

  /** Opens a unidirectional stream (waits for stream credit, RFC 9000 §4.6). */
  async openUniStream(options: OpenStreamOptions = {}): Promise<QuicSendStream> {
    const id = await this.open('uni', options);
    this.counters.streamsOpened++;
    const send = new QuicSendStream(this, id, options.priority ?? StreamPriority.NORMAL);
    this.sends.set(id, send);
    if (options.priority !== undefined) this.applyPriority(id, options.priority);
    return send;
  }

  /** The next bidirectional stream the peer opened. */
  acceptBiStream(): Promise<QuicBiStream> {
    return this.incomingBiStreams.shift();
  }

  /** The next unidirectional stream the peer opened. */
  acceptUniStream(): Promise<QuicRecvStream> {
    return this.incomingUniStreams.shift();
  }

  /** Largest payload `sendDatagram` accepts now (0: the peer accepts no datagrams, RFC 9221 §3). */
  get maxDatagramSize(): number {
    const peer = peerMaxDatagramFrameSize(this.connection);
    if (peer === 0) return 0;
    // The frame is type (1) + length varint (<= 2 bytes here) + payload (RFC 9221 §4).
    return Math.max(0, Math.min(peer - 3, MAX_DATAGRAM_PAYLOAD));
  }

  /**
   * Queues an unreliable datagram (RFC 9221 §5). Datagrams may be lost or dropped.
   * @throws QuicError ERR_QUIC_DATAGRAM_UNSUPPORTED, ERR_QUIC_DATAGRAM_TOO_LARGE, or the close error.
   */
  sendDatagram(bytes: Uint8Array): void {
    if (this.error !== undefined) throw this.error;
    const max = this.maxDatagramSize;
    if (max === 0) throw new QuicError(QuicErrorCode.DATAGRAM_UNSUPPORTED, 'the peer does not accept datagrams (or the handshake is not complete)');
    if (bytes.length > max) throw new QuicError(QuicErrorCode.DATAGRAM_TOO_LARGE, `datagram of ${bytes.length} bytes exceeds the maximum of ${max}`);
    try {
      this.connection.sendDatagram(bytes);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      throw new QuicError(code === 'ERR_QUIC_DATAGRAM_TOO_LARGE' ? QuicErrorCode.DATAGRAM_TOO_LARGE : QuicErrorCode.DATAGRAM_UNSUPPORTED, e instanceof Error ? e.message : String(e));
    }
    this.counters.datagramsSent++;
    this.wake();
  }

  /** The next received datagram. */
  recvDatagram(): Promise<Uint8Array> {
    return this.incomingDatagrams.shift();
  }

  /** Counters (DESIGN §7). */
  stats(): QuicConnectionStats {
    return { ...this.connection.stats(), ...this.counters, datagramsDropped: this.incomingDatagrams.dropped };
  }

  /**
   * Closes with an application error code and reason (RFC 9000 §10.2); resolves with the close
   * info once the connection has ended and its driver released it.
   */
  async close(code = 0, reason = ''): Promise<CloseInfo> {
    if (!Number.isInteger(code) || code < 0 || code > 2 ** 53 - 1) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, `bad error code ${code}`);
    if (this.closeInfo === undefined) {
      this.connection.close(monotonicNow(), code, reason);
      this.wake();
    }
    const info = await this.closed;
    await this.link.released;
    return info;
  }
}
