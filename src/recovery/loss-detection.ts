/**
 * Loss detection and the probe timeout (RFC 9002 §6 and Appendix A), driving a congestion
 * controller (RFC 9002 §7, Appendix B calls) and owning bytes in flight.
 *
 * Implements:
 * - RFC 9002 A.5 OnPacketSent, A.7 OnAckReceived (RTT samples, ECN, losses, pto_count reset),
 *   A.8 GetLossTimeAndSpace / GetPtoTimeAndSpace / SetLossDetectionTimer, A.9
 *   OnLossDetectionTimeout (including the client's anti-deadlock probe), A.10
 *   DetectAndRemoveLostPackets, A.11 OnPacketNumberSpaceDiscarded.
 * - RFC 9002 §6.1.1 / §6.1.2: kPacketThreshold 3, kTimeThreshold 9/8, kGranularity 1 ms.
 * - RFC 9002 §6.2: PTO with exponential backoff, max_ack_delay for Application Data only, no
 *   Application Data PTO before the handshake is confirmed.
 * - RFC 9002 §7.6: persistent congestion (persistent-congestion.ts).
 * - RFC 9000 §13.1: an ACK of a packet never sent is a PROTOCOL_VIOLATION.
 * - RFC 9000 §14.4: lost DPLPMTUD probes (`isPmtuProbe`) cause no congestion reaction.
 *
 * Sans-IO (DESIGN §1): no timers. The connection polls `lossDetectionTimeout()` and calls
 * `onLossDetectionTimeout(now)` when it passes. Packets carry opaque recovery tokens (`T`) that
 * come back in the acked and lost lists. Amplification limits are the connection's; it reports
 * them through `setAmplificationLimited` because they change the timer (A.8).
 */
import type { CongestionController } from '../congestion/controller.js';
import { type Duration, type Instant, addDuration, elapsed, maxDuration, micros, scaleDuration } from '../util/time.js';
import { TransportError, TransportErrorCode } from '../wire/errors.js';
import { type AckFrame, FrameType } from '../wire/frame-types.js';
import { PacketNumberSpace } from '../wire/packet-type.js';
import { EcnValidator } from './ecn-validation.js';
import { detectPersistentCongestion, persistentCongestionDuration } from './persistent-congestion.js';
import { RttEstimator, kGranularity } from './rtt-estimator.js';
import { type SentPacket, type SentPacketInfo, SentPacketStore } from './sent-packet.js';

/** RFC 9002 §6.1.1: "The RECOMMENDED initial value for the packet reordering threshold (kPacketThreshold) is 3". */
export const kPacketThreshold = 3;
/** RFC 9002 §6.1.2: "The RECOMMENDED time threshold (kTimeThreshold), expressed as an RTT multiplier, is 9/8." */
export const kTimeThreshold = 9 / 8;
/** Default cap on the packets tracked per space (see sent-packet.ts). */
export const DEFAULT_MAX_TRACKED_PACKETS = 16_384;

/** The empty packet list (shared: results are read-only). */
const NO_PACKETS: readonly never[] = Object.freeze([]);
/** The result of an ACK frame that acknowledged nothing new. */
const NOTHING_ACKED: AckResult<never> = Object.freeze({ acked: NO_PACKETS, lost: NO_PACKETS, persistentCongestion: false, rttUpdated: false });

const SPACES: readonly PacketNumberSpace[] = [PacketNumberSpace.Initial, PacketNumberSpace.Handshake, PacketNumberSpace.ApplicationData];

/** Settings of a LossDetection. */
export interface LossDetectionConfig {
  /**
   * RFC 9002 A.8 PeerCompletedAddressValidation(): true for a server; a client starts false and
   * calls `setPeerCompletedAddressValidation` once it receives a Handshake ACK or the handshake
   * is confirmed.
   */
  readonly peerCompletedAddressValidation: boolean;
  /** kInitialRtt (RFC 9002 §6.2.2), default 333 ms. */
  readonly initialRtt?: Duration;
  /** Most packets tracked per space before the oldest is given up (default 16384). */
  readonly maxTrackedPackets?: number;
}

