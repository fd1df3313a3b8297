import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RangeSet } from '../../../src/util/range-set.js';

type Cmd = { op: 'insert' | 'remove'; start: number; len: number } | { op: 'removeBelow'; start: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ op: fc.constantFrom('insert' as const, 'remove' as const), start: fc.integer({ min: 0, max: 120 }), len: fc.integer({ min: 0, max: 15 }) }),
  fc.record({ op: fc.constant('removeBelow' as const), start: fc.integer({ min: 0, max: 130 }) }),
);

/** Checks the set against a plain model and its own invariants. */
function check(set: RangeSet, model: Set<number>): void {
  const ranges = [...set.ascending()];
  for (let i = 0; i < ranges.length; i++) {
    expect(ranges[i]!.start).toBeLessThan(ranges[i]!.end);
    // Disjoint and non-adjacent: a gap of at least one between ranges.
    if (i > 0) expect(ranges[i - 1]!.end).toBeLessThan(ranges[i]!.start);
  }
  const members: number[] = [];
  for (const r of ranges) for (let v = r.start; v < r.end; v++) members.push(v);
  expect(members).toEqual([...model].sort((a, b) => a - b));
  expect(set.count).toBe(model.size);
  for (let v = 0; v < 140; v++) expect(set.has(v)).toBe(model.has(v));
  expect([...set.descending()]).toEqual(ranges.reverse());
}

describe('RFC 9000 §19.3.1: range sets for ACK ranges and reassembly', () => {
  it('RFC 9000 §19.3.1: inserts and removals match a model set; ranges stay sorted, disjoint, non-adjacent', () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 40 }), (cmds) => {
        const set = new RangeSet();
        const model = new Set<number>();
        for (const c of cmds) {
          if (c.op === 'insert') {
            let fresh = 0;
            for (let v = c.start; v < c.start + c.len; v++) if (!model.has(v)) (model.add(v), fresh++);
            expect(set.insert(c.start, c.start + c.len)).toBe(fresh);
          } else if (c.op === 'remove') {
            for (let v = c.start; v < c.start + c.len; v++) model.delete(v);
            set.remove(c.start, c.start + c.len);
          } else {
            for (const v of [...model]) if (v < c.start) model.delete(v);
            set.removeBelow(c.start);
          }
          check(set, model);
        }
      }),
    );
  });

  it('RFC 9000 §19.3.1: covers, min, max and truncateToNewest', () => {
    const set = new RangeSet();
    set.insert(10, 20);
    set.insert(30, 40);
    set.add(50);
    expect(set.length).toBe(3);
    expect(set.min).toBe(10);
    expect(set.max).toBe(50);
    expect(set.covers(12, 18)).toBe(true);
    expect(set.covers(12, 31)).toBe(false);
    expect(set.add(50)).toBe(false);
    set.insert(20, 30); // adjacent on both sides: merges three into one
    expect([...set.ascending()]).toEqual([
      { start: 10, end: 40 },
      { start: 50, end: 51 },
    ]);
    set.truncateToNewest(1);
    expect([...set.ascending()]).toEqual([{ start: 50, end: 51 }]);
    set.clear();
    expect(set.isEmpty).toBe(true);
    expect(set.max).toBeUndefined();
  });
});
