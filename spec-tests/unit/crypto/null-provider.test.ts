/**
 * Unit tests of the null crypto provider (src/crypto/null-provider.ts): identity AEAD with a zero
 * tag, zero header-protection mask, and real hashing, key exchange and signatures from its base
 * (noble by default).
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/util/bytes.js';
import { QUIC_V1 } from '../../../src/wire/version.js';
import { createNullCryptoProvider, nullCryptoProvider as nul } from '../../../src/crypto/null-provider.js';
import { nodeCryptoProvider as node } from '../../../src/crypto/node-provider.js';
import { CryptoError, UnsupportedAlgorithmError } from '../../../src/crypto/provider.js';
import { derivePacketKeys, protectPacket, unprotectPacket } from '../../../src/crypto/packet-protection.js';
import { TLS_AES_128_GCM_SHA256 } from '../../../src/crypto/suites.js';

describe('RFC 9001 §5.3: null AEAD', () => {
  it('RFC 9001 §5.3: seal copies the plaintext and appends a zero tag; open accepts it', () => {
    const aead = nul.createAead('aes-128-gcm', new Uint8Array(16));
    const buf = new Uint8Array(4 + 16).fill(0xff);
    buf.set([1, 2, 3, 4]);
    aead.seal(new Uint8Array(12), new Uint8Array(3), buf.subarray(0, 4), buf);
    expect(toHex(buf)).toBe('01020304' + '00'.repeat(16));
    const out = new Uint8Array(4);
    expect(aead.open(new Uint8Array(12), new Uint8Array(0), buf, out)).toBe(true);
    expect(toHex(out)).toBe('01020304');
  });

  it('RFC 9001 §5.5: open rejects a non-zero tag and a too-short input, leaving out untouched', () => {
    const aead = nul.createAead('chacha20-poly1305', new Uint8Array(32));
    const ct = fromHex('0102' + '00'.repeat(15) + '01');
    const out = new Uint8Array(2).fill(9);
    expect(aead.open(new Uint8Array(12), new Uint8Array(0), ct, out)).toBe(false);
    expect(toHex(out)).toBe('0909');
    expect(aead.open(new Uint8Array(12), new Uint8Array(0), new Uint8Array(15), new Uint8Array(0))).toBe(false);
  });

  it('RFC 9001 §5.3: keys must still have the algorithm length', () => {
    expect(() => nul.createAead('aes-256-gcm', new Uint8Array(16))).toThrow(CryptoError);
    expect(() => nul.createHeaderProtection('aes-128-ecb', new Uint8Array(32))).toThrow(CryptoError);
  });
});

describe('RFC 9001 §5.4: null header protection', () => {
  it('RFC 9001 §5.4.1: the mask is zero, so a protected packet shows its header and payload in clear', () => {
    const keys = derivePacketKeys(nul, TLS_AES_128_GCM_SHA256, new Uint8Array(32), QUIC_V1);
    const buf = new Uint8Array(1 + 4 + 20 + 16);
    buf[0] = 0x43;
    buf.fill(0xab, 5, 25);
    protectPacket(keys, buf, 1, 4, 0x01020304, 25);
    expect(toHex(buf.subarray(0, 5))).toBe('4301020304');
    expect(toHex(buf.subarray(5, 25))).toBe('ab'.repeat(20));
    expect(toHex(buf.subarray(25))).toBe('00'.repeat(16));
    const r = unprotectPacket(keys, buf, 1, buf.length, 0x01020303);
    expect(r?.packetNumber).toBe(0x01020304);
    buf[40] = 1; // a non-zero tag fails
    expect(unprotectPacket(keys, buf, 1, buf.length, 0x01020303)).toBeNull();
  });
});

describe('DESIGN §3: null provider delegation', () => {
  it('RFC 8446 §7.1: without a base, hashing, HMAC and HKDF equal node:crypto', () => {
    const data = new TextEncoder().encode('abc');
    const key = fromHex('0b0b0b0b');
    for (const alg of ['sha256', 'sha384'] as const) {
      expect(toHex(nul.hash(alg, data))).toBe(toHex(node.hash(alg, data)));
      expect(toHex(nul.hmac(alg, key, data))).toBe(toHex(node.hmac(alg, key, data)));
      expect(toHex(nul.hkdfExtract(alg, new Uint8Array(0), data))).toBe(toHex(node.hkdfExtract(alg, new Uint8Array(0), data)));
      expect(toHex(nul.hkdfExpand(alg, key, data, 70))).toBe(toHex(node.hkdfExpand(alg, key, data, 70)));
      const h = nul.createHash(alg).update(data.subarray(0, 1));
      const c = h.clone();
      h.update(data.subarray(1));
      expect(toHex(h.digest())).toBe(toHex(node.hash(alg, data)));
      expect(toHex(h.digest())).toBe(toHex(node.hash(alg, data)));
      expect(toHex(c.digest())).toBe(toHex(node.hash(alg, data.subarray(0, 1))));
    }
    expect(() => nul.hkdfExpand('sha256', key, data, 255 * 32 + 1)).toThrow(CryptoError);
  });

  it('RFC 8446 §7.4: without a base, X25519 and P-256 agree with node:crypto and validate peers', () => {
    for (const group of ['x25519', 'secp256r1'] as const) {
      const a = nul.createKeyExchange(group, new Uint8Array(32).fill(0x21));
      const b = node.createKeyExchange(group, new Uint8Array(32).fill(0x42));
      expect(toHex(a.publicKey)).toBe(toHex(node.createKeyExchange(group, new Uint8Array(32).fill(0x21)).publicKey));
      expect(toHex(a.computeSecret(b.publicKey))).toBe(toHex(b.computeSecret(a.publicKey)));
    }
    expect(() => nul.createKeyExchange('x25519', new Uint8Array(32).fill(1)).computeSecret(new Uint8Array(32))).toThrow(CryptoError);
    expect(() => nul.createKeyExchange('secp256r1', new Uint8Array(32))).toThrow(CryptoError);
    const p = nul.createKeyExchange('secp256r1', new Uint8Array(32).fill(5));
    const off = node.createKeyExchange('secp256r1', new Uint8Array(32).fill(6)).publicKey.slice();
    off[64]! ^= 1;
    expect(() => p.computeSecret(off)).toThrow(CryptoError);
  });

  it('RFC 8446 §4.2.3: without a base, signatures come from the noble provider', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const key = nul.importSigningKey(new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })));
    const message = new TextEncoder().encode('CertificateVerify');
    const signature = key.sign('ed25519', message);
    expect(nul.verify('ed25519', key.publicKeySpki, message, signature)).toBe(true);
    expect(node.verify('ed25519', key.publicKeySpki, message, signature)).toBe(true);
    const { privateKey: rsa } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => nul.importSigningKey(new Uint8Array(rsa.export({ format: 'der', type: 'pkcs8' })))).toThrow(UnsupportedAlgorithmError);
  });

  it('DESIGN §3: with a base, everything but AEAD and header protection comes from the base', () => {
    const p = createNullCryptoProvider({ base: node });
    expect(p.name).toBe('null');
    expect(p.random).toBe(node.random);
    expect(() => p.importSigningKey(new Uint8Array([0x30, 0x00]))).toThrow(CryptoError);
    expect(p.verify('ed25519', new Uint8Array(0), new Uint8Array(0), new Uint8Array(0))).toBe(false);
    expect(toHex(p.createHeaderProtection('aes-128-ecb', new Uint8Array(16)).mask(new Uint8Array(16).fill(1)).subarray(0, 5))).toBe('0000000000');
  });

  it('DESIGN §1: without a base the random source is a fixed seed (deterministic runs)', () => {
    const a = createNullCryptoProvider().random.fill(new Uint8Array(16));
    const b = createNullCryptoProvider().random.fill(new Uint8Array(16));
    expect(toHex(a)).toBe(toHex(b));
  });
});
