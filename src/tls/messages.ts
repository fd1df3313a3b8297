/**
 * TLS 1.3 handshake message bodies after the hellos, and the whole-message codec (sans-IO).
 *
 * Implements:
 * - RFC 8446 §4.3.1 EncryptedExtensions, §4.3.2 CertificateRequest, §4.4.2 Certificate (X.509
 *   entries), §4.4.3 CertificateVerify, §4.4.4 Finished, §4.6.1 NewSessionTicket, §4.6.3
 *   KeyUpdate, §4.5 EndOfEarlyData; and the §4 `Handshake` framing around every body.
 * - RFC 9001 §6 ("Endpoints MUST NOT send a TLS KeyUpdate message") and §8.3 (no
 *   EndOfEarlyData in QUIC): these two decode only so that the state machine can recognise and
 *   refuse them with unexpected_message.
 *
 * Decoders read a body and throw only `TlsAlert`.
 */
import { Reader, Writer } from '../util/bytes.js';
import { TlsAlert, decodeOrAlert } from './alerts.js';
import {
  decodeExtensions,
  encodeExtensions,
  getExtension,
  sizeOfExtensions,
  type CertificateEntryExtension,
  type CertificateRequestExtension,
  type EncryptedExtensionsExtension,
  type NewSessionTicketExtension,
} from './extensions.js';
import { HANDSHAKE_HEADER_LENGTH, HandshakeType } from './handshake-types.js';
import {
  decodeClientHello,
  decodeServerHello,
  encodeClientHello,
  encodeServerHello,
  sizeOfClientHello,
  sizeOfServerHello,
  type ClientHello,
  type HelloRetryRequest,
  type ServerHello,
} from './hello-messages.js';

/** RFC 8446 §4.3.1 EncryptedExtensions. */
export interface EncryptedExtensions {
  readonly msgType: 'encrypted_extensions';
  readonly extensions: readonly EncryptedExtensionsExtension[];
}

/** RFC 8446 §4.3.2 CertificateRequest. */
export interface CertificateRequest {
  readonly msgType: 'certificate_request';
  readonly certificateRequestContext: Uint8Array;
  /** Always contains signature_algorithms. */
  readonly extensions: readonly CertificateRequestExtension[];
}

/** RFC 8446 §4.4.2 CertificateEntry (X.509: cert_data is one DER certificate). */
export interface CertificateEntry {
  readonly certData: Uint8Array;
  readonly extensions: readonly CertificateEntryExtension[];
}

/** RFC 8446 §4.4.2 Certificate. */
export interface Certificate {
  readonly msgType: 'certificate';
  readonly certificateRequestContext: Uint8Array;
  /** The end-entity certificate first. */
  readonly certificateList: readonly CertificateEntry[];
}

/** RFC 8446 §4.4.3 CertificateVerify. */
export interface CertificateVerify {
  readonly msgType: 'certificate_verify';
  /** SignatureScheme code point. */
  readonly algorithm: number;
  readonly signature: Uint8Array;
}

/** RFC 8446 §4.4.4 Finished. */
export interface Finished {
  readonly msgType: 'finished';
  /** Hash.length bytes. */
  readonly verifyData: Uint8Array;
}

/** RFC 8446 §4.6.1 NewSessionTicket. */
export interface NewSessionTicket {
  readonly msgType: 'new_session_ticket';
  /** Seconds. */
  readonly ticketLifetime: number;
  readonly ticketAgeAdd: number;
  readonly ticketNonce: Uint8Array;
  readonly ticket: Uint8Array;
  readonly extensions: readonly NewSessionTicketExtension[];
}

/** RFC 8446 §4.6.3 KeyUpdate (refused in QUIC, RFC 9001 §6). */
export interface KeyUpdate {
  readonly msgType: 'key_update';
  /** 0 = update_not_requested, 1 = update_requested. */
  readonly requestUpdate: 0 | 1;
}

/** RFC 8446 §4.5 EndOfEarlyData (refused in QUIC, RFC 9001 §8.3). */
export interface EndOfEarlyData {
  readonly msgType: 'end_of_early_data';
}

/** Any decoded handshake message. */
export type HandshakeMessage =
  | ClientHello | ServerHello | HelloRetryRequest | EncryptedExtensions | CertificateRequest | Certificate
  | CertificateVerify | Finished | NewSessionTicket | KeyUpdate | EndOfEarlyData;

/** Reads `opaque x<lo..2^(8*prefix)-1>`. */
function vector(r: Reader, prefix: 1 | 2 | 3, lo: number, what: string): Uint8Array {
  const n = prefix === 1 ? r.u8() : prefix === 2 ? r.u16() : r.u24();
  if (n < lo) throw new TlsAlert('decode_error', `${what}: length ${n} below the minimum ${lo}`);
  return r.bytes(n);
}

