/**
 * The receiving side of one HTTP/3 request stream (sans-IO): parses HEADERS, DATA and trailing
 * HEADERS frames, decodes field sections with QPACK (pausing while a section is blocked),
 * validates the message and streams DATA payloads out as events without buffering them.
 *
 * Implements:
 * - RFC 9114 §4.1: "Receipt of an invalid sequence of frames MUST be treated as a connection error
 *   of type H3_FRAME_UNEXPECTED. In particular, a DATA frame before any HEADERS frame, or a
 *   HEADERS or DATA frame after the trailing HEADERS frame, is considered invalid."; interim
 *   (1xx) responses; a request stream that ends without a request: "the server SHOULD abort its
 *   response stream with the error code H3_REQUEST_INCOMPLETE".
 * - RFC 9114 §4.1.2: malformed messages and Content-Length mismatches are stream errors of type
 *   H3_MESSAGE_ERROR; a response to HEAD, or 204/304, carries no content.
 * - RFC 9114 §7.1: "When a stream terminates cleanly, if the last frame on the stream was
 *   truncated, this MUST be treated as a connection error of type H3_FRAME_ERROR."
 * - RFC 9114 §7.2.3-§7.2.7: CANCEL_PUSH, SETTINGS, GOAWAY, MAX_PUSH_ID on a request stream are
 *   H3_FRAME_UNEXPECTED; PUSH_PROMISE to a server is H3_FRAME_UNEXPECTED, to a client that sent no
 *   MAX_PUSH_ID H3_ID_ERROR (RFC 9114 §4.6).
 * - RFC 9204 §2.2.1: blocked streams.
 * - draft-ietf-webtrans-http3 §4.2: a client bidi stream starting with WT_STREAM (0x41).
 */
import { concatBytes } from '../util/bytes.js';
import { FieldSectionTooLargeError, H3Error, H3ErrorCode } from './errors.js';
import { H3FrameType, checkFrameLength, decodeFramePayload, peekFrameHeader } from './frames.js';
import { contentLengthOf, validateRequest, validateResponse, validateTrailers } from './message.js';
import type { Field, QpackDecoder, UnblockedSection } from './qpack-decoder.js';
import type { H3Event } from './session-types.js';

/** What a request stream needs from its session. */
export interface RequestStreamHost {
  readonly role: 'client' | 'server';
  readonly decoder: QpackDecoder;
  readonly options: { readonly maxFieldSectionSize: number; readonly maxBufferedPerStream: number };
  readonly connectProtocolEnabled: boolean;
  emit(ev: H3Event): void;
  flushDecoder(): void;
  streamError(streamId: number, code: number, reason: string): void;
  becomeWebTransport(streamId: number, sessionId: number, rest: Uint8Array, fin: boolean): void;
  /** Whether a request on the peer's stream is refused after our GOAWAY (RFC 9114 §5.2). */
  refusesRequest(streamId: number): boolean;
}

const EMPTY = new Uint8Array(0);

/** See the module comment. */
export class RequestStream {
  private readonly host: RequestStreamHost;
  private readonly id: number;
  /** True for a request we sent (we parse its response). */
  private readonly local: boolean;
  private readonly method: string | undefined;
  private buf: Uint8Array = EMPTY;
  private phase: 'start' | 'body' | 'after_trailers' = 'start';
  private dataLeft = 0;
  private skipLeft = 0;
  private blocked = false;
  private fin = false;
  private sawFrame = false;
  private contentLength: number | undefined;
  private received = 0;
  /** The stream ended or failed; nothing more is parsed. */
  done = false;

  /**
   * @param local true for our own request (a client parsing the response).
   * @param method the request method, for a local request (HEAD responses have no content).
   */
  constructor(host: RequestStreamHost, id: number, local: boolean, method: string | undefined) {
    this.host = host;
    this.id = id;
    this.local = local;
    this.method = method;
  }

  /** Whether a field section may still be outstanding (for Stream Cancellation, RFC 9204 §2.2.2.2). */
  get blockedOrMidway(): boolean {
    return this.blocked || this.phase !== 'after_trailers';
  }

