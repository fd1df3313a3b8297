/**
 * The messages a TLS 1.3 server sends, built from its negotiated choices (sans-IO, pure).
 *
 * Implements:
 * - RFC 8446 §4.1.3 ServerHello, §4.1.4 HelloRetryRequest, §4.3.1 EncryptedExtensions,
 *   §4.3.2 CertificateRequest, §4.4.2 Certificate, §4.6.1 NewSessionTicket.
 * - RFC 9001 §8.1 (ALPN in EncryptedExtensions), §8.2 (quic_transport_parameters in
 *   EncryptedExtensions), §4.6.1 (max_early_data_size 0xffffffff), §4.6.2 (early_data in EE
 *   accepts 0-RTT); in the 'rfc8448-test-vectors' profile (profile.ts) ALPN and transport
 *   parameters only when negotiated, and the blocks reshaped by the test hook.
 */
import type { CipherSuiteInfo } from '../crypto/suites.js';
import type { SignatureScheme } from '../crypto/provider.js';
import { concatBytes } from '../util/bytes.js';
import { LEGACY_VERSION, TLS13_VERSION, signatureSchemeCode } from './extension-codes.js';
import type { EncryptedExtensionsExtension, KeyShareEntry, ServerHelloExtension } from './extensions.js';
import type { HelloRetryRequest, ServerHello } from './hello-messages.js';
import type { KeySchedule } from './key-schedule.js';
import { serializeHandshakeMessage, type Certificate, type CertificateRequest, type EncryptedExtensions, type HandshakeMessage, type NewSessionTicket } from './messages.js';
import { certificateVerifyContent } from './common.js';
import { shapedExtensions } from './profile.js';
import type { CertifiedKey, TlsCommonConfig } from './session-types.js';
import type { Transcript } from './transcript.js';



/** Default ticket lifetime: one day. */
export const DEFAULT_TICKET_LIFETIME_MS = 86_400_000;

/** A HelloRetryRequest asking for `groupCode` with `suite` (RFC 8446 §4.1.4). */
export function buildHelloRetryRequest(suite: CipherSuiteInfo, groupCode: number, legacySessionIdEcho: Uint8Array): HelloRetryRequest {
  return {
    msgType: 'hello_retry_request',
    legacyVersion: LEGACY_VERSION,
    legacySessionIdEcho,
    cipherSuite: suite.id,
    legacyCompressionMethod: 0,
    // RFC 8446 §4.1.4: "The server's extensions MUST contain "supported_versions"".
    extensions: [
      { type: 'supported_versions', selectedVersion: TLS13_VERSION },
      { type: 'key_share', selectedGroup: groupCode },
    ],
  };
}

/** A ServerHello (RFC 8446 §4.1.3). */
export function buildServerHello(
  random: Uint8Array,
  suite: CipherSuiteInfo,
  share: KeyShareEntry,
  selectedPsk: number | undefined,
  legacySessionIdEcho: Uint8Array,
): ServerHello {
  const extensions: ServerHelloExtension[] = [
    // RFC 8446 §4.2.1: "A server which negotiates TLS 1.3 MUST respond by sending a
    // "supported_versions" extension containing the selected version value (0x0304)."
    { type: 'supported_versions', selectedVersion: TLS13_VERSION },
    { type: 'key_share', share },
  ];
  if (selectedPsk !== undefined) extensions.push({ type: 'pre_shared_key', selectedIdentity: selectedPsk });
  return {
    msgType: 'server_hello',
    legacyVersion: LEGACY_VERSION,
    random,
    // RFC 8446 §4.1.3: legacy_session_id_echo is "The contents of the client's legacy_session_id field".
    legacySessionIdEcho,
    cipherSuite: suite.id,
    legacyCompressionMethod: 0,
    extensions,
  };
}

/**
 * EncryptedExtensions (RFC 8446 §4.3.1) with ALPN, our transport parameters and early_data if 0-RTT
 * is accepted (`alpn` / `transportParameters` undefined: omitted, test-vector profile only).
 */
export function buildEncryptedExtensions(alpn: Uint8Array | undefined, transportParameters: Uint8Array | undefined, acknowledgeServerName: boolean, acceptEarlyData: boolean): EncryptedExtensions {
  const extensions: EncryptedExtensionsExtension[] = [];
  if (alpn !== undefined) extensions.push({ type: 'application_layer_protocol_negotiation', protocols: [alpn] });
  if (transportParameters !== undefined) extensions.push({ type: 'quic_transport_parameters', data: transportParameters });
  // RFC 6066 §3: a server that uses the name sends an empty server_name extension.
  if (acknowledgeServerName) extensions.push({ type: 'server_name', serverNames: [] });
  // RFC 8446 §4.2.10: "If the server ... accepts the early data, it MUST ... include the
  // "early_data" extension in EncryptedExtensions" (RFC 9001 §4.6.2).
  if (acceptEarlyData) extensions.push({ type: 'early_data' });
  return { msgType: 'encrypted_extensions', extensions };
}

