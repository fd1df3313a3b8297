/**
 * Long-header packets of QUIC versions 1 and 2: RFC 9000 §17.2 (long header), §17.2.2 (Initial),
 * §17.2.3 (0-RTT), §17.2.4 (Handshake), §12.2 (coalescing by the Length field); RFC 9369 §3.1 and
 * §3.2 (version 2's version number and long packet type bits).
 *
 * Receiving is two-phase because the Reserved Bits, the Packet Number Length bits and the Packet
 * Number are under header protection (RFC 9001 §5.4). `decodeLongHeaderPacket` parses only what
 * is in the clear: type, version, connection IDs, token, the Length field, where the protected
 * Packet Number starts (`pnOffset`) and where the packet ends. After header protection removal
 * the caller reads the rest with `readPacketNumberField` (packet-number.ts) and checks
 * `reservedBitsOf` (header.ts).
 *
 * Sending: `encodeLongHeader` writes the whole header including the (still unprotected) packet
 * number, with a fixed-size Length field the packet builder fills in later with
 * `patchLongHeaderLength` once it knows the payload size.
 *
 * Retry (§17.2.5) lives in retry-packet.ts; Version Negotiation (§17.2.1) in
 * version-negotiation.ts.
 */
import { CodecError } from '../util/errors.js';
import type { Reader, Writer } from '../util/bytes.js';
import { varintSize, writeVarintWithLength } from '../util/varint.js';
import { PacketType } from './packet-type.js';
import { QUIC_V2, isSupportedVersion } from './version.js';
import type { QuicVersion } from './version.js';
import { decodeConnectionId, encodeConnectionId, sizeOfConnectionId } from './connection-id.js';
import type { ConnectionId } from './connection-id.js';
import { packetNumberLengthBits, writeTruncatedPacketNumber } from './packet-number.js';
import type { PacketNumberLength } from './packet-number.js';

/** RFC 9000 §17.2: Header Form, the most significant bit of byte 0, is 1 for long headers. */
export const HEADER_FORM_BIT = 0x80;
/** RFC 9000 §17.2 and §17.3.1: the Fixed Bit (0x40) of byte 0. */
export const FIXED_BIT = 0x40;

/** The packet types that use a version 1 or 2 long header with a Long Packet Type field. */
export type LongPacketType =
  | typeof PacketType.Initial
  | typeof PacketType.ZeroRtt
  | typeof PacketType.Handshake
  | typeof PacketType.Retry;

/** RFC 9000 §17.2, Table 5: the v1 Long Packet Type values. */
const V1_TYPE_BITS: Readonly<Record<LongPacketType, number>> = {
  [PacketType.Initial]: 0b00,
  [PacketType.ZeroRtt]: 0b01,
  [PacketType.Handshake]: 0b10,
  [PacketType.Retry]: 0b11,
};

/** RFC 9369 §3.2: "All version 2 Long Header packet types are different." */
const V2_TYPE_BITS: Readonly<Record<LongPacketType, number>> = {
  [PacketType.Initial]: 0b01,
  [PacketType.ZeroRtt]: 0b10,
  [PacketType.Handshake]: 0b11,
  [PacketType.Retry]: 0b00,
};

/** The inverse tables: Long Packet Type bits (index 0..3) to type. */
const V1_TYPES: readonly LongPacketType[] = [PacketType.Initial, PacketType.ZeroRtt, PacketType.Handshake, PacketType.Retry];
const V2_TYPES: readonly LongPacketType[] = [PacketType.Retry, PacketType.Initial, PacketType.ZeroRtt, PacketType.Handshake];

/**
 * The two Long Packet Type bits (mask 0x30 of byte 0, here shifted down to 0..3) of `type` in
 * `version`: RFC 9000 §17.2 Table 5 for v1 (Initial 0, 0-RTT 1, Handshake 2, Retry 3), RFC 9369
 * §3.2 for v2 (Initial 0b01, 0-RTT 0b10, Handshake 0b11, Retry 0b00).
 */
