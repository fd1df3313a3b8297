import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../src/util/bytes.js';
import { H3ErrorCode, QpackError } from '../../../src/h3/errors.js';
import { QpackDecoder, type Field } from '../../../src/h3/qpack-decoder.js';
import { QpackEncoder } from '../../../src/h3/qpack-encoder.js';
import type { HuffmanPolicy } from '../../../src/h3/qpack-integer.js';

const str = (max: number) => fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: max });
/** Field names and values drawn from a small pool so the dynamic table gets reused. */
const field: fc.Arbitrary<Field> = fc.record(
  {
    name: fc.oneof(fc.constantFrom(':method', ':path', ':authority', 'content-type', 'x-a', 'x-b', 'cookie'), str(12)),
    value: fc.oneof(fc.constantFrom('GET', '/', 'a', 'bb', 'text/plain', 'www.example.com', ''), str(40)),
    neverIndex: fc.boolean(),
  },
  { requiredKeys: ['name', 'value'] },
);
type Op = { kind: 'section'; fields: Field[] } | { kind: 'flushEncoder' } | { kind: 'flushDecoder' };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('section' as const), fields: fc.array(field, { maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'flushEncoder' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'flushDecoder' as const }) },
);
const plain = (fs: readonly Field[]) => fs.map((f) => ({ name: f.name, value: f.value }));

