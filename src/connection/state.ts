/**
 * The mutable state of one connection, shared by the modules that orchestrate it (DESIGN §2:
 * "the connection only orchestrates"): packet spaces, TLS, loss detection, streams, datagrams,
 * timers and the event queue. `Connection` (connection.ts) owns one; the receive path, the
 * packet builder, the TLS bridge and the close logic each work on it.
 */
import type { Pacer } from '../congestion/pacer.js';
import type { CryptoProvider } from '../crypto/provider.js';
import type { LossDetection } from '../recovery/loss-detection.js';
import type { DatagramRecvQueue, DatagramSendQueue } from '../streams/datagram-queue.js';
import type { Role } from '../streams/stream-id.js';
import type { StreamManager } from '../streams/streams.js';
import type { TlsClientSession } from '../tls/client-session.js';
import type { TlsServerSession } from '../tls/server-session.js';
import type { RandomSource } from '../util/random.js';
import type { Duration, Instant } from '../util/time.js';
import type { ConnectionCloseFrame } from '../wire/frame-types.js';
import type { PacketHeader } from '../wire/header.js';
import type { PacketNumberSpace } from '../wire/packet-type.js';
import type { ResolvedTransportParameters } from '../wire/transport-parameter-defaults.js';
import type { TransportParameters } from '../wire/transport-parameters.js';
import type { QuicVersion } from '../wire/version.js';
import type { ConnectionIdState } from './connection-ids.js';
import type { KeyUpdateState } from './key-update.js';
import type { PacketSpace } from './packet-space.js';
import type { PathsState } from './paths.js';
import type { QlogState } from './qlog-emit.js';
import type { Pmtud } from './pmtud.js';
import type { NegotiationState } from './retry.js';
import type { ZeroRttState } from './zero-rtt.js';
import type { SurfaceState } from './app-surface.js';
import type { ConnectionEvent, ConnectionToken, NetworkPath } from './types.js';

/** Where the connection is in its life (RFC 9000 §10). */
export type ConnectionPhase = 'handshaking' | 'established' | 'closing' | 'draining' | 'closed';

/** RFC 9000 §14: the datagram size used before any path MTU discovery (at least 1200). */
export const MAX_DATAGRAM_SIZE = 1200;

/** Length of the connection IDs this implementation issues. */
export const LOCAL_CID_LENGTH = 8;

/** Most events queued before the oldest stream_readable/writable duplicates are skipped. */
export const MAX_EVENTS = 4096;

