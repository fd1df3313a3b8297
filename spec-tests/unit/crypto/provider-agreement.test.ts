/**
 * ADR 0002 / DESIGN §3: the node and noble providers, "tested against each other on random
 * inputs", must agree byte for byte on every primitive both implement.
 */
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nobleCryptoProvider as noble } from '../../../src/crypto/noble-provider.js';
import { nodeCryptoProvider as node } from '../../../src/crypto/node-provider.js';
import {
  type AeadAlgorithm,
  CryptoError,
  type CryptoProvider,
  type HashAlgorithm,
  type HeaderProtectionAlgorithm,
  type SignatureScheme,
  UnsupportedAlgorithmError,
  aeadKeyLength,
  hashLength,
  headerProtectionKeyLength,
} from '../../../src/crypto/provider.js';
import { fromHex, toHex } from '../../../src/util/bytes.js';

const bytes = (min: number, max = min): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: min, maxLength: max });
const HASHES: readonly HashAlgorithm[] = ['sha256', 'sha384'];

function seal(p: CryptoProvider, alg: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  const out = new Uint8Array(pt.length + 16);
  p.createAead(alg, key).seal(nonce, aad, pt, out);
  return out;
}

function open(p: CryptoProvider, alg: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array | undefined {
  const out = new Uint8Array(Math.max(0, ct.length - 16));
  return p.createAead(alg, key).open(nonce, aad, ct, out) ? out : undefined;
}

/** Flips bit `bit` (mod the length) of a copy of `b`. */
function flipped(b: Uint8Array, bit: number): Uint8Array {
  const copy = b.slice();
  copy[(bit >>> 3) % copy.length]! ^= 1 << (bit & 7);
  return copy;
}

describe('RFC 9001 §5.3: node and noble AEADs', () => {
  for (const alg of ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'] as const) {
    it(`RFC 9001 §5.3: node and noble AEADs agree (${alg})`, () => {
      fc.assert(
        fc.property(bytes(aeadKeyLength(alg)), bytes(12), bytes(0, 64), bytes(0, 600), fc.nat(), (key, nonce, aad, pt, bit) => {
          const a = seal(node, alg, key, nonce, aad, pt);
          const b = seal(noble, alg, key, nonce, aad, pt);
          expect(toHex(b)).toBe(toHex(a));
          // Each opens the other's output.
          expect(open(noble, alg, key, nonce, aad, a)).toEqual(pt);
          expect(open(node, alg, key, nonce, aad, b)).toEqual(pt);
          // A flipped bit in the ciphertext or tag fails both.
          const bad = flipped(a, bit);
          expect(open(node, alg, key, nonce, aad, bad)).toBeUndefined();
          expect(open(noble, alg, key, nonce, aad, bad)).toBeUndefined();
          // So does a flipped bit in the AAD.
          if (aad.length > 0) {
            const badAad = flipped(aad, bit);
            expect(open(node, alg, key, nonce, badAad, a)).toBeUndefined();
            expect(open(noble, alg, key, nonce, badAad, a)).toBeUndefined();
          }
        }),
        { numRuns: 100 },
      );
    });
  }
});

describe('RFC 9001 §5.4: node and noble header protection', () => {
  const cases: readonly [HeaderProtectionAlgorithm, string][] = [
    ['aes-128-ecb', 'RFC 9001 §5.4.3'],
    ['aes-256-ecb', 'RFC 9001 §5.4.3'],
    ['chacha20', 'RFC 9001 §5.4.4'],
  ];
  for (const [alg, section] of cases) {
    it(`${section}: node and noble header-protection masks agree (${alg})`, () => {
      // Samples with an extreme ChaCha20 block counter (first four bytes) are included on purpose.
      const sample = fc.oneof(
        bytes(16),
        fc.tuple(fc.constantFrom(0x00, 0xff), bytes(12)).map(([b, rest]) => Uint8Array.from([b, b, b, b, ...rest])),
      );
      fc.assert(
        fc.property(bytes(headerProtectionKeyLength(alg)), fc.array(sample, { minLength: 1, maxLength: 4 }), (key, samples) => {
          const a = node.createHeaderProtection(alg, key);
          const b = noble.createHeaderProtection(alg, key);
          // Several samples per key: the keyed objects are reused, as on the packet path.
          for (const s of samples) {
            const ma = a.mask(s).slice();
            const mb = b.mask(s).slice();
            expect(ma.length).toBeGreaterThanOrEqual(5);
            expect(mb.length).toBeGreaterThanOrEqual(5);
            const n = Math.min(ma.length, mb.length);
            expect(toHex(mb.subarray(0, n))).toBe(toHex(ma.subarray(0, n)));
          }
        }),
        { numRuns: 100 },
      );
    });
  }
});

describe('RFC 5869: node and noble hashes, HMAC and HKDF', () => {
  for (const alg of HASHES) {
    it(`FIPS 180-4: node and noble hashes agree, one-shot and incremental with clones (${alg})`, () => {
      fc.assert(
        fc.property(fc.array(bytes(0, 200), { maxLength: 5 }), (chunks) => {
          const a = node.createHash(alg);
          const b = noble.createHash(alg);
          for (const c of chunks) {
            a.update(c);
            b.update(c);
            expect(toHex(b.digest())).toBe(toHex(a.digest()));
            expect(toHex(b.clone().update(c).digest())).toBe(toHex(a.clone().update(c).digest()));
          }
          const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
          chunks.reduce((at, c) => (all.set(c, at), at + c.length), 0);
          expect(toHex(noble.hash(alg, all))).toBe(toHex(node.hash(alg, all)));
          expect(toHex(b.digest())).toBe(toHex(node.hash(alg, all)));
        }),
        { numRuns: 100 },
      );
    });

    it(`RFC 2104 §2: node and noble HMACs agree, keys longer than a block included (${alg})`, () => {
      fc.assert(
        fc.property(bytes(0, 200), bytes(0, 300), (key, data) => {
          expect(toHex(noble.hmac(alg, key, data))).toBe(toHex(node.hmac(alg, key, data)));
        }),
        { numRuns: 100 },
      );
    });

    it(`RFC 5869 §2.2, §2.3: node and noble HKDF-Extract and HKDF-Expand agree (${alg})`, () => {
      const hl = hashLength(alg);
      fc.assert(
        fc.property(bytes(0, 80), bytes(0, 80), bytes(0, 80), fc.integer({ min: 0, max: 255 * hl }), (salt, ikm, info, length) => {
          const prk = node.hkdfExtract(alg, salt, ikm);
          expect(toHex(noble.hkdfExtract(alg, salt, ikm))).toBe(toHex(prk));
          expect(toHex(noble.hkdfExpand(alg, prk, info, length))).toBe(toHex(node.hkdfExpand(alg, prk, info, length)));
        }),
        { numRuns: 100 },
      );
    });

    it(`RFC 5869 §2.3: node and noble both reject an HKDF-Expand length over 255 * HashLen (${alg})`, () => {
      const prk = new Uint8Array(hashLength(alg));
      for (const p of [node, noble]) expect(() => p.hkdfExpand(alg, prk, new Uint8Array(0), 255 * hashLength(alg) + 1)).toThrow(CryptoError);
    });
  }
});

describe('RFC 8446 §7.4: node and noble key exchange', () => {
  it('RFC 8446 §7.4.2: node and noble X25519 agree on public keys and shared secrets (x25519)', () => {
    fc.assert(
      fc.property(bytes(32), bytes(32), (a, b) => {
        expect(toHex(noble.createKeyExchange('x25519', a).publicKey)).toBe(toHex(node.createKeyExchange('x25519', a).publicKey));
        const x = node.createKeyExchange('x25519', a);
        const y = noble.createKeyExchange('x25519', b);
        expect(toHex(y.computeSecret(x.publicKey))).toBe(toHex(x.computeSecret(y.publicKey)));
      }),
      { numRuns: 30 },
    );
  });

  it('RFC 7748 §6.1: node and noble both reject an all-zero X25519 shared secret (x25519)', () => {
    fc.assert(
      fc.property(bytes(32), fc.constantFrom('00', '01', 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'), (a, u) => {
        const peer = new Uint8Array(32);
        peer.set(fromHex(u));
        expect(() => node.createKeyExchange('x25519', a).computeSecret(peer)).toThrow(CryptoError);
        expect(() => noble.createKeyExchange('x25519', a).computeSecret(peer)).toThrow(CryptoError);
      }),
      { numRuns: 20 },
    );
  });

  it('RFC 8446 §7.4.1: node and noble P-256 agree on public keys and shared secrets (secp256r1)', () => {
    fc.assert(
      fc.property(bytes(32), bytes(32), (a, b) => {
        expect(toHex(noble.createKeyExchange('secp256r1', a).publicKey)).toBe(toHex(node.createKeyExchange('secp256r1', a).publicKey));
        const x = node.createKeyExchange('secp256r1', a);
        const y = noble.createKeyExchange('secp256r1', b);
        expect(toHex(y.computeSecret(x.publicKey))).toBe(toHex(x.computeSecret(y.publicKey)));
      }),
      { numRuns: 20 },
    );
  });

  it('RFC 8446 §4.2.8.2: node and noble both reject P-256 shares that are not points on the curve (secp256r1)', () => {
    fc.assert(
      fc.property(bytes(32), bytes(64), (a, xy) => {
        const peer = Uint8Array.from([4, ...xy]);
        for (const p of [node, noble]) expect(() => p.createKeyExchange('secp256r1', a).computeSecret(peer)).toThrow(CryptoError);
      }),
      { numRuns: 20 },
    );
  });
});

type KeyKind = 'P-256' | 'P-384' | 'ed25519' | 'rsa-2048' | 'rsa-2049';

function nodeKeyPair(kind: KeyKind): { pkcs8: Uint8Array; spki: Uint8Array } {
  const pair =
    kind === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : kind === 'rsa-2048' || kind === 'rsa-2049'
        ? generateKeyPairSync('rsa', { modulusLength: kind === 'rsa-2048' ? 2048 : 2049 })
        : generateKeyPairSync('ec', { namedCurve: kind });
  return {
    pkcs8: new Uint8Array(pair.privateKey.export({ format: 'der', type: 'pkcs8' })),
    spki: new Uint8Array(pair.publicKey.export({ format: 'der', type: 'spki' })),
  };
}

describe('RFC 8446 §4.2.3: node and noble signatures', () => {
  const both: readonly [SignatureScheme, KeyKind][] = [
    ['ecdsa_secp256r1_sha256', 'P-256'],
    ['ecdsa_secp384r1_sha384', 'P-384'],
    ['ed25519', 'ed25519'],
  ];
  for (const [scheme, kind] of both) {
    it(`RFC 8446 §4.2.3: a signature made by either provider verifies with the other (${scheme})`, () => {
      const { pkcs8, spki } = nodeKeyPair(kind);
      const a = node.importSigningKey(pkcs8);
      const b = noble.importSigningKey(pkcs8);
      expect(b.schemes).toEqual([scheme]);
      expect(a.schemes).toContain(scheme);
      expect(toHex(b.publicKeySpki)).toBe(toHex(a.publicKeySpki));
      fc.assert(
        fc.property(bytes(0, 300), fc.nat(), (message, bit) => {
          const sa = a.sign(scheme, message);
          const sb = b.sign(scheme, message);
          for (const sig of [sa, sb]) {
            expect(node.verify(scheme, spki, message, sig)).toBe(true);
            expect(noble.verify(scheme, spki, message, sig)).toBe(true);
            const bad = flipped(sig, bit);
            expect(node.verify(scheme, spki, message, bad)).toBe(false);
            expect(noble.verify(scheme, spki, message, bad)).toBe(false);
          }
        }),
        { numRuns: 10 },
      );
    });
  }

  const rsa: readonly [SignatureScheme, KeyKind][] = [
    ['rsa_pss_rsae_sha256', 'rsa-2048'],
    ['rsa_pss_rsae_sha384', 'rsa-2049'],
    ['rsa_pss_rsae_sha512', 'rsa-2048'],
  ];
  const rsaKeys = new Map<KeyKind, { pkcs8: Uint8Array; spki: Uint8Array }>();
  for (const [scheme, kind] of rsa) {
    it(`RFC 8017 §8.1.2: node RSA-PSS signatures verify with noble, and flipped bits fail both (${scheme}, ${kind})`, () => {
      if (!rsaKeys.has(kind)) rsaKeys.set(kind, nodeKeyPair(kind));
      const { pkcs8, spki } = rsaKeys.get(kind)!;
      const signer = node.importSigningKey(pkcs8);
      fc.assert(
        fc.property(bytes(0, 300), fc.nat(), (message, bit) => {
          const sig = signer.sign(scheme, message);
          expect(node.verify(scheme, spki, message, sig)).toBe(true);
          expect(noble.verify(scheme, spki, message, sig)).toBe(true);
          const bad = flipped(sig, bit);
          expect(node.verify(scheme, spki, message, bad)).toBe(false);
          expect(noble.verify(scheme, spki, message, bad)).toBe(false);
        }),
        { numRuns: 10 },
      );
      expect(() => noble.importSigningKey(pkcs8)).toThrow(UnsupportedAlgorithmError);
    });
  }
});
