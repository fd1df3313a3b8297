/**
 * Download progress for `get`: one redrawn line on a TTY, plain lines (one per finished file)
 * otherwise.
 */

/** Where progress goes. */
export interface ProgressSink {
  readonly isTTY: boolean;
  write(text: string): void;
}

/** Tracks files and bytes; `update` is called for every chunk. */
export class Progress {
  private readonly sink: ProgressSink;
  private readonly total: number;
  private readonly started: number;
  private done = 0;
  private failed = 0;
  private bytes = 0;
  private readonly perPath = new Map<string, number>();
  private lastDraw = 0;

  constructor(sink: ProgressSink, totalFiles: number, nowMs: number) {
    this.sink = sink;
    this.total = totalFiles;
    this.started = nowMs;
  }

  /** A progress report of hqDownload. */
  update(p: { path: string; bytes: number; done: boolean; error?: Error }, nowMs: number): void {
    this.bytes += p.bytes - (this.perPath.get(p.path) ?? 0);
    this.perPath.set(p.path, p.bytes);
    if (p.done) {
      this.done++;
      if (p.error !== undefined) this.failed++;
      if (!this.sink.isTTY) this.sink.write(`${p.error === undefined ? 'ok' : 'FAILED'} ${p.path} ${p.bytes} bytes${p.error === undefined ? '' : `: ${p.error.message}`}\n`);
    }
    if (this.sink.isTTY && (p.done || nowMs - this.lastDraw >= 100)) {
      this.lastDraw = nowMs;
      this.sink.write(`\r${this.line(nowMs)}\x1b[K`);
    }
  }

  /** The summary line. */
  line(nowMs: number): string {
    const secs = Math.max(0.001, (nowMs - this.started) / 1000);
    const width = 24;
    const filled = this.total === 0 ? width : Math.round((this.done / this.total) * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    return `${bar} ${this.done}/${this.total} files${this.failed > 0 ? ` (${this.failed} failed)` : ''} ${(this.bytes / 1e6).toFixed(2)} MB ${((this.bytes * 8) / secs / 1e6).toFixed(1)} Mbit/s`;
  }

  /** Ends the TTY line. */
  finish(nowMs: number): void {
    this.sink.write(this.sink.isTTY ? `\r${this.line(nowMs)}\x1b[K\n` : `${this.line(nowMs)}\n`);
  }
}
