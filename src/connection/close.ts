/**
 * Connection termination (RFC 9000 §10): immediate close with CONNECTION_CLOSE and the closing
 * state (§10.2.1), the draining state after the peer's CONNECTION_CLOSE (§10.2.2), both lasting
 * three times the PTO (§10.2), the idle timeout (§10.1), and draining after a Stateless Reset
 * (§10.3.1).
 */
import { addDuration, maxDuration, micros, millis, type Duration, type Instant } from '../util/time.js';
import { TransportErrorCode, type TransportError } from '../wire/errors.js';
import { decodeReasonPhrase, encodeReasonPhrase, type ConnectionCloseFrame } from '../wire/frame-types.js';
import { pushEvent, type ConnectionState } from './state.js';
import type { CloseInitiator } from './types.js';
import { qlogTermination } from './qlog-emit.js';

/** Longest reason phrase we send. */
const MAX_REASON_BYTES = 256;

/** The current PTO period (RFC 9002 §6.2.1) without backoff, with the peer's max_ack_delay. */
export function currentPto(s: ConnectionState): Duration {
  const maxAckDelay = millis(s.peerParams?.maxAckDelay ?? 25);
  return micros(s.ld.rtt.ptoBase() + maxAckDelay);
}

/** True once CONNECTION_CLOSE was sent or received (or the connection ended). */
export function isTerminating(s: ConnectionState): boolean {
  return s.phase === 'closing' || s.phase === 'draining' || s.phase === 'closed';
}

function closedEvent(s: ConnectionState, by: CloseInitiator, frame: ConnectionCloseFrame): void {
  pushEvent(s, { type: 'connection_closed', by, code: frame.errorCode, reason: decodeReasonPhrase(frame.reason), errorSpace: frame.errorSpace });
}

/**
 * Enters the closing state with `frame` (RFC 9000 §10.2.1: "An endpoint in the closing state
 * sends a packet containing a CONNECTION_CLOSE frame in response to any incoming packet"), for
 * three times the PTO (§10.2: "the closing and draining states SHOULD exist for at least three
 * times the current PTO interval").
 */
export function enterClosing(s: ConnectionState, now: Instant, frame: ConnectionCloseFrame): void {
  if (isTerminating(s)) return;
  s.phase = 'closing';
  s.closeFrame = frame;
  s.closeSendPending = true;
  s.closeDeadline = addDuration(now, micros(3 * currentPto(s)));
  s.idleDeadline = undefined;
  closedEvent(s, 'local', frame);
  if (s.qlog !== undefined) qlogTermination(s.qlog, now, { kind: 'closing', frame }); // quic-events §4.3, §4.6
}

/** The application closes (RFC 9000 §10.2; an application error code, §20.2). */
export function closeByApplication(s: ConnectionState, now: Instant, code: number, reason: string): void {
  enterClosing(s, now, { type: 'connection_close', errorSpace: 'application', errorCode: code, reason: truncateReason(reason) });
}

/** A protocol violation detected here: CONNECTION_CLOSE with a transport error (RFC 9000 §10.2, §20.1). */
export function closeWithError(s: ConnectionState, now: Instant, err: TransportError): void {
  enterClosing(s, now, { type: 'connection_close', errorSpace: 'transport', errorCode: err.code, frameType: err.frameType ?? 0, reason: truncateReason(err.reason) });
}

/**
 * The peer's CONNECTION_CLOSE (RFC 9000 §10.2.2): "An endpoint that receives a CONNECTION_CLOSE
 * frame MAY send a single packet containing a CONNECTION_CLOSE frame before entering the
 * draining state" — we go straight to draining and send nothing more.
 */
export function onPeerClose(s: ConnectionState, now: Instant, frame: ConnectionCloseFrame): void {
  if (s.phase === 'draining' || s.phase === 'closed') return;
  const wasClosing = s.phase === 'closing';
  s.phase = 'draining';
  s.closeSendPending = false;
  s.idleDeadline = undefined;
  if (!wasClosing) s.closeDeadline = addDuration(now, micros(3 * currentPto(s)));
  if (!wasClosing) closedEvent(s, 'peer', frame);
  if (s.qlog !== undefined) qlogTermination(s.qlog, now, { kind: 'draining', frame, wasClosing }); // quic-events §4.3, §4.6
}

