/**
 * Just enough DER (ITU-T X.690 §10) to read and write the key containers a TLS 1.3 stack hands
 * to its crypto provider:
 *
 * - PKCS#8 PrivateKeyInfo / OneAsymmetricKey (RFC 5208 §5, RFC 5958 §2) holding an EC key
 *   (ECPrivateKey, RFC 5915 §3, on the named curves of RFC 5480 §2.1.1.1), an Ed25519 key
 *   (RFC 8410 §7) or an RSA key (recognised only, RFC 8017 A.1.2);
 * - SubjectPublicKeyInfo (RFC 5280 §4.1.1.2) holding an EC point (RFC 5480 §2), an Ed25519 key
 *   (RFC 8410 §4) or an RSAPublicKey (RFC 8017 A.1.1, rsaEncryption OID per RFC 3279 §2.3.1).
 *
 * Certificates are parsed elsewhere (pkijs/asn1js, DESIGN §3); these few fixed shapes only need a
 * small TLV reader over `Reader`. Every malformed input raises `CodecError` (DESIGN §4).
 * Only definite, minimal lengths and single-byte tags are accepted, as DER requires.
 */
import { CodecError } from '../util/errors.js';
import { Reader, bytesEqual, concatBytes, fromHex } from '../util/bytes.js';

/** The named curves the providers sign and verify with. */
export type EcCurve = 'P-256' | 'P-384';

/** A private key read from PKCS#8. */
export type Pkcs8Key =
  /** `privateKey` is left-padded to the curve's scalar length; `publicKey` is the optional SEC1 point. */
  | { readonly kind: 'ec'; readonly curve: EcCurve; readonly privateKey: Uint8Array; readonly publicKey: Uint8Array | undefined }
  /** `seed` is the 32-byte RFC 8032 private key. */
  | { readonly kind: 'ed25519'; readonly seed: Uint8Array }
  /** An rsaEncryption key; its contents are not parsed. */
  | { readonly kind: 'rsa' }
  /** Any other algorithm, described for an error message. */
  | { readonly kind: 'unsupported'; readonly algorithm: string };

/** A public key read from a SubjectPublicKeyInfo. */
export type SpkiKey =
  /** `point` is the SEC1 encoding (RFC 5480 §2.2), not yet validated. */
  | { readonly kind: 'ec'; readonly curve: EcCurve; readonly point: Uint8Array }
  | { readonly kind: 'ed25519'; readonly publicKey: Uint8Array }
  /** `modulus` and `exponent` are unsigned big-endian magnitudes without leading zeros. */
  | { readonly kind: 'rsa'; readonly modulus: Uint8Array; readonly exponent: Uint8Array }
  | { readonly kind: 'unsupported'; readonly algorithm: string };

/** DER universal and context tags used here (X.690 §8). */
const Tag = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
} as const;

/** Encoded object identifiers (the content octets of the OID TLV). */
const Oid = {
  /** id-ecPublicKey 1.2.840.10045.2.1 (RFC 5480 §2.1.1). */
  ecPublicKey: fromHex('2a8648ce3d0201'),
  /** secp256r1 1.2.840.10045.3.1.7 (RFC 5480 §2.1.1.1). */
  secp256r1: fromHex('2a8648ce3d030107'),
  /** secp384r1 1.3.132.0.34 (RFC 5480 §2.1.1.1). */
  secp384r1: fromHex('2b81040022'),
  /** id-Ed25519 1.3.101.112 (RFC 8410 §3). */
  ed25519: fromHex('2b6570'),
  /** rsaEncryption 1.2.840.113549.1.1.1 (RFC 8017 A.1). */
  rsaEncryption: fromHex('2a864886f70d010101'),
} as const;

/** Scalar (and coordinate) length of each curve in bytes. */
export const EC_SCALAR_LENGTH: Readonly<Record<EcCurve, number>> = { 'P-256': 32, 'P-384': 48 };

/** Reads one TLV header and returns the tag and a Reader over the contents. */
function readTlv(r: Reader): { tag: number; body: Reader } {
  const at = r.offset;
  const tag = r.u8();
  if ((tag & 0x1f) === 0x1f) throw new CodecError('DER: multi-byte tags are not supported', at);
  const first = r.u8();
  let length = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    // X.690 §10.1: definite form only; §8.1.3.5 with §10.1: minimal length octets.
    if (n === 0 || n > 4) throw new CodecError('DER: indefinite or oversized length', at);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + r.u8();
    if (length < 0x80 || length < 256 ** (n - 1)) throw new CodecError('DER: non-minimal length', at);
  }
  return { tag, body: r.sub(length) };
}

/** Reads a TLV with tag `tag` and returns a Reader over its contents. */
function expectTlv(r: Reader, tag: number, what: string): Reader {
  const at = r.offset;
  const tlv = readTlv(r);
  if (tlv.tag !== tag) throw new CodecError(`DER: expected ${what} (tag 0x${tag.toString(16)}), got tag 0x${tlv.tag.toString(16)}`, at);
  return tlv.body;
}

