/**
 * Errors and results of certificate handling (RFC 8446 §4.4.2.4, §6.2).
 *
 * Malformed local input (a PEM file, a DER blob handed to the parser) raises `CertificateError`
 * with a stable code. Verifying a peer's certificates never throws for a bad certificate: it
 * returns a `CertificateVerification`, whose failure names the TLS alert (RFC 8446 §6.2) the
 * handshake should send.
 */
import type { ParsedCertificate } from './parse.js';

/** Stable codes of `CertificateError`. */
export const CertificateErrorCode = {
  /** A PEM text had no block of the wanted kind, or a block was malformed. */
  BAD_PEM: 'ERR_CERT_BAD_PEM',
  /** A DER structure (certificate, key) could not be decoded. */
  BAD_DER: 'ERR_CERT_BAD_DER',
  /** A key or certificate uses an algorithm this module does not handle. */
  UNSUPPORTED: 'ERR_CERT_UNSUPPORTED',
  /** A caller-supplied parameter (validity, names, issuer) is not acceptable. */
  BAD_PARAMETER: 'ERR_CERT_BAD_PARAMETER',
} as const;

/** One of the `CertificateErrorCode` values. */
export type CertificateErrorCode = (typeof CertificateErrorCode)[keyof typeof CertificateErrorCode];

/** Malformed or unsupported local certificate / key input. */
export class CertificateError extends Error {
  override readonly name = 'CertificateError';
  /** Stable machine-readable code. */
  readonly code: CertificateErrorCode;

  /**
   * @param code a `CertificateErrorCode`.
   * @param message what was wrong, for humans.
   */
  constructor(code: CertificateErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * The TLS alerts (RFC 8446 §6.2 names) a certificate check can fail with:
 *
 * - `decode_error`: the server sent an empty certificate_list (RFC 8446 §4.4.2.4: "the client
 *   MUST abort the handshake with a "decode_error" alert").
 * - `bad_certificate`: "A certificate was corrupt, contained signatures that did not verify
 *   correctly, etc." Also used for a name mismatch, as rustls and Go's crypto/tls do.
 * - `unsupported_certificate`: "A certificate was of an unsupported type."
 * - `certificate_expired`: "A certificate has expired or is not currently valid."
 * - `unknown_ca`: "the CA certificate could not be located or could not be matched with a known
 *   trust anchor."
 * - `certificate_unknown`: "Some other (unspecified) issue arose in processing the certificate."
 */
export type CertificateAlert =
  | 'decode_error'
  | 'bad_certificate'
  | 'unsupported_certificate'
  | 'certificate_expired'
  | 'unknown_ca'
  | 'certificate_unknown';

/** The outcome of verifying a peer's certificate: the parsed leaf, or the alert to send. */
export type CertificateVerification =
  | { readonly ok: true; readonly leaf: ParsedCertificate }
  | { readonly ok: false; readonly alert: CertificateAlert; readonly reason: string };

/** A failed `CertificateVerification`. */
export function certificateFailure(alert: CertificateAlert, reason: string): CertificateVerification {
  return { ok: false, alert, reason };
}
