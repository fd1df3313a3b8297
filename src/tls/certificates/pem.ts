/**
 * PEM text (RFC 7468) and private-key containers (RFC 5208 PKCS#8, RFC 5915 SEC1 `EC PRIVATE
 * KEY`, RFC 8017 PKCS#1 `RSA PRIVATE KEY`).
 *
 * The crypto providers import PKCS#8 only (`CryptoProvider.importSigningKey`), so the legacy
 * SEC1 and PKCS#1 containers are wrapped into PKCS#8 here with asn1js. Base64 uses the global
 * `atob`/`btoa` (Node >= 16 and every browser), not `Buffer`.
 */
import * as asn1js from 'asn1js';
import { CertificateError, CertificateErrorCode } from './errors.js';

/** One PEM block: its label (`CERTIFICATE`, `PRIVATE KEY`, ...) and decoded contents. */
export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

/** OID of id-ecPublicKey (RFC 5480 §2.1.1). */
export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
/** OID of rsaEncryption (RFC 8017 Appendix C). */
export const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
/** OID of the secp256r1 / prime256v1 curve (RFC 5480 §2.1.1.1). */
export const OID_SECP256R1 = '1.2.840.10045.3.1.7';

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes standard base64 (RFC 4648 §4); whitespace is ignored.
 * @throws CertificateError (BAD_PEM) on any other character or a bad length.
 */
