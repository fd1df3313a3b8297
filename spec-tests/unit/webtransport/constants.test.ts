import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WT_APPLICATION_ERROR_FIRST, WT_APPLICATION_ERROR_LAST, httpCodeToWebTransport, webTransportCodeToHttp } from '../../../src/webtransport/constants.js';

describe('draft-ietf-webtrans-http3-16 §4.4: application error code remapping', () => {
  it('draft-16 §4.4: 0 maps to 0x52e4a40fa8db and 0xffffffff to 0x52e5ac983162', () => {
    expect(webTransportCodeToHttp(0)).toBe(WT_APPLICATION_ERROR_FIRST);
    expect(webTransportCodeToHttp(0xffff_ffff)).toBe(WT_APPLICATION_ERROR_LAST);
  });

  it('draft-16 §4.4: every code round-trips and never lands on a reserved 0x1f * N + 0x21 codepoint', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (n) => {
      const h = webTransportCodeToHttp(n);
      expect((h - 0x21) % 0x1f).not.toBe(0);
      expect(httpCodeToWebTransport(h)).toBe(n);
    }));
  });

  it('draft-16 §4.4: codes outside the range, and reserved codepoints, map to no application code', () => {
    expect(httpCodeToWebTransport(0)).toBeUndefined();
    expect(httpCodeToWebTransport(0x170d7b68)).toBeUndefined(); // WT_SESSION_GONE
    expect(httpCodeToWebTransport(WT_APPLICATION_ERROR_LAST + 1)).toBeUndefined();
    // The first reserved codepoint inside the range.
    let h = WT_APPLICATION_ERROR_FIRST;
    while ((h - 0x21) % 0x1f !== 0) h++;
    expect(httpCodeToWebTransport(h)).toBeUndefined();
    expect(httpCodeToWebTransport(h - 1)! + 1).toBe(httpCodeToWebTransport(h + 1));
  });

  it('draft-16 §4.4: a code beyond 32 bits is refused', () => {
    expect(() => webTransportCodeToHttp(2 ** 32)).toThrow(RangeError);
    expect(() => webTransportCodeToHttp(-1)).toThrow(RangeError);
  });
});
