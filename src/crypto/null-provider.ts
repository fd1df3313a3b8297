/**
 * `nullCryptoProvider`: a CryptoProvider WITHOUT packet protection, for fuzzing and deterministic
 * benchmarks of the packet path (DESIGN §3, §6). Never use it on a network.
 *
 * - AEAD: `seal` copies the plaintext and appends a 16-byte all-zero tag; `open` accepts a
 *   ciphertext whose tag is all zeros (and copies the payload), and rejects any other tag. Keeping
 *   a failure mode lets the receive path's "cannot be unprotected" branches (RFC 9001 §5.5, a
 *   stateless reset's random tail, RFC 9000 §10.3.1) still work under null crypto, while a fuzzer
 *   mutating the payload still gets past decryption.
 * - Header protection: the mask is all zeros, so protected headers equal unprotected ones.
 * - Everything else (hashes, HMAC, HKDF, key exchange, signatures, randomness) comes from a `base`
 *   provider when one is given, so a TLS handshake over null packet protection works. Without a
 *   base, hashing/HMAC/HKDF and X25519/P-256 use @noble/* directly (pure), signing and
 *   verification throw UnsupportedAlgorithmError, and `random` is a fixed-seed SeededRandom
 *   (deterministic; NOT secure).
 */
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { SeededRandom, type RandomSource } from '../util/random.js';
import {
  AEAD_TAG_LENGTH,
  CryptoError,
  UnsupportedAlgorithmError,
  aeadKeyLength,
  hashLength,
  headerProtectionKeyLength,
  type Aead,
  type AeadAlgorithm,
  type CryptoProvider,
  type HashAlgorithm,
  type HashContext,
  type HeaderProtection,
  type HeaderProtectionAlgorithm,
  type KeyExchange,
  type NamedGroup,
  type SignatureScheme,
  type SigningKey,
} from './provider.js';

const NAME = 'null';

/** The AEAD of the null provider: identity encryption, all-zero tag. */
class NullAead implements Aead {
  readonly algorithm: AeadAlgorithm;

  constructor(algorithm: AeadAlgorithm, key: Uint8Array) {
    if (key.length !== aeadKeyLength(algorithm)) throw new CryptoError(`${algorithm} key must be ${aeadKeyLength(algorithm)} bytes`);
    this.algorithm = algorithm;
  }

  seal(_nonce: Uint8Array, _aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array): void {
    const n = plaintext.length;
    // TypedArray.prototype.set copies correctly when `out` and `plaintext` share memory.
    if (out.buffer !== plaintext.buffer || out.byteOffset !== plaintext.byteOffset) out.set(plaintext, 0);
    out.fill(0, n, n + AEAD_TAG_LENGTH);
  }

  /** Accepts exactly the ciphertexts whose 16-byte tag is all zeros; `out` is untouched on failure. */
  open(_nonce: Uint8Array, _aad: Uint8Array, ciphertext: Uint8Array, out: Uint8Array): boolean {
    const n = ciphertext.length - AEAD_TAG_LENGTH;
    if (n < 0) return false;
    let acc = 0;
    for (let i = n; i < ciphertext.length; i++) acc |= ciphertext[i]!;
    if (acc !== 0) return false;
    if (out.buffer !== ciphertext.buffer || out.byteOffset !== ciphertext.byteOffset) out.set(ciphertext.subarray(0, n), 0);
    return true;
  }
}

/** Header protection of the null provider: an all-zero mask. */
class NullHeaderProtection implements HeaderProtection {
  readonly algorithm: HeaderProtectionAlgorithm;
  private readonly zeros = new Uint8Array(16);

  constructor(algorithm: HeaderProtectionAlgorithm, key: Uint8Array) {
    const expected = headerProtectionKeyLength(algorithm);
    if (key.length !== expected) throw new CryptoError(`${algorithm} key must be ${expected} bytes`);
    this.algorithm = algorithm;
  }

  mask(_sample: Uint8Array): Uint8Array {
    this.zeros.fill(0); // in case a caller wrote into the previous mask
    return this.zeros;
  }
}

// ---------------------------------------------------------------------------------------------
// The pure fallback used when no base provider is given.

function nobleHash(alg: HashAlgorithm): typeof sha256 | typeof sha384 {
  switch (alg) {
    case 'sha256':
      return sha256;
    case 'sha384':
      return sha384;
    default: {
      const unknown: never = alg;
      throw new UnsupportedAlgorithmError(NAME, String(unknown));
    }
  }
}

type NobleHashState = ReturnType<typeof sha256.create> | ReturnType<typeof sha384.create>;

class NobleHashContext implements HashContext {
  readonly algorithm: HashAlgorithm;
  private readonly h: NobleHashState;

  constructor(algorithm: HashAlgorithm, h: NobleHashState) {
    this.algorithm = algorithm;
    this.h = h;
  }

  update(data: Uint8Array): this {
    this.h.update(data);
    return this;
  }

  digest(): Uint8Array {
    return this.h.clone().digest();
  }

  clone(): HashContext {
    return new NobleHashContext(this.algorithm, this.h.clone());
  }
}

class NobleX25519 implements KeyExchange {
  readonly group: NamedGroup = 'x25519';
  readonly publicKey: Uint8Array;
  private readonly privateKey: Uint8Array;

  constructor(privateKey: Uint8Array) {
    if (privateKey.length !== 32) throw new CryptoError('X25519 private key must be 32 bytes');
    this.privateKey = privateKey.slice();
    this.publicKey = x25519.getPublicKey(this.privateKey);
  }

