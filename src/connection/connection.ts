/**
 * The sans-IO QUIC connection (DESIGN §1; RFC 9000, RFC 9001, RFC 9002): its public surface
 * (`connect`/`accept`, `handle*`, `poll*` and commands) over a `ConnectionState` that the receive
 * path (receive.ts), the packet builder (packet-builder.ts), the TLS bridge (tls-bridge.ts) and
 * the close logic (close.ts) orchestrate. QUIC v1 and v2 with compatible version negotiation
 * and Version Negotiation handling (versions.ts), Retry and NEW_TOKEN (retry.ts); key update
 * (key-update.ts) and connection IDs (connection-ids.ts); path validation, rebinding, migration and
 * the preferred address (paths.ts, paths-send.ts, migration.ts); DPLPMTUD (pmtud.ts); the
 * priority scheduler (stream-scheduling.ts).
 */
import type { StreamDir } from '../streams/stream-id.js';
import type { CertificateVerification } from '../tls/certificates/errors.js';
import { TlsClientSession } from '../tls/client-session.js';
import { TlsServerSession } from '../tls/server-session.js';
import { randomBytes } from '../util/random.js';
import { earliest, type Instant } from '../util/time.js';
import type { InitialPacketHeader } from '../wire/long-header.js';
import { PacketNumberSpace } from '../wire/packet-type.js';
import { QUIC_V1, QUIC_V2, type QuicVersion } from '../wire/version.js';
import { createNegotiationState, queueNewToken } from './retry.js';
import { localVersionInformation } from './versions.js';
import { TransportError } from '../wire/errors.js';
import { closeByApplication, closeWithError, isTerminating, onCloseTimers } from './close.js';
import { createConnectionIdState, firstResetToken, isStatelessResetFor, rotateConnectionId } from './connection-ids.js';
import { initiateKeyUpdate } from './key-update.js';
import { earliestAckTimeout } from './packet-space.js';
import { buildDatagram, updateAmplification } from './packet-builder.js';
import { processUndecryptable, receiveDatagram } from './receive.js';
import { preferredAddressParameter, startMigration, type MigrateResult } from './migration.js';
import { onDatagramSentOnPath, onPathTimers, pathsTimeout } from './paths.js';
import { buildPathDatagram } from './paths-send.js';
import { TransmitGate } from './transmit-gate.js';
import { onLostTokens } from './recovery-tokens.js';
import { qlogDatagramIn, qlogMetrics, qlogPacketsLost, qlogStart } from './qlog-emit.js';
import { LOCAL_CID_LENGTH, type ConnectionState } from './state.js';
import { announceReadable } from './stream-events.js';
import { keepAliveTimeout, maxDatagramPayload, onKeepAliveTimer, queuePing, syncDatagramLimit } from './app-surface.js';
import { noteOpenBlocked, streamState, streamStats, type StreamStateInfo } from './stream-surface.js';
import { setStreamPriority, streamPriority } from './stream-scheduling.js';
import { earlyDataContext, rememberedSubset, ticketMatchesVersion } from './zero-rtt.js';
import { validatePriority } from '../scheduler/priority.js';
import { completeCertificateVerification, driveTls } from './tls-bridge.js';
import { cidLimit, createState, encodeParams, localParams } from './create-state.js';
import { DEFAULT_PATH, type AcceptValidation, type ClientConnectionOptions, type ConnectionEvent, type ConnectionStats, type StreamStatsSnapshot, type NetworkPath, type ServerConnectionOptions, type Transmit } from './types.js';

/** What `streamRead` returns. */
export interface StreamReadResult {
  /** The bytes read (possibly empty). */
  readonly data: Uint8Array;
  /** True once every byte and the end of the stream were read. */
  readonly fin: boolean;
}

/** A QUIC connection, client or server. */
export class Connection {
  /** @internal the orchestrated state; modules of src/connection work on it. */
  readonly state: ConnectionState;
  /** Quiet/touched bookkeeping for endpoints polling many connections (transmit-gate.ts). */
  private readonly gate = new TransmitGate();

