/**
 * qlog QUIC event types (draft-ietf-quic-qlog-quic-events-13 §4-§8) as one discriminated union on
 * `name`, with data fields named exactly as the draft's CDDL (snake_case, so the serializer writes
 * them as they are).
 *
 * Every event carries the `Instant` it happened at; the serializer (serialize.ts) turns that into
 * the main schema's relative `time` in milliseconds (draft-ietf-quic-qlog-main-schema-14 §7.1).
 * Frames inside events are the qlog frame objects of frames.ts (`toQlogFrame`).
 */
import type { Instant } from '../util/time.js';
import type {
  HexString,
  QlogApplicationError,
  QlogCryptoError,
  QlogFrame,
  QlogPacketType,
  QlogRawInfo,
  QlogStreamType,
  QlogToken,
  QlogTransportError,
} from './frames.js';

export * from './frames.js';

/** quic-events §8.3 Initiator. */
export type QlogInitiator = 'local' | 'remote';

/** quic-events §8.5 TupleEndpointInfo. */
export interface QlogTupleEndpointInfo {
  readonly ip_v4?: string;
  readonly port_v4?: number;
  readonly ip_v6?: string;
  readonly port_v6?: number;
  readonly connection_ids?: readonly HexString[];
}

/** quic-events §8.8 PacketHeader. */
export interface QlogPacketHeader {
  readonly packet_type: QlogPacketType;
  readonly packet_type_bytes?: number;
  readonly spin_bit?: boolean;
  readonly key_phase?: number;
  readonly key_phase_bit?: boolean;
  readonly packet_number_length?: number;
  readonly packet_number?: number;
  readonly token?: QlogToken;
  readonly length?: number;
  readonly version?: HexString;
  readonly scil?: number;
  readonly dcil?: number;
  readonly scid?: HexString;
  readonly dcid?: HexString;
}

/** quic-events §8.11 KeyType. */
export type QlogKeyType =
  | 'server_initial_secret'
  | 'client_initial_secret'
  | 'server_handshake_secret'
  | 'client_handshake_secret'
  | 'server_0rtt_secret'
  | 'client_0rtt_secret'
  | 'server_1rtt_secret'
  | 'client_1rtt_secret';

/** quic-events §8.12 ECN codepoint names. */
export type QlogEcn = 'Not-ECT' | 'ECT(1)' | 'ECT(0)' | 'CE';

/** quic-events §4.6 BaseConnectionStates and GranularConnectionStates. */
export type QlogConnectionState =
  | 'attempted'
  | 'handshake_started'
  | 'handshake_complete'
  | 'closed'
  | 'peer_validated'
  | 'early_write'
  | 'handshake_confirmed'
  | 'closing'
  | 'draining';

/** quic-events §5.13 BaseStreamStates and GranularStreamStates. */
export type QlogStreamState =
  | 'idle'
  | 'open'
  | 'closed'
  | 'half_closed_local'
  | 'half_closed_remote'
  | 'ready'
  | 'send'
  | 'data_sent'
  | 'reset_sent'
  | 'reset_received'
  | 'receive'
  | 'size_known'
  | 'data_read'
  | 'reset_read'
  | 'data_received'
  | 'destroyed';

/** quic-events §5.2 ALPNIdentifier. */
export interface QlogAlpnIdentifier {
  readonly byte_value?: HexString;
  readonly string_value?: string;
}

/** quic-events §5.3 PreferredAddress. */
export interface QlogPreferredAddress {
  readonly ip_v4?: string;
  readonly port_v4?: number;
  readonly ip_v6?: string;
  readonly port_v6?: number;
  readonly connection_id: HexString;
  readonly stateless_reset_token: HexString;
}

/** quic-events §4.2 QUICConnectionStarted. */
export interface QlogConnectionStarted { readonly local: QlogTupleEndpointInfo; readonly remote: QlogTupleEndpointInfo }

/** quic-events §4.3 QUICConnectionClosed. */
export interface QlogConnectionClosed {
  readonly initiator?: QlogInitiator;
  readonly connection_error?: QlogTransportError | QlogCryptoError;
  readonly application_error?: QlogApplicationError;
  readonly error_code?: number;
  readonly internal_code?: number;
  readonly reason?: string;
  readonly trigger?: 'idle_timeout' | 'application' | 'error' | 'version_mismatch' | 'stateless_reset' | 'aborted' | 'unspecified';
}

/** quic-events §4.4 QUICConnectionIDUpdated. */
export interface QlogConnectionIdUpdated { readonly initiator: QlogInitiator; readonly old?: HexString; readonly new?: HexString }

/** quic-events §4.5 QUICSpinBitUpdated. */
export interface QlogSpinBitUpdated { readonly state: boolean }

/** quic-events §4.6 QUICConnectionStateUpdated. */
export interface QlogConnectionStateUpdated { readonly old?: QlogConnectionState; readonly new: QlogConnectionState }

