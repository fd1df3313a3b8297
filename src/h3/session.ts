/**
 * The HTTP/3 connection state machine (sans-IO, DESIGN §1): our control and QPACK streams, the
 * peer's critical streams and SETTINGS, request streams (see request-stream.ts), GOAWAY, and a
 * hook for WebTransport streams.
 *
 * Implements:
 * - RFC 9114 §6.1 (bidirectional streams: "Clients MUST treat receipt of a server-initiated
 *   bidirectional stream as a connection error of type H3_STREAM_CREATION_ERROR"), §6.2 (stream
 *   types; unknown types are stopped with H3_STREAM_CREATION_ERROR), §6.2.1 (control stream:
 *   SETTINGS first, one per peer, never closed), §6.2.2 (push streams: we never send
 *   MAX_PUSH_ID), §7.2.4 (SETTINGS), §5.2 and §7.2.6 (GOAWAY), §7.2.7 (MAX_PUSH_ID), §7.2.8 and
 *   §9 (unknown frame types and settings are ignored; GREASE is sent).
 * - RFC 9204 §4.2: one QPACK encoder and one decoder stream per peer; their closure is
 *   H3_CLOSED_CRITICAL_STREAM.
 * - draft-ietf-webtrans-http3 §4.2-§4.3: bidi streams starting with WT_STREAM (0x41) and uni
 *   streams of type 0x54 carry a session ID; they are surfaced (`wt_stream`) and their bytes held
 *   (bounded) until a handler claims them.
 *
 * Inputs: `start`, `onStreamOpened`, `onStreamData(id, bytes, fin)`, `onStreamReset`; commands:
 * `encodeHeaders`, `encodeData`, `sendGoaway`, `claimStream`; outputs: `pollAction()` (bytes for
 * our unidirectional streams, stream resets, connection close) and `pollEvent()`.
 */
import { Writer, concatBytes } from '../util/bytes.js';
import { peekVarint } from '../util/varint.js';
import { H3Error, H3ErrorCode } from './errors.js';
import { ControlStreamReader, type ControlFrame } from './control-stream.js';
import { H3FrameType, H3SettingId, H3StreamType, frameToBytes, interpretSettings, sizeOfFrameHeader, type H3Settings, type Setting } from './frames.js';
import { QpackDecoder, type Field } from './qpack-decoder.js';
import { QpackEncoder } from './qpack-encoder.js';
import { RequestStream, type RequestStreamHost } from './request-stream.js';
import type { H3Action, H3Event, H3SessionOptions } from './session-types.js';

export type { H3Action, H3Event, H3SessionOptions } from './session-types.js';

/** Stream IDs of our unidirectional streams, opened by the driver (RFC 9114 §6.2). */
export interface H3LocalStreams {
  readonly control: number;
  readonly qpackEncoder: number;
  readonly qpackDecoder: number;
  /** A GREASE stream (RFC 9114 §6.2.3), sent with a reserved type and finished at once. */
  readonly grease?: number;
}

type UniState =
  | { kind: 'pending'; buf: Uint8Array }
  | ControlState
  | { kind: 'qpack_encoder' }
  | { kind: 'qpack_decoder' }
  | { kind: 'ignored' }
  | WtState;

interface ControlState {
  kind: 'control';
  reader: ControlStreamReader;
}

interface WtState {
  kind: 'wt';
  sessionId: number;
  claimed: boolean;
  held: Uint8Array[];
  heldBytes: number;
  fin: boolean;
}

const EMPTY = new Uint8Array(0);
/** RFC 9114 §7.2.8 / §6.2.3: a reserved value 0x1f * N + 0x21. */
const grease = (n: number): number => 0x1f * n + 0x21;

