/**
 * Network paths (RFC 9000 §8.2 path validation, §9 connection migration): the paths a connection
 * knows (bounded), which one it sends on, PATH_CHALLENGE / PATH_RESPONSE bookkeeping, the
 * anti-amplification limit on a path the peer moved to (§9.3.1), the move to the peer's new
 * address on its highest-numbered non-probing packet (§9.3), the fallback to the last validated
 * path when validation fails (§9.3.2), the congestion controller and RTT reset (§9.4) and the
 * choice of connection IDs per path (§9.5). The datagrams that carry PATH_* frames are built by
 * paths-send.ts; client-initiated migration and the preferred address are in migration.ts.
 *
 * Path strings are opaque to the core except for one thing: to tell a port-only change (NAT
 * rebinding, §9.4) from an address change, an address is read as "host:port" (the host being
 * everything before the last ':'; "[v6]:port" works).
 */
import { createCongestionController } from '../congestion/index.js';
import { kInitialRtt } from '../recovery/rtt-estimator.js';
import { bytesEqual } from '../util/bytes.js';
import { randomBytes } from '../util/random.js';
import { addDuration, earliest, instant, micros, type Duration, type Instant } from '../util/time.js';
import { reserveUnusedRemoteCid, switchRemoteCid } from './connection-ids.js';
import { MAX_DATAGRAM_SIZE, pushEvent, type ConnectionState } from './state.js';
import type { NetworkPath } from './types.js';

/** Most paths remembered besides the active and last validated ones; the least recently used goes. */
export const MAX_PATHS = 4;
/** Most PATH_RESPONSE frames queued per path (RFC 9000 §8.2.2 allows dropping: the peer retries). */
export const MAX_PENDING_RESPONSES = 4;
/** PATH_CHALLENGE transmissions per validation attempt (each with new data, RFC 9000 §13.3). */
export const MAX_CHALLENGE_SENDS = 3;
/** RFC 9000 §8.2.1 / §19.17: PATH_CHALLENGE data is 8 bytes. */
export const PATH_CHALLENGE_LENGTH = 8;

/** One network path (RFC 9000 §9: a 4-tuple). */
export interface PathState {
  readonly path: NetworkPath;
  /** RFC 9000 §8.2: a PATH_RESPONSE echoed one of our challenges on it (or the handshake did). */
  validated: boolean;
  /** RFC 9000 §9.3.1: the peer moved here; the 3× limit applies until validated. */
  amplificationLimited: boolean;
  /** RFC 9000 §8.1 accounting on this path (authenticated datagrams only). */
  bytesReceived: number;
  bytesSent: number;
  /** Data of the challenges sent and not yet answered (one per transmission). */
  readonly challenges: Uint8Array[];
  /** A PATH_CHALLENGE is to be sent on this path now. */
  challengePending: boolean;
  /** When to send the challenge again, and when validation is abandoned (RFC 9000 §8.2.4). */
  challengeResendAt: Instant | undefined;
  challengeDeadline: Instant | undefined;
  /** PATH_RESPONSE data to send on this path (RFC 9000 §8.2.2: on the path the challenge came on). */
  readonly responses: Uint8Array[];
  /** The peer connection ID reserved for this path (RFC 9000 §9.5), when not the active one. */
  dcid: { readonly seq: number; readonly cid: Uint8Array } | undefined;
  lastUsed: Instant;
}

/** The connection's paths. */
export interface PathsState {
  /** Every known path, the active one included. */
  readonly list: PathState[];
  active: PathState;
  /** RFC 9000 §9.3.2: "revert to using the last validated peer address". */
  lastValidated: PathState;
  /** Client: a path being probed before moving to it (the preferred address, RFC 9000 §9.6.2). */
  probing: PathState | undefined;
  /** RFC 9000 §9.3: the largest 1-RTT packet number of a non-probing packet. */
  largestNonProbing: number;
  /** Our connection ID the peer used in that packet (a change means the peer changed its CID, §9.5). */
  peerDcid: Uint8Array | undefined;
  /** The path whose congestion and RTT state the connection holds (RFC 9000 §9.4). */
  ccPath: NetworkPath;
}

function newPath(path: NetworkPath, validated: boolean, now: Instant): PathState {
  return {
    path, validated, amplificationLimited: false, bytesReceived: 0, bytesSent: 0, challenges: [], challengePending: false,
    challengeResendAt: undefined, challengeDeadline: undefined, responses: [], dcid: undefined, lastUsed: now,
  };
}

