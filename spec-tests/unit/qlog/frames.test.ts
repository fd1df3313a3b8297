/** Unit tests of the qlog frame converter (src/qlog/frames.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_EXACT_VARINT } from '../../../src/util/varint.js';
import type { AckFrame, AckRange, Frame } from '../../../src/wire/frame-types.js';
import { encodeReasonPhrase } from '../../../src/wire/frame-types.js';
import { PacketType } from '../../../src/wire/packet-type.js';
import { QUIC_V1, QUIC_V2 } from '../../../src/wire/version.js';
import { qlogPacketType, qlogTransportError, qlogVersion, toQlogFrame } from '../../../src/qlog/frames.js';

const varint = fc.oneof(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 64, max: 2 ** 30 - 1 }), fc.integer({ min: 2 ** 30, max: MAX_EXACT_VARINT }));
const bytes = (maxLength = 40) => fc.uint8Array({ maxLength });
const fixedBytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });

const ackArb: fc.Arbitrary<AckFrame> = fc
  .record({
    largest: varint,
    firstSeed: fc.nat(),
    pairs: fc.array(fc.tuple(fc.nat(10), fc.nat(10)), { maxLength: 4 }),
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

/** One arbitrary per `Frame` variant (both CONNECTION_CLOSE spaces included). */
const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({ type: fc.constant('padding' as const), length: fc.integer({ min: 1, max: 50 }) }),
  fc.constant({ type: 'ping' as const }),
  ackArb,
  fc.record({ type: fc.constant('reset_stream' as const), streamId: varint, errorCode: varint, finalSize: varint }),
  fc.record({ type: fc.constant('stop_sending' as const), streamId: varint, errorCode: varint }),
  fc.record({ type: fc.constant('crypto' as const), offset: varint, data: bytes() }),
  fc.record({ type: fc.constant('new_token' as const), token: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({ type: fc.constant('stream' as const), streamId: varint, offset: varint, fin: fc.boolean(), data: bytes() }),
  fc.record({ type: fc.constant('max_data' as const), maximum: varint }),
  fc.record({ type: fc.constant('max_stream_data' as const), streamId: varint, maximum: varint }),
  fc.record({ type: fc.constant('max_streams' as const), bidi: fc.boolean(), maximum: varint }),
  fc.record({ type: fc.constant('data_blocked' as const), limit: varint }),
  fc.record({ type: fc.constant('stream_data_blocked' as const), streamId: varint, limit: varint }),
  fc.record({ type: fc.constant('streams_blocked' as const), bidi: fc.boolean(), limit: varint }),
  fc.record({
    type: fc.constant('new_connection_id' as const),
    sequenceNumber: varint,
    retirePriorTo: fc.constant(0),
    connectionId: fc.uint8Array({ minLength: 1, maxLength: 20 }),
    statelessResetToken: fixedBytes(16),
  }),
  fc.record({ type: fc.constant('retire_connection_id' as const), sequenceNumber: varint }),
  fc.record({ type: fc.constant('path_challenge' as const), data: fixedBytes(8) }),
  fc.record({ type: fc.constant('path_response' as const), data: fixedBytes(8) }),
  fc.record({ type: fc.constant('connection_close' as const), errorSpace: fc.constant('transport' as const), errorCode: varint, frameType: varint, reason: bytes() }),
  fc.record({ type: fc.constant('connection_close' as const), errorSpace: fc.constant('application' as const), errorCode: varint, reason: bytes() }),
  fc.constant({ type: 'handshake_done' as const }),
  fc.record({ type: fc.constant('datagram' as const), data: bytes() }),
);

/** quic-events §8.13 frame_type names: for every wire variant, the same snake_case name. */
const FRAME_TYPE_NAMES = new Set([
  'padding', 'ping', 'ack', 'reset_stream', 'stop_sending', 'crypto', 'new_token', 'stream', 'max_data', 'max_stream_data',
  'max_streams', 'data_blocked', 'stream_data_blocked', 'streams_blocked', 'new_connection_id', 'retire_connection_id',
  'path_challenge', 'path_response', 'connection_close', 'handshake_done', 'datagram',
]);

describe('qlog quic-events §8.13: toQlogFrame', () => {
  it('quic-events §8.13: every Frame variant converts to JSON with the draft frame_type and no copied payload bytes', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(frameArb, (frame) => {
        const q = toQlogFrame(frame);
        const json = JSON.stringify(q);
        const back = JSON.parse(json) as Record<string, unknown>;
        expect(back).toEqual(JSON.parse(JSON.stringify(q)));
        expect(FRAME_TYPE_NAMES.has(back['frame_type'] as string)).toBe(true);
        expect(back['frame_type']).toBe(frame.type);
        seen.add(frame.type);
        // Payload-carrying frames: only lengths, the bytes are nowhere in the JSON.
        if (frame.type === 'stream' || frame.type === 'crypto' || frame.type === 'datagram') {
          expect((q as { raw?: { length?: number } }).raw?.length).toBe(frame.data.length);
          expect(json).not.toContain('"data"');
        }
        if (frame.type === 'new_token') expect(json).toBe(`{"frame_type":"new_token","token":{"type":"resumption","raw":{"length":${frame.token.length}}}}`);
      }),
      { numRuns: 500 },
    );
    expect([...seen].sort()).toEqual([...FRAME_TYPE_NAMES].sort());
  });

  it('quic-events §8.13.3: ACK ranges are [from, to] or [n], ack_delay in ms via the exponent, ECN counts', () => {
    const ack: Frame = { type: 'ack', ackDelay: 1000, ranges: [{ largest: 10, smallest: 8 }, { largest: 5, smallest: 5 }], ecn: { ect0: 1, ect1: 2, ce: 3 } };
    expect(toQlogFrame(ack)).toEqual({ frame_type: 'ack', ack_delay: 8, acked_ranges: [[8, 10], [5]], ect1: 2, ect0: 1, ce: 3 });
    expect(toQlogFrame({ type: 'ack', ackDelay: 1000, ranges: [{ largest: 1, smallest: 0 }] }, { ackDelayExponent: 0 })).toEqual({
      frame_type: 'ack',
      ack_delay: 1,
      acked_ranges: [[0, 1]],
    });
  });

  it('quic-events §8.13.1: PADDING is one frame with raw.payload_length = the byte count', () => {
    expect(toQlogFrame({ type: 'padding', length: 37 })).toEqual({ frame_type: 'padding', raw: { length: 37, payload_length: 37 } });
  });

  it('quic-events §8.13.20: CONNECTION_CLOSE maps error names, crypto errors and unknown codes', () => {
    const reason = encodeReasonPhrase('bye');
    expect(toQlogFrame({ type: 'connection_close', errorSpace: 'transport', errorCode: 0x0a, frameType: 0x08, reason })).toEqual({
      frame_type: 'connection_close',
      error_space: 'transport',
      error: 'protocol_violation',
      reason: 'bye',
      trigger_frame_type: 8,
    });
    expect(toQlogFrame({ type: 'connection_close', errorSpace: 'transport', errorCode: 0x42, frameType: 0, reason })).toMatchObject({ error: 'unknown', error_code: 0x42 });
    expect(toQlogFrame({ type: 'connection_close', errorSpace: 'application', errorCode: 0x100, reason })).toEqual({
      frame_type: 'connection_close',
      error_space: 'application',
      error: 'unknown',
      error_code: 0x100,
      reason: 'bye',
    });
  });

  it('quic-events §8.13.24/§8.13.26: transport error strings', () => {
    expect(qlogTransportError(0)).toBe('no_error');
    expect(qlogTransportError(0x10)).toBe('no_viable_path');
    expect(qlogTransportError(0x11)).toBe('unknown');
    expect(qlogTransportError(0x100 + 0x28)).toBe('crypto_error_0x128');
    expect(qlogTransportError(0x1ff)).toBe('crypto_error_0x1ff');
  });

  it('quic-events §8.13.16/§8.13.12: NEW_CONNECTION_ID in hex, MAX_STREAMS stream_type', () => {
    const cid = new Uint8Array([0xab, 0xcd]);
    const token = new Uint8Array(16).fill(0x11);
    expect(toQlogFrame({ type: 'new_connection_id', sequenceNumber: 3, retirePriorTo: 1, connectionId: cid, statelessResetToken: token })).toEqual({
      frame_type: 'new_connection_id',
      sequence_number: 3,
      retire_prior_to: 1,
      connection_id_length: 2,
      connection_id: 'abcd',
      stateless_reset_token: '11'.repeat(16),
    });
    expect(toQlogFrame({ type: 'max_streams', bidi: false, maximum: 9 })).toEqual({ frame_type: 'max_streams', stream_type: 'unidirectional', maximum: 9 });
    expect(toQlogFrame({ type: 'streams_blocked', bidi: true, limit: 4 })).toEqual({ frame_type: 'streams_blocked', stream_type: 'bidirectional', limit: 4 });
  });

  it('quic-events §8.6/§8.1: packet types and versions', () => {
    expect(qlogPacketType(PacketType.ZeroRtt)).toBe('0RTT');
    expect(qlogPacketType(PacketType.OneRtt)).toBe('1RTT');
    expect(qlogPacketType(PacketType.Initial)).toBe('initial');
    expect(qlogPacketType(PacketType.VersionNegotiation)).toBe('version_negotiation');
    expect(qlogVersion(QUIC_V1)).toBe('00000001');
    expect(qlogVersion(QUIC_V2)).toBe('6b3343cf');
  });

  it('quic-events §8.13: the result does not alias the frame buffers', () => {
    const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const q = toQlogFrame({ type: 'path_challenge', data });
    data.fill(0);
    expect(q).toEqual({ frame_type: 'path_challenge', data: '0102030405060708' });
  });
});
