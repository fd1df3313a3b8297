import { describe, expect, it } from 'vitest';
import { randomBelow, randomBytes, SeededRandom } from '../../../src/util/random.js';
import { addDuration, earliest, elapsed, instant, millis, seconds, toMillis } from '../../../src/util/time.js';

describe('DESIGN §1: injected randomness and time', () => {
  it('DESIGN §1: the same seed replays the same bytes; different seeds differ', () => {
    const a = randomBytes(new SeededRandom(42), 37);
    const b = randomBytes(new SeededRandom(42), 37);
    const c = randomBytes(new SeededRandom(43), 37);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('DESIGN §1: randomBelow stays in range and covers it', () => {
    const rng = new SeededRandom(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = randomBelow(rng, 10);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(10);
      seen.add(v);
    }
    expect(seen.size).toBe(10);
    expect(() => randomBelow(rng, 0)).toThrow(RangeError);
  });

  it('DESIGN §1: instants and durations are integer microseconds', () => {
    const t0 = instant(1_000);
    const t1 = addDuration(t0, millis(25));
    expect(t1).toBe(26_000);
    expect(elapsed(t0, t1)).toBe(25_000);
    expect(toMillis(seconds(1.5))).toBe(1_500);
    expect(earliest(undefined, t1)).toBe(t1);
    expect(earliest(t0, t1)).toBe(t0);
    expect(earliest(undefined, undefined)).toBeUndefined();
  });
});
