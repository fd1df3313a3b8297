/**
 * Signing and verification for the noble crypto provider, for the TLS 1.3 signature schemes of
 * RFC 8446 §4.2.3:
 *
 * - ECDSA on P-256 / P-384 with SHA-256 / SHA-384 (@noble/curves), signatures as a DER
 *   ECDSA-Sig-Value; signing is deterministic (RFC 6979) and produces low-S values.
 * - Ed25519, PureEdDSA (RFC 8032 §5.1), verified strictly (no ZIP-215 relaxations).
 * - RSASSA-PSS with rsaEncryption keys: verification only (rsa-pss.ts); noble has no RSA, and
 *   signing throws UnsupportedAlgorithmError.
 *
 * Keys arrive as PKCS#8 and SubjectPublicKeyInfo DER (der-keys.ts).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384 } from '@noble/curves/nist.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { bytesEqual } from '../util/bytes.js';
import { CodecError } from '../util/errors.js';
import { type EcCurve, type Pkcs8Key, type SpkiKey, encodeSpki, parsePkcs8, parseSpki } from './der-keys.js';
import { CryptoError, type SignatureScheme, type SigningKey, UnsupportedAlgorithmError } from './provider.js';
import { rsaPssVerify } from './rsa-pss.js';

const PROVIDER = 'noble';

/** The curve, hash and TLS scheme of each ECDSA curve (RFC 8446 §4.2.3: "the corresponding curve ... and hash"). */
const ECDSA = {
  'P-256': { curve: p256, hash: sha256, scheme: 'ecdsa_secp256r1_sha256' },
  'P-384': { curve: p384, hash: sha384, scheme: 'ecdsa_secp384r1_sha384' },
} as const satisfies Record<EcCurve, { curve: unknown; hash: unknown; scheme: SignatureScheme }>;

function cannotSign(keyType: string, scheme: SignatureScheme): CryptoError {
  return new CryptoError(`a ${keyType} key cannot sign with ${scheme}`);
}

function ecdsaSigningKey(curveName: EcCurve, privateKey: Uint8Array, publicKey: Uint8Array | undefined): SigningKey {
  const { curve, hash, scheme } = ECDSA[curveName];
  if (!curve.utils.isValidSecretKey(privateKey)) throw new CryptoError(`invalid ${curveName} private key`);
  const point = curve.getPublicKey(privateKey, false);
  if (publicKey !== undefined && !bytesEqual(publicKey, point) && !bytesEqual(publicKey, curve.getPublicKey(privateKey, true))) {
    throw new CryptoError(`the ${curveName} public key in the PKCS#8 does not match its private key`);
  }
  return {
    schemes: [scheme],
    publicKeySpki: encodeSpki({ kind: 'ec', curve: curveName, point }),
    sign(s: SignatureScheme, message: Uint8Array): Uint8Array {
      if (s !== scheme) throw cannotSign(curveName, s);
      // RFC 8446 §4.2.3: "The signature is represented as a DER-encoded [X690] ECDSA-Sig-Value".
      return curve.sign(hash(message), privateKey, { prehash: false, format: 'der' });
    },
  };
}

function ed25519SigningKey(seed: Uint8Array): SigningKey {
  const publicKey = ed25519.getPublicKey(seed);
  return {
    schemes: ['ed25519'],
    publicKeySpki: encodeSpki({ kind: 'ed25519', publicKey }),
    sign(s: SignatureScheme, message: Uint8Array): Uint8Array {
      if (s !== 'ed25519') throw cannotSign('Ed25519', s);
      return ed25519.sign(message, seed);
    },
  };
}

/**
 * Imports a PKCS#8 private key (EC P-256/P-384 or Ed25519) for signing.
 * @throws CryptoError if the DER is malformed or the key invalid.
 * @throws UnsupportedAlgorithmError for RSA and every other key type.
 */
export function importNobleSigningKey(pkcs8: Uint8Array): SigningKey {
  let key: Pkcs8Key;
  try {
    key = parsePkcs8(pkcs8);
  } catch (e) {
    if (e instanceof CodecError) throw new CryptoError(`malformed PKCS#8 private key: ${e.message}`);
    throw e;
  }
  switch (key.kind) {
    case 'ec':
      return ecdsaSigningKey(key.curve, key.privateKey, key.publicKey);
    case 'ed25519':
      return ed25519SigningKey(key.seed);
    case 'rsa':
      throw new UnsupportedAlgorithmError(PROVIDER, 'RSA private keys (RSA-PSS signing; use the node provider)');
    case 'unsupported':
      throw new UnsupportedAlgorithmError(PROVIDER, key.algorithm);
    default:
      return key satisfies never;
  }
}

/** Runs a noble verification, turning its exceptions on malformed input into `false`. */
function noThrow(verify: () => boolean): boolean {
  try {
    return verify();
  } catch {
    return false;
  }
}

function verifyEcdsa(curveName: EcCurve, key: SpkiKey, message: Uint8Array, signature: Uint8Array): boolean {
  if (key.kind !== 'ec' || key.curve !== curveName) return false;
  const { curve, hash } = ECDSA[curveName];
  // lowS: false: OpenSSL and most stacks produce high-S signatures half of the time, and ECDSA
  // (unlike Bitcoin's profile of it) accepts them.
  return noThrow(() => curve.verify(signature, hash(message), key.point, { prehash: false, lowS: false, format: 'der' }));
}

/**
 * Verifies a TLS 1.3 signature (RFC 8446 §4.2.3) with a SubjectPublicKeyInfo public key.
 * Returns false for a bad signature, a malformed key, or a key that does not fit the scheme.
 * @throws UnsupportedAlgorithmError for a scheme outside `SignatureScheme`.
 */
export function nobleVerify(scheme: SignatureScheme, spki: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  let key: SpkiKey;
  try {
    key = parseSpki(spki);
  } catch (e) {
    if (e instanceof CodecError) return false;
    throw e;
  }
  switch (scheme) {
    case 'ecdsa_secp256r1_sha256':
      return verifyEcdsa('P-256', key, message, signature);
    case 'ecdsa_secp384r1_sha384':
      return verifyEcdsa('P-384', key, message, signature);
    case 'ed25519':
      if (key.kind !== 'ed25519') return false;
      return noThrow(() => ed25519.verify(signature, message, key.publicKey, { zip215: false }));
    // RFC 8446 §4.2.3: rsa_pss_rsae_*: "If the public key is carried in an X.509 certificate, it
    // MUST use the rsaEncryption OID"; parseSpki returns kind 'rsa' only for that OID.
    case 'rsa_pss_rsae_sha256':
      return key.kind === 'rsa' && rsaPssVerify(sha256, key.modulus, key.exponent, message, signature);
    case 'rsa_pss_rsae_sha384':
      return key.kind === 'rsa' && rsaPssVerify(sha384, key.modulus, key.exponent, message, signature);
    case 'rsa_pss_rsae_sha512':
      return key.kind === 'rsa' && rsaPssVerify(sha512, key.modulus, key.exponent, message, signature);
    default:
      throw new UnsupportedAlgorithmError(PROVIDER, `signature scheme ${String(scheme satisfies never)}`);
  }
}
