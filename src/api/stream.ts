/**
 * Public streams (DESIGN §7) over the core's stream commands (RFC 9000 §2, §3): the sending half
 * (`write` with backpressure, `finish`, `reset`), the receiving half (`read`, `readExact`,
 * `readAll`, `stopSending`) and a bidirectional stream made of both, with WHATWG `readable` /
 * `writable` adapters. Errors are `QuicError`s: the peer's RESET_STREAM (RFC 9000 §19.4) is
 * ERR_QUIC_STREAM_RESET, its STOP_SENDING (RFC 9000 §19.5) ERR_QUIC_STREAM_STOPPED, each with
 * the wire code, taken from the core's stream_reset / stream_stopped events (or its `streamState`
 * view). Counters come from the core's `streamStats`, the last snapshot kept once the core forgot
 * the stream.
 */
import { ReadableStream, WritableStream } from 'node:stream/web';
import type { Connection } from '../connection/connection.js';
import type { StreamStatsSnapshot } from '../connection/types.js';
import { BiStreamBase, RecvStreamBase } from '../api-common/stream-base.js';
import { QuicError, QuicErrorCode } from './errors.js';
import { Signal } from './signal.js';
import { toNodeDuplex, toNodeReadable, toNodeWritable, type NodeStreamOptions } from './node-streams.js';
import type { Duplex, Readable, Writable } from 'node:stream';

/** DESIGN §7 StreamPriority: 0–255, higher first. */
export const StreamPriority = { CRITICAL: 255, HIGH: 192, NORMAL: 128, LOW: 64, BACKGROUND: 0 } as const;

/** What a stream needs from its connection. */
export interface StreamHost {
  readonly connection: Connection;
  /** Schedules a flush (data, credit or control frames may be ready). */
  wake(): void;
  /** The connection's close error, once closed. */
  readonly closeError: QuicError | undefined;
  /** Applies a priority in the core, if the core supports it. */
  applyPriority(id: number, priority: number): void;
}

/** Per-stream counters (DESIGN §7 StreamStats). */
export interface StreamStats {
  /** Bytes the application wrote (accepted into the send buffer). */
  readonly bytesWritten: number;
  /** Bytes the application read. */
  readonly bytesRead: number;
  /** Highest stream offset sent (RFC 9000 §4.5). */
  readonly bytesSent: number;
  /** Bytes acknowledged from the start of the stream (0 after a reset). */
  readonly bytesAcked: number;
  /** Sending priority 0..255, undefined without a sending part. */
  readonly priority: number | undefined;
}

/**
 * The core's counters of a stream (`Connection.streamStats`), remembering the last snapshot so
 * that the counters survive the core forgetting a closed stream.
 */
export class StreamStatsTracker {
  private last: StreamStatsSnapshot | undefined;
  private frozen = false;
  /** @internal the sending half, to complete the counters of a stream the core forgot. */
  send: QuicSendStream | undefined;
  private readonly connection: Connection;
  private readonly id: number;

  constructor(connection: Connection, id: number) {
    this.connection = connection;
    this.id = id;
  }

  /** The current snapshot (or the last one seen). */
  snapshot(): StreamStatsSnapshot {
    const now = this.frozen ? undefined : this.connection.streamStats(this.id);
    if (now !== undefined) {
      this.last = now;
      return now;
    }
    const last = this.last ?? { bytesWritten: 0, bytesSent: 0, bytesAcked: 0, bytesReceived: 0, priority: undefined };
    const send = this.send;
    // The core forgets a stream once both parts are terminal (RFC 9000 §3.3): a sending part that
    // was finished and not reset reached "Data Recvd", so every byte written was sent and acknowledged.
    if (!this.frozen && send !== undefined && this.last !== undefined && send.finishedCleanly) {
      return { ...last, bytesWritten: send.bytesWritten, bytesSent: send.bytesWritten, bytesAcked: send.bytesWritten, priority: send.priority };
    }
    return last;
  }

  /** Freezes the snapshot (the stream ID may be reused by the core after a 0-RTT rejection). */
  freeze(): void {
    this.snapshot();
    this.frozen = true;
  }
}

