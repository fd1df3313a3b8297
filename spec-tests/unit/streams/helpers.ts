/** Shared helpers for the stream-layer tests. */
import { expect } from 'vitest';
import { Writer } from '../../../src/util/bytes.js';
import { decodeFrames, type Frame } from '../../../src/wire/frames.js';
import { TransportError } from '../../../src/wire/errors.js';

/** Runs `write` against a fresh Writer of `size` bytes and decodes what it wrote. */
export function framesWritten<T>(size: number, write: (w: Writer) => T): { result: T; frames: Frame[]; bytes: number } {
  const w = Writer.alloc(size);
  const result = write(w);
  const frames = w.offset === 0 ? [] : decodeFrames(w.written());
  return { result, frames, bytes: w.offset };
}

/** Asserts `fn` throws a TransportError with `code`. */
export function expectTransportError(fn: () => unknown, code: number): TransportError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(TransportError);
  const err = caught as TransportError;
  expect(err.code).toBe(code);
  return err;
}

/** Deterministic bytes 0..n-1 mod 251. */
export function pattern(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + seed) % 251;
  return out;
}
