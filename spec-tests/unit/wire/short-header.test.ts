import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../../../src/util/errors.js';
import { fromHex, Reader, toHex, Writer } from '../../../src/util/bytes.js';
import { PacketType } from '../../../src/wire/packet-type.js';
import { decodeShortHeaderPacket, encodeShortHeader, keyPhaseOf, sizeOfShortHeader } from '../../../src/wire/short-header.js';
import { decodePacketNumber, readPacketNumberField, truncatePacketNumber } from '../../../src/wire/packet-number.js';
import { reservedBitsOf } from '../../../src/wire/header.js';
import { buildShortPacket, pnArb, pnLengthArb, shortHeaderArb } from '../../helpers/packet-arbitraries.js';

describe('RFC 9000 §17.3.1: 1-RTT short header', () => {
  it('RFC 9000 §17.3.1: header round-trips, sizeOf matches, protected bits readable after the fact', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }).chain((n) => fc.tuple(fc.constant(n), shortHeaderArb(n))),
        pnArb,
        pnLengthArb,
        fc.uint8Array({ maxLength: 40 }),
        ([dcidLength, header], pn, pnLength, payload) => {
          const bytes = buildShortPacket(header, pn, pnLength, payload);
          const w = Writer.alloc(64);
          expect(encodeShortHeader(w, header, pn, pnLength)).toBe(1 + dcidLength);
          expect(w.offset).toBe(sizeOfShortHeader(header, pnLength));
          const r = new Reader(bytes);
          const decoded = decodeShortHeaderPacket(r, dcidLength);
          expect(decoded).toEqual({
            type: PacketType.OneRtt,
            dcid: header.dcid,
            spin: header.spin,
            pnOffset: 1 + dcidLength,
            packetLength: bytes.length,
            bytes,
          });
          expect(r.isEmpty).toBe(true);
          // After header protection removal (none applied here):
          expect(keyPhaseOf(bytes[0]!)).toBe(header.keyPhase);
          expect(reservedBitsOf(bytes[0]!)).toBe(0);
          expect(readPacketNumberField(bytes, decoded.pnOffset)).toEqual({ length: pnLength, truncated: truncatePacketNumber(pn, pnLength) });
        },
      ),
    );
  });

  it('RFC 9000 §17.3.1: truncations inside the first byte or DCID fail; later ones are a shorter packet (no Length field)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.uint8Array({ maxLength: 30 }), (dcidLength, payload) => {
        const header = { type: PacketType.OneRtt, dcid: new Uint8Array(dcidLength).fill(7), spin: true, keyPhase: false } as const;
        const bytes = buildShortPacket(header, 1, 1, payload);
        for (let cut = 0; cut < bytes.length; cut++) {
          const prefix = bytes.subarray(0, cut);
          if (cut < 1 + dcidLength) {
            expect(() => decodeShortHeaderPacket(new Reader(prefix), dcidLength)).toThrow(CodecError);
          } else {
            // A 1-RTT packet runs to the end of the datagram (RFC 9000 §12.2), so any longer
            // prefix is itself a well-formed (shorter) packet header.
            expect(decodeShortHeaderPacket(new Reader(prefix), dcidLength).packetLength).toBe(cut);
          }
        }
      }),
    );
  });

  it('RFC 9000 §17.3.1: bit positions: Fixed 0x40, Spin 0x20, Reserved 0x18 zero, Key Phase 0x04, PN length 0x03', () => {
    const w = Writer.alloc(16);
    encodeShortHeader(w, { type: PacketType.OneRtt, dcid: new Uint8Array(0), spin: true, keyPhase: true }, 0, 4);
    expect(w.buf[0]).toBe(0x40 | 0x20 | 0x04 | 0x03);
    expect(reservedBitsOf(0x18 | 0x40)).toBe(0x18);
    expect(keyPhaseOf(0x40)).toBe(false);
  });

  it('RFC 9001 §A.5: the ChaCha20 short header packet parses; unprotected header 4200bff4 gives pn 654360564', () => {
    const packet = fromHex('4cfe4189655e5cd55c41f69080575d7999c25a5bfb');
    const decoded = decodeShortHeaderPacket(new Reader(packet), 0);
    expect(decoded.dcid.length).toBe(0);
    expect(decoded.spin).toBe(false);
    expect(decoded.pnOffset).toBe(1);
    expect(decoded.packetLength).toBe(21);
    const unprotected = fromHex('4200bff4');
    const field = readPacketNumberField(unprotected, 1);
    expect(field).toEqual({ length: 3, truncated: 49140 });
    expect(decodePacketNumber(654360563, field.truncated, 24)).toBe(654360564);
    expect(keyPhaseOf(unprotected[0]!)).toBe(false);
    const w = Writer.alloc(4);
    encodeShortHeader(w, { type: PacketType.OneRtt, dcid: new Uint8Array(0), spin: false, keyPhase: false }, 654360564, 3);
    expect(toHex(w.buf)).toBe('4200bff4');
  });

  it('RFC 9000 §17.3.1: a Fixed Bit of 0 MUST be discarded; a long header is not a short one (CodecError)', () => {
    expect(() => decodeShortHeaderPacket(new Reader(fromHex('0200bff4')), 0)).toThrow(CodecError);
    expect(() => decodeShortHeaderPacket(new Reader(fromHex('c200bff4')), 0)).toThrow(CodecError);
    expect(() => decodeShortHeaderPacket(new Reader(fromHex('4200bff4')), 21)).toThrow(CodecError);
    expect(() => encodeShortHeader(Writer.alloc(64), { type: PacketType.OneRtt, dcid: new Uint8Array(21), spin: false, keyPhase: false }, 0, 1)).toThrow(CodecError);
  });
});
