/**
 * Pure mappings between the browser's WebTransport (W3C WebTransport; the model of
 * draft-ietf-webtrans-overview-13) and the public API of DESIGN §7: stream priority to
 * `sendOrder`, close info and `WebTransportError`s to `CloseInfo` / `QuicError`, `getStats()` to
 * the connection counters, and certificate hashes to `WebTransportHash`es. No browser global is
 * touched here, so Node tests exercise every mapping (spec-tests/unit/web).
 *
 * The structural types below describe only what this build uses of the browser objects; they are
 * declared here (not taken from lib.dom) so tests can pass plain fakes.
 */
import { QuicError, QuicErrorCode, type CloseInfo } from '../api-common/errors.js';
import type { ConnectionStatsLike } from '../api-common/connection-like.js';
import { isValidPriority } from '../scheduler/priority.js';

/** `WebTransportCloseInfo` (W3C WebTransport §5.10): what `closed` resolves with. */
export interface WebTransportCloseInfoLike {
  readonly closeCode?: number;
  readonly reason?: string;
}

/** The fields of a `WebTransportError` (W3C WebTransport §7) this build reads. */
export interface WebTransportErrorLike {
  readonly name?: string;
  readonly message?: string;
  /** 'stream' or 'session'. */
  readonly source?: string;
  /** The application error code of a stream reset / STOP_SENDING, or null. */
  readonly streamErrorCode?: number | null;
}

/** `WebTransportConnectionStats` (W3C WebTransport §6.12); every field optional (browsers differ). */
export interface WebTransportStatsLike {
  readonly bytesSent?: number;
  readonly bytesReceived?: number;
  readonly packetsSent?: number;
  readonly packetsReceived?: number;
  readonly packetsLost?: number;
  readonly bytesLost?: number;
  /** Milliseconds (DOMHighResTimeStamp). */
  readonly smoothedRtt?: number;
  readonly rttVariation?: number;
  readonly minRtt?: number;
  readonly estimatedSendRate?: number | null;
  readonly datagrams?: {
    readonly droppedIncoming?: number;
    readonly expiredOutgoing?: number;
    readonly lostOutgoing?: number;
  };
}

/** The largest application error code WebTransport carries (32 bits, W3C WebTransport §5.10 / §7). */
export const MAX_WEBTRANSPORT_CODE = 0xffff_ffff;
/** W3C WebTransport §5.10 close(): the reason is at most 1024 bytes of UTF-8. */
export const MAX_CLOSE_REASON_BYTES = 1024;

/**
 * The `sendOrder` of a stream of priority `priority` (DESIGN §7: 0–255, higher first). W3C
 * WebTransport §5.3 `sendOrder`: streams with a higher send order are sent before lower ones,
 * and equal ones share (the same rule as DESIGN §7), so the mapping is the identity.
 * @throws QuicError ERR_QUIC_INVALID_ARGUMENT outside 0..255.
 */
export function priorityToSendOrder(priority: number): number {
  if (!isValidPriority(priority)) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, `priority must be an integer in 0..255, got ${String(priority)}`);
  return priority;
}

/**
 * Validates `close(code, reason)` arguments for WebTransport (32-bit code, reason ≤ 1024 bytes,
 * which the browser would otherwise truncate).
 * @throws QuicError ERR_QUIC_INVALID_ARGUMENT.
 */
export function checkCloseArguments(code: number, reason: string): void {
  if (!Number.isInteger(code) || code < 0 || code > MAX_WEBTRANSPORT_CODE) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, `WebTransport close codes are 32-bit, got ${code}`);
  if (new TextEncoder().encode(reason).length > MAX_CLOSE_REASON_BYTES) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, `close reason exceeds ${MAX_CLOSE_REASON_BYTES} bytes`);
}

/**
 * The `CloseInfo` of a session that ended cleanly (`closed` resolved with `info`): an application
 * close, by us if we called `close()`, else by the peer.
 */
export function closeInfoFromWebTransport(info: WebTransportCloseInfoLike | undefined, byUs: boolean): CloseInfo {
  return { initiator: byUs ? 'local' : 'peer', code: info?.closeCode ?? 0, reason: info?.reason ?? '', errorSpace: 'application', handshakeCompleted: true };
}

/**
 * The `CloseInfo` of a session that ended abruptly (`closed` rejected with `error`): the
 * connection was lost or refused. The browser does not expose the transport error code, so the
 * code is 0 and the reason is the browser's message.
 */
export function closeInfoFromSessionError(error: unknown, handshakeCompleted: boolean): CloseInfo {
  return { initiator: 'peer', code: 0, reason: messageOf(error), errorSpace: 'transport', handshakeCompleted };
}

/** True for a `WebTransportError`-shaped value. */
export function isWebTransportError(e: unknown): e is WebTransportErrorLike {
  return typeof e === 'object' && e !== null && ((e as { name?: unknown }).name === 'WebTransportError' || typeof (e as { source?: unknown }).source === 'string');
}

/**
 * The `QuicError` for a stream operation that failed with `e`. A `WebTransportError` of source
 * 'stream' is the peer's RESET_STREAM (on a read) or STOP_SENDING (on a write): ERR_QUIC_STREAM_RESET
 * / ERR_QUIC_STREAM_STOPPED with `wireCode` = `streamErrorCode` (draft-ietf-webtrans-overview-13
 * §4.3: streams can be reset with an application error code). Anything else, once the session is
 * closed, is the session's close error.
 */
