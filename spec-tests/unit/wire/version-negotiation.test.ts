import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../../../src/util/errors.js';
import { fromHex, Reader, toHex, Writer } from '../../../src/util/bytes.js';
import { SeededRandom } from '../../../src/util/random.js';
import { PacketType } from '../../../src/wire/packet-type.js';
import { QUIC_V1, QUIC_V2 } from '../../../src/wire/version.js';
import {
  decodeVersionNegotiation,
  encodeVersionNegotiation,
  sizeOfVersionNegotiation,
  versionNegotiationFor,
} from '../../../src/wire/version-negotiation.js';
import type { VersionNegotiationPacket } from '../../../src/wire/version-negotiation.js';
import { versionNegotiationArb } from '../../helpers/packet-arbitraries.js';

function encode(vn: VersionNegotiationPacket): Uint8Array {
  const w = Writer.alloc(sizeOfVersionNegotiation(vn));
  encodeVersionNegotiation(w, vn);
  expect(w.offset).toBe(sizeOfVersionNegotiation(vn));
  return w.buf;
}

describe('RFC 9000 §17.2.1: Version Negotiation packet', () => {
  it('RFC 9000 §17.2.1: round-trips with connection IDs up to 255 bytes; sizeOf matches', () => {
    fc.assert(
      fc.property(versionNegotiationArb, (vn) => {
        const bytes = encode(vn);
        const r = new Reader(bytes);
        expect(decodeVersionNegotiation(r)).toEqual({ ...vn, packetLength: bytes.length, bytes });
        expect(r.isEmpty).toBe(true);
      }),
    );
  });

  it('RFC 9000 §17.2.1: truncations fail unless they drop whole versions (the list has no length field)', () => {
    fc.assert(
      fc.property(versionNegotiationArb, (vn) => {
        const bytes = encode(vn);
        const headerLength = bytes.length - 4 * vn.supportedVersions.length;
        for (let cut = 0; cut < bytes.length; cut++) {
          const prefix = bytes.subarray(0, cut);
          if (cut < headerLength || (cut - headerLength) % 4 !== 0) {
            expect(() => decodeVersionNegotiation(new Reader(prefix))).toThrow(CodecError);
          } else {
            expect(decodeVersionNegotiation(new Reader(prefix)).supportedVersions).toEqual(
              vn.supportedVersions.slice(0, (cut - headerLength) / 4),
            );
          }
        }
      }),
      { numRuns: 50 },
    );
  });

  it('RFC 9000 §17.2.1: the layout is form bit + Unused, Version 0, CIDs, then 32-bit versions', () => {
    const vn: VersionNegotiationPacket = {
      type: PacketType.VersionNegotiation,
      unusedBits: 0x40,
      dcid: fromHex('0102'),
      scid: fromHex('aabbccdd'),
      supportedVersions: [QUIC_V1, QUIC_V2, 0x1a2a3a4a],
    };
    expect(toHex(encode(vn))).toBe('c0' + '00000000' + '020102' + '04aabbccdd' + '00000001' + '6b3343cf' + '1a2a3a4a');
  });

  it('RFC 9000 §17.2.1: "Clients MUST ignore the value of this field": any Unused bits, Fixed Bit clear included, decode', () => {
    for (const first of [0x80, 0xc0, 0xff, 0xbf]) {
      const bytes = fromHex(first.toString(16) + '00000000' + '00' + '00' + '00000001');
      const vn = decodeVersionNegotiation(new Reader(bytes));
      expect(vn.unusedBits).toBe(first & 0x7f);
      expect(vn.supportedVersions).toEqual([QUIC_V1]);
    }
  });

  it('RFC 9000 §17.2.1: an empty version list decodes (handling it is connection logic) but is not encoded', () => {
    const vn = decodeVersionNegotiation(new Reader(fromHex('c0000000000000')));
    expect(vn.supportedVersions).toEqual([]);
    expect(() => encode({ ...vn, supportedVersions: [] })).toThrow(CodecError);
  });

  it('RFC 9000 §17.2.1: a non-zero Version, a short header, or a ragged version list is a CodecError', () => {
    expect(() => decodeVersionNegotiation(new Reader(fromHex('c0000000010000')))).toThrow(CodecError);
    expect(() => decodeVersionNegotiation(new Reader(fromHex('40000000000000')))).toThrow(CodecError);
    expect(() => decodeVersionNegotiation(new Reader(fromHex('c000000000000000000001ff')))).toThrow(CodecError);
  });

  it('RFC 9000 §17.2.1: encoding rejects bad Unused bits and non-32-bit versions', () => {
    const base: VersionNegotiationPacket = { type: PacketType.VersionNegotiation, unusedBits: 0, dcid: new Uint8Array(0), scid: new Uint8Array(0), supportedVersions: [1] };
    expect(() => encode({ ...base, unusedBits: 0x80 })).toThrow(CodecError);
    expect(() => encode({ ...base, supportedVersions: [2 ** 32] })).toThrow(CodecError);
    expect(() => encode({ ...base, supportedVersions: [-1] })).toThrow(CodecError);
    expect(() => encode({ ...base, dcid: new Uint8Array(256) })).toThrow(CodecError);
  });

  it('RFC 9000 §17.2.1: a server echoes the SCID as DCID and the DCID as SCID, and sets 0x40', () => {
    fc.assert(
      fc.property(fc.integer(), fc.uint8Array({ maxLength: 255 }), fc.uint8Array({ maxLength: 255 }), (seed, dcid, scid) => {
        const vn = versionNegotiationFor(new SeededRandom(seed), dcid, scid, [QUIC_V1, QUIC_V2]);
        expect(vn.dcid).toEqual(scid);
        expect(vn.scid).toEqual(dcid);
        expect(vn.unusedBits & 0x40).toBe(0x40);
        const bytes = encode(vn);
        expect(bytes[0]! & 0xc0).toBe(0xc0);
        expect(decodeVersionNegotiation(new Reader(bytes)).supportedVersions).toEqual([QUIC_V1, QUIC_V2]);
      }),
      { numRuns: 50 },
    );
    const firsts = new Set<number>();
    for (let seed = 0; seed < 32; seed++) firsts.add(versionNegotiationFor(new SeededRandom(seed), new Uint8Array(0), new Uint8Array(0), [1]).unusedBits);
    expect(firsts.size).toBeGreaterThan(1);
  });
});
