/**
 * HTTP/3 (RFC 9114, ALPN `h3`) over the public API: `serveHttp3` (static files and/or a handler)
 * and `http3Fetch` / `http3Download` (client). The protocol logic is the sans-IO `H3Session`
 * (src/h3/session.ts); this file opens the streams it needs, feeds it the bytes that arrive,
 * performs its actions, and turns its events into requests and responses.
 *
 * Field names and values are byte strings inside src/h3; here names are lowercased and values
 * converted from and to UTF-8 (RFC 9110 §5.5 allows only visible ASCII and obs-text; UTF-8 is what
 * browsers send in practice).
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { H3ErrorCode, h3ErrorName } from '../h3/errors.js';
import type { Field } from '../h3/qpack-decoder.js';
import { bytesToByteString, byteStringToBytes } from '../h3/qpack-integer.js';
import type { RequestHead, ResponseHead } from '../h3/message.js';
import type { H3Settings } from '../h3/frames.js';
import { H3Session, type H3Event, type H3SessionOptions } from '../h3/session.js';
import type { QuicConnection } from './connection.js';
import { QuicError, QuicErrorCode } from './errors.js';
import { hqFileName, type HqDownloadResult } from './hq-interop.js';
import { Http3Body } from './http3-body.js';
import { readFileChunks, staticResponse } from './http3-static.js';
import type { QuicServer } from './server.js';
import { StreamPriority, type QuicBiStream, type QuicRecvStream, type QuicSendStream } from './stream.js';

export { Http3Body } from './http3-body.js';
export type { Http3BodyInit, Http3FetchInit, Http3Handler, Http3Headers, Http3Request, Http3Response, Http3ResponseInit, Http3ServeOptions } from './http3-types.js';
import type { Http3BodyInit, Http3FetchInit, Http3Headers, Http3Request, Http3Response, Http3ResponseInit, Http3ServeOptions } from './http3-types.js';

/** The ALPN token of HTTP/3 (RFC 9114 §3.1). */
export const H3_ALPN = 'h3';

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();
const toWire = (s: string): string => bytesToByteString(utf8.encode(s));
const fromWire = (s: string): string => utf8d.decode(byteStringToBytes(s));
const FILE_CHUNK = 64 * 1024;

function fieldsOf(pseudo: [string, string][], headers: Http3Headers | undefined): Field[] {
  const out: Field[] = pseudo.map(([name, value]) => ({ name, value: toWire(value) }));
  for (const [k, v] of Object.entries(headers ?? {})) out.push({ name: k.toLowerCase(), value: toWire(String(v)) });
  return out;
}

function headersOf(fields: readonly Field[]): { headers: Http3Headers; list: [string, string][] } {
  const headers: Http3Headers = {};
  const list: [string, string][] = [];
  for (const f of fields) {
    const v = fromWire(f.value);
    list.push([f.name, v]);
    headers[f.name] = headers[f.name] === undefined ? v : `${headers[f.name]}, ${v}`;
  }
  return { headers, list };
}

function streamError(id: number, code: number, initiator: 'local' | 'peer', why: string): QuicError {
  return new QuicError(QuicErrorCode.STREAM_RESET, `HTTP/3 stream ${id}: ${h3ErrorName(code)} (${why})`, { initiator, wireCode: code });
}

/** Per-stream receiver of session events. */
interface Sink {
  onEvent(ev: H3Event): void;
  fail(err: Error): void;
  body: Http3Body | undefined;
}

/** One HTTP/3 connection: an `H3Session` driven over a `QuicConnection`. */
export class Http3Connection {
  /** The QUIC connection. */
  readonly conn: QuicConnection;
  /** The sans-IO session. */
  readonly session: H3Session;
  private readonly sends = new Map<number, QuicSendStream>();
  private readonly bidis = new Map<number, QuicBiStream>();
  private readonly recvs = new Map<number, QuicRecvStream>();
  private readonly sinks = new Map<number, Sink>();
  private onRequest: ((head: RequestHead, streamId: number) => void) | undefined;
  private onWt: Http3ServeOptions['onWebTransportEvent'];
  private closedError: Error | undefined;
  private settingsResolve!: (s: H3Settings) => void;
  /** Resolves with the peer's SETTINGS (RFC 9114 §7.2.4) once they arrived. */
  readonly settingsReceived: Promise<H3Settings> = new Promise((resolve) => (this.settingsResolve = resolve));
  private goawayResolve!: (id: number) => void;
  /**
   * Resolves (never rejects) with the identifier of the peer's first GOAWAY (RFC 9114 §5.2: the
   * peer is shutting the connection down; a server's id is the first request stream it will not
   * process). Stays pending if none arrives.
   */
  readonly goawayReceived: Promise<number> = new Promise((resolve) => (this.goawayResolve = resolve));

