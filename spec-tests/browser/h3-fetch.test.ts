/**
 * Chromium ↔ our HTTP/3 server (RFC 9114 over our QUIC stack): headless Chromium loads a page
 * FROM our `serveHttp3` static server (https://127.0.0.1:PORT/index.html) and the page fetch()es a
 * 10 MiB file of deterministic bytes; the page reports the length, the SHA-256
 * (crypto.subtle.digest) and the `nextHopProtocol` of the navigation and of the fetch (Resource
 * Timing), which must be `h3`.
 *
 * Chromium only speaks QUIC to an origin it was told to: `--origin-to-force-quic-on=127.0.0.1:PORT`
 * (exactly host:port; 127.0.0.1, not localhost), and it accepts our self-signed certificate (made
 * by our own generator through `tls: { selfSigned: true }`) by the base64 SHA-256 of its
 * SubjectPublicKeyInfo: `--ignore-certificate-errors-spki-list`.
 *
 * Chromium comes from scripts/setup-browser.sh (`npm test`'s pretest); without it `beforeAll`
 * fails with an error saying how to install it. Bounded: every wait has a timeout, and the
 * browser, the QUIC server and the temporary root are removed in `afterAll`.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { H3_ALPN, QuicServer, serveHttp3 } from '../../src/node.js';
import { launchChromium, type ChromiumInstance } from './chromium.js';

const FILE_SIZE = 10 * 1024 * 1024;

/** 10 MiB of deterministic bytes (a 32-bit xorshift stream). */
function deterministicBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  const view = new DataView(out.buffer);
  let x = 0x9e3779b9;
  for (let i = 0; i + 4 <= n; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    view.setUint32(i, x >>> 0);
  }
  return out;
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/** What the page reports after fetching the file. */
interface FetchResult {
  status: number;
  contentType: string | null;
  length: number;
  sha256: string;
  ms: number;
  resourceProtocol: string | null;
  navigationProtocol: string | null;
  isSecureContext: boolean;
  userAgent: string;
}

describe('RFC 9114 §3.1: headless Chromium loads a page and fetch()es 10 MiB from our HTTP/3 server', () => {
  let browser: ChromiumInstance | undefined;
  let server: QuicServer | undefined;
  let root: string | undefined;
  let expectedSha256 = '';
  let navStatus = 0;
  let navTitle = '';
  let r: FetchResult | undefined;
  const served: { method: string; path: string; status: number; bytes: number }[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'qm-h3-root-'));
    const file = deterministicBytes(FILE_SIZE);
    expectedSha256 = createHash('sha256').update(file).digest('hex');
    writeFileSync(join(root, '10mb.bin'), file);
    writeFileSync(join(root, 'index.html'), '<!doctype html><meta charset="utf-8"><title>quic-multistream h3</title><link rel="icon" href="data:,"><p>served over HTTP/3 by quic-multistream</p>\n');

    server = new QuicServer({ host: '127.0.0.1', port: 0, tls: { selfSigned: true, hostnames: ['127.0.0.1'] }, alpn: [H3_ALPN] });
    await server.listen();
    void serveHttp3(server, { root, onRequest: (info) => served.push(info) }).catch(() => undefined);
    const port = server.address.port;
    const leaf = server.certificate.chain[0];
    if (leaf === undefined) throw new Error('the server presents no certificate');
    const spkiDer = new X509Certificate(leaf).publicKey.export({ type: 'spki', format: 'der' });
    const spki = createHash('sha256').update(spkiDer).digest('base64');

    try {
      browser = await within(launchChromium([`--origin-to-force-quic-on=127.0.0.1:${port}`, `--ignore-certificate-errors-spki-list=${spki}`]), 40_000, 'Chromium start');
    } catch (e) {
      throw new Error(`Chromium could not start (this test needs it; \`npm test\` installs it through scripts/setup-browser.sh, or set CHROMIUM=/path/to/chromium): ${e instanceof Error ? e.message : String(e)}`);
    }
    const page = browser.page;
    const resp = await within(page.goto(`https://127.0.0.1:${port}/index.html`, { timeout: 15_000 }), 16_000, 'page load');
    navStatus = resp?.status() ?? 0;
    navTitle = await page.title();
    r = await within(
      page.evaluate(async (): Promise<FetchResult> => {
        const t0 = performance.now();
        const res = await fetch('/10mb.bin', { cache: 'no-store' });
        const body = new Uint8Array(await res.arrayBuffer());
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
        const ms = performance.now() - t0;
        const resource = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/10mb.bin')).at(-1) as PerformanceResourceTiming | undefined;
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
        return {
          status: res.status,
          contentType: res.headers.get('content-type'),
          length: body.length,
          sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''),
          ms: Math.round(ms),
          resourceProtocol: resource?.nextHopProtocol ?? null,
          navigationProtocol: nav?.nextHopProtocol ?? null,
          isSecureContext,
          userAgent: navigator.userAgent,
        };
      }),
      30_000,
      'in-page fetch of /10mb.bin',
    );
    if (process.env.WEB_TEST_DUMP !== undefined) console.log(JSON.stringify({ navStatus, navTitle, ...r, served }, null, 1), browser.log);
  }, 58_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close(0, 'test done', 200);
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  it('RFC 9114 §3.1: the page itself came over h3 from our server (navigation nextHopProtocol)', () => {
    expect(navStatus).toBe(200);
    expect(navTitle).toBe('quic-multistream h3');
    expect(r?.navigationProtocol, JSON.stringify(r)).toBe('h3');
    expect(r?.isSecureContext).toBe(true);
    expect(served).toContainEqual({ method: 'GET', path: '/index.html', status: 200, bytes: expect.any(Number) as number });
  });

  it('RFC 9114 §4.1: fetch() of 10 MiB over h3: status 200, 10485760 bytes, the file’s SHA-256', () => {
    expect(r?.status, JSON.stringify(r)).toBe(200);
    expect(r?.contentType).toBe('application/octet-stream');
    expect(r?.resourceProtocol, JSON.stringify(r)).toBe('h3');
    expect(r?.length).toBe(FILE_SIZE);
    expect(r?.sha256).toBe(expectedSha256);
    expect(served).toContainEqual({ method: 'GET', path: '/10mb.bin', status: 200, bytes: FILE_SIZE });
  });
});
