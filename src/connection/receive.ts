/**
 * The receive path (RFC 9000 §12.2, §12.3, §12.4, §17; RFC 9001 §5.5): split a datagram into its
 * coalesced packets, pick each packet's keys by type, remove protection with the space's largest
 * packet number, drop what cannot be decrypted, drop duplicates, decode frames with the packet
 * type's rules and dispatch them. Peer violations become CONNECTION_CLOSE (close.ts). 1-RTT keys
 * follow the Key Phase bit (key-update.ts); an undecryptable datagram is checked for a Stateless
 * Reset (RFC 9000 §10.3.1).
 */
import { unprotectPacket } from '../crypto/packet-protection.js';
import { bytesEqual } from '../util/bytes.js';
import { CodecError } from '../util/errors.js';
import type { Instant } from '../util/time.js';
import { TransportError, TransportErrorCode } from '../wire/errors.js';
import { frameTypeOf, sizeOfFrame, type Frame } from '../wire/frames.js';
import { isAckEliciting } from '../wire/frame-permissions.js';
import { FrameError, decodeFrames } from '../wire/frames.js';
import { reservedBitsOf, retainPacket, splitDatagram, type PacketHeader } from '../wire/header.js';
import { PacketNumberSpace, PacketType, packetNumberSpaceOf } from '../wire/packet-type.js';
import { closeWithError, isTerminating, onPeerClose, onStatelessReset, restartIdleTimer } from './close.js';
import { isActiveLocalCid, isStatelessResetFor, onNewConnectionId, onRetireConnectionId } from './connection-ids.js';
import { onDecryptionFailed, openOneRtt } from './key-update.js';
import { levelOfSpace } from './packet-space.js';
import { onRetryPacket } from './retry.js';
import { longHeaderReadKeys, onLongHeaderOpened, onVersionNegotiation } from './versions.js';
import { onAckedTokens, onLostTokens } from './recovery-tokens.js';
import { LOCAL_CID_LENGTH, pushEvent, type ConnectionState } from './state.js';
import type { NetworkPath } from './types.js';
import { confirmHandshake, discardSpace, onCryptoData } from './tls-bridge.js';
import { announceStreams } from './stream-events.js';
import { applyStreamFrame, onMaxStreamsFrame } from './stream-surface.js';
import { announcePreferredAddress } from './migration.js';
import { qlogPacketBuffered, qlogPacketDropped, qlogPacketReceived, qlogPacketsLost } from './qlog-emit.js';
import { isKnownRemote, isProbingFrame, onDatagramReceivedOnPath, onPacketOnPath, onPathChallenge, onPathResponse } from './paths.js';
import { onOneRttReceived, onRetryForZeroRtt, onZeroRttOpened, takeBufferedZeroRtt, zeroRttReadKeys } from './zero-rtt.js';

/**
 * The copy of the datagram being received, reused from call to call (allocating a fresh copy per
 * datagram costs more than the copy). Nothing keeps a view into it past `receiveDatagram`:
 * decoded headers and frames are views whose consumers copy what they keep (DESIGN §4), and
 * buffered 0-RTT packets get their own copy (zero-rtt.ts).
 */
let receiveBuffer = new Uint8Array(2048);

