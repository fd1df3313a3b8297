/**
 * Loopback benchmarks (issue 5): our QUIC stack over real UDP sockets on 127.0.0.1, client and
 * server in separate processes (peer.ts), each figure beside a baseline measured in the same run
 * (method: bench/loopback/README.md).
 *
 *   throughput   one connection, one stream, N MB upload ('B' mode of the raw echo protocol),
 *                beside raw node:dgram at the same datagram size, and quic-go's own bulk upload
 *   handshake    N sequential full and N resumed (PSK) handshakes, p50/p99, beside the in-memory TLS
 *                handshake; connect to first echoed byte on resumed connections, 0-RTT vs 1-RTT
 *   stream-open  open a bidi stream, 1 byte out, 1 byte echoed, p50/p99, beside a raw dgram round trip
 *   messages     1 KB / 64 KB request-response echo on one stream, beside raw dgram ping-pong (1 KB)
 *   memory       server heap+external per idle connection with 1,000 (and 10,000) connections
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { handshakeTasks } from '../handshake.js';
import { exited, startCommand, startPeer, type Peer, type PeerFlags } from './spawn.js';

/** One row of the loopback table. */
export interface LoopbackRow {
  readonly group: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** What `value` is compared with (measured in this run unless `baselineName` says "goal"). */
  readonly baselineName?: string;
  readonly baseline?: number;
  /** value / baseline. */
  readonly ratio?: number;
  /** Anything else worth keeping (raw samples summary, counters). */
  readonly extra?: Record<string, unknown>;
}

/** Sizes and switches of one run. */
export interface LoopbackConfig {
  /** Bytes per throughput run. */
  readonly bulkBytes: number;
  /** Duration of each raw dgram blast (ms). */
  readonly rawMs: number;
  /** Large datagram size for the second throughput pair (0: skip). */
  readonly largeDatagram: number;
  readonly handshakes: number;
  readonly streamOpens: number;
  /** Duration of each message-rate run (ms). */
  readonly messageMs: number;
  /** Idle-connection counts for the memory test. */
  readonly idleCounts: readonly number[];
  /** Give up opening idle connections after this long (ms), and report what was reached. */
  readonly idleMaxMs: number;
  /** quic-go peer binary (row skipped when missing). */
  readonly qgoEcho: string;
  /** Write CPU profiles (V8 sampler, transfer only) of the 1452-byte throughput run's server and client here. */
  readonly profileDir?: string;
  /** Which groups to run (default all). */
  readonly groups?: readonly ('throughput' | 'handshake' | 'stream-open' | 'messages' | 'memory')[];
  /** Progress lines (default none). */
  readonly log?: (line: string) => void;
}

/** The default bounded run, and `--full`. */
export function loopbackConfig(full: boolean): LoopbackConfig {
  return {
    bulkBytes: (full ? 100 : 20) * 1024 * 1024,
    rawMs: full ? 3000 : 1000,
    largeDatagram: 16_384,
    handshakes: full ? 200 : 30,
    streamOpens: full ? 2000 : 200,
    messageMs: full ? 3000 : 1000,
    idleCounts: full ? [1000, 10_000] : [1000],
    idleMaxMs: full ? 180_000 : 60_000,
    qgoEcho: '/tmp/peers/bin/qgo-echo',
  };
}

interface Ready {
  port: number;
  sha256: string;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function summary(samples: readonly number[]): { p50: number; p99: number; min: number; max: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), min: s[0] ?? Number.NaN, max: s[s.length - 1] ?? Number.NaN, n: s.length };
}

function mbit(bytes: number, ms: number): number {
  return (bytes * 8) / (ms * 1000);
}

function row(group: string, name: string, value: number, unit: string, baselineName?: string, baseline?: number, extra?: Record<string, unknown>): LoopbackRow {
  return {
    group, name, value, unit,
    ...(baselineName === undefined || baseline === undefined ? {} : { baselineName, baseline, ratio: value / baseline }),
    ...(extra === undefined ? {} : { extra }),
  };
}

