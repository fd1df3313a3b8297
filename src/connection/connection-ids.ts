/**
 * Connection IDs (RFC 9000 §5.1): the IDs we issue with NEW_CONNECTION_ID up to the peer's
 * active_connection_id_limit (§5.1.1) and retire at its request (§19.16); the IDs the peer issues
 * to us, bounded by our limit, retired on Retire Prior To (§5.1.2) or when we rotate to the next
 * one; and Stateless Reset detection against the token of the ID in use (§10.3.1).
 */
import type { Writer } from '../util/bytes.js';
import { bytesEqual } from '../util/bytes.js';
import { randomBytes, type RandomSource } from '../util/random.js';
import { TransportError, TransportErrorCode } from '../wire/errors.js';
import { FrameType, type NewConnectionIdFrame, type RetireConnectionIdFrame } from '../wire/frame-types.js';
import { encodeFrame, sizeOfFrame, type Frame } from '../wire/frames.js';
import { MIN_STATELESS_RESET_LENGTH, STATELESS_RESET_TOKEN_LENGTH, isStatelessReset } from '../wire/stateless-reset.js';
import { LOCAL_CID_LENGTH, pushEvent, type ConnectionState } from './state.js';
import type { ConnectionToken, StatelessResetTokenSource } from './types.js';

/** Most connection IDs we keep issued at once, whatever the peer's limit. */
export const MAX_ISSUED_CIDS = 8;
/** RFC 9000 §5.1.2: retirements awaiting acknowledgment before CONNECTION_ID_LIMIT_ERROR. */
export const MAX_PENDING_RETIREMENTS = 32;

interface LocalCid {
  readonly seq: number;
  readonly cid: Uint8Array;
  readonly token: Uint8Array;
  /** NEW_CONNECTION_ID still to be (re)sent. */
  pending: boolean;
}

interface RemoteCid {
  readonly seq: number;
  readonly cid: Uint8Array;
  readonly token: Uint8Array | undefined;
}

/** Both sides' connection IDs. */
export interface ConnectionIdState {
  readonly resetKey: StatelessResetTokenSource | undefined;
  /** Our active connection IDs by sequence number (RFC 9000 §5.1.1). */
  readonly local: Map<number, LocalCid>;
  nextLocalSeq: number;
  /** How many of `local` are `pending` (so a packet with none to send skips the scan). */
  newCidsPending: number;
  /** The peer's active connection IDs by sequence number. */
  readonly remote: Map<number, RemoteCid>;
  /** Sequence number of the peer's ID we send to. */
  remoteSeq: number;
  /** Largest Retire Prior To received (RFC 9000 §19.15). */
  remoteRetirePriorTo: number;
  /** Our active_connection_id_limit (RFC 9000 §18.2). */
  readonly localLimit: number;
  /** RETIRE_CONNECTION_ID not yet acknowledged, and those to (re)send. */
  readonly retirePending: Set<number>;
  readonly retireToSend: Set<number>;
}

function newToken(source: StatelessResetTokenSource | undefined, random: RandomSource, cid: Uint8Array): Uint8Array {
  return source !== undefined ? source.tokenFor(cid) : randomBytes(random, STATELESS_RESET_TOKEN_LENGTH);
}

/** State with our first connection ID (sequence number 0, RFC 9000 §5.1.1) and its reset token. */
export function createConnectionIdState(localCid: Uint8Array, random: RandomSource, resetKey: StatelessResetTokenSource | undefined, localLimit: number): ConnectionIdState {
  const token = newToken(resetKey, random, localCid);
  return {
    resetKey, local: new Map([[0, { seq: 0, cid: localCid, token, pending: false }]]), nextLocalSeq: 1, newCidsPending: 0,
    remote: new Map(), remoteSeq: 0, remoteRetirePriorTo: 0, localLimit, retirePending: new Set(), retireToSend: new Set(),
  };
}

/** The reset token of our first connection ID (the server's stateless_reset_token, RFC 9000 §18.2). */
export function firstResetToken(c: ConnectionIdState): Uint8Array {
  return c.local.get(0)!.token;
}

/** The peer's first connection ID and token, once its transport parameters arrived. */
export function initRemoteCids(s: ConnectionState, token: Uint8Array | undefined): void {
  s.cids.remote.set(0, { seq: 0, cid: s.remoteCid, token });
  s.cids.remoteSeq = 0;
  // RFC 9000 §5.1.1: the preferred_address connection ID has sequence number 1.
  const pa = s.role === 'client' ? s.peerParams?.preferredAddress : undefined;
  if (pa !== undefined) s.cids.remote.set(1, { seq: 1, cid: pa.connectionId.slice(), token: pa.statelessResetToken.slice() });
}

