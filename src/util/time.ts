/**
 * Time for the sans-IO core (DESIGN §1, docs/adr/0001-time-and-varints.md).
 *
 * The core never reads a clock. Its callers pass the current `Instant`, an integer count of
 * microseconds since an arbitrary epoch chosen by the driver (src/io turns the platform's
 * monotonic clock into one; tests use a virtual clock starting at 0). A `Duration` is a span in microseconds.
 * Both are branded numbers: free at run time, but the compiler keeps them apart from plain
 * counts and from each other.
 */

declare const instantBrand: unique symbol;
declare const durationBrand: unique symbol;

/** A point in time: integer microseconds since the driver's epoch. */
export type Instant = number & { readonly [instantBrand]: true };

/** A span of time: integer microseconds (may be negative only as an intermediate result). */
export type Duration = number & { readonly [durationBrand]: true };

/** An Instant from a microsecond count. */
export function instant(micros: number): Instant {
  return Math.round(micros) as Instant;
}

/** A Duration from microseconds. */
export function micros(value: number): Duration {
  return Math.round(value) as Duration;
}

/** A Duration from milliseconds. */
export function millis(value: number): Duration {
  return Math.round(value * 1_000) as Duration;
}

/** A Duration from seconds. */
export function seconds(value: number): Duration {
  return Math.round(value * 1_000_000) as Duration;
}

/** Milliseconds in a Duration, for wire fields and APIs that speak milliseconds. */
export function toMillis(d: Duration): number {
  return d / 1_000;
}

/** `at + d`. */
export function addDuration(at: Instant, d: Duration): Instant {
  return (at + d) as Instant;
}

/** `later - earlier` (negative when `later` is earlier). */
export function elapsed(earlier: Instant, later: Instant): Duration {
  return (later - earlier) as Duration;
}

/** `d * factor`, rounded to whole microseconds. */
export function scaleDuration(d: Duration, factor: number): Duration {
  return Math.round(d * factor) as Duration;
}

/** The earlier of two instants, treating `undefined` as "never". */
export function earliest(a: Instant | undefined, b: Instant | undefined): Instant | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a <= b ? a : b;
}

/** The larger of two durations. */
export function maxDuration(a: Duration, b: Duration): Duration {
  return (a >= b ? a : b) as Duration;
}

/** The smaller of two durations. */
export function minDuration(a: Duration, b: Duration): Duration {
  return (a <= b ? a : b) as Duration;
}

/** Zero duration. */
export const ZERO_DURATION = 0 as Duration;