  private constructor(conn: QuicConnection, options: H3SessionOptions) {
    this.conn = conn;
    this.session = new H3Session(options);
  }

  /** Sets the WebTransport hook (see `Http3ServeOptions.onWebTransportEvent`), e.g. on a client. */
  setWebTransportHook(hook: Http3ServeOptions['onWebTransportEvent']): void {
    this.onWt = hook;
  }

  /**
   * @internal a claimed WebTransport stream: its reads wait for room in `sink.body` (backpressure)
   * and its reset or the connection's end fails `sink`.
   */
  attachStream(streamId: number, sink: { body: Http3Body; fail(e: Error): void }): { send: QuicSendStream | undefined; recv: QuicRecvStream | undefined } {
    this.sinks.set(streamId, { body: sink.body, fail: (e) => sink.fail(e), onEvent: () => undefined });
    const bidi = this.bidis.get(streamId);
    this.bidis.delete(streamId);
    return { send: bidi?.send, recv: bidi?.recv ?? this.recvs.get(streamId) };
  }

  /** @internal forgets a stream attached with `attachStream`. */
  detachStream(streamId: number): void {
    this.sinks.delete(streamId);
  }

  /** Starts HTTP/3 on a connection: opens the control and QPACK streams, reads the peer's. */
  static async start(conn: QuicConnection, options: H3SessionOptions): Promise<Http3Connection> {
    const h = new Http3Connection(conn, options);
    const open = async (): Promise<number> => {
      const s = await conn.openUniStream({ priority: StreamPriority.HIGH });
      h.sends.set(s.id, s);
      return s.id;
    };
    const control = await open();
    const qpackEncoder = await open();
    const qpackDecoder = await open();
    h.session.start({ control, qpackEncoder, qpackDecoder });
    h.drive();
    void h.acceptUni();
    void conn.closed.then(() => h.onConnectionClosed(conn.closeError ?? new QuicError(QuicErrorCode.CONNECTION_CLOSED, 'connection closed')));
    return h;
  }

  private onConnectionClosed(err: Error): void {
    this.closedError ??= err;
    for (const s of this.sinks.values()) s.fail(err);
    this.sinks.clear();
  }

  private async acceptUni(): Promise<void> {
    for await (const r of this.conn.incomingUniStreams) {
      this.session.onStreamOpened(r.id);
      void this.readLoop(r);
    }
  }

  /** @internal the server side: a request stream the client opened. */
  acceptBidi(s: QuicBiStream): void {
    this.bidis.set(s.id, s);
    this.session.onStreamOpened(s.id);
    this.drive();
    void this.readLoop(s.recv);
  }

  private async readLoop(r: QuicRecvStream): Promise<void> {
    this.recvs.set(r.id, r);
    try {
      for (;;) {
        const body = this.sinks.get(r.id)?.body;
        if (body !== undefined) await body.room();
        const c = await r.readChunk(FILE_CHUNK);
        if (c === null) {
          this.session.onStreamData(r.id, new Uint8Array(0), true);
          this.drive();
          return;
        }
        this.session.onStreamData(r.id, c, false);
        this.drive();
      }
    } catch (e) {
      if (e instanceof QuicError && e.code === QuicErrorCode.STREAM_RESET && e.initiator === 'peer') {
        this.session.onStreamReset(r.id, e.wireCode ?? 0);
        this.drive();
      }
    } finally {
      this.recvs.delete(r.id);
    }
  }

  /** Performs the session's actions and delivers its events (DESIGN §1: after the core call). */
  drive(): void {
    for (let a = this.session.pollAction(); a !== undefined; a = this.session.pollAction()) {
      try {
        switch (a.kind) {
          case 'write': {
            const s = this.sends.get(a.streamId);
            if (s === undefined) break;
            s.write(a.bytes).catch(() => undefined);
            if (a.fin) s.finish();
            break;
          }
          case 'reset_stream':
            (this.bidis.get(a.streamId)?.send ?? this.sends.get(a.streamId))?.reset(a.code);
            break;
          case 'stop_sending':
            (this.bidis.get(a.streamId)?.recv ?? this.recvs.get(a.streamId))?.stopSending(a.code);
            break;
          case 'close':
            this.closedError ??= new QuicError(QuicErrorCode.CONNECTION_CLOSED, `HTTP/3 connection error ${a.reason}`, { initiator: 'local', wireCode: a.code });
            this.conn.close(a.code, a.reason.slice(0, 200)).catch(() => undefined);
            break;
        }
      } catch {
        // the stream or connection is already gone
      }
    }
    for (let ev = this.session.pollEvent(); ev !== undefined; ev = this.session.pollEvent()) this.deliver(ev);
  }

