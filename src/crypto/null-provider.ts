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
 * - Everything else (hashes, HMAC, HKDF, key exchange, signatures) comes from a `base` provider,
 *   the pure noble provider by default, so a TLS handshake over null packet protection works.
 *   `random` is the given one, else the given base's, else a fixed-seed SeededRandom (deterministic;
 *   NOT secure).
 */
import { SeededRandom, type RandomSource } from '../util/random.js';
import { nobleCryptoProvider } from './noble-provider.js';
import {
  AEAD_TAG_LENGTH,
  CryptoError,
  aeadKeyLength,
  headerProtectionKeyLength,
  type Aead,
  type AeadAlgorithm,
  type CryptoProvider,
  type HeaderProtection,
  type HeaderProtectionAlgorithm,
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

/** Options of `createNullCryptoProvider`. */
export interface NullCryptoProviderOptions {
  /** Provider for everything but AEAD and header protection (default: the noble provider). */
  readonly base?: CryptoProvider;
  /** Overrides the random source (default: the base's, or a fixed-seed SeededRandom). */
  readonly random?: RandomSource;
}

/**
 * A null provider: no packet protection (identity AEAD with a zero tag, zero header-protection
 * mask); every other operation from `options.base` (default: the noble provider).
 */
export function createNullCryptoProvider(options: NullCryptoProviderOptions = {}): CryptoProvider {
  const base = options.base ?? nobleCryptoProvider;
  return {
    name: NAME,
    random: options.random ?? options.base?.random ?? new SeededRandom(0x6e756c6c),
    createAead: (alg, key) => new NullAead(alg, key),
    createHeaderProtection: (alg, key) => new NullHeaderProtection(alg, key),
    hash: (alg, data) => base.hash(alg, data),
    createHash: (alg) => base.createHash(alg),
    hmac: (alg, key, data) => base.hmac(alg, key, data),
    hkdfExtract: (alg, salt, ikm) => base.hkdfExtract(alg, salt, ikm),
    hkdfExpand: (alg, prk, info, length) => base.hkdfExpand(alg, prk, info, length),
    createKeyExchange: (group, privateKey) => base.createKeyExchange(group, privateKey),
    importSigningKey: (pkcs8) => base.importSigningKey(pkcs8),
    verify: (scheme, spki, message, signature) => base.verify(scheme, spki, message, signature),
  };
}

export const nullCryptoProvider: CryptoProvider = createNullCryptoProvider();
