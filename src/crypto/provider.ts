/**
 * The CryptoProvider interface (DESIGN §3, docs/adr/0002-crypto-provider.md).
 *
 * Everything the QUIC packet path and the TLS 1.3 handshake need from cryptography, behind one
 * synchronous interface with three implementations:
 *
 * - `nodeCryptoProvider` (node-provider.ts): node:crypto; the default on Node.
 * - `nobleCryptoProvider` (noble-provider.ts): pure TypeScript on @noble/*; runs anywhere.
 * - `nullCryptoProvider` (null-provider.ts): no protection at all, for fuzzing and benchmarks.
 *
 * Keyed primitives (AEAD, header protection) are created once per key and reused for every
 * packet: `createAead` and `createHeaderProtection` do the key setup, `seal`/`open`/`mask` the
 * per-packet work. A provider that cannot do an algorithm throws `UnsupportedAlgorithmError`.
 */
import type { RandomSource } from '../util/random.js';

/** AEAD algorithms of the TLS 1.3 cipher suites QUIC uses (RFC 9001 §5.3). */
export type AeadAlgorithm = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

/** Header-protection algorithms (RFC 9001 §5.4.3 AES-based, §5.4.4 ChaCha20-based). */
export type HeaderProtectionAlgorithm = 'aes-128-ecb' | 'aes-256-ecb' | 'chacha20';

/** Hash functions of the TLS 1.3 cipher suites. */
export type HashAlgorithm = 'sha256' | 'sha384';

/** Key-exchange groups (RFC 8446 §4.2.7 names). */
export type NamedGroup = 'x25519' | 'secp256r1';

/** Signature schemes (RFC 8446 §4.2.3 names). */
export type SignatureScheme =
  | 'ecdsa_secp256r1_sha256'
  | 'ecdsa_secp384r1_sha384'
  | 'ed25519'
  | 'rsa_pss_rsae_sha256'
  | 'rsa_pss_rsae_sha384'
  | 'rsa_pss_rsae_sha512';

/** Authentication tag length of every QUIC AEAD (RFC 9001 §5.3). */
export const AEAD_TAG_LENGTH = 16;
/** Nonce length of every QUIC AEAD (RFC 9001 §5.3). */
export const AEAD_NONCE_LENGTH = 12;
/** Header-protection sample length (RFC 9001 §5.4.2). */
export const HP_SAMPLE_LENGTH = 16;

/** Key length in bytes for an AEAD algorithm. */
export function aeadKeyLength(alg: AeadAlgorithm): 16 | 32 {
  return alg === 'aes-128-gcm' ? 16 : 32;
}

/** Key length in bytes for a header-protection algorithm. */
export function headerProtectionKeyLength(alg: HeaderProtectionAlgorithm): 16 | 32 {
  return alg === 'aes-128-ecb' ? 16 : 32;
}

/** Output length in bytes of a hash algorithm. */
export function hashLength(alg: HashAlgorithm): 32 | 48 {
  return alg === 'sha256' ? 32 : 48;
}

/** An AEAD keyed once and used for many packets. */
export interface Aead {
  readonly algorithm: AeadAlgorithm;
  /**
   * Encrypts `plaintext` and writes ciphertext then the 16-byte tag to `out`
   * (`plaintext.length + AEAD_TAG_LENGTH` bytes). `out` may share memory with `plaintext`
   * (in-place encryption); `aad` must not overlap `out`.
   */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array): void;
  /**
   * Authenticates and decrypts `ciphertext` (which ends with the tag), writing
   * `ciphertext.length - AEAD_TAG_LENGTH` bytes to `out`. `out` may share memory with
   * `ciphertext`. Returns false, and leaves `out` (and so an aliased `ciphertext`) unchanged, if
   * authentication fails: a packet that fails to open stays as it arrived (RFC 9001 §5.5).
   */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, out: Uint8Array): boolean;
}

/** A header-protection key (RFC 9001 §5.4), keyed once. */
export interface HeaderProtection {
  readonly algorithm: HeaderProtectionAlgorithm;
  /**
   * The mask for a 16-byte `sample` (RFC 9001 §5.4.1): at least 5 bytes. The returned array
   * may be reused by the next call; callers use it at once.
   */
  mask(sample: Uint8Array): Uint8Array;
}

