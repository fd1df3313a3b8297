/**
 * The contract between the TLS 1.3 state machines (client-session.ts, server-session.ts) and the
 * QUIC connection that drives them (RFC 9001 §4.1: "QUIC takes the unprotected content of TLS
 * handshake records as the content of CRYPTO frames").
 *
 * Sans-IO, like the rest of the core (DESIGN §1):
 * - input: `start(wallMs)` (client), `handleCryptoData(wallMs, level, bytes)`, and commands such as
 *   `completeCertificateVerification(result)` for work done outside the core;
 * - output: `pollEvent()` returns the next `TlsEvent` until it returns undefined.
 * `wallMs` is the injected wall clock (milliseconds since the Unix epoch) for certificate validity
 * and ticket ages; randomness comes from the configured `RandomSource`.
 *
 * A protocol violation raises `TlsAlert` (alerts.ts) out of the call that detected it; the
 * connection closes with CRYPTO_ERROR 0x100 + alert (RFC 9001 §4.8). After an alert the session is
 * dead: every later call throws the same alert.
 */
import type { CipherSuiteInfo } from '../crypto/suites.js';
import type { CryptoProvider, NamedGroup, SignatureScheme, SigningKey } from '../crypto/provider.js';
import type { RandomSource } from '../util/random.js';
import type { CertificateVerification } from './certificates/errors.js';
import type { ExtensionShaper, TlsProfile } from './profile.js';

/**
 * QUIC encryption levels (RFC 9001 §4.1.4): where CRYPTO data is sent and which keys protect it.
 * 'early' is 0-RTT: it carries no CRYPTO data, only keys.
 */
export type EncryptionLevel = 'initial' | 'early' | 'handshake' | 'application';

/** Which way a secret protects packets, from this endpoint's point of view. */
export type KeyDirection = 'read' | 'write';

/** How a client authenticates the server's certificate. */
export type ServerVerification =
  /** Chain to one of these DER trust anchors, with the name checked against server_name. */
  | { readonly mode: 'chain'; readonly trustAnchors: readonly Uint8Array[] }
  /** Accept exactly a leaf whose SHA-256 is listed (WebTransport serverCertificateHashes rules). */
  | { readonly mode: 'pinned'; readonly sha256: readonly Uint8Array[] }
  /** No authentication at all. Named loudly on purpose: never for production. */
  | { readonly mode: 'DANGEROUS_SKIP_VERIFICATION' };

/** A certificate chain and the key that signs with it. */
export interface CertifiedKey {
  /** DER certificates, leaf first. */
  readonly chain: readonly Uint8Array[];
  /** The leaf's private key, imported through a CryptoProvider. */
  readonly key: SigningKey;
}

/** What a client keeps of a NewSessionTicket to resume later (RFC 8446 §4.6.1). */
export interface SessionTicket {
  /** The opaque ticket, sent back as the PSK identity. */
  readonly ticket: Uint8Array;
  /** The PSK derived from resumption_master_secret and ticket_nonce. */
  readonly psk: Uint8Array;
  /** The cipher suite of the connection that issued it (the PSK's hash must match on resumption). */
  readonly suite: CipherSuiteInfo['id'];
  /** ticket_age_add, for the obfuscated ticket age. */
  readonly ageAdd: number;
  /** When it was received (wall clock, ms) and for how long it is valid (ms, at most 7 days). */
  readonly receivedAtMs: number;
  readonly lifetimeMs: number;
  /** max_early_data_size from the ticket's early_data extension; 0 = no 0-RTT (QUIC: 0xffffffff when allowed, RFC 9001 §4.6.1). */
  readonly maxEarlyData: number;
  /** The ALPN protocol and server name of the issuing connection (0-RTT requires the same). */
  readonly alpn: string;
  readonly serverName: string | undefined;
  /** The server's transport parameters, remembered for 0-RTT (RFC 9000 §7.4.1). */
  readonly transportParameters: Uint8Array;
}

/** Options shared by both sides. */
export interface TlsCommonConfig {
  readonly provider: CryptoProvider;
  readonly random: RandomSource;
  /** Cipher suites in preference order (default: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305). */
  readonly cipherSuites?: readonly CipherSuiteInfo['id'][];
  /** Key-exchange groups in preference order (default: x25519, secp256r1). */
  readonly groups?: readonly NamedGroup[];
  /** Signature schemes accepted from the peer, in preference order. */
  readonly signatureSchemes?: readonly SignatureScheme[];
  /** Our QUIC transport parameters, encoded (src/wire/transport-parameters.ts); not sent in the test-vector profile. */
  readonly transportParameters: Uint8Array;
  /** Largest handshake message accepted (default 64 KiB). */
  readonly maxHandshakeMessageSize?: number;
  /**
   * 'quic' (default): RFC 9001 rules. 'rfc8448-test-vectors': only for replaying RFC 8448's
   * TLS-over-TCP traces; relaxes the QUIC-only rules and nothing else (profile.ts).
   */
  readonly profile?: TlsProfile;
  /** Test-vector hook reshaping our messages' extension blocks; 'rfc8448-test-vectors' only (profile.ts). */
  readonly shapeExtensions?: ExtensionShaper;
}

