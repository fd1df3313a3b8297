/**
 * The TLS 1.3 cipher suites QUIC uses and what each one implies for packet protection.
 *
 * - RFC 8446 §B.4: the suite code points and their AEAD/hash pairs.
 * - RFC 9001 §5.3: "QUIC can use any of the cipher suites defined in [TLS13] with the exception
 *   of TLS_AES_128_CCM_8_SHA256"; we implement the three GCM/ChaCha20 suites (CCM is not offered).
 * - RFC 9001 §5.4.3, §5.4.4: the header-protection algorithm of each AEAD.
 * - RFC 9001 §6.6: the AEAD usage limits (see key-update.ts, `aeadLimits`).
 */
import type { AeadAlgorithm, HashAlgorithm, HeaderProtectionAlgorithm } from './provider.js';

/** TLS 1.3 cipher suite code points (RFC 8446 §B.4) that this stack implements. */
export const CipherSuite = {
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
} as const;

/** One of the implemented cipher suite code points. */
export type CipherSuiteId = (typeof CipherSuite)[keyof typeof CipherSuite];

/** Everything packet protection needs to know about a cipher suite. */
export interface CipherSuiteInfo {
  /** The TLS code point. */
  readonly id: CipherSuiteId;
  /** The RFC 8446 name. */
  readonly name: keyof typeof CipherSuite;
  /** The AEAD (RFC 9001 §5.3). */
  readonly aead: AeadAlgorithm;
  /** The HKDF hash (RFC 8446 §7.1). */
  readonly hash: HashAlgorithm;
  /** Length of the hash output, and of every traffic secret of the suite. */
  readonly hashLength: 32 | 48;
  /** AEAD key length ("quic key" output length, RFC 9001 §5.1). */
  readonly keyLength: 16 | 32;
  /**
   * IV length ("quic iv" output length): "the minimum length of the AEAD nonce or 8 bytes if
   * that is larger" (RFC 9001 §5.1), 12 for every suite here.
   */
  readonly ivLength: 12;
  /** Header-protection algorithm (RFC 9001 §5.4.3, §5.4.4). */
  readonly hp: HeaderProtectionAlgorithm;
  /** Header-protection key length ("quic hp" output length, RFC 9001 §5.1). */
  readonly hpKeyLength: 16 | 32;
}

/** TLS_AES_128_GCM_SHA256: AEAD_AES_128_GCM, SHA-256, AES-128-ECB header protection. */
export const TLS_AES_128_GCM_SHA256: CipherSuiteInfo = Object.freeze({
  id: CipherSuite.TLS_AES_128_GCM_SHA256,
  name: 'TLS_AES_128_GCM_SHA256',
  aead: 'aes-128-gcm',
  hash: 'sha256',
  hashLength: 32,
  keyLength: 16,
  ivLength: 12,
  hp: 'aes-128-ecb',
  hpKeyLength: 16,
});

/** TLS_AES_256_GCM_SHA384: AEAD_AES_256_GCM, SHA-384, AES-256-ECB header protection. */
export const TLS_AES_256_GCM_SHA384: CipherSuiteInfo = Object.freeze({
  id: CipherSuite.TLS_AES_256_GCM_SHA384,
  name: 'TLS_AES_256_GCM_SHA384',
  aead: 'aes-256-gcm',
  hash: 'sha384',
  hashLength: 48,
  keyLength: 32,
  ivLength: 12,
  hp: 'aes-256-ecb',
  hpKeyLength: 32,
});

/** TLS_CHACHA20_POLY1305_SHA256: AEAD_CHACHA20_POLY1305, SHA-256, ChaCha20 header protection. */
export const TLS_CHACHA20_POLY1305_SHA256: CipherSuiteInfo = Object.freeze({
  id: CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
  name: 'TLS_CHACHA20_POLY1305_SHA256',
  aead: 'chacha20-poly1305',
  hash: 'sha256',
  hashLength: 32,
  keyLength: 32,
  ivLength: 12,
  hp: 'chacha20',
  hpKeyLength: 32,
});

/**
 * The suite of Initial packets: "Initial packets use AEAD_AES_128_GCM" with SHA-256
 * (RFC 9001 §5, §5.2), whatever TLS later negotiates.
 */
export const INITIAL_SUITE: CipherSuiteInfo = TLS_AES_128_GCM_SHA256;

/** Every implemented suite, in our default order of preference. */
export const CIPHER_SUITES: readonly CipherSuiteInfo[] = Object.freeze([
  TLS_AES_128_GCM_SHA256,
  TLS_CHACHA20_POLY1305_SHA256,
  TLS_AES_256_GCM_SHA384,
]);

/** The suite for a TLS code point, or undefined for one we do not implement (e.g. CCM). */
export function cipherSuiteById(id: number): CipherSuiteInfo | undefined {
  switch (id) {
    case CipherSuite.TLS_AES_128_GCM_SHA256:
      return TLS_AES_128_GCM_SHA256;
    case CipherSuite.TLS_AES_256_GCM_SHA384:
      return TLS_AES_256_GCM_SHA384;
    case CipherSuite.TLS_CHACHA20_POLY1305_SHA256:
      return TLS_CHACHA20_POLY1305_SHA256;
    default:
      return undefined;
  }
}