/** The paths of a new connection: the handshake path, validated by the handshake (RFC 9000 §8.1). */
export function createPathsState(path: NetworkPath): PathsState {
  const p = newPath(path, true, instant(0));
  return { list: [p], active: p, lastValidated: p, probing: undefined, largestNonProbing: -1, peerDcid: undefined, ccPath: path };
}

/** True if both paths name the same 4-tuple. */
export function samePath(a: NetworkPath, b: NetworkPath): boolean {
  return a.local === b.local && a.remote === b.remote;
}

/** The host part of "host:port" (the whole string when there is no ':'). */
export function hostOf(address: string): string {
  const i = address.lastIndexOf(':');
  return i < 0 ? address : address.slice(0, i);
}

/** The known path for `path`, if any. */
export function findPath(s: ConnectionState, path: NetworkPath): PathState | undefined {
  for (const p of s.paths.list) if (samePath(p.path, path)) return p;
  return undefined;
}

/** True if one of the known paths leads to `remote` (whatever our local address on it). */
export function isKnownRemote(s: ConnectionState, remote: string): boolean {
  for (const p of s.paths.list) if (p.path.remote === remote) return true;
  return false;
}

/**
 * The path for `path`, created if new. The list is bounded (a peer, or an attacker replaying its
 * packets from many addresses, cannot grow it): beyond MAX_PATHS the least recently used path that
 * is neither active, last validated nor being probed is forgotten, with its challenge.
 */
export function getOrCreatePath(s: ConnectionState, path: NetworkPath, now: Instant): PathState {
  const ps = s.paths;
  const found = findPath(s, path);
  if (found !== undefined) {
    found.lastUsed = now;
    return found;
  }
  const p = newPath(path, false, now);
  ps.list.push(p);
  while (ps.list.length > MAX_PATHS) {
    let victim: PathState | undefined;
    for (const q of ps.list) {
      if (q === p || q === ps.active || q === ps.lastValidated || q === ps.probing) continue;
      if (victim === undefined || q.lastUsed < victim.lastUsed) victim = q;
    }
    if (victim === undefined) break;
    ps.list.splice(ps.list.indexOf(victim), 1);
  }
  return p;
}

/**
 * RFC 9000 §8.2.4: "A value of three times the larger of the current PTO or the PTO for the new
 * path (using kInitialRtt, as defined in [QUIC-RECOVERY]) is RECOMMENDED."
 */
export function validationTimeout(s: ConnectionState): Duration {
  const maxAckDelay = (s.peerParams?.maxAckDelay ?? 25) * 1000;
  const current = s.ld.rtt.ptoBase() + maxAckDelay;
  const initial = kInitialRtt + Math.max(4 * (kInitialRtt / 2), 1000) + maxAckDelay;
  return micros(3 * Math.max(current, initial));
}

/** Starts validating `p` (RFC 9000 §8.2.1) unless a validation is already under way. */
export function startValidation(s: ConnectionState, now: Instant, p: PathState): void {
  if (p.challengeDeadline !== undefined) return;
  p.challengePending = true;
  p.challengeDeadline = addDuration(now, validationTimeout(s));
}

/**
 * A new PATH_CHALLENGE's data (RFC 9000 §8.2.1: "The endpoint MUST use unpredictable data in every
 * PATH_CHALLENGE frame"), remembered on `p`; schedules the next transmission one PTO later.
 */
export function nextChallengeData(s: ConnectionState, now: Instant, p: PathState): Uint8Array {
  const data = randomBytes(s.random, PATH_CHALLENGE_LENGTH);
  p.challenges.push(data);
  p.challengePending = false;
  const pto = micros(s.ld.rtt.ptoBase() + (s.peerParams?.maxAckDelay ?? 25) * 1000);
  p.challengeResendAt = p.challenges.length < MAX_CHALLENGE_SENDS ? addDuration(now, pto) : undefined;
  return data;
}

/** RFC 9000 §9.3.1: what may still be sent on `p` (3× what it received, until validated). */
export function pathBudget(p: PathState): number {
  if (!p.amplificationLimited || p.validated) return Number.POSITIVE_INFINITY;
  return Math.max(0, 3 * p.bytesReceived - p.bytesSent);
}

/** The 3× budget of the active path (used by the packet builder for every datagram). */
export function activePathBudget(s: ConnectionState): number {
  return pathBudget(s.paths.active);
}