/** Validates a 0..255 integer priority. */
export function checkPriority(priority: number): number {
  if (!Number.isInteger(priority) || priority < 0 || priority > 255) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, `priority must be an integer in 0..255, got ${priority}`);
  return priority;
}

export { DEFAULT_READ_ALL_LIMIT } from '../api-common/stream-base.js';

/** The receiving half of a stream. */
export class QuicRecvStream extends RecvStreamBase {
  /** The stream ID (RFC 9000 §2.1). */
  readonly id: number;
  /** Bytes read so far. */
  bytesRead = 0;
  private readonly host: StreamHost;
  private readonly signal = new Signal();
  private finished = false;
  private error: QuicError | undefined;
  private resetCode: number | undefined;
  private readableStream: ReadableStream<Uint8Array> | undefined;
  /** @internal the core's counters of this stream. */
  readonly statsTracker: StreamStatsTracker;

  /** @internal created by the connection. */
  constructor(host: StreamHost, id: number, statsTracker?: StreamStatsTracker) {
    super();
    this.host = host;
    this.id = id;
    this.statsTracker = statsTracker ?? new StreamStatsTracker(host.connection, id);
  }

  /** @internal stream_readable arrived. */
  onReadable(): void {
    this.signal.notify();
  }

  /** @internal stream_reset arrived (RFC 9000 §19.4): the next read fails with `code`. */
  onReset(code: number): void {
    this.resetCode ??= code;
    this.signal.notify();
  }

  /** Counters (DESIGN §7 StreamStats). */
  stats(): StreamStats {
    const c = this.statsTracker.snapshot();
    return { bytesWritten: c.bytesWritten, bytesRead: this.bytesRead, bytesSent: c.bytesSent, bytesAcked: c.bytesAcked, priority: c.priority };
  }

  /** @internal the connection closed. */
  onClosed(error: QuicError): void {
    if (!this.finished && this.error === undefined) this.error = error;
    this.signal.fail(error);
  }

  /**
   * The next chunk of bytes (at most `max`), or null at the end of the stream. Waits for data.
   * @throws QuicError ERR_QUIC_STREAM_RESET (the peer reset it), ERR_QUIC_STREAM_STOPPED (we
   * called stopSending), or the connection's close error.
   */
  async readChunk(max: number = 65_536): Promise<Uint8Array | null> {
    for (;;) {
      if (this.finished) return null;
      if (this.error !== undefined) throw this.error;
      const conn = this.host.connection;
      // RFC 9000 §3.2: the peer's RESET_STREAM (the stream_reset event; streamState covers a reset
      // that arrived before this object existed).
      const resetCode = this.resetCode ?? conn.streamState(this.id)?.recv?.resetCode;
      if (resetCode !== undefined) {
        conn.streamRead(this.id, 0); // RFC 9000 §3.2: the application saw the reset (Reset Read).
        this.error = new QuicError(QuicErrorCode.STREAM_RESET, `stream ${this.id} was reset by the peer with code ${resetCode}`, { initiator: 'peer', wireCode: resetCode });
        throw this.error;
      }
      const r = conn.streamRead(this.id, max);
      if (r !== undefined && (r.data.length > 0 || r.fin)) {
        if (r.fin) this.finished = true;
        this.bytesRead += r.data.length;
        this.host.wake();
        if (r.data.length > 0) return r.data;
        return null;
      }
      if (r === undefined && this.host.closeError !== undefined) throw this.host.closeError;
      await this.signal.wait();
    }
  }

  /** Asks the peer to stop sending (STOP_SENDING, RFC 9000 §3.5); later reads fail. */
  stopSending(code: number): void {
    if (this.finished || this.error !== undefined) return;
    this.host.connection.streamStopSending(this.id, code);
    this.error = new QuicError(QuicErrorCode.STREAM_STOPPED, `stream ${this.id}: we stopped reading with code ${code}`, { initiator: 'local', wireCode: code });
    this.signal.fail(this.error);
    this.host.wake();
  }

  /** A node:stream Readable with backpressure (node-streams.ts); destroy before the end sends STOP_SENDING. */
  toNodeReadable(options?: NodeStreamOptions): Readable {
    return toNodeReadable(this, options);
  }

