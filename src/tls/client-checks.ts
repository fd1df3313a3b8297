/**
 * The client's checks of the server's first flight (sans-IO): ServerHello, HelloRetryRequest and
 * EncryptedExtensions. Each returns what was negotiated or throws `TlsAlert`.
 *
 * Implements:
 * - RFC 8446 §4.1.3 (ServerHello checks), §4.1.4 (HelloRetryRequest checks), §4.2 (extensions the
 *   client did not offer), §4.2.1 (supported_versions), §4.2.8 (key_share), §4.2.11
 *   (selected_identity and the PSK's hash), §4.2.10 and §4.3.1 (EncryptedExtensions, early_data).
 * - RFC 9001 §8.1 (ALPN mandatory: "no_application_protocol"), §8.2 (quic_transport_parameters
 *   missing: "missing_extension"); both relaxed in the 'rfc8448-test-vectors' profile (profile.ts).
 */
import type { NamedGroup } from '../crypto/provider.js';
import { cipherSuiteById, type CipherSuiteId, type CipherSuiteInfo } from '../crypto/suites.js';
import { TlsAlert } from './alerts.js';
import { LEGACY_VERSION, TLS13_VERSION, namedGroupOf } from './extension-codes.js';
import { getExtension, type Extension } from './extension-types.js';
import type { HelloRetryRequest, ServerHello } from './hello-messages.js';
import type { EncryptedExtensions } from './messages.js';

/** What the client offered, for checking the server's answers. */
export interface ClientOffer {
  readonly cipherSuites: readonly CipherSuiteId[];
  readonly groups: readonly NamedGroup[];
  /** The group of the key share sent in the latest ClientHello. */
  readonly sharedGroup: NamedGroup;
  /** The suite of the offered PSK (its hash must match), or undefined when none was offered. */
  readonly pskSuite: CipherSuiteInfo | undefined;
  readonly alpnProtocols: readonly string[];
  readonly serverNameSent: boolean;
  readonly earlyDataOffered: boolean;
  /** False in the 'rfc8448-test-vectors' profile (profile.ts). */
  readonly quic: boolean;
  /** Codes of the uninterpreted extensions our ClientHello carried (test-vector profile only). */
  readonly sentOpaqueCodes: readonly number[];
}

const DECODER = new TextDecoder();

function checkCommon(m: ServerHello | HelloRetryRequest, offer: ClientOffer): CipherSuiteInfo {
  // RFC 8446 §4.1.3: legacy_version "MUST be set to 0x0303".
  if (m.legacyVersion !== LEGACY_VERSION) throw new TlsAlert('protocol_version', `legacy_version 0x${m.legacyVersion.toString(16)}`);
  const versions = getExtension<Extension, 'supported_versions'>(m.extensions, 'supported_versions') as { selectedVersion: number } | undefined;
  // RFC 8446 §4.1.3: a TLS 1.3 server "MUST" send supported_versions; without it this is an older
  // version, which a TLS 1.3-only client refuses with protocol_version.
  if (versions === undefined) throw new TlsAlert('protocol_version', 'no supported_versions: not TLS 1.3');
  // RFC 8446 §4.2.1: "If the "supported_versions" extension in the ServerHello contains a version not
  // offered by the client or contains a version prior to TLS 1.3, the client MUST abort the handshake
  // with an "illegal_parameter" alert."
  if (versions.selectedVersion !== TLS13_VERSION) throw new TlsAlert('illegal_parameter', `selected version 0x${versions.selectedVersion.toString(16)}`);
  // RFC 8446 §4.1.3: "A client which receives a legacy_session_id_echo field that does not match what
  // it sent in the ClientHello MUST abort the handshake with an "illegal_parameter" alert."
  if (m.legacySessionIdEcho.length !== 0) throw new TlsAlert('illegal_parameter', 'legacy_session_id_echo does not match the empty session ID sent');
  // RFC 8446 §4.1.3: legacy_compression_method "MUST have the value 0".
  if (m.legacyCompressionMethod !== 0) throw new TlsAlert('illegal_parameter', 'legacy_compression_method is not 0');
  // RFC 8446 §4.1.3: "A client which receives a cipher suite that was not offered MUST abort the
  // handshake with an "illegal_parameter" alert."
  const suite = cipherSuiteById(m.cipherSuite);
  if (suite === undefined || !offer.cipherSuites.includes(suite.id)) throw new TlsAlert('illegal_parameter', `cipher suite 0x${m.cipherSuite.toString(16)} was not offered`);
  return suite;
}

