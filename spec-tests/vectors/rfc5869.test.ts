/**
 * RFC 5869 Appendix A: HKDF test vectors, for every real crypto provider.
 *
 * Test cases 1-3 use SHA-256, the only RFC 5869 hash TLS 1.3 / QUIC use that has vectors there.
 * Test cases 4-7 use SHA-1, which no CryptoProvider offers (HashAlgorithm is sha256 | sha384),
 * so they are deliberately not included.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { REAL_PROVIDERS } from '../helpers/providers.js';

interface HkdfCase {
  readonly section: string;
  readonly ikm: string;
  readonly salt: string;
  readonly info: string;
  readonly length: number;
  readonly prk: string;
  readonly okm: string;
}

const CASES: readonly HkdfCase[] = [
  {
    section: 'RFC 5869 §A.1',
    ikm: '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b',
    salt: '000102030405060708090a0b0c',
    info: 'f0f1f2f3f4f5f6f7f8f9',
    length: 42,
    prk: `077709362c2e32df0ddc3f0dc47bba63
          90b6c73bb50f9c3122ec844ad7c2b3e5`,
    okm: `3cb25f25faacd57a90434f64d0362f2a
          2d2d0a90cf1a5a4c5db02d56ecc4c5bf
          34007208d5b887185865`,
  },
  {
    section: 'RFC 5869 §A.2',
    ikm: `000102030405060708090a0b0c0d0e0f
          101112131415161718191a1b1c1d1e1f
          202122232425262728292a2b2c2d2e2f
          303132333435363738393a3b3c3d3e3f
          404142434445464748494a4b4c4d4e4f`,
    salt: `606162636465666768696a6b6c6d6e6f
           707172737475767778797a7b7c7d7e7f
           808182838485868788898a8b8c8d8e8f
           909192939495969798999a9b9c9d9e9f
           a0a1a2a3a4a5a6a7a8a9aaabacadaeaf`,
    info: `b0b1b2b3b4b5b6b7b8b9babbbcbdbebf
           c0c1c2c3c4c5c6c7c8c9cacbcccdcecf
           d0d1d2d3d4d5d6d7d8d9dadbdcdddedf
           e0e1e2e3e4e5e6e7e8e9eaebecedeeef
           f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff`,
    length: 82,
    prk: `06a6b88c5853361a06104c9ceb35b45c
          ef760014904671014a193f40c15fc244`,
    okm: `b11e398dc80327a1c8e7f78c596a4934
          4f012eda2d4efad8a050cc4c19afa97c
          59045a99cac7827271cb41c65e590e09
          da3275600c2f09b8367793a9aca3db71
          cc30c58179ec3e87c14c01d5c1f3434f
          1d87`,
  },
  {
    section: 'RFC 5869 §A.3',
    ikm: '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b',
    salt: '',
    info: '',
    length: 42,
    prk: `19ef24a32c717b167f33a91d6f648bdf
          96596776afdb6377ac434c1c293ccb04`,
    okm: `8da4e775a563c18f715f802a063c5a31
          b8a11f5c5ee1879ec3454e5f3c738d2d
          9d201395faa4b61a96c8`,
  },
];

const hex = (s: string): string => toHex(fromHex(s));

describe.each(REAL_PROVIDERS)('RFC 5869 Appendix A: HKDF-SHA256 ($name)', ({ name, provider }) => {
  for (const c of CASES) {
    it(`${c.section}: HKDF-Extract gives the PRK (${name})`, () => {
      expect(toHex(provider.hkdfExtract('sha256', fromHex(c.salt), fromHex(c.ikm)))).toBe(hex(c.prk));
    });

    it(`${c.section}: HKDF-Expand gives the ${c.length}-byte OKM (${name})`, () => {
      const okm = provider.hkdfExpand('sha256', fromHex(c.prk), fromHex(c.info), c.length);
      expect(okm.length).toBe(c.length);
      expect(toHex(okm)).toBe(hex(c.okm));
    });
  }

  it(`RFC 5869 §2.3: HKDF-Expand output is a prefix of a longer expansion (${name})`, () => {
    const c = CASES[1]!;
    const long = provider.hkdfExpand('sha256', fromHex(c.prk), fromHex(c.info), c.length);
    for (const n of [0, 1, 31, 32, 33, 64, 81]) {
      expect(toHex(provider.hkdfExpand('sha256', fromHex(c.prk), fromHex(c.info), n))).toBe(toHex(long.subarray(0, n)));
    }
  });

  it(`RFC 5869 §2.3: HKDF-Expand rejects L > 255*HashLen (${name})`, () => {
    const prk = fromHex(CASES[0]!.prk);
    expect(provider.hkdfExpand('sha256', prk, new Uint8Array(0), 255 * 32).length).toBe(255 * 32);
    expect(() => provider.hkdfExpand('sha256', prk, new Uint8Array(0), 255 * 32 + 1)).toThrow();
    expect(provider.hkdfExpand('sha384', prk, new Uint8Array(0), 255 * 48).length).toBe(255 * 48);
    expect(() => provider.hkdfExpand('sha384', prk, new Uint8Array(0), 255 * 48 + 1)).toThrow();
  });
});
