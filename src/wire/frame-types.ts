/**
 * What a QUIC frame is: the frame type codes of RFC 9000 §12.4 (Table 3) and §19 plus DATAGRAM
 * from RFC 9221 §4, the `Frame` union that src/wire/frames.ts encodes and decodes, the header
 * sizes a packet builder plans STREAM/CRYPTO/DATAGRAM frames with, and reason-phrase text
 * helpers for CONNECTION_CLOSE (RFC 9000 §19.19).
 *
 * A frame type is a varint on the wire (RFC 9000 §12.4); every type defined so far fits in one
 * byte. STREAM (0x08..0x0f) carries the OFF/LEN/FIN flags in its low three bits (RFC 9000 §19.8),
 * and ACK, MAX_STREAMS, STREAMS_BLOCKED, CONNECTION_CLOSE and DATAGRAM use their lowest bit as a
 * variant flag (RFC 9000 §12.4: "The Frame Type in ACK, STREAM, MAX_STREAMS, STREAMS_BLOCKED, and
 * CONNECTION_CLOSE frames is used to carry other frame-specific flags").
 *
 * `Frame` conventions: the `type` discriminators are snake_case and match the qlog frame names
 * ('max_data', 'new_connection_id', ...); fields are camelCase. ACK and ACK_ECN are one 'ack'
 * variant (ECN counts optional); MAX_STREAMS and STREAMS_BLOCKED carry a `bidi` flag; the two
 * CONNECTION_CLOSE types are one 'connection_close' variant discriminated by `errorSpace`. Byte
 * fields of decoded frames are views into the packet payload (see src/wire/frames.ts).
 */
import { varintSize } from '../util/varint.js';

/** Every frame type code this stack understands (RFC 9000 §12.4 Table 3; RFC 9221 §4). */
export const FrameType = {
  /** RFC 9000 §19.1. */
  Padding: 0x00,
  /** RFC 9000 §19.2. */
  Ping: 0x01,
  /** RFC 9000 §19.3, without ECN counts. */
  Ack: 0x02,
  /** RFC 9000 §19.3, with ECN counts (§19.3.2). */
  AckEcn: 0x03,
  /** RFC 9000 §19.4. */
  ResetStream: 0x04,
  /** RFC 9000 §19.5. */
  StopSending: 0x05,
  /** RFC 9000 §19.6. */
  Crypto: 0x06,
  /** RFC 9000 §19.7. */
  NewToken: 0x07,
  /** RFC 9000 §19.8: the first STREAM type; 0x08..0x0f, see `StreamFlag`. */
  Stream: 0x08,
  /** RFC 9000 §19.8: the last STREAM type (all of OFF, LEN and FIN set). */
  StreamLast: 0x0f,
  /** RFC 9000 §19.9. */
  MaxData: 0x10,
  /** RFC 9000 §19.10. */
  MaxStreamData: 0x11,
  /** RFC 9000 §19.11, bidirectional streams. */
  MaxStreamsBidi: 0x12,
  /** RFC 9000 §19.11, unidirectional streams. */
  MaxStreamsUni: 0x13,
  /** RFC 9000 §19.12. */
  DataBlocked: 0x14,
  /** RFC 9000 §19.13. */
  StreamDataBlocked: 0x15,
  /** RFC 9000 §19.14, bidirectional streams. */
  StreamsBlockedBidi: 0x16,
  /** RFC 9000 §19.14, unidirectional streams. */
  StreamsBlockedUni: 0x17,
  /** RFC 9000 §19.15. */
  NewConnectionId: 0x18,
  /** RFC 9000 §19.16. */
  RetireConnectionId: 0x19,
  /** RFC 9000 §19.17. */
  PathChallenge: 0x1a,
  /** RFC 9000 §19.18. */
  PathResponse: 0x1b,
  /** RFC 9000 §19.19: errors at the QUIC layer (carries a Frame Type field). */
  ConnectionClose: 0x1c,
  /** RFC 9000 §19.19: application errors (no Frame Type field). */
  ConnectionCloseApplication: 0x1d,
  /** RFC 9000 §19.20. */
  HandshakeDone: 0x1e,
  /** RFC 9221 §4: LEN bit clear, the data runs to the end of the packet. */
  Datagram: 0x30,
  /** RFC 9221 §4: LEN bit set, a Length field is present. */
  DatagramWithLength: 0x31,
} as const;
/** One of `FrameType`'s values (STREAM types other than 0x08 and 0x0f are `StreamFrameType`). */
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** The flag bits in the low three bits of a STREAM frame type (RFC 9000 §19.8). */
export const StreamFlag = {
  /** "The FIN bit (0x01) indicates that the frame marks the end of the stream." */
  Fin: 0x01,
  /** "The LEN bit (0x02) ... is set to indicate that there is a Length field present." */
  Len: 0x02,
  /** "The OFF bit (0x04) ... is set to indicate that there is an Offset field present." */
  Off: 0x04,
} as const;

