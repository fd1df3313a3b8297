import { describe, expect, it } from 'vitest';
import { rootCertificates } from 'node:tls';
import { REAL_PROVIDERS } from '../../../helpers/providers.js';
import { parseCertificatesPem } from '../../../../src/tls/certificates/pem.js';
import { PINNED_MAX_VALIDITY_MS, verifyPinnedCertificate } from '../../../../src/tls/certificates/pinning.js';
import { parseCertificate } from '../../../../src/tls/certificates/parse.js';
import { DAY, generate, NOW } from './helpers.js';

describe.each(REAL_PROVIDERS)('W3C WebTransport serverCertificateHashes: custom certificate requirements ($name provider)', ({ provider }) => {
  const cert = generate(61, { dnsNames: ['localhost'] });

  it('W3C WebTransport serverCertificateHashes: a 14-day ECDSA P-256 certificate whose SHA-256 is pinned is accepted', () => {
    const r = verifyPinnedCertificate(cert.certificateDer, [new Uint8Array(32), cert.sha256], NOW, provider);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.leaf.sha256).toEqual(provider.hash('sha256', cert.certificateDer));
      expect(r.leaf.notAfter - r.leaf.notBefore).toBe(PINNED_MAX_VALIDITY_MS);
    }
  });

  it('W3C WebTransport serverCertificateHashes: a hash that is not pinned is refused (unknown_ca)', () => {
    const wrong = cert.sha256.slice();
    wrong[0]! ^= 1;
    expect(verifyPinnedCertificate(cert.certificateDer, [wrong], NOW, provider)).toMatchObject({ ok: false, alert: 'unknown_ca' });
    expect(verifyPinnedCertificate(cert.certificateDer, [], NOW, provider)).toMatchObject({ ok: false, alert: 'unknown_ca' });
  });

  it('W3C WebTransport serverCertificateHashes: validity longer than two weeks is refused even when pinned', () => {
    const long = generate(62, { validityDays: 15 });
    expect(verifyPinnedCertificate(long.certificateDer, [long.sha256], NOW, provider)).toMatchObject({ ok: false, alert: 'unsupported_certificate' });
  });

  it('W3C WebTransport serverCertificateHashes: the current time must be within the validity period', () => {
    const c = parseCertificate(cert.certificateDer, provider);
    expect(verifyPinnedCertificate(cert.certificateDer, [cert.sha256], c.notAfter, provider).ok).toBe(true);
    expect(verifyPinnedCertificate(cert.certificateDer, [cert.sha256], c.notAfter + 1, provider)).toMatchObject({ ok: false, alert: 'certificate_expired' });
    expect(verifyPinnedCertificate(cert.certificateDer, [cert.sha256], NOW + 20 * DAY, provider)).toMatchObject({ ok: false, alert: 'certificate_expired' });
    expect(verifyPinnedCertificate(cert.certificateDer, [cert.sha256], c.notBefore - 1, provider)).toMatchObject({ ok: false, alert: 'certificate_expired' });
  });

  it('W3C WebTransport serverCertificateHashes: a key other than ECDSA P-256 is refused', () => {
    // An RSA (or P-384) root from Node's bundle, pinned by its own hash, at a time inside its validity:
    // refused for the key type before the validity-length rule is even reached.
    const der = rootCertificates.map((pem) => parseCertificatesPem(pem)[0]!).find((d) => parseCertificate(d, provider).keyAlgorithm !== 'ecdsa-p256')!;
    const c = parseCertificate(der, provider);
    const r = verifyPinnedCertificate(der, [c.sha256], (c.notBefore + c.notAfter) / 2, provider);
    expect(r).toMatchObject({ ok: false, alert: 'unsupported_certificate' });
  });

  it('W3C WebTransport serverCertificateHashes: an undecodable certificate is refused with bad_certificate', () => {
    expect(verifyPinnedCertificate(new Uint8Array([1, 2, 3]), [provider.hash('sha256', new Uint8Array([1, 2, 3]))], NOW, provider)).toMatchObject({ ok: false, alert: 'bad_certificate' });
  });
});
