/**
 * 1-RTT key update and AEAD usage limits at the connection (RFC 9001 §6, §6.6): the Key Phase
 * bit, initiating an update (§6.1), responding to the peer's (§6.2), choosing read keys by the
 * Key Phase bit and keeping the previous read keys for reordered packets (§6.3, §6.5), and
 * counting packets against the confidentiality and integrity limits (§6.6). Key derivation
 * itself is src/crypto/key-update.ts.
 */
import { aeadLimits, updatePacketKeys } from '../crypto/key-update.js';
import { decryptPayload, removeHeaderProtection, type PacketProtectionKeys, type UnprotectedPacket } from '../crypto/packet-protection.js';
import { CodecError } from '../util/errors.js';
import { addDuration, micros, type Instant } from '../util/time.js';
import { TransportError, TransportErrorCode } from '../wire/errors.js';
import { decodePacketNumber, type PacketNumberBits } from '../wire/packet-number.js';
import { PacketNumberSpace } from '../wire/packet-type.js';
import { keyPhaseOf } from '../wire/short-header.js';
import { currentPto, isTerminating } from './close.js';
import type { ConnectionState } from './state.js';

/** Key update settings (RFC 9001 §6.6); the defaults follow the negotiated AEAD's limits. */
export interface KeyUpdateConfig {
  /** Packets sent with one key before we initiate a key update (default: 90% of the confidentiality limit). */
  readonly initiateAfterPackets?: number;
  /** Packets one key may protect at most (default: the AEAD's confidentiality limit, RFC 9001 §6.6). */
  readonly confidentialityLimit?: number;
  /** Received packets that may fail authentication over the connection (default: the AEAD's integrity limit). */
  readonly integrityLimit?: number;
}

/** The key phase state of a connection's 1-RTT keys. */
export interface KeyUpdateState {
  readonly config: KeyUpdateConfig;
  /** Key Phase bit of the keys we send with. */
  writePhase: boolean;
  /** Key Phase bit of the current read keys (the space's readKeys). */
  readPhase: boolean;
  /** First packet number sent with the current write keys. */
  writePhaseStartPn: number;
  /** Lowest packet number received with the current read keys. */
  readPhaseStartPn: number;
  /** Packets protected with the current write keys (RFC 9001 §6.6: "MUST count"). */
  packetsWithWriteKey: number;
  /** The next generation of read keys, derived ahead of need (RFC 9001 §6.3). */
  nextReadKeys: PacketProtectionKeys | undefined;
  /** The previous read keys, for reordered packets (RFC 9001 §6.5), and when they go. */
  prevReadKeys: PacketProtectionKeys | undefined;
  prevReadDeadline: Instant | undefined;
  /** Received packets that failed authentication (RFC 9001 §6.6). */
  failedDecryptions: number;
  /** Completed key updates (either side initiated). */
  updates: number;
}

/** The initial key phase state (phase 0). */
export function createKeyUpdateState(config: KeyUpdateConfig = {}): KeyUpdateState {
  return {
    config, writePhase: false, readPhase: false, writePhaseStartPn: 0, readPhaseStartPn: 0, packetsWithWriteKey: 0,
    nextReadKeys: undefined, prevReadKeys: undefined, prevReadDeadline: undefined, failedDecryptions: 0, updates: 0,
  };
}

function appSpace(s: ConnectionState) {
  return s.spaces[PacketNumberSpace.ApplicationData];
}

/**
 * True when a key update may start: RFC 9001 §6.1: "An endpoint MUST NOT initiate a key update
 * prior to having confirmed the handshake" and "An endpoint MUST NOT initiate a subsequent key
 * update unless it has received an acknowledgment for a packet that was sent protected with keys
 * from the current key phase." We also wait until the peer's packets use our current phase.
 */
export function canInitiateKeyUpdate(s: ConnectionState): boolean {
  const ku = s.keyUpdate;
  if (!s.handshakeConfirmed || isTerminating(s) || appSpace(s).writeKeys === undefined) return false;
  if (ku.readPhase !== ku.writePhase) return false;
  return s.ld.largestAcked(PacketNumberSpace.ApplicationData) >= ku.writePhaseStartPn;
}

/** Starts a key update (RFC 9001 §6.1): new write keys, the Key Phase bit flipped. Returns false when not allowed now. */
export function initiateKeyUpdate(s: ConnectionState): boolean {
  if (!canInitiateKeyUpdate(s)) return false;
  switchWriteKeys(s);
  return true;
}

function switchWriteKeys(s: ConnectionState): void {
  const sp = appSpace(s);
  const ku = s.keyUpdate;
  // RFC 9001 §6.1: "The header protection key is not updated" (updatePacketKeys keeps hp).
  sp.writeKeys = updatePacketKeys(s.provider, sp.writeKeys!);
  ku.writePhase = !ku.writePhase;
  ku.writePhaseStartPn = sp.nextPacketNumber;
  ku.packetsWithWriteKey = 0;
}

/**
 * Before a 1-RTT packet is built: initiates an update once the configured packet count is
 * reached (RFC 9001 §6.6: "Endpoints MUST initiate a key update before sending more protected
 * packets than the confidentiality limit for the selected AEAD permits"). Returns false when the
 * current keys are used up and no update is possible: the caller must stop using them (§6.6:
 * "the endpoint MUST stop using those keys").
 */