export function longPacketTypeBits(version: QuicVersion, type: LongPacketType): number {
  return (version === QUIC_V2 ? V2_TYPE_BITS : V1_TYPE_BITS)[type];
}

/** The long packet type whose Long Packet Type bits (0..3) are `bits` in `version` (inverse of `longPacketTypeBits`). */
export function longPacketTypeOf(version: QuicVersion, bits: number): LongPacketType {
  return (version === QUIC_V2 ? V2_TYPES : V1_TYPES)[bits & 3]!;
}

/** Fields every v1/v2 long header carries in the clear (RFC 9000 §17.2). */
export interface LongHeaderFields {
  /** The QUIC version (RFC 9000 §15; RFC 9369 §3.1). */
  readonly version: QuicVersion;
  /** Destination Connection ID, 0 to 20 bytes. */
  readonly dcid: ConnectionId;
  /** Source Connection ID, 0 to 20 bytes. */
  readonly scid: ConnectionId;
}

/** An Initial packet's header (RFC 9000 §17.2.2). */
export interface InitialHeader extends LongHeaderFields {
  readonly type: typeof PacketType.Initial;
  /** The Token field: from a Retry or NEW_TOKEN frame (§8.1), empty if none. */
  readonly token: Uint8Array;
}

/** A 0-RTT packet's header (RFC 9000 §17.2.3). */
export interface ZeroRttHeader extends LongHeaderFields {
  readonly type: typeof PacketType.ZeroRtt;
}

/** A Handshake packet's header (RFC 9000 §17.2.4). */
export interface HandshakeHeader extends LongHeaderFields {
  readonly type: typeof PacketType.Handshake;
}

/** The long headers that carry a Length and a Packet Number (RFC 9000 §17.2). */
export type LongHeader = InitialHeader | ZeroRttHeader | HandshakeHeader;

/** Where a decoded packet lies: every decoded header carries it (RFC 9000 §12.2). */
export interface PacketExtent {
  /** The packet's total length in bytes, header included: the next coalesced packet starts there. */
  readonly packetLength: number;
  /** A view (no copy) of the whole packet, from its first byte, `packetLength` bytes. */
  readonly bytes: Uint8Array;
}

/** What a received long-header packet reveals before header protection removal. */
export interface ProtectedLongHeaderFields extends PacketExtent {
  /** The Length field: bytes of Packet Number plus protected Payload (RFC 9000 §17.2). */
  readonly length: number;
  /** Offset, from the packet's first byte, of the (protected) Packet Number field. */
  readonly pnOffset: number;
}

/** A received Initial packet, parsed up to its protected Packet Number. */
export interface InitialPacketHeader extends InitialHeader, ProtectedLongHeaderFields {}
/** A received 0-RTT packet, parsed up to its protected Packet Number. */
export interface ZeroRttPacketHeader extends ZeroRttHeader, ProtectedLongHeaderFields {}
/** A received Handshake packet, parsed up to its protected Packet Number. */
export interface HandshakePacketHeader extends HandshakeHeader, ProtectedLongHeaderFields {}

/** A received Initial, 0-RTT or Handshake packet (see `decodeLongHeaderPacket`). */
export type LongHeaderPacket = InitialPacketHeader | ZeroRttPacketHeader | HandshakePacketHeader;

/** The clear-text prefix shared by every v1/v2 long header (RFC 9000 §17.2, Figure 13). */
export interface LongHeaderPrefix extends LongHeaderFields {
  /** Byte 0 as received (its low four bits may still be protected). */
  readonly firstByte: number;
  /** The type named by the Long Packet Type bits. */
  readonly type: LongPacketType;
}

/**
 * Reads the first byte, Version and both connection IDs of a v1/v2 long header.
 * @throws CodecError if truncated, not a long header, not v1/v2, with the Fixed Bit clear, or
 *   with a connection ID longer than 20 bytes.
 */
