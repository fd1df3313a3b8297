/**
 * A single-block AES encryption (FIPS 197) for AES-based header protection (RFC 9001 §5.4.3:
 * "mask = AES-ECB(hp_key, sample)"), in plain TypeScript.
 *
 * Header protection needs exactly one AES block per packet. Calling into node:crypto for it costs
 * a C++ round trip and a fresh output buffer per packet (about 1 µs, over 10% of a 1200-byte
 * packet's protect+unprotect budget); this costs about 0.1 µs. The tables are the classic four
 * 1 KiB T-tables plus the 256-byte S-box (5 KiB, L1-resident even while OpenSSL runs the AEAD
 * between two masks; noble's 512 KiB merged tables are not, and measured 5x slower here).
 *
 * Like every T-table AES (noble's, OpenSSL's and Go's portable code), the lookups are not
 * cache-timing constant. The header-protection key only hides packet numbers and the Key Phase
 * bit (RFC 9001 §5.4); the AEAD keys never go through this code.
 *
 * Word convention: big-endian, FIPS 197 column-major state (word i = bytes 4i..4i+3).
 */

/** The AES S-box (FIPS 197 §5.1.1), computed from the GF(2^8) inverse and the affine map. */
const SBOX = new Uint8Array(256);
/** T-tables: T0[x] = (2·S[x], S[x], S[x], 3·S[x]) as a big-endian word; T1..T3 its rotations. */
const T0 = new Uint32Array(256);
const T1 = new Uint32Array(256);
const T2 = new Uint32Array(256);
const T3 = new Uint32Array(256);

/** Multiplication by x in GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1. */
function xtime(b: number): number {
  return ((b << 1) ^ (b & 0x80 ? 0x11b : 0)) & 0xff;
}

(function initTables(): void {
  // Walk the multiplicative group with generator 3 (p) and its inverse 3^-1 (q), FIPS 197 §4.
  let p = 1;
  let q = 1;
  do {
    p = p ^ xtime(p); // p *= 3
    q ^= q << 1; // q /= 3
    q ^= q << 2;
    q ^= q << 4;
    q &= 0xff;
    if (q & 0x80) q ^= 0x09;
    const rotl = (x: number, n: number): number => ((x << n) | (x >>> (8 - n))) & 0xff;
    SBOX[p] = q ^ rotl(q, 1) ^ rotl(q, 2) ^ rotl(q, 3) ^ rotl(q, 4) ^ 0x63;
  } while (p !== 1);
  SBOX[0] = 0x63; // 0 has no inverse
  for (let i = 0; i < 256; i++) {
    const s = SBOX[i]!;
    const s2 = xtime(s);
    const w = ((s2 << 24) | (s << 16) | (s << 8) | (s2 ^ s)) >>> 0;
    T0[i] = w;
    T1[i] = ((w >>> 8) | (w << 24)) >>> 0;
    T2[i] = ((w >>> 16) | (w << 16)) >>> 0;
    T3[i] = ((w >>> 24) | (w << 8)) >>> 0;
  }
})();

function be32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function subWord(w: number): number {
  return ((SBOX[w >>> 24]! << 24) | (SBOX[(w >>> 16) & 0xff]! << 16) | (SBOX[(w >>> 8) & 0xff]! << 8) | SBOX[w & 0xff]!) >>> 0;
}

/** The AES key schedule (FIPS 197 §5.2) for a 16- or 32-byte key. */
function expandKey(key: Uint8Array): Uint32Array {
  const nk = key.length / 4;
  const rounds = nk + 6;
  const w = new Uint32Array(4 * (rounds + 1));
  for (let i = 0; i < nk; i++) w[i] = be32(key, 4 * i);
  let rcon = 1;
  for (let i = nk; i < w.length; i++) {
    let t = w[i - 1]!;
    if (i % nk === 0) {
      t = (subWord(((t << 8) | (t >>> 24)) >>> 0) ^ (rcon << 24)) >>> 0; // SubWord(RotWord(t)) ^ Rcon
      rcon = xtime(rcon);
    } else if (nk > 6 && i % nk === 4) {
      t = subWord(t);
    }
    w[i] = (w[i - nk]! ^ t) >>> 0;
  }
  return w;
}

/** An AES-128 or AES-256 key for one-block encryption, expanded once. */
export class AesBlockEncryptor {
  private readonly w: Uint32Array;
  private readonly rounds: number;
  private readonly out = new Uint8Array(16);

  /** @param key 16 or 32 bytes. @throws RangeError for another length. */
  constructor(key: Uint8Array) {
    if (key.length !== 16 && key.length !== 32) throw new RangeError(`AES key must be 16 or 32 bytes, got ${key.length}`);
    this.w = expandKey(key);
    this.rounds = key.length / 4 + 6;
  }

  /**
   * AES encryption of the 16 bytes at `block[at..at+16]` (FIPS 197 §5.1). The returned array is
   * reused by the next call.
   */
  encrypt(block: Uint8Array, at = 0): Uint8Array {
    const w = this.w;
    let s0 = be32(block, at) ^ w[0]!;
    let s1 = be32(block, at + 4) ^ w[1]!;
    let s2 = be32(block, at + 8) ^ w[2]!;
    let s3 = be32(block, at + 12) ^ w[3]!;
    let k = 4;
    for (let r = 1; r < this.rounds; r++, k += 4) {
      // SubBytes, ShiftRows and MixColumns through the T-tables, then AddRoundKey.
      const t0 = T0[s0 >>> 24]! ^ T1[(s1 >>> 16) & 0xff]! ^ T2[(s2 >>> 8) & 0xff]! ^ T3[s3 & 0xff]! ^ w[k]!;
      const t1 = T0[s1 >>> 24]! ^ T1[(s2 >>> 16) & 0xff]! ^ T2[(s3 >>> 8) & 0xff]! ^ T3[s0 & 0xff]! ^ w[k + 1]!;
      const t2 = T0[s2 >>> 24]! ^ T1[(s3 >>> 16) & 0xff]! ^ T2[(s0 >>> 8) & 0xff]! ^ T3[s1 & 0xff]! ^ w[k + 2]!;
      const t3 = T0[s3 >>> 24]! ^ T1[(s0 >>> 16) & 0xff]! ^ T2[(s1 >>> 8) & 0xff]! ^ T3[s2 & 0xff]! ^ w[k + 3]!;
      s0 = t0;
      s1 = t1;
      s2 = t2;
      s3 = t3;
    }
    // Final round: no MixColumns.
    const out = this.out;
    this.lastRound(out, 0, s0, s1, s2, s3, w[k]!);
    this.lastRound(out, 4, s1, s2, s3, s0, w[k + 1]!);
    this.lastRound(out, 8, s2, s3, s0, s1, w[k + 2]!);
    this.lastRound(out, 12, s3, s0, s1, s2, w[k + 3]!);
    return out;
  }

  private lastRound(out: Uint8Array, at: number, a: number, b: number, c: number, d: number, key: number): void {
    out[at] = SBOX[a >>> 24]! ^ (key >>> 24);
    out[at + 1] = SBOX[(b >>> 16) & 0xff]! ^ ((key >>> 16) & 0xff);
    out[at + 2] = SBOX[(c >>> 8) & 0xff]! ^ ((key >>> 8) & 0xff);
    out[at + 3] = SBOX[d & 0xff]! ^ (key & 0xff);
  }
}
