/**
 * A set of non-negative integers stored as sorted, disjoint, non-adjacent half-open ranges
 * [start, end). The building block for ACK ranges (RFC 9000 §19.3.1), received packet numbers,
 * and stream reassembly (which offsets have arrived, RFC 9000 §2.2).
 *
 * Operations are O(log n) to find the place plus O(k) for the ranges merged. Growing or trimming
 * one range (in-order arrivals, a read or acknowledgment consuming a prefix) is done in place;
 * creating, merging or splitting ranges shifts the arrays behind them, O(n). The number of
 * ranges is what a caller bounds (an ACK tracker keeps only the newest ranges; a receive buffer
 * refuses data that would fragment it past its limit): `length` tells it.
 */

/** One half-open range [start, end). */
export interface Range {
  readonly start: number;
  readonly end: number;
}

/** A set of integers as sorted disjoint ranges. */
export class RangeSet {
  // starts[i] < ends[i] < starts[i + 1]
  private starts: number[] = [];
  private ends: number[] = [];

  /** Number of disjoint ranges. */
  get length(): number {
    return this.starts.length;
  }

  /** True if the set holds no integer. */
  get isEmpty(): boolean {
    return this.starts.length === 0;
  }

  /** Smallest member, or undefined. */
  get min(): number | undefined {
    return this.starts[0];
  }

  /** Largest member, or undefined. */
  get max(): number | undefined {
    const n = this.ends.length;
    return n === 0 ? undefined : this.ends[n - 1]! - 1;
  }

  /** Number of integers in the set. */
  get count(): number {
    let total = 0;
    for (let i = 0; i < this.starts.length; i++) total += this.ends[i]! - this.starts[i]!;
    return total;
  }

  /** The i-th range in ascending order. */
  rangeAt(i: number): Range | undefined {
    if (i < 0 || i >= this.starts.length) return undefined;
    return { start: this.starts[i]!, end: this.ends[i]! };
  }

  /** Start of the i-th range in ascending order, or undefined (`rangeAt` without an object). */
  startAt(i: number): number | undefined {
    return this.starts[i];
  }

  /** End (exclusive) of the i-th range in ascending order, or undefined. */
  endAt(i: number): number | undefined {
    return this.ends[i];
  }

  /** Index of the first range whose end is > value: the range containing `value` or the next one (`length` if none). */
  indexAfter(value: number): number {
    return this.firstEndingAtOrAfter(value + 1);
  }

  /** Index of the first range whose end is >= value (the range containing or after value). */
  private firstEndingAtOrAfter(value: number): number {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ends[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** True if `value` is in the set. */
  has(value: number): boolean {
    const i = this.firstEndingAtOrAfter(value + 1);
    return i < this.starts.length && this.starts[i]! <= value;
  }

  /** True if every integer of [start, end) is in the set. */
  covers(start: number, end: number): boolean {
    if (end <= start) return true;
    const i = this.firstEndingAtOrAfter(end);
    return i < this.starts.length && this.starts[i]! <= start;
  }

  /**
   * Adds [start, end). Returns how many integers were newly added (0 if all were present).
   */
  insert(start: number, end: number): number {
    if (end <= start) return 0;
    // First range that touches or follows `start` (adjacent ranges merge).
    const i = this.firstEndingAtOrAfter(start);
    let j = i;
    let newStart = start;
    let newEnd = end;
    let covered = 0;
    while (j < this.starts.length && this.starts[j]! <= end) {
      const s = this.starts[j]!;
      const e = this.ends[j]!;
      covered += Math.min(e, end) - Math.max(s, start);
      if (s < newStart) newStart = s;
      if (e > newEnd) newEnd = e;
      j++;
    }
    // Existing ranges are disjoint, so their overlaps with [start, end) sum without double counting.
    const added = end - start - covered;
    if (j - i === 1) {
      // Grows one range (the common case: data or packet numbers arriving in order): in place.
      this.starts[i] = newStart;
      this.ends[i] = newEnd;
    } else if (j === i && i === this.starts.length) {
      this.starts.push(newStart);
      this.ends.push(newEnd);
    } else {
      this.starts.splice(i, j - i, newStart);
      this.ends.splice(i, j - i, newEnd);
    }
    return added;
  }

  /** Adds one integer. Returns true if it was not already present. */
  add(value: number): boolean {
    return this.insert(value, value + 1) === 1;
  }

  /** Removes every integer of [start, end). */
  remove(start: number, end: number): void {
    if (end <= start) return;
    const i = this.firstEndingAtOrAfter(start + 1);
    let j = i;
    while (j < this.starts.length && this.starts[j]! < end) j++;
    if (j === i) return; // no range meets [start, end)
    // Ranges i..j-1 meet [start, end): only the first can keep a head [its start, start), only
    // the last a tail [end, its end). Rewritten in place; the ranges left over are cut out.
    const keepHead = this.starts[i]! < start;
    const tailEnd = this.ends[j - 1]!;
    const keepTail = tailEnd > end;
    if (keepHead && keepTail && j - i === 1) {
      // A hole in one range: it becomes two.
      this.starts.splice(i + 1, 0, end);
      this.ends.splice(i, 0, start);
      return;
    }
    let k = i;
    if (keepHead) this.ends[k++] = start;
    if (keepTail) {
      this.starts[k] = end;
      this.ends[k++] = tailEnd;
    }
    if (k < j) {
      this.starts.splice(k, j - k);
      this.ends.splice(k, j - k);
    }
  }

  /** Removes every integer below `value`. */
  removeBelow(value: number): void {
    const first = this.min;
    if (first !== undefined && first < value) this.remove(first, value);
  }

  /** Drops the lowest ranges until at most `maxRanges` remain. */
  truncateToNewest(maxRanges: number): void {
    const excess = this.starts.length - maxRanges;
    if (excess > 0) {
      this.starts.splice(0, excess);
      this.ends.splice(0, excess);
    }
  }

  /** Ranges in ascending order. */
  *ascending(): IterableIterator<Range> {
    for (let i = 0; i < this.starts.length; i++) yield { start: this.starts[i]!, end: this.ends[i]! };
  }

  /** Ranges in descending order (the order ACK frames list them). */
  *descending(): IterableIterator<Range> {
    for (let i = this.starts.length - 1; i >= 0; i--) yield { start: this.starts[i]!, end: this.ends[i]! };
  }

  /** Removes everything. */
  clear(): void {
    this.starts.length = 0;
    this.ends.length = 0;
  }
}
