/** Unit tests of HKDF-Expand-Label, Derive-Secret and the QUIC labels (src/crypto/hkdf-label.ts). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../src/util/bytes.js';
import { QUIC_V1, QUIC_V2, type QuicVersion } from '../../../src/wire/version.js';
import { deriveSecret, encodeHkdfLabel, hkdfExpandLabel, quicLabels } from '../../../src/crypto/hkdf-label.js';
import { REAL_PROVIDERS } from '../../helpers/providers.js';

describe('RFC 8446 §7.1: HkdfLabel', () => {
  it('RFC 8446 §7.1: HkdfLabel is uint16 length, "tls13 " + label as opaque<7..255>, context as opaque<0..255>', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 249, unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz 0123456789'.split('')) }), fc.uint8Array({ maxLength: 255 }), fc.nat(0xffff), (label, context, length) => {
        const enc = encodeHkdfLabel(label, context, length);
        expect((enc[0]! << 8) | enc[1]!).toBe(length);
        expect(enc[2]).toBe(6 + label.length);
        expect(new TextDecoder().decode(enc.subarray(3, 3 + 6 + label.length))).toBe('tls13 ' + label);
        expect(enc[3 + 6 + label.length]).toBe(context.length);
        expect(toHex(enc.subarray(4 + 6 + label.length))).toBe(toHex(context));
        expect(enc.length).toBe(2 + 1 + 6 + label.length + 1 + context.length);
      }),
    );
  });

  it('RFC 8446 §7.1: labels outside 1..249 ASCII characters, contexts over 255 bytes and lengths over 65535 are rejected', () => {
    expect(() => encodeHkdfLabel('', new Uint8Array(0), 32)).toThrow(RangeError);
    expect(() => encodeHkdfLabel('x'.repeat(250), new Uint8Array(0), 32)).toThrow(RangeError);
    expect(() => encodeHkdfLabel('é', new Uint8Array(0), 32)).toThrow(RangeError);
    expect(() => encodeHkdfLabel('a', new Uint8Array(256), 32)).toThrow(RangeError);
    expect(() => encodeHkdfLabel('a', new Uint8Array(0), 0x10000)).toThrow(RangeError);
    expect(encodeHkdfLabel('x'.repeat(249), new Uint8Array(255), 0xffff).length).toBe(2 + 1 + 255 + 1 + 255);
  });
});

describe.each(REAL_PROVIDERS)('RFC 8446 §7.1: HKDF-Expand-Label and Derive-Secret ($name)', ({ name, provider }) => {
  it(`RFC 8448 §3: Derive-Secret(early secret, "derived", "") of the simple 1-RTT trace (${name})`, () => {
    const early = fromHex('33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a');
    const emptyHash = provider.hash('sha256', new Uint8Array(0));
    expect(toHex(emptyHash)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(encodeHkdfLabel('derived', emptyHash, 32))).toBe(
      '00200d746c733133206465726976656420e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    const expected = '6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba';
    expect(toHex(deriveSecret(provider, 'sha256', early, 'derived', emptyHash))).toBe(expected);
    expect(toHex(hkdfExpandLabel(provider, 'sha256', early, 'derived', emptyHash, 32))).toBe(expected);
  });

  it(`RFC 8446 §7.1: Derive-Secret outputs Hash.length bytes (${name})`, () => {
    expect(deriveSecret(provider, 'sha384', new Uint8Array(48), 'c hs traffic', new Uint8Array(48)).length).toBe(48);
  });
});

describe('RFC 9001 §5.1: QUIC labels per version', () => {
  it('RFC 9001 §5.1, §6.1: v1 uses "quic key", "quic iv", "quic hp", "quic ku"', () => {
    expect(quicLabels(QUIC_V1)).toEqual({ key: 'quic key', iv: 'quic iv', hp: 'quic hp', ku: 'quic ku' });
  });

  it('RFC 9369 §3.3.2: v2 uses "quicv2 key", "quicv2 iv", "quicv2 hp", "quicv2 ku"', () => {
    expect(quicLabels(QUIC_V2)).toEqual({ key: 'quicv2 key', iv: 'quicv2 iv', hp: 'quicv2 hp', ku: 'quicv2 ku' });
  });

  it('RFC 9369 §3.3.2: an unsupported version has no labels', () => {
    expect(() => quicLabels(0xff00001d as QuicVersion)).toThrow(RangeError);
  });
});
