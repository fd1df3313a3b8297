/**
 * Certificate chain validation for TLS 1.3 (RFC 8446 §4.4.2, §4.4.2.4, alerts of §6.2), with
 * RFC 5280 path building and signature checks done by pkijs' CertificateChainValidationEngine
 * over WebCrypto (`globalThis.crypto.subtle`).
 *
 * This is the one asynchronous piece of the TLS layer. The sans-IO core never awaits it
 * (DESIGN §1): the handshake emits an event carrying the chain, the driver calls
 * `verifyCertificateChain` outside the core, and feeds the result back as a command.
 *
 * Trust anchors are an input. The default store on Node is `tls.rootCertificates` from `node:tls`,
 * which this pure module cannot import: the io/api layer passes those roots (PEM → DER with
 * `parseCertificatesPem`) unless the user gives their own CAs.
 */
import * as pkijs from 'pkijs';
import type { CryptoProvider } from '../../crypto/provider.js';
import { bytesEqual } from '../../util/bytes.js';
import { certificateFailure, CertificateError, CertificateErrorCode, type CertificateVerification } from './errors.js';
import { matchServerName } from './names.js';
import { parseCertificateWithPkijs, type ParsedCertificate } from './parse.js';
import { dateFromEpochMs } from './wall-clock.js';

/** Options of `verifyCertificateChain`. */
export interface VerifyCertificateChainOptions {
  /** The peer's certificate_list (RFC 8446 §4.4.2), DER, leaf first. */
  readonly chain: readonly Uint8Array[];
  /**
   * Trusted certificates, DER (e.g. Node's `tls.rootCertificates` converted by the caller, or
   * the user's CAs). A leaf that is itself in this list is trusted directly.
   */
  readonly trustAnchors: readonly Uint8Array[];
  /** The injected wall clock, ms since the Unix epoch. */
  readonly nowMs: number;
  /** The name the client connected to (server_name); checked against the leaf's SAN when given. */
  readonly serverName?: string;
  /** Computes fingerprints while parsing. */
  readonly provider: CryptoProvider;
}

/** Signature algorithms whose hash is MD5 (or MD2): RFC 8446 §4.4.2.4 MUST reject. */
const MD5_SIGNATURES: ReadonlySet<string> = new Set(['1.2.840.113549.1.1.2', '1.2.840.113549.1.1.4']);
/** Signature algorithms whose hash is SHA-1: RFC 8446 §4.4.2.4 RECOMMENDED to reject. */
const SHA1_SIGNATURES: ReadonlySet<string> = new Set(['1.2.840.113549.1.1.5', '1.2.840.10045.4.1', '1.2.840.10040.4.3', '1.3.14.3.2.29']);

/** pkijs result codes (CertificateChainValidationEngine) that mean "no path to an anchor". */
const NO_PATH_CODES: ReadonlySet<number> = new Set([60, 97]);
/** pkijs result code for a certificate outside its validity period. */
const EXPIRED_CODE = 8;
/** pkijs result code for an unparsable critical extension. */
const CRITICAL_EXTENSION_CODE = 6;

function validityFailure(c: ParsedCertificate, nowMs: number, what: string): CertificateVerification | undefined {
  // RFC 5280 §4.1.2.5: the validity period includes both notBefore and notAfter.
  if (nowMs < c.notBefore) return certificateFailure('certificate_expired', `${what} is not yet valid (notBefore ${c.notBefore})`);
  if (nowMs > c.notAfter) return certificateFailure('certificate_expired', `${what} has expired (notAfter ${c.notAfter})`);
  return undefined;
}

/**
 * Validates a peer's certificate chain: the leaf's validity and name, then a path to one of
 * `trustAnchors` (signatures, validity of every certificate, CA flags). Never throws for a bad
 * peer certificate; returns the TLS alert to send instead:
 *
 * - empty chain → `decode_error` (RFC 8446 §4.4.2.4);
 * - undecodable certificate, bad signature, MD5/SHA-1 signature on a certificate that needs
 *   validating, unknown critical extension, name mismatch → `bad_certificate`;
 * - a certificate outside its validity period → `certificate_expired`;
 * - no path to a trust anchor → `unknown_ca`;
 * - anything else pkijs reports → `certificate_unknown`.
 *
 * A name mismatch maps to `bad_certificate` as in rustls (NotValidForName) and Go's crypto/tls.
 * @throws CertificateError (BAD_DER) if a trust anchor cannot be parsed (a local configuration error).
 */
