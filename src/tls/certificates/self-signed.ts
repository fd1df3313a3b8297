/**
 * Development certificates: ECDSA P-256 X.509v3 certificates (RFC 5280 §4.1), self-signed or
 * issued by a P-256 CA generated the same way (DESIGN §3).
 *
 * Deterministic by construction: the private key and serial number come from the injected
 * `RandomSource`, the validity from the injected wall clock, and the signature is RFC 6979
 * deterministic ECDSA (@noble/curves). The same seed and clock give the same certificate, so
 * tests are reproducible. In production pass the provider's CSPRNG as `random`.
 *
 * For WebTransport `serverCertificateHashes` (W3C WebTransport, "custom certificate
 * requirements") the certificate must be X.509v3 with an ECDSA P-256 key and a validity period
 * of at most two weeks: the default `validityDays` of 14 gives exactly that (`notBefore` is an hour
 * in the past to absorb clock skew, and `notAfter - notBefore` is 14 days). Longer validity is
 * allowed (a development CA, say) but such a certificate cannot be pinned by hash.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { RandomSource } from '../../util/random.js';
import { CertificateError, CertificateErrorCode } from './errors.js';
import { parseIpAddress } from './names.js';
import { decodeDer, encodePem, OID_EC_PUBLIC_KEY, OID_SECP256R1, sec1ToPkcs8 } from './pem.js';
import { OID_EXT } from './parse.js';
import { dateFromEpochMs } from './wall-clock.js';

const DAY_MS = 86_400_000;
/** How far `notBefore` is set before `nowMs` (clock skew between peers). */
export const BACKDATE_MS = 3_600_000;
/** The longest validity, in days, the W3C WebTransport certificate-hash rule accepts. */
export const WEBTRANSPORT_MAX_VALIDITY_DAYS = 14;
/** The longest validity this generator produces (ten years), for development CAs. */
export const MAX_VALIDITY_DAYS = 3650;

const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** The issuing CA of a certificate that is not self-signed: its certificate and P-256 key. */
export interface CertificateIssuer {
  readonly certificateDer: Uint8Array;
  readonly privateKeyPkcs8: Uint8Array;
}

/** Options of `generateSelfSignedCertificate`. */
export interface SelfSignedCertificateOptions {
  /** Subject (and, when self-signed, issuer) Common Name; informational only. */
  readonly commonName: string;
  /** subjectAltName DNS names (`localhost`, `*.example.test`). */
  readonly dnsNames?: readonly string[];
  /** subjectAltName IP addresses (`127.0.0.1`, `::1`). */
  readonly ipAddresses?: readonly string[];
  /** Validity in days, 1..MAX_VALIDITY_DAYS; default 14 (the WebTransport maximum). */
  readonly validityDays?: number;
  /** The injected wall clock, ms since the Unix epoch. */
  readonly nowMs: number;
  /** Source of the private key and the serial number. */
  readonly random: RandomSource;
  /** Make a CA certificate (basicConstraints cA, keyCertSign) instead of a leaf. Default false. */
  readonly isCA?: boolean;
  /** Sign with this CA instead of self-signing. */
  readonly issuer?: CertificateIssuer;
}

/** A generated certificate and its key. */
export interface GeneratedCertificate {
  readonly certificateDer: Uint8Array;
  /** The private key, PKCS#8 DER (what `CryptoProvider.importSigningKey` takes). */
  readonly privateKeyPkcs8: Uint8Array;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** SHA-256 of `certificateDer`: the value for WebTransport `serverCertificateHashes`. */
  readonly sha256: Uint8Array;
  /** Validity period, ms since the epoch (whole seconds). */
  readonly notBefore: number;
  readonly notAfter: number;
}

function draw32(random: RandomSource): Uint8Array {
  for (let i = 0; i < 64; i++) {
    const sk = random.fill(new Uint8Array(32));
    if (p256.utils.isValidSecretKey(sk)) return sk;
  }
  throw new CertificateError(CertificateErrorCode.BAD_PARAMETER, 'random source gave no valid P-256 scalar in 64 tries');
}

