/**
 * The stream manager: every stream of a connection by ID, with the creation rules of RFC 9000
 * §2.1 and §3.2, the stream limits of §4.6, connection-level flow control (§4.1), and the frame
 * checks of §19.4, §19.5, §19.8, §19.10 and §19.13 (frames for streams in a state or direction
 * that cannot take them are STREAM_STATE_ERROR). Streams are dropped once both parts are in a
 * terminal state; a peer stream's slot is then given back through MAX_STREAMS.
 *
 * Scheduling (which stream goes into the next packet) belongs to src/scheduler; `writeFrames`
 * here is the simple in-ID-order policy, and `writeStreamFrame` lets a scheduler pick. For a
 * scheduler, the manager reports (through a `StreamSendObserver`) every event that can make a
 * stream's STREAM data sendable, and keeps the set of streams that may owe a control frame so that
 * `writeControlFrames` costs O(streams with something to say) per packet, not O(all streams).
 */
import type { Writer } from '../util/bytes.js';
import type { Duration, Instant } from '../util/time.js';
import { TransportError, TransportErrorCode } from '../wire/errors.js';
import { FrameType } from '../wire/frame-types.js';
import type {
  MaxStreamDataFrame,
  ResetStreamFrame,
  StopSendingFrame,
  StreamDataBlockedFrame,
  StreamFrame,
} from '../wire/frames.js';
import { ConnectionRecvFlow, ConnectionSendFlow } from './flow-control.js';
import { RecvStream } from './recv-stream.js';
import { SendStream } from './send-stream.js';
import { hasRecvPart, hasSendPart, isLocal, streamDir, streamId, streamIndex, streamInitiator, type Role, type StreamDir } from './stream-id.js';
import { LocalStreamLimit, RemoteStreamLimit } from './stream-limits.js';
import type { StreamsToken } from './tokens.js';

/** Flow-control and stream-count transport parameters of one side (RFC 9000 §18.2). */
export interface StreamTransportLimits {
  readonly initialMaxData: number;
  readonly initialMaxStreamDataBidiLocal: number;
  readonly initialMaxStreamDataBidiRemote: number;
  readonly initialMaxStreamDataUni: number;
  readonly initialMaxStreamsBidi: number;
  readonly initialMaxStreamsUni: number;
}

/** Configuration of a StreamManager. */
export interface StreamManagerConfig {
  readonly role: Role;
  /** What we advertised. */
  readonly local: StreamTransportLimits;
  /** What the peer advertised. */
  readonly peer: StreamTransportLimits;
  /** Send buffer capacity per stream. */
  readonly sendBufferCapacity: number;
  /** Largest auto-tuned stream receive window. */
  readonly maxStreamWindow: number;
  /** Largest auto-tuned connection receive window. */
  readonly maxConnectionWindow: number;
}

/** Both parts of a stream (either may be absent for a unidirectional stream). */
export interface StreamEntry {
  readonly id: number;
  readonly send: SendStream | undefined;
  readonly recv: RecvStream | undefined;
}

/**
 * Told when a stream may have become able to send STREAM data, when the connection's send credit
 * grew, and when a stream is dropped: what a scheduler needs to keep its pending set exact.
 */
export interface StreamSendObserver {
  /** Stream `id` may have STREAM data to send now (write, FIN, MAX_STREAM_DATA, loss). */
  onSendable(id: number): void;
  /** MAX_DATA raised the connection's send credit (RFC 9000 §19.9). */
  onConnectionCredit(): void;
  /** Stream `id` was dropped (both parts terminal). */
  onClosed(id: number): void;
}

/** Largest stream control frame (RESET_STREAM, RFC 9000 §19.4: type and three 8-byte varints). */
const MAX_STREAM_CONTROL_FRAME = 1 + 8 + 8 + 8;

/**
 * Where `writeControlFrames` puts its tokens: a StreamsToken[], or the packet's whole token list
 * (the connection's, whose element type is wider), so the tokens need no intermediate array.
 */
export interface TokenSink {
  push(token: StreamsToken): unknown;
}

type StreamRelatedFrame = StreamFrame | ResetStreamFrame | StopSendingFrame | MaxStreamDataFrame | StreamDataBlockedFrame;

