/**
 * The driver's clocks (DESIGN §1: "Only `src/io/` turns `performance.now()` into an `Instant`").
 * The monotonic clock feeds the sans-IO core's `now` arguments; the wall clock (ms since the Unix
 * epoch) is injected into the core for certificate validity and ticket ages.
 */
import { performance } from 'node:perf_hooks';
import { instant, type Instant } from '../util/time.js';

/** The current monotonic time as an `Instant` (integer microseconds since an arbitrary epoch). */
export function monotonicNow(): Instant {
  return instant(performance.now() * 1000);
}

/** The wall clock in milliseconds since the Unix epoch (for certificates and tickets). */
export function wallClockMs(): number {
  return Date.now();
}

/** A cancellable delay (for the api's grace periods; timers live in src/io). */
export function delay(ms: number): { readonly promise: Promise<void>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}
