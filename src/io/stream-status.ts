/**
 * Read-only views of a stream's state that the public `Connection` surface does not offer yet
 * (RFC 9000 §3.1, §3.2): the peer's RESET_STREAM code, the peer's STOP_SENDING code, and whether
 * a stream can still take bytes. The api layer needs them to fail a blocked reader or writer
 * with a typed error. They read the connection's `@internal` state; they belong on `Connection`
 * (streamResetCode / streamStopSendingCode, or stream_reset / stream_stopped events) and should
 * move there.
 */
import type { Connection } from '../connection/connection.js';

/** The receiving part of a stream, as far as the application needs it. */
export interface RecvStatus {
  /** The peer reset the stream with this application error code (RFC 9000 §19.4). */
  readonly resetCode: number | undefined;
  /** True when the core no longer knows the stream (closed and forgotten, or never opened). */
  readonly unknown: boolean;
}

/** The sending part of a stream, as far as the application needs it. */
export interface SendStatus {
  /** The peer sent STOP_SENDING with this code (RFC 9000 §19.5). */
  readonly stopSendingCode: number | undefined;
  /** We (or a STOP_SENDING) reset the stream. */
  readonly reset: boolean;
  /** Bytes `streamWrite` would take now. */
  readonly writableBytes: number;
  /** True when the core no longer knows the stream. */
  readonly unknown: boolean;
}

/** The receiving part's status. */
export function recvStatus(conn: Connection, id: number): RecvStatus {
  const recv = conn.state.streams?.get(id)?.recv;
  if (recv === undefined) return { resetCode: undefined, unknown: true };
  return { resetCode: recv.state === 'reset_recvd' || recv.state === 'reset_read' ? recv.resetCode : undefined, unknown: false };
}

/** The sending part's status. */
export function sendStatus(conn: Connection, id: number): SendStatus {
  const send = conn.state.streams?.get(id)?.send;
  if (send === undefined) return { stopSendingCode: undefined, reset: false, writableBytes: 0, unknown: true };
  return {
    stopSendingCode: send.stopSendingCode,
    reset: send.state === 'reset_sent' || send.state === 'reset_recvd',
    writableBytes: send.writableBytes,
    unknown: false,
  };
}

/** Largest DATAGRAM payload the peer accepts (RFC 9221 §3), 0 when it accepts none. */
export function peerMaxDatagramFrameSize(conn: Connection): number {
  return conn.state.datagramSend.peerMaxFrameSize;
}
