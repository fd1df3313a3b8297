/**
 * The send path (RFC 9000 §12.2, §13, §14.1, §17; RFC 9001 §5; RFC 9002 §6.2.4, §7): one call
 * builds one UDP datagram, coalescing an Initial, a Handshake and a 1-RTT packet. Each packet's
 * frames go in priority order: ACK, CRYPTO, HANDSHAKE_DONE, connection ID and NEW_TOKEN frames, a
 * queued PING, the streams' control frames, DATAGRAM frames, STREAM frames, PING for a probe with
 * nothing else, an ACK that only reports non-ack-eliciting packets when room is left, and PADDING.
 * Each packet's recovery tokens go to loss detection with it.
 */
import { protectPacket } from '../crypto/packet-protection.js';
import { Writer } from '../util/bytes.js';
import type { Instant } from '../util/time.js';
import { encodeFrame, sizeOfFrame, type Frame } from '../wire/frames.js';
import { encodeLongHeader, sizeOfLongHeader, type LongHeader } from '../wire/long-header.js';
import { encodePacketNumberLength, type PacketNumberLength } from '../wire/packet-number.js';
import { PacketNumberSpace, PacketType } from '../wire/packet-type.js';
import { encodeShortHeader } from '../wire/short-header.js';
import type { PacketProtectionKeys } from '../crypto/packet-protection.js';
import { TransportError, TransportErrorCode } from '../wire/errors.js';
import { closeFrameForLongHeader, closeWithError, restartIdleTimer } from './close.js';
import { writeConnectionIdFrames } from './connection-ids.js';
import { writeNewTokenFrames } from './retry.js';
import { beforeOneRttSend, onOneRttSent } from './key-update.js';
import { PACKET_NUMBER_SPACES, type PacketSpace } from './packet-space.js';
import { onLostTokens } from './recovery-tokens.js';
import { MAX_DATAGRAM_SIZE, type ConnectionState } from './state.js';
import { discardSpace } from './tls-bridge.js';
import { activePathBudget } from './paths.js';
import { pmtudTick } from './pmtud.js';
import { writeStreamControlFrames, writeStreamDataFrames } from './stream-scheduling.js';
import { onAckElicitingSent, writeDatagramFrames, writePing } from './app-surface.js';
import type { ConnectionToken } from './types.js';
import { qlogPacketSent } from './qlog-emit.js';
import { canSendZeroRtt, onZeroRttSent, zeroRttHeader, zeroRttWriteKeys } from './zero-rtt.js';

/** AEAD tag length (RFC 9001 §5.3: all QUIC v1 AEADs have a 16-byte tag). */
const TAG = 16;
/** Smallest room worth starting a packet with. */
const MIN_PACKET_ROOM = 32;
/** Most bytes an ACK frame previewed for a packet may take (older ranges are left out beyond, RFC 9000 §13.2.3). */
const ACK_PREVIEW_LIMIT = 256;
/** The smallest ACK frame (RFC 9000 §19.3): type, Largest Acknowledged, ACK Delay, ACK Range Count, First ACK Range. */
const MIN_ACK_FRAME_SIZE = 5;
/** RFC 9000 §14.1: Initial datagrams are padded to at least 1200 bytes. */
const MIN_INITIAL_DATAGRAM = 1200;

interface Draft {
  readonly space: PacketSpace;
  readonly keys: PacketProtectionKeys;
  readonly header: LongHeader | undefined;
  readonly pn: number;
  readonly pnLen: PacketNumberLength;
  readonly headerSize: number;
  /** Where the packet starts in the datagram buffer; its payload follows the header reserved there. */
  readonly start: number;
  /** The plaintext payload's length, written in place at `start + headerSize`. */
  payloadLength: number;
  tokens: ConnectionToken[];
  ackEliciting: boolean;
  padded: boolean;
  /** A DPLPMTUD probe (RFC 9000 §14.4). */
  pmtuProbe: boolean;
}

