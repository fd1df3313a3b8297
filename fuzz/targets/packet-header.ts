/**
 * Fuzz target: packet headers and coalesced datagrams (RFC 9000 §12.2, §17; RFC 9369 §3.2;
 * RFC 8999 §5).
 *
 * `run` splits the input into coalesced packets (local connection ID length 8 for short
 * headers), decodes each header, reads the packet number field as if header protection were
 * already removed, and reads the version-independent header. Whatever decodes must be
 * self-consistent: the packets tile the datagram, offsets lie inside their packet, and Retry and
 * Version Negotiation packets re-encode to their exact bytes. A failed check is a bug and is
 * thrown as a plain Error, which the runner reports.
 */
import type { FuzzTarget } from '../target.js';
import { CodecError } from '../../src/util/errors.js';
import { Reader, Writer, bytesEqual, concatBytes, fromHex } from '../../src/util/bytes.js';
import { PacketType } from '../../src/wire/packet-type.js';
import { QUIC_V1, QUIC_V2 } from '../../src/wire/version.js';
import type { QuicVersion } from '../../src/wire/version.js';
import { decodeInvariantHeader, splitDatagram } from '../../src/wire/header.js';
import { encodeLongHeader, patchLongHeaderLength, sizeOfLongHeader } from '../../src/wire/long-header.js';
import type { LongHeader } from '../../src/wire/long-header.js';
import { encodeShortHeader, sizeOfShortHeader } from '../../src/wire/short-header.js';
import { encodeRetryPacket, sizeOfRetryPacket } from '../../src/wire/retry-packet.js';
import type { RetryPacket } from '../../src/wire/retry-packet.js';
import { encodeVersionNegotiation, sizeOfVersionNegotiation } from '../../src/wire/version-negotiation.js';
import type { VersionNegotiationPacket } from '../../src/wire/version-negotiation.js';
import { decodePacketNumber, readPacketNumberField } from '../../src/wire/packet-number.js';
import type { PacketNumberBits, PacketNumberLength } from '../../src/wire/packet-number.js';
import { statelessResetTokenOf } from '../../src/wire/stateless-reset.js';

/** Local connection ID length assumed for short headers. */
const LOCAL_CID_LENGTH = 8;

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`packet-header invariant failed: ${what}`);
}

function run(input: Uint8Array): void {
  statelessResetTokenOf(input);
  try {
    decodeInvariantHeader(new Reader(input), LOCAL_CID_LENGTH);
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
  }
  const { packets, error, errorOffset } = splitDatagram(input, LOCAL_CID_LENGTH);
  let at = 0;
  for (const p of packets) {
    check(p.bytes.length === p.packetLength && p.packetLength > 0, 'packet length');
    check(bytesEqual(p.bytes, input.subarray(at, at + p.packetLength)), 'packets tile the datagram');
    at += p.packetLength;
    switch (p.type) {
      case PacketType.Initial:
      case PacketType.ZeroRtt:
      case PacketType.Handshake:
      case PacketType.OneRtt: {
        check(p.pnOffset >= 1 && p.pnOffset <= p.packetLength, 'pnOffset inside the packet');
        try {
          const field = readPacketNumberField(p.bytes, p.pnOffset);
          const pn = decodePacketNumber(0x1234, field.truncated, (field.length * 8) as PacketNumberBits);
          check(pn % 2 ** (field.length * 8) === field.truncated, 'decoded packet number keeps the truncated bits');
        } catch (e) {
          if (!(e instanceof CodecError)) throw e;
        }
        break;
      }
      case PacketType.Retry: {
        const w = Writer.alloc(sizeOfRetryPacket(p));
        encodeRetryPacket(w, p);
        check(bytesEqual(w.buf, p.bytes), 'Retry re-encodes to its bytes');
        break;
      }
      case PacketType.VersionNegotiation: {
        if (p.supportedVersions.length > 0) {
          const w = Writer.alloc(sizeOfVersionNegotiation(p));
          encodeVersionNegotiation(w, p);
          check(bytesEqual(w.buf, p.bytes), 'Version Negotiation re-encodes to its bytes');
        }
        break;
      }
    }
  }
  check(at === errorOffset, 'error offset follows the last packet');
  check(error === undefined ? at === input.length : at < input.length, 'whole datagram accounted for');
  // Report an undecodable remainder as the rejection it is.
  if (error !== undefined) throw error;
}

