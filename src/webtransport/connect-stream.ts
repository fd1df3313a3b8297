/**
 * The CONNECT stream of one WebTransport session, sans-IO: the capsules (RFC 9297 §3.2) carried in
 * its DATA frames, and how the session ends.
 *
 * Implements:
 * - draft-ietf-webtrans-http3-16 §6: the session ends when "the CONNECT stream is closed, either
 *   cleanly or abruptly, on either side; or a WT_CLOSE_SESSION capsule is either sent or
 *   received". "Cleanly terminating a CONNECT stream without a WT_CLOSE_SESSION capsule SHALL be
 *   semantically equivalent to terminating it with a WT_CLOSE_SESSION capsule that has an error
 *   code of 0 and an empty error string." "If any additional stream data is received on the
 *   CONNECT stream after receiving a WT_CLOSE_SESSION capsule, the stream MUST be reset with code
 *   H3_MESSAGE_ERROR." "Senders that truncate an application-supplied message MUST do so at a
 *   UTF-8 character boundary" (at most 1024 bytes).
 * - draft-16 §4.7 / WT_DRAIN_SESSION (0x78ae): a request to wind the session down.
 * - RFC 9297 §3.2: unknown capsule types are skipped; a capsule is bounded here (DESIGN §5).
 */
import { Reader, concatBytes } from '../util/bytes.js';
import { CodecError } from '../util/errors.js';
import { MAX_CLOSE_MESSAGE, capsuleToBytes, decodeCapsule, peekCapsuleHeader } from '../h3/capsules.js';
import { H3Error, H3ErrorCode } from '../h3/errors.js';

/** What the peer said on the CONNECT stream. */
export type ConnectStreamEvent =
  /** The session ended (WT_CLOSE_SESSION, or a clean FIN = code 0 and ""). */
  | { readonly type: 'closed'; readonly code: number; readonly reason: string }
  /** WT_DRAIN_SESSION. */
  | { readonly type: 'drain' }
  /** A capsule this layer does not act on (flow-control capsules, DATAGRAM capsules, unknown ones). */
  | { readonly type: 'capsule'; readonly capsuleType: string };

/** Largest capsule held while incomplete (WT_CLOSE_SESSION is ≤ 1028 bytes; others small). */
const MAX_CAPSULE = 64 * 1024;

const utf8 = new TextEncoder();

/**
 * Truncates `reason` to at most `max` bytes of UTF-8 at a character boundary (draft-16 §6:
 * "Senders that truncate an application-supplied message MUST do so at a UTF-8 character boundary").
 */
export function truncateUtf8(reason: string, max: number = MAX_CLOSE_MESSAGE): string {
  const bytes = utf8.encode(reason);
  if (bytes.length <= max) return reason;
  let end = max;
  // Back up over continuation bytes (10xxxxxx) so the cut falls before a lead byte.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

/** The WT_CLOSE_SESSION capsule for `code` and `reason` (truncated to 1024 bytes; draft-16 §6). */
export function closeSessionCapsule(code: number, reason: string): Uint8Array {
  return capsuleToBytes({ type: 'wt_close_session', errorCode: code >>> 0, message: truncateUtf8(reason) });
}

/** The WT_DRAIN_SESSION capsule (draft-16 §4.7). */
export function drainSessionCapsule(): Uint8Array {
  return capsuleToBytes({ type: 'wt_drain_session' });
}

/** The receive side of a CONNECT stream after the 2xx: a capsule parser with the close rules. */
export class ConnectStreamReader {
  private buf: Uint8Array = new Uint8Array(0);
  private closeSeen: { code: number; reason: string } | undefined;
  private finished = false;

  /** The close the peer sent, if any. */
  get peerClose(): { code: number; reason: string } | undefined {
    return this.closeSeen;
  }

  /**
   * Capsule bytes (DATA frame payloads) arrived.
   * @throws H3Error H3_MESSAGE_ERROR for a malformed capsule or data after WT_CLOSE_SESSION (the
   *   caller resets the CONNECT stream with that code); H3_EXCESSIVE_LOAD for an oversized capsule.
   */
  onData(bytes: Uint8Array): ConnectStreamEvent[] {
    if (bytes.length === 0) return [];
    // draft-16 §6: "If any additional stream data is received on the CONNECT stream after
    // receiving a WT_CLOSE_SESSION capsule, the stream MUST be reset with code H3_MESSAGE_ERROR."
    if (this.closeSeen !== undefined) throw new H3Error(H3ErrorCode.H3_MESSAGE_ERROR, 'data after WT_CLOSE_SESSION');
    this.buf = this.buf.length === 0 ? bytes.slice() : concatBytes(this.buf, bytes);
    const out: ConnectStreamEvent[] = [];
    for (;;) {
      const h = peekCapsuleHeader(this.buf);
      if (h === undefined) break;
      if (h.length > MAX_CAPSULE) throw new H3Error(H3ErrorCode.H3_EXCESSIVE_LOAD, `capsule of ${h.length} bytes`);
      if (this.buf.length < h.headerLength + h.length) break;
      const r = new Reader(this.buf);
      let c;
      try {
        c = decodeCapsule(r, MAX_CAPSULE);
      } catch (e) {
        if (e instanceof CodecError) throw new H3Error(H3ErrorCode.H3_MESSAGE_ERROR, `malformed capsule: ${e.message}`);
        throw e;
      }
      const rest = this.buf.subarray(r.offset);
      if (c.type === 'wt_close_session') {
        this.closeSeen = { code: c.errorCode, reason: c.message };
        if (rest.length > 0) throw new H3Error(H3ErrorCode.H3_MESSAGE_ERROR, 'data after WT_CLOSE_SESSION');
        out.push({ type: 'closed', code: c.errorCode, reason: c.message });
        this.buf = new Uint8Array(0);
        return out;
      }
      out.push(c.type === 'wt_drain_session' ? { type: 'drain' } : { type: 'capsule', capsuleType: c.type });
      this.buf = rest.slice();
    }
    return out;
  }

  /**
   * The CONNECT stream ended cleanly (FIN). Returns the close event, unless WT_CLOSE_SESSION
   * already reported it (draft-16 §6: a FIN without it means code 0 and "").
   * @throws H3Error H3_MESSAGE_ERROR when the FIN cuts a capsule (RFC 9297 §3.3).
   */
  onFin(): ConnectStreamEvent[] {
    if (this.finished) return [];
    this.finished = true;
    if (this.closeSeen !== undefined) return [];
    // RFC 9297 §3.3: an incomplete capsule at the end is a malformed message.
    if (this.buf.length > 0) throw new H3Error(H3ErrorCode.H3_MESSAGE_ERROR, 'CONNECT stream ended inside a capsule');
    this.closeSeen = { code: 0, reason: '' };
    return [{ type: 'closed', code: 0, reason: '' }];
  }
}
