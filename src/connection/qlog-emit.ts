/**
 * qlog events from the connection (DESIGN §8: "the core never logs: it emits qlog events to an
 * injected observer"; draft-ietf-quic-qlog-quic-events-13 §4-§7). The event types, frame
 * conversion and serialization are src/qlog; this module builds the connection's events from its
 * state and hands them to the observer of `ConnectionCommonOptions.qlog`.
 *
 * Cost when disabled: `ConnectionState.qlog` is undefined and every call site in src/connection
 * is guarded by `if (s.qlog !== undefined)`, so no function here runs and nothing is allocated
 * (spec-tests/pair/connection-qlog.test.ts checks that no function of this module is called).
 *
 * Events: connection_started, version_information, alpn_information, parameters_set (local and
 * remote), recovery_parameters_set, packet_sent (frames decoded from the plaintext payload just
 * before protection, only when an observer is attached), packet_received, packet_dropped,
 * packet_lost, recovery_metrics_updated (only the fields that changed), congestion_state_updated,
 * key_updated / key_discarded, connection_state_updated, connection_closed and mtu_updated.
 */
import type { QlogConnectionState, QlogEvent, QlogKeyType, QlogParametersSet, QlogPacketHeader, QlogRecoveryMetricsUpdated, QlogTupleEndpointInfo } from '../qlog/events.js';
import { qlogEvent } from '../qlog/events.js';
import { qlogPacketType, qlogTransportError, qlogVersion, toQlogFrame, type QlogFrame } from '../qlog/frames.js';
import { isQlogEnabled, type QlogObserver } from '../qlog/observer.js';
import type { SentPacket } from '../recovery/sent-packet.js';
import { kGranularity } from '../recovery/rtt-estimator.js';
import { toHex } from '../util/bytes.js';
import type { Duration, Instant } from '../util/time.js';
import { decodeReasonPhrase, type ConnectionCloseFrame, type Frame } from '../wire/frame-types.js';
import { decodeFrames } from '../wire/frames.js';
import type { PacketHeader } from '../wire/header.js';
import { PacketNumberSpace, PacketType } from '../wire/packet-type.js';
import type { TransportParameters } from '../wire/transport-parameters.js';
import type { CryptoLevel } from './packet-space.js';
import type { ConnectionState } from './state.js';
import type { ConnectionToken, NetworkPath } from './types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The last recovery metrics reported (quic-events §7.2: "only the fields that changed"). */
interface MetricsSnapshot {
  minRtt: number;
  smoothedRtt: number;
  latestRtt: number;
  rttVariance: number;
  ptoCount: number;
  congestionWindow: number;
  bytesInFlight: number;
  ssthresh: number;
  pacingRate: number;
}

/** The qlog side of a connection: its observer and what was last reported. */
export interface QlogState {
  readonly observer: QlogObserver;
  /** Our ALPN list (quic-events §5.2 client_alpns / server_alpns). */
  readonly alpns: readonly string[];
  /** The server's start events wait for the first datagram (accept has no `now`). */
  startPending: boolean;
  connState: QlogConnectionState | undefined;
  congestionState: string | undefined;
  readonly metrics: MetricsSnapshot;
  /** Key Phase bits last seen and the 1-RTT key generations (quic-events §6.1 key_phase). */
  writePhase: boolean;
  readPhase: boolean;
  writeGeneration: number;
  readGeneration: number;
  /** connection_closed was emitted (once per connection). */
  closedLogged: boolean;
  /** The path MTU last reported (quic-events §4.8), and whether the search was reported done. */
  mtu: number;
  mtuDone: boolean;
}

/** The connection's qlog state, or undefined when no (enabled) observer was given: the zero-cost case. */
export function createQlogState(observer: QlogObserver | undefined, alpns: readonly string[], role: 'client' | 'server'): QlogState | undefined {
  if (!isQlogEnabled(observer)) return undefined;
  return {
    observer, alpns, startPending: role === 'server', connState: undefined, congestionState: undefined,
    metrics: { minRtt: -1, smoothedRtt: -1, latestRtt: -1, rttVariance: -1, ptoCount: -1, congestionWindow: -1, bytesInFlight: -1, ssthresh: -1, pacingRate: -1 },
    writePhase: false, readPhase: false, writeGeneration: 0, readGeneration: 0, closedLogged: false, mtu: -1, mtuDone: false,
  };
}

