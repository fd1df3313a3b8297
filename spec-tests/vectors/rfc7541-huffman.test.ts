import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { CodecError } from '../../src/util/errors.js';
import { huffmanCode, huffmanDecode, huffmanEncode, huffmanEncodedLength, HUFFMAN_EOS } from '../../src/h3/huffman.js';
import { byteStringToBytes, bytesToByteString } from '../../src/h3/qpack-integer.js';

const enc = (s: string) => toHex(huffmanEncode(byteStringToBytes(s)));
const dec = (hex: string) => bytesToByteString(huffmanDecode(fromHex(hex)));

/** RFC 7541 Appendix C.4 (requests) and C.6 (responses) Huffman-coded literals. */
const VECTORS: [string, string][] = [
  ['www.example.com', 'f1e3c2e5f23a6ba0ab90f4ff'],
  ['no-cache', 'a8eb10649cbf'],
  ['custom-key', '25a849e95ba97d7f'],
  ['custom-value', '25a849e95bb8e8b4bf'],
  ['302', '6402'],
  ['private', 'aec3771a4b'],
  ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07abe941054d444a8200595040b8166e082a62d1bff'],
  ['https://www.example.com', '9d29ad171863c78f0b97c8e9ae82ae43d3'],
  ['307', '640eff'],
  ['gzip', '9bd9ab'],
  ['foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1', '94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007'],
];

describe('RFC 7541 Appendix B: Huffman code', () => {
  it.each(VECTORS)('RFC 7541 §C.4/§C.6: "%s" encodes to %s and decodes back', (text, hex) => {
    expect(enc(text)).toBe(hex);
    expect(huffmanEncodedLength(byteStringToBytes(text))).toBe(hex.length / 2);
    expect(dec(hex)).toBe(text);
  });

  it('RFC 7541 Appendix B: the code is complete and prefix-free (Kraft sum is exactly 1)', () => {
    let sum = 0;
    const seen = new Set<string>();
    for (let s = 0; s <= HUFFMAN_EOS; s++) {
      const { code, bits } = huffmanCode(s);
      expect(code).toBeLessThan(2 ** bits);
      sum += 2 ** -bits;
      seen.add(`${bits}:${code}`);
    }
    expect(sum).toBe(1);
    expect(seen.size).toBe(257);
    expect(huffmanCode(HUFFMAN_EOS)).toEqual({ code: 0x3fffffff, bits: 30 });
  });

  it('RFC 7541 §5.2: every octet string round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(huffmanDecode(huffmanEncode(bytes))).toEqual(bytes);
      }),
    );
  });

  it('RFC 7541 §5.2: every byte value alone round-trips', () => {
    for (let b = 0; b < 256; b++) expect(huffmanDecode(huffmanEncode(Uint8Array.of(b)))).toEqual(Uint8Array.of(b));
  });

  it('RFC 7541 §5.2: padding longer than 7 bits is a decoding error', () => {
    // "a" is 00011 (5 bits); 00011111 11111111 has 11 bits of padding.
    expect(() => huffmanDecode(fromHex('1fff'))).toThrow(CodecError);
    expect(() => huffmanDecode(fromHex('ff'))).toThrow(CodecError);
    expect(dec('1f')).toBe('a');
  });

  it('RFC 7541 §5.2: padding that is not the EOS prefix (all ones) is a decoding error', () => {
    // "a" = 00011 followed by 110 instead of 111.
    expect(() => huffmanDecode(fromHex('1e'))).toThrow(CodecError);
    expect(() => huffmanDecode(fromHex('18'))).toThrow(CodecError);
  });

  it('RFC 7541 §5.2: a string containing the EOS symbol is a decoding error', () => {
    // EOS (30 ones) followed by 2 one bits of padding: ff ff ff ff.
    expect(() => huffmanDecode(fromHex('ffffffff'))).toThrow(CodecError);
    // "a" then EOS: 00011 + 30 ones + 5 ones padding = 40 bits.
    expect(() => huffmanDecode(fromHex('1fffffffff'))).toThrow(CodecError);
  });

  it('RFC 7541 §5.2: arbitrary input decodes or fails only with CodecError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          huffmanDecode(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(CodecError);
        }
      }),
    );
  });

  it('RFC 7541 §5.2: a decode limit refuses output beyond it with CodecError', () => {
    expect(() => huffmanDecode(fromHex('f1e3c2e5f23a6ba0ab90f4ff'), 14)).toThrow(CodecError);
    expect(bytesToByteString(huffmanDecode(fromHex('f1e3c2e5f23a6ba0ab90f4ff'), 15))).toBe('www.example.com');
  });
});
