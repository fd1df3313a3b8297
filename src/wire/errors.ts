/**
 * QUIC transport error codes and the error a peer's protocol violation becomes inside the core
 * (DESIGN §5).
 *
 * Implements:
 * - RFC 9000 §20.1: the transport error codes carried by CONNECTION_CLOSE of type 0x1c, including
 *   the CRYPTO_ERROR range 0x0100-0x01ff.
 * - RFC 9001 §4.8: a TLS alert becomes CRYPTO_ERROR 0x0100 + AlertDescription.
 * - RFC 9368 §4 and §10.2: VERSION_NEGOTIATION_ERROR (0x11).
 * - RFC 9000 §20.2: application error codes are opaque to the transport.
 *
 * RFC 9221 (DATAGRAM) defines no error code; its violations use PROTOCOL_VIOLATION (RFC 9221 §3).
 */

/**
 * The transport error codes (RFC 9000 §20.1; VERSION_NEGOTIATION_ERROR from RFC 9368 §10.2).
 * The CRYPTO_ERROR range is not listed here: see `CRYPTO_ERROR_BASE` and `cryptoErrorCode`.
 */
export const TransportErrorCode = {
  /** RFC 9000 §20.1: the connection is being closed abruptly in the absence of any error. */
  NO_ERROR: 0x00,
  /** RFC 9000 §20.1: the endpoint encountered an internal error and cannot continue. */
  INTERNAL_ERROR: 0x01,
  /** RFC 9000 §20.1: the server refused to accept a new connection. */
  CONNECTION_REFUSED: 0x02,
  /** RFC 9000 §20.1: more data was received than the advertised data limits permit (§4). */
  FLOW_CONTROL_ERROR: 0x03,
  /** RFC 9000 §20.1: a frame named a stream beyond the advertised stream limit. */
  STREAM_LIMIT_ERROR: 0x04,
  /** RFC 9000 §20.1: a frame arrived for a stream in a state that does not permit it (§3). */
  STREAM_STATE_ERROR: 0x05,
  /** RFC 9000 §20.1: a final size was exceeded, lowered or changed. */
  FINAL_SIZE_ERROR: 0x06,
  /** RFC 9000 §20.1: a frame was badly formatted (an unknown type, say). */
  FRAME_ENCODING_ERROR: 0x07,
  /** RFC 9000 §20.1: transport parameters were malformed, invalid, missing or forbidden. */
  TRANSPORT_PARAMETER_ERROR: 0x08,
  /** RFC 9000 §20.1: the peer provided more connection IDs than active_connection_id_limit. */
  CONNECTION_ID_LIMIT_ERROR: 0x09,
  /** RFC 9000 §20.1: a protocol violation not covered by a more specific code. */
  PROTOCOL_VIOLATION: 0x0a,
  /** RFC 9000 §20.1: a client Initial carried an invalid Token field. */
  INVALID_TOKEN: 0x0b,
  /** RFC 9000 §20.1: the application or application protocol closed the connection. */
  APPLICATION_ERROR: 0x0c,
  /** RFC 9000 §20.1: more CRYPTO frame data was received than can be buffered. */
  CRYPTO_BUFFER_EXCEEDED: 0x0d,
  /** RFC 9000 §20.1: an error in performing key updates (RFC 9001 §6). */
  KEY_UPDATE_ERROR: 0x0e,
  /** RFC 9000 §20.1: the confidentiality or integrity limit of the AEAD was reached. */
  AEAD_LIMIT_REACHED: 0x0f,
  /** RFC 9000 §20.1: the network path cannot support QUIC (too small an MTU, say). */
  NO_VIABLE_PATH: 0x10,
  /** RFC 9368 §4, registered in §10.2: an error negotiating the version. */
  VERSION_NEGOTIATION_ERROR: 0x11,
} as const;

/** The name of a listed transport error code (`'NO_ERROR'`, ...). */
export type TransportErrorCodeName = keyof typeof TransportErrorCode;

/** One of the listed transport error code values. */
export type KnownTransportErrorCode = (typeof TransportErrorCode)[TransportErrorCodeName];

/** RFC 9000 §20.1: the first code of the CRYPTO_ERROR range (0x0100-0x01ff). */
export const CRYPTO_ERROR_BASE = 0x0100;

/** RFC 9000 §20.1: the last code of the CRYPTO_ERROR range. */
export const CRYPTO_ERROR_LAST = 0x01ff;

