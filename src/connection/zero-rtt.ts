/**
 * 0-RTT at the connection (RFC 9001 §4.6, §4.9.3, §5.6; RFC 9000 §7.4.1, §12.3, §17.2.3,
 * §17.2.5.3): the client's 0-RTT keys and the streams it opens with the server's remembered
 * transport parameters, the outcome (accepted: the new limits apply; rejected: streams are reset
 * and the 0-RTT packets forgotten), the server's 0-RTT read keys, their bounded buffer of packets
 * that arrive before the keys, and their discard.
 *
 * Rejection: RFC 9001 §4.6.2 "When 0-RTT is rejected, all connection characteristics that the
 * client assumed might be incorrect ... The client therefore MUST reset the state of all streams,
 * including application state bound to those streams." The streams opened in 0-RTT are dropped
 * (a fresh StreamManager with the server's real transport parameters replaces them), the 0-RTT
 * packets in flight are forgotten without a congestion response, and the application learns it
 * from `handshake_completed` with `earlyData: 'rejected'`: it opens its streams again and writes
 * again (stream IDs restart from the first ones, as in quinn). Data is never silently re-sent
 * under changed limits or a changed application protocol.
 */
import { derivePacketKeys, type PacketProtectionKeys } from '../crypto/packet-protection.js';
import type { CipherSuiteInfo } from '../crypto/suites.js';
import type { StreamManager, StreamTransportLimits } from '../streams/streams.js';
import { isLocal } from '../streams/stream-id.js';
import type { KeyDirection, SessionTicket } from '../tls/session-types.js';
import { addDuration, scaleDuration, type Instant } from '../util/time.js';
import { TransportError, TransportErrorCode } from '../wire/errors.js';
import { retainPacket } from '../wire/header.js';
import type { ZeroRttHeader, ZeroRttPacketHeader } from '../wire/long-header.js';
import { PacketNumberSpace, PacketType } from '../wire/packet-type.js';
import { resolveTransportParameters, type ResolvedTransportParameters } from '../wire/transport-parameter-defaults.js';
import type { TransportParameters } from '../wire/transport-parameters.js';
import { parsePeerTransportParameters } from '../wire/transport-parameters-validation.js';
import { QUIC_V1, type QuicVersion } from '../wire/version.js';
import { currentPto } from './close.js';
import type { PacketSpace } from './packet-space.js';
import { onLostTokens } from './recovery-tokens.js';
import { LOCAL_CID_LENGTH, type ConnectionState } from './state.js';
import type { NetworkPath } from './types.js';

/** RFC 9000 §5.2.2 ("the server MAY buffer a limited number of these packets"): most 0-RTT packets a server keeps while it has no 0-RTT keys yet. */
export const MAX_BUFFERED_ZERO_RTT_PACKETS = 16;

/** What `handshake_completed` reports about 0-RTT (the TLS outcome, RFC 8446 §4.2.10). */
export type EarlyDataOutcome = 'accepted' | 'rejected' | 'not_offered';

/** Stream limits the StreamManager reads when it creates a stream: updated in place when 0-RTT is accepted. */
type MutableLimits = { -readonly [K in keyof StreamTransportLimits]: number };

/** A 0-RTT packet received before the keys to open it, with the path it came on. */
export interface BufferedZeroRttPacket {
  readonly pkt: ZeroRttPacketHeader;
  readonly path: NetworkPath;
}

/** The 0-RTT state of one connection. */
export interface ZeroRttState {
  /** Client: the ticket to resume with, whose transport parameters are remembered (RFC 9000 §7.4.1). */
  ticket: SessionTicket | undefined;
  /** Client: the server's remembered transport parameters, once 0-RTT keys are installed. */
  remembered: ResolvedTransportParameters | undefined;
  /** Client: the peer limits object the 0-RTT StreamManager reads (see MutableLimits). */
  limits: MutableLimits | undefined;
  /** Client: 0-RTT write keys (undefined before, and after 1-RTT keys, RFC 9001 §4.9.3). */
  writeKeys: PacketProtectionKeys | undefined;
  /** Server: 0-RTT read keys (undefined before the early secret, and once discarded). */
  readKeys: PacketProtectionKeys | undefined;
  /** The keys are gone for good (RFC 9001 §4.9.3). */
  discarded: boolean;
  /** Server: when the 0-RTT keys go, 3 PTO after the first 1-RTT packet (RFC 9001 §4.9.3). */
  discardDeadline: Instant | undefined;
  /** Server: 0-RTT packets waiting for the keys (bounded by MAX_BUFFERED_ZERO_RTT_PACKETS). */
  readonly buffered: BufferedZeroRttPacket[];
  /** Server: TLS accepted 0-RTT at the ClientHello (before the handshake completes). */
  accepted: boolean;
  /** The TLS outcome once the handshake completed. */
  outcome: EarlyDataOutcome | undefined;
  /** 0-RTT packets sent (client) and opened (server), for stats and tests. */
  packetsSent: number;
  packetsReceived: number;
}

