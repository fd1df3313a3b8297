/**
 * Public errors with stable string codes (DESIGN §5: "Public errors are classes with stable
 * string codes ... that say who closed (local, peer, idle, stateless reset) and carry the wire
 * code and reason"). The wire codes are RFC 9000 §20 transport codes (errorSpace 'transport'),
 * CRYPTO_ERROR 0x100 + TLS alert (RFC 9001 §4.8), or application codes (errorSpace 'application').
 *
 * Pure and shared by both backends of DESIGN §7: the Node API (src/api re-exports this module) and
 * the browser build over WebTransport (src/web), so `instanceof QuicError` and the codes are one.
 */
import type { CloseInitiator } from '../connection/types.js';

/** Stable codes of `QuicError`. */
export const QuicErrorCode = {
  CONNECTION_CLOSED: 'ERR_QUIC_CONNECTION_CLOSED',
  STREAM_RESET: 'ERR_QUIC_STREAM_RESET',
  STREAM_STOPPED: 'ERR_QUIC_STREAM_STOPPED',
  STREAM_FINISHED: 'ERR_QUIC_STREAM_FINISHED',
  HANDSHAKE: 'ERR_QUIC_HANDSHAKE',
  CERTIFICATE: 'ERR_QUIC_CERTIFICATE',
  IDLE_TIMEOUT: 'ERR_QUIC_IDLE_TIMEOUT',
  STATELESS_RESET: 'ERR_QUIC_STATELESS_RESET',
  INVALID_ARGUMENT: 'ERR_QUIC_INVALID_ARGUMENT',
  INVALID_STATE: 'ERR_QUIC_INVALID_STATE',
  STREAM_LIMIT: 'ERR_QUIC_STREAM_LIMIT',
  DATAGRAM_UNSUPPORTED: 'ERR_QUIC_DATAGRAM_UNSUPPORTED',
  DATAGRAM_TOO_LARGE: 'ERR_QUIC_DATAGRAM_TOO_LARGE',
  UNSUPPORTED: 'ERR_QUIC_UNSUPPORTED',
  /** The server rejected 0-RTT (RFC 9001 §4.6.2): streams opened before the handshake completed failed; open them again. */
  ZERO_RTT_REJECTED: 'ERR_QUIC_0RTT_REJECTED',
} as const;

/** One of the `QuicErrorCode` values. */
export type QuicErrorCode = (typeof QuicErrorCode)[keyof typeof QuicErrorCode];

/** Who caused an error: the close initiators of the core, or 'local' for API misuse. */
export type QuicErrorInitiator = CloseInitiator;

/** Fields of a `QuicError`. */
export interface QuicErrorInit {
  readonly initiator?: QuicErrorInitiator;
  /** The code on the wire (CONNECTION_CLOSE, RESET_STREAM, STOP_SENDING). */
  readonly wireCode?: number;
  /** The reason phrase of a CONNECTION_CLOSE. */
  readonly reason?: string;
  /** 'transport' (RFC 9000 §20 / CRYPTO_ERROR) or 'application'. */
  readonly errorSpace?: 'transport' | 'application';
}

/** Every error the public API raises. */
export class QuicError extends Error {
  override readonly name: string = 'QuicError';
  /** Stable machine-readable code. */
  readonly code: QuicErrorCode;
  /** Who caused it ('local' for misuse or our own close). */
  readonly initiator: QuicErrorInitiator;
  readonly wireCode: number | undefined;
  readonly reason: string | undefined;
  readonly errorSpace: 'transport' | 'application' | undefined;

  constructor(code: QuicErrorCode, message: string, init: QuicErrorInit = {}) {
    super(message);
    this.code = code;
    this.initiator = init.initiator ?? 'local';
    this.wireCode = init.wireCode;
    this.reason = init.reason;
    this.errorSpace = init.errorSpace;
  }
}

/** How a connection ended (what `QuicConnection.closed` resolves with). */
export interface CloseInfo {
  readonly initiator: CloseInitiator;
  /** The CONNECTION_CLOSE error code (0 for idle timeout and stateless reset). */
  readonly code: number;
  readonly reason: string;
  readonly errorSpace: 'transport' | 'application';
  /** True if the handshake had completed. */
  readonly handshakeCompleted: boolean;
}

/** RFC 9001 §4.8: CRYPTO_ERROR codes are 0x100 + the TLS alert. */
const CRYPTO_ERROR_BASE = 0x100;
/** TLS alerts about certificates (RFC 8446 §6.2): bad_certificate .. unknown_ca. */
const CERTIFICATE_ALERTS: ReadonlySet<number> = new Set([42, 43, 44, 45, 46, 48]);

/** The error a connection's end gives to pending and later operations. */
export function errorFromClose(info: CloseInfo): QuicError {
  const init: QuicErrorInit = { initiator: info.initiator, wireCode: info.code, reason: info.reason, errorSpace: info.errorSpace };
  switch (info.initiator) {
    case 'idle':
      return new QuicError(QuicErrorCode.IDLE_TIMEOUT, info.handshakeCompleted ? 'connection idle timeout' : 'handshake timed out (no answer from the peer)', init);
    case 'stateless_reset':
      return new QuicError(QuicErrorCode.STATELESS_RESET, 'the peer sent a stateless reset', init);
    case 'version_negotiation':
      // RFC 9000 §6.2: the server does not speak our version; the attempt was abandoned.
      return new QuicError(QuicErrorCode.HANDSHAKE, info.reason, init);
    case 'local':
    case 'peer': {
      const isCrypto = info.errorSpace === 'transport' && info.code >= CRYPTO_ERROR_BASE && info.code <= CRYPTO_ERROR_BASE + 0xff;
      if (isCrypto && CERTIFICATE_ALERTS.has(info.code - CRYPTO_ERROR_BASE)) {
        return new QuicError(QuicErrorCode.CERTIFICATE, `certificate rejected (${info.initiator}): ${info.reason}`, init);
      }
      if (!info.handshakeCompleted && info.errorSpace === 'transport') {
        return new QuicError(QuicErrorCode.HANDSHAKE, `handshake failed (${info.initiator}, code 0x${info.code.toString(16)}): ${info.reason}`, init);
      }
      return new QuicError(QuicErrorCode.CONNECTION_CLOSED, `connection closed by ${info.initiator} (${info.errorSpace} code ${info.code}): ${info.reason}`, init);
    }
    default: {
      const never: never = info.initiator;
      return new QuicError(QuicErrorCode.CONNECTION_CLOSED, `connection closed (${String(never)})`, init);
    }
  }
}
