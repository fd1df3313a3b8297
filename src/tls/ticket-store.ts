/**
 * An in-memory `TicketStore` for the TLS 1.3 server (sans-IO): seals session tickets with an AEAD
 * and remembers which tickets were used.
 *
 * Implements:
 * - RFC 8446 §4.6.1: the ticket is "a value of opaque identifying the session"; the server may
 *   make it self-encrypted ("the ticket may be ... a self-encrypted and self-authenticated value").
 *   Tickets here are `key_id (4) || nonce (12) || AES-128-GCM(contents) || tag (16)`, with the
 *   key id as additional data, so a ticket sealed by another key (another server instance, or an
 *   older key) is simply not ours.
 * - RFC 8446 §8.1 (single-use tickets) for anti-replay, with the limits of an in-memory set:
 *
 * Anti-replay stance. Each ticket is accepted once (`markUsed` returns false the second time),
 * so a replayed 0-RTT ClientHello presented to the SAME server instance is refused (its PSK falls
 * back to a full handshake, and 0-RTT is rejected). Across server instances (several processes,
 * a cluster behind a load balancer, a restart) the used-ticket set is not shared, and a ClientHello
 * replayed at another instance that holds the same sealing key would be accepted: RFC 8446 §8
 * ("0-RTT and Anti-Replay") says this protection "only works within a single server instance".
 * Here each store draws its own random key, so tickets of one instance never open at another at
 * all (resumption across instances needs a shared store). The used set is bounded
 * (`maxUsedEntries`): entries older than the ticket lifetime are dropped first (such a ticket is
 * refused anyway as expired), then the oldest; an evicted ticket still within its lifetime could
 * be replayed, which a large enough bound makes unlikely (documented trade-off, RFC 8446 §8.2's
 * "bounded" ClientHello recording).
 */
import type { Aead, CryptoProvider } from '../crypto/provider.js';
import { AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH } from '../crypto/provider.js';
import { bytesEqual, toHex } from '../util/bytes.js';
import { randomBytes, type RandomSource } from '../util/random.js';
import type { TicketStore } from './session-types.js';

/** Length of the key id that prefixes every ticket. */
export const TICKET_KEY_ID_LENGTH = 4;

/** Bytes a sealed ticket adds to its contents: key id, nonce and AEAD tag. */
export const TICKET_OVERHEAD = TICKET_KEY_ID_LENGTH + AEAD_NONCE_LENGTH + AEAD_TAG_LENGTH;

/** Default bound on the used-ticket set. */
export const DEFAULT_MAX_USED_TICKETS = 65536;

/** Default lifetime after which a used-ticket entry may be forgotten (7 days, RFC 8446 §4.6.1's maximum). */
export const DEFAULT_TICKET_STORE_LIFETIME_MS = 7 * 24 * 3600 * 1000;

/** Options of `MemoryTicketStore`. */
export interface MemoryTicketStoreOptions {
  /** Largest number of used tickets remembered (default 65536). */
  readonly maxUsedEntries?: number;
  /** How long a ticket may be valid, ms: older used entries are forgotten first (default 7 days). */
  readonly ticketLifetimeMs?: number;
}

/**
 * A `TicketStore` held in memory by one server instance: an AES-128-GCM key drawn from the
 * injected `RandomSource` at construction, and a bounded set of used tickets.
 */
export class MemoryTicketStore implements TicketStore {
  /** The key id that prefixes this store's tickets. */
  readonly keyId: Uint8Array;
  /** The bound on the used-ticket set. */
  readonly maxUsedEntries: number;
  /** The ticket lifetime used to expire used-ticket entries, ms. */
  readonly ticketLifetimeMs: number;
  readonly #aead: Aead;
  /** Ticket nonce (hex) -> wall time of first use; Map order is insertion order (oldest first). */
  readonly #used = new Map<string, number>();

  /**
   * @param provider the crypto provider (AES-128-GCM).
   * @param random the source of the sealing key and key id.
   * @param options bounds of the used-ticket set.
   */
  constructor(provider: CryptoProvider, random: RandomSource, options: MemoryTicketStoreOptions = {}) {
    this.keyId = randomBytes(random, TICKET_KEY_ID_LENGTH);
    this.#aead = provider.createAead('aes-128-gcm', randomBytes(random, 16));
    this.maxUsedEntries = Math.max(1, options.maxUsedEntries ?? DEFAULT_MAX_USED_TICKETS);
    this.ticketLifetimeMs = options.ticketLifetimeMs ?? DEFAULT_TICKET_STORE_LIFETIME_MS;
  }

  /** How many used tickets are remembered. */
  get usedCount(): number {
    return this.#used.size;
  }

  /** Seals `plaintext` with a fresh random nonce: key_id || nonce || ciphertext || tag. */
  seal(plaintext: Uint8Array, random: RandomSource): Uint8Array {
    const out = new Uint8Array(TICKET_OVERHEAD + plaintext.length);
    out.set(this.keyId, 0);
    const nonce = random.fill(out.subarray(TICKET_KEY_ID_LENGTH, TICKET_KEY_ID_LENGTH + AEAD_NONCE_LENGTH));
    this.#aead.seal(nonce, this.keyId, plaintext, out.subarray(TICKET_KEY_ID_LENGTH + AEAD_NONCE_LENGTH));
    return out;
  }

  /** Opens a ticket of this store; undefined if it is too short, of another key, or tampered with. */
  open(ticket: Uint8Array): Uint8Array | undefined {
    if (ticket.length < TICKET_OVERHEAD) return undefined;
    if (!bytesEqual(ticket.subarray(0, TICKET_KEY_ID_LENGTH), this.keyId)) return undefined;
    const nonce = ticket.subarray(TICKET_KEY_ID_LENGTH, TICKET_KEY_ID_LENGTH + AEAD_NONCE_LENGTH);
    const ciphertext = ticket.subarray(TICKET_KEY_ID_LENGTH + AEAD_NONCE_LENGTH);
    const out = new Uint8Array(ciphertext.length - AEAD_TAG_LENGTH);
    return this.#aead.open(nonce, this.keyId, ciphertext, out) ? out : undefined;
  }

  /**
   * Records the use of `ticket` at `wallMs`. RFC 8446 §8.1: "the server only allows each session
   * ticket to be used once"; returns false if it was used before (the caller must refuse it).
   */
  markUsed(ticket: Uint8Array, wallMs: number): boolean {
    // The nonce is unique per sealed ticket; tickets too short to be ours are keyed whole.
    const id = toHex(ticket.length >= TICKET_OVERHEAD ? ticket.subarray(0, TICKET_KEY_ID_LENGTH + AEAD_NONCE_LENGTH) : ticket);
    if (this.#used.has(id)) return false;
    this.#evict(wallMs);
    this.#used.set(id, wallMs);
    return true;
  }

  /** Drops expired entries, then the oldest ones, until there is room for one more. */
  #evict(wallMs: number): void {
    for (const [id, usedAt] of this.#used) {
      if (wallMs - usedAt <= this.ticketLifetimeMs) break;
      this.#used.delete(id);
    }
    while (this.#used.size >= this.maxUsedEntries) {
      const oldest = this.#used.keys().next();
      if (oldest.done === true) break;
      this.#used.delete(oldest.value);
    }
  }
}
