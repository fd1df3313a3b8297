import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Writer } from '../../../src/util/bytes.js';
import { MAX_EXACT_VARINT } from '../../../src/util/varint.js';
import {
  cryptoFrameDataCapacity,
  cryptoFrameHeaderSize,
  datagramFrameDataCapacity,
  datagramFrameHeaderSize,
  decodeReasonPhrase,
  encodeReasonPhrase,
  FrameType,
  frameTypeName,
  isKnownFrameType,
  isStreamFrameType,
  streamFrameDataCapacity,
  streamFrameHeaderSize,
  streamFrameType,
} from '../../../src/wire/frame-types.js';
import { encodeCryptoFrameHeader, encodeDatagramFrameHeader, encodeStreamFrameHeader } from '../../../src/wire/frames.js';

const varint = fc.oneof(fc.nat(63), fc.nat(16_383), fc.nat(2 ** 30 - 1), fc.integer({ min: 0, max: MAX_EXACT_VARINT }));

/** Every length a data field could have, around each varint size boundary. */
const space = fc.oneof(fc.integer({ min: -5, max: 80 }), fc.integer({ min: 16_370, max: 16_400 }), fc.integer({ min: 2 ** 30 - 8, max: 2 ** 30 + 16 }));

describe('RFC 9000 §12.4 / §19: frame type codes', () => {
  it('RFC 9000 §12.4 Table 3: type values and names', () => {
    expect(FrameType.Stream).toBe(0x08);
    expect(FrameType.HandshakeDone).toBe(0x1e);
    expect(FrameType.Datagram).toBe(0x30);
    expect(FrameType.DatagramWithLength).toBe(0x31);
    expect(frameTypeName(0x03)).toBe('ACK_ECN');
    expect(frameTypeName(0x0f)).toBe('STREAM');
    expect(frameTypeName(0x1d)).toBe('CONNECTION_CLOSE');
    expect(frameTypeName(0x31)).toBe('DATAGRAM');
    expect(frameTypeName(0x1f)).toBe('UNKNOWN(0x1f)');
    expect(frameTypeName(-1)).toMatch(/^UNKNOWN/);
  });

  it('RFC 9000 §19.8: STREAM types are 0b00001XXX with OFF 0x04, LEN 0x02, FIN 0x01', () => {
    for (let t = 0; t < 0x40; t++) expect(isStreamFrameType(t)).toBe(t >= 0x08 && t <= 0x0f);
    expect(streamFrameType(0, false, false)).toBe(0x08);
    expect(streamFrameType(0, true, false)).toBe(0x09);
    expect(streamFrameType(0, false, true)).toBe(0x0a);
    expect(streamFrameType(5, false, false)).toBe(0x0c);
    expect(streamFrameType(5, true, true)).toBe(0x0f);
  });

  it('RFC 9000 §12.4 / RFC 9221 §4: known types are 0x00..0x1e, 0x30 and 0x31', () => {
    for (let t = 0; t < 0x100; t++) expect(isKnownFrameType(t)).toBe(t <= 0x1e || t === 0x30 || t === 0x31);
  });
});

describe('RFC 9000 §19.6 / §19.8 / RFC 9221 §4: header sizes and data capacities for the packet builder', () => {
  it('RFC 9000 §19.8: streamFrameHeaderSize equals what encodeStreamFrameHeader writes', () => {
    fc.assert(
      fc.property(varint, fc.oneof(fc.constant(0), varint), fc.nat(100_000), fc.boolean(), fc.boolean(), (id, offset, length, fin, withLength) => {
        const w = new Writer(new Uint8Array(32));
        encodeStreamFrameHeader(w, id, offset, length, fin, withLength);
        expect(w.offset).toBe(streamFrameHeaderSize(id, offset, length, withLength));
        const c = new Writer(new Uint8Array(32));
        encodeCryptoFrameHeader(c, offset, length);
        expect(c.offset).toBe(cryptoFrameHeaderSize(offset, length));
        const d = new Writer(new Uint8Array(32));
        encodeDatagramFrameHeader(d, length, withLength);
        expect(d.offset).toBe(datagramFrameHeaderSize(length, withLength));
      }),
    );
  });

  it('RFC 9000 §19.8: streamFrameDataCapacity is the most data that fits in the space, and fits', () => {
    fc.assert(
      fc.property(varint, fc.oneof(fc.constant(0), varint), space, fc.boolean(), (id, offset, room, withLength) => {
        const n = streamFrameDataCapacity(id, offset, room, withLength);
        const size = (len: number) => streamFrameHeaderSize(id, offset, len, withLength) + len;
        if (n === -1) {
          expect(size(0)).toBeGreaterThan(room);
        } else {
          expect(size(n)).toBeLessThanOrEqual(room);
          expect(size(n + 1)).toBeGreaterThan(room);
        }
      }),
    );
  });

  it('RFC 9000 §19.6 / RFC 9221 §4: CRYPTO and DATAGRAM capacities are the most data that fits', () => {
    fc.assert(
      fc.property(varint, space, fc.boolean(), (offset, room, withLength) => {
        const c = cryptoFrameDataCapacity(offset, room);
        const cSize = (len: number) => cryptoFrameHeaderSize(offset, len) + len;
        if (c === -1) expect(cSize(0)).toBeGreaterThan(room);
        else expect([cSize(c) <= room, cSize(c + 1) > room]).toEqual([true, true]);
        const d = datagramFrameDataCapacity(room, withLength);
        const dSize = (len: number) => datagramFrameHeaderSize(len, withLength) + len;
        if (d === -1) expect(dSize(0)).toBeGreaterThan(room);
        else expect([dSize(d) <= room, dSize(d + 1) > room]).toEqual([true, true]);
      }),
    );
  });

  it('RFC 9000 §19.8: capacity at the 1/2-byte Length boundary (64 bytes of data need a 2-byte Length)', () => {
    // Stream 0, offset 0: header is type + id = 2 bytes, plus the Length.
    expect(streamFrameDataCapacity(0, 0, 2 + 1 + 63, true)).toBe(63);
    expect(streamFrameDataCapacity(0, 0, 2 + 2 + 63, true)).toBe(63);
    expect(streamFrameDataCapacity(0, 0, 2 + 2 + 64, true)).toBe(64);
    expect(streamFrameDataCapacity(0, 0, 2, true)).toBe(-1);
    expect(streamFrameDataCapacity(0, 0, 3, true)).toBe(0);
    expect(streamFrameDataCapacity(0, 0, 2, false)).toBe(0);
    expect(streamFrameDataCapacity(0, 0, 1, false)).toBe(-1);
  });
});

describe('RFC 9000 §19.19: reason phrases', () => {
  it('RFC 9000 §19.19: reason phrases round-trip through UTF-8; invalid UTF-8 is replaced, not rejected', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (text) => {
        expect(decodeReasonPhrase(encodeReasonPhrase(text))).toBe(text);
      }),
    );
    expect(decodeReasonPhrase(Uint8Array.of(0x62, 0xff, 0x64))).toBe('b\ufffdd');
  });
});
