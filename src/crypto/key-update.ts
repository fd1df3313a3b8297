/**
 * Key update (RFC 9001 §6.1; RFC 9369 §3.3.2 for the v2 label) and AEAD usage limits
 * (RFC 9001 §6.6).
 *
 * This module only derives the next generation of keys and states the limits; when to update,
 * the Key Phase bit and counting packets against the limits are the connection's job.
 */
import type { AeadAlgorithm, CryptoProvider } from './provider.js';
import type { QuicVersion } from '../wire/version.js';
import { hkdfExpandLabel, quicLabels } from './hkdf-label.js';
import { createPacketProtectionKeys, derivePacketKeyMaterial, type PacketProtectionKeys } from './packet-protection.js';
import type { CipherSuiteInfo } from './suites.js';

/**
 * The next 1-RTT traffic secret (RFC 9001 §6.1):
 * `secret_<n+1> = HKDF-Expand-Label(secret_<n>, "quic ku", "", Hash.length)`
 * ("quicv2 ku" for QUIC v2, RFC 9369 §3.3.2).
 */
export function nextTrafficSecret(provider: CryptoProvider, suite: CipherSuiteInfo, version: QuicVersion, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(provider, suite.hash, secret, quicLabels(version).ku, new Uint8Array(0), suite.hashLength);
}

/**
 * The keys of the next key phase (RFC 9001 §6.1): a new secret, and the AEAD key and IV derived
 * from it "as defined in Section 5.1". "The header protection key is not updated": the result
 * shares `keys.hp`.
 */
export function updatePacketKeys(provider: CryptoProvider, keys: PacketProtectionKeys): PacketProtectionKeys {
  const secret = nextTrafficSecret(provider, keys.suite, keys.version, keys.secret);
  const m = derivePacketKeyMaterial(provider, keys.suite, secret, keys.version);
  return createPacketProtectionKeys(provider, keys.suite, keys.version, secret, m.key, m.iv, keys.hp);
}

/** The usage limits of an AEAD (RFC 9001 §6.6). */
export interface AeadLimits {
  /**
   * Packets that may be encrypted with one key: "If the total number of encrypted packets with
   * the same key exceeds the confidentiality limit for the selected AEAD, the endpoint MUST stop
   * using those keys."
   */
  readonly confidentialityLimit: number;
  /**
   * Received packets that may fail authentication over the whole connection, across all keys:
   * beyond it "the endpoint MUST immediately close the connection with a connection error of
   * type AEAD_LIMIT_REACHED".
   */
  readonly integrityLimit: number;
}

/**
 * AEAD_AES_128_GCM and AEAD_AES_256_GCM (RFC 9001 §6.6): "the confidentiality limit is 2^23
 * encrypted packets" and "the integrity limit is 2^52 invalid packets".
 */
export const AES_GCM_LIMITS: AeadLimits = Object.freeze({ confidentialityLimit: 2 ** 23, integrityLimit: 2 ** 52 });

/**
 * AEAD_CHACHA20_POLY1305 (RFC 9001 §6.6): "the confidentiality limit is greater than the number
 * of possible packets (2^62) and so can be disregarded" (stated here as 2^62), and "the
 * integrity limit is 2^36 invalid packets".
 */
export const CHACHA20_POLY1305_LIMITS: AeadLimits = Object.freeze({ confidentialityLimit: 2 ** 62, integrityLimit: 2 ** 36 });

/** The RFC 9001 §6.6 usage limits of an AEAD. */
export function aeadLimits(aead: AeadAlgorithm): AeadLimits {
  switch (aead) {
    case 'aes-128-gcm':
    case 'aes-256-gcm':
      return AES_GCM_LIMITS;
    case 'chacha20-poly1305':
      return CHACHA20_POLY1305_LIMITS;
    default: {
      const unknown: never = aead;
      throw new RangeError(`no usage limits for ${String(unknown)}`);
    }
  }
}
