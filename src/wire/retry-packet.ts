/**
 * Retry packets: RFC 9000 §17.2.5 (format), RFC 9001 §5.8 (the Retry Pseudo-Packet the
 * integrity tag is computed over), RFC 9369 §3.2 (v2 type bits).
 *
 * This module only parses and builds bytes. Computing and checking the Retry Integrity Tag
 * (AES-128-GCM with a fixed key) is src/crypto's job: it feeds it `retryPseudoPacket(...)`. The
 * rules about when a client accepts a Retry (at most one, SCID differs from the original DCID,
 * non-empty token, RFC 9000 §17.2.5.1 and §17.2.5.2) are the connection's.
 */
import { CodecError } from '../util/errors.js';
import { Writer } from '../util/bytes.js';
import type { Reader } from '../util/bytes.js';
import { PacketType } from './packet-type.js';
import { isSupportedVersion } from './version.js';
import { MAX_CID_LENGTH, encodeConnectionId, sizeOfConnectionId } from './connection-id.js';
import type { ConnectionId } from './connection-id.js';
import { FIXED_BIT, HEADER_FORM_BIT, decodeLongHeaderPrefix, longPacketTypeBits } from './long-header.js';
import type { LongHeaderFields, PacketExtent } from './long-header.js';

/** RFC 9001 §5.8: "The Retry Integrity Tag is a 128-bit field". */
export const RETRY_INTEGRITY_TAG_LENGTH = 16;

/** A Retry packet (RFC 9000 §17.2.5, Figure 18). */
export interface RetryPacket extends LongHeaderFields {
  readonly type: typeof PacketType.Retry;
  /** The four Unused bits of byte 0 (0..15): "set to an arbitrary value by the server; a client MUST ignore these bits". */
  readonly unusedBits: number;
  /** The Retry Token (possibly empty on the wire; a client discards a Retry with an empty one, §17.2.5.2). */
  readonly token: Uint8Array;
  /** The 16-byte Retry Integrity Tag (RFC 9001 §5.8). */
  readonly integrityTag: Uint8Array;
}

/** The fields of a Retry packet that precede the tag: what the server has before computing it. */
export type RetryPacketWithoutTag = Omit<RetryPacket, 'integrityTag'>;

/** A received Retry packet. */
export interface RetryPacketHeader extends RetryPacket, PacketExtent {}

/**
 * Decodes a Retry packet starting at `r.offset`; it runs to the end of `r` (RFC 9000 §12.2: a
 * Retry packet has no Length field and is never coalesced with a following packet). The last 16
 * bytes are the integrity tag; the Retry Token is everything between the SCID and the tag.
 * @throws CodecError if truncated, not a v1/v2 Retry, the Fixed Bit is clear, or a connection ID
 *   exceeds 20 bytes.
 */
export function decodeRetryPacket(r: Reader): RetryPacketHeader {
  const start = r.offset;
  const prefix = decodeLongHeaderPrefix(r);
  if (prefix.type !== PacketType.Retry) throw new CodecError(`not a Retry packet but ${prefix.type}`, start);
  if (r.remaining < RETRY_INTEGRITY_TAG_LENGTH) throw new CodecError('Retry packet too short for its integrity tag', r.offset);
  const token = r.bytes(r.remaining - RETRY_INTEGRITY_TAG_LENGTH);
  const integrityTag = r.bytes(RETRY_INTEGRITY_TAG_LENGTH);
  const bytes = r.buf.subarray(start, r.offset);
  return {
    type: PacketType.Retry,
    version: prefix.version,
    dcid: prefix.dcid,
    scid: prefix.scid,
    unusedBits: prefix.firstByte & 0x0f,
    token,
    integrityTag,
    packetLength: bytes.length,
    bytes,
  };
}

function encodeRetryWithoutTag(w: Writer, retry: RetryPacketWithoutTag): void {
  if (!isSupportedVersion(retry.version)) throw new CodecError(`cannot encode version ${retry.version}`, w.offset);
  if (!Number.isInteger(retry.unusedBits) || retry.unusedBits < 0 || retry.unusedBits > 0x0f) {
    throw new CodecError(`Retry unused bits ${retry.unusedBits} out of 0..15`, w.offset);
  }
  w.u8(HEADER_FORM_BIT | FIXED_BIT | (longPacketTypeBits(retry.version, PacketType.Retry) << 4) | retry.unusedBits);
  w.u32(retry.version);
  encodeConnectionId(w, retry.dcid, MAX_CID_LENGTH);
  encodeConnectionId(w, retry.scid, MAX_CID_LENGTH);
  w.bytes(retry.token);
}

