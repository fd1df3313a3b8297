import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, Reader, toHex, Writer } from '../../../src/util/bytes.js';
import { CodecError } from '../../../src/util/errors.js';
import { MAX_EXACT_VARINT } from '../../../src/util/varint.js';
import {
  decodeFrame,
  decodeFrames,
  encodeFrame,
  encodeFramesToBytes,
  FrameError,
  frameTypeOf,
  sizeOfFrame,
  type AckFrame,
  type AckRange,
  type Frame,
} from '../../../src/wire/frames.js';
import { PacketType } from '../../../src/wire/packet-type.js';

// ---------------------------------------------------------------------------------------------
// Arbitraries

/** Varints of every encoded length (1, 2, 4, 8 bytes), up to the largest exact value. */
const varint = fc.oneof(
  fc.integer({ min: 0, max: 63 }),
  fc.integer({ min: 64, max: 16_383 }),
  fc.integer({ min: 16_384, max: 2 ** 30 - 1 }),
  fc.integer({ min: 2 ** 30, max: MAX_EXACT_VARINT }),
);
const bytes = (maxLength = 40) => fc.uint8Array({ maxLength });
const fixedBytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });

const ackArb: fc.Arbitrary<AckFrame> = fc
  .record({
    largest: varint,
    firstSeed: fc.integer({ min: 0, max: MAX_EXACT_VARINT }),
    pairs: fc.array(fc.tuple(fc.oneof(fc.nat(10), varint), fc.oneof(fc.nat(10), varint)), { maxLength: 6 }),
    ackDelay: varint,
    ecn: fc.option(fc.record({ ect0: varint, ect1: varint, ce: varint }), { nil: undefined }),
  })
  .map(({ largest, firstSeed, pairs, ackDelay, ecn }) => {
    let smallest = largest - (firstSeed % (largest + 1));
    const ranges: AckRange[] = [{ largest, smallest }];
    for (const [gap, length] of pairs) {
      const rangeLargest = smallest - gap - 2;
      if (rangeLargest < 0) break;
      smallest = rangeLargest - Math.min(length, rangeLargest);
      ranges.push({ largest: rangeLargest, smallest });
    }
    return { type: 'ack', ackDelay, ranges, ecn };
  });

const ncidArb: fc.Arbitrary<Frame> = fc
  .record({
    sequenceNumber: varint,
    retireSeed: fc.integer({ min: 0, max: MAX_EXACT_VARINT }),
    connectionId: fc.uint8Array({ minLength: 1, maxLength: 20 }),
    statelessResetToken: fixedBytes(16),
  })
  .map(({ sequenceNumber, retireSeed, connectionId, statelessResetToken }) => ({
    type: 'new_connection_id',
    sequenceNumber,
    retirePriorTo: retireSeed % (sequenceNumber + 1),
    connectionId,
    statelessResetToken,
  }));