/** Every stream of one connection. */
export class StreamManager {
  /** Connection-level sender credit (peer's MAX_DATA). */
  readonly connSend: ConnectionSendFlow;
  /** Connection-level receive limit (our MAX_DATA). */
  readonly connRecv: ConnectionRecvFlow;
  private readonly config: StreamManagerConfig;
  private readonly streams = new Map<number, StreamEntry>();
  private readonly localLimits: Record<StreamDir, LocalStreamLimit>;
  private readonly remoteLimits: Record<StreamDir, RemoteStreamLimit>;
  private readonly opened: number[] = [];
  private openedHead = 0;
  /** Streams that may owe a control frame (bounded by the open streams: entries leave on close). */
  private readonly controlDirty = new Set<number>();
  private observer: StreamSendObserver | undefined;
  /** Streams created so far (ours and the peer's), by direction (DESIGN §7 ConnectionStats). */
  readonly streamsOpened: Record<StreamDir, number> = { bidi: 0, uni: 0 };
  /** Streams dropped once both parts were terminal, by direction (DESIGN §7 ConnectionStats). */
  readonly streamsClosed: Record<StreamDir, number> = { bidi: 0, uni: 0 };

  constructor(config: StreamManagerConfig) {
    this.config = config;
    this.connSend = new ConnectionSendFlow(config.peer.initialMaxData);
    this.connRecv = new ConnectionRecvFlow({ initialWindow: config.local.initialMaxData, maxWindow: config.maxConnectionWindow });
    this.localLimits = { bidi: new LocalStreamLimit(true, config.peer.initialMaxStreamsBidi), uni: new LocalStreamLimit(false, config.peer.initialMaxStreamsUni) };
    this.remoteLimits = { bidi: new RemoteStreamLimit(true, config.local.initialMaxStreamsBidi), uni: new RemoteStreamLimit(false, config.local.initialMaxStreamsUni) };
  }

  /** Number of streams currently held. */
  get size(): number {
    return this.streams.size;
  }

  /** The IDs of the streams held. */
  ids(): IterableIterator<number> {
    return this.streams.keys();
  }

  /** The stream with this ID, if open. */
  get(id: number): StreamEntry | undefined {
    return this.streams.get(id);
  }

  /** Opens a local stream; undefined at the peer's limit (STREAMS_BLOCKED is then queued). */
  openStream(dir: StreamDir): StreamEntry | undefined {
    const index = this.localLimits[dir].tryOpen();
    return index === undefined ? undefined : this.create(streamId(index, this.config.role, dir));
  }

  /** Installs the observer a scheduler uses (see `StreamSendObserver`). */
  setObserver(observer: StreamSendObserver | undefined): void {
    this.observer = observer;
  }

  /** Streams that may owe a control frame (for tests of the bound). */
  get controlDirtyCount(): number {
    return this.controlDirty.size;
  }

  /**
   * Buffers application bytes on stream `id`; returns how many it took (see `SendStream.write`).
   * @throws StreamUsageError after finish or reset; Error for a stream without a sending part.
   */
  write(id: number, bytes: Uint8Array): number {
    const send = this.requireSend(id);
    const n = send.write(bytes);
    if (n > 0) this.observer?.onSendable(id);
    return n;
  }

  /** Ends stream `id` after what was written (STREAM with FIN, RFC 9000 §3.1). */
  finish(id: number): void {
    this.requireSend(id).finish();
    this.observer?.onSendable(id);
  }

  /** Abandons sending on stream `id` (RESET_STREAM, RFC 9000 §3.1); false if not possible. */
  resetStream(id: number, errorCode: number): boolean {
    const send = this.streams.get(id)?.send;
    if (send === undefined || !send.reset(errorCode)) return false;
    this.controlDirty.add(id);
    return true;
  }

  /** The next stream the peer opened, for the application to accept; undefined when none. */
  acceptStream(): StreamEntry | undefined {
    while (this.openedHead < this.opened.length) {
      const id = this.opened[this.openedHead++]!;
      const entry = this.streams.get(id);
      if (entry !== undefined) return entry;
    }
    return undefined;
  }

