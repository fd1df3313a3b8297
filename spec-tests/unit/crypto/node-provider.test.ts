/**
 * Unit tests of the node:crypto provider (src/crypto/node-provider.ts): AEAD, header protection,
 * hashes, key exchange, signatures and randomness, including every failure path.
 */
import { generateKeyPairSync, createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../src/util/bytes.js';
import { createNodeCryptoProvider, nodeCryptoProvider as node } from '../../../src/crypto/node-provider.js';
import { CryptoError, UnsupportedAlgorithmError, type AeadAlgorithm, type SignatureScheme } from '../../../src/crypto/provider.js';

const AEADS: readonly [AeadAlgorithm, number][] = [
  ['aes-128-gcm', 16],
  ['aes-256-gcm', 32],
  ['chacha20-poly1305', 32],
];

describe('RFC 9001 §5.3: node AEAD', () => {
  for (const [alg, keyLength] of AEADS) {
    it(`RFC 9001 §5.3: ${alg} seals in place and opens back, at any offset`, () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: keyLength, maxLength: keyLength }),
          fc.uint8Array({ minLength: 12, maxLength: 12 }),
          fc.uint8Array({ maxLength: 40 }),
          fc.uint8Array({ maxLength: 300 }),
          fc.nat(7),
          (key, nonce, aad, plaintext, offset) => {
            const aead = node.createAead(alg, key);
            const buf = new Uint8Array(offset + plaintext.length + 16);
            buf.set(plaintext, offset);
            const view = buf.subarray(offset);
            aead.seal(nonce, aad, view.subarray(0, plaintext.length), view);
            const opened = new Uint8Array(plaintext.length);
            expect(aead.open(nonce, aad, view, opened)).toBe(true);
            expect(toHex(opened)).toBe(toHex(plaintext));
            // In place as well.
            expect(aead.open(nonce, aad, view, view.subarray(0, plaintext.length))).toBe(true);
            expect(toHex(view.subarray(0, plaintext.length))).toBe(toHex(plaintext));
          },
        ),
        { numRuns: 50 },
      );
    });

    it(`RFC 9001 §5.3: ${alg} open fails on a flipped bit, wrong nonce, wrong AAD or wrong key, leaving out untouched`, () => {
      const key = new Uint8Array(keyLength).fill(7);
      const nonce = new Uint8Array(12).fill(1);
      const aad = fromHex('c3000000010a');
      const plaintext = new Uint8Array(50).fill(0x5a);
      const aead = node.createAead(alg, key);
      const sealed = new Uint8Array(66);
      aead.seal(nonce, aad, plaintext, sealed);
      for (let bit = 0; bit < sealed.length * 8; bit += 13) {
        const bad = sealed.slice();
        bad[bit >> 3]! ^= 1 << (bit & 7);
        const out = new Uint8Array(50).fill(0xee);
        expect(aead.open(nonce, aad, bad, out)).toBe(false);
        expect(out.every((b) => b === 0xee)).toBe(true);
      }
      const out = new Uint8Array(50);
      expect(aead.open(new Uint8Array(12), aad, sealed, out)).toBe(false);
      expect(aead.open(nonce, fromHex('c3000000010b'), sealed, out)).toBe(false);
      expect(node.createAead(alg, new Uint8Array(keyLength).fill(8)).open(nonce, aad, sealed, out)).toBe(false);
      expect(aead.open(nonce, aad, sealed, out)).toBe(true);
    });

    it(`RFC 9001 §5.3: ${alg} open returns false for input shorter than the tag`, () => {
      const aead = node.createAead(alg, new Uint8Array(keyLength));
      expect(aead.open(new Uint8Array(12), new Uint8Array(0), new Uint8Array(15), new Uint8Array(0))).toBe(false);
    });

    it(`RFC 9001 §5.3: ${alg} rejects a key of the wrong length with CryptoError`, () => {
      expect(() => node.createAead(alg, new Uint8Array(keyLength + 1))).toThrow(CryptoError);
    });
  }

  it('RFC 9001 §5.3: an AES-128-GCM empty-plaintext seal is the GCM tag (NIST GCM test case 1)', () => {
    // McGrew & Viega, "The Galois/Counter Mode of Operation", test case 1: K = 0^128, IV = 0^96.
    const tag = new Uint8Array(16);
    node.createAead('aes-128-gcm', new Uint8Array(16)).seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(0), tag);
    expect(toHex(tag)).toBe('58e2fccefa7e3061367f1d57a4e7455a');
  });
});