export function decodeLongHeaderPrefix(r: Reader): LongHeaderPrefix {
  const start = r.offset;
  const firstByte = r.u8();
  if ((firstByte & HEADER_FORM_BIT) === 0) throw new CodecError('not a long header', start);
  const version = r.u32();
  if (!isSupportedVersion(version)) throw new CodecError(`unsupported version 0x${version.toString(16).padStart(8, '0')}`, start + 1);
  // RFC 9000 §17.2: "Packets containing a zero value for this bit are not valid packets in this
  // version and MUST be discarded."
  if ((firstByte & FIXED_BIT) === 0) throw new CodecError('long header with the Fixed Bit clear', start);
  const type = longPacketTypeOf(version, (firstByte & 0x30) >>> 4);
  // RFC 9000 §17.2: "Endpoints that receive a version 1 long header with a value larger than 20
  // MUST drop the packet." (decodeConnectionId enforces the 20-byte limit.)
  const dcid = decodeConnectionId(r);
  const scid = decodeConnectionId(r);
  return { firstByte, type, version, dcid, scid };
}

const NO_TOKEN = new Uint8Array(0);

/**
 * Decodes the clear-text part of an Initial, 0-RTT or Handshake packet starting at `r.offset`,
 * and consumes the whole packet (header and protected payload, as the Length field says), so
 * `r` is left at the next coalesced packet (RFC 9000 §12.2).
 *
 * The Reserved Bits, Packet Number Length and Packet Number are still protected: read them with
 * `readPacketNumberField(header.bytes, header.pnOffset)` after header protection removal.
 *
 * @throws CodecError if truncated, not a v1/v2 long header, a Retry, the Fixed Bit is clear, a
 *   connection ID exceeds 20 bytes, or the Length field runs past the end of `r`.
 */
export function decodeLongHeaderPacket(r: Reader): LongHeaderPacket {
  const start = r.offset;
  const prefix = decodeLongHeaderPrefix(r);
  const { version, dcid, scid } = prefix;
  let token: Uint8Array = NO_TOKEN;
  switch (prefix.type) {
    case PacketType.Initial:
      token = r.varintBytes();
      break;
    case PacketType.ZeroRtt:
    case PacketType.Handshake:
      break;
    case PacketType.Retry:
      throw new CodecError('a Retry packet has no Length field; decode it with decodeRetryPacket', start);
  }
  const lengthAt = r.offset;
  // RFC 9000 §17.2: "Length: This is the length of the remainder of the packet (that is, the
  // Packet Number and Payload fields) in bytes".
  const length = r.varint();
  if (length > r.remaining) throw new CodecError(`Length ${length} exceeds the ${r.remaining} bytes left`, lengthAt);
  const pnOffset = r.offset - start;
  r.skip(length);
  const packetLength = r.offset - start;
  const bytes = r.buf.subarray(start, r.offset);
  switch (prefix.type) {
    case PacketType.Initial:
      return { type: PacketType.Initial, version, dcid, scid, token, length, pnOffset, packetLength, bytes };
    case PacketType.ZeroRtt:
      return { type: PacketType.ZeroRtt, version, dcid, scid, length, pnOffset, packetLength, bytes };
    case PacketType.Handshake:
      return { type: PacketType.Handshake, version, dcid, scid, length, pnOffset, packetLength, bytes };
  }
}

/** Byte size of a Length field reserved before the payload is known (a varint of 1, 2, 4 or 8 bytes). */
export type LengthFieldSize = 1 | 2 | 4 | 8;

/** How to encode the Packet Number and Length fields of a long header. */
export interface LongHeaderEncoding {
  /** The full packet number; its `packetNumberLength` least significant bytes are written. */
  readonly packetNumber: number;
  /** Bytes of packet number to send (see `encodePacketNumberLength`). */
  readonly packetNumberLength: PacketNumberLength;
  /** Size of the Length varint (default 2: Length values up to 16383). */
  readonly lengthFieldSize?: LengthFieldSize;
  /** Value to put in the Length field now (default 0: patch it later with `patchLongHeaderLength`). */
  readonly length?: number;
}