/** Reads a small non-negative INTEGER (a version number). */
function readSmallInteger(r: Reader, what: string): number {
  const body = expectTlv(r, Tag.INTEGER, what);
  const bytes = body.rest();
  if (bytes.length === 0 || bytes.length > 4 || bytes[0]! & 0x80) throw new CodecError(`DER: bad ${what}`, body.offset);
  let value = 0;
  for (const b of bytes) value = value * 256 + b;
  return value;
}

/** Reads a positive INTEGER as its unsigned magnitude (X.690 §8.3: two's complement, minimal). */
function readUnsignedInteger(r: Reader, what: string): Uint8Array {
  const body = expectTlv(r, Tag.INTEGER, what);
  const bytes = body.rest();
  if (bytes.length === 0) throw new CodecError(`DER: empty ${what}`, body.offset);
  if (bytes[0]! & 0x80) throw new CodecError(`DER: negative ${what}`, body.offset);
  if (bytes[0] === 0 && bytes.length > 1 && !(bytes[1]! & 0x80)) throw new CodecError(`DER: non-minimal ${what}`, body.offset);
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

/** Reads a BIT STRING that must hold whole bytes (no unused bits). */
function readOctetAlignedBitString(r: Reader, what: string): Uint8Array {
  const body = expectTlv(r, Tag.BIT_STRING, what);
  if (body.u8() !== 0) throw new CodecError(`DER: ${what} has unused bits`, body.offset - 1);
  return body.rest();
}

/** Dotted form of an encoded OID, for error messages. */
export function oidToString(oid: Uint8Array): string {
  const arcs: number[] = [];
  let value = 0;
  for (const b of oid) {
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    }
  }
  return arcs.join('.');
}

/** AlgorithmIdentifier (RFC 5280 §4.1.1.2): the OID and the raw parameters TLV, if any. */
function readAlgorithmIdentifier(r: Reader): { oid: Uint8Array; params: { tag: number; body: Reader } | undefined } {
  const seq = expectTlv(r, Tag.SEQUENCE, 'AlgorithmIdentifier');
  const oid = expectTlv(seq, Tag.OID, 'algorithm OID').rest();
  const params = seq.isEmpty ? undefined : readTlv(seq);
  seq.expectEnd('AlgorithmIdentifier');
  return { oid, params };
}

/** The named curve of ECParameters (RFC 5480 §2.1.1: namedCurve only), or a description if unknown. */
function namedCurve(params: { tag: number; body: Reader } | undefined): EcCurve | string {
  if (params === undefined || params.tag !== Tag.OID) return 'EC keys without a named curve';
  const oid = params.body.rest();
  if (bytesEqual(oid, Oid.secp256r1)) return 'P-256';
  if (bytesEqual(oid, Oid.secp384r1)) return 'P-384';
  return `EC keys on curve ${oidToString(oid)}`;
}

function isCurve(c: EcCurve | string): c is EcCurve {
  return c === 'P-256' || c === 'P-384';
}

/**
 * Parses a PKCS#8 PrivateKeyInfo (RFC 5208 §5) or OneAsymmetricKey (RFC 5958 §2).
 * @throws CodecError if the DER is malformed.
 */
export function parsePkcs8(der: Uint8Array): Pkcs8Key {
  const outer = new Reader(der);
  const seq = expectTlv(outer, Tag.SEQUENCE, 'PrivateKeyInfo');
  outer.expectEnd('PrivateKeyInfo');
  const version = readSmallInteger(seq, 'PKCS#8 version');
  // RFC 5958 §2: v1 (0) or v2 (1, with the optional public key).
  if (version > 1) throw new CodecError(`PKCS#8: unknown version ${version}`);
  const alg = readAlgorithmIdentifier(seq);
  const privateKey = expectTlv(seq, Tag.OCTET_STRING, 'privateKey');
  // The optional attributes [0] and publicKey [1] that may follow are not needed.

  if (bytesEqual(alg.oid, Oid.ecPublicKey)) {
    // RFC 5915 §3: ECPrivateKey ::= SEQUENCE { version INTEGER { ecPrivkeyVer1(1) },
    //   privateKey OCTET STRING, parameters [0] ECParameters OPTIONAL, publicKey [1] BIT STRING OPTIONAL }
    const ec = expectTlv(privateKey, Tag.SEQUENCE, 'ECPrivateKey');
    privateKey.expectEnd('ECPrivateKey');
    if (readSmallInteger(ec, 'ECPrivateKey version') !== 1) throw new CodecError('ECPrivateKey: version must be 1');
    const scalar = expectTlv(ec, Tag.OCTET_STRING, 'ECPrivateKey privateKey').rest();
    let curve = namedCurve(alg.params);
    let publicKey: Uint8Array | undefined;
    while (!ec.isEmpty) {
      const field = readTlv(ec);
      if (field.tag === Tag.CONTEXT_0 && alg.params === undefined) curve = namedCurve(readTlv(field.body));
      else if (field.tag === Tag.CONTEXT_1) publicKey = readOctetAlignedBitString(field.body, 'ECPrivateKey publicKey');
    }
    if (!isCurve(curve)) return { kind: 'unsupported', algorithm: curve };
    // RFC 5915 §3: privateKey is "an octet string of length ceiling (log2(n)/8)"; tolerate
    // encoders that dropped leading zeros.
    const size = EC_SCALAR_LENGTH[curve];
    if (scalar.length === 0 || scalar.length > size) throw new CodecError(`ECPrivateKey: ${scalar.length}-byte key for ${curve}`);
    const padded = new Uint8Array(size);
    padded.set(scalar, size - scalar.length);
    return { kind: 'ec', curve, privateKey: padded, publicKey: publicKey?.slice() };
  }
  if (bytesEqual(alg.oid, Oid.ed25519)) {
    // RFC 8410 §3: "the parameters MUST be absent"; §7: CurvePrivateKey ::= OCTET STRING.
    if (alg.params !== undefined) throw new CodecError('Ed25519 AlgorithmIdentifier has parameters');
    const seed = expectTlv(privateKey, Tag.OCTET_STRING, 'CurvePrivateKey').rest();
    privateKey.expectEnd('CurvePrivateKey');
    if (seed.length !== 32) throw new CodecError(`Ed25519 private key of ${seed.length} bytes`);
    return { kind: 'ed25519', seed: seed.slice() };
  }
  if (bytesEqual(alg.oid, Oid.rsaEncryption)) return { kind: 'rsa' };
  return { kind: 'unsupported', algorithm: `private keys of algorithm ${oidToString(alg.oid)}` };
}

