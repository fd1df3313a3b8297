import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSpki, oidToString, parsePkcs8, parseSpki } from '../../../src/crypto/der-keys.js';
import { concatBytes, fromHex, toHex } from '../../../src/util/bytes.js';
import { CodecError } from '../../../src/util/errors.js';

type NodeKind = 'P-256' | 'P-384' | 'P-521' | 'ed25519' | 'ed448' | 'rsa';

function nodeKeys(kind: NodeKind): { pkcs8: Uint8Array; spki: Uint8Array } {
  const pair =
    kind === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : kind === 'ed448'
        ? generateKeyPairSync('ed448')
        : kind === 'rsa'
          ? generateKeyPairSync('rsa', { modulusLength: 1024 })
          : generateKeyPairSync('ec', { namedCurve: kind });
  return {
    pkcs8: new Uint8Array(pair.privateKey.export({ format: 'der', type: 'pkcs8' })),
    spki: new Uint8Array(pair.publicKey.export({ format: 'der', type: 'spki' })),
  };
}

/** A DER TLV (short or one/two-byte long length), for hand-built inputs. */
function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = concatBytes(...parts);
  const n = body.length;
  const header = n < 0x80 ? [tag, n] : n < 0x100 ? [tag, 0x81, n] : [tag, 0x82, n >> 8, n & 0xff];
  return concatBytes(Uint8Array.from(header), body);
}

const KEYS = {
  p256: nodeKeys('P-256'),
  p384: nodeKeys('P-384'),
  ed25519: nodeKeys('ed25519'),
  rsa: nodeKeys('rsa'),
};

/** Throws unless `f` throws CodecError (or returns). */
function onlyCodecErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
  }
}

describe('RFC 5958 §2: PKCS#8 private keys', () => {
  it('RFC 5915 §3: EC keys from node:crypto parse with their curve, scalar and public point', () => {
    for (const [name, curve, size] of [['p256', 'P-256', 32], ['p384', 'P-384', 48]] as const) {
      const key = parsePkcs8(KEYS[name].pkcs8);
      const spki = parseSpki(KEYS[name].spki);
      if (key.kind !== 'ec' || spki.kind !== 'ec') throw new Error('expected EC keys');
      expect(key.curve).toBe(curve);
      expect(key.privateKey.length).toBe(size);
      expect(key.publicKey).toEqual(spki.point);
      expect(spki.curve).toBe(curve);
      expect(spki.point.length).toBe(2 * size + 1);
    }
  });

  it('RFC 8410 §7: an Ed25519 key parses to its 32-byte seed', () => {
    const key = parsePkcs8(concatBytes(fromHex('302e020100300506032b657004220420'), new Uint8Array(32).fill(5)));
    expect(key).toEqual({ kind: 'ed25519', seed: new Uint8Array(32).fill(5) });
    expect(parsePkcs8(KEYS.ed25519.pkcs8).kind).toBe('ed25519');
  });

  it('RFC 5958 §2: RSA is recognised; other algorithms and curves are described by OID', () => {
    expect(parsePkcs8(KEYS.rsa.pkcs8)).toEqual({ kind: 'rsa' });
    expect(parsePkcs8(nodeKeys('ed448').pkcs8)).toEqual({ kind: 'unsupported', algorithm: 'private keys of algorithm 1.3.101.113' });
    expect(parsePkcs8(nodeKeys('P-521').pkcs8)).toEqual({ kind: 'unsupported', algorithm: 'EC keys on curve 1.3.132.0.35' });
  });

  it('RFC 5915 §3: an EC scalar with its leading zeros dropped is left-padded to the curve size', () => {
    const ecPrivateKey = tlv(0x30, fromHex('020101'), tlv(0x04, new Uint8Array(31).fill(0x11)));
    const alg = tlv(0x30, tlv(0x06, fromHex('2a8648ce3d0201')), tlv(0x06, fromHex('2a8648ce3d030107')));
    const key = parsePkcs8(tlv(0x30, fromHex('020100'), alg, tlv(0x04, ecPrivateKey)));
    if (key.kind !== 'ec') throw new Error('expected EC');
    expect(toHex(key.privateKey)).toBe('00' + '11'.repeat(31));
    expect(key.publicKey).toBeUndefined();
  });

  it('RFC 5915 §3: ECPrivateKey version other than 1 and over-long scalars are CodecErrors', () => {
    const alg = tlv(0x30, tlv(0x06, fromHex('2a8648ce3d0201')), tlv(0x06, fromHex('2a8648ce3d030107')));
    const wrap = (ec: Uint8Array): Uint8Array => tlv(0x30, fromHex('020100'), alg, tlv(0x04, ec));
    expect(() => parsePkcs8(wrap(tlv(0x30, fromHex('020100'), tlv(0x04, new Uint8Array(32)))))).toThrow(CodecError);
    expect(() => parsePkcs8(wrap(tlv(0x30, fromHex('020101'), tlv(0x04, new Uint8Array(33)))))).toThrow(CodecError);
  });
});

