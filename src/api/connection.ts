/**
 * `QuicConnection` (DESIGN §7): streams, datagrams (RFC 9221), stats and close over one core
 * `Connection`, fed by a driver (src/io) that hands it the connection's events. The same class
 * serves both roles; the driver decides how the connection's packets travel.
 *
 * Everything goes through the core's public surface: stream_reset / stream_stopped fail blocked
 * readers and writers (RFC 9000 §3.2, §3.5), streams_available wakes stream opens waiting for
 * MAX_STREAMS (RFC 9000 §4.6), `maxDatagramPayload()` follows the path MTU (RFC 9221 §5), and
 * session tickets and NEW_TOKEN tokens are collected for resumption (RFC 9001 §4.5, RFC 9000 §8.1.3).
 *
 * 0-RTT (RFC 9001 §4.6): a client connecting with `enableEarlyData` and a ticket that allows it
 * gets its QuicConnection before the handshake completes; `handshake` resolves with the outcome.
 * When the server rejects 0-RTT, RFC 9001 §4.6.2 says "The client therefore MUST reset the state
 * of all streams, including application state bound to those streams": the core drops the streams
 * opened in 0-RTT (their IDs are reused), and this class fails every stream object that existed
 * then with ERR_QUIC_0RTT_REJECTED (typed error, no transparent replay: the application opens its
 * streams again after `handshake`, under the server's real limits and ALPN).
 *
 * Server side, a QuicServer with `enableEarlyData` hands out a connection whose 0-RTT it accepted
 * as soon as it processed the ClientHello (core event 'early_data_accepted', like quinn's
 * `Connecting::into_0rtt` or quic-go's `ListenEarly`): `isHandshakeComplete` is false, `alpn` is
 * known, `handshakeInfo` is undefined until `handshake` resolves; the client's 0-RTT streams are
 * readable at once and replies go out in 1-RTT packets before the handshake completes (RFC 9001
 * §5.7). RFC 8446 §8 / RFC 9001 §9.2: 0-RTT data can be replayed, so act only on idempotent
 * requests before `handshake` resolves; if the handshake then fails, the connection closes with
 * the error (`closed`, `handshake` rejects, streams fail).
 */
import type { Connection } from '../connection/connection.js';
import type { MigrateResult } from '../connection/migration.js';
import type { ConnectionEvent, ConnectionStats } from '../connection/types.js';
import type { StreamDir } from '../streams/stream-id.js';
import type { SessionTicket } from '../tls/session-types.js';
import { monotonicNow } from '../io/clock.js';
import { toHex } from '../util/bytes.js';
import type { QuicConnectionLike } from '../api-common/connection-like.js';
import { AsyncQueue } from './async-queue.js';
import { QuicError, QuicErrorCode, errorFromClose, type CloseInfo } from './errors.js';
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
  /** Which side this is. */
  readonly role: 'client' | 'server';
  /** Client: binds a new local socket and migrates the connection to it (RFC 9000 §9.2). */
  migrate?(remote?: string): Promise<MigrateResult>;
}

/** How the handshake went (RFC 9001 §4.1.1, §4.5, §4.6). */
export interface HandshakeInfo {
  /** The negotiated ALPN protocol. */
  readonly alpn: string;
  /** True when the session was resumed with a ticket (RFC 9001 §4.5). */
  readonly resumed: boolean;
  /** What became of 0-RTT (RFC 9001 §4.6.2). */
  readonly earlyData: 'accepted' | 'rejected' | 'not_offered';
}

/**
 * Connection counters (DESIGN §7 ConnectionStats): the core's counters (streams opened/closed by
 * direction, datagrams sent/received/dropped/lost, pmtu, ...) and the API's own.
 */
export interface QuicConnectionStats extends ConnectionStats {
  /** Streams this side opened through the API. */
  readonly streamsOpened: number;
  /** Streams the peer opened. */
  readonly streamsAccepted: number;
  /** Streams finished on both sides and forgotten by the core (both directions). */
  readonly streamsClosed: number;
  /**
   * Received datagrams dropped: by the core's receive queue, plus those the application did not
   * take from `incomingDatagrams` in time (its bound is 256). `datagramsDropped` counts outgoing ones.
   */
  readonly datagramsReceivedDropped: number;
}

