/**
 * The public shapes of the HTTP/3 API (RFC 9114; RFC 9220 extended CONNECT): requests and
 * responses as handlers and clients see them, and the options of `serveHttp3` / `http3Fetch`
 * (implemented in http3.ts, which re-exports these).
 */
import type { H3Event, H3SessionOptions } from '../h3/session.js';
import type { Http3Connection } from './http3.js';
import type { Http3Body } from './http3-body.js';
import type { QuicBiStream } from './stream.js';

/** Header fields as a plain object: lowercase names; repeated fields joined with ", ". */
export type Http3Headers = Record<string, string>;

/** A request as the server's handler sees it. */
export interface Http3Request {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly scheme: string;
  /** RFC 9220 `:protocol` of an extended CONNECT. */
  readonly protocol: string | undefined;
  readonly headers: Http3Headers;
  /** Every field line in order (names lowercase). */
  readonly fields: readonly (readonly [string, string])[];
  /** The request content. */
  readonly body: Http3Body;
  /** The QUIC stream ID (RFC 9000 §2.1). */
  readonly streamId: number;
  /** The underlying stream, for a handler that takes over an extended CONNECT (RFC 9220). */
  readonly stream: QuicBiStream;
  /** The HTTP/3 connection the request came on. */
  readonly connection: Http3Connection;
}

/** A body to send: bytes, text, chunks, or a file. */
export type Http3BodyInit = Uint8Array | string | AsyncIterable<Uint8Array> | { readonly file: string };

/** What a handler returns. */
export interface Http3ResponseInit {
  /** Default 200. */
  readonly status?: number;
  readonly headers?: Http3Headers;
  readonly body?: Http3BodyInit;
  readonly trailers?: Http3Headers;
  /**
   * Extended CONNECT (RFC 9220): send only the header section and leave the stream open; called
   * once it is written. The handler then owns `req.stream` (writes) and `req.body` (the DATA
   * payloads, e.g. capsules) until either side ends the stream.
   */
  readonly upgrade?: () => void;
  /**
   * Answer nothing: reset the request stream with this HTTP/3 error code instead (RFC 9114 §4.1.1,
   * §8.1), e.g. H3_REQUEST_REJECTED for a request that was "not processed in any way". The other
   * fields are ignored.
   */
  readonly reject?: number;
}

/** A handler: return a response, or undefined to fall back to the static root (or 404). */
export type Http3Handler = (req: Http3Request) => Promise<Http3ResponseInit | undefined> | Http3ResponseInit | undefined;

/** Options of `serveHttp3`. */
export interface Http3ServeOptions {
  /** Directory of static files (GET and HEAD). */
  readonly root?: string;
  readonly handler?: Http3Handler;
  /** Session settings (role is set here). */
  readonly session?: Omit<H3SessionOptions, 'role'>;
  /** Called once per request, for logs. */
  readonly onRequest?: (info: { method: string; path: string; status: number; bytes: number }) => void;
  /**
   * The WebTransport hook: called with `wt_stream` and `wt_data` events (streams that start with
   * 0x41 / 0x54 and a session ID). Return true if handled (the hook then calls
   * `session.claimStream` or `session.rejectStream`); otherwise such streams are rejected.
   */
  readonly onWebTransportEvent?: (ev: Extract<H3Event, { type: 'wt_stream' | 'wt_data' }>, h3: Http3Connection) => boolean;
}

/** A response as the client sees it. */
export interface Http3Response {
  readonly status: number;
  readonly headers: Http3Headers;
  readonly fields: readonly (readonly [string, string])[];
  readonly body: Http3Body;
  /** Trailers, once the body ended (empty if none). */
  readonly trailers: Promise<Http3Headers>;
  readonly streamId: number;
  /** The request stream (for an extended CONNECT kept open with `keepOpen`). */
  readonly stream?: QuicBiStream;
}

/** Options of `http3Fetch`. */
export interface Http3FetchInit {
  /** Default GET. */
  readonly method?: string;
  readonly path: string;
  /** Default the connection's remote address. */
  readonly authority?: string;
  /** Default https. */
  readonly scheme?: string;
  readonly headers?: Http3Headers;
  readonly body?: Uint8Array | string | AsyncIterable<Uint8Array>;
  /** RFC 9220 `:protocol` of an extended CONNECT (with method CONNECT). */
  readonly protocol?: string;
  /** Send only the header section and keep the request stream open (extended CONNECT). */
  readonly keepOpen?: boolean;
}
