/**
 * fast-check arbitraries and builders for QUIC packet headers (RFC 9000 §17, RFC 9369 §3.2),
 * shared by the spec-tests/unit/wire header tests.
 */
import fc from 'fast-check';
import { Writer } from '../../src/util/bytes.js';
import { PacketType } from '../../src/wire/packet-type.js';
import { QUIC_V1, QUIC_V2 } from '../../src/wire/version.js';
import type { QuicVersion } from '../../src/wire/version.js';
import { encodeLongHeader, patchLongHeaderLength, sizeOfLongHeader } from '../../src/wire/long-header.js';
import type { LengthFieldSize, LongHeader, LongHeaderLayout } from '../../src/wire/long-header.js';
import { encodeShortHeader, sizeOfShortHeader } from '../../src/wire/short-header.js';
import type { ShortHeader } from '../../src/wire/short-header.js';
import type { PacketNumberLength } from '../../src/wire/packet-number.js';
import type { RetryPacket } from '../../src/wire/retry-packet.js';
import type { VersionNegotiationPacket } from '../../src/wire/version-negotiation.js';

/** v1 or v2. */
export const versionArb: fc.Arbitrary<QuicVersion> = fc.constantFrom(QUIC_V1, QUIC_V2);
/** A v1/v2 connection ID (0..20 bytes). */
export const cidArb = fc.uint8Array({ minLength: 0, maxLength: 20 });
/** A version-independent connection ID (0..255 bytes). */
export const invariantCidArb = fc.uint8Array({ minLength: 0, maxLength: 255 });
/** A packet number length. */
export const pnLengthArb: fc.Arbitrary<PacketNumberLength> = fc.constantFrom(1, 2, 3, 4);
/** A packet number (exactly representable). */
export const pnArb = fc.maxSafeNat();

/** An Initial, 0-RTT or Handshake header. */
export const longHeaderArb: fc.Arbitrary<LongHeader> = fc.oneof(
  fc.record({
    type: fc.constant(PacketType.Initial),
    version: versionArb,
    dcid: cidArb,
    scid: cidArb,
    token: fc.uint8Array({ maxLength: 80 }),
  }),
  fc.record({ type: fc.constant(PacketType.ZeroRtt), version: versionArb, dcid: cidArb, scid: cidArb }),
  fc.record({ type: fc.constant(PacketType.Handshake), version: versionArb, dcid: cidArb, scid: cidArb }),
);

/** A 1-RTT header with the given DCID length (any 0..20 if omitted). */
export function shortHeaderArb(dcidLength?: number): fc.Arbitrary<ShortHeader> {
  const dcid = dcidLength === undefined ? cidArb : fc.uint8Array({ minLength: dcidLength, maxLength: dcidLength });
  return fc.record({ type: fc.constant(PacketType.OneRtt), dcid, spin: fc.boolean(), keyPhase: fc.boolean() });
}

/** A Retry packet. */
export const retryArb: fc.Arbitrary<RetryPacket> = fc.record({
  type: fc.constant(PacketType.Retry),
  version: versionArb,
  dcid: cidArb,
  scid: cidArb,
  unusedBits: fc.integer({ min: 0, max: 15 }),
  token: fc.uint8Array({ maxLength: 80 }),
  integrityTag: fc.uint8Array({ minLength: 16, maxLength: 16 }),
});

/** A Version Negotiation packet with at least one version. */
export const versionNegotiationArb: fc.Arbitrary<VersionNegotiationPacket> = fc.record({
  type: fc.constant(PacketType.VersionNegotiation),
  unusedBits: fc.integer({ min: 0, max: 0x7f }),
  dcid: invariantCidArb,
  scid: invariantCidArb,
  supportedVersions: fc.array(fc.integer({ min: 0, max: 0xffff_ffff }), { minLength: 1, maxLength: 12 }),
});

/** A full long-header packet: header, packet number, Length and (fake, unprotected) payload. */
export interface BuiltLongPacket {
  readonly bytes: Uint8Array;
  readonly layout: LongHeaderLayout;
  readonly length: number;
}

/**
 * Encodes `header` with packet number `pn` on `pnLength` bytes, a `lengthFieldSize` Length field
 * patched to cover `payload`, then `payload`.
 */
export function buildLongPacket(
  header: LongHeader,
  pn: number,
  pnLength: PacketNumberLength,
  payload: Uint8Array,
  lengthFieldSize: LengthFieldSize = 2,
): BuiltLongPacket {
  const w = Writer.alloc(sizeOfLongHeader(header, pnLength, lengthFieldSize) + payload.length);
  const layout = encodeLongHeader(w, header, { packetNumber: pn, packetNumberLength: pnLength, lengthFieldSize });
  w.bytes(payload);
  const length = w.offset - layout.pnOffset;
  patchLongHeaderLength(w.buf, layout, length);
  return { bytes: w.buf, layout, length };
}

/** Encodes a 1-RTT packet: header, packet number, then `payload`. */
export function buildShortPacket(header: ShortHeader, pn: number, pnLength: PacketNumberLength, payload: Uint8Array): Uint8Array {
  const w = Writer.alloc(sizeOfShortHeader(header, pnLength) + payload.length);
  encodeShortHeader(w, header, pn, pnLength);
  w.bytes(payload);
  return w.buf;
}
