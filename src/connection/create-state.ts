/**
 * A connection's initial state (DESIGN §1: plain data that connection.ts and its helpers drive):
 * the transport parameters we send (RFC 9000 §18.2) and every part of `ConnectionState` at its
 * starting value: Initial keys (RFC 9001 §5.2), loss detection and the congestion controller
 * (RFC 9002 §6, §7), the pacer, datagram queues (RFC 9221 §5), paths, qlog and DPLPMTUD.
 */
import { createCongestionController } from '../congestion/index.js';
import { Pacer } from '../congestion/pacer.js';
import { deriveInitialKeys } from '../crypto/initial-secrets.js';
import { LossDetection } from '../recovery/loss-detection.js';
import { DatagramRecvQueue, DatagramSendQueue } from '../streams/datagram-queue.js';
import type { TlsClientSession } from '../tls/client-session.js';
import type { TlsServerSession } from '../tls/server-session.js';
import { Writer } from '../util/bytes.js';
import { PacketNumberSpace } from '../wire/packet-type.js';
import { encodeTransportParameters, sizeOfTransportParameters, type TransportParameters } from '../wire/transport-parameters.js';
import { QUIC_V1 } from '../wire/version.js';
import { createSurfaceState } from './app-surface.js';
import { effectiveIdleTimeout } from './close.js';
import type { ConnectionIdState } from './connection-ids.js';
import { createKeyUpdateState } from './key-update.js';
import { PacketSpace } from './packet-space.js';
import { createPathsState } from './paths.js';
import { PMTUD, Pmtud } from './pmtud.js';
import { createQlogState } from './qlog-emit.js';
import type { NegotiationState } from './retry.js';
import { MAX_DATAGRAM_SIZE, type ConnectionState } from './state.js';
import type { ConnectionCommonOptions, ConnectionToken, NetworkPath } from './types.js';
import { createZeroRttState } from './zero-rtt.js';

/** Default limits (RFC 9000 §18.2 parameters we advertise). */
const DEFAULTS = {
  initialMaxData: 1024 * 1024,
  initialMaxStreamData: 256 * 1024,
  initialMaxStreamsBidi: 100,
  initialMaxStreamsUni: 100,
  maxIdleTimeoutMs: 30_000,
  maxDatagramFrameSize: 0,
  sendBufferCapacity: 1024 * 1024,
} as const;

/** Bounds of the datagram queues (RFC 9221 §5: datagrams may be dropped). */
const DATAGRAM_QUEUE_LIMITS = { maxCount: 256, maxBytes: 256 * 1024 } as const;

/** The transport parameters we send (RFC 9000 §18.2), from the options and their defaults. */
export function localParams(options: ConnectionCommonOptions, scid: Uint8Array, originalDcid: Uint8Array | undefined): TransportParameters {
  const l = { ...DEFAULTS, ...options.limits };
  const p: TransportParameters = {
    maxIdleTimeout: l.maxIdleTimeoutMs,
    // RFC 9000 §18.2: "Values below 1200 are invalid."
    maxUdpPayloadSize: Math.max(PMTUD.BASE_PLPMTU, options.limits?.maxUdpPayloadSize ?? 65527),
    initialMaxData: l.initialMaxData,
    initialMaxStreamDataBidiLocal: l.initialMaxStreamData,
    initialMaxStreamDataBidiRemote: l.initialMaxStreamData,
    initialMaxStreamDataUni: l.initialMaxStreamData,
    initialMaxStreamsBidi: l.initialMaxStreamsBidi,
    initialMaxStreamsUni: l.initialMaxStreamsUni,
    initialSourceConnectionId: scid,
    activeConnectionIdLimit: cidLimit(options),
  };
  if (l.maxDatagramFrameSize > 0) p.maxDatagramFrameSize = l.maxDatagramFrameSize;
  if (originalDcid !== undefined) p.originalDestinationConnectionId = originalDcid;
  return p;
}

/** active_connection_id_limit (RFC 9000 §18.2). */
export function cidLimit(options: ConnectionCommonOptions): number {
  // RFC 9000 §18.2: "The value of the active_connection_id_limit parameter MUST be at least 2."
  return Math.max(2, options.limits?.activeConnectionIdLimit ?? 4);
}

