/**
 * qlog QUIC frame objects (draft-ietf-quic-qlog-quic-events-13 §8.13) and the converter from the
 * wire `Frame` union (src/wire/frame-types.ts) to them, plus the small qlog data types frames and
 * events share (§8.1 QuicVersion, §8.2 ConnectionID, §8.6 PacketType, §8.9 Token, §8.13.24-26
 * error strings; RawInfo from draft-ietf-quic-qlog-main-schema-14 §10).
 *
 * Byte payloads (STREAM, CRYPTO and DATAGRAM data, NEW_TOKEN tokens) are summarised as lengths in
 * `raw`, never copied: a qlog must not become a copy of the application's data (main schema §14),
 * and the core must not allocate per-byte for logging. Short identifiers the draft defines as
 * hexstrings (connection IDs, PATH_CHALLENGE data, stateless reset tokens) are logged as hex.
 */
import { toHex } from '../util/bytes.js';
import { TransportErrorCode, isCryptoError } from '../wire/errors.js';
import { decodeReasonPhrase, type Frame } from '../wire/frame-types.js';
import { PacketType } from '../wire/packet-type.js';

/** A hex-encoded byte string (qlog `hexstring`, main schema §1.2). */
export type HexString = string;

/** RawInfo (main schema §10): lengths and (optionally truncated) bytes of an entity. */
export interface QlogRawInfo {
  /** The full byte length of the entity (for STREAM/CRYPTO/DATAGRAM: the Length field, see below). */
  readonly length?: number;
  /** The byte length of the entity's payload. */
  readonly payload_length?: number;
  /** The (potentially truncated) contents; this stack never fills it for frames. */
  readonly data?: HexString;
}

/** quic-events §8.6 PacketType. */
export type QlogPacketType = 'initial' | 'handshake' | '0RTT' | '1RTT' | 'retry' | 'version_negotiation' | 'stateless_reset' | 'unknown';

/** quic-events §8.13.12: MaxStreamsFrame / StreamsBlockedFrame `stream_type` (and §5.13 StreamType). */
export type QlogStreamType = 'unidirectional' | 'bidirectional';

/** quic-events §8.13.24 $TransportError values (CRYPTO_ERROR uses `QlogCryptoError`). */
export type QlogTransportError =
  | 'no_error'
  | 'internal_error'
  | 'connection_refused'
  | 'flow_control_error'
  | 'stream_limit_error'
  | 'stream_state_error'
  | 'final_size_error'
  | 'frame_encoding_error'
  | 'transport_parameter_error'
  | 'connection_id_limit_error'
  | 'protocol_violation'
  | 'invalid_token'
  | 'application_error'
  | 'crypto_buffer_exceeded'
  | 'key_update_error'
  | 'aead_limit_reached'
  | 'no_viable_path'
  | 'unknown';

/** quic-events §8.13.26 CryptoError: "crypto_error_0x100" .. "crypto_error_0x1ff". */
export type QlogCryptoError = `crypto_error_0x${string}`;

/** quic-events §8.13.25 $ApplicationError: the transport knows no names, so always "unknown". */
export type QlogApplicationError = 'unknown';

/** quic-events §8.9 Token. */
export interface QlogToken {
  readonly type?: 'retry' | 'resumption';
  readonly details?: Readonly<Record<string, unknown>>;
  readonly raw?: QlogRawInfo;
}

