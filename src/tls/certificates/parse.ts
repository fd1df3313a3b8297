/**
 * X.509 certificate parsing (RFC 5280 §4.1, §4.2) into a small, plain `ParsedCertificate` view:
 * the fields the TLS handshake and the identity checks need (RFC 8446 §4.4.2, §4.4.2.2).
 * Parsing is synchronous (pkijs + asn1js decode without WebCrypto).
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { CryptoProvider } from '../../crypto/provider.js';
import { CertificateError, CertificateErrorCode } from './errors.js';
import { formatIpAddress } from './names.js';
import { decodeDer, OID_EC_PUBLIC_KEY, OID_RSA_ENCRYPTION, OID_SECP256R1 } from './pem.js';

/** The public-key algorithm of a certificate (RFC 5480, RFC 8410, RFC 8017, RFC 4055). */
export type CertificateKeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ed25519' | 'rsa' | 'rsa-pss' | 'unknown';

/** RFC 5280 §4.2.1.3 KeyUsage bit names, in bit order. */
export const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

/** One RFC 5280 §4.2.1.3 KeyUsage bit name. */
export type KeyUsage = (typeof KEY_USAGE_BITS)[number];

/** Extension OIDs (RFC 5280 §4.2.1). */
export const OID_EXT = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  certificatePolicies: '2.5.29.32',
  policyConstraints: '2.5.29.36',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  inhibitAnyPolicy: '2.5.29.54',
} as const;

const HANDLED_EXTENSIONS: ReadonlySet<string> = new Set(Object.values(OID_EXT));
const OID_SECP384R1 = '1.3.132.0.34';
const OID_ED25519 = '1.3.101.112';
const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';

/** Short names of common attribute types (RFC 4514 §3). */
const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** The fields of an X.509 certificate the TLS stack uses. All times are ms since the Unix epoch. */
export interface ParsedCertificate {
  /** The certificate's DER encoding (the bytes that were parsed). */
  readonly der: Uint8Array;
  /** X.509 version: 1, 2 or 3 (RFC 5280 §4.1.2.1). */
  readonly version: number;
  /** The serial number's content octets (RFC 5280 §4.1.2.2). */
  readonly serialNumber: Uint8Array;
  /** The subject name, `TYPE=value` pairs joined by `, ` in encoded order (e.g. `CN=a, O=b`). */
  readonly subject: string;
  /** The issuer name, in the same form as `subject`. */
  readonly issuer: string;
  /** The subject Common Name, if any (informational only: never used for name checks). */
  readonly commonName: string | undefined;
  /** Start of the validity period (RFC 5280 §4.1.2.5), ms since the epoch. */
  readonly notBefore: number;
  /** End of the validity period, inclusive, ms since the epoch. */
  readonly notAfter: number;
  /** subjectAltName dNSName entries (RFC 5280 §4.2.1.6). */
  readonly dnsNames: readonly string[];
  /** subjectAltName iPAddress entries: dotted IPv4 or RFC 5952 IPv6. */
  readonly ipAddresses: readonly string[];
  /** The SubjectPublicKeyInfo, DER, exactly as encoded (for `CryptoProvider.verify`). */
  readonly subjectPublicKeyInfo: Uint8Array;
  /** The public-key algorithm. */
  readonly keyAlgorithm: CertificateKeyAlgorithm;
  /** The certificate's signatureAlgorithm OID (RFC 5280 §4.1.1.2). */
  readonly signatureAlgorithmOid: string;
  /** basicConstraints cA (RFC 5280 §4.2.1.9); false when the extension is absent. */
  readonly isCA: boolean;
  /** basicConstraints pathLenConstraint, if present. */
  readonly pathLength: number | undefined;
  /** keyUsage bits that are set; undefined when the extension is absent (RFC 5280 §4.2.1.3). */
  readonly keyUsage: readonly KeyUsage[] | undefined;
  /** extKeyUsage purpose OIDs; undefined when the extension is absent (RFC 5280 §4.2.1.12). */
  readonly extendedKeyUsage: readonly string[] | undefined;
  /** OIDs of critical extensions this module does not understand (RFC 5280 §4.2: must reject). */
  readonly unhandledCriticalExtensions: readonly string[];
  /** SHA-256 of `der`: the WebTransport serverCertificateHashes value. */
  readonly sha256: Uint8Array;
}

function attributeValue(value: unknown): string {
  if (value !== null && typeof value === 'object' && 'valueBlock' in value) {
    const block = (value as { valueBlock: { value?: unknown } }).valueBlock;
    if (typeof block.value === 'string') return block.value;
  }
  return '#unsupported';
}

function formatName(name: pkijs.RelativeDistinguishedNames): { text: string; cn: string | undefined } {
  let cn: string | undefined;
  const parts = name.typesAndValues.map((tv) => {
    const v = attributeValue(tv.value);
    if (tv.type === '2.5.4.3' && cn === undefined) cn = v;
    return `${ATTRIBUTE_NAMES[tv.type] ?? tv.type}=${v}`;
  });
  return { text: parts.join(', '), cn };
}

