/**
 * The receive side of acknowledgment: which packet numbers of one packet-number space arrived,
 * when an ACK frame is due, and the ACK frame to send (RFC 9000 §13.2).
 *
 * Implements:
 * - RFC 9000 §12.3 / §21.3: duplicate detection (a packet number already received is reported so
 *   the caller drops the packet).
 * - RFC 9000 §13.2.1: immediate ACKs for ack-eliciting Initial and Handshake packets, for
 *   out-of-order arrivals and gaps, and for ECN-CE marked packets; otherwise within max_ack_delay.
 * - RFC 9000 §13.2.2: an ACK after at least two ack-eliciting packets.
 * - RFC 9000 §13.2.3: a bounded number of ranges; older ranges omitted when the frame does not fit.
 * - RFC 9000 §13.2.4: "ACK of ACK" pruning through a recovery token (`AckToken`).
 * - RFC 9000 §13.2.5 / §19.3: the ACK Delay field, scaled by ack_delay_exponent.
 * - RFC 9000 §13.4.1 / §19.3.2: ECN counts, carried when any is non-zero.
 *
 * Two range sets are kept: `received` remembers what arrived, for duplicate detection, and
 * `pending` is what the next ACK frame reports. Pruning by ACK of ACK only touches `pending`, so a
 * late packet below a pruned range is still recognised as new or duplicate. `received` is bounded
 * by dropping its oldest ranges, and everything below what it still holds counts as a duplicate:
 * RFC 9000 §13.2.3 "A receiver MUST retain an ACK Range unless it can ensure that it will not
 * subsequently accept packets with numbers in that range. Maintaining a minimum packet number that
 * increases as ranges are discarded is one way to achieve this with minimal state."
 */
import { RangeSet } from '../util/range-set.js';
import { type Duration, type Instant, elapsed, millis } from '../util/time.js';
import { varintSize } from '../util/varint.js';
import type { AckFrame, AckRange, EcnCounts } from '../wire/frame-types.js';
import { PacketNumberSpace } from '../wire/packet-type.js';

/** The ECN codepoint of a received packet's IP header (RFC 3168 §5; RFC 9000 §13.4). */
export type EcnCodepoint = 'not-ect' | 'ect0' | 'ect1' | 'ce';

/**
 * The recovery token for an ACK frame we sent (RFC 9000 §13.2.4): the Largest Acknowledged it
 * carried. Feed it back with `onAckFrameAcked` when the packet that carried it is acknowledged.
 */
export interface AckToken {
  readonly space: PacketNumberSpace;
  readonly largestAcknowledged: number;
}

/** Settings of an AckTracker. */
export interface AckTrackerConfig {
  /** Our max_ack_delay transport parameter (RFC 9000 §18.2; default 25 ms). */
  readonly maxAckDelay?: Duration;
  /** Our ack_delay_exponent transport parameter (RFC 9000 §18.2; default 3). */
  readonly ackDelayExponent?: number;
  /** Most ranges remembered and reported (RFC 9000 §13.2.3; default 32). */
  readonly maxRanges?: number;
  /** Ack-eliciting packets that make an ACK due at once (RFC 9000 §13.2.2; default 2). */
  readonly ackElicitingThreshold?: number;
}

/** Default ACK range limit. */
export const DEFAULT_MAX_ACK_RANGES = 32;
/** RFC 9000 §18.2: "If this value is absent, a default of 25 milliseconds is assumed." */
export const DEFAULT_MAX_ACK_DELAY: Duration = millis(25);
/** RFC 9000 §18.2: "If this value is absent, a default value of 3 is assumed". */
export const DEFAULT_ACK_DELAY_EXPONENT = 3;

/** RFC 9000 §13.2: ACK generation for one packet-number space. */
export class AckTracker {
  /** The packet-number space tracked. */
  readonly space: PacketNumberSpace;
  private readonly maxAckDelay: Duration;
  private readonly ackDelayExponent: number;
  private readonly maxRanges: number;
  private readonly threshold: number;
  private readonly received = new RangeSet();
  private readonly pending = new RangeSet();
  /** Packet numbers below this are treated as duplicates (the oldest ranges were forgotten). */
  private floor = 0;
  private largest = -1;
  private largestTime: Instant | undefined;
  private largestAckEliciting = -1;
  /** Ack-eliciting packets received since the last ACK frame was sent. */
  private elicitingSinceAck = 0;
  private immediate = false;
  private deadline: Instant | undefined;
  /** True when `pending` holds something not yet reported in an ACK frame. */
  private unreported = false;
  private ect0 = 0;
  private ect1 = 0;
  private ce = 0;