/** quic-events §8.13.1. */
export interface QlogPaddingFrame { readonly frame_type: 'padding'; readonly raw?: QlogRawInfo }
/** quic-events §8.13.2. */
export interface QlogPingFrame { readonly frame_type: 'ping'; readonly raw?: QlogRawInfo }
/** quic-events §8.13.3 AckRange: `[n]` or `[from, to]` (smallest, largest). */
export type QlogAckRange = readonly [number] | readonly [number, number];
/** quic-events §8.13.3. */
export interface QlogAckFrame {
  readonly frame_type: 'ack';
  /** In milliseconds. */
  readonly ack_delay?: number;
  readonly acked_ranges?: readonly QlogAckRange[];
  readonly ect1?: number;
  readonly ect0?: number;
  readonly ce?: number;
  readonly raw?: QlogRawInfo;
}
/** quic-events §8.13.4. */
export interface QlogResetStreamFrame {
  readonly frame_type: 'reset_stream';
  readonly stream_id: number;
  readonly error: QlogApplicationError;
  readonly error_code?: number;
  readonly final_size: number;
  readonly raw?: QlogRawInfo;
}
/** quic-events §8.13.6. */
export interface QlogStopSendingFrame {
  readonly frame_type: 'stop_sending';
  readonly stream_id: number;
  readonly error: QlogApplicationError;
  readonly error_code?: number;
  readonly raw?: QlogRawInfo;
}
/** quic-events §8.13.7: "The length field of the Crypto frame MUST be logged in the qlog raw.length field." */
export interface QlogCryptoFrame { readonly frame_type: 'crypto'; readonly offset: number; readonly raw: QlogRawInfo }
/** quic-events §8.13.8. */
export interface QlogNewTokenFrame { readonly frame_type: 'new_token'; readonly token: QlogToken; readonly raw?: QlogRawInfo }
/** quic-events §8.13.9. */
export interface QlogStreamFrame {
  readonly frame_type: 'stream';
  readonly stream_id: number;
  readonly offset?: number;
  readonly fin?: boolean;
  readonly raw?: QlogRawInfo;
}
/** quic-events §8.13.10. */
export interface QlogMaxDataFrame { readonly frame_type: 'max_data'; readonly maximum: number; readonly raw?: QlogRawInfo }
/** quic-events §8.13.11. */
export interface QlogMaxStreamDataFrame { readonly frame_type: 'max_stream_data'; readonly stream_id: number; readonly maximum: number; readonly raw?: QlogRawInfo }
/** quic-events §8.13.12. */
export interface QlogMaxStreamsFrame { readonly frame_type: 'max_streams'; readonly stream_type: QlogStreamType; readonly maximum: number; readonly raw?: QlogRawInfo }
/** quic-events §8.13.13. */
export interface QlogDataBlockedFrame { readonly frame_type: 'data_blocked'; readonly limit: number; readonly raw?: QlogRawInfo }
/** quic-events §8.13.14. */
export interface QlogStreamDataBlockedFrame { readonly frame_type: 'stream_data_blocked'; readonly stream_id: number; readonly limit: number; readonly raw?: QlogRawInfo }
/** quic-events §8.13.15. */
export interface QlogStreamsBlockedFrame { readonly frame_type: 'streams_blocked'; readonly stream_type: QlogStreamType; readonly limit: number; readonly raw?: QlogRawInfo }
/** quic-events §8.13.16. */
export interface QlogNewConnectionIdFrame {
  readonly frame_type: 'new_connection_id';
  readonly sequence_number: number;
  readonly retire_prior_to: number;
  readonly connection_id_length?: number;
  readonly connection_id: HexString;
  readonly stateless_reset_token?: HexString;
  readonly raw?: QlogRawInfo;
}
/** quic-events §8.13.17. */
export interface QlogRetireConnectionIdFrame { readonly frame_type: 'retire_connection_id'; readonly sequence_number: number; readonly raw?: QlogRawInfo }
/** quic-events §8.13.18. */
export interface QlogPathChallengeFrame { readonly frame_type: 'path_challenge'; readonly data?: HexString; readonly raw?: QlogRawInfo }
/** quic-events §8.13.19. */
export interface QlogPathResponseFrame { readonly frame_type: 'path_response'; readonly data?: HexString; readonly raw?: QlogRawInfo }
/** quic-events §8.13.20. */
export interface QlogConnectionCloseFrame {
  readonly frame_type: 'connection_close';
  readonly error_space?: 'transport' | 'application';
  readonly error?: QlogTransportError | QlogCryptoError | QlogApplicationError;
  /** The numeric code when `error` is "unknown". */
  readonly error_code?: number;
  readonly reason?: string;
  readonly reason_bytes?: HexString;
  /** Only when error_space is "transport". */
  readonly trigger_frame_type?: number | string;
  readonly raw?: QlogRawInfo;
}
/** quic-events §8.13.21. */
export interface QlogHandshakeDoneFrame { readonly frame_type: 'handshake_done'; readonly raw?: QlogRawInfo }
/** quic-events §8.13.22. */
export interface QlogUnknownFrame { readonly frame_type: 'unknown'; readonly frame_type_bytes: number; readonly raw?: QlogRawInfo }
/** quic-events §8.13.23. */
export interface QlogDatagramFrame { readonly frame_type: 'datagram'; readonly raw?: QlogRawInfo }