/**
 * Parses a SubjectPublicKeyInfo (RFC 5280 §4.1.1.2).
 * @throws CodecError if the DER is malformed.
 */
export function parseSpki(der: Uint8Array): SpkiKey {
  const outer = new Reader(der);
  const seq = expectTlv(outer, Tag.SEQUENCE, 'SubjectPublicKeyInfo');
  outer.expectEnd('SubjectPublicKeyInfo');
  const alg = readAlgorithmIdentifier(seq);
  const key = readOctetAlignedBitString(seq, 'subjectPublicKey');
  seq.expectEnd('SubjectPublicKeyInfo');

  if (bytesEqual(alg.oid, Oid.ecPublicKey)) {
    const curve = namedCurve(alg.params);
    if (!isCurve(curve)) return { kind: 'unsupported', algorithm: curve };
    return { kind: 'ec', curve, point: key };
  }
  if (bytesEqual(alg.oid, Oid.ed25519)) {
    if (alg.params !== undefined) throw new CodecError('Ed25519 AlgorithmIdentifier has parameters');
    if (key.length !== 32) throw new CodecError(`Ed25519 public key of ${key.length} bytes`);
    return { kind: 'ed25519', publicKey: key };
  }
  if (bytesEqual(alg.oid, Oid.rsaEncryption)) {
    // RFC 3279 §2.3.1: "the parameters component of that type SHALL be the ASN.1 type NULL".
    if (alg.params !== undefined && (alg.params.tag !== Tag.NULL || !alg.params.body.isEmpty)) {
      throw new CodecError('rsaEncryption parameters must be NULL');
    }
    // RFC 8017 A.1.1: RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
    const r = new Reader(key);
    const rsa = expectTlv(r, Tag.SEQUENCE, 'RSAPublicKey');
    r.expectEnd('RSAPublicKey');
    const modulus = readUnsignedInteger(rsa, 'RSA modulus');
    const exponent = readUnsignedInteger(rsa, 'RSA public exponent');
    rsa.expectEnd('RSAPublicKey');
    return { kind: 'rsa', modulus, exponent };
  }
  return { kind: 'unsupported', algorithm: `public keys of algorithm ${oidToString(alg.oid)}` };
}

/** One DER TLV with the given tag around `contents`. */
function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const body = concatBytes(...contents);
  const n = body.length;
  let header: number[];
  if (n < 0x80) header = [tag, n];
  else if (n < 0x100) header = [tag, 0x81, n];
  else if (n < 0x10000) header = [tag, 0x82, n >>> 8, n & 0xff];
  else header = [tag, 0x83, n >>> 16, (n >>> 8) & 0xff, n & 0xff];
  return concatBytes(Uint8Array.from(header), body);
}

/** Encodes an EC or Ed25519 public key as a SubjectPublicKeyInfo (RFC 5480 §2, RFC 8410 §4). */
export function encodeSpki(key: Extract<SpkiKey, { kind: 'ec' | 'ed25519' }>): Uint8Array {
  switch (key.kind) {
    case 'ec': {
      const curveOid = key.curve === 'P-256' ? Oid.secp256r1 : Oid.secp384r1;
      const alg = tlv(Tag.SEQUENCE, tlv(Tag.OID, Oid.ecPublicKey), tlv(Tag.OID, curveOid));
      return tlv(Tag.SEQUENCE, alg, tlv(Tag.BIT_STRING, Uint8Array.of(0), key.point));
    }
    case 'ed25519': {
      const alg = tlv(Tag.SEQUENCE, tlv(Tag.OID, Oid.ed25519));
      return tlv(Tag.SEQUENCE, alg, tlv(Tag.BIT_STRING, Uint8Array.of(0), key.publicKey));
    }
    default:
      return key satisfies never;
  }
}