function emit(q: QlogState, e: QlogEvent): void {
  q.observer.emit(e);
}

function ms(d: Duration): number {
  return d / 1000;
}

/** quic-events §8.5 TupleEndpointInfo from a driver's address string ("a.b.c.d:port", "[v6]:port"). */
export function qlogEndpointInfo(address: string, cid?: Uint8Array): QlogTupleEndpointInfo {
  const ids = cid === undefined ? {} : { connection_ids: [toHex(cid)] };
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(address);
  if (v6 !== null) return { ip_v6: v6[1]!, port_v6: Number(v6[2]), ...ids };
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d+)$/.exec(address);
  if (v4 !== null) return { ip_v4: v4[1]!, port_v4: Number(v4[2]), ...ids };
  return ids;
}

/** quic-events §5.3 QUICParametersSet fields of transport parameters (RFC 9000 §18.2). */
export function qlogParameters(p: TransportParameters, initiator: 'local' | 'remote'): QlogParametersSet {
  const out: Mutable<QlogParametersSet> = { initiator };
  if (p.originalDestinationConnectionId !== undefined) out.original_destination_connection_id = toHex(p.originalDestinationConnectionId);
  if (p.initialSourceConnectionId !== undefined) out.initial_source_connection_id = toHex(p.initialSourceConnectionId);
  if (p.retrySourceConnectionId !== undefined) out.retry_source_connection_id = toHex(p.retrySourceConnectionId);
  if (p.statelessResetToken !== undefined) out.stateless_reset_token = toHex(p.statelessResetToken);
  if (p.disableActiveMigration !== undefined) out.disable_active_migration = p.disableActiveMigration;
  if (p.maxIdleTimeout !== undefined) out.max_idle_timeout = p.maxIdleTimeout;
  if (p.maxUdpPayloadSize !== undefined) out.max_udp_payload_size = p.maxUdpPayloadSize;
  if (p.ackDelayExponent !== undefined) out.ack_delay_exponent = p.ackDelayExponent;
  if (p.maxAckDelay !== undefined) out.max_ack_delay = p.maxAckDelay;
  if (p.activeConnectionIdLimit !== undefined) out.active_connection_id_limit = p.activeConnectionIdLimit;
  if (p.initialMaxData !== undefined) out.initial_max_data = p.initialMaxData;
  if (p.initialMaxStreamDataBidiLocal !== undefined) out.initial_max_stream_data_bidi_local = p.initialMaxStreamDataBidiLocal;
  if (p.initialMaxStreamDataBidiRemote !== undefined) out.initial_max_stream_data_bidi_remote = p.initialMaxStreamDataBidiRemote;
  if (p.initialMaxStreamDataUni !== undefined) out.initial_max_stream_data_uni = p.initialMaxStreamDataUni;
  if (p.initialMaxStreamsBidi !== undefined) out.initial_max_streams_bidi = p.initialMaxStreamsBidi;
  if (p.initialMaxStreamsUni !== undefined) out.initial_max_streams_uni = p.initialMaxStreamsUni;
  if (p.maxDatagramFrameSize !== undefined) out.max_datagram_frame_size = p.maxDatagramFrameSize;
  if (p.greaseQuicBit !== undefined) out.grease_quic_bit = p.greaseQuicBit;
  return out;
}

function setConnState(q: QlogState, now: Instant, next: QlogConnectionState): void {
  if (q.connState === next) return;
  const old = q.connState;
  q.connState = next;
  emit(q, qlogEvent(now, 'quic:connection_state_updated', old === undefined ? { new: next } : { old, new: next }));
}

function keyType(role: 'client' | 'server', level: CryptoLevel | 'early', direction: 'read' | 'write'): QlogKeyType {
  // Our write keys are our role's secret; our read keys the peer's.
  const side = (direction === 'write') === (role === 'client') ? 'client' : 'server';
  switch (level) {
    case 'initial':
      return `${side}_initial_secret`;
    case 'handshake':
      return `${side}_handshake_secret`;
    case 'early':
      return `${side}_0rtt_secret`;
    case 'application':
      return `${side}_1rtt_secret`;
  }
}

