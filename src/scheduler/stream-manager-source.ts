/**
 * Adapts the StreamManager (src/streams) to the scheduler's `StreamFrameSource`: STREAM frames
 * come from `StreamManager.writeStreamFrame` (which applies stream and connection flow control,
 * RFC 9000 §4.1) and their recovery tokens are collected for the packet being built (DESIGN §2).
 *
 * Deciding "blocked" versus "packet full": a failed write with more room than the largest STREAM
 * frame header (RFC 9000 §19.8: type, stream ID, offset and length, at most 1 + 8 + 8 + 8 bytes)
 * cannot be for lack of room, so the stream is blocked (or has only control frames, which the
 * StreamManager writes before the scheduler runs) and leaves the schedule. A stream that fails for
 * lack of connection credit is parked here until `onConnectionCredit` (MAX_DATA, RFC 9000 §19.9).
 * The connection marks a stream pending again on an application write, MAX_STREAM_DATA
 * (RFC 9000 §19.10) and the loss of one of its frames (RFC 9000 §13.3).
 */
import type { StreamManager } from '../streams/streams.js';
import type { StreamsToken } from '../streams/tokens.js';
import type { Writer } from '../util/bytes.js';
import type { StreamFrameSource, StreamScheduler } from './stream-scheduler.js';

/** Largest STREAM frame header (RFC 9000 §19.8): 1-byte type and three 8-byte varints. */
export const MAX_STREAM_FRAME_OVERHEAD = 1 + 8 + 8 + 8;

/** A StreamFrameSource over a StreamManager. */
export class StreamManagerSource implements StreamFrameSource {
  /** Tokens of the frames written; the caller takes them with each packet and resets the array. */
  out: StreamsToken[] = [];
  private readonly manager: StreamManager;
  /** Streams parked for lack of connection credit; bounded by the number of streams. */
  private readonly waitingForCredit = new Set<number>();
  private failedId: number | undefined;
  private failedRoom = 0;

  /** @param manager the connection's streams. */
  constructor(manager: StreamManager) {
    this.manager = manager;
  }

  /** Streams currently parked until the connection gets more credit. */
  get waitingCount(): number {
    return this.waitingForCredit.size;
  }

  /** Writes one STREAM frame of stream `id`; pushes its token into `out`. */
  writeStreamFrame(id: number, w: Writer, maxBytes: number): number | undefined {
    const start = w.offset;
    const token = this.manager.writeStreamFrame(id, w, maxBytes);
    if (token === undefined) {
      this.failedId = id;
      this.failedRoom = Math.min(maxBytes, w.remaining);
      return undefined;
    }
    this.failedId = undefined;
    this.out.push(token);
    return w.offset - start;
  }

  /** True if stream `id` could send a STREAM frame now given room (see the module comment). */
  hasPendingFrames(id: number): boolean {
    const send = this.manager.get(id)?.send;
    if (send === undefined || !send.hasPendingFrames) return false;
    if (this.failedId !== id) return true;
    this.failedId = undefined;
    if (this.failedRoom <= MAX_STREAM_FRAME_OVERHEAD) return true; // no room: the packet is full
    // RFC 9000 §4.1: "Senders MUST NOT send data in excess of either limit."
    if (send.wantsConnectionCredit && this.manager.connSend.available <= 0) this.waitingForCredit.add(id);
    return false;
  }

  /**
   * The connection's send credit grew (MAX_DATA, RFC 9000 §19.9): puts every parked stream back
   * into `scheduler`. Returns how many were re-scheduled.
   */
  onConnectionCredit(scheduler: StreamScheduler): number {
    if (this.manager.connSend.available <= 0) return 0;
    let n = 0;
    for (const id of this.waitingForCredit) if (scheduler.markPending(id)) n++;
    this.waitingForCredit.clear();
    return n;
  }
}