function sizeOfRetryWithoutTag(retry: RetryPacketWithoutTag): number {
  return 1 + 4 + sizeOfConnectionId(retry.dcid) + sizeOfConnectionId(retry.scid) + retry.token.length;
}

/**
 * Writes a Retry packet (RFC 9000 §17.2.5).
 * @throws CodecError if the writer is full, the version is not v1/v2, a connection ID exceeds 20
 *   bytes, the unused bits are not 0..15, or the tag is not 16 bytes.
 */
export function encodeRetryPacket(w: Writer, retry: RetryPacket): void {
  if (retry.integrityTag.length !== RETRY_INTEGRITY_TAG_LENGTH) {
    throw new CodecError(`Retry integrity tag of ${retry.integrityTag.length} bytes, not 16`, w.offset);
  }
  encodeRetryWithoutTag(w, retry);
  w.bytes(retry.integrityTag);
}

/** Bytes `encodeRetryPacket` writes. */
export function sizeOfRetryPacket(retry: RetryPacket): number {
  return sizeOfRetryWithoutTag(retry) + RETRY_INTEGRITY_TAG_LENGTH;
}

/**
 * Writes the Retry Pseudo-Packet of RFC 9001 §5.8 (Figure 8): ODCID Length, Original Destination
 * Connection ID, then the Retry packet without its integrity tag. This is the associated data of
 * the AEAD that produces the tag.
 * @param odcid the Destination Connection ID of the client Initial the Retry answers.
 * @throws CodecError as `encodeRetryPacket`, or if `odcid` exceeds 20 bytes.
 */
export function encodeRetryPseudoPacket(w: Writer, odcid: ConnectionId, retry: RetryPacketWithoutTag): void {
  encodeConnectionId(w, odcid, MAX_CID_LENGTH);
  encodeRetryWithoutTag(w, retry);
}

/** Bytes `encodeRetryPseudoPacket` writes. */
export function sizeOfRetryPseudoPacket(odcid: ConnectionId, retry: RetryPacketWithoutTag): number {
  return sizeOfConnectionId(odcid) + sizeOfRetryWithoutTag(retry);
}

/** The Retry Pseudo-Packet (RFC 9001 §5.8) as a fresh array: see `encodeRetryPseudoPacket`. */
export function retryPseudoPacket(odcid: ConnectionId, retry: RetryPacketWithoutTag): Uint8Array {
  const w = Writer.alloc(sizeOfRetryPseudoPacket(odcid, retry));
  encodeRetryPseudoPacket(w, odcid, retry);
  return w.buf;
}

/**
 * The Retry Pseudo-Packet (RFC 9001 §5.8) of a received Retry packet, from its bytes as they
 * arrived: "computed by taking the transmitted Retry packet, removing the Retry Integrity Tag,
 * and prepending" the ODCID Length and ODCID. Unlike `retryPseudoPacket` this keeps the received
 * Unused bits and bytes exactly.
 * @param retryBytes the whole received Retry packet (`RetryPacketHeader.bytes`), tag included.
 * @throws CodecError if `odcid` exceeds 20 bytes or `retryBytes` is shorter than the tag.
 */
export function receivedRetryPseudoPacket(odcid: ConnectionId, retryBytes: Uint8Array): Uint8Array {
  if (retryBytes.length < RETRY_INTEGRITY_TAG_LENGTH) throw new CodecError('Retry packet too short for its integrity tag');
  const withoutTag = retryBytes.subarray(0, retryBytes.length - RETRY_INTEGRITY_TAG_LENGTH);
  const w = Writer.alloc(sizeOfConnectionId(odcid) + withoutTag.length);
  encodeConnectionId(w, odcid, MAX_CID_LENGTH);
  w.bytes(withoutTag);
  return w.buf;
}