  /** @param space the packet-number space; @param config limits and our transport parameters. */
  constructor(space: PacketNumberSpace, config: AckTrackerConfig = {}) {
    this.space = space;
    this.maxAckDelay = config.maxAckDelay ?? DEFAULT_MAX_ACK_DELAY;
    this.ackDelayExponent = config.ackDelayExponent ?? DEFAULT_ACK_DELAY_EXPONENT;
    this.maxRanges = Math.max(1, config.maxRanges ?? DEFAULT_MAX_ACK_RANGES);
    this.threshold = Math.max(1, config.ackElicitingThreshold ?? 2);
  }

  /** The largest packet number received (RFC 9000 §17.1 needs it to decode packet numbers), or -1. */
  get largestReceived(): number {
    return this.largest;
  }

  /** The ECN counts so far (RFC 9000 §13.4.1). */
  get ecnCounts(): EcnCounts {
    return { ect0: this.ect0, ect1: this.ect1, ce: this.ce };
  }

  /** Number of received ranges remembered (at most maxRanges): the tracker's state is O(this). */
  get receivedRangeCount(): number {
    return this.received.length;
  }

  /** Number of ranges the next ACK frame would report (at most maxRanges). */
  get rangeCount(): number {
    return this.pending.length;
  }

  /**
   * RFC 9000 §12.3: true if `packetNumber` was already received (or is older than anything still
   * remembered), so the packet must be dropped ("A receiver MUST discard a newly unprotected packet
   * unless it is certain that it has not processed another packet with the same packet number").
   */
  isDuplicate(packetNumber: number): boolean {
    return packetNumber < this.floor || this.received.has(packetNumber);
  }

  /**
   * Records a packet that was successfully processed. Returns false (and changes nothing) for a
   * duplicate, which the caller drops.
   * @param ecn the packet's ECN codepoint; counted only for new packets (RFC 9000 §13.4.1).
   */
  onPacketReceived(packetNumber: number, ackEliciting: boolean, now: Instant, ecn: EcnCodepoint = 'not-ect'): boolean {
    if (this.isDuplicate(packetNumber)) return false;
    this.received.add(packetNumber);
    if (this.received.length > this.maxRanges) {
      this.received.truncateToNewest(this.maxRanges);
      this.floor = this.received.min ?? this.floor;
    }
    this.pending.add(packetNumber);
    this.pending.truncateToNewest(this.maxRanges);
    this.unreported = true;
    if (packetNumber > this.largest) {
      this.largest = packetNumber;
      this.largestTime = now;
    }
    switch (ecn) {
      case 'ect0':
        this.ect0++;
        break;
      case 'ect1':
        this.ect1++;
        break;
      case 'ce':
        this.ce++;
        break;
      case 'not-ect':
        break;
    }
    if (!ackEliciting) return true;

    this.elicitingSinceAck++;
    // RFC 9000 §13.2.1: "An endpoint MUST acknowledge all ack-eliciting Initial and Handshake
    // packets immediately".
    if (this.space !== PacketNumberSpace.ApplicationData) this.immediate = true;
    // RFC 9000 §13.2.2: "A receiver SHOULD send an ACK frame after receiving at least two
    // ack-eliciting packets."
    if (this.elicitingSinceAck >= this.threshold) this.immediate = true;
    // RFC 9000 §13.2.1: an ACK without delay when the packet number is less than another
    // ack-eliciting packet's, or larger with missing packets in between.
    if (this.largestAckEliciting >= 0) {
      if (packetNumber < this.largestAckEliciting) this.immediate = true;
      else if (!this.received.covers(this.largestAckEliciting + 1, packetNumber)) this.immediate = true;
    }
    // RFC 9000 §13.2.1: "packets marked with the ECN Congestion Experienced (CE) codepoint in the
    // IP header SHOULD be acknowledged immediately".
    if (ecn === 'ce') this.immediate = true;
    if (packetNumber > this.largestAckEliciting) this.largestAckEliciting = packetNumber;
    // RFC 9000 §13.2.1: ack-eliciting 0-RTT and 1-RTT packets within max_ack_delay.
    if (this.deadline === undefined) this.deadline = (now + this.maxAckDelay) as Instant;
    return true;
  }