  private deliver(ev: H3Event): void {
    switch (ev.type) {
      case 'request':
        this.onRequest?.(ev.head, ev.streamId);
        return;
      case 'closed':
        this.onConnectionClosed(new QuicError(QuicErrorCode.CONNECTION_CLOSED, `HTTP/3 connection error: ${ev.reason}`, { initiator: 'local', wireCode: ev.code }));
        return;
      case 'goaway':
        this.goawayResolve(ev.id); // later GOAWAYs only lower the id: the first one is the signal
        // RFC 9114 §5.2: requests at or above the id were not and will not be processed.
        if (this.session.role === 'client') {
          for (const [id, s] of this.sinks) if (id >= ev.id) s.fail(streamError(id, H3ErrorCode.H3_REQUEST_REJECTED, 'peer', 'GOAWAY'));
        }
        return;
      case 'settings':
        this.settingsResolve(ev.settings);
        return;
      case 'wt_stream':
      case 'wt_data':
        if (this.onWt?.(ev, this) === true) return;
        // No WebTransport layer claimed it: refuse (draft-ietf-webtrans-http3 §4.6).
        if (ev.type === 'wt_stream') {
          this.session.rejectStream(ev.streamId);
          this.drive();
        }
        return;
      case 'stream_error':
      case 'stream_reset': {
        const s = this.sinks.get(ev.streamId);
        this.sinks.delete(ev.streamId);
        if (s === undefined && this.session.role === 'server') this.bidis.delete(ev.streamId);
        s?.fail(streamError(ev.streamId, ev.code, ev.type === 'stream_error' ? 'local' : 'peer', ev.type === 'stream_error' ? ev.reason : 'reset by peer'));
        return;
      }
      default: {
        const s = this.sinks.get(ev.streamId);
        if (ev.type === 'end') this.sinks.delete(ev.streamId);
        s?.onEvent(ev);
      }
    }
  }

  /** Sends GOAWAY (RFC 9114 §5.2): a server processes no request at or above the id. */
  goaway(): void {
    this.session.sendGoaway();
    this.drive();
  }

  // ---------------------------------------------------------------- writing messages

  private async writeMessage(s: QuicSendStream, head: Field[], body: Http3BodyInit | undefined, trailers: Http3Headers | undefined, request?: { method: string }): Promise<number> {
    await s.write(this.session.encodeHeaders(s.id, head, request));
    this.drive();
    let bytes = 0;
    const data = async (chunk: Uint8Array): Promise<void> => {
      if (chunk.length === 0) return;
      await s.write(H3Session.dataHeader(chunk.length));
      await s.write(chunk);
      bytes += chunk.length;
    };
    if (typeof body === 'string') await data(utf8.encode(body));
    else if (body instanceof Uint8Array) await data(body);
    else if (body !== undefined && 'file' in body) for await (const c of readFileChunks(body.file, FILE_CHUNK)) await data(c);
    else if (body !== undefined) for await (const c of body) await data(c);
    if (trailers !== undefined && Object.keys(trailers).length > 0) {
      await s.write(this.session.encodeHeaders(s.id, fieldsOf([], trailers)));
      this.drive();
    }
    s.finish();
    return bytes;
  }

  // ---------------------------------------------------------------- server

  /** @internal serves requests with `options` until the connection ends. */
  serve(options: Http3ServeOptions): void {
    this.onRequest = (head, streamId) => void this.handle(head, streamId, options);
    this.onWt = options.onWebTransportEvent;
  }

