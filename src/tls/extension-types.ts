/**
 * TLS 1.3 extension value types (RFC 8446 §4.2), one per extension and message context, and the
 * typed lookup over a decoded extension block. The codecs are in extensions.ts.
 */
import { ExtensionType, type ExtensionContext } from './extension-codes.js';

/** RFC 6066 §3 ServerName: name_type (0 = host_name) and the name, as Latin-1 text. */
export interface ServerName {
  readonly nameType: number;
  readonly name: string;
}
/** RFC 8446 §4.2.8 KeyShareEntry. */
export interface KeyShareEntry {
  readonly group: number;
  readonly keyExchange: Uint8Array;
}
/** RFC 8446 §4.2.11 PskIdentity. */
export interface PskIdentity {
  readonly identity: Uint8Array;
  readonly obfuscatedTicketAge: number;
}

/** RFC 6066 §3: server_name; an empty list is the empty body a server sends in EE. */
export interface ServerNameExtension { readonly type: 'server_name'; readonly serverNames: readonly ServerName[] }
/** RFC 8446 §4.2.7: NamedGroup code points, in preference order. */
export interface SupportedGroupsExtension { readonly type: 'supported_groups'; readonly groups: readonly number[] }
/** RFC 8446 §4.2.3: SignatureScheme code points. */
export interface SignatureAlgorithmsExtension { readonly type: 'signature_algorithms'; readonly schemes: readonly number[] }
/** RFC 8446 §4.2.3: SignatureScheme code points for certificate signatures. */
export interface SignatureAlgorithmsCertExtension { readonly type: 'signature_algorithms_cert'; readonly schemes: readonly number[] }
/** RFC 7301 §3.1: protocol names (opaque bytes); exactly one in EE. */
export interface AlpnExtension { readonly type: 'application_layer_protocol_negotiation'; readonly protocols: readonly Uint8Array[] }
/** RFC 8446 §4.2.1 in ClientHello: the versions offered. */
export interface ClientSupportedVersionsExtension { readonly type: 'supported_versions'; readonly versions: readonly number[] }
/** RFC 8446 §4.2.1 in ServerHello/HRR: the version selected. */
export interface ServerSupportedVersionsExtension { readonly type: 'supported_versions'; readonly selectedVersion: number }
/** RFC 8446 §4.2.8 in ClientHello: client_shares. */
export interface ClientKeyShareExtension { readonly type: 'key_share'; readonly shares: readonly KeyShareEntry[] }
/** RFC 8446 §4.2.8 in ServerHello: server_share. */
export interface ServerKeyShareExtension { readonly type: 'key_share'; readonly share: KeyShareEntry }
/** RFC 8446 §4.2.8 in HelloRetryRequest: selected_group. */
export interface HrrKeyShareExtension { readonly type: 'key_share'; readonly selectedGroup: number }
/** RFC 8446 §4.2.9: PskKeyExchangeMode values. */
export interface PskKeyExchangeModesExtension { readonly type: 'psk_key_exchange_modes'; readonly modes: readonly number[] }
/** RFC 8446 §4.2.11 in ClientHello: OfferedPsks. */
export interface OfferedPsksExtension {
  readonly type: 'pre_shared_key';
  readonly identities: readonly PskIdentity[];
  readonly binders: readonly Uint8Array[];
}
/** RFC 8446 §4.2.11 in ServerHello: selected_identity. */
export interface SelectedPskExtension { readonly type: 'pre_shared_key'; readonly selectedIdentity: number }
/** RFC 8446 §4.2.10 in ClientHello/EE: the empty early_data indication. */
export interface EarlyDataIndicationExtension { readonly type: 'early_data' }
/** RFC 8446 §4.2.10 in NewSessionTicket: max_early_data_size. */
export interface TicketEarlyDataExtension { readonly type: 'early_data'; readonly maxEarlyDataSize: number }
/** RFC 8446 §4.2.2: cookie. */
export interface CookieExtension { readonly type: 'cookie'; readonly cookie: Uint8Array }
/** RFC 9001 §8.2: the transport parameters, undecoded. */
export interface QuicTransportParametersExtension { readonly type: 'quic_transport_parameters'; readonly data: Uint8Array }
/** Any other extension, kept as its code and bytes (unknown ones are ignored, RFC 8446 §4.2). */
export interface OpaqueExtension { readonly type: 'opaque'; readonly code: number; readonly data: Uint8Array }

/** Extensions of a ClientHello (RFC 8446 §4.1.2). */
export type ClientHelloExtension =
  | ServerNameExtension | SupportedGroupsExtension | SignatureAlgorithmsExtension | SignatureAlgorithmsCertExtension
  | AlpnExtension | ClientSupportedVersionsExtension | ClientKeyShareExtension | PskKeyExchangeModesExtension
  | OfferedPsksExtension | EarlyDataIndicationExtension | CookieExtension | QuicTransportParametersExtension | OpaqueExtension;
/** Extensions of a ServerHello (RFC 8446 §4.1.3). */
export type ServerHelloExtension = ServerSupportedVersionsExtension | ServerKeyShareExtension | SelectedPskExtension | OpaqueExtension;
/** Extensions of a HelloRetryRequest (RFC 8446 §4.1.4). */
export type HelloRetryRequestExtension = ServerSupportedVersionsExtension | HrrKeyShareExtension | CookieExtension | OpaqueExtension;
/** Extensions of EncryptedExtensions (RFC 8446 §4.3.1). */
export type EncryptedExtensionsExtension =
  | ServerNameExtension | SupportedGroupsExtension | AlpnExtension | EarlyDataIndicationExtension
  | QuicTransportParametersExtension | OpaqueExtension;
/** Extensions of CertificateRequest (RFC 8446 §4.3.2). */
export type CertificateRequestExtension = SignatureAlgorithmsExtension | SignatureAlgorithmsCertExtension | OpaqueExtension;
/** Extensions of a CertificateEntry (RFC 8446 §4.4.2). */
export type CertificateEntryExtension = OpaqueExtension;
/** Extensions of NewSessionTicket (RFC 8446 §4.6.1). */
export type NewSessionTicketExtension = TicketEarlyDataExtension | OpaqueExtension;

/** The extension union of each message that carries extensions. */
export interface ExtensionsByContext {
  client_hello: ClientHelloExtension;
  server_hello: ServerHelloExtension;
  hello_retry_request: HelloRetryRequestExtension;
  encrypted_extensions: EncryptedExtensionsExtension;
  certificate: CertificateEntryExtension;
  certificate_request: CertificateRequestExtension;
  new_session_ticket: NewSessionTicketExtension;
}

/** Any decoded extension. */
export type Extension = ExtensionsByContext[ExtensionContext];

/** The interpreted (non-opaque) extension names. */
export type KnownExtensionName = Exclude<Extension['type'], 'opaque'>;

/**
 * The typed-map lookup: the extension called `name` in `extensions`, or undefined.
 * (A block holds at most one of each type; decoding enforces it.)
 */
export function getExtension<E extends Extension, N extends Exclude<E['type'], 'opaque'>>(
  extensions: readonly E[],
  name: N,
): Extract<E, { type: N }> | undefined {
  return extensions.find((e) => e.type === name) as Extract<E, { type: N }> | undefined;
}

/** The extension_type code of an extension. */
export function extensionCode(ext: Extension): number {
  return ext.type === 'opaque' ? ext.code : ExtensionType[ext.type];
}
