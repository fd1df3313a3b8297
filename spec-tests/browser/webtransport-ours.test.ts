/**
 * THE browser test (DESIGN §7): headless Chromium loads our browser build (src/web, a thin wrapper
 * over the browser's native WebTransport) and connects to OUR Node WebTransport server
 * (`serveWebTransport` over our QUIC stack) with `serverCertificateHashes` (W3C WebTransport
 * §6.6): a fresh self-signed ECDSA P-256 certificate valid 10 days (≤ 14), made by our own
 * generator (src/tls/certificates/self-signed.ts), on a 127.0.0.1 URL. The server's handler is
 * spec-tests/integration/echo-handler.ts, the one the Node integration test also runs against a
 * raw QUIC connection. Chromium 156 speaks draft-ietf-webtrans-http3-02 (SETTINGS 0x2b603742,
 * `:protocol` webtransport); the server negotiates it from what Chromium sends.
 *
 * Chromium comes from scripts/setup-browser.sh (`npm test`'s pretest); without it `beforeAll`
 * fails with an error saying how to install it. Bounded: every wait has a timeout, and the browser,
 * the page server and the QUIC server are stopped in `afterAll`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { H3_ALPN, QuicServer, serveWebTransport, type CloseInfo, type WebTransportSessionInfo } from '../../src/node.js';
import { nodeRandom } from '../../src/io/entropy.js';
import { generateSelfSignedCertificate } from '../../src/tls/certificates/self-signed.js';
import { echoHandler, type EchoLog } from '../integration/echo-handler.js';
import { launchBrowserPage, type BrowserPage } from './chromium.js';
import type { ErrorJson } from './pages/web-api.page.js';

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

describe('DESIGN §7: Chromium + our browser build ↔ our Node WebTransport server (draft-02)', () => {
  let browser: BrowserPage | undefined;
  let server: QuicServer | undefined;
  let r: Record<string, unknown> = {};
  const sessions: { info: WebTransportSessionInfo; log: Promise<EchoLog>; closed: Promise<CloseInfo> }[] = [];
  let validityDays = 0;

  beforeAll(async () => {
    const now = Date.now();
    const cert = generateSelfSignedCertificate({ commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], validityDays: 10, nowMs: now, random: nodeRandom });
    validityDays = (cert.notAfter - cert.notBefore) / 86_400_000;
    server = new QuicServer({ host: '127.0.0.1', port: 0, tls: { certificate: cert.certificatePem, key: cert.privateKeyPem }, alpn: [H3_ALPN], datagrams: true });
    await server.listen();
    void serveWebTransport(server, {
      path: '/echo',
      origin: (o) => /^http:\/\/localhost:\d+$/.test(o),
      onSession: (session, info) => {
        sessions.push({ info, log: echoHandler(session), closed: session.closed });
      },
    }).catch(() => undefined);
    try {
      browser = await within(launchBrowserPage('web-api.page'), 40_000, 'Chromium start');
    } catch (e) {
      throw new Error(`Chromium could not start (this test needs it; \`npm test\` installs it through scripts/setup-browser.sh, or set CHROMIUM=/path/to/chromium): ${e instanceof Error ? e.message : String(e)}`);
    }
    const hash = Buffer.from(cert.sha256).toString('base64');
    r = await within(browser.run<Record<string, unknown>>({ url: `https://127.0.0.1:${server.address.port}/echo`, certHash: hash }), 30_000, 'page run');
    if (process.env.WEB_TEST_DUMP !== undefined) console.log(JSON.stringify(r, null, 1), browser.log);
  }, 58_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close(0, 'test done', 200);
  });

  it('W3C WebTransport §6.6: Chromium connects to our server with serverCertificateHashes (our ECDSA P-256 certificate, ≤ 14 days)', () => {
    expect(validityDays).toBeLessThanOrEqual(14);
    expect(r.typeofWebTransport).toBe('function');
    expect(r.isSecureContext).toBe(true);
    expect(r.connectError, JSON.stringify(r.connectError)).toBeUndefined();
    expect(r.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('draft-ietf-webtrans-http3-02 §3: the server chose draft-02 from Chromium’s SETTINGS and request, checked its Origin and path', () => {
    expect(sessions.length).toBe(1);
    const info = sessions[0]!.info;
    expect(info.draft).toBe('draft02');
    expect(info.path).toBe('/echo');
    expect(info.origin).toBe(browser!.origin);
    expect(info.headers['sec-webtransport-http3-draft02']).toBe('1');
  });

  it('draft-16 §4.3: bidi streams (0x41 + session ID) echo 100 kB each through our server', () => {
    const b = r.bidi as Record<string, unknown>;
    expect(b.ids).toEqual([0, 4, 8]);
    expect(b.priorities).toEqual([255, 128, 192]);
    expect(b.echoedLengths).toEqual([100_000, 100_001, 100_002]);
    expect(b.echoedEqual).toEqual([true, true, true]);
    expect(b.stats).toEqual({ bytesWritten: 100_000, bytesRead: 100_000 });
  });

  it('draft-16 §4.2: a uni stream (0x54 + session ID) goes out and our server’s uni stream comes back', () => {
    expect(r.uni).toEqual({ id: 3, text: 'uni ping', sendOrder: r.hasSendOrder === true ? 64 : null });
  });

  it('draft-16 §4.5 / RFC 9297 §2.1: datagrams with the quarter stream ID echo; too large ones fail with ERR_QUIC_DATAGRAM_TOO_LARGE', () => {
    expect(r.maxDatagramSize).toBeGreaterThan(1000);
    expect(r.datagram).toMatch(/^dgram ping \d$/);
    expect((r.datagramTooLarge as ErrorJson).code).toBe('ERR_QUIC_DATAGRAM_TOO_LARGE');
  });

  it('RFC 9000 §3.1, §3.5: reset and stopSending surface as ERR_QUIC_STREAM_RESET / ERR_QUIC_STREAM_STOPPED with the code', () => {
    expect(r.writeAfterReset).toMatchObject({ ok: false, error: { isQuicError: true, code: 'ERR_QUIC_STREAM_RESET', wireCode: 77, initiator: 'local' } });
    expect(r.firstChunkBeforeStop).toBe(10);
    expect(r.readAfterStopSending).toMatchObject({ ok: false, error: { isQuicError: true, code: 'ERR_QUIC_STREAM_STOPPED', wireCode: 5, initiator: 'local' } });
  });

  it('DESIGN §7 ConnectionStats: the page counts its streams and datagrams', () => {
    const s = r.stats as Record<string, number | boolean>;
    expect(s.streamsOpened).toBe(6);
    expect(s.streamsAccepted).toBe(1);
    expect(s.datagramsSent).toBeGreaterThanOrEqual(1);
    expect(s.datagramsReceived).toBeGreaterThanOrEqual(1);
  });

  it('draft-16 §6: the page’s close(4242, reason) reaches our server as WT_CLOSE_SESSION; both sides report it', async () => {
    const info = { initiator: 'local', code: 4242, reason: 'bye from the page', errorSpace: 'application', handshakeCompleted: true };
    expect(r.closeInfo).toEqual(info);
    expect(r.closedPromise).toEqual(info);
    expect(r.isClosed).toBe(true);
    const closedError = { isQuicError: true, code: 'ERR_QUIC_CONNECTION_CLOSED', wireCode: 4242, reason: 'bye from the page', initiator: 'local' };
    expect(r.pendingReadAfterClose).toMatchObject({ ok: false, error: closedError });
    expect(r.openAfterClose).toMatchObject({ ok: false, error: closedError });
    const seen = await within(sessions[0]!.closed, 5000, 'server session closed');
    expect(seen).toEqual({ initiator: 'peer', code: 4242, reason: 'bye from the page', errorSpace: 'application', handshakeCompleted: true });
    const log = await within(sessions[0]!.log, 5000, 'echo handler end');
    // 3 echo streams, the stopSending one and the one pending at close, and (when its bytes got
    // out before the reset) the one the page resets right after writing: Chromium's RESET_STREAM
    // can discard the unsent bytes, stream header included (what RESET_STREAM_AT fixes, draft-16 §4.4).
    expect([5, 6], JSON.stringify(log)).toContain(log.bidi);
    expect(log.uni).toBe(1);
    expect(log.datagrams).toBeGreaterThanOrEqual(1);
    // draft-16 §4.4: when that stream arrived, the page's reset(77) reached the echo loop as
    // application code 77 (Chromium remapped it into the WT_APPLICATION_ERROR range, we mapped it back).
    const resets = log.streamErrors.filter((e) => e.startsWith('ERR_QUIC_STREAM_RESET'));
    expect(resets, JSON.stringify(log)).toEqual(log.bidi === 6 ? ['ERR_QUIC_STREAM_RESET:77'] : []);
    // draft-16 §6: the streams still open when the session ended failed on the server with the
    // session's close (and were reset / stopped with WT_SESSION_GONE).
    const others = log.streamErrors.filter((e) => !e.startsWith('ERR_QUIC_STREAM_RESET'));
    expect(others.length, JSON.stringify(log)).toBeGreaterThanOrEqual(1);
    for (const e of others) expect(e).toBe('ERR_QUIC_CONNECTION_CLOSED:4242');
  });
});