  private constructor(state: ConnectionState) {
    this.state = state;
  }

  /** @internal False when `pollTransmit(now)` would certainly return undefined (transmit-gate.ts); O(1). */
  mayTransmit(now: Instant): boolean {
    return this.gate.mayTransmit(now);
  }

  /** @internal `pollTimeout()`, recomputed only when the connection was touched or polled since the last call. */
  cachedTimeout(): Instant | undefined {
    return this.gate.timeoutOr(() => this.pollTimeout());
  }

  /**
   * Starts a client connection (RFC 9000 §7): a random Destination Connection ID of 8 bytes
   * (RFC 9000 §7.2: "When an Initial packet is sent by a client ... the client populates the
   * Destination Connection ID field with an unpredictable value. This Destination Connection ID
   * MUST be at least 8 bytes in length"), our own Source Connection ID, Initial keys from the DCID
   * (RFC 9001 §5.2) and the ClientHello queued.
   */
  static connect(now: Instant, options: ClientConnectionOptions): Connection {
    const dcid = randomBytes(options.random, 8);
    const scid = randomBytes(options.random, LOCAL_CID_LENGTH);
    const cids = createConnectionIdState(scid, options.random, options.statelessResetKey, cidLimit(options));
    const params = localParams(options, scid, undefined);
    // RFC 9368 §3: the client's version_information (Chosen Version, then the versions it offers).
    const version = options.version ?? QUIC_V1;
    const offered = options.availableVersions ?? [version, version === QUIC_V1 ? QUIC_V2 : QUIC_V1];
    params.versionInformation = options.versionInformation ?? localVersionInformation('client', version, offered);
    const negotiation = createNegotiationState(version, offered, dcid, options.token?.slice() ?? new Uint8Array(0), options.versionInformation !== undefined);
    // RFC 9369 §5: "Clients MUST NOT use a session ticket ... from a QUIC version 1 connection to initiate a QUIC version 2 connection, and vice versa."
    const sessionTicket = options.sessionTicket !== undefined && ticketMatchesVersion(options.sessionTicket, version) ? options.sessionTicket : undefined;
    const tls = new TlsClientSession({
      provider: options.provider, random: options.random, transportParameters: encodeParams(params),
      alpnProtocols: options.alpnProtocols, verification: options.verification,
      ...(options.cipherSuites === undefined ? {} : { cipherSuites: options.cipherSuites }),
      ...(options.serverName === undefined ? {} : { serverName: options.serverName }),
      ...(sessionTicket === undefined ? {} : { sessionTicket }),
      ...(options.enableEarlyData === true ? { enableEarlyData: true } : {}),
    });
    const conn = new Connection(createState('client', options, tls, cids, dcid, dcid, params, options.path ?? DEFAULT_PATH, negotiation));
    conn.state.zeroRtt.ticket = sessionTicket; // RFC 9000 §7.4.1: its remembered parameters (zero-rtt.ts)
    if (conn.state.qlog !== undefined) qlogStart(conn.state.qlog, conn.state, now, conn.state.path); // quic-events §4.2 (qlog-emit.ts)
    driveTls(conn.state, now, () => tls.start(options.wallClockMs()));
    return conn;
  }

