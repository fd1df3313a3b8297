/**
 * What the TLS 1.3 client and server share: the algorithms used when the configuration does not
 * say, the RFC limits both enforce, and the CertificateVerify content (RFC 8446 §4.4.3).
 */
import type { NamedGroup, SignatureScheme } from '../crypto/provider.js';
import { CipherSuite, type CipherSuiteId } from '../crypto/suites.js';

/** Default cipher suites, in preference order. */
export const DEFAULT_CIPHER_SUITES: readonly CipherSuiteId[] = [
  CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
];
/** Default key-exchange groups, in preference order. */
export const DEFAULT_GROUPS: readonly NamedGroup[] = ['x25519', 'secp256r1'];
/** Default signature schemes accepted from the peer, in preference order. */
export const DEFAULT_SIGNATURE_SCHEMES: readonly SignatureScheme[] = [
  'ecdsa_secp256r1_sha256', 'ed25519', 'ecdsa_secp384r1_sha384', 'rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512',
];

/** RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds (7 days)." */
export const MAX_TICKET_LIFETIME_S = 604800;
/** The same limit in milliseconds. */
export const MAX_TICKET_LIFETIME_MS = MAX_TICKET_LIFETIME_S * 1000;
/** RFC 9001 §4.6.1: the max_early_data_size that allows 0-RTT in QUIC. */
export const QUIC_EARLY_DATA = 0xffffffff;


const ENCODER = new TextEncoder();

/**
 * The content a CertificateVerify signs (RFC 8446 §4.4.3): "The digital signature is then computed
 * over the concatenation of: A string that consists of octet 32 (0x20) repeated 64 times; The
 * context string; A single 0 byte which serves as the separator; The content to be signed"
 * (the transcript hash through Certificate).
 */
export function certificateVerifyContent(side: 'server' | 'client', transcriptHash: Uint8Array): Uint8Array {
  const context = ENCODER.encode(`TLS 1.3, ${side} CertificateVerify`);
  const out = new Uint8Array(64 + context.length + 1 + transcriptHash.length);
  out.fill(0x20, 0, 64);
  out.set(context, 64);
  out[64 + context.length] = 0;
  out.set(transcriptHash, 64 + context.length + 1);
  return out;
}
