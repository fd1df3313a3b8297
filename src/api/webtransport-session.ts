/**
 * One WebTransport session (draft-ietf-webtrans-http3-16) as a `QuicConnectionLike` (DESIGN §7:
 * "The same `QuicConnection` interface is implemented by a raw QUIC connection, by a WebTransport
 * session accepted by our HTTP/3 server, and in the browser ..."): streams carry the 0x41 / 0x54
 * header (§4.2, §4.3), datagrams the quarter stream ID (§4.5, RFC 9297 §2.1), and the session
 * ends by WT_CLOSE_SESSION or the CONNECT stream's end (§6), after which every stream of the
 * session is reset with WT_SESSION_GONE ("the endpoint MUST reset the send side and abort reading
 * on the receive side of all unidirectional and bidirectional streams associated with the
 * session ... using the WT_SESSION_GONE error code; it MUST NOT send any new datagrams or open any
 * new streams"). Draining (§4.7): `draining` resolves when the peer sends WT_DRAIN_SESSION or
 * the HTTP/3 connection receives GOAWAY, and `drain()` asks the peer to wind the session down.
 */
import { Writer } from '../util/bytes.js';
import { varintSize } from '../util/varint.js';
import { H3Error, H3ErrorCode } from '../h3/errors.js';
import { H3FrameType, H3StreamType } from '../h3/frames.js';
import { H3Session } from '../h3/session.js';
import { ConnectStreamReader, closeSessionCapsule, drainSessionCapsule } from '../webtransport/connect-stream.js';
import { MAX_WT_APPLICATION_CODE, type WebTransportDraft } from '../webtransport/constants.js';
import { httpDatagramToBytes } from '../webtransport/session-table.js';
import type { ConnectionStatsLike, QuicConnectionLike } from '../api-common/connection-like.js';
import { AsyncQueue } from './async-queue.js';
import type { QuicConnection } from './connection.js';
import { QuicError, QuicErrorCode, type CloseInfo } from './errors.js';
import type { Http3Connection } from './http3.js';
import type { Http3Body } from './http3-body.js';
import type { QuicBiStream, QuicRecvStream, QuicSendStream } from './stream.js';
import { WtBiStream, WtRecvStream, WtSendStream, type WtChunkSource } from './webtransport-stream.js';

/** What a session needs from its connection's WebTransport host (webtransport.ts). */
export interface WtSessionHost {
  readonly conn: QuicConnection;
  readonly h3: Http3Connection;
  /** A session object was made for `sessionId` (it ends through `sessionEnded`). */
  created(sessionId: number, draft: WebTransportDraft): void;
  /** The session ended: forget it, reject its buffered streams, drop its datagrams. */
  sessionEnded(sessionId: number): void;
}

/** WebTransport counters on top of the QUIC connection's. */
export interface WebTransportSessionStats extends ConnectionStatsLike {
  readonly sessionId: number;
  readonly draft: WebTransportDraft;
}

/** A chunk source over a raw QUIC receive stream. */
export function rawSource(recv: QuicRecvStream): WtChunkSource {
  return { next: () => recv.readChunk(), stopSending: (code) => recv.stopSending(code) };
}

/** The stream header: signal or type, then the session ID (draft-16 §4.2, §4.3). */
function streamHeader(type: number, sessionId: number): Uint8Array {
  const w = Writer.alloc(varintSize(type) + varintSize(sessionId));
  return w.varint(type).varint(sessionId).written();
}