/** Handles one UDP datagram (RFC 9000 §12.2: "MUST individually process each QUIC packet"). */
export function receiveDatagram(s: ConnectionState, now: Instant, datagram: Uint8Array, path: NetworkPath): void {
  if (s.phase === 'closed' || s.phase === 'draining') return;
  // RFC 9000 §9: "If a client receives packets from an unknown server address, the client MUST
  // discard these packets." Known: the addresses of the client's paths (the server's, and a
  // preferred address once the client probes it, migration.ts).
  if (s.role === 'client' && !isKnownRemote(s, path.remote)) {
    if (s.qlog !== undefined) qlogPacketDropped(s.qlog, now, undefined, datagram.length, 'rejected'); // quic-events §5.7
    return;
  }
  // Decryption works in place on a copy; the caller's buffer stays untouched.
  if (receiveBuffer.length < datagram.length) receiveBuffer = new Uint8Array(datagram.length);
  receiveBuffer.set(datagram);
  const bytes = receiveBuffer.subarray(0, datagram.length);
  s.bytesReceived += bytes.length;
  const { packets } = splitDatagram(bytes, LOCAL_CID_LENGTH);
  let firstDcid: Uint8Array | undefined;
  let authenticated = false;
  for (const pkt of packets) {
    // RFC 9000 §17.2.5.2 (Retry, retry.ts) and §6.2 (Version Negotiation, versions.ts): client only;
    // both take the rest of the datagram.
    if (pkt.type === PacketType.Retry) {
      if (onRetryPacket(s, now, pkt)) {
        authenticated = true;
        onRetryForZeroRtt(s, now); // RFC 9000 §17.2.5.3: 0-RTT goes again to the new connection ID
      }
      continue;
    }
    if (pkt.type === PacketType.VersionNegotiation) {
      if (onVersionNegotiation(s, now, pkt)) return;
      continue;
    }
    // RFC 9000 §12.2: "Receivers SHOULD ignore any subsequent packets with a different
    // Destination Connection ID than the first packet in the datagram."
    if (firstDcid === undefined) firstDcid = pkt.dcid;
    else if (!bytesEqual(firstDcid, pkt.dcid)) {
      if (s.qlog !== undefined) qlogPacketDropped(s.qlog, now, pkt, pkt.packetLength, 'rejected'); // quic-events §5.7
      continue;
    }
    if (!isOurDcid(s, pkt)) {
      if (s.qlog !== undefined) qlogPacketDropped(s.qlog, now, pkt, pkt.packetLength, 'connection_unknown'); // quic-events §5.7
      continue;
    }
    if (receiveOrClose(s, now, pkt, path)) authenticated = true;
    if (isGone(s)) return;
  }
  // RFC 9000 §5.2.2: 0-RTT packets buffered until their keys arrived (zero-rtt.ts).
  if (s.zeroRtt.buffered.length > 0) {
    for (const b of takeBufferedZeroRtt(s)) {
      receiveOrClose(s, now, b.pkt, b.path);
      if (isGone(s)) return;
    }
  }
  processUndecryptable(s, now);
  if (isGone(s)) return;
  if (authenticated) onDatagramReceivedOnPath(s, path, bytes.length); // RFC 9000 §9.3.1 accounting (paths.ts)
  // RFC 9000 §10.3.1: a datagram we could not process may be a Stateless Reset.
  if (!authenticated && !isTerminating(s) && isStatelessResetFor(s, datagram)) {
    onStatelessReset(s, now);
    return;
  }
  if (s.phase === 'closing') s.closeSendPending = true; // RFC 9000 §10.2.1: answer with CONNECTION_CLOSE
}

/** Most Handshake and 1-RTT packets held for keys that are not available yet (RFC 9001 §4.1.4). */
export const MAX_UNDECRYPTABLE_PACKETS = 32;
/** Most bytes those packets may hold together (DESIGN §5: a peer's large datagrams cannot make it more). */
export const MAX_UNDECRYPTABLE_BYTES = 64 * 1024;

/** Whether one more packet of `length` bytes may be held. */
function roomToHold(s: ConnectionState, length: number): boolean {
  if (s.undecryptable.length >= MAX_UNDECRYPTABLE_PACKETS) return false;
  let bytes = length;
  for (const b of s.undecryptable) bytes += b.pkt.packetLength;
  return bytes <= MAX_UNDECRYPTABLE_BYTES;
}

/**
 * Whether keys for a packet that has none yet may still come, so that it is worth holding (RFC
 * 9001 §4.1.4: "an endpoint SHOULD buffer received packets if they might be processed using keys
 * that are not yet available"): 1-RTT packets until the handshake completes (RFC 9001 §5.7: a
 * client gets the keys with the server's last flight, and "Endpoints in either role MUST NOT
 * decrypt 1-RTT packets from their peer prior to completing the handshake"), and a client's
 * Handshake packets until the ServerHello gave it Handshake keys (a lost or late Initial).
 */
function keysMayCome(s: ConnectionState, pkt: PacketHeader): boolean {
  if (pkt.type === PacketType.OneRtt) return !s.handshakeComplete;
  return pkt.type === PacketType.Handshake && s.role === 'client';
}