  /**
   * Accepts a client's connection from its first Initial packet (RFC 9000 §7): Initial keys from
   * the client's Destination Connection ID (RFC 9001 §5.2), our own Source Connection ID, and
   * original_destination_connection_id and initial_source_connection_id in our transport
   * parameters (RFC 9000 §7.3). `path` is where the Initial came from. Then feed the datagram to
   * `handleDatagram`.
   */
  static accept(options: ServerConnectionOptions, firstPacket: InitialPacketHeader, path: NetworkPath = DEFAULT_PATH, validation?: AcceptValidation): Connection {
    const scid = randomBytes(options.random, LOCAL_CID_LENGTH);
    const cids = createConnectionIdState(scid, options.random, options.statelessResetKey, cidLimit(options));
    // RFC 9000 §7.3: original_destination_connection_id is the DCID of the client's first Initial,
    // before any Retry; retry_source_connection_id the Retry's SCID (RFC 9000 §8.1.2).
    const params = localParams(options, scid, (validation?.originalDestinationConnectionId ?? firstPacket.dcid).slice());
    if (validation?.retrySourceConnectionId !== undefined) params.retrySourceConnectionId = validation.retrySourceConnectionId.slice();
    // RFC 9000 §18.2 stateless_reset_token: the token of the server's handshake connection ID.
    params.statelessResetToken = firstResetToken(cids);
    // RFC 9000 §9.6.1: preferred_address carries our connection ID of sequence number 1 (migration.ts).
    if (options.preferredAddress !== undefined) params.preferredAddress = preferredAddressParameter(options.preferredAddress, cids, options.random);
    // The Initial's version is the connection's until compatible version negotiation (versions.ts).
    const version = firstPacket.version;
    params.versionInformation = options.versionInformation ?? localVersionInformation('server', version, []);
    const negotiation = createNegotiationState(version, options.preferredVersions ?? [], firstPacket.dcid.slice(), new Uint8Array(0), options.versionInformation !== undefined);
    const tls = new TlsServerSession({
      provider: options.provider, random: options.random,
      // Read when TLS writes EncryptedExtensions, after versions.ts may have changed the version.
      get transportParameters() {
        return encodeParams(params);
      },
      alpnProtocols: options.alpnProtocols, certificate: options.certificate,
      ...(options.cipherSuites === undefined ? {} : { cipherSuites: options.cipherSuites }),
      // RFC 8446 §4.6.1 tickets and RFC 9001 §4.6 0-RTT; RFC 9000 §7.4.1: 0-RTT needs the same remembered parameters (zero-rtt.ts).
      ...(options.tickets === undefined ? {} : { tickets: { store: options.tickets, ...(options.ticketLifetimeMs === undefined ? {} : { lifetimeMs: options.ticketLifetimeMs }) } }),
      ...(options.enableEarlyData === true ? { enableEarlyData: true } : {}),
      // Read when TLS checks a ticket and issues one: bound to the version in use (RFC 9369 §5).
      get earlyDataContext() {
        return earlyDataContext(state.version, encodeParams(rememberedSubset(params)));
      },
    });
    const state = createState('server', { ...options, version }, tls, cids, firstPacket.scid.slice(), firstPacket.dcid.slice(), params, path, negotiation);
    // RFC 9000 §8.1: a valid Retry or NEW_TOKEN token validated the client's address.
    if (validation?.addressValidated === true) state.addressValidated = true;
    return new Connection(state);
  }

  /**
   * A UDP datagram arrived on `path` (default: the path in use, for drivers with a single path).
   */
  handleDatagram(now: Instant, datagram: Uint8Array, path: NetworkPath = this.state.path): void {
    this.gate.touch();
    if (this.state.qlog !== undefined) qlogDatagramIn(this.state.qlog, this.state, now, path); // a server's qlog start (qlog-emit.ts)
    receiveDatagram(this.state, now, datagram, path);
    updateAmplification(this.state, now);
    if (this.state.qlog !== undefined) qlogMetrics(this.state.qlog, this.state, now); // quic-events §7.2 (qlog-emit.ts)
  }

  /**
   * Server: sends `token` in a NEW_TOKEN frame once the handshake is complete (RFC 9000 §8.1.3,
   * §19.7), resent if lost. Returns false for a client or when too many tokens are queued.
   */
  sendNewToken(token: Uint8Array): boolean {
    this.gate.touch();
    return queueNewToken(this.state, token);
  }

  /** The QUIC version in use (RFC 9368: it may change once, by compatible version negotiation). */
  get version(): QuicVersion {
    return this.state.version;
  }