export function base64Decode(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (!BASE64_RE.test(clean) || clean.length % 4 !== 0) throw new CertificateError(CertificateErrorCode.BAD_PEM, 'invalid base64');
  let binary: string;
  try {
    binary = atob(clean);
  } catch {
    throw new CertificateError(CertificateErrorCode.BAD_PEM, 'invalid base64');
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Encodes bytes as standard base64 (RFC 4648 §4) without line breaks. */
export function base64Encode(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Encodes bytes as base64url without padding (RFC 4648 §5), as JWK wants. */
export function base64UrlEncode(bytes: Uint8Array): string {
  return base64Encode(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Every PEM block in `text` (RFC 7468 §2), in order. Text between blocks is ignored; explanatory
 * headers (RFC 1421 `Proc-Type:` lines) are not supported (they mark encrypted keys).
 * @throws CertificateError (BAD_PEM) for an unterminated block, mismatched labels, or bad base64.
 */
export function parsePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const begin = /-----BEGIN ([A-Z0-9 ]+)-----/g;
  for (let m = begin.exec(text); m !== null; m = begin.exec(text)) {
    const label = m[1]!;
    const endMarker = `-----END ${label}-----`;
    const end = text.indexOf(endMarker, begin.lastIndex);
    if (end < 0) throw new CertificateError(CertificateErrorCode.BAD_PEM, `PEM block ${label} has no matching END line`);
    const body = text.slice(begin.lastIndex, end);
    if (body.includes('-----')) throw new CertificateError(CertificateErrorCode.BAD_PEM, `PEM block ${label} is not terminated before the next block`);
    if (body.includes(':')) throw new CertificateError(CertificateErrorCode.UNSUPPORTED, `PEM block ${label} has headers (encrypted keys are not supported)`);
    blocks.push({ label, der: base64Decode(body) });
    begin.lastIndex = end + endMarker.length;
  }
  return blocks;
}

/** A PEM block for `der` with `label`, base64 in 64-character lines (RFC 7468 §2). */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = base64Encode(der);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * The DER of every `CERTIFICATE` block in `text`, in order (a chain file lists the leaf first).
 * @throws CertificateError (BAD_PEM) if there is none, or a block is malformed.
 */
export function parseCertificatesPem(text: string): Uint8Array[] {
  const certs = parsePem(text).filter((b) => b.label === 'CERTIFICATE').map((b) => b.der);
  if (certs.length === 0) throw new CertificateError(CertificateErrorCode.BAD_PEM, 'no CERTIFICATE block found');
  return certs;
}

/**
 * The first private key in `text` as PKCS#8 DER: `PRIVATE KEY` (PKCS#8, returned as is),
 * `EC PRIVATE KEY` (SEC1, wrapped) or `RSA PRIVATE KEY` (PKCS#1, wrapped).
 * @throws CertificateError (BAD_PEM) if there is no key block; (UNSUPPORTED) for an
 * `ENCRYPTED PRIVATE KEY`; (BAD_DER) if a legacy key cannot be decoded.
 */
export function parsePrivateKeyPem(text: string): Uint8Array {
  for (const block of parsePem(text)) {
    switch (block.label) {
      case 'PRIVATE KEY':
        return block.der;
      case 'EC PRIVATE KEY':
        return sec1ToPkcs8(block.der);
      case 'RSA PRIVATE KEY':
        return pkcs1ToPkcs8(block.der);
      case 'ENCRYPTED PRIVATE KEY':
        throw new CertificateError(CertificateErrorCode.UNSUPPORTED, 'encrypted private keys are not supported');
      default:
        break;
    }
  }
  throw new CertificateError(CertificateErrorCode.BAD_PEM, 'no PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block found');
}

/** Decodes exactly one DER element, or throws CertificateError (BAD_DER). */
export function decodeDer(der: Uint8Array, what: string): asn1js.AsnType {
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(der);
  } catch {
    throw new CertificateError(CertificateErrorCode.BAD_DER, `${what}: malformed DER`);
  }
  if (parsed.offset === -1 || parsed.offset !== der.length || parsed.result.error !== '')
    throw new CertificateError(CertificateErrorCode.BAD_DER, `${what}: malformed DER${parsed.offset > 0 && parsed.offset !== der.length ? ' (trailing bytes)' : ''}`);
  return parsed.result;
}

function pkcs8(algorithm: asn1js.Sequence, privateKey: Uint8Array): Uint8Array {
  // RFC 5208 §5: PrivateKeyInfo ::= SEQUENCE { version Version (0), privateKeyAlgorithm, privateKey OCTET STRING }
  const info = new asn1js.Sequence({
    value: [new asn1js.Integer({ value: 0 }), algorithm, new asn1js.OctetString({ valueHex: privateKey })],
  });
  return new Uint8Array(info.toBER());
}

/**
 * Wraps a SEC1 `ECPrivateKey` (RFC 5915 §3) into PKCS#8 (RFC 5208 §5), taking the curve from the
 * key's `parameters` field, which must be present (RFC 5915 §3: "parameters ... MUST be present"
 * when not conveyed elsewhere).
 * @throws CertificateError (BAD_DER) if `sec1` is not an ECPrivateKey with a named curve.
 */
export function sec1ToPkcs8(sec1: Uint8Array): Uint8Array {
  const root = decodeDer(sec1, 'EC PRIVATE KEY');
  const fields = root instanceof asn1js.Sequence ? root.valueBlock.value : [];
  const version = fields[0];
  if (!(version instanceof asn1js.Integer) || version.valueBlock.valueDec !== 1 || !(fields[1] instanceof asn1js.OctetString))
    throw new CertificateError(CertificateErrorCode.BAD_DER, 'EC PRIVATE KEY: not an RFC 5915 ECPrivateKey (version 1)');
  let curve: string | undefined;
  for (const field of fields.slice(2)) {
    if (field.idBlock.tagClass === 3 && field.idBlock.tagNumber === 0 && field instanceof asn1js.Constructed) {
      const oid = field.valueBlock.value[0];
      if (oid instanceof asn1js.ObjectIdentifier) curve = oid.valueBlock.toString();
    }
  }
  if (curve === undefined) throw new CertificateError(CertificateErrorCode.BAD_DER, 'EC PRIVATE KEY: no named-curve parameters');
  const algorithm = new asn1js.Sequence({
    value: [new asn1js.ObjectIdentifier({ value: OID_EC_PUBLIC_KEY }), new asn1js.ObjectIdentifier({ value: curve })],
  });
  return pkcs8(algorithm, sec1);
}

/**
 * Wraps a PKCS#1 `RSAPrivateKey` (RFC 8017 Appendix A.1.2) into PKCS#8 with the rsaEncryption
 * algorithm and NULL parameters (RFC 8017 Appendix C).
 * @throws CertificateError (BAD_DER) if `pkcs1` is not an RSAPrivateKey.
 */
export function pkcs1ToPkcs8(pkcs1: Uint8Array): Uint8Array {
  const root = decodeDer(pkcs1, 'RSA PRIVATE KEY');
  const fields = root instanceof asn1js.Sequence ? root.valueBlock.value : [];
  if (fields.length < 9 || !fields.every((f) => f instanceof asn1js.Integer))
    throw new CertificateError(CertificateErrorCode.BAD_DER, 'RSA PRIVATE KEY: not an RFC 8017 RSAPrivateKey');
  const algorithm = new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID_RSA_ENCRYPTION }), new asn1js.Null()] });
  return pkcs8(algorithm, pkcs1);
}
