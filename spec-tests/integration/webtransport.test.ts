/**
 * WebTransport over HTTP/3 on loopback (draft-ietf-webtrans-http3-16; draft-02 as Chromium speaks
 * it): our Node client (`connectWebTransport`) against our server (`serveWebTransport`), and the
 * same echo handler serving a raw QUIC connection (DESIGN §7: one QuicConnectionLike interface).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { H3_ALPN, QuicServer, WebTransport, WebTransportDraft, connect, http3Client, connectWebTransport, serveWebTransport, type CloseInfo, type WebTransportSession } from '../../src/node.js';
import { H3ErrorCode } from '../../src/h3/errors.js';
import { webTransportSettings } from '../../src/webtransport/negotiation.js';
import { WtSetting } from '../../src/webtransport/constants.js';
import type { QuicConnectionLike } from '../../src/api-common/connection-like.js';
import { echoHandler } from './echo-handler.js';
import { payload, within } from './helpers.js';

const RAW_ALPN = 'wt-echo-raw';
let server: QuicServer;
let url: string;
let hash: Uint8Array;
const serverSessions: { session: WebTransportSession; path: string; origin: string | undefined; draft: string }[] = [];
const waiters: ((s: WebTransportSession) => void)[] = [];

function nextServerSession(): Promise<WebTransportSession> {
  return within(new Promise<WebTransportSession>((ok) => waiters.push(ok)), 5000, 'server session');
}

beforeAll(async () => {
  server = new QuicServer({ host: '127.0.0.1', port: 0, tls: { selfSigned: true, hostnames: ['127.0.0.1'] }, alpn: [H3_ALPN, RAW_ALPN], datagrams: true, maxStreams: { bidi: 100, uni: 100 } });
  await server.listen();
  url = `https://127.0.0.1:${server.address.port}`;
  hash = server.certificate.sha256!;
  void (async () => {
    for await (const conn of server) {
      if (conn.alpn === RAW_ALPN) {
        void echoHandler(conn);
        continue;
      }
      void serveWebTransport(conn, {
        path: ['/echo', '/manual'],
        origin: (o) => o !== 'https://evil.example',
        onSession: (session, info) => {
          serverSessions.push({ session, path: info.path, origin: info.origin, draft: info.draft });
          if (info.path === '/echo') void echoHandler(session);
          else waiters.shift()?.(session);
        },
      }).catch(() => undefined);
    }
  })();
});

afterAll(async () => {
  await server.close(0, 'done', 200);
});

async function exercise(conn: QuicConnectionLike): Promise<{ bidi: boolean[]; uni: string; datagram: string }> {
  const streams = await Promise.all([0, 1, 2].map(() => conn.openBiStream()));
  const data = streams.map((_, i) => payload(100_000 + i, i + 3));
  const echoed = await within(Promise.all(streams.map(async (s, i) => {
    await s.writeAll(data[i]!);
    s.finish();
    return s.readAll();
  })), 10_000, 'bidi echo');
  const uni = await conn.openUniStream();
  await uni.writeAll(new TextEncoder().encode('uni ping'));
  uni.finish();
  const back = await within(conn.acceptUniStream(), 5000, 'uni back');
  const text = new TextDecoder().decode(await back.readAll());
  let datagram = 'timeout';
  for (let i = 0; i < 5 && datagram === 'timeout'; i++) {
    conn.sendDatagram(new TextEncoder().encode(`dgram ${i}`));
    datagram = await within(conn.recvDatagram(), 1000, 'datagram').then((d) => new TextDecoder().decode(d), () => 'timeout');
  }
  return { bidi: echoed.map((e, i) => e.length === data[i]!.length && e.every((x, j) => x === data[i]![j])), uni: text, datagram };
}

describe('draft-ietf-webtrans-http3-16 §3-§6: our WebTransport client and server on loopback', () => {
  it('DESIGN §7: one echo handler serves a raw QUIC connection and a WebTransport session alike', async () => {
    const raw = await connect({ host: '127.0.0.1', port: server.address.port }, { alpn: [RAW_ALPN], datagrams: true, serverCertificateHashes: [hash] });
    try {
      expect(await exercise(raw)).toEqual({ bidi: [true, true, true], uni: 'uni ping', datagram: 'dgram 0' });
    } finally {
      await raw.close();
    }
    const wt = await connectWebTransport(`${url}/echo`, { serverCertificateHashes: [hash], origin: 'https://good.example' });
    try {
      expect(wt.draft).toBe(WebTransportDraft.DRAFT16);
      const r = await exercise(wt);
      expect(r.bidi).toEqual([true, true, true]);
      expect(r.uni).toBe('uni ping');
      expect(r.datagram).toMatch(/^dgram \d$/);
      expect(wt.maxDatagramSize).toBeGreaterThan(1000);
      const s = wt.stats();
      expect(s.streamsOpened).toBe(4);
      expect(s.streamsAccepted).toBe(1);
      expect(s.datagramsReceived).toBeGreaterThanOrEqual(1);
      const seen = serverSessions.find((x) => x.session.sessionId === wt.sessionId && x.path === '/echo');
      expect(seen?.origin).toBe('https://good.example');
    } finally {
      await wt.close();
    }
  });

  it('draft-16 §7.1 / draft-02: a client offering only draft-02 gets draft-02 (as Chromium does)', async () => {
    const wt = await connectWebTransport(`${url}/echo`, { serverCertificateHashes: [hash], drafts: [WebTransportDraft.DRAFT02] });
    try {
      expect(wt.draft).toBe(WebTransportDraft.DRAFT02);
      const r = await exercise(wt);
      expect(r.bidi).toEqual([true, true, true]);
      expect(r.uni).toBe('uni ping');
    } finally {
      await wt.close();
    }
  });

  it('draft-16 §3.2: an unknown path gets 405 and a refused origin 403', async () => {
    await expect(connectWebTransport(`${url}/nowhere`, { serverCertificateHashes: [hash] })).rejects.toMatchObject({ code: 'ERR_QUIC_HANDSHAKE', wireCode: 405 });
    await expect(connectWebTransport(`${url}/echo`, { serverCertificateHashes: [hash], origin: 'https://evil.example' })).rejects.toMatchObject({ code: 'ERR_QUIC_HANDSHAKE', wireCode: 403 });
  });

  it('draft-16 §6: the client closes with a code and reason; the server session sees them (WT_CLOSE_SESSION)', async () => {
    const pending = nextServerSession();
    const wt = await connectWebTransport(`${url}/manual`, { serverCertificateHashes: [hash] });
    const srv = await pending;
    const info = await within(wt.close(4242, 'bye from node'), 5000, 'close');
    expect(info).toEqual({ initiator: 'local', code: 4242, reason: 'bye from node', errorSpace: 'application', handshakeCompleted: true });
    const seen: CloseInfo = await within(srv.closed, 5000, 'server closed');
    expect(seen).toEqual({ initiator: 'peer', code: 4242, reason: 'bye from node', errorSpace: 'application', handshakeCompleted: true });
    await expect(wt.openBiStream()).rejects.toMatchObject({ code: 'ERR_QUIC_CONNECTION_CLOSED', wireCode: 4242 });
    expect(() => wt.sendDatagram(new Uint8Array(1))).toThrow(/closed/);
  });

  it('draft-16 §6: the server closes; the client sees the code and its streams of the session end (WT_SESSION_GONE)', async () => {
    const pending = nextServerSession();
    const wt = await connectWebTransport(`${url}/manual`, { serverCertificateHashes: [hash] });
    const srv = await pending;
    // A stream each way, open when the session ends.
    const mine = await wt.openBiStream();
    await mine.write(payload(10, 1));
    const theirs = await within(srv.acceptBiStream(), 5000, 'server accept');
    expect(await theirs.readExact(10)).toEqual(payload(10, 1));
    const out = await srv.openUniStream();
    await out.write(payload(5, 2));
    const incoming = await within(wt.acceptUniStream(), 5000, 'client accept uni');
    expect(await incoming.readExact(5)).toEqual(payload(5, 2));
    const pendingRead = incoming.readChunk().then(() => 'data', (e: { code?: string; wireCode?: number }) => `${e.code}:${e.wireCode}`);
    const serverRead = theirs.readChunk().then(() => 'data', (e: { code?: string }) => e.code);
    await srv.close(7, 'server says bye');
    const seen = await within(wt.closed, 5000, 'client closed');
    expect(seen).toEqual({ initiator: 'peer', code: 7, reason: 'server says bye', errorSpace: 'application', handshakeCompleted: true });
    // The client's read fails: with the session's close (it stopped the stream with WT_SESSION_GONE),
    // or with the server's RESET_STREAM(WT_SESSION_GONE) if that came first.
    expect([`ERR_QUIC_CONNECTION_CLOSED:7`, `ERR_QUIC_STREAM_RESET:${H3ErrorCode.WT_SESSION_GONE}`]).toContain(await within(pendingRead, 5000, 'pending read'));
    expect(await within(serverRead, 5000, 'server read')).toBe('ERR_QUIC_CONNECTION_CLOSED');
    await expect(mine.write(payload(1, 1))).rejects.toBeDefined();
  });

  it('draft-16 §4.7: WT_DRAIN_SESSION resolves the peer\'s `draining` (not the sender\'s); the session stays usable until closed', async () => {
    const pending = nextServerSession();
    const wt = await connectWebTransport(`${url}/manual`, { serverCertificateHashes: [hash] });
    const srv = await pending;
    try {
      expect([wt.isDraining, srv.isDraining]).toEqual([false, false]);
      await wt.drain();
      await within(srv.draining, 5000, 'server draining');
      expect([wt.isDraining, srv.isDraining]).toEqual([false, true]);
      // "an endpoint MAY continue using the session: it MAY open new WebTransport streams"
      const out = await srv.openUniStream();
      await out.writeAll(payload(300, 4));
      out.finish();
      const incoming = await within(wt.acceptUniStream(), 5000, 'client accept uni');
      expect(await within(incoming.readAll(), 5000, 'read')).toEqual(payload(300, 4));
      await srv.drain();
      await srv.drain(); // sent once
      await within(wt.draining, 5000, 'client draining');
      expect(wt.isDraining).toBe(true);
    } finally {
      await wt.close(0, 'drained');
    }
    expect((await within(srv.closed, 5000, 'server closed')).reason).toBe('drained');
    await srv.drain(); // after the end: nothing to send, no error
  });

  it('draft-16 §4.7: an HTTP/3 GOAWAY drains every WebTransport session on the connection (W3C `draining`)', async () => {
    const pending = nextServerSession();
    const wt = new WebTransport(`${url}/manual`, { serverCertificateHashes: [{ algorithm: 'sha-256', value: hash }] });
    await within(wt.ready, 5000, 'ready');
    const srv = await pending;
    const session = await wt.session;
    expect(session.isDraining).toBe(false);
    srv.http3.goaway();
    await within(wt.draining, 5000, 'draining');
    expect(session.isDraining).toBe(true);
    expect(await within(session.http3.goawayReceived, 1000, 'goaway id')).toBeGreaterThanOrEqual(0);
    expect(srv.isDraining).toBe(false); // the sender of GOAWAY is not asked to drain
    // The session itself still works after GOAWAY.
    const bidi = await wt.createBidirectionalStream();
    const w = bidi.writable.getWriter();
    await w.write(Uint8Array.of(1, 2, 3));
    const theirs = await within(srv.acceptBiStream(), 5000, 'server accept');
    expect(await within(theirs.readExact(3), 5000, 'read')).toEqual(Uint8Array.of(1, 2, 3));
    wt.close({ closeCode: 3, reason: 'after goaway' });
    expect(await within(wt.closed, 5000, 'closed')).toEqual({ closeCode: 3, reason: 'after goaway' });
  });

  it('draft-16 §4.4: stream reset codes are application codes end to end (remapped on the wire)', async () => {
    const pending = nextServerSession();
    const wt = await connectWebTransport(`${url}/manual`, { serverCertificateHashes: [hash] });
    const srv = await pending;
    try {
      const s = await wt.openBiStream();
      await s.write(payload(3, 1));
      const t = await within(srv.acceptBiStream(), 5000, 'accept');
      await t.readExact(3);
      s.reset(123);
      await expect(within(t.readChunk(), 5000, 'read after reset')).rejects.toMatchObject({ code: 'ERR_QUIC_STREAM_RESET', wireCode: 123, initiator: 'peer' });
      const s2 = await wt.openBiStream();
      await s2.write(payload(3, 2));
      const t2 = await within(srv.acceptBiStream(), 5000, 'accept 2');
      await t2.readExact(3);
      t2.stopSending(0xffff_ffff);
      await expect(within((async () => { for (;;) { await s2.write(payload(1000, 1)); await new Promise((r) => setTimeout(r, 10)); } })(), 5000, 'write after stop')).rejects.toMatchObject({ code: 'ERR_QUIC_STREAM_STOPPED', wireCode: 0xffff_ffff, initiator: 'peer' });
    } finally {
      await wt.close();
    }
  });

  it('W3C WebTransport §5: the W3C-shaped WebTransport class for Node: ready, bidi and uni streams, datagrams, close', async () => {
    const wt = new WebTransport(`${url}/echo`, { serverCertificateHashes: [{ algorithm: 'sha-256', value: hash }] });
    await within(wt.ready, 5000, 'ready');
    const bidi = await wt.createBidirectionalStream();
    const w = bidi.writable.getWriter();
    await w.write(new TextEncoder().encode('hello '));
    await w.write(new TextEncoder().encode('w3c'));
    await w.close();
    let text = '';
    for await (const c of bidi.readable) text += new TextDecoder().decode(c);
    expect(text).toBe('hello w3c');
    const uni = (await wt.createUnidirectionalStream()).getWriter();
    await uni.write(new TextEncoder().encode('uni'));
    await uni.close();
    const back = await within(wt.incomingUnidirectionalStreams.getReader().read(), 5000, 'incoming uni');
    let uniText = '';
    for await (const c of back.value!) uniText += new TextDecoder().decode(c);
    expect(uniText).toBe('uni');
    const dw = wt.datagrams.writable.getWriter();
    const dr = wt.datagrams.readable.getReader();
    let got = 'timeout';
    for (let i = 0; i < 5 && got === 'timeout'; i++) {
      await dw.write(Uint8Array.of(0x61 + i));
      got = await within(dr.read(), 1000, 'datagram').then((d) => new TextDecoder().decode(d.value), () => 'timeout');
    }
    expect(got).toMatch(/^[a-e]$/);
    expect(wt.datagrams.maxDatagramSize).toBeGreaterThan(1000);
    wt.close({ closeCode: 9, reason: 'w3c bye' });
    expect(await within(wt.closed, 5000, 'closed')).toEqual({ closeCode: 9, reason: 'w3c bye' });
  });

  it('draft-16 §5.1: flow control is not enabled, so a second simultaneous draft-16 session on one connection is reset with H3_REQUEST_REJECTED; after the first ends, a new one is accepted', async () => {
    const conn = await connect({ host: '127.0.0.1', port: server.address.port }, { alpn: [H3_ALPN], datagrams: true, serverCertificateHashes: [hash] });
    try {
      const h3 = await http3Client(conn, { h3Datagram: true, extraSettings: webTransportSettings() });
      const settings = await within(h3.settingsReceived, 5000, 'settings');
      // The server declares no flow-control intent (draft-16 §5.5 settings absent).
      expect(settings.raw.map((s) => s.id)).not.toContain(WtSetting.WT_INITIAL_MAX_DATA);
      const authority = `127.0.0.1:${server.address.port}`;
      const pending = nextServerSession();
      const first = await h3.fetch({ method: 'CONNECT', protocol: 'webtransport-h3', path: '/manual', authority, keepOpen: true });
      expect(first.status).toBe(200);
      const srv = await pending;
      const second = await h3.fetch({ method: 'CONNECT', protocol: 'webtransport-h3', path: '/manual', authority, keepOpen: true }).then((r) => `status ${r.status}`, (e: { wireCode?: number }) => e.wireCode);
      expect(second).toBe(H3ErrorCode.H3_REQUEST_REJECTED);
      expect(srv.isClosed).toBe(false);
      await srv.close(0, 'one at a time');
      await within(srv.closed, 5000, 'first closed');
      const pendingThird = nextServerSession();
      const third = await h3.fetch({ method: 'CONNECT', protocol: 'webtransport-h3', path: '/manual', authority, keepOpen: true });
      expect(third.status).toBe(200);
      await (await within(pendingThird, 5000, 'third session')).close(0, '');
    } finally {
      await conn.close();
    }
  });

  it('draft-16 §4.6: streams and datagrams that arrive before their CONNECT are buffered, then delivered; beyond 16 streams they are rejected with WT_BUFFERED_STREAM_REJECTED', async () => {
    // A hand-driven client (raw QUIC + our HTTP/3 client) so that streams can precede the CONNECT.
    const conn = await connect({ host: '127.0.0.1', port: server.address.port }, { alpn: [H3_ALPN], datagrams: true, serverCertificateHashes: [hash], maxStreams: { bidi: 10, uni: 10 } });
    try {
      const h3 = await http3Client(conn, { h3Datagram: true, extraSettings: webTransportSettings() });
      await within(h3.settingsReceived, 5000, 'settings');
      // Session 4 does not exist yet: its uni stream and datagram are held by the server.
      const early = await conn.openUniStream();
      await early.write(Uint8Array.of(0x40, 0x54, 4, ...new TextEncoder().encode('early')));
      early.finish();
      conn.sendDatagram(Uint8Array.of(1, ...new TextEncoder().encode('early dgram')));
      // 17 streams for session 8, which never comes: the 17th buffered one is refused.
      const doomed = [];
      for (let i = 0; i < 17; i++) {
        const u = await conn.openUniStream();
        await u.write(Uint8Array.of(0x40, 0x54, 8));
        doomed.push(u);
      }
      let stop = false;
      const refused = await within(Promise.race(doomed.map(async (u) => {
        try {
          while (!stop) {
            await u.write(Uint8Array.of(0));
            await new Promise((r) => setTimeout(r, 20));
          }
        } catch (e) {
          return e as { code?: string; wireCode?: number };
        }
        return new Promise<never>(() => undefined);
      })), 5000, 'refusal').finally(() => (stop = true));
      expect(refused).toMatchObject({ code: 'ERR_QUIC_STREAM_STOPPED', wireCode: H3ErrorCode.WT_BUFFERED_STREAM_REJECTED });
      await new Promise((r) => setTimeout(r, 50));
      const first = await h3.fetch({ path: '/not-webtransport' }); // stream 0
      expect(first.status).toBe(404);
      const pending = nextServerSession();
      const res = await h3.fetch({ method: 'CONNECT', protocol: 'webtransport-h3', path: '/manual', authority: `127.0.0.1:${server.address.port}`, keepOpen: true });
      expect(res.status).toBe(200);
      expect(res.streamId).toBe(4);
      const srv = await pending;
      expect(srv.sessionId).toBe(4);
      const uni = await within(srv.acceptUniStream(), 5000, 'buffered uni');
      expect(new TextDecoder().decode(await uni.readAll())).toBe('early');
      expect(new TextDecoder().decode(await within(srv.recvDatagram(), 5000, 'buffered datagram'))).toBe('early dgram');
      await srv.close(0, '');
    } finally {
      await conn.close();
    }
  });
});