async function withServer<T>(args: Record<string, string | number | boolean | undefined>, flags: PeerFlags, fn: (ready: Ready, server: Peer) => Promise<T>): Promise<T> {
  const server = await startPeer('quic-server', args, flags);
  try {
    const ready = await server.next<Ready>('ready', 60_000);
    return await fn(ready, server);
  } finally {
    await server.stop();
  }
}

async function client<T>(role: string, args: Record<string, string | number | boolean | undefined>, flags: PeerFlags = {}, timeoutMs = 600_000): Promise<T> {
  const p = await startPeer(role, args, flags);
  try {
    const line = await p.next<{ result: T }>('result', timeoutMs);
    await exited(p);
    return line.result;
  } finally {
    await p.stop();
  }
}

/** CPU time per datagram in µs (what a shared machine's load does not change much, unlike rates). */
function usPer(cpuMs: number, datagrams: number): number {
  return datagrams > 0 ? (cpuMs * 1000) / datagrams : Number.NaN;
}

/**
 * Raw dgram blast: Mbit/s of datagrams the receiver counted, and each side's CPU µs per datagram.
 * With `aead`, every datagram is AES-128-GCM sealed and opened (peer.ts `--aead-key`); datagrams
 * whose tag failed are reported in `failed` and not counted.
 */
export async function rawThroughput(size: number, ms: number, aead = false): Promise<{ mbit: number; count: number; bytes: number; ms: number; sent: number; writtenOffAsLost: number; senderCpuUs: number; receiverCpuUs: number; failed: number }> {
  const key = aead ? randomBytes(16).toString('hex') : undefined;
  const recv = await startPeer('dgram-recv', { 'aead-key': key });
  try {
    const { port } = await recv.next<{ port: number }>('ready', 60_000);
    const sender = await client<{ sent: number; writtenOffAsLost: number; cpuMs: number }>('dgram-send', { port, size, ms, window: 128, 'aead-key': key });
    const r = (await recv.next<{ result: { count: number; bytes: number; ms: number; cpuMs: number; failed: number } }>('result', 30_000)).result;
    return {
      mbit: mbit(r.bytes, r.ms), count: r.count, bytes: r.bytes, ms: r.ms, sent: sender.sent, writtenOffAsLost: sender.writtenOffAsLost,
      senderCpuUs: usPer(sender.cpuMs, sender.sent), receiverCpuUs: usPer(r.cpuMs, r.count), failed: r.failed,
    };
  } finally {
    await recv.stop();
  }
}

/** Raw dgram ping-pong: round trips per second and per-round-trip latency. */
export async function rawPingPong(size: number, ms: number): Promise<{ rate: number; count: number; ms: number; resent: number }> {
  const echo = await startPeer('dgram-echo', {});
  try {
    const { port } = await echo.next<{ port: number }>('ready', 60_000);
    const r = await client<{ count: number; ms: number; resent: number }>('dgram-ping', { port, size, ms });
    return { rate: r.count / (r.ms / 1000), ...r };
  } finally {
    await echo.stop();
  }
}

interface BulkResult {
  bytes: number;
  counted: number;
  handshakeMs: number;
  ms: number;
  /** The client's CPU time during the transfer. */
  cpuMs: number;
  pmtu: number;
  stats: Record<string, unknown>;
}

/**
 * Our bulk upload: one connection, one stream, `bytes` bytes, separate server and client processes.
 * `senderCpuUs` is the client's CPU time per datagram it sent during the transfer; `receiverCpuUs`
 * the server's CPU time (handshake included) per datagram the client sent.
 */
export async function quicThroughput(bytes: number, maxDatagram: number | undefined, profileDir?: string): Promise<BulkResult & { mbit: number; senderCpuUs: number; receiverCpuUs: number }> {
  const common = { 'big-windows': true, 'max-dgram': maxDatagram };
  const prof = (side: string): string | undefined => (profileDir === undefined ? undefined : join(profileDir, `${side}-${maxDatagram ?? 1452}.cpuprofile`));
  return withServer({ ...common, 'profile-out': prof('server') }, {}, async (ready, server) => {
    const serverCpu = async (): Promise<number> => {
      server.send('cpu');
      return (await server.next<{ cpuMs: number }>('cpuMs')).cpuMs;
    };
    const cpu0 = await serverCpu();
    const r = await client<BulkResult>('quic-bulk', { ...common, port: ready.port, sha256: ready.sha256, bytes, 'profile-out': prof('client') });
    const serverCpuMs = (await serverCpu()) - cpu0;
    if (r.counted !== bytes) throw new Error(`server counted ${r.counted} of ${bytes} bytes`);
    const packets = Number(r.stats.packetsSent);
    return { ...r, mbit: mbit(r.bytes, r.ms), senderCpuUs: usPer(r.cpuMs, packets), receiverCpuUs: usPer(serverCpuMs, packets) };
  });
}

