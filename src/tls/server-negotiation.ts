/**
 * The TLS 1.3 server's choices from a ClientHello (sans-IO, pure functions): version, cipher
 * suite, key-exchange group, signature scheme and ALPN protocol, plus the QUIC checks on the
 * ClientHello's legacy fields and extensions.
 *
 * Implements:
 * - RFC 8446 §4.1.1 (cryptographic negotiation), §4.1.2 (legacy fields), §4.2.1
 *   supported_versions, §4.2.3 signature_algorithms, §4.2.7 supported_groups, §4.2.8 key_share,
 *   §9.2 (mandatory extensions).
 * - RFC 9001 §8.1 (ALPN), §8.2 (quic_transport_parameters), §8.4 (legacy_session_id); §8.1 and
 *   §8.2 are relaxed in the 'rfc8448-test-vectors' profile (profile.ts).
 */
import { cipherSuiteById, type CipherSuiteId, type CipherSuiteInfo } from '../crypto/suites.js';
import { CryptoError, type CryptoProvider, type KeyExchange, type NamedGroup, type SignatureScheme } from '../crypto/provider.js';
import { randomBytes, type RandomSource } from '../util/random.js';
import { TransportError, TransportErrorCode } from '../wire/errors.js';
import { TlsAlert } from './alerts.js';
import { LEGACY_VERSION, TLS13_VERSION, namedGroupCode, signatureSchemeOf } from './extension-codes.js';
import { getExtension, type KeyShareEntry } from './extensions.js';
import type { ClientHello } from './hello-messages.js';

/**
 * The checks every QUIC ClientHello must pass before negotiation; returns its
 * quic_transport_parameters body (undefined: absent, allowed only when `quic` is false, i.e. in
 * the test-vector profile).
 * @throws TlsAlert protocol_version, illegal_parameter or missing_extension;
 *   TransportError PROTOCOL_VIOLATION for a non-empty legacy_session_id.
 */
export function checkClientHello(ch: ClientHello, quic = true): Uint8Array | undefined {
  // RFC 8446 §4.2.1: "If this extension is not present, servers which are compliant with this
  // specification and which also support TLS 1.2 MUST negotiate TLS 1.2" -- we have no TLS 1.2,
  // and "If the "supported_versions" extension in the ClientHello contains no versions supported by
  // the server ... the server MUST abort the handshake with a "protocol_version" alert".
  const versions = getExtension(ch.extensions, 'supported_versions');
  if (versions === undefined || !versions.versions.includes(TLS13_VERSION)) {
    throw new TlsAlert('protocol_version', 'the ClientHello does not offer TLS 1.3 in supported_versions');
  }
  // RFC 8446 §4.1.2: "legacy_version = 0x0303" (a TLS 1.3 client MUST set it).
  if (ch.legacyVersion !== LEGACY_VERSION) {
    throw new TlsAlert('protocol_version', `ClientHello legacy_version 0x${ch.legacyVersion.toString(16)}`);
  }
  // RFC 8446 §4.1.2: "If a TLS 1.3 ClientHello is received with any other value in this field,
  // the server MUST abort the handshake with an "illegal_parameter" alert."
  if (ch.legacyCompressionMethods.length !== 1 || ch.legacyCompressionMethods[0] !== 0) {
    throw new TlsAlert('illegal_parameter', 'legacy_compression_methods is not the single null method');
  }
  // RFC 9001 §8.4: "A server SHOULD treat the receipt of a TLS ClientHello with a non-empty
  // legacy_session_id field as a connection error of type PROTOCOL_VIOLATION."
  if (ch.legacySessionId.length !== 0) {
    throw new TransportError(TransportErrorCode.PROTOCOL_VIOLATION, undefined, 'ClientHello with a non-empty legacy_session_id');
  }
  // RFC 9001 §8.2: "endpoints that receive ClientHello or EncryptedExtensions messages without the
  // quic_transport_parameters extension MUST close the connection with an error of type 0x016d
  // (equivalent to a fatal TLS missing_extension alert".
  const tp = getExtension(ch.extensions, 'quic_transport_parameters');
  if (tp === undefined && quic) throw new TlsAlert('missing_extension', 'ClientHello without quic_transport_parameters');
  return tp?.data;
}

/**
 * The cipher suite, by our preference among the client's (RFC 8446 §4.1.1).
 * @throws TlsAlert handshake_failure when there is none in common.
 */
export function chooseCipherSuite(ch: ClientHello, ours: readonly CipherSuiteId[]): CipherSuiteInfo {
  for (const id of ours) {
    const suite = cipherSuiteById(id);
    if (suite !== undefined && ch.cipherSuites.includes(id)) return suite;
  }
  // RFC 8446 §4.1.1: "If the server is unable to negotiate a supported set of parameters ... it
  // MUST abort the handshake with either a "handshake_failure" or "insufficient_security" fatal alert".
  throw new TlsAlert('handshake_failure', 'no cipher suite in common');
}

/** The outcome of group selection: a client share to use, or a group to ask for (HRR). */
export type GroupChoice =
  | { readonly kind: 'share'; readonly group: NamedGroup; readonly share: KeyShareEntry }
  | { readonly kind: 'retry'; readonly group: NamedGroup };