/** Decodes an EncryptedExtensions body. */
export function decodeEncryptedExtensions(r: Reader): EncryptedExtensions {
  return decodeOrAlert('EncryptedExtensions', () => {
    const extensions = decodeExtensions(r, 'encrypted_extensions');
    r.expectEnd('EncryptedExtensions');
    return { msgType: 'encrypted_extensions', extensions };
  });
}

/** Decodes a CertificateRequest body. */
export function decodeCertificateRequest(r: Reader): CertificateRequest {
  return decodeOrAlert('CertificateRequest', () => {
    const certificateRequestContext = vector(r, 1, 0, 'certificate_request_context');
    // RFC 8446 §4.3.2: Extension extensions<2..2^16-1>.
    const extensions = decodeExtensions(r, 'certificate_request', 2);
    r.expectEnd('CertificateRequest');
    // RFC 8446 §4.3.2: "The "signature_algorithms" extension MUST be specified"; §4.2: a missing
    // mandatory extension earns "missing_extension".
    if (getExtension(extensions, 'signature_algorithms') === undefined) {
      throw new TlsAlert('missing_extension', 'CertificateRequest without signature_algorithms');
    }
    return { msgType: 'certificate_request', certificateRequestContext, extensions };
  });
}

/** Decodes a Certificate body (X.509 certificate type). */
export function decodeCertificate(r: Reader): Certificate {
  return decodeOrAlert('Certificate', () => {
    const certificateRequestContext = vector(r, 1, 0, 'certificate_request_context');
    // RFC 8446 §4.4.2: CertificateEntry certificate_list<0..2^24-1>.
    const list = r.sub(r.u24());
    const certificateList: CertificateEntry[] = [];
    while (!list.isEmpty) {
      // RFC 8446 §4.4.2: opaque cert_data<1..2^24-1>.
      const certData = vector(list, 3, 1, 'cert_data');
      certificateList.push({ certData, extensions: decodeExtensions(list, 'certificate') });
    }
    r.expectEnd('Certificate');
    return { msgType: 'certificate', certificateRequestContext, certificateList };
  });
}

/** Decodes a CertificateVerify body. */
export function decodeCertificateVerify(r: Reader): CertificateVerify {
  return decodeOrAlert('CertificateVerify', () => {
    const algorithm = r.u16();
    const signature = r.vec16();
    r.expectEnd('CertificateVerify');
    return { msgType: 'certificate_verify', algorithm, signature };
  });
}

/**
 * Decodes a Finished body.
 * @param hashLength Hash.length of the negotiated cipher suite (RFC 8446 §4.4.4).
 */
export function decodeFinished(r: Reader, hashLength: number): Finished {
  // RFC 8446 §4.4.4: opaque verify_data[Hash.length].
  if (r.remaining !== hashLength) throw new TlsAlert('decode_error', `Finished of ${r.remaining} bytes, expected ${hashLength}`);
  return { msgType: 'finished', verifyData: r.rest() };
}

/** Decodes a NewSessionTicket body. */
export function decodeNewSessionTicket(r: Reader): NewSessionTicket {
  return decodeOrAlert('NewSessionTicket', () => {
    const ticketLifetime = r.u32();
    const ticketAgeAdd = r.u32();
    const ticketNonce = vector(r, 1, 0, 'ticket_nonce');
    // RFC 8446 §4.6.1: opaque ticket<1..2^16-1>.
    const ticket = vector(r, 2, 1, 'ticket');
    const extensions = decodeExtensions(r, 'new_session_ticket');
    r.expectEnd('NewSessionTicket');
    return { msgType: 'new_session_ticket', ticketLifetime, ticketAgeAdd, ticketNonce, ticket, extensions };
  });
}

/** Decodes a KeyUpdate body (so that it can be refused: RFC 9001 §6). */
export function decodeKeyUpdate(r: Reader): KeyUpdate {
  return decodeOrAlert('KeyUpdate', () => {
    const requestUpdate = r.u8();
    r.expectEnd('KeyUpdate');
    // RFC 8446 §4.6.3: "If an implementation receives any other value, it MUST terminate the
    // connection with an "illegal_parameter" alert."
    if (requestUpdate !== 0 && requestUpdate !== 1) throw new TlsAlert('illegal_parameter', `KeyUpdate request_update ${requestUpdate}`);
    return { msgType: 'key_update', requestUpdate };
  });
}

/** Decodes an EndOfEarlyData body (empty; so that it can be refused: RFC 9001 §8.3). */
export function decodeEndOfEarlyData(r: Reader): EndOfEarlyData {
  if (!r.isEmpty) throw new TlsAlert('decode_error', 'EndOfEarlyData is not empty');
  return { msgType: 'end_of_early_data' };
}

/** Options for decoding a whole message. */
export interface DecodeHandshakeOptions {
  /** Hash.length of the negotiated suite, the length of a Finished (RFC 8446 §4.4.4). */
  readonly finishedLength: number;
}

