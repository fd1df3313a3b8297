/**
 * The QPACK decoder (sans-IO): decodes encoded field sections against the static and dynamic
 * tables, applies encoder-stream instructions, tracks blocked streams, and produces
 * decoder-stream instructions.
 *
 * Implements:
 * - RFC 9204 §2.2: decoding; §2.2.1 blocked decoding ("If a decoder encounters more blocked
 *   streams than it promised to support, it MUST treat this as a connection error of type
 *   QPACK_DECOMPRESSION_FAILED", §2.1.2); §2.2.2 state synchronization (Section Acknowledgment,
 *   Stream Cancellation, Insert Count Increment); §2.2.3 invalid references.
 * - RFC 9204 §3.2: the dynamic table; §4.3 encoder instructions (errors are
 *   QPACK_ENCODER_STREAM_ERROR); §4.5 field line representations (errors are
 *   QPACK_DECOMPRESSION_FAILED); §7.3-§7.4 memory limits (encoder-stream buffer bound).
 * - RFC 9114 §4.2.2: SETTINGS_MAX_FIELD_SECTION_SIZE, measured as the sum of name + value + 32 over
 *   the decoded field lines; exceeding it raises `FieldSectionTooLargeError` (a stream error).
 *
 * Usage: feed encoder-stream bytes to `handleEncoderStream`, each field section (HEADERS or
 * PUSH_PROMISE payload) to `decodeFieldSection`; collect sections that were blocked with
 * `takeUnblocked`; send `takeDecoderStream()` on the QPACK decoder stream.
 */
import { concatBytes, Reader, Writer } from '../util/bytes.js';
import { CodecError } from '../util/errors.js';
import { FieldSectionTooLargeError, H3ErrorCode, QpackError } from './errors.js';
import { DynamicTable } from './qpack-dynamic-table.js';
import { baseOf, decodeFieldLine, decodeFieldSectionPrefix, decodeRequiredInsertCount, type FieldLineRep } from './qpack-field-lines.js';
import { decodeEncoderInstruction, encodeDecoderInstruction, sizeOfDecoderInstruction, type DecoderInstruction, type EncoderInstruction } from './qpack-instructions.js';
import { QpackTruncatedError } from './qpack-integer.js';
import { staticEntry } from './qpack-static-table.js';

/** A field line: name and value are byte strings (see qpack-integer.ts). */
export interface Field {
  /** Field name. */
  readonly name: string;
  /** Field value. */
  readonly value: string;
  /** RFC 9204 §7.1.3: the N bit; an intermediary must re-encode it as a literal. */
  readonly neverIndex?: boolean;
}

/** Decoder limits, from our own SETTINGS (RFC 9204 §5, RFC 9114 §4.2.2). */
export interface QpackDecoderOptions {
  /** Our SETTINGS_QPACK_MAX_TABLE_CAPACITY (default 0: no dynamic table). */
  readonly maxTableCapacity?: number;
  /** Our SETTINGS_QPACK_BLOCKED_STREAMS (default 0). */
  readonly maxBlockedStreams?: number;
  /** Our SETTINGS_MAX_FIELD_SECTION_SIZE (default unlimited). */
  readonly maxFieldSectionSize?: number;
  /** Most bytes of an incomplete encoder instruction buffered (default max(64 KiB, 2 x capacity + 64)). */
  readonly maxEncoderStreamBuffer?: number;
}

/** The result of `decodeFieldSection`. */
export type DecodeResult = { readonly kind: 'done'; readonly fields: Field[] } | { readonly kind: 'blocked' };

/** A section that was blocked and has now been decoded (or found too large). */
export type UnblockedSection =
  | { readonly streamId: number; readonly fields: Field[] }
  | { readonly streamId: number; readonly error: FieldSectionTooLargeError };

const EMPTY = new Uint8Array(0);

/** The QPACK decoder of one HTTP/3 connection. */
export class QpackDecoder {
  /** The dynamic table (maximum capacity = our SETTINGS_QPACK_MAX_TABLE_CAPACITY). */
  readonly table: DynamicTable;
  private readonly maxBlocked: number;
  private readonly maxSectionSize: number;
  private readonly maxEncoderBuffer: number;
  private encoderChunks: Uint8Array[] = []; // buffered encoder-stream bytes (copies)
  private encoderBuffered = 0;
  private encoderNeeded = 0; // buffered bytes needed before the pending instruction can complete
  private readonly blocked = new Map<number, { ric: number; bytes: Uint8Array }>();
  private unblocked: UnblockedSection[] = [];
  private pending: DecoderInstruction[] = [];
  private knownReceivedCount = 0;

