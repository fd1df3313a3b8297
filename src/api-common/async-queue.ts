/**
 * A bounded queue with asynchronous takers, for the API's accept and receive paths: items pushed
 * by the driver, taken by `shift()` (a promise) or `for await`. Closing fails pending and later
 * takes with the close error, after the items already queued. Shared by src/api and src/web.
 */

/** See the module comment. */
export class AsyncQueue<T> {
  /** Items dropped because the queue was full. */
  dropped = 0;
  private readonly items: T[] = [];
  private readonly waiters: { resolve: (v: T) => void; reject: (e: unknown) => void }[] = [];
  private readonly limit: number;
  private closeError: Error | undefined;
  private ended = false;

  /** @param limit most items held; beyond it the oldest is dropped. */
  constructor(limit: number) {
    this.limit = limit;
  }

  /** Items waiting. */
  get length(): number {
    return this.items.length;
  }

  /** Adds an item (hands it to a waiting taker if any). */
  push(item: T): void {
    if (this.ended) return;
    const w = this.waiters.shift();
    if (w !== undefined) return w.resolve(item);
    if (this.items.length >= this.limit) {
      this.items.shift();
      this.dropped++;
    }
    this.items.push(item);
  }

  /** The next item (waits for one); rejects with the close error once closed and empty. */
  shift(): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    if (this.ended) return Promise.reject(this.closeError);
    return new Promise<T>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** The next item if one is queued. */
  tryShift(): T | undefined {
    return this.items.shift();
  }

  /** Ends the queue: waiting and later takers fail with `error` once the queued items are taken. */
  close(error: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.closeError = error;
    for (const w of this.waiters.splice(0)) w.reject(error);
  }

  /** Iterates until the queue is closed (the iteration then ends without throwing). */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      let item: T;
      try {
        item = await this.shift();
      } catch {
        return;
      }
      yield item;
    }
  }
}
