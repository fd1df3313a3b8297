/**
 * Short-header (1-RTT) packets: RFC 9000 §17.3.1, with the latency spin bit of §17.4.
 *
 * The Destination Connection ID of a short header has no length on the wire (RFC 9000 §5.1:
 * "The length of the Destination Connection ID field is expected to be known to endpoints"), so
 * the decoder is told the length of the local connection IDs. A short-header packet has no Length
 * field and runs to the end of the datagram (RFC 9000 §12.2).
 *
 * The Reserved Bits, Key Phase, Packet Number Length and Packet Number are under header
 * protection (RFC 9001 §5.4): after removing it, read them with `keyPhaseOf`,
 * `reservedBitsOf` (header.ts) and `readPacketNumberField` (packet-number.ts).
 */
import { CodecError } from '../util/errors.js';
import type { Reader, Writer } from '../util/bytes.js';
import { PacketType } from './packet-type.js';
import { MAX_CID_LENGTH, isValidConnectionIdLength } from './connection-id.js';
import type { ConnectionId } from './connection-id.js';
import { packetNumberLengthBits, writeTruncatedPacketNumber } from './packet-number.js';
import type { PacketNumberLength } from './packet-number.js';
import { FIXED_BIT, HEADER_FORM_BIT } from './long-header.js';
import type { PacketExtent } from './long-header.js';

/** RFC 9000 §17.3.1: "Spin Bit: The third most significant bit (0x20) of byte 0". */
export const SPIN_BIT = 0x20;
/** RFC 9000 §17.3.1: "Key Phase: The next bit (0x04) of byte 0" (protected). */
export const KEY_PHASE_BIT = 0x04;

/** A 1-RTT packet's header as sent (RFC 9000 §17.3.1). */
export interface ShortHeader {
  readonly type: typeof PacketType.OneRtt;
  /** Destination Connection ID, 0 to 20 bytes. */
  readonly dcid: ConnectionId;
  /** The latency spin bit (RFC 9000 §17.4). */
  readonly spin: boolean;
  /** The Key Phase bit (RFC 9001 §6): false for phase 0, true for phase 1. */
  readonly keyPhase: boolean;
}

/** A received 1-RTT packet, parsed up to its protected Packet Number. */
export interface OneRttPacketHeader extends PacketExtent {
  readonly type: typeof PacketType.OneRtt;
  /** Destination Connection ID (a view into the datagram). */
  readonly dcid: ConnectionId;
  /** The latency spin bit, which is not under header protection (RFC 9000 §17.4). */
  readonly spin: boolean;
  /** Offset, from the packet's first byte, of the (protected) Packet Number field: 1 + DCID length. */
  readonly pnOffset: number;
}

/** The Key Phase bit of a short header's first byte, once header protection is removed (RFC 9000 §17.3.1). */
export function keyPhaseOf(firstByte: number): boolean {
  return (firstByte & KEY_PHASE_BIT) !== 0;
}

/**
 * Decodes the clear-text part of a 1-RTT packet starting at `r.offset` and consumes the rest of
 * `r` (RFC 9000 §12.2: a packet with a short header "can only be the last packet included in a
 * UDP datagram").
 * @param dcidLength the length of the connection IDs this endpoint issued (0 to 20).
 * @throws CodecError if truncated, not a short header, or the Fixed Bit is clear.
 */
export function decodeShortHeaderPacket(r: Reader, dcidLength: number): OneRttPacketHeader {
  if (!isValidConnectionIdLength(dcidLength)) throw new CodecError(`bad local connection ID length ${dcidLength}`, r.offset);
  const start = r.offset;
  const firstByte = r.u8();
  if ((firstByte & HEADER_FORM_BIT) !== 0) throw new CodecError('not a short header', start);
  // RFC 9000 §17.3.1: "Packets containing a zero value for this bit are not valid packets in
  // this version and MUST be discarded."
  if ((firstByte & FIXED_BIT) === 0) throw new CodecError('short header with the Fixed Bit clear', start);
  const dcid = r.bytes(dcidLength);
  const pnOffset = r.offset - start;
  r.rest();
  const bytes = r.buf.subarray(start, r.offset);
  return { type: PacketType.OneRtt, dcid, spin: (firstByte & SPIN_BIT) !== 0, pnOffset, packetLength: bytes.length, bytes };
}

/**
 * Writes a 1-RTT header (RFC 9000 §17.3.1) up to and including the Packet Number, before any
 * protection.
 * @param packetNumber the full packet number; its `packetNumberLength` low bytes are written.
 * @returns the absolute offset of the Packet Number field in the writer's buffer.
 * @throws CodecError if the writer is full, the DCID exceeds 20 bytes or the packet number is invalid.
 */
export function encodeShortHeader(w: Writer, header: ShortHeader, packetNumber: number, packetNumberLength: PacketNumberLength): number {
  if (header.dcid.length > MAX_CID_LENGTH) throw new CodecError(`connection ID of ${header.dcid.length} bytes exceeds ${MAX_CID_LENGTH}`, w.offset);
  // RFC 9000 §17.3.1: Reserved Bits: "The value included prior to protection MUST be set to 0."
  const firstByte =
    FIXED_BIT | (header.spin ? SPIN_BIT : 0) | (header.keyPhase ? KEY_PHASE_BIT : 0) | packetNumberLengthBits(packetNumberLength);
  w.u8(firstByte).bytes(header.dcid);
  const pnOffset = w.offset;
  writeTruncatedPacketNumber(w, packetNumber, packetNumberLength);
  return pnOffset;
}

/** Bytes `encodeShortHeader` writes: 1 + DCID length + packet number length. */
export function sizeOfShortHeader(header: ShortHeader, packetNumberLength: PacketNumberLength): number {
  return 1 + header.dcid.length + packetNumberLength;
}