/** A UDP port that was free a moment ago (bind to 0, read, close). */
function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  }));
}

/** quic-go's bulk upload between its own client and server (qgo-echo), or undefined when missing. */
export async function quicGoThroughput(binary: string, bytes: number): Promise<{ mbit: number; line: string } | undefined> {
  if (!existsSync(binary)) return undefined;
  const port = await freeUdpPort();
  const addr = `127.0.0.1:${port}`;
  const server = startCommand(binary, ['-mode', 'server', '-addr', addr, '-alpn', 'echo']);
  try {
    for (let i = 0; i < 100 && !server.stderr().includes('echo server on'); i++) await new Promise((r) => setTimeout(r, 50));
    const c = startCommand(binary, ['-mode', 'client', '-addr', addr, '-alpn', 'echo', '-bulk', String(bytes)]);
    try {
      const { line } = await c.next<{ line: string }>('line', 300_000);
      const m = /server counted (\d+), ([\d.]+) s/.exec(line);
      if (m === null || Number(m[1]) !== bytes) throw new Error(`quic-go bulk: ${line} ${c.stderr()}`);
      return { mbit: mbit(bytes, Number(m[2]) * 1000), line };
    } finally {
      await c.stop();
    }
  } finally {
    await server.stop();
  }
}

/** Median ms of an in-memory node TLS handshake task of bench/handshake.ts (default: the full one), measured here. */
async function inMemoryHandshakeMs(task = 'node full handshake'): Promise<number> {
  const tasks = await handshakeTasks();
  const full = tasks.find(([name]) => name === task);
  if (full === undefined) throw new Error(`no in-memory handshake task ${task}`);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) full[2]();
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    full[2]();
    samples.push(performance.now() - t0);
  }
  return summary(samples).p50;
}

