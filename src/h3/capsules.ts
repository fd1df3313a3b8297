/**
 * HTTP capsules (RFC 9297 §3.2): `Capsule { Type (i), Length (i), Value (..) }` on a data stream
 * using the Capsule Protocol, with the DATAGRAM capsule and the WebTransport capsules.
 *
 * Implements:
 * - RFC 9297 §3.2: capsule layout; §3.5 DATAGRAM capsule (type 0x00, value = HTTP Datagram
 *   payload); unknown capsule types are returned as `unknown` for the caller to skip ("Endpoints that
 *   receive a Capsule with an unknown Capsule Type MUST silently drop that Capsule and skip over
 *   it to parse the next Capsule", §3.2).
 * - RFC 9297 §3.3: "When a receiver encounters an error processing the Capsule Protocol, the
 *   receiver MUST treat it as if it had received a malformed or incomplete HTTP message" ->
 *   H3Error H3_MESSAGE_ERROR (RFC 9114 §4.1.2).
 * - draft-ietf-webtrans-http3-16 §6 WT_CLOSE_SESSION (0x2843: 32-bit code, message of at most
 *   1024 bytes of UTF-8; otherwise "the receiver MUST reset the stream with code
 *   H3_MESSAGE_ERROR"), WT_DRAIN_SESSION (0x78ae, empty), §5.6 WT_MAX_STREAMS
 *   (0x190B4D3F bidi, 0x190B4D40 uni), WT_STREAMS_BLOCKED (0x190B4D43 bidi, 0x190B4D44 uni),
 *   WT_MAX_DATA (0x190B4D3D), WT_DATA_BLOCKED (0x190B4D41).
 *
 * A truncated capsule is a `CodecError` (wait for more bytes); a complete but malformed one an
 * `H3Error`.
 */
import { Reader, Writer } from '../util/bytes.js';
import { CodecError } from '../util/errors.js';
import { varintSize } from '../util/varint.js';
import { peekFrameHeader } from './frames.js';
import { H3Error, H3ErrorCode } from './errors.js';

/** Capsule types (RFC 9297 §3.5; draft-ietf-webtrans-http3-16 §9.6). */
export const CapsuleType = {
  DATAGRAM: 0x00,
  WT_CLOSE_SESSION: 0x2843,
  WT_DRAIN_SESSION: 0x78ae,
  WT_MAX_STREAMS_BIDI: 0x190b4d3f,
  WT_MAX_STREAMS_UNI: 0x190b4d40,
  WT_STREAMS_BLOCKED_BIDI: 0x190b4d43,
  WT_STREAMS_BLOCKED_UNI: 0x190b4d44,
  WT_MAX_DATA: 0x190b4d3d,
  WT_DATA_BLOCKED: 0x190b4d41,
} as const;

/** draft-ietf-webtrans-http3-16 §6: the longest WT_CLOSE_SESSION message, in bytes. */
export const MAX_CLOSE_MESSAGE = 1024;

/** A capsule. Byte fields are views into the input. */
export type Capsule =
  | { readonly type: 'datagram'; readonly payload: Uint8Array }
  | { readonly type: 'wt_close_session'; readonly errorCode: number; readonly message: string }
  | { readonly type: 'wt_drain_session' }
  | { readonly type: 'wt_max_streams'; readonly bidi: boolean; readonly maximum: number }
  | { readonly type: 'wt_streams_blocked'; readonly bidi: boolean; readonly maximum: number }
  | { readonly type: 'wt_max_data'; readonly maximum: number }
  | { readonly type: 'wt_data_blocked'; readonly maximum: number }
  | { readonly type: 'unknown'; readonly capsuleType: number; readonly payload: Uint8Array };

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a capsule header if complete, else undefined (for stream parsers). RFC 9297 §3.2: a
 * capsule starts with Capsule Type (i) and Capsule Length (i), the layout of an HTTP/3 frame
 * header, so the frame header reader serves.
 */
export function peekCapsuleHeader(buf: Uint8Array, offset = 0): { type: number; length: number; headerLength: number } | undefined {
  return peekFrameHeader(buf, offset);
}

function malformed(what: string): never {
  throw new H3Error(H3ErrorCode.H3_MESSAGE_ERROR, `malformed ${what} capsule`);
}

function onlyVarint(value: Uint8Array, what: string): number {
  const r = new Reader(value);
  try {
    const v = r.varint();
    r.expectEnd(what);
    return v;
  } catch (err) {
    if (err instanceof CodecError) malformed(what);
    throw err;
  }
}

/**
 * Decodes one capsule.
 * @param maxLength the largest capsule value accepted (H3_EXCESSIVE_LOAD beyond it; default 64 KiB).
 * @throws CodecError if truncated; H3Error if malformed.
 */
