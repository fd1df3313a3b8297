import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Reader, Writer, fromHex, toHex } from '../../../src/util/bytes.js';
import { CodecError } from '../../../src/util/errors.js';
import { H3Error, H3ErrorCode } from '../../../src/h3/errors.js';
import { capsuleToBytes, decodeCapsule, encodeCapsule, peekCapsuleHeader, sizeOfCapsule, type Capsule } from '../../../src/h3/capsules.js';

const v = fc.nat({ max: 2 ** 50 });
const capsule: fc.Arbitrary<Capsule> = fc.oneof(
  fc.record({ type: fc.constant('datagram' as const), payload: fc.uint8Array({ maxLength: 40 }) }),
  fc.record({ type: fc.constant('wt_close_session' as const), errorCode: fc.nat({ max: 0xffffffff }), message: fc.string({ maxLength: 100 }) }),
  fc.constant({ type: 'wt_drain_session' as const }),
  fc.record({ type: fc.constant('wt_max_streams' as const), bidi: fc.boolean(), maximum: v }),
  fc.record({ type: fc.constant('wt_streams_blocked' as const), bidi: fc.boolean(), maximum: v }),
  fc.record({ type: fc.constant('wt_max_data' as const), maximum: v }),
  fc.record({ type: fc.constant('wt_data_blocked' as const), maximum: v }),
  fc.record({ type: fc.constant('unknown' as const), capsuleType: fc.integer({ min: 1, max: 0x2000 }), payload: fc.uint8Array({ maxLength: 20 }) }),
);

describe('RFC 9297 §3.2 capsules', () => {
  it('RFC 9297 §3.2: capsules round-trip; sizeOf matches; every truncation is a CodecError', () => {
    fc.assert(
      fc.property(capsule, (c) => {
        const b = capsuleToBytes(c);
        expect(b.length).toBe(sizeOfCapsule(c));
        const r = new Reader(b);
        expect(decodeCapsule(r)).toEqual(c);
        expect(r.isEmpty).toBe(true);
        const h = peekCapsuleHeader(b)!;
        expect(h.headerLength + h.length).toBe(b.length);
        for (let n = 0; n < b.length; n++) expect(() => decodeCapsule(new Reader(b.subarray(0, n)))).toThrow(CodecError);
      }),
    );
  });

  it('RFC 9297 §3.5, draft-ietf-webtrans-http3-16 §6: DATAGRAM, WT_CLOSE_SESSION and WT_DRAIN_SESSION encode byte for byte', () => {
    expect(toHex(capsuleToBytes({ type: 'datagram', payload: fromHex('abcd') }))).toBe('0002abcd');
    expect(toHex(capsuleToBytes({ type: 'wt_close_session', errorCode: 7, message: 'bye' }))).toBe('6843' + '07' + '00000007' + '627965');
    expect(toHex(capsuleToBytes({ type: 'wt_drain_session' }))).toBe('80' + '0078ae' + '00');
  });

  it('draft-ietf-webtrans-http3-16 §6: a WT_CLOSE_SESSION message over 1024 bytes or not UTF-8 is H3_MESSAGE_ERROR', () => {
    const long = new Uint8Array(4 + 1025).fill(0x61);
    const w = Writer.alloc(2000);
    w.varint(0x2843).varint(long.length).bytes(long);
    expect(() => decodeCapsule(new Reader(w.written()))).toThrow(H3Error);
    try {
      decodeCapsule(new Reader(fromHex('6843 05 00000000 ff')));
    } catch (err) {
      expect((err as H3Error).code).toBe(H3ErrorCode.H3_MESSAGE_ERROR);
    }
    expect(() => decodeCapsule(new Reader(fromHex('6843 05 00000000 ff')))).toThrow(H3Error);
    expect(() => decodeCapsule(new Reader(fromHex('6843 03 000000')))).toThrow(H3Error);
    expect(() => encodeCapsule(Writer.alloc(2000), { type: 'wt_close_session', errorCode: 0, message: 'a'.repeat(1025) })).toThrow(CodecError);
  });

  it('RFC 9297 §3.3: malformed WebTransport capsule values are H3_MESSAGE_ERROR', () => {
    expect(() => decodeCapsule(new Reader(fromHex('800078ae 01 00')))).toThrow(H3Error);
    expect(() => decodeCapsule(new Reader(fromHex('990b4d3d 02 0000')))).toThrow(H3Error);
    expect(() => decodeCapsule(new Reader(fromHex('990b4d3d 00')))).toThrow(H3Error);
  });

  it('RFC 9297 §3.2: a capsule longer than the limit is H3_EXCESSIVE_LOAD before its value arrives', () => {
    expect(() => decodeCapsule(new Reader(fromHex('00 4801')), 1000)).toThrow(H3Error);
  });
});
