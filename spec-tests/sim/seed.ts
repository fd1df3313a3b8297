/**
 * Simulator seeds (DESIGN §6, ladder item 4: "printing its seed and replaying it from an
 * environment variable").
 *
 * `simSeed()` returns `SIM_SEED` from the environment when set (decimal or 0x-hex), else draws a
 * fresh 32-bit seed from node:crypto. `reportSeedOnFailure(seed)`, called inside a vitest test,
 * prints `sim seed <seed>` the first time a test file uses that seed (so every run shows its seed)
 * and `replay with SIM_SEED=<seed>` if the test fails.
 */
import { randomInt } from 'node:crypto';
import { onTestFailed } from 'vitest';

/** Name of the environment variable that replays a simulator run. */
export const SIM_SEED_ENV = 'SIM_SEED';

/** Parses a seed: a decimal or 0x-prefixed hex integer in [0, 2^32). Throws otherwise. */
export function parseSeed(text: string): number {
  const t = text.trim();
  const value = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t.slice(2), 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(value) || value < 0 || value >= 2 ** 32) {
    throw new RangeError(`${SIM_SEED_ENV} must be an integer in [0, 2^32), got ${JSON.stringify(text)}`);
  }
  return value;
}

/** The seed CI runs with when `$SIM_SEED` is not set: CI must be reproducible, not a lottery. */
export const CI_SIM_SEED = 0x5eed_c1;

/**
 * The seed for this run: `$SIM_SEED` if set; else, under CI (`$CI` set), `CI_SIM_SEED`; else a
 * fresh random 32-bit value, so local runs keep exploring new seeds (`npm run sim:soak` runs
 * the simulator suite over many fresh seeds).
 */
export function simSeed(env: Record<string, string | undefined> = process.env): number {
  const fromEnv = env[SIM_SEED_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return parseSeed(fromEnv);
  if (env.CI !== undefined && env.CI !== '' && env.CI !== 'false') return CI_SIM_SEED;
  return randomInt(0, 2 ** 32);
}

/** The line printed when a seeded test fails. */
export function replayHint(seed: number): string {
  return `replay with ${SIM_SEED_ENV}=${seed}`;
}

/** Seeds already announced by this test file (one line per seed, not per test). */
const announced = new Set<number>();

/**
 * Prints the seed once per test file and registers a failure hook on the current vitest test that
 * prints the replay hint (call it at the start of the test body). Returns the seed for chaining.
 */
export function reportSeedOnFailure(seed: number): number {
  if (!announced.has(seed)) {
    announced.add(seed);
    console.log(`sim seed ${seed} (${replayHint(seed)})`);
  }
  onTestFailed(() => {
    console.error(replayHint(seed));
  });
  return seed;
}
