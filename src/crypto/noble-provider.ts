/**
 * The noble crypto provider: `CryptoProvider` in pure TypeScript on @noble/ciphers,
 * @noble/hashes and @noble/curves, so it runs anywhere (DESIGN §3). Randomness comes from
 * `globalThis.crypto.getRandomValues`.
 *
 * - AEAD (RFC 9001 §5.3): AES-128-GCM and AES-256-GCM keyed once per key (noble-aes.ts);
 *   ChaCha20-Poly1305 (RFC 8439 §2.8) through noble's `chacha20poly1305` with output buffers.
 * - Header protection: AES-ECB of the sample (RFC 9001 §5.4.3), raw ChaCha20 (§5.4.4).
 * - SHA-256/384, HMAC (RFC 2104), HKDF (RFC 5869 §2.2, §2.3).
 * - Key exchange: X25519 (RFC 7748, RFC 8446 §7.4.2) and P-256 (RFC 8446 §4.2.8.2, §7.4.1).
 * - Signatures: see noble-signatures.ts (ECDSA, Ed25519; RSA-PSS verification only).
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import type { RandomSource } from '../util/random.js';
import { ChaCha20Block } from './chacha20-block.js';
import { AesBlockKey, AesGcmKey } from './noble-aes.js';
import { importNobleSigningKey, nobleVerify } from './noble-signatures.js';
import {
  AEAD_NONCE_LENGTH,
  AEAD_TAG_LENGTH,
  type Aead,
  type AeadAlgorithm,
  type CryptoProvider,
  CryptoError,
  HP_SAMPLE_LENGTH,
  type HashAlgorithm,
  type HashContext,
  type HeaderProtection,
  type HeaderProtectionAlgorithm,
  type KeyExchange,
  type NamedGroup,
  UnsupportedAlgorithmError,
  aeadKeyLength,
  hashLength,
  headerProtectionKeyLength,
} from './provider.js';

const PROVIDER = 'noble';

/** The noble hash of each `HashAlgorithm`. */
const HASH = { sha256, sha384 } as const;

function hashFor(alg: HashAlgorithm): (typeof HASH)[HashAlgorithm] {
  switch (alg) {
    case 'sha256':
    case 'sha384':
      return HASH[alg];
    default:
      throw new UnsupportedAlgorithmError(PROVIDER, `hash ${String(alg satisfies never)}`);
  }
}

function checkLength(what: string, bytes: Uint8Array, expected: number): void {
  if (bytes.length !== expected) throw new CryptoError(`${what} must be ${expected} bytes, got ${bytes.length}`);
}

function checkSealArgs(nonce: Uint8Array, inputLength: number, out: Uint8Array, outLength: number): void {
  checkLength('AEAD nonce', nonce, AEAD_NONCE_LENGTH);
  if (out.length < outLength) throw new CryptoError(`AEAD output buffer of ${out.length} bytes is too small for ${inputLength} input bytes`);
}

function createAesGcm(algorithm: AeadAlgorithm, key: Uint8Array): Aead {
  const gcm = new AesGcmKey(key);
  return {
    algorithm,
    seal(nonce, aad, plaintext, out) {
      checkSealArgs(nonce, plaintext.length, out, plaintext.length + AEAD_TAG_LENGTH);
      gcm.seal(nonce, aad, plaintext, out);
    },
    open(nonce, aad, ciphertext, out) {
      if (ciphertext.length < AEAD_TAG_LENGTH) return false;
      checkSealArgs(nonce, ciphertext.length, out, ciphertext.length - AEAD_TAG_LENGTH);
      return gcm.open(nonce, aad, ciphertext, out);
    },
  };
}

