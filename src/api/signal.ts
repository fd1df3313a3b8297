/**
 * A one-shot wake-up for a blocked reader or writer: `wait()` resolves at the next `notify()`,
 * or rejects once `fail(error)` was called.
 */

/** See the module comment. */
export class Signal {
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private error: Error | undefined;

  /** Resolves at the next notify (rejects if failed). */
  wait(): Promise<void> {
    if (this.error !== undefined) return Promise.reject(this.error);
    return new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** True if someone waits. */
  get waiting(): boolean {
    return this.waiters.length > 0;
  }

  /** Wakes every waiter. */
  notify(): void {
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  /** Fails every current and future waiter. */
  fail(error: Error): void {
    if (this.error === undefined) this.error = error;
    for (const w of this.waiters.splice(0)) w.reject(this.error);
  }
}
