import { generateKeyPairSync, sign as nodeSign, constants as nodeConstants } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nobleCryptoProvider as noble } from '../../../src/crypto/noble-provider.js';
import {
  type AeadAlgorithm,
  CryptoError,
  type SignatureScheme,
  UnsupportedAlgorithmError,
  aeadKeyLength,
} from '../../../src/crypto/provider.js';
import { bytesEqual, concatBytes, fromHex, toHex } from '../../../src/util/bytes.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const AEADS: readonly AeadAlgorithm[] = ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'];

function seal(alg: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  const out = new Uint8Array(pt.length + 16);
  noble.createAead(alg, key).seal(nonce, aad, pt, out);
  return out;
}

function open(alg: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array | undefined {
  const out = new Uint8Array(Math.max(0, ct.length - 16));
  return noble.createAead(alg, key).open(nonce, aad, ct, out) ? out : undefined;
}

describe('RFC 9001 §5.3: noble AEADs', () => {
  it('RFC 8439 §2.8.2: ChaCha20-Poly1305 AEAD test vector', () => {
    const pt = utf8("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const aad = fromHex('50515253c0c1c2c3c4c5c6c7');
    const key = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    // nonce = 32-bit fixed-common part || 64-bit IV
    const nonce = fromHex('07000000 4041424344454647');
    const ct = fromHex(`d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6
      3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58
      fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116`);
    const tag = fromHex('1ae10b594f09e26a7e902ecbd0600691');
    const sealed = seal('chacha20-poly1305', key, nonce, aad, pt);
    expect(toHex(sealed)).toBe(toHex(concatBytes(ct, tag)));
    expect(open('chacha20-poly1305', key, nonce, aad, sealed)).toEqual(pt);
  });

  // The GCM specification's test vectors (McGrew & Viega, "The Galois/Counter Mode of Operation",
  // test cases 3, 4, 15 and 16), as used by NIST SP 800-38D validation.
  const gcmP = fromHex(`d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72
    1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255`);
  const gcmIv = fromHex('cafebabefacedbaddecaf888');
  const gcmA = fromHex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
  const k128 = fromHex('feffe9928665731c6d6a8f9467308308');
  const k256 = fromHex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308');
  const c128 = fromHex(`42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e
    21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985`);
  const c256 = fromHex(`522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa
    8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad`);
  const cases = [
    { name: 'Test Case 3 (AES-128, no AAD)', alg: 'aes-128-gcm', key: k128, aad: new Uint8Array(0), len: 64, c: c128, t: '4d5c2af327cd64a62cf35abd2ba6fab4' },
    { name: 'Test Case 4 (AES-128, AAD)', alg: 'aes-128-gcm', key: k128, aad: gcmA, len: 60, c: c128, t: '5bc94fbc3221a5db94fae95ae7121a47' },
    { name: 'Test Case 15 (AES-256, no AAD)', alg: 'aes-256-gcm', key: k256, aad: new Uint8Array(0), len: 64, c: c256, t: 'b094dac5d93471bdec1a502270e3cc6c' },
    { name: 'Test Case 16 (AES-256, AAD)', alg: 'aes-256-gcm', key: k256, aad: gcmA, len: 60, c: c256, t: '76fc6ece0f4e1768cddf8853bb2d551b' },
  ] as const;
  for (const tc of cases) {
    it(`NIST SP 800-38D: GCM spec ${tc.name} seals and opens`, () => {
      const sealed = seal(tc.alg, tc.key, gcmIv, tc.aad, gcmP.subarray(0, tc.len));
      expect(toHex(sealed)).toBe(toHex(tc.c.subarray(0, tc.len)) + tc.t);
      expect(open(tc.alg, tc.key, gcmIv, tc.aad, sealed)).toEqual(gcmP.subarray(0, tc.len));
    });
  }

  for (const alg of AEADS) {
    it(`RFC 9001 §5.3: ${alg} round-trips in place at odd offsets, and any flipped bit fails open`, () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: aeadKeyLength(alg), maxLength: aeadKeyLength(alg) }),
          fc.uint8Array({ minLength: 12, maxLength: 12 }),
          fc.uint8Array({ maxLength: 40 }),
          fc.uint8Array({ maxLength: 200 }),
          fc.nat({ max: 7 }),
          fc.nat(),
          (key, nonce, aad, pt, offset, flip) => {
            const aead = noble.createAead(alg, key);
            const buf = new Uint8Array(offset + pt.length + 16);
            buf.set(pt, offset);
            // In-place: out shares memory with the plaintext.
            aead.seal(nonce, aad, buf.subarray(offset, offset + pt.length), buf.subarray(offset));
            const sealed = buf.slice(offset);
            expect(sealed).toEqual(seal(alg, key, nonce, aad, pt));
            expect(aead.open(nonce, aad, buf.subarray(offset), buf.subarray(offset, offset + pt.length))).toBe(true);
            expect(buf.subarray(offset, offset + pt.length)).toEqual(pt);
            // Flip one bit of the ciphertext-and-tag, the AAD, or the nonce.
            const target = [sealed.slice(), aad.slice(), nonce.slice()];
            const choices = aad.length > 0 ? [0, 1, 2] : [0, 2];
            const which = choices[flip % choices.length]!;
            const bytes = target[which]!;
            bytes[(flip >>> 3) % bytes.length]! ^= 1 << (flip & 7);
            const [c, a, n] = target as [Uint8Array, Uint8Array, Uint8Array];
            expect(aead.open(n, a, c, new Uint8Array(pt.length))).toBe(false);
          },
        ),
        { numRuns: 100 },
      );
    });

    it(`RFC 9001 §5.3: ${alg} open returns false for input shorter than the tag`, () => {
      const aead = noble.createAead(alg, new Uint8Array(aeadKeyLength(alg)));
      expect(aead.open(new Uint8Array(12), new Uint8Array(0), new Uint8Array(15), new Uint8Array(0))).toBe(false);
    });

    it(`RFC 9001 §5.3: ${alg} rejects a key of the wrong length with CryptoError`, () => {
      expect(() => noble.createAead(alg, new Uint8Array(aeadKeyLength(alg) + 1))).toThrow(CryptoError);
    });
  }
});