/** One HTTP/3 connection, either role. */
export class H3Session implements RequestStreamHost {
  /** 'client' or 'server'. */
  readonly role: 'client' | 'server';
  /** Our QPACK decoder (our SETTINGS). */
  readonly decoder: QpackDecoder;
  /** Our QPACK encoder (the peer's SETTINGS apply once received). */
  readonly encoder: QpackEncoder;
  /** Options in force. */
  readonly options: Required<Omit<H3SessionOptions, 'extraSettings'>> & { extraSettings: readonly Setting[] };
  private local: H3LocalStreams | undefined;
  private readonly uni = new Map<number, UniState>();
  private readonly requests = new Map<number, RequestStream>();
  private readonly wtBidi = new Map<number, WtState>();
  private readonly actions: H3Action[] = [];
  private readonly events: H3Event[] = [];
  private peerSettingsValue: H3Settings | undefined;
  private peerControl: number | undefined;
  private peerEncoder: number | undefined;
  private peerDecoder: number | undefined;
  private goawaySent: number | undefined;
  private goawayReceived: number | undefined;
  private maxPushIdReceived = -1;
  private maxPeerRequest = -1;
  private highestPeerBidi = -1;
  private closedWith: H3Error | undefined;

  /** @param options role and limits. */
  constructor(options: H3SessionOptions) {
    this.role = options.role;
    this.options = {
      role: options.role,
      maxFieldSectionSize: options.maxFieldSectionSize ?? 64 * 1024,
      qpackMaxTableCapacity: options.qpackMaxTableCapacity ?? 4096,
      qpackBlockedStreams: options.qpackBlockedStreams ?? 16,
      enableConnectProtocol: options.enableConnectProtocol ?? false,
      h3Datagram: options.h3Datagram ?? false,
      extraSettings: options.extraSettings ?? [],
      greaseIndex: options.greaseIndex ?? 7,
      maxBufferedPerStream: options.maxBufferedPerStream ?? 256 * 1024,
      maxHeldWebTransportBytes: options.maxHeldWebTransportBytes ?? 64 * 1024,
    };
    const o = this.options;
    this.decoder = new QpackDecoder({ maxTableCapacity: o.qpackMaxTableCapacity, maxBlockedStreams: o.qpackBlockedStreams, maxFieldSectionSize: o.maxFieldSectionSize });
    this.encoder = new QpackEncoder({ maxTableCapacity: o.qpackMaxTableCapacity });
  }

  /** The peer's SETTINGS, once received. */
  get peerSettings(): H3Settings | undefined {
    return this.peerSettingsValue;
  }

  /** The connection error this session ended with, if any. */
  get error(): H3Error | undefined {
    return this.closedWith;
  }

  /** The id in the peer's GOAWAY (RFC 9114 §5.2), if one arrived. */
  get peerGoaway(): number | undefined {
    return this.goawayReceived;
  }

  /** The settings we send (RFC 9114 §7.2.4.1, RFC 9204 §5, RFC 9220 §3, RFC 9297 §2.1.1). */
  localSettings(): Setting[] {
    const o = this.options;
    const s: Setting[] = [
      { id: H3SettingId.MAX_FIELD_SECTION_SIZE, value: o.maxFieldSectionSize },
      { id: H3SettingId.QPACK_MAX_TABLE_CAPACITY, value: o.qpackMaxTableCapacity },
      { id: H3SettingId.QPACK_BLOCKED_STREAMS, value: o.qpackBlockedStreams },
    ];
    if (o.enableConnectProtocol) s.push({ id: H3SettingId.ENABLE_CONNECT_PROTOCOL, value: 1 });
    if (o.h3Datagram) s.push({ id: H3SettingId.H3_DATAGRAM, value: 1 });
    s.push(...o.extraSettings);
    // RFC 9114 §7.2.4.1: reserved identifiers "can be sent ... to exercise the requirement that
    // unknown identifiers be ignored".
    if (o.greaseIndex >= 0) s.push({ id: grease(o.greaseIndex), value: o.greaseIndex });
    return s;
  }

