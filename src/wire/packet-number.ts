/**
 * Packet numbers: RFC 9000 §12.3, §17.1, Appendix A.2 (encoding length) and A.3 (decoding).
 *
 * A packet number is an integer in 0..2^62-1 (RFC 9000 §12.3), sent truncated to its 1 to 4
 * least significant bytes. The Packet Number Length bits of the first byte and the Packet Number
 * field are under header protection (RFC 9001 §5.4): the helpers that read them
 * (`packetNumberLength`, `readTruncatedPacketNumber`, `readPacketNumberField`) are only
 * meaningful once header protection has been removed.
 *
 * Packet numbers are `number`s: exact up to 2^53 - 1, far beyond what a connection can send.
 */
import { CodecError } from '../util/errors.js';
import type { Reader, Writer } from '../util/bytes.js';

/** The length in bytes of an encoded (truncated) packet number (RFC 9000 §17.1: 1 to 4). */
export type PacketNumberLength = 1 | 2 | 3 | 4;

/** The number of bits in a truncated packet number (RFC 9000 Appendix A.3's `pn_nbits`). */
export type PacketNumberBits = 8 | 16 | 24 | 32;

/** True if `pn` is a valid packet number: RFC 9000 §12.3, "an integer in the range 0 to 2^62-1". */
export function isPacketNumber(pn: number): boolean {
  // 2^62 - 1 is not representable as a double (it rounds to 2^62), so compare with < 2^62.
  return Number.isInteger(pn) && pn >= 0 && pn < 2 ** 62;
}

/**
 * The Packet Number Length encoded in the two low bits of a first byte, long or short header
 * (RFC 9000 §17.2 and §17.3.1: "the length of the Packet Number field is the value of this field
 * plus one"). Read it only after header protection has been removed.
 */
export function packetNumberLength(firstByte: number): PacketNumberLength {
  return ((firstByte & 0x03) + 1) as PacketNumberLength;
}

/** The two low bits of the first byte that encode `length` (RFC 9000 §17.2: length minus one). */
export function packetNumberLengthBits(length: PacketNumberLength): number {
  return length - 1;
}

/**
 * How many bytes to send packet number `fullPn` on (RFC 9000 §17.1 and the EncodePacketNumber
 * pseudocode of Appendix A.2).
 *
 * RFC 9000 §17.1: "After an acknowledgment is received for a packet number space, the sender
 * MUST use a packet number size able to represent more than twice as large a range as the
 * difference between the largest acknowledged packet number and the packet number being sent."
 * and "Prior to receiving an acknowledgment for a packet number space, the full packet number
 * MUST be included". Following Appendix A.2, with `numUnacked = fullPn - largestAcked` (or
 * `fullPn + 1` when nothing was acknowledged), the result is the smallest byte count `b` with
 * `2^(8b) >= 2 * numUnacked`, i.e. at least `log2(numUnacked) + 1` bits.
 *
 * @param fullPn the packet number being sent.
 * @param largestAcked the largest packet number the peer acknowledged in this space, if any.
 * @throws CodecError if no 4-byte encoding suffices (more than 2^31 packets unacknowledged) or
 *   the arguments are not packet numbers with `largestAcked < fullPn`.
 */
export function encodePacketNumberLength(fullPn: number, largestAcked: number | undefined): PacketNumberLength {
  if (!isPacketNumber(fullPn)) throw new CodecError(`not a packet number: ${fullPn}`);
  let numUnacked: number;
  if (largestAcked === undefined) {
    numUnacked = fullPn + 1;
  } else {
    if (!isPacketNumber(largestAcked) || largestAcked >= fullPn) {
      throw new CodecError(`largest acknowledged ${largestAcked} is not below packet number ${fullPn}`);
    }
    numUnacked = fullPn - largestAcked;
  }
  // min_bits = log(num_unacked, 2) + 1; num_bytes = ceil(min_bits / 8), computed exactly:
  // b bytes suffice iff 8b >= log2(numUnacked) + 1, i.e. numUnacked <= 2^(8b - 1).
  if (numUnacked <= 0x80) return 1;
  if (numUnacked <= 0x8000) return 2;
  if (numUnacked <= 0x80_0000) return 3;
  if (numUnacked <= 0x8000_0000) return 4;
  throw new CodecError(`${numUnacked} unacknowledged packet numbers cannot be encoded in 4 bytes`);
}