/** A WebTransport session. */
export class WebTransportSession implements QuicConnectionLike<WtBiStream, WtSendStream, WtRecvStream> {
  /** The CONNECT stream ID (draft-16 §2: the session ID). */
  readonly sessionId: number;
  /** The wire version in use. */
  readonly draft: WebTransportDraft;
  /** `<connection id>/wt<session id>`. */
  readonly id: string;
  /** The QUIC connection carrying the session. */
  readonly conn: QuicConnection;
  /** The HTTP/3 connection carrying the session (its `goaway()` drains every session on it, draft-16 §4.7). */
  readonly http3: Http3Connection;
  /** Resolves (never rejects) with how the session ended. */
  readonly closed: Promise<CloseInfo>;
  /**
   * Resolves (never rejects) once the peer asked to end the session gracefully: a WT_DRAIN_SESSION
   * capsule, or an HTTP/3 GOAWAY on the connection (draft-16 §4.7: "a signal to applications to
   * initiate shutdown"). The session stays usable ("an endpoint MAY continue using the session");
   * the application is expected to finish its work and `close()`. Stays pending otherwise.
   */
  readonly draining: Promise<void>;
  readonly incomingBiStreams = new AsyncQueue<WtBiStream>(1024);
  readonly incomingUniStreams = new AsyncQueue<WtRecvStream>(1024);
  readonly incomingDatagrams = new AsyncQueue<Uint8Array>(256);
  /** The request's `:path` and `origin` (server), or the URL's (client). */
  readonly path: string;
  readonly origin: string | undefined;
  private readonly host: WtSessionHost;
  private readonly connectSend: QuicSendStream;
  private readonly sends = new Set<WtSendStream>();
  private readonly recvs = new Set<WtRecvStream>();
  private resolveClosed!: (info: CloseInfo) => void;
  private error: QuicError | undefined;
  private counters = { streamsOpened: 0, streamsAccepted: 0, datagramsSent: 0, datagramsReceived: 0, datagramsDropped: 0 };
  /** Called once the session ended (the client closes its QUIC connection then). */
  onEnded: ((info: CloseInfo) => void) | undefined;
  private readonly peerFin: Promise<void>;
  private resolvePeerFin!: () => void;
  private resolveDraining!: () => void;
  private drainingSignalled = false;
  private drainSent = false;

  /** @internal */
  constructor(host: WtSessionHost, init: { sessionId: number; draft: WebTransportDraft; connect: QuicBiStream; body: Http3Body; path: string; origin: string | undefined }) {
    this.host = host;
    this.conn = host.conn;
    this.http3 = host.h3;
    this.sessionId = init.sessionId;
    this.draft = init.draft;
    this.id = `${host.conn.id}/wt${init.sessionId}`;
    this.path = init.path;
    this.origin = init.origin;
    this.connectSend = init.connect.send;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.peerFin = new Promise((resolve) => (this.resolvePeerFin = resolve));
    this.draining = new Promise((resolve) => (this.resolveDraining = resolve));
    host.created(init.sessionId, init.draft);
    void this.readCapsules(init.body, init.connect);
  }

  /** True once the peer asked to drain the session (see `draining`). */
  get isDraining(): boolean {
    return this.drainingSignalled;
  }

  /** @internal the peer sent WT_DRAIN_SESSION, or GOAWAY arrived on the connection (draft-16 §4.7). */
  onDrainSignal(): void {
    if (this.drainingSignalled || this.error !== undefined) return;
    this.drainingSignalled = true;
    this.resolveDraining();
  }

  /**
   * Asks the peer to wind the session down: a WT_DRAIN_SESSION capsule on the CONNECT stream
   * (draft-16 §4.7), sent once. Both sides may go on using the session until one of them closes
   * it. Does nothing once the session ended.
   */
  async drain(): Promise<void> {
    if (this.drainSent || this.error !== undefined) return;
    this.drainSent = true;
    try {
      await this.connectSend.write(H3Session.encodeData(drainSessionCapsule())); // RFC 9297 §3.2: capsules in DATA frames
    } catch {
      // the CONNECT stream or the connection is gone: `closed` reports it
    }
  }

  get isClosed(): boolean {
    return this.error !== undefined;
  }

  get closeError(): QuicError | undefined {
    return this.error;
  }

  get localAddress(): string {
    return this.conn.localAddress;
  }

  get remoteAddress(): string {
    return this.conn.remoteAddress;
  }

  /** The largest payload `sendDatagram` takes: the QUIC one less the quarter stream ID (RFC 9297 §2.1). */
  get maxDatagramSize(): number {
    if (this.error !== undefined) return 0;
    return Math.max(0, this.conn.maxDatagramSize - varintSize(this.sessionId / 4));
  }