/** Every variant of `Frame`, with every type code (all eight STREAM types, both ACKs, ...). */
const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({ type: fc.constant('padding' as const), length: fc.integer({ min: 1, max: 50 }) }),
  fc.constant({ type: 'ping' as const }),
  ackArb,
  fc.record({ type: fc.constant('reset_stream' as const), streamId: varint, errorCode: varint, finalSize: varint }),
  fc.record({ type: fc.constant('stop_sending' as const), streamId: varint, errorCode: varint }),
  fc.record({ type: fc.constant('crypto' as const), offset: varint, data: bytes() }),
  fc.record({ type: fc.constant('new_token' as const), token: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({ type: fc.constant('stream' as const), streamId: varint, offset: fc.oneof(fc.constant(0), varint), fin: fc.boolean(), data: bytes() }),
  fc.record({ type: fc.constant('max_data' as const), maximum: varint }),
  fc.record({ type: fc.constant('max_stream_data' as const), streamId: varint, maximum: varint }),
  fc.record({ type: fc.constant('max_streams' as const), bidi: fc.boolean(), maximum: varint }),
  fc.record({ type: fc.constant('data_blocked' as const), limit: varint }),
  fc.record({ type: fc.constant('stream_data_blocked' as const), streamId: varint, limit: varint }),
  fc.record({ type: fc.constant('streams_blocked' as const), bidi: fc.boolean(), limit: varint }),
  ncidArb,
  fc.record({ type: fc.constant('retire_connection_id' as const), sequenceNumber: varint }),
  fc.record({ type: fc.constant('path_challenge' as const), data: fixedBytes(8) }),
  fc.record({ type: fc.constant('path_response' as const), data: fixedBytes(8) }),
  fc.record({
    type: fc.constant('connection_close' as const),
    errorSpace: fc.constant('transport' as const),
    errorCode: varint,
    frameType: varint,
    reason: bytes(),
  }),
  fc.record({ type: fc.constant('connection_close' as const), errorSpace: fc.constant('application' as const), errorCode: varint, reason: bytes() }),
  fc.constant({ type: 'handshake_done' as const }),
  fc.record({ type: fc.constant('datagram' as const), data: bytes() }),
);

function encode(frame: Frame, omitLength = false): Uint8Array {
  const out = new Uint8Array(sizeOfFrame(frame, omitLength));
  const w = new Writer(out);
  encodeFrame(w, frame, omitLength);
  expect(w.offset).toBe(out.length);
  return out;
}

/** What `decodeFrames` returns for `frames`: consecutive PADDING frames merge into one. */
function mergePadding(frames: readonly Frame[]): Frame[] {
  const out: Frame[] = [];
  for (const f of frames) {
    const last = out[out.length - 1];
    if (f.type === 'padding' && last?.type === 'padding') out[out.length - 1] = { type: 'padding', length: last.length + f.length };
    else out.push(f);
  }
  return out;
}

function expectCodecError(fn: () => unknown): CodecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
    return e as CodecError;
  }
  throw new Error('expected a CodecError, but decoding succeeded');
}

function expectFrameError(payload: Uint8Array, kind: FrameError['kind'], frameType: number, packetType?: Parameters<typeof decodeFrames>[1]): FrameError {
  const e = expectCodecError(() => decodeFrames(payload, packetType));
  expect(e).toBeInstanceOf(FrameError);
  const fe = e as FrameError;
  expect(fe.kind).toBe(kind);
  expect(fe.frameType).toBe(frameType);
  return fe;
}

const decodeHex = (hex: string) => decodeFrames(fromHex(hex));
const token16 = '00112233445566778899aabbccddeeff';

// ---------------------------------------------------------------------------------------------

