/**
 * Builds the TLS 1.3 ClientHello of a QUIC client (sans-IO).
 *
 * Implements:
 * - RFC 8446 §4.1.2 ClientHello (legacy fields, cipher suites, extensions), and after a
 *   HelloRetryRequest the second ClientHello (§4.1.2: "the client MUST send the same ClientHello
 *   without modification, except as follows": new key_share, cookie, early_data removed, PSK
 *   binders recomputed).
 * - RFC 8446 §4.2.11 pre_shared_key (one resumption identity, obfuscated_ticket_age) and
 *   §4.2.11.2 binders over Truncate(ClientHello); §4.2.9 psk_key_exchange_modes [psk_dhe_ke];
 *   §4.2.10 early_data.
 * - RFC 9001 §8.1 (ALPN), §8.2 (quic_transport_parameters), §8.4 (empty legacy_session_id); in
 *   the 'rfc8448-test-vectors' profile (profile.ts) ALPN only when configured, no transport
 *   parameters, and the extension block reshaped by the test hook before the binder is computed.
 */
import type { CryptoProvider, NamedGroup, SignatureScheme } from '../crypto/provider.js';
import { cipherSuiteById, type CipherSuiteId } from '../crypto/suites.js';
import { Writer } from '../util/bytes.js';
import { parseIpAddress } from './certificates/names.js';
import { LEGACY_VERSION, PskKeyExchangeMode, TLS13_VERSION, namedGroupCode, signatureSchemeCode } from './extension-codes.js';
import type { ClientHelloExtension, KeyShareEntry } from './extension-types.js';
import type { ClientHello } from './hello-messages.js';
import { KeySchedule } from './key-schedule.js';
import { encodeHandshakeMessage, sizeOfHandshakeMessage } from './messages.js';
import { isQuicProfile, shapedExtensions } from './profile.js';
import type { SessionTicket, TlsClientConfig, TlsCommonConfig } from './session-types.js';
import { QUIC_EARLY_DATA } from './common.js';
import { Transcript, truncateClientHello } from './transcript.js';

/** The PSK part of a ClientHello: the ticket offered and its derived early key schedule. */
export interface OfferedPsk {
  readonly ticket: SessionTicket;
  /** The early key schedule (Early Secret from the ticket's PSK), for early and later secrets. */
  readonly schedule: KeySchedule;
}

/** Everything a ClientHello is built from. */
export interface ClientHelloParameters {
  readonly provider: CryptoProvider;
  /** ClientHello.random, 32 bytes (kept across a HelloRetryRequest). */
  readonly random: Uint8Array;
  readonly cipherSuites: readonly CipherSuiteId[];
  /** All groups we support (supported_groups). */
  readonly groups: readonly NamedGroup[];
  /** The single share we send. */
  readonly keyShare: KeyShareEntry;
  readonly signatureSchemes: readonly SignatureScheme[];
  readonly serverName: string | undefined;
  readonly alpnProtocols: readonly string[];
  readonly transportParameters: Uint8Array;
  /** A ticket to offer, with the wall clock for its age. */
  readonly psk?: { readonly ticket: SessionTicket; readonly wallMs: number };
  /** Offer 0-RTT (only with `psk`). */
  readonly earlyData: boolean;
  /** The cookie of a HelloRetryRequest, echoed (RFC 8446 §4.2.2). */
  readonly cookie?: Uint8Array;
  /**
   * For a ClientHello2: the transcript of ClientHello1 and the HelloRetryRequest with the
   * message_hash substitution, in the PSK's hash (RFC 8446 §4.2.11.2).
   */
  readonly pskPrefix?: Transcript;
  /** The rule profile and the test-vector extension hook (profile.ts); default: QUIC, no hook. */
  readonly profile?: Pick<TlsCommonConfig, 'profile' | 'shapeExtensions'>;
}

/** A built ClientHello. */
export interface BuiltClientHello {
  /** The whole handshake message (header included). */
  readonly message: Uint8Array;
  /** The PSK offered, if any. */
  readonly psk: OfferedPsk | undefined;
  /** Codes of the uninterpreted extensions sent (only a test-vector hook adds any, profile.ts). */
  readonly opaqueCodes: readonly number[];
}

const ENCODER = new TextEncoder();

/** The ticket age to send (RFC 8446 §4.2.11: "adding the value of ticket_age_add ... modulo 2^32"). */
export function obfuscatedTicketAge(ticket: SessionTicket, wallMs: number): number {
  const age = Math.max(0, Math.floor(wallMs - ticket.receivedAtMs));
  return (age + ticket.ageAdd) % 2 ** 32;
}

/** Whether `ticket` may be offered now (same hash suite offered, not expired, same server name). */
export function isTicketUsable(ticket: SessionTicket, p: { cipherSuites: readonly CipherSuiteId[]; serverName: string | undefined; wallMs: number }): boolean {
  if (!p.cipherSuites.includes(ticket.suite)) return false;
  // RFC 8446 §4.6.1: "Clients MUST NOT cache tickets for longer than 7 days"; and not past the lifetime.
  if (p.wallMs - ticket.receivedAtMs > ticket.lifetimeMs || p.wallMs < ticket.receivedAtMs) return false;
  // RFC 8446 §4.6.1: clients "SHOULD only resume if the SNI value matches the one used in the original session".
  return ticket.serverName === p.serverName;
}

/**
 * Whether to offer 0-RTT with a usable `ticket`: RFC 9001 §4.6.1 only when its max_early_data_size
 * is 0xffffffff (in the test-vector profile, any non-zero size: RFC 8446 §4.2.10); RFC 8446
 * §4.2.10: with the ALPN of the original connection ('' = none, test-vector profile only).
 */
