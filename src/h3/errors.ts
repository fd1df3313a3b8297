/**
 * HTTP/3, QPACK and HTTP Datagram error codes and the typed errors the h3 codecs raise
 * (DESIGN §5).
 *
 * Implements:
 * - RFC 9114 §8.1: the HTTP/3 error codes (0x0100-0x0110), and §8.1's reserved codes
 *   0x1f * N + 0x21 ("greasing").
 * - RFC 9204 §6: QPACK_DECOMPRESSION_FAILED (0x0200), QPACK_ENCODER_STREAM_ERROR (0x0201),
 *   QPACK_DECODER_STREAM_ERROR (0x0202).
 * - RFC 9297 §5.2: H3_DATAGRAM_ERROR (0x33).
 * - draft-ietf-webtrans-http3-16 §9.5: the WT_* error codes.
 *
 * `CodecError` (src/util/errors.ts) still means "these bytes are short or malformed"; these
 * classes carry the application error code the connection must close (or the stream reset) with.
 */

/** HTTP/3 error codes (RFC 9114 §8.1; RFC 9204 §6; RFC 9297 §5.2). */
export const H3ErrorCode = {
  /** RFC 9297 §5.2: malformed HTTP Datagram or capsule, or datagram misuse. */
  H3_DATAGRAM_ERROR: 0x33,
  /** RFC 9114 §8.1: no error; used when closing the connection or stream without error. */
  H3_NO_ERROR: 0x0100,
  /** RFC 9114 §8.1: peer violated protocol requirements in a way not matched by a more specific code. */
  H3_GENERAL_PROTOCOL_ERROR: 0x0101,
  /** RFC 9114 §8.1: an internal error occurred in the HTTP stack. */
  H3_INTERNAL_ERROR: 0x0102,
  /** RFC 9114 §8.1: the peer created a stream that will not be accepted. */
  H3_STREAM_CREATION_ERROR: 0x0103,
  /** RFC 9114 §8.1: a stream required by the HTTP/3 connection was closed or reset. */
  H3_CLOSED_CRITICAL_STREAM: 0x0104,
  /** RFC 9114 §8.1: a frame was received that is not permitted in the current state or stream. */
  H3_FRAME_UNEXPECTED: 0x0105,
  /** RFC 9114 §8.1: a frame failed the layout requirements or had an invalid size. */
  H3_FRAME_ERROR: 0x0106,
  /** RFC 9114 §8.1: the peer is exhibiting behavior that might generate excessive load. */
  H3_EXCESSIVE_LOAD: 0x0107,
  /** RFC 9114 §8.1: a stream ID or push ID was used incorrectly. */
  H3_ID_ERROR: 0x0108,
  /** RFC 9114 §8.1: an error in the payload of a SETTINGS frame. */
  H3_SETTINGS_ERROR: 0x0109,
  /** RFC 9114 §8.1: no SETTINGS frame was received at the beginning of the control stream. */
  H3_MISSING_SETTINGS: 0x010a,
  /** RFC 9114 §8.1: a server rejected a request without performing any application processing. */
  H3_REQUEST_REJECTED: 0x010b,
  /** RFC 9114 §8.1: the request or its response (including pushed response) is cancelled. */
  H3_REQUEST_CANCELLED: 0x010c,
  /** RFC 9114 §8.1: the client's stream terminated without containing a fully formed request. */
  H3_REQUEST_INCOMPLETE: 0x010d,
  /** RFC 9114 §8.1: an HTTP message was malformed and cannot be processed. */
  H3_MESSAGE_ERROR: 0x010e,
  /** RFC 9114 §8.1: the TCP connection established for a CONNECT request was reset or closed. */
  H3_CONNECT_ERROR: 0x010f,
  /** RFC 9114 §8.1: the requested operation cannot be served over HTTP/3; retry over HTTP/1.1. */
  H3_VERSION_FALLBACK: 0x0110,
  /** RFC 9204 §6: the decoder failed to interpret an encoded field section. */
  QPACK_DECOMPRESSION_FAILED: 0x0200,
  /** RFC 9204 §6: the decoder failed to interpret an encoder instruction. */
  QPACK_ENCODER_STREAM_ERROR: 0x0201,
  /** RFC 9204 §6: the encoder failed to interpret a decoder instruction. */
  QPACK_DECODER_STREAM_ERROR: 0x0202,
  /** draft-ietf-webtrans-http3-16 §9.5: a WebTransport stream was buffered then rejected. */
  WT_BUFFERED_STREAM_REJECTED: 0x3994bd84,
  /** draft-ietf-webtrans-http3-16 §9.5: the WebTransport session is gone. */
  WT_SESSION_GONE: 0x170d7b68,
  /** draft-ietf-webtrans-http3-16 §9.5: a WebTransport flow-control limit was violated. */
  WT_FLOW_CONTROL_ERROR: 0x045d4487,
  /** draft-ietf-webtrans-http3-16 §9.5: no acceptable application protocol. */
  WT_ALPN_ERROR: 0x0817b3dd,
  /** draft-ietf-webtrans-http3-16 §9.5: the peer did not meet WebTransport's requirements. */
  WT_REQUIREMENTS_NOT_MET: 0x212c0d48,
} as const;

