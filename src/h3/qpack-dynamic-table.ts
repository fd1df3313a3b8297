/**
 * The QPACK dynamic table, shared by the encoder and the decoder.
 *
 * Implements:
 * - RFC 9204 §3.2: a FIFO of entries; §3.2.1 "The size of an entry is the sum of its name's length
 *   in bytes, its value's length in bytes, and 32 additional bytes"; §3.2.2 capacity and eviction
 *   (oldest first); §3.2.3 maximum capacity; §3.2.4 absolute indexing (the first entry inserted
 *   has absolute index 0); §3.2.5 relative indexing; §3.2.6 post-base indexing.
 * - RFC 9204 §2.1.1.1: a draining index helper for the encoder.
 *
 * Errors are returned as strings for the caller to wrap in the right QpackError code (an
 * encoder-stream error at the decoder, a bug at the encoder).
 */

/** One dynamic table entry. */
export interface TableEntry {
  /** Field name (byte string). */
  readonly name: string;
  /** Field value (byte string). */
  readonly value: string;
  /** RFC 9204 §3.2.1 size: name + value + 32. */
  readonly size: number;
}

/** RFC 9204 §3.2.1: the size of an entry. */
export function entrySize(name: string, value: string): number {
  return name.length + value.length + 32;
}

/** The dynamic table: entries by absolute index, capacity, eviction. */
export class DynamicTable {
  /** The maximum capacity the table may be set to (RFC 9204 §3.2.3). */
  readonly maxCapacity: number;
  /** Current capacity (RFC 9204 §3.2.2); starts at 0. */
  capacity = 0;
  /** Sum of entry sizes. */
  size = 0;
  /** Total number of insertions so far, i.e. the absolute index of the next entry (§3.2.4). */
  insertCount = 0;
  private entries: TableEntry[] = [];
  private head = 0; // entries[head] is the oldest live entry
  private exact = new Map<string, number>(); // name\0value -> newest absolute index
  private byName = new Map<string, number>(); // name -> newest absolute index

  /** @param maxCapacity the maximum capacity (SETTINGS_QPACK_MAX_TABLE_CAPACITY, local or peer). */
  constructor(maxCapacity: number) {
    this.maxCapacity = maxCapacity;
  }

  /** Number of live entries. */
  get length(): number {
    return this.entries.length - this.head;
  }

  /** Absolute index of the oldest live entry (== insertCount when empty). */
  get firstIndex(): number {
    return this.insertCount - this.length;
  }

  /** The entry at absolute index `abs`, or undefined if evicted or not yet inserted. */
  get(abs: number): TableEntry | undefined {
    if (abs < this.firstIndex || abs >= this.insertCount) return undefined;
    return this.entries[this.head + abs - this.firstIndex];
  }

  /** The newest entry with this name and value (absolute index). */
  findExact(name: string, value: string): number | undefined {
    return this.exact.get(`${name}\0${value}`);
  }

  /** The newest entry with this name (absolute index). */
  findName(name: string): number | undefined {
    return this.byName.get(name);
  }

  /**
   * How many of the oldest entries must be evicted for `needed` more bytes to fit, or undefined
   * if they cannot fit even in an empty table.
   */
  evictionsFor(needed: number, capacity = this.capacity): number | undefined {
    if (needed > capacity) return undefined;
    let free = capacity - this.size;
    let n = 0;
    while (free < needed) {
      free += this.entries[this.head + n]!.size;
      n++;
    }
    return n;
  }

  /**
   * RFC 9204 §3.2.2-§3.2.3: sets the capacity, evicting the oldest entries until size fits.
   * @returns an error string if `capacity` exceeds the maximum ("The decoder MUST treat a new
   *   dynamic table capacity value that exceeds this limit as a connection error of type
   *   QPACK_ENCODER_STREAM_ERROR").
   */
  setCapacity(capacity: number): string | undefined {
    if (capacity > this.maxCapacity) return `capacity ${capacity} exceeds maximum ${this.maxCapacity}`;
    this.capacity = capacity;
    while (this.size > capacity) this.evictOne();
    return undefined;
  }

  /**
   * RFC 9204 §3.2.2: inserts an entry, evicting the oldest ones first.
   * @returns an error string if the entry is larger than the capacity ("It is an error if the
   *   encoder attempts to add an entry that is larger than the dynamic table capacity; the
   *   decoder MUST treat this as a connection error of type QPACK_ENCODER_STREAM_ERROR").
   */
  insert(name: string, value: string): string | undefined {
    const size = entrySize(name, value);
    if (size > this.capacity) return `entry of ${size} bytes exceeds capacity ${this.capacity}`;
    while (this.size + size > this.capacity) this.evictOne();
    const abs = this.insertCount++;
    this.entries.push({ name, value, size });
    this.size += size;
    this.exact.set(`${name}\0${value}`, abs);
    this.byName.set(name, abs);
    return undefined;
  }

  /**
   * RFC 9204 §2.1.1.1: true if `abs` is a draining entry: the encoder wants `reserve` bytes
   * reclaimable, and the free space plus the entries from the oldest up to `abs` do not exceed it.
   */
  isDraining(abs: number, reserve: number): boolean {
    let bytes = this.capacity - this.size;
    if (bytes >= reserve) return false;
    for (let i = this.firstIndex; i <= abs; i++) {
      bytes += this.get(i)!.size;
      if (bytes > reserve) return false;
    }
    return true;
  }

  private evictOne(): void {
    const e = this.entries[this.head]!;
    const abs = this.firstIndex;
    this.head++;
    this.size -= e.size;
    const key = `${e.name}\0${e.value}`;
    if (this.exact.get(key) === abs) this.exact.delete(key);
    if (this.byName.get(e.name) === abs) this.byName.delete(e.name);
    if (this.head > 32 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
