import { describe, it, expect } from 'vitest';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { QpackDecoder } from '../../src/h3/qpack-decoder.js';
import { QpackEncoder } from '../../src/h3/qpack-encoder.js';
import { encodeFieldSectionBytes, type FieldLineRep } from '../../src/h3/qpack-field-lines.js';
import { encoderInstructionToBytes, decoderInstructionToBytes } from '../../src/h3/qpack-instructions.js';

const hex = (s: string) => fromHex(s);
const AUTH = { name: ':authority', value: 'www.example.com' };
const PATH = { name: ':path', value: '/sample/path' };
const CUSTOM = { name: 'custom-key', value: 'custom-value' };

/** The decoder's table as [abs, name, value] rows, oldest first. */
function rows(t: { firstIndex: number; insertCount: number; get(abs: number): { name: string; value: string } | undefined }): [number, string, string][] {
  const out: [number, string, string][] = [];
  for (let abs = t.firstIndex; abs < t.insertCount; abs++) {
    const e = t.get(abs)!;
    out.push([abs, e.name, e.value]);
  }
  return out;
}

describe('RFC 9204 Appendix B: encoding and decoding examples', () => {
  it('RFC 9204 §B.1: literal field line with static name reference, encoder and decoder', () => {
    const section = '0000510b2f696e6465782e68746d6c';
    const enc = new QpackEncoder({ huffman: 'never' });
    expect(toHex(enc.encodeFieldSection(0, [{ name: ':path', value: '/index.html' }]))).toBe(section);
    expect(toHex(enc.takeEncoderStream())).toBe('');
    const dec = new QpackDecoder();
    expect(dec.decodeFieldSection(0, hex(section))).toEqual({ kind: 'done', fields: [{ name: ':path', value: '/index.html' }] });
    expect(toHex(dec.takeDecoderStream())).toBe('');
  });

  it('RFC 9204 §B.2-§B.5: the instructions encode byte for byte', () => {
    const n = 'never' as const;
    expect(toHex(encoderInstructionToBytes({ type: 'set_capacity', capacity: 220 }, n))).toBe('3fbd01');
    expect(toHex(encoderInstructionToBytes({ type: 'insert_name_ref', isStatic: true, nameIndex: 0, value: 'www.example.com' }, n))).toBe('c00f7777772e6578616d706c652e636f6d');
    expect(toHex(encoderInstructionToBytes({ type: 'insert_name_ref', isStatic: true, nameIndex: 1, value: '/sample/path' }, n))).toBe('c10c2f73616d706c652f70617468');
    expect(toHex(encoderInstructionToBytes({ type: 'insert_literal', name: 'custom-key', value: 'custom-value' }, n))).toBe('4a637573746f6d2d6b65790c637573746f6d2d76616c7565');
    expect(toHex(encoderInstructionToBytes({ type: 'duplicate', index: 2 }, n))).toBe('02');
    expect(toHex(encoderInstructionToBytes({ type: 'insert_name_ref', isStatic: false, nameIndex: 1, value: 'custom-value2' }, n))).toBe('810d637573746f6d2d76616c756532');
    expect(toHex(decoderInstructionToBytes({ type: 'section_ack', streamId: 4 }))).toBe('84');
    expect(toHex(decoderInstructionToBytes({ type: 'insert_count_increment', increment: 1 }))).toBe('01');
    expect(toHex(decoderInstructionToBytes({ type: 'stream_cancel', streamId: 8 }))).toBe('48');
    const b2: FieldLineRep[] = [{ type: 'indexed_post_base', index: 0 }, { type: 'indexed_post_base', index: 1 }];
    expect(toHex(encodeFieldSectionBytes({ encodedInsertCount: 3, negative: true, deltaBase: 1 }, b2, n))).toBe('03811011');
    const b4: FieldLineRep[] = [{ type: 'indexed', isStatic: false, index: 0 }, { type: 'indexed', isStatic: true, index: 1 }, { type: 'indexed', isStatic: false, index: 1 }];
    expect(toHex(encodeFieldSectionBytes({ encodedInsertCount: 5, negative: false, deltaBase: 0 }, b4, n))).toBe('050080c181');
  });

  it('RFC 9204 §B.2-§B.5: the decoder follows the exchange, emitting 84, 01, 48 on its decoder stream', () => {
    const dec = new QpackDecoder({ maxTableCapacity: 220, maxBlockedStreams: 1 });
    // B.2
    dec.handleEncoderStream(hex('3fbd01 c00f7777772e6578616d706c652e636f6d c10c2f73616d706c652f70617468'));
    expect(rows(dec.table)).toEqual([[0, ':authority', 'www.example.com'], [1, ':path', '/sample/path']]);
    expect(dec.table.size).toBe(106);
    expect(dec.decodeFieldSection(4, hex('0381 10 11'))).toEqual({ kind: 'done', fields: [AUTH, PATH] });
    expect(toHex(dec.takeDecoderStream())).toBe('84');
    // B.3
    dec.handleEncoderStream(hex('4a637573746f6d2d6b65790c637573746f6d2d76616c7565'));
    expect(dec.table.size).toBe(160);
    expect(toHex(dec.takeDecoderStream())).toBe('01');
    // B.4: the encoder-stream packet is delayed, so stream 8 blocks; the decoder cancels it.
    expect(dec.decodeFieldSection(8, hex('0500 80 c1 81'))).toEqual({ kind: 'blocked' });
    expect(dec.blockedStreamCount).toBe(1);
    dec.cancelStream(8);
    expect(dec.blockedStreamCount).toBe(0);
    expect(toHex(dec.takeDecoderStream())).toBe('48');
    dec.handleEncoderStream(hex('02'));
    expect(dec.takeUnblocked()).toEqual([]);
    expect(rows(dec.table)[3]).toEqual([3, ':authority', 'www.example.com']);
    expect(dec.table.size).toBe(217);
    expect(toHex(dec.takeDecoderStream())).toBe('01');
    // B.5
    dec.handleEncoderStream(hex('810d637573746f6d2d76616c756532'));
    expect(rows(dec.table)).toEqual([
      [1, ':path', '/sample/path'],
      [2, 'custom-key', 'custom-value'],
      [3, ':authority', 'www.example.com'],
      [4, 'custom-key', 'custom-value2'],
    ]);
    expect(dec.table.size).toBe(215);
  });

  it('RFC 9204 §B.4: a blocked section decodes once the Duplicate arrives', () => {
    const dec = new QpackDecoder({ maxTableCapacity: 220, maxBlockedStreams: 1 });
    dec.handleEncoderStream(hex('3fbd01 c00f7777772e6578616d706c652e636f6d c10c2f73616d706c652f70617468'));
    dec.handleEncoderStream(hex('4a637573746f6d2d6b65790c637573746f6d2d76616c7565'));
    expect(dec.decodeFieldSection(8, hex('0500 80 c1 81'))).toEqual({ kind: 'blocked' });
    dec.handleEncoderStream(hex('02'));
    expect(dec.takeUnblocked()).toEqual([{ streamId: 8, fields: [AUTH, { name: ':path', value: '/' }, CUSTOM] }]);
    expect(toHex(dec.takeDecoderStream())).toBe('88');
  });

  it('RFC 9204 §B.2-§B.5: the encoder produces the same encoder stream and table, and tracks acknowledgments', () => {
    const enc = new QpackEncoder({ huffman: 'never', maxTableCapacity: 220, drainingFraction: 0.6 });
    const dec = new QpackDecoder({ maxTableCapacity: 220, maxBlockedStreams: 1 });
    enc.applyPeerSettings({ maxTableCapacity: 220, blockedStreams: 1 });
    // B.2: byte for byte, encoder stream and field section.
    const s4 = enc.encodeFieldSection(4, [AUTH, PATH]);
    const es2 = enc.takeEncoderStream();
    expect(toHex(es2)).toBe('3fbd01c00f7777772e6578616d706c652e636f6dc10c2f73616d706c652f70617468');
    expect(toHex(s4)).toBe('03811011');
    expect(enc.blockedStreamCount).toBe(1);
    dec.handleEncoderStream(es2);
    expect(dec.decodeFieldSection(4, s4)).toEqual({ kind: 'done', fields: [AUTH, PATH] });
    enc.handleDecoderStream(dec.takeDecoderStream());
    expect(enc.knownReceived).toBe(2);
    expect(enc.blockedStreamCount).toBe(0);
    // B.3
    expect(enc.insertSpeculative(CUSTOM)).toBe(true);
    const es3 = enc.takeEncoderStream();
    expect(toHex(es3)).toBe('4a637573746f6d2d6b65790c637573746f6d2d76616c7565');
    dec.handleEncoderStream(es3);
    enc.handleDecoderStream(dec.takeDecoderStream());
    expect(enc.knownReceived).toBe(3);
    // B.4: entry 0 is draining, so the encoder duplicates it (byte for byte "02"); its choice of
    // Base differs from the RFC's (both are valid), so the section is checked by decoding it.
    const s8 = enc.encodeFieldSection(8, [AUTH, { name: ':path', value: '/' }, CUSTOM]);
    const es4 = enc.takeEncoderStream();
    expect(toHex(es4)).toBe('02');
    expect(enc.dynamicTable.size).toBe(217);
    expect(dec.decodeFieldSection(8, s8)).toEqual({ kind: 'blocked' });
    dec.cancelStream(8);
    enc.handleDecoderStream(dec.takeDecoderStream()); // 48
    dec.handleEncoderStream(es4);
    enc.handleDecoderStream(dec.takeDecoderStream()); // 01
    expect(enc.knownReceived).toBe(4);
    // B.5: entry 0 is now evictable (acknowledged, no outstanding references).
    expect(enc.insertSpeculative({ name: 'custom-key', value: 'custom-value2' })).toBe(true);
    const es5 = enc.takeEncoderStream();
    expect(toHex(es5)).toBe('810d637573746f6d2d76616c756532');
    expect(enc.dynamicTable.size).toBe(215);
    dec.handleEncoderStream(es5);
    expect(rows(dec.table)).toEqual(rows(enc.dynamicTable));
  });
});
