/**
 * Retry and address tokens at the connection (RFC 9000 §8.1.2-§8.1.4, §17.2.5, §7.3, §19.7;
 * RFC 9001 §5.8; RFC 9002 §6.2.1): the client follows at most one valid Retry (new DCID, new
 * Initial keys, the token in every later Initial, the ClientHello sent again with packet numbers
 * that keep counting) and checks the server's retry_source_connection_id; the server sends the
 * NEW_TOKEN tokens its endpoint gives it, resent until acknowledged (RFC 9000 §13.3). The
 * per-connection state of Retry, version negotiation (versions.ts) and tokens lives here.
 */
import type { PacketProtectionKeys } from '../crypto/packet-protection.js';
import { deriveInitialKeys } from '../crypto/initial-secrets.js';
import { verifyRetryIntegrity } from '../crypto/retry-integrity.js';
import { bytesEqual, type Writer } from '../util/bytes.js';
import type { Instant } from '../util/time.js';
import { TransportError, TransportErrorCode } from '../wire/errors.js';
import { encodeFrame, sizeOfFrame } from '../wire/frames.js';
import { PacketNumberSpace } from '../wire/packet-type.js';
import type { RetryPacketHeader } from '../wire/retry-packet.js';
import type { TransportParameters } from '../wire/transport-parameters.js';
import type { QuicVersion } from '../wire/version.js';
import type { ConnectionState } from './state.js';
import type { ConnectionToken } from './types.js';

/** Most NEW_TOKEN tokens queued at a server connection; more are dropped (a bound on the endpoint's input). */
export const MAX_PENDING_NEW_TOKENS = 4;

/** Retry, version negotiation and NEW_TOKEN state of one connection. */
export interface NegotiationState {
  /** The version of the client's first Initial (RFC 9368 §2.1 "original version"). */
  readonly originalVersion: QuicVersion;
  /** Client: the versions offered in version_information; server: the versions it upgrades to, most preferred first. */
  readonly versions: readonly QuicVersion[];
  /** Server: the compatible version negotiation decision was taken (RFC 9368 §2.3). */
  versionChosen: boolean;
  /** Server: the start of a ClientHello split over several Initials, until it is whole (bounded, versions.ts). */
  clientHelloPrefix: Uint8Array | undefined;
  /** Server: Initial read keys of the original version, kept after an upgrade for the client's Initials in flight. */
  originalInitialReadKeys: PacketProtectionKeys | undefined;
  /** Client: the token carried in every Initial (RFC 9000 §17.2.2): a Retry token or a NEW_TOKEN token. */
  initialToken: Uint8Array;
  /** Client: the Source Connection ID of the Retry accepted (RFC 9000 §7.3), undefined without one. */
  retrySourceCid: Uint8Array | undefined;
  /** The Destination Connection ID the Initial keys come from (RFC 9001 §5.2; the client's changes on Retry). */
  initialKeyDcid: Uint8Array;
  /** Server: NEW_TOKEN tokens waiting to be sent (RFC 9000 §8.1.3). */
  readonly newTokens: Uint8Array[];
  /** Server: version_information was set by the user and is not rewritten on an upgrade. */
  readonly fixedVersionInformation: boolean;
}

/** A fresh NegotiationState. */
export function createNegotiationState(
  originalVersion: QuicVersion,
  versions: readonly QuicVersion[],
  initialKeyDcid: Uint8Array,
  initialToken: Uint8Array,
  fixedVersionInformation: boolean,
): NegotiationState {
  return {
    originalVersion, versions, versionChosen: false, clientHelloPrefix: undefined, originalInitialReadKeys: undefined, initialToken, retrySourceCid: undefined,
    initialKeyDcid, newTokens: [], fixedVersionInformation,
  };
}

/**
 * A Retry packet at the client (RFC 9000 §17.2.5.2). Returns true if it was accepted.
 *
 * RFC 9000 §17.2.5.2: "A client MUST accept and process at most one Retry packet for each
 * connection attempt. After the client has received and processed an Initial or Retry packet
 * from the server, it MUST discard any subsequent Retry packets that it receives." "Clients MUST
 * discard Retry packets that have a Retry Integrity Tag that cannot be validated." "A client MUST
 * discard a Retry packet with a zero-length Retry Token field." RFC 9000 §17.2.5.1: "A client MUST
 * discard a Retry packet that contains a Source Connection ID field that is identical to the
 * Destination Connection ID field of its Initial packet."
 */