/** Deterministic bytes `from`, `from + 1`, ... */
function pattern(length: number, from: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (from + i) & 0xff);
}

const DCID = pattern(LOCAL_CID_LENGTH, 0x10);
const SCID = pattern(5, 0x20);

function longPacket(header: LongHeader, pn: number, pnLength: PacketNumberLength, payloadLength: number): Uint8Array {
  const w = Writer.alloc(sizeOfLongHeader(header, pnLength) + payloadLength);
  const layout = encodeLongHeader(w, header, { packetNumber: pn, packetNumberLength: pnLength });
  w.bytes(pattern(payloadLength, pn));
  patchLongHeaderLength(w.buf, layout, w.offset - layout.pnOffset);
  return w.buf;
}

function shortPacket(pn: number, pnLength: PacketNumberLength, payloadLength: number, spin: boolean, keyPhase: boolean): Uint8Array {
  const header = { type: PacketType.OneRtt, dcid: DCID, spin, keyPhase } as const;
  const w = Writer.alloc(sizeOfShortHeader(header, pnLength) + payloadLength);
  encodeShortHeader(w, header, pn, pnLength);
  w.bytes(pattern(payloadLength, pn));
  return w.buf;
}

function retryPacket(version: QuicVersion, token: Uint8Array): Uint8Array {
  const retry: RetryPacket = { type: PacketType.Retry, version, dcid: SCID, scid: DCID, unusedBits: 0x0a, token, integrityTag: pattern(16, 0xa0) };
  const w = Writer.alloc(sizeOfRetryPacket(retry));
  encodeRetryPacket(w, retry);
  return w.buf;
}

function versionNegotiation(dcidLength: number, versions: number[]): Uint8Array {
  const vn: VersionNegotiationPacket = {
    type: PacketType.VersionNegotiation,
    unusedBits: 0x55,
    dcid: pattern(dcidLength, 0x30),
    scid: DCID,
    supportedVersions: versions,
  };
  const w = Writer.alloc(sizeOfVersionNegotiation(vn));
  encodeVersionNegotiation(w, vn);
  return w.buf;
}

function seeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  const lengths: PacketNumberLength[] = [1, 2, 3, 4];
  for (const version of [QUIC_V1, QUIC_V2] as const) {
    const initial: LongHeader = { type: PacketType.Initial, version, dcid: DCID, scid: SCID, token: new Uint8Array(0) };
    const initialWithToken: LongHeader = { type: PacketType.Initial, version, dcid: DCID, scid: SCID, token: pattern(24, 0x50) };
    const zeroRtt: LongHeader = { type: PacketType.ZeroRtt, version, dcid: DCID, scid: SCID };
    const handshake: LongHeader = { type: PacketType.Handshake, version, dcid: DCID, scid: new Uint8Array(0) };
    out.push(longPacket(initial, 0, 1, 40));
    out.push(longPacket(initialWithToken, 2, 4, 60));
    out.push(longPacket(zeroRtt, 5, 2, 30));
    out.push(longPacket(handshake, 0x123456, 3, 25));
    out.push(retryPacket(version, pattern(32, 0x70)));
    out.push(retryPacket(version, new Uint8Array(0)));
    // Coalesced: Initial + Handshake + 1-RTT, and Initial + 0-RTT.
    out.push(concatBytes(longPacket(initial, 1, 2, 30), longPacket(handshake, 0, 1, 20), shortPacket(0, 1, 20, false, false)));
    out.push(concatBytes(longPacket(initialWithToken, 3, 2, 30), longPacket(zeroRtt, 0, 1, 24)));
  }
  for (const pnLength of lengths) out.push(shortPacket(0xabcdef01, pnLength, 24, pnLength % 2 === 0, pnLength > 2));
  out.push(versionNegotiation(0, [QUIC_V1, QUIC_V2]));
  out.push(versionNegotiation(40, [0x0a0a0a0a, QUIC_V1]));
  // RFC 9001 §A.4 Retry and §A.5 short header packet.
  out.push(fromHex('ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba'));
  out.push(fromHex('4cfe4189655e5cd55c41f69080575d7999c25a5bfb'));
  return out;
}

/** The packet header / coalesced datagram fuzz target. */
export const target: FuzzTarget = { name: 'packet-header', run, seeds };
