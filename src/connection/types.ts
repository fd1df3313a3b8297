/**
 * The connection's public types (DESIGN §1, §7): options, events and stats, and the recovery
 * tokens it keeps per sent packet (DESIGN §2, the neqo model; RFC 9000 §13.3).
 */
import type { CryptoProvider } from '../crypto/provider.js';
import type { CipherSuiteInfo } from '../crypto/suites.js';
import type { CongestionControlAlgorithm } from '../congestion/index.js';
import type { AckToken } from '../recovery/ack-tracker.js';
import type { StreamsToken } from '../streams/tokens.js';
import type { CertifiedKey, ServerVerification, SessionTicket, TicketStore } from '../tls/session-types.js';
import type { RandomSource } from '../util/random.js';
import type { Duration } from '../util/time.js';
import type { PacketNumberSpace } from '../wire/packet-type.js';
import type { QuicVersion } from '../wire/version.js';
import type { VersionInformation } from '../wire/version-information.js';
import type { KeyUpdateConfig } from './key-update.js';
import type { QlogObserver } from '../qlog/observer.js';

/** Our transport settings (RFC 9000 §18.2), advertised in our transport parameters. */
export interface ConnectionLimits {
  /** initial_max_data (default 1 MiB). */
  readonly initialMaxData?: number;
  /** initial_max_stream_data_* for every stream kind (default 256 KiB). */
  readonly initialMaxStreamData?: number;
  /** initial_max_streams_bidi (default 100). */
  readonly initialMaxStreamsBidi?: number;
  /** initial_max_streams_uni (default 100). */
  readonly initialMaxStreamsUni?: number;
  /** max_idle_timeout in milliseconds (default 30000; 0 disables). */
  readonly maxIdleTimeoutMs?: number;
  /** max_datagram_frame_size (RFC 9221 §3; default 0: DATAGRAM frames refused). */
  readonly maxDatagramFrameSize?: number;
  /** Send buffer per stream (default 1 MiB). */
  readonly sendBufferCapacity?: number;
  /** active_connection_id_limit: peer connection IDs we store (RFC 9000 §5.1.1; default 4, at least 2). */
  readonly activeConnectionIdLimit?: number;
  /**
   * Upper bound of DPLPMTUD's search (RFC 9000 §14.3), in bytes of UDP payload (default 1452: Node
   * datagrams stay at or below 1472 bytes over IPv4 and 1452 over IPv6 by default); 1200 or less
   * disables probing and every datagram stays at 1200 bytes (RFC 9000 §14.1).
   */
  readonly maxDatagramSize?: number;
  /** max_udp_payload_size we advertise (RFC 9000 §18.2; default 65527, at least 1200). */
  readonly maxUdpPayloadSize?: number;
  /**
   * Keep-alive (RFC 9000 §10.1.2): once the handshake is complete, a PING goes out when nothing
   * ack-eliciting was sent for this many milliseconds, and at least every half idle timeout so the
   * idle timeout never fires on a live path (keep-alive.ts). Default: none.
   */
  readonly keepAliveIntervalMs?: number;
}

/** What derives stateless reset tokens for our connection IDs (the endpoint's StatelessResetKey, RFC 9000 §10.3.2). */
export interface StatelessResetTokenSource {
  /** The 16-byte token for `cid`. */
  tokenFor(cid: Uint8Array): Uint8Array;
}

/** Options shared by `Connection.connect` and `Connection.accept`. */
export interface ConnectionCommonOptions {
  readonly provider: CryptoProvider;
  readonly random: RandomSource;
  /** The injected wall clock in ms since the Unix epoch, for certificates and tickets (DESIGN §1). */
  readonly wallClockMs: () => number;
  /** ALPN protocols, in preference order. */
  readonly alpnProtocols: readonly string[];
  /** QUIC version to start with (default v1; v2 is RFC 9369). A server takes the client Initial's version. */
  readonly version?: QuicVersion;
  readonly limits?: ConnectionLimits;
  /** Congestion controller (default 'cubic'). */
  readonly congestionControl?: CongestionControlAlgorithm;
  /** kInitialRtt (RFC 9002 §6.2.2, default 333 ms). */
  readonly initialRtt?: Duration;
  /** Tokens for the connection IDs we issue (RFC 9000 §10.3.2); random tokens when absent. */
  readonly statelessResetKey?: StatelessResetTokenSource;
  /** Key update and AEAD limit settings (RFC 9001 §6.6). */
  readonly keyUpdate?: KeyUpdateConfig;
  /** TLS cipher suites in preference order (RFC 9001 §5.3; default: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305). */
  readonly cipherSuites?: readonly CipherSuiteInfo['id'][];
  /**
   * The version_information transport parameter to send verbatim (RFC 9368 §3), instead of the
   * one derived from the version in use (versions.ts). For greasing and for tests of a peer that
   * misreports its version.
   */
  readonly versionInformation?: VersionInformation;
  /**
   * qlog events of this connection go here (DESIGN §8; draft-ietf-quic-qlog-quic-events-13;
   * qlog-emit.ts): an observer, or a factory called once per connection with its original
   * destination connection ID (the qlog group_id, RFC 9000 §7.3) and role, e.g. src/io's
   * `createQlogFileObserver` bound to a directory. Absent (or `enabled: false`): no event is built.
   */
  readonly qlog?: QlogObserver | QlogObserverFactory;
}

