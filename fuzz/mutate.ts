/**
 * Byte-level mutations for the fuzzer, driven by a SeededRandom so a run replays from its seed.
 * The mix follows the usual mutational fuzzers (libFuzzer's defaults): bit flips, interesting
 * values (with QUIC's varint length prefixes among them), truncation, extension, slice copies,
 * splicing two inputs, and now and then a buffer of pure random bytes.
 */
import { randomBelow, type SeededRandom } from '../src/util/random.js';

const INTERESTING = [0x00, 0x01, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xff, 0x14, 0x15, 0x10, 0x1c, 0x30, 0x31];

/** Largest input the fuzzer builds (a jumbo datagram). */
export const MAX_INPUT = 4096;

function below(rng: SeededRandom, n: number): number {
  return n <= 1 ? 0 : randomBelow(rng, n);
}

/** A mutated copy of `input`; `other` is a second corpus entry for splicing. */
export function mutate(rng: SeededRandom, input: Uint8Array, other: Uint8Array): Uint8Array {
  let out: Uint8Array = input.slice();
  const rounds = 1 + below(rng, 4);
  for (let i = 0; i < rounds; i++) out = mutateOnce(rng, out, other);
  return out.length > MAX_INPUT ? out.subarray(0, MAX_INPUT) : out;
}

function mutateOnce(rng: SeededRandom, b: Uint8Array, other: Uint8Array): Uint8Array {
  switch (below(rng, 9)) {
    case 0: // flip a bit
      if (b.length > 0) b[below(rng, b.length)]! ^= 1 << below(rng, 8);
      return b;
    case 1: // set an interesting byte
      if (b.length > 0) b[below(rng, b.length)] = INTERESTING[below(rng, INTERESTING.length)]!;
      return b;
    case 2: // set a random byte
      if (b.length > 0) b[below(rng, b.length)] = below(rng, 256);
      return b;
    case 3: // truncate
      return b.subarray(0, below(rng, b.length + 1));
    case 4: {
      // append random bytes
      const extra = new Uint8Array(1 + below(rng, 32));
      rng.fill(extra);
      return concat(b, extra);
    }
    case 5: {
      // copy a slice over another place
      if (b.length < 2) return b;
      const from = below(rng, b.length);
      const len = 1 + below(rng, b.length - from);
      const to = below(rng, b.length);
      b.copyWithin(to, from, from + len);
      return b;
    }
    case 6: {
      // splice: our head with the other's tail
      const cut = below(rng, b.length + 1);
      return concat(b.subarray(0, cut), other.subarray(below(rng, other.length + 1)));
    }
    case 7: {
      // delete a slice
      if (b.length === 0) return b;
      const at = below(rng, b.length);
      return concat(b.subarray(0, at), b.subarray(at + 1 + below(rng, b.length - at)));
    }
    default: {
      // pure random bytes
      const r = new Uint8Array(below(rng, 1300));
      return rng.fill(r);
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
