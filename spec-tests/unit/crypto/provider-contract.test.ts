/**
 * The CryptoProvider contract (src/crypto/provider.ts) checked for every provider, null included:
 * in-place AEAD, failed opens leave the packet as it arrived, masks of at least 5 bytes, and
 * clear errors for algorithms a provider cannot do.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nullCryptoProvider } from '../../../src/crypto/null-provider.js';
import { AEAD_TAG_LENGTH, aeadKeyLength, CryptoError, headerProtectionKeyLength, type AeadAlgorithm, type HeaderProtectionAlgorithm } from '../../../src/crypto/provider.js';
import { REAL_PROVIDERS } from '../../helpers/providers.js';

const ALL = [...REAL_PROVIDERS, { name: 'null', provider: nullCryptoProvider }];
const AEADS: AeadAlgorithm[] = ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'];
const HPS: HeaderProtectionAlgorithm[] = ['aes-128-ecb', 'aes-256-ecb', 'chacha20'];

describe.each(ALL)('RFC 9001 §5: CryptoProvider contract ($name)', ({ provider }) => {
  it.each(AEADS)('RFC 9001 §5.3: %s seals in place and opens in place back to the plaintext', (alg) => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 7 }), (k, nonce, plain, shift) => {
        const aead = provider.createAead(alg, k.subarray(0, aeadKeyLength(alg)));
        const aad = Uint8Array.of(1, 2, 3);
        const buf = new Uint8Array(shift + plain.length + AEAD_TAG_LENGTH);
        const body = buf.subarray(shift);
        body.set(plain);
        aead.seal(nonce, aad, body.subarray(0, plain.length), body);
        expect(aead.open(nonce, aad, body, body.subarray(0, plain.length))).toBe(true);
        expect(body.subarray(0, plain.length)).toEqual(plain);
      }),
      { numRuns: 30 },
    );
  });

  it.each(AEADS)('RFC 9001 §5.5: %s: a packet that fails to open is left exactly as it arrived', (alg) => {
    const aead = provider.createAead(alg, new Uint8Array(aeadKeyLength(alg)).fill(7));
    const nonce = new Uint8Array(12).fill(1);
    const packet = new Uint8Array(64 + AEAD_TAG_LENGTH);
    packet.fill(0x5a, 0, 64);
    aead.seal(nonce, new Uint8Array(0), packet.subarray(0, 64), packet);
    packet[70]! ^= 0x01; // corrupt the tag (and, for null, make it non-zero)
    const arrived = packet.slice();
    expect(aead.open(nonce, new Uint8Array(0), packet, packet.subarray(0, 64))).toBe(false);
    expect(packet).toEqual(arrived);
    expect(aead.open(nonce, new Uint8Array(0), packet.subarray(0, AEAD_TAG_LENGTH - 1), new Uint8Array(0))).toBe(false);
  });

  it.each(HPS)('RFC 9001 §5.4.1: %s masks are at least 5 bytes', (alg) => {
    const hp = provider.createHeaderProtection(alg, new Uint8Array(headerProtectionKeyLength(alg)).fill(3));
    expect(hp.mask(new Uint8Array(16).fill(9)).length).toBeGreaterThanOrEqual(5);
  });

  it('RFC 9001 §5.3: wrong key lengths and unknown algorithms are CryptoErrors', () => {
    expect(() => provider.createAead('aes-128-gcm', new Uint8Array(15))).toThrow(CryptoError);
    expect(() => provider.createHeaderProtection('chacha20', new Uint8Array(16))).toThrow(CryptoError);
    expect(() => provider.createAead('aes-512-gcm' as AeadAlgorithm, new Uint8Array(64))).toThrow(CryptoError);
  });
});
