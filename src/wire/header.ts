/**
 * Packet headers of every kind, and datagrams of coalesced packets: RFC 9000 §17 (packet
 * formats), §12.2 (coalescing), §5.2 and RFC 8999 §5 (version-independent properties used for
 * routing).
 *
 * `decodePacketHeader` is phase one of receiving a packet: it parses what is in the clear and
 * returns a `PacketHeader` (a union discriminated by `type`) carrying, for protected packets, the
 * offset of the protected Packet Number. Phase two, after src/crypto removes header protection,
 * uses `readPacketNumberField` and `decodePacketNumber` (packet-number.ts), `reservedBitsOf` and
 * `keyPhaseOf` (short-header.ts).
 *
 * The per-type codecs are in long-header.ts, short-header.ts, retry-packet.ts and
 * version-negotiation.ts.
 */
import { CodecError } from '../util/errors.js';
import { Reader } from '../util/bytes.js';
import { VERSION_NEGOTIATION, isSupportedVersion } from './version.js';
import { MAX_INVARIANT_CID_LENGTH, decodeConnectionId, isValidConnectionIdLength } from './connection-id.js';
import type { ConnectionId } from './connection-id.js';
import { HEADER_FORM_BIT, decodeLongHeaderPacket, longPacketTypeOf } from './long-header.js';
import type { LongHeaderPacket } from './long-header.js';
import { decodeShortHeaderPacket } from './short-header.js';
import type { OneRttPacketHeader } from './short-header.js';
import { decodeRetryPacket } from './retry-packet.js';
import type { RetryPacketHeader } from './retry-packet.js';
import { decodeVersionNegotiation } from './version-negotiation.js';
import type { VersionNegotiationPacketHeader } from './version-negotiation.js';
import { PacketType } from './packet-type.js';

/** A received packet's clear-text header; discriminate on `type`. */
export type PacketHeader = LongHeaderPacket | RetryPacketHeader | VersionNegotiationPacketHeader | OneRttPacketHeader;

/** RFC 9000 §17.2: "The most significant bit (0x80) of byte 0 (the first byte) is set to 1 for long headers." */
export function isLongHeader(firstByte: number): boolean {
  return (firstByte & HEADER_FORM_BIT) !== 0;
}

/**
 * The Reserved Bits of a first byte once header protection is removed: mask 0x0c for a long
 * header (RFC 9000 §17.2), 0x18 for a short one (§17.3.1). Non-zero means a protocol violation,
 * but only once packet protection is removed too: "An endpoint MUST treat receipt of a packet
 * that has a non-zero value for these bits after removing both packet and header protection as a
 * connection error of type PROTOCOL_VIOLATION."
 */
export function reservedBitsOf(firstByte: number): number {
  return firstByte & (isLongHeader(firstByte) ? 0x0c : 0x18);
}

/**
 * Decodes the clear-text header of the packet at `r.offset` and consumes the whole packet: up to
 * the end of its Length field for Initial, 0-RTT and Handshake packets, to the end of `r` for
 * Retry, Version Negotiation and 1-RTT packets (RFC 9000 §12.2). Offsets in the result
 * (`pnOffset`) count from the packet's first byte; `bytes` is a view of the packet.
 *
 * @param localCidLength the length of the connection IDs this endpoint issued: a short header's
 *   DCID has no length field (RFC 9000 §5.1).
 * @throws CodecError if malformed or truncated, if the Fixed Bit is clear (except in Version
 *   Negotiation), if a v1/v2 connection ID exceeds 20 bytes, or if the version is neither 0, 1 nor
 *   2 (use `decodeInvariantHeader` to route or answer those).
 */
export function decodePacketHeader(r: Reader, localCidLength: number): PacketHeader {
  const start = r.offset;
  const firstByte = r.peekU8();
  if (!isLongHeader(firstByte)) return decodeShortHeaderPacket(r, localCidLength);
  if (r.remaining < 5) throw new CodecError('truncated long header', start);
  const version = ((r.buf[start + 1]! << 24) | (r.buf[start + 2]! << 16) | (r.buf[start + 3]! << 8) | r.buf[start + 4]!) >>> 0;
  // RFC 9000 §17.2.1: "Upon receipt by a client, it will be identified as a Version Negotiation
  // packet based on the Version field having a value of 0."
  if (version === VERSION_NEGOTIATION) return decodeVersionNegotiation(r);
  if (!isSupportedVersion(version)) throw new CodecError(`unsupported version 0x${version.toString(16).padStart(8, '0')}`, start + 1);
  if (longPacketTypeOf(version, (firstByte & 0x30) >>> 4) === PacketType.Retry) return decodeRetryPacket(r);
  return decodeLongHeaderPacket(r);
}