/**
 * Processes the held packets whose keys are now available (RFC 9001 §4.1.4: "These packets can be
 * processed once keys are provided by TLS"), after each datagram and after an asynchronous
 * certificate check; those of a discarded space are dropped, the others stay.
 */
export function processUndecryptable(s: ConnectionState, now: Instant): void {
  if (s.undecryptable.length === 0) return;
  const held = s.undecryptable.splice(0, s.undecryptable.length);
  for (let i = 0; i < held.length; i++) {
    const b = held[i]!;
    const sp = s.spaces[packetNumberSpaceOf(b.pkt.type)];
    if (sp.discarded || isGone(s)) continue;
    if (sp.readKeys === undefined) {
      s.undecryptable.push(b);
      continue;
    }
    receiveOrClose(s, now, b.pkt, b.path);
  }
}

/** `receivePacket`, closing the connection on a TransportError (RFC 9000 §10.2) instead of throwing it. */
function receiveOrClose(s: ConnectionState, now: Instant, pkt: Exclude<PacketHeader, { type: 'retry' | 'version_negotiation' }>, path: NetworkPath): boolean {
  try {
    return receivePacket(s, now, pkt, path);
  } catch (e) {
    if (e instanceof TransportError) {
      closeWithError(s, now, e);
      return false;
    }
    throw e;
  }
}

/** Draining or closed (a function, so that the phase is re-read after each packet). */
function isGone(s: ConnectionState): boolean {
  return s.phase === 'draining' || s.phase === 'closed';
}

function isOurDcid(s: ConnectionState, pkt: Exclude<PacketHeader, { type: 'retry' | 'version_negotiation' }>): boolean {
  if (isActiveLocalCid(s, pkt.dcid)) return true;
  // RFC 9000 §5.1.2: a retired connection ID is no longer ours (long headers keep the first one).
  if (pkt.type === PacketType.OneRtt) return false;
  if (bytesEqual(pkt.dcid, s.localCid)) return true;
  // The server accepts the client's chosen DCID on Initial (and 0-RTT) packets until it switches.
  return s.role === 'server' && bytesEqual(pkt.dcid, s.originalDcid);
}