/** What an ACK frame did (RFC 9002 A.7). */
export interface AckResult<T> {
  /** Newly acknowledged packets, ascending. */
  readonly acked: readonly SentPacket<T>[];
  /** Packets newly declared lost, ascending. */
  readonly lost: readonly SentPacket<T>[];
  /** RFC 9002 §7.6: whether the losses established persistent congestion. */
  readonly persistentCongestion: boolean;
  /** Whether an RTT sample was taken (RFC 9002 §5.1). */
  readonly rttUpdated: boolean;
}

/** What the loss detection timer asks for (RFC 9002 A.9). */
export type LossTimeoutResult<T> =
  /** The timer has not expired (or is not set): nothing to do. */
  | { readonly kind: 'none' }
  /** Time threshold loss detection declared packets of `space` lost (RFC 9002 §6.1.2). */
  | { readonly kind: 'lost'; readonly space: PacketNumberSpace; readonly lost: readonly SentPacket<T>[] }
  /**
   * RFC 9002 §6.2.4: send `probes` ack-eliciting packets in `space` (new data, else retransmitted
   * data, else PING). `antiDeadlock`: the client's probe with nothing in flight (§6.2.2.1): a
   * padded Initial or a Handshake packet.
   */
  | { readonly kind: 'pto'; readonly space: PacketNumberSpace; readonly probes: 1 | 2; readonly antiDeadlock: boolean };

interface SpaceState<T> {
  readonly space: PacketNumberSpace;
  readonly sent: SentPacketStore<T>;
  /** RFC 9002 A.3 largest_acked_packet (-1: infinite/none). */
  largestAcked: number;
  /** RFC 9002 A.3 loss_time. */
  lossTime: Instant | undefined;
  /** RFC 9002 A.3 time_of_last_ack_eliciting_packet. */
  timeOfLastAckEliciting: Instant | undefined;
  /** Ack-eliciting packets in flight. */
  ackElicitingInFlight: number;
  discarded: boolean;
}

/** RFC 9002 Appendix A: loss detection for one connection (all three packet-number spaces). */
export class LossDetection<T> {
  /** The RTT estimator (RFC 9002 §5). */
  readonly rtt: RttEstimator;
  /** The congestion controller driven (replaced by `resetForNewPath`). */
  cc: CongestionController;
  /** RFC 9002 §7.8: set by the connection when it is not filling the congestion window. */
  appLimited = false;
  /** Per-space state, in `SPACES` order (Initial, Handshake, Application Data): indexed, not looked up in a Map. */
  private readonly spaces: readonly SpaceState<T>[];
  private readonly ecn = new EcnValidator();
  private readonly maxTracked: number;
  private inFlightBytes = 0;
  private pto = 0;
  private timer: Instant | undefined;
  private handshakeConfirmed = false;
  private hasHandshakeKeys = false;
  private addressValidated: boolean;
  private amplificationLimited = false;
  private peerMaxAckDelay: Duration = micros(25_000);
  private peerAckDelayExponent = 3;
  private largestAckedTimeSent: Instant | undefined;

  /** @param cc the congestion controller; @param config see LossDetectionConfig. */
  constructor(cc: CongestionController, config: LossDetectionConfig) {
    this.cc = cc;
    this.rtt = new RttEstimator(config.initialRtt);
    this.addressValidated = config.peerCompletedAddressValidation;
    this.maxTracked = Math.max(1, config.maxTrackedPackets ?? DEFAULT_MAX_TRACKED_PACKETS);
    this.spaces = SPACES.map((space) => ({ space, sent: new SentPacketStore<T>(), largestAcked: -1, lossTime: undefined, timeOfLastAckEliciting: undefined, ackElicitingInFlight: 0, discarded: false }));
  }

  /**
   * RFC 9000 §9.4: "reset the congestion controller and round-trip time estimator for the new path
   * to initial values (see Appendices A.3 and B.3 of [QUIC-RECOVERY])": `cc` is a fresh controller.
   */
  resetForNewPath(cc: CongestionController): void {
    this.cc = cc;
    this.rtt.reset();
  }

  /** RFC 9002 B.2 bytes_in_flight: sent_bytes of every in-flight packet not acked, lost or discarded. */
  get bytesInFlight(): number {
    return this.inFlightBytes;
  }

  /** RFC 9002 A.3 pto_count. */
  get ptoCount(): number {
    return this.pto;
  }