async function throughputGroup(c: LoopbackConfig, out: LoopbackRow[]): Promise<void> {
  const g = 'throughput (1 connection, 1 stream)';
  const mb = c.bulkBytes / 1024 / 1024;
  const sizes = c.largeDatagram > 0 ? [1452, c.largeDatagram] : [1452];
  let qgo: { mbit: number; line: string } | undefined;
  for (const size of sizes) {
    c.log?.(`throughput: raw dgram ${size} B for ${c.rawMs} ms`);
    const raw = await rawThroughput(size, c.rawMs);
    out.push(row(g, `raw node:dgram ${size} B datagrams, window 128`, raw.mbit, 'Mbit/s', undefined, undefined, { count: raw.count, sent: raw.sent, writtenOffAsLost: raw.writtenOffAsLost, ms: raw.ms, senderCpuUs: raw.senderCpuUs, receiverCpuUs: raw.receiverCpuUs }));
    c.log?.(`throughput: QUIC ${mb} MB at max datagram ${size}`);
    const q = await quicThroughput(c.bulkBytes, size === 1452 ? undefined : size);
    out.push(row(g, `QUIC ${mb} MB upload, max datagram ${size} (PMTU reached ${q.pmtu})`, q.mbit, 'Mbit/s', `raw node:dgram ${size} B`, raw.mbit, { ms: q.ms, handshakeMs: q.handshakeMs, cpuMs: q.cpuMs, stats: q.stats }));
    // CPU time per datagram: steadier than rates on a shared machine (a busy neighbour slows both
    // processes' wall clock, not the work each datagram costs). The ratio here is cost, lower is better.
    out.push(row(g, `  sender CPU per datagram, QUIC client (max datagram ${size})`, q.senderCpuUs, 'µs', `raw dgram sender ${size} B`, raw.senderCpuUs));
    out.push(row(g, `  receiver CPU per datagram, QUIC server (max datagram ${size})`, q.receiverCpuUs, 'µs', `raw dgram receiver ${size} B`, raw.receiverCpuUs));
    // The ceiling at this size: the raw blast plus only the AEAD that every QUIC packet costs.
    c.log?.(`throughput: raw dgram ${size} B + AES-128-GCM for ${c.rawMs} ms`);
    const sealed = await rawThroughput(size, c.rawMs, true);
    if (sealed.failed > 0) throw new Error(`raw + AES-128-GCM: ${sealed.failed} datagrams failed to open`);
    const sealedName = `raw + AES-128-GCM ${size} B`;
    const extra = { count: sealed.count, sent: sealed.sent, failed: sealed.failed, writtenOffAsLost: sealed.writtenOffAsLost, ms: sealed.ms };
    out.push(row(g, `raw node:dgram ${size} B + AES-128-GCM seal/open per datagram (node:crypto)`, sealed.mbit, 'Mbit/s', `raw node:dgram ${size} B`, raw.mbit, extra));
    out.push(row(g, `  sender CPU per datagram, raw + AES-128-GCM seal (${size} B)`, sealed.senderCpuUs, 'µs', `raw dgram sender ${size} B`, raw.senderCpuUs));
    out.push(row(g, `  receiver CPU per datagram, raw + AES-128-GCM open (${size} B)`, sealed.receiverCpuUs, 'µs', `raw dgram receiver ${size} B`, raw.receiverCpuUs));
    out.push(row(g, `QUIC ${mb} MB upload, max datagram ${size} (ours) vs raw + AES-128-GCM`, q.mbit, 'Mbit/s', sealedName, sealed.mbit));
    if (size === 1452 && c.profileDir !== undefined) {
      // A separate run under the sampling profiler (it slows the process): its rate is not a measurement.
      c.log?.(`throughput: QUIC ${mb} MB at 1452 under the CPU profiler (${c.profileDir})`);
      const p = await quicThroughput(c.bulkBytes, undefined, c.profileDir);
      out.push(row(g, `QUIC ${mb} MB upload, 1452, PROFILED (not a measurement)`, p.mbit, 'Mbit/s', `raw node:dgram ${size} B`, raw.mbit));
    }
    if (size === 1452) {
      c.log?.('throughput: quic-go bulk');
      qgo = await quicGoThroughput(c.qgoEcho, c.bulkBytes);
      if (qgo === undefined) out.push(row(g, `quic-go ${mb} MB upload: SKIPPED (${c.qgoEcho} missing)`, Number.NaN, 'Mbit/s'));
      else {
        out.push(row(g, `quic-go → quic-go ${mb} MB upload (qgo-echo -bulk)`, qgo.mbit, 'Mbit/s', `raw node:dgram ${size} B`, raw.mbit, { line: qgo.line }));
        out.push(row(g, `QUIC ${mb} MB upload (ours) vs quic-go`, q.mbit, 'Mbit/s', 'quic-go → quic-go', qgo.mbit));
      }
    } else if (qgo !== undefined) {
      // quic-go's datagrams stay at or below 1452 bytes (its PMTU search bound), so its one run is the comparison.
      out.push(row(g, `QUIC ${mb} MB upload, max datagram ${size} (ours) vs quic-go`, q.mbit, 'Mbit/s', 'quic-go → quic-go (≤ 1452 B)', qgo.mbit));
    }
  }
}

interface HandshakesResult {
  /** Full handshakes, ms from connect() to completion. */
  samples: number[];
  /** Handshakes offering the previous connection's ticket, timed the same way. */
  resumedSamples: number[];
  /** How many of them the server resumed (`handshakeInfo.resumed`). */
  resumedCount: number;
  /** Resumed connections, connect() to the first echoed byte, request sent after the handshake. */
  echo1Rtt: number[];
  /** The same with the request sent as 0-RTT. */
  echo0Rtt: number[];
  echo1RttResumed: number;
  earlyAccepted: number;
}

