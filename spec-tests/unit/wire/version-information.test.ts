import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Reader, Writer, fromHex, toHex } from '../../../src/util/bytes.js';
import { CodecError } from '../../../src/util/errors.js';
import {
  decodeVersionInformation,
  encodeVersionInformation,
  sizeOfVersionInformation,
  type VersionInformation,
} from '../../../src/wire/version-information.js';
import { versionInformationArb } from '../../helpers/transport-parameters-arbitrary.js';

function encode(vi: VersionInformation): Uint8Array {
  const w = Writer.alloc(sizeOfVersionInformation(vi));
  encodeVersionInformation(w, vi);
  expect(w.remaining).toBe(0);
  return w.written();
}

const decodeHex = (hex: string): VersionInformation => decodeVersionInformation(new Reader(fromHex(hex)));

describe('RFC 9368 §3: Version Information', () => {
  it('RFC 9368 §3: version_information round-trips and sizeOf equals the length', () => {
    fc.assert(
      fc.property(versionInformationArb, (vi) => {
        const bytes = encode(vi);
        expect(bytes.length).toBe(4 + 4 * vi.availableVersions.length);
        expect(decodeVersionInformation(new Reader(bytes))).toEqual(vi);
      }),
    );
  });

  it('RFC 9368 §4: a truncation is a parsing failure unless it keeps whole versions, which is a shorter valid list', () => {
    // The value fills its parameter, so a cut at a 4-byte boundary is a well-formed shorter list.
    fc.assert(
      fc.property(versionInformationArb, (vi) => {
        const bytes = encode(vi);
        for (let n = 0; n < bytes.length; n++) {
          const r = new Reader(bytes.subarray(0, n));
          if (n >= 4 && n % 4 === 0) {
            expect(decodeVersionInformation(r)).toEqual({ chosenVersion: vi.chosenVersion, availableVersions: vi.availableVersions.slice(0, n / 4 - 1) });
          } else {
            expect(() => decodeVersionInformation(r)).toThrow(CodecError);
          }
        }
      }),
    );
  });

  it('RFC 9368 §3: the layout is Chosen Version then Available Versions, 32 bits each', () => {
    const vi = { chosenVersion: 0x00000001, availableVersions: [0x00000001, 0x6b3343cf, 0x1a2a3a4a] };
    expect(toHex(encode(vi))).toBe('00000001' + '00000001' + '6b3343cf' + '1a2a3a4a');
    expect(decodeHex('6b3343cf')).toEqual({ chosenVersion: 0x6b3343cf, availableVersions: [] });
  });

  it('RFC 9368 §4: too short, not divisible by four, or carrying version 0 is a parsing failure', () => {
    expect(() => decodeHex('')).toThrow(CodecError);
    expect(() => decodeHex('000001')).toThrow(CodecError);
    expect(() => decodeHex('00000001 00')).toThrow(/multiple of 4/);
    expect(() => decodeHex('00000000')).toThrow(/Chosen Version is 0/);
    expect(() => decodeHex('00000001 00000001 00000000')).toThrow(/Available Version 0/);
  });

  it('RFC 9368 §4: the encoder refuses version 0 and non-32-bit values', () => {
    for (const vi of [
      { chosenVersion: 0, availableVersions: [] },
      { chosenVersion: 1, availableVersions: [0] },
      { chosenVersion: 2 ** 32, availableVersions: [] },
      { chosenVersion: 1, availableVersions: [-1] },
    ]) {
      expect(() => encodeVersionInformation(Writer.alloc(16), vi)).toThrow(CodecError);
    }
  });
});