  private async handle(head: RequestHead, streamId: number, options: Http3ServeOptions): Promise<void> {
    const stream = this.bidis.get(streamId);
    if (stream === undefined) return;
    const body = new Http3Body();
    this.sinks.set(streamId, {
      body,
      fail: (e) => body.fail(e),
      onEvent: (ev) => {
        if (ev.type === 'data') body.push(ev.data);
        else if (ev.type === 'end') body.end();
      },
    });
    const { headers, list } = headersOf(head.headers);
    const req: Http3Request = {
      method: head.method, path: fromWire(head.path ?? ''), authority: fromWire(head.authority ?? ''), scheme: head.scheme ?? '',
      protocol: head.protocol, headers, fields: list, body, streamId, stream, connection: this,
    };
    let status = 500;
    let bytes = 0;
    try {
      let res: Http3ResponseInit | undefined = options.handler === undefined ? undefined : await options.handler(req);
      res ??= await staticResponse(req, options.root);
      if (res.reject !== undefined) {
        status = 0;
        this.sinks.delete(streamId);
        body.fail(new QuicError(QuicErrorCode.STREAM_RESET, `HTTP/3 stream ${streamId}: rejected by the handler (${h3ErrorName(res.reject)})`, { initiator: 'local', wireCode: res.reject }));
        stream.send.reset(res.reject);
        stream.recv.stopSending(res.reject);
        this.bidis.delete(streamId);
        options.onRequest?.({ method: req.method, path: req.path, status, bytes });
        return;
      }
      status = res.status ?? 200;
      if (res.upgrade !== undefined) {
        // RFC 9220 §3 / RFC 9114 §4.4: the stream stays open after the header section.
        await stream.send.write(this.session.encodeHeaders(streamId, fieldsOf([[':status', String(status)]], res.headers)));
        this.drive();
        res.upgrade();
        options.onRequest?.({ method: req.method, path: req.path, status, bytes });
        return;
      }
      const isHead = req.method === 'HEAD';
      const resHeaders = { ...res.headers };
      if (!('content-length' in resHeaders)) {
        if (typeof res.body === 'string') resHeaders['content-length'] = String(utf8.encode(res.body).length);
        else if (res.body instanceof Uint8Array) resHeaders['content-length'] = String(res.body.length);
      }
      bytes = await this.writeMessage(stream.send, fieldsOf([[':status', String(status)]], resHeaders), isHead ? undefined : res.body, res.trailers);
      if (!body.isEnded) {
        // RFC 9114 §4.1: a server that responded before the whole request arrived "MAY request that
        // the client abort transmission of a request without error by sending a STOP_SENDING frame
        // with error code H3_NO_ERROR".
        stream.recv.stopSending(H3ErrorCode.H3_NO_ERROR);
        body.fail(new QuicError(QuicErrorCode.STREAM_STOPPED, 'the response was sent before the request body was read'));
        this.sinks.delete(streamId);
      }
    } catch (e) {
      status = 500;
      try {
        if (stream.send.bytesWritten === 0) {
          await this.writeMessage(stream.send, fieldsOf([[':status', '500']], { 'content-type': 'text/plain; charset=utf-8' }), 'internal error\n', undefined);
        } else {
          stream.send.reset(H3ErrorCode.H3_INTERNAL_ERROR);
        }
      } catch {
        // the stream or connection is gone
      }
      void e;
    }
    this.bidis.delete(streamId);
    options.onRequest?.({ method: req.method, path: req.path, status, bytes });
  }

  // ---------------------------------------------------------------- client

  /** Sends a request and resolves with the response head (the body streams in). */
  async fetch(init: Http3FetchInit): Promise<Http3Response> {
    if (this.closedError !== undefined) throw this.closedError;
    if (this.conn.alpn !== H3_ALPN) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, `the connection negotiated ALPN ${this.conn.alpn ?? '(none)'}, not h3`);
    const goaway = this.session.peerGoaway;
    if (goaway !== undefined) throw new QuicError(QuicErrorCode.INVALID_STATE, `the server sent GOAWAY (${goaway}): open a new connection`);
    const method = init.method ?? 'GET';
    const s = await this.conn.openBiStream();
    this.bidis.set(s.id, s);
    const body = new Http3Body();
    let resolveTrailers!: (h: Http3Headers) => void;
    const trailers = new Promise<Http3Headers>((r) => (resolveTrailers = r));
    let trailerHeaders: Http3Headers = {};
    const response = new Promise<Http3Response>((resolve, reject) => {
      this.sinks.set(s.id, {
        body: undefined,
        fail: (e) => {
          this.bidis.delete(s.id);
          reject(e);
          body.fail(e);
          resolveTrailers({});
        },
        onEvent: (ev) => {
          if (ev.type === 'response') {
            const { headers, list } = headersOf((ev.head as ResponseHead).headers);
            this.sinks.get(s.id)!.body = body;
            resolve({ status: ev.head.status, headers, fields: list, body, trailers, streamId: s.id, stream: s });
          } else if (ev.type === 'data') body.push(ev.data);
          else if (ev.type === 'trailers') trailerHeaders = headersOf(ev.headers).headers;
          else if (ev.type === 'end') {
            this.bidis.delete(s.id);
            body.end();
            resolveTrailers(trailerHeaders);
          }
        },
      });
    });
    response.catch(() => undefined);
    const pseudo: [string, string][] = [[':method', method], [':scheme', init.scheme ?? 'https'], [':authority', init.authority ?? this.conn.remoteAddress], [':path', init.path]];
    if (init.protocol !== undefined) pseudo.push([':protocol', init.protocol]);
    void this.readLoop(s.recv);
    if (init.keepOpen === true) {
      // RFC 9220: an extended CONNECT: the header section only; the stream stays open.
      const head = this.session.encodeHeaders(s.id, fieldsOf(pseudo, init.headers), { method });
      this.drive();
      s.send.write(head).catch((e: unknown) => this.sinks.get(s.id)?.fail(e instanceof Error ? e : new Error(String(e))));
      return response;
    }
    this.writeMessage(s.send, fieldsOf(pseudo, init.headers), init.body, undefined, { method }).catch((e: unknown) => {
      // RFC 9114 §4.1: "Clients MUST NOT discard complete responses as a result of having their
      // request terminated abruptly" (STOP_SENDING with H3_NO_ERROR after an early response).
      if (e instanceof QuicError && e.code === QuicErrorCode.STREAM_STOPPED && e.wireCode === H3ErrorCode.H3_NO_ERROR) return;
      this.sinks.get(s.id)?.fail(e instanceof Error ? e : new Error(String(e)));
    });
    return response;
  }
}

