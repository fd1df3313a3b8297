/**
 * Stream priorities (DESIGN §7): an integer 0..255, higher first, with the seed's named levels.
 * Equal priorities share bandwidth round-robin (see stream-scheduler.ts).
 *
 * RFC 9218 §4 (background only): HTTP/3 expresses priority as an urgency 0..7 (lower first,
 * default 3) and an incremental flag; `priorityFromUrgency` maps urgency onto this scale so that
 * the default urgency 3 is NORMAL. This transport always serves a level round-robin, i.e. as if
 * every stream were incremental (RFC 9218 §4.2); serving non-incremental responses one by one is
 * left to the HTTP/3 layer.
 */

/** The named priority levels of the seed design (DESIGN §7). Higher is sent first. */
export const StreamPriority = {
  CRITICAL: 255,
  HIGH: 192,
  NORMAL: 128,
  LOW: 64,
  BACKGROUND: 0,
} as const;

/** One of the named levels. */
export type StreamPriorityName = keyof typeof StreamPriority;

/** Lowest valid priority. */
export const MIN_PRIORITY = 0;
/** Highest valid priority. */
export const MAX_PRIORITY = 255;
/** Number of distinct priority levels (256). */
export const PRIORITY_LEVELS = MAX_PRIORITY - MIN_PRIORITY + 1;

/** A priority outside the integers 0..255 was given. */
export class InvalidPriorityError extends RangeError {
  override readonly name = 'InvalidPriorityError';
  /** Stable error code. */
  readonly code = 'ERR_QUIC_INVALID_PRIORITY';
  /** The rejected value. */
  readonly value: unknown;

  constructor(value: unknown) {
    super(`stream priority must be an integer in ${MIN_PRIORITY}..${MAX_PRIORITY}, got ${String(value)}`);
    this.value = value;
  }
}

/** True if `p` is an integer in 0..255. */
export function isValidPriority(p: unknown): p is number {
  return typeof p === 'number' && Number.isInteger(p) && p >= MIN_PRIORITY && p <= MAX_PRIORITY;
}

/**
 * Returns `p` if it is a valid priority.
 * @throws InvalidPriorityError (a RangeError) for anything but an integer in 0..255.
 */
export function validatePriority(p: unknown): number {
  if (!isValidPriority(p)) throw new InvalidPriorityError(p);
  return p;
}

/** RFC 9218 §4.1: "The urgency (`u`) parameter value is Integer ... between 0 and 7 inclusive". */
const MAX_URGENCY = 7;

/**
 * Maps an RFC 9218 §4.1 urgency (0 = most urgent .. 7 = background; default 3) to a priority:
 * `(7 - u) * 32`, so 3 → NORMAL (128), 5 → LOW (64), 7 → BACKGROUND (0), 0 → 224.
 * @throws InvalidPriorityError for anything but an integer in 0..7.
 */
export function priorityFromUrgency(urgency: number): number {
  if (!Number.isInteger(urgency) || urgency < 0 || urgency > MAX_URGENCY) throw new InvalidPriorityError(urgency);
  return (MAX_URGENCY - urgency) * 32;
}
