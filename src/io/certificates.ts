/**
 * Certificate services the sans-IO core leaves to its driver (DESIGN §1: "Asynchronous work
 * (certificate chain validation through WebCrypto, say) leaves the core as an event and comes back
 * as a command"; DESIGN §3: "Node's bundled roots by default"): the default trust anchors and
 * the answer to a `verify_certificate` event.
 */
import { rootCertificates } from 'node:tls';
import type { Connection } from '../connection/connection.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { certificateFailure } from '../tls/certificates/errors.js';
import { parseCertificatesPem } from '../tls/certificates/pem.js';
import { verifyCertificateChain } from '../tls/certificates/verify-chain.js';
import { monotonicNow, wallClockMs } from './clock.js';

let nodeRoots: readonly Uint8Array[] | undefined;

/** Node's bundled root CA certificates (node:tls `rootCertificates`) as DER, parsed once. */
export function nodeTrustAnchors(): readonly Uint8Array[] {
  if (nodeRoots === undefined) nodeRoots = rootCertificates.flatMap((pem) => parseCertificatesPem(pem));
  return nodeRoots;
}

/** The fields of a `verify_certificate` event. */
export interface VerifyRequest {
  readonly chain: readonly Uint8Array[];
  readonly serverName: string | undefined;
  readonly trustAnchors: readonly Uint8Array[];
}

/**
 * Verifies a chain asynchronously and hands the result to the connection with
 * `completeCertificateVerification`; `done` runs afterwards (the driver flushes there). A
 * verifier that throws (a trust anchor that does not parse) fails the handshake with
 * `certificate_unknown` rather than crashing.
 */
export function answerVerifyCertificate(conn: Connection, req: VerifyRequest, provider: CryptoProvider, done: () => void): void {
  verifyCertificateChain({
    chain: req.chain, trustAnchors: req.trustAnchors, nowMs: wallClockMs(), provider,
    ...(req.serverName === undefined ? {} : { serverName: req.serverName }),
  })
    .catch((e: unknown) => certificateFailure('certificate_unknown', e instanceof Error ? e.message : 'verification failed'))
    .then((result) => {
      if (!conn.isClosed) conn.completeCertificateVerification(monotonicNow(), result);
      done();
    })
    .catch(() => done());
}