  /** @param opts our own QPACK settings and limits. */
  constructor(opts: QpackDecoderOptions = {}) {
    const cap = opts.maxTableCapacity ?? 0;
    this.table = new DynamicTable(cap);
    this.maxBlocked = opts.maxBlockedStreams ?? 0;
    this.maxSectionSize = opts.maxFieldSectionSize ?? Number.MAX_SAFE_INTEGER;
    this.maxEncoderBuffer = opts.maxEncoderStreamBuffer ?? Math.max(65536, 2 * cap + 64);
  }

  /** Number of streams currently blocked (RFC 9204 §2.1.2). */
  get blockedStreamCount(): number {
    return this.blocked.size;
  }

  /**
   * Processes bytes received on the peer's QPACK encoder stream (RFC 9204 §4.3). Incomplete
   * instructions are buffered; blocked sections that became decodable are queued for
   * `takeUnblocked`.
   * @throws QpackError QPACK_ENCODER_STREAM_ERROR on a malformed or invalid instruction;
   *   QPACK_DECOMPRESSION_FAILED if an unblocked section is invalid.
   */
  handleEncoderStream(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.encoderChunks.push(bytes.slice());
    this.encoderBuffered += bytes.length;
    if (this.encoderBuffered < this.encoderNeeded) {
      // A long string literal is still arriving: wait without re-parsing (no quadratic work).
      this.checkEncoderBuffer(this.encoderBuffered);
      return;
    }
    const buf = this.encoderChunks.length === 1 ? this.encoderChunks[0]! : concatBytes(...this.encoderChunks);
    const r = new Reader(buf);
    this.encoderNeeded = 0;
    for (;;) {
      const start = r.offset;
      if (r.isEmpty) break;
      let ins: EncoderInstruction;
      try {
        ins = decodeEncoderInstruction(r, this.table.maxCapacity);
      } catch (err) {
        if (err instanceof QpackTruncatedError) {
          r.offset = start;
          this.encoderNeeded = err.neededEnd === undefined ? 0 : err.neededEnd - start;
          break;
        }
        if (err instanceof CodecError) throw new QpackError(H3ErrorCode.QPACK_ENCODER_STREAM_ERROR, err.message);
        throw err;
      }
      this.apply(ins);
    }
    const left = r.remaining;
    this.checkEncoderBuffer(left);
    this.encoderChunks = left === 0 ? [] : [r.rest().slice()];
    this.encoderBuffered = left;
    this.retryBlocked();
  }

  /** RFC 9204 §7.3: every buffer has a limit (DESIGN §5). */
  private checkEncoderBuffer(incomplete: number): void {
    if (incomplete > this.maxEncoderBuffer) {
      throw new QpackError(H3ErrorCode.QPACK_ENCODER_STREAM_ERROR, `incomplete encoder instruction exceeds ${this.maxEncoderBuffer} bytes`);
    }
  }

  private apply(ins: EncoderInstruction): void {
    const fail = (reason: string): never => {
      throw new QpackError(H3ErrorCode.QPACK_ENCODER_STREAM_ERROR, reason);
    };
    const t = this.table;
    let err: string | undefined;
    switch (ins.type) {
      case 'set_capacity':
        err = t.setCapacity(ins.capacity);
        break;
      case 'insert_name_ref': {
        // RFC 9204 §3.1: an invalid static index "received on the encoder stream ... MUST be
        // treated as a connection error of type QPACK_ENCODER_STREAM_ERROR".
        // RFC 9204 §2.2.3: a reference "in an encoder instruction to a dynamic table entry that
        // has already been evicted ... MUST [be treated] as ... QPACK_ENCODER_STREAM_ERROR".
        const name = ins.isStatic ? staticEntry(ins.nameIndex)?.[0] : t.get(t.insertCount - ins.nameIndex - 1)?.name;
        if (name === undefined) fail(`Insert With Name Reference to missing ${ins.isStatic ? 'static' : 'dynamic'} entry ${ins.nameIndex}`);
        err = t.insert(name!, ins.value);
        break;
      }
      case 'insert_literal':
        err = t.insert(ins.name, ins.value);
        break;
      case 'duplicate': {
        const e = t.get(t.insertCount - ins.index - 1);
        if (e === undefined) fail(`Duplicate of missing entry ${ins.index}`);
        err = t.insert(e!.name, e!.value);
        break;
      }
    }
    if (err !== undefined) fail(err);
  }