describe('RFC 9001 §5.4: noble header protection', () => {
  it('RFC 9001 §5.4.3 (Appendix A.2): AES-128-ECB mask of the client Initial', () => {
    const hp = noble.createHeaderProtection('aes-128-ecb', fromHex('9f50449e04a0e810283a1e9933adedd2'));
    expect(toHex(hp.mask(fromHex('d1b1c98dd7689fb8ec11d242b123dc9b')).subarray(0, 5))).toBe('437b9aec36');
  });

  it('RFC 9001 §5.4.3 (Appendix A.3): AES-128-ECB mask of the server Initial', () => {
    const hp = noble.createHeaderProtection('aes-128-ecb', fromHex('c206b8d9b9f0f37644430b490eeaa314'));
    expect(toHex(hp.mask(fromHex('2cd0991cd25b0aac406a5816b6394100')).subarray(0, 5))).toBe('2ec0d8356a');
  });

  it('RFC 9001 §5.4.4 (Appendix A.5): ChaCha20 mask', () => {
    const hp = noble.createHeaderProtection('chacha20', fromHex('25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4'));
    expect(toHex(hp.mask(fromHex('5e5cd55c41f69080575d7999c25a5bfb')))).toBe('aefefe7d03');
  });

  it('RFC 9001 §5.4.4: ChaCha20 mask with block counter 0xffffffff does not throw (peer-chosen sample)', () => {
    const hp = noble.createHeaderProtection('chacha20', new Uint8Array(32).fill(7));
    expect(hp.mask(fromHex('ffffffff000102030405060708090a0b')).length).toBe(5);
  });

  it('RFC 9001 §5.4.2: a sample that is not 16 bytes is rejected with CryptoError', () => {
    expect(() => noble.createHeaderProtection('aes-128-ecb', new Uint8Array(16)).mask(new Uint8Array(15))).toThrow(CryptoError);
    expect(() => noble.createHeaderProtection('chacha20', new Uint8Array(32)).mask(new Uint8Array(17))).toThrow(CryptoError);
  });
});