  /** Bytes arrived (a view valid for this call only). @throws H3Error for a connection error. */
  onData(bytes: Uint8Array, fin: boolean): void {
    if (this.done) return;
    this.fin ||= fin;
    if (this.blocked) {
      this.buf = concatBytes(this.buf, bytes);
      this.checkHeld();
      return;
    }
    this.buf = this.buf.length === 0 ? bytes : concatBytes(this.buf, bytes);
    this.process();
  }

  /** A blocked field section was decoded (RFC 9204 §2.2.1). */
  onUnblocked(u: UnblockedSection): void {
    if (this.done || !this.blocked) return;
    this.blocked = false;
    if ('error' in u) return this.fail(H3ErrorCode.H3_MESSAGE_ERROR, u.error.message);
    this.onFields(u.fields);
    if (!this.done) this.process();
  }

  private checkHeld(): void {
    // DESIGN §5: bounded buffers; a peer that keeps sending behind a blocked section is shed.
    if (this.buf.length > this.host.options.maxBufferedPerStream) this.fail(H3ErrorCode.H3_EXCESSIVE_LOAD, `more than ${this.host.options.maxBufferedPerStream} bytes behind a blocked field section`);
  }

  private process(): void {
    const buf = this.buf;
    let off = 0;
    while (!this.done && !this.blocked) {
      if (this.dataLeft > 0 || this.skipLeft > 0) {
        const n = Math.min(this.dataLeft + this.skipLeft, buf.length - off);
        if (n === 0) break;
        if (this.dataLeft > 0) this.onBody(buf.subarray(off, off + n));
        else this.skipLeft -= n;
        off += n;
        continue;
      }
      const h = peekFrameHeader(buf, off);
      if (h === undefined) break;
      if (!this.sawFrame && !this.local && this.host.role === 'server' && h.type === H3FrameType.WT_STREAM) {
        // draft-ietf-webtrans-http3 §4.2: WT_STREAM, then the session ID; the rest is raw data.
        this.done = true;
        this.host.becomeWebTransport(this.id, h.length, buf.subarray(off + h.headerLength), this.fin);
        return;
      }
      if (!this.sawFrame && !this.local && this.host.refusesRequest(this.id)) {
        // RFC 9114 §5.2: "abort its response stream with the error code H3_REQUEST_REJECTED".
        return this.fail(H3ErrorCode.H3_REQUEST_REJECTED, 'after GOAWAY');
      }
      this.sawFrame = true;
      checkFrameLength(h.type, h.length, { maxFieldSectionPayload: Math.max(16384, 2 * this.host.options.maxFieldSectionSize) });
      switch (h.type) {
        case H3FrameType.DATA:
          if (this.phase !== 'body') throw new H3Error(H3ErrorCode.H3_FRAME_UNEXPECTED, `DATA ${this.phase === 'start' ? 'before HEADERS' : 'after trailers'} on stream ${this.id}`);
          this.dataLeft = h.length;
          off += h.headerLength;
          continue;
        case H3FrameType.HEADERS: {
          if (off + h.headerLength + h.length > buf.length) break;
          if (this.phase === 'after_trailers') throw new H3Error(H3ErrorCode.H3_FRAME_UNEXPECTED, `HEADERS after trailers on stream ${this.id}`);
          const payload = buf.subarray(off + h.headerLength, off + h.headerLength + h.length);
          off += h.headerLength + h.length;
          this.onHeaders(payload);
          continue;
        }
        case H3FrameType.PUSH_PROMISE:
          if (this.host.role === 'client') throw new H3Error(H3ErrorCode.H3_ID_ERROR, 'PUSH_PROMISE without MAX_PUSH_ID');
          throw new H3Error(H3ErrorCode.H3_FRAME_UNEXPECTED, 'PUSH_PROMISE from a client');
        case H3FrameType.CANCEL_PUSH:
        case H3FrameType.SETTINGS:
        case H3FrameType.GOAWAY:
        case H3FrameType.MAX_PUSH_ID:
          throw new H3Error(H3ErrorCode.H3_FRAME_UNEXPECTED, `frame 0x${h.type.toString(16)} on request stream ${this.id}`);
        default:
          // RFC 9114 §7.2.8: HTTP/2 frame types are H3_FRAME_UNEXPECTED (decodeFramePayload
          // throws); RFC 9114 §9: other unknown frames are skipped without buffering.
          decodeFramePayload(h.type, EMPTY);
          this.skipLeft = h.length;
          off += h.headerLength;
          continue;
      }
      break; // an incomplete HEADERS frame
    }
    if (this.done) return;
    const rest = buf.subarray(off);
    this.buf = rest.length === 0 ? EMPTY : rest.slice();
    if (this.blocked) return this.checkHeld();
    if (this.fin) this.finish();
  }

