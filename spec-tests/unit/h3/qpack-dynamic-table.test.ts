import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DynamicTable, entrySize } from '../../../src/h3/qpack-dynamic-table.js';

describe('RFC 9204 §3.2 dynamic table', () => {
  it('RFC 9204 §3.2.1: entry size is name + value + 32', () => {
    expect(entrySize(':authority', 'www.example.com')).toBe(57);
  });

  it('RFC 9204 §3.2.2-§3.2.4: insertion, eviction and absolute indexing', () => {
    const t = new DynamicTable(100);
    expect(t.setCapacity(101)).toBeDefined();
    expect(t.setCapacity(100)).toBeUndefined();
    expect(t.insert('a', 'x'.repeat(67))).toBeUndefined(); // size 100
    expect(t.insert('b', 'y'.repeat(68))).toBeDefined(); // 101 > capacity
    expect(t.insert('c', '1')).toBeUndefined(); // evicts abs 0
    expect(t.get(0)).toBeUndefined();
    expect(t.get(1)).toEqual({ name: 'c', value: '1', size: 34 });
    expect(t.get(2)).toBeUndefined();
    expect(t.firstIndex).toBe(1);
    expect(t.insertCount).toBe(2);
    expect(t.findExact('a', 'x'.repeat(67))).toBeUndefined();
    expect(t.findName('c')).toBe(1);
    t.setCapacity(0);
    expect(t.length).toBe(0);
    expect(t.size).toBe(0);
  });

  it('RFC 9204 §3.2.2: size never exceeds capacity and live entries are the newest ones', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.array(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 40 })), { maxLength: 60 }), (cap, items) => {
        const t = new DynamicTable(cap);
        t.setCapacity(cap);
        for (const [n, v] of items) {
          const err = t.insert(n, v);
          expect(err === undefined).toBe(entrySize(n, v) <= cap);
          expect(t.size).toBeLessThanOrEqual(cap);
          let sum = 0;
          for (let a = t.firstIndex; a < t.insertCount; a++) sum += t.get(a)!.size;
          expect(sum).toBe(t.size);
          if (err === undefined) expect(t.get(t.insertCount - 1)).toMatchObject({ name: n, value: v });
        }
      }),
    );
  });

  it('RFC 9204 §2.1.1.1: evictionsFor and the draining index', () => {
    const t = new DynamicTable(200);
    t.setCapacity(200);
    t.insert('a', 'x'.repeat(18)); // 51
    t.insert('b', 'x'.repeat(18)); // 51
    t.insert('c', 'x'.repeat(18)); // 51, size 153, free 47
    expect(t.evictionsFor(40)).toBe(0);
    expect(t.evictionsFor(60)).toBe(1);
    expect(t.evictionsFor(201)).toBeUndefined();
    expect(t.isDraining(0, 100)).toBe(true); // 47 + 51 = 98 <= 100
    expect(t.isDraining(1, 100)).toBe(false);
    expect(t.isDraining(0, 40)).toBe(false); // enough free space already
  });
});
