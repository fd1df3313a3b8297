/**
 * Fuzz target for the DER key parsers (src/crypto/der-keys.ts): SubjectPublicKeyInfo arrives
 * from peers inside certificates (RFC 8446 §4.4.2), so `parseSpki` and `parsePkcs8` must refuse
 * any malformed input with CodecError. Seeds are keys of every supported kind (EC P-256, P-384,
 * Ed25519, RSA public keys), made from fixed key material so the corpus is deterministic.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { p256, p384 } from '@noble/curves/nist.js';
import { parsePkcs8, parseSpki } from '../../src/crypto/der-keys.js';
import { CodecError } from '../../src/util/errors.js';
import type { FuzzTarget } from '../target.js';

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

function ecKey(curve: 'P-256' | 'P-384', fill: number): KeyObject {
  const d = new Uint8Array(curve === 'P-256' ? 32 : 48).fill(fill);
  const point = (curve === 'P-256' ? p256 : p384).getPublicKey(d, false);
  const half = (point.length - 1) / 2;
  return createPrivateKey({
    key: { kty: 'EC', crv: curve, d: b64url(d), x: b64url(point.subarray(1, 1 + half)), y: b64url(point.subarray(1 + half)) },
    format: 'jwk',
  });
}

/** Both DER forms of a private key. */
function forms(key: KeyObject): Uint8Array[] {
  return [new Uint8Array(key.export({ format: 'der', type: 'pkcs8' })), new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }))];
}

/** A fixed 1024-bit RSA public key (modulus 0xc0..01 style, exponent 65537) as SPKI. */
function rsaSpki(): Uint8Array {
  const n = new Uint8Array(128).fill(0x5b);
  n[0] = 0xc3;
  n[127] = 0x01;
  return new Uint8Array(createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: 'AQAB' }, format: 'jwk' }).export({ format: 'der', type: 'spki' }));
}

export const target: FuzzTarget = {
  name: 'der-keys',
  run(input: Uint8Array): void {
    // Both parsers see every input: the fuzzer does not know which one a byte string was meant for.
    let rejected: CodecError | undefined;
    let accepted = false;
    for (const parse of [parseSpki, parsePkcs8]) {
      try {
        parse(input);
        accepted = true;
      } catch (err) {
        if (!(err instanceof CodecError)) throw err;
        rejected = err;
      }
    }
    if (!accepted) throw rejected!;
  },
  seeds(): Uint8Array[] {
    const ed25519 = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, 7)]), format: 'der', type: 'pkcs8' });
    return [...forms(ecKey('P-256', 1)), ...forms(ecKey('P-384', 2)), ...forms(ed25519), rsaSpki()];
  },
};