/** Makes the qlog observer of one connection (see `ConnectionCommonOptions.qlog`). */
export type QlogObserverFactory = (originalDcid: Uint8Array, role: 'client' | 'server') => QlogObserver | undefined;

/** `Connection.connect` options (client). */
export interface ClientConnectionOptions extends ConnectionCommonOptions {
  /** The path the first Initial goes out on (default DEFAULT_PATH). */
  readonly path?: NetworkPath;
  readonly serverName?: string;
  readonly verification: ServerVerification;
  /** A ticket from an earlier connection's session_ticket event, to resume (RFC 9001 §4.5). */
  readonly sessionTicket?: SessionTicket;
  /**
   * Send 0-RTT with `sessionTicket` when it allows early data (RFC 9001 §4.6.1): streams can be
   * opened and written right after `connect`, with the server's remembered transport parameters
   * (RFC 9000 §7.4.1). If the server rejects 0-RTT, `handshake_completed` says `earlyData:
   * 'rejected'` and every stream was reset (RFC 9001 §4.6.2): open them and write again.
   */
  readonly enableEarlyData?: boolean;
  /** An address validation token from a NEW_TOKEN frame of an earlier connection (RFC 9000 §8.1.3), sent in every Initial. */
  readonly token?: Uint8Array;
  /**
   * Versions offered for compatible version negotiation, most preferred first (RFC 9368 §3
   * Available Versions; default: the starting version, then the other of v1/v2).
   */
  readonly availableVersions?: readonly QuicVersion[];
}

/** `Connection.accept` options (server). */
export interface ServerConnectionOptions extends ConnectionCommonOptions {
  readonly certificate: CertifiedKey;
  /**
   * RFC 9000 §9.6: addresses ("a.b.c.d:port", "[v6]:port") advertised in preferred_address, with
   * our connection ID of sequence number 1; the driver must receive on them (as `local`).
   */
  readonly preferredAddress?: { readonly ipv4?: string; readonly ipv6?: string };
  /**
   * Versions this server upgrades a client to by compatible version negotiation (RFC 9368 §2.3;
   * RFC 9369 §4), most preferred first: the first one the client's version_information lists wins.
   * Default: none (the client's version is kept).
   */
  readonly preferredVersions?: readonly QuicVersion[];
  /**
   * Issue session tickets after the handshake and accept resumption with them (RFC 9001 §4.5; RFC
   * 8446 §4.6.1). Share one store (e.g. MemoryTicketStore) between the connections of a server:
   * it seals the tickets and remembers the used ones (anti-replay, RFC 8446 §8.1).
   */
  readonly tickets?: TicketStore;
  /** Lifetime of the tickets issued, ms (default: the TLS layer's). */
  readonly ticketLifetimeMs?: number;
  /** Accept 0-RTT from resumed clients (RFC 9001 §4.6.2; needs `tickets`). */
  readonly enableEarlyData?: boolean;
}

/**
 * What the endpoint learnt about a client's address before `Connection.accept` (RFC 9000 §8.1,
 * §7.3): the ODCID and Retry SCID from a valid Retry token, or that a NEW_TOKEN token validated it.
 */
export interface AcceptValidation {
  /** The Destination Connection ID of the client's first Initial, before the Retry (original_destination_connection_id). */
  readonly originalDestinationConnectionId?: Uint8Array;
  /** The Source Connection ID of our Retry (retry_source_connection_id). */
  readonly retrySourceConnectionId?: Uint8Array;
  /** RFC 9000 §8.1: a valid token validated the address: no amplification limit. */
  readonly addressValidated: boolean;
}

