import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Reader, fromHex } from '../../../src/util/bytes.js';
import { CodecError } from '../../../src/util/errors.js';
import {
  baseOf,
  decodeFieldLine,
  decodeFieldSectionPrefix,
  decodeRequiredInsertCount,
  encodeFieldSectionBytes,
  encodeRequiredInsertCount,
  prefixFor,
  sizeOfFieldLine,
  sizeOfFieldSectionPrefix,
  type FieldLineRep,
} from '../../../src/h3/qpack-field-lines.js';
import type { HuffmanPolicy } from '../../../src/h3/qpack-integer.js';

const str = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 30 });
const idx = fc.nat({ max: 100_000 });
const rep: fc.Arbitrary<FieldLineRep> = fc.oneof(
  fc.record({ type: fc.constant('indexed' as const), isStatic: fc.boolean(), index: idx }),
  fc.record({ type: fc.constant('indexed_post_base' as const), index: idx }),
  fc.record({ type: fc.constant('literal_name_ref' as const), neverIndex: fc.boolean(), isStatic: fc.boolean(), nameIndex: idx, value: str }),
  fc.record({ type: fc.constant('literal_post_base_name_ref' as const), neverIndex: fc.boolean(), nameIndex: idx, value: str }),
  fc.record({ type: fc.constant('literal' as const), neverIndex: fc.boolean(), name: str, value: str }),
);
const policy = fc.constantFrom<HuffmanPolicy>('auto', 'always', 'never');
const prefix = fc.record({ encodedInsertCount: idx, negative: fc.boolean(), deltaBase: idx });

describe('RFC 9204 §4.5 field line representations', () => {
  it('RFC 9204 §4.5.1-§4.5.6: a field section round-trips; sizeOf matches; every truncation fails with CodecError', () => {
    fc.assert(
      fc.property(prefix, fc.array(rep, { maxLength: 6 }), policy, (p, lines, h) => {
        const bytes = encodeFieldSectionBytes(p, lines, h);
        expect(bytes.length).toBe(sizeOfFieldSectionPrefix(p) + lines.reduce((n, l) => n + sizeOfFieldLine(l, h), 0));
        const r = new Reader(bytes);
        expect(decodeFieldSectionPrefix(r)).toEqual(p);
        const out: FieldLineRep[] = [];
        while (!r.isEmpty) out.push(decodeFieldLine(r, 1000));
        expect(out).toEqual(lines);
        // Truncation: the prefix, or the last line, is cut short (a cut at a line boundary is a
        // valid shorter section, so only cuts inside the last line or the prefix are tested).
        const lastStart = lines.length === 0 ? 0 : bytes.length - sizeOfFieldLine(lines[lines.length - 1]!, h);
        const cuts = lines.length === 0 ? sizeOfFieldSectionPrefix(p) : bytes.length;
        for (let n = lines.length === 0 ? 0 : lastStart + 1; n < cuts; n++) {
          expect(() => {
            const t = new Reader(bytes.subarray(0, n));
            decodeFieldSectionPrefix(t);
            while (!t.isEmpty) decodeFieldLine(t, 1000);
          }).toThrow(CodecError);
        }
        for (let n = 0; n < sizeOfFieldSectionPrefix(p); n++) expect(() => decodeFieldSectionPrefix(new Reader(bytes.subarray(0, n)))).toThrow(CodecError);
      }),
    );
  });

  it('RFC 9204 §4.5.1.1: Required Insert Count encoding round-trips within the decoder window', () => {
    fc.assert(
      fc.property(fc.integer({ min: 32, max: 10_000 }), fc.nat({ max: 100_000 }), fc.nat({ max: 400 }), (cap, total, k) => {
        const maxEntries = Math.floor(cap / 32);
        // A valid RIC lies in (total - maxEntries, total + maxEntries]: the referenced entries
        // are not yet evicted, and the encoder is at most maxEntries inserts ahead.
        const ric = Math.max(0, total - maxEntries + 1 + (k % (2 * maxEntries)));
        const enc = encodeRequiredInsertCount(ric, cap);
        expect(decodeRequiredInsertCount(enc, cap, total)).toBe(ric);
      }),
    );
  });

  it('RFC 9204 §4.5.1.1: wrapping and invalid encodings', () => {
    // MaxTableCapacity 100 -> MaxEntries 3, FullRange 6.
    expect(encodeRequiredInsertCount(0, 100)).toBe(0);
    expect(encodeRequiredInsertCount(7, 100)).toBe(2);
    expect(decodeRequiredInsertCount(2, 100, 7)).toBe(7);
    expect(() => decodeRequiredInsertCount(7, 100, 7)).toThrow(CodecError); // > FullRange
    expect(() => decodeRequiredInsertCount(1, 0, 0)).toThrow(CodecError); // no table
    expect(() => decodeRequiredInsertCount(6, 100, 0)).toThrow(CodecError); // 5 > MaxValue 3 and <= FullRange
    expect(decodeRequiredInsertCount(1, 100, 6)).toBe(6);
    expect(() => decodeRequiredInsertCount(1, 100, 0)).toThrow(CodecError); // decodes to 0
  });

  it('RFC 9204 §4.5.1.2: Base from Sign and Delta Base; a negative Base is invalid', () => {
    expect(baseOf(2, true, 1)).toBe(0);
    expect(baseOf(4, false, 0)).toBe(4);
    expect(() => baseOf(2, true, 2)).toThrow(CodecError);
    expect(prefixFor(3, 2, 0)).toEqual({ encodedInsertCount: 3, negative: true, deltaBase: 1 });
    expect(prefixFor(5, 4, 6)).toEqual({ encodedInsertCount: 5, negative: false, deltaBase: 2 });
    expect(decodeFieldSectionPrefix(new Reader(fromHex('0381')))).toEqual({ encodedInsertCount: 3, negative: true, deltaBase: 1 });
  });
});
