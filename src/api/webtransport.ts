/**
 * WebTransport over HTTP/3 on the Node API (draft-ietf-webtrans-http3-16, and draft-02 for
 * Chromium): `serveWebTransport` (or `webTransportServeOptions` for `serveHttp3`) accepts sessions
 * on an `h3` server, `connectWebTransport` opens one from Node. Each session is a
 * `QuicConnectionLike` (webtransport-session.ts), so one handler serves raw-QUIC clients and
 * browsers alike (DESIGN §7).
 *
 * The protocol state is sans-IO in src/webtransport (version choice, CONNECT decision, session
 * table with the bounded buffering of draft-16 §4.6, datagram and capsule codecs); this file wires
 * it to `Http3Connection`'s hooks: `wt_stream` / `wt_data` events for streams the HTTP/3 session
 * recognised (0x41 bidi from clients, 0x54 uni), the extended CONNECT handler (`upgrade`), the
 * QUIC datagrams of the connection, and (client) server-initiated bidi streams, whose header is
 * read here because the HTTP/3 layer never sees them (RFC 9114 §6.1 forbids them without an
 * extension: draft-16 §4.3 is that extension).
 */
import { Reader } from '../util/bytes.js';
import { CodecError } from '../util/errors.js';
import { H3ErrorCode } from '../h3/errors.js';
import { H3FrameType } from '../h3/frames.js';
import type { H3Event } from '../h3/session-types.js';
import { WT_PROTOCOL, WebTransportDraft } from '../webtransport/constants.js';
import { chooseClientDraft, connectRequestHeaders, decideConnect, webTransportSettings } from '../webtransport/negotiation.js';
import { SessionTable, type SessionTableLimits } from '../webtransport/session-table.js';
import { delay } from '../io/clock.js';
import { connect, type QuicClientOptions } from './client.js';
import type { QuicConnection } from './connection.js';
import { QuicError, QuicErrorCode } from './errors.js';
import { H3_ALPN, Http3Connection, http3Client, serveHttp3, type Http3Handler, type Http3ServeOptions } from './http3.js';
import { Http3Body } from './http3-body.js';
import type { QuicServer } from './server.js';
import type { QuicBiStream } from './stream.js';
import { WebTransportSession, rawSource } from './webtransport-session.js';
import { WtBiStream, WtRecvStream, WtSendStream } from './webtransport-stream.js';

export { WebTransportSession, type WebTransportSessionStats } from './webtransport-session.js';
export { WtBiStream, WtRecvStream, WtSendStream } from './webtransport-stream.js';

/** Per-stream receive buffer of a claimed stream before the application reads (backpressure beyond). */
const STREAM_HIGH_WATER = 256 * 1024;

/** What the server knows about an accepted session. */
export interface WebTransportSessionInfo {
  readonly path: string;
  readonly origin: string | undefined;
  readonly draft: WebTransportDraft;
  readonly headers: Readonly<Record<string, string>>;
}

/** Options of `serveWebTransport`. */
export interface WebTransportServeOptions {
  /** Paths that accept sessions (default every path). Others get 405 (draft-16 §3.2). */
  readonly path?: string | readonly string[];
  /** Origin check (draft-16 §3.2: "MUST verify the Origin header"); false answers 403. */
  readonly origin?: (origin: string) => boolean;
  /** Called with each established session (a QuicConnectionLike). */
  readonly onSession: (session: WebTransportSession, info: WebTransportSessionInfo) => void | Promise<void>;
  /** Versions offered (default draft-02 and draft-16). */
  readonly drafts?: readonly WebTransportDraft[];
  /** Other HTTP/3 requests (default 404). */
  readonly handler?: Http3Handler;
  /** Static files for other GET requests. */
  readonly root?: string;
  /** Buffering bounds (draft-16 §4.6). */
  readonly limits?: SessionTableLimits;
}

/** The WebTransport state of one HTTP/3 connection. */
class WtHost {
  readonly h3: Http3Connection;
  readonly conn: QuicConnection;
  readonly table: SessionTable;
  private readonly sessions = new Map<number, WebTransportSession>();
  /** Streams buffered in the HTTP/3 session (server) until their session is accepted. */
  private readonly heldH3 = new Map<number, boolean>();
  /** Server-initiated bidi streams buffered (client), with the bytes read past their header. */
  private readonly heldRaw = new Map<number, { stream: QuicBiStream; rest: Uint8Array }>();
  /** Bodies of claimed streams, fed by `wt_data`. */
  private readonly bodies = new Map<number, Http3Body>();

  constructor(h3: Http3Connection, limits: SessionTableLimits | undefined) {
    this.h3 = h3;
    this.conn = h3.conn;
    this.table = new SessionTable(limits);
    void this.pumpDatagrams();
    // draft-16 §4.7: "An HTTP/3 GOAWAY frame is also a signal to applications to initiate shutdown
    // for all WebTransport sessions."
    void h3.goawayReceived.then(() => {
      for (const s of this.sessions.values()) s.onDrainSignal();
    });
  }