  /** True once ECN validation failed (RFC 9000 §13.4.2.1): stop marking. */
  get ecnValidationFailed(): boolean {
    return this.ecn.failed;
  }

  /** Number of packets tracked in `space`. */
  trackedPackets(space: PacketNumberSpace): number {
    return this.state(space).sent.size;
  }

  /** The largest packet number the peer acknowledged in `space` (A.3 largest_acked_packet), or -1. */
  largestAcked(space: PacketNumberSpace): number {
    return this.state(space).largestAcked;
  }

  /** The peer's max_ack_delay and ack_delay_exponent transport parameters (RFC 9000 §18.2). */
  setPeerTransportParameters(maxAckDelay: Duration, ackDelayExponent: number, now: Instant): void {
    this.peerMaxAckDelay = maxAckDelay;
    this.peerAckDelayExponent = ackDelayExponent;
    this.setLossDetectionTimer(now);
  }

  /** RFC 9001 §4.1.2: the handshake is confirmed (Application Data PTO may now be armed). */
  setHandshakeConfirmed(now: Instant): void {
    this.handshakeConfirmed = true;
    this.setLossDetectionTimer(now);
  }

  /** Handshake keys are available (the anti-deadlock probe becomes a Handshake packet, A.9). */
  setHasHandshakeKeys(now: Instant): void {
    this.hasHandshakeKeys = true;
    this.setLossDetectionTimer(now);
  }

  /** RFC 9002 A.8 PeerCompletedAddressValidation() became true (a client got a Handshake ACK, ...). */
  setPeerCompletedAddressValidation(now: Instant): void {
    this.addressValidated = true;
    this.setLossDetectionTimer(now);
  }

  /**
   * A server is (or no longer is) at its anti-amplification limit (RFC 9000 §8.1): the timer is
   * not armed while it is (A.8). On unblocking the connection checks `lossDetectionTimeout()`
   * against now and calls `onLossDetectionTimeout` if it already passed (A.6).
   */
  setAmplificationLimited(limited: boolean, now: Instant): void {
    this.amplificationLimited = limited;
    this.setLossDetectionTimer(now);
  }

  /**
   * RFC 9002 A.5 OnPacketSent. Returns the packets given up to keep the space within
   * `maxTrackedPackets` (normally none); the caller treats their tokens as lost.
   * @throws Error if the space was discarded or the packet number does not increase (caller bugs).
   */
  onPacketSent(space: PacketNumberSpace, info: SentPacketInfo<T>, now: Instant): readonly SentPacket<T>[] {
    const st = this.state(space);
    if (st.discarded) throw new Error(`packet sent in discarded ${space} space`);
    // One record shape for every packet (optional fields filled in), so the per-ACK loops over
    // records stay monomorphic.
    st.sent.add({
      packetNumber: info.packetNumber,
      ackEliciting: info.ackEliciting,
      inFlight: info.inFlight,
      sentBytes: info.sentBytes,
      tokens: info.tokens,
      ecn: info.ecn ?? 'not-ect',
      isPmtuProbe: info.isPmtuProbe ?? false,
      timeSent: now,
    });
    if (info.inFlight) {
      if (info.ackEliciting) {
        st.timeOfLastAckEliciting = now;
        st.ackElicitingInFlight++;
      }
      this.inFlightBytes += info.sentBytes;
      this.cc.onPacketSent(now, info.sentBytes, this.inFlightBytes);
    }
    let evicted: SentPacket<T>[] | undefined;
    while (st.sent.size > this.maxTracked) {
      const oldest = st.sent.oldest()!;
      st.sent.remove(oldest.packetNumber);
      this.forget(st, oldest);
      (evicted ??= []).push(oldest);
    }
    this.setLossDetectionTimer(now);
    return evicted ?? NO_PACKETS;
  }