/** Options of `openBiStream` / `openUniStream`. */
export interface OpenStreamOptions {
  /** 0–255, higher first (default NORMAL 128). */
  readonly priority?: number;
}

/** Most unread incoming datagrams kept (RFC 9221 §5: datagrams may be dropped). */
const DATAGRAM_QUEUE = 256;
/** Most session tickets kept per connection (servers usually send one or two). */
const MAX_TICKETS = 8;
/** Every this many new streams, stream objects the core forgot are dropped from the event maps. */
const SWEEP_EVERY = 64;

interface PendingOpen {
  readonly priority: number;
  readonly resolve: (id: number) => void;
  readonly reject: (e: unknown) => void;
}

/** A QUIC connection (client or server side). */
export class QuicConnection implements StreamHost, QuicConnectionLike<QuicBiStream, QuicSendStream, QuicRecvStream> {
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
  private readonly pendingOpens: Record<StreamDir, PendingOpen[]> = { bidi: [], uni: [] };
  /**
   * Resolves with the handshake's outcome once it completed (RFC 9001 §4.1.1); rejects with the
   * close error if the connection ends first. With 0-RTT, `earlyData: 'rejected'` means streams
   * opened before failed with ERR_QUIC_0RTT_REJECTED.
   */
  readonly handshake: Promise<HandshakeInfo>;
  private resolveHandshake!: (info: HandshakeInfo) => void;
  private rejectHandshake!: (e: unknown) => void;
  private handshakeValue: HandshakeInfo | undefined;
  private resolveClosed!: (info: CloseInfo) => void;
  private closeInfo: CloseInfo | undefined;
  private error: QuicError | undefined;
  private alpnValue: string | undefined;
  private readonly ticketList: SessionTicket[] = [];
  private newTokenValue: Uint8Array | undefined;
  private counters = { streamsOpened: 0, streamsAccepted: 0 };
  private newStreams = 0;

  /** @internal made by QuicServer / QuicClient. */
  constructor(link: ConnectionLink) {
    this.link = link;
    this.connection = link.connection;
    this.id = toHex(link.connection.activeConnectionIds[0] ?? new Uint8Array(0));
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.handshake = new Promise<HandshakeInfo>((resolve, reject) => {
      this.resolveHandshake = resolve;
      this.rejectHandshake = reject;
    });
    this.handshake.catch(() => undefined); // a connection that fails early must not be an unhandled rejection
  }

  /** The handshake's outcome, once complete. */
  get handshakeInfo(): HandshakeInfo | undefined {
    return this.handshakeValue;
  }

  /**
   * True once the handshake completed (RFC 9001 §4.1.1). False on a connection handed out early:
   * a client's 0-RTT connection, or a server's connection whose 0-RTT it accepted (QuicServer
   * `enableEarlyData`): until then the peer may be replaying 0-RTT data (RFC 8446 §8).
   */
  get isHandshakeComplete(): boolean {
    return this.handshakeValue !== undefined;
  }

  /** The latest session ticket the server sent (client; RFC 9001 §4.5): pass it as `sessionTicket` to resume. */
  get sessionTicket(): SessionTicket | undefined {
    return this.ticketList[this.ticketList.length - 1];
  }

  /** Every session ticket received so far (at most the last 8), oldest first. */
  get tickets(): readonly SessionTicket[] {
    return this.ticketList;
  }

  /** The latest NEW_TOKEN token (client; RFC 9000 §8.1.3): pass it as `token` to a later connection. */
  get newToken(): Uint8Array | undefined {
    return this.newTokenValue;
  }

  /** The negotiated ALPN protocol (after the handshake; on a server, once it accepted 0-RTT). */
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

  /** Our address string on the path in use (it changes with a migration, RFC 9000 §9). */
  get localAddress(): string {
    const local = this.connection.path.local;
    return local !== '' ? local : this.link.localAddress;
  }

  /** The peer's address string on the path in use (it changes with a migration, RFC 9000 §9). */
  get remoteAddress(): string {
    const remote = this.connection.path.remote;
    return remote !== '' ? remote : this.link.remoteAddress;
  }

