/**
 * The loopback group of `npm run bench` (registered in bench/run.ts): runs bench/loopback/loopback.ts,
 * prints its table, writes bench/results/loopback-<date>[-<group>][-full].json, and with `--profile` summarises
 * the CPU profiles of the 1452-byte throughput run's server and client processes.
 *
 *   npm run bench -- --only loopback            bounded run (20 MB, 1,000 idle connections)
 *   npm run bench -- --only loopback --full     100 MB, 1,000 and 10,000 idle connections
 *   npm run bench -- --only loopback:throughput --profile
 *   (groups: loopback:throughput, loopback:handshake, loopback:stream-open, loopback:messages, loopback:memory)
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatLoopbackTable, loopbackConfig, runLoopback, type LoopbackConfig, type LoopbackRow } from './loopback.js';
import { formatProfile, summariseProfile } from './profile.js';

const GROUPS = ['throughput', 'handshake', 'stream-open', 'messages', 'memory'] as const;

/** Options from bench/run.ts. */
export interface LoopbackBenchOptions {
  readonly full: boolean;
  readonly profile: boolean;
  /** The `--only` value (undefined, 'loopback' or 'loopback:<group>'). */
  readonly only: string | undefined;
}

/** Runs, prints and saves the loopback benchmarks; returns the rows. */
export async function runLoopbackBench(o: LoopbackBenchOptions): Promise<LoopbackRow[]> {
  const sub = o.only?.startsWith('loopback:') ? o.only.slice('loopback:'.length) : undefined;
  const groups = sub === undefined ? undefined : GROUPS.filter((g) => g === sub);
  if (groups !== undefined && groups.length === 0) throw new Error(`unknown loopback group ${sub} (${GROUPS.join(', ')})`);
  const profileDir = o.profile ? mkdtempSync(join(tmpdir(), 'loopback-prof-')) : undefined;
  const config: LoopbackConfig = {
    ...loopbackConfig(o.full),
    ...(groups === undefined ? {} : { groups }),
    ...(profileDir === undefined ? {} : { profileDir }),
    log: (line) => console.error(`[loopback] ${line}`),
  };
  const started = new Date();
  const rows = await runLoopback(config);
  console.log(`\nloopback (127.0.0.1, client and server in separate processes; ${o.full ? 'full' : 'bounded'} run)`);
  console.log(formatLoopbackTable(rows));
  const profiles: Record<string, unknown> = {};
  if (profileDir !== undefined) {
    const files = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile')).sort();
    for (const f of files) {
      const s = summariseProfile(join(profileDir, f), 15);
      profiles[f] = s;
      console.log(`\n${formatProfile(`CPU profile ${join(profileDir, f)}`, s)}`);
    }
  }
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `loopback-${started.toISOString().slice(0, 10)}${sub === undefined ? '' : `-${sub}`}${o.full ? '-full' : ''}.json`);
  const { log: _log, ...configOut } = config;
  writeFileSync(file, `${JSON.stringify({ started: started.toISOString(), node: process.version, config: configOut, rows, profiles }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  console.log(`\n(written to ${file})`);
  return rows;
}