/**
 * The key-exchange group (RFC 8446 §4.2.8): the first of our groups the client sent a share for;
 * else the first of ours in its supported_groups (a HelloRetryRequest asks for it).
 * @throws TlsAlert missing_extension (supported_groups or key_share missing, RFC 8446 §9.2),
 *   illegal_parameter (a share outside supported_groups, or two for one group),
 *   handshake_failure (no group in common).
 */
export function chooseGroup(ch: ClientHello, ours: readonly NamedGroup[]): GroupChoice {
  const groups = getExtension(ch.extensions, 'supported_groups');
  const keyShare = getExtension(ch.extensions, 'key_share');
  // RFC 8446 §9.2: "If containing a "supported_groups" extension, it MUST also contain a
  // "key_share" extension, and vice versa." ... "Servers receiving a ClientHello which does not
  // conform to these requirements MUST abort the handshake with a "missing_extension" alert."
  // We require (EC)DHE (also with a PSK), so both must be there.
  if (groups === undefined || keyShare === undefined) {
    throw new TlsAlert('missing_extension', 'ClientHello without supported_groups and key_share');
  }
  const seen = new Set<number>();
  for (const s of keyShare.shares) {
    // RFC 8446 §4.2.8: "Clients MUST NOT offer multiple KeyShareEntry values for the same group.
    // Clients MUST NOT offer any KeyShareEntry values for groups not listed in the client's
    // "supported_groups" extension. Servers MAY check for violations of these rules and abort
    // the handshake with an "illegal_parameter" alert if one is violated."
    if (seen.has(s.group)) throw new TlsAlert('illegal_parameter', `two key shares for group ${s.group}`);
    if (!groups.groups.includes(s.group)) throw new TlsAlert('illegal_parameter', `key share for group ${s.group} not in supported_groups`);
    seen.add(s.group);
  }
  for (const g of ours) {
    const share = keyShare.shares.find((s) => s.group === namedGroupCode(g));
    if (share !== undefined) return { kind: 'share', group: g, share };
  }
  for (const g of ours) {
    if (groups.groups.includes(namedGroupCode(g))) return { kind: 'retry', group: g };
  }
  throw new TlsAlert('handshake_failure', 'no key-exchange group in common');
}

/**
 * The signature scheme for our CertificateVerify: the client's first scheme our key can sign
 * with (RFC 8446 §4.2.3, §4.4.3).
 * @throws TlsAlert missing_extension without signature_algorithms (RFC 8446 §9.2),
 *   handshake_failure when none fits.
 */
export function chooseSignatureScheme(ch: ClientHello, keySchemes: readonly SignatureScheme[]): SignatureScheme {
  const ext = getExtension(ch.extensions, 'signature_algorithms');
  // RFC 8446 §9.2: a ClientHello without pre_shared_key MUST contain signature_algorithms, else
  // "missing_extension".
  if (ext === undefined) throw new TlsAlert('missing_extension', 'ClientHello without signature_algorithms');
  for (const code of ext.schemes) {
    const scheme = signatureSchemeOf(code);
    if (scheme !== undefined && keySchemes.includes(scheme)) return scheme;
  }
  throw new TlsAlert('handshake_failure', 'no signature scheme in common with our certificate key');
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();

/**
 * The ALPN protocol, by our preference among the client's; undefined when the client sent no ALPN
 * and `quic` is false (test-vector profile: TLS without ALPN, RFC 7301 §3.1).
 * @throws TlsAlert no_application_protocol when there is none in common or no ALPN at all.
 */
export function chooseAlpn(ch: ClientHello, ours: readonly string[], quic = true): { readonly name: string; readonly bytes: Uint8Array } | undefined {
  const ext = getExtension(ch.extensions, 'application_layer_protocol_negotiation');
  if (ext === undefined && !quic) return undefined;
  const offered = ext === undefined ? [] : ext.protocols.map((p) => utf8.decode(p));
  for (const name of ours) {
    if (offered.includes(name)) return { name, bytes: utf8Encoder.encode(name) };
  }
  // RFC 9001 §8.1: "Unless another mechanism is used for agreeing on an application protocol,
  // endpoints MUST use ALPN for this." ... "When using ALPN, endpoints MUST immediately close a
  // connection (see Section 10.2 of [QUIC-TRANSPORT]) with a no_application_protocol TLS alert
  // (QUIC error code 0x0178; see Section 4.8) if an application protocol is not negotiated."
  throw new TlsAlert('no_application_protocol', ext === undefined ? 'ClientHello without ALPN' : 'no ALPN protocol in common');
}

/** The host name of a ClientHello's server_name extension (RFC 6066 §3, name_type host_name 0). */
export function clientServerName(ch: ClientHello): string | undefined {
  const ext = getExtension(ch.extensions, 'server_name');
  return ext?.serverNames.find((n) => n.nameType === 0)?.name;
}

/**
 * The server's ephemeral key pair for `group`, from 32 bytes drawn from `random`. A random 32-byte
 * string is a valid scalar except with negligible probability (P-256): drawn again up to 3 times.
 */
export function createServerKeyExchange(provider: CryptoProvider, random: RandomSource, group: NamedGroup): KeyExchange {
  for (let i = 0; ; i++) {
    try {
      return provider.createKeyExchange(group, randomBytes(random, 32));
    } catch (e) {
      if (!(e instanceof CryptoError) || i >= 3) throw e;
    }
  }
}