  /** MAX_DATA received (RFC 9000 §19.9). */
  onMaxData(maximum: number): void {
    const before = this.connSend.available;
    this.connSend.onMaxData(maximum);
    if (this.connSend.available > before) this.observer?.onConnectionCredit();
  }

  /** MAX_STREAMS received (RFC 9000 §19.11); returns true if it raised our limit. */
  onMaxStreams(bidi: boolean, maximum: number): boolean {
    return this.localLimits[bidi ? 'bidi' : 'uni'].onMaxStreams(maximum);
  }

  /** How many more streams of `dir` we may open now (RFC 9000 §4.6). */
  localStreamsAvailable(dir: StreamDir): number {
    return this.localLimits[dir].available;
  }

  /**
   * Takes a frame about one stream: STREAM, RESET_STREAM, STOP_SENDING, MAX_STREAM_DATA or
   * STREAM_DATA_BLOCKED.
   * @throws TransportError STREAM_STATE_ERROR, STREAM_LIMIT_ERROR, FLOW_CONTROL_ERROR,
   *   FINAL_SIZE_ERROR or PROTOCOL_VIOLATION.
   */
  onStreamFrame(frame: StreamRelatedFrame): void {
    const type = frameTypeCode(frame);
    const id = frame.streamId;
    const role = this.config.role;
    const needsRecv = frame.type === 'stream' || frame.type === 'reset_stream' || frame.type === 'stream_data_blocked';
    // RFC 9000 §19.8 / §19.4 / §19.13: "An endpoint MUST terminate the connection with error
    // STREAM_STATE_ERROR if it receives a STREAM frame for ... a send-only stream"; RFC 9000
    // §19.5 / §19.10: STOP_SENDING or MAX_STREAM_DATA for a receive-only stream likewise.
    if (needsRecv ? !hasRecvPart(id, role) : !hasSendPart(id, role)) {
      throw new TransportError(TransportErrorCode.STREAM_STATE_ERROR, type, `${frame.type} for stream ${id}, which has no ${needsRecv ? 'receiving' : 'sending'} part here`);
    }
    const entry = this.lookup(id, type);
    if (entry === undefined) return; // closed already: late or duplicate frame
    switch (frame.type) {
      case 'stream':
        this.connRecv.onReceived(entry.recv!.onStreamFrame(frame), type);
        break;
      case 'reset_stream':
        this.connRecv.onReceived(entry.recv!.onResetStream(frame), type);
        this.connRecv.onConsumed(entry.recv!.takeReleasedCredit());
        break;
      case 'stop_sending':
        entry.send!.onStopSending(frame.errorCode);
        this.controlDirty.add(id);
        break;
      case 'max_stream_data':
        if (entry.send!.onMaxStreamData(frame.maximum)) this.observer?.onSendable(id);
        break;
      case 'stream_data_blocked':
        break;
      default:
        return assertNever(frame);
    }
    this.maybeClose(entry);
  }

  /** Reads from a stream and returns its released credit to the connection (RFC 9000 §4.1). */
  read(id: number, max?: number): Uint8Array | undefined {
    const entry = this.streams.get(id);
    if (entry?.recv === undefined) return undefined;
    const data = entry.recv.read(max);
    this.connRecv.onConsumed(entry.recv.takeReleasedCredit());
    if (entry.recv.hasControlFrames) this.controlDirty.add(id);
    this.maybeClose(entry);
    return data;
  }

  /** Asks the peer to stop sending on a stream (RFC 9000 §3.5). */
  stopSending(id: number, errorCode: number): boolean {
    const entry = this.streams.get(id);
    if (entry?.recv === undefined) return false;
    const done = entry.recv.stopSending(errorCode);
    this.connRecv.onConsumed(entry.recv.takeReleasedCredit());
    if (done) this.controlDirty.add(id);
    return done;
  }

  /**
   * Writes the control frames (`writeControlFrames`), then STREAM frames in stream ID order while
   * they fit; pushes a token per frame into `out`. The connection schedules STREAM frames by
   * priority instead (src/connection/stream-scheduling.ts); this order serves tests and tools.
   */
  writeFrames(w: Writer, now: Instant, rtt: Duration, out: StreamsToken[]): void {
    this.writeControlFrames(w, now, rtt, out);
    for (const entry of this.streams.values()) {
      if (entry.send === undefined) continue;
      for (let t = this.writeStreamFrame(entry.id, w, w.remaining); t !== undefined; t = this.writeStreamFrame(entry.id, w, w.remaining)) out.push(t);
    }
  }