  /** A WHATWG ReadableStream of the stream's bytes (cancel sends STOP_SENDING with code 0). */
  get readable(): ReadableStream<Uint8Array> {
    this.readableStream ??= new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const chunk = await this.readChunk();
        if (chunk === null) controller.close();
        else controller.enqueue(chunk);
      },
      cancel: () => this.stopSending(0),
    });
    return this.readableStream;
  }
}

/** The sending half of a stream. */
export class QuicSendStream {
  /** The stream ID (RFC 9000 §2.1). */
  readonly id: number;
  /** Bytes accepted so far. */
  bytesWritten = 0;
  private readonly host: StreamHost;
  private readonly signal = new Signal();
  private error: QuicError | undefined;
  private finished = false;
  private chain: Promise<void> = Promise.resolve();
  private priorityValue: number;
  private writableStream: WritableStream<Uint8Array> | undefined;
  /** @internal the core's counters of this stream. */
  readonly statsTracker: StreamStatsTracker;

  /** @internal created by the connection. */
  constructor(host: StreamHost, id: number, priority: number, statsTracker?: StreamStatsTracker) {
    this.host = host;
    this.id = id;
    this.priorityValue = priority;
    this.statsTracker = statsTracker ?? new StreamStatsTracker(host.connection, id);
    this.statsTracker.send = this;
    this.statsTracker.snapshot(); // the first snapshot, so that later ones know the stream existed
  }

  /** @internal finished (FIN queued) and never reset or stopped. */
  get finishedCleanly(): boolean {
    return this.finished && this.error === undefined;
  }

  /** Counters (DESIGN §7 StreamStats). */
  stats(): StreamStats {
    const c = this.statsTracker.snapshot();
    return { bytesWritten: this.bytesWritten, bytesRead: c.bytesReceived, bytesSent: c.bytesSent, bytesAcked: c.bytesAcked, priority: c.priority };
  }

  /**
   * @internal stream_stopped arrived (RFC 9000 §3.5, §19.5): the core reset the sending part with
   * the peer's code; blocked and later writes fail with ERR_QUIC_STREAM_STOPPED.
   */
  onStopped(code: number): void {
    if (this.error !== undefined) return;
    this.error = new QuicError(QuicErrorCode.STREAM_STOPPED, `the peer stopped stream ${this.id} with code ${code}`, { initiator: 'peer', wireCode: code });
    this.signal.fail(this.error);
  }

  /** The stream's priority (DESIGN §7: 0–255, higher first). */
  get priority(): number {
    return this.priorityValue;
  }

  /** Changes the priority. */
  setPriority(priority: number): void {
    this.priorityValue = checkPriority(priority);
    if (this.error === undefined) this.host.applyPriority(this.id, this.priorityValue);
  }

  /** @internal stream_writable arrived, or something may have changed (STOP_SENDING). */
  onWritable(): void {
    this.signal.notify();
  }

  /** @internal the connection closed. */
  onClosed(error: QuicError): void {
    this.error ??= error;
    this.signal.fail(error);
  }