/**
 * A packet that outlives the datagram it came in (held until its keys arrive): its own copy of
 * its bytes, with the header decoded again from that copy (the same bytes decode to the same header).
 */
export function retainPacket<P extends PacketHeader>(pkt: P, localCidLength: number): P {
  return decodePacketHeader(new Reader(pkt.bytes.slice(0, pkt.packetLength)), localCidLength) as P;
}

/** The result of `splitDatagram`. */
export interface SplitDatagram {
  /** The headers of the packets decoded, in datagram order. */
  readonly packets: readonly PacketHeader[];
  /**
   * Why the rest of the datagram (from `errorOffset`) could not be decoded, or `undefined` if
   * every byte belonged to a packet.
   */
  readonly error: CodecError | undefined;
  /** Offset in the datagram where undecodable bytes start (the datagram's length if none). */
  readonly errorOffset: number;
}

/**
 * Splits a UDP datagram into its coalesced packets (RFC 9000 §12.2) by decoding each header in
 * turn: Initial, 0-RTT and Handshake packets end where their Length field says; a Retry, Version
 * Negotiation or short-header packet takes the rest of the datagram.
 *
 * Decoding stops at the first packet that cannot be parsed; the packets before it are still
 * returned, since "The receiver of coalesced QUIC packets MUST individually process each QUIC
 * packet". Checking that later packets carry the same DCID as the first ("Receivers SHOULD ignore
 * any subsequent packets with a different Destination Connection ID than the first packet in the
 * datagram") is left to the caller.
 * @param localCidLength see `decodePacketHeader`.
 */
export function splitDatagram(datagram: Uint8Array, localCidLength: number): SplitDatagram {
  const packets: PacketHeader[] = [];
  const r = new Reader(datagram);
  while (!r.isEmpty) {
    const at = r.offset;
    try {
      packets.push(decodePacketHeader(r, localCidLength));
    } catch (e) {
      if (e instanceof CodecError) return { packets, error: e, errorOffset: at };
      throw e;
    }
  }
  return { packets, error: undefined, errorOffset: datagram.length };
}

/** A packet header seen through the version-independent invariants (RFC 8999 §5). */
export type InvariantHeader =
  | {
      readonly form: 'long';
      /** The Version field (any value; 0 is Version Negotiation). */
      readonly version: number;
      /** Destination Connection ID, 0 to 255 bytes. */
      readonly dcid: ConnectionId;
      /** Source Connection ID, 0 to 255 bytes. */
      readonly scid: ConnectionId;
    }
  | {
      readonly form: 'short';
      /** Destination Connection ID, of the local connection ID length. */
      readonly dcid: ConnectionId;
    };

/**
 * Reads the version-independent fields of the packet at `r.offset` (RFC 8999 §5.1 and §5.2),
 * which is all an endpoint needs to route a datagram by its Destination Connection ID, or to
 * answer an unsupported version with Version Negotiation. Consumes only those fields and checks
 * nothing version-specific: neither the Fixed Bit nor the 20-byte limit on v1 connection IDs
 * (RFC 9000 §17.2: "servers SHOULD be able to read longer connection IDs from other QUIC
 * versions" to form a Version Negotiation packet).
 * @param localCidLength the length of a short header's DCID (RFC 9000 §5.1).
 * @throws CodecError if truncated.
 */
export function decodeInvariantHeader(r: Reader, localCidLength: number): InvariantHeader {
  const firstByte = r.u8();
  if (!isLongHeader(firstByte)) {
    if (!isValidConnectionIdLength(localCidLength)) throw new CodecError(`bad local connection ID length ${localCidLength}`, r.offset);
    return { form: 'short', dcid: r.bytes(localCidLength) };
  }
  const version = r.u32();
  const dcid = decodeConnectionId(r, MAX_INVARIANT_CID_LENGTH);
  const scid = decodeConnectionId(r, MAX_INVARIANT_CID_LENGTH);
  return { form: 'long', version, dcid, scid };
}
