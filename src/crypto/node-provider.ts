/**
 * `nodeCryptoProvider`: the CryptoProvider on node:crypto (OpenSSL), the default on Node
 * (DESIGN §3). With node-provider-keys.ts (key exchange, signatures), the only files under src/
 * allowed to import `node:*`.
 *
 * Implements, through OpenSSL:
 * - AEAD_AES_128_GCM, AEAD_AES_256_GCM, AEAD_CHACHA20_POLY1305 (RFC 9001 §5.3);
 * - AES-ECB and raw ChaCha20 header protection (RFC 9001 §5.4.3, §5.4.4), optionally (see below);
 * - SHA-256/384, HMAC (RFC 2104), HKDF-Extract/Expand (RFC 5869 §2.2, §2.3);
 * - X25519 and secp256r1 ECDHE (RFC 8446 §7.4, RFC 7748 §6.1);
 * - ECDSA P-256/P-384, Ed25519 and RSA-PSS (rsae) signatures (RFC 8446 §4.2.3).
 *
 * Packet-path performance: keys are imported once as `KeyObject`s; node allows no nonce change on
 * a GCM/ChaCha20-Poly1305 context, so `seal`/`open` create one cipher per packet and do nothing
 * else (no option objects, one copy of the output into `out`).
 *
 * Header protection is one AES or ChaCha20 block per packet. Through node:crypto that is an
 * `update()` call (AES-ECB context reused) or a new cipher (ChaCha20), 1 to 2 µs per packet: a
 * C++ round trip and a fresh output buffer, over 10% of a 1200-byte packet's protect+unprotect
 * budget. By default this provider computes that block in TypeScript instead (aes-block.ts,
 * chacha20-block.ts: ~0.1-0.3 µs). The AES one uses T-tables, which are not cache-timing
 * constant (see aes-block.ts); the header-protection key only hides packet numbers and the Key
 * Phase bit (RFC 9001 §5.4), and the AEAD stays on OpenSSL.
 * `createNodeCryptoProvider({ headerProtection: 'openssl' })` keeps header protection on OpenSSL.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createSecretKey,
  randomFillSync,
  type Cipher,
  type Hash,
  type KeyObject,
} from 'node:crypto';
import type { RandomSource } from '../util/random.js';
import {
  AEAD_TAG_LENGTH,
  CryptoError,
  HP_SAMPLE_LENGTH,
  UnsupportedAlgorithmError,
  aeadKeyLength,
  hashLength,
  headerProtectionKeyLength,
  type Aead,
  type AeadAlgorithm,
  type CryptoProvider,
  type HashAlgorithm,
  type HashContext,
  type HeaderProtection,
  type HeaderProtectionAlgorithm,
  type KeyExchange,
  type NamedGroup,
} from './provider.js';
import { AesBlockEncryptor } from './aes-block.js';
import { ChaCha20Block } from './chacha20-block.js';
import { importSigningKey, NodeP256, NodeX25519, plain, verify } from './node-provider-keys.js';

const NAME = 'node';


function checkKeyLength(what: string, key: Uint8Array, expected: number): void {
  if (key.length !== expected) throw new CryptoError(`${what} key must be ${expected} bytes, got ${key.length}`);
}

// ---------------------------------------------------------------------------------------------
// AEAD (RFC 9001 §5.3)

/** An AEAD on node:crypto: one cipher object per packet (node cannot re-nonce a context). */
class NodeAead implements Aead {
  readonly algorithm: AeadAlgorithm;
  private readonly key: KeyObject;

  constructor(algorithm: AeadAlgorithm, key: Uint8Array) {
    checkKeyLength(algorithm, key, aeadKeyLength(algorithm));
    this.algorithm = algorithm;
    this.key = createSecretKey(key);
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array): void {
    // `chacha20-poly1305` and the GCM names share node's AEAD cipher shape; the default tag
    // length of both is 16 bytes (AEAD_TAG_LENGTH), so no options object is needed.
    const cipher = createCipheriv(this.algorithm as 'aes-128-gcm', this.key, nonce);
    cipher.setAAD(aad);
    const body = cipher.update(plaintext);
    const rest = cipher.final();
    // `body` is a fresh buffer, so this copy is safe when `out` aliases `plaintext`.
    out.set(body, 0);
    let at = body.length;
    if (rest.length !== 0) {
      out.set(rest, at);
      at += rest.length;
    }
    out.set(cipher.getAuthTag(), at);
  }

