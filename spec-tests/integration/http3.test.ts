import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { H3_ALPN, http3Download, http3Fetch, serveHttp3, type Http3Handler } from '../../src/node.js';
import { H3ErrorCode } from '../../src/h3/errors.js';
import { payload, startFixture, within } from './helpers.js';

let dir: string;
let root: string;
const big = payload(10 * 1024 * 1024, 11);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'h3-test-'));
  root = join(dir, 'www');
  await mkdir(root);
  await writeFile(join(root, 'hello.txt'), 'hello h3\n');
  await writeFile(join(root, 'index.html'), '<p>hi</p>');
  await writeFile(join(root, '10mb.bin'), big);
  for (let i = 0; i < 50; i++) await writeFile(join(root, `f${i}.txt`), `file ${i}`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const handler: Http3Handler = async (req) => {
  if (req.path === '/echo' && req.method === 'POST') {
    const body = await req.body.readAll();
    return { status: 200, headers: { 'content-type': 'application/octet-stream', 'x-method': req.method, 'x-utf8': req.headers['x-utf8'] ?? '' }, body, trailers: { 'x-bytes': String(body.length) } };
  }
  if (req.path === '/stream') {
    return { status: 201, body: (async function* () { for (let i = 0; i < 5; i++) yield new TextEncoder().encode(`chunk${i};`); })() };
  }
  if (req.path === '/boom') throw new Error('handler failed');
  if (req.path === '/early') return { status: 200, body: 'early\n' };
  return undefined;
};

async function withServer(run: (conn: Awaited<ReturnType<Awaited<ReturnType<typeof startFixture>>['connectClient']>>) => Promise<void>): Promise<void> {
  const f = await startFixture('127.0.0.1', { alpn: [H3_ALPN], maxStreams: { bidi: 100, uni: 10 } });
  try {
    void serveHttp3(f.server, { root, handler });
    const conn = await f.connectClient({ alpn: [H3_ALPN] });
    expect(conn.alpn).toBe(H3_ALPN);
    await run(conn);
  } finally {
    await f.close();
  }
}

describe('RFC 9114 §4.1: HTTP/3 over loopback (our client and server)', () => {
  it('RFC 9114 §4.1: GET of a static file, HEAD, 404, and a 10 MB file intact', async () => {
    await withServer(async (conn) => {
      const hello = await within(http3Fetch(conn, { path: '/hello.txt' }), 5000, 'hello');
      expect(hello.status).toBe(200);
      expect(hello.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(hello.headers['content-length']).toBe('9');
      expect(await hello.body.text()).toBe('hello h3\n');

      const head = await http3Fetch(conn, { method: 'HEAD', path: '/10mb.bin' });
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe(String(big.length));
      expect((await head.body.readAll()).length).toBe(0);

      const missing = await http3Fetch(conn, { path: '/nope' });
      expect(missing.status).toBe(404);
      await missing.body.readAll();
      const bad = await http3Fetch(conn, { path: '/../etc/passwd' });
      expect(bad.status).toBe(400);

      const index = await http3Fetch(conn, { path: '/' });
      expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(await index.body.text()).toBe('<p>hi</p>');

      const res = await http3Fetch(conn, { path: '/10mb.bin' });
      const got = await within(res.body.readAll(), 30000, '10 MB');
      expect(got.length).toBe(big.length);
      expect(Buffer.compare(Buffer.from(got), Buffer.from(big))).toBe(0);
    });
  }, 60000);

  it('RFC 9114 §4.1: 50 parallel requests on one connection', async () => {
    await withServer(async (conn) => {
      const all = await within(Promise.all(Array.from({ length: 50 }, async (_, i) => (await http3Fetch(conn, { path: `/f${i}.txt` })).body.text())), 20000, '50 requests');
      all.forEach((t, i) => expect(t).toBe(`file ${i}`));
      const out = join(dir, 'dl');
      await mkdir(out, { recursive: true });
      const results = await http3Download(conn, ['/hello.txt', '/f3.txt', '/missing'], out);
      expect(results[0]!.error).toBeUndefined();
      expect(await readFile(join(out, 'hello.txt'), 'utf8')).toBe('hello h3\n');
      expect(results[2]!.error?.message).toMatch(/404/);
    });
  }, 40000);

  it('RFC 9114 §4.1: handler API: POST body echoed with trailers, UTF-8 header values, streamed body, 500 on a handler error', async () => {
    await withServer(async (conn) => {
      const body = payload(300_000, 3);
      const res = await http3Fetch(conn, { method: 'POST', path: '/echo', body, headers: { 'X-UTF8': 'héllo ✓' } });
      expect(res.status).toBe(200);
      expect(res.headers['x-utf8']).toBe('héllo ✓');
      const echoed = await res.body.readAll();
      expect(Buffer.compare(Buffer.from(echoed), Buffer.from(body))).toBe(0);
      expect(await res.trailers).toEqual({ 'x-bytes': '300000' });

      const streamed = await http3Fetch(conn, { path: '/stream' });
      expect(streamed.status).toBe(201);
      expect(await streamed.body.text()).toBe('chunk0;chunk1;chunk2;chunk3;chunk4;');

      const boom = await http3Fetch(conn, { path: '/boom' });
      expect(boom.status).toBe(500);

      // RFC 9114 §4.1: an early response stops the upload with H3_NO_ERROR; the response is kept.
      const upload = (async function* () {
        for (let i = 0; i < 200; i++) {
          yield payload(64 * 1024, i);
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const early = await within(http3Fetch(conn, { method: 'POST', path: '/early', body: upload }), 10000, 'early');
      expect(early.status).toBe(200);
      expect(await within(early.body.text(), 10000, 'early body')).toBe('early\n');
    });
  }, 30000);

  it('RFC 9114 §5.2: after the server sends GOAWAY, new requests are refused', async () => {
    const f = await startFixture('127.0.0.1', { alpn: [H3_ALPN] });
    try {
      const { Http3Connection } = await import('../../src/api/http3.js');
      void (async () => {
        for await (const c of f.server) {
          const h = await Http3Connection.start(c, { role: 'server' });
          h.serve({ root });
          let n = 0;
          for await (const s of c.incomingBiStreams) {
            h.acceptBidi(s);
            if (++n === 1) h.goaway();
          }
        }
      })();
      const conn = await f.connectClient({ alpn: [H3_ALPN] });
      const first = await http3Fetch(conn, { path: '/hello.txt' });
      expect(await first.body.text()).toBe('hello h3\n');
      await new Promise((r) => setTimeout(r, 200));
      await expect(http3Fetch(conn, { path: '/hello.txt' })).rejects.toMatchObject({ code: 'ERR_QUIC_INVALID_STATE' });
      void H3ErrorCode;
    } finally {
      await f.close();
    }
  }, 20000);
});
