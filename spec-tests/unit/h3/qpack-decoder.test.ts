import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../src/util/bytes.js';
import { FieldSectionTooLargeError, H3ErrorCode, QpackError } from '../../../src/h3/errors.js';
import { QpackDecoder } from '../../../src/h3/qpack-decoder.js';

const h = fromHex;
/** A decoder holding the RFC 9204 §B.2 + §B.3 table: 0 :authority, 1 :path, 2 custom-key. */
function populated(opts: { maxBlockedStreams?: number; maxFieldSectionSize?: number } = {}): QpackDecoder {
  const d = new QpackDecoder({ maxTableCapacity: 220, maxBlockedStreams: opts.maxBlockedStreams ?? 2, maxFieldSectionSize: opts.maxFieldSectionSize });
  d.handleEncoderStream(h('3fbd01 c00f7777772e6578616d706c652e636f6d c10c2f73616d706c652f70617468 4a637573746f6d2d6b65790c637573746f6d2d76616c7565'));
  return d;
}
function qpackCode(f: () => unknown): number | undefined {
  try {
    f();
  } catch (err) {
    if (err instanceof QpackError) return err.code;
    throw err;
  }
  return undefined;
}
const FAILED = H3ErrorCode.QPACK_DECOMPRESSION_FAILED;
const ENC_ERR = H3ErrorCode.QPACK_ENCODER_STREAM_ERROR;