/** quic-events §4.8 QUICMTUUpdated. */
export interface QlogMtuUpdated { readonly old?: number; readonly new: number; readonly done?: boolean }

/** quic-events §5.1 QUICVersionInformation. */
export interface QlogVersionInformation {
  readonly server_versions?: readonly HexString[];
  readonly client_versions?: readonly HexString[];
  readonly chosen_version?: HexString;
}

/** quic-events §5.2 QUICALPNInformation. */
export interface QlogAlpnInformation {
  readonly server_alpns?: readonly QlogAlpnIdentifier[];
  readonly client_alpns?: readonly QlogAlpnIdentifier[];
  readonly chosen_alpn?: QlogAlpnIdentifier;
}

/** quic-events §5.3 QUICParametersSet. */
export interface QlogParametersSet {
  readonly initiator?: QlogInitiator;
  readonly resumption_allowed?: boolean;
  readonly early_data_enabled?: boolean;
  readonly tls_cipher?: string;
  readonly original_destination_connection_id?: HexString;
  readonly initial_source_connection_id?: HexString;
  readonly retry_source_connection_id?: HexString;
  readonly stateless_reset_token?: HexString;
  readonly disable_active_migration?: boolean;
  readonly max_idle_timeout?: number;
  readonly max_udp_payload_size?: number;
  readonly ack_delay_exponent?: number;
  readonly max_ack_delay?: number;
  readonly active_connection_id_limit?: number;
  readonly initial_max_data?: number;
  readonly initial_max_stream_data_bidi_local?: number;
  readonly initial_max_stream_data_bidi_remote?: number;
  readonly initial_max_stream_data_uni?: number;
  readonly initial_max_streams_bidi?: number;
  readonly initial_max_streams_uni?: number;
  readonly preferred_address?: QlogPreferredAddress;
  readonly unknown_parameters?: readonly { readonly id: number; readonly value?: HexString }[];
  readonly max_datagram_frame_size?: number;
  readonly grease_quic_bit?: boolean;
}

/** quic-events §5.5 QUICPacketSent. */
export interface QlogPacketSent {
  readonly header: QlogPacketHeader;
  readonly frames?: readonly QlogFrame[];
  readonly stateless_reset_token?: HexString;
  readonly supported_versions?: readonly HexString[];
  readonly raw?: QlogRawInfo;
  readonly datagram_id?: number;
  readonly is_mtu_probe_packet?: boolean;
  readonly trigger?: 'retransmit_reordered' | 'retransmit_timeout' | 'pto_probe' | 'retransmit_crypto' | 'cc_bandwidth_probe';
}

/** quic-events §5.6 QUICPacketReceived. */
export interface QlogPacketReceived {
  readonly header: QlogPacketHeader;
  readonly frames?: readonly QlogFrame[];
  readonly stateless_reset_token?: HexString;
  readonly supported_versions?: readonly HexString[];
  readonly raw?: QlogRawInfo;
  readonly datagram_id?: number;
  readonly trigger?: 'keys_available';
}

/** quic-events §5.7 QUICPacketDropped. */
export interface QlogPacketDropped {
  readonly header?: QlogPacketHeader;
  readonly raw?: QlogRawInfo;
  readonly datagram_id?: number;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly trigger?:
    | 'internal_error'
    | 'rejected'
    | 'unsupported'
    | 'invalid'
    | 'duplicate'
    | 'connection_unknown'
    | 'decryption_failure'
    | 'key_unavailable'
    | 'general';
}

/** quic-events §5.8 QUICPacketBuffered. */
export interface QlogPacketBuffered {
  readonly header?: QlogPacketHeader;
  readonly raw?: QlogRawInfo;
  readonly datagram_id?: number;
  readonly trigger?: 'backpressure' | 'keys_unavailable';
}

/** quic-events §5.10 QUICUDPDatagramsSent and §5.11 QUICUDPDatagramsReceived. */
export interface QlogUdpDatagrams {
  readonly count?: number;
  readonly raw?: readonly QlogRawInfo[];
  readonly ecn?: readonly QlogEcn[];
  readonly datagram_ids?: readonly number[];
}

/** quic-events §5.12 QUICUDPDatagramDropped. */
export interface QlogUdpDatagramDropped { readonly raw?: QlogRawInfo }

/** quic-events §5.13 QUICStreamStateUpdated. */
export interface QlogStreamStateUpdated {
  readonly stream_id: number;
  readonly stream_type?: QlogStreamType;
  readonly old?: QlogStreamState;
  readonly new: QlogStreamState;
  readonly stream_side: 'sending' | 'receiving';
  readonly trigger?: 'local' | 'remote';
}

/** quic-events §6.1 QUICKeyUpdated (key material itself is never logged by this stack). */
export interface QlogKeyUpdated {
  readonly key_type: QlogKeyType;
  readonly old?: HexString;
  readonly new?: HexString;
  readonly key_phase?: number;
  readonly trigger?: 'tls' | 'remote_update' | 'local_update';
}

