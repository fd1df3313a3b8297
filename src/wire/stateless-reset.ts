/**
 * Stateless Reset: RFC 9000 §10.3 (format and sizing), §10.3.1 (detection), §10.3.3 (looping).
 *
 * A Stateless Reset is a whole UDP datagram: `0b01` then at least 38 unpredictable bits, then a
 * 16-byte stateless reset token, so it looks like a short-header packet (RFC 9000 §10.3,
 * Figure 10). Deriving the token (§10.3.2) and remembering which tokens to check (§10.3.1) are
 * the endpoint's and connection's jobs.
 */
import { CodecError } from '../util/errors.js';
import { constantTimeEqual, Writer } from '../util/bytes.js';
import type { RandomSource } from '../util/random.js';
import { randomBelow } from '../util/random.js';
import { FIXED_BIT } from './long-header.js';

/** RFC 9000 §10.3: "a 16-byte value that is hard to guess". */
export const STATELESS_RESET_TOKEN_LENGTH = 16;

/**
 * RFC 9000 §10.3: the Unpredictable Bits "needs to include at least 38 bits of data (or 5 bytes,
 * less the two fixed bits)", hence "The resulting minimum size of 21 bytes".
 */
export const MIN_STATELESS_RESET_LENGTH = 21;

/**
 * RFC 9000 §10.3.3: "A Stateless Reset that is smaller than 41 bytes might be identifiable as a
 * Stateless Reset by an observer": the size a reset aims for when the trigger allows it.
 */
export const IDEAL_MIN_STATELESS_RESET_LENGTH = 41;

/**
 * The largest Stateless Reset that may answer a `triggerLength`-byte packet, or `undefined` when
 * none may be sent.
 *
 * RFC 9000 §10.3.3: "An endpoint MUST ensure that every Stateless Reset that it sends is smaller
 * than the packet that triggered it, unless it maintains state sufficient to prevent looping."
 * Together with the 21-byte minimum, a packet of 21 bytes or fewer gets no reset. (This also
 * satisfies §10.3's "MUST NOT send a Stateless Reset that is three times or more larger than the
 * packet it receives".)
 */
export function maxStatelessResetLength(triggerLength: number): number | undefined {
  const max = triggerLength - 1;
  return max >= MIN_STATELESS_RESET_LENGTH ? max : undefined;
}

/**
 * Picks the size of a Stateless Reset answering a `triggerLength`-byte packet, or `undefined`
 * when none may be sent (see `maxStatelessResetLength`).
 *
 * RFC 9000 §10.3: "An endpoint that sends a Stateless Reset in response to a packet that is 43
 * bytes or shorter SHOULD send a Stateless Reset that is one byte shorter than the packet it
 * responds to." For larger triggers the size is drawn uniformly from [41, min(trigger - 1,
 * maxLength)], so resets are neither tell-tale small (§10.3.3) nor of a fixed size.
 * @param maxLength an upper bound of the caller's (the path's datagram size, say).
 */
export function chooseStatelessResetLength(random: RandomSource, triggerLength: number, maxLength = Number.MAX_SAFE_INTEGER): number | undefined {
  const allowed = maxStatelessResetLength(triggerLength);
  if (allowed === undefined) return undefined;
  const max = Math.min(allowed, maxLength);
  if (max < MIN_STATELESS_RESET_LENGTH) return undefined;
  if (triggerLength <= 43 || max <= IDEAL_MIN_STATELESS_RESET_LENGTH) return max;
  return IDEAL_MIN_STATELESS_RESET_LENGTH + randomBelow(random, Math.min(max - IDEAL_MIN_STATELESS_RESET_LENGTH + 1, 2 ** 32));
}

/**
 * Writes a Stateless Reset of `length` bytes (RFC 9000 §10.3, Figure 10): first byte `0b01`
 * followed by six random bits, `length - 17` more random bytes, then `token`.
 * RFC 9000 §10.3: "Endpoints MUST send Stateless Resets formatted as a packet with a short header."
 * @throws CodecError if `token` is not 16 bytes, `length` is below 21, or the writer is full.
 */
export function encodeStatelessReset(w: Writer, random: RandomSource, token: Uint8Array, length: number): void {
  if (token.length !== STATELESS_RESET_TOKEN_LENGTH) throw new CodecError(`stateless reset token of ${token.length} bytes, not 16`, w.offset);
  if (!Number.isInteger(length) || length < MIN_STATELESS_RESET_LENGTH) {
    throw new CodecError(`stateless reset of ${length} bytes is below the minimum of ${MIN_STATELESS_RESET_LENGTH}`, w.offset);
  }
  if (w.remaining < length) throw new CodecError(`no room for a ${length}-byte stateless reset`, w.offset);
  const start = w.offset;
  w.zeros(length - STATELESS_RESET_TOKEN_LENGTH);
  const unpredictable = w.buf.subarray(start, w.offset);
  random.fill(unpredictable);
  // Header Form 0 and Fixed Bit 1: "Fixed Bits (2) = 1".
  unpredictable[0] = FIXED_BIT | (unpredictable[0]! & 0x3f);
  w.bytes(token);
}

/** A fresh `length`-byte Stateless Reset datagram: see `encodeStatelessReset`. */
export function buildStatelessReset(random: RandomSource, token: Uint8Array, length: number): Uint8Array {
  const w = Writer.alloc(length >= 0 && Number.isInteger(length) ? length : 0);
  encodeStatelessReset(w, random, token, length);
  return w.buf;
}

/**
 * The last 16 bytes of `datagram` (a view), the place a stateless reset token would be (RFC 9000
 * §10.3.1: "An endpoint detects a potential Stateless Reset using the trailing 16 bytes of the UDP
 * datagram"), or `undefined` if the datagram is shorter than 21 bytes and so cannot be one
 * (§10.3: "Endpoints MUST discard packets that are too small to be valid QUIC packets").
 * The first byte is not checked: "endpoints MUST treat any packet ending in a valid stateless
 * reset token as a Stateless Reset, as other QUIC versions might allow the use of a long header."
 */
export function statelessResetTokenOf(datagram: Uint8Array): Uint8Array | undefined {
  if (datagram.length < MIN_STATELESS_RESET_LENGTH) return undefined;
  return datagram.subarray(datagram.length - STATELESS_RESET_TOKEN_LENGTH);
}

/**
 * Compares two stateless reset tokens in time independent of where they differ (RFC 9000
 * §10.3.1: "endpoints MUST perform the comparison without leaking information about the value of
 * the token").
 */
export function statelessResetTokenEquals(a: Uint8Array, b: Uint8Array): boolean {
  return constantTimeEqual(a, b);
}

/**
 * True if `datagram` ends with `token` (RFC 9000 §10.3.1: "If the last 16 bytes of the datagram
 * are identical in value to a stateless reset token, the endpoint MUST enter the draining
 * period"), compared in constant time, and the datagram is at least 21 bytes long.
 */
export function isStatelessReset(datagram: Uint8Array, token: Uint8Array): boolean {
  const tail = statelessResetTokenOf(datagram);
  return tail !== undefined && statelessResetTokenEquals(tail, token);
}