/** The LEN bit of a DATAGRAM frame type (RFC 9221 §4: "the LEN bit (0x01)"). */
export const DATAGRAM_LEN_BIT = 0x01;

/** True for the STREAM frame types 0x08..0x0f (RFC 9000 §19.8: "0b00001XXX"). */
export function isStreamFrameType(frameType: number): boolean {
  return (frameType & ~0x07) === FrameType.Stream;
}

/**
 * True for every frame type code this stack can decode (RFC 9000 §12.4 Table 3 and RFC 9221 §4):
 * 0x00..0x1e, 0x30 and 0x31.
 */
export function isKnownFrameType(frameType: number): boolean {
  return (frameType >= 0 && frameType <= FrameType.HandshakeDone) || frameType === FrameType.Datagram || frameType === FrameType.DatagramWithLength;
}

const NAMES: readonly string[] = [
  'PADDING',
  'PING',
  'ACK',
  'ACK_ECN',
  'RESET_STREAM',
  'STOP_SENDING',
  'CRYPTO',
  'NEW_TOKEN',
  'STREAM',
  'STREAM',
  'STREAM',
  'STREAM',
  'STREAM',
  'STREAM',
  'STREAM',
  'STREAM',
  'MAX_DATA',
  'MAX_STREAM_DATA',
  'MAX_STREAMS',
  'MAX_STREAMS',
  'DATA_BLOCKED',
  'STREAM_DATA_BLOCKED',
  'STREAMS_BLOCKED',
  'STREAMS_BLOCKED',
  'NEW_CONNECTION_ID',
  'RETIRE_CONNECTION_ID',
  'PATH_CHALLENGE',
  'PATH_RESPONSE',
  'CONNECTION_CLOSE',
  'CONNECTION_CLOSE',
  'HANDSHAKE_DONE',
];

/**
 * The RFC's name for a frame type code ("STREAM", "ACK_ECN", "DATAGRAM", ...), or
 * `UNKNOWN(0x..)` for a code no RFC we implement defines. For error messages and logs.
 */
export function frameTypeName(frameType: number): string {
  const name = frameType >= 0 ? NAMES[frameType] : undefined;
  if (name !== undefined) return name;
  if (frameType === FrameType.Datagram || frameType === FrameType.DatagramWithLength) return 'DATAGRAM';
  return `UNKNOWN(0x${frameType.toString(16)})`;
}

/** One ACK range: every packet number from `smallest` to `largest` inclusive (RFC 9000 §19.3.1). */
export interface AckRange {
  /** Largest packet number of the range. */
  readonly largest: number;
  /** Smallest packet number of the range (`smallest <= largest`). */
  readonly smallest: number;
}

/** ECN counts of an ACK_ECN frame (RFC 9000 §19.3.2). */
export interface EcnCounts {
  /** ECT0 Count. */
  readonly ect0: number;
  /** ECT1 Count. */
  readonly ect1: number;
  /** ECN-CE Count. */
  readonly ce: number;
}