/** A fresh ZeroRttState. */
export function createZeroRttState(ticket: SessionTicket | undefined): ZeroRttState {
  return {
    ticket, remembered: undefined, limits: undefined, writeKeys: undefined, readKeys: undefined, discarded: false, discardDeadline: undefined,
    buffered: [], accepted: false, outcome: undefined, packetsSent: 0, packetsReceived: 0,
  };
}

/**
 * The transport parameters that must agree between the connection that issued a ticket and the
 * one that accepts 0-RTT with it (RFC 9000 §7.4.1): all but those "A client MUST NOT use
 * remembered values for" (ack_delay_exponent, max_ack_delay, initial_source_connection_id,
 * original_destination_connection_id, preferred_address, retry_source_connection_id,
 * stateless_reset_token) and version_information, which are per connection. The server seals this
 * subset's encoding in its tickets and accepts 0-RTT only when it is unchanged (RFC 9001 §4.6.3).
 */
export function rememberedSubset(p: TransportParameters): TransportParameters {
  const {
    ackDelayExponent: _a, maxAckDelay: _m, initialSourceConnectionId: _i, originalDestinationConnectionId: _o, preferredAddress: _p,
    retrySourceConnectionId: _r, statelessResetToken: _s, versionInformation: _v, ...rest
  } = p;
  return rest;
}

/**
 * What the server seals in its tickets and compares before accepting 0-RTT (TlsServerConfig
 * earlyDataContext, RFC 9001 §4.6.3): the QUIC version, then the remembered transport parameters
 * (`rememberedSubset`, encoded). RFC 9369 §5: "Servers MUST validate the originating version of
 * any session ticket"; a ticket of another version does not get 0-RTT. (The PSK itself is still
 * accepted by the TLS layer: the client refuses to offer such a ticket, `ticketMatchesVersion`.)
 */
export function earlyDataContext(version: QuicVersion, encodedSubset: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + encodedSubset.length);
  new DataView(out.buffer).setUint32(0, version);
  out.set(encodedSubset, 4);
  return out;
}

/**
 * Client: true if `ticket` was issued by a connection of `version`, as its remembered
 * version_information says (RFC 9368 §3: the server's Chosen Version). RFC 9369 §5: "Clients MUST
 * NOT use a session ticket or token from a QUIC version 1 connection to initiate a QUIC version 2
 * connection, and vice versa." A ticket without version_information counts as QUIC v1.
 */
export function ticketMatchesVersion(ticket: SessionTicket, version: QuicVersion): boolean {
  try {
    const p = parsePeerTransportParameters(ticket.transportParameters, 'server');
    return (p.versionInformation?.chosenVersion ?? QUIC_V1) === version;
  } catch (e) {
    if (e instanceof TransportError) return false;
    throw e;
  }
}

/**
 * A TLS 'early' secret. Client, write: 0-RTT keys, and the streams opened at once with the
 * remembered transport parameters (RFC 9000 §7.4.1: "The values of stored transport parameters are
 * used when attempting 0-RTT using the session tickets"); `createStreams` builds the StreamManager
 * the same way tls-bridge.ts does for the handshake's parameters. Server, read: 0-RTT read keys
 * (RFC 9001 §4.6.2: "The server then processes and acknowledges the 0-RTT packets").
 */
