/**
 * The stream part of a 1-RTT packet (DESIGN §2: "control frames, then streams by priority"):
 * first the connection's and the streams' control frames (MAX_DATA, DATA_BLOCKED, MAX_STREAMS,
 * STREAMS_BLOCKED, MAX_STREAM_DATA, STREAM_DATA_BLOCKED, RESET_STREAM, STOP_SENDING; RFC 9000
 * §4, §19), then STREAM frames chosen by the StreamScheduler (src/scheduler): strict priority
 * 0..255, higher first, and round-robin within a level with a quantum of one STREAM frame (as
 * large as the packet's room), so equal priorities progress together (RFC 9000 §2.3: "SHOULD
 * provide ways in which an application can indicate the relative priority of streams").
 *
 * Retransmissions: a stream's lost ranges are resent inside that stream's turn, before its new
 * data (SendStream.writeFrame; RFC 9000 §13.3), i.e. retransmissions count within their stream's
 * priority, as in quinn (pending streams by priority; a stream's retransmits go first in its own
 * turn) and neqo (lost ranges are marked unsent again in the stream's send buffer and sent when the
 * stream is next scheduled at its priority). A lost high-priority frame therefore still overtakes
 * new low-priority data, and a background retransmission never delays critical data.
 *
 * The scheduler learns of sendable streams through the StreamManager's `StreamSendObserver`
 * (writes, FIN, MAX_STREAM_DATA, losses, MAX_DATA, closes), so each packet costs O(1) per frame
 * (plus one bitmap lookup), with no scan of all streams. The scheduling state hangs off the
 * StreamManager in a WeakMap, so ConnectionState needs no new field.
 */
import { StreamManagerSource, StreamScheduler, validatePriority } from '../scheduler/index.js';
import type { StreamSendObserver, StreamManager } from '../streams/streams.js';
import type { StreamsToken } from '../streams/tokens.js';
import type { Writer } from '../util/bytes.js';
import type { Duration, Instant } from '../util/time.js';
import type { ConnectionToken } from './types.js';

export { InvalidPriorityError, StreamPriority } from '../scheduler/priority.js';

/** The scheduler and its adapter for one StreamManager. */
export interface StreamScheduling {
  readonly scheduler: StreamScheduler;
  readonly source: StreamManagerSource;
}

const byManager = new WeakMap<StreamManager, StreamScheduling>();

/**
 * The scheduling state of `streams`, created on first use: the observer is installed and every
 * existing stream with data to send is put in the schedule (a one-time scan).
 */
export function schedulingFor(streams: StreamManager): StreamScheduling {
  const existing = byManager.get(streams);
  if (existing !== undefined) return existing;
  const scheduler = new StreamScheduler();
  const source = new StreamManagerSource(streams);
  const sched: StreamScheduling = { scheduler, source };
  const observer: StreamSendObserver = {
    onSendable: (id) => markSendable(streams, sched, id),
    onConnectionCredit: () => {
      source.onConnectionCredit(scheduler);
    },
    onClosed: (id) => {
      scheduler.remove(id);
    },
  };
  streams.setObserver(observer);
  byManager.set(streams, sched);
  for (const id of streams.ids()) markSendable(streams, sched, id);
  return sched;
}

function markSendable(streams: StreamManager, sched: StreamScheduling, id: number): void {
  const send = streams.get(id)?.send;
  if (send === undefined || !send.hasPendingFrames) return;
  if (!sched.scheduler.has(id)) sched.scheduler.add(id, send.priority, true);
  else sched.scheduler.markPending(id);
}

/**
 * Writes the streams' part of a 1-RTT packet into `w`: control frames first, then STREAM frames by
 * priority (see the module comment); tokens go to `tokens`. The packet builder calls the two
 * halves itself, with its DATAGRAM frames (app-surface.ts) between them.
 */
export function writeStreamFrames(streams: StreamManager, w: Writer, now: Instant, rtt: Duration, tokens: ConnectionToken[]): void {
  writeStreamControlFrames(streams, w, now, rtt, tokens);
  writeStreamDataFrames(streams, w, tokens);
}

/** The connection's and the streams' control frames (StreamManager.writeControlFrames); tokens go to `tokens`. */
export function writeStreamControlFrames(streams: StreamManager, w: Writer, now: Instant, rtt: Duration, tokens: ConnectionToken[]): void {
  streams.writeControlFrames(w, now, rtt, tokens);
}

/** STREAM frames by priority into the rest of `w` (StreamScheduler.fillPacket); tokens go to `tokens`. */
export function writeStreamDataFrames(streams: StreamManager, w: Writer, tokens: ConnectionToken[]): void {
  const sched = schedulingFor(streams);
  if (sched.scheduler.pendingCount === 0) return; // nothing to send: skip the scheduler
  const out: StreamsToken[] = sched.source.out;
  if (out.length > 0) out.length = 0; // tokens left by a fill that threw belong to no packet
  sched.scheduler.fillPacket(w, w.remaining, sched.source);
  for (let i = 0; i < out.length; i++) tokens.push(out[i]!);
  if (out.length > 0) out.length = 0;
}

/**
 * Sets the priority of stream `id` (0..255, higher first; DESIGN §7), effective from the next
 * frame. Returns false for a stream that is unknown or has no sending part.
 * @throws InvalidPriorityError (a RangeError, code ERR_QUIC_INVALID_PRIORITY) for anything but an
 *   integer in 0..255.
 */
export function setStreamPriority(streams: StreamManager, id: number, priority: number): boolean {
  validatePriority(priority);
  const send = streams.get(id)?.send;
  if (send === undefined) return false;
  send.priority = priority;
  const { scheduler } = schedulingFor(streams);
  if (scheduler.has(id)) scheduler.setPriority(id, priority);
  else scheduler.add(id, priority, send.hasPendingFrames);
  return true;
}

/** The priority of stream `id`, or undefined for a stream that is unknown or has no sending part. */
export function streamPriority(streams: StreamManager, id: number): number | undefined {
  return streams.get(id)?.send?.priority;
}
