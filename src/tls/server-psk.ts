/**
 * The TLS 1.3 server's PSK (session resumption) selection and binder check (sans-IO).
 *
 * Implements:
 * - RFC 8446 §4.2.9 psk_key_exchange_modes: we only do psk_dhe_ke (a PSK with (EC)DHE).
 * - RFC 8446 §4.2.11 pre_shared_key: the first identity we can open, of the negotiated suite's
 *   hash, within its lifetime, whose binder (§4.2.11.2) must then verify.
 * - RFC 8446 §4.2.11.1 ticket age (freshness, for 0-RTT only) and §8.1 single-use tickets.
 * - RFC 9001 §4.5: resumption works in QUIC as in TLS.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { cipherSuiteById, type CipherSuiteInfo } from '../crypto/suites.js';
import { constantTimeEqual, Reader } from '../util/bytes.js';
import { CodecError } from '../util/errors.js';
import { TlsAlert } from './alerts.js';
import { PskKeyExchangeMode } from './extension-codes.js';
import { getExtension } from './extensions.js';
import type { ClientHello } from './hello-messages.js';
import { KeySchedule } from './key-schedule.js';
import { decodeServerTicketContents, type ServerTicketContents } from './server-ticket.js';
import type { TicketStore } from './session-types.js';
import { truncateClientHello, type Transcript } from './transcript.js';

/** How far the client's idea of the ticket age may be from ours for 0-RTT (RFC 8446 §8.3), ms. */
export const TICKET_AGE_TOLERANCE_MS = 10_000;

/** A PSK the server accepted. */
export interface AcceptedPsk {
  /** Index of the identity in the client's list (ServerHello selected_identity). */
  readonly index: number;
  /** The opened ticket. */
  readonly contents: ServerTicketContents;
  /** The key schedule, with the Early Secret of this PSK computed. */
  readonly keySchedule: KeySchedule;
  /** Whether the client's obfuscated ticket age matches ours (RFC 8446 §8.3), for 0-RTT. */
  readonly fresh: boolean;
}

/** What the PSK selection needs. */
export interface PskSelectionInput {
  readonly clientHello: ClientHello;
  /** The ClientHello as received, header included. */
  readonly rawClientHello: Uint8Array;
  /** The transcript before this ClientHello (empty, or message_hash + HelloRetryRequest). */
  readonly transcript: Transcript;
  readonly suite: CipherSuiteInfo;
  readonly store: TicketStore;
  readonly provider: CryptoProvider;
  readonly wallMs: number;
  readonly serverName: string | undefined;
}

function openTicket(store: TicketStore, identity: Uint8Array): ServerTicketContents | undefined {
  const plain = store.open(identity);
  if (plain === undefined) return undefined;
  try {
    return decodeServerTicketContents(new Reader(plain));
  } catch (e) {
    if (e instanceof CodecError) return undefined;
    throw e;
  }
}

/**
 * Chooses and verifies a PSK from the ClientHello, or returns undefined for a full handshake.
 * @throws TlsAlert missing_extension (pre_shared_key without psk_key_exchange_modes),
 *   illegal_parameter (identities and binders differ in number), decrypt_error (bad binder).
 */
export function selectPsk(input: PskSelectionInput): AcceptedPsk | undefined {
  const { clientHello: ch, suite, wallMs } = input;
  const offered = getExtension(ch.extensions, 'pre_shared_key');
  if (offered === undefined) return undefined;
  const modes = getExtension(ch.extensions, 'psk_key_exchange_modes');
  // RFC 8446 §4.2.9: "If clients offer "pre_shared_key" without a "psk_key_exchange_modes"
  // extension, servers MUST abort the handshake."
  if (modes === undefined) throw new TlsAlert('missing_extension', 'pre_shared_key without psk_key_exchange_modes');
  if (offered.identities.length !== offered.binders.length) {
    throw new TlsAlert('illegal_parameter', `${offered.identities.length} PSK identities but ${offered.binders.length} binders`);
  }
  // RFC 8446 §4.2.9: "Servers MUST NOT select a key exchange mode that is not listed by the client."
  // We only do psk_dhe_ke, so without it the PSK is ignored.
  if (!modes.modes.includes(PskKeyExchangeMode.psk_dhe_ke)) return undefined;
  for (let index = 0; index < offered.identities.length; index++) {
    const identity = offered.identities[index]!;
    const contents = openTicket(input.store, identity.identity);
    if (contents === undefined) continue;
    const ticketSuite = cipherSuiteById(contents.suite);
    // RFC 8446 §4.2.11: "the server MUST ensure that it selects a compatible PSK (if any) and
    // cipher suite" -- the PSK's hash must be the negotiated suite's.
    if (ticketSuite === undefined || ticketSuite.hash !== suite.hash) continue;
    const age = wallMs - contents.issuedAtMs;
    // RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds"; a ticket
    // older than its lifetime is not used.
    if (age < -TICKET_AGE_TOLERANCE_MS || age > contents.lifetimeMs) continue;
    // RFC 8446 §4.2.11 and rustls' practice: resume only with the same server_name.
    if (contents.serverName !== input.serverName) continue;
    const keySchedule = new KeySchedule(input.provider, suite.hash);
    keySchedule.early(contents.psk);
    const binderKey = keySchedule.binderKey('resumption');
    const bindersSize = 2 + offered.binders.reduce((n, b) => n + 1 + b.length, 0);
    const partial = truncateClientHello(input.rawClientHello, bindersSize);
    const expected = keySchedule.finishedVerifyData(binderKey, input.transcript.hashWith(partial));
    // RFC 8446 §4.2.11: "Prior to accepting PSK key establishment, the server MUST validate the
    // corresponding binder value ... If this value is not present or does not validate, the
    // server MUST abort the handshake." (§6.2: decrypt_error for a failed cryptographic check.)
    if (!constantTimeEqual(expected, offered.binders[index]!)) {
      throw new TlsAlert('decrypt_error', `PSK binder ${index} does not verify`);
    }
    // RFC 8446 §8.1: "the server only allows each session ticket to be used once"; a used ticket
    // falls back to a full handshake.
    if (!input.store.markUsed(identity.identity, wallMs)) return undefined;
    // RFC 8446 §4.2.11.1: the client's ticket age is obfuscated_ticket_age - ticket_age_add mod 2^32.
    const clientAge = (identity.obfuscatedTicketAge - contents.ageAdd) >>> 0;
    const fresh = Math.abs(clientAge - age) <= TICKET_AGE_TOLERANCE_MS;
    return { index, contents, keySchedule, fresh };
  }
  return undefined;
}