/**
 * A Stateless Reset was detected (RFC 9000 §10.3.1): "If the last 16 bytes of the datagram are
 * identical in value to a stateless reset token, the endpoint MUST enter the draining period and
 * not send any further packets on this connection."
 */
export function onStatelessReset(s: ConnectionState, now: Instant): void {
  if (isTerminating(s)) return;
  s.phase = 'draining';
  s.closeSendPending = false;
  s.idleDeadline = undefined;
  s.closeDeadline = addDuration(now, micros(3 * currentPto(s)));
  pushEvent(s, { type: 'connection_closed', by: 'stateless_reset', code: 0, reason: 'stateless reset', errorSpace: 'transport' });
  if (s.qlog !== undefined) qlogTermination(s.qlog, now, { kind: 'stateless_reset' }); // quic-events §4.3
}

/**
 * The CONNECTION_CLOSE to send at a level without 1-RTT keys: RFC 9000 §10.2.3: "Sending a
 * CONNECTION_CLOSE of type 0x1d in an Initial or Handshake packet could expose application state
 * ... it MUST be replaced by a CONNECTION_CLOSE of type 0x1c ... with an error code of
 * APPLICATION_ERROR."
 */
export function closeFrameForLongHeader(frame: ConnectionCloseFrame): ConnectionCloseFrame {
  if (frame.errorSpace === 'transport') return frame;
  return { type: 'connection_close', errorSpace: 'transport', errorCode: TransportErrorCode.APPLICATION_ERROR, frameType: 0, reason: new Uint8Array(0) };
}

/**
 * RFC 9000 §10.1: "If a max_idle_timeout is specified by either endpoint in its transport
 * parameters ..., the connection is silently closed and its state is discarded when it remains
 * idle for longer than the minimum of the max_idle_timeout value advertised by both endpoints."
 */
export function effectiveIdleTimeout(localMs: number, peerMs: number): Duration | undefined {
  const values = [localMs, peerMs].filter((v) => v > 0);
  if (values.length === 0) return undefined;
  return millis(Math.min(...values));
}

/**
 * Restarts the idle timer (RFC 9000 §10.1: "An endpoint restarts its idle timer when a packet
 * from its peer is received and processed successfully. An endpoint also restarts its idle timer
 * when sending an ack-eliciting packet if no other ack-eliciting packets have been sent since last
 * receiving and processing a packet."), at least three times the PTO ("To avoid excessively small
 * idle timeout periods, endpoints MUST increase the idle timeout period to be at least three times
 * the current Probe Timeout (PTO)").
 */
export function restartIdleTimer(s: ConnectionState, now: Instant): void {
  if (s.idleTimeout === undefined || isTerminating(s)) return;
  s.idleDeadline = addDuration(now, maxDuration(s.idleTimeout, micros(3 * currentPto(s))));
}

/** Handles the close and idle timers; returns true when the connection changed state. */
export function onCloseTimers(s: ConnectionState, now: Instant): boolean {
  if (s.closeDeadline !== undefined && now >= s.closeDeadline) {
    s.phase = 'closed';
    s.closeDeadline = undefined;
    s.closeSendPending = false;
    if (s.qlog !== undefined) qlogTermination(s.qlog, now, { kind: 'closed' }); // quic-events §4.6
    return true;
  }
  if (s.idleDeadline !== undefined && now >= s.idleDeadline && !isTerminating(s)) {
    // Silently closed: no CONNECTION_CLOSE (RFC 9000 §10.1).
    s.phase = 'closed';
    s.idleDeadline = undefined;
    pushEvent(s, { type: 'connection_closed', by: 'idle', code: 0, reason: 'idle timeout', errorSpace: 'transport' });
    if (s.qlog !== undefined) qlogTermination(s.qlog, now, { kind: 'idle' }); // quic-events §4.3, §4.6
    return true;
  }
  return false;
}

function truncateReason(reason: string | Uint8Array): Uint8Array {
  const bytes = typeof reason === 'string' ? encodeReasonPhrase(reason) : reason;
  return bytes.length <= MAX_REASON_BYTES ? bytes : bytes.subarray(0, MAX_REASON_BYTES);
}