/** An incremental hash (the TLS transcript hash, RFC 8446 §4.4.1). */
export interface HashContext {
  readonly algorithm: HashAlgorithm;
  update(data: Uint8Array): this;
  /** The digest of everything so far; the context stays usable. */
  digest(): Uint8Array;
  /** An independent copy of the current state. */
  clone(): HashContext;
}

/** One side of an ephemeral key exchange. */
export interface KeyExchange {
  readonly group: NamedGroup;
  /** Our public key as sent in a TLS key_share (X25519: 32 bytes; P-256: 65-byte uncompressed point). */
  readonly publicKey: Uint8Array;
  /**
   * The shared secret with `peerPublicKey` (RFC 8446 §7.4).
   * @throws CryptoError if the peer's key is invalid or the result is all-zero (X25519, RFC 7748 §6.1).
   */
  computeSecret(peerPublicKey: Uint8Array): Uint8Array;
}

/** A private key for signing, imported once. */
export interface SigningKey {
  /** The schemes this key can sign with. */
  readonly schemes: readonly SignatureScheme[];
  /** Signs `message` (the whole content to be signed, hashed by the scheme). */
  sign(scheme: SignatureScheme, message: Uint8Array): Uint8Array;
  /** The SubjectPublicKeyInfo (DER) of the matching public key. */
  readonly publicKeySpki: Uint8Array;
}

/** Everything the stack needs from cryptography. All methods are synchronous. */
export interface CryptoProvider {
  /** A short name for logs and benchmarks: 'node', 'noble', 'null'. */
  readonly name: string;
  /** A cryptographically secure random source (the driver's entropy on this platform). */
  readonly random: RandomSource;

  /** An AEAD keyed with `key` (16 or 32 bytes, per `aeadKeyLength`). */
  createAead(alg: AeadAlgorithm, key: Uint8Array): Aead;
  /** A header-protection key (RFC 9001 §5.4.3 and §5.4.4). */
  createHeaderProtection(alg: HeaderProtectionAlgorithm, key: Uint8Array): HeaderProtection;

  /** One-shot hash. */
  hash(alg: HashAlgorithm, data: Uint8Array): Uint8Array;
  /** An incremental hash. */
  createHash(alg: HashAlgorithm): HashContext;
  /** HMAC (RFC 2104). */
  hmac(alg: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-Extract (RFC 5869 §2.2). An empty salt means HashLen zeros. */
  hkdfExtract(alg: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  /** HKDF-Expand (RFC 5869 §2.3); `length` at most 255 * HashLen. */
  hkdfExpand(alg: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;

  /**
   * An ephemeral key pair for `group` from `privateKey`, random bytes the caller drew from its
   * injected RandomSource (32 bytes for both groups).
   * @throws CryptoError if `privateKey` is not a valid scalar for the group.
   */
  createKeyExchange(group: NamedGroup, privateKey: Uint8Array): KeyExchange;

  /**
   * Imports a PKCS#8 (DER) private key for signing.
   * @throws UnsupportedAlgorithmError for a key type the provider cannot sign with.
   */
  importSigningKey(pkcs8: Uint8Array): SigningKey;
  /**
   * Verifies `signature` over `message` with a SubjectPublicKeyInfo (DER) public key.
   * Returns false for a bad signature, a malformed key, or a key that does not fit the scheme.
   * @throws UnsupportedAlgorithmError for a scheme the provider cannot verify.
   */
  verify(scheme: SignatureScheme, spki: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

/** A cryptographic operation failed on valid-looking input (bad key, bad peer share). */
export class CryptoError extends Error {
  override readonly name: string = 'CryptoError';
}

/** The provider does not implement the requested algorithm. */
export class UnsupportedAlgorithmError extends CryptoError {
  override readonly name = 'UnsupportedAlgorithmError';
  /**
   * @param provider the provider's name.
   * @param algorithm the algorithm it was asked for.
   */
  /** The provider's name. */
  readonly provider: string;
  /** The algorithm it was asked for. */
  readonly algorithm: string;

  constructor(provider: string, algorithm: string) {
    super(`the ${provider} crypto provider does not support ${algorithm}`);
    this.provider = provider;
    this.algorithm = algorithm;
  }
}