  /**
   * Writes the connection's control frames (MAX_DATA, DATA_BLOCKED, MAX_STREAMS, STREAMS_BLOCKED)
   * and then those of the streams that may owe one (MAX_STREAM_DATA, STOP_SENDING, RESET_STREAM,
   * STREAM_DATA_BLOCKED), while they fit; pushes a token per frame into `out`. Visits only the
   * streams marked since their last control frame, so the cost is independent of the stream count.
   */
  writeControlFrames(w: Writer, now: Instant, rtt: Duration, out: TokenSink): void {
    pushToken(out, this.connRecv.writeFrame(w, now, rtt));
    pushToken(out, this.connSend.writeFrame(w));
    pushToken(out, this.remoteLimits.bidi.writeFrame(w));
    pushToken(out, this.localLimits.bidi.writeFrame(w));
    pushToken(out, this.remoteLimits.uni.writeFrame(w));
    pushToken(out, this.localLimits.uni.writeFrame(w));
    if (this.controlDirty.size === 0) return; // the common case: no stream owes a control frame
    for (const id of this.controlDirty) {
      const entry = this.streams.get(id);
      if (entry !== undefined) {
        if (entry.recv !== undefined) while (pushToken(out, entry.recv.writeControlFrame(w, now, rtt)));
        if (entry.send !== undefined) while (pushToken(out, entry.send.writeControlFrame(w)));
        if (entry.recv?.hasControlFrames === true || entry.send?.hasControlFrames === true) {
          if (w.remaining < MAX_STREAM_CONTROL_FRAME) return; // the packet is full: keep the rest marked
          continue;
        }
      }
      this.controlDirty.delete(id);
    }
  }

  /** Writes one STREAM frame for stream `id` within connection credit; returns its token. */
  writeStreamFrame(id: number, w: Writer, maxBytes: number): StreamsToken | undefined {
    const send = this.streams.get(id)?.send;
    if (send === undefined) return undefined;
    const res = send.writeFrame(w, maxBytes, this.connSend.available);
    // RFC 9000 §4.1: "A sender SHOULD send a STREAM_DATA_BLOCKED or DATA_BLOCKED frame to indicate
    // to the receiver that it has data to write but is blocked by flow control limits."
    if (send.hasControlFrames) this.controlDirty.add(id);
    if (res === undefined) {
      if (send.wantsConnectionCredit && this.connSend.available <= 0) this.connSend.markBlocked();
      return undefined;
    }
    this.connSend.consume(res.newBytes);
    return res.token;
  }

  /** The packet carrying `token` was acknowledged. */
  onAcked(token: StreamsToken): void {
    switch (token.kind) {
      case 'stream':
      case 'reset_stream':
      case 'stream_data_blocked': {
        const entry = this.streams.get(token.streamId);
        entry?.send?.onAcked(token);
        if (entry !== undefined) this.maybeClose(entry);
        return;
      }
      default:
        return; // the other frames need nothing on acknowledgement
    }
  }

  /** The packet carrying `token` was lost: hand it back to its owner. */
  onLost(token: StreamsToken): void {
    switch (token.kind) {
      case 'stream':
      case 'reset_stream':
      case 'stream_data_blocked':
        this.streams.get(token.streamId)?.send?.onLost(token);
        if (token.kind === 'stream') this.observer?.onSendable(token.streamId);
        else this.controlDirty.add(token.streamId);
        return;
      case 'stop_sending':
      case 'max_stream_data':
        this.streams.get(token.streamId)?.recv?.onLost(token);
        this.controlDirty.add(token.streamId);
        return;
      case 'max_data':
        this.connRecv.onLost(token);
        return;
      case 'data_blocked':
        this.connSend.onLost(token);
        return;
      case 'max_streams':
        this.remoteLimits[token.bidi ? 'bidi' : 'uni'].onLost(token);
        return;
      case 'streams_blocked':
        this.localLimits[token.bidi ? 'bidi' : 'uni'].onLost(token);
        return;
      case 'datagram':
        return; // not a stream-manager token
      default:
        return assertNever(token);
    }
  }