async function handshakeGroup(c: LoopbackConfig, out: LoopbackRow[]): Promise<void> {
  const g = 'handshake (sequential, loopback)';
  const n0Rtt = Math.max(1, Math.ceil(c.handshakes / 2));
  c.log?.(`handshake: ${c.handshakes} full, ${c.handshakes} resumed, ${n0Rtt} + ${n0Rtt} resumed with a 1-byte echo (1-RTT / 0-RTT), sequential`);
  const mem = await inMemoryHandshakeMs();
  const memResumed = await inMemoryHandshakeMs('node resumed handshake (PSK)');
  const r = await withServer({ tickets: true, 'early-data': true }, {}, (ready) => client<HandshakesResult>('quic-handshakes', {
    port: ready.port, sha256: ready.sha256, n: c.handshakes, resumed: c.handshakes, 'zero-rtt': n0Rtt,
  }));
  const memName = 'in-memory TLS handshake (node, both sides, p50)';
  const s = summary(r.samples);
  out.push(row(g, `full handshake p50 (n=${s.n})`, s.p50, 'ms', memName, mem, { min: s.min, max: s.max }));
  out.push(row(g, `full handshake p99 (n=${s.n})`, s.p99, 'ms', memName, mem));
  const rs = summary(r.resumedSamples);
  const resumedExtra = { min: rs.min, max: rs.max, resumed: r.resumedCount, of: rs.n, inMemoryResumedP50: memResumed };
  out.push(row(g, `resumed handshake (PSK) p50 (n=${rs.n}, ${r.resumedCount} resumed)`, rs.p50, 'ms', memName, mem, resumedExtra));
  out.push(row(g, `resumed handshake (PSK) p99 (n=${rs.n}, ${r.resumedCount} resumed)`, rs.p99, 'ms', memName, mem));
  const one = summary(r.echo1Rtt);
  const zero = summary(r.echo0Rtt);
  out.push(row(g, `resumed, connect to 1st echoed byte, 1-RTT p50 (n=${one.n}, ${r.echo1RttResumed} resumed)`, one.p50, 'ms', memName, mem, { min: one.min, max: one.max, p99: one.p99 }));
  out.push(row(g, `resumed, connect to 1st echoed byte, 0-RTT p50 (n=${zero.n}, ${r.earlyAccepted} accepted)`, zero.p50, 'ms', 'same with 1-RTT (p50)', one.p50, { min: zero.min, max: zero.max, p99: zero.p99, earlyAccepted: r.earlyAccepted }));
}

async function streamOpenGroup(c: LoopbackConfig, out: LoopbackRow[]): Promise<void> {
  const g = 'stream open + 1-byte echo';
  c.log?.(`stream-open: ${c.streamOpens} streams`);
  const raw = await rawPingPong(2, c.messageMs);
  const rawRtt = 1000 / raw.rate;
  const r = await withServer({}, {}, (ready) => client<{ samples: number[] }>('quic-stream-open', { port: ready.port, sha256: ready.sha256, n: c.streamOpens }));
  const s = summary(r.samples);
  out.push(row(g, `open bidi + 1 B echoed p50 (n=${s.n})`, s.p50, 'ms', 'raw dgram 2 B round trip (mean)', rawRtt, { min: s.min, max: s.max }));
  out.push(row(g, `open bidi + 1 B echoed p99 (n=${s.n})`, s.p99, 'ms', 'raw dgram 2 B round trip (mean)', rawRtt));
}

