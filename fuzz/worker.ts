/**
 * Runs one fuzz target in a worker thread so the parent can detect a hang (a run that never
 * returns) and kill it. Before every run the input is copied into shared memory, so the parent
 * can save the input that hung.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CodecError } from '../src/util/errors.js';
import { SeededRandom } from '../src/util/random.js';
import { loadTargets, readCorpus } from './corpus.js';
import { MAX_INPUT, mutate } from './mutate.js';

interface Job {
  target: string;
  seed: number;
  millis: number;
  /** [length, ...bytes] of the input being run. */
  current: SharedArrayBuffer;
}

const job = workerData as Job;
const shared = new Int32Array(job.current, 0, 1);
const sharedBytes = new Uint8Array(job.current, 4, MAX_INPUT);

const target = (await loadTargets()).find((t) => t.name === job.target);
if (!target) throw new Error(`no fuzz target ${job.target}`);

const corpus = [...readCorpus(target.name), ...target.seeds()];
if (corpus.length === 0) corpus.push(new Uint8Array(0));
const rng = new SeededRandom(job.seed);
let runs = 0;
let rejected = 0;
let accepted = 0;
let crashes = 0;
/** Stop after this many crashing inputs: one is enough to fail, a few help to triage. */
const MAX_CRASHES = 5;
const deadline = performance.now() + job.millis;
let lastBeat = performance.now();

function runOne(input: Uint8Array): boolean {
  const len = Math.min(input.length, MAX_INPUT);
  sharedBytes.set(input.subarray(0, len));
  Atomics.store(shared, 0, len);
  runs++;
  try {
    target!.run(input);
    accepted++;
    return true;
  } catch (err) {
    if (err instanceof CodecError) {
      rejected++;
      return false;
    }
    crashes++;
    parentPort!.postMessage({ kind: 'crash', input, error: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err) });
    return false;
  }
}

for (const input of corpus) runOne(input);
while (performance.now() < deadline && crashes < MAX_CRASHES) {
  for (let i = 0; i < 64; i++) {
    const base = corpus[randomIndex(corpus.length)]!;
    const other = corpus[randomIndex(corpus.length)]!;
    const input = mutate(rng, base, other);
    // Inputs that decode become new mutation bases (bounded), which steers towards deeper paths.
    if (runOne(input) && corpus.length < 4096) corpus.push(input.slice());
  }
  const now = performance.now();
  if (now - lastBeat > 250) {
    parentPort!.postMessage({ kind: 'beat', runs });
    lastBeat = now;
  }
}
parentPort!.postMessage({ kind: 'done', runs, accepted, rejected, corpus: corpus.length });

function randomIndex(n: number): number {
  return n <= 1 ? 0 : rng.nextUint32() % n;
}