function refuseUnsent(exts: readonly Extension[], what: string, offer: ClientOffer): void {
  // RFC 8446 §4.2: "If an implementation receives an extension which it recognizes and which it did
  // not send in a ClientHello message ... it MUST abort the handshake with an "unsupported_extension"
  // alert." We send no extension we do not interpret (except those a test-vector hook added), so
  // any other opaque one was not sent.
  const opaque = exts.find((e) => e.type === 'opaque' && !offer.sentOpaqueCodes.includes(e.code));
  if (opaque !== undefined && opaque.type === 'opaque') throw new TlsAlert('unsupported_extension', `${what} carries extension ${opaque.code}, which was not offered`);
}

/** The outcome of a HelloRetryRequest. */
export interface RetryRequest {
  readonly suite: CipherSuiteInfo;
  /** The group to send a share for next. */
  readonly group: NamedGroup;
  readonly cookie: Uint8Array | undefined;
}

/** RFC 8446 §4.1.4: checks a HelloRetryRequest. */
export function checkHelloRetryRequest(hrr: HelloRetryRequest, offer: ClientOffer): RetryRequest {
  const suite = checkCommon(hrr, offer);
  refuseUnsent(hrr.extensions, 'HelloRetryRequest', offer);
  const keyShare = getExtension(hrr.extensions, 'key_share');
  const cookie = getExtension(hrr.extensions, 'cookie')?.cookie;
  let group = offer.sharedGroup;
  if (keyShare !== undefined) {
    const selected = namedGroupOf(keyShare.selectedGroup);
    // RFC 8446 §4.2.8: "Upon receipt of this extension in a HelloRetryRequest, the client MUST verify
    // that (1) the selected_group field corresponds to a group which was provided in the
    // "supported_groups" extension in the original ClientHello and (2) the selected_group field does
    // not correspond to a group which was provided in the "key_share" extension in the original
    // ClientHello. If either of these checks fails, then the client MUST abort the handshake with an
    // "illegal_parameter" alert."
    if (selected === undefined || !offer.groups.includes(selected)) throw new TlsAlert('illegal_parameter', `HelloRetryRequest selected group 0x${keyShare.selectedGroup.toString(16)} was not offered`);
    if (selected === offer.sharedGroup) throw new TlsAlert('illegal_parameter', 'HelloRetryRequest selected the group a share was already sent for');
    group = selected;
  }
  // RFC 8446 §4.1.4: "Clients MUST abort the handshake with an "illegal_parameter" alert if the
  // HelloRetryRequest would not result in any change in the ClientHello."
  if (keyShare === undefined && cookie === undefined) throw new TlsAlert('illegal_parameter', 'HelloRetryRequest would not change the ClientHello');
  return { suite, group, cookie };
}

/** The outcome of a ServerHello. */
export interface NegotiatedHello {
  readonly suite: CipherSuiteInfo;
  readonly serverShare: Uint8Array;
  readonly pskSelected: boolean;
}

/**
 * RFC 8446 §4.1.3: checks a ServerHello.
 * @param retrySuite the cipher suite of an earlier HelloRetryRequest, which must not change.
 */
