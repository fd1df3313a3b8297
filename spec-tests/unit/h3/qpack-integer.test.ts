import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Reader, Writer, fromHex, toHex } from '../../../src/util/bytes.js';
import { CodecError } from '../../../src/util/errors.js';
import {
  decodePrefixedInt,
  decodeStringLiteral,
  encodePrefixedInt,
  encodeStringLiteral,
  sizeOfPrefixedInt,
  sizeOfStringLiteral,
  byteStringToBytes,
  bytesToByteString,
  QpackTruncatedError,
  type HuffmanPolicy,
} from '../../../src/h3/qpack-integer.js';

const byteString = (maxLength = 40) => fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength });
const policy = fc.constantFrom<HuffmanPolicy>('auto', 'always', 'never');

function encInt(prefix: number, flags: number, v: number): Uint8Array {
  const w = Writer.alloc(sizeOfPrefixedInt(prefix, v));
  encodePrefixedInt(w, prefix, flags, v);
  return w.written();
}

describe('RFC 9204 §4.1.1 prefixed integers (RFC 7541 §5.1)', () => {
  it('RFC 7541 §C.1: 10 and 1337 with a 5-bit prefix, 42 with an 8-bit prefix', () => {
    expect(toHex(encInt(5, 0, 10))).toBe('0a');
    expect(toHex(encInt(5, 0xe0, 1337))).toBe('ff9a0a');
    expect(toHex(encInt(8, 0, 42))).toBe('2a');
    expect(decodePrefixedInt(new Reader(fromHex('ff9a0a')), 5)).toBe(1337);
  });

  it('RFC 9204 §4.1.1: round-trips for every prefix size, sizeOf matches, flags preserved', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.maxSafeNat(), fc.integer({ min: 0, max: 255 }), (prefix, v, f) => {
        const flags = f & ~((1 << prefix) - 1) & 0xff;
        const bytes = encInt(prefix, flags, v);
        expect(bytes.length).toBe(sizeOfPrefixedInt(prefix, v));
        expect(bytes[0]! & ~((1 << prefix) - 1) & 0xff).toBe(flags);
        const r = new Reader(bytes);
        expect(decodePrefixedInt(r, prefix)).toBe(v);
        expect(r.isEmpty).toBe(true);
        for (let n = 0; n < bytes.length; n++) expect(() => decodePrefixedInt(new Reader(bytes.subarray(0, n)), prefix)).toThrow(QpackTruncatedError);
      }),
    );
  });

  it('RFC 9204 §4.1.1: values above 2^53 - 1 and over-long encodings are refused with CodecError', () => {
    // 2^62 - 1 with a 6-bit prefix
    expect(() => decodePrefixedInt(new Reader(fromHex('3f ffffffffffffffff7f')), 6)).toThrow(CodecError);
    expect(() => decodePrefixedInt(new Reader(fromHex('1f 80808080808080808080808000')), 5)).toThrow(CodecError);
    expect(() => encInt(5, 0, 2 ** 53)).toThrow(CodecError);
  });
});

describe('RFC 9204 §4.1.2 string literals', () => {
  it('RFC 9204 §4.1.2: round-trip with every Huffman policy and prefix, truncation is QpackTruncatedError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 7 }), byteString(), policy, (prefix, s, p) => {
        const size = sizeOfStringLiteral(prefix, s, p);
        const w = Writer.alloc(size);
        encodeStringLiteral(w, prefix, 0, s, p);
        expect(w.offset).toBe(size);
        const bytes = w.written();
        const r = new Reader(bytes);
        expect(decodeStringLiteral(r, prefix, 1000)).toBe(s);
        expect(r.isEmpty).toBe(true);
        for (let n = 0; n < bytes.length; n++) expect(() => decodeStringLiteral(new Reader(bytes.subarray(0, n)), prefix, 1000)).toThrow(QpackTruncatedError);
      }),
    );
  });

  it('RFC 9204 §4.1.2: the H bit selects Huffman; auto picks the shorter form', () => {
    const w = Writer.alloc(32);
    encodeStringLiteral(w, 7, 0, 'www.example.com', 'auto');
    expect(toHex(w.written())).toBe('8c' + 'f1e3c2e5f23a6ba0ab90f4ff');
    const w2 = Writer.alloc(32);
    encodeStringLiteral(w2, 7, 0, '\x00\x01', 'auto');
    expect(toHex(w2.written())).toBe('020001');
  });

  it('RFC 9204 §4.1.2: a string longer than the limit is refused before its bytes arrive', () => {
    expect(() => decodeStringLiteral(new Reader(fromHex('7f e107')), 7, 100)).toThrow(CodecError);
    expect(() => decodeStringLiteral(new Reader(fromHex('7f e107')), 7, 100)).not.toThrow(QpackTruncatedError);
    expect(() => decodeStringLiteral(new Reader(fromHex('05 6162636465')), 7, 4)).toThrow(CodecError);
  });

  it('RFC 9204 §4.1.2: bad Huffman padding inside a literal is a CodecError', () => {
    expect(() => decodeStringLiteral(new Reader(fromHex('81 1e')), 7, 10)).toThrow(CodecError);
  });

  it('RFC 9204 §3.2.1: byte strings map one code unit to one octet and refuse code units above 0xff', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 50 }), (b) => {
      expect(byteStringToBytes(bytesToByteString(b))).toEqual(b);
    }));
    expect(() => byteStringToBytes('é€')).toThrow(CodecError);
  });
});
