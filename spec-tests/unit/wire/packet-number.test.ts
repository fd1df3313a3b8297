import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../../../src/util/errors.js';
import { fromHex, Reader, Writer } from '../../../src/util/bytes.js';
import {
  decodePacketNumber,
  encodePacketNumberLength,
  isPacketNumber,
  packetNumberLength,
  readPacketNumberField,
  readTruncatedPacketNumber,
  truncatePacketNumber,
  writeTruncatedPacketNumber,
} from '../../../src/wire/packet-number.js';
import type { PacketNumberBits, PacketNumberLength } from '../../../src/wire/packet-number.js';
import { pnLengthArb } from '../../helpers/packet-arbitraries.js';

/** Reference for Appendix A.2 in exact arithmetic: the smallest b with 2^(8b) >= 2 * numUnacked. */
function referenceLength(numUnacked: bigint): number {
  for (let b = 1; b <= 4; b++) if (1n << BigInt(8 * b) >= 2n * numUnacked) return b;
  return 5;
}

describe('RFC 9000 §12.3: the packet number range', () => {
  it('RFC 9000 §12.3: 0 .. 2^62-1 are packet numbers; 2^62, negatives and fractions are not', () => {
    expect(isPacketNumber(0)).toBe(true);
    expect(isPacketNumber(2 ** 53 - 1)).toBe(true);
    expect(isPacketNumber(2 ** 62 - 2 ** 10)).toBe(true);
    expect(isPacketNumber(2 ** 62)).toBe(false);
    expect(isPacketNumber(-1)).toBe(false);
    expect(isPacketNumber(1.5)).toBe(false);
  });
});

describe('RFC 9000 §17.1 / Appendix A.2: packet number encoding length', () => {
  it('RFC 9000 §A.2: largest acked 0xabe8b3, pn 0xac5c02 needs 16 bits', () => {
    expect(encodePacketNumberLength(0xac5c02, 0xabe8b3)).toBe(2);
  });

  it('RFC 9000 §A.2: largest acked 0xabe8b3, pn 0xace8fe needs 24 bits', () => {
    expect(encodePacketNumberLength(0xace8fe, 0xabe8b3)).toBe(3);
  });

  it('RFC 9000 §17.1: with nothing acknowledged the whole packet number range up to pn is covered', () => {
    expect(encodePacketNumberLength(0, undefined)).toBe(1);
    expect(encodePacketNumberLength(127, undefined)).toBe(1);
    expect(encodePacketNumberLength(128, undefined)).toBe(2);
    expect(encodePacketNumberLength(0x7fff, undefined)).toBe(2);
    expect(encodePacketNumberLength(0x8000, undefined)).toBe(3);
    expect(encodePacketNumberLength(0x7fff_ffff, undefined)).toBe(4);
  });

  it('RFC 9000 §17.1: the length is the smallest representing more than twice the unacknowledged range (Appendix A.2 formula)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 2 ** 31 }), (largestAcked, gap) => {
        const pn = largestAcked + gap;
        expect(encodePacketNumberLength(pn, largestAcked)).toBe(referenceLength(BigInt(gap)));
      }),
    );
  });

  it('RFC 9000 §17.1: more than 2^31 unacknowledged packets cannot be encoded (CodecError)', () => {
    expect(() => encodePacketNumberLength(2 ** 31 + 1, 0)).toThrow(CodecError);
    expect(() => encodePacketNumberLength(2 ** 31, undefined)).toThrow(CodecError);
  });

  it('RFC 9000 §17.1: a largest acknowledged not below the packet number is rejected', () => {
    expect(() => encodePacketNumberLength(5, 5)).toThrow(CodecError);
    expect(() => encodePacketNumberLength(-1, undefined)).toThrow(CodecError);
  });
});