/** CertificateRequest with an empty context (RFC 8446 §4.3.2: "SHALL be zero length" in the handshake). */
export function buildCertificateRequest(schemes: readonly SignatureScheme[]): CertificateRequest {
  return {
    msgType: 'certificate_request',
    certificateRequestContext: new Uint8Array(0),
    extensions: [{ type: 'signature_algorithms', schemes: schemes.map(signatureSchemeCode) }],
  };
}

/** Certificate with our chain, leaf first (RFC 8446 §4.4.2). */
export function buildCertificate(chain: readonly Uint8Array[]): Certificate {
  return {
    msgType: 'certificate',
    certificateRequestContext: new Uint8Array(0),
    certificateList: chain.map((certData) => ({ certData, extensions: [] })),
  };
}

/** A NewSessionTicket (RFC 8446 §4.6.1); `maxEarlyData` 0 omits the early_data extension. */
export function buildNewSessionTicket(lifetimeMs: number, ageAdd: number, nonce: Uint8Array, ticket: Uint8Array, maxEarlyData: number): NewSessionTicket {
  return {
    msgType: 'new_session_ticket',
    ticketLifetime: Math.floor(lifetimeMs / 1000),
    ticketAgeAdd: ageAdd,
    ticketNonce: nonce,
    ticket,
    extensions: maxEarlyData === 0 ? [] : [{ type: 'early_data', maxEarlyDataSize: maxEarlyData }],
  };
}

/** What the server's Handshake-level flight is built from. */
export interface ServerFlightInput {
  /** The transcript through the ServerHello; the flight's messages are appended to it. */
  readonly transcript: Transcript;
  readonly keySchedule: KeySchedule;
  readonly serverHandshakeSecret: Uint8Array;
  /** The ALPN protocol; undefined only in the test-vector profile (no ALPN negotiated). */
  readonly alpn: Uint8Array | undefined;
  /** Our transport parameters; undefined only in the test-vector profile (the client sent none). */
  readonly transportParameters: Uint8Array | undefined;
  readonly acknowledgeServerName: boolean;
  readonly acceptEarlyData: boolean;
  /** Non-empty: send a CertificateRequest with these schemes. */
  readonly requestedSchemes: readonly SignatureScheme[];
  /** The certificate and signature scheme of a full handshake; undefined when resuming. */
  readonly certified: { readonly key: CertifiedKey; readonly scheme: SignatureScheme } | undefined;
  /** The rule profile and the test-vector extension hook (profile.ts). */
  readonly profile: Pick<TlsCommonConfig, 'profile' | 'shapeExtensions'>;
}

/**
 * The server's Handshake flight (RFC 8446 §2): EncryptedExtensions, CertificateRequest*,
 * Certificate*, CertificateVerify*, Finished, encoded back to back and added to the transcript.
 */
export function buildServerFlight(o: ServerFlightInput): Uint8Array {
  const flight: Uint8Array[] = [];
  const send = (m: HandshakeMessage): void => {
    const bytes = serializeHandshakeMessage(m);
    o.transcript.add(bytes);
    flight.push(bytes);
  };
  const ee = buildEncryptedExtensions(o.alpn, o.transportParameters, o.acknowledgeServerName, o.acceptEarlyData);
  send({ ...ee, extensions: shapedExtensions(o.profile, 'encrypted_extensions', ee.extensions) });
  if (o.requestedSchemes.length > 0) {
    const cr = buildCertificateRequest(o.requestedSchemes);
    send({ ...cr, extensions: shapedExtensions(o.profile, 'certificate_request', cr.extensions) });
  }
  if (o.certified !== undefined) {
    send(buildCertificate(o.certified.key.chain));
    // RFC 8446 §4.4.3: the signature covers 64 spaces, "TLS 1.3, server CertificateVerify",
    // 0x00 and Transcript-Hash(Handshake Context, Certificate).
    const content = certificateVerifyContent('server', o.transcript.hash());
    const { scheme } = o.certified;
    send({ msgType: 'certificate_verify', algorithm: signatureSchemeCode(scheme), signature: o.certified.key.key.sign(scheme, content) });
  }
  // RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash(Handshake Context,
  // Certificate*, CertificateVerify*)), with the server handshake traffic secret as BaseKey.
  send({ msgType: 'finished', verifyData: o.keySchedule.finishedVerifyData(o.serverHandshakeSecret, o.transcript.hash()) });
  return concatBytes(...flight);
}