/** RFC 9000 §8.1: "an endpoint MUST limit the amount of data it sends to the unvalidated address to three times the amount of data received from that address." */
export function amplificationBudget(s: ConnectionState): number {
  // RFC 9000 §9.3.1: "an endpoint MUST limit the amount of data it sends to the unvalidated
  // address to three times the amount of data received from that address" (a path the peer moved to, paths.ts).
  const path = activePathBudget(s);
  if (s.role === 'client' || s.addressValidated) return path;
  return Math.min(path, Math.max(0, 3 * s.bytesReceived - s.bytesSent));
}

/** Tells loss detection whether the server is blocked by the amplification limit (RFC 9002 A.8). */
export function updateAmplification(s: ConnectionState, now: Instant): void {
  if (s.role === 'server' && !s.addressValidated) s.ld.setAmplificationLimited(amplificationBudget(s) < MAX_DATAGRAM_SIZE, now);
}

/** Builds the next datagram into `out`; returns its length, 0 when there is nothing to send. */
export function buildDatagram(s: ConnectionState, now: Instant, out: Uint8Array): number {
  if (s.phase === 'closed' || s.phase === 'draining') return 0;
  pmtudTick(s);
  // RFC 9000 §14: datagrams are no larger than the path MTU DPLPMTUD confirmed (pmtud.ts).
  const limit = Math.min(out.length, s.pmtud.current, amplificationBudget(s));
  if (limit < MIN_PACKET_ROOM + TAG) return 0;
  if (s.phase === 'closing') return s.closeSendPending ? buildClose(s, now, out, limit) : 0;
  const drafts: Draft[] = [];
  let remaining = limit;
  let offset = 0;
  // RFC 9002 §7: "An endpoint MUST NOT send a packet if it would cause bytes_in_flight ... to be
  // larger than the congestion window, unless the packet is sent on a PTO timer expiration".
  // RFC 9002 §7.7: pacing spreads what the window allows over the round trip.
  s.pacer.setRate(now, s.ld.cc.pacingRate(s.ld.rtt.hasSample ? s.ld.rtt.sample() : undefined));
  s.pacerDeadline = s.pacer.nextSendTime(now, limit);
  const congestionBlocked = s.ld.bytesInFlight >= s.ld.cc.congestionWindow || s.pacerDeadline !== undefined;
  const probeLength = congestionBlocked ? 0 : buildPmtuProbe(s, now, out);
  if (probeLength > 0) return probeLength;
  for (const id of PACKET_NUMBER_SPACES) {
    const sp = s.spaces[id];
    if (!sp.canSend && !canSendZeroRtt(s, sp)) continue; // RFC 9001 §4.6.1: the client's 0-RTT packets (zero-rtt.ts)
    if (id === PacketNumberSpace.ApplicationData && !beforeOneRttSend(s)) {
      // RFC 9001 §6.6: "If a key update is not possible ... the endpoint MUST stop using the connection";
      // "It is RECOMMENDED that endpoints immediately close the connection with a connection error of type AEAD_LIMIT_REACHED".
      closeWithError(s, now, new TransportError(TransportErrorCode.AEAD_LIMIT_REACHED, undefined, 'AEAD confidentiality limit reached'));
      return 0;
    }
    const draft = buildPacket(s, now, sp, out, offset, remaining, congestionBlocked);
    if (draft === undefined) continue;
    drafts.push(draft);
    const size = draft.headerSize + draft.payloadLength + TAG;
    offset += size;
    remaining -= size;
    if (remaining < MIN_PACKET_ROOM + TAG) break;
  }
  if (drafts.length === 0) return 0;
  if (!anyDraft(drafts, true)) s.pacerDeadline = undefined;
  padDatagram(s, drafts, out, limit);
  return sealDatagram(s, now, drafts, out, true);
}

/** True if a packet of `drafts` is ack-eliciting (or, unless `ackElicitingOnly`, in flight because padded). */
function anyDraft(drafts: readonly Draft[], ackElicitingOnly: boolean): boolean {
  for (const d of drafts) if (d.ackEliciting || (!ackElicitingOnly && d.padded)) return true;
  return false;
}

