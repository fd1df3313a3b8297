/**
 * CRYPTO data per encryption level (RFC 9000 §19.6, §7.5; RFC 9001 §4.1.3): an ordered send
 * buffer that resends lost ranges, and a bounded receive buffer that reassembles out-of-order
 * CRYPTO frames into the byte stream TLS reads.
 */
import { RangeSet } from '../util/range-set.js';
import { TransportError, TransportErrorCode } from '../wire/errors.js';
import { FrameType, cryptoFrameDataCapacity } from '../wire/frame-types.js';
import { encodeCryptoFrameHeader } from '../wire/frames.js';
import { concatByteList, type Writer } from '../util/bytes.js';

/**
 * RFC 9000 §7.5: "Implementations MUST support buffering at least 4096 bytes of data received in
 * out-of-order CRYPTO frames." We hold up to 64 KiB past the read offset.
 */
export const MAX_CRYPTO_BUFFER = 65_536;

/** Most out-of-order CRYPTO fragments held per level. */
export const MAX_CRYPTO_FRAGMENTS = 256;

/** Outgoing CRYPTO data of one level: everything sent is kept until acknowledged. */
export class CryptoSendBuffer {
  private data = new Uint8Array(0);
  private nextOffset = 0;
  private readonly acked = new RangeSet();
  private readonly retransmit = new RangeSet();

  /** Appends handshake bytes from TLS. */
  push(bytes: Uint8Array): void {
    const next = new Uint8Array(this.data.length + bytes.length);
    next.set(this.data);
    next.set(bytes, this.data.length);
    this.data = next;
  }

  /** True when there is new or lost data to send. */
  get hasData(): boolean {
    return this.nextOffset < this.data.length || !this.retransmit.isEmpty;
  }

  /** True when some sent data is not yet acknowledged. */
  get hasUnacked(): boolean {
    return this.nextOffset > 0 && !this.acked.covers(0, this.nextOffset);
  }

  /** Writes one CRYPTO frame (lost data first) within `maxBytes`; returns its range. */
  writeFrame(w: Writer, maxBytes: number): { offset: number; length: number } | undefined {
    let offset: number;
    let end: number;
    const lost = this.retransmit.rangeAt(0);
    if (lost !== undefined) {
      offset = lost.start;
      end = lost.end;
    } else if (this.nextOffset < this.data.length) {
      offset = this.nextOffset;
      end = this.data.length;
    } else return undefined;
    const cap = cryptoFrameDataCapacity(offset, Math.min(maxBytes, w.remaining));
    if (cap <= 0) return undefined;
    const length = Math.min(cap, end - offset);
    encodeCryptoFrameHeader(w, offset, length).bytes(this.data.subarray(offset, offset + length));
    if (lost !== undefined) this.retransmit.remove(offset, offset + length);
    else this.nextOffset = offset + length;
    return { offset, length };
  }

  /** The range was acknowledged. */
  onAcked(offset: number, length: number): void {
    this.acked.insert(offset, offset + length);
    this.retransmit.remove(offset, offset + length);
  }

  /** The range was lost: resend what of it is not acknowledged (RFC 9000 §13.3). */
  onLost(offset: number, length: number): void {
    for (let at = offset; at < offset + length; at++) {
      // Walk the range in acked/unacked runs.
      const run = this.unackedRunFrom(at, offset + length);
      if (run === undefined) break;
      this.retransmit.insert(run.start, run.end);
      at = run.end;
    }
  }

  /** RFC 9002 §6.2.4: a PTO probe resends unacknowledged data when nothing new is queued. */
  requeueUnacked(): void {
    this.onLost(0, this.nextOffset);
  }

  private unackedRunFrom(from: number, to: number): { start: number; end: number } | undefined {
    let start = from;
    while (start < to && this.acked.has(start)) start++;
    if (start >= to) return undefined;
    let end = start;
    while (end < to && !this.acked.has(end)) end++;
    return { start, end };
  }
}

/** Incoming CRYPTO data of one level, reassembled in order (RFC 9000 §19.6). */
export class CryptoRecvBuffer {
  private readOffset = 0;
  private pending: { offset: number; data: Uint8Array }[] = [];

  /**
   * Takes a CRYPTO frame; returns the bytes that became contiguous (possibly empty).
   * @throws TransportError CRYPTO_BUFFER_EXCEEDED beyond `MAX_CRYPTO_BUFFER` (RFC 9000 §7.5).
   */
  onFrame(offset: number, data: Uint8Array): Uint8Array {
    const end = offset + data.length;
    if (end <= this.readOffset) return new Uint8Array(0);
    // RFC 9000 §7.5: "an endpoint ... MAY close the connection with a CRYPTO_BUFFER_EXCEEDED error code."
    if (end - this.readOffset > MAX_CRYPTO_BUFFER) {
      throw new TransportError(TransportErrorCode.CRYPTO_BUFFER_EXCEEDED, FrameType.Crypto, `CRYPTO data up to ${end} exceeds the buffer`);
    }
    if (this.pending.some((p) => p.offset === offset && p.data.length >= data.length)) return new Uint8Array(0);
    if (this.pending.length >= MAX_CRYPTO_FRAGMENTS) {
      throw new TransportError(TransportErrorCode.CRYPTO_BUFFER_EXCEEDED, FrameType.Crypto, 'too many out-of-order CRYPTO fragments');
    }
    this.pending.push({ offset, data: data.slice() });
    const out: Uint8Array[] = [];
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (let i = 0; i < this.pending.length; i++) {
        const p = this.pending[i]!;
        const pEnd = p.offset + p.data.length;
        if (pEnd <= this.readOffset) {
          this.pending.splice(i--, 1);
          continue;
        }
        if (p.offset <= this.readOffset) {
          out.push(p.data.subarray(this.readOffset - p.offset));
          this.readOffset = pEnd;
          this.pending.splice(i--, 1);
          progressed = true;
        }
      }
    }
    return out.length === 1 ? out[0]! : concatByteList(out);
  }

  /** Bytes buffered out of order (for the bound test). */
  get bufferedBytes(): number {
    return this.pending.reduce((n, p) => n + p.data.length, 0);
  }
}