  /**
   * RFC 9002 A.7 OnAckReceived: processes an ACK frame received in `space`.
   * @throws TransportError PROTOCOL_VIOLATION if it acknowledges a packet number never sent.
   */
  onAckReceived(ack: AckFrame, space: PacketNumberSpace, now: Instant): AckResult<T> {
    const st = this.state(space);
    const first = ack.ranges[0];
    if (first === undefined || st.discarded) return NOTHING_ACKED;
    // RFC 9000 §13.1: "An endpoint SHOULD treat receipt of an acknowledgment for a packet it did
    // not send as a connection error of type PROTOCOL_VIOLATION".
    if (first.largest > st.sent.largestSent) {
      throw new TransportError(TransportErrorCode.PROTOCOL_VIOLATION, ack.ecn !== undefined ? FrameType.AckEcn : FrameType.Ack, `ACK of unsent packet ${first.largest} in ${space} space`);
    }
    st.largestAcked = Math.max(st.largestAcked, first.largest);

    // DetectAndRemoveAckedPackets, ascending (ranges are descending).
    const acked: SentPacket<T>[] = [];
    for (let i = ack.ranges.length - 1; i >= 0; i--) {
      const r = ack.ranges[i]!;
      st.sent.removeRange(r.smallest, r.largest, acked);
    }
    if (acked.length === 0) return NOTHING_ACKED;
    // One pass over the newly acknowledged packets: in-flight accounting and what the steps below need.
    let anyAckEliciting = false;
    let allInFlight = true;
    let latestTimeSent = acked[0]!.timeSent;
    for (const p of acked) {
      this.forget(st, p);
      if (p.ackEliciting) anyAckEliciting = true;
      if (!p.inFlight) allInFlight = false;
      if (p.timeSent > latestTimeSent) latestTimeSent = p.timeSent;
    }

    // RFC 9002 §5.1: "An endpoint generates an RTT sample on receiving an ACK frame that meets the
    // following two conditions: the largest acknowledged packet number is newly acknowledged, and
    // at least one of the newly acknowledged packets was ack-eliciting."
    const largest = acked[acked.length - 1]!;
    let rttUpdated = false;
    if (largest.packetNumber === first.largest && anyAckEliciting) {
      // RFC 9002 §5.3: an endpoint "MAY ignore the acknowledgment delay for Initial packets".
      const ackDelay = space === PacketNumberSpace.Initial ? micros(0) : micros(ack.ackDelay * 2 ** this.peerAckDelayExponent);
      this.rtt.updateRtt(elapsed(largest.timeSent, now), ackDelay, this.handshakeConfirmed, this.peerMaxAckDelay, now);
      rttUpdated = true;
    }

    // RFC 9002 B.7 ProcessECN.
    if (this.ecn.onAck(space, ack.ecn, acked)) this.cc.onEcnCongestion(now, largest.timeSent);

    const lost = this.detectAndRemoveLostPackets(space, now);
    let persistentCongestion = false;
    if (lost.length > 0) {
      const duration = persistentCongestionDuration(this.rtt.ptoBase(), this.peerMaxAckDelay);
      // RFC 9000 §14.4: lost PMTU probes "SHOULD NOT trigger a congestion control reaction".
      // A probe neither starts nor ends a persistent congestion period, nor breaks one (not ack-eliciting here).
      const forPc = lost.map((p) => (p.isPmtuProbe === true ? { ...p, ackEliciting: false } : p));
      persistentCongestion = detectPersistentCongestion(forPc, duration, this.rtt.firstRttSample, this.largestAckedTimeSent);
      const inFlight = lost.filter((p) => p.inFlight && p.isPmtuProbe !== true);
      if (inFlight.length > 0) this.cc.onPacketsLost(now, inFlight, persistentCongestion);
    }
    // Usually every acknowledged packet was in flight: no filtered copy then.
    const ackedInFlight = allInFlight ? acked : acked.filter((p) => p.inFlight);
    if (ackedInFlight.length > 0) this.cc.onPacketsAcked(now, ackedInFlight, this.rtt.sample(), this.appLimited);
    // After persistent congestion detection, which wants the packets acknowledged before this ACK.
    if (this.largestAckedTimeSent === undefined || latestTimeSent > this.largestAckedTimeSent) this.largestAckedTimeSent = latestTimeSent;

    // RFC 9002 A.7: "Reset pto_count unless the client is unsure if the server has validated the
    // client's address."
    if (this.addressValidated) this.pto = 0;
    this.setLossDetectionTimer(now);
    return { acked, lost, persistentCongestion, rttUpdated };
  }

