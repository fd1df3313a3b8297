/**
 * TLS 1.3 handshake message types and framing, for QUIC CRYPTO streams (sans-IO).
 *
 * Implements:
 * - RFC 8446 §4: `struct { HandshakeType msg_type; uint24 length; ... } Handshake` and the
 *   HandshakeType registry.
 * - RFC 9001 §4.1.3: QUIC carries handshake messages in CRYPTO frames rather than records; one
 *   message may span several frames, and one frame may carry several messages, so the bytes of a
 *   CRYPTO stream are reassembled here into whole messages. Every buffer is bounded (DESIGN §5).
 */
import { TlsAlert } from './alerts.js';

/** RFC 8446 §4: `enum { ... } HandshakeType`. */
export const HandshakeType = {
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  certificate_request: 13,
  certificate_verify: 15,
  finished: 20,
  key_update: 24,
  message_hash: 254,
} as const;

/** The RFC 8446 name of a handshake type. */
export type HandshakeTypeName = keyof typeof HandshakeType;

const TYPE_NAME_BY_CODE: ReadonlyMap<number, HandshakeTypeName> = new Map(
  (Object.keys(HandshakeType) as HandshakeTypeName[]).map((name) => [HandshakeType[name], name]),
);

/** The RFC 8446 name of a handshake type value, or undefined for an unknown value. */
export function handshakeTypeName(type: number): HandshakeTypeName | undefined {
  return TYPE_NAME_BY_CODE.get(type);
}

/** RFC 8446 §4: the handshake header is msg_type (1 byte) and a 24-bit length. */
export const HANDSHAKE_HEADER_LENGTH = 4;

/** Default bound on one handshake message's body (64 KiB); a certificate chain must fit. */
export const DEFAULT_MAX_HANDSHAKE_MESSAGE_SIZE = 65536;

/** One complete handshake message as it appeared on the CRYPTO stream. */
export interface RawHandshakeMessage {
  /** RFC 8446 §4 msg_type. */
  readonly type: number;
  /** The body (after the 4-byte header); a view into `raw`. */
  readonly body: Uint8Array;
  /** Header and body, exactly as received: what enters the transcript hash (RFC 8446 §4.4.1). */
  readonly raw: Uint8Array;
}

/**
 * Reassembles the in-order bytes of one CRYPTO stream (one encryption level) into whole handshake
 * messages (RFC 9001 §4.1.3). It holds at most one partial message, whose declared length must
 * not exceed `maxMessageSize` (else `TlsAlert('decode_error')`, raised as soon as the header is
 * seen, before the body is buffered).
 */
export class HandshakeReassembler {
  /** The largest body length accepted. */
  readonly maxMessageSize: number;
  private pending: Uint8Array = new Uint8Array(0);

  /** @param maxMessageSize the largest body length accepted (default 64 KiB). */
  constructor(maxMessageSize = DEFAULT_MAX_HANDSHAKE_MESSAGE_SIZE) {
    this.maxMessageSize = maxMessageSize;
  }

  /** Bytes held that do not yet form a complete message. */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  /** True when no partial message is held (a key change is allowed only at such a boundary). */
  get isAtMessageBoundary(): boolean {
    return this.pending.length === 0;
  }

  /**
   * Appends the next in-order bytes of the stream and returns every message they complete, in
   * order. Each returned message owns its bytes (they do not alias `bytes`).
   * @throws TlsAlert('decode_error') when a header announces a body over `maxMessageSize`.
   */
  push(bytes: Uint8Array): RawHandshakeMessage[] {
    const buf = new Uint8Array(this.pending.length + bytes.length);
    buf.set(this.pending, 0);
    buf.set(bytes, this.pending.length);
    const out: RawHandshakeMessage[] = [];
    let at = 0;
    while (buf.length - at >= HANDSHAKE_HEADER_LENGTH) {
      const type = buf[at]!;
      const length = (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!;
      if (length > this.maxMessageSize) {
        this.pending = new Uint8Array(0);
        throw new TlsAlert('decode_error', `handshake message of type ${type} announces ${length} bytes, over the limit of ${this.maxMessageSize}`);
      }
      const end = at + HANDSHAKE_HEADER_LENGTH + length;
      if (end > buf.length) break;
      const raw = buf.slice(at, end);
      out.push({ type, body: raw.subarray(HANDSHAKE_HEADER_LENGTH), raw });
      at = end;
    }
    this.pending = buf.slice(at);
    return out;
  }
}