export function mayOfferEarlyData(ticket: SessionTicket, c: Pick<TlsClientConfig, 'enableEarlyData' | 'alpnProtocols' | 'profile'>): boolean {
  if (c.enableEarlyData !== true) return false;
  if (isQuicProfile(c)) return ticket.maxEarlyData === QUIC_EARLY_DATA && c.alpnProtocols.includes(ticket.alpn);
  return ticket.maxEarlyData > 0 && (ticket.alpn === '' ? c.alpnProtocols.length === 0 : c.alpnProtocols.includes(ticket.alpn));
}

/**
 * Builds the ClientHello message; with a PSK, computes the binder over the truncated message
 * (RFC 8446 §4.2.11.2) and returns the early key schedule.
 */
export function buildClientHello(p: ClientHelloParameters): BuiltClientHello {
  let extensions: ClientHelloExtension[] = [];
  const quic = isQuicProfile(p.profile ?? {});
  // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in "HostName"."
  if (p.serverName !== undefined && parseIpAddress(p.serverName) === undefined) {
    extensions.push({ type: 'server_name', serverNames: [{ nameType: 0, name: p.serverName }] });
  }
  extensions.push(
    { type: 'supported_versions', versions: [TLS13_VERSION] },
    { type: 'supported_groups', groups: p.groups.map(namedGroupCode) },
    { type: 'signature_algorithms', schemes: p.signatureSchemes.map(signatureSchemeCode) },
    { type: 'key_share', shares: [p.keyShare] },
  );
  // RFC 9001 §8.1: "Unless another mechanism is used for agreeing on an application protocol,
  // endpoints MUST use ALPN for this purpose."
  if (quic || p.alpnProtocols.length > 0) extensions.push({ type: 'application_layer_protocol_negotiation', protocols: p.alpnProtocols.map((a) => ENCODER.encode(a)) });
  // RFC 9001 §8.2: "endpoints MUST send the quic_transport_parameters extension".
  if (quic) extensions.push({ type: 'quic_transport_parameters', data: p.transportParameters });
  if (p.cookie !== undefined) extensions.push({ type: 'cookie', cookie: p.cookie });
  const suite = p.psk === undefined ? undefined : cipherSuiteById(p.psk.ticket.suite);
  const offerPsk = p.psk !== undefined && suite !== undefined;
  // RFC 8446 §4.2.9: "A client MUST provide a "psk_key_exchange_modes" extension if it offers a
  // "pre_shared_key" extension." We only offer psk_dhe_ke (forward secrecy). In the QUIC profile it
  // is sent in every ClientHello: "This extension also restricts the modes for use with PSK
  // resumption. Servers SHOULD NOT send NewSessionTicket with tickets that are not compatible with
  // the advertised modes" — Go's crypto/tls (quic-go) derives the resumption secret only when the
  // client listed psk_dhe_ke, and otherwise issues tickets it cannot resume (empty secret).
  if (offerPsk || quic) extensions.push({ type: 'psk_key_exchange_modes', modes: [PskKeyExchangeMode.psk_dhe_ke] });
  if (p.psk !== undefined && suite !== undefined) {
    if (p.earlyData) extensions.push({ type: 'early_data' });
    // RFC 8446 §4.2.11: "The "pre_shared_key" extension MUST be the last extension in the ClientHello".
    extensions.push({
      type: 'pre_shared_key',
      identities: [{ identity: p.psk.ticket.ticket, obfuscatedTicketAge: obfuscatedTicketAge(p.psk.ticket, p.psk.wallMs) }],
      binders: [new Uint8Array(suite.hashLength)],
    });
  }
  extensions = shapedExtensions(p.profile ?? {}, 'client_hello', extensions);
  const hello: ClientHello = {
    msgType: 'client_hello',
    legacyVersion: LEGACY_VERSION,
    random: p.random,
    // RFC 9001 §8.4: "A client MUST NOT use [the TLS 1.3 middlebox compatibility mode]": empty session ID.
    legacySessionId: new Uint8Array(0),
    cipherSuites: p.cipherSuites,
    legacyCompressionMethods: Uint8Array.of(0),
    extensions,
  };
  const w = Writer.alloc(sizeOfHandshakeMessage(hello));
  encodeHandshakeMessage(w, hello);
  const message = w.written();
  const opaqueCodes = extensions.flatMap((e) => (e.type === 'opaque' ? [e.code] : []));
  if (p.psk === undefined || suite === undefined) return { message, psk: undefined, opaqueCodes };

  // RFC 8446 §4.2.11.2: the binder is "computed in the same way as the Finished message but with
  // the BaseKey being the binder_key", over Transcript-Hash(Truncate(ClientHello1)) or, after an
  // HRR, Transcript-Hash(ClientHello1, HelloRetryRequest, Truncate(ClientHello2)).
  const schedule = new KeySchedule(p.provider, suite.hash);
  schedule.early(p.psk.ticket.psk);
  const bindersSize = 2 + 1 + suite.hashLength;
  const truncated = truncateClientHello(message, bindersSize);
  const prefix = p.pskPrefix ?? new Transcript(p.provider, suite.hash);
  const binder = schedule.finishedVerifyData(schedule.binderKey('resumption'), prefix.hashWith(truncated));
  message.set(binder, message.length - suite.hashLength);
  return { message, psk: { ticket: p.psk.ticket, schedule }, opaqueCodes };
}