  /** A deadline from `pollTimeout` passed: runs close/idle timers and loss detection (RFC 9002 A.9). */
  handleTimeout(now: Instant): void {
    this.gate.touch();
    const s = this.state;
    if (onCloseTimers(s, now) || isTerminating(s)) return;
    onPathTimers(s, now); // RFC 9000 §8.2.4: challenge retransmission and abandonment (paths.ts)
    onKeepAliveTimer(s, now); // RFC 9000 §10.1.2: keep-alive PING (app-surface.ts)
    const deadline = s.ld.lossDetectionTimeout();
    if (deadline === undefined || now < deadline) return;
    const r = s.ld.onLossDetectionTimeout(now);
    switch (r.kind) {
      case 'none':
        return;
      case 'lost':
        if (s.qlog !== undefined) qlogPacketsLost(s.qlog, now, r.space, r.lost, 'time_threshold'); // quic-events §7.4
        onLostTokens(s, now, r.lost);
        if (s.qlog !== undefined) qlogMetrics(s.qlog, s, now);
        return;
      case 'pto':
        if (s.qlog !== undefined) qlogMetrics(s.qlog, s, now); // quic-events §7.2 pto_count
        schedulePtoProbes(s, r.space, r.probes);
        s.pmtud.onPtoExpired(s.ld.ptoCount); // RFC 8899 §4.3: a black hole drops to 1200 before the probes go
        return;
      default: {
        const never: never = r;
        throw new Error(`unknown timeout result ${String(never)}`);
      }
    }
  }

  /** Writes the next datagram into `out`; undefined when nothing is to be sent now. */
  pollTransmit(now: Instant, out: Uint8Array): Transmit | undefined {
    this.gate.polling();
    // RFC 9000 §8.2: PATH_CHALLENGE/PATH_RESPONSE datagrams first, on their own path (paths-send.ts).
    const probe = buildPathDatagram(this.state, now, out);
    if (probe !== undefined) return probe;
    const length = buildDatagram(this.state, now, out);
    if (length > 0) onDatagramSentOnPath(this.state, this.state.path, length);
    if (this.state.qlog !== undefined) qlogMetrics(this.state.qlog, this.state, now); // quic-events §7.2 (qlog-emit.ts)
    if (length === 0) this.gate.wentQuiet(this.pollTimeout()); // until input, a command or a deadline
    return length === 0 ? undefined : { length, path: this.state.path };
  }

  /** The path the connection sends on (RFC 9000 §9). */
  get path(): NetworkPath {
    return this.state.path;
  }

  /** The earliest deadline: loss detection, ACK delay, idle, closing/draining, pacing. */
  pollTimeout(): Instant | undefined {
    const s = this.state;
    if (s.phase === 'closed') return undefined;
    if (isTerminating(s)) return s.closeDeadline;
    let t = earliest(earliest(s.ld.lossDetectionTimeout(), s.idleDeadline), s.pacerDeadline);
    t = earliest(t, earliestAckTimeout(s.spaces)); // RFC 9000 §13.2.1 delayed ACKs (packet-space.ts)
    t = earliest(t, pathsTimeout(s)); // RFC 9000 §8.2.4 path validation timers
    t = earliest(t, s.pmtud.pollTimeout()); // PMTU_RAISE_TIMER (RFC 8899 §5.1.1): the next pollTransmit probes
    t = earliest(t, keepAliveTimeout(s)); // RFC 9000 §10.1.2 keep-alive (app-surface.ts)
    return t;
  }

  /** The next event, or undefined. */
  pollEvent(): ConnectionEvent | undefined {
    return this.state.events.shift();
  }

  /** The result of the asynchronous check asked for by a verify_certificate event. */
  completeCertificateVerification(now: Instant, result: CertificateVerification): void {
    this.gate.touch();
    completeCertificateVerification(this.state, now, result);
    // RFC 9001 §4.1.4: packets buffered while the certificate was checked, now that keys may exist.
    processUndecryptable(this.state, now);
  }