describe('RFC 5280 §4.1.1.2: SubjectPublicKeyInfo', () => {
  it('RFC 5480 §2 and RFC 8410 §4: encodeSpki reproduces node:crypto SPKI byte for byte', () => {
    for (const name of ['p256', 'p384', 'ed25519'] as const) {
      const key = parseSpki(KEYS[name].spki);
      if (key.kind !== 'ec' && key.kind !== 'ed25519') throw new Error('expected EC or Ed25519');
      expect(toHex(encodeSpki(key))).toBe(toHex(KEYS[name].spki));
    }
  });

  it('RFC 8017 A.1.1: an RSA SPKI gives the modulus and exponent without sign bytes', () => {
    const key = parseSpki(KEYS.rsa.spki);
    if (key.kind !== 'rsa') throw new Error('expected RSA');
    expect(key.modulus.length).toBe(128);
    expect(key.modulus[0]! & 0x80).toBe(0x80);
    expect(toHex(key.exponent)).toBe('010001');
  });

  it('RFC 5280 §4.1.1.2: an unknown algorithm is described by its OID', () => {
    expect(parseSpki(nodeKeys('ed448').spki)).toEqual({ kind: 'unsupported', algorithm: 'public keys of algorithm 1.3.101.113' });
  });

  it('X.690 §8.19: OIDs print in dotted form', () => {
    expect(oidToString(fromHex('2a8648ce3d0201'))).toBe('1.2.840.10045.2.1');
    expect(oidToString(fromHex('2b81040022'))).toBe('1.3.132.0.34');
    expect(oidToString(fromHex('2a864886f70d010101'))).toBe('1.2.840.113549.1.1.1');
  });
});

describe('X.690 §10.1: DER decoding failures', () => {
  it('X.690 §10.1: every strict truncation of every key fails with CodecError', () => {
    for (const { pkcs8, spki } of Object.values(KEYS)) {
      for (let n = 0; n < pkcs8.length; n++) expect(() => parsePkcs8(pkcs8.subarray(0, n))).toThrow(CodecError);
      for (let n = 0; n < spki.length; n++) expect(() => parseSpki(spki.subarray(0, n))).toThrow(CodecError);
    }
  });

  it('X.690 §10.1: trailing bytes, indefinite and non-minimal lengths are CodecErrors', () => {
    const spki = KEYS.p256.spki;
    expect(() => parseSpki(concatBytes(spki, Uint8Array.of(0)))).toThrow(CodecError);
    // Indefinite length (BER only).
    expect(() => parseSpki(concatBytes(Uint8Array.of(0x30, 0x80), spki.subarray(2), Uint8Array.of(0, 0)))).toThrow(CodecError);
    // 0x59 written in the long form.
    expect(() => parseSpki(concatBytes(Uint8Array.of(0x30, 0x81, spki[1]!), spki.subarray(2)))).toThrow(CodecError);
  });

  it('X.690 §10.1: arbitrary bytes and mutated keys raise nothing but CodecError', () => {
    const keys = Object.values(KEYS).flatMap((k) => [k.pkcs8, k.spki]);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.tuple(fc.constantFrom(...keys), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([key, at, x]) => {
            const copy = key.slice();
            copy[at % copy.length]! ^= x;
            return copy;
          }),
        ),
        (input) => {
          onlyCodecErrors(() => parsePkcs8(input));
          onlyCodecErrors(() => parseSpki(input));
        },
      ),
      { numRuns: 500 },
    );
  });
});
