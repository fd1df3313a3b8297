import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadTargets, readCorpus } from '../../fuzz/corpus.js';
import { CodecError } from '../../src/util/errors.js';

const targets = await loadTargets();

/** Runs `input` through `run` and fails on anything but success or CodecError. */
function onlyCodecError(run: (input: Uint8Array) => void, input: Uint8Array): void {
  try {
    run(input);
  } catch (err) {
    if (!(err instanceof CodecError)) throw new Error(`not a CodecError: ${String(err)}`, { cause: err });
  }
}

describe('DESIGN §5: bad input gives a CodecError, never a crash', () => {
  it('DESIGN §6: there is a fuzz target for each decoder (packet header, frames, transport parameters)', () => {
    expect(targets.map((t) => t.name)).toEqual(expect.arrayContaining(['packet-header', 'frames', 'transport-parameters']));
  });

  describe.each(targets.map((t) => [t.name, t] as const))('DESIGN §6: fuzz target %s', (name, target) => {
    it(`DESIGN §6: ${name}: the committed corpus exists and every seed decodes`, () => {
      const corpus = readCorpus(name);
      expect(corpus.length).toBeGreaterThan(0);
      for (const seed of target.seeds()) target.run(seed);
    });

    it(`DESIGN §5: ${name}: random bytes produce nothing but CodecError`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 1500 }), (input) => onlyCodecError(target.run, input)),
        { numRuns: 2000 },
      );
    });

    it(`DESIGN §5: ${name}: every truncation and single-bit flip of every seed gives nothing but CodecError`, () => {
      for (const seed of [...readCorpus(name), ...target.seeds()]) {
        for (let cut = 0; cut < seed.length; cut++) onlyCodecError(target.run, seed.subarray(0, cut));
        for (let bit = 0; bit < Math.min(seed.length * 8, 512); bit++) {
          const flipped = seed.slice();
          flipped[bit >> 3]! ^= 1 << (bit & 7);
          onlyCodecError(target.run, flipped);
        }
      }
    });
  });
});