/** The transport parameters' wire encoding (RFC 9000 §18). */
export function encodeParams(p: TransportParameters): Uint8Array {
  const w = new Writer(new Uint8Array(sizeOfTransportParameters(p)));
  encodeTransportParameters(w, p);
  return w.written();
}

/** A new connection's state, before its first packet. */
export function createState(
  role: 'client' | 'server',
  options: ConnectionCommonOptions,
  tls: TlsClientSession | TlsServerSession,
  cids: ConnectionIdState,
  remoteCid: Uint8Array,
  originalDcid: Uint8Array,
  params: TransportParameters,
  path: NetworkPath,
  negotiation: NegotiationState,
): ConnectionState {
  const version = options.version ?? QUIC_V1;
  const spaces = {
    [PacketNumberSpace.Initial]: new PacketSpace(PacketNumberSpace.Initial),
    [PacketNumberSpace.Handshake]: new PacketSpace(PacketNumberSpace.Handshake),
    [PacketNumberSpace.ApplicationData]: new PacketSpace(PacketNumberSpace.ApplicationData),
  };
  // RFC 9001 §5.2: Initial keys from the client's first Destination Connection ID.
  const initial = deriveInitialKeys(options.provider, version, originalDcid);
  const init = spaces[PacketNumberSpace.Initial];
  init.writeKeys = role === 'client' ? initial.client : initial.server;
  init.readKeys = role === 'client' ? initial.server : initial.client;
  const cc = createCongestionController(options.congestionControl ?? 'cubic', { maxDatagramSize: MAX_DATAGRAM_SIZE });
  const ld = new LossDetection<ConnectionToken>(cc, {
    peerCompletedAddressValidation: role === 'server',
    ...(options.initialRtt === undefined ? {} : { initialRtt: options.initialRtt }),
  });
  const limits = { ...DEFAULTS, ...options.limits };
  return {
    role, version, provider: options.provider, random: options.random, wallClockMs: options.wallClockMs, spaces, tls, ld,
    pacer: new Pacer({ maxDatagramSize: MAX_DATAGRAM_SIZE }), pacerDeadline: undefined,
    path, localCid: cids.local.get(0)!.cid, remoteCid, originalDcid, cids, keyUpdate: createKeyUpdateState(options.keyUpdate), localParams: params, peerParams: undefined, streams: undefined,
    sendBufferCapacity: limits.sendBufferCapacity,
    datagramSend: new DatagramSendQueue(0, DATAGRAM_QUEUE_LIMITS),
    datagramRecv: new DatagramRecvQueue(limits.maxDatagramFrameSize, DATAGRAM_QUEUE_LIMITS),
    events: [], phase: 'handshaking', handshakeComplete: false, handshakeConfirmed: false, handshakeDonePending: false, handshakeDoneAcked: false,
    addressValidated: role === 'client', remoteCidConfirmed: false,
    negotiation,
    // RFC 9000 §10.1: the idle timer runs from the start; until the peer's max_idle_timeout is
    // known (tls-bridge.ts then applies the minimum of both), our own value bounds the handshake.
    idleTimeout: effectiveIdleTimeout(params.maxIdleTimeout ?? 0, 0), idleDeadline: undefined,
    ackElicitingSentSinceReceive: false, closeFrame: undefined, closeSendPending: false, closeDeadline: undefined,
    readableAnnounced: new Set(), touchedStreams: new Set(), writeBlocked: new Set(), datagramAnnounced: false,
    bytesSent: 0, bytesReceived: 0, packetsSent: 0, packetsReceived: 0, lostPackets: 0,
    paths: createPathsState(path),
    qlog: createQlogState(typeof options.qlog === 'function' ? options.qlog((params.originalDestinationConnectionId ?? originalDcid).slice(), role) : options.qlog, options.alpnProtocols, role),
    zeroRtt: createZeroRttState(undefined),
    undecryptable: [],
    surface: createSurfaceState(options.limits?.keepAliveIntervalMs),
    pmtud: new Pmtud({ maxDatagramSize: options.limits?.maxDatagramSize ?? PMTUD.DEFAULT_MAX_DATAGRAM_SIZE }),
  };
}
