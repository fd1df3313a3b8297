import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../../../src/util/errors.js';
import { fromHex, Reader, toHex, Writer } from '../../../src/util/bytes.js';
import {
  peekVarint,
  decodeVarintAt,
  MAX_EXACT_VARINT,
  readVarint,
  varintLengthOf,
  varintSize,
  writeVarint,
  writeVarintWithLength,
} from '../../../src/util/varint.js';

describe('RFC 9000 §16 / Appendix A.1: variable-length integers', () => {
  // RFC 9000 Appendix A.1 (and §16's examples).
  const examples: [string, number][] = [
    ['c2197c5eff14e88c', 151_288_809_941_952_652],
    ['9d7f3e7d', 494_878_333],
    ['7bbd', 15_293],
    ['25', 37],
    ['4025', 37],
  ];

  for (const [hex, value] of examples) {
    it(`RFC 9000 §A.1: ${hex} decodes to ${value}`, () => {
      const bytes = fromHex(hex);
      const { value: got, length } = readVarint(bytes, 0);
      expect(length).toBe(bytes.length);
      // 151288809941952652 > 2^53: it saturates (docs/adr/0001-time-and-varints.md).
      expect(got).toBe(Math.min(value, MAX_EXACT_VARINT));
    });
  }

  it('RFC 9000 §16: minimal encodings use 1, 2, 4 and 8 bytes at the boundaries', () => {
    const cases: [number, number][] = [
      [0, 1],
      [63, 1],
      [64, 2],
      [16_383, 2],
      [16_384, 4],
      [1_073_741_823, 4],
      [1_073_741_824, 8],
      [MAX_EXACT_VARINT, 8],
    ];
    for (const [value, size] of cases) {
      expect(varintSize(value)).toBe(size);
      const buf = new Uint8Array(8);
      expect(writeVarint(buf, 0, value)).toBe(size);
      expect(varintLengthOf(buf[0]!)).toBe(size);
    }
  });

  it('RFC 9000 §16: 37 encodes as 25 minimally and as 4025 on two bytes', () => {
    const buf = new Uint8Array(2);
    expect(writeVarint(buf, 0, 37)).toBe(1);
    expect(toHex(buf.subarray(0, 1))).toBe('25');
    writeVarintWithLength(buf, 0, 37, 2);
    expect(toHex(buf)).toBe('4025');
  });

  it('RFC 9000 §16: 2^62 - 1 encodes as ffffffffffffffff and larger values are refused', () => {
    const buf = new Uint8Array(8);
    writeVarintWithLength(buf, 0, 2 ** 62 - 2 ** 10, 8);
    expect(toHex(buf)).toBe('fffffffffffffc00');
    expect(() => writeVarint(buf, 0, 2 ** 62)).toThrow(CodecError);
    expect(() => writeVarint(buf, 0, -1)).toThrow(CodecError);
    expect(() => writeVarint(buf, 0, 1.5)).toThrow(CodecError);
    expect(() => writeVarint(buf, 0, Number.NaN)).toThrow(CodecError);
  });

  it('RFC 9000 §16: a value too large for the requested length is refused', () => {
    const buf = new Uint8Array(8);
    expect(() => writeVarintWithLength(buf, 0, 64, 1)).toThrow(CodecError);
    expect(() => writeVarintWithLength(buf, 0, 16_384, 2)).toThrow(CodecError);
    expect(() => writeVarintWithLength(buf, 0, 2 ** 30, 4)).toThrow(CodecError);
  });

  it('RFC 9000 §16: round-trips every exact value at every sufficient length', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (value) => {
        const buf = new Uint8Array(8);
        const minimal = varintSize(value);
        for (const length of [1, 2, 4, 8] as const) {
          if (length < minimal) continue;
          expect(writeVarintWithLength(buf, 0, value, length)).toBe(length);
          expect(readVarint(buf, 0)).toEqual({ value, length });
        }
      }),
    );
  });

  it('RFC 9000 §16: every truncation of an encoding fails with CodecError', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (value) => {
        const buf = new Uint8Array(8);
        const size = writeVarint(buf, 0, value);
        for (let cut = 0; cut < size; cut++) {
          expect(() => readVarint(buf.subarray(0, cut), 0)).toThrow(CodecError);
          expect(() => decodeVarintAt(buf, 0, cut)).toThrow(CodecError);
        }
      }),
    );
  });

  it('RFC 9000 §16: the Writer refuses a varint past its end and the Reader one past its window', () => {
    const w = new Writer(new Uint8Array(8), 0, 3);
    expect(() => w.varint(16_384)).toThrow(CodecError);
    const bytes = fromHex('9d7f3e7d');
    expect(() => new Reader(bytes, 0, 3).varint()).toThrow(CodecError);
    expect(new Reader(bytes).varint()).toBe(494_878_333);
  });
});

describe('RFC 9000 §16: peeking a varint in a stream that may end early', () => {
  it('RFC 9000 §16: peekVarint gives the value and length of a complete varint, undefined for every truncation', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 3 }), (v, pad) => {
        const out = new Uint8Array(8 + pad);
        const w = new Writer(out, pad);
        w.varint(v);
        const buf = out.subarray(0, w.offset);
        expect(peekVarint(buf, pad)).toEqual({ value: v, length: w.offset - pad });
        for (let end = pad; end < w.offset; end++) expect(peekVarint(buf.subarray(0, end), pad)).toBeUndefined();
      }),
    );
  });
});
