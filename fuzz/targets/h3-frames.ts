/**
 * Fuzz target for the HTTP/3 frame codec (RFC 9114 §7): decodes a stream of frames with
 * `decodeFrame`, interprets SETTINGS, and re-encodes every decoded frame: the encoding must have
 * `sizeOfFrame` bytes, at most as many as were decoded (a non-minimal varint in the input
 * re-encodes shorter).
 * H3Error (the typed protocol error) is reported to the runner as CodecError.
 */
import { Reader, concatBytes } from '../../src/util/bytes.js';
import { CodecError } from '../../src/util/errors.js';
import { H3Error } from '../../src/h3/errors.js';
import { decodeFrame, frameToBytes, interpretSettings, sizeOfFrame, type H3Frame } from '../../src/h3/frames.js';
import type { FuzzTarget } from '../target.js';

const bytesOf = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (seed + i * 31) & 0xff);

const SEED_FRAMES: H3Frame[] = [
  { type: 'data', payload: bytesOf(20, 1) },
  { type: 'data', payload: new Uint8Array(0) },
  { type: 'headers', fieldSection: Uint8Array.of(0x00, 0x00, 0xd1, 0xd7) },
  { type: 'cancel_push', pushId: 3 },
  { type: 'settings', settings: [{ id: 0x01, value: 4096 }, { id: 0x06, value: 16384 }, { id: 0x07, value: 16 }, { id: 0x08, value: 1 }, { id: 0x33, value: 1 }, { id: 0x2c7cf000, value: 1 }, { id: 0x21, value: 0 }] },
  { type: 'settings', settings: [] },
  { type: 'push_promise', pushId: 7, fieldSection: Uint8Array.of(0x00, 0x00, 0xc1) },
  { type: 'goaway', id: 2 ** 40 },
  { type: 'max_push_id', pushId: 100 },
  { type: 'unknown', frameType: 0x21, payload: bytesOf(5, 2) },
  { type: 'unknown', frameType: 0x41, payload: Uint8Array.of(0x00) },
];

export const target: FuzzTarget = {
  name: 'h3-frames',

  run(input: Uint8Array): void {
    try {
      const r = new Reader(input);
      while (!r.isEmpty) {
        const start = r.offset;
        const f = decodeFrame(r);
        if (f.type === 'settings') interpretSettings(f.settings);
        const size = sizeOfFrame(f);
        if (size > r.offset - start) throw new Error(`${f.type} frame: sizeOfFrame ${size} exceeds the ${r.offset - start} bytes decoded`);
        if (frameToBytes(f).length !== size) throw new Error(`${f.type} frame: encoded length differs from sizeOfFrame`);
      }
    } catch (err) {
      if (err instanceof H3Error) throw new CodecError(err.message);
      throw err;
    }
  },

  seeds(): Uint8Array[] {
    const seeds = SEED_FRAMES.map(frameToBytes);
    seeds.push(concatBytes(...SEED_FRAMES.slice(0, 5).map(frameToBytes)));
    return seeds;
  },
};
