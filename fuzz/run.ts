/**
 * The fuzz runner (DESIGN §6): runs every target in fuzz/targets/ for a share of a time budget,
 * each in a worker with a hang watchdog, and fails if any input makes a decoder throw anything
 * but CodecError or stop answering. Crashing and hanging inputs are saved under fuzz/crashes/.
 *
 *   tsx fuzz/run.ts --seconds 30            bounded run (part of npm test)
 *   tsx fuzz/run.ts --seconds 900           long run (npm run fuzz)
 *   tsx fuzz/run.ts --target frames --seed 1234
 *   tsx fuzz/run.ts --write-corpus          (re)write the committed seed corpora
 *
 * The seed is printed; FUZZ_SEED=<seed> replays a run.
 */
import { Worker } from 'node:worker_threads';
import { parseArgs } from 'node:util';
import { loadTargets, writeCorpusEntry } from './corpus.js';
import { MAX_INPUT } from './mutate.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    target: { type: 'string' },
    seed: { type: 'string' },
    'write-corpus': { type: 'boolean', default: false },
    'hang-ms': { type: 'string', default: '5000' },
  },
});

const targets = (await loadTargets()).filter((t) => values.target === undefined || t.name === values.target);
if (targets.length === 0) throw new Error(`no fuzz targets${values.target ? ` named ${values.target}` : ''}`);

if (values['write-corpus']) {
  for (const t of targets) {
    const seeds = t.seeds();
    for (const s of seeds) writeCorpusEntry(t.name, s);
    console.log(`${t.name}: wrote ${seeds.length} seeds to fuzz/corpus/${t.name}/`);
  }
  process.exit(0);
}

const seed = Number(values.seed ?? process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const budgetMs = Number(values.seconds) * 1000;
const hangMs = Number(values['hang-ms']);
const perTarget = Math.max(1000, Math.floor(budgetMs / targets.length));
console.log(`fuzz: ${targets.length} targets, ${(perTarget / 1000).toFixed(1)} s each, seed ${seed} (replay with FUZZ_SEED=${seed})`);

let failures = 0;
const failedTargets = new Set<string>();
for (const [i, t] of targets.entries()) {
  const result = await fuzzOne(t.name, seed + i, perTarget);
  console.log(`  ${t.name.padEnd(24)} ${result}`);
}
if (failures > 0) {
  console.error(`fuzz: ${failures} failing input(s) saved under fuzz/crashes/`);
  console.log(`fuzz: ${targets.length - failedTargets.size} passed, ${failedTargets.size} failed`);
  process.exit(1);
}
console.log('fuzz: no decoder threw anything but CodecError, and none hung');
console.log(`fuzz: ${targets.length} passed, 0 failed`);

function fuzzOne(name: string, targetSeed: number, millis: number): Promise<string> {
  const current = new SharedArrayBuffer(4 + MAX_INPUT);
  const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), {
    workerData: { target: name, seed: targetSeed, millis, current },
  });
  return new Promise((resolve, reject) => {
    let watchdog = setTimeout(onHang, millis + hangMs + 10_000); // start-up allowance
    function rearm(): void {
      clearTimeout(watchdog);
      watchdog = setTimeout(onHang, hangMs);
    }
    function onHang(): void {
      const len = new Int32Array(current, 0, 1)[0]!;
      const input = new Uint8Array(current, 4, len).slice();
      const file = writeCorpusEntry(name, input, 'crashes');
      failures++;
      failedTargets.add(name);
      void worker.terminate();
      resolve(`HANG: no progress for ${hangMs} ms; input saved to ${file}`);
    }
    worker.on('message', (msg: { kind: string; runs?: number; accepted?: number; rejected?: number; corpus?: number; input?: Uint8Array; error?: string }) => {
      if (msg.kind === 'beat') rearm();
      else if (msg.kind === 'crash') {
        failures++;
        failedTargets.add(name);
        const file = writeCorpusEntry(name, msg.input!, 'crashes');
        console.error(`  ${name}: CRASH (not a CodecError), input saved to ${file}\n${msg.error}`);
        rearm();
      } else if (msg.kind === 'done') {
        clearTimeout(watchdog);
        resolve(`${msg.runs} runs (${msg.accepted} decoded, ${msg.rejected} rejected with CodecError), corpus ${msg.corpus}`);
      }
    });
    worker.on('error', (err) => {
      clearTimeout(watchdog);
      reject(err);
    });
    worker.on('exit', (code) => {
      clearTimeout(watchdog);
      if (code !== 0 && code !== 1) reject(new Error(`fuzz worker for ${name} exited with ${code}`));
    });
  });
}