/** True if `dcid` is one of our active connection IDs. */
export function isActiveLocalCid(s: ConnectionState, dcid: Uint8Array): boolean {
  for (const e of s.cids.local.values()) if (bytesEqual(e.cid, dcid)) return true;
  return false;
}

/**
 * Tops up our issued IDs to the peer's limit (RFC 9000 §5.1.1: "An endpoint SHOULD ensure that
 * its peer has a sufficient number of available and unused connection IDs"; "An endpoint MUST NOT
 * provide more connection IDs than the peer's limit").
 */
function issueConnectionIds(s: ConnectionState): void {
  const c = s.cids;
  const target = Math.min(s.peerParams?.activeConnectionIdLimit ?? 2, MAX_ISSUED_CIDS);
  // Bounded: a RandomSource that keeps repeating itself cannot make this loop forever.
  for (let attempts = 0; c.local.size < target && attempts < 2 * MAX_ISSUED_CIDS; attempts++) {
    const cid = randomBytes(s.random, LOCAL_CID_LENGTH);
    if (isActiveLocalCid(s, cid)) continue;
    const seq = c.nextLocalSeq++;
    const token = newToken(c.resetKey, s.random, cid);
    c.local.set(seq, { seq, cid, token, pending: true });
    c.newCidsPending++;
    pushEvent(s, { type: 'connection_id_issued', connectionId: cid, sequenceNumber: seq, statelessResetToken: token });
  }
}

/** Sets `e.pending`, keeping `newCidsPending` in step. */
function setNewCidPending(c: ConnectionIdState, e: LocalCid, pending: boolean): void {
  if (e.pending === pending) return;
  e.pending = pending;
  c.newCidsPending += pending ? 1 : -1;
}

function tryWrite(w: Writer, f: Frame): boolean {
  if (sizeOfFrame(f) > w.remaining) return false;
  encodeFrame(w, f);
  return true;
}

/** Writes pending NEW_CONNECTION_ID and RETIRE_CONNECTION_ID frames into a 1-RTT packet. */
export function writeConnectionIdFrames(s: ConnectionState, w: Writer, tokens: ConnectionToken[]): void {
  if (s.peerParams === undefined) return;
  issueConnectionIds(s);
  const c = s.cids;
  if (c.newCidsPending > 0) {
    for (const e of c.local.values()) {
      if (!e.pending) continue;
      const f: NewConnectionIdFrame = { type: 'new_connection_id', sequenceNumber: e.seq, retirePriorTo: 0, connectionId: e.cid, statelessResetToken: e.token };
      if (!tryWrite(w, f)) return;
      setNewCidPending(c, e, false);
      tokens.push({ kind: 'new_connection_id', seq: e.seq });
    }
  }
  if (c.retireToSend.size === 0) return; // the common case
  for (const seq of c.retireToSend) {
    if (!tryWrite(w, { type: 'retire_connection_id', sequenceNumber: seq })) return;
    s.cids.retireToSend.delete(seq);
    tokens.push({ kind: 'retire_connection_id', seq });
  }
}

/** A packet carrying a connection ID frame was acknowledged (`acked`) or lost (RFC 9000 §13.3). */
export function onConnectionIdToken(s: ConnectionState, t: Extract<ConnectionToken, { kind: 'new_connection_id' | 'retire_connection_id' }>, acked: boolean): void {
  const c = s.cids;
  if (t.kind === 'new_connection_id') {
    const e = c.local.get(t.seq);
    if (!acked && e !== undefined) setNewCidPending(c, e, true);
    return;
  }
  if (acked) {
    c.retirePending.delete(t.seq);
    c.retireToSend.delete(t.seq);
  } else if (c.retirePending.has(t.seq)) {
    c.retireToSend.add(t.seq);
  }
}

function queueRetire(s: ConnectionState, seq: number): void {
  s.cids.retirePending.add(seq);
  s.cids.retireToSend.add(seq);
  // RFC 9000 §5.1.2: "An endpoint SHOULD limit the number of connection IDs it has retired
  // locally for which RETIRE_CONNECTION_ID frames have not yet been acknowledged ... An endpoint
  // SHOULD ... treat this as a connection error of type CONNECTION_ID_LIMIT_ERROR."
  if (s.cids.retirePending.size > MAX_PENDING_RETIREMENTS) {
    throw new TransportError(TransportErrorCode.CONNECTION_ID_LIMIT_ERROR, FrameType.NewConnectionId, 'too many connection IDs awaiting retirement');
  }
}

function useRemote(s: ConnectionState, e: RemoteCid): void {
  s.cids.remoteSeq = e.seq;
  s.remoteCid = e.cid;
}

