/**
 * One side of a loopback benchmark, run as its own process (compiled by spawn.ts: `node
 * <tmp>/out/bench/loopback/peer.js <role> [--key value ...]`; or `node --import tsx
 * bench/loopback/peer.ts ...`) so that client and server never share an event loop or a core's
 * time slice by construction. Every role prints JSON lines on stdout: first `{"ready":...}` (servers,
 * with the port), then `{"result":...}`. Servers also read commands from stdin: `mem` (print the
 * process's memory after a full GC: needs --expose-gc), `cpu` (print the CPU time used so far) and `quit`.
 *
 * QUIC roles use the public API (src/api): `QuicServer` with a generated self-signed certificate
 * that clients pin by SHA-256, answering every bidirectional stream with the raw echo protocol of
 * the peer tools (first byte 'B': count until FIN, reply the count; otherwise echo).
 *
 * Raw node:dgram roles are the baselines (see README.md in this folder for the method).
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { QuicError, QuicErrorCode, QuicServer, connect, handleRawEchoStream, rawBulkUpload, type QuicConnection, type SessionTicket } from '../../src/api/index.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string', default: '0' },
    bytes: { type: 'string', default: '1048576' },
    n: { type: 'string', default: '10' },
    size: { type: 'string', default: '1452' },
    ms: { type: 'string', default: '1000' },
    window: { type: 'string', default: '128' },
    sha256: { type: 'string', default: '' },
    'max-dgram': { type: 'string' },
    'max-conns': { type: 'string', default: '20000' },
    'idle-ms': { type: 'string', default: '30000' },
    'big-windows': { type: 'boolean', default: false },
    batch: { type: 'string', default: '100' },
    'max-ms': { type: 'string', default: '60000' },
    'profile-out': { type: 'string' },
    tickets: { type: 'boolean', default: false },
    'early-data': { type: 'boolean', default: false },
    resumed: { type: 'string', default: '0' },
    'zero-rtt': { type: 'string', default: '0' },
    /** Raw baselines: AES-128-GCM key (32 hex digits): seal every datagram at the sender, open it at the receiver. */
    'aead-key': { type: 'string' },
  },
});
const role = positionals[0];
const num = (k: keyof typeof values): number => Number(values[k]);
const HOST = '127.0.0.1';
/** Socket buffers requested for every benchmark socket, QUIC and raw alike (capped by net.core.*mem_max). */
const SOCKET_BUFFER = 4 * 1024 * 1024;

function emit(o: unknown): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

function now(): number {
  return performance.now();
}

function transport(): { maxDatagramSize?: number; initialMaxData?: number; initialMaxStreamData?: number; idleTimeoutMs: number; recvBufferSize: number; sendBufferSize: number } {
  const md = values['max-dgram'];
  return {
    idleTimeoutMs: num('idle-ms'),
    recvBufferSize: SOCKET_BUFFER,
    sendBufferSize: SOCKET_BUFFER,
    ...(md === undefined ? {} : { maxDatagramSize: Number(md) }),
    // Receive windows as quic-go's bulk peer configures them (16 MiB stream, 24 MiB connection).
    ...(values['big-windows'] ? { initialMaxData: 24 << 20, initialMaxStreamData: 16 << 20 } : {}),
  };
}

/** Connects with the server's certificate pinned; with `ticket`, offers it for resumption (and 0-RTT with `earlyData`). */
async function connectPinned(ticket?: SessionTicket, earlyData = false): Promise<QuicConnection> {
  return connect({ host: HOST, port: num('port') }, {
    ...transport(), serverCertificateHashes: [Buffer.from(values.sha256, 'hex')],
    ...(ticket === undefined ? {} : { sessionTicket: ticket }),
    ...(earlyData ? { enableEarlyData: true } : {}),
  });
}

/**
 * The first session ticket `conn` received (RFC 8446 §4.6.1: the server sends NewSessionTicket after
 * the handshake, so it may arrive a little after connect() resolved). Throws after 5 s without one.
 */
async function ticketOf(conn: QuicConnection): Promise<SessionTicket> {
  const end = now() + 5000;
  while (conn.sessionTicket === undefined && now() < end) await new Promise((r) => setTimeout(r, 1));
  const t = conn.sessionTicket;
  if (t === undefined) throw new Error('no session ticket within 5 s (server started without --tickets?)');
  return t;
}

let profiler: Session | undefined;

