import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Reader } from '../../../src/util/bytes.js';
import {
  decodeDecoderInstruction,
  decodeEncoderInstruction,
  decoderInstructionToBytes,
  encoderInstructionToBytes,
  sizeOfDecoderInstruction,
  sizeOfEncoderInstruction,
  type DecoderInstruction,
  type EncoderInstruction,
} from '../../../src/h3/qpack-instructions.js';
import { QpackTruncatedError, type HuffmanPolicy } from '../../../src/h3/qpack-integer.js';

const str = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 30 });
const n = fc.nat({ max: 2 ** 40 });
const encIns: fc.Arbitrary<EncoderInstruction> = fc.oneof(
  fc.record({ type: fc.constant('set_capacity' as const), capacity: n }),
  fc.record({ type: fc.constant('insert_name_ref' as const), isStatic: fc.boolean(), nameIndex: n, value: str }),
  fc.record({ type: fc.constant('insert_literal' as const), name: str, value: str }),
  fc.record({ type: fc.constant('duplicate' as const), index: n }),
);
const decIns: fc.Arbitrary<DecoderInstruction> = fc.oneof(
  fc.record({ type: fc.constant('section_ack' as const), streamId: n }),
  fc.record({ type: fc.constant('stream_cancel' as const), streamId: n }),
  fc.record({ type: fc.constant('insert_count_increment' as const), increment: n }),
);
const policy = fc.constantFrom<HuffmanPolicy>('auto', 'always', 'never');

describe('RFC 9204 §4.3-§4.4 instructions', () => {
  it('RFC 9204 §4.3: encoder instructions round-trip; sizeOf matches; truncation is QpackTruncatedError', () => {
    fc.assert(
      fc.property(encIns, policy, (ins, h) => {
        const bytes = encoderInstructionToBytes(ins, h);
        expect(bytes.length).toBe(sizeOfEncoderInstruction(ins, h));
        const r = new Reader(bytes);
        expect(decodeEncoderInstruction(r, 1000)).toEqual(ins);
        expect(r.isEmpty).toBe(true);
        for (let k = 0; k < bytes.length; k++) expect(() => decodeEncoderInstruction(new Reader(bytes.subarray(0, k)), 1000)).toThrow(QpackTruncatedError);
      }),
    );
  });

  it('RFC 9204 §4.4: decoder instructions round-trip; sizeOf matches; truncation is QpackTruncatedError', () => {
    fc.assert(
      fc.property(decIns, (ins) => {
        const bytes = decoderInstructionToBytes(ins);
        expect(bytes.length).toBe(sizeOfDecoderInstruction(ins));
        const r = new Reader(bytes);
        expect(decodeDecoderInstruction(r)).toEqual(ins);
        expect(r.isEmpty).toBe(true);
        for (let k = 0; k < bytes.length; k++) expect(() => decodeDecoderInstruction(new Reader(bytes.subarray(0, k)))).toThrow(QpackTruncatedError);
      }),
    );
  });
});