describe('RFC 5869: noble hashes, HMAC and HKDF', () => {
  it('FIPS 180-4: SHA-256 and SHA-384 of "abc"', () => {
    expect(toHex(noble.hash('sha256', utf8('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(noble.hash('sha384', utf8('abc')))).toBe(
      'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
    );
  });

  it('RFC 8446 §4.4.1: the incremental hash digests without finishing, and clones are independent', () => {
    for (const alg of ['sha256', 'sha384'] as const) {
      const h = noble.createHash(alg).update(utf8('a'));
      expect(h.digest()).toEqual(noble.hash(alg, utf8('a')));
      const copy = h.clone();
      h.update(utf8('bc'));
      expect(h.digest()).toEqual(noble.hash(alg, utf8('abc')));
      expect(copy.digest()).toEqual(noble.hash(alg, utf8('a')));
      copy.update(utf8('x'));
      expect(copy.digest()).toEqual(noble.hash(alg, utf8('ax')));
      expect(h.digest()).toEqual(noble.hash(alg, utf8('abc')));
    }
  });

  it('RFC 4231 §4.3: HMAC-SHA-256 and HMAC-SHA-384 test case 2', () => {
    const key = utf8('Jefe');
    const data = utf8('what do ya want for nothing?');
    expect(toHex(noble.hmac('sha256', key, data))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(toHex(noble.hmac('sha384', key, data))).toBe(
      'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
    );
  });

  it('RFC 5869 §A.1: HKDF-SHA256 test case 1', () => {
    const prk = noble.hkdfExtract('sha256', fromHex('000102030405060708090a0b0c'), new Uint8Array(22).fill(0x0b));
    expect(toHex(prk)).toBe('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    expect(toHex(noble.hkdfExpand('sha256', prk, fromHex('f0f1f2f3f4f5f6f7f8f9'), 42))).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });

  it('RFC 5869 §A.3: HKDF-SHA256 test case 3 (empty salt means HashLen zeros)', () => {
    const ikm = new Uint8Array(22).fill(0x0b);
    const prk = noble.hkdfExtract('sha256', new Uint8Array(0), ikm);
    expect(toHex(prk)).toBe('19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04');
    expect(noble.hkdfExtract('sha256', new Uint8Array(32), ikm)).toEqual(prk);
    expect(toHex(noble.hkdfExpand('sha256', prk, new Uint8Array(0), 42))).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });

  it('RFC 5869 §2.3: HKDF-Expand output is a prefix of the longer output, up to 255 * HashLen', () => {
    const prk = new Uint8Array(48).fill(3);
    const long = noble.hkdfExpand('sha384', prk, utf8('info'), 255 * 48);
    expect(long.length).toBe(255 * 48);
    expect(noble.hkdfExpand('sha384', prk, utf8('info'), 49)).toEqual(long.subarray(0, 49));
    expect(noble.hkdfExpand('sha384', prk, utf8('info'), 0)).toEqual(new Uint8Array(0));
    expect(() => noble.hkdfExpand('sha384', prk, utf8('info'), 255 * 48 + 1)).toThrow(CryptoError);
  });
});

describe('RFC 8446 §7.4: noble key exchange', () => {
  const alicePriv = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const alicePub = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
  const bobPriv = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  const bobPub = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
  const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

  it('RFC 7748 §6.1: X25519 Alice and Bob test vector', () => {
    const alice = noble.createKeyExchange('x25519', alicePriv);
    const bob = noble.createKeyExchange('x25519', bobPriv);
    expect(alice.group).toBe('x25519');
    expect(toHex(alice.publicKey)).toBe(alicePub);
    expect(toHex(bob.publicKey)).toBe(bobPub);
    expect(toHex(alice.computeSecret(bob.publicKey))).toBe(shared);
    expect(toHex(bob.computeSecret(alice.publicKey))).toBe(shared);
  });

  it('RFC 7748 §6.1: an all-zero X25519 shared secret (low-order peer key) is rejected with CryptoError', () => {
    const alice = noble.createKeyExchange('x25519', alicePriv);
    // u = 0, u = 1 and a point of order 8: all give the all-zero output.
    const lowOrder = [
      new Uint8Array(32),
      fromHex('0100000000000000000000000000000000000000000000000000000000000000'),
      fromHex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'),
    ];
    for (const peer of lowOrder) expect(() => alice.computeSecret(peer)).toThrow(CryptoError);
    expect(() => alice.computeSecret(new Uint8Array(31))).toThrow(CryptoError);
  });

  it('RFC 8446 §4.2.8.2: P-256 shares are 65-byte uncompressed points and both sides agree on the x-coordinate', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (a, b) => {
        fc.pre(p256.utils.isValidSecretKey(a) && p256.utils.isValidSecretKey(b));
        const x = noble.createKeyExchange('secp256r1', a);
        const y = noble.createKeyExchange('secp256r1', b);
        expect(x.publicKey.length).toBe(65);
        expect(x.publicKey[0]).toBe(4);
        const s = x.computeSecret(y.publicKey);
        expect(s.length).toBe(32);
        expect(s).toEqual(y.computeSecret(x.publicKey));
      }),
      { numRuns: 10 },
    );
  });

  it('RFC 8446 §4.2.8.2: an invalid P-256 peer point is rejected with CryptoError', () => {
    const x = noble.createKeyExchange('secp256r1', new Uint8Array(32).fill(1));
    const good = noble.createKeyExchange('secp256r1', new Uint8Array(32).fill(2)).publicKey;
    const offCurve = good.slice();
    offCurve[64]! ^= 1;
    const compressed = p256.getPublicKey(new Uint8Array(32).fill(2), true);
    const xTooLarge = concatBytes(Uint8Array.of(4), new Uint8Array(64).fill(0xff));
    for (const peer of [offCurve, compressed, new Uint8Array(65), concatBytes(Uint8Array.of(4), new Uint8Array(64)), xTooLarge, good.subarray(0, 64)]) {
      expect(() => x.computeSecret(peer)).toThrow(CryptoError);
    }
    expect(x.computeSecret(good).length).toBe(32);
  });

  it('RFC 8446 §4.2.8.2: a P-256 private key outside [1, n-1] is rejected with CryptoError', () => {
    const n = fromHex('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    expect(() => noble.createKeyExchange('secp256r1', new Uint8Array(32))).toThrow(CryptoError);
    expect(() => noble.createKeyExchange('secp256r1', n)).toThrow(CryptoError);
    expect(() => noble.createKeyExchange('secp256r1', new Uint8Array(32).fill(0xff))).toThrow(CryptoError);
    expect(() => noble.createKeyExchange('secp256r1', new Uint8Array(31).fill(1))).toThrow(CryptoError);
  });
});

/** A PKCS#8 / SPKI key pair generated by node:crypto. */
function nodeKeyPair(kind: 'P-256' | 'P-384' | 'ed25519'): { pkcs8: Uint8Array; spki: Uint8Array } {
  const { privateKey, publicKey } =
    kind === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: kind });
  return {
    pkcs8: new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })),
    spki: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
  };
}