export function streamErrorFrom(e: unknown, op: 'read' | 'write', streamId: number, sessionError: QuicError | undefined): QuicError {
  if (e instanceof QuicError) return e;
  if (isWebTransportError(e) && e.source === 'stream') {
    const code = e.streamErrorCode ?? 0;
    if (op === 'read') return new QuicError(QuicErrorCode.STREAM_RESET, `stream ${streamId} was reset by the peer with code ${code}`, { initiator: 'peer', wireCode: code });
    return new QuicError(QuicErrorCode.STREAM_STOPPED, `the peer stopped stream ${streamId} with code ${code}`, { initiator: 'peer', wireCode: code });
  }
  if (sessionError !== undefined) return sessionError;
  return new QuicError(QuicErrorCode.INVALID_STATE, `stream ${streamId}: ${messageOf(e)}`);
}

/** The `QuicError` for a failed session establishment (`ready` rejected). */
export function handshakeErrorFrom(e: unknown, url: string): QuicError {
  return new QuicError(QuicErrorCode.HANDSHAKE, `WebTransport session to ${url} failed: ${messageOf(e)}`, { initiator: 'peer', reason: messageOf(e), errorSpace: 'transport' });
}

/** Counters kept by the wrapper itself (the browser does not count them). */
export interface WebCounters {
  readonly streamsOpened: number;
  readonly streamsAccepted: number;
  readonly datagramsSent: number;
  readonly datagramsReceived: number;
  readonly datagramsDropped: number;
}

/** `stats()` of the browser build: the common counters plus what WebTransport adds. */
export interface WebConnectionStats extends ConnectionStatsLike {
  readonly bytesLost: number;
  /** Microseconds. */
  readonly minRtt: number;
  /** Microseconds. */
  readonly rttVariation: number;
  /** Bits per second, or undefined when the browser has no estimate. */
  readonly estimatedSendRate: number | undefined;
  /**
   * False when the browser has no `getStats()` (Chromium 156 has none): the transport counters
   * (bytes, packets, rtt) are then 0 and only the wrapper's own counters are meaningful.
   */
  readonly transportStats: boolean;
}

/** Milliseconds (DOMHighResTimeStamp) to integer microseconds (the Node API's rtt unit). */
function msToMicros(ms: number | undefined): number {
  return ms === undefined || !Number.isFinite(ms) ? 0 : Math.round(ms * 1000);
}

/**
 * Maps `getStats()` (or undefined when the browser has none) plus the wrapper's counters onto the
 * connection stats (missing fields are 0).
 */
export function statsFromWebTransport(stats: WebTransportStatsLike | undefined, c: WebCounters): WebConnectionStats {
  const s = stats ?? {};
  return {
    transportStats: stats !== undefined,
    bytesSent: s.bytesSent ?? 0,
    bytesReceived: s.bytesReceived ?? 0,
    packetsSent: s.packetsSent ?? 0,
    packetsReceived: s.packetsReceived ?? 0,
    lostPackets: s.packetsLost ?? 0,
    bytesLost: s.bytesLost ?? 0,
    rtt: msToMicros(s.smoothedRtt),
    minRtt: msToMicros(s.minRtt),
    rttVariation: msToMicros(s.rttVariation),
    estimatedSendRate: s.estimatedSendRate ?? undefined,
    streamsOpened: c.streamsOpened,
    streamsAccepted: c.streamsAccepted,
    datagramsSent: c.datagramsSent,
    datagramsReceived: c.datagramsReceived,
    datagramsDropped: c.datagramsDropped + (s.datagrams?.droppedIncoming ?? 0),
  };
}

/** A certificate hash as given to `connectWebTransport`: raw SHA-256 bytes, or hex / base64 text. */
export type CertificateHashInput = Uint8Array | ArrayBuffer | string;

/** `WebTransportHash` (W3C WebTransport §6.6). */
export interface WebTransportHashLike {
  readonly algorithm: 'sha-256';
  readonly value: Uint8Array;
}

/**
 * `serverCertificateHashes` entries (W3C WebTransport §6.6: SHA-256 of the DER certificate, which
 * must be valid for at most 14 days). Accepts what `QuicServer.certificate.sha256` gives (bytes),
 * hex (64 digits, optional colons) or base64 text.
 * @throws QuicError ERR_QUIC_INVALID_ARGUMENT unless the hash is 32 bytes.
 */
export function toCertificateHash(input: CertificateHashInput): WebTransportHashLike {
  let value: Uint8Array;
  if (typeof input === 'string') {
    const hex = input.replace(/:/g, '');
    if (/^[0-9a-fA-F]{64}$/.test(hex)) value = Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
    else {
      try {
        value = Uint8Array.from(atob(input), (ch) => ch.charCodeAt(0));
      } catch {
        throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, 'certificate hash text is neither hex nor base64');
      }
    }
  } else value = input instanceof Uint8Array ? new Uint8Array(input) : new Uint8Array(input.slice(0));
  if (value.length !== 32) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, `a SHA-256 certificate hash has 32 bytes, got ${value.length}`);
  return { algorithm: 'sha-256', value };
}

/** A readable message of any thrown value. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  return String(e);
}
