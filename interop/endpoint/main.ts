/**
 * The quic-interop-runner endpoint (INTEROP-RUNNER.md §2, §3) over the public API: an hq-interop
 * server or client (INTEROP-RUNNER §2.3) chosen by ROLE, behaving per TESTCASE. Exit codes: 0
 * success, 1 failure, 127 unsupported test case (§1: the runner's compliance check).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QuicServer, connect, hqDownload, HQ_ALPN, type QuicClientOptions, type QuicConnection, serveHq } from '../../src/node.js';
import { QUIC_V1, QUIC_V2 } from '../../src/wire/version.js';
import { CipherSuite } from '../../src/crypto/suites.js';
import { readPrivateKey } from '../../src/cli/options.js';

/** Test cases this endpoint implements, per role (INTEROP-RUNNER §3). */
export const SUPPORTED: Record<'server' | 'client', ReadonlySet<string>> = {
  server: new Set(['handshake', 'transfer', 'multiconnect', 'chacha20', 'retry', 'v2']),
  client: new Set(['handshake', 'transfer', 'multiconnect', 'chacha20', 'retry', 'keyupdate', 'v2']),
};

const UNSUPPORTED = 127;
const env = (name: string, fallback: string): string => process.env[name] ?? fallback;
const log = (line: string): void => void process.stderr.write(`[${env('ROLE', '?')}] ${line}\n`);

/** QLOGDIR (INTEROP-RUNNER §2.1: optional qlog output): one file per connection. */
function qlogDir(): { qlogDir?: string } {
  const d = process.env['QLOGDIR'];
  return d === undefined || d === '' ? {} : { qlogDir: d };
}

function keyLogFile(): { keyLogFile?: string } {
  const f = process.env['SSLKEYLOGFILE'];
  return f === undefined || f === '' ? {} : { keyLogFile: f };
}

async function runServer(testcase: string): Promise<number> {
  const certs = env('CERTS', '/certs');
  const root = env('WWW', '/www');
  const port = Number(env('PORT', '443'));
  const server = new QuicServer({
    host: '::', port,
    tls: { certificate: readFileSync(join(certs, 'cert.pem'), 'utf8'), key: readPrivateKey(join(certs, 'priv.key')) },
    alpn: [HQ_ALPN],
    // INTEROP-RUNNER §3 multiplexing: initial_max_streams_bidi <= 1000, grown with MAX_STREAMS.
    maxStreams: { bidi: 100, uni: 100 },
    initialMaxData: 16 * 1024 * 1024,
    initialMaxStreamData: 8 * 1024 * 1024,
    ...(testcase === 'retry' ? { retry: 'always' as const } : {}),
    ...(testcase === 'v2' ? { preferredVersions: [QUIC_V2, QUIC_V1] } : {}),
    // INTEROP-RUNNER §3 chacha20: "Server must also restrict to ChaCha20".
    ...(testcase === 'chacha20' ? { cipherSuites: [CipherSuite.TLS_CHACHA20_POLY1305_SHA256] } : {}),
    ...keyLogFile(),
    ...qlogDir(),
  });
  await server.listen();
  log(`listening on ${server.address.address} testcase=${testcase} root=${root}`);
  void (async () => {
    for await (const conn of server) {
      log(`connection from ${conn.remoteAddress} version=0x${conn.version.toString(16)}`);
      void serveHq(conn, { root, onRequest: (r) => log(`${r.status} ${r.path} ${r.bytes} bytes`) }).catch(() => undefined);
    }
  })();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close(0, 'shutting down', 500);
  return 0;
}

/** Keeps asking for a key update until the core allows it (RFC 9001 §6: after confirmation). */
function keyUpdateSoon(conn: QuicConnection): void {
  const timer = setInterval(() => {
    if (conn.isClosed || conn.initiateKeyUpdate()) {
      clearInterval(timer);
      if (!conn.isClosed) log(`key update initiated (key phase ${conn.keyPhase})`);
    }
  }, 5);
}

async function download(urls: readonly URL[], options: QuicClientOptions, out: string, testcase: string): Promise<boolean> {
  const first = urls[0]!;
  const host = first.hostname.startsWith('[') ? first.hostname.slice(1, -1) : first.hostname;
  const port = first.port === '' ? 443 : Number(first.port);
  const conn = await connect({ host, port }, { ...options, serverName: host });
  log(`connected to ${host}:${port} version=0x${conn.version.toString(16)}`);
  if (testcase === 'keyupdate') keyUpdateSoon(conn);
  try {
    const results = await hqDownload(conn, urls.map((u) => u.pathname), out);
    const failed = results.filter((r) => r.error !== undefined);
    for (const r of failed) log(`failed ${r.path}: ${r.error?.message}`);
    return failed.length === 0;
  } finally {
    await conn.close(0, 'done').catch(() => undefined);
  }
}

async function runClient(testcase: string): Promise<number> {
  const out = env('DOWNLOADS', '/downloads');
  mkdirSync(out, { recursive: true });
  const urls = env('REQUESTS', '').split(/\s+/).filter((u) => u.length > 0).map((u) => new URL(u));
  if (urls.length === 0) {
    log('REQUESTS is empty');
    return 1;
  }
  // The runner's clients do not authenticate the server (its CA is not in every image).
  const options: QuicClientOptions = {
    alpn: [HQ_ALPN], dangerouslySkipVerification: true, initialMaxData: 16 * 1024 * 1024, initialMaxStreamData: 8 * 1024 * 1024,
    ...(testcase === 'v2' ? { version: QUIC_V1, availableVersions: [QUIC_V2, QUIC_V1] } : {}),
    // INTEROP-RUNNER §3 chacha20: the ClientHello offers 0x1303 and nothing else.
    ...(testcase === 'chacha20' ? { cipherSuites: [CipherSuite.TLS_CHACHA20_POLY1305_SHA256] } : {}),
    ...keyLogFile(),
    ...qlogDir(),
  };
  // multiconnect (handshakeloss, handshakecorruption): one connection per file, one after the other.
  const batches = testcase === 'multiconnect' ? urls.map((u) => [u]) : [urls];
  for (const batch of batches) {
    if (!(await download(batch, options, out, testcase))) return 1;
  }
  return 0;
}

async function main(): Promise<number> {
  const role = env('ROLE', '');
  const testcase = env('TESTCASE', '');
  if (role !== 'server' && role !== 'client') {
    log(`unknown ROLE ${role}`);
    return 1;
  }
  if (!SUPPORTED[role].has(testcase)) {
    log(`test case ${testcase} not supported`);
    return UNSUPPORTED;
  }
  return role === 'server' ? runServer(testcase) : runClient(testcase);
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
