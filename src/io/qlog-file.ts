/**
 * qlog files (draft-ietf-quic-qlog-main-schema-14 §5 QlogFileSeq, §11.2 JSON Text Sequences;
 * RFC 7464): one file per connection, `<odcid-hex>_<role>.sqlog` in a directory (QLOGDIR, or the
 * api's `qlogDir` option), written by a `QlogObserver` the driver passes as
 * `ConnectionCommonOptions.qlog`.
 *
 * The core emits events synchronously; this writer serializes each at once (src/qlog/serialize.ts)
 * and appends the records asynchronously, one write in flight at a time, batching what piled up
 * meanwhile. Memory is bounded: when more than `maxBufferedChars` wait for the disk, new events
 * are dropped and counted (`dropped`), never buffered without bound (DESIGN §5). The file is
 * closed when the connection reaches the "closed" state (quic-events §4.6) or on `close()`.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { QlogObserverFactory } from '../connection/types.js';
import type { QlogEvent } from '../qlog/events.js';
import type { QlogObserver } from '../qlog/observer.js';
import { serializeQlogEvent, serializeQlogHeader } from '../qlog/serialize.js';
import { toHex } from '../util/bytes.js';
import type { Instant } from '../util/time.js';
import { monotonicNow, wallClockMs } from './clock.js';

/** Default bound of characters waiting to be written (about 4 MB). */
export const DEFAULT_QLOG_BUFFER_CHARS = 4 * 1024 * 1024;

/** Options of `QlogFileObserver`. */
export interface QlogFileOptions {
  /** The most characters waiting for the disk before events are dropped (default 4 Mi). */
  readonly maxBufferedChars?: number;
  /**
   * Wall-clock ms since the Unix epoch at a given core `Instant`, for the header's reference_time
   * (main schema §7.1). Default: from `monotonicNow` and `wallClockMs` (src/io/clock.ts), the
   * clocks the Node drivers feed the core with.
   */
  readonly epochMsAt?: (t: Instant) => number;
  /** The trace's vantage point name (main schema §6), e.g. the implementation. */
  readonly vantagePointName?: string;
}

/** The file name of a connection's qlog: `<odcid-hex>_<role>.sqlog` (the qlog convention of other stacks). */
export function qlogFileName(odcid: Uint8Array, role: 'client' | 'server'): string {
  return `${toHex(odcid)}_${role}.sqlog`;
}

/** A `QlogObserver` that writes one JSON-SEQ qlog file. */
export class QlogFileObserver implements QlogObserver {
  /** The file's path. */
  readonly path: string;
  /** Events dropped because the disk was slower than the events (bounded buffer), or after close. */
  dropped = 0;
  /** Records written (the header included). */
  written = 0;
  /** Failed writes (best-effort: never fatal to the connection); the file is abandoned after one. */
  errors = 0;
  private readonly dir: string;
  private readonly vantagePoint: 'client' | 'server';
  private readonly odcid: Uint8Array;
  private readonly maxBuffered: number;
  private readonly epochMsAt: (t: Instant) => number;
  private readonly vantagePointName: string | undefined;
  private referenceTime: Instant | undefined;
  private pending: string[] = [];
  private pendingChars = 0;
  private handle: FileHandle | undefined;
  private writing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(dir: string, odcid: Uint8Array, role: 'client' | 'server', options: QlogFileOptions = {}) {
    this.dir = dir;
    this.odcid = odcid.slice();
    this.vantagePoint = role;
    this.path = join(dir, qlogFileName(odcid, role));
    this.maxBuffered = options.maxBufferedChars ?? DEFAULT_QLOG_BUFFER_CHARS;
    this.epochMsAt = options.epochMsAt ?? ((t) => wallClockMs() - (monotonicNow() - t) / 1000);
    this.vantagePointName = options.vantagePointName;
  }

  /** Characters waiting to be written. */
  get buffered(): number {
    return this.pendingChars;
  }

  /** Serializes `event` and queues it for the file (or drops it, see the module comment). */
  emit(event: QlogEvent): void {
    if (this.closing !== undefined || this.errors > 0) {
      this.dropped++;
      return;
    }
    if (this.referenceTime === undefined) {
      // main schema §7.1: times are relative to the reference_time, here the first event's.
      this.referenceTime = event.time;
      this.push(serializeQlogHeader({
        vantagePoint: this.vantagePoint, odcid: this.odcid, referenceTime: event.time, referenceEpochMs: this.epochMsAt(event.time),
        ...(this.vantagePointName === undefined ? {} : { vantagePointName: this.vantagePointName }),
      }));
    }
    const record = serializeQlogEvent(event, this.referenceTime);
    if (this.pendingChars + record.length > this.maxBuffered) {
      this.dropped++;
    } else {
      this.push(record);
    }
    // quic-events §4.6: nothing follows the "closed" state.
    if (event.name === 'quic:connection_state_updated' && event.data.new === 'closed') void this.close();
  }

  /** Waits until everything queued so far is written. */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  /** Writes what is queued and closes the file; later events are dropped. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.flush();
      const h = this.handle;
      this.handle = undefined;
      if (h !== undefined) await h.close().catch(() => void this.errors++);
    })();
    return this.closing;
  }

  private push(record: string): void {
    this.pending.push(record);
    this.pendingChars += record.length;
    this.writing ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      if (this.handle === undefined) {
        await mkdir(this.dir, { recursive: true });
        this.handle = await open(this.path, 'a');
      }
      while (this.pending.length > 0) {
        const batch = this.pending;
        const chars = this.pendingChars;
        this.pending = [];
        await this.handle.appendFile(batch.join(''), 'utf8');
        this.pendingChars -= chars;
        this.written += batch.length;
      }
    } catch {
      this.errors++;
      this.dropped += this.pending.length;
      this.pending = [];
      this.pendingChars = 0;
    } finally {
      this.writing = undefined;
    }
  }
}

/**
 * The qlog observer of one connection: a `QlogFileObserver` writing `<dir>/<odcid-hex>_<role>.sqlog`.
 * `odcid` is the client's first Destination Connection ID (`connection.state.originalDcid`, known
 * to the client before `connect` returns and to the server from the first Initial).
 */
export function createQlogFileObserver(dir: string, odcid: Uint8Array, role: 'client' | 'server', options?: QlogFileOptions): QlogFileObserver {
  return new QlogFileObserver(dir, odcid, role, options);
}

/**
 * The connection option `qlog` for a folder (QLOGDIR): every connection given it writes its own
 * `<odcid-hex>_<role>.sqlog` there.
 */
export function qlogFiles(dir: string, options?: QlogFileOptions): QlogObserverFactory {
  return (odcid, role) => createQlogFileObserver(dir, odcid, role, options);
}
