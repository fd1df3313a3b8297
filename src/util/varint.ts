/**
 * Variable-length integers, RFC 9000 §16.
 *
 * A varint is 1, 2, 4 or 8 bytes; the two most significant bits of the first byte give the
 * length (2^prefix bytes) and the remaining bits, big-endian, the value, up to 2^62 - 1.
 *
 * Representation (docs/adr/0001-time-and-varints.md): values are plain `number`s. Decoding a
 * value above `Number.MAX_SAFE_INTEGER` saturates to `Number.MAX_SAFE_INTEGER`: every varint
 * above 2^53 is either a limit (where "practically infinite" is the right reading) or an
 * identifier no conforming peer can reach. No `bigint` on the packet path.
 */
import { CodecError } from './errors.js';

/** The largest value a varint can carry, 2^62 - 1, as a float (it rounds up to 2^62). */
export const MAX_VARINT = 2 ** 62 - 1;

/** The largest varint value that survives a decode exactly; larger ones saturate to it. */
export const MAX_EXACT_VARINT = Number.MAX_SAFE_INTEGER;

const TWO_32 = 2 ** 32;

/** Bytes needed to encode `value` as a minimal varint (RFC 9000 §16, Table 4). */
export function varintSize(value: number): 1 | 2 | 4 | 8 {
  if (value < 0x40) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x4000_0000) return 4;
  return 8;
}

/** True if `value` is a non-negative integer a varint can carry. */
export function isVarint(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < 2 ** 62;
}

/**
 * Writes `value` at `buf[offset]` using exactly `length` bytes, writing nothing at or past `end` (which may be longer than the
 * minimal encoding, RFC 9000 §16: "values do not need to be encoded on the minimum number of
 * bytes"). Returns the offset after it.
 * @throws CodecError if the value is not a varint, does not fit `length`, or the buffer is short.
 */
export function writeVarintWithLength(
  buf: Uint8Array,
  offset: number,
  value: number,
  length: 1 | 2 | 4 | 8,
  end: number = buf.length,
): number {
  if (!isVarint(value)) throw new CodecError(`not a varint value: ${value}`, offset);
  if (offset + length > end) throw new CodecError(`no room for a ${length}-byte varint`, offset);
  switch (length) {
    case 1:
      if (value >= 0x40) break;
      buf[offset] = value;
      return offset + 1;
    case 2:
      if (value >= 0x4000) break;
      buf[offset] = 0x40 | (value >>> 8);
      buf[offset + 1] = value & 0xff;
      return offset + 2;
    case 4:
      if (value >= 0x4000_0000) break;
      buf[offset] = 0x80 | (value >>> 24);
      buf[offset + 1] = (value >>> 16) & 0xff;
      buf[offset + 2] = (value >>> 8) & 0xff;
      buf[offset + 3] = value & 0xff;
      return offset + 4;
    case 8: {
      const hi = Math.floor(value / TWO_32);
      const lo = value >>> 0;
      buf[offset] = 0xc0 | (hi >>> 24);
      buf[offset + 1] = (hi >>> 16) & 0xff;
      buf[offset + 2] = (hi >>> 8) & 0xff;
      buf[offset + 3] = hi & 0xff;
      buf[offset + 4] = lo >>> 24;
      buf[offset + 5] = (lo >>> 16) & 0xff;
      buf[offset + 6] = (lo >>> 8) & 0xff;
      buf[offset + 7] = lo & 0xff;
      return offset + 8;
    }
  }
  throw new CodecError(`varint ${value} does not fit in ${length} bytes`, offset);
}

/** Writes `value` as a minimal varint at `buf[offset]`; returns the offset after it. */
export function writeVarint(buf: Uint8Array, offset: number, value: number, end: number = buf.length): number {
  return writeVarintWithLength(buf, offset, value, varintSize(value), end);
}

/** Encoded length of the varint whose first byte is `first` (RFC 9000 §16: 2^(first >> 6)). */
export function varintLengthOf(first: number): 1 | 2 | 4 | 8 {
  return (1 << (first >>> 6)) as 1 | 2 | 4 | 8;
}

/**
 * Decodes the varint at `buf[offset]`, reading no byte at or past `end` (RFC 9000 §16 and the
 * sample decoder of Appendix A.1). Its length is `varintLengthOf(buf[offset])`.
 * @returns the value, saturated at `MAX_EXACT_VARINT`.
 * @throws CodecError if the varint runs past `end`.
 */
export function decodeVarintAt(buf: Uint8Array, offset: number, end: number = buf.length): number {
  if (offset >= end) throw new CodecError('truncated varint', offset);
  const first = buf[offset]!;
  const length = varintLengthOf(first);
  if (offset + length > end) throw new CodecError('truncated varint', offset);
  const b0 = first & 0x3f;
  switch (length) {
    case 1:
      return b0;
    case 2:
      return (b0 << 8) | buf[offset + 1]!;
    case 4:
      return ((b0 << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
    case 8: {
      const hi = ((b0 << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
      const lo = ((buf[offset + 4]! << 24) | (buf[offset + 5]! << 16) | (buf[offset + 6]! << 8) | buf[offset + 7]!) >>> 0;
      const value = hi * TWO_32 + lo;
      return value > MAX_EXACT_VARINT ? MAX_EXACT_VARINT : value;
    }
  }
}

/**
 * Reads a varint at `buf[offset]`.
 * @returns the value (saturated at `MAX_EXACT_VARINT`) and its encoded length.
 * @throws CodecError if the buffer ends inside the varint.
 */
export function readVarint(buf: Uint8Array, offset: number): { value: number; length: 1 | 2 | 4 | 8 } {
  const value = decodeVarintAt(buf, offset);
  return { value, length: varintLengthOf(buf[offset]!) };
}

/**
 * The varint at `buf[offset]` if all its bytes are there, else undefined: for stream parsers that
 * wait for more bytes instead of failing (HTTP/3 frame and capsule headers, stream types).
 */
export function peekVarint(buf: Uint8Array, offset = 0): { value: number; length: 1 | 2 | 4 | 8 } | undefined {
  if (offset >= buf.length) return undefined;
  const length = varintLengthOf(buf[offset]!);
  if (offset + length > buf.length) return undefined;
  return { value: decodeVarintAt(buf, offset, buf.length), length };
}