function createChaCha20Poly1305(key: Uint8Array): Aead {
  // noble's AEAD borrows the key by reference: keep a private copy.
  const k = key.slice();
  return {
    algorithm: 'chacha20-poly1305',
    seal(nonce, aad, plaintext, out) {
      const outLength = plaintext.length + AEAD_TAG_LENGTH;
      checkSealArgs(nonce, plaintext.length, out, outLength);
      // noble copies the plaintext into `out` first (a memmove), so in-place use is safe.
      chacha20poly1305(k, nonce, aad).encrypt(plaintext, out.subarray(0, outLength));
    },
    open(nonce, aad, ciphertext, out) {
      if (ciphertext.length < AEAD_TAG_LENGTH) return false;
      const outLength = ciphertext.length - AEAD_TAG_LENGTH;
      checkSealArgs(nonce, ciphertext.length, out, outLength);
      try {
        // noble checks the tag (RFC 8439 §2.8) before it decrypts anything.
        chacha20poly1305(k, nonce, aad).decrypt(ciphertext, out.subarray(0, outLength));
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** ChaCha20-based header protection (RFC 9001 §5.4.4). */
function createChaCha20HeaderProtection(key: Uint8Array): HeaderProtection {
  const chacha = new ChaCha20Block(key);
  let maskView: Uint8Array | undefined;
  return {
    algorithm: 'chacha20',
    mask(sample) {
      checkLength('header protection sample', sample, HP_SAMPLE_LENGTH);
      // "counter = sample[0..3]" read little-endian; "nonce = sample[4..15]";
      // "mask = ChaCha20(hp_key, counter, nonce, {0,0,0,0,0})": the first 5 keystream bytes.
      const counter = (sample[0]! | (sample[1]! << 8) | (sample[2]! << 16) | (sample[3]! << 24)) >>> 0;
      const block = chacha.block(counter, sample, 4);
      maskView ??= block.subarray(0, 5);
      return maskView;
    },
  };
}

/** The incremental transcript hash (RFC 8446 §4.4.1) over a noble hash state. */
interface NobleHashState {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
  clone(): NobleHashState;
}

class NobleHashContext implements HashContext {
  readonly algorithm: HashAlgorithm;
  private readonly state: NobleHashState;

  constructor(algorithm: HashAlgorithm, state: NobleHashState) {
    this.algorithm = algorithm;
    this.state = state;
  }

  update(data: Uint8Array): this {
    this.state.update(data);
    return this;
  }

  digest(): Uint8Array {
    // noble's digest() finalizes the state, so digest a copy and keep the original going.
    return this.state.clone().digest();
  }

  clone(): HashContext {
    return new NobleHashContext(this.algorithm, this.state.clone());
  }
}

/** HKDF-Expand (RFC 5869 §2.3), keyed once, for PRKs of any length. */
function hkdfExpand(alg: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const hash = hashFor(alg);
  const hashLen = hashLength(alg);
  // RFC 5869 §2.3: "L  length of output keying material in octets (<= 255*HashLen)".
  if (!Number.isInteger(length) || length < 0 || length > 255 * hashLen) {
    throw new CryptoError(`HKDF-Expand length ${length} is not in 0..${255 * hashLen}`);
  }
  const out = new Uint8Array(length);
  const keyed = hmac.create(hash, prk);
  const counter = new Uint8Array(1);
  let t: Uint8Array = new Uint8Array(0);
  // T(i) = HMAC-Hash(PRK, T(i-1) | info | i), OKM = the first L octets of T(1) | T(2) | ...
  for (let i = 1, at = 0; at < length; i++, at += hashLen) {
    counter[0] = i;
    t = keyed.clone().update(t).update(info).update(counter).digest();
    out.set(t.subarray(0, Math.min(hashLen, length - at)), at);
  }
  keyed.destroy();
  return out;
}

function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}

function x25519KeyExchange(privateKey: Uint8Array): KeyExchange {
  checkLength('X25519 private key', privateKey, 32);
  const secretKey = privateKey.slice();
  return {
    group: 'x25519',
    publicKey: x25519.getPublicKey(secretKey),
    computeSecret(peerPublicKey) {
      checkLength('X25519 public key', peerPublicKey, 32);
      let secret: Uint8Array;
      try {
        secret = x25519.getSharedSecret(secretKey, peerPublicKey);
      } catch (e) {
        throw new CryptoError(`X25519 key exchange failed (all-zero shared secret, RFC 7748 §6.1): ${(e as Error).message}`);
      }
      // RFC 8446 §7.4.2: "Implementations MUST check whether the computed Diffie-Hellman shared
      // secret is the all-zero value and abort if so, as described in Section 6 of [RFC7748]."
      if (isAllZero(secret)) throw new CryptoError('X25519 shared secret is all-zero (RFC 7748 §6.1)');
      return secret;
    },
  };
}

function p256KeyExchange(privateKey: Uint8Array): KeyExchange {
  checkLength('P-256 private key', privateKey, 32);
  const secretKey = privateKey.slice();
  if (!p256.utils.isValidSecretKey(secretKey)) throw new CryptoError('invalid P-256 private key: not in [1, n-1]');
  return {
    group: 'secp256r1',
    // RFC 8446 §4.2.8.2: UncompressedPointRepresentation, 0x04 || X || Y.
    publicKey: p256.getPublicKey(secretKey, false),
    computeSecret(peerPublicKey) {
      if (peerPublicKey.length !== 65 || peerPublicKey[0] !== 0x04) {
        throw new CryptoError('P-256 public key must be a 65-byte uncompressed point (RFC 8446 §4.2.8.2)');
      }
      let shared: Uint8Array;
      try {
        // RFC 8446 §4.2.8.2: "peers MUST validate each other's public value Q by ensuring that the
        // point is a valid point on the elliptic curve": noble's point decoding checks the
        // coordinates' range and the curve equation, and getSharedSecret rejects infinity.
        shared = p256.getSharedSecret(secretKey, peerPublicKey, true);
      } catch (e) {
        throw new CryptoError(`invalid P-256 public key: ${(e as Error).message}`);
      }
      // RFC 8446 §7.4.1: the shared secret is the x-coordinate, "leading zeros ... MUST NOT be
      // truncated": the compressed point is 0x02/0x03 || X with X at full length.
      return shared.slice(1);
    },
  };
}

/** `RandomSource` over `crypto.getRandomValues` (which fills at most 65536 bytes per call). */
const webCryptoRandom: RandomSource = {
  fill(out: Uint8Array): Uint8Array {
    for (let at = 0; at < out.length; at += 65536) {
      globalThis.crypto.getRandomValues(out.subarray(at, Math.min(out.length, at + 65536)));
    }
    return out;
  },
};

/** The pure-TypeScript crypto provider on @noble/* (DESIGN §3). */
export const nobleCryptoProvider: CryptoProvider = {
  name: PROVIDER,
  random: webCryptoRandom,

  createAead(alg, key) {
    switch (alg) {
      case 'aes-128-gcm':
      case 'aes-256-gcm':
        checkLength(`${alg} key`, key, aeadKeyLength(alg));
        return createAesGcm(alg, key);
      case 'chacha20-poly1305':
        checkLength(`${alg} key`, key, aeadKeyLength(alg));
        return createChaCha20Poly1305(key);
      default:
        throw new UnsupportedAlgorithmError(PROVIDER, `AEAD ${String(alg satisfies never)}`);
    }
  },

  createHeaderProtection(alg: HeaderProtectionAlgorithm, key: Uint8Array): HeaderProtection {
    switch (alg) {
      case 'aes-128-ecb':
      case 'aes-256-ecb': {
        checkLength(`${alg} header protection key`, key, headerProtectionKeyLength(alg));
        const aes = new AesBlockKey(key);
        return {
          algorithm: alg,
          mask(sample) {
            checkLength('header protection sample', sample, HP_SAMPLE_LENGTH);
            // RFC 9001 §5.4.3: "mask = AES-ECB(hp_key, sample)".
            return aes.encryptBlock(sample);
          },
        };
      }
      case 'chacha20':
        checkLength('chacha20 header protection key', key, headerProtectionKeyLength(alg));
        return createChaCha20HeaderProtection(key);
      default:
        throw new UnsupportedAlgorithmError(PROVIDER, `header protection ${String(alg satisfies never)}`);
    }
  },

  hash(alg, data) {
    return hashFor(alg)(data);
  },

  createHash(alg) {
    return new NobleHashContext(alg, hashFor(alg).create());
  },

  hmac(alg, key, data) {
    return hmac(hashFor(alg), key, data);
  },

  hkdfExtract(alg, salt, ikm) {
    // RFC 5869 §2.2: "if not provided, [salt] is set to a string of HashLen zeros". HMAC pads
    // its key with zeros to the block size, so an empty salt and HashLen zeros give the same PRK.
    return hmac(hashFor(alg), salt, ikm);
  },

  hkdfExpand,

  createKeyExchange(group: NamedGroup, privateKey: Uint8Array): KeyExchange {
    switch (group) {
      case 'x25519':
        return x25519KeyExchange(privateKey);
      case 'secp256r1':
        return p256KeyExchange(privateKey);
      default:
        throw new UnsupportedAlgorithmError(PROVIDER, `key exchange group ${String(group satisfies never)}`);
    }
  },

  importSigningKey: importNobleSigningKey,
  verify: nobleVerify,
};
