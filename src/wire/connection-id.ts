/**
 * Connection IDs: RFC 9000 §5.1 and the length rules of §17.2; RFC 8999 §5.1 (invariants).
 *
 * A connection ID is an opaque byte string, kept as a plain `Uint8Array` (a view into the
 * datagram when decoded; copy it with `slice()` to keep it). In QUIC version 1 and 2 long
 * headers a connection ID is at most 20 bytes (RFC 9000 §17.2); the version-independent long
 * header (RFC 8999 §5.1), and so a Version Negotiation packet (RFC 9000 §17.2.1), carries up to
 * 255 bytes.
 */
import { CodecError } from '../util/errors.js';
import { bytesEqual, fromHex, toHex } from '../util/bytes.js';
import type { Reader, Writer } from '../util/bytes.js';
import type { RandomSource } from '../util/random.js';

/** A connection ID: opaque bytes, 0 to 20 long in v1/v2 (0 to 255 in the invariant header). */
export type ConnectionId = Uint8Array;

/** RFC 9000 §17.2: "In QUIC version 1, this value MUST NOT exceed 20 bytes." (RFC 9369 keeps it.) */
export const MAX_CID_LENGTH = 20;

/** RFC 8999 §5.1: the version-independent connection ID length field is 8 bits, so up to 255. */
export const MAX_INVARIANT_CID_LENGTH = 255;

/** True if `a` and `b` hold the same bytes (RFC 9000 §5.1: connection IDs are compared as bytes). */
export function connectionIdEquals(a: ConnectionId, b: ConnectionId): boolean {
  return bytesEqual(a, b);
}

/** Lower-case hex of a connection ID (logs, qlog, map keys). The empty ID gives `''`. */
export function connectionIdToHex(cid: ConnectionId): string {
  return toHex(cid);
}

/**
 * Parses a hex connection ID (tests, configuration).
 * @throws CodecError on malformed hex or more than `maxLength` (default 20) bytes.
 */
export function connectionIdFromHex(hex: string, maxLength: number = MAX_CID_LENGTH): ConnectionId {
  const cid = fromHex(hex);
  if (cid.length > maxLength) throw new CodecError(`connection ID of ${cid.length} bytes exceeds ${maxLength}`);
  return cid;
}

/** True for a length a v1/v2 connection ID may have (RFC 9000 §17.2: 0 to 20). */
export function isValidConnectionIdLength(length: number): boolean {
  return Number.isInteger(length) && length >= 0 && length <= MAX_CID_LENGTH;
}

/**
 * A fresh random connection ID of `length` bytes (RFC 9000 §5.1: connection IDs "MUST NOT
 * contain any information that can be used by an external observer ... to correlate them").
 * @throws CodecError if `length` is not 0..20.
 */
export function randomConnectionId(random: RandomSource, length: number): ConnectionId {
  if (!isValidConnectionIdLength(length)) throw new CodecError(`bad connection ID length ${length}`);
  return random.fill(new Uint8Array(length));
}

/**
 * Reads a length-prefixed connection ID (8-bit length, then the bytes), as in a long header.
 * @param maxLength the largest length accepted: `MAX_CID_LENGTH` for v1/v2 headers,
 *   `MAX_INVARIANT_CID_LENGTH` for version-independent parsing.
 * @returns a view into the reader's buffer (no copy).
 * @throws CodecError if truncated or longer than `maxLength`.
 */
export function decodeConnectionId(r: Reader, maxLength: number = MAX_CID_LENGTH): ConnectionId {
  const at = r.offset;
  const length = r.u8();
  // RFC 9000 §17.2: "Endpoints that receive a version 1 long header with a value larger than 20
  // MUST drop the packet."
  if (length > maxLength) throw new CodecError(`connection ID length ${length} exceeds ${maxLength}`, at);
  return r.bytes(length);
}

/**
 * Writes a length-prefixed connection ID (8-bit length, then the bytes).
 * @throws CodecError if longer than `maxLength` (default 20) or the writer is full.
 */
export function encodeConnectionId(w: Writer, cid: ConnectionId, maxLength: number = MAX_CID_LENGTH): void {
  if (cid.length > maxLength) throw new CodecError(`connection ID of ${cid.length} bytes exceeds ${maxLength}`, w.offset);
  w.u8(cid.length).bytes(cid);
}

/** Encoded size of a length-prefixed connection ID: 1 + its length. */
export function sizeOfConnectionId(cid: ConnectionId): number {
  return 1 + cid.length;
}
