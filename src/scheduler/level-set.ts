/**
 * The set of non-empty priority levels as a 256-bit bitmap (eight 32-bit words), so the highest
 * level with pending streams is found in at most eight word tests whatever the number of
 * streams (DESIGN §7: 256 priority levels, higher first).
 */
import { PRIORITY_LEVELS } from './priority.js';

const WORDS = PRIORITY_LEVELS / 32;

/** A set of levels 0..255 with O(1) insert, delete and highest-member lookup. */
export class LevelSet {
  private readonly words = new Uint32Array(WORDS);
  /** Word tests done by `highest()` so far (a step counter for complexity tests). */
  steps = 0;

  /** Adds `level` (an integer 0..255; the caller validates). */
  add(level: number): void {
    this.words[level >>> 5]! |= 1 << (level & 31);
  }

  /** Removes `level`. */
  delete(level: number): void {
    this.words[level >>> 5]! &= ~(1 << (level & 31));
  }

  /** True if `level` is in the set. */
  has(level: number): boolean {
    return (this.words[level >>> 5]! & (1 << (level & 31))) !== 0;
  }

  /** The highest level in the set, or -1 when it is empty. */
  highest(): number {
    for (let i = WORDS - 1; i >= 0; i--) {
      this.steps++;
      const word = this.words[i]!;
      if (word !== 0) return i * 32 + 31 - Math.clz32(word);
    }
    return -1;
  }
}
