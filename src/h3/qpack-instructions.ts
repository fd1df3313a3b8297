/**
 * QPACK encoder-stream and decoder-stream instructions: stateless codecs.
 *
 * Implements:
 * - RFC 9204 §4.3: encoder instructions: Set Dynamic Table Capacity (§4.3.1, `001` + 5-bit
 *   capacity), Insert with Name Reference (§4.3.2, `1T` + 6-bit index, value literal with a 7-bit
 *   length), Insert with Literal Name (§4.3.3, `01H` + 5-bit name length, value with 7-bit length),
 *   Duplicate (§4.3.4, `000` + 5-bit relative index).
 * - RFC 9204 §4.4: decoder instructions: Section Acknowledgment (§4.4.1, `1` + 7-bit stream ID),
 *   Stream Cancellation (§4.4.2, `01` + 6-bit stream ID), Insert Count Increment (§4.4.3, `00` +
 *   6-bit increment).
 *
 * Both streams are byte streams: a decode that runs out of input throws `QpackTruncatedError`
 * (wait for more bytes); any other `CodecError` is a malformed instruction.
 */
import { Writer, type Reader } from '../util/bytes.js';
import {
  decodePrefixedInt,
  decodeStringLiteral,
  encodePrefixedInt,
  encodeStringLiteral,
  sizeOfPrefixedInt,
  sizeOfStringLiteral,
  QpackTruncatedError,
  type HuffmanPolicy,
} from './qpack-integer.js';

/** An instruction on the encoder stream (RFC 9204 §4.3). */
export type EncoderInstruction =
  | { readonly type: 'set_capacity'; readonly capacity: number }
  | { readonly type: 'insert_name_ref'; readonly isStatic: boolean; readonly nameIndex: number; readonly value: string }
  | { readonly type: 'insert_literal'; readonly name: string; readonly value: string }
  | { readonly type: 'duplicate'; readonly index: number };

/** An instruction on the decoder stream (RFC 9204 §4.4). */
export type DecoderInstruction =
  | { readonly type: 'section_ack'; readonly streamId: number }
  | { readonly type: 'stream_cancel'; readonly streamId: number }
  | { readonly type: 'insert_count_increment'; readonly increment: number };

/**
 * Decodes one encoder instruction.
 * @param maxString the longest name or value accepted (the table capacity bounds any entry).
 * @throws QpackTruncatedError if the input ends inside the instruction; CodecError if malformed.
 */
export function decodeEncoderInstruction(r: Reader, maxString: number): EncoderInstruction {
  if (r.remaining < 1) throw new QpackTruncatedError('truncated encoder instruction', r.offset);
  const first = r.peekU8();
  if (first & 0x80) {
    const isStatic = (first & 0x40) !== 0;
    const nameIndex = decodePrefixedInt(r, 6);
    return { type: 'insert_name_ref', isStatic, nameIndex, value: decodeStringLiteral(r, 7, maxString) };
  }
  if (first & 0x40) {
    const name = decodeStringLiteral(r, 5, maxString);
    return { type: 'insert_literal', name, value: decodeStringLiteral(r, 7, maxString) };
  }
  if (first & 0x20) return { type: 'set_capacity', capacity: decodePrefixedInt(r, 5) };
  return { type: 'duplicate', index: decodePrefixedInt(r, 5) };
}

/** The encoded size of an encoder instruction. */
export function sizeOfEncoderInstruction(ins: EncoderInstruction, huffman: HuffmanPolicy): number {
  switch (ins.type) {
    case 'set_capacity':
      return sizeOfPrefixedInt(5, ins.capacity);
    case 'insert_name_ref':
      return sizeOfPrefixedInt(6, ins.nameIndex) + sizeOfStringLiteral(7, ins.value, huffman);
    case 'insert_literal':
      return sizeOfStringLiteral(5, ins.name, huffman) + sizeOfStringLiteral(7, ins.value, huffman);
    case 'duplicate':
      return sizeOfPrefixedInt(5, ins.index);
  }
}

/** Writes an encoder instruction (RFC 9204 §4.3). */
export function encodeEncoderInstruction(w: Writer, ins: EncoderInstruction, huffman: HuffmanPolicy): void {
  switch (ins.type) {
    case 'set_capacity':
      encodePrefixedInt(w, 5, 0x20, ins.capacity);
      return;
    case 'insert_name_ref':
      encodePrefixedInt(w, 6, ins.isStatic ? 0xc0 : 0x80, ins.nameIndex);
      encodeStringLiteral(w, 7, 0x00, ins.value, huffman);
      return;
    case 'insert_literal':
      encodeStringLiteral(w, 5, 0x40, ins.name, huffman);
      encodeStringLiteral(w, 7, 0x00, ins.value, huffman);
      return;
    case 'duplicate':
      encodePrefixedInt(w, 5, 0x00, ins.index);
      return;
  }
}

/** Encodes an encoder instruction into a new array. */
export function encoderInstructionToBytes(ins: EncoderInstruction, huffman: HuffmanPolicy): Uint8Array {
  const w = Writer.alloc(sizeOfEncoderInstruction(ins, huffman));
  encodeEncoderInstruction(w, ins, huffman);
  return w.written();
}

/**
 * Decodes one decoder instruction.
 * @throws QpackTruncatedError if the input ends inside the instruction; CodecError if malformed.
 */
export function decodeDecoderInstruction(r: Reader): DecoderInstruction {
  if (r.remaining < 1) throw new QpackTruncatedError('truncated decoder instruction', r.offset);
  const first = r.peekU8();
  if (first & 0x80) return { type: 'section_ack', streamId: decodePrefixedInt(r, 7) };
  if (first & 0x40) return { type: 'stream_cancel', streamId: decodePrefixedInt(r, 6) };
  return { type: 'insert_count_increment', increment: decodePrefixedInt(r, 6) };
}

/** The encoded size of a decoder instruction. */
export function sizeOfDecoderInstruction(ins: DecoderInstruction): number {
  switch (ins.type) {
    case 'section_ack':
      return sizeOfPrefixedInt(7, ins.streamId);
    case 'stream_cancel':
      return sizeOfPrefixedInt(6, ins.streamId);
    case 'insert_count_increment':
      return sizeOfPrefixedInt(6, ins.increment);
  }
}

/** Writes a decoder instruction (RFC 9204 §4.4). */
export function encodeDecoderInstruction(w: Writer, ins: DecoderInstruction): void {
  switch (ins.type) {
    case 'section_ack':
      encodePrefixedInt(w, 7, 0x80, ins.streamId);
      return;
    case 'stream_cancel':
      encodePrefixedInt(w, 6, 0x40, ins.streamId);
      return;
    case 'insert_count_increment':
      encodePrefixedInt(w, 6, 0x00, ins.increment);
      return;
  }
}

/** Encodes a decoder instruction into a new array. */
export function decoderInstructionToBytes(ins: DecoderInstruction): Uint8Array {
  const w = Writer.alloc(sizeOfDecoderInstruction(ins));
  encodeDecoderInstruction(w, ins);
  return w.written();
}
