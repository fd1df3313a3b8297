/**
 * Version Negotiation packets: RFC 9000 §17.2.1 (format), §6.1 (sending); RFC 8999 §6 (the
 * version-independent definition).
 *
 * A Version Negotiation packet is recognised by its Version field of 0, whatever its first byte
 * says: only the Header Form bit is set, the other seven bits are Unused, and its connection IDs
 * follow the version-independent rules (up to 255 bytes each, RFC 9000 §17.2.1 Figure 14:
 * "Destination Connection ID (0..2040)"). It runs to the end of the datagram.
 *
 * What a client does with one (RFC 9000 §6.2: discard it if it lists the version the client
 * chose, or after any other packet was processed; otherwise abandon the attempt) is connection
 * logic; this codec only parses and builds.
 */
import { CodecError } from '../util/errors.js';
import type { Reader, Writer } from '../util/bytes.js';
import type { RandomSource } from '../util/random.js';
import { PacketType } from './packet-type.js';
import { VERSION_NEGOTIATION } from './version.js';
import { MAX_INVARIANT_CID_LENGTH, decodeConnectionId, encodeConnectionId, sizeOfConnectionId } from './connection-id.js';
import type { ConnectionId } from './connection-id.js';
import { FIXED_BIT, HEADER_FORM_BIT } from './long-header.js';
import type { PacketExtent } from './long-header.js';

/** A Version Negotiation packet (RFC 9000 §17.2.1, Figure 14). */
export interface VersionNegotiationPacket {
  readonly type: typeof PacketType.VersionNegotiation;
  /**
   * The seven Unused bits of byte 0 (0..0x7f): "set to an arbitrary value by the server. Clients
   * MUST ignore the value of this field." Servers SHOULD set 0x40 (RFC 9000 §17.2.1).
   */
  readonly unusedBits: number;
  /** Destination Connection ID: the SCID of the packet that triggered it, 0 to 255 bytes. */
  readonly dcid: ConnectionId;
  /** Source Connection ID: the DCID of the packet that triggered it, 0 to 255 bytes. */
  readonly scid: ConnectionId;
  /** The Supported Version list, in wire order. */
  readonly supportedVersions: readonly number[];
}

/** A received Version Negotiation packet. */
export interface VersionNegotiationPacketHeader extends VersionNegotiationPacket, PacketExtent {}

/**
 * Decodes a Version Negotiation packet starting at `r.offset`; it runs to the end of `r` (RFC
 * 9000 §17.2.1: "a Version Negotiation packet consumes an entire UDP datagram").
 *
 * An empty Supported Version list is accepted (Figure 14's notation allows zero versions); what
 * it means is the connection's business.
 * @throws CodecError if truncated, the Header Form bit is clear, the Version is not 0, or the
 *   bytes after the SCID are not a whole number of 32-bit versions.
 */
export function decodeVersionNegotiation(r: Reader): VersionNegotiationPacketHeader {
  const start = r.offset;
  const firstByte = r.u8();
  if ((firstByte & HEADER_FORM_BIT) === 0) throw new CodecError('not a long header', start);
  // RFC 9000 §17.2.1: "The Version field of a Version Negotiation packet MUST be set to 0x00000000."
  const version = r.u32();
  if (version !== VERSION_NEGOTIATION) throw new CodecError('not a Version Negotiation packet', start + 1);
  const dcid = decodeConnectionId(r, MAX_INVARIANT_CID_LENGTH);
  const scid = decodeConnectionId(r, MAX_INVARIANT_CID_LENGTH);
  if (r.remaining % 4 !== 0) throw new CodecError(`${r.remaining} bytes of versions is not a multiple of 4`, r.offset);
  const supportedVersions: number[] = [];
  while (!r.isEmpty) supportedVersions.push(r.u32());
  const bytes = r.buf.subarray(start, r.offset);
  return {
    type: PacketType.VersionNegotiation,
    unusedBits: firstByte & 0x7f,
    dcid,
    scid,
    supportedVersions,
    packetLength: bytes.length,
    bytes,
  };
}

/**
 * Writes a Version Negotiation packet (RFC 9000 §17.2.1).
 * @throws CodecError if the writer is full, a connection ID exceeds 255 bytes, `unusedBits` is
 *   not 0..0x7f, a version is not a 32-bit unsigned integer, or the list is empty (RFC 9000 §6.1:
 *   the packet "includes a list of versions that the server will accept").
 */
export function encodeVersionNegotiation(w: Writer, vn: VersionNegotiationPacket): void {
  if (!Number.isInteger(vn.unusedBits) || vn.unusedBits < 0 || vn.unusedBits > 0x7f) {
    throw new CodecError(`Version Negotiation unused bits ${vn.unusedBits} out of 0..0x7f`, w.offset);
  }
  if (vn.supportedVersions.length === 0) throw new CodecError('Version Negotiation with no supported version', w.offset);
  for (const v of vn.supportedVersions) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new CodecError(`not a 32-bit version: ${v}`, w.offset);
  }
  w.u8(HEADER_FORM_BIT | vn.unusedBits).u32(VERSION_NEGOTIATION);
  encodeConnectionId(w, vn.dcid, MAX_INVARIANT_CID_LENGTH);
  encodeConnectionId(w, vn.scid, MAX_INVARIANT_CID_LENGTH);
  for (const v of vn.supportedVersions) w.u32(v);
}

/** Bytes `encodeVersionNegotiation` writes. */
export function sizeOfVersionNegotiation(vn: VersionNegotiationPacket): number {
  return 1 + 4 + sizeOfConnectionId(vn.dcid) + sizeOfConnectionId(vn.scid) + 4 * vn.supportedVersions.length;
}

/**
 * The Version Negotiation packet a server sends in reply to a long-header packet with an
 * unsupported version (RFC 9000 §6.1, §17.2.1): it echoes the connection IDs crosswise ("The
 * server MUST include the value from the Source Connection ID field of the packet it receives in
 * the Destination Connection ID field" and the SCID "MUST be copied from the Destination
 * Connection ID of the received packet"), sets the Fixed Bit position (0x40: servers "SHOULD set
 * the most significant bit of this field (0x40) to 1") and fills the other six Unused bits at
 * random.
 * @param receivedDcid the DCID of the packet being answered.
 * @param receivedScid the SCID of the packet being answered.
 * @param supportedVersions the versions to offer (may include a greasing version, RFC 9000 §6.3).
 */
export function versionNegotiationFor(
  random: RandomSource,
  receivedDcid: ConnectionId,
  receivedScid: ConnectionId,
  supportedVersions: readonly number[],
): VersionNegotiationPacket {
  const bits = random.fill(new Uint8Array(1))[0]! & 0x3f;
  return {
    type: PacketType.VersionNegotiation,
    unusedBits: FIXED_BIT | bits,
    dcid: receivedScid,
    scid: receivedDcid,
    supportedVersions,
  };
}
