/**
 * ClientHello, ServerHello and HelloRetryRequest bodies (sans-IO codecs).
 *
 * Implements:
 * - RFC 8446 §4.1.2 ClientHello, §4.1.3 ServerHello, §4.1.4 HelloRetryRequest (a ServerHello
 *   whose random is SHA-256("HelloRetryRequest")).
 *
 * The legacy fields are kept exactly as received. The QUIC rules on them (RFC 9001 §8.4: an
 * empty legacy_session_id; §8.2: quic_transport_parameters required) and version and cipher
 * suite negotiation belong to the state machines, so RFC 8448's TLS-over-TCP messages decode here.
 * Decoders read a body (after the 4-byte handshake header) and throw only `TlsAlert`.
 */
import { Reader, Writer, bytesEqual, fromHex } from '../util/bytes.js';
import { TlsAlert, decodeOrAlert } from './alerts.js';
import {
  decodeExtensions,
  encodeExtensions,
  sizeOfExtensions,
  type ClientHelloExtension,
  type HelloRetryRequestExtension,
  type ServerHelloExtension,
} from './extensions.js';

/** RFC 8446 §4.1.3: the random of a HelloRetryRequest, SHA-256("HelloRetryRequest"). */
export const HELLO_RETRY_REQUEST_RANDOM: Uint8Array = fromHex(
  'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c',
);

/** RFC 8446 §4.1.3: true if a ServerHello's random marks it as a HelloRetryRequest. */
export function isHelloRetryRequest(random: Uint8Array): boolean {
  return bytesEqual(random, HELLO_RETRY_REQUEST_RANDOM);
}

/** RFC 8446 §4.1.2 ClientHello. */
export interface ClientHello {
  readonly msgType: 'client_hello';
  /** Must be 0x0303 (checked by the state machine). */
  readonly legacyVersion: number;
  /** 32 bytes. */
  readonly random: Uint8Array;
  /** 0..32 bytes; empty in QUIC (RFC 9001 §8.4). */
  readonly legacySessionId: Uint8Array;
  /** CipherSuite code points, in preference order. */
  readonly cipherSuites: readonly number[];
  /** Must be the single byte 0 (checked by the state machine). */
  readonly legacyCompressionMethods: Uint8Array;
  readonly extensions: readonly ClientHelloExtension[];
}

/** The fields a ServerHello and a HelloRetryRequest share (RFC 8446 §4.1.3). */
interface ServerHelloFields {
  readonly legacyVersion: number;
  /** 0..32 bytes: the echo of the client's legacy_session_id. */
  readonly legacySessionIdEcho: Uint8Array;
  readonly cipherSuite: number;
  readonly legacyCompressionMethod: number;
}

/** RFC 8446 §4.1.3 ServerHello. */
export interface ServerHello extends ServerHelloFields {
  readonly msgType: 'server_hello';
  /** 32 bytes, never HELLO_RETRY_REQUEST_RANDOM. */
  readonly random: Uint8Array;
  readonly extensions: readonly ServerHelloExtension[];
}

/** RFC 8446 §4.1.4 HelloRetryRequest (its random is HELLO_RETRY_REQUEST_RANDOM). */
export interface HelloRetryRequest extends ServerHelloFields {
  readonly msgType: 'hello_retry_request';
  readonly extensions: readonly HelloRetryRequestExtension[];
}

function sessionId(r: Reader, what: string): Uint8Array {
  const n = r.u8();
  // RFC 8446 §4.1.2: opaque legacy_session_id<0..32>.
  if (n > 32) throw new TlsAlert('decode_error', `${what} of ${n} bytes exceeds 32`);
  return r.bytes(n);
}

/**
 * Decodes a ClientHello body.
 * @throws TlsAlert decode_error (lengths), illegal_parameter (extension rules).
 */