  private onBody(data: Uint8Array): void {
    this.dataLeft -= data.length;
    this.received += data.length;
    if (this.contentLength !== undefined && this.received > this.contentLength) {
      return this.fail(H3ErrorCode.H3_MESSAGE_ERROR, `content exceeds content-length ${this.contentLength}`);
    }
    this.host.emit({ type: 'data', streamId: this.id, data });
  }

  private onHeaders(payload: Uint8Array): void {
    let r;
    try {
      r = this.host.decoder.decodeFieldSection(this.id, payload);
    } catch (err) {
      // RFC 9114 §4.2.2: a section over our SETTINGS_MAX_FIELD_SECTION_SIZE fails this stream only.
      if (err instanceof FieldSectionTooLargeError) return this.fail(H3ErrorCode.H3_MESSAGE_ERROR, err.message);
      throw err;
    } finally {
      this.host.flushDecoder();
    }
    if (r.kind === 'blocked') {
      this.blocked = true;
      return;
    }
    this.onFields(r.fields);
  }

  private onFields(fields: Field[]): void {
    try {
      if (this.phase === 'body') {
        const headers = validateTrailers(fields);
        this.phase = 'after_trailers';
        if (!this.checkLength()) return;
        this.host.emit({ type: 'trailers', streamId: this.id, headers });
        return;
      }
      if (this.local) {
        const head = validateResponse(fields);
        if (head.status < 200) {
          this.host.emit({ type: 'informational', streamId: this.id, head });
          return;
        }
        this.phase = 'body';
        const noContent = this.method === 'HEAD' || head.status === 204 || head.status === 304;
        this.contentLength = noContent ? 0 : contentLengthOf(head.headers);
        this.host.emit({ type: 'response', streamId: this.id, head });
        return;
      }
      const head = validateRequest(fields, this.host.connectProtocolEnabled);
      this.contentLength = contentLengthOf(head.headers);
      this.phase = 'body';
      this.host.emit({ type: 'request', streamId: this.id, head });
    } catch (err) {
      if (err instanceof H3Error && err.code === H3ErrorCode.H3_MESSAGE_ERROR) return this.fail(err.code, err.message);
      throw err;
    }
  }

  /** RFC 9114 §4.1.2: Content-Length must equal the sum of the DATA frame lengths. */
  private checkLength(): boolean {
    if (this.contentLength !== undefined && this.received !== this.contentLength) {
      this.fail(H3ErrorCode.H3_MESSAGE_ERROR, `content-length ${this.contentLength} but ${this.received} bytes of DATA`);
      return false;
    }
    return true;
  }

  private finish(): void {
    if (this.dataLeft > 0 || this.skipLeft > 0 || this.buf.length > 0) {
      throw new H3Error(H3ErrorCode.H3_FRAME_ERROR, `stream ${this.id} ended inside a frame`);
    }
    if (this.phase === 'start') {
      return this.fail(this.local ? H3ErrorCode.H3_MESSAGE_ERROR : H3ErrorCode.H3_REQUEST_INCOMPLETE, `stream ${this.id} ended without a ${this.local ? 'response' : 'request'}`);
    }
    if (this.phase === 'body' && !this.checkLength()) return;
    this.done = true;
    this.host.emit({ type: 'end', streamId: this.id });
  }

  private fail(code: number, reason: string): void {
    if (this.done) return;
    this.done = true;
    if (this.blocked) {
      this.blocked = false;
      this.host.decoder.cancelStream(this.id);
      this.host.flushDecoder();
    }
    this.host.streamError(this.id, code, reason);
  }
}