describe('RFC 9204 §2.2 decoder', () => {
  it('RFC 9204 §4.5.2-§4.5.6: every representation decodes against the table', () => {
    const d = populated();
    // RIC 3 (enc 3%12+1=4), Base 1 (negative, delta 1): 80 = abs 0, 10 = abs 1, 11 = abs 2,
    // 5f39 static name ref 72, 01 post-base name ref abs 2, 23 literal name, 31 literal with N.
    const section = h('04 81 80 10 11 5f39 03 616263 01 01 78 23 61 62 63 01 64 31 61 01 65');
    const res = d.decodeFieldSection(0, section);
    expect(res).toEqual({
      kind: 'done',
      fields: [
        { name: ':authority', value: 'www.example.com' },
        { name: ':path', value: '/sample/path' },
        { name: 'custom-key', value: 'custom-value' },
        { name: 'accept-language', value: 'abc' },
        { name: 'custom-key', value: 'x' },
        { name: 'abc', value: 'd' },
        { name: 'a', value: 'e', neverIndex: true },
      ],
    });
    expect(toHex(d.takeDecoderStream())).toBe('80');
  });

  it('RFC 9204 §3.1: an invalid static index is QPACK_DECOMPRESSION_FAILED', () => {
    expect(qpackCode(() => new QpackDecoder().decodeFieldSection(0, h('0000 ff24')))).toBe(FAILED); // 63 + 36 = 99
    expect(qpackCode(() => new QpackDecoder().decodeFieldSection(0, h('0000 ff23')))).toBeUndefined(); // 98
  });

  it('RFC 9204 §4.5.1.1: a Required Insert Count too large for the table is QPACK_DECOMPRESSION_FAILED', () => {
    expect(qpackCode(() => new QpackDecoder().decodeFieldSection(0, h('0100 c1')))).toBe(FAILED); // no table
    expect(qpackCode(() => populated().decodeFieldSection(0, h('0e00 c1')))).toBe(FAILED); // 14 > FullRange 12
  });

  it('RFC 9204 §4.5.1.2: a negative Base is QPACK_DECOMPRESSION_FAILED', () => {
    expect(qpackCode(() => populated().decodeFieldSection(0, h('0283 80')))).toBe(FAILED); // RIC 1, delta 3
  });

  it('RFC 9204 §2.2.3: references at or beyond the Required Insert Count are QPACK_DECOMPRESSION_FAILED', () => {
    expect(qpackCode(() => populated().decodeFieldSection(0, h('0200 10')))).toBe(FAILED); // post-base abs 1 >= RIC 1
    expect(qpackCode(() => populated().decodeFieldSection(0, h('0200 81')))).toBe(FAILED); // abs -1
  });

  it('RFC 9204 §2.2.1: a Required Insert Count larger than the largest reference is refused', () => {
    expect(qpackCode(() => populated().decodeFieldSection(0, h('0400 c1')))).toBe(FAILED); // RIC 3, no refs
  });

  it('RFC 9204 §2.2.3: references to evicted entries are errors on both streams', () => {
    const d = populated();
    d.handleEncoderStream(h('02')); // duplicate abs 0 -> abs 3, size 217
    d.handleEncoderStream(h('810d637573746f6d2d76616c756532')); // evicts abs 0
    // RIC 5 (enc 6), Base 5: abs 0 is relative 4.
    expect(qpackCode(() => d.decodeFieldSection(0, h('0600 84 80')))).toBe(FAILED);
    expect(qpackCode(() => d.handleEncoderStream(h('04')))).toBe(ENC_ERR); // duplicate abs 0
  });

  it('RFC 9204 §3.2.3, §3.2.2, §3.1: invalid encoder instructions are QPACK_ENCODER_STREAM_ERROR', () => {
    expect(qpackCode(() => new QpackDecoder({ maxTableCapacity: 100 }).handleEncoderStream(h('3f46')))).toBe(ENC_ERR); // 31 + 70 = 101
    expect(qpackCode(() => new QpackDecoder({ maxTableCapacity: 100 }).handleEncoderStream(h('3f45')))).toBeUndefined();
    expect(qpackCode(() => new QpackDecoder({ maxTableCapacity: 100 }).handleEncoderStream(h('3f05 4161 04 62636465')))).toBe(ENC_ERR); // entry 37 > capacity 36
    expect(qpackCode(() => populated().handleEncoderStream(h('ff2400')))).toBe(ENC_ERR); // static 99
    expect(qpackCode(() => populated().handleEncoderStream(h('8500')))).toBe(ENC_ERR); // dynamic relative 5
    expect(qpackCode(() => populated().handleEncoderStream(h('61ff 00')))).toBe(ENC_ERR); // bad Huffman name
  });

  it('RFC 9204 §4.3: encoder-stream instructions split across arbitrary chunks apply identically', () => {
    const stream = h('3fbd01 c00f7777772e6578616d706c652e636f6d c10c2f73616d706c652f70617468 4a637573746f6d2d6b65790c637573746f6d2d76616c7565 02');
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 8 }), (cuts) => {
        const d = new QpackDecoder({ maxTableCapacity: 220 });
        let at = 0;
        for (const c of [...cuts.sort((a, b) => a - b), stream.length]) {
          d.handleEncoderStream(stream.subarray(at, c));
          at = c;
        }
        expect(d.table.insertCount).toBe(4);
        expect(d.table.size).toBe(217);
      }),
    );
  });

  it('RFC 9204 §4.3.3: a long literal trickled one byte at a time is inserted once complete', () => {
    const d = new QpackDecoder({ maxTableCapacity: 4096 });
    d.handleEncoderStream(h('3fe11f')); // capacity 4096
    const value = 'v'.repeat(1000);
    // Insert With Literal Name "x" (01 0 00001), value length 1000 = 127 + 873 (e9 06).
    const ins = new Uint8Array([0x41, 0x78, 0x7f, 0xe9, 0x06, ...new TextEncoder().encode(value)]);
    for (let i = 0; i < ins.length; i++) {
      expect(d.table.insertCount).toBe(0);
      d.handleEncoderStream(ins.subarray(i, i + 1));
    }
    expect(d.table.get(0)).toMatchObject({ name: 'x', value });
  });

  it('RFC 9204 §7.3: an incomplete encoder instruction beyond the buffer limit is an error', () => {
    const d = new QpackDecoder({ maxTableCapacity: 1 << 20, maxEncoderStreamBuffer: 100 });
    d.handleEncoderStream(h('3fe1ff3f')); // capacity
    expect(qpackCode(() => d.handleEncoderStream(new Uint8Array([0x5f, 0xe1, 0x07, ...new Uint8Array(200)])))).toBe(ENC_ERR);
  });

  it('RFC 9204 §2.1.2: more blocked streams than SETTINGS_QPACK_BLOCKED_STREAMS is QPACK_DECOMPRESSION_FAILED', () => {
    const d = populated({ maxBlockedStreams: 2 });
    // RIC 4 (enc 5), Base 4: 80 = abs 3 (not yet inserted).
    expect(d.decodeFieldSection(0, h('0500 80'))).toEqual({ kind: 'blocked' });
    expect(d.decodeFieldSection(4, h('0500 80'))).toEqual({ kind: 'blocked' });
    expect(qpackCode(() => d.decodeFieldSection(8, h('0500 80')))).toBe(FAILED);
    expect(qpackCode(() => new QpackDecoder({ maxTableCapacity: 220 }).decodeFieldSection(0, h('0200 80')))).toBe(FAILED);
  });

  it('RFC 9204 §2.2.1: blocked streams unblock in order when the encoder stream catches up', () => {
    const d = populated({ maxBlockedStreams: 2 });
    d.decodeFieldSection(0, h('0500 80'));
    d.decodeFieldSection(4, h('0600 80 81'));
    d.handleEncoderStream(h('02'));
    expect(d.takeUnblocked()).toEqual([{ streamId: 0, fields: [{ name: ':authority', value: 'www.example.com' }] }]);
    expect(d.blockedStreamCount).toBe(1);
    d.handleEncoderStream(h('01'));
    expect(d.takeUnblocked()).toEqual([{ streamId: 4, fields: [{ name: 'custom-key', value: 'custom-value' }, { name: ':authority', value: 'www.example.com' }] }]);
    expect(toHex(d.takeDecoderStream())).toBe('8084'); // acks raise the Known Received Count to 5: no increment
  });

  it('RFC 9114 §4.2.2: a section over SETTINGS_MAX_FIELD_SECTION_SIZE raises FieldSectionTooLargeError and cancels', () => {
    const d = populated({ maxFieldSectionSize: 100 });
    expect(d.decodeFieldSection(0, h('0000 d1 d1'))).toMatchObject({ kind: 'done' }); // 2 x (7+3+32) = 84
    expect(() => d.decodeFieldSection(0, h('0000 d1 d1 d1'))).toThrow(FieldSectionTooLargeError);
    expect(() => d.decodeFieldSection(4, h('0200 80 80 80'))).toThrow(FieldSectionTooLargeError);
    expect(toHex(d.takeDecoderStream())).toBe('4403'); // cancel stream 4, increment 3
    const err = (() => {
      try {
        d.decodeFieldSection(8, h('0000 d1 d1 d1'));
      } catch (e) {
        return e as FieldSectionTooLargeError;
      }
      return undefined;
    })();
    expect(err?.code).toBe(H3ErrorCode.H3_MESSAGE_ERROR);
    expect(err?.streamId).toBe(8);
  });

  it('RFC 9204 §4.5: malformed and truncated field sections are QPACK_DECOMPRESSION_FAILED', () => {
    const good = h('04 81 80 10 11 5f39 03 616263 01 01 78 23 61 62 63 01 64 31 61 01 65');
    for (let n = 0; n < good.length; n++) {
      const code = qpackCode(() => populated().decodeFieldSection(0, good.subarray(0, n)));
      // A cut at a line boundary is a valid shorter section unless it drops the RIC-defining line.
      if (code !== undefined) expect(code).toBe(FAILED);
    }
    expect(qpackCode(() => populated().decodeFieldSection(0, h('')))).toBe(FAILED);
    expect(qpackCode(() => populated().decodeFieldSection(0, h('00')))).toBe(FAILED);
    expect(qpackCode(() => populated().decodeFieldSection(0, h('0000 5f')))).toBe(FAILED);
    expect(qpackCode(() => populated().decodeFieldSection(0, h('0000 5181 1e')))).toBe(FAILED); // bad padding
  });

  it('RFC 9204 §2.2: arbitrary field sections fail only with QpackError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const d = populated();
        try {
          d.decodeFieldSection(0, bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(QpackError);
        }
      }),
    );
  });
});