/** PADDING (RFC 9000 §19.1): `length` consecutive 0x00 bytes, decoded as one frame. */
export interface PaddingFrame { readonly type: 'padding'; /** Number of 0x00 bytes (>= 1). */ readonly length: number }
/** PING (RFC 9000 §19.2). */
export interface PingFrame { readonly type: 'ping' }
/** ACK (0x02) or ACK_ECN (0x03) (RFC 9000 §19.3). */
export interface AckFrame {
  readonly type: 'ack';
  /** The raw ACK Delay field; multiply by 2^ack_delay_exponent for microseconds (§19.3). */
  readonly ackDelay: number;
  /**
   * Acknowledged ranges in descending order, disjoint and non-adjacent (each next `largest` is
   * at most the previous `smallest` - 2); `ranges[0].largest` is Largest Acknowledged. Never empty.
   */
  readonly ranges: readonly AckRange[];
  /** ECN counts; present exactly when the frame type is 0x03. */
  readonly ecn?: EcnCounts | undefined;
}
/** RESET_STREAM (RFC 9000 §19.4). */
export interface ResetStreamFrame { readonly type: 'reset_stream'; readonly streamId: number; /** Application error code. */ readonly errorCode: number; readonly finalSize: number }
/** STOP_SENDING (RFC 9000 §19.5). */
export interface StopSendingFrame { readonly type: 'stop_sending'; readonly streamId: number; /** Application error code. */ readonly errorCode: number }
/** CRYPTO (RFC 9000 §19.6). */
export interface CryptoFrame { readonly type: 'crypto'; readonly offset: number; /** View into the payload. */ readonly data: Uint8Array }
/** NEW_TOKEN (RFC 9000 §19.7); `token` is never empty. */
export interface NewTokenFrame { readonly type: 'new_token'; /** View into the payload. */ readonly token: Uint8Array }
/** STREAM, types 0x08..0x0f (RFC 9000 §19.8). */
export interface StreamFrame {
  readonly type: 'stream';
  readonly streamId: number;
  /** Offset of `data[0]` in the stream (0 when the OFF bit is clear). */
  readonly offset: number;
  /** The FIN bit: the stream ends at `offset + data.length`. */
  readonly fin: boolean;
  /** View into the payload. */
  readonly data: Uint8Array;
}
/** MAX_DATA (RFC 9000 §19.9). */
export interface MaxDataFrame { readonly type: 'max_data'; readonly maximum: number }
/** MAX_STREAM_DATA (RFC 9000 §19.10). */
export interface MaxStreamDataFrame { readonly type: 'max_stream_data'; readonly streamId: number; readonly maximum: number }
/** MAX_STREAMS, 0x12 bidirectional / 0x13 unidirectional (RFC 9000 §19.11); `maximum <= 2^60`. */
export interface MaxStreamsFrame { readonly type: 'max_streams'; readonly bidi: boolean; readonly maximum: number }
/** DATA_BLOCKED (RFC 9000 §19.12). */
export interface DataBlockedFrame { readonly type: 'data_blocked'; readonly limit: number }
/** STREAM_DATA_BLOCKED (RFC 9000 §19.13). */
export interface StreamDataBlockedFrame { readonly type: 'stream_data_blocked'; readonly streamId: number; readonly limit: number }
/** STREAMS_BLOCKED, 0x16 bidirectional / 0x17 unidirectional (RFC 9000 §19.14); `limit <= 2^60`. */
export interface StreamsBlockedFrame { readonly type: 'streams_blocked'; readonly bidi: boolean; readonly limit: number }
/** NEW_CONNECTION_ID (RFC 9000 §19.15). */
export interface NewConnectionIdFrame {
  readonly type: 'new_connection_id';
  readonly sequenceNumber: number;
  /** At most `sequenceNumber`. */
  readonly retirePriorTo: number;
  /** 1 to 20 bytes; view into the payload. */
  readonly connectionId: Uint8Array;
  /** 16 bytes; view into the payload. */
  readonly statelessResetToken: Uint8Array;
}
/** RETIRE_CONNECTION_ID (RFC 9000 §19.16). */
export interface RetireConnectionIdFrame { readonly type: 'retire_connection_id'; readonly sequenceNumber: number }
/** PATH_CHALLENGE (RFC 9000 §19.17). */
export interface PathChallengeFrame { readonly type: 'path_challenge'; /** 8 bytes; view into the payload. */ readonly data: Uint8Array }
/** PATH_RESPONSE (RFC 9000 §19.18). */
export interface PathResponseFrame { readonly type: 'path_response'; /** 8 bytes; view into the payload. */ readonly data: Uint8Array }
/** CONNECTION_CLOSE type 0x1c: an error at the QUIC layer, or none (RFC 9000 §19.19). */
export interface TransportCloseFrame {
  readonly type: 'connection_close';
  readonly errorSpace: 'transport';
  /** A transport error code (RFC 9000 §20.1). */
  readonly errorCode: number;
  /** The type of the frame that triggered the error; 0 when unknown. */
  readonly frameType: number;
  /** Reason phrase bytes (UTF-8 by convention); view into the payload. */
  readonly reason: Uint8Array;
}
/** CONNECTION_CLOSE type 0x1d: an application error (RFC 9000 §19.19). */
export interface ApplicationCloseFrame {
  readonly type: 'connection_close';
  readonly errorSpace: 'application';
  /** An application protocol error code (RFC 9000 §20.2). */
  readonly errorCode: number;
  /** Reason phrase bytes (UTF-8 by convention); view into the payload. */
  readonly reason: Uint8Array;
}
/** CONNECTION_CLOSE, either type (RFC 9000 §19.19). */
export type ConnectionCloseFrame = TransportCloseFrame | ApplicationCloseFrame;
/** HANDSHAKE_DONE (RFC 9000 §19.20). */
export interface HandshakeDoneFrame { readonly type: 'handshake_done' }
/** DATAGRAM, 0x30 / 0x31 (RFC 9221 §4). */
export interface DatagramFrame { readonly type: 'datagram'; /** View into the payload; may be empty. */ readonly data: Uint8Array }

