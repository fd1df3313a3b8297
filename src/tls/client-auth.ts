/**
 * Authentication on the client side of TLS 1.3 (sans-IO): the CertificateVerify signed content,
 * the check of the server's CertificateVerify, synchronous certificate checks (pinned, skipped)
 * and the client's answer to a CertificateRequest.
 *
 * Implements RFC 8446 §4.4.2 (Certificate, including the empty client Certificate), §4.4.3
 * (CertificateVerify: content, scheme offered, signature), §4.3.2 (CertificateRequest).
 */
import type { CryptoProvider, SignatureScheme } from '../crypto/provider.js';
import { TlsAlert } from './alerts.js';
import { certificateFailure, type CertificateVerification } from './certificates/errors.js';
import { certificateVerifyContent } from './common.js';
import { parseCertificate } from './certificates/parse.js';
import { verifyPinnedCertificate } from './certificates/pinning.js';
import { signatureSchemeCode, signatureSchemeOf } from './extension-codes.js';
import type { Certificate, CertificateVerify } from './messages.js';
import { serializeHandshakeMessage } from './messages.js';
import type { CertifiedKey, ServerVerification } from './session-types.js';
import type { Transcript } from './transcript.js';

/**
 * Checks the server's CertificateVerify against the leaf's SubjectPublicKeyInfo.
 * @throws TlsAlert illegal_parameter for a scheme we did not offer (RFC 8446 §4.4.3: "If the
 *   CertificateVerify message is sent by a server, the signature algorithm MUST be one offered in
 *   the client's "signature_algorithms" extension"), decrypt_error for a bad signature.
 */
export function checkServerCertificateVerify(
  cv: CertificateVerify,
  offered: readonly SignatureScheme[],
  spki: Uint8Array,
  transcriptHash: Uint8Array,
  provider: CryptoProvider,
): void {
  const scheme = signatureSchemeOf(cv.algorithm);
  if (scheme === undefined || !offered.includes(scheme)) throw new TlsAlert('illegal_parameter', `CertificateVerify scheme 0x${cv.algorithm.toString(16)} was not offered`);
  let ok: boolean;
  try {
    ok = provider.verify(scheme, spki, certificateVerifyContent('server', transcriptHash), cv.signature);
  } catch {
    ok = false;
  }
  // RFC 8446 §4.4.3: "If the verification fails, the receiver MUST terminate the handshake with a
  // "decrypt_error" alert."
  if (!ok) throw new TlsAlert('decrypt_error', 'the server CertificateVerify signature does not verify');
}

/**
 * The synchronous checks of the server's chain ('pinned' and 'DANGEROUS_SKIP_VERIFICATION');
 * undefined for 'chain', which is asynchronous (a 'verify_certificate' event).
 */
export function verifyServerChainSync(
  verification: ServerVerification,
  chain: readonly Uint8Array[],
  wallMs: number,
  provider: CryptoProvider,
): CertificateVerification | undefined {
  const leaf = chain[0];
  // RFC 8446 §4.4.2.4: "If the server supplies an empty Certificate message, the client MUST abort
  // the handshake with a "decode_error" alert."
  if (leaf === undefined) return certificateFailure('decode_error', 'empty certificate chain');
  switch (verification.mode) {
    case 'chain':
      return undefined;
    case 'pinned':
      return verifyPinnedCertificate(leaf, verification.sha256, wallMs, provider);
    case 'DANGEROUS_SKIP_VERIFICATION':
      try {
        return { ok: true, leaf: parseCertificate(leaf, provider) };
      } catch (e) {
        return certificateFailure('bad_certificate', e instanceof Error ? e.message : 'malformed certificate');
      }
  }
}

/**
 * The client's Certificate (and CertificateVerify, signed later over the transcript) for a
 * CertificateRequest (RFC 8446 §4.4.2): our chain if we have one and can sign with a scheme the
 * server listed, else an empty certificate_list ("If the server requests client authentication
 * but no suitable certificate is available, the client MUST send a Certificate message containing
 * no certificates").
 */
export function clientCertificateMessage(
  context: Uint8Array,
  serverSchemes: readonly number[],
  certified: CertifiedKey | undefined,
): { certificate: Uint8Array; scheme: SignatureScheme | undefined } {
  const scheme = certified?.key.schemes.find((s) => serverSchemes.includes(signatureSchemeCode(s)));
  const list = certified !== undefined && scheme !== undefined ? certified.chain.map((certData) => ({ certData, extensions: [] })) : [];
  const message: Certificate = { msgType: 'certificate', certificateRequestContext: context, certificateList: list };
  return { certificate: serializeHandshakeMessage(message), scheme: list.length > 0 ? scheme : undefined };
}

/** The client's CertificateVerify message (RFC 8446 §4.4.3) over `transcriptHash`. */
export function clientCertificateVerifyMessage(key: CertifiedKey['key'], scheme: SignatureScheme, transcriptHash: Uint8Array): Uint8Array {
  const signature = key.sign(scheme, certificateVerifyContent('client', transcriptHash));
  return serializeHandshakeMessage({ msgType: 'certificate_verify', algorithm: signatureSchemeCode(scheme), signature });
}

/**
 * The client's messages between the server Finished and its own Finished, each added to
 * `transcript`: EndOfEarlyData (test-vector profile only, see below), then Certificate and
 * CertificateVerify when the server sent a CertificateRequest.
 */
export function clientFlightBeforeFinished(o: {
  readonly endOfEarlyData: boolean;
  readonly certRequest: { readonly context: Uint8Array; readonly schemes: readonly number[] } | undefined;
  readonly certified: CertifiedKey | undefined;
  readonly transcript: Transcript;
}): Uint8Array[] {
  const flight: Uint8Array[] = [];
  const send = (m: Uint8Array): void => {
    o.transcript.add(m);
    flight.push(m);
  };
  // RFC 8446 §4.5: "If the server sent an "early_data" extension in EncryptedExtensions, the client
  // MUST send an EndOfEarlyData message after receiving the server Finished" -- TLS only: RFC 9001
  // §8.3 ("Clients MUST NOT send the EndOfEarlyData message"), so only the test-vector profile.
  if (o.endOfEarlyData) send(serializeHandshakeMessage({ msgType: 'end_of_early_data' }));
  if (o.certRequest !== undefined) {
    const { certificate, scheme } = clientCertificateMessage(o.certRequest.context, o.certRequest.schemes, o.certified);
    send(certificate);
    if (scheme !== undefined) send(clientCertificateVerifyMessage(o.certified!.key, scheme, o.transcript.hash()));
  }
  return flight;
}
