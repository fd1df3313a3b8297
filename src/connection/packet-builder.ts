/**
 * The send path (RFC 9000 §12.2, §13, §14.1, §17; RFC 9001 §5; RFC 9002 §6.2.4, §7): one call
 * builds one UDP datagram, coalescing an Initial, a Handshake and a 1-RTT packet. Each packet's
 * frames go in priority order: ACK, CRYPTO, HANDSHAKE_DONE, the streams' control frames and
 * STREAM frames, DATAGRAM frames, PING for a probe with nothing else, and PADDING. Each packet's
 * recovery tokens go to loss detection with it.
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
import type { PacketSpace } from './packet-space.js';
import { onLostTokens } from './recovery-tokens.js';
import { MAX_DATAGRAM_SIZE, type ConnectionState } from './state.js';
import { discardSpace } from './tls-bridge.js';
import { activePathBudget } from './paths.js';
import { pmtudTick } from './pmtud.js';
import { writeStreamFrames } from './stream-scheduling.js';
import { onAckElicitingSent, writeDatagramFrames, writePing } from './app-surface.js';
import type { ConnectionToken } from './types.js';
import { qlogPacketSent } from './qlog-emit.js';
import { canSendZeroRtt, onZeroRttSent, zeroRttHeader, zeroRttWriteKeys } from './zero-rtt.js';

/** AEAD tag length (RFC 9001 §5.3: all QUIC v1 AEADs have a 16-byte tag). */
const TAG = 16;
/** Smallest room worth starting a packet with. */
const MIN_PACKET_ROOM = 32;
/** RFC 9000 §14.1: Initial datagrams are padded to at least 1200 bytes. */
const MIN_INITIAL_DATAGRAM = 1200;
const SPACES = [PacketNumberSpace.Initial, PacketNumberSpace.Handshake, PacketNumberSpace.ApplicationData] as const;

