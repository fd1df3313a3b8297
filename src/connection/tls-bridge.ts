/**
 * TLS to QUIC (RFC 9001 §4): TLS events become installed packet keys (§5.1), queued CRYPTO data
 * per level (§4.1.3), the peer's transport parameters (§8.2; RFC 9000 §7.3, §7.4), connection
 * events (certificate verification, tickets, key log), and handshake completion and
 * confirmation (§4.1.1, §4.1.2); a TLS alert becomes CONNECTION_CLOSE with CRYPTO_ERROR (§4.8).
 */
import { derivePacketKeys } from '../crypto/packet-protection.js';
import { StreamManager, type StreamTransportLimits } from '../streams/streams.js';
import { TlsAlert } from '../tls/alerts.js';
import type { CertificateVerification } from '../tls/certificates/errors.js';
import type { TlsEvent } from '../tls/session-types.js';
import { bytesEqual } from '../util/bytes.js';
import { millis, type Instant } from '../util/time.js';
import { TransportError, TransportErrorCode } from '../wire/errors.js';
import { PacketNumberSpace } from '../wire/packet-type.js';
import { resolveTransportParameters } from '../wire/transport-parameter-defaults.js';
import { parsePeerTransportParameters } from '../wire/transport-parameters-validation.js';
import { closeWithError, effectiveIdleTimeout, isTerminating } from './close.js';
import { initRemoteCids } from './connection-ids.js';
import { checkRetrySourceConnectionId } from './retry.js';
import { checkPeerVersionInformation, chooseServerVersion } from './versions.js';
import { spaceOfLevel, type CryptoLevel } from './packet-space.js';
import { pushEvent, type ConnectionState } from './state.js';
import { qlogHandshakeComplete, qlogHandshakeConfirmed, qlogPeerParameters, qlogSpaceDiscarded, qlogTlsSecret } from './qlog-emit.js';
import { keepsZeroRttStreams, onEarlyDataAccepted, onEarlyDataOutcome, onEarlySecret, onOneRttWriteKeys } from './zero-rtt.js';

/** Largest auto-tuned receive windows. */
const MAX_STREAM_WINDOW = 16 * 1024 * 1024;
const MAX_CONNECTION_WINDOW = 24 * 1024 * 1024;

/**
 * Runs a TLS call and then drains the session's events. A TlsAlert closes the connection with
 * CRYPTO_ERROR 0x100 + alert (RFC 9001 §4.8); a TransportError with its own code.
 */
export function driveTls(s: ConnectionState, now: Instant, call: () => void): void {
  try {
    call();
    drainTlsEvents(s, now);
  } catch (e) {
    if (e instanceof TlsAlert) closeWithError(s, now, new TransportError(e.transportErrorCode, undefined, e.reason));
    else if (e instanceof TransportError) closeWithError(s, now, e);
    else throw e;
  }
}

/** CRYPTO data reassembled at `level`, handed to TLS. */
export function onCryptoData(s: ConnectionState, now: Instant, level: CryptoLevel, data: Uint8Array): void {
  if (data.length === 0) return;
  // RFC 9368 §2.3: the server picks the version from the ClientHello before TLS answers it.
  if (level === 'initial') chooseServerVersion(s, data);
  driveTls(s, now, () => s.tls.handleCryptoData(s.wallClockMs(), level, data));
}

/** The driver's answer to a verify_certificate event (DESIGN §1: async work comes back as a command). */
export function completeCertificateVerification(s: ConnectionState, now: Instant, result: CertificateVerification): void {
  if (isTerminating(s)) return;
  driveTls(s, now, () => s.tls.completeCertificateVerification(s.wallClockMs(), result));
}

function drainTlsEvents(s: ConnectionState, now: Instant): void {
  for (let ev = s.tls.pollEvent(); ev !== undefined; ev = s.tls.pollEvent()) onTlsEvent(s, now, ev);
}