describe('RFC 9001 §5.4: node header protection', () => {
  it('RFC 9001 §5.4.3: the JS and OpenSSL AES-ECB masks equal OpenSSL AES-ECB of the sample', () => {
    const openssl = createNodeCryptoProvider({ headerProtection: 'openssl' });
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (wide, key32, sample) => {
        const alg = wide ? 'aes-256-ecb' : 'aes-128-ecb';
        const key = wide ? key32 : key32.subarray(0, 16);
        const c = createCipheriv(alg, key, null);
        c.setAutoPadding(false);
        const expected = toHex(c.update(sample));
        expect(toHex(node.createHeaderProtection(alg, key).mask(sample).subarray(0, 16))).toBe(expected);
        const hp = openssl.createHeaderProtection(alg, key);
        expect(toHex(hp.mask(sample).subarray(0, 16))).toBe(expected);
        // The reused ECB context stays in step.
        expect(toHex(hp.mask(sample).subarray(0, 16))).toBe(expected);
      }),
      { numRuns: 100 },
    );
  });

  it('RFC 9001 §5.4.4: the JS and OpenSSL ChaCha20 masks agree, for any counter including 0xffffffff', () => {
    const openssl = createNodeCryptoProvider({ headerProtection: 'openssl' });
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean(), (key, sample, maxCounter) => {
        if (maxCounter) sample.fill(0xff, 0, 4);
        const a = node.createHeaderProtection('chacha20', key).mask(sample);
        const b = openssl.createHeaderProtection('chacha20', key).mask(sample);
        expect(toHex(a.subarray(0, 5))).toBe(toHex(b.subarray(0, 5)));
      }),
      { numRuns: 100 },
    );
  });

  it('RFC 9001 §5.4.2: a mask needs exactly a 16-byte sample (CryptoError otherwise)', () => {
    for (const p of [node, createNodeCryptoProvider({ headerProtection: 'openssl' })]) {
      expect(() => p.createHeaderProtection('aes-128-ecb', new Uint8Array(16)).mask(new Uint8Array(15))).toThrow(CryptoError);
      expect(() => p.createHeaderProtection('chacha20', new Uint8Array(32)).mask(new Uint8Array(17))).toThrow(CryptoError);
    }
  });

  it('RFC 9001 §5.4.4: the ChaCha20 mask uses sample[0..3] as little-endian counter and sample[4..15] as nonce', () => {
    // RFC 8439 §2.4.2: key 00..1f, nonce 000000000000004a00000000, counter 1; the first keystream
    // bytes are the ciphertext XOR plaintext of its example: "Ladies" ^ 6e2e359a25 -> 224f51f3401b.
    const key = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const sample = fromHex('01000000' + '000000000000004a00000000');
    const plaintext = new TextEncoder().encode('Ladie');
    const ciphertext = fromHex('6e2e359a25');
    for (const p of [node, createNodeCryptoProvider({ headerProtection: 'openssl' })]) {
      const mask = p.createHeaderProtection('chacha20', key).mask(sample);
      for (let i = 0; i < 5; i++) expect(mask[i]).toBe(plaintext[i]! ^ ciphertext[i]!);
    }
  });

  it('RFC 9001 §5.4: header-protection keys of the wrong length are rejected', () => {
    expect(() => node.createHeaderProtection('aes-128-ecb', new Uint8Array(32))).toThrow(CryptoError);
    expect(() => node.createHeaderProtection('aes-256-ecb', new Uint8Array(16))).toThrow(CryptoError);
    expect(() => node.createHeaderProtection('chacha20', new Uint8Array(16))).toThrow(CryptoError);
  });
});