describe('RFC 9000 §19: frame round trips', () => {
  it('RFC 9000 §19 / RFC 9221 §4: decode(encode(frame)) equals frame, for every variant, and sizeOf is exact', () => {
    fc.assert(
      fc.property(frameArb, fc.boolean(), (frame, omitLength) => {
        const encoded = encode(frame, omitLength);
        expect(encoded[0]).toBe(frameTypeOf(frame, omitLength));
        const r = new Reader(encoded);
        expect(decodeFrame(r)).toEqual(frame);
        expect(r.offset).toBe(encoded.length);
        if (frame.type !== 'padding') expect(decodeFrames(encoded)).toEqual([frame]);
      }),
      { numRuns: 500 },
    );
  });

  it('RFC 9000 §12.4: decodeFrames(payload of several frames) returns them in order', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 8 }), (frames) => {
        const payload = encodeFramesToBytes(frames);
        expect(decodeFrames(payload, PacketType.OneRtt)).toEqual(mergePadding(frames));
      }),
    );
  });

  it('RFC 9000 §19.8 / RFC 9221 §4: a last frame without Length takes the rest of the payload', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 4 }), frameArb, (head, last) => {
        const tail = encode(last, true);
        const payload = concatBytes(encodeFramesToBytes(head), tail);
        expect(decodeFrames(payload)).toEqual(mergePadding([...head, last]));
      }),
    );
  });

  it('RFC 9000 §19: every strict truncation of a frame with explicit lengths fails with CodecError', () => {
    fc.assert(
      fc.property(frameArb, (frame) => {
        const encoded = encode(frame);
        for (let k = 0; k < encoded.length; k++) {
          const prefix = encoded.subarray(0, k);
          // A prefix of PADDING is shorter PADDING (each 0x00 byte is a PADDING frame, §19.1).
          if (frame.type === 'padding' && k > 0) expect(decodeFrames(prefix)).toEqual([{ type: 'padding', length: k }]);
          else expectCodecError(() => decodeFrames(prefix));
        }
      }),
    );
  });

  it('RFC 9000 §19.8 / RFC 9221 §4: truncating a frame without Length fails or shortens its data', () => {
    // Without a Length field the data runs to the end of the packet, so a prefix that keeps the
    // header is a valid frame with less data; a prefix inside the header must fail.
    const lengthless = fc.oneof(
      fc.record({ type: fc.constant('stream' as const), streamId: varint, offset: fc.oneof(fc.constant(0), varint), fin: fc.boolean(), data: bytes() }),
      fc.record({ type: fc.constant('datagram' as const), data: bytes() }),
    );
    fc.assert(
      fc.property(lengthless, (frame) => {
        const encoded = encode(frame, true);
        const header = encoded.length - frame.data.length;
        for (let k = 0; k < encoded.length; k++) {
          const prefix = encoded.subarray(0, k);
          if (k < header) expectCodecError(() => decodeFrames(prefix));
          else expect(decodeFrames(prefix)).toEqual([{ ...frame, data: frame.data.subarray(0, k - header) }]);
        }
      }),
    );
  });

  it('RFC 9000 §12.4: arbitrary payloads decode or fail with CodecError, and what decodes re-encodes', () => {
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      // Valid payloads with one byte changed reach deeper into each frame's fields.
      fc.tuple(fc.array(frameArb, { minLength: 1, maxLength: 3 }), fc.nat(), fc.nat(255)).map(([frames, at, value]) => {
        const bytes = encodeFramesToBytes(frames);
        if (bytes.length > 0) bytes[at % bytes.length] = value;
        return bytes;
      }),
    );
    fc.assert(
      fc.property(payload, (bytes) => {
        let frames: Frame[];
        try {
          frames = decodeFrames(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(FrameError);
          return;
        }
        for (const f of frames) expect(encode(f)).toHaveLength(sizeOfFrame(f));
      }),
      { numRuns: 1000 },
    );
  });

  it('RFC 9000 §19.8: STREAM data is decoded as a view into the payload, not a copy', () => {
    const payload = fromHex('0b04026869');
    const [frame] = decodeFrames(payload);
    expect(frame?.type).toBe('stream');
    if (frame?.type !== 'stream') return;
    expect(frame.data.buffer).toBe(payload.buffer);
    expect(frame.data.byteOffset).toBe(3);
  });
});

