import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatIpAddress, matchDnsName, matchServerName, parseIpAddress } from '../../../../src/tls/certificates/names.js';

describe('RFC 6125 §6.4: server identity against subjectAltName', () => {
  const table: [string, string, boolean][] = [
    ['example.com', 'example.com', true],
    ['EXAMPLE.com', 'example.COM', true], // §6.4.1 case-insensitive
    ['example.com.', 'example.com', true], // trailing dot of the reference identity
    ['www.example.com', 'example.com', false],
    ['example.com', 'www.example.com', false],
    ['a.example.com', '*.example.com', true], // §6.4.3 one label
    ['A.Example.Com', '*.EXAMPLE.com', true],
    ['a.b.example.com', '*.example.com', false], // never two labels
    ['example.com', '*.example.com', false], // never the bare domain
    ['.example.com', '*.example.com', false],
    ['a.example.com', 'a.*.com', false], // wildcard only left-most
    ['foo.example.com', 'f*.example.com', false], // no partial-label wildcard
    ['foo.example.com', '*oo.example.com', false],
    ['com', '*.com', false],
    ['example.com', '*.com', false], // at least two labels after the wildcard
    ['*.example.com', '*.example.com', false], // a reference identity is never a wildcard
    ['', 'example.com', false],
  ];
  for (const [name, pattern, expected] of table) {
    it(`RFC 6125 §6.4.3: '${name}' ${expected ? 'matches' : 'does not match'} '${pattern}'`, () => {
      expect(matchDnsName(name, pattern)).toBe(expected);
    });
  }

  it('RFC 6125 §6.4: IPv4 and IPv6 literals match iPAddress entries byte for byte, never dNSName entries', () => {
    const san = { dnsNames: ['127.0.0.1', 'localhost'], ipAddresses: ['192.0.2.1', '2001:db8::1'] };
    expect(matchServerName('192.0.2.1', san)).toBe(true);
    expect(matchServerName('192.0.2.2', san)).toBe(false);
    expect(matchServerName('2001:DB8:0:0:0:0:0:1', san)).toBe(true);
    expect(matchServerName('[2001:db8::1]', san)).toBe(true);
    expect(matchServerName('2001:db8::2', san)).toBe(false);
    expect(matchServerName('127.0.0.1', san)).toBe(false); // only in a dNSName entry
    expect(matchServerName('localhost', san)).toBe(true);
    expect(matchServerName('::ffff:192.0.2.1', san)).toBe(false); // 16 bytes never equal 4
  });

  it('RFC 9525 §6.3: no Common Name fallback: without SAN entries nothing matches', () => {
    expect(matchServerName('example.com', { dnsNames: [], ipAddresses: [] })).toBe(false);
  });

  it('RFC 5952 §4: IPv6 addresses format canonically and round-trip', () => {
    expect(formatIpAddress(parseIpAddress('2001:0DB8:0000:0000:0000:0000:0000:0001')!)).toBe('2001:db8::1');
    expect(formatIpAddress(parseIpAddress('::')!)).toBe('::');
    expect(formatIpAddress(parseIpAddress('1:0:1:0:0:1:0:0')!)).toBe('1:0:1::1:0:0');
    expect(formatIpAddress(parseIpAddress('1:0:2:3:4:5:6:7')!)).toBe('1:0:2:3:4:5:6:7'); // one zero group stays
    expect(formatIpAddress(parseIpAddress('::ffff:1.2.3.4')!)).toBe('::ffff:102:304');
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 })), (bytes) => {
        expect(parseIpAddress(formatIpAddress(bytes))).toEqual(bytes);
      }),
    );
  });

  it('RFC 6125 §6.4: strings that are not IP literals are DNS names', () => {
    for (const s of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1::2::3', '1:2:3:4:5:6:7:8:9', 'example.com', 'g::1', '1:2:3:4:5:6:7::8:9'])
      expect(parseIpAddress(s)).toBeUndefined();
  });
});
