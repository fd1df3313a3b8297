/**
 * Connection-level pieces of the public surface that the core's other modules do not own
 * (DESIGN §1, §7): keep-alive and the `ping()` command (RFC 9000 §10.1.2, §19.2), the largest
 * DATAGRAM payload the path and the peer accept (RFC 9221 §3, §5; following DPLPMTUD, RFC 9000
 * §14.3), DATAGRAM frame writing, and the counters `Connection.stats()` adds to DESIGN §7's
 * ConnectionStats.
 *
 * DATAGRAM frames go after the connection's and the streams' control frames and before STREAM
 * frames (packet-builder.ts, stream-scheduling.ts), as quinn-proto's `populate_packet` and
 * quiche's `send_single` do: datagrams are small, unreliable and latency-sensitive, and the
 * application bounds their rate (the send queue is bounded, and congestion control applies), so
 * a bulk stream transfer cannot starve them while they cannot starve the streams beyond what the
 * application queues.
 */
import { maxDuration, micros, millis, addDuration, type Duration, type Instant } from '../util/time.js';
import type { Writer } from '../util/bytes.js';
import { datagramFrameHeaderSize } from '../wire/frame-types.js';
import type { ConnectionState } from './state.js';
import { isTerminating } from './close.js';
import type { ConnectionToken } from './types.js';

/** AEAD tag length (RFC 9001 §5.3). */
const TAG = 16;
/** Largest packet number length (RFC 9000 §17.1): assumed when sizing a DATAGRAM for any packet. */
const MAX_PN_LENGTH = 4;
/** Shortest keep-alive period accepted, so a misconfiguration cannot flood the path. */
const MIN_KEEP_ALIVE = millis(10);

/** The surface's own state, one field of ConnectionState (`surface`). */
export interface SurfaceState {
  /** Keep-alive period (RFC 9000 §10.1.2), undefined when disabled. */
  readonly keepAliveInterval: Duration | undefined;
  /** A PING (RFC 9000 §19.2) is queued by `ping()` or the keep-alive timer. */
  pingPending: boolean;
  /** When the last ack-eliciting packet was sent. */
  lastAckElicitingSentAt: Instant | undefined;
  /** Directions in which `openStream` failed at the peer's limit since the last streams_available. */
  readonly openBlocked: Set<'bidi' | 'uni'>;
  /** DPLPMTUD probes declared lost (kept out of `lostPackets`). */
  pmtuProbesLost: number;
}

/** The initial surface state; `keepAliveIntervalMs` from ConnectionLimits. */
export function createSurfaceState(keepAliveIntervalMs: number | undefined): SurfaceState {
  const interval = keepAliveIntervalMs === undefined || keepAliveIntervalMs <= 0 ? undefined : maxDuration(millis(keepAliveIntervalMs), MIN_KEEP_ALIVE);
  return { keepAliveInterval: interval, pingPending: false, lastAckElicitingSentAt: undefined, openBlocked: new Set(), pmtuProbesLost: 0 };
}

/** Queues one PING (RFC 9000 §19.2: "Endpoints can use PING frames to verify that their peers are still alive"). */
export function queuePing(s: ConnectionState): boolean {
  if (isTerminating(s)) return false;
  s.surface.pingPending = true;
  return true;
}

/** The packet builder sent an ack-eliciting packet at `now`. */
export function onAckElicitingSent(s: ConnectionState, now: Instant): void {
  s.surface.lastAckElicitingSentAt = now;
}

/**
 * The effective keep-alive period: the configured one, at most half the idle timeout (RFC 9000
 * §10.1.2: "An endpoint that wants to avoid idle timeout ... SHOULD send an ack-eliciting packet
 * ... before the idle timeout").
 */
function keepAlivePeriod(s: ConnectionState): Duration | undefined {
  const k = s.surface.keepAliveInterval;
  if (k === undefined) return undefined;
  if (s.idleTimeout === undefined) return k;
  return micros(Math.max(MIN_KEEP_ALIVE, Math.min(k, Math.floor(s.idleTimeout / 2))));
}

/** When the keep-alive PING is due, or undefined (disabled, handshake incomplete, PING already queued). */
export function keepAliveTimeout(s: ConnectionState): Instant | undefined {
  const period = keepAlivePeriod(s);
  const last = s.surface.lastAckElicitingSentAt;
  if (period === undefined || last === undefined || !s.handshakeComplete || isTerminating(s) || s.surface.pingPending) return undefined;
  return addDuration(last, period);
}

/** The keep-alive timer: queues a PING when it is due. */
export function onKeepAliveTimer(s: ConnectionState, now: Instant): void {
  const t = keepAliveTimeout(s);
  if (t !== undefined && now >= t) s.surface.pingPending = true;
}

/** Writes a queued PING (one byte, RFC 9000 §19.2) into a 1-RTT packet; no recovery token (RFC 9000 §13.3: lost PINGs need no repair). */
export function writePing(s: ConnectionState, w: Writer): void {
  if (!s.surface.pingPending || w.remaining < 1) return;
  w.u8(0x01);
  s.surface.pingPending = false;
}

/**
 * The largest DATAGRAM frame (type, Length, payload) one 1-RTT packet on the current path carries:
 * the path MTU (DPLPMTUD, RFC 9000 §14.3) minus the short header with the longest packet number and
 * the AEAD tag, and at most the peer's max_datagram_frame_size (RFC 9221 §3: "An endpoint MUST NOT
 * send DATAGRAM frames that are larger than the max_datagram_frame_size value it has received").
 */
export function maxDatagramFrameSize(s: ConnectionState): number {
  const room = s.pmtud.current - (1 + s.remoteCid.length + MAX_PN_LENGTH) - TAG;
  return Math.max(0, Math.min(s.datagramSend.peerMaxFrameSize, room));
}

/**
 * The largest payload `sendDatagram` accepts now (RFC 9221 §5): 0 when the peer accepts no
 * DATAGRAM frames. It follows the path MTU, so it can grow (DPLPMTUD) and shrink (a black hole, a
 * new path).
 */
export function maxDatagramPayload(s: ConnectionState): number {
  const frame = maxDatagramFrameSize(s);
  if (s.datagramSend.peerMaxFrameSize === 0 || frame < 2) return 0;
  let n = Math.max(0, frame - 9);
  while (datagramFrameHeaderSize(n + 1, true) + n + 1 <= frame) n++;
  return n;
}

/** Tells the send queue the path's current DATAGRAM frame limit (before `push` and before writing). */
export function syncDatagramLimit(s: ConnectionState): void {
  s.datagramSend.pathMaxFrameSize = maxDatagramFrameSize(s);
}

/** Writes queued DATAGRAM frames while they fit (RFC 9221 §4), dropping those the path can no longer carry. */
export function writeDatagramFrames(s: ConnectionState, w: Writer, tokens: ConnectionToken[]): void {
  if (s.datagramSend.length === 0) return;
  syncDatagramLimit(s);
  for (let t = s.datagramSend.writeFrame(w); t !== undefined; t = s.datagramSend.writeFrame(w)) tokens.push(t);
}