export async function verifyCertificateChain(options: VerifyCertificateChainOptions): Promise<CertificateVerification> {
  const { chain, nowMs, provider } = options;
  // RFC 8446 §4.4.2.4: "If the server supplies an empty Certificate message, the client MUST abort
  // the handshake with a "decode_error" alert."
  if (chain.length === 0) return certificateFailure('decode_error', 'empty certificate chain');

  const anchors = options.trustAnchors.map((der) => {
    try {
      return parseCertificateWithPkijs(der, provider).cert;
    } catch (e) {
      throw new CertificateError(CertificateErrorCode.BAD_DER, `trust anchor: ${e instanceof Error ? e.message : 'malformed'}`);
    }
  });
  const parsed: { cert: pkijs.Certificate; parsed: ParsedCertificate }[] = [];
  for (const [i, der] of chain.entries()) {
    try {
      parsed.push(parseCertificateWithPkijs(der, provider));
    } catch (e) {
      return certificateFailure('bad_certificate', `certificate ${i}: ${e instanceof Error ? e.message : 'malformed'}`);
    }
  }
  const leaf = parsed[0]!.parsed;

  const expired = validityFailure(leaf, nowMs, 'the leaf certificate');
  if (expired !== undefined) return expired;
  // RFC 5280 §4.2: "A certificate-using system MUST reject the certificate if it encounters a
  // critical extension it does not recognize".
  if (leaf.unhandledCriticalExtensions.length > 0)
    return certificateFailure('bad_certificate', `unhandled critical extension ${leaf.unhandledCriticalExtensions.join(', ')}`);
  // RFC 6125 §6.4: the reference identity must match a subjectAltName entry.
  if (options.serverName !== undefined && !matchServerName(options.serverName, leaf))
    return certificateFailure('bad_certificate', `certificate is not valid for ${options.serverName}`);

  const isAnchor = (der: Uint8Array): boolean => options.trustAnchors.some((a) => bytesEqual(a, der));
  for (const [i, { parsed: c }] of parsed.entries()) {
    if (isAnchor(c.der) || c.subject === c.issuer) continue;
    // RFC 8446 §4.4.2.4: "Any endpoint receiving any certificate which it would need to validate
    // using any signature algorithm using an MD5 hash MUST abort the handshake with a
    // "bad_certificate" alert." SHA-1: "it is RECOMMENDED that [it] abort ... with a
    // "bad_certificate" alert"; both are acceptable for self-signed certificates and anchors.
    if (MD5_SIGNATURES.has(c.signatureAlgorithmOid)) return certificateFailure('bad_certificate', `certificate ${i} is signed with MD5`);
    if (SHA1_SIGNATURES.has(c.signatureAlgorithmOid)) return certificateFailure('bad_certificate', `certificate ${i} is signed with SHA-1`);
  }

  // A leaf that is itself a trust anchor is trusted as is (a pinned self-signed certificate).
  if (isAnchor(leaf.der)) return { ok: true, leaf };

  const engine = new pkijs.CertificateChainValidationEngine({
    trustedCerts: anchors,
    // pkijs takes the last certificate as the one to validate: intermediates first, leaf last.
    certs: [...parsed.slice(1).map((p) => p.cert).reverse(), parsed[0]!.cert],
    checkDate: dateFromEpochMs(nowMs),
  });
  let result: pkijs.CertificateChainValidationEngineVerifyResult;
  try {
    result = await engine.verify();
  } catch (e) {
    return certificateFailure('certificate_unknown', `chain validation failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (result.result) return { ok: true, leaf };
  const reason = `chain validation failed: ${result.resultMessage} (pkijs code ${result.resultCode})`;
  if (NO_PATH_CODES.has(result.resultCode) || /no valid certificate paths|unable to find certificate path/i.test(result.resultMessage))
    return certificateFailure('unknown_ca', reason);
  if (result.resultCode === EXPIRED_CODE) return certificateFailure('certificate_expired', reason);
  if (result.resultCode === CRITICAL_EXTENSION_CODE) return certificateFailure('bad_certificate', reason);
  return certificateFailure('certificate_unknown', reason);
}
