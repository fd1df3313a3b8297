import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChaCha20Block } from '../../../src/crypto/chacha20-block.js';
import { fromHex, toHex } from '../../../src/util/bytes.js';

describe('RFC 8439 §2.3: ChaCha20 block function', () => {
  it('RFC 8439 §2.3.2: block function test vector', () => {
    const key = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const nonce = fromHex('000000090000004a00000000');
    const block = new ChaCha20Block(key).block(1, nonce, 0);
    expect(toHex(block)).toBe(
      '10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e' +
        'd2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e',
    );
  });

  it('RFC 8439 §2.3: the nonce is read at the given offset', () => {
    const key = new Uint8Array(32).fill(9);
    const nonce = fromHex('0102030405060708090a0b0c');
    const padded = new Uint8Array(20);
    padded.set(nonce, 5);
    const chacha = new ChaCha20Block(key);
    const a = chacha.block(77, nonce, 0).slice();
    expect(chacha.block(77, padded, 5)).toEqual(a);
  });

  it('RFC 9001 §5.4.4: the block for any 32-bit counter (0xffffffff included) equals node:crypto ChaCha20 keystream', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.oneof(fc.constant(0xffffffff), fc.constant(0), fc.nat({ max: 0xffffffff })),
        (key, nonce, counter) => {
          const iv = new Uint8Array(16);
          new DataView(iv.buffer).setUint32(0, counter, true);
          iv.set(nonce, 4);
          const expected = createCipheriv('chacha20', key, iv).update(new Uint8Array(64));
          expect(toHex(new ChaCha20Block(key).block(counter, nonce, 0))).toBe(toHex(expected));
        },
      ),
      { numRuns: 100 },
    );
  });
});