/** Every QUIC frame, discriminated on `type`. */
export type Frame =
  | PaddingFrame
  | PingFrame
  | AckFrame
  | ResetStreamFrame
  | StopSendingFrame
  | CryptoFrame
  | NewTokenFrame
  | StreamFrame
  | MaxDataFrame
  | MaxStreamDataFrame
  | MaxStreamsFrame
  | DataBlockedFrame
  | StreamDataBlockedFrame
  | StreamsBlockedFrame
  | NewConnectionIdFrame
  | RetireConnectionIdFrame
  | PathChallengeFrame
  | PathResponseFrame
  | ConnectionCloseFrame
  | HandshakeDoneFrame
  | DatagramFrame;

/**
 * The STREAM frame type for these fields (RFC 9000 §19.8): OFF only for a non-zero offset, LEN
 * when a Length field is written, FIN as given.
 */
export function streamFrameType(offset: number, fin: boolean, withLength: boolean): number {
  return FrameType.Stream | (offset !== 0 ? StreamFlag.Off : 0) | (withLength ? StreamFlag.Len : 0) | (fin ? StreamFlag.Fin : 0);
}

/** The frame variants whose type code does not depend on their fields. */
type FixedTypeFrame = Exclude<Frame['type'], 'ack' | 'stream' | 'max_streams' | 'streams_blocked' | 'connection_close' | 'datagram'>;

const FIXED_TYPE: Readonly<Record<FixedTypeFrame, number>> = {
  padding: FrameType.Padding,
  ping: FrameType.Ping,
  reset_stream: FrameType.ResetStream,
  stop_sending: FrameType.StopSending,
  crypto: FrameType.Crypto,
  new_token: FrameType.NewToken,
  max_data: FrameType.MaxData,
  max_stream_data: FrameType.MaxStreamData,
  data_blocked: FrameType.DataBlocked,
  stream_data_blocked: FrameType.StreamDataBlocked,
  new_connection_id: FrameType.NewConnectionId,
  retire_connection_id: FrameType.RetireConnectionId,
  path_challenge: FrameType.PathChallenge,
  path_response: FrameType.PathResponse,
  handshake_done: FrameType.HandshakeDone,
};

