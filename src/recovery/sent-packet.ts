/**
 * Sent-packet records (RFC 9002 Appendix A.1) and the per-space store loss detection keeps them in.
 *
 * Implements RFC 9002 A.1.1 (the fields of a sent packet) plus an opaque list of recovery tokens
 * (DESIGN §2, the neqo model): whatever the connection's components want back when the packet is
 * acknowledged or declared lost.
 *
 * Bound: the store holds the packets of one space that are neither acknowledged nor declared lost.
 * In-flight packets are bounded by the congestion window; packets that are not in flight (ACK-only)
 * are declared lost by the packet threshold once later packets are acknowledged. A hard cap
 * (`maxTrackedPackets` in loss-detection.ts) covers a peer that acknowledges nothing.
 */
import type { Instant } from '../util/time.js';

/** The ECN codepoint a packet was sent with (RFC 9000 §13.4). */
export type SentEcn = 'not-ect' | 'ect0' | 'ect1';

/** What the connection tells loss detection about a packet it just sent (RFC 9002 A.5). */
export interface SentPacketInfo<T> {
  /** RFC 9002 A.1.1 packet_number. */
  readonly packetNumber: number;
  /** RFC 9002 A.1.1 ack_eliciting. */
  readonly ackEliciting: boolean;
  /** RFC 9002 A.1.1 in_flight: counts towards bytes in flight (ack-eliciting or PADDING). */
  readonly inFlight: boolean;
  /** RFC 9002 A.1.1 sent_bytes: the packet's size, excluding UDP/IP overhead. */
  readonly sentBytes: number;
  /** Recovery tokens handed back when the packet is acknowledged or lost. */
  readonly tokens: readonly T[];
  /** The ECN codepoint used (default 'not-ect'). */
  readonly ecn?: SentEcn;
  /**
   * A DPLPMTUD probe (RFC 9000 §14.4): "loss of a QUIC packet that is carried in a PMTU probe is
   * therefore not a reliable indication of congestion and SHOULD NOT trigger a congestion control
   * reaction". Default false.
   */
  readonly isPmtuProbe?: boolean;
}

/** A sent packet as loss detection records it (RFC 9002 A.1.1). */
export interface SentPacket<T> extends SentPacketInfo<T> {
  /** RFC 9002 A.1.1 time_sent. */
  readonly timeSent: Instant;
}

/**
 * The unacknowledged packets of one packet-number space, in ascending packet-number order
 * (packet numbers only increase, RFC 9000 §12.3, so insertion order is ascending order).
 */
export class SentPacketStore<T> {
  private readonly packets = new Map<number, SentPacket<T>>();
  private largestSentNumber = -1;

  /** Number of packets held. */
  get size(): number {
    return this.packets.size;
  }

  /** The largest packet number ever sent in the space, or -1. */
  get largestSent(): number {
    return this.largestSentNumber;
  }

  /**
   * Adds a packet. RFC 9000 §12.3: "A QUIC endpoint MUST NOT reuse a packet number within the same
   * packet number space in one connection."
   * @throws Error if the packet number does not exceed every one sent before (a caller bug).
   */
  add(packet: SentPacket<T>): void {
    if (!Number.isSafeInteger(packet.packetNumber) || packet.packetNumber <= this.largestSentNumber) {
      throw new Error(`packet number ${packet.packetNumber} not above ${this.largestSentNumber}`);
    }
    this.largestSentNumber = packet.packetNumber;
    this.packets.set(packet.packetNumber, packet);
  }

  /** The packet with this number, if still held. */
  get(packetNumber: number): SentPacket<T> | undefined {
    return this.packets.get(packetNumber);
  }

  /** Removes and returns the packet with this number, if held. */
  remove(packetNumber: number): SentPacket<T> | undefined {
    const p = this.packets.get(packetNumber);
    if (p !== undefined) this.packets.delete(packetNumber);
    return p;
  }

  /** The oldest packet held. */
  oldest(): SentPacket<T> | undefined {
    for (const p of this.packets.values()) return p;
    return undefined;
  }

  /**
   * Removes the held packets with numbers in [smallest, largest] and appends them to `out`,
   * ascending; returns `out`. The range is first clipped to the packets held, then costs
   * O(min(clipped width, packets held)): a peer's wide ranges, or ranges it keeps repeating for
   * packets already removed, cost no more than the store size (usually nothing).
   */
  removeRange(smallest: number, largest: number, out: SentPacket<T>[] = []): SentPacket<T>[] {
    const oldest = this.oldest();
    if (oldest === undefined) return out;
    const from = Math.max(smallest, oldest.packetNumber);
    const to = Math.min(largest, this.largestSentNumber);
    if (to < from) return out;
    if (to - from + 1 <= this.packets.size) {
      for (let pn = from; pn <= to; pn++) {
        const p = this.packets.get(pn);
        if (p !== undefined) {
          this.packets.delete(pn);
          out.push(p);
        }
      }
    } else {
      const start = out.length;
      for (const [pn, p] of this.packets) {
        if (pn > to) break;
        if (pn >= from) out.push(p);
      }
      for (let i = start; i < out.length; i++) this.packets.delete(out[i]!.packetNumber);
    }
    return out;
  }

  /** The held packets in ascending packet-number order. */
  values(): IterableIterator<SentPacket<T>> {
    return this.packets.values();
  }

  /** Removes and returns every packet, ascending. */
  drain(): SentPacket<T>[] {
    const all = [...this.packets.values()];
    this.packets.clear();
    return all;
  }
}
