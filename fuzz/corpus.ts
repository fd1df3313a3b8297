/**
 * Discovering fuzz targets and reading and writing their committed corpora
 * (fuzz/corpus/<target>/*.bin).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FuzzTarget } from './target.js';

/** fuzz/ folder. */
export const FUZZ_DIR = import.meta.dirname;

/** Every target in fuzz/targets/, sorted by name. */
export async function loadTargets(): Promise<FuzzTarget[]> {
  const dir = join(FUZZ_DIR, 'targets');
  const targets: FuzzTarget[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
    const mod = (await import(join(dir, file))) as { target?: FuzzTarget };
    if (!mod.target) throw new Error(`fuzz/targets/${file} exports no 'target'`);
    targets.push(mod.target);
  }
  return targets;
}

/** The committed corpus of a target (empty when none has been written yet). */
export function readCorpus(name: string): Uint8Array[] {
  const dir = join(FUZZ_DIR, 'corpus', name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .sort()
    .map((f) => new Uint8Array(readFileSync(join(dir, f))));
}

/** Writes `input` into the target's corpus under a content-derived name; returns the path. */
export function writeCorpusEntry(name: string, input: Uint8Array, sub = 'corpus'): string {
  const dir = join(FUZZ_DIR, sub, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${createHash('sha256').update(input).digest('hex').slice(0, 16)}.bin`);
  writeFileSync(file, input);
  return file;
}
