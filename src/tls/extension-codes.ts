/**
 * TLS 1.3 code point tables: ExtensionType, NamedGroup, SignatureScheme, and which extensions
 * may appear in which handshake message.
 *
 * Implements:
 * - RFC 8446 §4.2: the ExtensionType registry and the table of messages each extension may
 *   appear in (CH, SH, EE, CT, CR, NST, HRR).
 * - RFC 9001 §8.2: quic_transport_parameters (0x39), carried in ClientHello and
 *   EncryptedExtensions.
 * - RFC 8446 §4.2.7 NamedGroup and §4.2.3 SignatureScheme code points, plus X25519MLKEM768
 *   (0x11ec, draft-ietf-tls-ecdhe-mlkem), with a bidirectional map to the names the
 *   CryptoProvider uses (src/crypto/provider.ts). Unknown code points stay plain numbers: a peer
 *   may offer groups and schemes this stack does not implement.
 */
import type { NamedGroup, SignatureScheme } from '../crypto/provider.js';

/** RFC 8446 §4.2 `enum { ... } ExtensionType` (plus RFC 9001 §8.2 quic_transport_parameters). */
export const ExtensionType = {
  server_name: 0,
  max_fragment_length: 1,
  status_request: 5,
  supported_groups: 10,
  signature_algorithms: 13,
  use_srtp: 14,
  heartbeat: 15,
  application_layer_protocol_negotiation: 16,
  signed_certificate_timestamp: 18,
  client_certificate_type: 19,
  server_certificate_type: 20,
  padding: 21,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  oid_filters: 48,
  post_handshake_auth: 49,
  signature_algorithms_cert: 50,
  key_share: 51,
  quic_transport_parameters: 0x39,
} as const;

/** The name of a listed extension type. */
export type ExtensionTypeName = keyof typeof ExtensionType;

/** The handshake messages that carry an extension block (RFC 8446 §4.2 table abbreviations). */
export type ExtensionContext =
  | 'client_hello'
  | 'server_hello'
  | 'hello_retry_request'
  | 'encrypted_extensions'
  | 'certificate'
  | 'certificate_request'
  | 'new_session_ticket';

const CH = 'client_hello';
const SH = 'server_hello';
const HRR = 'hello_retry_request';
const EE = 'encrypted_extensions';
const CT = 'certificate';
const CR = 'certificate_request';
const NST = 'new_session_ticket';

/** RFC 8446 §4.2 (table) and RFC 9001 §8.2: the messages each listed extension may appear in. */
export const EXTENSION_PERMISSIONS: Readonly<Record<ExtensionTypeName, readonly ExtensionContext[]>> = {
  server_name: [CH, EE],
  max_fragment_length: [CH, EE],
  status_request: [CH, CR, CT],
  supported_groups: [CH, EE],
  signature_algorithms: [CH, CR],
  use_srtp: [CH, EE],
  heartbeat: [CH, EE],
  application_layer_protocol_negotiation: [CH, EE],
  signed_certificate_timestamp: [CH, CR, CT],
  client_certificate_type: [CH, EE],
  server_certificate_type: [CH, EE],
  padding: [CH],
  key_share: [CH, SH, HRR],
  pre_shared_key: [CH, SH],
  psk_key_exchange_modes: [CH],
  early_data: [CH, EE, NST],
  cookie: [CH, HRR],
  supported_versions: [CH, SH, HRR],
  certificate_authorities: [CH, CR],
  oid_filters: [CR],
  post_handshake_auth: [CH],
  signature_algorithms_cert: [CH, CR],
  // RFC 9001 §8.2: "carried in the ClientHello and the EncryptedExtensions messages".
  quic_transport_parameters: [CH, EE],
};

const EXTENSION_NAME_BY_CODE: ReadonlyMap<number, ExtensionTypeName> = new Map(
  (Object.keys(ExtensionType) as ExtensionTypeName[]).map((name) => [ExtensionType[name], name]),
);

/** The name of a listed extension type code, or undefined for an unknown code. */
export function extensionTypeName(code: number): ExtensionTypeName | undefined {
  return EXTENSION_NAME_BY_CODE.get(code);
}

/**
 * Whether extension `code` may appear in `context`: a listed extension only in the messages of
 * the RFC 8446 §4.2 table; an unknown extension anywhere (it is ignored).
 */