function headerFor(s: ConnectionState, sp: PacketSpace): LongHeader | undefined {
  switch (sp.space) {
    case PacketNumberSpace.Initial:
      // RFC 9000 §17.2.5.2: after a Retry the client's Initials carry its token (or, RFC 9000 §8.1.3, a NEW_TOKEN token).
      return { type: PacketType.Initial, version: s.version, dcid: s.remoteCid, scid: s.localCid, token: s.role === 'client' ? s.negotiation.initialToken : new Uint8Array(0) };
    case PacketNumberSpace.Handshake:
      return { type: PacketType.Handshake, version: s.version, dcid: s.remoteCid, scid: s.localCid };
    case PacketNumberSpace.ApplicationData:
      return zeroRttHeader(s, sp); // RFC 9000 §17.2.3: a 0-RTT long header until 1-RTT keys (zero-rtt.ts)
  }
}

/** A packet at `start` of the datagram with an empty payload yet (one object per packet, filled in by the caller). */
function startDraft(s: ConnectionState, sp: PacketSpace, start: number): Draft {
  const largestAcked = s.ld.largestAcked(sp.space);
  const pn = sp.nextPacketNumber;
  const pnLen = encodePacketNumberLength(pn, largestAcked < 0 ? undefined : largestAcked);
  const header = headerFor(s, sp);
  const headerSize = header === undefined ? 1 + s.remoteCid.length + pnLen : sizeOfLongHeader(header, pnLen, 2);
  return { space: sp, keys: zeroRttWriteKeys(s, sp) ?? sp.writeKeys!, header, pn, pnLen, headerSize, start, payloadLength: 0, tokens: [], ackEliciting: false, padded: false, pmtuProbe: false };
}

/**
 * Builds one packet's payload in place in `out` at `start + headerSize` (the header is written by
 * sealDatagram once the payload length is final): the ACK frame first, then the body. The ACK is
 * previewed (not recorded) to reserve its room, the body is written after that room, and the ACK
 * is recorded and encoded only once the packet is known to be sent.
 */
function buildPacket(s: ConnectionState, now: Instant, sp: PacketSpace, out: Uint8Array, start: number, room: number, congestionBlocked: boolean): Draft | undefined {
  const probe = sp.probesPending > 0;
  // Blocked by congestion control or pacing and not a probe, the packet could only be an ACK that
  // is due: when none is, there is no packet (the common empty poll while cwnd-limited).
  if (congestionBlocked && !probe && !(sp.ack.hasUnreported() && sp.ack.ackDue(now))) return undefined;
  const d = startDraft(s, sp, start);
  const avail = room - d.headerSize - TAG;
  if (avail < MIN_PACKET_ROOM - d.headerSize || avail <= 0) return undefined;
  // RFC 9000 §12.4 Table 3: no ACK in 0-RTT packets (they are acknowledged in 1-RTT, §12.3).
  const ackable = sp.ack.hasUnreported() && d.header?.type !== PacketType.ZeroRtt;
  // An ACK that is due, or that acknowledges ack-eliciting packets (RFC 9000 §13.2.1), gets room
  // before the body. One that only reports non-ack-eliciting packets is piggybacked after the body
  // when room is left (RFC 9000 §13.2: "SHOULD attempt to include an ACK frame"): reserving room for
  // it would keep a full-size DATAGRAM frame (RFC 9221 §5) out of every packet for as long as such
  // an ACK is never due, that is, forever.
  const ackWantsRoom = ackable && (sp.ack.ackDue(now) || sp.ack.hasAckElicitingPending());
  const ackPreview = ackWantsRoom ? sp.ack.buildAck(now, Math.min(avail, ACK_PREVIEW_LIMIT)) : undefined;
  const ackFirst = ackPreview !== undefined;
  const ackReserve = ackFirst ? sizeOfFrame(ackPreview) : 0;
  const payloadStart = start + d.headerSize;
  const bodyStart = payloadStart + ackReserve;
  const body = new Writer(out, bodyStart, payloadStart + avail);
  const tokens = d.tokens;
  if (!congestionBlocked || probe) writeBody(s, now, sp, body, tokens);
  if (body.offset === bodyStart && probe) body.u8(0x01); // PING (RFC 9002 §6.2.4)
  if (probe) sp.probesPending--;
  const bodyLength = body.offset - bodyStart;
  const ackEliciting = bodyLength > 0;
  if (!ackEliciting && !(ackFirst && sp.ack.ackDue(now))) return undefined;
  let ackLength = 0;
  let trailingAckLength = 0;
  if (ackFirst) {
    const ack = sp.ack.writeAck(now, ackReserve);
    if (ack !== undefined) {
      const w = new Writer(out, payloadStart, bodyStart);
      encodeFrame(w, ack.frame);
      ackLength = w.offset - payloadStart;
      tokens.unshift({ kind: 'ack', token: ack.token });
    }
  } else if (ackable && !ackWantsRoom && body.remaining >= MIN_ACK_FRAME_SIZE) {
    // The trailing ACK is previewed only when it could fit (the body usually fills the packet).
    const trailing = sp.ack.buildAck(now, Math.min(avail, ACK_PREVIEW_LIMIT));
    const ack = trailing !== undefined && sizeOfFrame(trailing) <= body.remaining ? sp.ack.writeAck(now, body.remaining) : undefined;
    if (ack !== undefined) {
      const before = body.offset;
      encodeFrame(body, ack.frame);
      trailingAckLength = body.offset - before;
      tokens.push({ kind: 'ack', token: ack.token });
    }
  }
  // The recorded ACK is the previewed one (same state, same time); should it be shorter, the body moves up.
  if (ackLength !== ackReserve) out.copyWithin(payloadStart + ackLength, bodyStart, bodyStart + bodyLength + trailingAckLength);
  d.payloadLength = ackLength + bodyLength + trailingAckLength;
  d.ackEliciting = ackEliciting;
  padForSample(d, out);
  return d;
}

