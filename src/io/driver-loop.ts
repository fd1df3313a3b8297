/**
 * The event-loop plumbing shared by the server and client drivers (DESIGN §1: the driver feeds
 * the sans-IO core and pulls its outputs): one timer re-armed at the core's earliest deadline, and
 * one flush (events, then the send loop) per burst of input, batched with `setImmediate` so that
 * every datagram Node delivered in one event-loop turn is handled before anything is sent.
 *
 * Node timers have millisecond granularity: a deadline is rounded up and clamped to at least 1 ms.
 * The core's pacer (RFC 9002 §7.7) decides what leaves at each tick; `pollTimeout` includes its
 * next release time, so a paced sender sends a small burst per tick.
 */
import type { Instant } from '../util/time.js';
import { monotonicNow } from './clock.js';

/** Most datagrams sent in one flush before yielding to the event loop (receive must not starve). */
export const MAX_SENDS_PER_FLUSH = 512;

/** Largest UDP payload the drivers build (RFC 9000 §14: the core sends at most this much). */
export const SEND_BUFFER_SIZE = 65_536;
/** Size of the arenas datagrams are built in (about 700 datagrams of 1452 bytes each). */
const SEND_ARENA_SIZE = 1 << 20;

/** Optional observer of the driver's I/O (a hook for qlog files and tests). */
export interface DriverTrace {
  datagramReceived?(remote: string, length: number): void;
  datagramSent?(remote: string, length: number): void;
  /** The core threw (a bug: bad input must never throw); the driver carried on. */
  coreError?(error: unknown): void;
}

/** What a concrete driver plugs into the loop. */
export abstract class DriverLoop {
  /** Errors thrown by the core and caught by the driver (should stay 0). */
  coreErrors = 0;
  protected readonly trace: DriverTrace | undefined;
  /**
   * The arena datagrams are built in: each datagram gets its own region, handed to the socket
   * without a copy and never written again (node:dgram may read it after send() returns, until its
   * callback, when the kernel answered EAGAIN). A full arena is replaced; the old one is freed once
   * its last send completes.
   */
  private arena = new Uint8Array(SEND_ARENA_SIZE);
  private arenaUsed = 0;
  private flushScheduled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerDeadline: Instant | undefined;
  private stopped = false;

  protected constructor(trace: DriverTrace | undefined) {
    this.trace = trace;
  }

  /** Where the next datagram is built (pollTransmit's `out`): a fresh region of SEND_BUFFER_SIZE bytes. */
  protected sendArea(): Uint8Array {
    if (this.arena.length - this.arenaUsed < SEND_BUFFER_SIZE) {
      this.arena = new Uint8Array(SEND_ARENA_SIZE);
      this.arenaUsed = 0;
    }
    return this.arena.subarray(this.arenaUsed, this.arenaUsed + SEND_BUFFER_SIZE);
  }

  /** The datagram of `length` bytes just built in `sendArea()`, to send as is; its region is never reused. */
  protected takeSent(length: number): Uint8Array {
    const view = this.arena.subarray(this.arenaUsed, this.arenaUsed + length);
    this.arenaUsed += length;
    return view;
  }

  /** Runs the core's timers due at `now`. */
  protected abstract onTimeout(now: Instant): void;
  /** Delivers queued events, then sends; returns true if the send loop stopped early (more to send). */
  protected abstract onFlush(now: Instant): boolean;
  /** The core's earliest deadline. */
  protected abstract nextDeadline(): Instant | undefined;

  /** Schedules a flush after the current event-loop turn (idempotent until it runs). */
  wake(): void {
    if (this.flushScheduled || this.stopped) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushNow();
    });
  }

  /** Stops the timer and ignores later wakes. */
  protected stopLoop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDeadline = undefined;
  }

  /** True once `stopLoop` ran. */
  protected get isStopped(): boolean {
    return this.stopped;
  }

  /** Runs `fn`, counting (never propagating) an exception from the core. */
  protected guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.coreErrors++;
      this.trace?.coreError?.(e);
    }
  }

  private flushNow(): void {
    if (this.stopped) return;
    const now = monotonicNow();
    let more = false;
    this.guard(() => {
      more = this.onFlush(now);
    });
    if (more) this.wake();
    this.armTimer(now);
  }

  private armTimer(now: Instant): void {
    if (this.stopped) return;
    let deadline: Instant | undefined;
    this.guard(() => {
      deadline = this.nextDeadline();
    });
    if (deadline === undefined) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.timerDeadline = undefined;
      return;
    }
    if (this.timer !== undefined && this.timerDeadline === deadline) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const delayMs = Math.max(1, Math.ceil((deadline - now) / 1000));
    this.timerDeadline = deadline;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDeadline = undefined;
      if (this.stopped) return;
      const t = monotonicNow();
      this.guard(() => this.onTimeout(t));
      this.flushNow();
    }, delayMs);
  }
}
