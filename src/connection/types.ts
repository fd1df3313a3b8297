/**
 * The connection's public types (DESIGN §1, §7): options, events and stats, and the recovery
 * tokens it keeps per sent packet (DESIGN §2, the neqo model; RFC 9000 §13.3).
 */
import type { CryptoProvider } from '../crypto/provider.js';
import type { CongestionControlAlgorithm } from '../congestion/index.js';
import type { AckToken } from '../recovery/ack-tracker.js';
import type { StreamsToken } from '../streams/tokens.js';
import type { CertifiedKey, ServerVerification, SessionTicket } from '../tls/session-types.js';
import type { RandomSource } from '../util/random.js';
import type { Duration } from '../util/time.js';
import type { PacketNumberSpace } from '../wire/packet-type.js';
import type { QuicVersion } from '../wire/version.js';
import type { KeyUpdateConfig } from './key-update.js';

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
  /** QUIC version (only v1 in this cut; the field is here so that v2 can follow). */
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
}

/** `Connection.connect` options (client). */
export interface ClientConnectionOptions extends ConnectionCommonOptions {
  /** The path the first Initial goes out on (default DEFAULT_PATH). */
  readonly path?: NetworkPath;
  readonly serverName?: string;
  readonly verification: ServerVerification;
  readonly sessionTicket?: SessionTicket;
}

/** `Connection.accept` options (server). */
export interface ServerConnectionOptions extends ConnectionCommonOptions {
  readonly certificate: CertifiedKey;
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
export type CloseInitiator = 'local' | 'peer' | 'idle' | 'stateless_reset';

/** What the connection tells its driver (DESIGN §1: queued, pulled with `pollEvent`). */
export type ConnectionEvent =
  | { readonly type: 'handshake_completed'; readonly alpn: string }
  | { readonly type: 'stream_opened'; readonly streamId: number }
  | { readonly type: 'stream_readable'; readonly streamId: number }
  | { readonly type: 'stream_writable'; readonly streamId: number }
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
  | { readonly type: 'key_log'; readonly line: string }
  /** We issued a connection ID (RFC 9000 §5.1.1): route packets sent to it here. Not sent for the first one (the handshake's). */
  | { readonly type: 'connection_id_issued'; readonly connectionId: Uint8Array; readonly sequenceNumber: number; readonly statelessResetToken: Uint8Array }
  /** The peer retired one of our connection IDs (RFC 9000 §19.16): stop routing it here. */
  | { readonly type: 'connection_id_retired'; readonly connectionId: Uint8Array; readonly sequenceNumber: number };

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
  | { readonly kind: 'retire_connection_id'; readonly seq: number };
