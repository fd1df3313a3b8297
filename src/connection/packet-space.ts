/**
 * One packet-number space (RFC 9000 §12.3) and its encryption level (RFC 9001 §4.1.4): the
 * packet protection keys for each direction, the ACK tracker (RFC 9000 §13.2), the next packet
 * number, and the CRYPTO send and receive buffers.
 */
import type { PacketProtectionKeys } from '../crypto/packet-protection.js';
import { AckTracker } from '../recovery/ack-tracker.js';
import type { EncryptionLevel } from '../tls/session-types.js';
import { earliest, type Instant } from '../util/time.js';
import { PacketNumberSpace } from '../wire/packet-type.js';
import { CryptoRecvBuffer, CryptoSendBuffer } from './crypto-buffers.js';

/** The packet-number spaces in the order their packets go into a datagram (RFC 9000 §12.2). */
export const PACKET_NUMBER_SPACES = [PacketNumberSpace.Initial, PacketNumberSpace.Handshake, PacketNumberSpace.ApplicationData] as const;

/**
 * The earliest delayed-ACK deadline of the three spaces (RFC 9000 §13.2.1; `PacketSpace.ackTimeout`),
 * for the connection's timer.
 */
export function earliestAckTimeout(spaces: Readonly<Record<PacketNumberSpace, PacketSpace>>): Instant | undefined {
  const initial = spaces[PacketNumberSpace.Initial].ackTimeout();
  return earliest(earliest(initial, spaces[PacketNumberSpace.Handshake].ackTimeout()), spaces[PacketNumberSpace.ApplicationData].ackTimeout());
}

/** The TLS encryption level that carries CRYPTO data in a space. */
export type CryptoLevel = Exclude<EncryptionLevel, 'early'>;

/** The space of a TLS level (RFC 9001 §4.1.4: 0-RTT and 1-RTT share Application Data). */
export function spaceOfLevel(level: EncryptionLevel): PacketNumberSpace {
  switch (level) {
    case 'initial':
      return PacketNumberSpace.Initial;
    case 'handshake':
      return PacketNumberSpace.Handshake;
    case 'early':
    case 'application':
      return PacketNumberSpace.ApplicationData;
  }
}

/** The CRYPTO level of a space. */
export function levelOfSpace(space: PacketNumberSpace): CryptoLevel {
  switch (space) {
    case PacketNumberSpace.Initial:
      return 'initial';
    case PacketNumberSpace.Handshake:
      return 'handshake';
    case PacketNumberSpace.ApplicationData:
      return 'application';
  }
}

/** State of one packet-number space. */
export class PacketSpace {
  readonly space: PacketNumberSpace;
  readonly ack: AckTracker;
  readonly cryptoSend = new CryptoSendBuffer();
  readonly cryptoRecv = new CryptoRecvBuffer();
  /** Keys to open the peer's packets. */
  readKeys: PacketProtectionKeys | undefined;
  /** Keys to protect our packets. */
  writeKeys: PacketProtectionKeys | undefined;
  /** RFC 9000 §12.3: packet numbers start at 0 and increase by at least 1. */
  nextPacketNumber = 0;
  /** Set once the keys were discarded (RFC 9001 §4.9): nothing is sent or accepted any more. */
  discarded = false;
  /** Ack-eliciting probe packets owed after a PTO (RFC 9002 §6.2.4). */
  probesPending = 0;

  constructor(space: PacketNumberSpace) {
    this.space = space;
    this.ack = new AckTracker(space);
  }

  /** True when packets can be sent in this space. */
  get canSend(): boolean {
    return !this.discarded && this.writeKeys !== undefined;
  }

  /**
   * When this space's delayed ACK is due (RFC 9000 §13.2.1), for the connection's timer: undefined
   * when nothing ack-eliciting awaits acknowledgment or nothing can be sent in the space.
   */
  ackTimeout(): Instant | undefined {
    return this.canSend && this.ack.hasAckElicitingPending() ? this.ack.ackDeadline() : undefined;
  }

  /** RFC 9001 §4.9: drops the keys; nothing more is sent or received in the space. */
  discard(): void {
    this.discarded = true;
    this.readKeys = undefined;
    this.writeKeys = undefined;
    this.probesPending = 0;
  }
}