/**
 * An application protocol error code (RFC 9000 §20.2): a 62-bit varint whose meaning the
 * application protocol defines (HTTP/3 uses RFC 9114 §8.1, for instance). The transport carries
 * it in RESET_STREAM, STOP_SENDING and CONNECTION_CLOSE of type 0x1d without interpreting it.
 */
export type ApplicationErrorCode = number;

const NAME_BY_CODE: ReadonlyMap<number, TransportErrorCodeName> = new Map(
  (Object.keys(TransportErrorCode) as TransportErrorCodeName[]).map((name) => [TransportErrorCode[name], name]),
);

/**
 * The CRYPTO_ERROR code for a TLS alert (RFC 9001 §4.8: "The AlertDescription value is added to
 * 0x0100 to produce a QUIC error code from the range reserved for CRYPTO_ERROR").
 * @param alert a TLS AlertDescription, 0..255 (RFC 8446 §6).
 * @throws RangeError if `alert` is not an integer in 0..255 (a programming error).
 */
export function cryptoErrorCode(alert: number): number {
  if (!Number.isInteger(alert) || alert < 0 || alert > 0xff) throw new RangeError(`not a TLS alert: ${alert}`);
  return CRYPTO_ERROR_BASE + alert;
}

/** True if `code` lies in the CRYPTO_ERROR range 0x0100-0x01ff (RFC 9000 §20.1). */
export function isCryptoError(code: number): boolean {
  return Number.isInteger(code) && code >= CRYPTO_ERROR_BASE && code <= CRYPTO_ERROR_LAST;
}

/** The TLS alert carried by a CRYPTO_ERROR code (RFC 9001 §4.8), or undefined for other codes. */
export function alertOf(code: number): number | undefined {
  return isCryptoError(code) ? code - CRYPTO_ERROR_BASE : undefined;
}

/**
 * A human-readable name for a transport error code, for logs, qlog and error messages:
 * the RFC name for a listed code (`'FLOW_CONTROL_ERROR'`), `'CRYPTO_ERROR(0x178)'` for the
 * CRYPTO_ERROR range (the code, whose low byte is the TLS alert), and `'UNKNOWN(0x…)'` otherwise
 * (RFC 9000 §20.1 lets new codes be registered, so an unknown code is not an error by itself).
 */
export function transportErrorName(code: number): string {
  const name = NAME_BY_CODE.get(code);
  if (name !== undefined) return name;
  if (isCryptoError(code)) return `CRYPTO_ERROR(0x${code.toString(16)})`;
  return `UNKNOWN(0x${code.toString(16)})`;
}

/**
 * A connection error detected inside the core: a peer's protocol violation, or a local failure,
 * that the connection turns into a CONNECTION_CLOSE frame of type 0x1c at one boundary
 * (DESIGN §5; RFC 9000 §10.2, §11.1).
 *
 * It is the only error the core's input handlers throw on bad peer input; codecs throw
 * `CodecError`, which the caller maps to the code the RFC prescribes for the structure (for
 * instance FRAME_ENCODING_ERROR for frames, TRANSPORT_PARAMETER_ERROR for transport parameters).
 */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  /** The transport error code (RFC 9000 §20.1), possibly in the CRYPTO_ERROR range. */
  readonly code: number;
  /**
   * The type of the frame that triggered the error, or undefined when no frame did or it is
   * unknown; CONNECTION_CLOSE then carries 0 (RFC 9000 §19.19: "A value of 0 (equivalent to the
   * mention of the PADDING frame) is used when the frame type is unknown").
   */
  readonly frameType: number | undefined;
  /** The reason phrase for CONNECTION_CLOSE (RFC 9000 §19.19); may be empty. */
  readonly reason: string;

  /**
   * @param code the transport error code (RFC 9000 §20.1).
   * @param frameType the type of the frame that triggered the error, if known.
   * @param reason a short explanation, sent as the reason phrase.
   * @param options `cause`: the underlying error (a `CodecError`, say), kept for diagnostics.
   */
  constructor(code: number, frameType: number | undefined, reason: string, options?: { cause?: unknown }) {
    const where = frameType === undefined ? '' : ` (frame type 0x${frameType.toString(16)})`;
    super(`${transportErrorName(code)}${where}: ${reason}`, options);
    this.code = code;
    this.frameType = frameType;
    this.reason = reason;
  }
}