/** A datagram of `length` bytes was sent on `path`. */
export function onDatagramSentOnPath(s: ConnectionState, path: NetworkPath, length: number): void {
  const p = findPath(s, path);
  if (p !== undefined) p.bytesSent += length;
}

/** A datagram of which at least one packet authenticated arrived on `path`. */
export function onDatagramReceivedOnPath(s: ConnectionState, path: NetworkPath, length: number): void {
  const p = findPath(s, path); // created by onPacketOnPath when it is to be known
  if (p !== undefined) p.bytesReceived += length;
}

/** RFC 9000 §9.1: "PATH_CHALLENGE, PATH_RESPONSE, NEW_CONNECTION_ID, and PADDING frames are 'probing frames'" (the RFC uses double quotes). */
export function isProbingFrame(f: { readonly type: string }): boolean {
  return f.type === 'path_challenge' || f.type === 'path_response' || f.type === 'new_connection_id' || f.type === 'padding';
}

/**
 * An authenticated packet arrived on `path` (RFC 9000 §9.3). Only 1-RTT packets after handshake
 * confirmation count (RFC 9000 §9: "If a client receives packets from an unknown server address,
 * the client MUST discard these packets" — the client keeps its own path; before confirmation the
 * server answers on the handshake path: "the endpoint MUST either drop the incoming packets on
 * that path ... or proceed with path validation", and we stay on the handshake path).
 */
export function onPacketOnPath(s: ConnectionState, now: Instant, path: NetworkPath, oneRtt: boolean, pn: number, nonProbing: boolean, dcid: Uint8Array): void {
  const ps = s.paths;
  if (!oneRtt || !s.handshakeConfirmed) return;
  const known = findPath(s, path);
  if (s.role === 'client' && known === undefined) return;
  const p = getOrCreatePath(s, path, now);
  // RFC 9000 §9.3: "An endpoint only changes the address to which it sends packets in response to
  // the highest-numbered non-probing packet."
  const highest = nonProbing && pn > ps.largestNonProbing;
  if (highest) ps.largestNonProbing = pn;
  if (s.role === 'client') return;
  const cidChanged = ps.peerDcid !== undefined && !bytesEqual(ps.peerDcid, dcid);
  if (known === undefined && !p.validated) {
    p.amplificationLimited = true;
    // RFC 9000 §9.5: "an endpoint MUST NOT reuse a connection ID when sending to more than one
    // destination address" — unless the peer kept its own ("in which case it MAY continue to use
    // the current connection ID with the new remote address").
    if (cidChanged) p.dcid = reserveUnusedRemoteCid(s, reservedSeqs(s));
    // Every server packet on a new 4-tuple starts with a PATH_CHALLENGE (INTEROP-RUNNER rows 20-22).
    startValidation(s, now, p);
  }
  if (!highest) return;
  if (ps.peerDcid === undefined || cidChanged) ps.peerDcid = dcid.slice();
  if (p !== ps.active) moveTo(s, now, p);
}

function reservedSeqs(s: ConnectionState): Set<number> {
  const set = new Set<number>();
  for (const p of s.paths.list) if (p.dcid !== undefined) set.add(p.dcid.seq);
  return set;
}

/**
 * Makes `p` the active path. RFC 9000 §9.3: "it MUST send subsequent packets to the new peer
 * address and MUST initiate path validation (Section 8.2) to verify the peer's ownership of the
 * address if validation is not already underway." An unvalidated path we leave is abandoned
 * (§9.3.2: "This will cause the validation of the address of the spurious migration to be
 * abandoned").
 */
export function moveTo(s: ConnectionState, now: Instant, p: PathState): void {
  const ps = s.paths;
  const old = ps.active;
  if (!old.validated && old !== p) abandon(s, old);
  ps.active = p;
  s.path = p.path;
  // RFC 9000 §14.2: "Each pair of local and remote addresses could have a different PMTU" (pmtud.ts starts over).
  if (old !== p) s.pmtud.resetForNewPath();
  if (p.dcid !== undefined) {
    switchRemoteCid(s, p.dcid.seq);
    p.dcid = undefined;
  }
  if (!p.validated) startValidation(s, now, p);
  else resetCongestionIfNeeded(s, p);
  pushEvent(s, { type: 'path_migrated', path: p.path });
}

function abandon(s: ConnectionState, p: PathState): void {
  p.challenges.length = 0;
  p.challengePending = false;
  p.challengeResendAt = undefined;
  p.challengeDeadline = undefined;
  const i = s.paths.list.indexOf(p);
  if (i >= 0 && p !== s.paths.lastValidated) s.paths.list.splice(i, 1);
}