  private requireSend(id: number): SendStream {
    const send = this.streams.get(id)?.send;
    if (send === undefined) throw new Error(`stream ${id} has no sending part`);
    return send;
  }

  /** Finds (creating peer streams as needed) the stream a peer frame names. */
  private lookup(id: number, type: number): StreamEntry | undefined {
    const existing = this.streams.get(id);
    if (existing !== undefined) return existing;
    const dir = streamDir(id);
    const index = streamIndex(id);
    if (isLocal(id, this.config.role)) {
      // RFC 9000 §19.8: STREAM_STATE_ERROR "for a locally initiated stream that has not yet been created".
      this.localLimits[dir].checkPeerReference(index, type);
      return undefined;
    }
    const { from, to } = this.remoteLimits[dir].onPeerStream(index, type);
    // RFC 9000 §3.2: "Before a stream is created, all streams of the same type with lower-
    // numbered stream IDs MUST be created."
    for (let i = from; i < to; i++) {
      const created = this.create(streamId(i, streamInitiator(id), dir));
      this.opened.push(created.id);
    }
    if (this.openedHead > 64 && this.openedHead * 2 > this.opened.length) {
      this.opened.splice(0, this.openedHead);
      this.openedHead = 0;
    }
    return this.streams.get(id);
  }

  private create(id: number): StreamEntry {
    const { role, local, peer } = this.config;
    const localStream = isLocal(id, role);
    const bidi = streamDir(id) === 'bidi';
    // RFC 9000 §18.2: initial_max_stream_data_bidi_local applies to bidirectional streams opened
    // by the endpoint that sent it; _bidi_remote to those its peer opened; _uni to unidirectional
    // streams its peer opened.
    const sendLimit = bidi ? (localStream ? peer.initialMaxStreamDataBidiRemote : peer.initialMaxStreamDataBidiLocal) : peer.initialMaxStreamDataUni;
    const recvWindow = bidi ? (localStream ? local.initialMaxStreamDataBidiLocal : local.initialMaxStreamDataBidiRemote) : local.initialMaxStreamDataUni;
    const entry: StreamEntry = {
      id,
      send: hasSendPart(id, role) ? new SendStream({ streamId: id, bufferCapacity: this.config.sendBufferCapacity, initialMaxStreamData: sendLimit }) : undefined,
      recv: hasRecvPart(id, role) ? new RecvStream({ streamId: id, window: { initialWindow: recvWindow, maxWindow: this.config.maxStreamWindow } }) : undefined,
    };
    this.streams.set(id, entry);
    this.streamsOpened[streamDir(id)]++;
    return entry;
  }

  /** Drops a stream whose parts are both terminal; frees a peer stream's slot (RFC 9000 §4.6). */
  private maybeClose(entry: StreamEntry): void {
    if (entry.send !== undefined && !entry.send.isClosed) return;
    if (entry.recv !== undefined && !entry.recv.isClosed) return;
    if (!this.streams.delete(entry.id)) return;
    this.streamsClosed[streamDir(entry.id)]++;
    this.controlDirty.delete(entry.id);
    this.observer?.onClosed(entry.id);
    if (!isLocal(entry.id, this.config.role)) this.remoteLimits[streamDir(entry.id)].onStreamClosed();
  }
}

function frameTypeCode(frame: StreamRelatedFrame): number {
  switch (frame.type) {
    case 'stream':
      return FrameType.Stream;
    case 'reset_stream':
      return FrameType.ResetStream;
    case 'stop_sending':
      return FrameType.StopSending;
    case 'max_stream_data':
      return FrameType.MaxStreamData;
    case 'stream_data_blocked':
      return FrameType.StreamDataBlocked;
    default:
      return assertNever(frame);
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}

/** Pushes `token` into `out` if a frame was written; returns whether one was. */
function pushToken(out: TokenSink, token: StreamsToken | undefined): boolean {
  if (token === undefined) return false;
  out.push(token);
  return true;
}