describe('RFC 9000 §17.1 / Appendix A.3: packet number decoding', () => {
  it('RFC 9000 §A.3: largest 0xa82f30ea, 16-bit 0x9b32 decodes to 0xa82f9b32', () => {
    expect(decodePacketNumber(0xa82f30ea, 0x9b32, 16)).toBe(0xa82f9b32);
  });

  it('RFC 9001 §A.5: largest 654360563, 24-bit 49140 decodes to 654360564', () => {
    expect(decodePacketNumber(654360563, 49140, 24)).toBe(654360564);
  });

  it('RFC 9000 §A.3: the window wraps forwards and backwards', () => {
    // The window is (expected - 0x80, expected + 0x80]: 0x100 + 0x80 is in, 0x180 - 0x80 is out.
    expect(decodePacketNumber(0xff, 0x01, 8)).toBe(0x101);
    expect(decodePacketNumber(0x1ff, 0xff, 8)).toBe(0x1ff);
    expect(decodePacketNumber(0x100, 0xf0, 8)).toBe(0xf0);
    expect(decodePacketNumber(0x17f, 0x00, 8)).toBe(0x200);
    // Nothing received yet: the next expected is 0.
    expect(decodePacketNumber(-1, 0, 8)).toBe(0);
    expect(decodePacketNumber(-1, 0xff, 8)).toBe(0xff);
  });

  it('RFC 9000 §17.1: decode(encode(pn)) == pn for any receiver state at or after the largest acknowledged', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 48 }),
        fc.option(fc.integer({ min: 1, max: 2 ** 31 }), { nil: undefined }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (pnSeed, gap, where) => {
          const largestAcked = gap === undefined ? undefined : pnSeed;
          const pn = gap === undefined ? pnSeed % 2 ** 31 : pnSeed + gap;
          const length = encodePacketNumberLength(pn, largestAcked);
          // The receiver has processed any packet in [largestAcked, pn - 1] (or none at all).
          const low = largestAcked ?? -1;
          const receiverLargest = low + Math.floor(where * (pn - 1 - low));
          const truncated = truncatePacketNumber(pn, length);
          expect(decodePacketNumber(receiverLargest, truncated, (length * 8) as PacketNumberBits)).toBe(pn);
        },
      ),
    );
  });

  it('RFC 9000 §A.3: the decoded value has the truncated low bits and is the closest to the next expected', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1, max: 2 ** 50 }),
        pnLengthArb,
        fc.nat(),
        (largest, length, raw) => {
          const nbits = (length * 8) as PacketNumberBits;
          const win = 2 ** nbits;
          const truncated = raw % win;
          const pn = decodePacketNumber(largest, truncated, nbits);
          expect(pn % win).toBe(truncated);
          const expected = largest + 1;
          if (expected >= win / 2) {
            expect(pn).toBeGreaterThan(expected - win / 2);
            expect(pn).toBeLessThanOrEqual(expected + win / 2);
          } else {
            expect(pn).toBe(truncated);
          }
        },
      ),
    );
  });

  it('RFC 9000 §A.3: a truncated value wider than pn_nbits is rejected', () => {
    expect(() => decodePacketNumber(0, 0x100, 8)).toThrow(CodecError);
    expect(() => decodePacketNumber(-2, 0, 8)).toThrow(CodecError);
  });
});

describe('RFC 9000 §17.2 / §17.3.1: Packet Number Length bits and field', () => {
  it('RFC 9000 §17.2: the field length is the two low bits plus one', () => {
    expect(packetNumberLength(0xc0)).toBe(1);
    expect(packetNumberLength(0xc3)).toBe(4);
    expect(packetNumberLength(0x41)).toBe(2);
    expect(packetNumberLength(0x42)).toBe(3);
  });

  it('RFC 9000 §17.1: a truncated packet number round-trips through write and read', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), pnLengthArb, (pn, length) => {
        const w = Writer.alloc(length);
        writeTruncatedPacketNumber(w, pn, length);
        expect(w.offset).toBe(length);
        expect(readTruncatedPacketNumber(new Reader(w.buf), length)).toBe(truncatePacketNumber(pn, length));
        for (let cut = 0; cut < length; cut++) {
          expect(() => readTruncatedPacketNumber(new Reader(w.buf.subarray(0, cut)), length)).toThrow(CodecError);
        }
      }),
    );
  });

  it('RFC 9001 §A.5: readPacketNumberField reads the 3-byte field of header 4200bff4', () => {
    expect(readPacketNumberField(fromHex('4200bff4'), 1)).toEqual({ length: 3, truncated: 49140 });
    expect(() => readPacketNumberField(fromHex('4200bf'), 1)).toThrow(CodecError);
    expect(() => readPacketNumberField(new Uint8Array(0), 1)).toThrow(CodecError);
    expect(() => readPacketNumberField(fromHex('4200bff4'), 9)).toThrow(CodecError);
  });

  it('RFC 9000 §12.3: writing a negative or fractional packet number is a CodecError', () => {
    const lengths: PacketNumberLength[] = [1, 2, 3, 4];
    for (const length of lengths) {
      expect(() => writeTruncatedPacketNumber(Writer.alloc(4), -1, length)).toThrow(CodecError);
      expect(() => writeTruncatedPacketNumber(Writer.alloc(4), 1.5, length)).toThrow(CodecError);
    }
  });
});
