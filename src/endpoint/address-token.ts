/**
 * Address validation tokens: the tokens a server puts in Retry packets (RFC 9000 §8.1.2) and
 * NEW_TOKEN frames (RFC 9000 §8.1.3), sealed so that only this server can read or forge them
 * (RFC 9000 §8.1.4), and their validation when a client returns one in an Initial packet.
 *
 * Format (private to this server, RFC 9000 §8.1.4: "There is no need for a single well-defined
 * format for the token because the server that generates the token also consumes it"):
 *
 *     kind (1 byte, clear: 0x01 Retry, 0x02 NEW_TOKEN)
 *     nonce (12 random bytes)
 *     AES-128-GCM(key, nonce, aad = kind byte, plaintext) (ciphertext, then the 16-byte tag)
 *
 *     plaintext (Retry)     = issued (varint, Instant µs) | address vec8 (IP bytes + 2-byte port)
 *                             | ODCID vec8 | Retry SCID vec8
 *     plaintext (NEW_TOKEN) = issued (varint, wall-clock ms) | address vec8 (IP bytes only)
 *
 * Retry tokens are used at once, so they carry a monotonic `Instant` and live briefly; NEW_TOKEN
 * tokens are used on later connections, so they carry wall-clock milliseconds and live longer.
 * The key is drawn from the injected RandomSource at construction and never leaves this object.
 */
import { Reader, Writer, bytesEqual, concatBytes } from '../util/bytes.js';
import { CodecError } from '../util/errors.js';
import { randomBytes, type RandomSource } from '../util/random.js';
import { seconds, type Duration, type Instant } from '../util/time.js';
import { MAX_CID_LENGTH, decodeConnectionId, encodeConnectionId, type ConnectionId } from '../wire/connection-id.js';
import { AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, type Aead, type CryptoProvider } from '../crypto/provider.js';

/** The two kinds of address validation token (RFC 9000 §8.1.1). */
export const AddressTokenKind = {
  /** Sent in a Retry packet (RFC 9000 §8.1.2). */
  Retry: 'retry',
  /** Sent in a NEW_TOKEN frame (RFC 9000 §8.1.3). */
  NewToken: 'new_token',
} as const;
/** One of `AddressTokenKind`'s values. */
export type AddressTokenKind = (typeof AddressTokenKind)[keyof typeof AddressTokenKind];

/** A client's transport address as the socket layer reports it. */
export interface TokenAddress {
  /** The IP address: its raw bytes (4 or 16) or its text form; compared byte for byte. */
  readonly ip: Uint8Array | string;
  /** The UDP port. */
  readonly port: number;
}

/** The two clocks a validation may need. */
export interface AddressTokenClock {
  /** The driver's monotonic time (for Retry tokens). */
  readonly now: Instant;
  /** Wall-clock milliseconds since the Unix epoch (for NEW_TOKEN tokens). */
  readonly wallMs: number;
}

/** Lifetimes of the two kinds of token. */
export interface AddressTokenConfig {
  /** How long a Retry token stays valid after issue. Default 10 s. */
  readonly retryLifetime?: Duration;
  /** How long a NEW_TOKEN token stays valid after issue, in ms. Default 24 h. */
  readonly newTokenLifetimeMs?: number;
}

/** Why a token was refused. Forged, tampered, truncated and unknown tokens are all 'malformed'. */
export type AddressTokenFailure = 'expired' | 'wrong_address' | 'malformed' | 'wrong_kind';

/** The outcome of `AddressTokens.validate`. */
export type AddressTokenValidation =
  | {
      readonly ok: true;
      readonly kind: typeof AddressTokenKind.Retry;
      /** The client's original Destination Connection ID (original_destination_connection_id, RFC 9000 §7.3). */
      readonly odcid: ConnectionId;
      /** The Source Connection ID of the Retry packet (retry_source_connection_id, RFC 9000 §7.3). */
      readonly retryScid: ConnectionId;
    }
  | { readonly ok: true; readonly kind: typeof AddressTokenKind.NewToken }
  | { readonly ok: false; readonly reason: AddressTokenFailure };

/** Default Retry token lifetime: a Retry token is used "immediately" (RFC 9000 §8.1.3). */
export const DEFAULT_RETRY_TOKEN_LIFETIME: Duration = seconds(10);
/** Default NEW_TOKEN token lifetime (RFC 9000 §8.1.3: "a token SHOULD have an expiration time"). */
export const DEFAULT_NEW_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** Longest IP address accepted, in bytes (an IPv6 text form with a zone index fits). */
export const MAX_TOKEN_IP_LENGTH = 64;

