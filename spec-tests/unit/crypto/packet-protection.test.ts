/**
 * Unit tests of packet and header protection (src/crypto/packet-protection.ts): nonce
 * construction, header-protection masks on long and short headers, the sample position, round
 * trips for every suite and provider, and clean failures (truncated packet, wrong key, tampering).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../../../src/util/bytes.js';
import { CodecError } from '../../../src/util/errors.js';
import { QUIC_V1, QUIC_V2 } from '../../../src/wire/version.js';
import type { HeaderProtection } from '../../../src/crypto/provider.js';
import {
  applyHeaderProtection,
  computeNonce,
  decryptPayload,
  derivePacketKeys,
  protectPacket,
  removeHeaderProtection,
  unprotectPacket,
  type PacketProtectionKeys,
} from '../../../src/crypto/packet-protection.js';
import { CIPHER_SUITES, TLS_AES_128_GCM_SHA256 } from '../../../src/crypto/suites.js';
import { nodeCryptoProvider } from '../../../src/crypto/node-provider.js';
import { nullCryptoProvider } from '../../../src/crypto/null-provider.js';
import { REAL_PROVIDERS } from '../../helpers/providers.js';

/** A packet layout: first byte, pnOffset, pnLength, packet number and payload. */
interface Layout {
  long: boolean;
  firstHighBits: number;
  headerBytes: Uint8Array;
  pnLength: 1 | 2 | 3 | 4;
  pn: number;
  payload: Uint8Array;
}

const layoutArb: fc.Arbitrary<Layout> = fc
  .record({
    long: fc.boolean(),
    firstHighBits: fc.nat(7),
    headerBytes: fc.uint8Array({ minLength: 0, maxLength: 40 }),
    pnLength: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const),
    pn: fc.oneof(fc.nat(1000), fc.maxSafeNat()),
    payload: fc.uint8Array({ minLength: 3, maxLength: 200 }),
  })
  .filter((l) => l.pnLength + l.payload.length >= 4);

/** The unprotected packet with 16 bytes reserved for the tag; returns it and the PN offset. */
function build(l: Layout): { buf: Uint8Array; pnOffset: number; payloadEnd: number } {
  // Long: 1 1 T T R R P P; short: 0 1 S R R K P P. Only the form bit and the PN length matter here.
  const first = (l.long ? 0xc0 | (l.firstHighBits << 4) : 0x40 | (l.firstHighBits << 2)) | (l.pnLength - 1);
  const pnOffset = 1 + l.headerBytes.length;
  const payloadEnd = pnOffset + l.pnLength + l.payload.length;
  const buf = new Uint8Array(payloadEnd + 16);
  buf[0] = first & 0xff;
  buf.set(l.headerBytes, 1);
  buf.set(l.payload, pnOffset + l.pnLength);
  return { buf, pnOffset, payloadEnd };
}

const truncate = (pn: number, len: number): number => pn % 2 ** (8 * len);

describe('RFC 9001 §5.3: AEAD nonce', () => {
  it('RFC 9001 §5.3: nonce = IV XOR the packet number left-padded to 12 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.maxSafeNat(), (iv, pn) => {
        const nonce = computeNonce(iv, pn, new Uint8Array(12));
        const padded = new Uint8Array(12);
        let x = BigInt(pn);
        for (let i = 11; i >= 0; i--) {
          padded[i] = Number(x & 0xffn);
          x >>= 8n;
        }
        for (let i = 0; i < 12; i++) expect(nonce[i]).toBe(iv[i]! ^ padded[i]!);
      }),
    );
  });

  it('RFC 9001 §5.3: packet number 0 leaves the IV, and 2^32 flips only byte 7', () => {
    const iv = new Uint8Array(12).fill(0xa5);
    expect(toHex(computeNonce(iv, 0, new Uint8Array(12)))).toBe(toHex(iv));
    const n = computeNonce(iv, 2 ** 32, new Uint8Array(12));
    expect(toHex(n)).toBe('a5a5a5a5a5a5a5a4a5a5a5a5');
  });
});

