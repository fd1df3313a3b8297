import { describe, it, expect } from 'vitest';
import { FieldSectionTooLargeError, H3Error, H3ErrorCode, QpackError, h3ErrorName, isReservedH3Code } from '../../../src/h3/errors.js';

describe('RFC 9114 §8.1 and RFC 9204 §6 error codes', () => {
  it('RFC 9114 §8.1: the HTTP/3 codes have the registered values', () => {
    expect(H3ErrorCode.H3_NO_ERROR).toBe(0x100);
    expect(H3ErrorCode.H3_SETTINGS_ERROR).toBe(0x109);
    expect(H3ErrorCode.H3_VERSION_FALLBACK).toBe(0x110);
    expect(H3ErrorCode.H3_DATAGRAM_ERROR).toBe(0x33);
  });

  it('RFC 9204 §6: the QPACK codes are 0x200-0x202 and QpackError carries them', () => {
    const e = new QpackError(H3ErrorCode.QPACK_ENCODER_STREAM_ERROR, 'x');
    expect(e.code).toBe(0x201);
    expect(e).toBeInstanceOf(H3Error);
    expect(e.message).toBe('QPACK_ENCODER_STREAM_ERROR: x');
    expect(h3ErrorName(0x200)).toBe('QPACK_DECOMPRESSION_FAILED');
    expect(h3ErrorName(0x999)).toBe('0x999');
  });

  it('RFC 9114 §8.1: reserved codes are 0x1f * N + 0x21', () => {
    expect(isReservedH3Code(0x21)).toBe(true);
    expect(isReservedH3Code(0x21 + 0x1f * 1000)).toBe(true);
    expect(isReservedH3Code(0x100)).toBe(false);
  });

  it('RFC 9114 §4.2.2: FieldSectionTooLargeError is an H3_MESSAGE_ERROR with the stream and limit', () => {
    const e = new FieldSectionTooLargeError(4, 100);
    expect([e.code, e.streamId, e.limit]).toEqual([H3ErrorCode.H3_MESSAGE_ERROR, 4, 100]);
  });
});