/** quic-events §6.2 QUICKeyDiscarded. */
export interface QlogKeyDiscarded {
  readonly key_type: QlogKeyType;
  readonly key?: HexString;
  readonly key_phase?: number;
  readonly trigger?: 'tls' | 'remote_update' | 'local_update';
}

/** quic-events §7.1 QUICRecoveryParametersSet (RFC 9002 Appendix A.2 and B.2 constants). */
export interface QlogRecoveryParametersSet {
  readonly reordering_threshold?: number;
  readonly time_threshold?: number;
  /** In ms. */
  readonly timer_granularity: number;
  /** In ms. */
  readonly initial_rtt?: number;
  readonly max_datagram_size?: number;
  readonly initial_congestion_window?: number;
  readonly minimum_congestion_window?: number;
  readonly loss_reduction_factor?: number;
  readonly persistent_congestion_threshold?: number;
}

/** quic-events §7.2 QUICRecoveryMetricsUpdated (RFC 9002 Appendix A.3 and B.2 variables; RTTs in ms). */
export interface QlogRecoveryMetricsUpdated {
  readonly min_rtt?: number;
  readonly smoothed_rtt?: number;
  readonly latest_rtt?: number;
  readonly rtt_variance?: number;
  readonly pto_count?: number;
  readonly congestion_window?: number;
  readonly bytes_in_flight?: number;
  readonly ssthresh?: number;
  readonly packets_in_flight?: number;
  /** In bits per second. */
  readonly pacing_rate?: number;
}

/** quic-events §7.3 QUICCongestionStateUpdated. */
export interface QlogCongestionStateUpdated { readonly old?: string; readonly new: string; readonly trigger?: string }

/** quic-events §7.4 QUICPacketLost. */
export interface QlogPacketLost {
  readonly header?: QlogPacketHeader;
  readonly frames?: readonly QlogFrame[];
  readonly is_mtu_probe_packet?: boolean;
  readonly trigger?: 'reordering_threshold' | 'time_threshold' | 'pto_expired';
}

/** quic-events §7.5 QUICMarkedForRetransmit. */
export interface QlogMarkedForRetransmit { readonly frames: readonly QlogFrame[] }

/** quic-events §7.6 QUICECNStateUpdated. */
export interface QlogEcnStateUpdated { readonly old?: 'testing' | 'unknown' | 'failed' | 'capable'; readonly new: 'testing' | 'unknown' | 'failed' | 'capable' }

/** Event name → data type, for every event this stack emits (names per quic-events §3 Table 1). */
export interface QlogEventDataMap {
  'quic:connection_started': QlogConnectionStarted;
  'quic:connection_closed': QlogConnectionClosed;
  'quic:connection_id_updated': QlogConnectionIdUpdated;
  'quic:spin_bit_updated': QlogSpinBitUpdated;
  'quic:connection_state_updated': QlogConnectionStateUpdated;
  'quic:mtu_updated': QlogMtuUpdated;
  'quic:version_information': QlogVersionInformation;
  'quic:alpn_information': QlogAlpnInformation;
  'quic:parameters_set': QlogParametersSet;
  'quic:packet_sent': QlogPacketSent;
  'quic:packet_received': QlogPacketReceived;
  'quic:packet_dropped': QlogPacketDropped;
  'quic:packet_buffered': QlogPacketBuffered;
  'quic:udp_datagrams_sent': QlogUdpDatagrams;
  'quic:udp_datagrams_received': QlogUdpDatagrams;
  'quic:udp_datagram_dropped': QlogUdpDatagramDropped;
  'quic:stream_state_updated': QlogStreamStateUpdated;
  'quic:key_updated': QlogKeyUpdated;
  'quic:key_discarded': QlogKeyDiscarded;
  'quic:recovery_parameters_set': QlogRecoveryParametersSet;
  'quic:recovery_metrics_updated': QlogRecoveryMetricsUpdated;
  'quic:congestion_state_updated': QlogCongestionStateUpdated;
  'quic:packet_lost': QlogPacketLost;
  'quic:marked_for_retransmit': QlogMarkedForRetransmit;
  'quic:ecn_state_updated': QlogEcnStateUpdated;
}

/** Every event name this stack emits ("namespace:event", main schema §8). */
export type QlogEventName = keyof QlogEventDataMap;

/** One qlog event: when it happened, its name, and its data (main schema §7 Event). */
export type QlogEvent = {
  [N in QlogEventName]: {
    /** When the event happened (the driver's clock, µs). */
    readonly time: Instant;
    readonly name: N;
    readonly data: QlogEventDataMap[N];
  };
}[QlogEventName];

/** A typed event constructor: `qlogEvent(now, 'quic:packet_lost', { ... })`. */
export function qlogEvent<N extends QlogEventName>(time: Instant, name: N, data: QlogEventDataMap[N]): QlogEvent {
  return { time, name, data } as QlogEvent;
}
