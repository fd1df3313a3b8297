/**
 * What a TLS 1.3 server seals into its session tickets, and the codec of that plaintext (sans-IO).
 *
 * Implements:
 * - RFC 8446 §4.6.1: the server remembers, through the ticket, the PSK derived from
 *   resumption_master_secret and ticket_nonce, the cipher suite (its hash must match on
 *   resumption, §4.2.11), ticket_age_add and the lifetime.
 * - RFC 8446 §4.2.10: 0-RTT needs the same ALPN and cipher suite as the issuing connection;
 *   RFC 9001 §4.6.1: max_early_data_size is 0xffffffff when 0-RTT is allowed (another value only
 *   in the test-vector profile, profile.ts).
 * - RFC 8446 §4.6.1 ticket_nonce: a 2-byte per-connection counter (`ticketNonce`).
 * - RFC 9000 §7.4.1: "the server MUST remember the transport parameters it sent" to accept 0-RTT
 *   later, so they are sealed into the ticket too.
 *
 * The codec throws only `CodecError` (the ticket was opened by the AEAD, so a failure means a
 * ticket of another format version: the caller ignores the ticket).
 */
import type { CipherSuiteId } from '../crypto/suites.js';
import { Reader, Writer, concatBytes } from '../util/bytes.js';
import { CodecError } from '../util/errors.js';
import { randomUint32, type RandomSource } from '../util/random.js';
import type { KeySchedule } from './key-schedule.js';
import { serializeHandshakeMessage } from './messages.js';
import { MAX_TICKET_LIFETIME_MS } from './common.js';
import { buildNewSessionTicket } from './server-flight.js';
import type { TicketStore } from './session-types.js';

/** Format version of the sealed contents. */
export const TICKET_CONTENTS_VERSION = 1;