  private async readCapsules(body: Http3Body, connect: QuicBiStream): Promise<void> {
    const reader = new ConnectStreamReader();
    try {
      for await (const c of body) {
        for (const ev of reader.onData(c)) {
          if (ev.type === 'closed') this.end('peer', ev.code, ev.reason);
          else if (ev.type === 'drain') this.onDrainSignal();
        }
      }
      this.resolvePeerFin();
      for (const ev of reader.onFin()) if (ev.type === 'closed') this.end('peer', ev.code, ev.reason);
    } catch (e) {
      this.resolvePeerFin();
      if (e instanceof H3Error) {
        // draft-16 §6: data after WT_CLOSE_SESSION, or a malformed capsule: "the stream MUST be
        // reset with code H3_MESSAGE_ERROR".
        try {
          connect.send.reset(e.code);
          connect.recv.stopSending(e.code);
        } catch {
          // gone already
        }
        this.end('local', e.code, e.message);
        return;
      }
      // The CONNECT stream was reset or the connection ended (draft-16 §6: "closed, either
      // cleanly or abruptly").
      const q = e instanceof QuicError ? e : undefined;
      const connClosed = this.conn.closeError;
      if (connClosed !== undefined) this.end(connClosed.initiator, connClosed.wireCode ?? 0, connClosed.reason ?? connClosed.message);
      else this.end(q?.initiator ?? 'peer', 0, q?.message ?? String(e));
    }
    // The peer closed: answer with our FIN (draft-16 §6: "The recipient MUST either close or
    // reset the stream in response").
    try {
      this.connectSend.finish();
    } catch {
      // already finished or reset
    }
  }

  /** @internal a stream of this session arrived. */
  deliverBi(s: WtBiStream): void {
    if (this.error !== undefined) return this.goneStream(s.send, s.recv);
    this.track(s.send, s.recv);
    this.counters.streamsAccepted++;
    this.incomingBiStreams.push(s);
  }

  /** @internal */
  deliverUni(r: WtRecvStream): void {
    if (this.error !== undefined) return this.goneStream(undefined, r);
    this.track(undefined, r);
    this.counters.streamsAccepted++;
    this.incomingUniStreams.push(r);
  }

  /** @internal a datagram of this session arrived (payload copied by the caller). */
  deliverDatagram(payload: Uint8Array): void {
    if (this.error !== undefined) return;
    this.counters.datagramsReceived++;
    this.incomingDatagrams.push(payload);
  }

  private track(send: WtSendStream | undefined, recv: WtRecvStream | undefined): void {
    if (send !== undefined) this.sends.add(send);
    if (recv !== undefined) this.recvs.add(recv);
    // DESIGN §5 (bounded memory): forget streams that are done in both directions of interest.
    if (this.sends.size + this.recvs.size > 512) {
      for (const s of this.sends) if (s.inner.finishedCleanly) this.sends.delete(s);
      for (const r of this.recvs) if (r.isDone) this.recvs.delete(r);
    }
  }

  private goneStream(send: WtSendStream | undefined, recv: WtRecvStream | undefined): void {
    send?.resetWire(H3ErrorCode.WT_SESSION_GONE);
    recv?.stopWire(H3ErrorCode.WT_SESSION_GONE, H3ErrorCode.WT_SESSION_GONE, this.error);
  }

  private checkOpen(): void {
    if (this.error !== undefined) throw this.error;
  }

  /** Opens a bidirectional stream: a QUIC stream whose first bytes are 0x41 and the session ID (draft-16 §4.3). */
  async openBiStream(options: { priority?: number } = {}): Promise<WtBiStream> {
    this.checkOpen();
    const s = await this.conn.openBiStream(options);
    const header = streamHeader(H3FrameType.WT_STREAM, this.sessionId);
    await s.send.write(header);
    const bi = new WtBiStream(new WtSendStream(s.send, header.length), new WtRecvStream(s.id, rawSource(s.recv)));
    this.counters.streamsOpened++;
    if (this.error !== undefined) {
      this.goneStream(bi.send, bi.recv);
      throw this.error;
    }
    this.track(bi.send, bi.recv);
    return bi;
  }

  /** Opens a unidirectional stream of type 0x54 with the session ID (draft-16 §4.2). */
  async openUniStream(options: { priority?: number } = {}): Promise<WtSendStream> {
    this.checkOpen();
    const s = await this.conn.openUniStream(options);
    const header = streamHeader(H3StreamType.WEBTRANSPORT, this.sessionId);
    await s.write(header);
    const send = new WtSendStream(s, header.length);
    this.counters.streamsOpened++;
    if (this.error !== undefined) {
      this.goneStream(send, undefined);
      throw this.error;
    }
    this.track(send, undefined);
    return send;
  }

