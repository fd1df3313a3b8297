/**
 * Types of the HTTP/3 session (session.ts): options, the actions the driver performs and the
 * events the application sees (DESIGN §1: outputs are queued and pulled).
 */
import type { H3Settings, Setting } from './frames.js';
import type { RequestHead, ResponseHead } from './message.js';
import type { Field } from './qpack-decoder.js';

/** Session options (our SETTINGS and local bounds, DESIGN §5: every buffer has a limit). */
export interface H3SessionOptions {
  readonly role: 'client' | 'server';
  /** Our SETTINGS_MAX_FIELD_SECTION_SIZE (RFC 9114 §4.2.2; default 64 KiB). */
  readonly maxFieldSectionSize?: number;
  /** Our SETTINGS_QPACK_MAX_TABLE_CAPACITY, also our encoder's cap (RFC 9204 §5; default 4096). */
  readonly qpackMaxTableCapacity?: number;
  /** Our SETTINGS_QPACK_BLOCKED_STREAMS (RFC 9204 §5; default 16). */
  readonly qpackBlockedStreams?: number;
  /** Send SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 and accept `:protocol` (RFC 9220 §3; default false). */
  readonly enableConnectProtocol?: boolean;
  /** Send SETTINGS_H3_DATAGRAM = 1 (RFC 9297 §2.1.1; default false). */
  readonly h3Datagram?: boolean;
  /** More settings to send (e.g. WebTransport's). */
  readonly extraSettings?: readonly Setting[];
  /** N of the GREASE values 0x1f * N + 0x21 we send (RFC 9114 §7.2.8); -1 sends none (default 7). */
  readonly greaseIndex?: number;
  /** Most bytes held for one request stream while its HEADERS is QPACK-blocked (default 256 KiB). */
  readonly maxBufferedPerStream?: number;
  /** Most bytes held for an unclaimed WebTransport stream (default 64 KiB). */
  readonly maxHeldWebTransportBytes?: number;
}

/** What the driver must do. */
export type H3Action =
  /** Write bytes to one of our unidirectional streams (control, QPACK, GREASE). */
  | { readonly kind: 'write'; readonly streamId: number; readonly bytes: Uint8Array; readonly fin: boolean }
  /** RESET_STREAM (RFC 9000 §19.4) with an HTTP/3 code. */
  | { readonly kind: 'reset_stream'; readonly streamId: number; readonly code: number }
  /** STOP_SENDING (RFC 9000 §19.5) with an HTTP/3 code. */
  | { readonly kind: 'stop_sending'; readonly streamId: number; readonly code: number }
  /** Close the connection with an application error (RFC 9114 §8). */
  | { readonly kind: 'close'; readonly code: number; readonly reason: string };

/** What the application sees. `data` views are valid only until the next session call. */
export type H3Event =
  | { readonly type: 'settings'; readonly settings: H3Settings }
  | { readonly type: 'request'; readonly streamId: number; readonly head: RequestHead }
  | { readonly type: 'informational'; readonly streamId: number; readonly head: ResponseHead }
  | { readonly type: 'response'; readonly streamId: number; readonly head: ResponseHead }
  | { readonly type: 'data'; readonly streamId: number; readonly data: Uint8Array }
  | { readonly type: 'trailers'; readonly streamId: number; readonly headers: readonly Field[] }
  /** The message on the stream is complete (FIN after a well-formed message). */
  | { readonly type: 'end'; readonly streamId: number }
  /** A request stream failed with an HTTP/3 stream error; the session already reset it. */
  | { readonly type: 'stream_error'; readonly streamId: number; readonly code: number; readonly reason: string }
  /** The peer reset a stream. */
  | { readonly type: 'stream_reset'; readonly streamId: number; readonly code: number }
  | { readonly type: 'goaway'; readonly id: number }
  /** A WebTransport stream (bidi 0x41 or uni 0x54) for `sessionId`: `claimStream` or `rejectStream` it. */
  | { readonly type: 'wt_stream'; readonly streamId: number; readonly sessionId: number; readonly bidi: boolean }
  | { readonly type: 'wt_data'; readonly streamId: number; readonly data: Uint8Array; readonly fin: boolean }
  /** The connection failed with an HTTP/3 connection error (the `close` action was queued). */
  | { readonly type: 'closed'; readonly code: number; readonly reason: string };