  /**
   * Starts the session on the unidirectional streams the driver opened: the control stream with
   * SETTINGS first (RFC 9114 §6.2.1), the QPACK encoder and decoder streams (RFC 9204 §4.2), and
   * an optional GREASE stream (RFC 9114 §6.2.3).
   */
  start(streams: H3LocalStreams): void {
    if (this.local !== undefined) return;
    this.local = streams;
    const settings = frameToBytes({ type: 'settings', settings: this.localSettings() });
    const ctl = Writer.alloc(1 + settings.length + 3);
    ctl.varint(H3StreamType.CONTROL).bytes(settings);
    // RFC 9114 §7.2.8: a reserved frame type on the control stream, to be ignored by the peer.
    if (this.options.greaseIndex >= 0) ctl.varint(grease(this.options.greaseIndex % 2)).varint(0);
    this.write(streams.control, ctl.written());
    this.write(streams.qpackEncoder, Uint8Array.of(H3StreamType.QPACK_ENCODER));
    this.write(streams.qpackDecoder, Uint8Array.of(H3StreamType.QPACK_DECODER));
    if (streams.grease !== undefined) {
      const g = Writer.alloc(16);
      g.varint(grease(this.options.greaseIndex + 1)).bytes(Uint8Array.of(0x67, 0x72, 0x65, 0x61, 0x73, 0x65));
      this.actions.push({ kind: 'write', streamId: streams.grease, bytes: g.written(), fin: true });
    }
  }

  /** The next action for the driver (writes to our uni streams, resets, close), if any. */
  pollAction(): H3Action | undefined {
    return this.actions.shift();
  }

  /** The next event for the application, if any. */
  pollEvent(): H3Event | undefined {
    return this.events.shift();
  }

  // ---------------------------------------------------------------- RequestStreamHost

  /** @internal */
  emit(ev: H3Event): void {
    this.events.push(ev);
  }

  /** @internal flushes QPACK decoder instructions (Section Acknowledgments, etc). */
  flushDecoder(): void {
    const b = this.decoder.takeDecoderStream();
    if (b.length > 0 && this.local !== undefined) this.write(this.local.qpackDecoder, b);
  }

  /** @internal a request stream failed: reset it (RFC 9114 §8). */
  streamError(streamId: number, code: number, reason: string): void {
    this.requests.delete(streamId);
    this.actions.push({ kind: 'reset_stream', streamId, code });
    this.actions.push({ kind: 'stop_sending', streamId, code });
    this.events.push({ type: 'stream_error', streamId, code, reason });
  }

  /** @internal a bidi stream turned out to be a WebTransport stream (0x41 + session ID). */
  becomeWebTransport(streamId: number, sessionId: number, rest: Uint8Array, fin: boolean): void {
    this.requests.delete(streamId);
    const st: WtState = { kind: 'wt', sessionId, claimed: false, held: [], heldBytes: 0, fin: false };
    this.wtBidi.set(streamId, st);
    this.events.push({ type: 'wt_stream', streamId, sessionId, bidi: true });
    this.wtData(streamId, st, rest, fin);
  }

  // ---------------------------------------------------------------- inputs

  /**
   * The peer opened a stream. RFC 9114 §6.1: "Clients MUST treat receipt of a server-initiated
   * bidirectional stream as a connection error of type H3_STREAM_CREATION_ERROR unless such an
   * extension has been negotiated."
   */
  onStreamOpened(streamId: number): void {
    if (this.closedWith !== undefined) return;
    if ((streamId & 0x3) === 0 && streamId > this.highestPeerBidi) this.highestPeerBidi = streamId;
    if ((streamId & 0x2) === 0 && this.role === 'client' && (streamId & 0x1) === 1) {
      this.fail(new H3Error(H3ErrorCode.H3_STREAM_CREATION_ERROR, `server-initiated bidirectional stream ${streamId}`));
    }
  }

  /**
   * Bytes (a view, valid for this call only) arrived on a stream, with `fin` at its end. Events
   * and actions it causes are queued.
   */
  onStreamData(streamId: number, bytes: Uint8Array, fin: boolean): void {
    if (this.closedWith !== undefined) return;
    try {
      if ((streamId & 0x2) !== 0) this.uniData(streamId, bytes, fin);
      else this.bidiData(streamId, bytes, fin);
    } catch (err) {
      if (err instanceof H3Error) this.fail(err);
      else throw err;
    }
  }

