/**
 * The QUIC frame codec: `decodeFrames`, `decodeFrame`, `encodeFrame`, `sizeOfFrame` and the
 * STREAM/CRYPTO/DATAGRAM header encoders a packet builder needs. Implements RFC 9000 §12.4
 * (payload of frames, frame type encoding) and §19 (every frame format), and RFC 9221 §4
 * (DATAGRAM). The `Frame` union, the type codes and the header-size helpers live in
 * src/wire/frame-types.ts and are re-exported from here.
 *
 * Conventions:
 * - Byte fields (STREAM/CRYPTO/DATAGRAM data, tokens, connection IDs, reset tokens, path data,
 *   reason phrases) decode to *views* into the payload, never copies: whatever must outlive the
 *   datagram is copied by its owner (docs/adr/0003-bytes-ownership.md).
 * - The CONNECTION_CLOSE reason phrase is kept as bytes: RFC 9000 §19.19 only says it "SHOULD be
 *   a UTF-8 encoded string", so bytes round-trip exactly, cost nothing to decode, and leave the
 *   (lossy) text conversion to whoever displays it (`decodeReasonPhrase`).
 * - Varints decode to numbers saturating at 2^53 - 1 (src/util/varint.ts). The limits the RFC
 *   puts above 2^53 (STREAM/CRYPTO end offset <= 2^62 - 1, MAX_STREAMS <= 2^60, Retire Prior To
 *   <= Sequence Number, a first ACK range not below 0) are checked on the raw encoded bits when a
 *   value saturates. ACK packet numbers above 2^53 - 1 (which no endpoint of ours sends) are
 *   otherwise handled as saturated values.
 * - The ACK Delay field is the raw encoded value; the connection applies ack_delay_exponent.
 * - A STREAM or DATAGRAM frame written with `omitLength` has no Length field and must be the
 *   last frame of its packet; decoding takes its data to the end of the `Reader`, whose end
 *   must be the end of the packet payload.
 */
import { Reader, Writer } from '../util/bytes.js';
import { CodecError } from '../util/errors.js';
import { MAX_EXACT_VARINT, MAX_VARINT, varintSize } from '../util/varint.js';
import { isFrameAllowedIn } from './frame-permissions.js';
import {
  FrameType,
  StreamFlag,
  cryptoFrameHeaderSize,
  datagramFrameHeaderSize,
  frameTypeName,
  streamFrameHeaderSize,
  streamFrameType,
  type AckFrame,
  type AckRange,
  type CryptoFrame,
  type EcnCounts,
  type Frame,
  type NewConnectionIdFrame,
  type StreamFrame,
} from './frame-types.js';
import type { FramePacketType } from './packet-type.js';

// The frame shapes, type codes and builder size helpers, so that callers need only this module.
export * from './frame-types.js';

/** The RFC 9000 §20.1 error a `FrameError` maps to (the connection owns the numeric codes). */
export type FrameErrorKind = 'frame_encoding' | 'protocol_violation';

/**
 * A `CodecError` raised by `decodeFrames`, saying which transport error the connection should
 * close with and which frame type to name in CONNECTION_CLOSE (RFC 9000 §19.19: "A value of 0 ...
 * is used when the frame type is unknown").
 */
export class FrameError extends CodecError {
  /** FRAME_ENCODING_ERROR or PROTOCOL_VIOLATION. */
  readonly kind: FrameErrorKind;
  /** The type of the offending frame; 0 when it could not be read. */
  readonly frameType: number;

  /**
   * @param message what was wrong.
   * @param kind the transport error it maps to.
   * @param frameType the offending frame type (0 if unknown).
   * @param offset byte offset in the payload, when known.
   */
  constructor(message: string, kind: FrameErrorKind, frameType: number, offset?: number) {
    super(message, offset);
    this.kind = kind;
    this.frameType = frameType;
  }
}