  private retryBlocked(): void {
    for (const [streamId, b] of this.blocked) {
      if (b.ric > this.table.insertCount) continue;
      this.blocked.delete(streamId);
      try {
        this.unblocked.push({ streamId, fields: this.decodeNow(streamId, b.bytes) });
      } catch (err) {
        if (err instanceof FieldSectionTooLargeError) this.unblocked.push({ streamId, error: err });
        else throw err;
      }
    }
  }

  /**
   * Decodes one encoded field section received on `streamId` (RFC 9204 §4.5). Returns
   * `blocked` when its Required Insert Count exceeds the insert count (RFC 9204 §2.2.1); the
   * section is then copied and decoded once the encoder stream catches up.
   * @throws QpackError QPACK_DECOMPRESSION_FAILED on a malformed section, an invalid reference or
   *   too many blocked streams; FieldSectionTooLargeError past SETTINGS_MAX_FIELD_SECTION_SIZE.
   */
  decodeFieldSection(streamId: number, bytes: Uint8Array): DecodeResult {
    const ric = this.requiredInsertCount(bytes);
    if (ric > this.table.insertCount) {
      if (this.blocked.has(streamId)) throw new QpackError(H3ErrorCode.QPACK_DECOMPRESSION_FAILED, `stream ${streamId} already blocked`);
      // RFC 9204 §2.1.2: "If a decoder encounters more blocked streams than it promised to
      // support, it MUST treat this as a connection error of type QPACK_DECOMPRESSION_FAILED."
      if (this.blocked.size >= this.maxBlocked) {
        throw new QpackError(H3ErrorCode.QPACK_DECOMPRESSION_FAILED, `more than ${this.maxBlocked} blocked streams`);
      }
      this.blocked.set(streamId, { ric, bytes: bytes.slice() });
      return { kind: 'blocked' };
    }
    return { kind: 'done', fields: this.decodeNow(streamId, bytes) };
  }

  /** Sections that were blocked and have been decoded since the last call. */
  takeUnblocked(): UnblockedSection[] {
    const out = this.unblocked;
    this.unblocked = [];
    return out;
  }

  /**
   * The stream was reset or its reading abandoned before all its field sections were processed
   * (RFC 9204 §2.2.2.2): drops a blocked section and emits a Stream Cancellation ("A decoder
   * with a maximum dynamic table capacity equal to zero MAY omit sending Stream Cancellations").
   */
  cancelStream(streamId: number): void {
    this.blocked.delete(streamId);
    if (this.table.maxCapacity > 0) this.pending.push({ type: 'stream_cancel', streamId });
  }

  /**
   * The bytes to send on our QPACK decoder stream: pending Section Acknowledgments and Stream
   * Cancellations, then one Insert Count Increment for every insert not yet acknowledged
   * (RFC 9204 §2.2.2.3, §4.4.3).
   */
  takeDecoderStream(): Uint8Array {
    const out = this.pending;
    this.pending = [];
    const increment = this.table.insertCount - this.knownReceivedCount;
    if (increment > 0) {
      out.push({ type: 'insert_count_increment', increment });
      this.knownReceivedCount = this.table.insertCount;
    }
    if (out.length === 0) return EMPTY;
    let size = 0;
    for (const ins of out) size += sizeOfDecoderInstruction(ins);
    const w = Writer.alloc(size);
    for (const ins of out) encodeDecoderInstruction(w, ins);
    return w.written();
  }

  private requiredInsertCount(bytes: Uint8Array): number {
    try {
      const p = decodeFieldSectionPrefix(new Reader(bytes));
      return decodeRequiredInsertCount(p.encodedInsertCount, this.table.maxCapacity, this.table.insertCount);
    } catch (err) {
      if (err instanceof CodecError) throw new QpackError(H3ErrorCode.QPACK_DECOMPRESSION_FAILED, err.message);
      throw err;
    }
  }