function writeBody(s: ConnectionState, now: Instant, sp: PacketSpace, w: Writer, tokens: ConnectionToken[]): void {
  for (let r = sp.cryptoSend.writeFrame(w, w.remaining); r !== undefined; r = sp.cryptoSend.writeFrame(w, w.remaining)) {
    tokens.push({ kind: 'crypto', space: sp.space, offset: r.offset, length: r.length });
  }
  if (sp.space !== PacketNumberSpace.ApplicationData) return;
  if (s.handshakeDonePending && s.role === 'server' && w.remaining >= 1) {
    w.u8(0x1e); // HANDSHAKE_DONE (RFC 9000 §19.20)
    s.handshakeDonePending = false;
    tokens.push({ kind: 'handshake_done' });
  }
  // RFC 9001 §5.7: before the handshake completes a server's 1-RTT use "is limited to sending
  // data"; it sends stream data then only once it accepted 0-RTT (0.5-RTT answers, zero-rtt.ts).
  if (!s.handshakeComplete && s.role === 'server' && !s.zeroRtt.accepted) return;
  if (s.handshakeComplete) writeConnectionIdFrames(s, w, tokens);
  writeNewTokenFrames(s, w, tokens);
  writePing(s, w); // a PING queued by ping() or the keep-alive timer (app-surface.ts)
  // Stream control frames, then DATAGRAM frames, then STREAM frames by priority (stream-scheduling.ts;
  // DATAGRAM before STREAM as in quinn and quiche, app-surface.ts).
  if (s.streams !== undefined) writeStreamControlFrames(s.streams, w, now, s.ld.rtt.smoothedRtt, tokens);
  writeDatagramFrames(s, w, tokens);
  if (s.streams !== undefined) writeStreamDataFrames(s.streams, w, tokens);
}

/**
 * RFC 9000 §14.1: "A client MUST expand the payload of all UDP datagrams carrying Initial packets
 * to at least the smallest allowed maximum datagram size of 1200 bytes ... a server MUST expand
 * the payload of all UDP datagrams carrying ack-eliciting Initial packets". PADDING goes at the
 * end of the last packet, in place (the header-protection sample's 4 bytes, RFC 9001 §5.4.2, were
 * added to each packet as it was built: padForSample).
 */
