/**
 * QPACK primitives: prefixed integers and string literals.
 *
 * Implements:
 * - RFC 9204 §4.1.1 (= RFC 7541 §5.1): an N-bit prefixed integer. Values above 2^53 - 1 are
 *   refused with CodecError (RFC 9204 §4.1.1: "QPACK implementations MUST be able to decode
 *   integers up to and including 62 bits long"; any such value in a length, index or count field
 *   is far beyond every limit this implementation enforces, so refusing it loses nothing).
 * - RFC 9204 §4.1.2: a string literal: H bit, N-bit prefixed length, then the octets, Huffman
 *   coded (RFC 7541 Appendix B) when H is set.
 *
 * Field names and values are *byte strings*: JavaScript strings whose every code unit is one
 * octet 0x00-0xff (Latin-1), so decoding is lossless for any octets on the wire and a string's
 * length is its size in octets (RFC 9204 §3.2.1). Encoding a string with a code unit above 0xff
 * throws CodecError; the HTTP layer converts UTF-8 text before encoding if it wants to.
 */
import type { Reader, Writer } from '../util/bytes.js';
import { CodecError } from '../util/errors.js';
import { huffmanDecode, huffmanEncode, huffmanEncodedLength } from './huffman.js';

/**
 * The input ended inside an integer or string literal. On the encoder and decoder streams this
 * means "wait for more bytes"; inside a field section it is a malformed section.
 */
export class QpackTruncatedError extends CodecError {
  /** When known, the absolute input offset the data must reach before a retry can succeed. */
  readonly neededEnd: number | undefined;

  /**
   * @param message what was cut short.
   * @param offset where decoding stopped.
   * @param neededEnd the absolute offset the input must reach, when known.
   */
  constructor(message: string, offset?: number, neededEnd?: number) {
    super(message, offset);
    this.neededEnd = neededEnd;
  }
}

/** Whether the encoder Huffman-codes literals: `auto` picks whichever is shorter. */
export type HuffmanPolicy = 'auto' | 'always' | 'never';

/** The largest integer accepted (2^53 - 1). */
const MAX_INT = Number.MAX_SAFE_INTEGER;

/**
 * Reads an N-bit prefixed integer whose first byte is the next byte of `r` (its high 8 - N bits
 * are flags the caller has already examined with `peekU8`).
 * @throws QpackTruncatedError if the input ends first; CodecError above 2^53 - 1.
 */
export function decodePrefixedInt(r: Reader, prefixBits: number): number {
  if (r.remaining < 1) throw new QpackTruncatedError('truncated prefixed integer', r.offset);
  const max = (1 << prefixBits) - 1;
  let value = r.u8() & max;
  if (value < max) return value;
  let multiplier = 1;
  for (;;) {
    if (r.remaining < 1) throw new QpackTruncatedError('truncated prefixed integer', r.offset);
    const b = r.u8();
    value += (b & 0x7f) * multiplier;
    if (value > MAX_INT) throw new CodecError('prefixed integer exceeds 2^53 - 1', r.offset - 1);
    if ((b & 0x80) === 0) return value;
    multiplier *= 128;
    // Eight continuation bytes carry 56 bits; more can only be zero padding or overflow.
    if (multiplier > 2 ** 56) throw new CodecError('prefixed integer too long', r.offset);
  }
}

/** The encoded size of `value` as an N-bit prefixed integer. */
export function sizeOfPrefixedInt(prefixBits: number, value: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) return 1;
  let rest = value - max;
  let n = 2;
  while (rest >= 128) {
    rest = Math.floor(rest / 128);
    n++;
  }
  return n;
}

/**
 * Writes `value` as an N-bit prefixed integer; `flags` supplies the high 8 - N bits of the first
 * byte (already in position).
 */
export function encodePrefixedInt(w: Writer, prefixBits: number, flags: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new CodecError(`cannot encode prefixed integer ${value}`, w.offset);
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    w.u8(flags | value);
    return;
  }
  w.u8(flags | max);
  let rest = value - max;
  while (rest >= 128) {
    w.u8(0x80 | rest % 128);
    rest = Math.floor(rest / 128);
  }
  w.u8(rest);
}

/** Converts a byte string to its octets. @throws CodecError on a code unit above 0xff. */
export function byteStringToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new CodecError(`field string has a character above 0xff at ${i}`);
    out[i] = c;
  }
  return out;
}

/** Converts octets to a byte string (one code unit per octet). */
export function bytesToByteString(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return s;
}

/**
 * Reads a string literal whose H bit is bit `prefixBits` of the first byte and whose length is
 * an N-bit prefixed integer (RFC 9204 §4.1.2).
 * @param maxLength the longest decoded string accepted (CodecError beyond it).
 * @throws QpackTruncatedError if the input ends first; CodecError if malformed.
 */
export function decodeStringLiteral(r: Reader, prefixBits: number, maxLength: number): string {
  if (r.remaining < 1) throw new QpackTruncatedError('truncated string literal', r.offset);
  const huffman = (r.peekU8() & (1 << prefixBits)) !== 0;
  const length = decodePrefixedInt(r, prefixBits);
  // Refuse an over-long string before waiting for its bytes. A raw string decodes to exactly its
  // length; a Huffman one to at least (8 x length - 7) / 30 octets (codes are at most 30 bits).
  const minDecoded = huffman ? Math.ceil((8 * length - 7) / 30) : length;
  if (minDecoded > maxLength) throw new CodecError(`string literal of ${length} bytes exceeds ${maxLength}`, r.offset);
  if (length > r.remaining) throw new QpackTruncatedError(`truncated string literal: need ${length} bytes, have ${r.remaining}`, r.offset, r.offset + length);
  const raw = r.bytes(length);
  return bytesToByteString(huffman ? huffmanDecode(raw, maxLength) : raw);
}

/** Whether `policy` Huffman-codes these octets. */
function useHuffman(bytes: Uint8Array, policy: HuffmanPolicy): boolean {
  switch (policy) {
    case 'always':
      return true;
    case 'never':
      return false;
    case 'auto':
      return huffmanEncodedLength(bytes) < bytes.length;
  }
}

/** The encoded size of a string literal with an N-bit length prefix. */
export function sizeOfStringLiteral(prefixBits: number, s: string, policy: HuffmanPolicy): number {
  const bytes = byteStringToBytes(s);
  const len = useHuffman(bytes, policy) ? huffmanEncodedLength(bytes) : bytes.length;
  return sizeOfPrefixedInt(prefixBits, len) + len;
}

/**
 * Writes a string literal: `flags` holds the bits above the H bit (already in position), the H
 * bit is bit `prefixBits`, and the length an N-bit prefixed integer (RFC 9204 §4.1.2).
 */
export function encodeStringLiteral(w: Writer, prefixBits: number, flags: number, s: string, policy: HuffmanPolicy): void {
  const bytes = byteStringToBytes(s);
  if (useHuffman(bytes, policy)) {
    const coded = huffmanEncode(bytes);
    encodePrefixedInt(w, prefixBits, flags | (1 << prefixBits), coded.length);
    w.bytes(coded);
  } else {
    encodePrefixedInt(w, prefixBits, flags, bytes.length);
    w.bytes(bytes);
  }
}