export function decodeClientHello(r: Reader): ClientHello {
  return decodeOrAlert('ClientHello', () => {
    const legacyVersion = r.u16();
    const random = r.bytes(32);
    const legacySessionId = sessionId(r, 'legacy_session_id');
    // RFC 8446 §4.1.2: CipherSuite cipher_suites<2..2^16-2>.
    const suitesLength = r.u16();
    if (suitesLength < 2 || suitesLength % 2 !== 0) throw new TlsAlert('decode_error', `cipher_suites length ${suitesLength}`);
    const suites = r.sub(suitesLength);
    const cipherSuites: number[] = [];
    while (!suites.isEmpty) cipherSuites.push(suites.u16());
    // RFC 8446 §4.1.2: opaque legacy_compression_methods<1..2^8-1>.
    const legacyCompressionMethods = r.vec8();
    if (legacyCompressionMethods.length === 0) throw new TlsAlert('decode_error', 'empty legacy_compression_methods');
    // RFC 8446 §4.1.2: Extension extensions<8..2^16-1>.
    const extensions = decodeExtensions(r, 'client_hello', 8);
    r.expectEnd('ClientHello');
    return { msgType: 'client_hello', legacyVersion, random, legacySessionId, cipherSuites, legacyCompressionMethods, extensions };
  });
}

/** Encoded size of a ClientHello body. */
export function sizeOfClientHello(m: ClientHello): number {
  return 2 + 32 + 1 + m.legacySessionId.length + 2 + 2 * m.cipherSuites.length + 1 + m.legacyCompressionMethods.length + sizeOfExtensions(m.extensions);
}

/** Encodes a ClientHello body exactly as given. */
export function encodeClientHello(w: Writer, m: ClientHello): void {
  w.u16(m.legacyVersion).bytes(m.random).vec8(m.legacySessionId).u16(2 * m.cipherSuites.length);
  for (const s of m.cipherSuites) w.u16(s);
  w.vec8(m.legacyCompressionMethods);
  encodeExtensions(w, m.extensions);
}

/**
 * Decodes a ServerHello body, which is a HelloRetryRequest when its random is
 * HELLO_RETRY_REQUEST_RANDOM (RFC 8446 §4.1.3); its extensions are checked against the right
 * row of the RFC 8446 §4.2 table.
 * @throws TlsAlert decode_error (lengths), illegal_parameter (extension rules).
 */
export function decodeServerHello(r: Reader): ServerHello | HelloRetryRequest {
  return decodeOrAlert('ServerHello', () => {
    const legacyVersion = r.u16();
    const random = r.bytes(32);
    const legacySessionIdEcho = sessionId(r, 'legacy_session_id_echo');
    const cipherSuite = r.u16();
    const legacyCompressionMethod = r.u8();
    const fields = { legacyVersion, legacySessionIdEcho, cipherSuite, legacyCompressionMethod };
    // RFC 8446 §4.1.3: Extension extensions<6..2^16-1>.
    if (isHelloRetryRequest(random)) {
      const extensions = decodeExtensions(r, 'hello_retry_request', 6);
      r.expectEnd('HelloRetryRequest');
      return { msgType: 'hello_retry_request', ...fields, extensions };
    }
    const extensions = decodeExtensions(r, 'server_hello', 6);
    r.expectEnd('ServerHello');
    return { msgType: 'server_hello', ...fields, random, extensions };
  });
}

/** Encoded size of a ServerHello or HelloRetryRequest body. */
export function sizeOfServerHello(m: ServerHello | HelloRetryRequest): number {
  return 2 + 32 + 1 + m.legacySessionIdEcho.length + 2 + 1 + sizeOfExtensions(m.extensions);
}

/** Encodes a ServerHello or HelloRetryRequest body exactly as given. */
export function encodeServerHello(w: Writer, m: ServerHello | HelloRetryRequest): void {
  w.u16(m.legacyVersion).bytes(m.msgType === 'server_hello' ? m.random : HELLO_RETRY_REQUEST_RANDOM);
  w.vec8(m.legacySessionIdEcho).u16(m.cipherSuite).u8(m.legacyCompressionMethod);
  encodeExtensions(w, m.extensions);
}