function onTlsEvent(s: ConnectionState, now: Instant, ev: TlsEvent): void {
  switch (ev.type) {
    case 'crypto_data':
      s.spaces[spaceOfLevel(ev.level)].cryptoSend.push(ev.data);
      return;
    case 'secret': {
      if (s.qlog !== undefined) qlogTlsSecret(s.qlog, s, now, ev.level, ev.direction); // quic-events §6.1 (qlog-emit.ts)
      // RFC 9001 §4.6: 0-RTT keys, and the client's streams with remembered parameters (zero-rtt.ts).
      if (ev.level === 'early') return onEarlySecret(s, ev.direction, ev.suite, ev.secret, (peer) => newStreamManager(s, peer));
      const space = s.spaces[spaceOfLevel(ev.level)];
      // RFC 9001 §5.1: packet protection keys are derived from the TLS secret with the suite's hash.
      const keys = derivePacketKeys(s.provider, ev.suite, ev.secret, s.version);
      if (ev.direction === 'read') space.readKeys = keys;
      else space.writeKeys = keys;
      if (ev.level === 'handshake' && ev.direction === 'write') s.ld.setHasHandshakeKeys(now);
      if (ev.level === 'application' && ev.direction === 'write') onOneRttWriteKeys(s); // RFC 9001 §4.9.3
      return;
    }
    case 'peer_transport_parameters':
      applyPeerTransportParameters(s, now, ev.data);
      return;
    case 'verify_certificate':
      pushEvent(s, { type: 'verify_certificate', chain: ev.chain, serverName: ev.serverName, trustAnchors: ev.trustAnchors });
      return;
    case 'early_data_accepted':
      // Server: the application may take the connection now and read the 0-RTT streams (zero-rtt.ts).
      if (onEarlyDataAccepted(s)) pushEvent(s, { type: 'early_data_accepted', alpn: ev.alpn });
      return;
    case 'handshake_complete':
      s.handshakeComplete = true;
      if (s.phase === 'handshaking') s.phase = 'established';
      if (s.qlog !== undefined) qlogHandshakeComplete(s.qlog, s, now, ev.alpn); // quic-events §4.6, §5.1, §5.2
      // RFC 9001 §4.6.2: the 0-RTT outcome (zero-rtt.ts: a rejected client resets its streams).
      onEarlyDataOutcome(s, now, ev.earlyData, (peer) => newStreamManager(s, peer));
      pushEvent(s, { type: 'handshake_completed', alpn: ev.alpn, resumed: ev.resumed, earlyData: ev.earlyData });
      // RFC 9001 §4.1.2: "the TLS handshake is considered confirmed at the server when the
      // handshake completes. The server MUST send a HANDSHAKE_DONE frame as soon as the
      // handshake is complete."
      if (s.role === 'server') {
        s.handshakeDonePending = true;
        confirmHandshake(s, now);
      }
      return;
    case 'session_ticket':
      pushEvent(s, { type: 'session_ticket', ticket: ev.ticket });
      return;
    case 'key_log':
      pushEvent(s, { type: 'key_log', line: ev.line });
      return;
    default: {
      const never: never = ev;
      throw new Error(`unknown TLS event ${String(never)}`);
    }
  }
}

/**
 * RFC 9001 §4.9.2: "An endpoint MUST discard its Handshake keys when the TLS handshake is
 * confirmed"; RFC 9002 §6.2.1 may then arm the Application Data PTO.
 */
export function confirmHandshake(s: ConnectionState, now: Instant): void {
  if (s.handshakeConfirmed) return;
  s.handshakeConfirmed = true;
  if (s.qlog !== undefined) qlogHandshakeConfirmed(s.qlog, now); // quic-events §4.6
  discardSpace(s, PacketNumberSpace.Initial, now);
  discardSpace(s, PacketNumberSpace.Handshake, now);
  s.ld.setHandshakeConfirmed(now);
  if (s.role === 'client') s.ld.setPeerCompletedAddressValidation(now);
}