describe('RFC 9001 §5.4.2: header-protection sample', () => {
  it('RFC 9001 §5.4.2: a short header with an 8-byte connection ID samples bytes 13 to 28', () => {
    const seen: number[] = [];
    const spy: HeaderProtection = {
      algorithm: 'aes-128-ecb',
      mask(sample) {
        seen.push(sample.byteOffset, sample.length);
        return new Uint8Array(16);
      },
    };
    const buf = new Uint8Array(60);
    buf[0] = 0x40;
    applyHeaderProtection(spy, buf, 9, 1);
    removeHeaderProtection(spy, buf, 9);
    expect(seen).toEqual([13, 16, 13, 16]);
  });

  it('RFC 9001 §5.4.2: a packet too short for a complete sample is a CodecError, and left unchanged', () => {
    const keys = derivePacketKeys(nodeCryptoProvider, TLS_AES_128_GCM_SHA256, new Uint8Array(32), QUIC_V1);
    const buf = new Uint8Array(9 + 4 + 15).fill(0x41);
    const copy = buf.slice();
    expect(() => unprotectPacket(keys, buf, 9, buf.length, 0)).toThrow(CodecError);
    expect(() => removeHeaderProtection(keys.hp, buf, 9)).toThrow(CodecError);
    expect(toHex(buf)).toBe(toHex(copy));
    // packetEnd beyond the buffer, or a packet number offset of 0.
    expect(() => unprotectPacket(keys, buf, 1, buf.length + 1, 0)).toThrow(CodecError);
    expect(() => unprotectPacket(keys, buf, 0, buf.length, 0)).toThrow(CodecError);
  });
});

describe('RFC 9001 §5.4.1: header-protection masks', () => {
  it('RFC 9001 §5.4.1: long headers mask the low 4 bits of byte 0, short headers the low 5, plus the PN bytes only', () => {
    const keys = derivePacketKeys(nodeCryptoProvider, TLS_AES_128_GCM_SHA256, new Uint8Array(32).fill(9), QUIC_V1);
    fc.assert(
      fc.property(layoutArb, (l) => {
        const { buf, pnOffset, payloadEnd } = build(l);
        const before = buf.slice();
        protectPacket(keys, buf, pnOffset, l.pnLength, l.pn, payloadEnd);
        const keep = l.long ? 0xf0 : 0xe0;
        expect(buf[0]! & keep).toBe(before[0]! & keep);
        expect(toHex(buf.subarray(1, pnOffset))).toBe(toHex(before.subarray(1, pnOffset)));
        // Removing header protection restores the first byte and the truncated packet number.
        const pnLength = removeHeaderProtection(keys.hp, buf, pnOffset, payloadEnd + 16);
        expect(pnLength).toBe(l.pnLength);
        expect(buf[0]).toBe(before[0]);
        let t = 0;
        for (let i = 0; i < pnLength; i++) t = t * 256 + buf[pnOffset + i]!;
        expect(t).toBe(truncate(l.pn, l.pnLength));
      }),
      { numRuns: 100 },
    );
  });

  it('RFC 9001 §5.4.1: applying then removing header protection is the identity on the header', () => {
    const keys = derivePacketKeys(nodeCryptoProvider, TLS_AES_128_GCM_SHA256, new Uint8Array(32).fill(3), QUIC_V2);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 30, maxLength: 80 }), fc.integer({ min: 1, max: 10 }), (bytes, pnOffset) => {
        const buf = bytes.slice();
        const pnLength = (buf[0]! & 3) + 1;
        applyHeaderProtection(keys.hp, buf, pnOffset, pnLength);
        expect(removeHeaderProtection(keys.hp, buf, pnOffset)).toBe(pnLength);
        expect(toHex(buf)).toBe(toHex(bytes));
      }),
    );
  });
});