describe('RFC 9000 §19: known encodings, written by hand from the frame layouts', () => {
  const cases: [string, string, Frame][] = [
    ['§19.2 PING', '01', { type: 'ping' }],
    [
      '§19.3 ACK: Largest 10, Delay 3, one extra range (gap 1 -> [5, 5])',
      '020a0301020100',
      { type: 'ack', ackDelay: 3, ranges: [{ largest: 10, smallest: 8 }, { largest: 5, smallest: 5 }], ecn: undefined },
    ],
    ['§19.3.2 ACK_ECN', '030a030000010203', { type: 'ack', ackDelay: 3, ranges: [{ largest: 10, smallest: 10 }], ecn: { ect0: 1, ect1: 2, ce: 3 } }],
    ['§19.4 RESET_STREAM', '04080140ff', { type: 'reset_stream', streamId: 8, errorCode: 1, finalSize: 255 }],
    ['§19.5 STOP_SENDING', '050401', { type: 'stop_sending', streamId: 4, errorCode: 1 }],
    ['§19.6 CRYPTO', '06000401020304', { type: 'crypto', offset: 0, data: fromHex('01020304') }],
    ['§19.7 NEW_TOKEN', '0702abcd', { type: 'new_token', token: fromHex('abcd') }],
    ['§19.8 STREAM 0x0b (LEN|FIN)', '0b04026869', { type: 'stream', streamId: 4, offset: 0, fin: true, data: fromHex('6869') }],
    ['§19.8 STREAM 0x0e (OFF|LEN), 2-byte offset', '0e04410002 6869', { type: 'stream', streamId: 4, offset: 0x100, fin: false, data: fromHex('6869') }],
    ['§19.8 STREAM 0x0c (OFF, no LEN)', '0c0441006869', { type: 'stream', streamId: 4, offset: 0x100, fin: false, data: fromHex('6869') }],
    ['§19.8 STREAM 0x08 (empty, no LEN)', '0800', { type: 'stream', streamId: 0, offset: 0, fin: false, data: new Uint8Array(0) }],
    ['§19.9 MAX_DATA', '1080010000', { type: 'max_data', maximum: 0x10000 }],
    ['§19.10 MAX_STREAM_DATA', '110040ff', { type: 'max_stream_data', streamId: 0, maximum: 255 }],
    ['§19.11 MAX_STREAMS bidi', '1225', { type: 'max_streams', bidi: true, maximum: 37 }],
    ['§19.11 MAX_STREAMS uni', '134064', { type: 'max_streams', bidi: false, maximum: 100 }],
    ['§19.12 DATA_BLOCKED', '1405', { type: 'data_blocked', limit: 5 }],
    ['§19.13 STREAM_DATA_BLOCKED', '150205', { type: 'stream_data_blocked', streamId: 2, limit: 5 }],
    ['§19.14 STREAMS_BLOCKED bidi', '1603', { type: 'streams_blocked', bidi: true, limit: 3 }],
    ['§19.14 STREAMS_BLOCKED uni', '1703', { type: 'streams_blocked', bidi: false, limit: 3 }],
    [
      '§19.15 NEW_CONNECTION_ID',
      `18 01 00 04 c0ffee00 ${token16}`,
      { type: 'new_connection_id', sequenceNumber: 1, retirePriorTo: 0, connectionId: fromHex('c0ffee00'), statelessResetToken: fromHex(token16) },
    ],
    ['§19.16 RETIRE_CONNECTION_ID', '1907', { type: 'retire_connection_id', sequenceNumber: 7 }],
    ['§19.17 PATH_CHALLENGE', '1a0102030405060708', { type: 'path_challenge', data: fromHex('0102030405060708') }],
    ['§19.18 PATH_RESPONSE', '1b0102030405060708', { type: 'path_response', data: fromHex('0102030405060708') }],
    [
      '§19.19 CONNECTION_CLOSE 0x1c (PROTOCOL_VIOLATION, by STREAM, "bad")',
      '1c0a0803626164',
      { type: 'connection_close', errorSpace: 'transport', errorCode: 0x0a, frameType: 0x08, reason: fromHex('626164') },
    ],
    ['§19.19 CONNECTION_CLOSE 0x1d', '1d40ff00', { type: 'connection_close', errorSpace: 'application', errorCode: 0xff, reason: new Uint8Array(0) }],
    ['§19.20 HANDSHAKE_DONE', '1e', { type: 'handshake_done' }],
    ['RFC 9221 §4 DATAGRAM 0x31', '3103616263', { type: 'datagram', data: fromHex('616263') }],
    ['RFC 9221 §4 DATAGRAM 0x30', '30616263', { type: 'datagram', data: fromHex('616263') }],
  ];

  for (const [name, hex, frame] of cases) {
    it(`RFC 9000 ${name}: ${hex.replace(/\s+/g, '')}`, () => {
      const payload = fromHex(hex);
      expect(decodeFrames(payload)).toEqual([frame]);
      // A frame that ends the packet is encoded without Length when the bytes say so.
      const omitLength = payload[0] === 0x0c || payload[0] === 0x08 || payload[0] === 0x30;
      expect(toHex(encode(frame, omitLength))).toBe(toHex(payload));
    });
  }

  it('RFC 9000 §19.1: consecutive PADDING bytes decode as one frame with their count', () => {
    expect(decodeHex('000000 01 0000')).toEqual([{ type: 'padding', length: 3 }, { type: 'ping' }, { type: 'padding', length: 2 }]);
    expect(toHex(encode({ type: 'padding', length: 4 }))).toBe('00000000');
  });
});

