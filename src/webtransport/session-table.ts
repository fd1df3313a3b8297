/**
 * The WebTransport sessions of one HTTP/3 connection, sans-IO (DESIGN §1): which session IDs
 * (CONNECT stream IDs) are established, pending or gone; where an incoming stream or datagram
 * goes; and the bounded buffering of streams and datagrams that arrive before their session.
 *
 * Implements:
 * - draft-ietf-webtrans-http3-16 §4.6: "WebTransport endpoints SHOULD buffer streams and
 *   datagrams until they can be associated with an established session. To avoid resource
 *   exhaustion, endpoints MUST limit the number of buffered streams and datagrams. When the
 *   number of buffered streams is exceeded, a stream MUST be closed by sending a RESET_STREAM
 *   and/or STOP_SENDING with the WT_BUFFERED_STREAM_REJECTED error code. When the number of
 *   buffered datagrams is exceeded, a datagram MUST be dropped."
 * - draft-16 §6: after termination "the endpoint MUST reset the send side and abort reading on the
 *   receive side of all unidirectional and bidirectional streams associated with the session ...
 *   using the WT_SESSION_GONE error code"; a stream for a gone session gets the same.
 * - draft-16 §4.5 and RFC 9297 §2.1: a datagram is `Quarter Stream ID (i), HTTP Datagram Payload
 *   (..)`, the quarter stream ID being the CONNECT stream ID divided by four. RFC 9297 §2.1:
 *   "Receipt of an HTTP Datagram that includes a larger value [than 2^60-1] MUST be treated as an
 *   HTTP/3 connection error of type H3_DATAGRAM_ERROR"; we drop it and count it instead of
 *   failing the whole connection, and so for other malformed datagrams.
 */
import { Reader, Writer } from '../util/bytes.js';
import { CodecError } from '../util/errors.js';
import { varintSize } from '../util/varint.js';
import { H3ErrorCode } from '../h3/errors.js';
import { WT_BUFFER_DEFAULTS, type WebTransportDraft } from './constants.js';

/** RFC 9297 §2.1: the largest quarter stream ID (2^60 - 1); the MAX_SAFE_INTEGER part we can represent. */
const MAX_QUARTER_STREAM_ID = Math.floor(Number.MAX_SAFE_INTEGER / 4);

/** Limits of the buffering (draft-16 §4.6). */
export interface SessionTableLimits {
  readonly maxBufferedStreams?: number;
  readonly maxBufferedDatagrams?: number;
  readonly maxBufferedDatagramBytes?: number;
  /** Most ended session IDs remembered (older ones are forgotten; default 1024). */
  readonly maxGoneSessions?: number;
}

/** Where an incoming stream goes. */
export type StreamRouting =
  | { readonly kind: 'deliver'; readonly sessionId: number }
  /** Held until the session is accepted (the bytes stay in the H3 session, bounded there). */
  | { readonly kind: 'buffer' }
  /** Refuse it: RESET_STREAM / STOP_SENDING with `code`. */
  | { readonly kind: 'reject'; readonly code: number };

/** Where an incoming datagram goes. */
export type DatagramRouting =
  | { readonly kind: 'deliver'; readonly sessionId: number; readonly payload: Uint8Array }
  | { readonly kind: 'buffer' }
  | { readonly kind: 'drop'; readonly why: 'malformed' | 'buffer_full' | 'session_gone' };

/** A decoded HTTP datagram (RFC 9297 §2.1). */
export interface HttpDatagram {
  /** The CONNECT stream ID (quarter stream ID × 4). */
  readonly sessionId: number;
  /** A view into the input. */
  readonly payload: Uint8Array;
}

/**
 * Decodes an HTTP/3 datagram (RFC 9297 §2.1).
 * @throws CodecError when truncated or the quarter stream ID exceeds 2^60 - 1 (or what a number holds).
 */
