/**
 * The congestion controller interface (RFC 9002 §7 and Appendix B; DESIGN §2 "controller
 * interface, NewReno, CUBIC, pacer").
 *
 * Loss recovery (src/recovery) owns the sent-packet records, bytes in flight and the RTT
 * estimator; it tells the controller what happened through these calls, in RFC 9002 Appendix B's
 * terms, and asks it how much may be in flight. Controllers are pure state machines driven by the
 * `Instant`s they are given (DESIGN §1).
 */
import type { Duration, Instant } from '../util/time.js';

/** The RTT figures a controller may use (RFC 9002 §5), as loss recovery currently estimates them. */
export interface RttSample {
  /** The most recent RTT sample (RFC 9002 §5.1 latest_rtt). */
  readonly latestRtt: Duration;
  /** RFC 9002 §5.3 smoothed_rtt. */
  readonly smoothedRtt: Duration;
  /** RFC 9002 §5.2 min_rtt. */
  readonly minRtt: Duration;
}

/** An in-flight packet that was acknowledged or declared lost (RFC 9002 Appendix A.1.1 fields). */
export interface CongestionPacket {
  readonly packetNumber: number;
  /** RFC 9002 A.1.1 time_sent. */
  readonly timeSent: Instant;
  /** RFC 9002 A.1.1 sent_bytes (only in-flight packets are reported). */
  readonly sentBytes: number;
}

/** The congestion controllers this stack implements. */
export type CongestionControlAlgorithm = 'newreno' | 'cubic';

/** A congestion controller (RFC 9002 §7, Appendix B). */
export interface CongestionController {
  readonly algorithm: CongestionControlAlgorithm;
  /** RFC 9002 B.2 congestion_window, in bytes: how much may be in flight. */
  readonly congestionWindow: number;
  /** RFC 9002 B.2 ssthresh (Infinity until the first congestion event). */
  readonly slowStartThreshold: number;
  /** True while in slow start (congestion_window < ssthresh). */
  readonly inSlowStart: boolean;
  /** True while in a recovery period (RFC 9002 §7.3.2). */
  readonly inRecovery: boolean;

  /**
   * RFC 9002 B.4 OnPacketSentCC: an in-flight packet of `sentBytes` left; `bytesInFlight` is the
   * total including it.
   */
  onPacketSent(now: Instant, sentBytes: number, bytesInFlight: number): void;

  /**
   * RFC 9002 B.5 OnPacketsAcked: in-flight packets newly acknowledged, oldest first. `appLimited`
   * is true when the sender did not fill the window (RFC 9002 §7.8: the window must not grow
   * while it is under-utilized).
   */
  onPacketsAcked(now: Instant, acked: readonly CongestionPacket[], rtt: RttSample, appLimited: boolean): void;

  /**
   * RFC 9002 B.8 OnPacketsLost: in-flight packets declared lost; `persistentCongestion` when
   * RFC 9002 §7.6 found persistent congestion among them (the window collapses to the minimum).
   */
  onPacketsLost(now: Instant, lost: readonly CongestionPacket[], persistentCongestion: boolean): void;

  /** RFC 9002 B.7 ProcessECN: the peer reported a new CE mark on a packet sent at `timeSent`. */
  onEcnCongestion(now: Instant, timeSent: Instant): void;

  /**
   * RFC 9002 §7.7: the pacing rate in bytes per second (N * congestion_window / smoothed_rtt,
   * N = 1.25), or undefined before an RTT sample exists.
   */
  pacingRate(rtt: RttSample | undefined): number | undefined;

  /** The path's maximum datagram size changed (DPLPMTUD, RFC 9000 §14.3): windows scale with it. */
  setMaxDatagramSize(size: number): void;
}

/** Parameters shared by the controllers (RFC 9002 §7.2, B.1). */
export interface CongestionConfig {
  /** The maximum datagram size the path allows now (RFC 9002 max_datagram_size); at least 1200. */
  readonly maxDatagramSize: number;
  /** RFC 9002 §7.2: kInitialWindow = min(10 * max_datagram_size, max(14720, 2 * max_datagram_size)), unless given. */
  readonly initialWindow?: number;
}