/** Processes one packet; returns true when it was authenticated (RFC 9001 §5.5). */
function receivePacket(s: ConnectionState, now: Instant, pkt: Exclude<PacketHeader, { type: 'retry' | 'version_negotiation' }>, path: NetworkPath): boolean {
  const spaceId = packetNumberSpaceOf(pkt.type);
  const space = s.spaces[spaceId];
  // RFC 9368 §2.3: long headers of another version get that version's Initial keys, if any (versions.ts).
  // RFC 9001 §5.6 / §4.6.2: 0-RTT packets with the server's 0-RTT keys, else dropped or buffered (zero-rtt.ts).
  const keys = pkt.type === PacketType.OneRtt ? space.readKeys : pkt.type === PacketType.ZeroRtt ? zeroRttReadKeys(s, now, pkt, path) : longHeaderReadKeys(s, pkt);
  // RFC 9001 §5.5 / §4.9: packets for which there are no keys (yet, or any more) are dropped, except
  // a bounded number whose keys may still come (RFC 9001 §4.1.4, processUndecryptable).
  if (keys === undefined || space.discarded) {
    if (!space.discarded && pkt.type !== PacketType.ZeroRtt && keysMayCome(s, pkt) && roomToHold(s, pkt.packetLength)) {
      s.undecryptable.push({ pkt: retainPacket(pkt, LOCAL_CID_LENGTH), path });
      if (s.qlog !== undefined) qlogPacketBuffered(s.qlog, now, pkt, pkt.packetLength); // quic-events §5.8
      return false;
    }
    if (s.qlog !== undefined) qlogPacketDropped(s.qlog, now, pkt, pkt.packetLength, 'key_unavailable'); // quic-events §5.7
    return false;
  }
  let opened;
  if (pkt.type === PacketType.OneRtt) {
    // RFC 9001 §6.3: 1-RTT keys are chosen by the Key Phase bit.
    opened = openOneRtt(s, now, pkt.bytes, pkt.pnOffset, pkt.packetLength);
  } else {
    try {
      opened = unprotectPacket(keys, pkt.bytes, pkt.pnOffset, pkt.packetLength, space.ack.largestReceived);
    } catch (e) {
      if (e instanceof CodecError) {
        if (s.qlog !== undefined) qlogPacketDropped(s.qlog, now, pkt, pkt.packetLength, 'invalid'); // quic-events §5.7
        return false; // too short to sample: RFC 9001 §5.4.2 "MUST discard"
      }
      throw e;
    }
    if (opened === null) onDecryptionFailed(s, keys);
  }
  // RFC 9001 §5.5: packets that fail authentication are discarded, not an error.
  if (opened === null) {
    if (s.qlog !== undefined) qlogPacketDropped(s.qlog, now, pkt, pkt.packetLength, 'decryption_failure'); // quic-events §5.7
    return false;
  }
  if (pkt.type === PacketType.ZeroRtt) onZeroRttOpened(s);
  else if (pkt.type !== PacketType.OneRtt) onLongHeaderOpened(s, pkt);
  else onOneRttReceived(s, now); // RFC 9001 §4.9.3: the server's 0-RTT keys go 3 PTO later
  // RFC 9000 §17.2/§17.3.1: "An endpoint MUST treat receipt of a packet that has a non-zero value
  // for these bits after removing both packet and header protection as a connection error of
  // type PROTOCOL_VIOLATION."
  if (reservedBitsOf(opened.firstByte) !== 0) throw new TransportError(TransportErrorCode.PROTOCOL_VIOLATION, undefined, 'reserved bits set');
  // RFC 9000 §12.3: duplicates are discarded.
  if (space.ack.isDuplicate(opened.packetNumber)) {
    if (s.qlog !== undefined) qlogPacketDropped(s.qlog, now, pkt, pkt.packetLength, 'duplicate', opened.packetNumber); // quic-events §5.7
    return true;
  }
  let frames: Frame[];
  try {
    frames = decodeFrames(opened.payload, pkt.type);
  } catch (e) {
    if (e instanceof FrameError) {
      const code = e.kind === 'frame_encoding' ? TransportErrorCode.FRAME_ENCODING_ERROR : TransportErrorCode.PROTOCOL_VIOLATION;
      throw new TransportError(code, e.frameType, e.message);
    }
    throw e;
  }
  s.packetsReceived++;
  if (s.qlog !== undefined) qlogPacketReceived(s.qlog, s, now, pkt, opened.packetNumber, frames); // quic-events §5.6
  // RFC 9000 §13.2.1 (ack-eliciting) and §9.3 (a non-probing packet), in one pass.
  let ackEliciting = false;
  let nonProbing = false;
  for (const f of frames) {
    if (!ackEliciting && isAckEliciting(frameTypeOf(f))) ackEliciting = true;
    if (!nonProbing && !isProbingFrame(f)) nonProbing = true;
  }
  space.ack.onPacketReceived(opened.packetNumber, ackEliciting, now);

  if (s.role === 'client' && pkt.type === PacketType.Initial && !s.remoteCidConfirmed) {
    // RFC 9000 §7.2: "the client MUST change the Destination Connection ID it uses for sending
    // packets in response to only the first received Initial or Retry packet."
    s.remoteCid = pkt.scid.slice();
    s.remoteCidConfirmed = true;
  }
  if (s.role === 'server' && pkt.type === PacketType.Handshake) {
    // RFC 9000 §8.1: "an endpoint can consider the peer address to have been validated ... when
    // a Handshake packet ... is received"; RFC 9001 §4.9.1: "a server MUST discard Initial keys
    // when it first successfully processes a Handshake packet."
    s.addressValidated = true;
    s.ld.setAmplificationLimited(false, now);
    discardSpace(s, PacketNumberSpace.Initial, now);
  }
  restartIdleTimer(s, now);
  s.ackElicitingSentSinceReceive = false;

  // RFC 9000 §9.3: a new peer address, and the highest-numbered non-probing packet (paths.ts).
  if (!isTerminating(s)) onPacketOnPath(s, now, path, pkt.type === PacketType.OneRtt, opened.packetNumber, nonProbing, pkt.dcid);
  for (const frame of frames) {
    if (isTerminating(s)) {
      if (frame.type === 'connection_close') onPeerClose(s, now, frame);
      continue;
    }
    // RFC 9000 §8.2.2 / §8.2.3: PATH_CHALLENGE is answered on the path it came on (paths.ts).
    if (frame.type === 'path_challenge') onPathChallenge(s, now, path, frame.data);
    if (frame.type === 'path_response') onPathResponse(s, now, frame.data);
    onFrame(s, now, spaceId, frame, pkt.dcid);
  }
  announceStreams(s);
  return true;
}