/** Discards a long-header space once, in both the space and loss detection (RFC 9001 §4.9). */
export function discardSpace(s: ConnectionState, space: typeof PacketNumberSpace.Initial | typeof PacketNumberSpace.Handshake, now: Instant): void {
  if (s.spaces[space].discarded) return;
  s.spaces[space].discard();
  if (s.qlog !== undefined) qlogSpaceDiscarded(s.qlog, s, now, space); // quic-events §6.2
  s.ld.discardSpace(space, now);
}

/**
 * The peer's transport parameters (RFC 9001 §8.2): validated, authenticated connection IDs checked
 * (RFC 9000 §7.3), then applied to flow control and stream limits (§4, §18.2), loss detection
 * (max_ack_delay, ack_delay_exponent), the idle timeout (§10.1) and DATAGRAM (RFC 9221 §3).
 * @throws TransportError TRANSPORT_PARAMETER_ERROR.
 */
function applyPeerTransportParameters(s: ConnectionState, now: Instant, body: Uint8Array): void {
  const peer = resolveTransportParameters(parsePeerTransportParameters(body, s.role === 'client' ? 'server' : 'client'));
  const err = (reason: string): TransportError => new TransportError(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, undefined, reason);
  // RFC 9000 §7.3: "An endpoint MUST treat the absence of the initial_source_connection_id
  // transport parameter from either endpoint or the absence of the
  // original_destination_connection_id transport parameter from the server as a connection error
  // of type TRANSPORT_PARAMETER_ERROR." ... "An endpoint MUST treat the following as a connection
  // error of type TRANSPORT_PARAMETER_ERROR or PROTOCOL_VIOLATION: a mismatch between values
  // received from a peer in these transport parameters and the value sent in the corresponding
  // Destination or Source Connection ID fields of Initial packets."
  if (peer.initialSourceConnectionId === undefined) throw err('initial_source_connection_id missing');
  if (!bytesEqual(peer.initialSourceConnectionId, s.remoteCid)) throw err('initial_source_connection_id does not match the Source Connection ID');
  if (s.role === 'client') {
    if (peer.originalDestinationConnectionId === undefined) throw err('original_destination_connection_id missing');
    if (!bytesEqual(peer.originalDestinationConnectionId, s.originalDcid)) throw err('original_destination_connection_id does not match');
  }
  checkRetrySourceConnectionId(s, peer); // RFC 9000 §7.3 (retry.ts)
  checkPeerVersionInformation(s, peer); // RFC 9368 §4 (versions.ts)
  s.peerParams = peer;
  if (s.qlog !== undefined) qlogPeerParameters(s.qlog, now, peer); // quic-events §5.3
  // RFC 9000 §5.1.1: the handshake's connection ID is sequence number 0; the server's token
  // comes in stateless_reset_token (§18.2).
  initRemoteCids(s, peer.statelessResetToken);
  const local = resolveTransportParameters(s.localParams);
  // RFC 9000 §7.4.1: a client that sent 0-RTT keeps its streams until the 0-RTT outcome (zero-rtt.ts).
  if (!keepsZeroRttStreams(s)) s.streams = newStreamManager(s, peer);
  s.ld.setPeerTransportParameters(millis(peer.maxAckDelay), peer.ackDelayExponent, now);
  s.idleTimeout = effectiveIdleTimeout(local.maxIdleTimeout, peer.maxIdleTimeout);
  s.datagramSend.peerMaxFrameSize = peer.maxDatagramFrameSize;
}

/** The streams of a connection whose peer advertised `peer` (RFC 9000 §4, §18.2). */
function newStreamManager(s: ConnectionState, peer: StreamTransportLimits): StreamManager {
  return new StreamManager({
    role: s.role,
    local: resolveTransportParameters(s.localParams),
    peer: peer,
    sendBufferCapacity: s.sendBufferCapacity,
    maxStreamWindow: MAX_STREAM_WINDOW,
    maxConnectionWindow: MAX_CONNECTION_WINDOW,
  });
}