  acceptBiStream(): Promise<WtBiStream> {
    return this.incomingBiStreams.shift();
  }

  acceptUniStream(): Promise<WtRecvStream> {
    return this.incomingUniStreams.shift();
  }

  /**
   * Sends a datagram: an HTTP Datagram with this session's quarter stream ID (draft-16 §4.5).
   * @throws QuicError ERR_QUIC_DATAGRAM_TOO_LARGE / ERR_QUIC_DATAGRAM_UNSUPPORTED, or the close error.
   */
  sendDatagram(bytes: Uint8Array): void {
    this.checkOpen();
    const max = this.maxDatagramSize;
    if (max === 0) throw new QuicError(QuicErrorCode.DATAGRAM_UNSUPPORTED, 'the peer does not accept datagrams');
    if (bytes.length > max) throw new QuicError(QuicErrorCode.DATAGRAM_TOO_LARGE, `datagram of ${bytes.length} bytes exceeds the maximum of ${max}`);
    this.conn.sendDatagram(httpDatagramToBytes(this.sessionId, bytes));
    this.counters.datagramsSent++;
  }

  recvDatagram(): Promise<Uint8Array> {
    return this.incomingDatagrams.shift();
  }

  /** The QUIC connection's transport counters with this session's stream and datagram counts. */
  stats(): WebTransportSessionStats {
    const q = this.conn.stats();
    return {
      bytesSent: q.bytesSent, bytesReceived: q.bytesReceived, packetsSent: q.packetsSent, packetsReceived: q.packetsReceived,
      lostPackets: q.lostPackets, rtt: q.rtt, ...this.counters, sessionId: this.sessionId, draft: this.draft,
    };
  }

  /**
   * Ends the session with an application code (32 bits) and reason: WT_CLOSE_SESSION then FIN on
   * the CONNECT stream (draft-16 §6: "An endpoint that sends a WT_CLOSE_SESSION capsule MUST
   * immediately send a FIN on the CONNECT Stream"). Resolves with the close info.
   */
  async close(code = 0, reason = ''): Promise<CloseInfo> {
    if (!Number.isInteger(code) || code < 0 || code > MAX_WT_APPLICATION_CODE) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, `WebTransport close code ${code} is not a 32-bit unsigned integer`);
    if (this.error === undefined) {
      const capsule = closeSessionCapsule(code, reason);
      this.end('local', code, reason);
      try {
        // RFC 9297 §3.2 / RFC 9114 §7.2.1: capsules travel in DATA frames on HTTP/3.
        // (the write is awaited so that the FIN follows the capsule's bytes)
        await this.connectSend.write(H3Session.encodeData(capsule));
        this.connectSend.finish();
      } catch {
        // the CONNECT stream or the connection is gone
      }
    }
    return this.closed;
  }

  /** Resolves once the peer finished (or reset) its side of the CONNECT stream. */
  get peerFinished(): Promise<void> {
    return this.peerFin;
  }

  /** @internal the session ended (draft-16 §6). */
  end(initiator: CloseInfo['initiator'], code: number, reason: string): void {
    if (this.error !== undefined) return;
    const info: CloseInfo = { initiator, code, reason, errorSpace: 'application', handshakeCompleted: true };
    this.error = new QuicError(QuicErrorCode.CONNECTION_CLOSED, `WebTransport session ${this.sessionId} closed by ${initiator}: ${code}${reason === '' ? '' : ` ${reason}`}`, { initiator, wireCode: code, reason, errorSpace: 'application' });
    // draft-16 §6: every stream of the session is reset / stopped with WT_SESSION_GONE.
    for (const s of this.sends) s.resetWire(H3ErrorCode.WT_SESSION_GONE);
    for (const r of this.recvs) r.stopWire(H3ErrorCode.WT_SESSION_GONE, H3ErrorCode.WT_SESSION_GONE, this.error);
    this.sends.clear();
    this.recvs.clear();
    this.incomingBiStreams.close(this.error);
    this.incomingUniStreams.close(this.error);
    this.incomingDatagrams.close(this.error);
    this.host.sessionEnded(this.sessionId);
    this.resolveClosed(info);
    this.onEnded?.(info);
  }
}