async function messagesGroup(c: LoopbackConfig, out: LoopbackRow[]): Promise<void> {
  const g = 'request/response echo on one stream';
  c.log?.('messages: raw ping-pong 1 KB, QUIC 1 KB and 64 KB');
  const raw = await rawPingPong(1024, c.messageMs);
  out.push(row(g, 'raw node:dgram 1 KB ping-pong', raw.rate, 'msg/s', undefined, undefined, { resent: raw.resent }));
  await withServer({ 'big-windows': true }, {}, async (ready) => {
    let oneKb = Number.NaN;
    for (const size of [1024, 65_536]) {
      const r = await client<{ count: number; ms: number; bytes: number }>('quic-messages', { port: ready.port, sha256: ready.sha256, size, ms: c.messageMs, 'big-windows': true });
      const rate = r.count / (r.ms / 1000);
      if (size === 1024) {
        oneKb = rate;
        out.push(row(g, 'QUIC 1 KB echo', rate, 'msg/s', 'raw node:dgram 1 KB ping-pong', raw.rate, { count: r.count, bytes: r.bytes }));
      } else {
        // No raw datagram carries 64 KB: compared with the 1 KB rate on the same server (how the per-message cost scales).
        out.push(row(g, `QUIC 64 KB echo (${mbit(2 * r.bytes, r.ms).toFixed(0)} Mbit/s both ways)`, rate, 'msg/s', 'QUIC 1 KB echo (same server)', oneKb, { count: r.count, bytes: r.bytes }));
      }
    }
  });
}

async function memoryGroup(c: LoopbackConfig, out: LoopbackRow[]): Promise<void> {
  const g = 'memory per idle connection (server heap+external)';
  const GOAL = 256 * 1024;
  for (const n of c.idleCounts) {
    c.log?.(`memory: ${n} idle connections (bounded to ${c.idleMaxMs} ms)`);
    // idle-ms 0 disables the idle timeout, so early connections survive a slow ramp.
    const args = { 'idle-ms': 0, 'max-conns': n + 100 };
    await withServer(args, { exposeGc: true }, async (ready, server) => {
      server.send('mem');
      const before = (await server.next<{ mem: Record<string, number> }>('mem')).mem;
      const cl = await startPeer('quic-idle', { ...args, port: ready.port, sha256: ready.sha256, n, batch: 100, 'max-ms': c.idleMaxMs }, { maxOldSpaceMb: 8192 });
      try {
        const r = (await cl.next<{ result: { opened: number; failed: number; firstError?: string; ms: number } }>('result', c.idleMaxMs + 120_000)).result;
        await new Promise((resolve) => setTimeout(resolve, 500)); // let the last handshakes' acks settle
        server.send('mem');
        const after = await server.next<{ mem: Record<string, number>; connections: number }>('mem');
        const conns = after.connections;
        const delta = after.mem.heapUsed! + after.mem.external! - (before.heapUsed! + before.external!);
        const per = conns > 0 ? delta / conns : Number.NaN;
        out.push(row(g, `${conns} of ${n} connections open (${(r.ms / 1000).toFixed(1)} s, ${r.failed} failed)`, per / 1024, 'KB/conn', 'goal (not measured)', GOAL / 1024, {
          before, after: after.mem, opened: r.opened, firstError: r.firstError, serverConnections: conns, rssPerConnKB: (after.mem.rss! - before.rss!) / conns / 1024,
        }));
      } finally {
        await cl.stop();
      }
    });
  }
}

/** Runs the configured groups and returns their rows. */
export async function runLoopback(c: LoopbackConfig): Promise<LoopbackRow[]> {
  const out: LoopbackRow[] = [];
  const want = (g: NonNullable<LoopbackConfig['groups']>[number]): boolean => c.groups === undefined || c.groups.includes(g);
  if (want('throughput')) await throughputGroup(c, out);
  if (want('handshake')) await handshakeGroup(c, out);
  if (want('stream-open')) await streamOpenGroup(c, out);
  if (want('messages')) await messagesGroup(c, out);
  if (want('memory')) await memoryGroup(c, out);
  return out;
}

function fmtNum(n: number | undefined): string {
  if (n === undefined) return '';
  if (!Number.isFinite(n)) return 'n/a';
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

/** The rows as one text table. */
export function formatLoopbackTable(rows: readonly LoopbackRow[]): string {
  const header = ['group', 'measurement', 'value', 'unit', 'baseline (same run)', 'baseline', 'ratio'];
  const body = rows.map((r) => [r.group, r.name, fmtNum(r.value), r.unit, r.baselineName ?? '', fmtNum(r.baseline), r.ratio === undefined ? '' : r.ratio.toFixed(3)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const right = new Set([2, 5, 6]);
  const line = (cells: string[]): string => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
