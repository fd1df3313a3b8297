/**
 * AES for the noble crypto provider: AES-GCM (NIST SP 800-38D, the AEAD_AES_128_GCM and
 * AEAD_AES_256_GCM of RFC 5116 that RFC 9001 §5.3 uses) and the single AES block of AES-based
 * header protection (RFC 9001 §5.4.3).
 *
 * noble's `gcm(key, nonce, aad)` expands the key and rebuilds the GHASH multiplication table for
 * every message, and its CTR core wants 4-byte-aligned buffers, while QUIC payloads sit at any
 * offset. DESIGN §3 asks that per-packet work reuse the cipher context, so this module does the
 * per-key work once (AES key schedule, hash subkey H, GHASH table) and drives noble's AES round
 * function (`unsafe.encrypt` of '@noble/ciphers/aes.js') and GHASH table
 * (`GHASH` of '@noble/ciphers/_polyval.js') itself, byte by byte, at any alignment.
 *
 * Word convention (noble's, on every host): a 16-byte block is four 32-bit words, each read
 * little-endian from four consecutive bytes.
 */
import { unsafe } from '@noble/ciphers/aes.js';
import { GHASH } from '@noble/ciphers/_polyval.js';

/** Little-endian 32-bit word at `b[at..at+4]` (noble's block word convention). */
function le32(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24);
}

/** Writes the 16 bytes of the block `s0..s3` (noble word convention) to `out[at..at+16]`. */
function putBlock(out: Uint8Array, at: number, s0: number, s1: number, s2: number, s3: number): void {
  out[at] = s0;
  out[at + 1] = s0 >>> 8;
  out[at + 2] = s0 >>> 16;
  out[at + 3] = s0 >>> 24;
  out[at + 4] = s1;
  out[at + 5] = s1 >>> 8;
  out[at + 6] = s1 >>> 16;
  out[at + 7] = s1 >>> 24;
  out[at + 8] = s2;
  out[at + 9] = s2 >>> 8;
  out[at + 10] = s2 >>> 16;
  out[at + 11] = s2 >>> 24;
  out[at + 12] = s3;
  out[at + 13] = s3 >>> 8;
  out[at + 14] = s3 >>> 16;
  out[at + 15] = s3 >>> 24;
}

/** Writes `bytes * 8` as a big-endian 64-bit integer at `out[at..at+8]`. */
function putBitLength(out: Uint8Array, at: number, bytes: number): void {
  const bits = bytes * 8;
  const hi = Math.floor(bits / 2 ** 32);
  const lo = bits >>> 0;
  out[at] = hi >>> 24;
  out[at + 1] = hi >>> 16;
  out[at + 2] = hi >>> 8;
  out[at + 3] = hi;
  out[at + 4] = lo >>> 24;
  out[at + 5] = lo >>> 16;
  out[at + 6] = lo >>> 8;
  out[at + 7] = lo;
}

/** Byte swap of a 32-bit value: the noble word of a big-endian counter. */
function bswap32(x: number): number {
  return ((x >>> 24) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24)) >>> 0;
}

/**
 * A GHASH whose multiplication table (built once from H) serves many messages: `reset` clears
 * the accumulator, and blocks go straight to noble's `_updateBlock` without copying the input.
 */
class ReusableGhash extends GHASH {
  private readonly scratch = new Uint8Array(16);

  /** Starts a new message with the same hash subkey. */
  reset(): void {
    this.s0 = 0;
    this.s1 = 0;
    this.s2 = 0;
    this.s3 = 0;
  }

  /** Absorbs `data` zero-padded to a whole number of blocks (SP 800-38D §7.1: A || 0^v, C || 0^u). */
  absorb(data: Uint8Array): void {
    const n = data.length;
    let i = 0;
    for (; i + 16 <= n; i += 16) this._updateBlock(le32(data, i), le32(data, i + 4), le32(data, i + 8), le32(data, i + 12));
    if (i < n) {
      const b = this.scratch;
      b.fill(0);
      b.set(data.subarray(i));
      this._updateBlock(le32(b, 0), le32(b, 4), le32(b, 8), le32(b, 12));
    }
  }

  /** Absorbs the final block [len(A)]_64 || [len(C)]_64, lengths in bits, big-endian. */
  absorbLengths(aadBytes: number, dataBytes: number): void {
    const b = this.scratch;
    putBitLength(b, 0, aadBytes);
    putBitLength(b, 8, dataBytes);
    this._updateBlock(le32(b, 0), le32(b, 4), le32(b, 8), le32(b, 12));
  }

  /** Current accumulator word `i` (0..3). */
  word(i: 0 | 1 | 2 | 3): number {
    return i === 0 ? this.s0 : i === 1 ? this.s1 : i === 2 ? this.s2 : this.s3;
  }
}

