/**
 * The ChaCha20 block function (RFC 8439 §2.3), keyed once, for ChaCha20-based header
 * protection (RFC 9001 §5.4.4).
 *
 * Why not noble's `chacha20(key, nonce, data, out, counter)`: it refuses a starting block counter
 * of 2^32 - 1 ("arx: counter overflow"), but in header protection the counter is the first four
 * bytes of the packet ciphertext, so a peer can send any value, 0xffffffff included; a single
 * block with that counter is well defined (RFC 8439 §2.3). The block function is 30 lines, so the
 * noble provider keeps its own and needs no per-packet key copy either.
 */

/** "expand 32-byte k" (RFC 8439 §2.3). */
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] as const;

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/** The ChaCha quarter round on state words a, b, c, d (RFC 8439 §2.2). */
function quarterRound(x: Uint32Array, a: number, b: number, c: number, d: number): void {
  x[a] = x[a]! + x[b]!;
  x[d] = rotl(x[d]! ^ x[a]!, 16);
  x[c] = x[c]! + x[d]!;
  x[b] = rotl(x[b]! ^ x[c]!, 12);
  x[a] = x[a]! + x[b]!;
  x[d] = rotl(x[d]! ^ x[a]!, 8);
  x[c] = x[c]! + x[d]!;
  x[b] = rotl(x[b]! ^ x[c]!, 7);
}

function le32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** A 256-bit ChaCha20 key; `block` computes one 64-byte keystream block. */
export class ChaCha20Block {
  private readonly initial = new Uint32Array(16);
  private readonly working = new Uint32Array(16);
  private readonly out = new Uint8Array(64);

  /** @param key 32 bytes (checked by the caller). */
  constructor(key: Uint8Array) {
    const s = this.initial;
    for (let i = 0; i < 4; i++) s[i] = SIGMA[i as 0 | 1 | 2 | 3];
    for (let i = 0; i < 8; i++) s[4 + i] = le32(key, 4 * i);
  }

  /**
   * The ChaCha20 block function (RFC 8439 §2.3) for a 32-bit block `counter` and the 12-byte
   * nonce at `nonce[at..at+12]`: the serialized state, 64 bytes. The returned array is reused
   * by the next call.
   */
  block(counter: number, nonce: Uint8Array, at: number): Uint8Array {
    const s = this.initial;
    s[12] = counter;
    s[13] = le32(nonce, at);
    s[14] = le32(nonce, at + 4);
    s[15] = le32(nonce, at + 8);
    const x = this.working;
    x.set(s);
    // RFC 8439 §2.3: 20 rounds, alternating column and diagonal rounds.
    for (let i = 0; i < 10; i++) {
      quarterRound(x, 0, 4, 8, 12);
      quarterRound(x, 1, 5, 9, 13);
      quarterRound(x, 2, 6, 10, 14);
      quarterRound(x, 3, 7, 11, 15);
      quarterRound(x, 0, 5, 10, 15);
      quarterRound(x, 1, 6, 11, 12);
      quarterRound(x, 2, 7, 8, 13);
      quarterRound(x, 3, 4, 9, 14);
    }
    // "add the original state to the result", then serialize the words little-endian.
    const out = this.out;
    for (let i = 0; i < 16; i++) {
      const w = (x[i]! + s[i]!) >>> 0;
      out[4 * i] = w;
      out[4 * i + 1] = w >>> 8;
      out[4 * i + 2] = w >>> 16;
      out[4 * i + 3] = w >>> 24;
    }
    return out;
  }
}
