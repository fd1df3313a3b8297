/**
 * Unit tests of the one-block AES of AES header protection (src/crypto/aes-block.ts):
 * FIPS 197 Appendix C vectors and agreement with OpenSSL's AES-ECB on random inputs.
 */
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../src/util/bytes.js';
import { AesBlockEncryptor } from '../../../src/crypto/aes-block.js';

describe('RFC 9001 §5.4.3: AES block for header protection', () => {
  it('FIPS 197 §C.1: AES-128 example vector', () => {
    const aes = new AesBlockEncryptor(fromHex('000102030405060708090a0b0c0d0e0f'));
    expect(toHex(aes.encrypt(fromHex('00112233445566778899aabbccddeeff')))).toBe('69c4e0d86a7b0430d8cdb78070b4c55a');
  });

  it('FIPS 197 §C.3: AES-256 example vector', () => {
    const aes = new AesBlockEncryptor(fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'));
    expect(toHex(aes.encrypt(fromHex('00112233445566778899aabbccddeeff')))).toBe('8ea2b7ca516745bfeafc49904b496089');
  });

  it('RFC 9001 §5.4.3: equals OpenSSL AES-ECB for random keys and blocks, at any offset', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(9), (wide, key32, block, at) => {
        const key = wide ? key32 : key32.subarray(0, 16);
        const c = createCipheriv(wide ? 'aes-256-ecb' : 'aes-128-ecb', key, null);
        c.setAutoPadding(false);
        const buf = new Uint8Array(at + 16 + 3);
        buf.set(block, at);
        expect(toHex(new AesBlockEncryptor(key).encrypt(buf, at))).toBe(toHex(c.update(block)));
      }),
      { numRuns: 200 },
    );
  });

  it('FIPS 197 §5.2: keys other than 16 or 32 bytes are rejected', () => {
    expect(() => new AesBlockEncryptor(new Uint8Array(24))).toThrow(RangeError);
    expect(() => new AesBlockEncryptor(new Uint8Array(0))).toThrow(RangeError);
  });
});