/** Where `encodeLongHeader` put things, as absolute offsets in the writer's buffer. */
export interface LongHeaderLayout {
  /** Offset of the first byte. */
  readonly start: number;
  /** Offset of the Length field. */
  readonly lengthOffset: number;
  /** Size of the Length field. */
  readonly lengthFieldSize: LengthFieldSize;
  /** Offset of the Packet Number field (the Length field counts from here). */
  readonly pnOffset: number;
  /** Size of the Packet Number field. */
  readonly packetNumberLength: PacketNumberLength;
}

function checkLongHeader(header: LongHeader, at: number): void {
  if (!isSupportedVersion(header.version)) throw new CodecError(`cannot encode version ${header.version}`, at);
}

/**
 * Writes a long header (RFC 9000 §17.2.2, §17.2.3, §17.2.4) up to and including the Packet
 * Number, before any protection: Reserved Bits 0, Packet Number Length bits, Length on
 * `lengthFieldSize` bytes (default 2, value `length`, default 0).
 * @returns the layout, for `patchLongHeaderLength` and for packet and header protection.
 * @throws CodecError if the writer is full, a connection ID exceeds 20 bytes, the version is not
 *   v1/v2, or the packet number is invalid.
 */
export function encodeLongHeader(w: Writer, header: LongHeader, enc: LongHeaderEncoding): LongHeaderLayout {
  const start = w.offset;
  checkLongHeader(header, start);
  const lengthFieldSize = enc.lengthFieldSize ?? 2;
  // RFC 9000 §17.2: Reserved Bits: "The value included prior to protection MUST be set to 0."
  const firstByte =
    HEADER_FORM_BIT | FIXED_BIT | (longPacketTypeBits(header.version, header.type) << 4) | packetNumberLengthBits(enc.packetNumberLength);
  w.u8(firstByte).u32(header.version);
  encodeConnectionId(w, header.dcid);
  encodeConnectionId(w, header.scid);
  switch (header.type) {
    case PacketType.Initial:
      w.varintBytes(header.token);
      break;
    case PacketType.ZeroRtt:
    case PacketType.Handshake:
      break;
  }
  const lengthOffset = w.offset;
  w.varintWithLength(enc.length ?? 0, lengthFieldSize);
  const pnOffset = w.offset;
  writeTruncatedPacketNumber(w, enc.packetNumber, enc.packetNumberLength);
  return { start, lengthOffset, lengthFieldSize, pnOffset, packetNumberLength: enc.packetNumberLength };
}

/**
 * Bytes `encodeLongHeader` writes for `header` with a `packetNumberLength`-byte packet number and
 * a `lengthFieldSize`-byte Length field (default 2).
 */
export function sizeOfLongHeader(header: LongHeader, packetNumberLength: PacketNumberLength, lengthFieldSize: LengthFieldSize = 2): number {
  let size = 1 + 4 + sizeOfConnectionId(header.dcid) + sizeOfConnectionId(header.scid);
  if (header.type === PacketType.Initial) size += varintSize(header.token.length) + header.token.length;
  return size + lengthFieldSize + packetNumberLength;
}

/**
 * Fills in the Length field reserved by `encodeLongHeader` (RFC 9000 §17.2: the length of the
 * Packet Number and Payload fields, AEAD tag included).
 * @param buf the buffer `encodeLongHeader` wrote into.
 * @param layout what `encodeLongHeader` returned.
 * @param length the Length value: `packetEnd - layout.pnOffset`.
 * @throws CodecError if `length` does not fit in `layout.lengthFieldSize` bytes.
 */
export function patchLongHeaderLength(buf: Uint8Array, layout: LongHeaderLayout, length: number): void {
  writeVarintWithLength(buf, layout.lengthOffset, length, layout.lengthFieldSize);
}

/** The largest Length value a `size`-byte Length field holds (RFC 9000 §16, Table 4). */
export function maxLengthFieldValue(size: LengthFieldSize): number {
  switch (size) {
    case 1:
      return 0x3f;
    case 2:
      return 0x3fff;
    case 4:
      return 0x3fff_ffff;
    case 8:
      return 2 ** 62 - 1;
  }
}