/** `pn` truncated to its `length` least significant bytes (RFC 9000 §17.1). */
export function truncatePacketNumber(pn: number, length: PacketNumberLength): number {
  return pn % 2 ** (8 * length);
}

/**
 * Writes the `length` least significant bytes of packet number `pn`, big-endian (RFC 9000 §17.1).
 * @throws CodecError if `pn` is not a packet number or the writer is full.
 */
export function writeTruncatedPacketNumber(w: Writer, pn: number, length: PacketNumberLength): void {
  if (!isPacketNumber(pn)) throw new CodecError(`not a packet number: ${pn}`, w.offset);
  const t = truncatePacketNumber(pn, length);
  switch (length) {
    case 1:
      w.u8(t);
      return;
    case 2:
      w.u16(t);
      return;
    case 3:
      w.u24(t);
      return;
    case 4:
      w.u32(t);
      return;
  }
}

/**
 * Reads a truncated packet number of `length` bytes (after header protection removal).
 * @throws CodecError if truncated.
 */
export function readTruncatedPacketNumber(r: Reader, length: PacketNumberLength): number {
  switch (length) {
    case 1:
      return r.u8();
    case 2:
      return r.u16();
    case 3:
      return r.u24();
    case 4:
      return r.u32();
  }
}

/** The Packet Number field of a packet whose header protection has been removed. */
export interface PacketNumberField {
  /** The field's length in bytes, from the first byte's two low bits. */
  readonly length: PacketNumberLength;
  /** The truncated packet number as sent. */
  readonly truncated: number;
}

/**
 * Reads the Packet Number Length bits of `packet[0]` and the Packet Number field at `pnOffset`,
 * once header protection has been removed (RFC 9001 §5.4.1). Recover the full packet number with
 * `decodePacketNumber(largest, field.truncated, field.length * 8)`.
 * @param packet the packet, starting with its first byte.
 * @param pnOffset where the Packet Number field starts (from the decoded header).
 * @throws CodecError if the packet ends inside the field.
 */
export function readPacketNumberField(packet: Uint8Array, pnOffset: number): PacketNumberField {
  if (packet.length === 0) throw new CodecError('empty packet', 0);
  if (!Number.isInteger(pnOffset) || pnOffset < 1 || pnOffset > packet.length) {
    throw new CodecError(`packet number offset ${pnOffset} outside a ${packet.length}-byte packet`, pnOffset);
  }
  const length = packetNumberLength(packet[0]!);
  const at = pnOffset;
  if (at + length > packet.length) throw new CodecError(`truncated ${length}-byte packet number`, at);
  let truncated = 0;
  for (let i = 0; i < length; i++) truncated = truncated * 256 + packet[at + i]!;
  return { length, truncated };
}

/**
 * Recovers a full packet number from its truncated form: RFC 9000 Appendix A.3's
 * DecodePacketNumber, line for line (RFC 9000 §17.1: "the packet number is decoded by finding
 * the packet number value that is closest to the next expected packet").
 *
 * @param largestPn the largest packet number successfully processed in this packet number
 *   space, or -1 if none has been (so the next expected one is 0).
 * @param truncatedPn the value of the Packet Number field.
 * @param pnNbits the field's size in bits: 8, 16, 24 or 32.
 * @throws CodecError if `truncatedPn` does not fit in `pnNbits` bits or `largestPn` is not
 *   -1 or a packet number.
 */
export function decodePacketNumber(largestPn: number, truncatedPn: number, pnNbits: PacketNumberBits): number {
  const pnWin = 2 ** pnNbits;
  if (!Number.isInteger(truncatedPn) || truncatedPn < 0 || truncatedPn >= pnWin) {
    throw new CodecError(`truncated packet number ${truncatedPn} does not fit in ${pnNbits} bits`);
  }
  if (largestPn !== -1 && !isPacketNumber(largestPn)) throw new CodecError(`not a packet number: ${largestPn}`);
  const expectedPn = largestPn + 1;
  const pnHwin = pnWin / 2;
  // candidate_pn = (expected_pn & ~pn_mask) | truncated_pn, without 32-bit bitwise operators.
  const candidatePn = expectedPn - (expectedPn % pnWin) + truncatedPn;
  if (candidatePn <= expectedPn - pnHwin && candidatePn < 2 ** 62 - pnWin) {
    return candidatePn + pnWin;
  }
  if (candidatePn > expectedPn + pnHwin && candidatePn >= pnWin) {
    return candidatePn - pnWin;
  }
  return candidatePn;
}
