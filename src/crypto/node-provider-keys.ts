/**
 * Key exchange (RFC 8446 §7.4, RFC 7748 §6.1) and signatures (RFC 8446 §4.2.3) of the node:crypto
 * provider; node-provider.ts assembles them into `nodeCryptoProvider`. Like it, this file may
 * import `node:crypto` (the architecture test allows `crypto/node-provider*.ts`).
 */
import {
  createECDH,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  sign as nodeSign,
  verify as nodeVerify,
  constants,
  type KeyObject,
} from 'node:crypto';
import {
  CryptoError,
  UnsupportedAlgorithmError,
  type KeyExchange,
  type NamedGroup,
  type SignatureScheme,
  type SigningKey,
} from './provider.js';

const NAME = 'node';

/** A plain Uint8Array view of a Buffer (no copy), so callers never meet Buffer's view-returning `slice`. */
export function plain(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A Buffer view of bytes (no copy), for node APIs typed as taking a Buffer. */
export function asBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
// ---------------------------------------------------------------------------------------------
// Key exchange (RFC 8446 §7.4)

/** DER prefix turning a raw 32-byte X25519 private key into PKCS#8 (RFC 8410 §7). */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
/** DER prefix turning a raw 32-byte X25519 public key into a SubjectPublicKeyInfo (RFC 8410 §4). */
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

export class NodeX25519 implements KeyExchange {
  readonly group: NamedGroup = 'x25519';
  readonly publicKey: Uint8Array;
  private readonly privateKey: KeyObject;

  constructor(privateKey: Uint8Array) {
    // RFC 7748 §5: any 32 bytes are a valid X25519 scalar (it is clamped).
    if (privateKey.length !== 32) throw new CryptoError(`X25519 private key must be 32 bytes, got ${privateKey.length}`);
    try {
      this.privateKey = createPrivateKey({
        key: Buffer.concat([X25519_PKCS8_PREFIX, privateKey]),
        format: 'der',
        type: 'pkcs8',
      });
      const spki = createPublicKey(this.privateKey).export({ format: 'der', type: 'spki' });
      this.publicKey = plain(spki).slice(X25519_SPKI_PREFIX.length);
    } catch (e) {
      throw new CryptoError(`X25519 key import failed: ${(e as Error).message}`);
    }
  }

  computeSecret(peerPublicKey: Uint8Array): Uint8Array {
    // RFC 8446 §4.2.8.2: X25519 key_exchange is the 32-byte public value.
    if (peerPublicKey.length !== 32) throw new CryptoError(`X25519 public key must be 32 bytes, got ${peerPublicKey.length}`);
    let secret: Uint8Array;
    try {
      const publicKey = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, peerPublicKey]), format: 'der', type: 'spki' });
      secret = plain(diffieHellman({ privateKey: this.privateKey, publicKey }));
    } catch (e) {
      throw new CryptoError(`X25519 failed: ${(e as Error).message}`);
    }
    // RFC 8446 §7.4.2: "For X25519 and X448, ... implementations MUST check whether the
    // computed Diffie-Hellman shared secret is the all-zero value and abort if so" (RFC 7748 §6.1).
    let acc = 0;
    for (let i = 0; i < secret.length; i++) acc |= secret[i]!;
    if (acc === 0) throw new CryptoError('X25519 shared secret is all zeros');
    return secret;
  }
}

export class NodeP256 implements KeyExchange {
  readonly group: NamedGroup = 'secp256r1';
  readonly publicKey: Uint8Array;
  private readonly ecdh: ReturnType<typeof createECDH>;

  constructor(privateKey: Uint8Array) {
    if (privateKey.length !== 32) throw new CryptoError(`P-256 private key must be 32 bytes, got ${privateKey.length}`);
    this.ecdh = createECDH('prime256v1');
    try {
      // Throws for a scalar of 0 or >= the group order.
      this.ecdh.setPrivateKey(privateKey);
    } catch (e) {
      throw new CryptoError(`invalid P-256 private key: ${(e as Error).message}`);
    }
    this.publicKey = plain(this.ecdh.getPublicKey());
  }

