/**
 * The stream scheduler: which stream's data goes into the next packet, after the connection has
 * written its control frames (DESIGN §2: "control frames, then streams by priority").
 *
 * Policy (DESIGN §7, "StreamPriority: 0–255, higher first ... equal priorities share bandwidth
 * round-robin"):
 * - Strict priority across levels: a stream is chosen only when no stream of a higher level has
 *   something to send.
 * - Round-robin within a level, with a quantum of ONE STREAM FRAME: the stream at the front of the
 *   highest non-empty level writes one frame (as large as the packet's remaining room allows),
 *   then moves to the back of its level. A stream with plenty of data therefore fills a whole
 *   packet per turn, so n busy streams of one level each get one packet in every n (within one
 *   packet), and streams with little data share one packet.
 * - A stream leaves the schedule when it has nothing it can send (no data, or blocked by stream or
 *   connection flow control, RFC 9000 §4.1) and comes back, at the back of its level, when marked
 *   pending again. A priority change takes effect at once: a pending stream moves to the back of
 *   its new level.
 *
 * Data structures: one intrusive doubly linked list per level (O(1) append, unlink, rotate) and a
 * 256-bit bitmap of non-empty levels (`LevelSet`), so every operation costs O(1) whatever the
 * number of streams: `next()` tests at most eight bitmap words.
 *
 * RFC 9000 §2.3: "an implementation ... SHOULD provide ways in which an application can indicate
 * the relative priority of streams" — this is that mechanism.
 */
import type { Writer } from '../util/bytes.js';
import { LevelSet } from './level-set.js';
import { PRIORITY_LEVELS, StreamPriority, validatePriority } from './priority.js';

/** A scheduler operation was misused (a stream added twice, or past the stream limit). */
export class SchedulerError extends Error {
  override readonly name = 'SchedulerError';
  /** Stable error code. */
  readonly code = 'ERR_QUIC_SCHEDULER';
}

/** Options of a StreamScheduler. */
export interface StreamSchedulerConfig {
  /**
   * Most streams the scheduler holds (default 2^20). The stream limits of RFC 9000 §4.6 already
   * bound the streams a peer can open; this is a second fence.
   */
  readonly maxStreams?: number;
}

/** Where the scheduler gets stream frames from (in practice the StreamManager, via an adapter). */
export interface StreamFrameSource {
  /**
   * Writes at most one STREAM frame of stream `id`, at most `maxBytes` bytes long, into `w`.
   * Returns the bytes written (> 0), or undefined when nothing was written.
   */
  writeStreamFrame(id: number, w: Writer, maxBytes: number): number | undefined;
  /**
   * True if stream `id` could write a frame now given enough room in the packet; false when it
   * has nothing to send or is blocked by flow control (stream or connection level). The scheduler
   * asks after every attempt: false takes the stream out of the schedule (until `markPending`);
   * true after a failed write means the packet is too full for it, which ends the packet.
   */
  hasPendingFrames(id: number): boolean;
}

/** What `fillPacket` did. */
export interface FillResult {
  /** STREAM frames written. */
  readonly frames: number;
  /** Bytes written. */
  readonly bytes: number;
}

interface Entry {
  readonly id: number;
  priority: number;
  pending: boolean;
  prev: Entry | undefined;
  next: Entry | undefined;
}

const DEFAULT_MAX_STREAMS = 1 << 20;

/** Priority scheduler over the streams of one connection (see the module comment). */
export class StreamScheduler {
  private readonly entries = new Map<number, Entry>();
  private readonly heads: (Entry | undefined)[] = new Array<Entry | undefined>(PRIORITY_LEVELS).fill(undefined);
  private readonly tails: (Entry | undefined)[] = new Array<Entry | undefined>(PRIORITY_LEVELS).fill(undefined);
  private readonly levels = new LevelSet();
  private readonly maxStreams: number;
  private pending = 0;

  constructor(config: StreamSchedulerConfig = {}) {
    this.maxStreams = config.maxStreams ?? DEFAULT_MAX_STREAMS;
  }

  /** Streams registered. */
  get size(): number {
    return this.entries.size;
  }

  /** Streams currently in the schedule (pending). */
  get pendingCount(): number {
    return this.pending;
  }

  /** Internal steps taken by `next()` so far (bitmap word tests), for complexity tests. */
  get steps(): number {
    return this.levels.steps;
  }

  /** True if stream `id` is registered. */
  has(id: number): boolean {
    return this.entries.has(id);
  }

  /** Priority of stream `id`, or undefined if unknown. */
  priorityOf(id: number): number | undefined {
    return this.entries.get(id)?.priority;
  }

  /** True if stream `id` is in the schedule. */
  isPending(id: number): boolean {
    return this.entries.get(id)?.pending ?? false;
  }