/** quic-events §8.13 QuicBaseFrames (without ResetStreamAtFrame, an extension this stack lacks). */
export type QlogFrame =
  | QlogPaddingFrame
  | QlogPingFrame
  | QlogAckFrame
  | QlogResetStreamFrame
  | QlogStopSendingFrame
  | QlogCryptoFrame
  | QlogNewTokenFrame
  | QlogStreamFrame
  | QlogMaxDataFrame
  | QlogMaxStreamDataFrame
  | QlogMaxStreamsFrame
  | QlogDataBlockedFrame
  | QlogStreamDataBlockedFrame
  | QlogStreamsBlockedFrame
  | QlogNewConnectionIdFrame
  | QlogRetireConnectionIdFrame
  | QlogPathChallengeFrame
  | QlogPathResponseFrame
  | QlogConnectionCloseFrame
  | QlogHandshakeDoneFrame
  | QlogUnknownFrame
  | QlogDatagramFrame;

/** RFC 9000 §18.2: "If this value is absent, a default value of 3 is assumed". */
const DEFAULT_ACK_DELAY_EXPONENT = 3;

/** Options of `toQlogFrame`. */
export interface ToQlogFrameOptions {
  /**
   * The ack_delay_exponent of the ACK's sender (RFC 9000 §18.2), to turn the raw ACK Delay field
   * into the milliseconds qlog wants (quic-events §8.13.3: "in ms"). Default 3.
   */
  readonly ackDelayExponent?: number;
}

/**
 * The qlog object for a wire frame (quic-events §8.13). Payload bytes become lengths in `raw`;
 * nothing aliases `frame`'s buffers, so the result may outlive the datagram.
 */
export function toQlogFrame(frame: Frame, options: ToQlogFrameOptions = {}): QlogFrame {
  switch (frame.type) {
    case 'padding':
      // quic-events §8.13.1: implementations "SHOULD instead emit just a single PaddingFrame and
      // set the raw.payload_length property to the amount of PADDING bytes/frames".
      return { frame_type: 'padding', raw: { length: frame.length, payload_length: frame.length } };
    case 'ping':
      return { frame_type: 'ping' };
    case 'ack': {
      const exponent = options.ackDelayExponent ?? DEFAULT_ACK_DELAY_EXPONENT;
      const ranges: QlogAckRange[] = frame.ranges.map((r) => (r.smallest === r.largest ? [r.largest] : [r.smallest, r.largest]));
      const out: { -readonly [K in keyof QlogAckFrame]: QlogAckFrame[K] } = {
        frame_type: 'ack',
        ack_delay: (frame.ackDelay * 2 ** exponent) / 1000,
        acked_ranges: ranges,
      };
      if (frame.ecn !== undefined) {
        out.ect1 = frame.ecn.ect1;
        out.ect0 = frame.ecn.ect0;
        out.ce = frame.ecn.ce;
      }
      return out;
    }
    case 'reset_stream':
      return { frame_type: 'reset_stream', stream_id: frame.streamId, error: 'unknown', error_code: frame.errorCode, final_size: frame.finalSize };
    case 'stop_sending':
      return { frame_type: 'stop_sending', stream_id: frame.streamId, error: 'unknown', error_code: frame.errorCode };
    case 'crypto':
      // quic-events §8.13.7: "The length field of the Crypto frame MUST be logged in the qlog raw.length field."
      return { frame_type: 'crypto', offset: frame.offset, raw: { length: frame.data.length, payload_length: frame.data.length } };
    case 'new_token':
      // Tokens from NEW_TOKEN are for future connections: $TokenType "resumption" (quic-events §8.9).
      return { frame_type: 'new_token', token: { type: 'resumption', raw: { length: frame.token.length } } };
    case 'stream':
      // quic-events §8.13.9: the Length "MUST be logged in the qlog raw.length field".
      return {
        frame_type: 'stream',
        stream_id: frame.streamId,
        offset: frame.offset,
        fin: frame.fin,
        raw: { length: frame.data.length, payload_length: frame.data.length },
      };
    case 'max_data':
      return { frame_type: 'max_data', maximum: frame.maximum };
    case 'max_stream_data':
      return { frame_type: 'max_stream_data', stream_id: frame.streamId, maximum: frame.maximum };
    case 'max_streams':
      return { frame_type: 'max_streams', stream_type: frame.bidi ? 'bidirectional' : 'unidirectional', maximum: frame.maximum };
    case 'data_blocked':
      return { frame_type: 'data_blocked', limit: frame.limit };
    case 'stream_data_blocked':
      return { frame_type: 'stream_data_blocked', stream_id: frame.streamId, limit: frame.limit };
    case 'streams_blocked':
      return { frame_type: 'streams_blocked', stream_type: frame.bidi ? 'bidirectional' : 'unidirectional', limit: frame.limit };
    case 'new_connection_id':
      return {
        frame_type: 'new_connection_id',
        sequence_number: frame.sequenceNumber,
        retire_prior_to: frame.retirePriorTo,
        connection_id_length: frame.connectionId.length,
        connection_id: toHex(frame.connectionId),
        stateless_reset_token: toHex(frame.statelessResetToken),
      };
    case 'retire_connection_id':
      return { frame_type: 'retire_connection_id', sequence_number: frame.sequenceNumber };
    case 'path_challenge':
      return { frame_type: 'path_challenge', data: toHex(frame.data) };
    case 'path_response':
      return { frame_type: 'path_response', data: toHex(frame.data) };
    case 'connection_close': {
      const reason = decodeReasonPhrase(frame.reason);
      if (frame.errorSpace === 'application') {
        return { frame_type: 'connection_close', error_space: 'application', error: 'unknown', error_code: frame.errorCode, reason };
      }
      const error = qlogTransportError(frame.errorCode);
      return {
        frame_type: 'connection_close',
        error_space: 'transport',
        error,
        ...(error === 'unknown' ? { error_code: frame.errorCode } : {}),
        reason,
        trigger_frame_type: frame.frameType,
      };
    }
    case 'handshake_done':
      return { frame_type: 'handshake_done' };
    case 'datagram':
      return { frame_type: 'datagram', raw: { length: frame.data.length, payload_length: frame.data.length } };
  }
}