const KIND_RETRY = 0x01;
const KIND_NEW_TOKEN = 0x02;
const HEADER_LENGTH = 1 + AEAD_NONCE_LENGTH;
const MAX_ADDRESS_LENGTH = MAX_TOKEN_IP_LENGTH + 2;
const MAX_PLAINTEXT_LENGTH = 8 + (1 + MAX_ADDRESS_LENGTH) + 2 * (1 + MAX_CID_LENGTH);

/**
 * The longest token this server issues (146 bytes). Validation refuses longer input before any
 * cryptographic work, so a flood of oversized tokens costs nothing.
 */
export const MAX_ADDRESS_TOKEN_LENGTH = HEADER_LENGTH + MAX_PLAINTEXT_LENGTH + AEAD_TAG_LENGTH;
/** The shortest possible token (an empty-address NEW_TOKEN token). */
const MIN_ADDRESS_TOKEN_LENGTH = HEADER_LENGTH + 2 + AEAD_TAG_LENGTH;

const encoder = new TextEncoder();

/** The bytes a token binds for `address` (port only for Retry), or undefined if too long. */
function addressBytes(address: TokenAddress, withPort: boolean): Uint8Array | undefined {
  const ip = typeof address.ip === 'string' ? encoder.encode(address.ip) : address.ip;
  if (ip.length > MAX_TOKEN_IP_LENGTH) return undefined;
  if (!withPort) return ip;
  const out = new Uint8Array(ip.length + 2);
  out.set(ip, 0);
  out[ip.length] = (address.port >>> 8) & 0xff;
  out[ip.length + 1] = address.port & 0xff;
  return out;
}

/**
 * Issues and validates this server's address validation tokens.
 *
 * RFC 9000 §8.1.4: "An address validation token MUST be difficult to guess" and "the token MUST
 * be covered by integrity protection against modification or falsification by clients": tokens
 * are sealed with AES-128-GCM under a 128-bit key from the injected RandomSource, each with a
 * fresh random nonce. (Random 96-bit nonces keep GCM safe for well over 2^32 tokens per key
 * only probabilistically; rotate the object, and so the key, long before that.)
 */
export class AddressTokens {
  private readonly aead: Aead;
  private readonly random: RandomSource;
  private readonly retryLifetime: Duration;
  private readonly newTokenLifetimeMs: number;

  /** Draws a fresh AES-128-GCM key from `random`; `random` also supplies every token's nonce. */
  constructor(provider: CryptoProvider, random: RandomSource, config: AddressTokenConfig = {}) {
    this.random = random;
    this.aead = provider.createAead('aes-128-gcm', randomBytes(random, 16));
    this.retryLifetime = config.retryLifetime ?? DEFAULT_RETRY_TOKEN_LIFETIME;
    this.newTokenLifetimeMs = config.newTokenLifetimeMs ?? DEFAULT_NEW_TOKEN_LIFETIME_MS;
  }

  /**
   * A token for a Retry packet to `address`, remembering the client's original Destination
   * Connection ID and the Retry's Source Connection ID for the transport parameters (RFC 9000
   * §7.3). RFC 9000 §8.1.4: "Tokens sent in Retry packets SHOULD include information that allows
   * the server to verify that the source IP address and port in client packets remain constant."
   * @throws RangeError if the IP is longer than MAX_TOKEN_IP_LENGTH or a CID longer than 20 bytes.
   */
  issueRetryToken(address: TokenAddress, odcid: ConnectionId, retryScid: ConnectionId, now: Instant): Uint8Array {
    const addr = addressBytes(address, true);
    if (addr === undefined) throw new RangeError('address too long for a token');
    if (odcid.length > MAX_CID_LENGTH || retryScid.length > MAX_CID_LENGTH) throw new RangeError('connection ID too long');
    const w = Writer.alloc(MAX_PLAINTEXT_LENGTH);
    w.varint(now).vec8(addr);
    encodeConnectionId(w, odcid);
    encodeConnectionId(w, retryScid);
    return this.seal(KIND_RETRY, w.written());
  }