export function decodeHttpDatagram(r: Reader): HttpDatagram {
  const q = r.varint();
  if (q > MAX_QUARTER_STREAM_ID) throw new CodecError(`quarter stream ID ${q} too large`);
  return { sessionId: q * 4, payload: r.bytes(r.remaining) };
}

/** Encodes an HTTP/3 datagram (RFC 9297 §2.1); `sessionId` must be a client-initiated bidi stream ID. */
export function encodeHttpDatagram(w: Writer, d: HttpDatagram): void {
  w.varint(d.sessionId / 4).bytes(d.payload);
}

/** The encoded size of an HTTP/3 datagram. */
export function sizeOfHttpDatagram(d: HttpDatagram): number {
  return varintSize(d.sessionId / 4) + d.payload.length;
}

/** An HTTP/3 datagram as a new array. */
export function httpDatagramToBytes(sessionId: number, payload: Uint8Array): Uint8Array {
  const w = Writer.alloc(sizeOfHttpDatagram({ sessionId, payload }));
  encodeHttpDatagram(w, { sessionId, payload });
  return w.written();
}

type SessionState = { kind: 'open'; draft: WebTransportDraft } | { kind: 'pending' };

/** Counters. */
export interface SessionTableStats {
  readonly bufferedStreams: number;
  readonly bufferedDatagrams: number;
  readonly rejectedStreams: number;
  readonly droppedDatagrams: number;
}

/** The sessions of one HTTP/3 connection. */
export class SessionTable {
  private readonly limits: Required<SessionTableLimits>;
  private readonly sessions = new Map<number, SessionState>();
  private readonly gone = new Set<number>();
  /** Buffered stream ID -> session ID. */
  private readonly heldStreams = new Map<number, number>();
  private readonly heldDatagrams: HttpDatagram[] = [];
  private heldDatagramBytes = 0;
  private rejected = 0;
  private dropped = 0;

  /** @param limits buffering bounds (defaults: 16 streams, 32 datagrams, 64 KiB). */
  constructor(limits: SessionTableLimits = {}) {
    this.limits = {
      maxBufferedStreams: limits.maxBufferedStreams ?? WT_BUFFER_DEFAULTS.maxBufferedStreams,
      maxBufferedDatagrams: limits.maxBufferedDatagrams ?? WT_BUFFER_DEFAULTS.maxBufferedDatagrams,
      maxBufferedDatagramBytes: limits.maxBufferedDatagramBytes ?? WT_BUFFER_DEFAULTS.maxBufferedDatagramBytes,
      maxGoneSessions: limits.maxGoneSessions ?? 1024,
    };
  }

  /** A CONNECT request for `sessionId` is being decided (its streams are buffered meanwhile). */
  pending(sessionId: number): void {
    if (!this.sessions.has(sessionId) && !this.gone.has(sessionId)) this.sessions.set(sessionId, { kind: 'pending' });
  }

  /**
   * The session is established (server: 2xx sent; client: 2xx received). Returns the streams and
   * datagrams buffered for it, in arrival order, now to be delivered.
   */
  open(sessionId: number, draft: WebTransportDraft): { streams: number[]; datagrams: Uint8Array[] } {
    this.sessions.set(sessionId, { kind: 'open', draft });
    this.gone.delete(sessionId);
    const streams: number[] = [];
    for (const [id, sid] of this.heldStreams) {
      if (sid !== sessionId) continue;
      streams.push(id);
      this.heldStreams.delete(id);
    }
    const datagrams: Uint8Array[] = [];
    for (let i = 0; i < this.heldDatagrams.length; ) {
      const d = this.heldDatagrams[i]!;
      if (d.sessionId !== sessionId) {
        i++;
        continue;
      }
      datagrams.push(d.payload);
      this.heldDatagramBytes -= d.payload.length;
      this.heldDatagrams.splice(i, 1);
    }
    return { streams, datagrams };
  }