export function onEarlySecret(
  s: ConnectionState,
  direction: KeyDirection,
  suite: CipherSuiteInfo,
  secret: Uint8Array,
  createStreams: (peer: StreamTransportLimits) => StreamManager,
): void {
  const z = s.zeroRtt;
  if (z.discarded) return;
  const keys = derivePacketKeys(s.provider, suite, secret, s.version);
  if (s.role === 'server') {
    if (direction === 'read') z.readKeys = keys;
    return;
  }
  if (direction !== 'write' || z.ticket === undefined) return;
  let remembered: ResolvedTransportParameters;
  try {
    remembered = resolveTransportParameters(parsePeerTransportParameters(z.ticket.transportParameters, 'server'));
  } catch (e) {
    if (e instanceof TransportError) return; // unusable remembered parameters: no 0-RTT is sent
    throw e;
  }
  z.remembered = remembered;
  z.writeKeys = keys;
  z.limits = {
    initialMaxData: remembered.initialMaxData, initialMaxStreamDataBidiLocal: remembered.initialMaxStreamDataBidiLocal,
    initialMaxStreamDataBidiRemote: remembered.initialMaxStreamDataBidiRemote, initialMaxStreamDataUni: remembered.initialMaxStreamDataUni,
    initialMaxStreamsBidi: remembered.initialMaxStreamsBidi, initialMaxStreamsUni: remembered.initialMaxStreamsUni,
  };
  s.streams = createStreams(z.limits);
  // RFC 9221 §3: "When clients use 0-RTT, they MAY store the value of the server's
  // max_datagram_frame_size transport parameter. Doing so allows the client to send DATAGRAM
  // frames in 0-RTT packets."
  s.datagramSend.peerMaxFrameSize = remembered.maxDatagramFrameSize;
}

/**
 * Server: TLS accepted 0-RTT at the ClientHello (its 0-RTT read keys were just installed by
 * onEarlySecret). From now on the server also sends application data in 1-RTT packets before the
 * handshake completes (RFC 9001 §5.7: "the server's use of 1-RTT keys before the handshake is
 * complete is limited to sending data"; RFC 8446 §2.3: the server can answer 0-RTT data in its
 * first flight). True if the state changed (the caller then tells the application).
 */
export function onEarlyDataAccepted(s: ConnectionState): boolean {
  const z = s.zeroRtt;
  if (s.role !== 'server' || z.accepted || z.discarded) return false;
  z.accepted = true;
  return true;
}

/** Client: the handshake's parameters arrived; true if the 0-RTT streams stay until the outcome is known. */
export function keepsZeroRttStreams(s: ConnectionState): boolean {
  return s.role === 'client' && s.zeroRtt.limits !== undefined && s.streams !== undefined;
}

/**
 * RFC 9001 §4.9.3: "a client SHOULD discard 0-RTT keys as soon as it installs 1-RTT keys as they
 * have no use after that moment." Called when the 1-RTT write secret is installed.
 */
export function onOneRttWriteKeys(s: ConnectionState): void {
  if (s.role !== 'client') return;
  s.zeroRtt.writeKeys = undefined;
  s.zeroRtt.discarded = true;
}

/**
 * The handshake completed with this 0-RTT outcome. Client, accepted: the server's new transport
 * parameters apply (RFC 9000 §7.4.1 "Once the handshake completes, the client uses the transport
 * parameters established in the handshake"; "the client updates the flow control limits on all
 * sending streams using the updated values"), after checking that none of the limits the 0-RTT
 * data may have used was reduced. Client, rejected: see the module comment.
 * @throws TransportError PROTOCOL_VIOLATION when an accepting server reduced a remembered limit.
 */