  /**
   * RFC 9002 A.10 DetectAndRemoveLostPackets: declares packets of `space` lost by the packet or
   * time threshold, removes them (and their bytes in flight) and sets loss_time for the rest.
   * Does not call the congestion controller (its callers do).
   */
  detectAndRemoveLostPackets(space: PacketNumberSpace, now: Instant): readonly SentPacket<T>[] {
    const st = this.state(space);
    st.lossTime = undefined;
    if (st.largestAcked < 0) return NO_PACKETS;
    // RFC 9002 §6.1.2: max(kTimeThreshold * max(smoothed_rtt, latest_rtt), kGranularity).
    const lossDelay = maxDuration(scaleDuration(maxDuration(this.rtt.latestRtt, this.rtt.smoothedRtt), kTimeThreshold), kGranularity);
    const lostSendTime = now - lossDelay;
    let lost: SentPacket<T>[] | undefined;
    for (const p of st.sent.values()) {
      if (p.packetNumber > st.largestAcked) break;
      if (p.timeSent <= lostSendTime || st.largestAcked >= p.packetNumber + kPacketThreshold) {
        (lost ??= []).push(p);
      } else {
        const t = addDuration(p.timeSent, lossDelay);
        if (st.lossTime === undefined || t < st.lossTime) st.lossTime = t;
      }
    }
    if (lost === undefined) return NO_PACKETS;
    for (const p of lost) {
      st.sent.remove(p.packetNumber);
      this.forget(st, p);
    }
    return lost;
  }

  /** RFC 9002 A.8 GetLossTimeAndSpace: the earliest loss_time, or undefined. */
  getLossTimeAndSpace(): { time: Instant; space: PacketNumberSpace } | undefined {
    let time: Instant | undefined;
    let space: PacketNumberSpace = PacketNumberSpace.Initial;
    for (const st of this.spaces) {
      const t = st.lossTime;
      if (t !== undefined && (time === undefined || t < time)) {
        time = t;
        space = st.space;
      }
    }
    return time === undefined ? undefined : { time, space };
  }

  /** RFC 9002 A.8 GetPtoTimeAndSpace, or undefined when no PTO applies. */
  getPtoTimeAndSpace(now: Instant): { time: Instant; space: PacketNumberSpace } | undefined {
    const backoff = 2 ** this.pto;
    let duration = scaleDuration(this.rtt.ptoBase(), backoff);
    // RFC 9002 §6.2.2.1: the anti-deadlock PTO starts from the current time.
    if (this.ackElicitingInFlightTotal() === 0) {
      if (this.addressValidated) return undefined;
      return { time: addDuration(now, duration), space: this.hasHandshakeKeys ? PacketNumberSpace.Handshake : PacketNumberSpace.Initial };
    }
    let time: Instant | undefined;
    let space: PacketNumberSpace = PacketNumberSpace.Initial;
    for (const st of this.spaces) {
      const sp = st.space;
      if (st.ackElicitingInFlight === 0 || st.timeOfLastAckEliciting === undefined) continue;
      if (sp === PacketNumberSpace.ApplicationData) {
        // RFC 9002 §6.2.1: "An endpoint MUST NOT set its PTO timer for the Application Data
        // packet number space until the handshake is confirmed."
        if (!this.handshakeConfirmed) break; // (the last space)
        // "When the PTO is armed for ... the Application Data packet number space, the
        // max_ack_delay in the PTO period computation is set to the value advertised by the peer"
        duration = micros(duration + scaleDuration(this.peerMaxAckDelay, backoff));
      }
      const t = addDuration(st.timeOfLastAckEliciting, duration);
      if (time === undefined || t < time) {
        time = t;
        space = sp;
      }
    }
    return time === undefined ? undefined : { time, space };
  }

  /** The loss detection timer's deadline (RFC 9002 A.8), or undefined when it is not armed. */
  lossDetectionTimeout(): Instant | undefined {
    return this.timer;
  }