  /** The peer reset a stream (RESET_STREAM, RFC 9000 §19.4). */
  onStreamReset(streamId: number, code: number): void {
    if (this.closedWith !== undefined) return;
    if (streamId === this.peerControl || streamId === this.peerEncoder || streamId === this.peerDecoder) {
      return this.fail(new H3Error(H3ErrorCode.H3_CLOSED_CRITICAL_STREAM, `critical stream ${streamId} reset`));
    }
    this.uni.delete(streamId);
    this.wtBidi.delete(streamId);
    const req = this.requests.get(streamId);
    if (req !== undefined) {
      this.requests.delete(streamId);
      // RFC 9204 §2.2.2.2: "When an endpoint receives a stream reset before the end of a stream or
      // before all encoded field sections are processed on that stream, ... it generates a Stream
      // Cancellation instruction".
      if (req.blockedOrMidway) {
        this.decoder.cancelStream(streamId);
        this.flushDecoder();
      }
    }
    this.events.push({ type: 'stream_reset', streamId, code });
  }

  // ---------------------------------------------------------------- commands

  /**
   * Encodes a HEADERS frame for `streamId` (RFC 9114 §4.1): a request (client), a response
   * (server) or trailers (either). Field names must already be lowercase byte strings. QPACK
   * encoder instructions it needs are queued for our encoder stream.
   * @param request for a client request: the method, so that the response can be checked
   *   (HEAD responses carry no content, RFC 9114 §4.1.2).
   */
  encodeHeaders(streamId: number, fields: readonly Field[], request?: { method: string }): Uint8Array {
    if (request !== undefined && this.role === 'client' && !this.requests.has(streamId)) {
      this.requests.set(streamId, new RequestStream(this, streamId, true, request.method));
    }
    const section = this.encoder.encodeFieldSection(streamId, fields);
    const ins = this.encoder.takeEncoderStream();
    if (ins.length > 0 && this.local !== undefined) this.write(this.local.qpackEncoder, ins);
    return frameToBytes({ type: 'headers', fieldSection: section });
  }

  /** The header of a DATA frame carrying `length` bytes (RFC 9114 §7.2.1). */
  static dataHeader(length: number): Uint8Array {
    const w = Writer.alloc(sizeOfFrameHeader(H3FrameType.DATA, length));
    w.varint(H3FrameType.DATA).varint(length);
    return w.written();
  }

  /** A whole DATA frame (RFC 9114 §7.2.1). */
  static encodeData(payload: Uint8Array): Uint8Array {
    return concatBytes(H3Session.dataHeader(payload.length), payload);
  }

  /**
   * Sends GOAWAY (RFC 9114 §5.2). A server's id is the first request stream it will not process
   * (default: one past the last it saw); a client's is a push ID (default 0). Later requests with
   * a stream ID at or above the server's id are rejected with H3_REQUEST_REJECTED.
   * RFC 9114 §5.2: the identifier "MUST NOT be greater than the identifier in any previous frame".
   */
  sendGoaway(id?: number): void {
    if (this.local === undefined || this.closedWith !== undefined) return;
    const seen = Math.max(this.maxPeerRequest, this.highestPeerBidi);
    let value = id ?? (this.role === 'server' && seen >= 0 ? seen + 4 : 0);
    if (this.goawaySent !== undefined && value > this.goawaySent) value = this.goawaySent;
    this.goawaySent = value;
    this.write(this.local.control, frameToBytes({ type: 'goaway', id: value }));
  }

  /** The id of the GOAWAY we sent, if any. */
  get goawayId(): number | undefined {
    return this.goawaySent;
  }

  /**
   * Takes ownership of a WebTransport stream announced by `wt_stream`: its held bytes and later
   * ones arrive as `wt_data` events.
   */
  claimStream(streamId: number): void {
    const st = this.wtBidi.get(streamId) ?? this.uni.get(streamId);
    if (st === undefined || st.kind !== 'wt' || st.claimed) return;
    st.claimed = true;
    for (const data of st.held) this.events.push({ type: 'wt_data', streamId, data, fin: false });
    if (st.fin) this.events.push({ type: 'wt_data', streamId, data: EMPTY, fin: true });
    st.held = [];
    st.heldBytes = 0;
    if (st.fin) this.wtBidi.delete(streamId) || this.uni.delete(streamId); // end delivered: forget (DESIGN §5)
  }