/**
 * Starts the V8 sampling profiler (100 µs interval) when --profile-out is set: called once the
 * process has loaded its modules, so the profile holds the measured work, not module loading.
 */
async function startProfile(): Promise<void> {
  if (values['profile-out'] === undefined || profiler !== undefined) return;
  const s = new Session();
  s.connect();
  const post = (method: string, params?: object): Promise<unknown> => new Promise((resolve, reject) => s.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
  await post('Profiler.start');
  profiler = s;
}

/** Stops the profiler and writes the .cpuprofile file. */
async function stopProfile(): Promise<void> {
  const s = profiler;
  const file = values['profile-out'];
  if (s === undefined || file === undefined) return;
  profiler = undefined;
  const res = await new Promise<{ profile: unknown }>((resolve, reject) => s.post('Profiler.stop', (err, r) => (err ? reject(err) : resolve(r as { profile: unknown }))));
  writeFileSync(file, JSON.stringify(res.profile));
  s.disconnect();
}

/** CPU time (user + system) this process used so far, in ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function memory(): Record<string, number> {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g !== undefined) for (let i = 0; i < 3; i++) g();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss, gc: g === undefined ? 0 : 1 };
}

function onStdin(handlers: Record<string, () => void | Promise<void>>): void {
  createInterface({ input: process.stdin }).on('line', (line) => {
    const h = handlers[line.trim()];
    if (h !== undefined) void h();
  });
}

async function quicServer(): Promise<void> {
  const server = new QuicServer({ host: HOST, port: num('port'), tls: { selfSigned: true }, maxConnections: num('max-conns'), acceptBacklog: 1_000_000,
    // Every benchmark client comes from 127.0.0.1: the per-IP admission limits (100/s, 1,000 live) would refuse them.
    rateLimits: false, ...transport(),
    // --tickets: one MemoryTicketStore for the server (single-use tickets, ADR 0004); --early-data: accept 0-RTT.
    ...(values.tickets ? { tickets: true } : {}), ...(values['early-data'] ? { enableEarlyData: true } : {}) });
  await server.listen();
  void (async () => {
    for await (const conn of server) {
      void (async () => {
        for await (const s of conn.incomingBiStreams) void handleRawEchoStream(s);
      })().catch(() => undefined);
    }
  })().catch(() => undefined);
  onStdin({
    mem: () => emit({ mem: memory(), connections: server.stats().connections, stats: server.stats() }),
    cpu: () => emit({ cpuMs: cpuMs() }),
    quit: async () => {
      await stopProfile();
      process.exit(0);
    },
  });
  await startProfile();
  emit({ ready: true, port: server.address.port, sha256: Buffer.from(server.certificate.sha256!).toString('hex') });
}

/** Bulk upload on one stream ('B' mode), timed from the first byte written to the server's count. */
async function quicBulk(): Promise<void> {
  const t0 = now();
  const conn = await connectPinned();
  await startProfile();
  const t1 = now();
  const c1 = cpuMs();
  const bytes = num('bytes');
  const counted = await rawBulkUpload(conn, bytes);
  const t2 = now();
  const c2 = cpuMs();
  await stopProfile();
  const st = conn.stats() as unknown as Record<string, unknown>;
  emit({ result: { bytes, counted, handshakeMs: t1 - t0, ms: t2 - t1, cpuMs: c2 - c1, pmtu: st.pmtu, stats: st } });
  await conn.close(0, 'done').catch(() => undefined);
  process.exit(0);
}

/** One stream in echo mode: 'E' + 1 byte + FIN out, the echoed byte back (checked). */
async function echoOneByte(conn: QuicConnection): Promise<void> {
  const s = await conn.openBiStream();
  const [, reply] = await Promise.all([s.writeAll(Uint8Array.of(0x45, 0x78)), s.readAll()]);
  if (reply.length !== 1 || reply[0] !== 0x78) throw new Error(`bad echo ${reply.length}`);
}

/**
 * N sequential full handshakes, each timed from connect() to the handshake's completion. Then, with
 * --resumed M (the server started with --tickets): M sequential resumed handshakes (RFC 8446 §2.2,
 * RFC 9001 §4.5), timed the same way, each offering the ticket the previous connection received
 * (tickets are single-use per server store, ADR 0004), counted as resumed when `handshakeInfo.resumed`.
 * Then, with --zero-rtt K (the server also with --early-data): K pairs of resumed connections timed
 * from connect() to the first echoed byte of one 1-byte echo stream, one pair member in 1-RTT
 * (stream opened after the handshake) and one with the request sent as 0-RTT (RFC 9001 §4.6.1),
 * alternating so that load on the machine falls on both alike.
 */
async function quicHandshakes(): Promise<void> {
  const samples: number[] = [];
  const n = num('n');
  const wantTickets = num('resumed') > 0 || num('zero-rtt') > 0;
  let ticket: SessionTicket | undefined;
  for (let i = 0; i < n; i++) {
    const t0 = now();
    const conn = await connectPinned();
    samples.push(now() - t0);
    // The last full connection supplies the first ticket (waited for after the timed span).
    if (wantTickets && i === n - 1) ticket = await ticketOf(conn);
    void conn.close(0, 'done').catch(() => undefined);
  }
  const resumedSamples: number[] = [];
  let resumedCount = 0;
  for (let i = 0; i < num('resumed'); i++) {
    const t0 = now();
    const conn = await connectPinned(ticket);
    resumedSamples.push(now() - t0);
    if (conn.handshakeInfo?.resumed === true) resumedCount++;
    ticket = await ticketOf(conn);
    void conn.close(0, 'done').catch(() => undefined);
  }
  const echo1Rtt: number[] = [];
  const echo0Rtt: number[] = [];
  let echo1RttResumed = 0;
  let earlyAccepted = 0;
  for (let i = 0; i < 2 * num('zero-rtt'); i++) {
    const early = i % 2 === 1;
    const t0 = now();
    const conn = await connectPinned(ticket, early); // with 0-RTT: resolves before the handshake
    try {
      await echoOneByte(conn);
    } catch (e) {
      // 0-RTT rejected (RFC 9001 §4.6.2): the request goes again in 1-RTT, and the sample includes it.
      if (!(e instanceof QuicError && e.code === QuicErrorCode.ZERO_RTT_REJECTED)) throw e;
      await conn.handshake;
      await echoOneByte(conn);
    }
    (early ? echo0Rtt : echo1Rtt).push(now() - t0);
    const info = await conn.handshake;
    if (early && info.earlyData === 'accepted') earlyAccepted++;
    if (!early && info.resumed) echo1RttResumed++;
    ticket = await ticketOf(conn);
    void conn.close(0, 'done').catch(() => undefined);
  }
  emit({ result: { samples, resumedSamples, resumedCount, echo1Rtt, echo0Rtt, echo1RttResumed, earlyAccepted } });
  process.exit(0);
}

/** N sequential stream opens on one connection: open, write 'E' + 1 byte + FIN, read the echoed byte. */
async function quicStreamOpen(): Promise<void> {
  const conn = await connectPinned();
  const samples: number[] = [];
  const msg = Uint8Array.of(0x45, 0x78);
  for (let i = 0; i < num('n'); i++) {
    const t0 = now();
    const s = await conn.openBiStream();
    const [, reply] = await Promise.all([s.writeAll(msg), s.readAll()]);
    samples.push(now() - t0);
    if (reply.length !== 1 || reply[0] !== 0x78) throw new Error(`bad echo ${reply.length}`);
  }
  emit({ result: { samples } });
  await conn.close(0, 'done').catch(() => undefined);
  process.exit(0);
}

/** Request/response echo of `size`-byte messages on one stream of one connection for `ms`. */
async function quicMessages(): Promise<void> {
  const conn = await connectPinned();
  const size = num('size');
  const s = await conn.openBiStream();
  await s.write(Uint8Array.of(0x45));
  const msg = new Uint8Array(size).fill(7);
  const end = now() + num('ms');
  let count = 0;
  const t0 = now();
  while (now() < end) {
    await s.write(msg);
    const back = await s.readExact(size);
    if (back.length !== size) throw new Error('short echo');
    count++;
  }
  const elapsed = now() - t0;
  emit({ result: { count, ms: elapsed, bytes: count * size } });
  process.exit(0);
}

/** Opens N connections (at most `batch` handshakes at a time, for at most max-ms), then holds them. */
async function quicIdle(): Promise<void> {
  const n = num('n');
  const batch = num('batch');
  const deadline = now() + num('max-ms');
  const conns: QuicConnection[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const t0 = now();
  while (conns.length < n && now() < deadline && failed < 100) {
    const k = Math.min(batch, n - conns.length);
    const got = await Promise.allSettled(Array.from({ length: k }, () => connectPinned()));
    for (const g of got) {
      if (g.status === 'fulfilled') conns.push(g.value);
      else {
        failed++;
        firstError ??= String(g.reason);
      }
    }
  }
  emit({ result: { opened: conns.length, failed, firstError, ms: now() - t0 } });
  onStdin({ quit: () => process.exit(0) });
}

// --- raw node:dgram baselines --------------------------------------------------------------

function bindUdp(port: number): Promise<dgram.Socket> {
  const s = dgram.createSocket({ type: 'udp4', recvBufferSize: SOCKET_BUFFER, sendBufferSize: SOCKET_BUFFER });
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, HOST, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

/**
 * The AEAD every QUIC packet costs, alone (the `--aead-key` variant of the raw baselines): one
 * AES-128-GCM seal per datagram at the sender and one open at the receiver through node:crypto,
 * a new cipher object per datagram as any stack on Node 20 must create (node cannot change the
 * nonce of a GCM context), with the 5-byte header (type byte, 32-bit counter) as the associated
 * data and the counter as the nonce. Nothing else of QUIC: no header protection, frames, ACK
 * processing or congestion control. What the raw sender reaches with it bounds what a QUIC stack
 * on node:dgram and node:crypto can reach at that datagram size.
 */
const AEAD_HEADER = 5;
const AEAD_TAG = 16;

function aeadKey(): KeyObject | undefined {
  const hex = values['aead-key'];
  if (hex === undefined) return undefined;
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error('--aead-key takes 32 hex digits (AES-128)');
  return createSecretKey(Buffer.from(hex, 'hex'));
}

function aeadNonce(nonce: Buffer, counter: number): Buffer {
  nonce.writeUInt32BE(counter >>> 0, 8);
  return nonce;
}

/** Seals `plaintext` behind the 5-byte header into a new datagram. */
function sealDatagram(key: KeyObject, nonce: Buffer, counter: number, plaintext: Buffer): Buffer {
  const d = Buffer.allocUnsafe(AEAD_HEADER + plaintext.length + AEAD_TAG);
  d[0] = 0;
  d.writeUInt32BE(counter >>> 0, 1);
  const c = createCipheriv('aes-128-gcm', key, aeadNonce(nonce, counter));
  c.setAAD(d.subarray(0, AEAD_HEADER));
  const body = c.update(plaintext);
  const rest = c.final();
  d.set(body, AEAD_HEADER);
  if (rest.length !== 0) d.set(rest, AEAD_HEADER + body.length);
  d.set(c.getAuthTag(), AEAD_HEADER + plaintext.length);
  return d;
}

/** Opens a datagram made by `sealDatagram`; false when the tag does not verify. */
function openDatagram(key: KeyObject, nonce: Buffer, d: Buffer): boolean {
  if (d.length < AEAD_HEADER + AEAD_TAG) return false;
  const c = createDecipheriv('aes-128-gcm', key, aeadNonce(nonce, d.readUInt32BE(1)));
  c.setAAD(d.subarray(0, AEAD_HEADER));
  c.setAuthTag(d.subarray(d.length - AEAD_TAG));
  c.update(d.subarray(AEAD_HEADER, d.length - AEAD_TAG));
  try {
    c.final();
    return true;
  } catch {
    return false;
  }
}

/**
 * Raw receiver: counts data datagrams (first byte 0), acknowledges every 16th with the total
 * received so far (4 bytes), and at the first 'done' datagram (first byte 1) prints what it counted
 * between the first and the last data datagram, and the CPU time it used since the first. With
 * `--aead-key` it opens every data datagram first and counts only those that verify.
 */
async function dgramRecv(): Promise<void> {
  const ack = Buffer.alloc(4);
  let count = 0;
  let bytes = 0;
  let first = 0;
  let last = 0;
  let reported = false;
  let cpu0 = 0;
  let failed = 0;
  const key = aeadKey();
  const nonce = Buffer.alloc(12);
  const sock = await bindUdp(num('port'));
  sock.on('message', (msg, rinfo) => {
    if (msg[0] === 0) {
      if (key !== undefined && !openDatagram(key, nonce, msg)) {
        failed++;
        return;
      }
      if (count === 0) {
        first = now();
        cpu0 = cpuMs();
      }
      last = now();
      count++;
      bytes += msg.length;
      if (count % 16 === 0) {
        ack.writeUInt32BE(count >>> 0, 0);
        sock.send(ack, rinfo.port, rinfo.address);
      }
    } else if (!reported) {
      reported = true;
      emit({ result: { count, bytes, ms: last - first, cpuMs: cpuMs() - cpu0, failed } });
      setTimeout(() => process.exit(0), 50);
    }
  });
  emit({ ready: true, port: sock.address().port });
}

/**
 * Raw sender: keeps at most `window` datagrams beyond the receiver's last acknowledged count in
 * flight; when no acknowledgement arrives for 20 ms, the outstanding ones are written off as lost
 * and the window reopens. Runs for `ms` (and reports the CPU time it used), then sends 'done'.
 * With `--aead-key` every datagram is sealed (a new one each time, as a QUIC packet is).
 */
async function dgramSend(): Promise<void> {
  const port = num('port');
  const size = num('size');
  const window = num('window');
  const data = Buffer.alloc(size, 0);
  const key = aeadKey();
  const nonce = Buffer.alloc(12);
  const plaintext = Buffer.alloc(Math.max(0, size - AEAD_HEADER - AEAD_TAG), 0);
  const sock = await bindUdp(0);
  let sent = 0;
  let acked = 0;
  let lost = 0;
  let lastProgress = now();
  let stop = false;
  const pump = (): void => {
    while (!stop && sent - acked - lost < window) {
      sock.send(key === undefined ? data : sealDatagram(key, nonce, sent, plaintext), port, HOST);
      sent++;
    }
  };
  sock.on('message', (msg) => {
    const c = msg.readUInt32BE(0);
    if (c > acked) {
      acked = c;
      lastProgress = now();
    }
    pump();
  });
  const stall = setInterval(() => {
    if (now() - lastProgress > 20 && sent - acked - lost > 0) {
      lost = sent - acked;
      lastProgress = now();
      pump();
    }
  }, 5);
  const cpu0 = cpuMs();
  pump();
  await new Promise((r) => setTimeout(r, num('ms')));
  stop = true;
  const cpu = cpuMs() - cpu0;
  clearInterval(stall);
  await new Promise((r) => setTimeout(r, 30));
  for (let i = 0; i < 5; i++) sock.send(Buffer.of(1), port, HOST);
  emit({ result: { sent, acked, writtenOffAsLost: lost, cpuMs: cpu } });
  setTimeout(() => process.exit(0), 50);
}

/** Raw echo server: sends every datagram back. */
async function dgramEcho(): Promise<void> {
  const sock = await bindUdp(num('port'));
  sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
  onStdin({ quit: () => process.exit(0) });
  emit({ ready: true, port: sock.address().port });
}

/** Raw ping-pong: one `size`-byte datagram out, wait for it back (resent after 50 ms), for `ms`. */
async function dgramPing(): Promise<void> {
  const port = num('port');
  const size = num('size');
  const sock = await bindUdp(0);
  const msg = Buffer.alloc(size, 7);
  let count = 0;
  let resent = 0;
  const t0 = now();
  const end = t0 + num('ms');
  await new Promise<void>((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ping = (): void => {
      if (now() >= end) {
        clearTimeout(timer);
        resolve();
        return;
      }
      sock.send(msg, port, HOST);
      clearTimeout(timer);
      timer = setTimeout(() => {
        resent++;
        ping();
      }, 50);
    };
    sock.on('message', (m) => {
      if (m.length === size) count++;
      ping();
    });
    ping();
  });
  emit({ result: { count, resent, ms: now() - t0 } });
  process.exit(0);
}

const roles: Record<string, () => Promise<void>> = {
  'quic-server': quicServer,
  'quic-bulk': quicBulk,
  'quic-handshakes': quicHandshakes,
  'quic-stream-open': quicStreamOpen,
  'quic-messages': quicMessages,
  'quic-idle': quicIdle,
  'dgram-recv': dgramRecv,
  'dgram-send': dgramSend,
  'dgram-echo': dgramEcho,
  'dgram-ping': dgramPing,
};
const run = role === undefined ? undefined : roles[role];
if (run === undefined) {
  process.stderr.write(`usage: peer.ts <${Object.keys(roles).join('|')}> [options]\n`);
  process.exit(2);
}
run().catch((e: unknown) => {
  emit({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  process.exit(1);
});
