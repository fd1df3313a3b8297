/**
 * The streams' part of the public surface (DESIGN §1, §7): the stream_reset and stream_stopped
 * events (RFC 9000 §3.2, §3.5, §19.4, §19.5), streams_available when MAX_STREAMS lifts a limit an
 * `openStream` hit (RFC 9000 §4.6, §19.11), and read-only views of a stream (`streamState`,
 * `streamStats`) so that drivers need not read the connection's internal state.
 */
import type { RecvStreamState } from '../streams/recv-stream.js';
import type { SendStreamState } from '../streams/send-stream.js';
import type { StreamDir } from '../streams/stream-id.js';
import type { StreamManager } from '../streams/streams.js';
import type { MaxStreamDataFrame, ResetStreamFrame, StopSendingFrame, StreamDataBlockedFrame, StreamFrame } from '../wire/frames.js';
import { pushEvent, type ConnectionState } from './state.js';
import type { StreamStatsSnapshot } from './types.js';

/** The sending part of a stream, as `Connection.streamState` shows it (RFC 9000 §3.1). */
export interface SendPartState {
  readonly state: SendStreamState;
  /** The code of the RESET_STREAM we sent (our reset, or the echo of a STOP_SENDING), once reset. */
  readonly resetCode: number | undefined;
  /** The code of the peer's STOP_SENDING (RFC 9000 §19.5), if it sent one. */
  readonly stopCode: number | undefined;
  /** Bytes `streamWrite` would take now (0 once finished or reset). */
  readonly writableBytes: number;
  /** Bytes held in the send buffer (unsent or unacknowledged). */
  readonly bufferedBytes: number;
}

/** The receiving part of a stream, as `Connection.streamState` shows it (RFC 9000 §3.2). */
export interface RecvPartState {
  readonly state: RecvStreamState;
  /** The peer's RESET_STREAM code (RFC 9000 §19.4), once it reset the stream. */
  readonly resetCode: number | undefined;
  /** The code of our STOP_SENDING, if we sent one. */
  readonly stopCode: number | undefined;
  /** Bytes `streamRead` can return now. */
  readonly readableBytes: number;
  /** The final size (RFC 9000 §4.5), once known. */
  readonly finalSize: number | undefined;
}

/** Both parts of a known stream; a part is absent for the missing half of a unidirectional stream. */
export interface StreamStateInfo {
  readonly send?: SendPartState;
  readonly recv?: RecvPartState;
}

type StreamRelatedFrame = StreamFrame | ResetStreamFrame | StopSendingFrame | MaxStreamDataFrame | StreamDataBlockedFrame;

/**
 * Hands a stream frame to the stream manager and queues stream_reset (the first RESET_STREAM that
 * moved the receiving part to "Reset Recvd", RFC 9000 §3.2) or stream_stopped (the first
 * STOP_SENDING, after which the sending part was reset with its code: RFC 9000 §3.5 "An endpoint
 * that receives a STOP_SENDING frame MUST send a RESET_STREAM frame if the stream is in the "Ready"
 * or "Send" state" — SendStream.onStopSending resets at once, also from "Data Sent").
 */
export function applyStreamFrame(s: ConnectionState, streams: StreamManager, frame: StreamRelatedFrame): void {
  const id = frame.streamId;
  if (frame.type === 'reset_stream') {
    const before = streams.get(id)?.recv?.state;
    const wasReset = before === 'reset_recvd' || before === 'reset_read';
    streams.onStreamFrame(frame);
    const recv = streams.get(id)?.recv;
    if (!wasReset && recv?.state === 'reset_recvd') {
      pushEvent(s, { type: 'stream_reset', streamId: id, code: recv.resetCode ?? frame.errorCode, finalSize: recv.finalSize ?? frame.finalSize });
    }
    return;
  }
  if (frame.type === 'stop_sending') {
    const hadStop = streams.get(id)?.send?.stopSendingCode !== undefined;
    streams.onStreamFrame(frame);
    const send = streams.get(id)?.send;
    if (!hadStop && send?.stopSendingCode !== undefined) {
      s.writeBlocked.delete(id); // stream_stopped wakes the writer; no stream_writable will follow
      pushEvent(s, { type: 'stream_stopped', streamId: id, code: send.stopSendingCode });
    }
    return;
  }
  streams.onStreamFrame(frame);
}

/** `openStream(dir)` failed at the peer's limit: streams_available follows the next MAX_STREAMS that raises it. */
export function noteOpenBlocked(s: ConnectionState, dir: StreamDir): void {
  s.surface.openBlocked.add(dir);
}

/**
 * MAX_STREAMS (RFC 9000 §19.11): raises our limit and, if an `openStream` in that direction had
 * failed since, queues streams_available once (RFC 9000 §4.6: the peer "can increase the limit").
 */
export function onMaxStreamsFrame(s: ConnectionState, streams: StreamManager, bidi: boolean, maximum: number): void {
  const dir: StreamDir = bidi ? 'bidi' : 'uni';
  if (!streams.onMaxStreams(bidi, maximum)) return;
  if (!s.surface.openBlocked.delete(dir)) return;
  pushEvent(s, { type: 'streams_available', dir });
}

/** Both parts of stream `id`, or undefined for a stream never opened or already closed and forgotten. */
export function streamState(s: ConnectionState, id: number): StreamStateInfo | undefined {
  const entry = s.streams?.get(id);
  if (entry === undefined) return undefined;
  const { send, recv } = entry;
  return {
    ...(send === undefined
      ? {}
      : { send: { state: send.state, resetCode: send.resetCode, stopCode: send.stopSendingCode, writableBytes: send.writableBytes, bufferedBytes: send.bufferedBytes } }),
    ...(recv === undefined
      ? {}
      : { recv: { state: recv.state, resetCode: recv.resetCode, stopCode: recv.stopSendingCode, readableBytes: recv.readableBytes, finalSize: recv.finalSize } }),
  };
}

/** Counters of stream `id` (DESIGN §7 StreamStats), or undefined for an unknown or forgotten stream. */
export function streamStats(s: ConnectionState, id: number): StreamStatsSnapshot | undefined {
  const entry = s.streams?.get(id);
  if (entry === undefined) return undefined;
  const { send, recv } = entry;
  return {
    bytesWritten: send?.bytesWritten ?? 0,
    bytesSent: send?.bytesSent ?? 0,
    bytesAcked: send?.bytesAcked ?? 0,
    bytesReceived: recv?.readOffset ?? 0,
    priority: send?.priority,
  };
}