/**
 * RFC 9000 §9.4: "On confirming a peer's ownership of its new address, an endpoint MUST immediately
 * reset the congestion controller and round-trip time estimator for the new path to initial values
 * ... unless the only change in the peer's address is its port number" (we keep them then, as the
 * MAY allows). A change of our own local address (client migration, §9.2) resets them too.
 */
function resetCongestionIfNeeded(s: ConnectionState, p: PathState): void {
  const before = s.paths.ccPath;
  s.paths.ccPath = p.path;
  if (hostOf(before.remote) === hostOf(p.path.remote) && hostOf(before.local) === hostOf(p.path.local)) return;
  s.ld.resetForNewPath(createCongestionController(s.ld.cc.algorithm, { maxDatagramSize: MAX_DATAGRAM_SIZE }));
}

/**
 * A PATH_CHALLENGE arrived on `path` (RFC 9000 §8.2.2: "On receiving a PATH_CHALLENGE frame, an
 * endpoint MUST respond by echoing the data contained in the PATH_CHALLENGE frame in a
 * PATH_RESPONSE frame"; "A PATH_RESPONSE frame MUST be sent on the network path where the
 * PATH_CHALLENGE frame was received"). Bounded: beyond MAX_PENDING_RESPONSES the oldest is dropped.
 */
export function onPathChallenge(s: ConnectionState, now: Instant, path: NetworkPath, data: Uint8Array): void {
  if (s.role === 'client' && findPath(s, path) === undefined) return;
  const p = getOrCreatePath(s, path, now);
  if (p.responses.length >= MAX_PENDING_RESPONSES) p.responses.shift();
  p.responses.push(data.slice());
}

/**
 * A PATH_RESPONSE arrived (RFC 9000 §8.2.3: "Path validation succeeds when a PATH_RESPONSE frame is
 * received that contains the data that was sent in a previous PATH_CHALLENGE frame. A
 * PATH_RESPONSE frame received on any network path validates the path on which the PATH_CHALLENGE
 * was sent."). Unknown data is ignored.
 */
export function onPathResponse(s: ConnectionState, now: Instant, data: Uint8Array): void {
  const ps = s.paths;
  const p = ps.list.find((q) => q.challenges.some((c) => bytesEqual(c, data)));
  if (p === undefined) return;
  p.challenges.length = 0;
  p.challengePending = false;
  p.challengeResendAt = undefined;
  p.challengeDeadline = undefined;
  p.validated = true;
  p.amplificationLimited = false;
  ps.lastValidated = p;
  pushEvent(s, { type: 'path_validated', path: p.path });
  if (p === ps.active) resetCongestionIfNeeded(s, p);
  else if (p === ps.probing) {
    // RFC 9000 §9.6.2: "As soon as path validation succeeds, the client SHOULD begin sending all
    // future packets to the new server address using the new connection ID".
    ps.probing = undefined;
    moveTo(s, now, p);
  }
}

/** The earliest path timer (challenge retransmission or abandonment). */
export function pathsTimeout(s: ConnectionState): Instant | undefined {
  let t: Instant | undefined;
  for (const p of s.paths.list) t = earliest(earliest(t, p.challengeResendAt), p.challengeDeadline);
  return t;
}

/**
 * Path timers: a challenge is sent again (new data) one PTO after the last; at the deadline the
 * validation fails (RFC 9000 §8.2.4). RFC 9000 §9.3.2: "an endpoint MUST revert to using the last
 * validated peer address when validation of a new peer address fails."
 */
export function onPathTimers(s: ConnectionState, now: Instant): void {
  const ps = s.paths;
  for (const p of [...ps.list]) {
    if (p.challengeDeadline !== undefined && p.challengeDeadline <= now) {
      abandon(s, p);
      pushEvent(s, { type: 'path_failed', path: p.path });
      if (p === ps.probing) ps.probing = undefined;
      if (p === ps.active && ps.lastValidated !== p) {
        ps.active = ps.lastValidated;
        s.path = ps.active.path;
        s.pmtud.resetForNewPath();
        pushEvent(s, { type: 'path_migrated', path: s.path });
      }
      continue;
    }
    if (p.challengeResendAt !== undefined && p.challengeResendAt <= now) {
      p.challengeResendAt = undefined;
      p.challengePending = true;
    }
  }
}
