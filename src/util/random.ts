/**
 * Injected randomness (DESIGN §1).
 *
 * The core draws every random value (connection IDs, packet-number skips, tokens, TLS randoms)
 * from a `RandomSource` its caller passes in. In production the driver passes one backed by the
 * crypto provider's CSPRNG; tests pass a `SeededRandom`, so a run can be replayed from its seed.
 */

/** A source of random bytes. Implementations must fill the whole array. */
export interface RandomSource {
  /** Fills `out` with random bytes and returns it. */
  fill(out: Uint8Array): Uint8Array;
}

/** `n` fresh random bytes from `source`. */
export function randomBytes(source: RandomSource, n: number): Uint8Array {
  return source.fill(new Uint8Array(n));
}

/** A uniformly random 32-bit unsigned integer from `source`. */
export function randomUint32(source: RandomSource): number {
  const b = source.fill(new Uint8Array(4));
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/** A uniformly random integer in [0, bound) for 0 < bound <= 2^32, without modulo bias. */
export function randomBelow(source: RandomSource, bound: number): number {
  if (!Number.isInteger(bound) || bound <= 0 || bound > 2 ** 32) throw new RangeError(`bad bound ${bound}`);
  const limit = 2 ** 32 - (2 ** 32 % bound);
  for (;;) {
    const x = randomUint32(source);
    if (x < limit) return x % bound;
  }
}

/**
 * A deterministic, seedable generator (xoshiro128**, seeded through splitmix32).
 *
 * Fast and statistically good, NOT cryptographically secure: for tests, the network simulator,
 * fuzzing and benchmarks. Never use it for keys or tokens in production.
 */
export class SeededRandom implements RandomSource {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** @param seed any 32-bit integer; the same seed gives the same sequence. */
  /** The seed this generator started from (print it so a failing run can be replayed). */
  readonly seed: number;

  constructor(seed: number) {
    this.seed = seed;
    let x = seed >>> 0;
    const next = (): number => {
      // splitmix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** The next 32-bit output. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A float in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 2 ** 32;
  }

  fill(out: Uint8Array): Uint8Array {
    for (let i = 0; i < out.length; i += 4) {
      let v = this.nextUint32();
      for (let j = i; j < i + 4 && j < out.length; j++) {
        out[j] = v & 0xff;
        v >>>= 8;
      }
    }
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
