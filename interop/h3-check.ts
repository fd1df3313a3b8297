/**
 * HTTP/3 interop checks against the real peers installed in /tmp/peers (see
 * /work/shared/peers/README.md): ngtcp2 (gtlsclient / gtlsserver), quic-go (qgo-h3) and headless
 * Chromium. Run by hand:
 *
 *   npx tsx interop/h3-check.ts            # PEERS_DIR=/tmp/peers, ports 4620-4622
 *
 * Prints one PASS / FAIL / ABSENT line per check and exits 1 if any check failed. A check whose
 * peer binary is missing is ABSENT (this is a script, not part of spec-tests). Every process it
 * starts runs under `timeout` and is stopped by its PID.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { H3_ALPN, QuicServer, connect, http3Download, serveHttp3 } from '../src/node.js';

const PEERS = process.env['PEERS_DIR'] ?? '/tmp/peers';
const BASE_PORT = Number(process.env['H3_CHECK_PORT'] ?? 4620);
const WWW = join(PEERS, 'www');
const CERT = join(PEERS, 'certs', 'cert.pem');
const KEY = join(PEERS, 'certs', 'key.pkcs8.pem');
const results: { name: string; status: 'PASS' | 'FAIL' | 'ABSENT'; detail: string }[] = [];

function which(bin: string): string | undefined {
  if (bin.includes('/')) return existsSync(bin) ? bin : undefined;
  for (const dir of (process.env['PATH'] ?? '').split(':')) if (existsSync(join(dir, bin))) return join(dir, bin);
  return undefined;
}

/** Runs a command to completion under `timeout`; resolves with its output. */
function run(cmd: string, args: string[], seconds: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('timeout', [String(seconds), cmd, ...args], { cwd: PEERS, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => resolve({ code, out }));
  });
}

/** Starts a long-running peer server; returns a stop function (kills by PID). */
async function startPeer(cmd: string, args: string[]): Promise<() => void> {
  const p = spawn('timeout', ['300', cmd, ...args], { cwd: PEERS, stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1000));
  return () => {
    if (p.pid !== undefined) process.kill(p.pid, 'SIGTERM');
  };
}

async function check(name: string, bin: string, body: () => Promise<string>): Promise<void> {
  if (which(bin) === undefined) {
    results.push({ name, status: 'ABSENT', detail: `${bin} not installed` });
    return;
  }
  try {
    results.push({ name, status: 'PASS', detail: await body() });
  } catch (e) {
    results.push({ name, status: 'FAIL', detail: e instanceof Error ? e.message : String(e) });
  }
}

function expectMatch(out: string, re: RegExp, what: string): string {
  const m = re.exec(out);
  if (m === null) throw new Error(`${what}: no match for ${re} in output:\n${out.slice(-2000)}`);
  return m[0];
}

async function sameAsWww(file: string, name: string): Promise<void> {
  const [a, b] = await Promise.all([readFile(file), readFile(join(WWW, name))]);
  if (Buffer.compare(a, b) !== 0) throw new Error(`${name}: ${a.length} bytes differ from www/${name} (${b.length})`);
}