function padDatagram(s: ConnectionState, drafts: Draft[], out: Uint8Array, limit: number): void {
  const first = drafts[0]!; // only the first packet can be an Initial (PACKET_NUMBER_SPACES order)
  const needs = first.space.space === PacketNumberSpace.Initial && (s.role === 'client' || first.ackEliciting);
  if (!needs) return;
  let total = 0;
  for (const d of drafts) total += d.headerSize + d.payloadLength + TAG;
  const target = Math.min(MIN_INITIAL_DATAGRAM, limit);
  if (total < target) pad(drafts[drafts.length - 1]!, out, target - total);
}

/**
 * RFC 9001 §5.4.2: the packet number and payload together are at least 4 bytes, so the 16-byte
 * header-protection sample at pnOffset + 4 lies inside the protected packet. Applied as soon as a
 * packet is built, before the next packet of the datagram starts right after it.
 */
function padForSample(d: Draft, out: Uint8Array): void {
  const min = 4 - d.pnLen;
  if (d.payloadLength < min) pad(d, out, min - d.payloadLength);
}

/** PADDING frames (zero bytes, RFC 9000 §19.1) at the end of the payload, in place. */
function pad(d: Draft, out: Uint8Array, n: number): void {
  const end = d.start + d.headerSize + d.payloadLength;
  out.fill(0, end, end + n);
  d.payloadLength += n;
  d.padded = true;
}

function sealDatagram(s: ConnectionState, now: Instant, drafts: readonly Draft[], out: Uint8Array, track: boolean): number {
  let offset = 0;
  for (const d of drafts) {
    // The payload is already in place after the header's room (buildPacket): the header goes in
    // front of it, then the packet is protected in place.
    const start = d.start;
    const payloadStart = start + d.headerSize;
    const payloadEnd = payloadStart + d.payloadLength;
    const w = new Writer(out, start, payloadStart);
    let pnOffset: number;
    if (d.header !== undefined) {
      const layout = encodeLongHeader(w, d.header, { packetNumber: d.pn, packetNumberLength: d.pnLen, lengthFieldSize: 2, length: d.pnLen + d.payloadLength + TAG });
      pnOffset = layout.pnOffset - start;
    } else {
      pnOffset = encodeShortHeader(w, { type: PacketType.OneRtt, dcid: s.remoteCid, spin: false, keyPhase: s.keyUpdate.writePhase }, d.pn, d.pnLen) - start;
      onOneRttSent(s); // RFC 9001 §6.6: "Endpoints MUST count the number of encrypted packets for each set of keys." 
    }
    if (w.offset !== payloadStart) throw new Error(`packet header of ${w.offset - start} bytes, ${d.headerSize} reserved`);
    // quic-events §5.5: the plaintext frames, read before protection encrypts them in place.
    if (s.qlog !== undefined) qlogPacketSent(s.qlog, s, now, { type: d.header?.type ?? PacketType.OneRtt, packetNumber: d.pn, dcid: d.header?.dcid ?? s.remoteCid, payload: out.subarray(payloadStart, payloadEnd), length: payloadEnd + TAG - start, mtuProbe: d.pmtuProbe });
    // protectPacket wants the packet at index 0: a view only for a coalesced packet after the first.
    const end = protectPacket(d.keys, start === 0 ? out : out.subarray(start), pnOffset, d.pnLen, d.pn, payloadEnd - start);
    offset = start + end;
    d.space.nextPacketNumber++;
    s.packetsSent++;
    if (d.header?.type === PacketType.ZeroRtt) onZeroRttSent(s);
    if (!track) continue;
    const inFlight = d.ackEliciting || d.padded;
    const evicted = s.ld.onPacketSent(d.space.space, d.pmtuProbe
      ? { packetNumber: d.pn, ackEliciting: d.ackEliciting, inFlight, sentBytes: end, tokens: d.tokens, isPmtuProbe: true }
      : { packetNumber: d.pn, ackEliciting: d.ackEliciting, inFlight, sentBytes: end, tokens: d.tokens }, now);
    if (evicted.length > 0) onLostTokens(s, now, evicted);
    if (d.ackEliciting) {
      if (!s.ackElicitingSentSinceReceive) restartIdleTimer(s, now);
      s.ackElicitingSentSinceReceive = true;
      onAckElicitingSent(s, now); // keep-alive (app-surface.ts)
    }
    // RFC 9001 §4.9.1: "a client MUST discard Initial keys when it first sends a Handshake packet".
    if (s.role === 'client' && d.space.space === PacketNumberSpace.Handshake) discardSpace(s, PacketNumberSpace.Initial, now);
  }
  s.bytesSent += offset;
  if (!track) return offset;
  if (anyDraft(drafts, false)) s.pacer.onSend(now, offset);
  updateAmplification(s, now);
  return offset;
}