export function beforeOneRttSend(s: ConnectionState): boolean {
  const ku = s.keyUpdate;
  const keys = appSpace(s).writeKeys;
  if (keys === undefined) return true;
  const limit = ku.config.confidentialityLimit ?? aeadLimits(keys.suite.aead).confidentialityLimit;
  const threshold = Math.min(limit, ku.config.initiateAfterPackets ?? Math.floor(limit * 0.9));
  if (ku.packetsWithWriteKey >= threshold) initiateKeyUpdate(s);
  return ku.packetsWithWriteKey < limit;
}

/** A 1-RTT packet was protected with the current write keys (RFC 9001 §6.6). */
export function onOneRttSent(s: ConnectionState): void {
  s.keyUpdate.packetsWithWriteKey++;
}

/**
 * A received packet failed authentication (RFC 9001 §6.6): "If the total number of received
 * packets that fail authentication within the connection, across all keys, exceeds the
 * integrity limit for the selected AEAD, the endpoint MUST immediately close the connection with
 * a connection error of type AEAD_LIMIT_REACHED and not process any more packets."
 * @throws TransportError AEAD_LIMIT_REACHED.
 */
export function onDecryptionFailed(s: ConnectionState, keys: PacketProtectionKeys): void {
  const ku = s.keyUpdate;
  ku.failedDecryptions++;
  const limit = ku.config.integrityLimit ?? aeadLimits(keys.suite.aead).integrityLimit;
  if (ku.failedDecryptions >= limit) throw new TransportError(TransportErrorCode.AEAD_LIMIT_REACHED, undefined, 'AEAD integrity limit reached');
}

/**
 * Opens a 1-RTT packet, choosing keys by its Key Phase bit (RFC 9001 §6.3): the current read
 * keys for the current phase; for the other phase, the previous keys for a packet older than the
 * current phase's first (§6.5), else the next keys, and on success the update is adopted: RFC
 * 9001 §6.2: "An endpoint MUST retain old keys until it has successfully unprotected a packet
 * sent using the new keys" and, if the peer initiated, "the endpoint MUST update its send keys
 * to the corresponding key phase in response".
 * @returns the packet, or null when it cannot be opened (to be dropped, RFC 9001 §5.5).
 * @throws TransportError AEAD_LIMIT_REACHED (see onDecryptionFailed).
 */
export function openOneRtt(s: ConnectionState, now: Instant, buf: Uint8Array, pnOffset: number, packetEnd: number): UnprotectedPacket | null {
  const sp = appSpace(s);
  const ku = s.keyUpdate;
  const current = sp.readKeys;
  if (current === undefined) return null;
  let pnLength;
  try {
    pnLength = removeHeaderProtection(current.hp, buf, pnOffset, packetEnd);
  } catch (e) {
    if (e instanceof CodecError) return null; // RFC 9001 §5.4.2: too short to sample, "MUST discard"
    throw e;
  }
  let truncated = 0;
  for (let i = 0; i < pnLength; i++) truncated = truncated * 256 + buf[pnOffset + i]!;
  const packetNumber = decodePacketNumber(sp.ack.largestReceived, truncated, (pnLength * 8) as PacketNumberBits);
  const firstByte = buf[0]!;
  const phase = keyPhaseOf(firstByte);
  // RFC 9001 §6.5: "An endpoint SHOULD retain old read keys for no more than three times the PTO".
  if (ku.prevReadDeadline !== undefined && now >= ku.prevReadDeadline) {
    ku.prevReadKeys = undefined;
    ku.prevReadDeadline = undefined;
  }
  let keys: PacketProtectionKeys;
  let kind: 'current' | 'prev' | 'next';
  if (phase === ku.readPhase) {
    keys = current;
    kind = 'current';
  } else if (ku.prevReadKeys !== undefined && packetNumber < ku.readPhaseStartPn) {
    keys = ku.prevReadKeys;
    kind = 'prev';
  } else {
    keys = ku.nextReadKeys ??= updatePacketKeys(s.provider, current);
    kind = 'next';
  }
  const payload = decryptPayload(keys, buf, pnOffset, pnLength, packetNumber, packetEnd);
  if (payload === null) {
    onDecryptionFailed(s, keys);
    return null;
  }
  if (kind === 'current') ku.readPhaseStartPn = Math.min(ku.readPhaseStartPn, packetNumber);
  if (kind === 'next') adoptNextReadKeys(s, now, packetNumber);
  return { packetNumber, pnLength, payload, firstByte };
}

function adoptNextReadKeys(s: ConnectionState, now: Instant, packetNumber: number): void {
  const sp = appSpace(s);
  const ku = s.keyUpdate;
  ku.prevReadKeys = sp.readKeys;
  ku.prevReadDeadline = addDuration(now, micros(3 * currentPto(s)));
  sp.readKeys = ku.nextReadKeys;
  ku.nextReadKeys = undefined;
  ku.readPhase = !ku.readPhase;
  ku.readPhaseStartPn = packetNumber;
  ku.updates++;
  // RFC 9001 §6.2: the peer initiated: "the endpoint MUST update its send keys to the
  // corresponding key phase in response".
  if (ku.writePhase !== ku.readPhase) switchWriteKeys(s);
}