  private async pumpDatagrams(): Promise<void> {
    try {
      for await (const d of this.conn.incomingDatagrams) {
        const r = this.table.onDatagram(d);
        if (r.kind === 'deliver') this.sessions.get(r.sessionId)?.deliverDatagram(r.payload.slice());
      }
    } catch {
      // the connection ended
    }
  }

  /** The `wt_stream` / `wt_data` hook of the HTTP/3 connection. */
  readonly hook = (ev: Extract<H3Event, { type: 'wt_stream' | 'wt_data' }>): boolean => {
    if (ev.type === 'wt_data') {
      const body = this.bodies.get(ev.streamId);
      if (body === undefined) return true;
      body.push(ev.data);
      if (ev.fin) {
        body.end();
        this.bodies.delete(ev.streamId);
        this.h3.detachStream(ev.streamId);
      }
      return true;
    }
    const route = this.table.onStream(ev.streamId, ev.sessionId);
    switch (route.kind) {
      case 'deliver':
        this.claim(ev.streamId, ev.bidi, this.sessions.get(route.sessionId)!);
        return true;
      case 'buffer':
        this.heldH3.set(ev.streamId, ev.bidi);
        return true;
      case 'reject':
        this.h3.session.rejectStream(ev.streamId, route.code);
        queueMicrotask(() => this.h3.drive());
        return true;
    }
  };

  /** Takes a stream the HTTP/3 session recognised: its bytes arrive as `wt_data` into a body. */
  private claim(streamId: number, bidi: boolean, session: WebTransportSession): void {
    const body = new Http3Body(STREAM_HIGH_WATER);
    const raw = this.h3.attachStream(streamId, {
      body,
      fail: (e) => {
        this.bodies.delete(streamId);
        body.fail(e);
      },
    });
    this.bodies.set(streamId, body);
    const source = {
      next: () => body.next(),
      stopSending: (code: number) => {
        this.bodies.delete(streamId);
        this.h3.detachStream(streamId);
        raw.recv?.stopSending(code);
      },
    };
    const recvStream = new WtRecvStream(streamId, source);
    this.h3.session.claimStream(streamId);
    if (bidi && raw.send !== undefined) session.deliverBi(new WtBiStream(new WtSendStream(raw.send, 0), recvStream));
    else if (!bidi) session.deliverUni(recvStream);
  }

  /** Client: a server-initiated bidi stream; reads its header (draft-16 §4.3) here. */
  async acceptServerBidi(s: QuicBiStream): Promise<void> {
    let buf = new Uint8Array(0);
    let header: { sessionId: number; rest: Uint8Array } | undefined;
    try {
      while (header === undefined) {
        const c = await s.recv.readChunk(64);
        if (c === null) return;
        const joined = new Uint8Array(buf.length + c.length);
        joined.set(buf);
        joined.set(c, buf.length);
        buf = joined;
        try {
          const r = new Reader(buf);
          const signal = r.varint();
          // RFC 9114 §6.1: server-initiated bidi streams are an error unless an extension allows
          // them; draft-16 §4.3 allows only WT_STREAM.
          if (signal !== H3FrameType.WT_STREAM) {
            s.send.reset(H3ErrorCode.H3_STREAM_CREATION_ERROR);
            s.recv.stopSending(H3ErrorCode.H3_STREAM_CREATION_ERROR);
            return;
          }
          header = { sessionId: r.varint(), rest: r.bytes(r.remaining).slice() };
        } catch (e) {
          if (!(e instanceof CodecError) || buf.length > 16) throw e;
        }
      }
    } catch {
      return;
    }
    const route = this.table.onStream(s.id, header.sessionId);
    if (route.kind === 'deliver') this.deliverRaw(s, header.rest, this.sessions.get(route.sessionId)!);
    else if (route.kind === 'buffer') this.heldRaw.set(s.id, { stream: s, rest: header.rest });
    else {
      s.send.reset(route.code);
      s.recv.stopSending(route.code);
    }
  }

  private deliverRaw(s: QuicBiStream, rest: Uint8Array, session: WebTransportSession): void {
    session.deliverBi(new WtBiStream(new WtSendStream(s.send, 0), new WtRecvStream(s.id, rawSource(s.recv), rest)));
  }

