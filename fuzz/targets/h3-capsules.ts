/**
 * Fuzz target for the HTTP capsule codec (RFC 9297 §3.2; WebTransport capsules of
 * draft-ietf-webtrans-http3-16): decodes a stream of capsules and re-encodes each (the size may
 * only shrink, for non-minimal varints in the input). H3Error is reported as CodecError.
 */
import { Reader, concatBytes } from '../../src/util/bytes.js';
import { CodecError } from '../../src/util/errors.js';
import { H3Error } from '../../src/h3/errors.js';
import { capsuleToBytes, decodeCapsule, sizeOfCapsule, type Capsule } from '../../src/h3/capsules.js';
import type { FuzzTarget } from '../target.js';

const SEED_CAPSULES: Capsule[] = [
  { type: 'datagram', payload: Uint8Array.of(1, 2, 3, 4) },
  { type: 'datagram', payload: new Uint8Array(0) },
  { type: 'wt_close_session', errorCode: 0, message: '' },
  { type: 'wt_close_session', errorCode: 0xffffffff, message: 'going away – bye' },
  { type: 'wt_drain_session' },
  { type: 'wt_max_streams', bidi: true, maximum: 100 },
  { type: 'wt_max_streams', bidi: false, maximum: 2 ** 40 },
  { type: 'wt_streams_blocked', bidi: true, maximum: 5 },
  { type: 'wt_streams_blocked', bidi: false, maximum: 0 },
  { type: 'wt_max_data', maximum: 1 << 20 },
  { type: 'wt_data_blocked', maximum: 65536 },
  { type: 'unknown', capsuleType: 0x29, payload: Uint8Array.of(9, 9) },
];

export const target: FuzzTarget = {
  name: 'h3-capsules',

  run(input: Uint8Array): void {
    try {
      const r = new Reader(input);
      while (!r.isEmpty) {
        const start = r.offset;
        const c = decodeCapsule(r);
        const size = sizeOfCapsule(c);
        if (size > r.offset - start) throw new Error(`${c.type} capsule: sizeOfCapsule ${size} exceeds the ${r.offset - start} bytes decoded`);
        if (capsuleToBytes(c).length !== size) throw new Error(`${c.type} capsule: encoded length differs from sizeOfCapsule`);
      }
    } catch (err) {
      if (err instanceof H3Error) throw new CodecError(err.message);
      throw err;
    }
  },

  seeds(): Uint8Array[] {
    const seeds = SEED_CAPSULES.map(capsuleToBytes);
    seeds.push(concatBytes(...SEED_CAPSULES.map(capsuleToBytes)));
    return seeds;
  },
};