/** SEC1 ECPrivateKey (RFC 5915 §3) wrapped into PKCS#8 for a P-256 scalar. */
function p256Pkcs8(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const sec1 = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 1 }),
      new asn1js.OctetString({ valueHex: secretKey }),
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.ObjectIdentifier({ value: OID_SECP256R1 })] }),
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 1 }, value: [new asn1js.BitString({ valueHex: publicKey })] }),
    ],
  });
  return sec1ToPkcs8(new Uint8Array(sec1.toBER()));
}

/**
 * The 32-byte scalar of a P-256 PKCS#8 key (RFC 5208 §5 around RFC 5915 §3).
 * @throws CertificateError (UNSUPPORTED) for any other key.
 */
export function p256SecretFromPkcs8(pkcs8: Uint8Array): Uint8Array {
  const root = decodeDer(pkcs8, 'PRIVATE KEY');
  const f = root instanceof asn1js.Sequence ? root.valueBlock.value : [];
  const alg = f[1] instanceof asn1js.Sequence ? f[1].valueBlock.value : [];
  const ok =
    alg[0] instanceof asn1js.ObjectIdentifier &&
    alg[0].valueBlock.toString() === OID_EC_PUBLIC_KEY &&
    alg[1] instanceof asn1js.ObjectIdentifier &&
    alg[1].valueBlock.toString() === OID_SECP256R1 &&
    f[2] instanceof asn1js.OctetString;
  if (!ok || !(f[2] instanceof asn1js.OctetString)) throw new CertificateError(CertificateErrorCode.UNSUPPORTED, 'issuer key is not an ECDSA P-256 PKCS#8 key');
  const sec1 = decodeDer(f[2].valueBlock.valueHexView, 'EC PRIVATE KEY');
  const key = sec1 instanceof asn1js.Sequence ? sec1.valueBlock.value[1] : undefined;
  if (!(key instanceof asn1js.OctetString) || key.valueBlock.valueHexView.length !== 32)
    throw new CertificateError(CertificateErrorCode.UNSUPPORTED, 'issuer key is not an ECDSA P-256 PKCS#8 key');
  return key.valueBlock.valueHexView.slice();
}

function time(ms: number): pkijs.Time {
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  const date = dateFromEpochMs(ms);
  return new pkijs.Time({ type: date.getUTCFullYear() < 2050 ? 0 : 1, value: date });
}

function extension(extnID: string, critical: boolean, value: { toSchema(): asn1js.AsnType } | asn1js.AsnType): pkijs.Extension {
  const schema = 'toSchema' in value ? value.toSchema() : value;
  return new pkijs.Extension({ extnID, critical, extnValue: schema.toBER(false) });
}

/** RFC 7093 §2 method 1: the leftmost 160 bits of SHA-256 of the subjectPublicKey bits. */
function keyIdentifier(publicKey: Uint8Array): Uint8Array {
  return sha256(publicKey).subarray(0, 20);
}

/**
 * Generates an ECDSA P-256 X.509v3 certificate: self-signed, or signed by `options.issuer`.
 * Leaves get keyUsage digitalSignature, extKeyUsage serverAuth + clientAuth and the given SANs;
 * CAs get basicConstraints cA and keyUsage keyCertSign + cRLSign.
 * @throws CertificateError (BAD_PARAMETER) for a bad validity or IP address; (UNSUPPORTED) for a
 * non-P-256 issuer key.
 */