describe('RFC 8446 §4.2.3: noble signatures', () => {
  const schemes = [
    { scheme: 'ecdsa_secp256r1_sha256', kind: 'P-256' },
    { scheme: 'ecdsa_secp384r1_sha384', kind: 'P-384' },
    { scheme: 'ed25519', kind: 'ed25519' },
  ] as const;

  for (const { scheme, kind } of schemes) {
    it(`RFC 8446 §4.2.3: ${scheme} signs and verifies; a flipped bit fails; the SPKI matches the key`, () => {
      const { pkcs8, spki } = nodeKeyPair(kind);
      const key = noble.importSigningKey(pkcs8);
      expect(key.schemes).toEqual([scheme]);
      expect(toHex(key.publicKeySpki)).toBe(toHex(spki));
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (message, flip) => {
          const sig = key.sign(scheme, message);
          expect(noble.verify(scheme, spki, message, sig)).toBe(true);
          const badSig = sig.slice();
          badSig[(flip >>> 3) % badSig.length]! ^= 1 << (flip & 7);
          expect(noble.verify(scheme, spki, message, badSig)).toBe(false);
          if (message.length > 0) {
            const badMsg = message.slice();
            badMsg[(flip >>> 3) % badMsg.length]! ^= 1 << (flip & 7);
            expect(noble.verify(scheme, spki, badMsg, sig)).toBe(false);
          }
        }),
        { numRuns: 15 },
      );
    });
  }

  it('RFC 8446 §4.2.3: ECDSA signatures are DER ECDSA-Sig-Value and deterministic (RFC 6979)', () => {
    const key = noble.importSigningKey(nodeKeyPair('P-256').pkcs8);
    const sig = key.sign('ecdsa_secp256r1_sha256', utf8('hello'));
    expect(sig[0]).toBe(0x30);
    expect(sig[1]).toBe(sig.length - 2);
    expect(key.sign('ecdsa_secp256r1_sha256', utf8('hello'))).toEqual(sig);
  });

  it('RFC 8446 §4.2.3: ECDSA verification accepts high-S signatures (as OpenSSL produces them)', () => {
    const { pkcs8, spki } = nodeKeyPair('P-256');
    const sig = noble.importSigningKey(pkcs8).sign('ecdsa_secp256r1_sha256', utf8('hello'));
    const parsed = p256.Signature.fromBytes(sig, 'der');
    const highS = new p256.Signature(parsed.r, p256.Point.Fn.ORDER - parsed.s).toBytes('der');
    expect(bytesEqual(highS, sig)).toBe(false);
    expect(noble.verify('ecdsa_secp256r1_sha256', spki, utf8('hello'), highS)).toBe(true);
  });

  it('RFC 8032 §7.1: Ed25519 TEST 1 signature', () => {
    const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    // PKCS#8 for Ed25519 (RFC 8410 §7): the fixed prefix then the 32-byte seed.
    const key = noble.importSigningKey(concatBytes(fromHex('302e020100300506032b657004220420'), seed));
    expect(toHex(key.publicKeySpki)).toBe('302a300506032b6570032100' + 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const sig = key.sign('ed25519', new Uint8Array(0));
    expect(toHex(sig)).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    expect(noble.verify('ed25519', key.publicKeySpki, new Uint8Array(0), sig)).toBe(true);
  });

  it('RFC 8446 §4.2.3: verify is false for a key that does not fit the scheme or a malformed key', () => {
    const p256Pair = nodeKeyPair('P-256');
    const p384Pair = nodeKeyPair('P-384');
    const msg = utf8('msg');
    const sig = noble.importSigningKey(p256Pair.pkcs8).sign('ecdsa_secp256r1_sha256', msg);
    expect(noble.verify('ecdsa_secp384r1_sha384', p384Pair.spki, msg, sig)).toBe(false);
    expect(noble.verify('ed25519', p256Pair.spki, msg, sig)).toBe(false);
    expect(noble.verify('rsa_pss_rsae_sha256', p256Pair.spki, msg, sig)).toBe(false);
    expect(noble.verify('ecdsa_secp256r1_sha256', p256Pair.spki.subarray(0, 40), msg, sig)).toBe(false);
    expect(noble.verify('ecdsa_secp256r1_sha256', new Uint8Array(0), msg, sig)).toBe(false);
    expect(noble.verify('ecdsa_secp256r1_sha256', p256Pair.spki, msg, new Uint8Array(0))).toBe(false);
  });

  it('RFC 8446 §4.2.3: signing with a scheme the key does not have throws CryptoError', () => {
    const key = noble.importSigningKey(nodeKeyPair('P-384').pkcs8);
    expect(() => key.sign('ecdsa_secp256r1_sha256', utf8('x'))).toThrow(CryptoError);
    expect(() => key.sign('rsa_pss_rsae_sha256', utf8('x'))).toThrow(CryptoError);
  });

  it('RFC 5958 §2: a malformed PKCS#8 key is rejected with CryptoError', () => {
    const { pkcs8 } = nodeKeyPair('P-256');
    expect(() => noble.importSigningKey(pkcs8.subarray(0, pkcs8.length - 1))).toThrow(CryptoError);
    expect(() => noble.importSigningKey(new Uint8Array(0))).toThrow(CryptoError);
  });

  const rsaCases = [
    { scheme: 'rsa_pss_rsae_sha256', hash: 'sha256', saltLength: 32, bits: 2048 },
    { scheme: 'rsa_pss_rsae_sha384', hash: 'sha384', saltLength: 48, bits: 3072 },
    { scheme: 'rsa_pss_rsae_sha512', hash: 'sha512', saltLength: 64, bits: 2049 },
  ] as const;
  for (const { scheme, hash, saltLength, bits } of rsaCases) {
    it(`RFC 8017 §8.1.2: ${scheme} verifies an RSASSA-PSS signature from node:crypto (${bits}-bit key)`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
      const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
      const msg = utf8('TLS 1.3, server CertificateVerify');
      const sig = new Uint8Array(
        nodeSign(hash, msg, { key: privateKey, padding: nodeConstants.RSA_PKCS1_PSS_PADDING, saltLength }),
      );
      expect(noble.verify(scheme, spki, msg, sig)).toBe(true);
      for (const at of [0, 7, sig.length - 1]) {
        const bad = sig.slice();
        bad[at]! ^= 0x10;
        expect(noble.verify(scheme, spki, msg, bad)).toBe(false);
      }
      expect(noble.verify(scheme, spki, utf8('another message'), sig)).toBe(false);
      // RFC 8446 §4.2.3: "The length of the Salt MUST be equal to the length of the output of the digest".
      const shortSalt = new Uint8Array(nodeSign(hash, msg, { key: privateKey, padding: nodeConstants.RSA_PKCS1_PSS_PADDING, saltLength: 0 }));
      expect(noble.verify(scheme, spki, msg, shortSalt)).toBe(false);
      // PKCS#1 v1.5 is not PSS.
      expect(noble.verify(scheme, spki, msg, new Uint8Array(nodeSign(hash, msg, privateKey)))).toBe(false);
    });
  }

  it('RFC 8446 §4.2.3: importing an RSA private key throws UnsupportedAlgorithmError naming RSA', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
    expect(() => noble.importSigningKey(pkcs8)).toThrow(UnsupportedAlgorithmError);
    expect(() => noble.importSigningKey(pkcs8)).toThrow(/noble crypto provider does not support RSA private keys/);
  });

  it('RFC 8446 §4.2.3: importing an Ed448 private key throws UnsupportedAlgorithmError naming its OID', () => {
    const { privateKey } = generateKeyPairSync('ed448');
    const pkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
    expect(() => noble.importSigningKey(pkcs8)).toThrow(/does not support private keys of algorithm 1\.3\.101\.113/);
  });
});

