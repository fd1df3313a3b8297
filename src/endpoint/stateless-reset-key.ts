/**
 * Stateless reset tokens from a static key (RFC 9000 §10.3.2): token = the first 16 bytes of
 * HMAC-SHA256(static key, connection ID), so an endpoint that has lost a connection's state can
 * recompute the token from the Destination Connection ID of a packet it cannot place, and send a
 * Stateless Reset (RFC 9000 §10.3) that the peer will accept.
 *
 * RFC 9000 §10.3.2: "An endpoint that uses this design MUST either use the same connection ID
 * length for all connections or encode the length of the connection ID such that it can be
 * recovered without state." That is a rule for the endpoint's connection ID generator (which
 * must also use it to find the CID in a short header); the token itself is over the CID bytes.
 */
import { constantTimeEqual } from '../util/bytes.js';
import { randomBytes, type RandomSource } from '../util/random.js';
import type { ConnectionId } from '../wire/connection-id.js';
import type { CryptoProvider } from '../crypto/provider.js';

/** Length of a stateless reset token (RFC 9000 §10.3: "a 16-byte Stateless Reset Token"). */
export const STATELESS_RESET_TOKEN_LENGTH = 16;
/** Length of a freshly drawn static key: the HMAC-SHA256 block-friendly 32 bytes. */
export const STATELESS_RESET_KEY_LENGTH = 32;
/** Shortest key the constructor accepts (RFC 9000 §10.3.2: the token "MUST be difficult to guess"). */
export const MIN_STATELESS_RESET_KEY_LENGTH = 16;

/** A static stateless-reset key and the tokens it derives. */
export class StatelessResetKey {
  private readonly provider: CryptoProvider;
  private readonly key: Uint8Array;

  /**
   * A fresh 32-byte key drawn from the injected RandomSource, or, given bytes, that key (for
   * instances of a cluster that share one static key, RFC 9000 §10.3.2: "A single static key can
   * be used across all connections to the same endpoint").
   * @throws RangeError if given key bytes are shorter than MIN_STATELESS_RESET_KEY_LENGTH.
   */
  constructor(provider: CryptoProvider, source: RandomSource | Uint8Array) {
    this.provider = provider;
    if (source instanceof Uint8Array) {
      if (source.length < MIN_STATELESS_RESET_KEY_LENGTH) throw new RangeError('stateless reset key too short');
      this.key = source.slice();
    } else {
      this.key = randomBytes(source, STATELESS_RESET_KEY_LENGTH);
    }
  }

  /**
   * The stateless reset token for `cid` (RFC 9000 §10.3.2: "The output of this function is
   * truncated to 16 bytes to produce the stateless reset token for that connection").
   * @throws RangeError for a zero-length connection ID (§10.3.2: with this design an endpoint
   *   "cannot provide a zero-length connection ID").
   */
  tokenFor(cid: ConnectionId): Uint8Array {
    if (cid.length === 0) throw new RangeError('no stateless reset token for a zero-length connection ID');
    return this.provider.hmac('sha256', this.key, cid).slice(0, STATELESS_RESET_TOKEN_LENGTH);
  }

  /** True if `token` is the token for `cid`, compared in constant time. False for an empty CID. */
  isTokenFor(cid: ConnectionId, token: Uint8Array): boolean {
    if (cid.length === 0) return false;
    return constantTimeEqual(this.tokenFor(cid), token);
  }
}