  /**
   * Queues `bytes` (copied); resolves once every byte was accepted by the send buffer (waits while
   * the buffer is full: backpressure, DESIGN §7). Concurrent writes are kept in call order.
   * @throws QuicError ERR_QUIC_STREAM_STOPPED (the peer sent STOP_SENDING), ERR_QUIC_STREAM_RESET
   * (we reset it), ERR_QUIC_STREAM_FINISHED (after finish), or the connection's close error.
   */
  write(bytes: Uint8Array): Promise<void> {
    const p = this.chain.then(() => this.writeNow(bytes));
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Writes `bytes`, then finishes the stream. */
  async writeAll(bytes: Uint8Array): Promise<void> {
    await this.write(bytes);
    await this.chain;
    this.finish();
  }

  private async writeNow(bytes: Uint8Array): Promise<void> {
    let off = 0;
    for (;;) {
      this.checkWritable();
      if (off >= bytes.length) return;
      let n: number;
      try {
        n = this.host.connection.streamWrite(this.id, bytes.subarray(off));
      } catch (e) {
        throw this.mapError(e);
      }
      off += n;
      this.bytesWritten += n;
      if (n > 0) this.host.wake();
      if (off >= bytes.length) return;
      await this.signal.wait();
    }
  }

  private checkWritable(): void {
    if (this.error !== undefined) throw this.error;
    if (this.finished) throw new QuicError(QuicErrorCode.STREAM_FINISHED, `stream ${this.id} is finished`);
    const stopCode = this.host.connection.streamState(this.id)?.send?.stopCode;
    if (stopCode !== undefined) {
      this.onStopped(stopCode);
      throw this.error!;
    }
    if (this.host.closeError !== undefined) throw this.host.closeError;
  }

  private mapError(e: unknown): QuicError {
    if (e instanceof QuicError) return e;
    const closed = this.host.closeError;
    if (closed !== undefined) return closed;
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_QUIC_STREAM_RESET') return new QuicError(QuicErrorCode.STREAM_RESET, `stream ${this.id} was reset`);
    return new QuicError(QuicErrorCode.INVALID_STATE, `stream ${this.id}: ${e instanceof Error ? e.message : String(e)}`);
  }

  /** Ends the stream after the bytes written (STREAM with FIN, RFC 9000 §3.1). Idempotent. */
  finish(): void {
    if (this.finished) return;
    this.checkWritable();
    try {
      this.host.connection.streamFinish(this.id);
    } catch (e) {
      throw this.mapError(e);
    }
    this.finished = true;
    this.host.wake();
  }

  /** Abandons the stream (RESET_STREAM with `code`, RFC 9000 §3.1); pending writes fail. */
  reset(code: number): void {
    if (this.error !== undefined) return;
    this.host.connection.streamReset(this.id, code);
    this.error = new QuicError(QuicErrorCode.STREAM_RESET, `stream ${this.id} was reset locally with code ${code}`, { initiator: 'local', wireCode: code });
    this.signal.fail(this.error);
    this.host.wake();
  }

  /** A node:stream Writable with backpressure (node-streams.ts); `end()` finishes, destroy before it resets. */
  toNodeWritable(options?: NodeStreamOptions): Writable {
    return toNodeWritable(this, options);
  }

  /** A WHATWG WritableStream (close finishes, abort resets with code 0). */
  get writable(): WritableStream<Uint8Array> {
    this.writableStream ??= new WritableStream<Uint8Array>({
      write: (chunk) => this.write(chunk),
      close: async () => {
        await this.chain;
        this.finish();
      },
      abort: () => this.reset(0),
    });
    return this.writableStream;
  }
}

/** A bidirectional stream: both halves, with their methods. */
export class QuicBiStream extends BiStreamBase<QuicSendStream, QuicRecvStream> {
  /** The stream ID. */
  readonly id: number;

  /** @internal created by the connection. */
  constructor(send: QuicSendStream, recv: QuicRecvStream) {
    super(send, recv);
    this.id = send.id;
  }

  /** Counters (DESIGN §7 StreamStats; the core's last snapshot once it forgot the stream). */
  stats(): StreamStats {
    const c = this.send.statsTracker.snapshot();
    return { bytesWritten: this.send.bytesWritten, bytesRead: this.recv.bytesRead, bytesSent: c.bytesSent, bytesAcked: c.bytesAcked, priority: c.priority };
  }
  get readable(): ReadableStream<Uint8Array> {
    return this.recv.readable;
  }
  /** A node:stream Duplex (node-streams.ts): backpressure both ways; destroy resets and stops the stream. */
  toNodeDuplex(options?: NodeStreamOptions): Duplex {
    return toNodeDuplex(this, options);
  }
  /** The receiving half as a node:stream Readable. */
  toNodeReadable(options?: NodeStreamOptions): Readable {
    return this.recv.toNodeReadable(options);
  }
  /** The sending half as a node:stream Writable. */
  toNodeWritable(options?: NodeStreamOptions): Writable {
    return this.send.toNodeWritable(options);
  }
  get writable(): WritableStream<Uint8Array> {
    return this.send.writable;
  }
}
