/**
 * QPACK encoded field sections: the prefix and the five field line representations, as a
 * stateless codec (the decoder and encoder add the table semantics).
 *
 * Implements:
 * - RFC 9204 §4.5.1: the Encoded Field Section Prefix: Required Insert Count (8-bit prefix),
 *   then the Sign bit and Delta Base (7-bit prefix); §4.5.1.1 (Required Insert Count encoding
 *   and decoding) and §4.5.1.2 (Base).
 * - RFC 9204 §4.5.2 Indexed Field Line (`1T` + 6-bit index), §4.5.3 Indexed Field Line with
 *   Post-Base Index (`0001` + 4-bit index), §4.5.4 Literal Field Line with Name Reference
 *   (`01NT` + 4-bit index, value with a 7-bit length), §4.5.5 Literal Field Line with Post-Base
 *   Name Reference (`0000N` + 3-bit index), §4.5.6 Literal Field Line with Literal Name (`001NH` +
 *   3-bit name length, value with a 7-bit length).
 */
import { CodecError } from '../util/errors.js';
import { Writer, type Reader } from '../util/bytes.js';
import {
  decodePrefixedInt,
  decodeStringLiteral,
  encodePrefixedInt,
  encodeStringLiteral,
  sizeOfPrefixedInt,
  sizeOfStringLiteral,
  type HuffmanPolicy,
} from './qpack-integer.js';

/** The raw Encoded Field Section Prefix (RFC 9204 §4.5.1). */
export interface FieldSectionPrefix {
  /** The Encoded Required Insert Count (§4.5.1.1). */
  readonly encodedInsertCount: number;
  /** The Sign bit: true when Base = Required Insert Count - Delta Base - 1 (§4.5.1.2). */
  readonly negative: boolean;
  /** Delta Base (§4.5.1.2). */
  readonly deltaBase: number;
}

/** A field line representation (RFC 9204 §4.5.2-§4.5.6); dynamic indices are as on the wire. */
export type FieldLineRep =
  | { readonly type: 'indexed'; readonly isStatic: boolean; readonly index: number }
  | { readonly type: 'indexed_post_base'; readonly index: number }
  | { readonly type: 'literal_name_ref'; readonly neverIndex: boolean; readonly isStatic: boolean; readonly nameIndex: number; readonly value: string }
  | { readonly type: 'literal_post_base_name_ref'; readonly neverIndex: boolean; readonly nameIndex: number; readonly value: string }
  | { readonly type: 'literal'; readonly neverIndex: boolean; readonly name: string; readonly value: string };

/**
 * RFC 9204 §4.5.1.1: encodes a Required Insert Count given the decoder's maximum table capacity
 * (its SETTINGS_QPACK_MAX_TABLE_CAPACITY).
 */
export function encodeRequiredInsertCount(requiredInsertCount: number, maxTableCapacity: number): number {
  if (requiredInsertCount === 0) return 0;
  const maxEntries = Math.floor(maxTableCapacity / 32);
  return (requiredInsertCount % (2 * maxEntries)) + 1;
}

/**
 * RFC 9204 §4.5.1.1: recovers the Required Insert Count from its encoding, the decoder's maximum
 * table capacity and its total number of inserts.
 * @throws CodecError where the RFC says "MUST treat this as a connection error of type
 *   QPACK_DECOMPRESSION_FAILED" (the caller maps it).
 */
export function decodeRequiredInsertCount(encoded: number, maxTableCapacity: number, totalInserts: number): number {
  if (encoded === 0) return 0;
  const maxEntries = Math.floor(maxTableCapacity / 32);
  const fullRange = 2 * maxEntries;
  // RFC 9204 §4.5.1.1: "If the EncodedInsertCount is ... larger than FullRange, ... connection
  // error" (also covers maxEntries = 0, where any non-zero encoding is invalid).
  if (encoded > fullRange) throw new CodecError(`Encoded Required Insert Count ${encoded} exceeds ${fullRange}`);
  const maxValue = totalInserts + maxEntries;
  const maxWrapped = Math.floor(maxValue / fullRange) * fullRange;
  let ric = maxWrapped + encoded - 1;
  if (ric > maxValue) {
    if (ric <= fullRange) throw new CodecError(`invalid Required Insert Count ${ric}`);
    ric -= fullRange;
  }
  if (ric === 0) throw new CodecError('Required Insert Count decodes to 0 from a non-zero encoding');
  return ric;
}

/**
 * RFC 9204 §4.5.1.2: Base from the Required Insert Count, Sign and Delta Base.
 * @throws CodecError when Base would be negative ("An endpoint MUST treat a field block with a
 *   Sign bit of 1 as invalid if the value of Required Insert Count is less than or equal to the
 *   value of Delta Base").
 */
export function baseOf(requiredInsertCount: number, negative: boolean, deltaBase: number): number {
  if (!negative) return requiredInsertCount + deltaBase;
  if (requiredInsertCount <= deltaBase) throw new CodecError(`negative Base: Required Insert Count ${requiredInsertCount}, Delta Base ${deltaBase}`);
  return requiredInsertCount - deltaBase - 1;
}