/**
 * CONNECTION_CLOSE while closing (RFC 9000 §10.2.3): "When sending CONNECTION_CLOSE, the goal is
 * to ensure that the peer will process the frame ... an endpoint could send a CONNECTION_CLOSE
 * frame in both Handshake and Initial packets": before the handshake is confirmed one packet goes
 * in each long-header space we still have keys for, then one in 1-RTT once the handshake is
 * complete. Close packets are not tracked by loss detection.
 */
function buildClose(s: ConnectionState, now: Instant, out: Uint8Array, limit: number): number {
  s.closeSendPending = false;
  const frame = s.closeFrame;
  if (frame === undefined) return 0;
  const drafts: Draft[] = [];
  let remaining = limit;
  let offset = 0;
  for (const id of PACKET_NUMBER_SPACES) {
    const sp = s.spaces[id];
    if (!sp.canSend) continue;
    if (id === PacketNumberSpace.ApplicationData && !s.handshakeComplete && drafts.length > 0) continue;
    const f: Frame = id === PacketNumberSpace.ApplicationData ? frame : closeFrameForLongHeader(frame);
    const d = startDraft(s, sp, offset);
    const room = remaining - d.headerSize - TAG;
    if (room < MIN_PACKET_ROOM) break;
    const fitted: Frame = sizeOfFrame(f) <= room ? f : { ...f, reason: new Uint8Array(0) };
    const payloadStart = offset + d.headerSize;
    const w = new Writer(out, payloadStart, payloadStart + room);
    encodeFrame(w, fitted);
    d.payloadLength = w.offset - payloadStart;
    padForSample(d, out);
    drafts.push(d);
    const size = d.headerSize + d.payloadLength + TAG;
    offset += size;
    remaining -= size;
  }
  if (drafts.length === 0) return 0;
  padDatagram(s, drafts, out, limit);
  return sealDatagram(s, now, drafts, out, false);
}

/**
 * A DPLPMTUD probe (RFC 9000 §14.4: "PMTU probes are ack-eliciting packets"; "Endpoints could limit
 * the content of PMTU probes to PING and PADDING frames"): one 1-RTT packet alone in its datagram,
 * a PING padded to exactly the probe size. Only once the handshake is confirmed (pmtud.ts starts
 * then, RFC 9000 §14.3), and only when the congestion window and the pacer have room for the whole
 * probe: probes are in flight like any packet (their loss just causes no congestion reaction).
 * Returns the datagram's length, 0 when no probe was sent.
 */
function buildPmtuProbe(s: ConnectionState, now: Instant, out: Uint8Array): number {
  const sp = s.spaces[PacketNumberSpace.ApplicationData];
  if (!s.handshakeConfirmed || !sp.canSend) return 0;
  const size = s.pmtud.probeSize(now);
  if (size === undefined || size > out.length) return 0;
  if (s.ld.bytesInFlight + size > s.ld.cc.congestionWindow || !s.pacer.canSend(now, size)) return 0;
  if (!beforeOneRttSend(s)) return 0; // the ordinary path closes the connection (AEAD limit)
  const probe = startDraft(s, sp, 0);
  probe.payloadLength = size - probe.headerSize - TAG;
  out[probe.headerSize] = 0x01; // PING (RFC 9000 §19.2), then PADDING (zeros, §19.1)
  out.fill(0, probe.headerSize + 1, probe.headerSize + probe.payloadLength);
  probe.tokens.push({ kind: 'pmtu_probe', size });
  probe.ackEliciting = true;
  probe.padded = true;
  probe.pmtuProbe = true;
  const length = sealDatagram(s, now, [probe], out, true);
  s.pmtud.onProbeSent(size);
  return length;
}
