/**
 * The qlog observer interface (DESIGN §8: "the core never logs: it emits qlog events to an
 * injected observer") and two pure implementations: one that drops everything, and a bounded
 * ring buffer for tests. Writing files is src/io's job (see serialize.ts for the JSON-SEQ text).
 */
import type { QlogEvent } from './events.js';

/** Receives qlog events from the core, synchronously, in the order they happen. */
export interface QlogObserver {
  /**
   * When false, `emit` does nothing and callers may skip building events at all (converting
   * frames costs allocations on the packet path). Absent means true.
   */
  readonly enabled?: boolean;
  /** Takes one event. Must not call back into the core (DESIGN §1: no re-entrancy). */
  emit(event: QlogEvent): void;
}

/** True if `observer` wants events (callers check this before building expensive ones). */
export function isQlogEnabled(observer: QlogObserver | undefined): observer is QlogObserver {
  return observer !== undefined && observer.enabled !== false;
}

/** An observer that discards every event. */
export class NullQlogObserver implements QlogObserver {
  readonly enabled = false;
  emit(_event: QlogEvent): void {}
}

/** A shared `NullQlogObserver`. */
export const NULL_QLOG_OBSERVER: QlogObserver = new NullQlogObserver();

/**
 * Keeps the last `capacity` events in a ring buffer and counts the ones it had to drop, so a
 * long test run cannot grow memory without bound (DESIGN §5).
 */
export class BufferingQlogObserver implements QlogObserver {
  /** The most events kept at once. */
  readonly capacity: number;
  private readonly ring: (QlogEvent | undefined)[];
  private start = 0;
  private count = 0;
  private droppedCount = 0;

  /** @throws RangeError if `capacity` is not a positive integer (a programming error). */
  constructor(capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`bad qlog buffer capacity ${capacity}`);
    this.capacity = capacity;
    this.ring = new Array<QlogEvent | undefined>(capacity).fill(undefined);
  }

  emit(event: QlogEvent): void {
    if (this.count < this.capacity) {
      this.ring[(this.start + this.count) % this.capacity] = event;
      this.count++;
      return;
    }
    // Full: overwrite the oldest event.
    this.ring[this.start] = event;
    this.start = (this.start + 1) % this.capacity;
    this.droppedCount++;
  }

  /** How many events were evicted because the buffer was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** How many events are held now. */
  get size(): number {
    return this.count;
  }

  /** The held events, oldest first (a copy). */
  events(): QlogEvent[] {
    const out: QlogEvent[] = [];
    for (let i = 0; i < this.count; i++) {
      const e = this.ring[(this.start + i) % this.capacity];
      if (e !== undefined) out.push(e);
    }
    return out;
  }

  /** The held events with this name, oldest first. */
  eventsNamed<N extends QlogEvent['name']>(name: N): Extract<QlogEvent, { name: N }>[] {
    return this.events().filter((e): e is Extract<QlogEvent, { name: N }> => e.name === name);
  }

  /** Forgets all held events and resets the dropped count. */
  clear(): void {
    this.ring.fill(undefined);
    this.start = 0;
    this.count = 0;
    this.droppedCount = 0;
  }
}