export function onEarlyDataOutcome(
  s: ConnectionState,
  now: Instant,
  outcome: EarlyDataOutcome,
  createStreams: (peer: StreamTransportLimits) => StreamManager,
): void {
  const z = s.zeroRtt;
  z.outcome = outcome;
  if (s.role === 'server') {
    // RFC 9001 §4.6.2: "When rejecting 0-RTT, a server MUST NOT process any 0-RTT packets".
    if (outcome !== 'accepted') discardZeroRttKeys(s);
    return;
  }
  const peer = s.peerParams;
  if (z.limits === undefined || z.remembered === undefined || peer === undefined) return;
  if (outcome === 'accepted') {
    checkNotReduced(z.remembered, peer);
    Object.assign(z.limits, {
      initialMaxData: peer.initialMaxData, initialMaxStreamDataBidiLocal: peer.initialMaxStreamDataBidiLocal,
      initialMaxStreamDataBidiRemote: peer.initialMaxStreamDataBidiRemote, initialMaxStreamDataUni: peer.initialMaxStreamDataUni,
      initialMaxStreamsBidi: peer.initialMaxStreamsBidi, initialMaxStreamsUni: peer.initialMaxStreamsUni,
    });
    const streams = s.streams;
    if (streams === undefined) return;
    streams.onMaxData(peer.initialMaxData);
    streams.onMaxStreams(true, peer.initialMaxStreamsBidi);
    streams.onMaxStreams(false, peer.initialMaxStreamsUni);
    for (const id of [...streams.ids()]) {
      if (!isLocal(id, 'client') || streams.get(id)?.send === undefined) continue;
      // RFC 9000 §18.2: initial_max_stream_data_bidi_remote limits the bidirectional streams the
      // client opens, initial_max_stream_data_uni its unidirectional ones.
      const maximum = (id & 0x02) === 0 ? peer.initialMaxStreamDataBidiRemote : peer.initialMaxStreamDataUni;
      streams.onStreamFrame({ type: 'max_stream_data', streamId: id, maximum });
    }
    return;
  }
  // Rejected (or not offered by TLS after all): RFC 9001 §4.6.2 "MUST reset the state of all
  // streams". The 0-RTT packets were not processed by the server; they are forgotten without a
  // congestion response (no 1-RTT packet was sent yet: 1-RTT keys arrive with the outcome).
  s.ld.dropSentPackets(PacketNumberSpace.ApplicationData, now);
  z.limits = undefined;
  s.streams = createStreams(peer);
  s.readableAnnounced.clear();
  s.touchedStreams.clear();
  s.writeBlocked.clear();
  s.datagramSend.peerMaxFrameSize = peer.maxDatagramFrameSize;
}

/**
 * RFC 9000 §7.4.1: "a server that accepts 0-RTT data MUST NOT set values for the following
 * parameters (Section 18.2) that are smaller than the remembered values of the parameters." The
 * client checks it; RFC 9000 §7.4.1 names no error code, PROTOCOL_VIOLATION is what quinn uses.
 */
function checkNotReduced(remembered: ResolvedTransportParameters, peer: ResolvedTransportParameters): void {
  const keys = [
    'activeConnectionIdLimit', 'initialMaxData', 'initialMaxStreamDataBidiLocal', 'initialMaxStreamDataBidiRemote', 'initialMaxStreamDataUni',
    'initialMaxStreamsBidi', 'initialMaxStreamsUni',
  ] as const;
  for (const k of keys) {
    if (peer[k] < remembered[k]) throw new TransportError(TransportErrorCode.PROTOCOL_VIOLATION, undefined, `0-RTT accepted but ${k} reduced`);
  }
  // RFC 9221 §3: "If a client stores the value of the max_datagram_frame_size transport parameter
  // with their 0-RTT state, they MUST validate that the new value ... is greater than or equal to
  // the stored value; if not, the client MUST terminate the connection with error CONNECTION_REFUSED."
  if (peer.maxDatagramFrameSize < remembered.maxDatagramFrameSize) {
    throw new TransportError(TransportErrorCode.CONNECTION_REFUSED, undefined, '0-RTT accepted but max_datagram_frame_size reduced');
  }
}

/** Drops the 0-RTT keys and buffered packets for good (RFC 9001 §4.9.3). */
export function discardZeroRttKeys(s: ConnectionState): void {
  const z = s.zeroRtt;
  z.readKeys = undefined;
  z.writeKeys = undefined;
  z.discarded = true;
  z.discardDeadline = undefined;
  z.buffered.length = 0;
}

/**
 * Client, building a packet in the Application Data space without 1-RTT keys: the 0-RTT keys, if
 * any (RFC 9000 §12.3: "0-RTT and 1-RTT data ... share the application data packet number space").
 */
export function zeroRttWriteKeys(s: ConnectionState, sp: PacketSpace): PacketProtectionKeys | undefined {
  if (s.role !== 'client' || sp.space !== PacketNumberSpace.ApplicationData || sp.writeKeys !== undefined || sp.discarded) return undefined;
  return s.zeroRtt.writeKeys;
}

/** True if the client can send a 0-RTT packet in `space` now. */
export function canSendZeroRtt(s: ConnectionState, sp: PacketSpace): boolean {
  return zeroRttWriteKeys(s, sp) !== undefined;
}