/** Client options. */
export interface TlsClientConfig extends TlsCommonConfig {
  /** server_name to send and verify; an IP address is verified but not sent (RFC 6066 §3). */
  readonly serverName?: string;
  /** ALPN protocols offered, in preference order; at least one (RFC 9001 §8.1; may be empty only in the test-vector profile). */
  readonly alpnProtocols: readonly string[];
  readonly verification: ServerVerification;
  /** Offered when the server asks for a certificate (RFC 8446 §4.4.2). */
  readonly clientCertificate?: CertifiedKey;
  /** A ticket from an earlier connection, to resume (RFC 8446 §2.2). */
  readonly sessionTicket?: SessionTicket;
  /** Send 0-RTT with the ticket if it allows it (RFC 8446 §4.2.10, RFC 9001 §4.6). */
  readonly enableEarlyData?: boolean;
}

/**
 * Server-side memory shared by every connection of one server: the key that seals tickets and the
 * set of tickets already used, so that each is accepted once (anti-replay, RFC 8446 §8.1).
 */
export interface TicketStore {
  /** Seals a ticket's contents (AEAD); returns the opaque ticket. */
  seal(plaintext: Uint8Array, random: RandomSource): Uint8Array;
  /** Opens a ticket; undefined if it is not ours or was tampered with. */
  open(ticket: Uint8Array): Uint8Array | undefined;
  /** Records a ticket's use; false if it was used before (then it must be refused). */
  markUsed(ticket: Uint8Array, wallMs: number): boolean;
}

/** Server options. */
export interface TlsServerConfig extends TlsCommonConfig {
  /** The certificate to present, or a choice by server_name (undefined = handshake_failure). */
  readonly certificate: CertifiedKey | ((serverName: string | undefined) => CertifiedKey | undefined);
  /** ALPN protocols we speak, in our preference order; no overlap = no_application_protocol (RFC 9001 §8.1). */
  readonly alpnProtocols: readonly string[];
  /** Ask for a client certificate (RFC 8446 §4.3.2): 'required' refuses a client without one. */
  readonly clientAuthentication?: { readonly mode: 'optional' | 'required'; readonly trustAnchors: readonly Uint8Array[] };
  /**
   * Issue tickets and accept resumption with them; absent = no resumption. `maxEarlyDataSize`:
   * the max_early_data_size our tickets advertise when `enableEarlyData` is set, in place of
   * 0xffffffff; 'rfc8448-test-vectors' profile only (refused in 'quic', RFC 9001 §4.6.1; profile.ts).
   */
  readonly tickets?: { readonly store: TicketStore; readonly lifetimeMs?: number; readonly count?: number; readonly maxEarlyDataSize?: number };
  /** Accept 0-RTT on resumed connections (needs `tickets`). */
  readonly enableEarlyData?: boolean;
  /**
   * What must be identical between the connection that issued a ticket and the one accepting 0-RTT
   * with it, sealed in the ticket (RFC 9001 §4.6.3; default `transportParameters`). QUIC passes the
   * encoding of the remembered transport parameters only (RFC 9000 §7.4.1), since connection IDs
   * and tokens differ on every connection.
   */
  readonly earlyDataContext?: Uint8Array;
}

/** What the TLS layer asks of the connection, in order. */
export type TlsEvent =
  /** Send these handshake bytes in CRYPTO frames at `level`. */
  | { readonly type: 'crypto_data'; readonly level: Exclude<EncryptionLevel, 'early'>; readonly data: Uint8Array }
  /** Install packet protection for `level` in `direction`, derived from `secret` with `suite` (RFC 9001 §5.1). */
  | { readonly type: 'secret'; readonly level: Exclude<EncryptionLevel, 'initial'>; readonly direction: KeyDirection; readonly suite: CipherSuiteInfo; readonly secret: Uint8Array }
  /** The peer's quic_transport_parameters extension body, not yet validated (RFC 9001 §8.2). */
  | { readonly type: 'peer_transport_parameters'; readonly data: Uint8Array }
  /**
   * The peer's certificate chain must be checked asynchronously (e.g. verifyCertificateChain):
   * call `completeCertificateVerification(result)` when done. The handshake waits for it.
   */
  | { readonly type: 'verify_certificate'; readonly chain: readonly Uint8Array[]; readonly serverName: string | undefined; readonly trustAnchors: readonly Uint8Array[] }
  /**
   * Server: the ClientHello's early_data was accepted (RFC 8446 §4.2.10); the 0-RTT read secret was
   * just emitted and `alpn` is the negotiated protocol (the ticket's, RFC 9001 §4.6.1).
   */
  | { readonly type: 'early_data_accepted'; readonly alpn: string }
  /** The handshake finished (RFC 9001 §4.1.1: "the TLS handshake is complete"). */
  | { readonly type: 'handshake_complete'; readonly alpn: string; readonly resumed: boolean; readonly earlyData: 'accepted' | 'rejected' | 'not_offered'; readonly peerCertificates: readonly Uint8Array[] }
  /** Client: a ticket to resume with later. */
  | { readonly type: 'session_ticket'; readonly ticket: SessionTicket }
  /** One SSLKEYLOGFILE line (no newline) for a secret just derived. */
  | { readonly type: 'key_log'; readonly line: string };

/** What both state machines offer the connection. */
export interface TlsSession {
  /** Handshake bytes received in CRYPTO frames at `level`, in stream order. */
  handleCryptoData(wallMs: number, level: Exclude<EncryptionLevel, 'early'>, data: Uint8Array): void;
  /** The result of the asynchronous check asked for by a 'verify_certificate' event. */
  completeCertificateVerification(wallMs: number, result: CertificateVerification): void;
  /** The next event, or undefined when none is queued. */
  pollEvent(): TlsEvent | undefined;
  /** True once 'handshake_complete' has been emitted. */
  readonly isHandshakeComplete: boolean;
}