  /**
   * Client: active migration (RFC 9000 §9.2) to a new local socket (a new port), same server
   * address; the core switches with a new connection ID and validates the new path.
   * @throws QuicError ERR_QUIC_UNSUPPORTED on a server, ERR_QUIC_INVALID_STATE when the core
   * refuses (before the handshake is confirmed, no spare connection ID, disable_active_migration).
   */
  async migrate(): Promise<void> {
    if (this.link.migrate === undefined) throw new QuicError(QuicErrorCode.UNSUPPORTED, 'only a client migrates (RFC 9000 §9)');
    if (this.error !== undefined) throw this.error;
    const r = await this.link.migrate();
    if (r !== 'ok') throw new QuicError(QuicErrorCode.INVALID_STATE, `migration refused: ${r}`);
  }

  /** True once the connection has ended (closed, idle, reset). */
  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  /** The close error, once closed. */
  get closeError(): QuicError | undefined {
    return this.error;
  }

  wake(): void {
    this.link.wake();
  }

  applyPriority(id: number, priority: number): void {
    this.connection.setStreamPriority(id, priority); // DESIGN §7 StreamPriority
  }

  /** @internal one event of the core connection, in order. */
  handleEvent(ev: ConnectionEvent): void {
    switch (ev.type) {
      case 'early_data_accepted':
        this.alpnValue = ev.alpn; // server: ALPN is settled at the ClientHello (RFC 9001 §8.1)
        break;
      case 'handshake_completed':
        if (ev.earlyData === 'rejected' && this.link.role === 'client') this.onZeroRttRejected();
        this.alpnValue = ev.alpn;
        this.handshakeValue = { alpn: ev.alpn, resumed: ev.resumed, earlyData: ev.earlyData };
        this.resolveHandshake(this.handshakeValue);
        // Opens that waited for the peer's transport parameters (or for a 0-RTT rejection).
        this.retryOpens('bidi');
        this.retryOpens('uni');
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
      case 'stream_reset':
        this.recvs.get(ev.streamId)?.onReset(ev.code);
        break;
      case 'stream_stopped':
        this.sends.get(ev.streamId)?.onStopped(ev.code);
        break;
      case 'streams_available':
        this.retryOpens(ev.dir);
        break;
      case 'session_ticket':
        this.ticketList.push(ev.ticket);
        if (this.ticketList.length > MAX_TICKETS) this.ticketList.shift();
        break;
      case 'new_token':
        this.newTokenValue = ev.token;
        break;
      case 'datagram_received':
        for (let d = this.connection.readDatagram(); d !== undefined; d = this.connection.readDatagram()) this.incomingDatagrams.push(d);
        break;
      case 'connection_closed':
        this.onClosed({ initiator: ev.by, code: ev.code, reason: ev.reason, errorSpace: ev.errorSpace, handshakeCompleted: this.handshakeValue !== undefined });
        break;
      default:
        // Connection IDs, paths (the driver's business), and event types added to the core later.
        break;
    }
  }

  /**
   * RFC 9000 §4.6: opens waiting in `dir` get IDs in call order while the peer's limit
   * allows; the core emits streams_available again once a MAX_STREAMS lifts it.
   */
  private retryOpens(dir: StreamDir): void {
    const queue = this.pendingOpens[dir];
    while (queue.length > 0 && this.error === undefined) {
      const p = queue[0]!;
      const id = this.connection.openStream(dir, p.priority);
      if (id === undefined) break;
      queue.shift();
      p.resolve(id);
    }
  }

  /**
   * Keeps the event maps bounded: a stream the core forgot (both parts terminal, RFC 9000 §3.3)
   * gets no more events, so its objects leave the maps (the application may keep them; their
   * counters stay in their StreamStatsTracker). Amortised: one pass every SWEEP_EVERY new streams.
   */
  private noteNewStream(): void {
    if (++this.newStreams % SWEEP_EVERY !== 0) return;
    for (const map of [this.recvs, this.sends]) {
      for (const id of map.keys()) if (this.connection.streamState(id) === undefined) map.delete(id);
    }
  }