  /** RFC 9002 A.9 OnLossDetectionTimeout: call when `now` reaches `lossDetectionTimeout()`. */
  onLossDetectionTimeout(now: Instant): LossTimeoutResult<T> {
    if (this.timer === undefined || now < this.timer) return { kind: 'none' };
    const loss = this.getLossTimeAndSpace();
    if (loss !== undefined) {
      // Time threshold loss detection.
      const lost = this.detectAndRemoveLostPackets(loss.space, now);
      // RFC 9000 §14.4: lost PMTU probes are no sign of congestion.
      const inFlight = lost.filter((p) => p.inFlight && p.isPmtuProbe !== true);
      if (inFlight.length > 0) this.cc.onPacketsLost(now, inFlight, false);
      this.setLossDetectionTimer(now);
      return { kind: 'lost', space: loss.space, lost };
    }
    let result: LossTimeoutResult<T>;
    if (this.ackElicitingInFlightTotal() === 0) {
      // RFC 9002 A.9: "Client sends an anti-deadlock packet: Initial is padded to earn more
      // anti-amplification credit, a Handshake packet proves address ownership."
      result = { kind: 'pto', space: this.hasHandshakeKeys ? PacketNumberSpace.Handshake : PacketNumberSpace.Initial, probes: 1, antiDeadlock: true };
    } else {
      const pto = this.getPtoTimeAndSpace(now);
      // RFC 9002 §6.2.4: "An endpoint MAY send up to two full-sized datagrams containing
      // ack-eliciting packets".
      result = { kind: 'pto', space: pto?.space ?? PacketNumberSpace.Initial, probes: 2, antiDeadlock: false };
    }
    this.pto++;
    this.setLossDetectionTimer(now);
    return result;
  }

  /**
   * RFC 9002 A.11 OnPacketNumberSpaceDiscarded (§6.4): drops the Initial or Handshake space's
   * packets (removing them from bytes in flight) and loss state, resets pto_count and re-arms the
   * timer. Returns the dropped packets; their tokens are neither acked nor lost.
   * @throws Error for the Application Data space (a caller bug).
   */
  discardSpace(space: PacketNumberSpace, now: Instant): SentPacket<T>[] {
    if (space === PacketNumberSpace.ApplicationData) throw new Error('the Application Data space is never discarded');
    const st = this.state(space);
    const dropped = st.sent.drain();
    for (const p of dropped) this.forget(st, p);
    st.timeOfLastAckEliciting = undefined;
    st.lossTime = undefined;
    st.discarded = true;
    this.ecn.discard(space);
    this.pto = 0;
    this.setLossDetectionTimer(now);
    return dropped;
  }

  /**
   * Forgets every packet sent in `space` without declaring it lost or acknowledged, leaving the
   * space usable: for a client that received a Retry (RFC 9002 §6.2.1 / RFC 9000 §17.2.5.3: the
   * Initials in flight are answered by the Retry and "discarded" with no congestion response).
   * Removes them from bytes in flight, clears the space's loss state, resets pto_count and
   * re-arms the timer. Returns the dropped packets.
   */
  dropSentPackets(space: PacketNumberSpace, now: Instant): SentPacket<T>[] {
    const st = this.state(space);
    const dropped = st.sent.drain();
    for (const p of dropped) this.forget(st, p);
    st.timeOfLastAckEliciting = undefined;
    st.lossTime = undefined;
    this.pto = 0;
    this.setLossDetectionTimer(now);
    return dropped;
  }

  /** RFC 9002 A.8 SetLossDetectionTimer. */
  private setLossDetectionTimer(now: Instant): void {
    const loss = this.getLossTimeAndSpace();
    if (loss !== undefined) {
      this.timer = loss.time;
      return;
    }
    // "The server's timer is not set if nothing can be sent."
    if (this.amplificationLimited) {
      this.timer = undefined;
      return;
    }
    if (this.ackElicitingInFlightTotal() === 0 && this.addressValidated) {
      this.timer = undefined;
      return;
    }
    this.timer = this.getPtoTimeAndSpace(now)?.time;
  }

  private ackElicitingInFlightTotal(): number {
    let n = 0;
    for (const st of this.spaces) n += st.ackElicitingInFlight;
    return n;
  }

  /** Removes a packet that left the store from the in-flight accounting. */
  private forget(st: SpaceState<T>, p: SentPacket<T>): void {
    if (!p.inFlight) return;
    this.inFlightBytes -= p.sentBytes;
    if (p.ackEliciting) st.ackElicitingInFlight--;
  }

  /** The state of `space` (its index in `SPACES`). */
  private state(space: PacketNumberSpace): SpaceState<T> {
    return this.spaces[space === PacketNumberSpace.ApplicationData ? 2 : space === PacketNumberSpace.Handshake ? 1 : 0]!;
  }
}
