import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payload, within } from './helpers.js';

const SCRIPT = join(import.meta.dirname, '..', '..', 'interop', 'run_endpoint.sh');
let dir: string;
let www: string;
let certs: string;
const FILES: Record<string, number> = { 'brave-otter-sings': 2 * 1024 * 1024, 'tiny-fox': 1024, 'calm-river': 300 * 1024 };

/** Runs the endpoint; resolves with its exit code and output (bounded by `ms`, then killed by PID). */
function runEndpoint(env: Record<string, string>, ms = 30_000): Promise<{ code: number | null; output: string }> {
  const child = spawn('bash', [SCRIPT], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), ms);
  return new Promise((resolve) => child.once('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, output });
  }));
}

/** A free UDP port on the dual-stack wildcard (released before the endpoint binds it). */
async function freePort(): Promise<number> {
  const s = dgram.createSocket({ type: 'udp6', ipv6Only: false });
  await new Promise<void>((r) => s.bind(0, '::', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Starts the endpoint as a server and waits for "listening". */
async function startServer(testcase: string): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const port = await freePort();
  const child = spawn('bash', [SCRIPT], { env: { ...process.env, ROLE: 'server', TESTCASE: testcase, PORT: String(port), PREFERRED_HOST4: '127.0.0.1', PREFERRED_HOST6: 'none', WWW: www, CERTS: certs, LOGS: join(dir, 'logs'), SSLKEYLOGFILE: join(dir, 'server-keys.log') }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listening = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  try {
    await within(listening, 20_000, 'server start');
  } catch (e) {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    throw e;
  }
  return { child, port, output: () => output };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function expectDownloads(downloads: string, names: readonly string[]): Promise<void> {
  expect((await readdir(downloads)).sort()).toEqual([...names].sort());
  for (const n of names) expect((await readFile(join(downloads, n))).equals(await readFile(join(www, n))), n).toBe(true);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'run-endpoint-'));
  www = join(dir, 'www');
  certs = join(dir, 'certs');
  await mkdir(www);
  await mkdir(certs);
  let seed = 1;
  for (const [name, size] of Object.entries(FILES)) await writeFile(join(www, name), payload(size, seed++));
  // As the runner's certs.sh makes them: ECDSA P-256, `openssl ecparam -genkey` key (EC PARAMETERS + SEC1).
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-out', join(certs, 'priv.key')]);
  execFileSync('openssl', ['req', '-new', '-x509', '-key', join(certs, 'priv.key'), '-out', join(certs, 'cert.pem'), '-days', '10', '-subj', '/CN=server', '-addext', 'subjectAltName=DNS:server,DNS:server4,DNS:localhost,IP:127.0.0.1']);
  await writeFile(join(certs, 'ca.pem'), await readFile(join(certs, 'cert.pem')));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('INTEROP-RUNNER §2: interop/run_endpoint.sh', () => {
  it('INTEROP-RUNNER §1: an unknown TESTCASE exits 127 in both roles', async () => {
    for (const role of ['server', 'client']) {
      const r = await runEndpoint({ ROLE: role, TESTCASE: 'unsupported-thing', REQUESTS: 'https://127.0.0.1:1/x', DOWNLOADS: join(dir, 'unused') });
      expect(r.code, r.output).toBe(127);
    }
  });

  describe.each([
    { server: 'transfer', clients: ['transfer', 'multiconnect', 'keyupdate', 'handshake'] },
    { server: 'retry', clients: ['retry'] },
    { server: 'v2', clients: ['v2'] },
    { server: 'resumption', clients: ['resumption'] },
    { server: 'zerortt', clients: ['zerortt'] },
    // INTEROP-RUNNER §3 row 22: the client only sees "transfer" and migrates to the preferred address.
    { server: 'connectionmigration', clients: ['transfer'] },
  ])('INTEROP-RUNNER §3: server TESTCASE=$server', ({ server: serverCase, clients }) => {
    it(`INTEROP-RUNNER §2.4, §3: answers the readiness probe with Version Negotiation, then serves clients ${clients.join(', ')}`, async () => {
      const server = await startServer(serverCase);
      try {
        // §2.4: long header 0xc0, version "WAIT", empty CIDs, 1200 zero bytes -> a VN packet (bytes 1..4 zero).
        const probe = new Uint8Array(1207);
        probe.set([0xc0, 0x57, 0x41, 0x49, 0x54, 0, 0]);
        const sock = dgram.createSocket('udp4');
        try {
          const reply = new Promise<Buffer>((r) => sock.once('message', r));
          sock.send(probe, server.port, '127.0.0.1');
          const vn = await within(reply, 5000, 'version negotiation');
          expect([...vn.subarray(1, 5)]).toEqual([0, 0, 0, 0]);
        } finally {
          sock.close();
        }
        for (const testcase of clients) {
          const downloads = join(dir, `dl-${serverCase}-${testcase}`);
          await mkdir(downloads);
          const names = Object.keys(FILES);
          const r = await runEndpoint({ ROLE: 'client', TESTCASE: testcase, DOWNLOADS: downloads, SSLKEYLOGFILE: join(dir, 'client-keys.log'), REQUESTS: names.map((n) => `https://127.0.0.1:${server.port}/${n}`).join(' ') });
          expect(r.code, `${testcase}: ${r.output}\nserver: ${server.output()}`).toBe(0);
          await expectDownloads(downloads, names);
          if (testcase === 'keyupdate') expect(r.output).toContain('key update initiated');
          if (testcase === 'v2') expect(r.output).toContain('version=0x6b3343cf');
          // INTEROP-RUNNER §3 rows 7, 8: two handshakes, the second resumed (with 0-RTT accepted for zerortt).
          if (testcase === 'resumption') expect(r.output).toContain('handshake 2: resumed: true');
          if (testcase === 'zerortt') expect(r.output).toContain('handshake 2: resumed: true, earlyData: accepted');
          if (testcase === 'resumption' || testcase === 'zerortt') expect(r.output).not.toContain('handshake 3');
          if (serverCase === 'resumption' || serverCase === 'zerortt') expect(server.output()).toContain('resumed: true');
          // RFC 9000 §9.6.2: the transfer client moved to the preferred address (port + 1).
          if (serverCase === 'connectionmigration') expect(r.output).toContain(`migrated to 127.0.0.1:${server.port + 1}`);
        }
        expect(await readFile(join(dir, 'client-keys.log'), 'utf8')).toContain('SERVER_HANDSHAKE_TRAFFIC_SECRET');
      } finally {
        await stopServer(server.child);
      }
    }, 90_000);
  });
});