/**
 * One network path as the driver names it (RFC 9000 §9: a 4-tuple): `local` is the socket that
 * received or is to send, `remote` the peer's address. Both are opaque strings chosen by the
 * driver (e.g. "0.0.0.0:4433" and "192.0.2.1:55123"); the core only compares them.
 */
export interface NetworkPath {
  readonly local: string;
  readonly remote: string;
}

/** What `Connection.pollTransmit` wrote: `length` bytes at the start of `out`, to send on `path`. */
export interface Transmit {
  readonly length: number;
  readonly path: NetworkPath;
}

/** The path of a connection whose driver names none (an in-memory pair with one path). */
export const DEFAULT_PATH: NetworkPath = Object.freeze({ local: '', remote: '' });

/** Who ended a connection. */
export type CloseInitiator = 'local' | 'peer' | 'idle' | 'stateless_reset' | 'version_negotiation';

/** What the connection tells its driver (DESIGN §1: queued, pulled with `pollEvent`). */
export type ConnectionEvent =
  /**
   * The handshake completed (RFC 9001 §4.1.1). `resumed`: with a session ticket (RFC 9001 §4.5);
   * `earlyData`: what became of 0-RTT (RFC 9001 §4.6.2; on 'rejected' a client's streams were reset).
   */
  | { readonly type: 'handshake_completed'; readonly alpn: string; readonly resumed: boolean; readonly earlyData: 'accepted' | 'rejected' | 'not_offered' }
  /**
   * Server only: TLS accepted the client's 0-RTT at its ClientHello (RFC 9001 §4.6.2, RFC 8446
   * §4.2.10) and the 0-RTT read keys are installed, so the client's early streams can be read now,
   * and the reply goes out in 1-RTT packets before the handshake completes (RFC 9001 §5.7,
   * "0.5-RTT data"). Comes before 'handshake_completed' (which then says `earlyData: 'accepted'`),
   * at most once, never on rejection or a full handshake. `alpn` is the negotiated protocol. The
   * client is not authenticated beyond its PSK binder yet and 0-RTT data may be a replay (RFC 8446
   * §8, RFC 9001 §9.2): act only on idempotent requests before the handshake completes.
   */
  | { readonly type: 'early_data_accepted'; readonly alpn: string }
  | { readonly type: 'stream_opened'; readonly streamId: number }
  | { readonly type: 'stream_readable'; readonly streamId: number }
  | { readonly type: 'stream_writable'; readonly streamId: number }
  /** The peer reset its sending part (RESET_STREAM, RFC 9000 §3.2, §19.4): reads fail with `code`; `finalSize` bytes were sent. */
  | { readonly type: 'stream_reset'; readonly streamId: number; readonly code: number; readonly finalSize: number }
  /**
   * The peer asked us to stop sending (STOP_SENDING, RFC 9000 §3.5, §19.5): our sending part was
   * reset with the same `code` (RESET_STREAM sent); writers blocked on it should fail.
   */
  | { readonly type: 'stream_stopped'; readonly streamId: number; readonly code: number }
  /** MAX_STREAMS raised our limit after an `openStream(dir)` failed at it (RFC 9000 §4.6, §19.11): open again. */
  | { readonly type: 'streams_available'; readonly dir: 'bidi' | 'uni' }
  /** Received datagrams are waiting: take them with `readDatagram()`. */
  | { readonly type: 'datagram_received' }
  | {
      readonly type: 'connection_closed';
      readonly by: CloseInitiator;
      readonly code: number;
      readonly reason: string;
      readonly errorSpace: 'transport' | 'application';
    }
  /** Verify this chain (asynchronously) and call `completeCertificateVerification`. */
  | { readonly type: 'verify_certificate'; readonly chain: readonly Uint8Array[]; readonly serverName: string | undefined; readonly trustAnchors: readonly Uint8Array[] }
  | { readonly type: 'session_ticket'; readonly ticket: SessionTicket }
  /** Client: the server sent an address validation token for a later connection (RFC 9000 §8.1.3, §19.7): pass it as `token`. */
  | { readonly type: 'new_token'; readonly token: Uint8Array }
  | { readonly type: 'key_log'; readonly line: string }
  /** We issued a connection ID (RFC 9000 §5.1.1): route packets sent to it here. Not sent for the first one (the handshake's). */
  | { readonly type: 'connection_id_issued'; readonly connectionId: Uint8Array; readonly sequenceNumber: number; readonly statelessResetToken: Uint8Array }
  /** The peer retired one of our connection IDs (RFC 9000 §19.16): stop routing it here. */
  | { readonly type: 'connection_id_retired'; readonly connectionId: Uint8Array; readonly sequenceNumber: number }
  /** RFC 9000 §8.2.3: a PATH_RESPONSE validated `path`. */
  | { readonly type: 'path_validated'; readonly path: NetworkPath }
  /** RFC 9000 §8.2.4: validation of `path` was abandoned (the connection reverts to the last validated path if it was active). */
  | { readonly type: 'path_failed'; readonly path: NetworkPath }
  /** RFC 9000 §9: the connection now sends on `path`. */
  | { readonly type: 'path_migrated'; readonly path: NetworkPath }
  /** RFC 9000 §9.6.2 (client, handshake confirmed): the server's preferred address; call `migrate` with a path to one of them. */
  | { readonly type: 'preferred_address'; readonly ipv4?: string; readonly ipv6?: string };