/** The prefix (Sign, Delta Base) that encodes `base` against `requiredInsertCount` (§4.5.1.2). */
export function prefixFor(encodedInsertCount: number, requiredInsertCount: number, base: number): FieldSectionPrefix {
  return base >= requiredInsertCount
    ? { encodedInsertCount, negative: false, deltaBase: base - requiredInsertCount }
    : { encodedInsertCount, negative: true, deltaBase: requiredInsertCount - base - 1 };
}

/** Decodes the field section prefix. @throws CodecError if truncated or malformed. */
export function decodeFieldSectionPrefix(r: Reader): FieldSectionPrefix {
  const encodedInsertCount = decodePrefixedInt(r, 8);
  if (r.remaining < 1) throw new CodecError('truncated field section prefix', r.offset);
  const negative = (r.peekU8() & 0x80) !== 0;
  return { encodedInsertCount, negative, deltaBase: decodePrefixedInt(r, 7) };
}

/** The encoded size of a field section prefix. */
export function sizeOfFieldSectionPrefix(p: FieldSectionPrefix): number {
  return sizeOfPrefixedInt(8, p.encodedInsertCount) + sizeOfPrefixedInt(7, p.deltaBase);
}

/** Writes a field section prefix (§4.5.1). */
export function encodeFieldSectionPrefix(w: Writer, p: FieldSectionPrefix): void {
  encodePrefixedInt(w, 8, 0, p.encodedInsertCount);
  encodePrefixedInt(w, 7, p.negative ? 0x80 : 0, p.deltaBase);
}

/**
 * Decodes one field line representation.
 * @param maxString the longest name or value accepted.
 * @throws CodecError if truncated or malformed.
 */
export function decodeFieldLine(r: Reader, maxString: number): FieldLineRep {
  const first = r.peekU8();
  if (first & 0x80) return { type: 'indexed', isStatic: (first & 0x40) !== 0, index: decodePrefixedInt(r, 6) };
  if (first & 0x40) {
    const neverIndex = (first & 0x20) !== 0;
    const isStatic = (first & 0x10) !== 0;
    const nameIndex = decodePrefixedInt(r, 4);
    return { type: 'literal_name_ref', neverIndex, isStatic, nameIndex, value: decodeStringLiteral(r, 7, maxString) };
  }
  if (first & 0x20) {
    const neverIndex = (first & 0x10) !== 0;
    const name = decodeStringLiteral(r, 3, maxString);
    return { type: 'literal', neverIndex, name, value: decodeStringLiteral(r, 7, maxString) };
  }
  if (first & 0x10) return { type: 'indexed_post_base', index: decodePrefixedInt(r, 4) };
  const neverIndex = (first & 0x08) !== 0;
  const nameIndex = decodePrefixedInt(r, 3);
  return { type: 'literal_post_base_name_ref', neverIndex, nameIndex, value: decodeStringLiteral(r, 7, maxString) };
}

/** The encoded size of a field line representation. */
export function sizeOfFieldLine(f: FieldLineRep, huffman: HuffmanPolicy): number {
  switch (f.type) {
    case 'indexed':
      return sizeOfPrefixedInt(6, f.index);
    case 'indexed_post_base':
      return sizeOfPrefixedInt(4, f.index);
    case 'literal_name_ref':
      return sizeOfPrefixedInt(4, f.nameIndex) + sizeOfStringLiteral(7, f.value, huffman);
    case 'literal_post_base_name_ref':
      return sizeOfPrefixedInt(3, f.nameIndex) + sizeOfStringLiteral(7, f.value, huffman);
    case 'literal':
      return sizeOfStringLiteral(3, f.name, huffman) + sizeOfStringLiteral(7, f.value, huffman);
  }
}

/** Writes a field line representation (§4.5.2-§4.5.6). */
export function encodeFieldLine(w: Writer, f: FieldLineRep, huffman: HuffmanPolicy): void {
  switch (f.type) {
    case 'indexed':
      encodePrefixedInt(w, 6, f.isStatic ? 0xc0 : 0x80, f.index);
      return;
    case 'indexed_post_base':
      encodePrefixedInt(w, 4, 0x10, f.index);
      return;
    case 'literal_name_ref':
      encodePrefixedInt(w, 4, 0x40 | (f.neverIndex ? 0x20 : 0) | (f.isStatic ? 0x10 : 0), f.nameIndex);
      encodeStringLiteral(w, 7, 0, f.value, huffman);
      return;
    case 'literal_post_base_name_ref':
      encodePrefixedInt(w, 3, f.neverIndex ? 0x08 : 0, f.nameIndex);
      encodeStringLiteral(w, 7, 0, f.value, huffman);
      return;
    case 'literal':
      encodeStringLiteral(w, 3, 0x20 | (f.neverIndex ? 0x10 : 0), f.name, huffman);
      encodeStringLiteral(w, 7, 0, f.value, huffman);
      return;
  }
}

/** Encodes a whole field section (prefix and lines) into a new array. */
export function encodeFieldSectionBytes(prefix: FieldSectionPrefix, lines: readonly FieldLineRep[], huffman: HuffmanPolicy): Uint8Array {
  let size = sizeOfFieldSectionPrefix(prefix);
  for (const l of lines) size += sizeOfFieldLine(l, huffman);
  const w = Writer.alloc(size);
  encodeFieldSectionPrefix(w, prefix);
  for (const l of lines) encodeFieldLine(w, l, huffman);
  return w.written();
}
