/**
 * Defaults and constants of the TLS 1.3 client (client-session.ts): the algorithms offered when
 * the configuration does not say, the RFC limits it enforces, and a constant-time comparison for
 * Finished (RFC 8446 §4.4.4).
 */
import type { NamedGroup, SignatureScheme } from '../crypto/provider.js';
import { CipherSuite, type CipherSuiteId } from '../crypto/suites.js';

/** Default cipher suites, in preference order. */
export const DEFAULT_CIPHER_SUITES: readonly CipherSuiteId[] = [
  CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
];
/** Default key-exchange groups, in preference order. */
export const DEFAULT_GROUPS: readonly NamedGroup[] = ['x25519', 'secp256r1'];
/** Default signature schemes accepted from the server. */
export const DEFAULT_SIGNATURE_SCHEMES: readonly SignatureScheme[] = [
  'ecdsa_secp256r1_sha256', 'ed25519', 'ecdsa_secp384r1_sha384', 'rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512',
];

/** RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds (7 days)." */
export const MAX_TICKET_LIFETIME_S = 604800;
/** RFC 9001 §4.6.1: the max_early_data_size that allows 0-RTT in QUIC. */
export const QUIC_EARLY_DATA = 0xffffffff;


/** Compares two byte strings in time independent of where they differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
