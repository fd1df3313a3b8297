/**
 * Standalone impairment relay (INTEROP-RUNNER.md §5, §6); see interop/README.md.
 *
 *   npx tsx interop/relay/cli.ts --scenario transferloss --listen 127.0.0.1:5000 \
 *       --server 127.0.0.1:4433 [--seed N] [--duration SECONDS] [--start-at MS]
 *
 * Prints its seed at start; on SIGINT/SIGTERM, or by itself after --duration seconds (default
 * the scenario's runner timeout), prints per-direction stats and exits 0.
 */
import { randomInt } from 'node:crypto';
import { ImpairmentRelay, formatStats, resolveScenario } from './relay.js';

interface CliArgs {
  scenario: string;
  listen: string;
  server: string;
  seed: number;
  durationS: number | undefined;
  startAtMs: number;
}

const USAGE =
  'usage: tsx interop/relay/cli.ts --scenario NAME --listen HOST:PORT --server HOST:PORT ' +
  '[--seed N] [--duration SECONDS] [--start-at MS]';

function parseSeed(text: string): number {
  const t = text.trim();
  const value = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t.slice(2), 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(value) || value < 0 || value >= 2 ** 32) throw new Error(`--seed must be in [0, 2^32), got ${text}`);
  return value;
}

function parseArgs(argv: readonly string[]): CliArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const value = argv[i + 1];
    if (!flag.startsWith('--') || value === undefined) throw new Error(USAGE);
    values.set(flag.slice(2), value);
    i++;
  }
  const need = (name: string): string => {
    const v = values.get(name);
    if (v === undefined) throw new Error(`missing --${name}\n${USAGE}`);
    return v;
  };
  const seedText = values.get('seed') ?? process.env.SIM_SEED;
  const duration = values.get('duration');
  return {
    scenario: need('scenario'),
    listen: need('listen'),
    server: need('server'),
    seed: seedText !== undefined && seedText !== '' ? parseSeed(seedText) : randomInt(0, 2 ** 32),
    durationS: duration !== undefined ? Number(duration) : undefined,
    startAtMs: Number(values.get('start-at') ?? '0'),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const scenario = resolveScenario(args.scenario);
  const relay = new ImpairmentRelay();
  await relay.start({ scenario, listen: args.listen, server: args.server, seed: args.seed, startAtMs: args.startAtMs });
  const { host, port } = relay.address;
  const durationS = args.durationS ?? scenario.timeout / 1e6;
  console.log(
    `relay: scenario ${scenario.name} (${args.scenario}) seed ${args.seed} listen ${host}:${port} -> server ${args.server}; ` +
      `exits after ${durationS} s (replay with --seed ${args.seed})`,
  );
  let stopping = false;
  const stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearTimeout(deadline);
    const stats = relay.stats();
    await relay.close();
    console.log(`relay: stopping (${why})\n${formatStats(stats)}`);
    process.exit(0);
  };
  const deadline = setTimeout(() => void stop(`--duration ${durationS} s`), durationS * 1000);
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
