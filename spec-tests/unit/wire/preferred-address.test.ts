import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Reader, Writer, fromHex, toHex } from '../../../src/util/bytes.js';
import { CodecError } from '../../../src/util/errors.js';
import {
  decodePreferredAddress,
  encodePreferredAddress,
  sizeOfPreferredAddress,
  type PreferredAddress,
} from '../../../src/wire/preferred-address.js';
import { preferredAddressArb } from '../../helpers/transport-parameters-arbitrary.js';

function encode(pa: PreferredAddress): Uint8Array {
  const w = Writer.alloc(sizeOfPreferredAddress(pa));
  encodePreferredAddress(w, pa);
  expect(w.remaining).toBe(0);
  return w.written();
}

describe('RFC 9000 §18.2: preferred_address (Figure 22)', () => {
  it('RFC 9000 §18.2: preferred_address round-trips, sizeOf equals the length, and every truncation is a CodecError', () => {
    fc.assert(
      fc.property(preferredAddressArb, (pa) => {
        const bytes = encode(pa);
        expect(bytes.length).toBe(41 + pa.connectionId.length);
        const r = new Reader(bytes);
        expect(decodePreferredAddress(r)).toEqual(pa);
        expect(r.isEmpty).toBe(true);
        // Self-delimiting: no strict prefix is a valid value.
        for (let n = 0; n < bytes.length; n++) {
          expect(() => decodePreferredAddress(new Reader(bytes.subarray(0, n)))).toThrow(CodecError);
        }
      }),
    );
  });

  it('RFC 9000 §18.2: an IPv4-only address sends the IPv6 family as [::]:0', () => {
    const pa: PreferredAddress = {
      ipv4Address: fromHex('cb007105'), // 203.0.113.5
      ipv4Port: 4433,
      ipv6Address: new Uint8Array(16),
      ipv6Port: 0,
      connectionId: fromHex('0a0b'),
      statelessResetToken: fromHex('ffeeddccbbaa99887766554433221100'),
    };
    expect(toHex(encode(pa))).toBe('cb007105' + '1151' + '00'.repeat(16) + '0000' + '02' + '0a0b' + 'ffeeddccbbaa99887766554433221100');
  });

  it('RFC 9000 §18.2: a zero-length connection ID is refused both ways', () => {
    const bytes = fromHex('00000000 0000' + '00'.repeat(16) + '0000' + '00' + '00'.repeat(16));
    expect(() => decodePreferredAddress(new Reader(bytes))).toThrow(/zero-length/);
    const pa: PreferredAddress = {
      ipv4Address: new Uint8Array(4),
      ipv4Port: 0,
      ipv6Address: new Uint8Array(16),
      ipv6Port: 0,
      connectionId: new Uint8Array(0),
      statelessResetToken: new Uint8Array(16),
    };
    expect(() => encodePreferredAddress(Writer.alloc(64), pa)).toThrow(CodecError);
  });

  it('RFC 9000 §17.2: a connection ID above 20 bytes is refused both ways', () => {
    const bytes = fromHex('00000000 0000' + '00'.repeat(16) + '0000' + '15' + '00'.repeat(21 + 16));
    expect(() => decodePreferredAddress(new Reader(bytes))).toThrow(/exceeds 20/);
    const pa: PreferredAddress = {
      ipv4Address: new Uint8Array(4),
      ipv4Port: 0,
      ipv6Address: new Uint8Array(16),
      ipv6Port: 0,
      connectionId: new Uint8Array(21),
      statelessResetToken: new Uint8Array(16),
    };
    expect(() => encodePreferredAddress(Writer.alloc(128), pa)).toThrow(CodecError);
  });

  it('RFC 9000 §18.2: the encoder refuses wrong address, port and token sizes', () => {
    const good: PreferredAddress = {
      ipv4Address: new Uint8Array(4),
      ipv4Port: 1,
      ipv6Address: new Uint8Array(16),
      ipv6Port: 1,
      connectionId: new Uint8Array(8),
      statelessResetToken: new Uint8Array(16),
    };
    expect(() => encodePreferredAddress(Writer.alloc(128), good)).not.toThrow();
    for (const bad of [
      { ...good, ipv4Address: new Uint8Array(5) },
      { ...good, ipv6Address: new Uint8Array(4) },
      { ...good, ipv4Port: 65536 },
      { ...good, ipv6Port: -1 },
      { ...good, statelessResetToken: new Uint8Array(15) },
    ]) {
      expect(() => encodePreferredAddress(Writer.alloc(128), bad)).toThrow(CodecError);
    }
  });
});