  private decodeNow(streamId: number, bytes: Uint8Array): Field[] {
    const fields: Field[] = [];
    let ric = 0;
    let size = 0;
    let maxRef = -1;
    try {
      const r = new Reader(bytes);
      const p = decodeFieldSectionPrefix(r);
      ric = decodeRequiredInsertCount(p.encodedInsertCount, this.table.maxCapacity, this.table.insertCount);
      const base = baseOf(ric, p.negative, p.deltaBase);
      while (!r.isEmpty) {
        // A literal longer than the section limit must surface as FieldSectionTooLargeError (a
        // stream error, RFC 9114 §4.2.2), not as a malformed section: bound strings only by what
        // these bytes can hold (Huffman expands at most 8/5).
        const rep = decodeFieldLine(r, 2 * bytes.length);
        const { field, abs } = this.resolve(rep, base, ric);
        if (abs > maxRef) maxRef = abs;
        size += field.name.length + field.value.length + 32;
        if (size > this.maxSectionSize) {
          if (ric > 0) this.cancelStream(streamId);
          throw new FieldSectionTooLargeError(streamId, this.maxSectionSize);
        }
        fields.push(field);
      }
      // RFC 9204 §2.2.1: "If it encounters a Required Insert Count larger than expected, it MAY
      // treat this as a connection error of type QPACK_DECOMPRESSION_FAILED." (We do.)
      if (ric > 0 && maxRef !== ric - 1) throw new CodecError(`Required Insert Count ${ric} but largest reference ${maxRef}`);
    } catch (err) {
      if (err instanceof CodecError) throw new QpackError(H3ErrorCode.QPACK_DECOMPRESSION_FAILED, err.message);
      throw err;
    }
    if (ric > 0) {
      // RFC 9204 §2.2.2.1: "After the decoder finishes decoding a field section encoded using
      // representations containing dynamic table references, it MUST emit a Section
      // Acknowledgment instruction."
      this.pending.push({ type: 'section_ack', streamId });
      if (ric > this.knownReceivedCount) this.knownReceivedCount = ric;
    }
    return fields;
  }

  /** Resolves a representation to a field; `abs` is the dynamic entry used, or -1. */
  private resolve(rep: FieldLineRep, base: number, ric: number): { field: Field; abs: number } {
    switch (rep.type) {
      case 'indexed': {
        if (rep.isStatic) {
          const e = staticEntry(rep.index);
          if (e === undefined) throw new CodecError(`invalid static index ${rep.index}`);
          return { field: { name: e[0], value: e[1] }, abs: -1 };
        }
        const abs = base - rep.index - 1;
        const e = this.dynamic(abs, ric);
        return { field: { name: e.name, value: e.value }, abs };
      }
      case 'indexed_post_base': {
        const abs = base + rep.index;
        const e = this.dynamic(abs, ric);
        return { field: { name: e.name, value: e.value }, abs };
      }
      case 'literal_name_ref': {
        if (rep.isStatic) {
          const e = staticEntry(rep.nameIndex);
          if (e === undefined) throw new CodecError(`invalid static index ${rep.nameIndex}`);
          return { field: this.literal(e[0], rep.value, rep.neverIndex), abs: -1 };
        }
        const abs = base - rep.nameIndex - 1;
        return { field: this.literal(this.dynamic(abs, ric).name, rep.value, rep.neverIndex), abs };
      }
      case 'literal_post_base_name_ref': {
        const abs = base + rep.nameIndex;
        return { field: this.literal(this.dynamic(abs, ric).name, rep.value, rep.neverIndex), abs };
      }
      case 'literal':
        return { field: this.literal(rep.name, rep.value, rep.neverIndex), abs: -1 };
    }
  }

  private literal(name: string, value: string, neverIndex: boolean): Field {
    return neverIndex ? { name, value, neverIndex: true } : { name, value };
  }

  /**
   * RFC 9204 §2.2.3: "If the decoder encounters a reference in a field line representation to a
   * dynamic table entry that has already been evicted or that has an absolute index greater than
   * or equal to the declared Required Insert Count ..., it MUST treat this as a connection error
   * of type QPACK_DECOMPRESSION_FAILED."
   */
  private dynamic(abs: number, ric: number): { name: string; value: string } {
    if (abs < 0 || abs >= ric) throw new CodecError(`dynamic reference ${abs} outside Required Insert Count ${ric}`);
    const e = this.table.get(abs);
    if (e === undefined) throw new CodecError(`dynamic reference ${abs} to an evicted entry`);
    return e;
  }
}
