/**
 * The quic-interop-runner endpoint (INTEROP-RUNNER.md §2, §3) over the public API: an hq-interop
 * server or client (INTEROP-RUNNER §2.3) chosen by ROLE, behaving per TESTCASE. Exit codes: 0
 * success, 1 failure, 127 unsupported test case (§1: the runner's compliance check).
 *
 * resumption / zerortt (INTEROP-RUNNER §3 rows 7, 8): the client fetches the first URL on a first
 * connection, waits for its session ticket, closes it, and fetches the rest on a second connection
 * that resumes with the ticket (RFC 9001 §4.5), sending its requests in 0-RTT for zerortt (RFC 9001
 * §4.6.1; if the server rejects 0-RTT the failed requests are sent again in 1-RTT). It prints
 * "handshake N: resumed: <bool>, earlyData: <outcome>" per connection. connectionmigration
 * (row 22, §7): the server advertises preferred addresses on port+1 (RFC 9000 §9.6); every client
 * migrates to a preferred address when offered (the QuicClient default) and prints the final path.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { QuicServer, connect, hqDownload, HQ_ALPN, QuicErrorCode, type QuicClientOptions, type QuicConnection, type SessionTicket, serveHq } from '../../src/node.js';
import { H3_ALPN, http3Download, serveHttp3 } from '../../src/node.js';
import { QUIC_V1, QUIC_V2 } from '../../src/wire/version.js';
import { CipherSuite } from '../../src/crypto/suites.js';
import { readPrivateKey } from '../../src/cli/options.js';

/** Test cases this endpoint implements, per role (INTEROP-RUNNER §3). */
export const SUPPORTED: Record<'server' | 'client', ReadonlySet<string>> = {
  server: new Set(['handshake', 'transfer', 'multiconnect', 'chacha20', 'retry', 'v2', 'resumption', 'zerortt', 'connectionmigration', 'http3']),
  client: new Set(['handshake', 'transfer', 'multiconnect', 'chacha20', 'retry', 'keyupdate', 'v2', 'resumption', 'zerortt', 'http3']),
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

/**
 * The server's preferred addresses for connectionmigration (INTEROP-RUNNER §3 row 22, §7): this
 * host's first global IPv4 and IPv6 addresses on port+1 (PREFERRED_HOST4 / PREFERRED_HOST6
 * override them; "none" leaves a family out). PREFERRED_PORT changes the advertised port and
 * PREFERRED_BIND_PORT the port bound (the local runner puts a relay in front of the preferred
 * address: it advertises the relay's port and binds the port the relay forwards to).
 */
function preferredAddress(port: number): { ipv4?: string; ipv6?: string } {
  const advertised = Number(process.env['PREFERRED_PORT'] ?? port + 1);
  return preferredAddressOn(advertised);
}

/** The preferred addresses bound locally (PREFERRED_BIND_PORT, else the advertised ones). */
function preferredAddressBind(): { ipv4?: string; ipv6?: string } {
  const bind = process.env['PREFERRED_BIND_PORT'];
  return bind === undefined ? {} : preferredAddressOn(Number(bind));
}

function preferredAddressOn(port: number): { ipv4?: string; ipv6?: string } {
  let v4 = process.env['PREFERRED_HOST4'];
  let v6 = process.env['PREFERRED_HOST6'];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv4') v4 ??= a.address;
      else if (a.family === 'IPv6' && !a.address.toLowerCase().startsWith('fe80')) v6 ??= a.address;
    }
  }
  v4 ??= '127.0.0.1';
  return {
    ...(v4 === 'none' ? {} : { ipv4: `${v4}:${port}` }),
    ...(v6 === undefined || v6 === 'none' ? {} : { ipv6: `[${v6}]:${port}` }),
  };
}