export function generateSelfSignedCertificate(options: SelfSignedCertificateOptions): GeneratedCertificate {
  const validityDays = options.validityDays ?? WEBTRANSPORT_MAX_VALIDITY_DAYS;
  if (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > MAX_VALIDITY_DAYS)
    throw new CertificateError(CertificateErrorCode.BAD_PARAMETER, `validityDays must be an integer in 1..${MAX_VALIDITY_DAYS}`);
  const ips = (options.ipAddresses ?? []).map((ip) => {
    const b = parseIpAddress(ip);
    if (b === undefined) throw new CertificateError(CertificateErrorCode.BAD_PARAMETER, `not an IP address: ${ip}`);
    return b;
  });
  const secretKey = draw32(options.random);
  const publicKey = p256.getPublicKey(secretKey, false);
  const serial = options.random.fill(new Uint8Array(16));
  // RFC 5280 §4.1.2.2: a positive INTEGER of at most 20 octets; keep it 16 octets, minimal DER.
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const notBefore = Math.floor((options.nowMs - BACKDATE_MS) / 1000) * 1000;
  const notAfter = notBefore + validityDays * DAY_MS;

  const cert = new pkijs.Certificate();
  cert.version = 2; // v3 (RFC 5280 §4.1.2.1)
  cert.serialNumber = new asn1js.Integer({ valueHex: serial });
  cert.subject.typesAndValues.push(new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: options.commonName }) }));
  cert.notBefore = time(notBefore);
  cert.notAfter = time(notAfter);
  const spki = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID_EC_PUBLIC_KEY }), new asn1js.ObjectIdentifier({ value: OID_SECP256R1 })] }),
      new asn1js.BitString({ valueHex: publicKey }),
    ],
  });
  cert.subjectPublicKeyInfo = new pkijs.PublicKeyInfo({ schema: spki });

  let signingKey = secretKey;
  let authorityKeyId = keyIdentifier(publicKey);
  if (options.issuer !== undefined) {
    signingKey = p256SecretFromPkcs8(options.issuer.privateKeyPkcs8);
    const issuerCert = new pkijs.Certificate({ schema: decodeDer(options.issuer.certificateDer, 'issuer certificate') });
    cert.issuer = issuerCert.subject;
    authorityKeyId = keyIdentifier(p256.getPublicKey(signingKey, false));
  } else {
    cert.issuer = cert.subject;
  }

  const isCA = options.isCA ?? false;
  const extensions: pkijs.Extension[] = [
    extension(OID_EXT.basicConstraints, true, new pkijs.BasicConstraints({ cA: isCA })),
    // RFC 5280 §4.2.1.3 bits: digitalSignature (0); keyCertSign (5), cRLSign (6) for a CA.
    extension(OID_EXT.keyUsage, true, isCA ? new asn1js.BitString({ valueHex: new Uint8Array([0x86]), unusedBits: 1 }) : new asn1js.BitString({ valueHex: new Uint8Array([0x80]), unusedBits: 7 })),
    extension(OID_EXT.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: keyIdentifier(publicKey) })),
    extension(OID_EXT.authorityKeyIdentifier, false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: authorityKeyId }) })),
  ];
  if (!isCA) extensions.push(extension(OID_EXT.extKeyUsage, false, new pkijs.ExtKeyUsage({ keyPurposes: [OID_SERVER_AUTH, OID_CLIENT_AUTH] })));
  const altNames = [
    ...(options.dnsNames ?? []).map((value) => new pkijs.GeneralName({ type: 2, value })),
    ...ips.map((b) => new pkijs.GeneralName({ type: 7, value: new asn1js.OctetString({ valueHex: b }) })),
  ];
  if (altNames.length > 0) extensions.push(extension(OID_EXT.subjectAltName, false, new pkijs.AltName({ altNames })));
  cert.extensions = extensions;

  // RFC 5758 §3.2: ecdsa-with-SHA256, parameters absent.
  cert.signature = new pkijs.AlgorithmIdentifier({ algorithmId: OID_ECDSA_WITH_SHA256 });
  cert.signatureAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: OID_ECDSA_WITH_SHA256 });
  const tbs = new Uint8Array(cert.encodeTBS().toBER());
  cert.tbsView = tbs;
  const signature = p256.sign(tbs, signingKey, { format: 'der' });
  cert.signatureValue = new asn1js.BitString({ valueHex: signature });
  const certificateDer = new Uint8Array(cert.toSchema(false).toBER());

  const privateKeyPkcs8 = p256Pkcs8(secretKey, publicKey);
  return {
    certificateDer,
    privateKeyPkcs8,
    certificatePem: encodePem('CERTIFICATE', certificateDer),
    privateKeyPem: encodePem('PRIVATE KEY', privateKeyPkcs8),
    sha256: sha256(certificateDer),
    notBefore,
    notAfter,
  };
}