describe('RFC 8446 §4.4.1: node hashes and HMAC', () => {
  it('FIPS 180-4: SHA-256 and SHA-384 of "abc"', () => {
    const abc = new TextEncoder().encode('abc');
    expect(toHex(node.hash('sha256', abc))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(node.hash('sha384', abc))).toBe(
      'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
    );
  });

  it('RFC 8446 §4.4.1: an incremental hash digests without finishing, and clones are independent', () => {
    const h = node.createHash('sha256');
    h.update(new TextEncoder().encode('a'));
    const clone = h.clone();
    h.update(new TextEncoder().encode('bc'));
    expect(toHex(h.digest())).toBe(toHex(node.hash('sha256', new TextEncoder().encode('abc'))));
    expect(toHex(h.digest())).toBe(toHex(node.hash('sha256', new TextEncoder().encode('abc'))));
    expect(toHex(clone.digest())).toBe(toHex(node.hash('sha256', new TextEncoder().encode('a'))));
    expect(h.digest()).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(h.digest())).toBe(false);
  });

  it('RFC 4231 §4.2: HMAC-SHA-256 and HMAC-SHA-384 test case 1', () => {
    const key = new Uint8Array(20).fill(0x0b);
    const data = new TextEncoder().encode('Hi There');
    expect(toHex(node.hmac('sha256', key, data))).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
    expect(toHex(node.hmac('sha384', key, data))).toBe(
      'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6',
    );
  });

  it('RFC 5869 §2.2: an empty salt is HashLen zeros', () => {
    const ikm = fromHex('0b0b0b0b');
    expect(toHex(node.hkdfExtract('sha384', new Uint8Array(0), ikm))).toBe(toHex(node.hkdfExtract('sha384', new Uint8Array(48), ikm)));
  });

  it('RFC 8446 §4.4.1: a hash outside sha256/sha384 is UnsupportedAlgorithmError', () => {
    expect(() => node.hash('md5' as 'sha256', new Uint8Array(0))).toThrow(UnsupportedAlgorithmError);
  });
});

describe('RFC 8446 §7.4: node key exchange', () => {
  it('RFC 8448 §3: X25519 public keys and shared secret of the simple 1-RTT handshake', () => {
    const client = node.createKeyExchange('x25519', fromHex('49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005'));
    const server = node.createKeyExchange('x25519', fromHex('b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e'));
    expect(toHex(client.publicKey)).toBe('99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c');
    expect(toHex(server.publicKey)).toBe('c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f');
    const shared = '8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d';
    expect(toHex(client.computeSecret(server.publicKey))).toBe(shared);
    expect(toHex(server.computeSecret(client.publicKey))).toBe(shared);
  });

  it('RFC 8446 §7.4.2: X25519 with a low-order point (all-zero shared secret) is CryptoError', () => {
    const kx = node.createKeyExchange('x25519', new Uint8Array(32).fill(3));
    expect(() => kx.computeSecret(new Uint8Array(32))).toThrow(CryptoError);
    // u = 1 is also of small order.
    expect(() => kx.computeSecret(fromHex('0100000000000000000000000000000000000000000000000000000000000000'))).toThrow(CryptoError);
  });

  it('RFC 8446 §4.2.8.2: X25519 keys of the wrong length are CryptoError', () => {
    expect(() => node.createKeyExchange('x25519', new Uint8Array(31))).toThrow(CryptoError);
    expect(() => node.createKeyExchange('x25519', new Uint8Array(32).fill(1)).computeSecret(new Uint8Array(33))).toThrow(CryptoError);
  });

  it('RFC 8446 §7.4.1: P-256 peers agree on the x-coordinate secret', () => {
    const a = node.createKeyExchange('secp256r1', new Uint8Array(32).fill(0x11));
    const b = node.createKeyExchange('secp256r1', new Uint8Array(32).fill(0x22));
    expect(a.publicKey.length).toBe(65);
    expect(a.publicKey[0]).toBe(4);
    const s = a.computeSecret(b.publicKey);
    expect(s.length).toBe(32);
    expect(toHex(s)).toBe(toHex(b.computeSecret(a.publicKey)));
  });

  it('RFC 8446 §4.2.8.2: P-256 rejects compressed, off-curve and short peer keys, and invalid scalars', () => {
    const a = node.createKeyExchange('secp256r1', new Uint8Array(32).fill(0x11));
    const b = node.createKeyExchange('secp256r1', new Uint8Array(32).fill(0x22));
    const offCurve = b.publicKey.slice();
    offCurve[64]! ^= 1;
    expect(() => a.computeSecret(offCurve)).toThrow(CryptoError);
    const compressed = new Uint8Array(33);
    compressed[0] = 2 + (b.publicKey[64]! & 1);
    compressed.set(b.publicKey.subarray(1, 33), 1);
    expect(() => a.computeSecret(compressed)).toThrow(CryptoError);
    expect(() => a.computeSecret(b.publicKey.subarray(0, 64))).toThrow(CryptoError);
    const wrongPrefix = b.publicKey.slice();
    wrongPrefix[0] = 6;
    expect(() => a.computeSecret(wrongPrefix)).toThrow(CryptoError);
    expect(() => node.createKeyExchange('secp256r1', new Uint8Array(32))).toThrow(CryptoError);
    expect(() => node.createKeyExchange('secp256r1', new Uint8Array(32).fill(0xff))).toThrow(CryptoError);
  });
});