/** The plaintext of a server's session ticket. */
export interface ServerTicketContents {
  /** The resumption PSK (RFC 8446 §4.6.1). */
  readonly psk: Uint8Array;
  /** The cipher suite code point of the issuing connection. */
  readonly suite: number;
  /** The ALPN protocol of the issuing connection. */
  readonly alpn: string;
  /** The server_name of the issuing connection, if any. */
  readonly serverName: string | undefined;
  /** When the ticket was issued, wall clock ms. */
  readonly issuedAtMs: number;
  /** ticket_age_add (RFC 8446 §4.6.1). */
  readonly ageAdd: number;
  /** How long the ticket is valid, ms. */
  readonly lifetimeMs: number;
  /** max_early_data_size advertised with it (0 = no 0-RTT). */
  readonly maxEarlyData: number;
  /** Our encoded transport parameters on the issuing connection (RFC 9000 §7.4.1). */
  readonly transportParameters: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function text(r: Reader, what: string): string {
  try {
    return decoder.decode(r.vec16());
  } catch (e) {
    if (e instanceof CodecError) throw e;
    throw new CodecError(`ticket ${what} is not UTF-8`);
  }
}

/** Encoded size of ticket contents. */
export function sizeOfServerTicketContents(t: ServerTicketContents): number {
  const name = t.serverName === undefined ? 0 : 2 + encoder.encode(t.serverName).length;
  return 1 + 2 + 1 + t.psk.length + 2 + encoder.encode(t.alpn).length + 1 + name + 8 + 4 + 4 + 4 + 2 + t.transportParameters.length;
}

/** Encodes ticket contents. */
export function encodeServerTicketContents(w: Writer, t: ServerTicketContents): void {
  w.u8(TICKET_CONTENTS_VERSION).u16(t.suite).vec8(t.psk).vec16(encoder.encode(t.alpn));
  if (t.serverName === undefined) w.u8(0);
  else w.u8(1).vec16(encoder.encode(t.serverName));
  const ms = Math.max(0, Math.floor(t.issuedAtMs));
  w.u32(Math.floor(ms / 2 ** 32)).u32(ms % 2 ** 32);
  w.u32(t.ageAdd >>> 0).u32(Math.min(t.lifetimeMs, 0xffffffff)).u32(t.maxEarlyData >>> 0).vec16(t.transportParameters);
}

/** Ticket contents in a new buffer (the plaintext given to `TicketStore.seal`). */
export function serializeServerTicketContents(t: ServerTicketContents): Uint8Array {
  const w = Writer.alloc(sizeOfServerTicketContents(t));
  encodeServerTicketContents(w, t);
  return w.written();
}

/**
 * Decodes ticket contents.
 * @throws CodecError on a malformed encoding or another format version.
 */
export function decodeServerTicketContents(r: Reader): ServerTicketContents {
  const version = r.u8();
  if (version !== TICKET_CONTENTS_VERSION) throw new CodecError(`ticket contents version ${version}`);
  const suite = r.u16();
  const psk = r.vec8().slice();
  const alpn = text(r, 'ALPN');
  const hasName = r.u8();
  if (hasName > 1) throw new CodecError(`ticket server-name flag ${hasName}`);
  const serverName = hasName === 1 ? text(r, 'server name') : undefined;
  const hi = r.u32();
  const issuedAtMs = hi * 2 ** 32 + r.u32();
  const ageAdd = r.u32();
  const lifetimeMs = r.u32();
  const maxEarlyData = r.u32();
  const transportParameters = r.vec16().slice();
  r.expectEnd('ticket contents');
  return { psk, suite, alpn, serverName, issuedAtMs, ageAdd, lifetimeMs, maxEarlyData, transportParameters };
}

/** Largest number of NewSessionTickets sent after one handshake. */
export const MAX_TICKETS_PER_CONNECTION = 16;

/** What `issueTickets` needs. */
export interface TicketIssue {
  readonly keySchedule: KeySchedule;
  /** resumption_master_secret (RFC 8446 §7.1). */
  readonly resumptionMasterSecret: Uint8Array;
  readonly store: TicketStore;
  readonly random: RandomSource;
  readonly wallMs: number;
  readonly count: number;
  readonly lifetimeMs: number;
  /** max_early_data_size advertised and sealed (0: no early_data extension; see profile.ts ticketMaxEarlyData). */
  readonly maxEarlyData: number;
  readonly suite: CipherSuiteId;
  readonly alpn: string;
  readonly serverName: string | undefined;
  readonly transportParameters: Uint8Array;
}

/**
 * The ticket_nonce of the `index`-th ticket of a connection: a 2-byte big-endian counter, 0x0000,
 * 0x0001, ... (RFC 8446 §4.6.1 only asks it to be unique per connection; 2 bytes, as in the
 * RFC 8448 §3 trace, so that our NewSessionTicket can be compared with it byte for byte).
 */
export function ticketNonce(index: number): Uint8Array {
  return Uint8Array.of((index >>> 8) & 0xff, index & 0xff);
}

/**
 * `count` NewSessionTicket messages (RFC 8446 §4.6.1), encoded back to back (empty for 0), each
 * sealing its own PSK, derived with its nonce (`ticketNonce`), in the store. Randomness, per
 * ticket: ticket_age_add (4 bytes), then whatever `store.seal` draws.
 */
export function issueTickets(o: TicketIssue): Uint8Array {
  const count = Math.max(0, Math.min(o.count, MAX_TICKETS_PER_CONNECTION));
  const lifetimeMs = Math.min(o.lifetimeMs, MAX_TICKET_LIFETIME_MS);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    // RFC 8446 §4.6.1: "The ticket_nonce ... MUST be unique across all tickets issued on this connection."
    const nonce = ticketNonce(i);
    const ageAdd = randomUint32(o.random);
    const contents = serializeServerTicketContents({
      psk: o.keySchedule.resumptionPsk(o.resumptionMasterSecret, nonce), suite: o.suite, alpn: o.alpn, serverName: o.serverName,
      issuedAtMs: o.wallMs, ageAdd, lifetimeMs, maxEarlyData: o.maxEarlyData, transportParameters: o.transportParameters,
    });
    const ticket = o.store.seal(contents, o.random);
    out.push(serializeHandshakeMessage(buildNewSessionTicket(lifetimeMs, ageAdd, nonce, ticket, o.maxEarlyData)));
  }
  return concatBytes(...out);
}
