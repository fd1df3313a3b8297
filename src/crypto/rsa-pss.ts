/**
 * RSASSA-PSS signature verification (RFC 8017 §8.1.2, EMSA-PSS-VERIFY §9.1.2, MGF1 B.2.1) with
 * bigint arithmetic, for the noble provider (noble has no RSA). Only verification: it works on
 * public data, so bigint's variable-time arithmetic is harmless here; RSA signing would need
 * constant-time private-key arithmetic and is not offered.
 *
 * TLS 1.3 fixes the parameters (RFC 8446 §4.2.3, rsa_pss_rsae_*): MGF1 with the same hash as the
 * message digest, and "The length of the Salt MUST be equal to the length of the output of the
 * digest algorithm."
 */

/** A hash function as RSA-PSS uses it: the digest of `data`, `outputLen` bytes. */
export interface PssHash {
  (data: Uint8Array): Uint8Array;
  readonly outputLen: number;
}

/** Largest modulus accepted, to bound the work a peer's certificate can cause. */
export const RSA_MAX_MODULUS_BITS = 16384;

function bytesToBigInt(bytes: Uint8Array): bigint {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex === '' ? 0n : BigInt('0x' + hex);
}

/** I2OSP (RFC 8017 §4.1); undefined if `x` does not fit in `length` bytes. */
function bigIntToBytes(x: bigint, length: number): Uint8Array | undefined {
  const hex = x.toString(16);
  if (hex.length > 2 * length) return undefined;
  const padded = hex.padStart(2 * length, '0');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = parseInt(padded.substr(2 * i, 2), 16);
  return out;
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** base^exp mod m by left-to-right square-and-multiply (public exponent only). */
function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  const bits = exp.toString(2);
  for (let i = 0; i < bits.length; i++) {
    result = (result * result) % m;
    if (bits[i] === '1') result = (result * base) % m;
  }
  return result;
}

/** MGF1 (RFC 8017 B.2.1): maskLen bytes of Hash(seed || C) for C = 0, 1, ... */
function mgf1(hash: PssHash, seed: Uint8Array, maskLen: number): Uint8Array {
  const out = new Uint8Array(maskLen);
  const input = new Uint8Array(seed.length + 4);
  input.set(seed);
  for (let counter = 0, at = 0; at < maskLen; counter++, at += hash.outputLen) {
    input[seed.length] = counter >>> 24;
    input[seed.length + 1] = counter >>> 16;
    input[seed.length + 2] = counter >>> 8;
    input[seed.length + 3] = counter;
    const block = hash(input);
    out.set(block.subarray(0, Math.min(block.length, maskLen - at)), at);
  }
  return out;
}

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2) with sLen = hLen; true for "consistent". */
function emsaPssVerify(hash: PssHash, message: Uint8Array, em: Uint8Array, emBits: number): boolean {
  const hLen = hash.outputLen;
  const sLen = hLen;
  const emLen = em.length;
  // 2. "Let mHash = Hash(M)"
  const mHash = hash(message);
  // 3. "If emLen < hLen + sLen + 2, output 'inconsistent' and stop."
  if (emLen < hLen + sLen + 2) return false;
  // 4. "If the rightmost octet of EM does not have hexadecimal value 0xbc, output 'inconsistent'"
  if (em[emLen - 1] !== 0xbc) return false;
  // 5. maskedDB = the leftmost emLen - hLen - 1 octets of EM, H = the next hLen octets.
  const dbLen = emLen - hLen - 1;
  const maskedDB = em.subarray(0, dbLen);
  const h = em.subarray(dbLen, dbLen + hLen);
  // 6. "If the leftmost 8emLen - emBits bits of the leftmost octet in maskedDB are not all equal
  //    to zero, output 'inconsistent' and stop."
  const topBits = 8 * emLen - emBits;
  const topMask = (0xff << (8 - topBits)) & 0xff;
  if (maskedDB[0]! & topMask) return false;
  // 7-8. dbMask = MGF(H, emLen - hLen - 1); DB = maskedDB xor dbMask.
  const db = mgf1(hash, h, dbLen);
  for (let i = 0; i < dbLen; i++) db[i] = db[i]! ^ maskedDB[i]!;
  // 9. "Set the leftmost 8emLen - emBits bits of the leftmost octet in DB to zero."
  db[0] = db[0]! & ~topMask & 0xff;
  // 10. "If the emLen - hLen - sLen - 2 leftmost octets of DB are not zero or if the octet at
  //     position emLen - hLen - sLen - 1 ... does not have hexadecimal value 0x01, output
  //     'inconsistent' and stop."
  const psLen = emLen - hLen - sLen - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  // 11-13. salt = the last sLen octets of DB; M' = (0x)00 00 00 00 00 00 00 00 || mHash || salt.
  const mPrime = new Uint8Array(8 + hLen + sLen);
  mPrime.set(mHash, 8);
  mPrime.set(db.subarray(dbLen - sLen), 8 + hLen);
  // 14-15. "If H = H', output 'consistent'."
  const hPrime = hash(mPrime);
  let diff = 0;
  for (let i = 0; i < hLen; i++) diff |= h[i]! ^ hPrime[i]!;
  return diff === 0;
}

/**
 * RSASSA-PSS-VERIFY (RFC 8017 §8.1.2) with salt length = hash length (RFC 8446 §4.2.3).
 * `modulus` and `exponent` are unsigned big-endian integers. Returns false for an invalid
 * signature and for an unusable key (even modulus, exponent out of range, modulus larger than
 * `RSA_MAX_MODULUS_BITS`).
 */
export function rsaPssVerify(
  hash: PssHash,
  modulus: Uint8Array,
  exponent: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const n = bytesToBigInt(modulus);
  const e = bytesToBigInt(exponent);
  const modBits = bitLength(n);
  if (modBits < 512 || modBits > RSA_MAX_MODULUS_BITS || (n & 1n) === 0n) return false;
  // RFC 8017 §3.1: 2 < e < n, odd. Like OpenSSL, cap e at 64 bits for moduli over 3072 bits.
  if (e <= 2n || e >= n || (e & 1n) === 0n || (modBits > 3072 && bitLength(e) > 64)) return false;
  // §8.1.2 step 1: "If the length of the signature S is not k octets, output 'invalid signature'"
  const k = Math.ceil(modBits / 8);
  if (signature.length !== k) return false;
  // Step 2a-b (RSAVP1, §5.2.2): "If the signature representative s is not between 0 and n - 1,
  // output 'signature representative out of range'"; m = s^e mod n.
  const s = bytesToBigInt(signature);
  if (s >= n) return false;
  const m = modPow(s, e, n);
  // Step 2c: EM = I2OSP(m, emLen) with emLen = ceil((modBits - 1) / 8); "If I2OSP outputs
  // 'integer too large,' output 'invalid signature'".
  const emBits = modBits - 1;
  const em = bigIntToBytes(m, Math.ceil(emBits / 8));
  if (em === undefined) return false;
  // Step 3: EMSA-PSS-VERIFY(M, EM, modBits - 1).
  return emsaPssVerify(hash, message, em, emBits);
}