/**
 * One AES-GCM key (16 or 32 bytes) with a 12-byte nonce and a 16-byte tag, reusable for any
 * number of messages. Only the 96-bit-IV path of SP 800-38D §7.1 is implemented: QUIC nonces
 * are always 12 bytes (RFC 9001 §5.3).
 */
export class AesGcmKey {
  private readonly xk: Uint32Array;
  private readonly ghash: ReusableGhash;
  private readonly scratch = new Uint8Array(16);

  /** @param key the AES key; its length must already have been checked (16 or 32 bytes). */
  constructor(key: Uint8Array) {
    this.xk = unsafe.expandKeyLE(key);
    // SP 800-38D §7.1 step 1: H = CIPH_K(0^128).
    const h = unsafe.encrypt(this.xk, 0, 0, 0, 0);
    const hBytes = new Uint8Array(16);
    putBlock(hBytes, 0, h.s0, h.s1, h.s2, h.s3);
    // A 1500-byte hint makes noble pick its 4-bit window: 512 table entries per key.
    this.ghash = new ReusableGhash(hBytes, 1500);
  }

  /**
   * XORs `src` with the keystream of counter blocks nonce || inc32^i(J0) for i = 1, 2, ...
   * (SP 800-38D §7.1 step 3: GCTR_K(inc32(J0), P)) into `dst`. `dst` may start at or before
   * `src` in the same buffer: each byte is read before any byte at or after it is written.
   */
  private ctr(nonce: Uint8Array, src: Uint8Array, dst: Uint8Array): void {
    const n0 = le32(nonce, 0);
    const n1 = le32(nonce, 4);
    const n2 = le32(nonce, 8);
    const len = src.length;
    let counter = 2;
    for (let at = 0; at < len; at += 16, counter++) {
      const k = unsafe.encrypt(this.xk, n0, n1, n2, bswap32(counter));
      const take = Math.min(16, len - at);
      const ks = this.scratch;
      putBlock(ks, 0, k.s0, k.s1, k.s2, k.s3);
      for (let j = 0; j < take; j++) dst[at + j] = src[at + j]! ^ ks[j]!;
    }
  }

  /** The tag T = GCTR_K(J0, GHASH_H(A || 0^v || C || 0^u || [len(A)]_64 || [len(C)]_64)), into `scratch`. */
  private tag(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    const g = this.ghash;
    g.reset();
    g.absorb(aad);
    g.absorb(ciphertext);
    g.absorbLengths(aad.length, ciphertext.length);
    // J0 = IV || 0^31 || 1 for a 96-bit IV (SP 800-38D §7.1 step 2).
    const j0 = unsafe.encrypt(this.xk, le32(nonce, 0), le32(nonce, 4), le32(nonce, 8), 0x01000000);
    const t = this.scratch;
    putBlock(t, 0, j0.s0 ^ g.word(0), j0.s1 ^ g.word(1), j0.s2 ^ g.word(2), j0.s3 ^ g.word(3));
    return t;
  }

  /** Authenticated encryption: ciphertext then tag into `out[0..plaintext.length + 16]`. */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array): void {
    const len = plaintext.length;
    this.ctr(nonce, plaintext, out);
    out.set(this.tag(nonce, aad, out.subarray(0, len)), len);
  }

  /**
   * Authenticated decryption of `ciphertext` (ending with the tag) into `out`. The tag is
   * checked before anything is decrypted; returns false on a mismatch.
   */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, out: Uint8Array): boolean {
    const len = ciphertext.length - 16;
    if (len < 0) return false;
    const expected = this.tag(nonce, aad, ciphertext.subarray(0, len));
    // Constant-time comparison: no early exit on the first differing byte.
    let diff = 0;
    for (let i = 0; i < 16; i++) diff |= expected[i]! ^ ciphertext[len + i]!;
    if (diff !== 0) return false;
    this.ctr(nonce, ciphertext.subarray(0, len), out);
    return true;
  }
}

/** One AES key (16 or 32 bytes) for AES-based header protection (RFC 9001 §5.4.3). */
export class AesBlockKey {
  private readonly xk: Uint32Array;
  private readonly out = new Uint8Array(16);

  /** @param key the AES key; its length must already have been checked. */
  constructor(key: Uint8Array) {
    this.xk = unsafe.expandKeyLE(key);
  }

  /**
   * AES-ECB of one 16-byte block. RFC 9001 §5.4.3: "mask = AES-ECB(hp_key, sample)".
   * The returned array is reused by the next call.
   */
  encryptBlock(block: Uint8Array): Uint8Array {
    const s = unsafe.encrypt(this.xk, le32(block, 0), le32(block, 4), le32(block, 8), le32(block, 12));
    putBlock(this.out, 0, s.s0, s.s1, s.s2, s.s3);
    return this.out;
  }
}