  /** A session is established: deliver what was buffered for it (draft-16 §4.6). */
  open(session: WebTransportSession): void {
    this.sessions.set(session.sessionId, session);
    if (this.h3.session.peerGoaway !== undefined) session.onDrainSignal(); // draft-16 §4.7: GOAWAY came first
    const held = this.table.open(session.sessionId, session.draft);
    for (const id of held.streams) {
      const bidi = this.heldH3.get(id);
      if (bidi !== undefined) {
        this.heldH3.delete(id);
        this.claim(id, bidi, session);
        continue;
      }
      const raw = this.heldRaw.get(id);
      if (raw !== undefined) {
        this.heldRaw.delete(id);
        this.deliverRaw(raw.stream, raw.rest, session);
      }
    }
    this.h3.drive();
    for (const d of held.datagrams) session.deliverDatagram(d);
  }

  /** Sessions created and not ended yet (`created` to `sessionEnded`), accepted or still being answered. */
  private readonly live = new Map<number, WebTransportDraft>();

  /** @internal a session object exists for `sessionId` (it ends through `sessionEnded`). */
  created(sessionId: number, draft: WebTransportDraft): void {
    this.live.set(sessionId, draft);
  }

  /** Whether a session of `draft` is live on this connection. */
  hasLiveSession(draft: WebTransportDraft): boolean {
    for (const d of this.live.values()) if (d === draft) return true;
    return false;
  }

  /** A session ended: reject what is still buffered for it with WT_SESSION_GONE (draft-16 §6). */
  sessionEnded(sessionId: number): void {
    this.live.delete(sessionId);
    this.sessions.delete(sessionId);
    for (const id of this.table.end(sessionId)) {
      if (this.heldH3.delete(id)) this.h3.session.rejectStream(id, H3ErrorCode.WT_SESSION_GONE);
      const raw = this.heldRaw.get(id);
      if (raw !== undefined) {
        this.heldRaw.delete(id);
        raw.stream.send.reset(H3ErrorCode.WT_SESSION_GONE);
        raw.stream.recv.stopSending(H3ErrorCode.WT_SESSION_GONE);
      }
    }
    queueMicrotask(() => this.h3.drive());
  }
}

const hosts = new WeakMap<Http3Connection, WtHost>();

function hostOf(h3: Http3Connection, limits?: SessionTableLimits): WtHost {
  let h = hosts.get(h3);
  if (h === undefined) {
    h = new WtHost(h3, limits);
    hosts.set(h3, h);
  }
  return h;
}

/**
 * `serveHttp3` options that accept WebTransport sessions (draft-16 §3; draft-02 for Chromium):
 * SETTINGS with ENABLE_CONNECT_PROTOCOL, H3_DATAGRAM and both versions' enable settings; extended
 * CONNECT requests decided by path and origin, answered 200 and kept open; streams and datagrams
 * routed to their session. The QUIC server must enable datagrams (`datagrams: true`).
 */