/**
 * The start of a connection (client: `connect`; server: its first datagram): connection_started
 * (quic-events §4.2, the path's addresses as the driver named them), version_information (§5.1),
 * parameters_set with our transport parameters (§5.3), recovery_parameters_set (§7.1), the
 * Initial keys (§6.1) and the first connection state (§4.6).
 */
export function qlogStart(q: QlogState, s: ConnectionState, now: Instant, path: NetworkPath): void {
  q.startPending = false;
  const client = s.role === 'client';
  emit(q, qlogEvent(now, 'quic:connection_started', {
    local: qlogEndpointInfo(path.local, s.localCid),
    remote: qlogEndpointInfo(path.remote, s.remoteCid),
  }));
  const versions = s.negotiation.versions.length > 0 ? s.negotiation.versions.map(qlogVersion) : [qlogVersion(s.version)];
  emit(q, qlogEvent(now, 'quic:version_information', client ? { client_versions: versions } : { server_versions: versions, chosen_version: qlogVersion(s.version) }));
  emit(q, qlogEvent(now, 'quic:alpn_information', client ? { client_alpns: q.alpns.map((a) => ({ string_value: a })) } : { server_alpns: q.alpns.map((a) => ({ string_value: a })) }));
  emit(q, qlogEvent(now, 'quic:parameters_set', qlogParameters(s.localParams, 'local')));
  emit(q, qlogEvent(now, 'quic:recovery_parameters_set', {
    // RFC 9002 §6.1.1 kPacketThreshold = 3; §6.1.2 kTimeThreshold = 9/8; §6.1.2 kGranularity.
    reordering_threshold: 3, time_threshold: 9 / 8, timer_granularity: ms(kGranularity),
    initial_rtt: ms(s.ld.rtt.smoothedRtt), initial_congestion_window: s.ld.cc.congestionWindow,
    // RFC 9002 §7.2 kMinimumWindow = 2 * max_datagram_size; §7.3.2 kLossReductionFactor = 0.5.
    minimum_congestion_window: 2 * s.pmtud.current, loss_reduction_factor: 0.5, persistent_congestion_threshold: 3,
    max_datagram_size: s.pmtud.current,
  }));
  emit(q, qlogEvent(now, 'quic:key_updated', { key_type: 'client_initial_secret', trigger: 'tls' }));
  emit(q, qlogEvent(now, 'quic:key_updated', { key_type: 'server_initial_secret', trigger: 'tls' }));
  q.mtu = s.pmtud.current;
  setConnState(q, now, client ? 'attempted' : 'handshake_started');
}

/** A datagram arrived: a server's start events go first (see `qlogStart`). */
export function qlogDatagramIn(q: QlogState, s: ConnectionState, now: Instant, path: NetworkPath): void {
  if (q.startPending) qlogStart(q, s, now, path);
}

/** TLS installed a packet protection key (quic-events §6.1, trigger "tls"). */
export function qlogTlsSecret(q: QlogState, s: ConnectionState, now: Instant, level: CryptoLevel | 'early', direction: 'read' | 'write'): void {
  emit(q, qlogEvent(now, 'quic:key_updated', { key_type: keyType(s.role, level, direction), trigger: 'tls', ...(level === 'application' ? { key_phase: 0 } : {}) }));
}

/** A long-header space's keys are discarded (RFC 9001 §4.9; quic-events §6.2). */
export function qlogSpaceDiscarded(q: QlogState, s: ConnectionState, now: Instant, space: PacketNumberSpace): void {
  const level: CryptoLevel = space === PacketNumberSpace.Initial ? 'initial' : 'handshake';
  emit(q, qlogEvent(now, 'quic:key_discarded', { key_type: keyType(s.role, level, 'write'), trigger: 'tls' }));
  emit(q, qlogEvent(now, 'quic:key_discarded', { key_type: keyType(s.role, level, 'read'), trigger: 'tls' }));
}

/** The peer's transport parameters were accepted (quic-events §5.3, initiator "remote"). */
export function qlogPeerParameters(q: QlogState, now: Instant, peer: TransportParameters): void {
  emit(q, qlogEvent(now, 'quic:parameters_set', qlogParameters(peer, 'remote')));
}