  /**
   * A token for a NEW_TOKEN frame to `address` (RFC 9000 §8.1.3). RFC 9000 §8.1.4: "Tokens sent
   * in NEW_TOKEN frames MUST include information that allows the server to verify that the client
   * IP address has not changed"; the port is left out because "It is unlikely that the client
   * port number is the same on two different connections" (§8.1.3). The random nonce makes every
   * token unique (§8.1.3: "A server MUST ensure that every NEW_TOKEN frame it sends is unique
   * across all clients"), and encryption keeps the address unlinkable by observers.
   * @throws RangeError if the IP is longer than MAX_TOKEN_IP_LENGTH.
   */
  issueNewToken(address: TokenAddress, wallMs: number): Uint8Array {
    const addr = addressBytes(address, false);
    if (addr === undefined) throw new RangeError('address too long for a token');
    const w = Writer.alloc(MAX_PLAINTEXT_LENGTH);
    w.varint(Math.max(0, Math.floor(wallMs))).vec8(addr);
    return this.seal(KIND_NEW_TOKEN, w.written());
  }

  /**
   * Checks a token from a client Initial sent from `address` (RFC 9000 §8.1.3: "When a server
   * receives an Initial packet with an address validation token, it MUST attempt to validate the
   * token"). Never throws on any input bytes. With `expect`, a token of the other kind is
   * 'wrong_kind'. A token is valid from its issue time up to and including issue + lifetime; a
   * token issued "in the future" (a clock that stepped back) is 'expired'.
   */
  validate(token: Uint8Array, address: TokenAddress, clock: AddressTokenClock, expect?: AddressTokenKind): AddressTokenValidation {
    if (token.length < MIN_ADDRESS_TOKEN_LENGTH || token.length > MAX_ADDRESS_TOKEN_LENGTH) return fail('malformed');
    const kindByte = token[0]!;
    if (kindByte !== KIND_RETRY && kindByte !== KIND_NEW_TOKEN) return fail('malformed');
    const nonce = token.subarray(1, HEADER_LENGTH);
    const sealed = token.subarray(HEADER_LENGTH);
    const plaintext = new Uint8Array(sealed.length - AEAD_TAG_LENGTH);
    // RFC 9000 §8.1.4: integrity protection "against modification or falsification by clients".
    if (!this.aead.open(nonce, token.subarray(0, 1), sealed, plaintext)) return fail('malformed');
    const kind = kindByte === KIND_RETRY ? AddressTokenKind.Retry : AddressTokenKind.NewToken;
    try {
      const r = new Reader(plaintext);
      const issued = r.varint();
      const boundAddress = r.vec8();
      if (kind === AddressTokenKind.Retry) {
        const odcid = decodeConnectionId(r);
        const retryScid = decodeConnectionId(r);
        r.expectEnd('retry token');
        if (expect !== undefined && expect !== kind) return fail('wrong_kind');
        const expected = addressBytes(address, true);
        if (expected === undefined || !bytesEqual(expected, boundAddress)) return fail('wrong_address');
        const age = clock.now - issued;
        if (age < 0 || age > this.retryLifetime) return fail('expired');
        // Copies: the result outlives the caller's token buffer.
        return { ok: true, kind, odcid: odcid.slice(), retryScid: retryScid.slice() };
      }
      r.expectEnd('NEW_TOKEN token');
      if (expect !== undefined && expect !== kind) return fail('wrong_kind');
      const expected = addressBytes(address, false);
      if (expected === undefined || !bytesEqual(expected, boundAddress)) return fail('wrong_address');
      const age = clock.wallMs - issued;
      if (!(age >= 0 && age <= this.newTokenLifetimeMs)) return fail('expired');
      return { ok: true, kind };
    } catch (e) {
      // Only our own sealed plaintext reaches here, but never let a decode failure escape.
      if (e instanceof CodecError) return fail('malformed');
      throw e;
    }
  }

  private seal(kind: number, plaintext: Uint8Array): Uint8Array {
    const header = concatBytes(new Uint8Array([kind]), randomBytes(this.random, AEAD_NONCE_LENGTH));
    const out = new Uint8Array(HEADER_LENGTH + plaintext.length + AEAD_TAG_LENGTH);
    out.set(header, 0);
    this.aead.seal(header.subarray(1), header.subarray(0, 1), plaintext, out.subarray(HEADER_LENGTH));
    return out;
  }
}

/**
 * The kind a token claims in its clear first byte, without checking it (undefined for an unknown
 * byte): lets a server treat an invalid NEW_TOKEN token as no token (RFC 9000 §8.1.3) but drop an
 * invalid Retry token (RFC 9000 §8.1.2).
 */
export function claimedTokenKind(token: Uint8Array): AddressTokenKind | undefined {
  if (token[0] === KIND_RETRY) return AddressTokenKind.Retry;
  if (token[0] === KIND_NEW_TOKEN) return AddressTokenKind.NewToken;
  return undefined;
}

function fail(reason: AddressTokenFailure): AddressTokenValidation {
  return { ok: false, reason };
}
