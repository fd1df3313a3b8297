/**
 * The packets an endpoint sends without connection state (RFC 9000 §5.2.2, §6.1, §8.1.2,
 * §10.3): Version Negotiation (§17.2.1), Retry (§17.2.5, integrity tag RFC 9001 §5.8) and
 * Stateless Reset (§10.3), plus the rate limiter of the latter (§10.3.3).
 */
import { computeRetryIntegrityTag } from '../crypto/retry-integrity.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { Writer } from '../util/bytes.js';
import type { RandomSource } from '../util/random.js';
import { addDuration, seconds, type Instant } from '../util/time.js';
import type { ConnectionId } from '../wire/connection-id.js';
import { PacketType } from '../wire/packet-type.js';
import { RETRY_INTEGRITY_TAG_LENGTH, encodeRetryPacket, sizeOfRetryPacket, type RetryPacketWithoutTag } from '../wire/retry-packet.js';
import { buildStatelessReset, chooseStatelessResetLength } from '../wire/stateless-reset.js';
import { encodeVersionNegotiation, sizeOfVersionNegotiation, versionNegotiationFor } from '../wire/version-negotiation.js';
import { SUPPORTED_VERSIONS, type QuicVersion } from '../wire/version.js';

/**
 * A reserved version of the 0x?a?a?a?a pattern, drawn at random (RFC 9000 §6.3: "Endpoints MAY
 * add reserved versions to any field where unknown or unsupported versions are ignored").
 */
export function greaseVersion(random: RandomSource): number {
  const b = random.fill(new Uint8Array(4));
  return (((b[0]! & 0xf0) << 24) | ((b[1]! & 0xf0) << 16) | ((b[2]! & 0xf0) << 8) | (b[3]! & 0xf0) | 0x0a0a0a0a) >>> 0;
}

/**
 * A Version Negotiation packet answering a long-header packet of an unsupported version (RFC 9000
 * §6.1: the server "responds with a Version Negotiation packet ... This includes a list of
 * versions that the server will accept"): QUIC v1, v2 and one greasing version.
 */
export function buildVersionNegotiation(random: RandomSource, receivedDcid: ConnectionId, receivedScid: ConnectionId): Uint8Array {
  const vn = versionNegotiationFor(random, receivedDcid, receivedScid, [...SUPPORTED_VERSIONS, greaseVersion(random)]);
  const w = new Writer(new Uint8Array(sizeOfVersionNegotiation(vn)));
  encodeVersionNegotiation(w, vn);
  return w.written();
}

/**
 * A Retry packet (RFC 9000 §17.2.5) to the client Initial whose Source Connection ID was
 * `clientScid` and Destination Connection ID `odcid`, with our new Source Connection ID
 * `retryScid` and `token`; its Retry Integrity Tag (RFC 9001 §5.8) covers the Retry
 * Pseudo-Packet built from `odcid`.
 */
export function buildRetry(
  provider: CryptoProvider,
  random: RandomSource,
  version: QuicVersion,
  odcid: ConnectionId,
  clientScid: ConnectionId,
  retryScid: ConnectionId,
  token: Uint8Array,
): Uint8Array {
  const unusedBits = random.fill(new Uint8Array(1))[0]! & 0x0f;
  const header: RetryPacketWithoutTag = { type: PacketType.Retry, version, dcid: clientScid, scid: retryScid, unusedBits, token };
  const packet = { ...header, integrityTag: new Uint8Array(RETRY_INTEGRITY_TAG_LENGTH) };
  const w = new Writer(new Uint8Array(sizeOfRetryPacket(packet)));
  encodeRetryPacket(w, packet);
  const bytes = w.written();
  const bodyEnd = bytes.length - RETRY_INTEGRITY_TAG_LENGTH;
  bytes.set(computeRetryIntegrityTag(provider, version, odcid, bytes.subarray(0, bodyEnd)), bodyEnd);
  return bytes;
}

/**
 * A Stateless Reset answering a `triggerLength`-byte datagram, or undefined when the trigger is
 * too small (RFC 9000 §10.3.3: "An endpoint MUST ensure that every Stateless Reset that it sends
 * is smaller than the packet that triggered it"; see chooseStatelessResetLength).
 */
export function buildStatelessResetFor(random: RandomSource, token: Uint8Array, triggerLength: number, maxLength: number): Uint8Array | undefined {
  const length = chooseStatelessResetLength(random, triggerLength, maxLength);
  if (length === undefined) return undefined;
  return buildStatelessReset(random, token, length);
}

/**
 * A fixed-window counter: at most `max` sends per second (RFC 9000 §10.3.3: "An endpoint can
 * remember the number of Stateless Resets that it has sent and stop generating new Stateless
 * Resets once a limit is reached").
 */
export class RateLimiter {
  private readonly max: number;
  private windowEnd: Instant | undefined;
  private count = 0;

  /** @param max sends allowed per one-second window (0 disables sending). */
  constructor(max: number) {
    this.max = max;
  }

  /** True (and counted) if one more send fits in the current window. */
  tryAcquire(now: Instant): boolean {
    if (this.windowEnd === undefined || now >= this.windowEnd) {
      this.windowEnd = addDuration(now, seconds(1));
      this.count = 0;
    }
    if (this.count >= this.max) return false;
    this.count++;
    return true;
  }
}