const TWO_32 = 4294967296;
const MAX_STREAMS_LIMIT = 2 ** 60;
const RESET_TOKEN_LENGTH = 16;
const PATH_DATA_LENGTH = 8;
const MAX_CID_LENGTH = 20;

// ---------------------------------------------------------------------------------------------
// Raw access to 8-byte varints whose decoded value saturated (value === MAX_EXACT_VARINT implies
// value >= 2^30, hence an 8-byte encoding that the Reader has already bounds-checked).

function rawHigh(buf: Uint8Array, at: number): number {
  return (((buf[at]! & 0x3f) << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
}

function rawLow(buf: Uint8Array, at: number): number {
  return ((buf[at + 4]! << 24) | (buf[at + 5]! << 16) | (buf[at + 6]! << 8) | buf[at + 7]!) >>> 0;
}

/** True if the raw 8-byte varint at `a` is greater than the one at `b`. */
function rawGreater(buf: Uint8Array, a: number, b: number): boolean {
  const ah = rawHigh(buf, a);
  const bh = rawHigh(buf, b);
  return ah !== bh ? ah > bh : rawLow(buf, a) > rawLow(buf, b);
}

/** Reads an offset and checks that `offset + length <= 2^62 - 1` on the raw bits if it saturated. */
function checkEndOffset(r: Reader, offset: number, at: number, length: number, what: string): void {
  if (offset !== MAX_EXACT_VARINT) return; // offset < 2^53 and length < 2^53: the sum fits
  const room = (0x3fffffff - rawHigh(r.buf, at)) * TWO_32 + (0xffffffff - rawLow(r.buf, at));
  if (room < length) throw new CodecError(`${what} data ends beyond 2^62-1`, at);
}

/** Reads a MAX_STREAMS / STREAMS_BLOCKED count, rejecting values above 2^60. */
function readStreamCount(r: Reader, what: string): number {
  const at = r.offset;
  const value = r.varint();
  if (value === MAX_EXACT_VARINT) {
    const hi = rawHigh(r.buf, at);
    if (hi > 0x10000000 || (hi === 0x10000000 && rawLow(r.buf, at) !== 0)) throw new CodecError(`${what} exceeds 2^60`, at);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * Reads a frame type (RFC 9000 §12.4) and returns it; it is always a known type.
 * @throws FrameError (protocol_violation) on a non-minimal encoding, (frame_encoding) on an
 *   unknown or truncated type.
 */
function readFrameType(r: Reader): number {
  const at = r.offset;
  const first = r.buf[at]!; // callers ensure at < end
  if (first < 0x40) {
    r.offset = at + 1;
    return first;
  }
  let type: number;
  try {
    type = r.varint();
  } catch {
    throw new FrameError('truncated frame type', 'frame_encoding', 0, at);
  }
  // RFC 9000 §12.4: "a frame type MUST use the shortest possible encoding ... An endpoint MAY
  // treat the receipt of a frame type that uses a longer encoding than necessary as a connection
  // error of type PROTOCOL_VIOLATION."
  if (varintSize(type) !== r.offset - at) {
    throw new FrameError(`frame type 0x${type.toString(16)} not minimally encoded (${r.offset - at} bytes)`, 'protocol_violation', type, at);
  }
  // Every type this stack knows is below 0x40.
  throw new FrameError(`unknown frame type 0x${type.toString(16)}`, 'frame_encoding', type, at);
}

function decodeAck(r: Reader, withEcn: boolean): AckFrame {
  const buf = r.buf;
  const largestAt = r.offset;
  const largest = r.varint();
  const ackDelay = r.varint();
  // Each ACK Range takes at least two bytes: a larger count cannot be honest (and is not looped on).
  const count = r.varintAtMost(r.remaining >>> 1, 'ACK Range Count');
  const firstAt = r.offset;
  const firstRange = r.varint();
  // RFC 9000 §19.3.1: "If any computed packet number is negative, an endpoint MUST generate a
  // connection error of type FRAME_ENCODING_ERROR."
  if (firstRange > largest || (firstRange === MAX_EXACT_VARINT && largest === MAX_EXACT_VARINT && rawGreater(buf, firstAt, largestAt))) {
    throw new CodecError('First ACK Range below packet number 0', firstAt);
  }
  let smallest = largest - firstRange;
  const ranges: AckRange[] = [{ largest, smallest }];
  for (let i = 0; i < count; i++) {
    const at = r.offset;
    const gap = r.varint();
    const length = r.varint();
    // RFC 9000 §19.3.1: largest = previous_smallest - gap - 2; smallest = largest - ack_range.
    const rangeLargest = smallest - gap - 2;
    if (rangeLargest < 0 || length > rangeLargest) throw new CodecError('ACK Range below packet number 0', at);
    smallest = rangeLargest - length;
    ranges.push({ largest: rangeLargest, smallest });
  }
  const ecn: EcnCounts | undefined = withEcn ? { ect0: r.varint(), ect1: r.varint(), ce: r.varint() } : undefined;
  return { type: 'ack', ackDelay, ranges, ecn };
}

function decodeStream(r: Reader, type: number): StreamFrame {
  const streamId = r.varint();
  let offset = 0;
  let offsetAt = 0;
  if ((type & StreamFlag.Off) !== 0) {
    offsetAt = r.offset;
    offset = r.varint();
  }
  // RFC 9000 §19.8: "If this bit is set to 0, the Length field is absent and the Stream Data
  // field extends to the end of the packet."
  const data = (type & StreamFlag.Len) !== 0 ? r.varintBytes() : r.rest();
  // RFC 9000 §19.8: "The largest offset delivered on a stream -- the sum of the offset and data
  // length -- cannot exceed 2^62-1 ... Receipt of a frame that exceeds this limit MUST be treated
  // as a connection error of type FRAME_ENCODING_ERROR or FLOW_CONTROL_ERROR."
  checkEndOffset(r, offset, offsetAt, data.length, 'STREAM');
  return { type: 'stream', streamId, offset, fin: (type & StreamFlag.Fin) !== 0, data };
}

function decodeCrypto(r: Reader): CryptoFrame {
  const offsetAt = r.offset;
  const offset = r.varint();
  const data = r.varintBytes();
  // RFC 9000 §19.6: "The largest offset delivered on a stream -- the sum of the offset and data
  // length -- cannot exceed 2^62-1. Receipt of a frame that exceeds this limit MUST be treated as
  // a connection error of type FRAME_ENCODING_ERROR or CRYPTO_BUFFER_EXCEEDED."
  checkEndOffset(r, offset, offsetAt, data.length, 'CRYPTO');
  return { type: 'crypto', offset, data };
}

function decodeNewConnectionId(r: Reader): NewConnectionIdFrame {
  const seqAt = r.offset;
  const sequenceNumber = r.varint();
  const rptAt = r.offset;
  const retirePriorTo = r.varint();
  // RFC 9000 §19.15: "Receiving a value in the Retire Prior To field that is greater than that in
  // the Sequence Number field MUST be treated as a connection error of type FRAME_ENCODING_ERROR."
  if (
    retirePriorTo > sequenceNumber ||
    (retirePriorTo === MAX_EXACT_VARINT && sequenceNumber === MAX_EXACT_VARINT && rawGreater(r.buf, rptAt, seqAt))
  ) {
    throw new CodecError('NEW_CONNECTION_ID Retire Prior To exceeds Sequence Number', rptAt);
  }
  const lengthAt = r.offset;
  const length = r.u8();
  // RFC 9000 §19.15: "Values less than 1 and greater than 20 are invalid and MUST be treated as a
  // connection error of type FRAME_ENCODING_ERROR."
  if (length < 1 || length > MAX_CID_LENGTH) throw new CodecError(`NEW_CONNECTION_ID length ${length} not in 1..20`, lengthAt);
  const connectionId = r.bytes(length);
  const statelessResetToken = r.bytes(RESET_TOKEN_LENGTH);
  return { type: 'new_connection_id', sequenceNumber, retirePriorTo, connectionId, statelessResetToken };
}

/** Decodes the fields after a (known, already consumed) frame type. */
function decodeFrameBody(r: Reader, type: number): Frame {
  switch (type) {
    case FrameType.Padding: {
      // RFC 9000 §19.1: each PADDING frame is one 0x00 byte; a run of them is decoded as one frame.
      const buf = r.buf;
      const end = r.end;
      const start = r.offset;
      let i = start;
      while (i < end && buf[i] === 0) i++;
      r.offset = i;
      return { type: 'padding', length: i - start + 1 };
    }
    case FrameType.Ping:
      return { type: 'ping' };
    case FrameType.Ack:
      return decodeAck(r, false);
    case FrameType.AckEcn:
      return decodeAck(r, true);
    case FrameType.ResetStream:
      return { type: 'reset_stream', streamId: r.varint(), errorCode: r.varint(), finalSize: r.varint() };
    case FrameType.StopSending:
      return { type: 'stop_sending', streamId: r.varint(), errorCode: r.varint() };
    case FrameType.Crypto:
      return decodeCrypto(r);
    case FrameType.NewToken: {
      const at = r.offset;
      const token = r.varintBytes();
      // RFC 9000 §19.7: "A client MUST treat receipt of a NEW_TOKEN frame with an empty Token
      // field as a connection error of type FRAME_ENCODING_ERROR."
      if (token.length === 0) throw new CodecError('NEW_TOKEN with an empty token', at);
      return { type: 'new_token', token };
    }
    case 0x08:
    case 0x09:
    case 0x0a:
    case 0x0b:
    case 0x0c:
    case 0x0d:
    case 0x0e:
    case 0x0f:
      return decodeStream(r, type);
    case FrameType.MaxData:
      return { type: 'max_data', maximum: r.varint() };
    case FrameType.MaxStreamData:
      return { type: 'max_stream_data', streamId: r.varint(), maximum: r.varint() };
    // RFC 9000 §19.11: "This value cannot exceed 2^60 ... Receipt of a frame that permits opening
    // of a stream larger than this limit MUST be treated as a connection error of type
    // FRAME_ENCODING_ERROR."
    case FrameType.MaxStreamsBidi:
      return { type: 'max_streams', bidi: true, maximum: readStreamCount(r, 'MAX_STREAMS') };
    case FrameType.MaxStreamsUni:
      return { type: 'max_streams', bidi: false, maximum: readStreamCount(r, 'MAX_STREAMS') };
    case FrameType.DataBlocked:
      return { type: 'data_blocked', limit: r.varint() };
    case FrameType.StreamDataBlocked:
      return { type: 'stream_data_blocked', streamId: r.varint(), limit: r.varint() };
    // RFC 9000 §19.14: "This value cannot exceed 2^60 ... Receipt of a frame that encodes a larger
    // stream ID MUST be treated as a connection error of type STREAM_LIMIT_ERROR or
    // FRAME_ENCODING_ERROR."
    case FrameType.StreamsBlockedBidi:
      return { type: 'streams_blocked', bidi: true, limit: readStreamCount(r, 'STREAMS_BLOCKED') };
    case FrameType.StreamsBlockedUni:
      return { type: 'streams_blocked', bidi: false, limit: readStreamCount(r, 'STREAMS_BLOCKED') };
    case FrameType.NewConnectionId:
      return decodeNewConnectionId(r);
    case FrameType.RetireConnectionId:
      return { type: 'retire_connection_id', sequenceNumber: r.varint() };
    case FrameType.PathChallenge:
      return { type: 'path_challenge', data: r.bytes(PATH_DATA_LENGTH) };
    case FrameType.PathResponse:
      return { type: 'path_response', data: r.bytes(PATH_DATA_LENGTH) };
    case FrameType.ConnectionClose: {
      const errorCode = r.varint();
      const frameType = r.varint();
      // Reason Phrase Length is bounded by the rest of the packet (varintBytes checks it).
      return { type: 'connection_close', errorSpace: 'transport', errorCode, frameType, reason: r.varintBytes() };
    }
    case FrameType.ConnectionCloseApplication: {
      const errorCode = r.varint();
      return { type: 'connection_close', errorSpace: 'application', errorCode, reason: r.varintBytes() };
    }
    case FrameType.HandshakeDone:
      return { type: 'handshake_done' };
    // RFC 9221 §4: "if this bit is set to 0, the Length field is absent and the Datagram Data
    // field extends to the end of the packet".
    case FrameType.Datagram:
      return { type: 'datagram', data: r.rest() };
    case FrameType.DatagramWithLength:
      return { type: 'datagram', data: r.varintBytes() };
  }
  // RFC 9000 §12.4: "An endpoint MUST treat the receipt of a frame of unknown type as a
  // connection error of type FRAME_ENCODING_ERROR."
  throw new FrameError(`unknown frame type 0x${type.toString(16)}`, 'frame_encoding', type, r.offset - 1);
}

/**
 * Decodes one frame at `r.offset`. Frames without a Length field (STREAM with the LEN bit clear,
 * DATAGRAM 0x30) take every byte up to `r.end`, which must therefore be the payload's end.
 * @throws CodecError on a truncated, malformed, unknown or non-minimally typed frame (a
 *   `FrameError` for the last two).
 */
export function decodeFrame(r: Reader): Frame {
  if (r.offset >= r.end) throw new CodecError('truncated frame: no frame type', r.offset);
  return decodeFrameBody(r, readFrameType(r));
}

/**
 * Decodes a whole packet payload into its frames (RFC 9000 §12.4). Consecutive PADDING bytes
 * form one `'padding'` frame. If `packetType` is given, each frame type is also checked against
 * RFC 9000 §12.4 Table 3 (`isFrameAllowedIn`).
 * @throws FrameError (a CodecError) with `kind` 'protocol_violation' for an empty payload, a
 *   non-minimally encoded frame type, or a frame not allowed in `packetType`; with 'frame_encoding'
 *   for anything else malformed, and in all cases the offending frame type.
 */
export function decodeFrames(payload: Uint8Array, packetType?: FramePacketType): Frame[] {
  // RFC 9000 §12.4: "An endpoint MUST treat receipt of a packet containing no frames as a
  // connection error of type PROTOCOL_VIOLATION."
  if (payload.length === 0) throw new FrameError('packet payload contains no frames', 'protocol_violation', 0, 0);
  const r = new Reader(payload);
  const frames: Frame[] = [];
  let type = 0;
  try {
    while (r.offset < r.end) {
      const at = r.offset;
      type = 0;
      type = readFrameType(r);
      // RFC 9000 §12.4: "An endpoint MUST treat receipt of a frame in a packet type that is not
      // permitted as a connection error of type PROTOCOL_VIOLATION."
      if (packetType !== undefined && !isFrameAllowedIn(type, packetType)) {
        throw new FrameError(`${frameTypeName(type)} frame not allowed in a ${packetType} packet`, 'protocol_violation', type, at);
      }
      frames.push(decodeFrameBody(r, type));
    }
  } catch (e) {
    if (e instanceof FrameError || !(e instanceof CodecError)) throw e;
    const message = e.offset === undefined ? e.message : e.message.slice(0, e.message.lastIndexOf(' (at byte '));
    throw new FrameError(`${frameTypeName(type)} frame: ${message}`, 'frame_encoding', type, e.offset);
  }
  return frames;
}

// ---------------------------------------------------------------------------------------------
// Sizes

function sizeOfAck(f: AckFrame): number {
  const ranges = f.ranges;
  const first = ranges[0];
  if (first === undefined) return 0; // not encodable; encodeFrame throws
  let size = 1 + varintSize(first.largest) + varintSize(f.ackDelay) + varintSize(ranges.length - 1) + varintSize(first.largest - first.smallest);
  let prevSmallest = first.smallest;
  for (let i = 1; i < ranges.length; i++) {
    const range = ranges[i]!;
    size += varintSize(prevSmallest - range.largest - 2) + varintSize(range.largest - range.smallest);
    prevSmallest = range.smallest;
  }
  const ecn = f.ecn;
  if (ecn !== undefined) size += varintSize(ecn.ect0) + varintSize(ecn.ect1) + varintSize(ecn.ce);
  return size;
}

/**
 * The encoded size of `frame` (equal to what `encodeFrame` writes with the same `omitLength`).
 * @param omitLength for STREAM and DATAGRAM: leave out the Length field (last frame only).
 */
export function sizeOfFrame(frame: Frame, omitLength = false): number {
  switch (frame.type) {
    case 'padding':
      return frame.length;
    case 'ping':
    case 'handshake_done':
      return 1;
    case 'ack':
      return sizeOfAck(frame);
    case 'reset_stream':
      return 1 + varintSize(frame.streamId) + varintSize(frame.errorCode) + varintSize(frame.finalSize);
    case 'stop_sending':
      return 1 + varintSize(frame.streamId) + varintSize(frame.errorCode);
    case 'crypto':
      return cryptoFrameHeaderSize(frame.offset, frame.data.length) + frame.data.length;
    case 'new_token':
      return 1 + varintSize(frame.token.length) + frame.token.length;
    case 'stream':
      return streamFrameHeaderSize(frame.streamId, frame.offset, frame.data.length, !omitLength) + frame.data.length;
    case 'max_data':
      return 1 + varintSize(frame.maximum);
    case 'max_stream_data':
      return 1 + varintSize(frame.streamId) + varintSize(frame.maximum);
    case 'max_streams':
      return 1 + varintSize(frame.maximum);
    case 'data_blocked':
    case 'streams_blocked':
      return 1 + varintSize(frame.limit);
    case 'stream_data_blocked':
      return 1 + varintSize(frame.streamId) + varintSize(frame.limit);
    case 'new_connection_id':
      return 2 + varintSize(frame.sequenceNumber) + varintSize(frame.retirePriorTo) + frame.connectionId.length + RESET_TOKEN_LENGTH;
    case 'retire_connection_id':
      return 1 + varintSize(frame.sequenceNumber);
    case 'path_challenge':
    case 'path_response':
      return 1 + PATH_DATA_LENGTH;
    case 'connection_close': {
      const fields = 1 + varintSize(frame.errorCode) + varintSize(frame.reason.length) + frame.reason.length;
      return frame.errorSpace === 'transport' ? fields + varintSize(frame.frameType) : fields;
    }
    case 'datagram':
      return datagramFrameHeaderSize(frame.data.length, !omitLength) + frame.data.length;
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * Writes a STREAM frame header (RFC 9000 §19.8) for `length` bytes of data at `offset`; the
 * caller writes the data right after. The OFF bit is set only for a non-zero offset. Returns `w`.
 * @throws CodecError if `offset + length` exceeds 2^62 - 1 or the writer is full.
 */
export function encodeStreamFrameHeader(w: Writer, streamId: number, offset: number, length: number, fin: boolean, withLength: boolean): Writer {
  // RFC 9000 §19.8: the sum of the offset and data length "cannot exceed 2^62-1".
  if (offset + length > MAX_VARINT) throw new CodecError('STREAM data would end beyond 2^62-1', w.offset);
  w.u8(streamFrameType(offset, fin, withLength)).varint(streamId);
  if (offset !== 0) w.varint(offset);
  return withLength ? w.varint(length) : w;
}

/** Writes a CRYPTO frame header (RFC 9000 §19.6); the caller writes `length` data bytes after it. Returns `w`. */
export function encodeCryptoFrameHeader(w: Writer, offset: number, length: number): Writer {
  // RFC 9000 §19.6: the sum of the offset and data length "cannot exceed 2^62-1".
  if (offset + length > MAX_VARINT) throw new CodecError('CRYPTO data would end beyond 2^62-1', w.offset);
  return w.u8(FrameType.Crypto).varint(offset).varint(length);
}

/** Writes a DATAGRAM frame header (RFC 9221 §4); the caller writes `length` data bytes after it. Returns `w`. */
export function encodeDatagramFrameHeader(w: Writer, length: number, withLength: boolean): Writer {
  return withLength ? w.u8(FrameType.DatagramWithLength).varint(length) : w.u8(FrameType.Datagram);
}

function encodeAck(w: Writer, f: AckFrame): Writer {
  const ranges = f.ranges;
  const first = ranges[0];
  if (first === undefined) throw new CodecError('ACK frame without ranges', w.offset);
  const ecn = f.ecn;
  w.u8(ecn !== undefined ? FrameType.AckEcn : FrameType.Ack).varint(first.largest).varint(f.ackDelay);
  w.varint(ranges.length - 1).varint(ackRangeLength(w, first));
  let prevSmallest = first.smallest;
  for (let i = 1; i < ranges.length; i++) {
    const range = ranges[i]!;
    // RFC 9000 §19.3.1: largest = previous_smallest - gap - 2, with gap >= 0.
    const gap = prevSmallest - range.largest - 2;
    if (gap < 0) throw new CodecError('ACK ranges not descending with gaps', w.offset);
    w.varint(gap).varint(ackRangeLength(w, range));
    prevSmallest = range.smallest;
  }
  return ecn !== undefined ? w.varint(ecn.ect0).varint(ecn.ect1).varint(ecn.ce) : w;
}

function ackRangeLength(w: Writer, range: AckRange): number {
  if (range.smallest < 0 || range.smallest > range.largest) throw new CodecError(`bad ACK range [${range.smallest}, ${range.largest}]`, w.offset);
  return range.largest - range.smallest;
}

function checkStreamCount(w: Writer, value: number): number {
  if (value > MAX_STREAMS_LIMIT) throw new CodecError(`stream count ${value} exceeds 2^60`, w.offset);
  return value;
}

function checkFixed(w: Writer, bytes: Uint8Array, length: number, what: string): Uint8Array {
  if (bytes.length !== length) throw new CodecError(`${what} must be ${length} bytes, not ${bytes.length}`, w.offset);
  return bytes;
}

function encodeNewConnectionId(w: Writer, f: NewConnectionIdFrame): Writer {
  const cid = f.connectionId;
  // RFC 9000 §19.15: "The value in the Retire Prior To field MUST be less than or equal to the
  // value in the Sequence Number field."
  if (f.retirePriorTo > f.sequenceNumber) throw new CodecError('Retire Prior To exceeds Sequence Number', w.offset);
  if (cid.length < 1 || cid.length > MAX_CID_LENGTH) throw new CodecError(`connection ID length ${cid.length} not in 1..20`, w.offset);
  w.u8(FrameType.NewConnectionId).varint(f.sequenceNumber).varint(f.retirePriorTo).vec8(cid);
  return w.bytes(checkFixed(w, f.statelessResetToken, RESET_TOKEN_LENGTH, 'Stateless Reset Token'));
}

/**
 * Writes `frame` (RFC 9000 §19, RFC 9221 §4) and returns `w`. Writes exactly
 * `sizeOfFrame(frame, omitLength)` bytes, and refuses (CodecError) any frame `decodeFrame` would
 * reject: a value that is not a varint, empty ACK ranges or ranges out of order, an empty
 * NEW_TOKEN, a data end beyond 2^62 - 1, a stream count above 2^60, a connection ID not 1..20
 * bytes, Retire Prior To above the sequence number, a reset token not 16 bytes, path data not 8
 * bytes, PADDING shorter than 1. On a throw, part of the frame may have been written.
 * @param omitLength for STREAM and DATAGRAM: leave out the Length field, so the data runs to the
 *   end of the packet. Only for the last frame of a packet.
 * @throws CodecError as above, or when the writer runs out of room.
 */
export function encodeFrame(w: Writer, frame: Frame, omitLength = false): Writer {
  switch (frame.type) {
    case 'padding':
      if (!Number.isInteger(frame.length) || frame.length < 1) throw new CodecError(`bad PADDING length ${frame.length}`, w.offset);
      return w.zeros(frame.length);
    case 'ping':
      return w.u8(FrameType.Ping);
    case 'ack':
      return encodeAck(w, frame);
    case 'reset_stream':
      return w.u8(FrameType.ResetStream).varint(frame.streamId).varint(frame.errorCode).varint(frame.finalSize);
    case 'stop_sending':
      return w.u8(FrameType.StopSending).varint(frame.streamId).varint(frame.errorCode);
    case 'crypto':
      return encodeCryptoFrameHeader(w, frame.offset, frame.data.length).bytes(frame.data);
    case 'new_token':
      // RFC 9000 §19.7: "The token MUST NOT be empty."
      if (frame.token.length === 0) throw new CodecError('NEW_TOKEN with an empty token', w.offset);
      return w.u8(FrameType.NewToken).varintBytes(frame.token);
    case 'stream':
      return encodeStreamFrameHeader(w, frame.streamId, frame.offset, frame.data.length, frame.fin, !omitLength).bytes(frame.data);
    case 'max_data':
      return w.u8(FrameType.MaxData).varint(frame.maximum);
    case 'max_stream_data':
      return w.u8(FrameType.MaxStreamData).varint(frame.streamId).varint(frame.maximum);
    case 'max_streams':
      return w.u8(frame.bidi ? FrameType.MaxStreamsBidi : FrameType.MaxStreamsUni).varint(checkStreamCount(w, frame.maximum));
    case 'data_blocked':
      return w.u8(FrameType.DataBlocked).varint(frame.limit);
    case 'stream_data_blocked':
      return w.u8(FrameType.StreamDataBlocked).varint(frame.streamId).varint(frame.limit);
    case 'streams_blocked':
      return w.u8(frame.bidi ? FrameType.StreamsBlockedBidi : FrameType.StreamsBlockedUni).varint(checkStreamCount(w, frame.limit));
    case 'new_connection_id':
      return encodeNewConnectionId(w, frame);
    case 'retire_connection_id':
      return w.u8(FrameType.RetireConnectionId).varint(frame.sequenceNumber);
    case 'path_challenge':
      return w.u8(FrameType.PathChallenge).bytes(checkFixed(w, frame.data, PATH_DATA_LENGTH, 'PATH_CHALLENGE data'));
    case 'path_response':
      return w.u8(FrameType.PathResponse).bytes(checkFixed(w, frame.data, PATH_DATA_LENGTH, 'PATH_RESPONSE data'));
    case 'connection_close':
      if (frame.errorSpace === 'transport') w.u8(FrameType.ConnectionClose).varint(frame.errorCode).varint(frame.frameType);
      else w.u8(FrameType.ConnectionCloseApplication).varint(frame.errorCode);
      return w.varintBytes(frame.reason);
    case 'handshake_done':
      return w.u8(FrameType.HandshakeDone);
    case 'datagram':
      return encodeDatagramFrameHeader(w, frame.data.length, !omitLength).bytes(frame.data);
  }
}

/**
 * Encodes `frames` into a new payload, each with its Length field (tests, fuzz seeds, and
 * anything off the packet path; the packet builder writes into its own buffer).
 */
export function encodeFramesToBytes(frames: readonly Frame[]): Uint8Array {
  let size = 0;
  for (const f of frames) size += sizeOfFrame(f);
  const out = new Uint8Array(size);
  const w = new Writer(out);
  for (const f of frames) encodeFrame(w, f);
  return out;
}
