import { describe, it, expect } from 'vitest';
import { QPACK_STATIC_TABLE, findStatic, staticEntry } from '../../../src/h3/qpack-static-table.js';

describe('RFC 9204 Appendix A: static table', () => {
  it('RFC 9204 Appendix A: has 99 entries with the RFC values at sampled indices', () => {
    expect(QPACK_STATIC_TABLE.length).toBe(99);
    expect(staticEntry(0)).toEqual([':authority', '']);
    expect(staticEntry(17)).toEqual([':method', 'GET']);
    expect(staticEntry(25)).toEqual([':status', '200']);
    expect(staticEntry(52)).toEqual(['content-type', 'text/html; charset=utf-8']);
    expect(staticEntry(85)).toEqual(['content-security-policy', "script-src 'none'; object-src 'none'; base-uri 'none'"]);
    expect(staticEntry(98)).toEqual(['x-frame-options', 'sameorigin']);
    expect(staticEntry(99)).toBeUndefined();
  });

  it('RFC 9204 §3.1: lookups find exact matches and the first entry with a name', () => {
    expect(findStatic(':method', 'GET')).toEqual({ exact: 17, name: 15 });
    expect(findStatic(':path', '/index.html')).toEqual({ exact: undefined, name: 1 });
    expect(findStatic('x-unknown', 'v')).toEqual({ exact: undefined, name: undefined });
  });
});