  computeSecret(peerPublicKey: Uint8Array): Uint8Array {
    if (peerPublicKey.length !== 32) throw new CryptoError('X25519 public key must be 32 bytes');
    let secret: Uint8Array;
    try {
      secret = x25519.getSharedSecret(this.privateKey, peerPublicKey);
    } catch (e) {
      throw new CryptoError(`X25519 failed: ${(e as Error).message}`);
    }
    // RFC 8446 §7.4.2: implementations "MUST check whether the computed Diffie-Hellman shared
    // secret is the all-zero value and abort if so".
    let acc = 0;
    for (let i = 0; i < secret.length; i++) acc |= secret[i]!;
    if (acc === 0) throw new CryptoError('X25519 shared secret is all zeros');
    return secret;
  }
}

class NobleP256 implements KeyExchange {
  readonly group: NamedGroup = 'secp256r1';
  readonly publicKey: Uint8Array;
  private readonly privateKey: Uint8Array;

  constructor(privateKey: Uint8Array) {
    if (privateKey.length !== 32 || !p256.utils.isValidSecretKey(privateKey)) throw new CryptoError('invalid P-256 private key');
    this.privateKey = privateKey.slice();
    this.publicKey = p256.getPublicKey(this.privateKey, false);
  }

  computeSecret(peerPublicKey: Uint8Array): Uint8Array {
    // RFC 8446 §4.2.8.2: an UncompressedPointRepresentation, validated by the receiver.
    if (peerPublicKey.length !== 65 || peerPublicKey[0] !== 0x04) throw new CryptoError('P-256 public key must be a 65-byte uncompressed point');
    try {
      // RFC 8446 §7.4.1: the shared secret is the x-coordinate (a compressed point minus its prefix).
      return p256.getSharedSecret(this.privateKey, peerPublicKey, true).slice(1);
    } catch (e) {
      throw new CryptoError(`invalid P-256 public key: ${(e as Error).message}`);
    }
  }
}

/**
 * RFC 5869 §2.3 HKDF-Expand: T(i) = HMAC-Hash(PRK, T(i-1) | info | i). Written out (rather than
 * noble's `expand`, which refuses a PRK shorter than HashLen) so it accepts what the node and
 * noble providers accept.
 */
function expand(alg: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const hl = hashLength(alg);
  // RFC 5869 §2.3: "L length of output keying material in octets (<= 255*HashLen)".
  if (!Number.isInteger(length) || length < 0 || length > 255 * hl) throw new CryptoError(`HKDF-Expand length ${length} out of range 0..${255 * hl}`);
  const okm = new Uint8Array(length);
  let previous = new Uint8Array(0);
  for (let i = 1, at = 0; at < length; i++) {
    previous = nobleHmac.create(nobleHash(alg), prk).update(previous).update(info).update(Uint8Array.of(i)).digest();
    const take = Math.min(hl, length - at);
    okm.set(previous.subarray(0, take), at);
    at += take;
  }
  return okm;
}

/** Options of `createNullCryptoProvider`. */
export interface NullCryptoProviderOptions {
  /** Provider for everything but AEAD and header protection (hashes, key exchange, signatures, random). */
  readonly base?: CryptoProvider;
  /** Overrides the random source (default: the base's, or a fixed-seed SeededRandom). */
  readonly random?: RandomSource;
}

/**
 * A null provider: no packet protection (identity AEAD with a zero tag, zero header-protection
 * mask); every other operation from `options.base`, or from pure @noble code without one.
 */
export function createNullCryptoProvider(options: NullCryptoProviderOptions = {}): CryptoProvider {
  const base = options.base;
  const random: RandomSource = options.random ?? base?.random ?? new SeededRandom(0x6e756c6c);
  return {
    name: NAME,
    random,
    createAead: (alg, key) => new NullAead(alg, key),
    createHeaderProtection: (alg, key) => new NullHeaderProtection(alg, key),
    hash: (alg, data) => (base ? base.hash(alg, data) : nobleHash(alg)(data)),
    createHash: (alg) => (base ? base.createHash(alg) : new NobleHashContext(alg, nobleHash(alg).create())),
    hmac: (alg, key, data) => (base ? base.hmac(alg, key, data) : nobleHmac(nobleHash(alg), key, data)),
    hkdfExtract: (alg, salt, ikm) => {
      if (base) return base.hkdfExtract(alg, salt, ikm);
      // RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); an absent salt is HashLen zeros.
      return nobleHmac(nobleHash(alg), salt.length === 0 ? new Uint8Array(hashLength(alg)) : salt, ikm);
    },
    hkdfExpand: (alg, prk, info, length) => {
      if (base) return base.hkdfExpand(alg, prk, info, length);
      return expand(alg, prk, info, length);
    },
    createKeyExchange: (group, privateKey) => {
      if (base) return base.createKeyExchange(group, privateKey);
      switch (group) {
        case 'x25519':
          return new NobleX25519(privateKey);
        case 'secp256r1':
          return new NobleP256(privateKey);
        default: {
          const unknown: never = group;
          throw new UnsupportedAlgorithmError(NAME, String(unknown));
        }
      }
    },
    importSigningKey: (pkcs8: Uint8Array): SigningKey => {
      if (base) return base.importSigningKey(pkcs8);
      throw new UnsupportedAlgorithmError(NAME, 'signing (give the null provider a base provider)');
    },
    verify: (scheme: SignatureScheme, spki: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
      if (base) return base.verify(scheme, spki, message, signature);
      throw new UnsupportedAlgorithmError(NAME, `${scheme} verification (give the null provider a base provider)`);
    },
  };
}

/**
 * The null provider with the pure fallback (no base): packet protection is the identity, hashing
 * and key exchange are real (@noble), signing is unsupported, randomness is a fixed seed.
 */
export const nullCryptoProvider: CryptoProvider = createNullCryptoProvider();
