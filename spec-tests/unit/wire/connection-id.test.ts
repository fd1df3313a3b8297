import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../../../src/util/errors.js';
import { Reader, Writer } from '../../../src/util/bytes.js';
import { SeededRandom } from '../../../src/util/random.js';
import {
  connectionIdEquals,
  connectionIdFromHex,
  connectionIdToHex,
  decodeConnectionId,
  encodeConnectionId,
  isValidConnectionIdLength,
  MAX_CID_LENGTH,
  MAX_INVARIANT_CID_LENGTH,
  randomConnectionId,
  sizeOfConnectionId,
} from '../../../src/wire/connection-id.js';
import { cidArb, invariantCidArb } from '../../helpers/packet-arbitraries.js';

describe('RFC 9000 §5.1 / §17.2: connection IDs', () => {
  it('RFC 9000 §17.2: a length-prefixed connection ID round-trips, sizeOf matches, truncations fail', () => {
    fc.assert(
      fc.property(cidArb, (cid) => {
        const w = Writer.alloc(sizeOfConnectionId(cid));
        encodeConnectionId(w, cid);
        expect(w.offset).toBe(sizeOfConnectionId(cid));
        const r = new Reader(w.buf);
        expect(decodeConnectionId(r)).toEqual(cid);
        expect(r.isEmpty).toBe(true);
        for (let cut = 0; cut < w.buf.length; cut++) {
          expect(() => decodeConnectionId(new Reader(w.buf.subarray(0, cut)))).toThrow(CodecError);
        }
      }),
    );
  });

  it('RFC 8999 §5.1: the invariant form carries up to 255 bytes', () => {
    fc.assert(
      fc.property(invariantCidArb, (cid) => {
        const w = Writer.alloc(sizeOfConnectionId(cid));
        encodeConnectionId(w, cid, MAX_INVARIANT_CID_LENGTH);
        expect(decodeConnectionId(new Reader(w.buf), MAX_INVARIANT_CID_LENGTH)).toEqual(cid);
      }),
      { numRuns: 50 },
    );
  });

  it('RFC 9000 §17.2: a v1 connection ID length above 20 MUST be dropped (CodecError)', () => {
    const bytes = new Uint8Array(22);
    bytes[0] = 21;
    expect(() => decodeConnectionId(new Reader(bytes))).toThrow(CodecError);
    expect(decodeConnectionId(new Reader(bytes), MAX_INVARIANT_CID_LENGTH).length).toBe(21);
    expect(() => encodeConnectionId(Writer.alloc(30), new Uint8Array(21))).toThrow(CodecError);
  });

  it('RFC 9000 §5.1: equality is byte equality; hex round-trips', () => {
    fc.assert(
      fc.property(cidArb, cidArb, (a, b) => {
        expect(connectionIdEquals(a, a.slice())).toBe(true);
        expect(connectionIdEquals(a, b)).toBe(connectionIdToHex(a) === connectionIdToHex(b));
        expect(connectionIdFromHex(connectionIdToHex(a))).toEqual(a);
      }),
    );
    expect(connectionIdToHex(new Uint8Array(0))).toBe('');
    expect(() => connectionIdFromHex('00'.repeat(21))).toThrow(CodecError);
  });

  it('RFC 9000 §5.1: random connection IDs have the asked length, within 0..20', () => {
    const random = new SeededRandom(7);
    for (let length = 0; length <= MAX_CID_LENGTH; length++) {
      expect(randomConnectionId(random, length).length).toBe(length);
    }
    expect(connectionIdEquals(randomConnectionId(random, 8), randomConnectionId(random, 8))).toBe(false);
    expect(() => randomConnectionId(random, 21)).toThrow(CodecError);
    expect(isValidConnectionIdLength(20)).toBe(true);
    expect(isValidConnectionIdLength(21)).toBe(false);
    expect(isValidConnectionIdLength(-1)).toBe(false);
  });
});