describe('RFC 9000 §19: malformed frames are CodecErrors (FRAME_ENCODING_ERROR)', () => {
  it('RFC 9000 §19.3.1: a First ACK Range below packet 0 is rejected', () => {
    expectFrameError(fromHex('0205000006'), 'frame_encoding', 0x02);
    expect(decodeHex('0205000005')).toEqual([{ type: 'ack', ackDelay: 0, ranges: [{ largest: 5, smallest: 0 }], ecn: undefined }]);
  });

  it('RFC 9000 §19.3.1: a Gap or ACK Range Length going below packet 0 is rejected', () => {
    // Largest 10, first range 2 -> [8, 10]; largest = 8 - gap - 2.
    expectFrameError(fromHex('020a00010207 00'), 'frame_encoding', 0x02); // gap 7 -> largest -1
    expectFrameError(fromHex('030a00010205 02 000000'), 'frame_encoding', 0x03); // gap 5 -> [1 - 2, 1]
    expect(decodeHex('020a0001020600')).toEqual([
      { type: 'ack', ackDelay: 0, ranges: [{ largest: 10, smallest: 8 }, { largest: 0, smallest: 0 }], ecn: undefined },
    ]);
  });

  it('RFC 9000 §19.3.1: a saturated First ACK Range larger than a saturated Largest is still rejected', () => {
    // Largest 2^60, First ACK Range 2^60 + 1: both decode to 2^53 - 1, the raw bits differ.
    expectFrameError(fromHex('02 d000000000000000 00 00 d000000000000001'), 'frame_encoding', 0x02);
    expect(decodeHex('02 d000000000000000 00 00 d000000000000000')).toEqual([
      { type: 'ack', ackDelay: 0, ranges: [{ largest: MAX_EXACT_VARINT, smallest: 0 }], ecn: undefined },
    ]);
  });

  it('RFC 9000 §19.3: an ACK Range Count larger than the frame can hold is rejected', () => {
    expectFrameError(fromHex('020a00 80ffffff 00'), 'frame_encoding', 0x02);
  });

  it('RFC 9000 §19.15: NEW_CONNECTION_ID Length 0 or above 20 is rejected; 1 and 20 are accepted', () => {
    expectFrameError(fromHex(`180100 00 ${token16}`), 'frame_encoding', 0x18);
    expectFrameError(fromHex(`180100 15 ${'ab'.repeat(21)} ${token16}`), 'frame_encoding', 0x18);
    expect(decodeHex(`180100 01 ab ${token16}`)).toHaveLength(1);
    expect(decodeHex(`180100 14 ${'ab'.repeat(20)} ${token16}`)).toHaveLength(1);
  });

  it('RFC 9000 §19.15: Retire Prior To greater than Sequence Number is rejected, equal is accepted', () => {
    expectFrameError(fromHex(`18 01 02 01 ab ${token16}`), 'frame_encoding', 0x18);
    expect(decodeHex(`18 02 02 01 ab ${token16}`)).toHaveLength(1);
    // Both saturate to 2^53 - 1; the raw values 2^60 + 1 > 2^60 are compared.
    expectFrameError(fromHex(`18 d000000000000000 d000000000000001 01 ab ${token16}`), 'frame_encoding', 0x18);
    expect(decodeHex(`18 d000000000000001 d000000000000000 01 ab ${token16}`)).toHaveLength(1);
  });

  it('RFC 9000 §19.11 / §19.14: MAX_STREAMS and STREAMS_BLOCKED above 2^60 are rejected; 2^60 is accepted', () => {
    for (const type of [0x12, 0x13, 0x16, 0x17]) {
      const t = type.toString(16);
      expectFrameError(fromHex(`${t} d000000000000001`), 'frame_encoding', type); // 2^60 + 1
      expectFrameError(fromHex(`${t} d000000100000000`), 'frame_encoding', type); // 2^60 + 2^32
      expectFrameError(fromHex(`${t} e000000000000000`), 'frame_encoding', type); // 2^61
      expectFrameError(fromHex(`${t} ffffffffffffffff`), 'frame_encoding', type);
      const [frame] = decodeHex(`${t} d000000000000000`);
      expect(frame && 'bidi' in frame ? frame.bidi : undefined).toBe(type % 2 === 0);
    }
  });

  it('RFC 9000 §19.8 / §19.6: STREAM and CRYPTO data ending beyond 2^62-1 is rejected', () => {
    // Offset 2^62 - 1: an empty frame ends exactly at the limit; one byte more does not.
    expect(decodeHex('0e00ffffffffffffffff00')).toEqual([{ type: 'stream', streamId: 0, offset: MAX_EXACT_VARINT, fin: false, data: new Uint8Array(0) }]);
    expectFrameError(fromHex('0e00ffffffffffffffff01aa'), 'frame_encoding', 0x0e);
    expectFrameError(fromHex('0c00ffffffffffffffffaa'), 'frame_encoding', 0x0c);
    expectFrameError(fromHex('0f00fffffffffffffffe02aabb'), 'frame_encoding', 0x0f);
    expect(decodeHex('0f00fffffffffffffffe01aa')).toHaveLength(1);
    expectFrameError(fromHex('06ffffffffffffffff01aa'), 'frame_encoding', 0x06);
    expect(decodeHex('06ffffffffffffffff00')).toHaveLength(1);
  });

  it('RFC 9000 §19.7: NEW_TOKEN with an empty token is rejected', () => {
    expectFrameError(fromHex('0700'), 'frame_encoding', 0x07);
  });

  it('RFC 9000 §19.19: a Reason Phrase Length beyond the packet is rejected', () => {
    expectFrameError(fromHex('1c000005616263'), 'frame_encoding', 0x1c);
    expectFrameError(fromHex('1d0002 61'), 'frame_encoding', 0x1d);
  });

  it('RFC 9000 §12.4: unknown frame types are rejected as FRAME_ENCODING_ERROR naming the type', () => {
    for (const type of [0x1f, 0x20, 0x2f, 0x32, 0x3f]) expectFrameError(Uint8Array.of(type), 'frame_encoding', type);
    expectFrameError(fromHex('4040'), 'frame_encoding', 0x40);
    expectFrameError(fromHex('80abcdef'), 'frame_encoding', 0xabcdef);
    // After valid frames too.
    expectFrameError(fromHex('01 1f'), 'frame_encoding', 0x1f);
  });

  it('RFC 9000 §12.4: a non-minimally encoded frame type is a PROTOCOL_VIOLATION', () => {
    const e = expectFrameError(fromHex('4001'), 'protocol_violation', 0x01);
    expect(e.message).toMatch(/not minimally encoded/);
    expectFrameError(fromHex('8000001e'), 'protocol_violation', 0x1e);
    expectFrameError(fromHex('c000000000000000'), 'protocol_violation', 0x00);
    expectFrameError(fromHex('4030 00'), 'protocol_violation', 0x30);
    expectFrameError(fromHex('01 4008 0000'), 'protocol_violation', 0x08);
  });

  it('RFC 9000 §12.4: a payload with no frames is a PROTOCOL_VIOLATION', () => {
    expectFrameError(new Uint8Array(0), 'protocol_violation', 0);
  });

  it('RFC 9000 §12.4: a truncated frame type is a FRAME_ENCODING_ERROR naming type 0', () => {
    expectFrameError(fromHex('01 80ab'), 'frame_encoding', 0);
  });

  it('RFC 9000 §12.4: decodeFrames names the truncated frame type and keeps its offset', () => {
    const e = expectFrameError(fromHex('01 04 00'), 'frame_encoding', 0x04);
    expect(e.offset).toBe(3);
    expect(e.message).toMatch(/^RESET_STREAM frame: /);
    // decodeFrame, one level down, throws a plain CodecError.
    expectCodecError(() => decodeFrame(new Reader(fromHex('0400'))));
    expectCodecError(() => decodeFrame(new Reader(new Uint8Array(0))));
  });

  it('RFC 9000 §12.4: frames not allowed in the packet type are a PROTOCOL_VIOLATION', () => {
    expectFrameError(fromHex('0b04026869'), 'protocol_violation', 0x0b, PacketType.Initial);
    expectFrameError(fromHex('1d000000'), 'protocol_violation', 0x1d, PacketType.Handshake);
    expectFrameError(fromHex('020a000000'), 'protocol_violation', 0x02, PacketType.ZeroRtt);
    expectFrameError(fromHex('01 1e'), 'protocol_violation', 0x1e, PacketType.Handshake);
    expect(decodeFrames(fromHex('1c000000 01 00'), PacketType.Initial)).toHaveLength(3);
    expect(decodeFrames(fromHex('0b04026869'), PacketType.ZeroRtt)).toHaveLength(1);
  });
});