/** See the module comment. */
export interface ConnectionState {
  readonly role: Role;
  /** The version in use; changes once by compatible version negotiation (RFC 9368 §2.3, versions.ts). */
  version: QuicVersion;
  /** Retry, version negotiation and NEW_TOKEN state (retry.ts, versions.ts). */
  readonly negotiation: NegotiationState;
  readonly provider: CryptoProvider;
  readonly random: RandomSource;
  readonly wallClockMs: () => number;
  readonly spaces: Readonly<Record<PacketNumberSpace, PacketSpace>>;
  readonly tls: TlsClientSession | TlsServerSession;
  readonly ld: LossDetection<ConnectionToken>;
  /** RFC 9002 §7.7 pacing. */
  readonly pacer: Pacer;
  /** When the pacer lets the next datagram leave, if it held one back. */
  pacerDeadline: Instant | undefined;
  /** The path we send on (RFC 9000 §9). */
  path: NetworkPath;
  readonly localCid: Uint8Array;
  /** DPLPMTUD (RFC 9000 §14.3, pmtud.ts): the current datagram size limit and its probes. */
  readonly pmtud: Pmtud;
  /** The peer's connection ID we send to (client: replaced by the server's SCID, RFC 9000 §7.2). */
  remoteCid: Uint8Array;
  /** The DCID of the client's first Initial (RFC 9000 §7.3). */
  readonly originalDcid: Uint8Array;
  /** Our transport parameters and the peer's, resolved (RFC 9000 §18.2). */
  readonly localParams: TransportParameters;
  peerParams: ResolvedTransportParameters | undefined;
  streams: StreamManager | undefined;
  /** Send buffer per stream. */
  readonly sendBufferCapacity: number;
  readonly datagramSend: DatagramSendQueue;
  readonly datagramRecv: DatagramRecvQueue;
  readonly events: ConnectionEvent[];
  phase: ConnectionPhase;
  handshakeComplete: boolean;
  handshakeConfirmed: boolean;
  /** Server: HANDSHAKE_DONE must be (re)sent. */
  handshakeDonePending: boolean;
  /** Server: a HANDSHAKE_DONE was acknowledged (RFC 9000 §13.3: retransmitted until then). */
  handshakeDoneAcked: boolean;
  /** RFC 9000 §8.1: the peer's address is validated (always true for a client). */
  addressValidated: boolean;
  /** Client: the server's first Initial has set remoteCid. */
  remoteCidConfirmed: boolean;
  /** Effective idle timeout (RFC 9000 §10.1), undefined when disabled. */
  idleTimeout: Duration | undefined;
  idleDeadline: Instant | undefined;
  /** RFC 9000 §10.1: an ack-eliciting packet was sent since the last one received. */
  ackElicitingSentSinceReceive: boolean;
  /** The CONNECTION_CLOSE to (re)send while closing. */
  closeFrame: ConnectionCloseFrame | undefined;
  closeSendPending: boolean;
  /** When closing or draining ends (RFC 9000 §10.2: three times the PTO). */
  closeDeadline: Instant | undefined;
  /** Streams whose readability was already announced and not yet read. */
  readonly readableAnnounced: Set<number>;
  /** Streams that received frames since the last readability check. */
  readonly touchedStreams: Set<number>;
  /** Streams whose writer was refused bytes: stream_writable is announced when room frees. */
  readonly writeBlocked: Set<number>;
  datagramAnnounced: boolean;
  /** 1-RTT key phase and AEAD limits (RFC 9001 §6). */
  readonly keyUpdate: KeyUpdateState;
  /** Connection IDs issued by us and by the peer (RFC 9000 §5.1). */
  readonly cids: ConnectionIdState;
  /** RFC 9000 §8.1 accounting, and stats. */
  bytesSent: number;
  bytesReceived: number;
  packetsSent: number;
  packetsReceived: number;
  lostPackets: number;
  /** Known network paths, path validation and migration (RFC 9000 §8.2, §9; paths.ts). */
  readonly paths: PathsState;
  /** qlog (qlog-emit.ts): undefined when no observer is attached; every emission site checks it first. */
  readonly qlog: QlogState | undefined;
  /** 0-RTT keys, remembered parameters and buffered packets (RFC 9001 §4.6; zero-rtt.ts). */
  readonly zeroRtt: ZeroRttState;
  /**
   * Handshake and 1-RTT packets that arrived before their keys (RFC 9001 §4.1.4 "an endpoint
   * SHOULD buffer received packets if they might be processed using keys that are not yet
   * available"; §5.7), each with its own copy of its bytes; at most MAX_UNDECRYPTABLE_PACKETS
   * packets and MAX_UNDECRYPTABLE_BYTES bytes (receive.ts).
   */
  readonly undecryptable: { readonly pkt: Exclude<PacketHeader, { type: 'retry' | 'version_negotiation' }>; readonly path: NetworkPath }[];
  /** Keep-alive, PING, stream-limit notifications and extra stats (app-surface.ts, stream-surface.ts). */
  readonly surface: SurfaceState;
}

/** Queues an event; duplicate stream notifications are the callers' job to avoid. */
export function pushEvent(s: ConnectionState, ev: ConnectionEvent): void {
  if (s.events.length >= MAX_EVENTS && (ev.type === 'stream_readable' || ev.type === 'stream_writable')) return;
  s.events.push(ev);
}