export function webTransportServeOptions(options: WebTransportServeOptions): Http3ServeOptions {
  const drafts = options.drafts ?? [WebTransportDraft.DRAFT02, WebTransportDraft.DRAFT16];
  const paths = options.path === undefined ? undefined : typeof options.path === 'string' ? [options.path] : options.path;
  const handler: Http3Handler = async (req) => {
    const decision = decideConnect({ method: req.method, protocol: req.protocol, scheme: req.scheme, authority: req.authority, path: req.path, headers: req.headers }, { ...(paths === undefined ? {} : { paths }), ...(options.origin === undefined ? {} : { origin: options.origin }), drafts });
    if (decision.kind === 'not_webtransport') return options.handler?.(req);
    if (decision.kind === 'refuse') return { status: decision.status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${decision.reason}\n` };
    const host = hostOf(req.connection, options.limits);
    // draft-16 §5.1: flow control is never enabled (webTransportSettings), so "A server that
    // receives more than one session on an underlying transport connection when flow control is
    // not enabled MUST reset the excessive CONNECT streams with a H3_REQUEST_REJECTED status".
    if (decision.draft === WebTransportDraft.DRAFT16 && host.hasLiveSession(WebTransportDraft.DRAFT16)) return { reject: H3ErrorCode.H3_REQUEST_REJECTED };
    const session = new WebTransportSession(host, { sessionId: req.streamId, draft: decision.draft, connect: req.stream, body: req.body, path: req.path, origin: decision.origin });
    const info: WebTransportSessionInfo = { path: req.path, origin: decision.origin, draft: decision.draft, headers: req.headers };
    return {
      status: 200,
      headers: decision.responseHeaders,
      // draft-16 §3.2: "From the server's perspective, a session is established once it sends a 2xx response."
      upgrade: () => {
        host.open(session);
        void (async () => options.onSession(session, info))().catch(() => session.close(1, 'session handler failed'));
      },
    };
  };
  return {
    session: { enableConnectProtocol: true, h3Datagram: true, extraSettings: webTransportSettings(drafts) },
    handler,
    ...(options.root === undefined ? {} : { root: options.root }),
    onWebTransportEvent: (ev, h3) => hostOf(h3, options.limits).hook(ev),
  };
}

/**
 * Serves WebTransport (and, through `handler` / `root`, other HTTP/3 requests) on every `h3`
 * connection of `server`, or on one connection. The server needs `alpn: ['h3']` and
 * `datagrams: true` (draft-16 §3.1: max_datagram_frame_size > 0).
 */
export function serveWebTransport(target: QuicServer | QuicConnection, options: WebTransportServeOptions): Promise<void> {
  return serveHttp3(target, webTransportServeOptions(options));
}

/** Options of `connectWebTransport`: the client's TLS choices (`serverCertificateHashes`, `ca`, ...). */
export interface WebTransportConnectOptions extends Omit<QuicClientOptions, 'alpn' | 'datagrams'> {
  /** The `origin` header to send (browsers always send one; draft-16 §3.2). */
  readonly origin?: string;
  /** Versions we offer (default draft-16 then draft-02; the highest both support wins, draft-16 §7.1). */
  readonly drafts?: readonly WebTransportDraft[];
  /** Most milliseconds to wait for the server's SETTINGS and the CONNECT response (default 10 000). */
  readonly timeoutMs?: number;
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  const d = delay(ms);
  const t = d.promise.then((): never => {
    throw new QuicError(QuicErrorCode.HANDSHAKE, `WebTransport: no ${what} within ${ms} ms`);
  });
  return Promise.race([p, t]).finally(() => d.cancel());
}

/**
 * Opens a WebTransport session to `url` (https://host:port/path) over a new QUIC connection: h3
 * with datagrams, the server's SETTINGS awaited (draft-16 §4.6: "the client MUST wait for receipt
 * of the server's SETTINGS frame before establishing any WebTransport sessions"), then an extended
 * CONNECT. The session owns the connection: when the session ends, the connection is closed after
 * the server finished the CONNECT stream (draft-16 §6: "the endpoint SHOULD wait until all CONNECT
 * streams have been closed by the peer before sending the CONNECTION_CLOSE").
 * @throws QuicError ERR_QUIC_HANDSHAKE when the server lacks WebTransport or answers non-2xx.
 */
export async function connectWebTransport(url: string, options: WebTransportConnectOptions = {}): Promise<WebTransportSession> {
  const u = new URL(url);
  if (u.protocol !== 'https:') throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, `WebTransport URLs are https: (got ${u.protocol})`);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  const port = u.port === '' ? 443 : Number(u.port);
  const timeout = options.timeoutMs ?? 10_000;
  const ours = options.drafts ?? [WebTransportDraft.DRAFT16, WebTransportDraft.DRAFT02];
  const conn = await connect({ host, port }, { ...options, alpn: [H3_ALPN], datagrams: true });
  try {
    const h3 = await http3Client(conn, { h3Datagram: true, extraSettings: webTransportSettings(ours) });
    const wt = hostOf(h3);
    h3.setWebTransportHook((ev) => wt.hook(ev));
    void (async () => {
      for await (const s of conn.incomingBiStreams) void wt.acceptServerBidi(s);
    })().catch(() => undefined);
    const settings = await within(h3.settingsReceived, timeout, 'SETTINGS');
    const draft = chooseClientDraft(settings, ours);
    if (draft === undefined) {
      // draft-16 §3.1: "the client MAY close the HTTP/3 connection with a WT_REQUIREMENTS_NOT_MET error code".
      await conn.close(H3ErrorCode.WT_REQUIREMENTS_NOT_MET, 'server lacks WebTransport');
      throw new QuicError(QuicErrorCode.HANDSHAKE, `${url}: the server's SETTINGS do not enable WebTransport (${ours.join(', ')})`);
    }
    const path = `${u.pathname}${u.search}`;
    const res = await within(h3.fetch({ method: 'CONNECT', protocol: WT_PROTOCOL[draft], scheme: 'https', authority: u.host, path, headers: connectRequestHeaders(draft, options.origin), keepOpen: true }), timeout, 'CONNECT response');
    if (res.status < 200 || res.status > 299 || res.stream === undefined) {
      await conn.close(0, 'WebTransport refused');
      throw new QuicError(QuicErrorCode.HANDSHAKE, `${url}: the server answered ${res.status}`, { wireCode: res.status });
    }
    const session = new WebTransportSession(wt, { sessionId: res.streamId, draft, connect: res.stream, body: res.body, path, origin: options.origin });
    session.onEnded = () => {
      void within(session.peerFinished, 2000, 'FIN').catch(() => undefined).then(() => conn.close(0, 'WebTransport session closed')).catch(() => undefined);
    };
    wt.open(session);
    return session;
  } catch (e) {
    if (!conn.isClosed) await conn.close(0, 'WebTransport setup failed').catch(() => undefined);
    throw e;
  }
}