/** TLS completed the handshake: the chosen ALPN and version (§5.1, §5.2) and the state (§4.6). */
export function qlogHandshakeComplete(q: QlogState, s: ConnectionState, now: Instant, alpn: string): void {
  emit(q, qlogEvent(now, 'quic:alpn_information', { chosen_alpn: { string_value: alpn } }));
  emit(q, qlogEvent(now, 'quic:version_information', { chosen_version: qlogVersion(s.version) }));
  setConnState(q, now, 'handshake_complete');
}

/** The handshake is confirmed (RFC 9001 §4.1.2; quic-events §4.6 handshake_confirmed). */
export function qlogHandshakeConfirmed(q: QlogState, now: Instant): void {
  setConnState(q, now, 'handshake_confirmed');
}

function oneRttKeyUpdates(q: QlogState, s: ConnectionState, now: Instant): void {
  // RFC 9001 §6: a Key Phase change of the keys in use is a key update (key-update.ts); the
  // trigger is whoever moved first.
  const ku = s.keyUpdate;
  if (ku.readPhase !== q.readPhase) {
    q.readPhase = ku.readPhase;
    q.readGeneration++;
    const trigger = q.writeGeneration >= q.readGeneration ? 'local_update' : 'remote_update';
    emit(q, qlogEvent(now, 'quic:key_updated', { key_type: keyType(s.role, 'application', 'read'), key_phase: q.readGeneration, trigger }));
  }
  if (ku.writePhase !== q.writePhase) {
    q.writePhase = ku.writePhase;
    q.writeGeneration++;
    const trigger = q.readGeneration >= q.writeGeneration ? 'remote_update' : 'local_update';
    emit(q, qlogEvent(now, 'quic:key_updated', { key_type: keyType(s.role, 'application', 'write'), key_phase: q.writeGeneration, trigger }));
  }
}

function header(s: ConnectionState, type: PacketType, pn: number, dcid: Uint8Array, scid: Uint8Array | undefined, phaseGeneration: number): QlogPacketHeader {
  const h: Mutable<QlogPacketHeader> = { packet_type: qlogPacketType(type), packet_number: pn, dcid: toHex(dcid) };
  if (type === PacketType.OneRtt) h.key_phase = phaseGeneration;
  else {
    h.version = qlogVersion(s.version);
    if (scid !== undefined) h.scid = toHex(scid);
  }
  return h;
}

function framesOf(payload: Uint8Array, ackDelayExponent: number): QlogFrame[] | undefined {
  let frames: Frame[];
  try {
    frames = decodeFrames(payload);
  } catch {
    return undefined; // cannot happen for our own packets; the event then just has no frames
  }
  return frames.map((f) => toQlogFrame(f, { ackDelayExponent }));
}

/** What `qlogPacketSent` needs of one packet. */
export interface SentPacketInfoForQlog {
  readonly type: PacketType;
  readonly packetNumber: number;
  readonly dcid: Uint8Array;
  /** The plaintext payload (frames and padding), before protection. */
  readonly payload: Uint8Array;
  /** The protected packet's length. */
  readonly length: number;
  readonly mtuProbe?: boolean;
}

/**
 * quic-events §5.5 packet_sent: the header, the frames (decoded from the plaintext payload: the
 * builder writes frames straight into bytes, so decoding them back is the cheaper option than
 * recording each one as it is written, and it costs nothing when no observer is attached) and
 * the packet's length.
 */
export function qlogPacketSent(q: QlogState, s: ConnectionState, now: Instant, p: SentPacketInfoForQlog): void {
  if (p.type === PacketType.OneRtt) oneRttKeyUpdates(q, s, now);
  const frames = framesOf(p.payload, s.localParams.ackDelayExponent ?? 3);
  emit(q, qlogEvent(now, 'quic:packet_sent', {
    header: header(s, p.type, p.packetNumber, p.dcid, s.localCid, q.writeGeneration),
    ...(frames === undefined ? {} : { frames }),
    raw: { length: p.length },
    ...(p.mtuProbe === true ? { is_mtu_probe_packet: true } : {}),
  }));
}

type ProtectedHeader = Exclude<PacketHeader, { type: 'retry' | 'version_negotiation' }>;

