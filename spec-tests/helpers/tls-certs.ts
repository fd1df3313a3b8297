/**
 * Certificates for the TLS handshake tests (RFC 8446 §4.4.2): a P-256 development CA
 * (generateSelfSignedCertificate) and leaves it signs for every server key type the stack handles
 * (ECDSA P-256, ECDSA P-384, Ed25519, RSA-PSS via rsaEncryption keys). Leaves with a non-P-256 key
 * are assembled here with pkijs and signed by the CA's P-256 key (noble), since the generator only
 * makes P-256 keys. Keys other than P-256 come from node:crypto (tests may use node:*).
 */
import { generateKeyPairSync } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { p256 } from '@noble/curves/nist.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { generateSelfSignedCertificate, p256SecretFromPkcs8, type GeneratedCertificate } from '../../src/tls/certificates/self-signed.js';
import { OID_EXT } from '../../src/tls/certificates/parse.js';
import type { CertifiedKey } from '../../src/tls/session-types.js';
import { SeededRandom } from '../../src/util/random.js';

/** 2026-01-01T00:00:00Z: the injected wall clock of the handshake tests. */
export const TLS_TEST_NOW = Date.UTC(2026, 0, 1);

/** The server key types exercised by the handshake tests. */
export type ServerKeyType = 'ecdsa-p256' | 'ecdsa-p384' | 'ed25519' | 'rsa';

/** A leaf certificate and its PKCS#8 key. */
export interface TestLeaf {
  readonly certificateDer: Uint8Array;
  readonly privateKeyPkcs8: Uint8Array;
}

/** A CA and its leaves by key type, all for `localhost`. */
export interface TestPki {
  readonly ca: GeneratedCertificate;
  readonly leaves: Readonly<Record<ServerKeyType, TestLeaf>>;
  /** A client certificate (P-256) signed by the same CA. */
  readonly client: GeneratedCertificate;
  /** A self-signed P-256 leaf for `localhost`, not signed by the CA (unknown_ca). */
  readonly untrusted: GeneratedCertificate;
}

const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

function nodeKey(type: Exclude<ServerKeyType, 'ecdsa-p256'>): { spki: Uint8Array; pkcs8: Uint8Array } {
  const pair =
    type === 'ecdsa-p384' ? generateKeyPairSync('ec', { namedCurve: 'P-384' })
    : type === 'ed25519' ? generateKeyPairSync('ed25519')
    : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    spki: new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' })),
    pkcs8: new Uint8Array(pair.privateKey.export({ type: 'pkcs8', format: 'der' })),
  };
}

/** A leaf for `dnsNames` with public key `spki`, signed by the P-256 CA (RFC 5280 profile of the generator). */
export function leafWithKey(ca: GeneratedCertificate, spki: Uint8Array, dnsNames: readonly string[], nowMs: number, serial: number): Uint8Array {
  const caCert = new pkijs.Certificate({ schema: asn1js.fromBER(ca.certificateDer).result });
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: serial });
  cert.subject.typesAndValues.push(new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: `leaf-${serial}` }) }));
  cert.issuer = caCert.subject;
  cert.notBefore = new pkijs.Time({ type: 0, value: new Date(nowMs - 3_600_000) });
  cert.notAfter = new pkijs.Time({ type: 0, value: new Date(nowMs + 30 * 86_400_000) });
  cert.subjectPublicKeyInfo = new pkijs.PublicKeyInfo({ schema: asn1js.fromBER(spki).result });
  const ext = (extnID: string, critical: boolean, value: asn1js.AsnType): pkijs.Extension => new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
  cert.extensions = [
    ext(OID_EXT.basicConstraints, true, new pkijs.BasicConstraints({ cA: false }).toSchema()),
    ext(OID_EXT.keyUsage, true, new asn1js.BitString({ valueHex: new Uint8Array([0x80]), unusedBits: 7 })),
    ext(OID_EXT.subjectAltName, false, new pkijs.AltName({ altNames: dnsNames.map((value) => new pkijs.GeneralName({ type: 2, value })) }).toSchema()),
  ];
  cert.signature = new pkijs.AlgorithmIdentifier({ algorithmId: OID_ECDSA_WITH_SHA256 });
  cert.signatureAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: OID_ECDSA_WITH_SHA256 });
  const tbs = new Uint8Array(cert.encodeTBS().toBER());
  cert.tbsView = tbs;
  const signature = p256.sign(tbs, p256SecretFromPkcs8(ca.privateKeyPkcs8), { format: 'der' });
  cert.signatureValue = new asn1js.BitString({ valueHex: signature });
  return new Uint8Array(cert.toSchema(false).toBER());
}

let cached: TestPki | undefined;

/** The test PKI, generated once per process (RSA key generation is slow). */
export function testPki(): TestPki {
  if (cached !== undefined) return cached;
  const random = new SeededRandom(0x7e57);
  const ca = generateSelfSignedCertificate({ commonName: 'Test CA', isCA: true, validityDays: 365, nowMs: TLS_TEST_NOW, random });
  const p256Leaf = generateSelfSignedCertificate({ commonName: 'localhost', dnsNames: ['localhost'], nowMs: TLS_TEST_NOW, random, issuer: ca });
  const other = (type: Exclude<ServerKeyType, 'ecdsa-p256'>, serial: number): TestLeaf => {
    const k = nodeKey(type);
    return { certificateDer: leafWithKey(ca, k.spki, ['localhost'], TLS_TEST_NOW, serial), privateKeyPkcs8: k.pkcs8 };
  };
  cached = {
    ca,
    leaves: { 'ecdsa-p256': p256Leaf, 'ecdsa-p384': other('ecdsa-p384', 384), ed25519: other('ed25519', 25519), rsa: other('rsa', 2048) },
    client: generateSelfSignedCertificate({ commonName: 'client', dnsNames: ['client.test'], nowMs: TLS_TEST_NOW, random, issuer: ca }),
    untrusted: generateSelfSignedCertificate({ commonName: 'localhost', dnsNames: ['localhost'], nowMs: TLS_TEST_NOW, random }),
  };
  return cached;
}

/** A leaf's chain and key, imported through `provider`. */
export function certifiedKey(leaf: TestLeaf, provider: CryptoProvider): CertifiedKey {
  return { chain: [leaf.certificateDer], key: provider.importSigningKey(leaf.privateKeyPkcs8) };
}
