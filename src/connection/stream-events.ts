/**
 * Stream notifications for the driver (DESIGN §1: events are queued, never callbacks):
 * stream_opened for streams the peer created (RFC 9000 §2.1), stream_readable once per burst of
 * readable data (announced again after the application reads), stream_writable when a writer that
 * was refused bytes can write again.
 */
import { pushEvent, type ConnectionState } from './state.js';

/** Announces peer-opened streams and newly readable streams. */
export function announceStreams(s: ConnectionState): void {
  const streams = s.streams;
  if (streams === undefined) return;
  for (let e = streams.acceptStream(); e !== undefined; e = streams.acceptStream()) pushEvent(s, { type: 'stream_opened', streamId: e.id });
  announceReadable(s);
}

/** Queues stream_readable for streams with unread data or an unread end. */
export function announceReadable(s: ConnectionState): void {
  const streams = s.streams;
  if (streams === undefined) return;
  for (const id of s.touchedStreams) {
    if (s.readableAnnounced.has(id)) continue;
    const recv = streams.get(id)?.recv;
    if (recv === undefined) continue;
    if (recv.readableBytes > 0 || recv.state === 'data_recvd' || recv.state === 'reset_recvd') {
      s.readableAnnounced.add(id);
      pushEvent(s, { type: 'stream_readable', streamId: id });
    }
  }
  s.touchedStreams.clear();
}

/** Queues stream_writable for blocked writers that have room again. */
export function announceWritable(s: ConnectionState): void {
  if (s.writeBlocked.size === 0 || s.streams === undefined) return;
  for (const id of [...s.writeBlocked]) {
    const send = s.streams.get(id)?.send;
    if (send === undefined) {
      s.writeBlocked.delete(id);
    } else if (send.writableBytes > 0) {
      s.writeBlocked.delete(id);
      pushEvent(s, { type: 'stream_writable', streamId: id });
    }
  }
}
