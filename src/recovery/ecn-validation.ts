/**
 * ECN feedback from ACK frames (RFC 9000 §13.4.2.1, RFC 9002 §7.1 and B.7 ProcessECN), kept
 * minimal: our sockets cannot mark yet, but the counters and the validation are in place.
 *
 * Validation fails, for good (the caller then stops marking, RFC 9000 §13.4.2.2), when:
 * - an ACK newly acknowledges a packet sent with ECT(0) or ECT(1) and carries no ECN counts;
 * - a count decreases (counts are cumulative, RFC 9000 §19.3.2);
 * - the increase in ECT(0) + ECN-CE is less than the newly acknowledged ECT(0) packets (likewise
 *   ECT(1)).
 * While it has not failed, an increase in ECN-CE is a congestion signal.
 */
import type { EcnCounts } from '../wire/frame-types.js';
import type { PacketNumberSpace } from '../wire/packet-type.js';
import type { SentPacket } from './sent-packet.js';

/** Per-space ECN counters and the validation outcome. */
export class EcnValidator {
  private readonly last = new Map<PacketNumberSpace, EcnCounts>();
  private failedFlag = false;

  /** True once validation failed (RFC 9000 §13.4.2.1). */
  get failed(): boolean {
    return this.failedFlag;
  }

  /**
   * Processes the ECN counts of an ACK frame that newly acknowledged `newlyAcked`. Returns true
   * when the ECN-CE count increased and validation holds: a congestion event (RFC 9002 B.7).
   */
  onAck<T>(space: PacketNumberSpace, ecn: EcnCounts | undefined, newlyAcked: readonly SentPacket<T>[]): boolean {
    let ect0 = 0;
    let ect1 = 0;
    for (const p of newlyAcked) {
      if (p.ecn === 'ect0') ect0++;
      else if (p.ecn === 'ect1') ect1++;
    }
    if (ecn === undefined) {
      // RFC 9000 §13.4.2.1: "ECN validation fails if the corresponding ECN counts are not present".
      if (ect0 + ect1 > 0) this.failedFlag = true;
      return false;
    }
    const prev = this.last.get(space) ?? { ect0: 0, ect1: 0, ce: 0 };
    const d0 = ecn.ect0 - prev.ect0;
    const d1 = ecn.ect1 - prev.ect1;
    const dce = ecn.ce - prev.ce;
    if (d0 < 0 || d1 < 0 || dce < 0) {
      this.failedFlag = true;
      return false;
    }
    // RFC 9000 §13.4.2.1: "ECN validation also fails if the sum of the increase in ECT(0) and
    // ECN-CE counts is less than the number of newly acknowledged packets that were originally
    // sent with an ECT(0) marking."
    if (d0 + dce < ect0 || d1 + dce < ect1) this.failedFlag = true;
    this.last.set(space, ecn);
    return !this.failedFlag && dce > 0;
  }

  /** Forgets a discarded space's counters (RFC 9002 §6.4). */
  discard(space: PacketNumberSpace): void {
    this.last.delete(space);
  }
}
