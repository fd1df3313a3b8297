/**
 * Production randomness (DESIGN §1: "Randomness comes from an injected `RandomSource`"): a
 * `RandomSource` over the operating system's CSPRNG through node:crypto `randomFillSync`.
 */
import { randomFillSync } from 'node:crypto';
import type { RandomSource } from '../util/random.js';

/** node:crypto's randomFillSync fills at most 2^31-1 bytes per call; chunk well below that. */
const CHUNK = 65_536;

/** A cryptographically secure `RandomSource` backed by node:crypto. */
export const nodeRandom: RandomSource = {
  fill(out: Uint8Array): Uint8Array {
    for (let off = 0; off < out.length; off += CHUNK) randomFillSync(out, off, Math.min(CHUNK, out.length - off));
    return out;
  },
};