describe('RFC 9000 §19: encoders refuse frames the decoder would reject', () => {
  const refuse = (frame: Frame) => expectCodecError(() => encodeFramesToBytes([frame]));
  const zero8 = new Uint8Array(8);
  const zero16 = new Uint8Array(16);

  it('RFC 9000 §19.3.1: ACK ranges must be non-empty, descending, separated by a gap, and not below 0', () => {
    refuse({ type: 'ack', ackDelay: 0, ranges: [] });
    refuse({ type: 'ack', ackDelay: 0, ranges: [{ largest: 5, smallest: 6 }] });
    refuse({ type: 'ack', ackDelay: 0, ranges: [{ largest: 5, smallest: -1 }] });
    refuse({ type: 'ack', ackDelay: 0, ranges: [{ largest: 10, smallest: 8 }, { largest: 7, smallest: 7 }] });
    refuse({ type: 'ack', ackDelay: 0, ranges: [{ largest: 10, smallest: 8 }, { largest: 12, smallest: 11 }] });
    expect(encodeFramesToBytes([{ type: 'ack', ackDelay: 0, ranges: [{ largest: 10, smallest: 8 }, { largest: 6, smallest: 6 }] }])).toHaveLength(7);
  });

  it('RFC 9000 §19: fixed-size fields, lengths and limits are checked', () => {
    refuse({ type: 'padding', length: 0 });
    refuse({ type: 'new_token', token: new Uint8Array(0) });
    refuse({ type: 'max_streams', bidi: true, maximum: 2 ** 60 + 2 ** 40 });
    refuse({ type: 'streams_blocked', bidi: false, limit: 2 ** 61 });
    refuse({ type: 'new_connection_id', sequenceNumber: 1, retirePriorTo: 2, connectionId: zero8, statelessResetToken: zero16 });
    refuse({ type: 'new_connection_id', sequenceNumber: 1, retirePriorTo: 0, connectionId: new Uint8Array(0), statelessResetToken: zero16 });
    refuse({ type: 'new_connection_id', sequenceNumber: 1, retirePriorTo: 0, connectionId: new Uint8Array(21), statelessResetToken: zero16 });
    refuse({ type: 'new_connection_id', sequenceNumber: 1, retirePriorTo: 0, connectionId: zero8, statelessResetToken: zero8 });
    refuse({ type: 'path_challenge', data: zero16 });
    refuse({ type: 'path_response', data: new Uint8Array(7) });
    refuse({ type: 'stream', streamId: 0, offset: 2 ** 62 - 2 ** 11, fin: false, data: new Uint8Array(4096) });
    refuse({ type: 'max_data', maximum: -1 });
    refuse({ type: 'retire_connection_id', sequenceNumber: 1.5 });
  });

  it('RFC 9000 §12.4: a full Writer is a CodecError, not a RangeError', () => {
    const w = new Writer(new Uint8Array(3));
    expectCodecError(() => encodeFrame(w, { type: 'stream', streamId: 1, offset: 0, fin: false, data: new Uint8Array(10) }));
  });
});
