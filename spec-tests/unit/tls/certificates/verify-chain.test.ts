import { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider as provider } from '../../../../src/crypto/node-provider.js';
import { parseCertificatesPem } from '../../../../src/tls/certificates/pem.js';
import { parseCertificate } from '../../../../src/tls/certificates/parse.js';
import { verifyCertificateChain } from '../../../../src/tls/certificates/verify-chain.js';
import { DAY, generate, NOW } from './helpers.js';

function alertOf(r: Awaited<ReturnType<typeof verifyCertificateChain>>): string {
  return r.ok ? 'ok' : r.alert;
}

describe('RFC 8446 §4.4.2.4: receiving a Certificate message', () => {
  const self = generate(41, { commonName: 'self', dnsNames: ['localhost', '*.dev.test'], ipAddresses: ['127.0.0.1'] });
  const ca = generate(42, { commonName: 'Dev CA', isCA: true, validityDays: 365 });
  const leaf = generate(43, { commonName: 'leaf', dnsNames: ['server.test'], issuer: ca });

  it('RFC 8446 §4.4.2.4: a self-signed leaf that is itself a trust anchor is accepted, with the parsed leaf', async () => {
    const r = await verifyCertificateChain({ chain: [self.certificateDer], trustAnchors: [self.certificateDer], nowMs: NOW, serverName: 'localhost', provider });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.leaf.sha256).toEqual(self.sha256);
    expect(alertOf(await verifyCertificateChain({ chain: [self.certificateDer], trustAnchors: [self.certificateDer], nowMs: NOW, serverName: '127.0.0.1', provider }))).toBe('ok');
  });

  it('RFC 8446 §6.2: an untrusted self-signed leaf fails with unknown_ca', async () => {
    const r = await verifyCertificateChain({ chain: [self.certificateDer], trustAnchors: [ca.certificateDer], nowMs: NOW, provider });
    expect(alertOf(r)).toBe('unknown_ca');
  });

  it('RFC 8446 §6.2: a leaf outside its validity period fails with certificate_expired', async () => {
    for (const nowMs of [NOW + 15 * DAY, NOW - 2 * DAY]) {
      const r = await verifyCertificateChain({ chain: [self.certificateDer], trustAnchors: [self.certificateDer], nowMs, provider });
      expect(alertOf(r)).toBe('certificate_expired');
    }
  });

  it('RFC 8446 §6.2: a name the leaf is not valid for fails with bad_certificate (as rustls NotValidForName)', async () => {
    for (const serverName of ['example.com', 'a.b.dev.test', '127.0.0.2', 'self']) {
      const r = await verifyCertificateChain({ chain: [self.certificateDer], trustAnchors: [self.certificateDer], nowMs: NOW, serverName, provider });
      expect(alertOf(r)).toBe('bad_certificate');
    }
  });

  it('RFC 8446 §4.4.2: a leaf issued by a CA validates with the CA as anchor, and fails with unknown_ca without it', async () => {
    const ok = await verifyCertificateChain({ chain: [leaf.certificateDer], trustAnchors: [ca.certificateDer], nowMs: NOW, serverName: 'server.test', provider });
    expect(ok.ok).toBe(true);
    if (ok.ok) expect(ok.leaf.issuer).toBe('CN=Dev CA');
    // The CA also sent in the chain (as many servers do) changes nothing.
    const withCa = await verifyCertificateChain({ chain: [leaf.certificateDer, ca.certificateDer], trustAnchors: [ca.certificateDer], nowMs: NOW, provider });
    expect(alertOf(withCa)).toBe('ok');
    // Sent, but not trusted: a partial chain to nowhere.
    const untrusted = await verifyCertificateChain({ chain: [leaf.certificateDer, ca.certificateDer], trustAnchors: [self.certificateDer], nowMs: NOW, provider });
    expect(alertOf(untrusted)).toBe('unknown_ca');
    const none = await verifyCertificateChain({ chain: [leaf.certificateDer], trustAnchors: [], nowMs: NOW, provider });
    expect(alertOf(none)).toBe('unknown_ca');
  });

  it('RFC 8446 §4.4.2: a leaf signed by another key with the CA name does not chain (signature checked)', async () => {
    const impostorCa = generate(44, { commonName: 'Dev CA', isCA: true, validityDays: 365 });
    const forged = generate(45, { commonName: 'leaf', dnsNames: ['server.test'], issuer: impostorCa });
    const r = await verifyCertificateChain({ chain: [forged.certificateDer], trustAnchors: [ca.certificateDer], nowMs: NOW, provider });
    expect(alertOf(r)).toBe('unknown_ca');
  });

  it('RFC 8446 §6.2: an expired CA in the path fails with certificate_expired', async () => {
    const shortCa = generate(46, { commonName: 'Short CA', isCA: true, validityDays: 1 });
    const l = generate(47, { commonName: 'leaf', issuer: shortCa });
    expect(alertOf(await verifyCertificateChain({ chain: [l.certificateDer], trustAnchors: [shortCa.certificateDer], nowMs: NOW, provider }))).toBe('ok');
    expect(alertOf(await verifyCertificateChain({ chain: [l.certificateDer], trustAnchors: [shortCa.certificateDer], nowMs: NOW + 2 * DAY, provider }))).toBe('certificate_expired');
  });

  it('RFC 5280 §4.2.1.9: a leaf used as an issuer (not a CA) does not validate', async () => {
    const notCa = generate(48, { commonName: 'not a CA', validityDays: 365 });
    const l = generate(49, { commonName: 'leaf', issuer: notCa });
    const r = await verifyCertificateChain({ chain: [l.certificateDer], trustAnchors: [notCa.certificateDer], nowMs: NOW, provider });
    expect(r.ok).toBe(false);
  });

  it('RFC 8446 §4.4.2.4: an empty certificate_list fails with decode_error; garbage with bad_certificate', async () => {
    expect(alertOf(await verifyCertificateChain({ chain: [], trustAnchors: [], nowMs: NOW, provider }))).toBe('decode_error');
    expect(alertOf(await verifyCertificateChain({ chain: [new Uint8Array([0x30, 0x01, 0x00])], trustAnchors: [], nowMs: NOW, provider }))).toBe('bad_certificate');
  });

  it('RFC 8446 §4.4.2.4: a certificate signed with MD5 or SHA-1 that needs validating fails with bad_certificate', async () => {
    for (const [oid, what] of [['1.2.840.113549.1.1.4', 'MD5'], ['1.2.840.10045.4.1', 'SHA-1'], ['1.2.840.113549.1.1.5', 'SHA-1']] as const) {
      const weak = withSignatureAlgorithm(leaf.certificateDer, oid);
      const r = await verifyCertificateChain({ chain: [weak], trustAnchors: [ca.certificateDer], nowMs: NOW, provider });
      expect(r).toMatchObject({ ok: false, alert: 'bad_certificate' });
      if (!r.ok) expect(r.reason).toContain(what);
    }
  });

  it('RFC 8446 §4.4.2.4: SHA-1 is acceptable on a self-signed certificate or a trust anchor', async () => {
    const sha1Root = rootCertificates.map((pem) => parseCertificatesPem(pem)[0]!).find((der) => parseCertificate(der, provider).signatureAlgorithmOid === '1.2.840.113549.1.1.5');
    expect(sha1Root).toBeDefined();
    const x = new X509Certificate(sha1Root!);
    const at = (Date.parse(x.validFrom) + Date.parse(x.validTo)) / 2;
    // Self-signed, trusted by nothing: the failure is the missing anchor, not the hash.
    expect(alertOf(await verifyCertificateChain({ chain: [sha1Root!], trustAnchors: [], nowMs: at, provider }))).toBe('unknown_ca');
    expect(alertOf(await verifyCertificateChain({ chain: [sha1Root!], trustAnchors: [sha1Root!], nowMs: at, provider }))).toBe('ok');
  });

  it('RFC 5280 §4.2: a leaf with a critical extension we do not understand fails with bad_certificate', async () => {
    const cert = pkijs.Certificate.fromBER(new Uint8Array(leaf.certificateDer));
    cert.extensions!.push(new pkijs.Extension({ extnID: '1.3.6.1.4.1.99999.1', critical: true, extnValue: new asn1js.Null().toBER() }));
    const der = new Uint8Array(cert.toSchema(true).toBER());
    const r = await verifyCertificateChain({ chain: [der], trustAnchors: [ca.certificateDer], nowMs: NOW, provider });
    expect(r).toMatchObject({ ok: false, alert: 'bad_certificate' });
  });

  it('RFC 8446 §4.4.2.4: real roots from node:tls validate as trust anchors (RSA and ECDSA via WebCrypto)', async () => {
    const roots = rootCertificates.map((pem) => parseCertificatesPem(pem)[0]!);
    let checked = 0;
    for (const der of roots.slice(0, 12)) {
      const x = new X509Certificate(der);
      const at = (Date.parse(x.validFrom) + Date.parse(x.validTo)) / 2;
      expect(alertOf(await verifyCertificateChain({ chain: [der], trustAnchors: roots, nowMs: at, provider }))).toBe('ok');
      // Not trusted: pkijs builds the self-signed path (a WebCrypto signature check) and finds no anchor.
      expect(alertOf(await verifyCertificateChain({ chain: [der], trustAnchors: [self.certificateDer], nowMs: at, provider }))).toBe('unknown_ca');
      checked++;
    }
    expect(checked).toBe(12);
  });

  it('RFC 8446 §4.4.2.4: path building finds our CA among many anchors (RSA roots included); names compare case-insensitively', async () => {
    const anchors = [...rootCertificates.slice(0, 5).map((pem) => parseCertificatesPem(pem)[0]!), ca.certificateDer];
    expect(alertOf(await verifyCertificateChain({ chain: [leaf.certificateDer], trustAnchors: anchors, nowMs: NOW, serverName: 'SERVER.test', provider }))).toBe('ok');
  });
});

/** The certificate re-encoded with another signatureAlgorithm (inner and outer); its signature no longer verifies. */
function withSignatureAlgorithm(der: Uint8Array, oid: string): Uint8Array {
  const cert = pkijs.Certificate.fromBER(new Uint8Array(der));
  cert.signature = new pkijs.AlgorithmIdentifier({ algorithmId: oid });
  cert.signatureAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: oid });
  return new Uint8Array(cert.toSchema(true).toBER());
}