function keyAlgorithmOf(spki: pkijs.PublicKeyInfo): CertificateKeyAlgorithm {
  switch (spki.algorithm.algorithmId) {
    case OID_EC_PUBLIC_KEY: {
      const params = spki.algorithm.algorithmParams as unknown;
      const curve = params instanceof asn1js.ObjectIdentifier ? params.valueBlock.toString() : '';
      return curve === OID_SECP256R1 ? 'ecdsa-p256' : curve === OID_SECP384R1 ? 'ecdsa-p384' : 'unknown';
    }
    case OID_ED25519:
      return 'ed25519';
    case OID_RSA_ENCRYPTION:
      return 'rsa';
    case OID_RSASSA_PSS:
      return 'rsa-pss';
    default:
      return 'unknown';
  }
}

/** The raw SubjectPublicKeyInfo element of a decoded certificate (RFC 5280 §4.1). */
function rawSpki(root: asn1js.AsnType): Uint8Array {
  const tbs = root instanceof asn1js.Sequence ? root.valueBlock.value[0] : undefined;
  const fields = tbs instanceof asn1js.Sequence ? tbs.valueBlock.value : [];
  const first = fields[0];
  const hasVersion = first !== undefined && first.idBlock.tagClass === 3 && first.idBlock.tagNumber === 0;
  // TBSCertificate: [version], serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
  const spki = fields[(hasVersion ? 1 : 0) + 5];
  if (spki === undefined) throw new CertificateError(CertificateErrorCode.BAD_DER, 'certificate: no SubjectPublicKeyInfo');
  return spki.valueBeforeDecodeView.slice();
}

/**
 * Parses a DER X.509 certificate (RFC 5280 §4.1). `provider` computes the SHA-256 fingerprint.
 * @throws CertificateError (BAD_DER) for anything that is not exactly one well-formed certificate.
 */
export function parseCertificate(der: Uint8Array, provider: CryptoProvider): ParsedCertificate {
  return parseCertificateWithPkijs(der, provider).parsed;
}

/** Builds the plain view of a decoded certificate; also used by the chain validator. */
function viewOf(cert: pkijs.Certificate, root: asn1js.AsnType, der: Uint8Array, provider: CryptoProvider): ParsedCertificate {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  let isCA = false;
  let pathLength: number | undefined;
  let keyUsage: KeyUsage[] | undefined;
  let extendedKeyUsage: string[] | undefined;
  const unhandledCriticalExtensions: string[] = [];
  for (const ext of cert.extensions ?? []) {
    const parsed = ext.parsedValue as unknown;
    if (ext.critical && (!HANDLED_EXTENSIONS.has(ext.extnID) || parsed === undefined)) unhandledCriticalExtensions.push(ext.extnID);
    switch (ext.extnID) {
      case OID_EXT.subjectAltName:
        if (parsed instanceof pkijs.AltName)
          for (const gn of parsed.altNames) {
            // RFC 5280 §4.2.1.6: dNSName [2] IA5String, iPAddress [7] OCTET STRING (4 or 16 octets).
            if (gn.type === 2 && typeof gn.value === 'string') dnsNames.push(gn.value);
            else if (gn.type === 7 && gn.value instanceof asn1js.OctetString) ipAddresses.push(formatIpAddress(gn.value.valueBlock.valueHexView));
          }
        break;
      case OID_EXT.basicConstraints:
        if (parsed instanceof pkijs.BasicConstraints) {
          isCA = parsed.cA;
          const p = parsed.pathLenConstraint;
          pathLength = p === undefined ? undefined : typeof p === 'number' ? p : p.valueBlock.valueDec;
        }
        break;
      case OID_EXT.keyUsage:
        if (parsed instanceof asn1js.BitString) {
          const bits = parsed.valueBlock.valueHexView;
          keyUsage = KEY_USAGE_BITS.filter((_, i) => ((bits[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0);
        }
        break;
      case OID_EXT.extKeyUsage:
        if (parsed instanceof pkijs.ExtKeyUsage) extendedKeyUsage = [...parsed.keyPurposes];
        break;
      default:
        break;
    }
  }
  const subject = formatName(cert.subject);
  return {
    der,
    version: cert.version + 1,
    serialNumber: cert.serialNumber.valueBlock.valueHexView.slice(),
    subject: subject.text,
    issuer: formatName(cert.issuer).text,
    commonName: subject.cn,
    notBefore: cert.notBefore.value.getTime(),
    notAfter: cert.notAfter.value.getTime(),
    dnsNames,
    ipAddresses,
    subjectPublicKeyInfo: rawSpki(root),
    keyAlgorithm: keyAlgorithmOf(cert.subjectPublicKeyInfo),
    signatureAlgorithmOid: cert.signatureAlgorithm.algorithmId,
    isCA,
    pathLength,
    keyUsage,
    extendedKeyUsage,
    unhandledCriticalExtensions,
    sha256: provider.hash('sha256', der),
  };
}

/**
 * Parses a DER certificate into both the pkijs object (for chain validation) and the plain view.
 * @throws CertificateError (BAD_DER) as `parseCertificate`.
 */
export function parseCertificateWithPkijs(der: Uint8Array, provider: CryptoProvider): { cert: pkijs.Certificate; parsed: ParsedCertificate } {
  const root = decodeDer(der, 'certificate');
  try {
    const cert = new pkijs.Certificate({ schema: root });
    return { cert, parsed: viewOf(cert, root, der.slice(), provider) };
  } catch (e) {
    if (e instanceof CertificateError) throw e;
    throw new CertificateError(CertificateErrorCode.BAD_DER, `certificate: ${e instanceof Error ? e.message : 'malformed'}`);
  }
}
