/**
 * The address text forms used for preferred_address (RFC 9000 §18.2, §9.6; migration.ts).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseIpv4, parseIpv6 } from '../../../src/connection/migration.js';
import { formatIpAddress as formatIpv6 } from '../../../src/util/ip-address.js';
import { TransportError } from '../../../src/wire/errors.js';

describe('RFC 9000 §18.2 preferred_address: address text forms', () => {
  it('RFC 9000 §18.2: IPv6 bytes round-trip through their RFC 5952 text form', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 65535 }), (b, port) => {
        const parsed = parseIpv6(`[${formatIpv6(b)}]:${port}`);
        expect(parsed.address).toEqual(b);
        expect(parsed.port).toBe(port);
      }),
    );
  });

  it('RFC 9000 §18.2: IPv6 text forms compress the longest zero run', () => {
    expect(formatIpv6(parseIpv6('[2001:db8::1]:443').address)).toBe('2001:db8::1');
    expect(formatIpv6(new Uint8Array(16))).toBe('::');
    expect(formatIpv6(parseIpv6('[1:0:0:2:0:0:0:3]:1').address)).toBe('1:0:0:2::3');
    expect(formatIpv6(parseIpv6('[1:2:3:4:5:6:7:8]:1').address)).toBe('1:2:3:4:5:6:7:8');
  });

  it('RFC 9000 §18.2: IPv4 "a.b.c.d:port" parses; malformed addresses are refused', () => {
    expect(parseIpv4('193.167.100.100:443')).toEqual({ address: Uint8Array.of(193, 167, 100, 100), port: 443 });
    for (const bad of ['1.2.3:4', '1.2.3.256:1', '1.2.3.4', '1.2.3.4:70000', 'x.2.3.4:1']) expect(() => parseIpv4(bad)).toThrow(TransportError);
    for (const bad of ['::1:443', '[1::2::3]:1', '[1:2:3:4:5:6:7]:1', '[12345::]:1', '[::1]:x']) expect(() => parseIpv6(bad)).toThrow(TransportError);
  });
});