/** Counters of one connection (DESIGN §7 ConnectionStats, minimal). */
export interface ConnectionStats {
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly packetsSent: number;
  readonly packetsReceived: number;
  readonly lostPackets: number;
  /** smoothed_rtt in microseconds. */
  readonly rtt: Duration;
  /** congestion_window in bytes. */
  readonly cwnd: number;
  /** The current path MTU (DPLPMTUD's PLPMTU, RFC 9000 §14.3): the largest UDP payload sent. */
  readonly pmtu: number;
  /** DPLPMTUD probes declared lost (RFC 9000 §14.4): not in `lostPackets`. */
  readonly pmtuProbesLost: number;
  /** Streams created (ours and the peer's), by direction. */
  readonly streamsOpenedBidi: number;
  readonly streamsOpenedUni: number;
  /** Streams finished on both sides and forgotten, by direction. */
  readonly streamsClosedBidi: number;
  readonly streamsClosedUni: number;
  /** DATAGRAM frames written into packets (RFC 9221). */
  readonly datagramsSent: number;
  /** DATAGRAM frames received (including those dropped because the application did not read them). */
  readonly datagramsReceived: number;
  /** Outgoing datagrams dropped before sending: queue full, or no longer fitting the path MTU. */
  readonly datagramsDropped: number;
  /** Sent datagrams declared lost (RFC 9221 §5.2: never retransmitted). */
  readonly datagramsLost: number;
  /** Received datagrams dropped because the receive queue was full. */
  readonly datagramsReceivedDropped: number;
}

/** Counters of one stream (DESIGN §7 StreamStats), from `Connection.streamStats`. */
export interface StreamStatsSnapshot {
  /** Bytes the application wrote (accepted into the send buffer); 0 without a sending part. */
  readonly bytesWritten: number;
  /** Highest stream offset sent (RFC 9000 §4.5: the flow-control credit used). */
  readonly bytesSent: number;
  /** Bytes acknowledged from the start of the stream (0 after a reset). */
  readonly bytesAcked: number;
  /** Bytes the application read; 0 without a receiving part. */
  readonly bytesReceived: number;
  /** Sending priority 0..255, undefined without a sending part. */
  readonly priority: number | undefined;
}

/** A CRYPTO frame's range (RFC 9000 §19.6; resent on loss, §13.3). */
export interface CryptoToken {
  readonly kind: 'crypto';
  readonly space: PacketNumberSpace;
  readonly offset: number;
  readonly length: number;
}

/** Every recovery token the connection keeps with a sent packet. */
export type ConnectionToken =
  | StreamsToken
  | CryptoToken
  | { readonly kind: 'ack'; readonly token: AckToken }
  /** RFC 9000 §13.3: "The HANDSHAKE_DONE frame MUST be retransmitted until it is acknowledged." */
  | { readonly kind: 'handshake_done' }
  /** NEW_CONNECTION_ID / RETIRE_CONNECTION_ID (RFC 9000 §13.3: resent when lost). */
  | { readonly kind: 'new_connection_id'; readonly seq: number }
  | { readonly kind: 'retire_connection_id'; readonly seq: number }
  /** NEW_TOKEN (RFC 9000 §13.3: "NEW_TOKEN frames are retransmitted if the packet containing them is lost"). */
  | { readonly kind: 'new_token'; readonly token: Uint8Array }
  /** A DPLPMTUD probe of `size` bytes (RFC 9000 §14.4). */
  | { readonly kind: 'pmtu_probe'; readonly size: number };
