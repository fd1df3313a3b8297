/**
 * The peer's HTTP/3 control stream as a frame parser (RFC 9114 §6.2.1, §7): it buffers at most
 * one small frame, skips unknown frames without buffering them, and enforces the frame-order
 * rules, so the session (session.ts) only sees the frames it acts on.
 *
 * - RFC 9114 §6.2.1: "If the first frame of the control stream is any other frame type, this MUST
 *   be treated as a connection error of type H3_MISSING_SETTINGS."
 * - RFC 9114 §7.2.4: "If an endpoint receives a second SETTINGS frame on the control stream, the
 *   endpoint MUST respond with a connection error of type H3_FRAME_UNEXPECTED."
 * - RFC 9114 §7.2.1, §7.2.2, §7.2.5: DATA, HEADERS or PUSH_PROMISE on the control stream: "the
 *   recipient MUST respond with a connection error of type H3_FRAME_UNEXPECTED".
 * - RFC 9114 §7.2.8: HTTP/2 frame types are H3_FRAME_UNEXPECTED; §9: other unknown frame types are
 *   ignored.
 */
import { concatBytes } from '../util/bytes.js';
import { H3Error, H3ErrorCode } from './errors.js';
import { H3FrameType, checkFrameLength, decodeFramePayload, peekFrameHeader, type H3Frame } from './frames.js';

/** The control-stream frames the session acts on. */
export type ControlFrame = Extract<H3Frame, { type: 'settings' | 'goaway' | 'max_push_id' | 'cancel_push' }>;

const EMPTY = new Uint8Array(0);

/** Parses one control stream; `push` the stream's bytes in order. */
export class ControlStreamReader {
  private buf: Uint8Array = EMPTY;
  /** Bytes of an unknown frame still to skip. */
  private skip = 0;
  private settingsSeen = false;

  /**
   * The frames `bytes` completes, in order.
   * @throws H3Error for a frame-order violation or a malformed known frame (a connection error).
   */
  push(bytes: Uint8Array): ControlFrame[] {
    const out: ControlFrame[] = [];
    let buf = this.buf.length === 0 ? bytes : concatBytes(this.buf, bytes);
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, buf.length);
        this.skip -= n;
        buf = buf.subarray(n);
        if (this.skip > 0) break;
        continue;
      }
      const h = peekFrameHeader(buf);
      if (h === undefined) break;
      checkFrameLength(h.type, h.length);
      // Decided on the frame header alone where possible, so nothing large is ever buffered.
      if (!this.settingsSeen && h.type !== H3FrameType.SETTINGS) throw new H3Error(H3ErrorCode.H3_MISSING_SETTINGS, `first control frame has type 0x${h.type.toString(16)}`);
      if (this.settingsSeen && h.type === H3FrameType.SETTINGS) throw new H3Error(H3ErrorCode.H3_FRAME_UNEXPECTED, 'second SETTINGS');
      if (h.type === H3FrameType.DATA || h.type === H3FrameType.HEADERS || h.type === H3FrameType.PUSH_PROMISE) {
        throw new H3Error(H3ErrorCode.H3_FRAME_UNEXPECTED, `frame 0x${h.type.toString(16)} on the control stream`);
      }
      const known = h.type === H3FrameType.SETTINGS || h.type === H3FrameType.GOAWAY || h.type === H3FrameType.MAX_PUSH_ID || h.type === H3FrameType.CANCEL_PUSH;
      if (!known) {
        decodeFramePayload(h.type, EMPTY); // throws H3_FRAME_UNEXPECTED for HTTP/2 frame types
        this.skip = h.length;
        buf = buf.subarray(h.headerLength);
        continue;
      }
      if (buf.length < h.headerLength + h.length) break; // small: bounded by checkFrameLength
      const f = decodeFramePayload(h.type, buf.subarray(h.headerLength, h.headerLength + h.length));
      buf = buf.subarray(h.headerLength + h.length);
      if (f.type === 'settings') this.settingsSeen = true;
      if (f.type === 'settings' || f.type === 'goaway' || f.type === 'max_push_id' || f.type === 'cancel_push') out.push(f);
    }
    this.buf = buf.length === 0 ? EMPTY : buf.slice();
    return out;
  }
}