const clients = new WeakMap<QuicConnection, Promise<Http3Connection>>();

/** The client-side HTTP/3 connection of `conn` (created on first use). */
export function http3Client(conn: QuicConnection, session: Omit<H3SessionOptions, 'role'> = {}): Promise<Http3Connection> {
  let h = clients.get(conn);
  if (h === undefined) {
    h = Http3Connection.start(conn, { ...session, role: 'client' });
    clients.set(conn, h);
  }
  return h;
}

/**
 * Sends one HTTP/3 request on `conn` (which must have negotiated ALPN `h3`) and resolves with the
 * response once its header section arrived. A failed request rejects with ERR_QUIC_STREAM_RESET
 * whose `wireCode` is the HTTP/3 error code.
 */
export async function http3Fetch(conn: QuicConnection, init: Http3FetchInit): Promise<Http3Response> {
  return (await http3Client(conn)).fetch(init);
}

/**
 * Serves HTTP/3 on one connection, or on every `h3` connection a server accepts, until it ends.
 * Each request goes to `handler` first; if it returns undefined, GET and HEAD are served from
 * `root` (content-length, content-type; 404 when missing).
 */
export async function serveHttp3(target: QuicServer | QuicConnection, options: Http3ServeOptions): Promise<void> {
  if (!('incomingBiStreams' in target)) {
    for await (const conn of target) if (conn.alpn === H3_ALPN) void serveHttp3(conn, options).catch(() => undefined);
    return;
  }
  const h = await Http3Connection.start(target, { ...options.session, role: 'server' });
  h.serve(options);
  for await (const s of target.incomingBiStreams) h.acceptBidi(s);
}

/**
 * Downloads `paths` over one `h3` connection into `outDir` (file name = last path segment), many
 * requests in parallel within the server's stream limit (RFC 9000 §4.6). A non-200 status is an
 * error. Resolves with one result per path, in order.
 */
export async function http3Download(conn: QuicConnection, paths: readonly string[], outDir: string, options: { concurrency?: number; authority?: string; onProgress?: (p: { path: string; bytes: number; done: boolean; error?: Error }) => void } = {}): Promise<HqDownloadResult[]> {
  const limit = Math.max(1, options.concurrency ?? 2000);
  const results: HqDownloadResult[] = new Array(paths.length);
  let next = 0;
  const one = async (path: string): Promise<HqDownloadResult> => {
    const file = join(outDir, hqFileName(path));
    let bytes = 0;
    const out = createWriteStream(file);
    const outError = new Promise<never>((_, reject) => out.once('error', reject));
    outError.catch(() => undefined);
    try {
      const res = await http3Fetch(conn, { path, ...(options.authority === undefined ? {} : { authority: options.authority }) });
      if (res.status !== 200) throw new QuicError(QuicErrorCode.INVALID_STATE, `${path}: HTTP status ${res.status}`);
      for await (const c of res.body) {
        bytes += c.length;
        if (!out.write(c)) await Promise.race([once(out, 'drain'), outError]);
        options.onProgress?.({ path, bytes, done: false });
      }
      out.end();
      await Promise.race([once(out, 'close'), outError]);
      options.onProgress?.({ path, bytes, done: true });
      return { path, file, bytes };
    } catch (e) {
      out.destroy();
      const error = e instanceof Error ? e : new Error(String(e));
      options.onProgress?.({ path, bytes, done: true, error });
      return { path, file, bytes, error };
    }
  };
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const i = next++;
      results[i] = await one(paths[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, paths.length) }, worker));
  return results;
}