export function decodeCapsule(r: Reader, maxLength = 65536): Capsule {
  const type = r.varint();
  const length = r.varint();
  if (length > maxLength) throw new H3Error(H3ErrorCode.H3_EXCESSIVE_LOAD, `capsule of ${length} bytes`);
  const value = r.bytes(length);
  switch (type) {
    case CapsuleType.DATAGRAM:
      return { type: 'datagram', payload: value };
    case CapsuleType.WT_CLOSE_SESSION: {
      if (value.length < 4 || value.length > 4 + MAX_CLOSE_MESSAGE) malformed('WT_CLOSE_SESSION');
      const errorCode = new Reader(value).u32();
      let message: string;
      try {
        message = utf8Strict.decode(value.subarray(4));
      } catch {
        return malformed('WT_CLOSE_SESSION');
      }
      return { type: 'wt_close_session', errorCode, message };
    }
    case CapsuleType.WT_DRAIN_SESSION:
      if (value.length !== 0) malformed('WT_DRAIN_SESSION');
      return { type: 'wt_drain_session' };
    case CapsuleType.WT_MAX_STREAMS_BIDI:
    case CapsuleType.WT_MAX_STREAMS_UNI:
      return { type: 'wt_max_streams', bidi: type === CapsuleType.WT_MAX_STREAMS_BIDI, maximum: onlyVarint(value, 'WT_MAX_STREAMS') };
    case CapsuleType.WT_STREAMS_BLOCKED_BIDI:
    case CapsuleType.WT_STREAMS_BLOCKED_UNI:
      return { type: 'wt_streams_blocked', bidi: type === CapsuleType.WT_STREAMS_BLOCKED_BIDI, maximum: onlyVarint(value, 'WT_STREAMS_BLOCKED') };
    case CapsuleType.WT_MAX_DATA:
      return { type: 'wt_max_data', maximum: onlyVarint(value, 'WT_MAX_DATA') };
    case CapsuleType.WT_DATA_BLOCKED:
      return { type: 'wt_data_blocked', maximum: onlyVarint(value, 'WT_DATA_BLOCKED') };
    default:
      return { type: 'unknown', capsuleType: type, payload: value };
  }
}

function typeOf(c: Capsule): number {
  switch (c.type) {
    case 'datagram':
      return CapsuleType.DATAGRAM;
    case 'wt_close_session':
      return CapsuleType.WT_CLOSE_SESSION;
    case 'wt_drain_session':
      return CapsuleType.WT_DRAIN_SESSION;
    case 'wt_max_streams':
      return c.bidi ? CapsuleType.WT_MAX_STREAMS_BIDI : CapsuleType.WT_MAX_STREAMS_UNI;
    case 'wt_streams_blocked':
      return c.bidi ? CapsuleType.WT_STREAMS_BLOCKED_BIDI : CapsuleType.WT_STREAMS_BLOCKED_UNI;
    case 'wt_max_data':
      return CapsuleType.WT_MAX_DATA;
    case 'wt_data_blocked':
      return CapsuleType.WT_DATA_BLOCKED;
    case 'unknown':
      return c.capsuleType;
  }
}

function valueSize(c: Capsule): number {
  switch (c.type) {
    case 'datagram':
      return c.payload.length;
    case 'wt_close_session':
      return 4 + utf8.encode(c.message).length;
    case 'wt_drain_session':
      return 0;
    case 'wt_max_streams':
    case 'wt_streams_blocked':
    case 'wt_max_data':
    case 'wt_data_blocked':
      return varintSize(c.maximum);
    case 'unknown':
      return c.payload.length;
  }
}

/** The encoded size of a capsule. */
export function sizeOfCapsule(c: Capsule): number {
  const len = valueSize(c);
  return varintSize(typeOf(c)) + varintSize(len) + len;
}

/**
 * Writes a capsule.
 * @throws CodecError for a WT_CLOSE_SESSION message over 1024 bytes (draft-ietf-webtrans-http3-16
 *   §6: "its length MUST NOT exceed 1024 bytes"; truncate at a character boundary first).
 */
export function encodeCapsule(w: Writer, c: Capsule): void {
  const len = valueSize(c);
  if (c.type === 'wt_close_session' && len - 4 > MAX_CLOSE_MESSAGE) throw new CodecError(`WT_CLOSE_SESSION message of ${len - 4} bytes`);
  w.varint(typeOf(c)).varint(len);
  switch (c.type) {
    case 'datagram':
      w.bytes(c.payload);
      return;
    case 'wt_close_session':
      w.u32(c.errorCode).bytes(utf8.encode(c.message));
      return;
    case 'wt_drain_session':
      return;
    case 'wt_max_streams':
    case 'wt_streams_blocked':
    case 'wt_max_data':
    case 'wt_data_blocked':
      w.varint(c.maximum);
      return;
    case 'unknown':
      w.bytes(c.payload);
      return;
  }
}

/** Encodes a capsule into a new array. */
export function capsuleToBytes(c: Capsule): Uint8Array {
  const w = Writer.alloc(sizeOfCapsule(c));
  encodeCapsule(w, c);
  return w.written();
}