function lowestRemoteAbove(s: ConnectionState, seq: number): RemoteCid | undefined {
  let best: RemoteCid | undefined;
  for (const e of s.cids.remote.values()) if (e.seq > seq && (best === undefined || e.seq < best.seq)) best = e;
  return best;
}

/**
 * The peer's NEW_CONNECTION_ID (RFC 9000 §19.15, §5.1.1, §5.1.2).
 * @throws TransportError PROTOCOL_VIOLATION, FRAME_ENCODING_ERROR or CONNECTION_ID_LIMIT_ERROR.
 */
export function onNewConnectionId(s: ConnectionState, f: NewConnectionIdFrame): void {
  const c = s.cids;
  const err = (code: number, reason: string): TransportError => new TransportError(code, FrameType.NewConnectionId, reason);
  // RFC 9000 §19.15: "An endpoint that is sending packets with a zero-length Destination
  // Connection ID MUST treat receipt of a NEW_CONNECTION_ID frame as a connection error of type
  // PROTOCOL_VIOLATION."
  if (s.remoteCid.length === 0) throw err(TransportErrorCode.PROTOCOL_VIOLATION, 'NEW_CONNECTION_ID with a zero-length connection ID in use');
  // RFC 9000 §19.15: "Receiving a value in the Retire Prior To field that is greater than that in
  // the Sequence Number field MUST be treated as a connection error of type FRAME_ENCODING_ERROR."
  if (f.retirePriorTo > f.sequenceNumber) throw err(TransportErrorCode.FRAME_ENCODING_ERROR, 'Retire Prior To exceeds Sequence Number');
  const same = c.remote.get(f.sequenceNumber);
  for (const e of c.remote.values()) {
    // RFC 9000 §19.15: a connection ID repeated "with a different Stateless Reset Token field
    // value or a different Sequence Number field value, or if a sequence number is used for
    // different connection IDs, the endpoint MAY treat that receipt as a connection error of type
    // PROTOCOL_VIOLATION."
    const sameCid = bytesEqual(e.cid, f.connectionId);
    if (sameCid !== (e.seq === f.sequenceNumber) || (sameCid && e.token !== undefined && !bytesEqual(e.token, f.statelessResetToken))) {
      throw err(TransportErrorCode.PROTOCOL_VIOLATION, 'connection ID reused with another sequence number or token');
    }
  }
  if (f.retirePriorTo > c.remoteRetirePriorTo) {
    c.remoteRetirePriorTo = f.retirePriorTo;
    // RFC 9000 §5.1.2: "Upon receipt of an increased Retire Prior To field, the peer MUST stop
    // using the corresponding connection IDs and retire them with RETIRE_CONNECTION_ID frames
    // before adding the newly provided connection ID to the set of active connection IDs."
    for (const e of [...c.remote.values()]) {
      if (e.seq >= f.retirePriorTo) continue;
      c.remote.delete(e.seq);
      queueRetire(s, e.seq);
    }
  }
  if (same !== undefined) {
    // a retransmission: already stored
  } else if (f.sequenceNumber < c.remoteRetirePriorTo || f.sequenceNumber < c.remoteSeq) {
    // RFC 9000 §19.15: "An endpoint that receives a NEW_CONNECTION_ID frame with a sequence number
    // smaller than the Retire Prior To field of a previously received NEW_CONNECTION_ID frame MUST
    // send a corresponding RETIRE_CONNECTION_ID frame that retires the newly received connection
    // ID" (and one older than the ID in use was retired or is not wanted).
    queueRetire(s, f.sequenceNumber);
  } else {
    c.remote.set(f.sequenceNumber, { seq: f.sequenceNumber, cid: f.connectionId.slice(), token: f.statelessResetToken.slice() });
  }
  if (!c.remote.has(c.remoteSeq)) useRemote(s, lowestRemoteAbove(s, c.remoteSeq)!);
  // RFC 9000 §5.1.1: "After processing a NEW_CONNECTION_ID frame and adding and retiring active
  // connection IDs, if the number of active connection IDs exceeds the value advertised in its
  // active_connection_id_limit transport parameter, an endpoint MUST close the connection with an
  // error of type CONNECTION_ID_LIMIT_ERROR."
  if (c.remote.size > c.localLimit) throw err(TransportErrorCode.CONNECTION_ID_LIMIT_ERROR, 'more connection IDs than active_connection_id_limit');
}

/**
 * The peer's RETIRE_CONNECTION_ID (RFC 9000 §19.16); a replacement is issued with the next packet.
 * @throws TransportError PROTOCOL_VIOLATION.
 */