export function isExtensionAllowed(code: number, context: ExtensionContext): boolean {
  const name = EXTENSION_NAME_BY_CODE.get(code);
  return name === undefined || EXTENSION_PERMISSIONS[name].includes(context);
}

/** RFC 8446 §4.2.7 NamedGroup code points (and X25519MLKEM768, 0x11ec). */
export const NamedGroupCode = {
  secp256r1: 0x0017,
  secp384r1: 0x0018,
  secp521r1: 0x0019,
  x25519: 0x001d,
  x448: 0x001e,
  ffdhe2048: 0x0100,
  ffdhe3072: 0x0101,
  ffdhe4096: 0x0102,
  ffdhe6144: 0x0103,
  ffdhe8192: 0x0104,
  X25519MLKEM768: 0x11ec,
} as const;

/** RFC 8446 §4.2.3 SignatureScheme code points. */
export const SignatureSchemeCode = {
  rsa_pkcs1_sha256: 0x0401,
  rsa_pkcs1_sha384: 0x0501,
  rsa_pkcs1_sha512: 0x0601,
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  ecdsa_secp521r1_sha512: 0x0603,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pss_rsae_sha512: 0x0806,
  ed25519: 0x0807,
  ed448: 0x0808,
  rsa_pss_pss_sha256: 0x0809,
  rsa_pss_pss_sha384: 0x080a,
  rsa_pss_pss_sha512: 0x080b,
  rsa_pkcs1_sha1: 0x0201,
  ecdsa_sha1: 0x0203,
} as const;

const PROVIDER_GROUPS: Readonly<Record<NamedGroup, number>> = {
  x25519: NamedGroupCode.x25519,
  secp256r1: NamedGroupCode.secp256r1,
};

const PROVIDER_SCHEMES: Readonly<Record<SignatureScheme, number>> = {
  ecdsa_secp256r1_sha256: SignatureSchemeCode.ecdsa_secp256r1_sha256,
  ecdsa_secp384r1_sha384: SignatureSchemeCode.ecdsa_secp384r1_sha384,
  ed25519: SignatureSchemeCode.ed25519,
  rsa_pss_rsae_sha256: SignatureSchemeCode.rsa_pss_rsae_sha256,
  rsa_pss_rsae_sha384: SignatureSchemeCode.rsa_pss_rsae_sha384,
  rsa_pss_rsae_sha512: SignatureSchemeCode.rsa_pss_rsae_sha512,
};

const GROUP_BY_CODE: ReadonlyMap<number, NamedGroup> = new Map(
  (Object.keys(PROVIDER_GROUPS) as NamedGroup[]).map((name) => [PROVIDER_GROUPS[name], name]),
);
const SCHEME_BY_CODE: ReadonlyMap<number, SignatureScheme> = new Map(
  (Object.keys(PROVIDER_SCHEMES) as SignatureScheme[]).map((name) => [PROVIDER_SCHEMES[name], name]),
);

/** The code point of a CryptoProvider key-exchange group. */
export function namedGroupCode(group: NamedGroup): number {
  return PROVIDER_GROUPS[group];
}

/** The CryptoProvider group for a code point, or undefined if the provider has none. */
export function namedGroupOf(code: number): NamedGroup | undefined {
  return GROUP_BY_CODE.get(code);
}

/** The code point of a CryptoProvider signature scheme. */
export function signatureSchemeCode(scheme: SignatureScheme): number {
  return PROVIDER_SCHEMES[scheme];
}

/** The CryptoProvider signature scheme for a code point, or undefined if the provider has none. */
export function signatureSchemeOf(code: number): SignatureScheme | undefined {
  return SCHEME_BY_CODE.get(code);
}

/** RFC 8446 §4.2.9 `enum { psk_ke(0), psk_dhe_ke(1) } PskKeyExchangeMode`. */
export const PskKeyExchangeMode = { psk_ke: 0, psk_dhe_ke: 1 } as const;

/** RFC 8446 §4.2.1: the supported_versions value of TLS 1.3. */
export const TLS13_VERSION = 0x0304;

/** RFC 8446 §4.1.2: legacy_version of a TLS 1.3 ClientHello/ServerHello (TLS 1.2). */
export const LEGACY_VERSION = 0x0303;