async function runServer(testcase: string): Promise<number> {
  const certs = env('CERTS', '/certs');
  const root = env('WWW', '/www');
  const port = Number(env('PORT', '443'));
  const server = new QuicServer({
    host: '::', port,
    tls: { certificate: readFileSync(join(certs, 'cert.pem'), 'utf8'), key: readPrivateKey(join(certs, 'priv.key')) },
    // INTEROP-RUNNER §2.3: http3 is ALPN h3, every other test hq-interop.
    alpn: [testcase === 'http3' ? H3_ALPN : HQ_ALPN],
    // INTEROP-RUNNER §3 multiplexing: initial_max_streams_bidi <= 1000, grown with MAX_STREAMS.
    maxStreams: { bidi: 100, uni: 100 },
    initialMaxData: 16 * 1024 * 1024,
    initialMaxStreamData: 8 * 1024 * 1024,
    ...(testcase === 'retry' ? { retry: 'always' as const } : {}),
    ...(testcase === 'v2' ? { preferredVersions: [QUIC_V2, QUIC_V1] } : {}),
    // INTEROP-RUNNER §3 chacha20: "Server must also restrict to ChaCha20".
    ...(testcase === 'chacha20' ? { cipherSuites: [CipherSuite.TLS_CHACHA20_POLY1305_SHA256] } : {}),
    // INTEROP-RUNNER §3 resumption / zerortt: session tickets (RFC 9001 §4.5), 0-RTT (§4.6).
    ...(testcase === 'resumption' || testcase === 'zerortt' ? { tickets: true } : {}),
    ...(testcase === 'zerortt' ? { enableEarlyData: true } : {}),
    // INTEROP-RUNNER §3 connectionmigration: advertise preferred_address (RFC 9000 §9.6).
    ...(testcase === 'connectionmigration' ? { preferredAddress: preferredAddress(port), preferredAddressBind: preferredAddressBind() } : {}),
    ...keyLogFile(),
    ...qlogDir(),
  });
  await server.listen();
  log(`listening on ${server.address.address} testcase=${testcase} root=${root}`);
  void (async () => {
    for await (const conn of server) {
      // With enableEarlyData a 0-RTT connection arrives before its handshake completes (QuicServer): log the outcome then.
      const tag = `connection from ${conn.remoteAddress} version=0x${conn.version.toString(16)}`;
      if (conn.isHandshakeComplete) log(`${tag} resumed: ${conn.handshakeInfo?.resumed}, earlyData: ${conn.handshakeInfo?.earlyData}`);
      else void conn.handshake.then((h) => log(`${tag} (accepted at 0-RTT) resumed: ${h.resumed}, earlyData: ${h.earlyData}`), () => undefined);
      void conn.closed.then(() => log(`connection from ${conn.remoteAddress} ended on local ${conn.localAddress}`));
      if (testcase === 'http3') void serveHttp3(conn, { root }).catch((e: unknown) => log(`h3: ${String(e)}`));
      else void serveHq(conn, { root, onRequest: (r) => log(`${r.status} ${r.path} ${r.bytes} bytes`) }).catch(() => undefined);
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

/** What one connection of `download` leaves for the next (resumption, zerortt). */
interface Resume {
  ticket?: SessionTicket;
  token?: Uint8Array;
}

let handshakes = 0;

/** Waits up to `ms` for the server's first session ticket (RFC 8446 §4.6.1: sent after the handshake). */
async function waitForTicket(conn: QuicConnection, ms: number): Promise<void> {
  for (let waited = 0; conn.sessionTicket === undefined && !conn.isClosed && waited < ms; waited += 10) await new Promise((r) => setTimeout(r, 10));
}

async function download(urls: readonly URL[], options: QuicClientOptions, out: string, testcase: string, resume?: Resume): Promise<boolean> {
  const first = urls[0]!;
  const host = first.hostname.startsWith('[') ? first.hostname.slice(1, -1) : first.hostname;
  const port = first.port === '' ? 443 : Number(first.port);
  const conn = await connect({ host, port }, {
    ...options, serverName: host,
    ...(resume?.ticket === undefined ? {} : { sessionTicket: resume.ticket, enableEarlyData: testcase === 'zerortt' }),
    ...(resume?.token === undefined ? {} : { token: resume.token }),
  });
  const n = ++handshakes;
  const firstRemote = conn.remoteAddress;
  void conn.handshake.then((h) => log(`handshake ${n}: resumed: ${h.resumed}, earlyData: ${h.earlyData}`), () => undefined);
  log(`connected to ${host}:${port} version=0x${conn.version.toString(16)}`);
  if (testcase === 'keyupdate') keyUpdateSoon(conn);
  try {
    const paths = urls.map((u) => u.pathname);
    // With 0-RTT the requests go out before the handshake completes (RFC 9001 §4.6.1).
    // http3 (INTEROP-RUNNER §2.3): HTTP/3 GETs in parallel; :authority from the URL.
    let results = testcase === 'http3'
      ? await http3Download(conn, paths, out, { authority: first.host })
      : await hqDownload(conn, paths, out);
    // RFC 9001 §4.6.2: rejected 0-RTT requests fail with ERR_QUIC_0RTT_REJECTED: send them again.
    const rejected = results.filter((r) => (r.error as { code?: string } | undefined)?.code === QuicErrorCode.ZERO_RTT_REJECTED).map((r) => r.path);
    if (rejected.length > 0) {
      await conn.handshake;
      log(`0-RTT rejected: requesting ${rejected.length} files again`);
      const again = await hqDownload(conn, rejected, out);
      results = [...results.filter((r) => !rejected.includes(r.path)), ...again];
    }
    const failed = results.filter((r) => r.error !== undefined);
    for (const r of failed) log(`failed ${r.path}: ${r.error?.message}`);
    if (conn.remoteAddress !== firstRemote) log(`migrated to ${conn.remoteAddress} from local ${conn.localAddress}`);
    if (resume !== undefined && resume.ticket === undefined && failed.length === 0) {
      await waitForTicket(conn, 2000);
      resume.ticket = conn.sessionTicket;
      resume.token = conn.newToken;
    }
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
    alpn: [testcase === 'http3' ? H3_ALPN : HQ_ALPN], dangerouslySkipVerification: true, initialMaxData: 16 * 1024 * 1024, initialMaxStreamData: 8 * 1024 * 1024,
    ...(testcase === 'v2' ? { version: QUIC_V1, availableVersions: [QUIC_V2, QUIC_V1] } : {}),
    // INTEROP-RUNNER §3 chacha20: the ClientHello offers 0x1303 and nothing else.
    ...(testcase === 'chacha20' ? { cipherSuites: [CipherSuite.TLS_CHACHA20_POLY1305_SHA256] } : {}),
    ...keyLogFile(),
    ...qlogDir(),
  };
  // resumption / zerortt (INTEROP-RUNNER §3 rows 7, 8): the first file on connection 1, the rest
  // on connection 2, which resumes with connection 1's ticket.
  if (testcase === 'resumption' || testcase === 'zerortt') {
    const resume: Resume = {};
    if (!(await download(urls.slice(0, 1), options, out, testcase, resume))) return 1;
    if (resume.ticket === undefined) log('no session ticket from the first connection: the second one will not resume');
    return urls.length < 2 || (await download(urls.slice(1), options, out, testcase, resume)) ? 0 : 1;
  }
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