export function onRetireConnectionId(s: ConnectionState, f: RetireConnectionIdFrame, packetDcid: Uint8Array): void {
  const c = s.cids;
  // RFC 9000 §19.16: "Receipt of a RETIRE_CONNECTION_ID frame containing a sequence number
  // greater than any previously sent to the peer MUST be treated as a connection error of type
  // PROTOCOL_VIOLATION."
  if (f.sequenceNumber >= c.nextLocalSeq) throw new TransportError(TransportErrorCode.PROTOCOL_VIOLATION, FrameType.RetireConnectionId, 'retiring a connection ID never issued');
  const e = c.local.get(f.sequenceNumber);
  if (e === undefined) return;
  // RFC 9000 §19.16: "The sequence number specified in a RETIRE_CONNECTION_ID frame MUST NOT
  // refer to the Destination Connection ID field of the packet in which the frame is contained.
  // The peer MAY treat this as a connection error of type PROTOCOL_VIOLATION."
  if (bytesEqual(e.cid, packetDcid)) throw new TransportError(TransportErrorCode.PROTOCOL_VIOLATION, FrameType.RetireConnectionId, 'retiring the connection ID the packet was sent to');
  setNewCidPending(c, e, false);
  c.local.delete(f.sequenceNumber);
  pushEvent(s, { type: 'connection_id_retired', connectionId: e.cid, sequenceNumber: e.seq });
}

/**
 * Switches to the peer's next unused connection ID and retires the one in use (RFC 9000 §5.1.2:
 * "An endpoint can change the connection ID it uses for a peer to another available one at any
 * time during the connection"). Returns false when none is available or the handshake is not
 * confirmed.
 */
export function rotateConnectionId(s: ConnectionState): boolean {
  if (!s.handshakeConfirmed) return false;
  const next = lowestRemoteAbove(s, s.cids.remoteSeq);
  if (next === undefined) return false;
  const old = s.cids.remoteSeq;
  s.cids.remote.delete(old);
  useRemote(s, next);
  queueRetire(s, old);
  return true;
}

/**
 * The peer's lowest unused connection ID above the one in use whose sequence number is not in
 * `exclude` (RFC 9000 §9.5: a new path gets a connection ID "that has not been used on another
 * path"); undefined when the peer gave no spare one.
 */
export function reserveUnusedRemoteCid(s: ConnectionState, exclude: ReadonlySet<number>): { seq: number; cid: Uint8Array } | undefined {
  let best: RemoteCid | undefined;
  for (const e of s.cids.remote.values()) if (e.seq > s.cids.remoteSeq && !exclude.has(e.seq) && (best === undefined || e.seq < best.seq)) best = e;
  return best === undefined ? undefined : { seq: best.seq, cid: best.cid };
}

/**
 * Sends to the peer's connection ID `seq` from now on and retires the one in use (RFC 9000 §5.1.2),
 * for a move to a new path (RFC 9000 §9.5). No-op if `seq` is unknown or already in use.
 */
export function switchRemoteCid(s: ConnectionState, seq: number): void {
  const next = s.cids.remote.get(seq);
  if (next === undefined || seq === s.cids.remoteSeq) return;
  const old = s.cids.remoteSeq;
  s.cids.remote.delete(old);
  useRemote(s, next);
  queueRetire(s, old);
}

/**
 * Our connection ID with sequence number 1 for the server's preferred_address (RFC 9000 §5.1.1:
 * "the sequence number of the connection ID supplied in the preferred_address transport parameter
 * is 1"); it counts as issued (no NEW_CONNECTION_ID is sent for it).
 */
export function issuePreferredAddressCid(s: ConnectionIdState, random: RandomSource): { cid: Uint8Array; token: Uint8Array } {
  if (s.nextLocalSeq !== 1) throw new Error('the preferred address connection ID must be sequence number 1');
  let cid = randomBytes(random, LOCAL_CID_LENGTH);
  while (bytesEqual(cid, s.local.get(0)!.cid)) cid = randomBytes(random, LOCAL_CID_LENGTH);
  const token = newToken(s.resetKey, random, cid);
  s.local.set(1, { seq: 1, cid, token, pending: false });
  s.nextLocalSeq = 2;
  return { cid, token };
}

/**
 * RFC 9000 §10.3.1: "the endpoint compares the last 16 bytes of the datagram with all stateless
 * reset tokens associated with the remote address on which the datagram was received" — and
 * "An endpoint MUST NOT check for any stateless reset tokens associated with connection IDs it has
 * not used or for connection IDs that have been retired": only the ID in use is checked (we
 * retire an ID as we move off it).
 */
export function isStatelessResetFor(s: ConnectionState, datagram: Uint8Array): boolean {
  if (datagram.length < MIN_STATELESS_RESET_LENGTH) return false;
  const token = s.cids.remote.get(s.cids.remoteSeq)?.token;
  return token !== undefined && isStatelessReset(datagram, token);
}