  computeSecret(peerPublicKey: Uint8Array): Uint8Array {
    // RFC 8446 §4.2.8.2: the key_exchange is an UncompressedPointRepresentation (0x04 || X || Y);
    // "peers MUST validate each other's public key" (OpenSSL checks the point is on the curve).
    if (peerPublicKey.length !== 65 || peerPublicKey[0] !== 0x04) {
      throw new CryptoError('P-256 public key must be a 65-byte uncompressed point');
    }
    try {
      // RFC 8446 §7.4.1: the shared secret is the x-coordinate, which computeSecret returns.
      return plain(this.ecdh.computeSecret(peerPublicKey));
    } catch (e) {
      throw new CryptoError(`invalid P-256 public key: ${(e as Error).message}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Signatures (RFC 8446 §4.2.3)

type KeyKind = 'p256' | 'p384' | 'ed25519' | 'rsa';

interface SchemeParams {
  /** The key type the scheme needs. */
  readonly kind: KeyKind;
  /** The digest node hashes the message with (null for Ed25519, which hashes internally). */
  readonly digest: 'sha256' | 'sha384' | 'sha512' | null;
  /** RSA-PSS salt length = digest length (RFC 8446 §4.2.3), or 0 for non-RSA schemes. */
  readonly saltLength: number;
}

/** @throws UnsupportedAlgorithmError for a scheme this provider does not know. */
function schemeParams(scheme: SignatureScheme): SchemeParams {
  switch (scheme) {
    case 'ecdsa_secp256r1_sha256':
      return { kind: 'p256', digest: 'sha256', saltLength: 0 };
    case 'ecdsa_secp384r1_sha384':
      return { kind: 'p384', digest: 'sha384', saltLength: 0 };
    case 'ed25519':
      return { kind: 'ed25519', digest: null, saltLength: 0 };
    // RFC 8446 §4.2.3: RSASSA-PSS "The length of the Salt MUST be equal to the length of the
    // digest algorithm ... The mask generation function is MGF1 with the same hash" (OpenSSL's
    // default MGF1 hash is the signing digest).
    case 'rsa_pss_rsae_sha256':
      return { kind: 'rsa', digest: 'sha256', saltLength: 32 };
    case 'rsa_pss_rsae_sha384':
      return { kind: 'rsa', digest: 'sha384', saltLength: 48 };
    case 'rsa_pss_rsae_sha512':
      return { kind: 'rsa', digest: 'sha512', saltLength: 64 };
    default: {
      const unknown: never = scheme;
      throw new UnsupportedAlgorithmError(NAME, String(unknown));
    }
  }
}

/** The key kind of a node KeyObject, or undefined for one we cannot use. */
function keyKind(key: KeyObject): KeyKind | undefined {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return curve === 'prime256v1' ? 'p256' : curve === 'secp384r1' ? 'p384' : undefined;
    }
    case 'ed25519':
      return 'ed25519';
    // rsae schemes use an rsaEncryption key (RFC 8446 §4.2.3); RSASSA-PSS-only keys ('rsa-pss')
    // would need the rsa_pss_pss_* schemes, which we do not offer.
    case 'rsa':
      return 'rsa';
    default:
      return undefined;
  }
}

/** node sign/verify options for a key and a scheme. */
function signOptions(key: KeyObject, p: SchemeParams) {
  if (p.kind === 'rsa') return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: p.saltLength };
  // RFC 8446 §4.2.3: ECDSA signatures are DER-encoded ECDSA-Sig-Value (node's default encoding).
  if (p.kind === 'p256' || p.kind === 'p384') return { key, dsaEncoding: 'der' as const };
  return key;
}

const RSA_PSS_SCHEMES: readonly SignatureScheme[] = ['rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512'];

class NodeSigningKey implements SigningKey {
  readonly schemes: readonly SignatureScheme[];
  readonly publicKeySpki: Uint8Array;
  private readonly key: KeyObject;

  constructor(key: KeyObject, schemes: readonly SignatureScheme[]) {
    this.key = key;
    this.schemes = schemes;
    this.publicKeySpki = plain(createPublicKey(key).export({ format: 'der', type: 'spki' }));
  }

  sign(scheme: SignatureScheme, message: Uint8Array): Uint8Array {
    const p = schemeParams(scheme);
    if (!this.schemes.includes(scheme)) throw new CryptoError(`this key cannot sign with ${scheme}`);
    try {
      return plain(nodeSign(p.digest, message, signOptions(this.key, p)));
    } catch (e) {
      throw new CryptoError(`signing with ${scheme} failed: ${(e as Error).message}`);
    }
  }
}

export function importSigningKey(pkcs8: Uint8Array): SigningKey {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: asBuffer(pkcs8), format: 'der', type: 'pkcs8' });
  } catch (e) {
    throw new CryptoError(`malformed PKCS#8 private key: ${(e as Error).message}`);
  }
  const kind = keyKind(key);
  switch (kind) {
    case 'p256':
      return new NodeSigningKey(key, ['ecdsa_secp256r1_sha256']);
    case 'p384':
      return new NodeSigningKey(key, ['ecdsa_secp384r1_sha384']);
    case 'ed25519':
      return new NodeSigningKey(key, ['ed25519']);
    case 'rsa': {
      // RFC 8017 §9.1.1: EMSA-PSS needs emLen >= hLen + sLen + 2 (sLen = hLen here), with
      // emLen = ceil((modBits - 1) / 8); drop the schemes a small modulus cannot carry.
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      const emLen = Math.ceil((bits - 1) / 8);
      const schemes = RSA_PSS_SCHEMES.filter((s) => emLen >= 2 * schemeParams(s).saltLength + 2);
      if (schemes.length === 0) throw new UnsupportedAlgorithmError(NAME, `rsa-${bits}`);
      return new NodeSigningKey(key, schemes);
    }
    case undefined: {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      throw new UnsupportedAlgorithmError(NAME, `${key.asymmetricKeyType ?? 'unknown'}${curve ? `/${curve}` : ''} signing key`);
    }
  }
}

export function verify(scheme: SignatureScheme, spki: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const p = schemeParams(scheme);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: asBuffer(spki), format: 'der', type: 'spki' });
  } catch {
    return false;
  }
  if (keyKind(key) !== p.kind) return false;
  try {
    return nodeVerify(p.digest, message, signOptions(key, p), signature);
  } catch {
    return false;
  }
}

