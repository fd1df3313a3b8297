/**
 * Certificate pinning by hash: the W3C WebTransport `serverCertificateHashes` rule ("verify a
 * certificate hash" and its "custom certificate requirements"), synchronous.
 *
 * The browser accepts a server certificate without a CA when SHA-256 of the certificate's DER is
 * one of the given hashes AND the certificate meets the custom certificate requirements:
 * - it is an X.509v3 certificate (RFC 5280);
 * - its public key is ECDSA with secp256r1 (the allowed public key algorithm);
 * - the current time is within its validity period (RFC 5280 §4.1.2.5);
 * - "The total length of the validity period MUST NOT exceed two weeks."
 */
import type { CryptoProvider } from '../../crypto/provider.js';
import { bytesEqual } from '../../util/bytes.js';
import { certificateFailure, type CertificateVerification } from './errors.js';
import { parseCertificate, type ParsedCertificate } from './parse.js';

/** The longest validity period (notAfter - notBefore) of a hash-pinned certificate: two weeks. */
export const PINNED_MAX_VALIDITY_MS = 14 * 24 * 3_600_000;

/**
 * Verifies `leafDer` against the pinned SHA-256 `hashes` at wall-clock time `nowMs`.
 *
 * Failures: undecodable → `bad_certificate`; hash not pinned → `unknown_ca` (the hash list is the
 * trust anchor, and "the certificate ... could not be matched with a known trust anchor",
 * RFC 8446 §6.2); outside the validity period → `certificate_expired`; not v3, not ECDSA P-256,
 * or valid for more than 14 days → `unsupported_certificate` (a certificate type the hash rule
 * does not support).
 */
export function verifyPinnedCertificate(leafDer: Uint8Array, hashes: readonly Uint8Array[], nowMs: number, provider: CryptoProvider): CertificateVerification {
  let leaf: ParsedCertificate;
  try {
    leaf = parseCertificate(leafDer, provider);
  } catch (e) {
    return certificateFailure('bad_certificate', e instanceof Error ? e.message : 'malformed certificate');
  }
  if (!hashes.some((h) => bytesEqual(h, leaf.sha256))) return certificateFailure('unknown_ca', 'certificate hash is not among the pinned hashes');
  // W3C WebTransport, custom certificate requirements: "The certificate MUST be an X.509v3 certificate".
  if (leaf.version !== 3) return certificateFailure('unsupported_certificate', `certificate is X.509v${leaf.version}, not v3`);
  // "The key used in the Subject Public Key field MUST be one of the allowed public key algorithms" (ECDSA P-256).
  if (leaf.keyAlgorithm !== 'ecdsa-p256') return certificateFailure('unsupported_certificate', `pinned certificates must use ECDSA P-256, not ${leaf.keyAlgorithm}`);
  // "The current time MUST be within the validity period of the certificate".
  if (nowMs < leaf.notBefore) return certificateFailure('certificate_expired', 'certificate is not yet valid');
  if (nowMs > leaf.notAfter) return certificateFailure('certificate_expired', 'certificate has expired');
  // "The total length of the validity period MUST NOT exceed two weeks."
  if (leaf.notAfter - leaf.notBefore > PINNED_MAX_VALIDITY_MS)
    return certificateFailure('unsupported_certificate', 'pinned certificates must be valid for at most 14 days');
  return { ok: true, leaf };
}