  /**
   * Registers stream `id` at `priority`, idle unless `pending` (then at the back of its level).
   * @throws InvalidPriorityError for a priority outside the integers 0..255.
   * @throws SchedulerError if `id` is already registered or `maxStreams` streams are.
   */
  add(id: number, priority: number = StreamPriority.NORMAL, pending = false): void {
    validatePriority(priority);
    if (this.entries.has(id)) throw new SchedulerError(`stream ${id} is already scheduled`);
    if (this.entries.size >= this.maxStreams) throw new SchedulerError(`scheduler holds ${this.maxStreams} streams already`);
    const entry: Entry = { id, priority, pending: false, prev: undefined, next: undefined };
    this.entries.set(id, entry);
    if (pending) this.append(entry);
  }

  /** Forgets stream `id`; returns whether it was registered. */
  remove(id: number): boolean {
    const entry = this.entries.get(id);
    if (entry === undefined) return false;
    if (entry.pending) this.unlink(entry);
    this.entries.delete(id);
    return true;
  }

  /**
   * Changes the priority of stream `id`, effective for the next frame: a pending stream moves to
   * the back of its new level (it stays in place if the priority is unchanged). Returns whether
   * the stream is known.
   * @throws InvalidPriorityError for a priority outside the integers 0..255.
   */
  setPriority(id: number, priority: number): boolean {
    validatePriority(priority);
    const entry = this.entries.get(id);
    if (entry === undefined) return false;
    if (entry.priority === priority) return true;
    if (entry.pending) {
      this.unlink(entry);
      entry.priority = priority;
      this.append(entry);
    } else {
      entry.priority = priority;
    }
    return true;
  }

  /** Puts stream `id` in the schedule (at the back of its level) if not already; false if unknown. */
  markPending(id: number): boolean {
    const entry = this.entries.get(id);
    if (entry === undefined) return false;
    if (!entry.pending) this.append(entry);
    return true;
  }

  /** Takes stream `id` out of the schedule (nothing to send, or blocked); false if unknown. */
  markIdle(id: number): boolean {
    const entry = this.entries.get(id);
    if (entry === undefined) return false;
    if (entry.pending) this.unlink(entry);
    return true;
  }

  /** The stream to send from next: the front of the highest non-empty level; undefined if none. */
  next(): number | undefined {
    const level = this.levels.highest();
    return level < 0 ? undefined : this.heads[level]!.id;
  }

  /** Stream `id` used its quantum: moves it to the back of its level (if pending). */
  rotate(id: number): void {
    const entry = this.entries.get(id);
    if (entry === undefined || !entry.pending || this.tails[entry.priority] === entry) return;
    this.unlink(entry);
    this.append(entry);
  }

  /**
   * Fills the rest of a packet with STREAM frames from the highest-priority pending streams, one
   * frame per turn (the round-robin quantum), until `maxBytes` bytes are written, `w` is full, or
   * no stream is pending. Streams with nothing sendable leave the schedule; a stream that still
   * has data after its frame goes to the back of its level. Ends the packet when the chosen stream
   * has data but no frame of it fits, so a lower level never overtakes it (strict priority).
   */
  fillPacket(w: Writer, maxBytes: number, source: StreamFrameSource): FillResult {
    let bytes = 0;
    let frames = 0;
    for (;;) {
      const room = Math.min(maxBytes - bytes, w.remaining);
      if (room <= 0) break;
      const id = this.next();
      if (id === undefined) break;
      const written = source.writeStreamFrame(id, w, room);
      const stillPending = source.hasPendingFrames(id);
      if (written === undefined || written <= 0) {
        if (stillPending) break; // no room for this stream's next frame: the packet is full
        this.markIdle(id);
        continue;
      }
      bytes += written;
      frames++;
      if (stillPending) this.rotate(id);
      else this.markIdle(id);
    }
    return { frames, bytes };
  }

  private append(entry: Entry): void {
    const level = entry.priority;
    const tail = this.tails[level];
    entry.prev = tail;
    entry.next = undefined;
    if (tail === undefined) {
      this.heads[level] = entry;
      this.levels.add(level);
    } else {
      tail.next = entry;
    }
    this.tails[level] = entry;
    entry.pending = true;
    this.pending++;
  }

  private unlink(entry: Entry): void {
    const level = entry.priority;
    if (entry.prev === undefined) this.heads[level] = entry.next;
    else entry.prev.next = entry.next;
    if (entry.next === undefined) this.tails[level] = entry.prev;
    else entry.next.prev = entry.prev;
    if (this.heads[level] === undefined) this.levels.delete(level);
    entry.prev = undefined;
    entry.next = undefined;
    entry.pending = false;
    this.pending--;
  }
}