  /** True once the handshake completed (the TLS handshake, RFC 9001 §4.1.1). */
  get isHandshakeComplete(): boolean {
    return this.state.handshakeComplete;
  }

  /** True once the connection is gone (closing/draining period over, or idle). */
  get isClosed(): boolean {
    return this.state.phase === 'closed';
  }

  /**
   * Opens a stream at `priority` (0..255, higher first; default StreamPriority.NORMAL = 128);
   * undefined before the peer's transport parameters or at its stream limit (RFC 9000 §4.6).
   * @throws InvalidPriorityError for a priority that is not an integer in 0..255.
   */
  openStream(dir: StreamDir, priority?: number): number | undefined {
    this.gate.touch();
    if (priority !== undefined) validatePriority(priority);
    if (isTerminating(this.state)) return undefined;
    const streams = this.state.streams;
    const id = streams?.openStream(dir)?.id;
    if (id === undefined && streams !== undefined) noteOpenBlocked(this.state, dir); // streams_available follows (stream-surface.ts)
    if (id !== undefined && priority !== undefined) setStreamPriority(streams!, id, priority);
    return id;
  }

  /**
   * How many more streams of `dir` `openStream` can open now under the peer's MAX_STREAMS (RFC 9000
   * §4.6); 0 before the peer's transport parameters. At 0, wait for streams_available.
   */
  availableStreams(dir: StreamDir): number {
    return this.state.streams?.localStreamsAvailable(dir) ?? 0;
  }

  /**
   * Changes a stream's sending priority (0..255, higher first; DESIGN §7), effective from the next
   * packet; returns false for a stream that is unknown or has no sending part.
   * @throws InvalidPriorityError for a priority that is not an integer in 0..255.
   */
  setStreamPriority(id: number, priority: number): boolean {
    this.gate.touch();
    validatePriority(priority);
    const streams = this.state.streams;
    return streams === undefined ? false : setStreamPriority(streams, id, priority);
  }

  /** A stream's sending priority, or undefined for a stream that is unknown or has no sending part. */
  streamPriority(id: number): number | undefined {
    const streams = this.state.streams;
    return streams === undefined ? undefined : streamPriority(streams, id);
  }

  /** Buffers bytes on a stream; returns how many were taken (0: backpressure, wait for stream_writable). */
  streamWrite(id: number, bytes: Uint8Array): number {
    this.gate.touch();
    const streams = this.state.streams;
    if (streams === undefined) throw new Error(`stream ${id} has no sending part`);
    const n = streams.write(id, bytes);
    if (n < bytes.length) this.state.writeBlocked.add(id);
    return n;
  }

  /** Ends a stream after the bytes written (STREAM with FIN, RFC 9000 §3.1). */
  streamFinish(id: number): void {
    this.gate.touch();
    const streams = this.state.streams;
    if (streams === undefined) throw new Error(`stream ${id} has no sending part`);
    streams.finish(id);
  }

  /** Reads up to `max` bytes; undefined for a stream that is unknown or already finished. */
  streamRead(id: number, max?: number): StreamReadResult | undefined {
    this.gate.touch();
    const s = this.state;
    const recv = s.streams?.get(id)?.recv;
    if (recv === undefined || s.streams === undefined) return undefined;
    const data = s.streams.read(id, max) ?? new Uint8Array(0);
    s.readableAnnounced.delete(id);
    s.touchedStreams.add(id);
    announceReadable(s);
    return { data, fin: recv.state === 'data_read' };
  }

  /** Abandons sending on a stream (RESET_STREAM, RFC 9000 §3.1). */
  streamReset(id: number, code: number): boolean {
    this.gate.touch();
    return this.state.streams?.resetStream(id, code) ?? false;
  }

  /** Asks the peer to stop sending (STOP_SENDING, RFC 9000 §3.5). */
  streamStopSending(id: number, code: number): boolean {
    this.gate.touch();
    return this.state.streams?.stopSending(id, code) ?? false;
  }