/** The long header of a client 0-RTT packet (RFC 9000 §17.2.3), or undefined when 1-RTT applies. */
export function zeroRttHeader(s: ConnectionState, sp: PacketSpace): ZeroRttHeader | undefined {
  const keys = zeroRttWriteKeys(s, sp);
  if (keys === undefined) return undefined;
  // RFC 9369 §4: "The client MUST NOT send 0-RTT packets using the negotiated version, even after
  // processing a packet of that version from the server": the version the 0-RTT keys were made for.
  return { type: PacketType.ZeroRtt, version: keys.version, dcid: s.remoteCid, scid: s.localCid };
}

/**
 * Keys for a received 0-RTT packet, or undefined to drop (or buffer) it. RFC 9001 §5.6: "A client
 * MUST NOT attempt to decrypt 0-RTT packets it receives and instead MUST discard them." A server
 * without the keys yet buffers a bounded number (RFC 9000 §5.2.2: "If the packet is a 0-RTT packet,
 * the server MAY buffer a limited number of these packets in anticipation of a late-arriving
 * Initial packet"; RFC 9001 §4.6.2: none once 0-RTT was rejected). The keys go 3 PTO
 * after the first 1-RTT packet (RFC 9001 §4.9.3), checked here when a 0-RTT packet arrives.
 */
export function zeroRttReadKeys(s: ConnectionState, now: Instant, pkt: ZeroRttPacketHeader, path: NetworkPath): PacketProtectionKeys | undefined {
  const z = s.zeroRtt;
  if (s.role !== 'server' || z.discarded) return undefined;
  if (z.discardDeadline !== undefined && now >= z.discardDeadline) {
    discardZeroRttKeys(s);
    return undefined;
  }
  const keys = z.readKeys;
  if (keys === undefined) {
    if (z.outcome === undefined && z.buffered.length < MAX_BUFFERED_ZERO_RTT_PACKETS) z.buffered.push({ pkt: retainPacket(pkt, LOCAL_CID_LENGTH), path }); // the datagram's buffer is reused (receive.ts)
    return undefined;
  }
  // Keys follow the version of the packet (RFC 9369 §3.3: v2 labels); the connection's version is the usual one.
  return pkt.version === keys.version ? keys : derivePacketKeys(s.provider, keys.suite, keys.secret, pkt.version);
}

/** Server: a 0-RTT packet was opened. */
export function onZeroRttOpened(s: ConnectionState): void {
  s.zeroRtt.packetsReceived++;
}

/**
 * Server: a 1-RTT packet was opened. RFC 9001 §4.9.3: "After receiving a 1-RTT packet, servers
 * MUST discard 0-RTT keys within a short time; the RECOMMENDED time period is three times the
 * Probe Timeout".
 */
export function onOneRttReceived(s: ConnectionState, now: Instant): void {
  const z = s.zeroRtt;
  if (s.role !== 'server' || z.readKeys === undefined || z.discardDeadline !== undefined) return;
  z.discardDeadline = addDuration(now, scaleDuration(currentPto(s), 3));
}

/** Server: the buffered 0-RTT packets to process now that the keys are known (empty otherwise). */
export function takeBufferedZeroRtt(s: ConnectionState): BufferedZeroRttPacket[] {
  const z = s.zeroRtt;
  if (z.buffered.length === 0 || (z.readKeys === undefined && z.outcome === undefined)) return [];
  if (z.readKeys === undefined) {
    z.buffered.length = 0;
    return [];
  }
  return z.buffered.splice(0, z.buffered.length);
}

/**
 * Client, after a valid Retry. RFC 9000 §17.2.5.3: "A client MAY attempt 0-RTT after receiving a
 * Retry packet by sending 0-RTT packets to the connection ID provided by the server"; RFC 9001
 * §4.6.2: Retry packets "do not signify rejection of 0-RTT". The server dropped the
 * 0-RTT packets sent before (no connection existed), so their frames are queued again and go in
 * new 0-RTT packets to the new Destination Connection ID, with packet numbers that keep counting
 * ("MUST NOT reset the packet number"), without a congestion response.
 */
export function onRetryForZeroRtt(s: ConnectionState, now: Instant): void {
  if (s.role !== 'client' || s.zeroRtt.writeKeys === undefined) return;
  const dropped = s.ld.dropSentPackets(PacketNumberSpace.ApplicationData, now);
  onLostTokens(s, now, dropped);
}

/** Client: a 0-RTT packet was sent. */
export function onZeroRttSent(s: ConnectionState): void {
  s.zeroRtt.packetsSent++;
}
