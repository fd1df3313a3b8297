import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from '../../../../src/crypto/node-provider.js';
import { nobleCryptoProvider } from '../../../../src/crypto/noble-provider.js';
import { CertificateError } from '../../../../src/tls/certificates/errors.js';
import { parseCertificatesPem } from '../../../../src/tls/certificates/pem.js';
import { parseCertificate } from '../../../../src/tls/certificates/parse.js';
import { BACKDATE_MS, generateSelfSignedCertificate } from '../../../../src/tls/certificates/self-signed.js';
import { SeededRandom } from '../../../../src/util/random.js';
import { DAY, generate, NOW } from './helpers.js';

describe('RFC 5280 §4.1: parsing X.509 certificates', () => {
  it('RFC 5280 §4.1: every field of a generated certificate parses back, and node:crypto agrees', () => {
    const g = generate(11, { commonName: 'dev.test', dnsNames: ['localhost', '*.dev.test'], ipAddresses: ['127.0.0.1', '::1'] });
    const c = parseCertificate(g.certificateDer, nodeCryptoProvider);
    const x = new X509Certificate(g.certificateDer);
    expect(c.der).toEqual(g.certificateDer);
    expect(c.version).toBe(3);
    expect(c.subject).toBe('CN=dev.test');
    expect(c.issuer).toBe('CN=dev.test');
    expect(c.commonName).toBe('dev.test');
    expect(Buffer.from(c.serialNumber).toString('hex').toUpperCase()).toBe(x.serialNumber.toUpperCase());
    expect(c.serialNumber.length).toBe(16);
    expect(c.notBefore).toBe(Math.floor((NOW - BACKDATE_MS) / 1000) * 1000);
    expect(c.notAfter - c.notBefore).toBe(14 * DAY);
    expect(c.notBefore).toBe(Date.parse(x.validFrom));
    expect(c.notAfter).toBe(Date.parse(x.validTo));
    expect(c.dnsNames).toEqual(['localhost', '*.dev.test']);
    expect(c.ipAddresses).toEqual(['127.0.0.1', '::1']);
    expect(c.subjectPublicKeyInfo).toEqual(new Uint8Array(x.publicKey.export({ format: 'der', type: 'spki' })));
    expect(c.keyAlgorithm).toBe('ecdsa-p256');
    expect(c.signatureAlgorithmOid).toBe('1.2.840.10045.4.3.2');
    expect(c.isCA).toBe(false);
    expect(c.pathLength).toBeUndefined();
    expect(c.keyUsage).toEqual(['digitalSignature']);
    expect(c.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(c.unhandledCriticalExtensions).toEqual([]);
    expect(Buffer.from(c.sha256).toString('hex')).toBe(x.fingerprint256.replace(/:/g, '').toLowerCase());
    expect(c.sha256).toEqual(g.sha256);
    expect(parseCertificate(g.certificateDer, nobleCryptoProvider).sha256).toEqual(c.sha256);
    expect(x.verify(x.publicKey)).toBe(true);
  });

  it('RFC 5280 §4.2.1.9: a generated CA has cA set and keyCertSign + cRLSign; its leaf names it as issuer', () => {
    const ca = generate(12, { commonName: 'Dev CA', isCA: true, validityDays: 365 });
    const c = parseCertificate(ca.certificateDer, nodeCryptoProvider);
    expect(c.isCA).toBe(true);
    expect(c.keyUsage).toEqual(['digitalSignature', 'keyCertSign', 'cRLSign']);
    expect(c.extendedKeyUsage).toBeUndefined();
    expect(c.notAfter - c.notBefore).toBe(365 * DAY);
    const leaf = generate(13, { commonName: 'leaf', dnsNames: ['a.test'], issuer: ca });
    const l = parseCertificate(leaf.certificateDer, nodeCryptoProvider);
    expect(l.issuer).toBe('CN=Dev CA');
    expect(l.subject).toBe('CN=leaf');
    expect(new X509Certificate(leaf.certificateDer).verify(new X509Certificate(ca.certificateDer).publicKey)).toBe(true);
  });

  it('RFC 5280 §4.1.2.5: validity from 2050 on is encoded as GeneralizedTime and parses back', () => {
    const nowMs = Date.UTC(2055, 5, 1);
    const g = generateSelfSignedCertificate({ commonName: 'future', nowMs, random: new SeededRandom(5) });
    const c = parseCertificate(g.certificateDer, nodeCryptoProvider);
    expect(c.notBefore).toBe(nowMs - BACKDATE_MS);
    expect(Date.parse(new X509Certificate(g.certificateDer).validTo)).toBe(c.notAfter);
  });

  it('RFC 5280 §4.1: the same seed and clock give the same certificate (deterministic generation)', () => {
    expect(generate(21).certificateDer).toEqual(generate(21).certificateDer);
    expect(generate(21).certificateDer).not.toEqual(generate(22).certificateDer);
  });

  it('RFC 5280 §4.1: garbage, truncations and trailing bytes raise CertificateError, never anything else', () => {
    const der = generate(31).certificateDer;
    const inputs: Uint8Array[] = [new Uint8Array(0), new Uint8Array([0x30, 0x00]), new Uint8Array([0xff, 0xff]), new Uint8Array([...der, 0])];
    for (let n = 1; n < der.length; n += 7) inputs.push(der.subarray(0, n));
    for (const input of inputs) {
      let caught: unknown;
      try {
        parseCertificate(input, nodeCryptoProvider);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(CertificateError);
    }
  });

  it("RFC 5280 §4.1: every root certificate bundled with Node parses (robustness on real-world certificates)", () => {
    expect(rootCertificates.length).toBeGreaterThan(100);
    const algorithms = new Set<string>();
    for (const pem of rootCertificates) {
      const [der] = parseCertificatesPem(pem);
      const c = parseCertificate(der!, nodeCryptoProvider);
      const x = new X509Certificate(der!);
      expect(c.notAfter).toBe(Date.parse(x.validTo));
      expect(c.subjectPublicKeyInfo).toEqual(new Uint8Array(x.publicKey.export({ format: 'der', type: 'spki' })));
      expect(c.isCA).toBe(x.ca);
      algorithms.add(c.keyAlgorithm);
    }
    expect(algorithms).toContain('rsa');
    expect(algorithms).toContain('ecdsa-p384');
  });
});
