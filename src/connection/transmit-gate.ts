/**
 * What lets an endpoint with thousands of connections skip the idle ones cheaply (DESIGN §1: the
 * endpoint polls every connection for datagrams and deadlines). A connection whose `pollTransmit`
 * found nothing to send stays quiet until input (a datagram, a timeout, an application command)
 * reaches it or its earliest deadline comes: nothing else changes what the packet builder would
 * write (RFC 9002 §7 congestion and §7.7 pacing, RFC 9000 §13.2.1 ACK delay, RFC 9002 §6.2 PTO,
 * RFC 8899 PMTU raise timer, RFC 9000 §10.1.2 keep-alive, §8.2.4 path validation, §10.2 closing
 * are all deadlines of `pollTimeout`). The same touches invalidate a cached `pollTimeout`.
 */
import type { Instant } from '../util/time.js';

/** Quiet/touched bookkeeping of one connection (used by connection.ts). */
export class TransmitGate {
  /** pollTransmit found nothing to send, and nothing reached the connection since. */
  private quiet = false;
  /** The connection's earliest deadline when it went quiet: sending may resume then. */
  private quietUntil: Instant | undefined;
  private timeout: Instant | undefined;
  private timeoutFresh = false;

  /** Input or a command reached the connection: it may have something to send, its deadlines may have moved. */
  touch(): void {
    this.quiet = false;
    this.timeoutFresh = false;
  }

  /** A poll is building packets: the deadlines move (pacing, loss detection, idle); quiet again only if it finds nothing. */
  polling(): void {
    this.quiet = false;
    this.timeoutFresh = false;
  }

  /** The poll found nothing to send; `deadline` is the connection's earliest deadline now. */
  wentQuiet(deadline: Instant | undefined): void {
    this.quiet = true;
    this.quietUntil = deadline;
    this.timeout = deadline;
    this.timeoutFresh = true;
  }

  /** False when a poll at `now` would certainly find nothing to send. */
  mayTransmit(now: Instant): boolean {
    return !this.quiet || (this.quietUntil !== undefined && now >= this.quietUntil);
  }

  /** The cached deadline, or `compute()` when the connection was touched or polled since. */
  timeoutOr(compute: () => Instant | undefined): Instant | undefined {
    if (!this.timeoutFresh) {
      this.timeout = compute();
      this.timeoutFresh = true;
    }
    return this.timeout;
  }
}
