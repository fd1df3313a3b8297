/**
 * WebTransport over HTTP/3 codepoints for the two wire versions this stack speaks, and the
 * application error code mapping.
 *
 * Implements:
 * - draft-ietf-webtrans-http3-16 §3.1 (SETTINGS_WT_ENABLED 0x2c7cf000, with SETTINGS_H3_DATAGRAM
 *   and SETTINGS_ENABLE_CONNECT_PROTOCOL), §3.2 (`:protocol` = webtransport-h3), §4.4 (stream
 *   error codes remapped into the WT_APPLICATION_ERROR range, Figure 4), §7.1 (draft version
 *   negotiation by the SETTINGS_WT_ENABLED codepoint), §9.2 (initial flow-control settings).
 * - draft-ietf-webtrans-http3-02, what Chromium speaks: SETTINGS_ENABLE_WEBTRANSPORT
 *   (0x2b603742) = 1, `:protocol` = webtransport, request header `sec-webtransport-http3-draft02: 1`
 *   answered with `sec-webtransport-http3-draft: draft02` (see /work/shared/peers/README.md).
 * Both versions share the stream signals (0x41 bidi, 0x54 uni), the quarter stream ID datagram
 * prefix (RFC 9297 §2.1) and the WT_CLOSE_SESSION / WT_DRAIN_SESSION capsules.
 */

/** The wire versions of WebTransport over HTTP/3 this stack implements. */
export const WebTransportDraft = {
  /** draft-ietf-webtrans-http3-02 (Chromium 156). */
  DRAFT02: 'draft02',
  /** draft-ietf-webtrans-http3-16. */
  DRAFT16: 'draft16',
} as const;
/** One of `WebTransportDraft`. */
export type WebTransportDraft = (typeof WebTransportDraft)[keyof typeof WebTransportDraft];

/** SETTINGS identifiers (draft-02 §3.1; draft-16 §9.2). */
export const WtSetting = {
  /** draft-02: SETTINGS_ENABLE_WEBTRANSPORT. */
  ENABLE_WEBTRANSPORT_DRAFT02: 0x2b603742,
  /** draft-16 §9.2: SETTINGS_WT_ENABLED. */
  WT_ENABLED_DRAFT16: 0x2c7cf000,
  /** draft-16 §9.2: SETTINGS_WT_INITIAL_MAX_STREAMS_UNI. */
  WT_INITIAL_MAX_STREAMS_UNI: 0x2b64,
  /** draft-16 §9.2: SETTINGS_WT_INITIAL_MAX_STREAMS_BIDI. */
  WT_INITIAL_MAX_STREAMS_BIDI: 0x2b65,
  /** draft-16 §9.2: SETTINGS_WT_INITIAL_MAX_DATA. */
  WT_INITIAL_MAX_DATA: 0x2b61,
} as const;

/** The `:protocol` token of each version (draft-16 §3.2, §9.1; draft-02 §3.2). */
export const WT_PROTOCOL: Readonly<Record<WebTransportDraft, string>> = { draft02: 'webtransport', draft16: 'webtransport-h3' };

/** draft-02: the request header a draft-02 client sends (value "1"). */
export const DRAFT02_REQUEST_HEADER = 'sec-webtransport-http3-draft02';
/** draft-02: the response header naming the version the server speaks. */
export const DRAFT02_RESPONSE_HEADER = 'sec-webtransport-http3-draft';
/** draft-02: its value. */
export const DRAFT02_RESPONSE_VALUE = 'draft02';

/** draft-16 §4.4 Figure 4: the first HTTP/3 code of the WT_APPLICATION_ERROR range. */
export const WT_APPLICATION_ERROR_FIRST = 0x52e4a40fa8db;
/** draft-16 §4.4 Figure 4: the last one. */
export const WT_APPLICATION_ERROR_LAST = 0x52e5ac983162;
/** draft-16 §4.4: application stream error codes are unsigned 32-bit integers. */
export const MAX_WT_APPLICATION_CODE = 0xffff_ffff;

/**
 * draft-16 §4.4: "WebTransport implementations MUST remap those error codes into the error range
 * reserved for WT_APPLICATION_ERROR" (`first + n + floor(n / 0x1e)`, skipping the reserved
 * 0x1f * N + 0x21 codepoints).
 * @throws RangeError for a code outside 0..2^32-1 (a caller bug, checked at the API boundary).
 */
export function webTransportCodeToHttp(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_WT_APPLICATION_CODE) throw new RangeError(`WebTransport error code ${n} is not a 32-bit unsigned integer`);
  return WT_APPLICATION_ERROR_FIRST + n + Math.floor(n / 0x1e);
}

/**
 * draft-16 §4.4 Figure 4, the inverse: the application code of an HTTP/3 code, or undefined when
 * it is outside the range or a reserved codepoint ("the error code is not mapped to a
 * WebTransport application error code").
 */
export function httpCodeToWebTransport(h: number): number | undefined {
  if (!Number.isSafeInteger(h) || h < WT_APPLICATION_ERROR_FIRST || h > WT_APPLICATION_ERROR_LAST) return undefined;
  if ((h - 0x21) % 0x1f === 0) return undefined;
  const shifted = h - WT_APPLICATION_ERROR_FIRST;
  return shifted - Math.floor(shifted / 0x1f);
}

/** Default bounds of the buffering of draft-16 §4.6. */
export const WT_BUFFER_DEFAULTS = {
  /** Streams held while their session is unknown (per HTTP/3 connection). */
  maxBufferedStreams: 16,
  /** Datagrams held while their session is unknown (per HTTP/3 connection). */
  maxBufferedDatagrams: 32,
  /** Bytes of those datagrams. */
  maxBufferedDatagramBytes: 64 * 1024,
} as const;
