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
import type { UdpSocket } from './udp-socket.js';

/** Most datagrams sent in one flush before yielding to the event loop (receive must not starve). */
export const MAX_SENDS_PER_FLUSH = 512;

/** Largest UDP payload the drivers build (RFC 9000 §14: the core sends at most this much). */
export const SEND_BUFFER_SIZE = 65_536;
/** Size of the arenas datagrams are built in (about 700 datagrams of 1452 bytes each). */
const SEND_ARENA_SIZE = 1 << 20;

/** Fills the send queue's emptied slots. */
const NOTHING = new Uint8Array(0);

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
  /**
   * The datagrams built in the current flush, sent back to back at its end (`queueSend`): on
   * loopback the kernel delivers each datagram inside the send call and wakes the receiver, which
   * then sleeps again if the next datagram is still being built; a burst sent back to back keeps it
   * awake (in a node:dgram test with 20 µs of work per datagram, interleaving cost the sender 1–2 µs
   * more kernel CPU per datagram). Parallel arrays holding `queued` entries, kept at their size (no
   * allocation per datagram); a sent entry's bytes are replaced by NOTHING so no arena stays reachable.
   */
  private readonly queuedSockets: UdpSocket[] = [];
  private readonly queuedBytes: Uint8Array[] = [];
  private readonly queuedRemotes: string[] = [];
  private queued = 0;
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

  /** Queues the datagram `bytes` (from `takeSent`) to leave from `socket` to `remote` at the end of this flush. */
  protected queueSend(socket: UdpSocket, bytes: Uint8Array, remote: string): void {
    const i = this.queued++;
    this.queuedSockets[i] = socket;
    this.queuedBytes[i] = bytes;
    this.queuedRemotes[i] = remote;
  }

  /** Sends the queued datagrams, in order (the drivers call it after their send loop; a flush ends with it too). */
  protected sendQueued(): void {
    const n = this.queued;
    this.queued = 0;
    for (let i = 0; i < n; i++) {
      this.queuedSockets[i]!.send(this.queuedBytes[i]!, this.queuedRemotes[i]!);
      this.queuedBytes[i] = NOTHING;
    }
  }

  /** Runs the core's timers due at `now`. */
  protected abstract onTimeout(now: Instant): void;
  /** Delivers queued events, then queues datagrams (`queueSend`); returns true if the send loop stopped early (more to send). */
  protected abstract onFlush(now: Instant): boolean;
  /** The core's earliest deadline. */
  protected abstract nextDeadline(): Instant | undefined;

  /** Schedules a flush after the current event-loop turn (idempotent until it runs). */
  wake(): void {
    if (this.flushScheduled || this.stopped) return;
    this.flushScheduled = true;
    setImmediate(this.onImmediate);
  }

  // The loop's callbacks, created once (not one closure per wake, timer or datagram).
  private readonly onImmediate = (): void => {
    this.flushScheduled = false;
    this.flushNow();
  };

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerDeadline = undefined;
    if (this.stopped) return;
    const t = monotonicNow();
    try {
      this.onTimeout(t);
    } catch (e) {
      this.coreError(e);
    }
    this.flushNow();
  };

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
      this.coreError(e);
    }
  }

  /** Counts an exception the core threw (per-datagram paths catch inline rather than allocate a closure for `guard`). */
  protected coreError(e: unknown): void {
    this.coreErrors++;
    this.trace?.coreError?.(e);
  }

  private flushNow(): void {
    if (this.stopped) return;
    const now = monotonicNow();
    let more = false;
    try {
      more = this.onFlush(now);
    } catch (e) {
      this.coreError(e);
    }
    this.sendQueued(); // what was built before the core threw, if it did
    if (more) this.wake();
    this.armTimer(now);
  }

  private armTimer(now: Instant): void {
    if (this.stopped) return;
    let deadline: Instant | undefined;
    try {
      deadline = this.nextDeadline();
    } catch (e) {
      this.coreError(e);
    }
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
    this.timer = setTimeout(this.onTimer, delayMs);
  }
}