/** A code from `H3ErrorCode`. */
export type H3ErrorCodeValue = (typeof H3ErrorCode)[keyof typeof H3ErrorCode];

/** The three QPACK error codes (RFC 9204 §6). */
export type QpackErrorCodeValue =
  | typeof H3ErrorCode.QPACK_DECOMPRESSION_FAILED
  | typeof H3ErrorCode.QPACK_ENCODER_STREAM_ERROR
  | typeof H3ErrorCode.QPACK_DECODER_STREAM_ERROR;

/**
 * RFC 9114 §8.1: "Error codes of the format 0x1f * N + 0x21 for non-negative integer values of N
 * are reserved to exercise the requirement that unknown error codes be treated as equivalent to
 * H3_NO_ERROR."
 */
export function isReservedH3Code(code: number): boolean {
  return code >= 0x21 && (code - 0x21) % 0x1f === 0;
}

/** The name of an HTTP/3 or QPACK error code, or `0x...` for an unknown one. */
export function h3ErrorName(code: number): string {
  for (const [name, value] of Object.entries(H3ErrorCode)) if (value === code) return name;
  return `0x${code.toString(16)}`;
}

/** An HTTP/3 connection or stream error (RFC 9114 §8): the code to close or reset with. */
export class H3Error extends Error {
  override readonly name: string = 'H3Error';
  /** The HTTP/3 error code (RFC 9114 §8.1). */
  readonly code: number;

  /**
   * @param code the HTTP/3 error code.
   * @param reason what went wrong, for humans (and the CONNECTION_CLOSE reason phrase).
   */
  constructor(code: number, reason: string) {
    super(`${h3ErrorName(code)}: ${reason}`);
    this.code = code;
  }
}

/** A QPACK connection error (RFC 9204 §6): always closes the connection with `code`. */
export class QpackError extends H3Error {
  override readonly name: string = 'QpackError';
  declare readonly code: QpackErrorCodeValue;

  /**
   * @param code one of the three QPACK error codes.
   * @param reason what went wrong.
   */
  constructor(code: QpackErrorCodeValue, reason: string) {
    super(code, reason);
  }
}

/**
 * A decoded field section exceeded the local SETTINGS_MAX_FIELD_SECTION_SIZE (RFC 9114 §4.2.2).
 * This is not a connection error: the caller resets the stream (H3_MESSAGE_ERROR for a request,
 * or answers 431) and the QPACK decoder has already cancelled the section.
 */
export class FieldSectionTooLargeError extends H3Error {
  override readonly name: string = 'FieldSectionTooLargeError';
  /** The stream the section was on. */
  readonly streamId: number;
  /** The limit that was exceeded. */
  readonly limit: number;

  /**
   * @param streamId the stream carrying the section.
   * @param limit the local SETTINGS_MAX_FIELD_SECTION_SIZE.
   */
  constructor(streamId: number, limit: number) {
    super(H3ErrorCode.H3_MESSAGE_ERROR, `field section on stream ${streamId} exceeds ${limit} bytes`);
    this.streamId = streamId;
    this.limit = limit;
  }
}