describe('RFC 9204 §2.1 encoder', () => {
  it('RFC 9204 §2: encode->decode round-trips with acknowledgments flowing back, across capacities, without exceeding the blocked-streams limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom<HuffmanPolicy>('auto', 'always', 'never'),
        fc.array(op, { maxLength: 25 }),
        (localCap, peerCap, blocked, huffman, ops) => {
          const enc = new QpackEncoder({ maxTableCapacity: localCap, huffman });
          const dec = new QpackDecoder({ maxTableCapacity: peerCap, maxBlockedStreams: blocked });
          enc.applyPeerSettings({ maxTableCapacity: peerCap, blockedStreams: blocked });
          let encoderStream: Uint8Array[] = [];
          const expected = new Map<number, Field[]>();
          const decoded = new Map<number, Field[]>();
          let stream = 0;
          const flushEncoder = () => {
            for (const chunk of encoderStream) dec.handleEncoderStream(chunk);
            encoderStream = [];
            for (const u of dec.takeUnblocked()) {
              if ('error' in u) throw u.error;
              decoded.set(u.streamId, u.fields);
            }
          };
          for (const o of ops) {
            if (o.kind === 'flushEncoder') flushEncoder();
            else if (o.kind === 'flushDecoder') enc.handleDecoderStream(dec.takeDecoderStream());
            else {
              const id = (stream += 4);
              const section = enc.encodeFieldSection(id, o.fields);
              encoderStream.push(enc.takeEncoderStream());
              expect(enc.blockedStreamCount).toBeLessThanOrEqual(blocked);
              expect(enc.dynamicTable.capacity).toBeLessThanOrEqual(Math.min(localCap, peerCap));
              expected.set(id, o.fields);
              // The section overtakes the encoder stream (worst case for blocking).
              const res = dec.decodeFieldSection(id, section);
              if (res.kind === 'done') decoded.set(id, res.fields);
            }
          }
          flushEncoder();
          enc.handleDecoderStream(dec.takeDecoderStream());
          expect(dec.blockedStreamCount).toBe(0);
          expect(enc.blockedStreamCount).toBe(0);
          expect(enc.knownReceived).toBe(enc.dynamicTable.insertCount);
          for (const [id, fields] of expected) expect(plain(decoded.get(id) ?? [])).toEqual(plain(fields));
          // Both sides hold the same table.
          expect(dec.table.insertCount).toBe(enc.dynamicTable.insertCount);
          expect(dec.table.size).toBe(enc.dynamicTable.size);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('RFC 9204 §7.1.3: never-indexed fields are not inserted and keep the N bit', () => {
    const enc = new QpackEncoder({ huffman: 'never' });
    enc.applyPeerSettings({ maxTableCapacity: 4096, blockedStreams: 10 });
    enc.takeEncoderStream();
    const s = enc.encodeFieldSection(0, [{ name: 'authorization', value: 'secret', neverIndex: true }, { name: 'x-secret', value: 'v', neverIndex: true }]);
    expect(toHex(enc.takeEncoderStream())).toBe('');
    expect(enc.dynamicTable.insertCount).toBe(0);
    const dec = new QpackDecoder({ maxTableCapacity: 4096 });
    expect(dec.decodeFieldSection(0, s)).toEqual({
      kind: 'done',
      fields: [{ name: 'authorization', value: 'secret', neverIndex: true }, { name: 'x-secret', value: 'v', neverIndex: true }],
    });
  });

  it('RFC 9204 §2.1.2: with SETTINGS_QPACK_BLOCKED_STREAMS = 0 the encoder only references acknowledged entries', () => {
    const enc = new QpackEncoder();
    enc.applyPeerSettings({ maxTableCapacity: 4096, blockedStreams: 0 });
    enc.encodeFieldSection(0, [{ name: 'x-a', value: '1' }]);
    expect(enc.dynamicTable.insertCount).toBe(0);
    // A speculative insert, acknowledged, can then be referenced.
    expect(enc.insertSpeculative({ name: 'x-a', value: '1' })).toBe(true);
    const dec = new QpackDecoder({ maxTableCapacity: 4096 });
    dec.handleEncoderStream(enc.takeEncoderStream());
    const before = enc.encodeFieldSection(4, [{ name: 'x-a', value: '1' }]);
    expect(toHex(before.subarray(0, 2))).toBe('0000'); // literal: entry not yet acknowledged
    enc.handleDecoderStream(dec.takeDecoderStream());
    const after = enc.encodeFieldSection(8, [{ name: 'x-a', value: '1' }]);
    expect(toHex(after)).toBe('020080'); // RIC 1, Base 1, indexed relative 0
    expect(dec.decodeFieldSection(8, after)).toEqual({ kind: 'done', fields: [{ name: 'x-a', value: '1' }] });
  });

  it('RFC 9204 §2.1.1: the encoder does not evict an entry with an unacknowledged reference', () => {
    const enc = new QpackEncoder({ huffman: 'never' });
    enc.applyPeerSettings({ maxTableCapacity: 100, blockedStreams: 5 });
    enc.encodeFieldSection(0, [{ name: 'x-a', value: 'a'.repeat(30) }]); // 65 bytes, referenced
    expect(enc.dynamicTable.insertCount).toBe(1);
    enc.encodeFieldSection(4, [{ name: 'x-b', value: 'b'.repeat(30) }]); // would evict entry 0
    expect(enc.dynamicTable.insertCount).toBe(1);
    expect(enc.insertSpeculative({ name: 'x', value: '' })).toBe(true); // 33 bytes: fits without eviction
  });

  it('RFC 9204 §3.2.3: no table is used before the peer SETTINGS or when either capacity is 0', () => {
    const a = new QpackEncoder();
    a.encodeFieldSection(0, [{ name: 'x-a', value: '1' }]);
    expect(a.takeEncoderStream().length).toBe(0);
    const b = new QpackEncoder({ maxTableCapacity: 0 });
    b.applyPeerSettings({ maxTableCapacity: 4096, blockedStreams: 10 });
    b.encodeFieldSection(0, [{ name: 'x-a', value: '1' }]);
    expect(b.takeEncoderStream().length).toBe(0);
    const c = new QpackEncoder();
    c.applyPeerSettings({ maxTableCapacity: 300, blockedStreams: 10 });
    expect(toHex(c.takeEncoderStream())).toBe('3f8d02'); // Set Dynamic Table Capacity = 300
  });

  it('RFC 9204 §4.4: invalid decoder instructions are QPACK_DECODER_STREAM_ERROR', () => {
    const code = (bytes: string) => {
      const enc = new QpackEncoder();
      enc.applyPeerSettings({ maxTableCapacity: 4096, blockedStreams: 1 });
      enc.encodeFieldSection(4, [{ name: 'x-a', value: '1' }]);
      try {
        enc.handleDecoderStream(fromHex(bytes));
      } catch (err) {
        if (err instanceof QpackError) return err.code;
        throw err;
      }
      return undefined;
    };
    expect(code('00')).toBe(H3ErrorCode.QPACK_DECODER_STREAM_ERROR); // increment 0
    expect(code('02')).toBe(H3ErrorCode.QPACK_DECODER_STREAM_ERROR); // beyond insert count 1
    expect(code('88')).toBe(H3ErrorCode.QPACK_DECODER_STREAM_ERROR); // ack for stream 8: nothing outstanding
    expect(code('84 84')).toBe(H3ErrorCode.QPACK_DECODER_STREAM_ERROR); // second ack on stream 4
    expect(code('84')).toBeUndefined();
    expect(code('44 01')).toBeUndefined(); // cancel then increment
    expect(code('ff')).toBeUndefined(); // incomplete: buffered
  });

  it('RFC 9204 §4.4.2: Stream Cancellation releases references so entries become evictable', () => {
    const enc = new QpackEncoder({ huffman: 'never' });
    enc.applyPeerSettings({ maxTableCapacity: 100, blockedStreams: 5 });
    enc.encodeFieldSection(4, [{ name: 'x-a', value: 'a'.repeat(30) }]);
    enc.handleDecoderStream(fromHex('01 44')); // insert acknowledged, stream 4 cancelled
    enc.encodeFieldSection(8, [{ name: 'x-b', value: 'b'.repeat(30) }]);
    expect(enc.dynamicTable.insertCount).toBe(2);
    expect(enc.dynamicTable.firstIndex).toBe(1);
  });
});
