import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LevelSet } from '../../../src/scheduler/level-set.js';

describe('DESIGN §7: LevelSet (256-level bitmap)', () => {
  it('DESIGN §7: an empty set has no highest level', () => {
    expect(new LevelSet().highest()).toBe(-1);
  });

  it('DESIGN §7: highest() is the largest member after any sequence of adds and deletes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 255 })), { maxLength: 200 }), (ops) => {
        const set = new LevelSet();
        const model = new Set<number>();
        for (const [add, level] of ops) {
          if (add) {
            set.add(level);
            model.add(level);
          } else {
            set.delete(level);
            model.delete(level);
          }
          expect(set.highest()).toBe(model.size === 0 ? -1 : Math.max(...model));
          expect(set.has(level)).toBe(model.has(level));
        }
      }),
    );
  });

  it('DESIGN §7: every level 0..255 is distinct, including word boundaries 31/32 and 255', () => {
    const set = new LevelSet();
    for (const level of [0, 31, 32, 63, 64, 255]) {
      set.add(level);
      expect(set.highest()).toBe(level);
    }
    set.delete(255);
    expect(set.highest()).toBe(64);
    expect(set.has(31)).toBe(true);
    expect(set.has(30)).toBe(false);
  });

  it('DESIGN §7: highest() tests at most eight words', () => {
    const set = new LevelSet();
    set.add(0);
    const before = set.steps;
    set.highest();
    expect(set.steps - before).toBe(8);
  });
});
