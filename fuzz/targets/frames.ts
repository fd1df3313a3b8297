/**
 * Fuzz target for the frame codec (RFC 9000 §12.4, §19; RFC 9221 §4): decodes a whole packet
 * payload with `decodeFrames`, then re-encodes every decoded frame and checks the encoder accepts
 * it and writes exactly `sizeOfFrame` bytes (anything the decoder accepts must be encodable).
 * Only the decode may throw, and only a CodecError; a re-encoding failure is reported as a plain
 * Error, i.e. a bug.
 */
import { concatBytes, fromHex, Writer } from '../../src/util/bytes.js';
import { CodecError } from '../../src/util/errors.js';
import { decodeFrames, encodeFrame, encodeFramesToBytes, sizeOfFrame, type Frame } from '../../src/wire/frames.js';
import type { FuzzTarget } from '../target.js';

const bytesOf = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (seed + i * 31) & 0xff);

/** One frame of each variant and type code (deterministic). */
const SEED_FRAMES: Frame[] = [
  { type: 'padding', length: 1 },
  { type: 'padding', length: 20 },
  { type: 'ping' },
  { type: 'ack', ackDelay: 0, ranges: [{ largest: 0, smallest: 0 }] },
  { type: 'ack', ackDelay: 25, ranges: [{ largest: 1000, smallest: 990 }, { largest: 980, smallest: 900 }, { largest: 5, smallest: 0 }] },
  { type: 'ack', ackDelay: 3, ranges: [{ largest: 70_000, smallest: 69_000 }], ecn: { ect0: 12, ect1: 0, ce: 1 } },
  { type: 'reset_stream', streamId: 4, errorCode: 0x10c, finalSize: 100_000 },
  { type: 'stop_sending', streamId: 2, errorCode: 0 },
  { type: 'crypto', offset: 0, data: bytesOf(48, 1) },
  { type: 'crypto', offset: 1200, data: bytesOf(5, 2) },
  { type: 'new_token', token: bytesOf(32, 3) },
  { type: 'stream', streamId: 0, offset: 0, fin: false, data: bytesOf(10, 4) },
  { type: 'stream', streamId: 4, offset: 0, fin: true, data: new Uint8Array(0) },
  { type: 'stream', streamId: 8, offset: 70_000, fin: false, data: bytesOf(20, 5) },
  { type: 'stream', streamId: 3, offset: 2 ** 40, fin: true, data: bytesOf(3, 6) },
  { type: 'max_data', maximum: 1_048_576 },
  { type: 'max_stream_data', streamId: 4, maximum: 65_536 },
  { type: 'max_streams', bidi: true, maximum: 100 },
  { type: 'max_streams', bidi: false, maximum: 2 ** 50 },
  { type: 'data_blocked', limit: 1_048_576 },
  { type: 'stream_data_blocked', streamId: 4, limit: 65_536 },
  { type: 'streams_blocked', bidi: true, limit: 100 },
  { type: 'streams_blocked', bidi: false, limit: 3 },
  { type: 'new_connection_id', sequenceNumber: 1, retirePriorTo: 0, connectionId: bytesOf(8, 7), statelessResetToken: bytesOf(16, 8) },
  { type: 'new_connection_id', sequenceNumber: 7, retirePriorTo: 7, connectionId: bytesOf(20, 9), statelessResetToken: bytesOf(16, 10) },
  { type: 'retire_connection_id', sequenceNumber: 2 },
  { type: 'path_challenge', data: bytesOf(8, 11) },
  { type: 'path_response', data: bytesOf(8, 12) },
  { type: 'connection_close', errorSpace: 'transport', errorCode: 0x0a, frameType: 0x08, reason: new TextEncoder().encode('bad stream') },
  { type: 'connection_close', errorSpace: 'application', errorCode: 0x100, reason: new Uint8Array(0) },
  { type: 'handshake_done' },
  { type: 'datagram', data: bytesOf(30, 13) },
];

function encodeLast(frame: Frame): Uint8Array {
  const out = new Uint8Array(sizeOfFrame(frame, true));
  encodeFrame(new Writer(out), frame, true);
  return out;
}

export const target: FuzzTarget = {
  name: 'frames',

  run(input: Uint8Array): void {
    const frames = decodeFrames(input);
    for (const frame of frames) {
      const size = sizeOfFrame(frame);
      const w = new Writer(new Uint8Array(size));
      try {
        encodeFrame(w, frame);
      } catch (e) {
        if (e instanceof CodecError) throw new Error(`decoded ${frame.type} frame does not re-encode: ${e.message}`);
        throw e;
      }
      if (w.offset !== size) throw new Error(`${frame.type} frame: sizeOfFrame ${size} but encoded ${w.offset} bytes`);
    }
  },

  seeds(): Uint8Array[] {
    const seeds = SEED_FRAMES.map((f) => encodeFramesToBytes([f]));
    // Frames without Length (STREAM LEN=0, DATAGRAM 0x30) end a packet.
    seeds.push(concatBytes(encodeFramesToBytes([{ type: 'ping' }]), encodeLast({ type: 'stream', streamId: 4, offset: 5, fin: true, data: bytesOf(12, 14) })));
    seeds.push(encodeLast({ type: 'stream', streamId: 0, offset: 0, fin: false, data: bytesOf(7, 15) }));
    seeds.push(encodeLast({ type: 'datagram', data: bytesOf(9, 16) }));
    // A typical coalesced 1-RTT payload, and an Initial-style CRYPTO + PADDING one.
    seeds.push(encodeFramesToBytes(SEED_FRAMES.slice(3, 16)));
    seeds.push(encodeFramesToBytes([SEED_FRAMES[8]!, { type: 'padding', length: 100 }]));
    // Saturated varints the decoder checks on their raw bits (2^60 streams; offset 2^62-1, empty).
    seeds.push(fromHex('12d000000000000000'));
    seeds.push(fromHex('0e00ffffffffffffffff00'));
    return seeds;
  },
};
