/**
 * Recovery tokens of the stream layer (DESIGN §2, the neqo model): each component that writes a
 * frame into a packet returns a plain-data token describing it; the connection keeps the tokens
 * with the sent packet and hands each back to its component when the packet is acknowledged or
 * declared lost (RFC 9000 §13.3: "QUIC packets that are determined to be lost are not
 * retransmitted whole ... the information that might be carried in frames is sent again in new
 * frames as needed").
 */

/** A STREAM frame's data range (RFC 9000 §19.8; retransmitted on loss, §13.3). */
export interface StreamDataToken {
  readonly kind: 'stream';
  readonly streamId: number;
  readonly offset: number;
  readonly length: number;
  readonly fin: boolean;
}

/** RESET_STREAM (RFC 9000 §13.3: "sent until acknowledged or until all stream data is acknowledged"). */
export interface ResetStreamToken {
  readonly kind: 'reset_stream';
  readonly streamId: number;
  readonly errorCode: number;
  readonly finalSize: number;
}

/** STOP_SENDING (RFC 9000 §13.3: sent until the receiving part enters Data Recvd or Reset Recvd). */
export interface StopSendingToken {
  readonly kind: 'stop_sending';
  readonly streamId: number;
  readonly errorCode: number;
}

/** MAX_STREAM_DATA (RFC 9000 §13.3: resent only if it is still the most recent limit). */
export interface MaxStreamDataToken {
  readonly kind: 'max_stream_data';
  readonly streamId: number;
  readonly maximum: number;
}

/** STREAM_DATA_BLOCKED (RFC 9000 §13.3: resent if the stream is still blocked at that limit). */
export interface StreamDataBlockedToken {
  readonly kind: 'stream_data_blocked';
  readonly streamId: number;
  readonly limit: number;
}

/** MAX_DATA (RFC 9000 §13.3). */
export interface MaxDataToken {
  readonly kind: 'max_data';
  readonly maximum: number;
}

/** DATA_BLOCKED (RFC 9000 §13.3). */
export interface DataBlockedToken {
  readonly kind: 'data_blocked';
  readonly limit: number;
}

/** MAX_STREAMS (RFC 9000 §13.3). */
export interface MaxStreamsToken {
  readonly kind: 'max_streams';
  readonly bidi: boolean;
  readonly maximum: number;
}

/** STREAMS_BLOCKED (RFC 9000 §13.3). */
export interface StreamsBlockedToken {
  readonly kind: 'streams_blocked';
  readonly bidi: boolean;
  readonly limit: number;
}

/** A DATAGRAM (RFC 9221 §5.2: never retransmitted; ack/loss is reported to the application). */
export interface DatagramToken {
  readonly kind: 'datagram';
  /** The id `DatagramSendQueue.push` returned. */
  readonly id: number;
}

/** A token a SendStream hands out. */
export type SendStreamToken = StreamDataToken | ResetStreamToken | StreamDataBlockedToken;

/** A token a RecvStream hands out. */
export type RecvStreamToken = StopSendingToken | MaxStreamDataToken;

/** Every token of the stream layer. */
export type StreamsToken =
  | SendStreamToken
  | RecvStreamToken
  | MaxDataToken
  | DataBlockedToken
  | MaxStreamsToken
  | StreamsBlockedToken
  | DatagramToken;
