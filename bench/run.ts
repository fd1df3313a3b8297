/**
 * Benchmarks (`npm run bench`): varints, frame codecs, full and resumed TLS 1.3 handshakes in
 * memory (client and server in this process), a 1 MB transfer between two connections across the
 * seeded network simulator (MB moved per CPU second, null vs node crypto), and protect +
 * unprotect of a 1200-byte 1-RTT packet (AEAD and header protection, RFC 9001 §5.3–§5.4) with
 * each crypto provider and suite.
 *
 * Absolute numbers drift on shared machines, so every figure is printed beside a baseline
 * measured in the same run: for the packet path, bare node:crypto AES-128-GCM (one
 * createCipheriv per packet, the floor node allows).
 *
 *   npm run bench                 all groups, 500 ms per task
 *   npm run bench -- --time 2000  longer, steadier runs
 *   npm run bench -- --only protect   (groups: varint, frames, handshake, sim, protect)
 *   npm run bench -- --only loopback [--full] [--profile]   (bench/loopback/index.ts)
 */
import { createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { handshakeTasks } from './handshake.js';
import { simTransferTasks } from './sim-transfer.js';
import { nobleCryptoProvider } from '../src/crypto/noble-provider.js';
import { nodeCryptoProvider } from '../src/crypto/node-provider.js';
import { nullCryptoProvider } from '../src/crypto/null-provider.js';
import { derivePacketKeys, protectPacket, unprotectPacket } from '../src/crypto/packet-protection.js';
import type { CryptoProvider } from '../src/crypto/provider.js';
import { CIPHER_SUITES, type CipherSuiteInfo } from '../src/crypto/suites.js';
import { Reader, Writer } from '../src/util/bytes.js';
import { SeededRandom } from '../src/util/random.js';
import { readVarint, writeVarint } from '../src/util/varint.js';
import { decodeFrames, encodeFrame } from '../src/wire/frames.js';
import type { Frame } from '../src/wire/frame-types.js';
import { PacketType } from '../src/wire/packet-type.js';
import { encodeShortHeader } from '../src/wire/short-header.js';
import { QUIC_V1 } from '../src/wire/version.js';

const { values } = parseArgs({ options: { time: { type: 'string', default: '500' }, only: { type: 'string' }, full: { type: 'boolean', default: false }, profile: { type: 'boolean', default: false } } });
const TIME = Number(values.time);
const PACKET_SIZE = 1200;
const rng = new SeededRandom(0x5eed);
const want = (group: string): boolean => values.only === undefined || values.only === group;

interface Row {
  name: string;
  opsPerSec: number;
  bytesPerOp: number;
}

async function measure(tasks: [string, number, () => void][]): Promise<Row[]> {
  const bench = new Bench({ time: TIME, warmupTime: Math.min(200, TIME / 2) });
  for (const [name, , fn] of tasks) bench.add(name, fn);
  await bench.run();
  return bench.tasks.map((task, i) => {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`${task.name}: ${r.state === 'errored' ? r.error.message : r.state}`);
    return { name: task.name, opsPerSec: 1000 / r.period, bytesPerOp: tasks[i]![1] };
  });
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Every measured row, printed as one table at the end. */
const table: { group: string; row: Row; baseline?: Row }[] = [];

function collect(group: string, rows: Row[], baseline?: Row): void {
  for (const row of rows) table.push(baseline ? { group, row, baseline } : { group, row });
}

function printTable(): void {
  const header = ['group', 'task', 'ops/s', 'MB/s', '× baseline'];
  const body = table.map(({ group, row, baseline }) => [
    group,
    row.name,
    fmt(row.opsPerSec),
    row.bytesPerOp > 0 ? ((row.opsPerSec * row.bytesPerOp) / 1e6).toFixed(1) : '',
    baseline ? (row.opsPerSec / baseline.opsPerSec).toFixed(2) : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

// --- varints (RFC 9000 §16) ---------------------------------------------------------------
if (want('varint')) {
  const values16 = Array.from({ length: 1024 }, (_, i) => [37, 15_293, 494_878_333, 2 ** 40 + i][i % 4]! + (i % 7));
  const buf = new Uint8Array(values16.length * 8);
  let end = 0;
  for (const v of values16) end = writeVarint(buf, end, v);
  collect(
    'varint (1,024 values/op)',
    await measure([
      [
        'varint encode ×1024',
        end,
        () => {
          let at = 0;
          for (let i = 0; i < values16.length; i++) at = writeVarint(buf, at, values16[i]!);
        },
      ],
      [
        'varint decode ×1024',
        end,
        () => {
          let at = 0;
          while (at < end) at += readVarint(buf, at).length;
        },
      ],
      [
        'Reader.varint ×1024',
        end,
        () => {
          const r = new Reader(buf, 0, end);
          while (!r.isEmpty) r.varint();
        },
      ],
    ]),
  );
}

// --- frames (RFC 9000 §19) ----------------------------------------------------------------
if (want('frames')) {
  const streamData = rng.fill(new Uint8Array(1150));
  const ack: Frame = {
    type: 'ack',
    ackDelay: 1_000,
    ranges: [
      { largest: 10_000, smallest: 9_990 },
      { largest: 9_980, smallest: 9_900 },
      { largest: 9_800, smallest: 9_000 },
    ],
  };
  const payloadFrames: Frame[] = [ack, { type: 'max_stream_data', streamId: 4, maximum: 1_048_576 }, { type: 'stream', streamId: 4, offset: 65_536, fin: false, data: streamData }];
  const out = new Uint8Array(PACKET_SIZE);
  const w0 = new Writer(out);
  for (const f of payloadFrames) encodeFrame(w0, f);
  const payload = w0.written().slice();
  collect(
    'frames (ACK+MAX_STREAM_DATA+STREAM)',
    await measure([
      [
        'encode payload',
        payload.length,
        () => {
          const w = new Writer(out);
          for (const f of payloadFrames) encodeFrame(w, f);
        },
      ],
      ['decode payload', payload.length, () => void decodeFrames(payload)],
      [
        'encode ACK (3 ranges)',
        0,
        () => {
          encodeFrame(new Writer(out), ack);
        },
      ],
    ]),
  );
}

// --- TLS 1.3 handshakes in memory (RFC 8446, RFC 9001 §4) -------------------------------
if (want('handshake')) {
  const rows = await measure(await handshakeTasks());
  collect('TLS handshake (in memory)', rows, rows[0]);
}

// --- whole connections across the simulator (deterministic: fixed seed, virtual clock) ---
if (want('sim')) {
  const rows = await measure(simTransferTasks());
  collect('1 MB over the simulated 10 Mbit/s link', rows, rows[0]);
}

// --- packet protection (RFC 9001 §5) ------------------------------------------------------
if (want('protect')) {
  const secret = rng.fill(new Uint8Array(48));
  const dcid = rng.fill(new Uint8Array(8));

  /** A plaintext 1200-byte 1-RTT packet: short header, 2-byte packet number, payload, tag room. */
  function template(): { buf: Uint8Array; pnOffset: number; payloadEnd: number } {
    const buf = new Uint8Array(PACKET_SIZE);
    const w = new Writer(buf);
    const pnOffset = encodeShortHeader(w, { type: PacketType.OneRtt, dcid, spin: false, keyPhase: false }, 1000, 2);
    rng.fill(buf.subarray(w.offset, PACKET_SIZE - 16));
    return { buf, pnOffset, payloadEnd: PACKET_SIZE - 16 };
  }

  function protectTask(provider: CryptoProvider, suite: CipherSuiteInfo): () => void {
    const keys = derivePacketKeys(provider, suite, secret.subarray(0, suite.hash === 'sha256' ? 32 : 48), QUIC_V1);
    const { buf, pnOffset, payloadEnd } = template();
    let pn = 1000;
    return () => {
      pn++;
      const end = protectPacket(keys, buf, pnOffset, 2, pn, payloadEnd);
      // Protect then unprotect restores the plaintext in place, so every iteration starts equal.
      if (unprotectPacket(keys, buf, pnOffset, end, pn - 1) === null) throw new Error('unprotect failed');
    };
  }

  /** Protect alone: the header is restored first (protection masks it in place). */
  function protectOnlyTask(provider: CryptoProvider, suite: CipherSuiteInfo): () => void {
    const keys = derivePacketKeys(provider, suite, secret.subarray(0, 32), QUIC_V1);
    const { buf, pnOffset, payloadEnd } = template();
    const header = buf.slice(0, pnOffset + 2);
    let pn = 1000;
    return () => {
      buf.set(header);
      protectPacket(keys, buf, pnOffset, 2, ++pn, payloadEnd);
    };
  }

  /** Unprotect alone: a protected packet is copied in first (unprotection works in place). */
  function unprotectOnlyTask(provider: CryptoProvider, suite: CipherSuiteInfo): () => void {
    const keys = derivePacketKeys(provider, suite, secret.subarray(0, 32), QUIC_V1);
    const { buf, pnOffset, payloadEnd } = template();
    const end = protectPacket(keys, buf, pnOffset, 2, 1001, payloadEnd);
    const sealed = buf.slice(0, end);
    return () => {
      buf.set(sealed);
      if (unprotectPacket(keys, buf, pnOffset, end, 1000) === null) throw new Error('unprotect failed');
    };
  }

  // Baselines: what node:crypto itself costs per 1200-byte packet, without any QUIC work.
  const key = createSecretKey(secret.subarray(0, 16));
  const iv = secret.subarray(16, 28);
  const aad = secret.subarray(0, 11);
  const plain = rng.fill(new Uint8Array(PACKET_SIZE - 16 - 11));
  const sealed = (() => {
    const c = createCipheriv('aes-128-gcm', key, iv);
    c.setAAD(aad);
    const ct = c.update(plain);
    c.final();
    return { ct, tag: c.getAuthTag() };
  })();
  const bareEncrypt = (): void => {
    const c = createCipheriv('aes-128-gcm', key, iv);
    c.setAAD(aad);
    c.update(plain);
    c.final();
    c.getAuthTag();
  };
  const bareEncryptDecrypt = (): void => {
    bareEncrypt();
    const d = createDecipheriv('aes-128-gcm', key, iv);
    d.setAAD(aad);
    d.setAuthTag(sealed.tag);
    d.update(sealed.ct);
    d.final();
  };

  const providers = [nodeCryptoProvider, nobleCryptoProvider, nullCryptoProvider];
  const tasks: [string, number, () => void][] = [
    ['bare node AES-128-GCM encrypt', PACKET_SIZE, bareEncrypt],
    ['bare node AES-128-GCM encrypt+decrypt', PACKET_SIZE, bareEncryptDecrypt],
  ];
  for (const suite of CIPHER_SUITES) for (const p of providers) tasks.push([`${p.name} ${suite.name}`, PACKET_SIZE, protectTask(p, suite)]);
  // Each direction alone, for the default suite: a sender protects, a receiver unprotects.
  const aes128 = CIPHER_SUITES[0]!;
  for (const p of [nodeCryptoProvider, nobleCryptoProvider]) {
    tasks.push([`${p.name} protect only (${aes128.name})`, PACKET_SIZE, protectOnlyTask(p, aes128)]);
    tasks.push([`${p.name} unprotect only (${aes128.name})`, PACKET_SIZE, unprotectOnlyTask(p, aes128)]);
  }
  const rows = await measure(tasks);
  const byName = new Map(rows.map((r) => [r.name, r]));
  collect('protect+unprotect 1200 B', rows, rows[1]);
  printTable();
  console.log('(× baseline: handshakes against the node full handshake; simulated transfers against the null-crypto one; protection against bare node AES-128-GCM encrypt+decrypt; all measured in this run)');

  console.log('\nprotect + unprotect of a 1200-byte 1-RTT packet, packets/s side by side (MB/s in brackets)');
  const cols = providers.map((p) => p.name);
  console.log(['suite'.padEnd(30), ...cols.map((c) => c.padStart(22))].join(''));
  for (const suite of CIPHER_SUITES) {
    const cells = providers.map((p) => {
      const r = byName.get(`${p.name} ${suite.name}`)!;
      return `${fmt(r.opsPerSec)} (${((r.opsPerSec * PACKET_SIZE) / 1e6).toFixed(0)})`.padStart(22);
    });
    console.log([suite.name.padEnd(30), ...cells].join(''));
  }
  const nodeAes = byName.get(`node ${aes128.name}`)!;
  const protectOnly = byName.get(`node protect only (${aes128.name})`)!;
  const unprotectOnly = byName.get(`node unprotect only (${aes128.name})`)!;
  console.log(
    `\nnode ${aes128.name}: ${fmt(nodeAes.opsPerSec)} packets/s protected and unprotected (both directions per packet), ` +
      `${(nodeAes.opsPerSec / rows[1]!.opsPerSec).toFixed(2)}× the bare encrypt+decrypt baseline; ` +
      `${fmt(protectOnly.opsPerSec)} packets/s protected, ${fmt(unprotectOnly.opsPerSec)} packets/s unprotected ` +
      `(bare encrypt in this run: ${fmt(rows[0]!.opsPerSec)}/s).`,
  );
}

if (!want('protect') && !values.only?.startsWith('loopback')) printTable();

// --- loopback: real sockets, client and server in separate processes (bench/loopback) -------
// --only loopback | loopback:<throughput|handshake|stream-open|messages|memory>; --full: 100 MB and
// 10,000 idle connections; --profile: CPU profiles of the 1452-byte throughput run.
if (values.only === undefined || values.only.startsWith('loopback')) {
  const { runLoopbackBench } = await import('./loopback/index.js');
  await runLoopbackBench({ full: values.full, profile: values.profile, only: values.only });
}