/**
 * Decodes the body of a handshake message of type `type` (RFC 8446 §4).
 * @throws TlsAlert unexpected_message for a type that is not a TLS 1.3 handshake message (RFC 8446
 *   §4: "unexpected_message ... An inappropriate message (e.g., the wrong handshake message ...)");
 *   decode_error, illegal_parameter or missing_extension from the body's decoder.
 */
export function decodeHandshakeMessage(type: number, body: Uint8Array, options: DecodeHandshakeOptions): HandshakeMessage {
  const r = new Reader(body);
  switch (type) {
    case HandshakeType.client_hello: return decodeClientHello(r);
    case HandshakeType.server_hello: return decodeServerHello(r);
    case HandshakeType.new_session_ticket: return decodeNewSessionTicket(r);
    case HandshakeType.end_of_early_data: return decodeEndOfEarlyData(r);
    case HandshakeType.encrypted_extensions: return decodeEncryptedExtensions(r);
    case HandshakeType.certificate: return decodeCertificate(r);
    case HandshakeType.certificate_request: return decodeCertificateRequest(r);
    case HandshakeType.certificate_verify: return decodeCertificateVerify(r);
    case HandshakeType.finished: return decodeFinished(r, options.finishedLength);
    case HandshakeType.key_update: return decodeKeyUpdate(r);
    default: throw new TlsAlert('unexpected_message', `unknown handshake message type ${type}`);
  }
}

/** The RFC 8446 §4 msg_type of a message (a HelloRetryRequest is a server_hello). */
export function handshakeTypeOf(m: HandshakeMessage): number {
  return m.msgType === 'hello_retry_request' ? HandshakeType.server_hello : HandshakeType[m.msgType];
}

/** Encoded size of a message body (without the 4-byte header). */
export function sizeOfHandshakeBody(m: HandshakeMessage): number {
  switch (m.msgType) {
    case 'client_hello': return sizeOfClientHello(m);
    case 'server_hello':
    case 'hello_retry_request': return sizeOfServerHello(m);
    case 'encrypted_extensions': return sizeOfExtensions(m.extensions);
    case 'certificate_request': return 1 + m.certificateRequestContext.length + sizeOfExtensions(m.extensions);
    case 'certificate':
      return 1 + m.certificateRequestContext.length + 3 + m.certificateList.reduce((n, e) => n + 3 + e.certData.length + sizeOfExtensions(e.extensions), 0);
    case 'certificate_verify': return 4 + m.signature.length;
    case 'finished': return m.verifyData.length;
    case 'new_session_ticket': return 8 + 1 + m.ticketNonce.length + 2 + m.ticket.length + sizeOfExtensions(m.extensions);
    case 'key_update': return 1;
    case 'end_of_early_data': return 0;
  }
}

/** Encodes a message body (without the header) exactly as given. */
export function encodeHandshakeBody(w: Writer, m: HandshakeMessage): void {
  switch (m.msgType) {
    case 'client_hello': return encodeClientHello(w, m);
    case 'server_hello':
    case 'hello_retry_request': return encodeServerHello(w, m);
    case 'encrypted_extensions': return encodeExtensions(w, m.extensions);
    case 'certificate_request':
      w.vec8(m.certificateRequestContext);
      return encodeExtensions(w, m.extensions);
    case 'certificate':
      w.vec8(m.certificateRequestContext).u24(sizeOfHandshakeBody(m) - 4 - m.certificateRequestContext.length);
      for (const e of m.certificateList) {
        w.u24(e.certData.length).bytes(e.certData);
        encodeExtensions(w, e.extensions);
      }
      return;
    case 'certificate_verify':
      w.u16(m.algorithm).vec16(m.signature);
      return;
    case 'finished':
      w.bytes(m.verifyData);
      return;
    case 'new_session_ticket':
      w.u32(m.ticketLifetime).u32(m.ticketAgeAdd).vec8(m.ticketNonce).vec16(m.ticket);
      return encodeExtensions(w, m.extensions);
    case 'key_update':
      w.u8(m.requestUpdate);
      return;
    case 'end_of_early_data':
      return;
  }
}

/** Encoded size of a whole message: the 4-byte header and the body. */
export function sizeOfHandshakeMessage(m: HandshakeMessage): number {
  return HANDSHAKE_HEADER_LENGTH + sizeOfHandshakeBody(m);
}

/** Encodes a whole message (RFC 8446 §4 `Handshake`): msg_type, uint24 length, body. */
export function encodeHandshakeMessage(w: Writer, m: HandshakeMessage): void {
  w.u8(handshakeTypeOf(m)).u24(sizeOfHandshakeBody(m));
  encodeHandshakeBody(w, m);
}

/** A whole message in a new buffer (for the transcript and the CRYPTO stream). */
export function serializeHandshakeMessage(m: HandshakeMessage): Uint8Array {
  const w = Writer.alloc(sizeOfHandshakeMessage(m));
  encodeHandshakeMessage(w, m);
  return w.written();
}