  /**
   * Queues a DATAGRAM (RFC 9221 §5).
   * @throws DatagramError when the peer did not advertise max_datagram_frame_size or it is too small.
   */
  sendDatagram(bytes: Uint8Array): boolean {
    this.gate.touch();
    syncDatagramLimit(this.state); // RFC 9221 §5: at most `maxDatagramPayload()` bytes (app-surface.ts)
    return this.state.datagramSend.push(bytes) !== undefined;
  }

  /**
   * The largest payload `sendDatagram` accepts now (RFC 9221 §3, §5): the peer's
   * max_datagram_frame_size and one 1-RTT packet at the current path MTU (DPLPMTUD, RFC 9000 §14.3),
   * less the frame header; 0 when the peer accepts no datagrams. Queued datagrams that no longer fit
   * after the path MTU shrank are dropped (stats().datagramsDropped).
   */
  maxDatagramPayload(): number {
    this.gate.touch();
    return maxDatagramPayload(this.state);
  }

  /**
   * Queues a PING (RFC 9000 §19.2) for the next 1-RTT packet: an ack-eliciting packet that keeps
   * the peer's idle timer running (RFC 9000 §10.1.2). False once the connection is closing.
   */
  ping(): boolean {
    this.gate.touch();
    return queuePing(this.state);
  }

  /**
   * Both parts of a stream (RFC 9000 §3.1, §3.2): states, reset and STOP_SENDING codes, writable
   * and readable bytes; undefined for a stream never opened, or closed and forgotten.
   */
  streamState(id: number): StreamStateInfo | undefined {
    return streamState(this.state, id);
  }

  /** A stream's counters (DESIGN §7 StreamStats); undefined for a stream never opened, or closed and forgotten. */
  streamStats(id: number): StreamStatsSnapshot | undefined {
    return streamStats(this.state, id);
  }

  /** The oldest received datagram, or undefined. */
  readDatagram(): Uint8Array | undefined {
    this.gate.touch();
    const d = this.state.datagramRecv.pop();
    if (d === undefined) this.state.datagramAnnounced = false;
    else if (this.state.datagramRecv.length === 0) this.state.datagramAnnounced = false;
    return d;
  }

  /**
   * Starts a 1-RTT key update (RFC 9001 §6.1). Returns false when not allowed yet: before the
   * handshake is confirmed, or before a packet of the current key phase was acknowledged.
   */
  initiateKeyUpdate(_now: Instant): boolean {
    this.gate.touch();
    return initiateKeyUpdate(this.state);
  }

  /** The Key Phase bit we send with (RFC 9001 §6): 0 or 1. */
  get keyPhase(): 0 | 1 {
    return this.state.keyUpdate.writePhase ? 1 : 0;
  }

  /**
   * Moves to the peer's next unused connection ID and retires the current one (RFC 9000 §5.1.2).
   * Returns false when the peer gave no spare ID or the handshake is not confirmed.
   */
  rotateConnectionId(now: Instant): boolean {
    this.gate.touch();
    try {
      return rotateConnectionId(this.state);
    } catch (e) {
      if (!(e instanceof TransportError)) throw e;
      closeWithError(this.state, now, e);
      return false;
    }
  }

  /**
   * Client: migrates to `path` (RFC 9000 §9.2; to the server's preferred address, §9.6.2) with a
   * new connection ID; see migration.ts for when the switch happens. Returns 'ok' or why not.
   */
  migrate(now: Instant, path: NetworkPath): MigrateResult {
    this.gate.touch();
    return startMigration(this.state, now, path);
  }

  /** Our active connection IDs (RFC 9000 §5.1.1), for the endpoint's routing table. */
  get activeConnectionIds(): readonly Uint8Array[] {
    return [...this.state.cids.local.values()].map((e) => e.cid);
  }