  /**
   * The session ended (closed either way, or its CONNECT was refused). Returns the streams still
   * buffered for it: the caller resets them with WT_SESSION_GONE (draft-16 §6). Later streams for
   * it are rejected with the same code and later datagrams dropped.
   */
  end(sessionId: number): number[] {
    this.sessions.delete(sessionId);
    this.gone.add(sessionId);
    // Bounded memory (DESIGN §5): forget the oldest ended sessions.
    if (this.gone.size > this.limits.maxGoneSessions) this.gone.delete(this.gone.values().next().value!);
    const streams: number[] = [];
    for (const [id, sid] of this.heldStreams) {
      if (sid !== sessionId) continue;
      streams.push(id);
      this.heldStreams.delete(id);
    }
    for (let i = this.heldDatagrams.length - 1; i >= 0; i--) {
      const d = this.heldDatagrams[i]!;
      if (d.sessionId !== sessionId) continue;
      this.heldDatagramBytes -= d.payload.length;
      this.heldDatagrams.splice(i, 1);
    }
    return streams;
  }

  /** The version of an established session, or undefined. */
  draftOf(sessionId: number): WebTransportDraft | undefined {
    const s = this.sessions.get(sessionId);
    return s?.kind === 'open' ? s.draft : undefined;
  }

  /** True while the session is established. */
  isOpen(sessionId: number): boolean {
    return this.sessions.get(sessionId)?.kind === 'open';
  }

  /** A stream signalled for `sessionId` arrived (draft-16 §4.2, §4.3). */
  onStream(streamId: number, sessionId: number): StreamRouting {
    const s = this.sessions.get(sessionId);
    if (s?.kind === 'open') return { kind: 'deliver', sessionId };
    // draft-16 §6: the session is gone: WT_SESSION_GONE.
    if (this.gone.has(sessionId)) return { kind: 'reject', code: H3ErrorCode.WT_SESSION_GONE };
    // draft-16 §4.6: "When the number of buffered streams is exceeded, a stream MUST be closed by
    // sending a RESET_STREAM and/or STOP_SENDING with the WT_BUFFERED_STREAM_REJECTED error code."
    if (this.heldStreams.size >= this.limits.maxBufferedStreams) {
      this.rejected++;
      return { kind: 'reject', code: H3ErrorCode.WT_BUFFERED_STREAM_REJECTED };
    }
    this.heldStreams.set(streamId, sessionId);
    return { kind: 'buffer' };
  }

  /** A buffered stream went away (reset by the peer, or rejected by the H3 layer's byte bound). */
  forgetStream(streamId: number): void {
    this.heldStreams.delete(streamId);
  }

  /** A QUIC DATAGRAM frame's payload arrived (RFC 9297 §2.1; draft-16 §4.5). */
  onDatagram(bytes: Uint8Array): DatagramRouting {
    let d: HttpDatagram;
    try {
      d = decodeHttpDatagram(new Reader(bytes));
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      this.dropped++;
      return { kind: 'drop', why: 'malformed' };
    }
    const s = this.sessions.get(d.sessionId);
    if (s?.kind === 'open') return { kind: 'deliver', sessionId: d.sessionId, payload: d.payload };
    if (this.gone.has(d.sessionId)) {
      this.dropped++;
      return { kind: 'drop', why: 'session_gone' };
    }
    // draft-16 §4.6: "When the number of buffered datagrams is exceeded, a datagram MUST be dropped."
    if (this.heldDatagrams.length >= this.limits.maxBufferedDatagrams || this.heldDatagramBytes + d.payload.length > this.limits.maxBufferedDatagramBytes) {
      this.dropped++;
      return { kind: 'drop', why: 'buffer_full' };
    }
    const payload = d.payload.slice();
    this.heldDatagrams.push({ sessionId: d.sessionId, payload });
    this.heldDatagramBytes += payload.length;
    return { kind: 'buffer' };
  }

  /** Counters. */
  stats(): SessionTableStats {
    return { bufferedStreams: this.heldStreams.size, bufferedDatagrams: this.heldDatagrams.length, rejectedStreams: this.rejected, droppedDatagrams: this.dropped };
  }
}