async function main(): Promise<void> {
  if (!existsSync(CERT)) {
    console.log(`ABSENT: ${CERT} (run /work/shared/peers/setup.sh)`);
    return;
  }
  const server = new QuicServer({
    host: '127.0.0.1', port: BASE_PORT, alpn: [H3_ALPN], tls: { certificate: readFileSync(CERT, 'utf8'), key: readFileSync(KEY, 'utf8') },
    maxStreams: { bidi: 1000, uni: 100 }, initialMaxData: 32 * 1024 * 1024, initialMaxStreamData: 16 * 1024 * 1024,
  });
  await server.listen();
  const port = server.address.port;
  void serveHttp3(server, { root: WWW });
  const url = `https://127.0.0.1:${port}`;
  const spki = existsSync(join(PEERS, 'certs', 'spki.b64')) ? readFileSync(join(PEERS, 'certs', 'spki.b64'), 'utf8').trim() : '';
  const dir = await mkdtemp(join(tmpdir(), 'h3-check-'));
  try {
    await check('ngtcp2 gtlsclient -> our server: GET /hello.txt', 'gtlsclient', async () => {
      const r = await run('gtlsclient', ['--exit-on-all-streams-close', '127.0.0.1', String(port), `${url}/hello.txt`], 30);
      return `${expectMatch(r.out, /:status: 200/, 'status')}, exit ${r.code}`;
    });
    await check('ngtcp2 gtlsclient -> our server: 10mb.bin intact', 'gtlsclient', async () => {
      const out = join(dir, 'ngtcp2');
      await run('mkdir', ['-p', out], 5);
      const t0 = performance.now();
      const r = await run('gtlsclient', ['-q', '--exit-on-all-streams-close', '--download', out, '127.0.0.1', String(port), `${url}/10mb.bin`], 60);
      await sameAsWww(join(out, '10mb.bin'), '10mb.bin');
      return `identical, ${((performance.now() - t0) / 1000).toFixed(2)} s, exit ${r.code}`;
    });
    await check('quic-go qgo-h3 client -> our server: 10mb.bin', join(PEERS, 'bin', 'qgo-h3'), async () => {
      const r = await run('./bin/qgo-h3', ['-mode', 'client', '-proto', 'h3', `${url}/10mb.bin`], 60);
      return expectMatch(r.out, /status=200 proto=HTTP\/3\.0 bytes=10485760 time=\S+/, 'qgo-h3');
    });
    await check('our client -> ngtcp2 gtlsserver: hello.txt + 10mb.bin', 'gtlsserver', async () => {
      const p = BASE_PORT + 1;
      const stop = await startPeer('gtlsserver', ['-q', '-d', WWW, '127.0.0.1', String(p), 'certs/key.pem', 'certs/cert.pem']);
      try {
        return await ourDownload(p, join(dir, 'from-ngtcp2'));
      } finally {
        stop();
      }
    });
    await check('our client -> quic-go qgo-h3 server: hello.txt + 10mb.bin', join(PEERS, 'bin', 'qgo-h3'), async () => {
      const p = BASE_PORT + 2;
      const stop = await startPeer('./bin/qgo-h3', ['-mode', 'server', '-h3', `127.0.0.1:${p}`]);
      try {
        return await ourDownload(p, join(dir, 'from-quic-go'));
      } finally {
        stop();
      }
    });
    const chromium = join(PEERS, 'node_modules', 'playwright-core');
    await check('Chromium -> our server: page load over h3', existsSync(chromium) ? 'node' : chromium, async () => {
      const r = await run('node', ['scripts/chromium-h3.mjs', `${url}/`, spki], 120);
      return expectMatch(r.out, /"status":200,"nextHopProtocol":"h3"/, 'chromium');
    });
    await check('Chromium -> our server: fetch 10mb.bin over h3', existsSync(chromium) ? 'node' : chromium, async () => {
      const r = await run('node', ['scripts/chromium-h3-download.mjs', url, '/10mb.bin', spki, '1'], 120);
      return expectMatch(r.out, /"status":200,"bytes":10485760,[^}]*"proto":"h3"/, 'chromium download');
    });
  } finally {
    await server.close(0, 'done', 500);
    await rm(dir, { recursive: true, force: true });
  }
  for (const r of results) console.log(`${r.status} ${r.name}: ${r.detail}`);
  const failed = results.filter((r) => r.status === 'FAIL').length;
  console.log(`${results.filter((r) => r.status === 'PASS').length} passed, ${failed} failed, ${results.filter((r) => r.status === 'ABSENT').length} absent`);
  process.exitCode = failed > 0 ? 1 : 0;
}

async function ourDownload(port: number, out: string): Promise<string> {
  await run('mkdir', ['-p', out], 5);
  const conn = await connect({ host: '127.0.0.1', port }, { alpn: [H3_ALPN], ca: [readFileSync(CERT, 'utf8')], initialMaxData: 32 * 1024 * 1024, initialMaxStreamData: 16 * 1024 * 1024 });
  try {
    const t0 = performance.now();
    const res = await http3Download(conn, ['/hello.txt', '/10mb.bin'], out, { authority: `127.0.0.1:${port}` });
    for (const r of res) if (r.error !== undefined) throw r.error;
    await sameAsWww(join(out, 'hello.txt'), 'hello.txt');
    await sameAsWww(join(out, '10mb.bin'), '10mb.bin');
    return `both identical, ${((performance.now() - t0) / 1000).toFixed(2)} s`;
  } finally {
    await conn.close(0, 'done').catch(() => undefined);
  }
}

await main();