  /**
   * True if `datagram` ends with the stateless reset token of the peer's connection ID in use
   * (RFC 9000 §10.3.1), for an endpoint that cannot route it by connection ID. `handleDatagram`
   * runs the same check on datagrams it cannot decrypt.
   */
  isStatelessReset(datagram: Uint8Array): boolean {
    return isStatelessResetFor(this.state, datagram);
  }

  /** Closes with an application error code (RFC 9000 §10.2). */
  close(now: Instant, code: number, reason: string): void {
    this.gate.touch();
    closeByApplication(this.state, now, code, reason);
  }

  /** Counters (DESIGN §7). */
  stats(): ConnectionStats {
    const s = this.state;
    return {
      bytesSent: s.bytesSent, bytesReceived: s.bytesReceived, packetsSent: s.packetsSent, packetsReceived: s.packetsReceived,
      lostPackets: s.lostPackets, rtt: s.ld.rtt.smoothedRtt, cwnd: s.ld.cc.congestionWindow,
      pmtu: s.pmtud.current,
      pmtuProbesLost: s.surface.pmtuProbesLost,
      streamsOpenedBidi: s.streams?.streamsOpened.bidi ?? 0, streamsOpenedUni: s.streams?.streamsOpened.uni ?? 0,
      streamsClosedBidi: s.streams?.streamsClosed.bidi ?? 0, streamsClosedUni: s.streams?.streamsClosed.uni ?? 0,
      datagramsSent: s.datagramSend.sent, datagramsReceived: s.datagramRecv.received, datagramsDropped: s.datagramSend.dropped,
      datagramsLost: s.datagramSend.lost, datagramsReceivedDropped: s.datagramRecv.dropped,
    };
  }
}

/**
 * Queues the probes of a PTO (RFC 9002 §6.2.4): `probes` in the space whose timer expired, and
 * one in every other long-header space that still has unacknowledged or queued CRYPTO data
 * ("In addition to sending data in the packet number space for which the timer expired, the
 * sender SHOULD send ack-eliciting packets from other packet number spaces with in-flight data,
 * coalescing packets if possible"). The builder coalesces them into one datagram and lets them
 * past the congestion window (RFC 9002 §7.5: "Probe packets MUST NOT be blocked by the congestion
 * controller"). RFC 9002 §6.2.4: "When a PTO timer expires, a sender MUST send at least one
 * ack-eliciting packet in the packet number space as a probe"; "Previously sent data MAY be sent if
 * no new data can be sent": with no new CRYPTO data queued, the space's unacknowledged CRYPTO data
 * is queued again, so the probe carries it rather than only a PING (the builder's fallback).
 * Likewise a server's unacknowledged HANDSHAKE_DONE goes into an Application Data probe: it is
 * otherwise resent only once declared lost, which takes an ACK of a later packet; when those ACKs
 * are lost too, a client that never saw it stays unconfirmed and can only send Handshake packets
 * the server already dropped the keys of (RFC 9001 §4.9.2), until the idle timeout.
 */
function schedulePtoProbes(s: ConnectionState, timerSpace: PacketNumberSpace, probes: number): void {
  for (const sp of Object.values(s.spaces)) {
    if (!sp.canSend) continue;
    const isTimerSpace = sp.space === timerSpace;
    if (isTimerSpace && sp.space === PacketNumberSpace.ApplicationData && s.role === 'server' && s.handshakeComplete && !s.handshakeDoneAcked) {
      s.handshakeDonePending = true; // RFC 9000 §13.3: "retransmitted until it is acknowledged"
    }
    const isCryptoSpace = sp.space !== PacketNumberSpace.ApplicationData;
    const pendingCrypto = isCryptoSpace && (sp.cryptoSend.hasUnacked || sp.cryptoSend.hasData);
    if (!isTimerSpace && !pendingCrypto) continue;
    sp.probesPending = Math.max(sp.probesPending, isTimerSpace ? probes : 1);
    if (isCryptoSpace && !sp.cryptoSend.hasData) sp.cryptoSend.requeueUnacked();
  }
}