function onFrame(s: ConnectionState, now: Instant, spaceId: PacketNumberSpace, frame: Frame, dcid: Uint8Array): void {
  switch (frame.type) {
    case 'padding':
    case 'ping':
      return;
    case 'ack': {
      const result = s.ld.onAckReceived(frame, spaceId, now);
      if (s.qlog !== undefined && result.lost.length > 0) qlogPacketsLost(s.qlog, now, spaceId, result.lost); // quic-events §7.4
      onAckedTokens(s, result.acked);
      onLostTokens(s, now, result.lost);
      // RFC 9002 §6.2.2.1: a client's address is validated once its Handshake packets are acknowledged.
      if (s.role === 'client' && spaceId === PacketNumberSpace.Handshake && result.acked.length > 0) s.ld.setPeerCompletedAddressValidation(now);
      return;
    }
    case 'crypto': {
      const space = s.spaces[spaceId];
      onCryptoData(s, now, levelOfSpace(spaceId), space.cryptoRecv.onFrame(frame.offset, frame.data));
      return;
    }
    case 'handshake_done':
      // RFC 9000 §19.20: "A server MUST treat receipt of a HANDSHAKE_DONE frame as a connection
      // error of type PROTOCOL_VIOLATION."
      if (s.role === 'server') throw new TransportError(TransportErrorCode.PROTOCOL_VIOLATION, 0x1e, 'HANDSHAKE_DONE from a client');
      // RFC 9001 §4.1.2: "the TLS handshake is considered confirmed at the client when a
      // HANDSHAKE_DONE frame is received."
      {
        const first = !s.handshakeConfirmed;
        confirmHandshake(s, now);
        if (first) announcePreferredAddress(s); // RFC 9000 §9.6.2 (migration.ts)
      }
      return;
    case 'connection_close':
      onPeerClose(s, now, frame);
      return;
    case 'stream':
    case 'reset_stream':
    case 'stop_sending':
    case 'max_stream_data':
    case 'stream_data_blocked':
      applyStreamFrame(s, requireStreams(s, frame), frame); // stream_reset / stream_stopped events (stream-surface.ts)
      s.touchedStreams.add(frame.streamId);
      return;
    case 'max_data':
      requireStreams(s, frame).onMaxData(frame.maximum);
      return;
    case 'max_streams':
      onMaxStreamsFrame(s, requireStreams(s, frame), frame.bidi, frame.maximum); // streams_available (stream-surface.ts)
      return;
    case 'datagram': {
      s.datagramRecv.onDatagram(frame.data, sizeOfFrame(frame));
      if (!s.datagramAnnounced) {
        s.datagramAnnounced = true;
        pushEvent(s, { type: 'datagram_received' });
      }
      return;
    }
    case 'new_token':
      // RFC 9000 §19.7: "A server MUST treat receipt of a NEW_TOKEN frame as a connection error of type PROTOCOL_VIOLATION."
      if (s.role === 'server') throw new TransportError(TransportErrorCode.PROTOCOL_VIOLATION, 0x07, 'NEW_TOKEN from a client');
      // RFC 9000 §8.1.3: the client keeps the token for a later connection (the driver's job).
      pushEvent(s, { type: 'new_token', token: frame.token.slice() });
      return;
    case 'data_blocked':
    case 'streams_blocked':
    case 'path_challenge':
    case 'path_response':
      return; // handled with the packet's path in receivePacket (paths.ts)
    case 'new_connection_id':
      onNewConnectionId(s, frame);
      return;
    case 'retire_connection_id':
      onRetireConnectionId(s, frame, dcid);
      return;
    default: {
      const never: never = frame;
      throw new Error(`unknown frame ${String(never)}`);
    }
  }
}

function requireStreams(s: ConnectionState, frame: Frame) {
  if (s.streams === undefined) throw new TransportError(TransportErrorCode.PROTOCOL_VIOLATION, frameTypeOf(frame), 'stream frame before transport parameters');
  return s.streams;
}