/**
 * The frame type code `encodeFrame` writes for `frame` (for STREAM: OFF if the offset is not 0,
 * LEN unless `omitLength`, FIN as set; for DATAGRAM: 0x31 unless `omitLength`). For permission
 * checks (`isFrameAllowedIn`) and CONNECTION_CLOSE's Frame Type field.
 */
export function frameTypeOf(frame: Frame, omitLength = false): number {
  switch (frame.type) {
    case 'ack':
      return frame.ecn !== undefined ? FrameType.AckEcn : FrameType.Ack;
    case 'stream':
      return streamFrameType(frame.offset, frame.fin, !omitLength);
    case 'max_streams':
      return frame.bidi ? FrameType.MaxStreamsBidi : FrameType.MaxStreamsUni;
    case 'streams_blocked':
      return frame.bidi ? FrameType.StreamsBlockedBidi : FrameType.StreamsBlockedUni;
    case 'connection_close':
      return frame.errorSpace === 'transport' ? FrameType.ConnectionClose : FrameType.ConnectionCloseApplication;
    case 'datagram':
      return omitLength ? FrameType.Datagram : FrameType.DatagramWithLength;
    default:
      return FIXED_TYPE[frame.type];
  }
}

// ---------------------------------------------------------------------------------------------
// Header sizes and data capacities, for a packet builder planning what fits

/** Size of a STREAM frame header (type, Stream ID, Offset if non-zero, Length if `withLength`). */
export function streamFrameHeaderSize(streamId: number, offset: number, length: number, withLength: boolean): number {
  return 1 + varintSize(streamId) + (offset !== 0 ? varintSize(offset) : 0) + (withLength ? varintSize(length) : 0);
}

/** Size of a CRYPTO frame header (type, Offset, Length). */
export function cryptoFrameHeaderSize(offset: number, length: number): number {
  return 1 + varintSize(offset) + varintSize(length);
}

/** Size of a DATAGRAM frame header (type, and Length if `withLength`). */
export function datagramFrameHeaderSize(length: number, withLength: boolean): number {
  return withLength ? 1 + varintSize(length) : 1;
}

/** Largest n with n + (withLength ? varintSize(n) : 0) <= room, or -1 if not even n = 0 fits. */
function dataCapacity(room: number, withLength: boolean): number {
  if (!withLength) return room < 0 ? -1 : room;
  let best = -1;
  best = Math.max(best, Math.min(room - 1, 0x3f));
  best = Math.max(best, Math.min(room - 2, 0x3fff));
  best = Math.max(best, Math.min(room - 4, 0x3fffffff));
  return Math.max(best, room - 8);
}

/**
 * How many bytes of stream data fit in a STREAM frame of at most `space` bytes, or -1 if not
 * even an empty one fits. With `withLength` false the frame must end the packet.
 */
export function streamFrameDataCapacity(streamId: number, offset: number, space: number, withLength: boolean): number {
  return dataCapacity(space - 1 - varintSize(streamId) - (offset !== 0 ? varintSize(offset) : 0), withLength);
}

/** How many bytes of handshake data fit in a CRYPTO frame of at most `space` bytes, or -1. */
export function cryptoFrameDataCapacity(offset: number, space: number): number {
  return dataCapacity(space - 1 - varintSize(offset), true);
}

/**
 * How many bytes of datagram fit in a DATAGRAM frame of at most `space` bytes, or -1. With
 * `withLength` false the frame must end the packet.
 */
export function datagramFrameDataCapacity(space: number, withLength: boolean): number {
  return dataCapacity(space - 1, withLength);
}

// ---------------------------------------------------------------------------------------------
// Reason phrases

const utf8Decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** The reason phrase as text; invalid UTF-8 becomes U+FFFD (RFC 9000 §19.19: it "SHOULD be a UTF-8 encoded string"). */
export function decodeReasonPhrase(reason: Uint8Array): string {
  return utf8Decoder.decode(reason);
}

/** UTF-8 bytes of a reason phrase, for a CONNECTION_CLOSE frame's `reason`. */
export function encodeReasonPhrase(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}