  /** True when an ACK frame must be sent now (immediately, or the max_ack_delay deadline passed). */
  ackDue(now: Instant): boolean {
    return this.immediate || (this.deadline !== undefined && now >= this.deadline);
  }

  /**
   * When a delayed ACK becomes due (a deadline for the connection's timer), or undefined when no
   * ack-eliciting packet awaits acknowledgment. An immediate ACK is due at the time the packet
   * that required it arrived, which is never later than this deadline.
   */
  ackDeadline(): Instant | undefined {
    return this.deadline;
  }

  /**
   * True when there is something not yet reported that an outgoing packet could piggyback an ACK
   * frame for (RFC 9000 §13.2: "When sending a packet for any reason, an endpoint SHOULD attempt to
   * include an ACK frame if one has not been sent recently").
   */
  hasUnreported(): boolean {
    return this.unreported && !this.pending.isEmpty;
  }

  /** True when ack-eliciting packets await acknowledgment (RFC 9000 §13.2.1). */
  hasAckElicitingPending(): boolean {
    return this.elicitingSinceAck > 0;
  }

  /**
   * RFC 9000 §13.2.5: the ACK Delay field for an ACK sent now: the time since the largest packet
   * was received, in units of 2^ack_delay_exponent microseconds (§19.3).
   */
  encodedAckDelay(now: Instant): number {
    if (this.largestTime === undefined) return 0;
    const delay = Math.max(0, elapsed(this.largestTime, now));
    return Math.floor(delay / 2 ** this.ackDelayExponent);
  }

  /**
   * Builds the ACK frame to send now, no larger than `maxBytes` encoded, and records that it was
   * sent (the ACK timer and counters reset). RFC 9000 §13.2.3: "If it does not [fit], then older
   * ranges (those with the smallest packet numbers) are omitted." Returns undefined when nothing
   * is to be acknowledged or not even one range fits. The token goes into the packet's recovery
   * tokens; give it back to `onAckFrameAcked` when that packet is acknowledged.
   */
  writeAck(now: Instant, maxBytes: number): { frame: AckFrame; token: AckToken } | undefined {
    const frame = this.buildAck(now, maxBytes);
    if (frame === undefined) return undefined;
    this.elicitingSinceAck = 0;
    this.immediate = false;
    this.deadline = undefined;
    this.unreported = false;
    return { frame, token: { space: this.space, largestAcknowledged: frame.ranges[0]!.largest } };
  }

  /** Like `writeAck` without recording anything: the frame that would be sent now. */
  buildAck(now: Instant, maxBytes: number): AckFrame | undefined {
    const ranges: AckRange[] = [];
    let size = 0;
    let prevSmallest = 0;
    const ackDelay = this.encodedAckDelay(now);
    const ecn: EcnCounts | undefined = this.ect0 + this.ect1 + this.ce > 0 ? this.ecnCounts : undefined;
    const ecnSize = ecn === undefined ? 0 : varintSize(ecn.ect0) + varintSize(ecn.ect1) + varintSize(ecn.ce);
    const pending = this.pending;
    for (let i = pending.length - 1; i >= 0; i--) {
      const range: AckRange = { largest: pending.endAt(i)! - 1, smallest: pending.startAt(i)! };
      let next: number;
      if (ranges.length === 0) {
        // Type, Largest Acknowledged, ACK Delay, First ACK Range; the Range Count is added below.
        next = 1 + varintSize(range.largest) + varintSize(ackDelay) + varintSize(range.largest - range.smallest) + ecnSize;
      } else {
        next = size + varintSize(prevSmallest - range.largest - 2) + varintSize(range.largest - range.smallest);
      }
      if (next + varintSize(ranges.length) > maxBytes) break;
      ranges.push(range);
      size = next;
      prevSmallest = range.smallest;
    }
    if (ranges.length === 0) return undefined;
    return ecn === undefined ? { type: 'ack', ackDelay, ranges } : { type: 'ack', ackDelay, ranges, ecn };
  }

  /**
   * RFC 9000 §13.2.4: "When a packet containing an ACK frame is acknowledged, the receiver can
   * stop acknowledging packets less than or equal to the Largest Acknowledged field in the sent
   * ACK frame."
   */
  onAckFrameAcked(token: AckToken): void {
    this.pending.removeBelow(token.largestAcknowledged + 1);
  }
}