describe.each(REAL_PROVIDERS)('RFC 9001 §5.3, §5.4: protect and unprotect ($name)', ({ name, provider }) => {
  for (const suite of CIPHER_SUITES) {
    it(`RFC 9001 §5: ${suite.name} packets round-trip for any header layout and packet number (${name})`, () => {
      const tx = derivePacketKeys(provider, suite, new Uint8Array(suite.hashLength).fill(1), QUIC_V1);
      const rx = derivePacketKeys(provider, suite, new Uint8Array(suite.hashLength).fill(1), QUIC_V1);
      fc.assert(
        fc.property(layoutArb, (l) => {
          const { buf, pnOffset, payloadEnd } = build(l);
          const plain = buf.slice();
          expect(protectPacket(tx, buf, pnOffset, l.pnLength, l.pn, payloadEnd)).toBe(payloadEnd + 16);
          const r = unprotectPacket(rx, buf, pnOffset, payloadEnd + 16, l.pn - 1);
          expect(r).not.toBeNull();
          expect(r!.packetNumber).toBe(l.pn);
          expect(r!.pnLength).toBe(l.pnLength);
          expect(r!.firstByte).toBe(plain[0]);
          expect(toHex(r!.payload)).toBe(toHex(l.payload));
          // The header reads as it was written, with the truncated packet number.
          expect(toHex(buf.subarray(0, pnOffset))).toBe(toHex(plain.subarray(0, pnOffset)));
        }),
        { numRuns: 40 },
      );
    });
  }

  it(`RFC 9000 §A.3: a 2-byte 0x9b32 after 0xa82f30ea decodes to 0xa82f9b32 (${name})`, () => {
    const keys = derivePacketKeys(provider, TLS_AES_128_GCM_SHA256, new Uint8Array(32), QUIC_V1);
    const { buf, pnOffset, payloadEnd } = build({ long: false, firstHighBits: 0, headerBytes: new Uint8Array(8), pnLength: 2, pn: 0xa82f9b32, payload: new Uint8Array(20) });
    protectPacket(keys, buf, pnOffset, 2, 0xa82f9b32, payloadEnd);
    expect(unprotectPacket(keys, buf, pnOffset, buf.length, 0xa82f30ea)?.packetNumber).toBe(0xa82f9b32);
  });

  it(`RFC 9001 §5.5: a wrong key or a tampered byte fails authentication and leaves the header as received (${name})`, () => {
    const keys = derivePacketKeys(provider, TLS_AES_128_GCM_SHA256, new Uint8Array(32).fill(1), QUIC_V1);
    const other = derivePacketKeys(provider, TLS_AES_128_GCM_SHA256, new Uint8Array(32).fill(2), QUIC_V1);
    const { buf, pnOffset, payloadEnd } = build({ long: true, firstHighBits: 0, headerBytes: new Uint8Array(17).fill(8), pnLength: 2, pn: 7, payload: new Uint8Array(40).fill(1) });
    protectPacket(keys, buf, pnOffset, 2, 7, payloadEnd);
    const wire = buf.slice();
    const wrong = buf.slice();
    expect(unprotectPacket(other, wrong, pnOffset, wrong.length, 6)).toBeNull();
    expect(toHex(wrong.subarray(0, pnOffset + 2))).toBe(toHex(wire.subarray(0, pnOffset + 2)));
    for (const at of [0, 5, pnOffset, pnOffset + 10, wire.length - 1]) {
      const bad = wire.slice();
      bad[at]! ^= 0x01;
      expect(unprotectPacket(keys, bad, pnOffset, bad.length, 6)).toBeNull();
    }
    // A wrong expected packet number changes the nonce: also a failure, not a crash.
    expect(unprotectPacket(keys, wire.slice(), pnOffset, wire.length, 7 + 0x10000)).toBeNull();
    expect(unprotectPacket(keys, wire.slice(), pnOffset, wire.length, 6)?.packetNumber).toBe(7);
  });

  it(`RFC 9001 §6.3: removing header protection, then decrypting with chosen keys, equals unprotectPacket (${name})`, () => {
    const keys = derivePacketKeys(provider, TLS_AES_128_GCM_SHA256, new Uint8Array(32).fill(4), QUIC_V1);
    const { buf, pnOffset, payloadEnd } = build({ long: false, firstHighBits: 1, headerBytes: new Uint8Array(4), pnLength: 1, pn: 300, payload: new Uint8Array(30).fill(5) });
    protectPacket(keys, buf, pnOffset, 1, 300, payloadEnd);
    const pnLength = removeHeaderProtection(keys.hp, buf, pnOffset);
    expect(pnLength).toBe(1);
    expect(buf[pnOffset]).toBe(300 & 0xff);
    const payload = decryptPayload(keys, buf, pnOffset, pnLength, 300, buf.length);
    expect(toHex(payload!)).toBe('05'.repeat(30));
  });
});