/** quic-events §5.6 packet_received, with the frames the receive path decoded. */
export function qlogPacketReceived(q: QlogState, s: ConnectionState, now: Instant, pkt: ProtectedHeader, packetNumber: number, frames: readonly Frame[]): void {
  if (pkt.type === PacketType.OneRtt) oneRttKeyUpdates(q, s, now);
  const exponent = s.peerParams?.ackDelayExponent ?? 3;
  emit(q, qlogEvent(now, 'quic:packet_received', {
    header: header(s, pkt.type, packetNumber, pkt.dcid, pkt.type === PacketType.OneRtt ? undefined : pkt.scid, q.readGeneration),
    frames: frames.map((f) => toQlogFrame(f, { ackDelayExponent: exponent })),
    raw: { length: pkt.packetLength },
  }));
}

/** Why a packet was dropped (quic-events §5.7 trigger). */
export type QlogDropTrigger = 'connection_unknown' | 'key_unavailable' | 'decryption_failure' | 'duplicate' | 'rejected' | 'invalid' | 'general';

/** quic-events §5.7 packet_dropped: the packet type (and number, when known) and why. */
export function qlogPacketDropped(q: QlogState, now: Instant, pkt: PacketHeader | undefined, length: number, trigger: QlogDropTrigger, packetNumber?: number): void {
  const h: Mutable<QlogPacketHeader> | undefined = pkt === undefined ? undefined : { packet_type: qlogPacketType(pkt.type) };
  if (h !== undefined && packetNumber !== undefined) h.packet_number = packetNumber;
  emit(q, qlogEvent(now, 'quic:packet_dropped', { ...(h === undefined ? {} : { header: h }), raw: { length }, trigger }));
}

/** quic-events §5.8 packet_buffered: a packet held until its keys are available. */
export function qlogPacketBuffered(q: QlogState, now: Instant, pkt: PacketHeader, length: number): void {
  emit(q, qlogEvent(now, 'quic:packet_buffered', { header: { packet_type: qlogPacketType(pkt.type) }, raw: { length }, trigger: 'keys_unavailable' }));
}

const SPACE_PACKET_TYPE = {
  [PacketNumberSpace.Initial]: PacketType.Initial,
  [PacketNumberSpace.Handshake]: PacketType.Handshake,
  [PacketNumberSpace.ApplicationData]: PacketType.OneRtt,
} as const;

/** quic-events §7.4 packet_lost for each packet loss detection gave up on (RFC 9002 §6.1). */
export function qlogPacketsLost(q: QlogState, now: Instant, space: PacketNumberSpace, lost: readonly SentPacket<ConnectionToken>[], trigger?: 'reordering_threshold' | 'time_threshold' | 'pto_expired'): void {
  const packetType = qlogPacketType(SPACE_PACKET_TYPE[space]);
  for (const p of lost) {
    emit(q, qlogEvent(now, 'quic:packet_lost', {
      header: { packet_type: packetType, packet_number: p.packetNumber },
      ...(p.isPmtuProbe === true ? { is_mtu_probe_packet: true } : {}),
      ...(trigger === undefined ? {} : { trigger }),
    }));
  }
}

/**
 * quic-events §7.2 recovery_metrics_updated with the RFC 9002 variables that changed since the
 * last one ("only the fields that changed"), and §7.3 congestion_state_updated when the
 * controller moved between slow start, congestion avoidance and recovery (RFC 9002 §7.3).
 */