export function checkServerHello(sh: ServerHello, offer: ClientOffer, retrySuite: CipherSuiteInfo | undefined): NegotiatedHello {
  const suite = checkCommon(sh, offer);
  refuseUnsent(sh.extensions, 'ServerHello', offer);
  // RFC 8446 §4.1.4: "Upon receiving the ServerHello, clients MUST check that the cipher suite
  // supplied in the ServerHello is the same as that in the HelloRetryRequest and otherwise abort
  // the handshake with an "illegal_parameter" alert."
  if (retrySuite !== undefined && retrySuite.id !== suite.id) throw new TlsAlert('illegal_parameter', 'ServerHello cipher suite differs from the HelloRetryRequest');
  const share = getExtension(sh.extensions, 'key_share');
  // We offer only psk_dhe_ke, so every handshake has a key exchange (RFC 8446 §4.2.9).
  if (share === undefined) throw new TlsAlert('missing_extension', 'ServerHello without key_share');
  // RFC 8446 §4.2.8: the server's share "MUST be in the same group as one of the client's shares".
  if (namedGroupOf(share.share.group) !== offer.sharedGroup) throw new TlsAlert('illegal_parameter', `server key share group 0x${share.share.group.toString(16)} is not the one offered`);
  const psk = getExtension(sh.extensions, 'pre_shared_key');
  if (psk !== undefined) {
    // RFC 8446 §4.2: an extension the client did not send.
    if (offer.pskSuite === undefined) throw new TlsAlert('unsupported_extension', 'pre_shared_key was not offered');
    // RFC 8446 §4.2.11: "Clients MUST verify that the server's selected_identity is within the range
    // supplied by the client, that the server selected a cipher suite indicating a Hash associated
    // with the PSK ... If these values are not consistent, the client MUST abort the handshake with
    // an "illegal_parameter" alert."
    if (psk.selectedIdentity !== 0) throw new TlsAlert('illegal_parameter', `selected_identity ${psk.selectedIdentity} out of range`);
    if (offer.pskSuite.hash !== suite.hash) throw new TlsAlert('illegal_parameter', 'the selected cipher suite hash differs from the PSK hash');
  }
  return { suite, serverShare: share.share.keyExchange, pskSelected: psk !== undefined };
}

/** What EncryptedExtensions settled. */
export interface NegotiatedExtensions {
  /** The protocol selected; '' when none was (test-vector profile only). */
  readonly alpn: string;
  /** The server's quic_transport_parameters; undefined only in the test-vector profile. */
  readonly transportParameters: Uint8Array | undefined;
  readonly earlyDataAccepted: boolean;
}

/** RFC 8446 §4.3.1 with RFC 9001 §8: checks EncryptedExtensions. */
export function checkEncryptedExtensions(ee: EncryptedExtensions, offer: ClientOffer, pskSelected: boolean): NegotiatedExtensions {
  refuseUnsent(ee.extensions, 'EncryptedExtensions', offer);
  if (getExtension(ee.extensions, 'server_name') !== undefined && !offer.serverNameSent) throw new TlsAlert('unsupported_extension', 'server_name was not sent');
  const alpnExt = getExtension(ee.extensions, 'application_layer_protocol_negotiation');
  // RFC 9001 §8.1: "When using ALPN, endpoints MUST immediately close a connection (see Section 10.2
  // of [QUIC-TRANSPORT]) with a no_application_protocol TLS alert ... if an application protocol is
  // not negotiated."
  if (alpnExt === undefined && offer.quic) throw new TlsAlert('no_application_protocol', 'the server negotiated no application protocol');
  const alpn = alpnExt === undefined ? '' : DECODER.decode(alpnExt.protocols[0]);
  // RFC 7301 §3.2: the server selects "one of the protocols advertised by the client".
  if (alpnExt !== undefined && (alpnExt.protocols.length !== 1 || !offer.alpnProtocols.includes(alpn))) throw new TlsAlert('illegal_parameter', `the server selected ALPN "${alpn}", which was not offered`);
  const tp = getExtension(ee.extensions, 'quic_transport_parameters');
  // RFC 9001 §8.2: "endpoints that receive ClientHello or EncryptedExtensions messages without the
  // quic_transport_parameters extension MUST close the connection with an error of type 0x016d
  // (equivalent to a fatal TLS missing_extension alert...)".
  if (tp === undefined && offer.quic) throw new TlsAlert('missing_extension', 'EncryptedExtensions without quic_transport_parameters');
  const early = getExtension(ee.extensions, 'early_data') !== undefined;
  if (early && !offer.earlyDataOffered) throw new TlsAlert('unsupported_extension', 'early_data was not offered');
  // RFC 8446 §4.2.10: a server accepting early data must have selected the first PSK.
  if (early && !pskSelected) throw new TlsAlert('illegal_parameter', 'early_data accepted without the PSK');
  return { alpn, transportParameters: tp?.data, earlyDataAccepted: early };
}
