/**
 * The one place in the sans-IO core that builds a `Date` (DESIGN §1: "Certificates and tickets
 * use an injected wall clock").
 *
 * pkijs wants `Date` objects (validity times, the chain validator's check date). This file turns
 * an injected wall-clock time, milliseconds since the Unix epoch, into one. It never reads the
 * clock: the architecture test allows a `Date` constructed from an argument here and nowhere else
 * in the pure folders, and still forbids reading the current time (`Date.now`, an argument-less
 * `Date`).
 */

/**
 * A `Date` for `epochMs` (milliseconds since 1970-01-01T00:00:00Z, the injected wall clock).
 * @throws RangeError if `epochMs` is not a finite number.
 */
export function dateFromEpochMs(epochMs: number): Date {
  if (!Number.isFinite(epochMs)) throw new RangeError(`wall-clock time ${epochMs} is not finite`);
  return new Date(epochMs);
}