  /**
   * Refuses a WebTransport stream nobody claims (draft-ietf-webtrans-http3 §4.6:
   * WT_BUFFERED_STREAM_REJECTED).
   */
  rejectStream(streamId: number, code: number = H3ErrorCode.WT_BUFFERED_STREAM_REJECTED): void {
    const bidi = this.wtBidi.delete(streamId);
    this.uni.set(streamId, { kind: 'ignored' });
    if (bidi) this.actions.push({ kind: 'reset_stream', streamId, code });
    this.actions.push({ kind: 'stop_sending', streamId, code });
  }

  /** Closes the HTTP/3 connection with `code` (an application CONNECTION_CLOSE). */
  close(code: number = H3ErrorCode.H3_NO_ERROR, reason = ''): void {
    this.fail(new H3Error(code, reason));
  }

  // ---------------------------------------------------------------- internals

  private write(streamId: number, bytes: Uint8Array): void {
    this.actions.push({ kind: 'write', streamId, bytes, fin: false });
  }

  private fail(err: H3Error): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = err;
    this.actions.push({ kind: 'close', code: err.code, reason: err.message });
    this.events.push({ type: 'closed', code: err.code, reason: err.message });
  }

  private bidiData(streamId: number, bytes: Uint8Array, fin: boolean): void {
    const wt = this.wtBidi.get(streamId);
    if (wt !== undefined) return this.wtData(streamId, wt, bytes, fin);
    let req = this.requests.get(streamId);
    if (req === undefined) {
      const peerInitiated = (streamId & 0x1) === (this.role === 'server' ? 0 : 1);
      if (!peerInitiated) return; // a finished or failed request of ours: ignore late bytes
      if (this.role === 'client') throw new H3Error(H3ErrorCode.H3_STREAM_CREATION_ERROR, `server-initiated bidirectional stream ${streamId}`);
      if (streamId <= this.maxPeerRequest) return; // already handled (finished or failed)
      this.maxPeerRequest = streamId;
      req = new RequestStream(this, streamId, false, undefined);
      this.requests.set(streamId, req);
    }
    req.onData(bytes, fin);
    if (req.done) this.requests.delete(streamId);
  }

  /**
   * @internal whether a request on the peer's stream `streamId` is refused because of our GOAWAY
   * (RFC 9114 §5.2: requests "with the indicated identifier or greater" are rejected). Asked at
   * the stream's first frame: a WebTransport stream (0x41) is no request, and draft-ietf-webtrans-
   * http3-16 §4.7 lets sessions go on opening streams after GOAWAY.
   */
  refusesRequest(streamId: number): boolean {
    return this.goawaySent !== undefined && streamId >= this.goawaySent;
  }

  /** @internal whether we sent SETTINGS_ENABLE_CONNECT_PROTOCOL = 1. */
  get connectProtocolEnabled(): boolean {
    return this.options.enableConnectProtocol;
  }

  private wtData(streamId: number, st: WtState, bytes: Uint8Array, fin: boolean): void {
    if (st.claimed) {
      if (bytes.length > 0 || fin) this.events.push({ type: 'wt_data', streamId, data: bytes, fin });
      if (fin) this.wtBidi.delete(streamId) || this.uni.delete(streamId); // end delivered: forget (DESIGN §5)
      return;
    }
    if (bytes.length > 0) {
      st.held.push(bytes.slice());
      st.heldBytes += bytes.length;
    }
    st.fin ||= fin;
    // draft-ietf-webtrans-http3 §4.6: buffered stream data is bounded; beyond it the stream is
    // rejected with WT_BUFFERED_STREAM_REJECTED.
    if (st.heldBytes > this.options.maxHeldWebTransportBytes) this.rejectStream(streamId);
  }

  private uniData(streamId: number, bytes: Uint8Array, fin: boolean): void {
    let st = this.uni.get(streamId);
    if (st === undefined) {
      st = { kind: 'pending', buf: EMPTY };
      this.uni.set(streamId, st);
    }
    if (st.kind === 'pending') {
      const buf = st.buf.length === 0 ? bytes : concatBytes(st.buf, bytes);
      const type = peekVarint(buf, 0);
      if (type === undefined) {
        if (fin) this.uni.set(streamId, { kind: 'ignored' });
        else st.buf = buf.slice();
        return;
      }
      st = this.classify(streamId, type.value, buf, type.length, fin);
      if (st === undefined) return;
      bytes = buf.subarray(type.length);
    }
    switch (st.kind) {
      case 'pending':
      case 'ignored':
        return;
      case 'wt':
        return this.wtData(streamId, st, bytes, fin);
      case 'qpack_encoder':
        this.decoder.handleEncoderStream(bytes);
        this.flushDecoder();
        for (const u of this.decoder.takeUnblocked()) this.requests.get(u.streamId)?.onUnblocked(u);
        for (const [id, r] of this.requests) if (r.done) this.requests.delete(id);
        break;
      case 'qpack_decoder':
        this.encoder.handleDecoderStream(bytes);
        break;
      case 'control':
        for (const f of st.reader.push(bytes)) this.controlFrame(f);
        break;
    }
    // RFC 9114 §6.2.1: "If either control stream is closed at any point, this MUST be treated as a
    // connection error of type H3_CLOSED_CRITICAL_STREAM." RFC 9204 §4.2: "Closure of either
    // unidirectional stream type MUST be treated as a connection error of type
    // H3_CLOSED_CRITICAL_STREAM."
    if (fin) throw new H3Error(H3ErrorCode.H3_CLOSED_CRITICAL_STREAM, `critical ${st.kind} stream ${streamId} closed`);
  }

  /** Decides what a new unidirectional stream is (RFC 9114 §6.2). */
  private classify(streamId: number, type: number, buf: Uint8Array, offset: number, fin: boolean): UniState | undefined {
    const creationError = (what: string): never => {
      throw new H3Error(H3ErrorCode.H3_STREAM_CREATION_ERROR, what);
    };
    let st: UniState;
    switch (type) {
      case H3StreamType.CONTROL:
        // RFC 9114 §6.2.1: "receipt of a second stream claiming to be a control stream MUST be
        // treated as a connection error of type H3_STREAM_CREATION_ERROR."
        if (this.peerControl !== undefined) creationError('second control stream');
        this.peerControl = streamId;
        st = { kind: 'control', reader: new ControlStreamReader() };
        break;
      case H3StreamType.QPACK_ENCODER:
        // RFC 9204 §4.2: "Receipt of a second instance of either stream type MUST be treated as a
        // connection error of type H3_STREAM_CREATION_ERROR."
        if (this.peerEncoder !== undefined) creationError('second QPACK encoder stream');
        this.peerEncoder = streamId;
        st = { kind: 'qpack_encoder' };
        break;
      case H3StreamType.QPACK_DECODER:
        if (this.peerDecoder !== undefined) creationError('second QPACK decoder stream');
        this.peerDecoder = streamId;
        st = { kind: 'qpack_decoder' };
        break;
      case H3StreamType.PUSH:
        // RFC 9114 §6.2.2: "Only servers can push; if a server receives a client-initiated push
        // stream, this MUST be treated as a connection error of type H3_STREAM_CREATION_ERROR."
        if (this.role === 'server') creationError('client-initiated push stream');
        // RFC 9114 §4.6: a push ID beyond the maximum is H3_ID_ERROR "when no MAX_PUSH_ID frame
        // has been sent"; we never send MAX_PUSH_ID.
        throw new H3Error(H3ErrorCode.H3_ID_ERROR, 'push stream without MAX_PUSH_ID');
      case H3StreamType.WEBTRANSPORT: {
        const sid = peekVarint(buf, offset);
        if (sid === undefined) {
          this.uni.set(streamId, { kind: 'pending', buf: buf.slice() });
          if (fin) this.uni.set(streamId, { kind: 'ignored' });
          return undefined;
        }
        const wt: WtState = { kind: 'wt', sessionId: sid.value, claimed: false, held: [], heldBytes: 0, fin: false };
        this.uni.set(streamId, wt);
        this.events.push({ type: 'wt_stream', streamId, sessionId: sid.value, bidi: false });
        this.wtData(streamId, wt, buf.subarray(offset + sid.length), fin);
        return undefined;
      }
      default:
        // RFC 9114 §6.2: "Recipients of unknown stream types MUST either abort reading of the
        // stream or discard incoming data without further processing. If reading is aborted, the
        // recipient SHOULD use the H3_STREAM_CREATION_ERROR error code".
        this.uni.set(streamId, { kind: 'ignored' });
        if (!fin) this.actions.push({ kind: 'stop_sending', streamId, code: H3ErrorCode.H3_STREAM_CREATION_ERROR });
        return undefined;
    }
    this.uni.set(streamId, st);
    return st;
  }

  /** A frame from the peer's control stream; ControlStreamReader already enforced the frame-order rules. */
  private controlFrame(f: ControlFrame): void {
    switch (f.type) {
      case 'settings': {
        const s = interpretSettings(f.settings);
        this.peerSettingsValue = s;
        this.encoder.applyPeerSettings({ maxTableCapacity: s.qpackMaxTableCapacity, blockedStreams: s.qpackBlockedStreams });
        const ins = this.encoder.takeEncoderStream();
        if (ins.length > 0 && this.local !== undefined) this.write(this.local.qpackEncoder, ins);
        this.events.push({ type: 'settings', settings: s });
        return;
      }
      case 'goaway': {
        // RFC 9114 §7.2.6: "A client MUST treat receipt of a GOAWAY frame containing a stream ID of
        // any other type as a connection error of type H3_ID_ERROR."
        if (this.role === 'client' && f.id % 4 !== 0) throw new H3Error(H3ErrorCode.H3_ID_ERROR, `GOAWAY with stream ID ${f.id}`);
        // RFC 9114 §5.2: "Receiving a GOAWAY containing a larger identifier than previously
        // received MUST be treated as a connection error of type H3_ID_ERROR."
        if (this.goawayReceived !== undefined && f.id > this.goawayReceived) throw new H3Error(H3ErrorCode.H3_ID_ERROR, `GOAWAY ${f.id} after ${this.goawayReceived}`);
        this.goawayReceived = f.id;
        this.events.push({ type: 'goaway', id: f.id });
        return;
      }
      case 'max_push_id':
        // RFC 9114 §7.2.7: "A client MUST NOT send a MAX_PUSH_ID frame... The server MUST treat the
        // receipt of a MAX_PUSH_ID frame on any other stream as a connection error of type
        // H3_FRAME_UNEXPECTED"; a server sending it is H3_FRAME_UNEXPECTED too.
        if (this.role === 'client') throw new H3Error(H3ErrorCode.H3_FRAME_UNEXPECTED, 'MAX_PUSH_ID from a server');
        // RFC 9114 §7.2.7: "receipt of a MAX_PUSH_ID frame that contains a smaller value than
        // previously received MUST be treated as a connection error of type H3_ID_ERROR."
        if (f.pushId < this.maxPushIdReceived) throw new H3Error(H3ErrorCode.H3_ID_ERROR, 'MAX_PUSH_ID decreased');
        this.maxPushIdReceived = f.pushId;
        return;
      case 'cancel_push':
        // RFC 9114 §7.2.3: a client receiving CANCEL_PUSH for a push ID it did not allow is
        // H3_ID_ERROR; we never allow pushes. A server ignores it (we never push).
        if (this.role === 'client') throw new H3Error(H3ErrorCode.H3_ID_ERROR, 'CANCEL_PUSH without MAX_PUSH_ID');
        return;
    }
  }
}