/** quic-events §8.13.24 names, indexed by RFC 9000 §20.1 code 0x00..0x10. */
const TRANSPORT_ERROR_NAMES: readonly QlogTransportError[] = [
  'no_error',
  'internal_error',
  'connection_refused',
  'flow_control_error',
  'stream_limit_error',
  'stream_state_error',
  'final_size_error',
  'frame_encoding_error',
  'transport_parameter_error',
  'connection_id_limit_error',
  'protocol_violation',
  'invalid_token',
  'application_error',
  'crypto_buffer_exceeded',
  'key_update_error',
  'aead_limit_reached',
  'no_viable_path',
];

/**
 * The qlog error string for a transport error code: a quic-events §8.13.24 name for RFC 9000
 * §20.1 codes 0x00..0x10, `crypto_error_0x1XX` for the CRYPTO_ERROR range (§8.13.26: "the
 * hex-encoded and zero-padded value"), and "unknown" otherwise (log the code in error_code).
 */
export function qlogTransportError(code: number): QlogTransportError | QlogCryptoError {
  if (isCryptoError(code)) return `crypto_error_0x${code.toString(16).padStart(3, '0')}`;
  if (Number.isInteger(code) && code >= TransportErrorCode.NO_ERROR && code <= TransportErrorCode.NO_VIABLE_PATH) {
    return TRANSPORT_ERROR_NAMES[code] ?? 'unknown';
  }
  return 'unknown';
}

/** quic-events §8.6: the qlog packet type of a src/wire PacketType ('0rtt' → "0RTT", ...). */
export function qlogPacketType(type: PacketType): QlogPacketType {
  switch (type) {
    case PacketType.Initial:
      return 'initial';
    case PacketType.Handshake:
      return 'handshake';
    case PacketType.ZeroRtt:
      return '0RTT';
    case PacketType.OneRtt:
      return '1RTT';
    case PacketType.Retry:
      return 'retry';
    case PacketType.VersionNegotiation:
      return 'version_negotiation';
  }
}

/** quic-events §8.1 QuicVersion: a hexstring (8 digits, zero-padded). */
export function qlogVersion(version: number): HexString {
  return (version >>> 0).toString(16).padStart(8, '0');
}
