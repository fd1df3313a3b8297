import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HQ_ALPN, HqErrorCode, hqDownload, hqGet, parseHqRequest, rawBulkUpload, rawEcho, serveHq, serveRawEcho } from '../../src/node.js';
import { payload, startFixture, within } from './helpers.js';

let dir: string;
let root: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hq-test-'));
  root = join(dir, 'www');
  await mkdir(root);
  await mkdir(join(root, 'sub'));
  await writeFile(join(root, 'hello.txt'), 'hello hq\n');
  await writeFile(join(root, 'big.bin'), payload(3 * 1024 * 1024, 7));
  await writeFile(join(root, 'sub', 'a b.txt'), 'spaced');
  await writeFile(join(dir, 'secret.txt'), 'secret');
  await symlink(join(dir, 'secret.txt'), join(root, 'link.txt'));
  for (let i = 0; i < 300; i++) await writeFile(join(root, `f${i}`), `file ${i}`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('INTEROP-RUNNER §2.3: hq-interop request parsing', () => {
  it('INTEROP-RUNNER §2.3: GET /path with CR LF, spaces, query and %-escapes', () => {
    expect(parseHqRequest('GET /hello.txt\r\n')).toBe('/hello.txt');
    expect(parseHqRequest('GET /hello.txt  \n')).toBe('/hello.txt');
    expect(parseHqRequest('GET /sub/a%20b.txt?x=1\r\n')).toBe('/sub/a b.txt');
  });
  it('INTEROP-RUNNER §2.3: traversal, absolute paths, NUL and other methods are refused', () => {
    for (const bad of ['GET /../etc/passwd\r\n', 'GET /sub/../../x\r\n', 'GET /%2e%2e/x\r\n', 'GET //etc/passwd\r\n', 'GET /a%00b\r\n', 'GET /a\\..\\b\r\n', 'POST /x\r\n', 'GET x\r\n', 'GET /\r\n', '']) {
      expect(parseHqRequest(bad), bad).toBeUndefined();
    }
  });
});

describe('INTEROP-RUNNER §2.3: hq-interop over loopback', () => {
  it('INTEROP-RUNNER §2.3: files download byte-identical; bad and missing paths are reset with their codes', async () => {
    const f = await startFixture('127.0.0.1', { alpn: [HQ_ALPN] });
    try {
      void (async () => {
        for await (const c of f.server) void serveHq(c, { root });
      })();
      const conn = await f.connectClient({ alpn: [HQ_ALPN] });
      expect(conn.alpn).toBe(HQ_ALPN);
      const hello = await within((await hqGet(conn, '/hello.txt')).readAll(), 5000, 'hello');
      expect(Buffer.from(hello).toString()).toBe('hello hq\n');
      const spaced = await (await hqGet(conn, '/sub/a%20b.txt')).readAll();
      expect(Buffer.from(spaced).toString()).toBe('spaced');
      await expect((await hqGet(conn, '/missing')).readAll()).rejects.toMatchObject({ code: 'ERR_QUIC_STREAM_RESET', wireCode: HqErrorCode.NOT_FOUND });
      await expect((await hqGet(conn, '/../secret.txt')).readAll()).rejects.toMatchObject({ code: 'ERR_QUIC_STREAM_RESET', wireCode: HqErrorCode.BAD_REQUEST });
      await expect((await hqGet(conn, '/link.txt')).readAll()).rejects.toMatchObject({ code: 'ERR_QUIC_STREAM_RESET', wireCode: HqErrorCode.BAD_REQUEST });
      await expect((await hqGet(conn, '/sub')).readAll()).rejects.toMatchObject({ code: 'ERR_QUIC_STREAM_RESET', wireCode: HqErrorCode.NOT_FOUND });
    } finally {
      await f.close();
    }
  });

  it('RFC 9000 §4.6: hqDownload fetches 300 files and a 3 MiB file through a 50-stream limit', async () => {
    const f = await startFixture('127.0.0.1', { alpn: [HQ_ALPN], maxStreams: { bidi: 50 } });
    const out = join(dir, 'out');
    await mkdir(out);
    try {
      void (async () => {
        for await (const c of f.server) void serveHq(c, { root });
      })();
      const conn = await f.connectClient({ alpn: [HQ_ALPN] });
      const paths = ['/big.bin', ...Array.from({ length: 300 }, (_, i) => `/f${i}`)];
      let progress = 0;
      const results = await within(hqDownload(conn, paths, out, { onProgress: () => progress++ }), 30_000, 'download');
      expect(results.filter((r) => r.error !== undefined)).toEqual([]);
      expect(progress).toBeGreaterThan(paths.length);
      expect((await readFile(join(out, 'big.bin'))).equals(await readFile(join(root, 'big.bin')))).toBe(true);
      for (const i of [0, 123, 299]) expect((await readFile(join(out, `f${i}`))).toString()).toBe(`file ${i}`);
    } finally {
      await f.close();
    }
  });

  it('RFC 9000 §3.2, §4.6: a request whose FIN comes after the response still releases its stream (stream limit 2, 8 requests)', async () => {
    // quic-go's hq client sometimes sends "GET /x\r\n" and its FIN in separate frames; the server
    // must read the FIN, or the stream never reaches "Data Read", never frees its slot, and the
    // client waits forever for MAX_STREAMS (the multiplexing stall of interop/results.md).
    const f = await startFixture('127.0.0.1', { alpn: [HQ_ALPN], maxStreams: { bidi: 2 } });
    try {
      void (async () => {
        for await (const c of f.server) void serveHq(c, { root });
      })();
      const conn = await f.connectClient({ alpn: [HQ_ALPN] });
      const got: string[] = [];
      await within((async () => {
        for (let i = 0; i < 8; i++) {
          const s = await conn.openBiStream();
          await s.write(new TextEncoder().encode(`GET /f${i}\r\n`));
          got.push(Buffer.from(await s.readAll()).toString());
          s.finish(); // the FIN only after the whole response
        }
      })(), 10_000, 'late-FIN requests');
      expect(got).toEqual(Array.from({ length: 8 }, (_, i) => `file ${i}`));
    } finally {
      await f.close();
    }
  });

  it('RFC 9000 §2.1: the raw echo protocol echoes (E) and counts a bulk upload (B)', async () => {
    const f = await startFixture('127.0.0.1');
    try {
      void (async () => {
        for await (const c of f.server) void serveRawEcho(c);
      })();
      const conn = await f.connectClient();
      expect(Buffer.from(await within(rawEcho(conn, new TextEncoder().encode('ping')), 5000, 'echo')).toString()).toBe('ping');
      expect(await within(rawBulkUpload(conn, 1_000_003), 15_000, 'bulk')).toBe(1_000_003);
    } finally {
      await f.close();
    }
  });
});