describe('RFC 9001 §5.3: protectPacket preconditions', () => {
  const keys: PacketProtectionKeys = derivePacketKeys(nodeCryptoProvider, TLS_AES_128_GCM_SHA256, new Uint8Array(32), QUIC_V1);

  it('RFC 9001 §5.4.2: a payload too short to sample is a CodecError (pnLength + payload must be >= 4)', () => {
    const buf = new Uint8Array(1 + 1 + 2 + 16);
    buf[0] = 0x40;
    expect(() => protectPacket(keys, buf, 1, 1, 0, 4)).toThrow(CodecError);
    const ok = new Uint8Array(1 + 1 + 3 + 16);
    ok[0] = 0x40;
    expect(protectPacket(keys, ok, 1, 1, 0, 5)).toBe(21);
  });

  it('RFC 9001 §5.3: no room for the 16-byte tag is a CodecError', () => {
    const buf = new Uint8Array(30);
    buf[0] = 0x40;
    expect(() => protectPacket(keys, buf, 1, 1, 0, 20)).toThrow(CodecError);
  });

  it('RFC 9000 §17.3.1: a packet number length that disagrees with the first byte is a CodecError', () => {
    const buf = new Uint8Array(60);
    buf[0] = 0x41;
    expect(() => protectPacket(keys, buf, 1, 1, 0, 30)).toThrow(CodecError);
    expect(() => protectPacket(keys, buf, 1, 5, 0, 30)).toThrow(CodecError);
  });

  it('RFC 9001 §5.3: the null provider leaves a wrong-key failure byte for byte unchanged', () => {
    const k = derivePacketKeys(nullCryptoProvider, TLS_AES_128_GCM_SHA256, new Uint8Array(32), QUIC_V1);
    const buf = new Uint8Array(40);
    buf[0] = 0x40;
    protectPacket(k, buf, 1, 1, 0, 24);
    buf[39] = 1;
    const copy = buf.slice();
    expect(unprotectPacket(k, buf, 1, 40, -1)).toBeNull();
    expect(toHex(buf)).toBe(toHex(copy));
  });
});

describe('RFC 9000 §12.3: packet number range', () => {
  const keys = derivePacketKeys(nodeCryptoProvider, TLS_AES_128_GCM_SHA256, new Uint8Array(32), QUIC_V1);

  it('RFC 9000 §12.3: protecting a packet number outside 0..2^62-1 is a CodecError', () => {
    for (const pn of [-1, 1.5, 2 ** 63, Number.NaN]) {
      const buf = new Uint8Array(40);
      buf[0] = 0x40;
      expect(() => protectPacket(keys, buf, 1, 1, pn, 24)).toThrow(CodecError);
    }
  });

  it('RFC 9000 §A.3: a bad largest packet number is a CodecError that leaves the packet unchanged', () => {
    const buf = new Uint8Array(40);
    buf[0] = 0x40;
    protectPacket(keys, buf, 1, 1, 0, 24);
    const copy = buf.slice();
    expect(() => unprotectPacket(keys, buf, 1, 40, -2)).toThrow(CodecError);
    expect(toHex(buf)).toBe(toHex(copy));
  });
});