export function qlogMetrics(q: QlogState, s: ConnectionState, now: Instant): void {
  const ld = s.ld;
  const cc = ld.cc;
  const m = q.metrics;
  const out: Mutable<QlogRecoveryMetricsUpdated> = {};
  let changed = false;
  if (ld.rtt.hasSample) {
    const rtt = ld.rtt;
    if (rtt.minRtt !== m.minRtt) { m.minRtt = rtt.minRtt; out.min_rtt = ms(rtt.minRtt); changed = true; }
    if (rtt.smoothedRtt !== m.smoothedRtt) { m.smoothedRtt = rtt.smoothedRtt; out.smoothed_rtt = ms(rtt.smoothedRtt); changed = true; }
    if (rtt.latestRtt !== m.latestRtt) { m.latestRtt = rtt.latestRtt; out.latest_rtt = ms(rtt.latestRtt); changed = true; }
    if (rtt.rttvar !== m.rttVariance) { m.rttVariance = rtt.rttvar; out.rtt_variance = ms(rtt.rttvar); changed = true; }
    // RFC 9002 §7.7 pacing rate in bytes per second; qlog wants bits per second.
    const rate = cc.pacingRate(rtt.sample());
    if (rate !== undefined && rate !== m.pacingRate) { m.pacingRate = rate; out.pacing_rate = Math.round(rate * 8); changed = true; }
  }
  if (ld.ptoCount !== m.ptoCount) { m.ptoCount = ld.ptoCount; out.pto_count = ld.ptoCount; changed = true; }
  if (cc.congestionWindow !== m.congestionWindow) { m.congestionWindow = cc.congestionWindow; out.congestion_window = cc.congestionWindow; changed = true; }
  if (ld.bytesInFlight !== m.bytesInFlight) { m.bytesInFlight = ld.bytesInFlight; out.bytes_in_flight = ld.bytesInFlight; changed = true; }
  if (Number.isFinite(cc.slowStartThreshold) && cc.slowStartThreshold !== m.ssthresh) { m.ssthresh = cc.slowStartThreshold; out.ssthresh = cc.slowStartThreshold; changed = true; }
  if (changed) emit(q, qlogEvent(now, 'quic:recovery_metrics_updated', out));
  // quic-events §4.8 mtu_updated: DPLPMTUD (pmtud.ts) moved the path MTU or finished its search.
  const mtu = s.pmtud.current;
  const done = s.pmtud.phase === 'search_complete';
  if (mtu !== q.mtu || (done && !q.mtuDone)) {
    emit(q, qlogEvent(now, 'quic:mtu_updated', { ...(q.mtu < 0 ? {} : { old: q.mtu }), new: mtu, ...(done ? { done: true } : {}) }));
    q.mtu = mtu;
    q.mtuDone = done;
  }
  const state = cc.inRecovery ? 'recovery' : cc.inSlowStart ? 'slow_start' : 'congestion_avoidance';
  if (state !== q.congestionState) {
    const old = q.congestionState;
    q.congestionState = state;
    emit(q, qlogEvent(now, 'quic:congestion_state_updated', old === undefined ? { new: state } : { old, new: state }));
  }
}

/** How the connection is ending (RFC 9000 §10). */
export type QlogTermination =
  | { readonly kind: 'closing'; readonly frame: ConnectionCloseFrame }
  | { readonly kind: 'draining'; readonly frame: ConnectionCloseFrame; readonly wasClosing: boolean }
  | { readonly kind: 'stateless_reset' }
  | { readonly kind: 'idle' }
  | { readonly kind: 'closed' };

/**
 * quic-events §4.3 connection_closed (once, when the connection learns it is ending) and §4.6
 * connection_state_updated (closing, draining, closed).
 */
export function qlogTermination(q: QlogState, now: Instant, t: QlogTermination): void {
  switch (t.kind) {
    case 'closing':
      closed(q, now, 'local', t.frame);
      setConnState(q, now, 'closing');
      return;
    case 'draining':
      if (!t.wasClosing) closed(q, now, 'remote', t.frame);
      setConnState(q, now, 'draining');
      return;
    case 'stateless_reset':
      logClosed(q, now, { initiator: 'remote', trigger: 'stateless_reset' });
      setConnState(q, now, 'draining');
      return;
    case 'idle':
      logClosed(q, now, { initiator: 'local', trigger: 'idle_timeout' });
      setConnState(q, now, 'closed');
      return;
    case 'closed':
      setConnState(q, now, 'closed');
      return;
    default: {
      const never: never = t;
      throw new Error(`unknown termination ${String(never)}`);
    }
  }
}

function closed(q: QlogState, now: Instant, initiator: 'local' | 'remote', frame: ConnectionCloseFrame): void {
  const reason = decodeReasonPhrase(frame.reason);
  if (frame.errorSpace === 'application') {
    logClosed(q, now, { initiator, application_error: 'unknown', error_code: frame.errorCode, reason, trigger: 'application' });
    return;
  }
  const error = qlogTransportError(frame.errorCode);
  logClosed(q, now, { initiator, connection_error: error, ...(error === 'unknown' ? { error_code: frame.errorCode } : {}), reason, trigger: frame.errorCode === 0 ? 'unspecified' : 'error' });
}

function logClosed(q: QlogState, now: Instant, data: Extract<QlogEvent, { name: 'quic:connection_closed' }>['data']): void {
  if (q.closedLogged) return;
  q.closedLogged = true;
  emit(q, qlogEvent(now, 'quic:connection_closed', data));
}