  /**
   * On failure `out` is left untouched (the plaintext is only copied after the tag verified),
   * so the ciphertext can still be tried with another key.
   */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, out: Uint8Array): boolean {
    const n = ciphertext.length - AEAD_TAG_LENGTH;
    if (n < 0) return false;
    const decipher = createDecipheriv(this.algorithm as 'aes-128-gcm', this.key, nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(ciphertext.subarray(n));
    const body = decipher.update(ciphertext.subarray(0, n));
    let rest: Buffer;
    try {
      rest = decipher.final();
    } catch {
      return false;
    }
    out.set(body, 0);
    if (rest.length !== 0) out.set(rest, body.length);
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Header protection (RFC 9001 §5.4.3, §5.4.4)

/** AES header protection in JavaScript (aes-block.ts): one T-table AES block on a once-expanded key. */
class JsAesHeaderProtection implements HeaderProtection {
  readonly algorithm: HeaderProtectionAlgorithm;
  private readonly block: AesBlockEncryptor;

  constructor(algorithm: 'aes-128-ecb' | 'aes-256-ecb', key: Uint8Array) {
    checkKeyLength(algorithm, key, headerProtectionKeyLength(algorithm));
    this.algorithm = algorithm;
    this.block = new AesBlockEncryptor(key);
  }

  mask(sample: Uint8Array): Uint8Array {
    if (sample.length !== HP_SAMPLE_LENGTH) throw new CryptoError(`header-protection sample must be ${HP_SAMPLE_LENGTH} bytes`);
    // RFC 9001 §5.4.3: "mask = AES-ECB(hp_key, sample)": one block.
    return this.block.encrypt(sample);
  }
}

/** AES-ECB header protection on OpenSSL: one ECB context, reused for every sample. */
class NodeAesHeaderProtection implements HeaderProtection {
  readonly algorithm: HeaderProtectionAlgorithm;
  private readonly ecb: Cipher;

  constructor(algorithm: 'aes-128-ecb' | 'aes-256-ecb', key: Uint8Array) {
    checkKeyLength(algorithm, key, headerProtectionKeyLength(algorithm));
    this.algorithm = algorithm;
    // RFC 9001 §5.4.3: "mask = AES-ECB(hp_key, sample)". ECB carries no state between whole
    // blocks, so one context serves every packet; padding is off so each update() of one block
    // returns exactly that block.
    this.ecb = createCipheriv(algorithm, createSecretKey(key), null);
    this.ecb.setAutoPadding(false);
  }

  mask(sample: Uint8Array): Uint8Array {
    // A partial block would stay buffered inside the context and corrupt every later mask.
    if (sample.length !== HP_SAMPLE_LENGTH) throw new CryptoError(`header-protection sample must be ${HP_SAMPLE_LENGTH} bytes`);
    return this.ecb.update(sample);
  }
}

/** ChaCha20 header protection in JavaScript (chacha20-block.ts, the noble provider's block function). */
class JsChaChaHeaderProtection implements HeaderProtection {
  readonly algorithm: HeaderProtectionAlgorithm = 'chacha20';
  private readonly chacha: ChaCha20Block;

  constructor(key: Uint8Array) {
    checkKeyLength('chacha20', key, 32);
    this.chacha = new ChaCha20Block(key);
  }

  mask(sample: Uint8Array): Uint8Array {
    if (sample.length !== HP_SAMPLE_LENGTH) throw new CryptoError(`header-protection sample must be ${HP_SAMPLE_LENGTH} bytes`);
    // RFC 9001 §5.4.4: "counter = sample[0..3]" (little-endian), "nonce = sample[4..15]"; the
    // encryption of 5 zero bytes is the first 5 bytes of the keystream block.
    const counter = (sample[0]! | (sample[1]! << 8) | (sample[2]! << 16) | (sample[3]! << 24)) >>> 0;
    return this.chacha.block(counter, sample, 4);
  }
}

const FIVE_ZEROS = new Uint8Array(5);

/** ChaCha20 header protection on OpenSSL: a raw ChaCha20 context per sample (the sample is its IV). */
class NodeChaChaHeaderProtection implements HeaderProtection {
  readonly algorithm: HeaderProtectionAlgorithm = 'chacha20';
  private readonly key: KeyObject;

  constructor(key: Uint8Array) {
    checkKeyLength('chacha20', key, 32);
    this.key = createSecretKey(key);
  }

  mask(sample: Uint8Array): Uint8Array {
    if (sample.length !== HP_SAMPLE_LENGTH) throw new CryptoError(`header-protection sample must be ${HP_SAMPLE_LENGTH} bytes`);
    // RFC 9001 §5.4.4: counter = sample[0..3] (little-endian), nonce = sample[4..15],
    // mask = ChaCha20(hp_key, counter, nonce, {0,0,0,0,0}). OpenSSL's "chacha20" IV is exactly
    // that: a 4-byte little-endian counter followed by the 12-byte nonce.
    return createCipheriv('chacha20', this.key, sample).update(FIVE_ZEROS);
  }
}

// ---------------------------------------------------------------------------------------------
// Hashes, HMAC, HKDF (RFC 5869)

class NodeHashContext implements HashContext {
  readonly algorithm: HashAlgorithm;
  private readonly h: Hash;

  constructor(algorithm: HashAlgorithm, h: Hash) {
    this.algorithm = algorithm;
    this.h = h;
  }

  update(data: Uint8Array): this {
    this.h.update(data);
    return this;
  }

  digest(): Uint8Array {
    // digest() finalises a node Hash; digesting a copy keeps this context usable.
    return plain(this.h.copy().digest());
  }

  clone(): HashContext {
    return new NodeHashContext(this.algorithm, this.h.copy());
  }
}

function hmac(alg: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  return plain(createHmac(alg, key).update(data).digest());
}

/** RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); "if not provided, [salt] is set to a string of HashLen zeros". */
function hkdfExtract(alg: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmac(alg, salt.length === 0 ? new Uint8Array(hashLength(alg)) : salt, ikm);
}

/** RFC 5869 §2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i), OKM = first L octets of T(1) | T(2) | ... */
function hkdfExpand(alg: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const hl = hashLength(alg);
  // RFC 5869 §2.3: "L length of output keying material in octets (<= 255*HashLen)".
  if (!Number.isInteger(length) || length < 0 || length > 255 * hl) {
    throw new CryptoError(`HKDF-Expand length ${length} out of range 0..${255 * hl}`);
  }
  const okm = new Uint8Array(length);
  const counter = new Uint8Array(1);
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 1, at = 0; at < length; i++) {
    counter[0] = i;
    const h = createHmac(alg, prk);
    h.update(previous);
    h.update(info);
    h.update(counter);
    previous = h.digest();
    const take = Math.min(hl, length - at);
    okm.set(take === hl ? previous : previous.subarray(0, take), at);
    at += take;
  }
  return okm;
}

// ---------------------------------------------------------------------------------------------

/** The CSPRNG of node:crypto as a RandomSource. */
const nodeRandom: RandomSource = {
  fill(out: Uint8Array): Uint8Array {
    randomFillSync(out);
    return out;
  },
};

/** Options of `createNodeCryptoProvider`. */
export interface NodeCryptoProviderOptions {
  /**
   * How header protection computes its one block per packet: 'js' (default; aes-block.ts and
   * chacha20-block.ts, several times cheaper per packet than a node:crypto call) or 'openssl'
   * (a reused OpenSSL AES-ECB context, a ChaCha20 context per packet: AES-NI, constant-time, slower).
   */
  readonly headerProtection?: 'js' | 'openssl';
}

/** A CryptoProvider on node:crypto (OpenSSL). */
export function createNodeCryptoProvider(options: NodeCryptoProviderOptions = {}): CryptoProvider {
  const opensslHp = options.headerProtection === 'openssl';
  return {
    name: NAME,
    random: nodeRandom,

    createAead(alg: AeadAlgorithm, key: Uint8Array): Aead {
      switch (alg) {
        case 'aes-128-gcm':
        case 'aes-256-gcm':
        case 'chacha20-poly1305':
          return new NodeAead(alg, key);
        default: {
          const unknown: never = alg;
          throw new UnsupportedAlgorithmError(NAME, String(unknown));
        }
      }
    },

    createHeaderProtection(alg: HeaderProtectionAlgorithm, key: Uint8Array): HeaderProtection {
      switch (alg) {
        case 'aes-128-ecb':
        case 'aes-256-ecb':
          return opensslHp ? new NodeAesHeaderProtection(alg, key) : new JsAesHeaderProtection(alg, key);
        case 'chacha20':
          return opensslHp ? new NodeChaChaHeaderProtection(key) : new JsChaChaHeaderProtection(key);
        default: {
          const unknown: never = alg;
          throw new UnsupportedAlgorithmError(NAME, String(unknown));
        }
      }
    },

    hash(alg: HashAlgorithm, data: Uint8Array): Uint8Array {
      return plain(createHash(checkHash(alg)).update(data).digest());
    },

    createHash(alg: HashAlgorithm): HashContext {
      return new NodeHashContext(alg, createHash(checkHash(alg)));
    },

    hmac(alg: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
      return hmac(checkHash(alg), key, data);
    },

    hkdfExtract(alg: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
      return hkdfExtract(checkHash(alg), salt, ikm);
    },

    hkdfExpand(alg: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
      return hkdfExpand(checkHash(alg), prk, info, length);
    },

    createKeyExchange(group: NamedGroup, privateKey: Uint8Array): KeyExchange {
      switch (group) {
        case 'x25519':
          return new NodeX25519(privateKey);
        case 'secp256r1':
          return new NodeP256(privateKey);
        default: {
          const unknown: never = group;
          throw new UnsupportedAlgorithmError(NAME, String(unknown));
        }
      }
    },

    importSigningKey,
    verify,
  };
}

/** The CryptoProvider on node:crypto (OpenSSL) with default options: the default, fast provider on Node. */
export const nodeCryptoProvider: CryptoProvider = createNodeCryptoProvider();

/** Rejects a hash name outside the HashAlgorithm union (node would accept e.g. 'md5'). */
function checkHash(alg: HashAlgorithm): HashAlgorithm {
  if (alg !== 'sha256' && alg !== 'sha384') throw new UnsupportedAlgorithmError(NAME, String(alg));
  return alg;
}