describe('DESIGN §3: noble unsupported algorithms and randomness', () => {
  it('DESIGN §3: an unknown algorithm name throws UnsupportedAlgorithmError with a clear message', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => noble.createAead('aes-128-ccm' as never, new Uint8Array(16)), /noble crypto provider does not support AEAD aes-128-ccm/],
      [() => noble.createHeaderProtection('aes-128-ccm' as never, new Uint8Array(16)), /header protection aes-128-ccm/],
      [() => noble.hash('sha512' as never, new Uint8Array(0)), /hash sha512/],
      [() => noble.createKeyExchange('x448' as never, new Uint8Array(56)), /key exchange group x448/],
      [() => noble.verify('rsa_pkcs1_sha256' as SignatureScheme, nodeKeyPair('P-256').spki, new Uint8Array(0), new Uint8Array(64)), /signature scheme rsa_pkcs1_sha256/],
    ];
    for (const [f, message] of cases) {
      expect(f).toThrow(UnsupportedAlgorithmError);
      expect(f).toThrow(message);
    }
  });

  it('DESIGN §1: the random source fills arrays larger than one getRandomValues call', () => {
    const a = noble.random.fill(new Uint8Array(70_000));
    const b = noble.random.fill(new Uint8Array(70_000));
    expect(bytesEqual(a, b)).toBe(false);
    // The tail past 65536 bytes is filled too (all-zero 4000 bytes would be a 2^-32000 event).
    expect(a.subarray(66_000).some((x) => x !== 0)).toBe(true);
    expect(noble.random.fill(new Uint8Array(0)).length).toBe(0);
  });
});