function pkcs8Of(kind: 'p256' | 'p384' | 'ed25519' | 'rsa2048' | 'rsa1024' | 'secp256k1' | 'ed448'): Uint8Array {
  const der = { format: 'der', type: 'pkcs8' } as const;
  switch (kind) {
    case 'p256':
      return generateKeyPairSync('ec', { namedCurve: 'prime256v1', privateKeyEncoding: der, publicKeyEncoding: { format: 'der', type: 'spki' } }).privateKey;
    case 'p384':
      return generateKeyPairSync('ec', { namedCurve: 'secp384r1', privateKeyEncoding: der, publicKeyEncoding: { format: 'der', type: 'spki' } }).privateKey;
    case 'secp256k1':
      return generateKeyPairSync('ec', { namedCurve: 'secp256k1', privateKeyEncoding: der, publicKeyEncoding: { format: 'der', type: 'spki' } }).privateKey;
    case 'ed25519':
      return generateKeyPairSync('ed25519', { privateKeyEncoding: der, publicKeyEncoding: { format: 'der', type: 'spki' } }).privateKey;
    case 'ed448':
      return generateKeyPairSync('ed448', { privateKeyEncoding: der, publicKeyEncoding: { format: 'der', type: 'spki' } }).privateKey;
    case 'rsa2048':
      return generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: der, publicKeyEncoding: { format: 'der', type: 'spki' } }).privateKey;
    case 'rsa1024':
      return generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: der, publicKeyEncoding: { format: 'der', type: 'spki' } }).privateKey;
  }
}

