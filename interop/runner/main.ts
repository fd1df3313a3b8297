/**
 * `npm run interop`: the local interop matrix (/work/shared/INTEROP-RUNNER.md) on loopback.
 *
 *   npm run interop -- [--peer quic-go|ours|ngtcp2] [--test name[,name]] [--dir DIR] [--seed N]
 *                      [--timeout-scale X] [--keep] [--out FILE] [--pairs c:s[,c:s]]
 *
 * Pairings: by default every client × server over {ours, quic-go}; `--peer quic-go` runs only
 * quic-go ↔ quic-go, `--peer ours` only ours ↔ ours; `--pairs ours:quic-go` picks exact ones.
 * ngtcp2 (Debian's gtlsclient/gtlsserver, h3 only: every hq-interop test is 127 = unsupported) is
 * not in the default matrix: `--peer ngtcp2` (ngtcp2 ↔ ngtcp2) or `--pairs ours:ngtcp2,ngtcp2:ours`.
 * Writes interop/results.md (or --out). Exit code 0 if nothing failed.
 * Needs the peers: `bash interop/peers/setup.sh` (run automatically when qgo-interop is missing).
 */
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopAll } from './procs.js';
import { renderResults } from './results.js';
import { checkCompliance, portAllocator, runTest, type Implementation, type TestResult } from './run-test.js';
import { TESTCASES, findTestCase, type TestCase } from './testcases.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const PEERS_DIR = process.env.PEERS_DIR ?? '/tmp/quic-multistream-peers';

const IMPLS: Record<string, Implementation> = {
  ours: { name: 'ours', command: 'bash', args: [join(REPO, 'interop', 'run_endpoint.sh')] },
  'quic-go': { name: 'quic-go', command: 'bash', args: [join(REPO, 'interop', 'peers', 'quic-go-endpoint.sh')] },
  ngtcp2: { name: 'ngtcp2', command: 'bash', args: [join(REPO, 'interop', 'peers', 'ngtcp2-endpoint.sh')] },
};

/** The default matrix (the optional goodput measurement only on request). */
const DEFAULT_TESTS = TESTCASES.filter((t) => t.name !== 'goodput').map((t) => t.name);

interface Args {
  tests: TestCase[];
  pairs: [string, string][];
  dir: string;
  seed: number;
  timeoutScale: number;
  keep: boolean;
  out: string;
}

function parseArgs(argv: readonly string[]): Args {
  const v = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--keep') flags.add(a);
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
      process.exit(0);
    } else if (a.startsWith('--') && argv[i + 1] !== undefined) v.set(a, argv[++i]!);
    else throw new Error(`unexpected argument ${a}`);
  }
  const names = (v.get('--test') ?? DEFAULT_TESTS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  const tests = names.map((n) => findTestCase(n) ?? (() => { throw new Error(`unknown test ${n}; known: ${TESTCASES.map((t) => t.name).join(', ')}`); })());
  let pairs: [string, string][];
  const peer = v.get('--peer');
  if (v.has('--pairs')) {
    pairs = v.get('--pairs')!.split(',').map((p) => p.split(':') as [string, string]);
  } else if (peer === 'quic-go' || peer === 'ours' || peer === 'ngtcp2') {
    pairs = [[peer, peer]];
  } else if (peer === undefined) {
    pairs = [['ours', 'ours'], ['ours', 'quic-go'], ['quic-go', 'ours'], ['quic-go', 'quic-go']];
  } else throw new Error(`--peer must be quic-go, ours or ngtcp2, got ${peer}`);
  for (const [c, s] of pairs) if (!IMPLS[c] || !IMPLS[s]) throw new Error(`unknown implementation in pair ${c}:${s}`);
  const seedText = v.get('--seed') ?? process.env.SIM_SEED;
  const seed = seedText !== undefined ? Number(seedText) >>> 0 : randomInt(2 ** 31);
  return {
    tests, pairs, seed,
    dir: resolve(v.get('--dir') ?? '/tmp/quic-multistream-interop'),
    timeoutScale: Number(v.get('--timeout-scale') ?? '1'),
    keep: flags.has('--keep'),
    out: resolve(v.get('--out') ?? join(REPO, 'interop', 'results.md')),
  };
}

function peerVersions(): string[] {
  const versions: string[] = [];
  try {
    versions.push(...readFileSync(join(PEERS_DIR, 'versions.txt'), 'utf8').trim().split('\n'));
  } catch { /* setup not run */ }
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).stdout.trim();
  versions.unshift(`ours ${head || 'unknown'} (+ working tree), node ${process.version}`);
  return versions;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(join(PEERS_DIR, 'bin', 'qgo-interop')) && args.pairs.some((p) => p.includes('quic-go'))) {
    const r = spawnSync('bash', [join(REPO, 'interop', 'peers', 'setup.sh')], { stdio: 'inherit', timeout: 900_000 });
    if (r.status !== 0) throw new Error('interop/peers/setup.sh failed');
  } else {
    spawnSync('bash', [join(REPO, 'interop', 'peers', 'setup.sh')], { stdio: 'ignore', timeout: 900_000 }); // refresh versions.txt
  }
  await mkdir(args.dir, { recursive: true });
  const nextPort = portAllocator(20000 + ((args.seed + process.pid) % 300) * 100);
  const results: TestResult[] = [];
  const host = `${cpus().length} cores, load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
  const command = `npm run interop -- ${process.argv.slice(2).join(' ')}`.trim();
  console.log(`interop: seed ${args.seed}, ${args.tests.length} test(s) x ${args.pairs.length} pairing(s), dirs under ${args.dir}`);
  const compliance = new Map<string, string | undefined>();
  for (const name of new Set(args.pairs.flat())) {
    compliance.set(name, await checkCompliance(IMPLS[name]!, REPO, args.dir));
    console.log(`compliance ${name}: ${compliance.get(name) ?? 'ok (exits 127 on an unknown TESTCASE in both roles)'}`);
  }
  for (const tc of args.tests) {
    for (const [c, s] of args.pairs) {
      // The real runner skips a non-compliant implementation entirely.
      const notCompliant = [c, s].filter((n) => compliance.get(n) !== undefined).map((n) => `${n} not compliant: ${compliance.get(n)}`);
      const r: TestResult = notCompliant.length > 0
        ? { test: tc.name, abbr: tc.abbr, client: c, server: s, status: 'unsupported', reason: notCompliant.join('; '), seconds: 0, seed: args.seed, dir: '' }
        : await runTest(tc, IMPLS[c]!, IMPLS[s]!, {
          seed: args.seed, dir: args.dir, repo: REPO, timeoutScale: args.timeoutScale, keep: args.keep, nextPort,
        });
      results.push(r);
      console.log(`${r.status.padEnd(11)} ${tc.name.padEnd(20)} ${c} -> ${s} (${r.seconds} s)${r.reason ? `: ${r.reason}` : ''}`);
      await writeFile(args.out, renderResults(results, {
        date: new Date().toISOString(), seed: args.seed, versions: peerVersions(), command, timeoutScale: args.timeoutScale, host,
      }));
    }
  }
  await writeFile(join(args.dir, 'results.json'), JSON.stringify(results, null, 1) + '\n');
  console.log(`wrote ${args.out} and ${join(args.dir, 'results.json')}`);
  process.exitCode = results.some((r) => r.status === 'fail') ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`interop: ${sig}, stopping the endpoints and captures we started`);
    stopAll();
    setTimeout(() => process.exit(130), 1500);
  });
}

main().catch((e: unknown) => {
  console.error(`interop: ${(e as Error).message}`);
  process.exitCode = 2;
});