interface Draft {
  readonly space: PacketSpace;
  readonly keys: PacketProtectionKeys;
  readonly header: LongHeader | undefined;
  readonly pn: number;
  readonly pnLen: PacketNumberLength;
  readonly headerSize: number;
  payload: Uint8Array;
  readonly tokens: ConnectionToken[];
  readonly ackEliciting: boolean;
  padded: boolean;
  /** A DPLPMTUD probe (RFC 9000 §14.4). */
  pmtuProbe?: boolean;
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
  // RFC 9002 §7: "An endpoint MUST NOT send a packet if it would cause bytes_in_flight ... to be
  // larger than the congestion window, unless the packet is sent on a PTO timer expiration".
  // RFC 9002 §7.7: pacing spreads what the window allows over the round trip.
  s.pacer.setRate(now, s.ld.cc.pacingRate(s.ld.rtt.hasSample ? s.ld.rtt.sample() : undefined));
  s.pacerDeadline = s.pacer.nextSendTime(now, limit);
  const congestionBlocked = s.ld.bytesInFlight >= s.ld.cc.congestionWindow || s.pacerDeadline !== undefined;
  const probeLength = congestionBlocked ? 0 : buildPmtuProbe(s, now, out);
  if (probeLength > 0) return probeLength;
  for (const id of SPACES) {
    const sp = s.spaces[id];
    if (!sp.canSend && !canSendZeroRtt(s, sp)) continue; // RFC 9001 §4.6.1: the client's 0-RTT packets (zero-rtt.ts)
    if (id === PacketNumberSpace.ApplicationData && !beforeOneRttSend(s)) {
      // RFC 9001 §6.6: "If a key update is not possible ... the endpoint MUST stop using the connection";
      // "It is RECOMMENDED that endpoints immediately close the connection with a connection error of type AEAD_LIMIT_REACHED".
      closeWithError(s, now, new TransportError(TransportErrorCode.AEAD_LIMIT_REACHED, undefined, 'AEAD confidentiality limit reached'));
      return 0;
    }
    const draft = buildPacket(s, now, sp, remaining, congestionBlocked);
    if (draft === undefined) continue;
    drafts.push(draft);
    remaining -= draft.headerSize + draft.payload.length + TAG;
    if (remaining < MIN_PACKET_ROOM + TAG) break;
  }
  if (drafts.length === 0) return 0;
  if (!drafts.some((d) => d.ackEliciting)) s.pacerDeadline = undefined;
  padDatagram(s, drafts, limit);
  return sealDatagram(s, now, drafts, out, true);
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

function startDraft(s: ConnectionState, sp: PacketSpace): Omit<Draft, 'payload' | 'tokens' | 'ackEliciting' | 'padded'> {
  const largestAcked = s.ld.largestAcked(sp.space);
  const pn = sp.nextPacketNumber;
  const pnLen = encodePacketNumberLength(pn, largestAcked < 0 ? undefined : largestAcked);
  const header = headerFor(s, sp);
  const headerSize = header === undefined ? 1 + s.remoteCid.length + pnLen : sizeOfLongHeader(header, pnLen, 2);
  return { space: sp, keys: zeroRttWriteKeys(s, sp) ?? sp.writeKeys!, header, pn, pnLen, headerSize };
}

function buildPacket(s: ConnectionState, now: Instant, sp: PacketSpace, room: number, congestionBlocked: boolean): Draft | undefined {
  const base = startDraft(s, sp);
  const avail = room - base.headerSize - TAG;
  if (avail < MIN_PACKET_ROOM - base.headerSize) return undefined;
  const probe = sp.probesPending > 0;
  // RFC 9000 §12.4 Table 3: no ACK in 0-RTT packets (they are acknowledged in 1-RTT, §12.3).
  const ackPreview = sp.ack.hasUnreported() && base.header?.type !== PacketType.ZeroRtt ? sp.ack.buildAck(now, Math.min(avail, 256)) : undefined;
  const ackReserve = ackPreview === undefined ? 0 : sizeOfFrame(ackPreview);
  const scratch = new Uint8Array(Math.max(0, avail));
  const body = new Writer(scratch, 0, Math.max(0, avail - ackReserve));
  const tokens: ConnectionToken[] = [];
  if (!congestionBlocked || probe) writeBody(s, now, sp, body, tokens);
  if (body.offset === 0 && probe) body.u8(0x01); // PING (RFC 9002 §6.2.4)
  if (probe) sp.probesPending--;
  const ackEliciting = body.offset > 0;
  if (!ackEliciting && !(ackPreview !== undefined && sp.ack.ackDue(now))) return undefined;
  const payload = new Writer(new Uint8Array(avail));
  if (ackPreview !== undefined) {
    const ack = sp.ack.writeAck(now, ackReserve);
    if (ack !== undefined) {
      encodeFrame(payload, ack.frame);
      tokens.unshift({ kind: 'ack', token: ack.token });
    }
  }
  payload.bytes(body.written());
  return { ...base, payload: payload.written(), tokens, ackEliciting, padded: false };
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
  if (!s.handshakeComplete && s.role === 'server') return;
  if (s.handshakeComplete) writeConnectionIdFrames(s, w, tokens);
  writeNewTokenFrames(s, w, tokens);
  writePing(s, w); // a PING queued by ping() or the keep-alive timer (app-surface.ts)
  // Stream control frames, then DATAGRAM frames, then STREAM frames by priority (stream-scheduling.ts;
  // DATAGRAM before STREAM as in quinn and quiche, app-surface.ts).
  if (s.streams !== undefined) writeStreamFrames(s.streams, w, now, s.ld.rtt.smoothedRtt, tokens, () => writeDatagramFrames(s, w, tokens));
  else writeDatagramFrames(s, w, tokens);
}

/**
 * RFC 9000 §14.1: "A client MUST expand the payload of all UDP datagrams carrying Initial packets
 * to at least the smallest allowed maximum datagram size of 1200 bytes ... a server MUST expand
 * the payload of all UDP datagrams carrying ack-eliciting Initial packets". PADDING goes at the
 * end of the last packet; every packet also gets the 4 bytes the header-protection sample needs
 * (RFC 9001 §5.4.2).
 */
function padDatagram(s: ConnectionState, drafts: Draft[], limit: number): void {
  for (const d of drafts) {
    const min = 4 - d.pnLen;
    if (d.payload.length < min) pad(d, min - d.payload.length);
  }
  const initial = drafts.find((d) => d.space.space === PacketNumberSpace.Initial);
  const needs = initial !== undefined && (s.role === 'client' || initial.ackEliciting);
  if (!needs) return;
  const total = drafts.reduce((n, d) => n + d.headerSize + d.payload.length + TAG, 0);
  const target = Math.min(MIN_INITIAL_DATAGRAM, limit);
  if (total < target) pad(drafts[drafts.length - 1]!, target - total);
}

function pad(d: Draft, n: number): void {
  const p = new Uint8Array(d.payload.length + n);
  p.set(d.payload);
  d.payload = p;
  d.padded = true;
}

function sealDatagram(s: ConnectionState, now: Instant, drafts: readonly Draft[], out: Uint8Array, track: boolean): number {
  let offset = 0;
  for (const d of drafts) {
    const start = offset;
    const w = new Writer(out, start);
    let pnOffset: number;
    if (d.header !== undefined) {
      const layout = encodeLongHeader(w, d.header, { packetNumber: d.pn, packetNumberLength: d.pnLen, lengthFieldSize: 2, length: d.pnLen + d.payload.length + TAG });
      pnOffset = layout.pnOffset - start;
    } else {
      pnOffset = encodeShortHeader(w, { type: PacketType.OneRtt, dcid: s.remoteCid, spin: false, keyPhase: s.keyUpdate.writePhase }, d.pn, d.pnLen) - start;
      onOneRttSent(s); // RFC 9001 §6.6: "Endpoints MUST count the number of encrypted packets for each set of keys." 
    }
    w.bytes(d.payload);
    const end = protectPacket(d.keys, out.subarray(start), pnOffset, d.pnLen, d.pn, w.offset - start);
    offset = start + end;
    d.space.nextPacketNumber++;
    s.packetsSent++;
    if (s.qlog !== undefined) qlogPacketSent(s.qlog, s, now, { type: d.header?.type ?? PacketType.OneRtt, packetNumber: d.pn, dcid: d.header?.dcid ?? s.remoteCid, payload: d.payload, length: end, mtuProbe: d.pmtuProbe === true }); // quic-events §5.5
    if (d.header?.type === PacketType.ZeroRtt) onZeroRttSent(s);
    if (!track) continue;
    const evicted = s.ld.onPacketSent(d.space.space, { packetNumber: d.pn, ackEliciting: d.ackEliciting, inFlight: d.ackEliciting || d.padded, sentBytes: end, tokens: d.tokens, ...(d.pmtuProbe === true ? { isPmtuProbe: true } : {}) }, now);
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
  if (drafts.some((d) => d.ackEliciting || d.padded)) s.pacer.onSend(now, offset);
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
  for (const id of SPACES) {
    const sp = s.spaces[id];
    if (!sp.canSend) continue;
    if (id === PacketNumberSpace.ApplicationData && !s.handshakeComplete && drafts.length > 0) continue;
    const f: Frame = id === PacketNumberSpace.ApplicationData ? frame : closeFrameForLongHeader(frame);
    const base = startDraft(s, sp);
    const room = remaining - base.headerSize - TAG;
    if (room < MIN_PACKET_ROOM) break;
    const fitted: Frame = sizeOfFrame(f) <= room ? f : { ...f, reason: new Uint8Array(0) };
    const w = new Writer(new Uint8Array(room));
    encodeFrame(w, fitted);
    drafts.push({ ...base, payload: w.written(), tokens: [], ackEliciting: false, padded: false });
    remaining -= base.headerSize + w.offset + TAG;
  }
  if (drafts.length === 0) return 0;
  padDatagram(s, drafts, limit);
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
  const base = startDraft(s, sp);
  const payload = new Uint8Array(size - base.headerSize - TAG);
  payload[0] = 0x01; // PING (RFC 9000 §19.2), then PADDING (zeros, §19.1)
  const probe: Draft = { ...base, payload, tokens: [{ kind: 'pmtu_probe', size }], ackEliciting: true, padded: true, pmtuProbe: true };
  const length = sealDatagram(s, now, [probe], out, true);
  s.pmtud.onProbeSent(size);
  return length;
}