describe('RFC 8446 §4.2.3: node signatures', () => {
  const message = new TextEncoder().encode('TLS 1.3, server CertificateVerify');
  const cases: [Parameters<typeof pkcs8Of>[0], SignatureScheme[]][] = [
    ['p256', ['ecdsa_secp256r1_sha256']],
    ['p384', ['ecdsa_secp384r1_sha384']],
    ['ed25519', ['ed25519']],
    ['rsa2048', ['rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512']],
  ];
  const keys = new Map(cases.map(([kind]) => [kind, node.importSigningKey(pkcs8Of(kind))]));

  for (const [kind, schemes] of cases) {
    it(`RFC 8446 §4.2.3: a ${kind} key offers ${schemes.join(', ')}, signs and verifies; a flipped bit fails`, () => {
      const key = keys.get(kind)!;
      expect([...key.schemes]).toEqual(schemes);
      for (const scheme of schemes) {
        const sig = key.sign(scheme, message);
        expect(node.verify(scheme, key.publicKeySpki, message, sig)).toBe(true);
        const badSig = sig.slice();
        badSig[badSig.length >> 1]! ^= 0x10;
        expect(node.verify(scheme, key.publicKeySpki, message, badSig)).toBe(false);
        const badMsg = message.slice();
        badMsg[0]! ^= 1;
        expect(node.verify(scheme, key.publicKeySpki, badMsg, sig)).toBe(false);
      }
    });
  }

  it('RFC 8446 §4.2.3: ECDSA signatures are DER-encoded ECDSA-Sig-Value', () => {
    const sig = keys.get('p256')!.sign('ecdsa_secp256r1_sha256', message);
    expect(sig[0]).toBe(0x30); // SEQUENCE
    expect(sig[1]).toBe(sig.length - 2);
  });

  it('RFC 8446 §4.2.3: RSA-PSS uses a salt as long as the hash (a 32-byte-salt signature fails as sha384)', () => {
    const key = keys.get('rsa2048')!;
    const sig256 = key.sign('rsa_pss_rsae_sha256', message);
    expect(node.verify('rsa_pss_rsae_sha384', key.publicKeySpki, message, sig256)).toBe(false);
    // Two PSS signatures of one message differ (random salt).
    expect(toHex(key.sign('rsa_pss_rsae_sha256', message))).not.toBe(toHex(sig256));
  });

  it('RFC 8017 §9.1.1: a 1024-bit RSA key cannot carry rsa_pss_rsae_sha512 (emLen < 2*hLen + 2)', () => {
    const key = node.importSigningKey(pkcs8Of('rsa1024'));
    expect([...key.schemes]).toEqual(['rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384']);
    expect(() => key.sign('rsa_pss_rsae_sha512', message)).toThrow(CryptoError);
  });

  it('RFC 8446 §4.2.3: verify is false for a key of another type or curve, or a malformed SPKI', () => {
    const p256 = keys.get('p256')!;
    const p384 = keys.get('p384')!;
    const sig = p256.sign('ecdsa_secp256r1_sha256', message);
    expect(node.verify('ecdsa_secp384r1_sha384', p256.publicKeySpki, message, sig)).toBe(false);
    expect(node.verify('ecdsa_secp256r1_sha256', p384.publicKeySpki, message, sig)).toBe(false);
    expect(node.verify('ed25519', p256.publicKeySpki, message, sig)).toBe(false);
    expect(node.verify('rsa_pss_rsae_sha256', p256.publicKeySpki, message, sig)).toBe(false);
    expect(node.verify('ecdsa_secp256r1_sha256', p256.publicKeySpki.subarray(0, 20), message, sig)).toBe(false);
    expect(node.verify('ecdsa_secp256r1_sha256', new Uint8Array(0), message, sig)).toBe(false);
    expect(node.verify('ecdsa_secp256r1_sha256', p256.publicKeySpki, message, new Uint8Array(0))).toBe(false);
  });

  it('RFC 8446 §4.2.3: a key cannot sign with a scheme it does not offer (CryptoError)', () => {
    expect(() => keys.get('p256')!.sign('ed25519', message)).toThrow(CryptoError);
  });

  it('RFC 8446 §4.2.3: unknown schemes and unusable key types are UnsupportedAlgorithmError; malformed PKCS#8 is CryptoError', () => {
    const spki = keys.get('p256')!.publicKeySpki;
    expect(() => node.verify('rsa_pkcs1_sha256' as SignatureScheme, spki, message, new Uint8Array(64))).toThrow(UnsupportedAlgorithmError);
    expect(() => node.importSigningKey(pkcs8Of('secp256k1'))).toThrow(UnsupportedAlgorithmError);
    expect(() => node.importSigningKey(pkcs8Of('ed448'))).toThrow(UnsupportedAlgorithmError);
    expect(() => node.importSigningKey(new Uint8Array([0x30, 0x03, 0x02, 0x01]))).toThrow(CryptoError);
  });
});

describe('DESIGN §1: node random source', () => {
  it('DESIGN §1: fill returns the array it filled', () => {
    const out = new Uint8Array(64);
    expect(node.random.fill(out)).toBe(out);
    expect(out.some((b) => b !== 0)).toBe(true);
    expect(toHex(node.random.fill(new Uint8Array(32)))).not.toBe(toHex(node.random.fill(new Uint8Array(32))));
  });
});
