/**
 * The datagrams of path validation (RFC 9000 §8.2): one 1-RTT packet with the PATH_CHALLENGE
 * and PATH_RESPONSE frames due on one path, padded (RFC 9000 §8.2.1: "An endpoint MUST expand
 * datagrams that contain a PATH_CHALLENGE frame to at least the smallest allowed maximum datagram
 * size of 1200 bytes, unless the anti-amplification limit for the path does not permit sending a
 * datagram of this size"; §8.2.2 says the same of PATH_RESPONSE). `pollTransmit` asks for one of
 * these before any other datagram, so the first datagram sent on a new path carries the
 * challenge. They are recorded with loss detection but neither ack-eliciting for it nor in flight:
 * PATH_CHALLENGE is repeated by the path timer (paths.ts) with new data (RFC 9000 §13.3: "PATH_CHALLENGE
 * frames include a different payload each time they are sent"), and PATH_RESPONSE is never
 * retransmitted (§13.3), so congestion control and PTO (§9.4: old-path packets must not count for
 * a new path) stay out of it.
 */
import { protectPacket } from '../crypto/packet-protection.js';
import { Writer } from '../util/bytes.js';
import type { Instant } from '../util/time.js';
import { encodeFrame } from '../wire/frames.js';
import { encodePacketNumberLength } from '../wire/packet-number.js';
import { PacketNumberSpace, PacketType } from '../wire/packet-type.js';
import { encodeShortHeader } from '../wire/short-header.js';
import { onOneRttSent } from './key-update.js';
import { onLostTokens } from './recovery-tokens.js';
import { nextChallengeData, pathBudget, type PathState } from './paths.js';
import { MAX_DATAGRAM_SIZE, type ConnectionState } from './state.js';
import type { Transmit } from './types.js';
import { qlogPacketSent } from './qlog-emit.js';

/** RFC 9000 §8.2.1: the size path-validation datagrams are expanded to. */
export const PATH_PROBE_DATAGRAM_SIZE = 1200;
const TAG = 16;
/** Smallest datagram worth sending: a header, one 9-byte frame and the tag. */
const MIN_PROBE = 1 + 20 + 4 + 9 + TAG;

function hasWork(p: PathState): boolean {
  return p.challengePending || p.responses.length > 0;
}

function anyHasWork(list: readonly PathState[]): boolean {
  for (const p of list) if (hasWork(p)) return true;
  return false;
}

/**
 * Builds the next path-validation datagram into `out`, active path first; undefined when none
 * is due (or 1-RTT keys are not there yet: PATH_* frames are 1-RTT only, RFC 9000 §12.4).
 */
export function buildPathDatagram(s: ConnectionState, now: Instant, out: Uint8Array): Transmit | undefined {
  if (s.phase !== 'established' && s.phase !== 'handshaking') return undefined;
  const sp = s.spaces[PacketNumberSpace.ApplicationData];
  if (sp.writeKeys === undefined || !s.handshakeComplete) return undefined;
  const ps = s.paths;
  if (!hasWork(ps.active) && !anyHasWork(ps.list)) return undefined; // the common case, allocation-free
  const order = [ps.active, ...ps.list.filter((p) => p !== ps.active)];
  for (const p of order) {
    if (!hasWork(p)) continue;
    const limit = Math.min(out.length, Math.max(PATH_PROBE_DATAGRAM_SIZE, MAX_DATAGRAM_SIZE), pathBudget(p));
    if (limit < MIN_PROBE) continue; // RFC 9000 §9.3.1: wait for more bytes from the path
    return { length: writeProbe(s, now, p, out, limit), path: p.path };
  }
  return undefined;
}

function writeProbe(s: ConnectionState, now: Instant, p: PathState, out: Uint8Array, limit: number): number {
  const sp = s.spaces[PacketNumberSpace.ApplicationData];
  const dcid = p === s.paths.active || p.dcid === undefined ? s.remoteCid : p.dcid.cid;
  const pn = sp.nextPacketNumber;
  const largestAcked = s.ld.largestAcked(PacketNumberSpace.ApplicationData);
  const pnLen = encodePacketNumberLength(pn, largestAcked < 0 ? undefined : largestAcked);
  const w = new Writer(out.subarray(0, limit));
  const pnOffset = encodeShortHeader(w, { type: PacketType.OneRtt, dcid, spin: false, keyPhase: s.keyUpdate.writePhase }, pn, pnLen);
  if (p.challengePending) encodeFrame(w, { type: 'path_challenge', data: nextChallengeData(s, now, p) });
  // RFC 9000 §8.2.2: "An endpoint MUST NOT send more than one PATH_RESPONSE frame in response to
  // one PATH_CHALLENGE frame": each queued response leaves once.
  while (p.responses.length > 0 && w.remaining - TAG >= 9) encodeFrame(w, { type: 'path_response', data: p.responses.shift()! });
  // PADDING up to 1200 bytes, or what the path's amplification budget allows.
  const target = Math.min(PATH_PROBE_DATAGRAM_SIZE, limit) - TAG;
  if (w.offset < target) w.zeros(target - w.offset);
  onOneRttSent(s); // RFC 9001 §6.6: "Endpoints MUST count the number of encrypted packets for each set of keys."
  if (s.qlog !== undefined) qlogPacketSent(s.qlog, s, now, { type: PacketType.OneRtt, packetNumber: pn, dcid, payload: out.subarray(pnOffset + pnLen, w.offset), length: w.offset + TAG }); // quic-events §5.5, before protection
  const end = protectPacket(sp.writeKeys!, out, pnOffset, pnLen, pn, w.offset);
  sp.nextPacketNumber++;
  s.packetsSent++;
  s.bytesSent += end;
  p.bytesSent += end;
  const evicted = s.ld.onPacketSent(PacketNumberSpace.ApplicationData, { packetNumber: pn, ackEliciting: false, inFlight: false, sentBytes: end, tokens: [] }, now);
  if (evicted.length > 0) onLostTokens(s, now, evicted);
  return end;
}