export function onRetryPacket(s: ConnectionState, now: Instant, pkt: RetryPacketHeader): boolean {
  const n = s.negotiation;
  if (s.role !== 'client' || n.retrySourceCid !== undefined || s.remoteCidConfirmed || s.packetsReceived > 0) return false;
  if (pkt.version !== s.version || !bytesEqual(pkt.dcid, s.localCid)) return false;
  if (pkt.token.length === 0 || bytesEqual(pkt.scid, s.originalDcid)) return false;
  // RFC 9001 §5.8: the tag covers the Retry Pseudo-Packet built from the client's original DCID.
  if (!verifyRetryIntegrity(s.provider, pkt.version, s.originalDcid, pkt.bytes)) return false;
  n.retrySourceCid = pkt.scid.slice();
  n.initialToken = pkt.token.slice();
  // RFC 9000 §17.2.5.2: "The client MUST use the value from the Source Connection ID field of the
  // Retry packet in the Destination Connection ID field of subsequent packets that it sends."
  s.remoteCid = pkt.scid.slice();
  // RFC 9001 §5.2: Initial keys come from the Destination Connection ID the client now sends to.
  n.initialKeyDcid = pkt.scid.slice();
  const keys = deriveInitialKeys(s.provider, s.version, n.initialKeyDcid);
  const init = s.spaces[PacketNumberSpace.Initial];
  init.writeKeys = keys.client;
  init.readKeys = keys.server;
  // RFC 9002 §6.2.1 / RFC 9000 §17.2.5.3: the Initials in flight are answered; they leave bytes in
  // flight without a congestion response, and the ClientHello goes out again. Packet numbers are
  // kept: "the client ... MUST NOT reset the packet number for any packet number space after
  // processing a Retry packet" (RFC 9000 §17.2.5.3).
  s.ld.dropSentPackets(PacketNumberSpace.Initial, now);
  init.cryptoSend.requeueUnacked();
  return true;
}

/**
 * RFC 9000 §7.3: the client checks retry_source_connection_id. "If it sends a Retry packet, a
 * server also includes the Source Connection ID field from the Retry packet in the
 * retry_source_connection_id transport parameter", and "An endpoint MUST treat
 * the following as a connection error of type TRANSPORT_PARAMETER_ERROR or PROTOCOL_VIOLATION:
 * absence of the retry_source_connection_id transport parameter from the server after receiving
 * a Retry packet, presence of the retry_source_connection_id transport parameter when no Retry
 * packet was received, or a mismatch between values received from a peer in these transport
 * parameters and the value sent in the corresponding Destination or Source Connection ID fields".
 * @throws TransportError TRANSPORT_PARAMETER_ERROR.
 */
export function checkRetrySourceConnectionId(s: ConnectionState, peer: TransportParameters): void {
  if (s.role !== 'client') return;
  const expected = s.negotiation.retrySourceCid;
  const got = peer.retrySourceConnectionId;
  const err = (reason: string): TransportError => new TransportError(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, undefined, reason);
  if (expected === undefined && got !== undefined) throw err('retry_source_connection_id without a Retry');
  if (expected !== undefined && got === undefined) throw err('retry_source_connection_id missing after a Retry');
  if (expected !== undefined && got !== undefined && !bytesEqual(expected, got)) throw err('retry_source_connection_id does not match the Retry');
}

/** Server: queues a NEW_TOKEN token to send (RFC 9000 §8.1.3). Returns false if the queue is full or this is a client. */
export function queueNewToken(s: ConnectionState, token: Uint8Array): boolean {
  if (s.role !== 'server' || token.length === 0 || s.negotiation.newTokens.length >= MAX_PENDING_NEW_TOKENS) return false;
  s.negotiation.newTokens.push(token.slice());
  return true;
}

/**
 * Writes the queued NEW_TOKEN frames (RFC 9000 §19.7; 1-RTT only, RFC 9000 §12.4 Table 3) once the
 * handshake is complete, each with a recovery token. RFC 9000 §19.7: "Clients MUST NOT send
 * NEW_TOKEN frames."
 */
export function writeNewTokenFrames(s: ConnectionState, w: Writer, tokens: ConnectionToken[]): void {
  const q = s.negotiation.newTokens;
  if (s.role !== 'server' || !s.handshakeComplete) return;
  while (q.length > 0) {
    const frame = { type: 'new_token', token: q[0]! } as const;
    if (sizeOfFrame(frame) > w.remaining) return;
    encodeFrame(w, frame);
    tokens.push({ kind: 'new_token', token: q.shift()! });
  }
}

/** RFC 9000 §13.3: "NEW_TOKEN frames are retransmitted if the packet containing them is lost." */
export function onNewTokenLost(s: ConnectionState, token: Uint8Array): void {
  if (s.negotiation.newTokens.length < MAX_PENDING_NEW_TOKENS) s.negotiation.newTokens.push(token);
}
