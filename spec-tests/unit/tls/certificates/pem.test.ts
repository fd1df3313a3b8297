import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { REAL_PROVIDERS } from '../../../helpers/providers.js';
import { CertificateError } from '../../../../src/tls/certificates/errors.js';
import {
  base64Decode,
  base64Encode,
  encodePem,
  parseCertificatesPem,
  parsePem,
  parsePrivateKeyPem,
  pkcs1ToPkcs8,
  sec1ToPkcs8,
} from '../../../../src/tls/certificates/pem.js';
import { parseCertificate } from '../../../../src/tls/certificates/parse.js';
import { nodeCryptoProvider } from '../../../../src/crypto/node-provider.js';
import { generate } from './helpers.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof CertificateError ? e.code : `not a CertificateError: ${String(e)}`;
  }
  return undefined;
}

describe('RFC 7468 §2: PEM', () => {
  it('RFC 4648 §4: base64 round-trips any bytes and matches Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b64 = base64Encode(bytes);
        expect(b64).toBe(Buffer.from(bytes).toString('base64'));
        expect(base64Decode(b64)).toEqual(bytes);
      }),
    );
  });

  it('RFC 4648 §4: invalid base64 raises CertificateError ERR_CERT_BAD_PEM', () => {
    expect(codeOf(() => base64Decode('abc'))).toBe('ERR_CERT_BAD_PEM');
    expect(codeOf(() => base64Decode('ab$='))).toBe('ERR_CERT_BAD_PEM');
    expect(codeOf(() => base64Decode('a==='))).toBe('ERR_CERT_BAD_PEM');
  });

  it('RFC 7468 §2: encodePem/parsePem round-trip with 64-character lines', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), (bytes) => {
        const pem = encodePem('CERTIFICATE', bytes);
        for (const line of pem.split('\n')) expect(line.length).toBeLessThanOrEqual(64);
        expect(parsePem(`junk before\n${pem}junk after`)).toEqual([{ label: 'CERTIFICATE', der: bytes }]);
      }),
    );
  });

  it('RFC 7468 §2: malformed PEM raises CertificateError', () => {
    expect(codeOf(() => parsePem('-----BEGIN CERTIFICATE-----\nAAAA\n'))).toBe('ERR_CERT_BAD_PEM');
    expect(codeOf(() => parsePem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n'))).toBe('ERR_CERT_BAD_PEM');
    expect(codeOf(() => parsePem('-----BEGIN CERTIFICATE-----\nA!AA\n-----END CERTIFICATE-----\n'))).toBe('ERR_CERT_BAD_PEM');
    expect(codeOf(() => parseCertificatesPem('no pem here'))).toBe('ERR_CERT_BAD_PEM');
    expect(codeOf(() => parsePrivateKeyPem(encodePem('CERTIFICATE', new Uint8Array([1]))))).toBe('ERR_CERT_BAD_PEM');
    expect(codeOf(() => parsePrivateKeyPem(encodePem('ENCRYPTED PRIVATE KEY', new Uint8Array([1]))))).toBe('ERR_CERT_UNSUPPORTED');
    expect(codeOf(() => parsePrivateKeyPem(encodePem('EC PRIVATE KEY', new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]))))).toBe('ERR_CERT_BAD_DER');
    expect(codeOf(() => parsePrivateKeyPem(encodePem('RSA PRIVATE KEY', new Uint8Array([0x30, 0x80]))))).toBe('ERR_CERT_BAD_DER');
  });

  it('RFC 7468 §5: a chain file yields every certificate in order', () => {
    const a = generate(1);
    const b = generate(2);
    expect(parseCertificatesPem(a.certificatePem + a.privateKeyPem + b.certificatePem)).toEqual([a.certificateDer, b.certificateDer]);
  });
});

describe('RFC 5208 §5: private keys into PKCS#8', () => {
  it('RFC 5208 §5: a PKCS#8 PRIVATE KEY block is returned unchanged', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const der = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
    expect(parsePrivateKeyPem(pem)).toEqual(der);
  });

  it('RFC 8017 Appendix A.1.2: an RSA PRIVATE KEY (PKCS#1) wraps to the same PKCS#8 OpenSSL produces', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs1Pem = privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
    const pkcs1Der = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs1' }));
    const pkcs8Der = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
    expect(parsePrivateKeyPem(pkcs1Pem)).toEqual(pkcs8Der);
    expect(pkcs1ToPkcs8(pkcs1Der)).toEqual(pkcs8Der);
  });

  describe.each(REAL_PROVIDERS)('RFC 5915 §3: SEC1 EC PRIVATE KEY wrapped into PKCS#8 ($name provider)', ({ provider }) => {
    it.each(['P-256', 'P-384'] as const)('RFC 5915 §3: a SEC1 %s key imports, and its signatures verify against its SPKI', (curve) => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const sec1Pem = privateKey.export({ format: 'pem', type: 'sec1' }).toString();
      const pkcs8 = parsePrivateKeyPem(sec1Pem);
      const key = provider.importSigningKey(pkcs8);
      const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
      expect(key.publicKeySpki).toEqual(spki);
      const scheme = curve === 'P-256' ? 'ecdsa_secp256r1_sha256' : 'ecdsa_secp384r1_sha384';
      const message = new TextEncoder().encode('RFC 8446 §4.4.3 content');
      const signature = key.sign(scheme, message);
      expect(provider.verify(scheme, spki, message, signature)).toBe(true);
      expect(provider.verify(scheme, spki, new TextEncoder().encode('other'), signature)).toBe(false);
    });
  });

  it('RFC 5915 §3: a generated certificate key signs CertificateVerify content that verifies with the certificate SPKI', () => {
    const g = generate(7, { dnsNames: ['localhost'] });
    const leaf = parseCertificate(g.certificateDer, nodeCryptoProvider);
    for (const { provider } of REAL_PROVIDERS) {
      const key = provider.importSigningKey(parsePrivateKeyPem(g.privateKeyPem));
      expect(key.publicKeySpki).toEqual(leaf.subjectPublicKeyInfo);
      const msg = new Uint8Array(130).fill(0x20);
      const sig = key.sign('ecdsa_secp256r1_sha256', msg);
      expect(nodeCryptoProvider.verify('ecdsa_secp256r1_sha256', leaf.subjectPublicKeyInfo, msg, sig)).toBe(true);
    }
    expect(new Uint8Array(createPublicKey({ key: Buffer.from(leaf.subjectPublicKeyInfo), format: 'der', type: 'spki' }).export({ format: 'der', type: 'spki' }))).toEqual(leaf.subjectPublicKeyInfo);
  });

  it('RFC 5915 §3: sec1ToPkcs8 rejects a key without named-curve parameters', () => {
    // ECPrivateKey { version 1, privateKey OCTET STRING (1 byte) } with no [0] parameters.
    expect(codeOf(() => sec1ToPkcs8(new Uint8Array([0x30, 0x06, 0x02, 0x01, 0x01, 0x04, 0x01, 0x07])))).toBe('ERR_CERT_BAD_DER');
  });
});