  /** RFC 9001 §4.6.2: the core dropped every stream; fail their objects (their IDs will be reused). */
  private onZeroRttRejected(): void {
    const error = new QuicError(QuicErrorCode.ZERO_RTT_REJECTED, 'the server rejected 0-RTT (RFC 9001 §4.6.2): open the stream again and resend');
    for (const r of this.recvs.values()) {
      r.statsTracker.freeze();
      r.onClosed(error);
    }
    for (const s of this.sends.values()) {
      s.statsTracker.freeze();
      s.onClosed(error);
    }
    this.recvs.clear();
    this.sends.clear();
  }

  private onPeerStream(id: number): void {
    this.counters.streamsAccepted++;
    this.noteNewStream();
    const bidi = (id & 0x2) === 0;
    const recv = new QuicRecvStream(this, id);
    this.recvs.set(id, recv);
    if (bidi) {
      const send = new QuicSendStream(this, id, StreamPriority.NORMAL, recv.statsTracker);
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
    this.rejectHandshake(error);
    for (const p of [...this.pendingOpens.bidi.splice(0), ...this.pendingOpens.uni.splice(0)]) p.reject(error);
    for (const r of this.recvs.values()) r.onClosed(error);
    for (const s of this.sends.values()) s.onClosed(error);
    this.incomingBiStreams.close(error);
    this.incomingUniStreams.close(error);
    this.incomingDatagrams.close(error);
    this.resolveClosed(info);
  }

  private async open(dir: StreamDir, options: OpenStreamOptions): Promise<number> {
    const priority = checkPriority(options.priority ?? StreamPriority.NORMAL);
    if (this.error !== undefined) throw this.error;
    const queue = this.pendingOpens[dir];
    const id = queue.length === 0 ? this.connection.openStream(dir, priority) : undefined;
    if (id !== undefined) return id;
    // RFC 9000 §4.6: at the peer's stream limit (or before its transport parameters), wait for
    // streams_available (or handshake_completed).
    return new Promise<number>((resolve, reject) => queue.push({ priority, resolve, reject }));
  }

  /** Opens a bidirectional stream (waits for stream credit, RFC 9000 §4.6). */
  async openBiStream(options: OpenStreamOptions = {}): Promise<QuicBiStream> {
    const id = await this.open('bidi', options);
    this.counters.streamsOpened++;
    this.noteNewStream();
    const send = new QuicSendStream(this, id, options.priority ?? StreamPriority.NORMAL);
    const recv = new QuicRecvStream(this, id, send.statsTracker);
    this.sends.set(id, send);
    this.recvs.set(id, recv);
    return new QuicBiStream(send, recv);
  }

  /** Opens a unidirectional stream (waits for stream credit, RFC 9000 §4.6). */
  async openUniStream(options: OpenStreamOptions = {}): Promise<QuicSendStream> {
    const id = await this.open('uni', options);
    this.counters.streamsOpened++;
    this.noteNewStream();
    const send = new QuicSendStream(this, id, options.priority ?? StreamPriority.NORMAL);
    this.sends.set(id, send);
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

  /**
   * Largest payload `sendDatagram` accepts now (0: the peer accepts no datagrams, RFC 9221 §3): one
   * 1-RTT packet at the current path MTU (it grows with DPLPMTUD, RFC 9000 §14.3) and the peer's
   * max_datagram_frame_size, less the frame header (the core's `maxDatagramPayload`).
   */
  get maxDatagramSize(): number {
    if (this.error !== undefined) return 0;
    return this.connection.maxDatagramPayload();
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
    this.wake();
  }

  /** The next received datagram. */
  recvDatagram(): Promise<Uint8Array> {
    return this.incomingDatagrams.shift();
  }

  /** Counters (DESIGN §7): the core's, plus the API's stream counts and receive-queue drops. */
  stats(): QuicConnectionStats {
    const core = this.connection.stats();
    return {
      ...core, ...this.counters,
      streamsClosed: core.streamsClosedBidi + core.streamsClosedUni,
      datagramsReceivedDropped: core.datagramsReceivedDropped + this.incomingDatagrams.dropped,
    };
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
