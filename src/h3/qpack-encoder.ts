/**
 * The QPACK encoder (sans-IO): turns header lists into encoded field sections, optionally
 * inserting into the dynamic table via encoder-stream instructions, and processes the peer's
 * decoder-stream instructions.
 *
 * Implements:
 * - RFC 9204 §2.1: encoding; §2.1.1 "the encoder MUST NOT insert that entry" when the entries it
 *   would evict are not evictable (evictable = insertion acknowledged and no outstanding
 *   references); §2.1.1.1 draining entries are not referenced; §2.1.2 "An encoder MUST limit the
 *   number of streams that could become blocked to the value of SETTINGS_QPACK_BLOCKED_STREAMS at
 *   all times"; §2.1.4 the Known Received Count.
 * - RFC 9204 §3.2.3: the table capacity never exceeds the peer's SETTINGS_QPACK_MAX_TABLE_CAPACITY.
 * - RFC 9204 §4.3 (instructions sent), §4.4 (decoder instructions received, errors are
 *   QPACK_DECODER_STREAM_ERROR), §4.5 (representations).
 * - RFC 9204 §7.1.3: fields marked `neverIndex` are never inserted and use the N bit.
 *
 * Policy (conservative): until `applyPeerSettings` runs, or if either side's capacity is 0, only
 * the static table and literals are used. With a table, a field is inserted only if the insertion
 * evicts nothing that is still needed and the section may block (within the peer's
 * blocked-streams budget); otherwise acknowledged entries are still referenced.
 */
import { concatBytes, Reader, Writer } from '../util/bytes.js';
import { CodecError } from '../util/errors.js';
import { H3ErrorCode, QpackError } from './errors.js';
import type { Field } from './qpack-decoder.js';
import { DynamicTable, entrySize } from './qpack-dynamic-table.js';
import { encodeFieldSectionBytes, encodeRequiredInsertCount, prefixFor, type FieldLineRep } from './qpack-field-lines.js';
import { decodeDecoderInstruction, encodeEncoderInstruction, sizeOfEncoderInstruction, type DecoderInstruction, type EncoderInstruction } from './qpack-instructions.js';
import { QpackTruncatedError, type HuffmanPolicy } from './qpack-integer.js';
import { findStatic } from './qpack-static-table.js';

/** Encoder configuration. */
export interface QpackEncoderOptions {
  /** Our own cap on the dynamic table we build (default 4096; 0 disables the dynamic table). */
  readonly maxTableCapacity?: number;
  /** Huffman policy for literals (default `auto`: whichever is shorter). */
  readonly huffman?: HuffmanPolicy;
  /** Fraction of the capacity kept reclaimable by not referencing the oldest entries (default 0.25). */
  readonly drainingFraction?: number;
  /** Most bytes of an incomplete decoder instruction buffered (default 64). */
  readonly maxDecoderStreamBuffer?: number;
}

/** The peer's QPACK settings (RFC 9204 §5). */
export interface QpackPeerSettings {
  /** SETTINGS_QPACK_MAX_TABLE_CAPACITY (0x01). */
  readonly maxTableCapacity: number;
  /** SETTINGS_QPACK_BLOCKED_STREAMS (0x07). */
  readonly blockedStreams: number;
}

interface Section {
  readonly ric: number;
  readonly refs: number[];
}

const EMPTY = new Uint8Array(0);

/** The QPACK encoder of one HTTP/3 connection. */
export class QpackEncoder {
  private table = new DynamicTable(0);
  private readonly localMax: number;
  private readonly huffman: HuffmanPolicy;
  private readonly draining: number;
  private readonly maxDecoderBuffer: number;
  private peer: QpackPeerSettings = { maxTableCapacity: 0, blockedStreams: 0 };
  private settingsApplied = false;
  private knownReceivedCount = 0;
  private readonly outstanding = new Map<number, Section[]>();
  private readonly refCounts = new Map<number, number>();
  private instructions: EncoderInstruction[] = [];
  private decoderBuffer: Uint8Array = EMPTY;

  /** @param opts encoder configuration. */
  constructor(opts: QpackEncoderOptions = {}) {
    this.localMax = opts.maxTableCapacity ?? 4096;
    this.huffman = opts.huffman ?? 'auto';
    this.draining = opts.drainingFraction ?? 0.25;
    this.maxDecoderBuffer = opts.maxDecoderStreamBuffer ?? 64;
  }

  /** The encoder's view of the dynamic table (for tests and diagnostics). */
  get dynamicTable(): DynamicTable {
    return this.table;
  }

  /** The Known Received Count (RFC 9204 §2.1.4). */
  get knownReceived(): number {
    return this.knownReceivedCount;
  }

  /** Streams that could currently be blocked at the decoder (RFC 9204 §2.1.2). */
  get blockedStreamCount(): number {
    let n = 0;
    for (const sections of this.outstanding.values()) if (sections.some((s) => s.ric > this.knownReceivedCount)) n++;
    return n;
  }

  /**
   * Applies the peer's SETTINGS (once). If both sides allow a dynamic table, sets its capacity to
   * min(our cap, the peer's SETTINGS_QPACK_MAX_TABLE_CAPACITY) with a Set Dynamic Table Capacity
   * instruction (RFC 9204 §4.3.1).
   */
  applyPeerSettings(settings: QpackPeerSettings): void {
    if (this.settingsApplied) return;
    this.settingsApplied = true;
    this.peer = settings;
    this.table = new DynamicTable(settings.maxTableCapacity);
    const capacity = Math.min(this.localMax, settings.maxTableCapacity);
    if (capacity > 0) {
      this.instructions.push({ type: 'set_capacity', capacity });
      this.table.setCapacity(capacity);
    }
  }

  /** Bytes to send on our QPACK encoder stream (instructions produced so far). */
  takeEncoderStream(): Uint8Array {
    if (this.instructions.length === 0) return EMPTY;
    let size = 0;
    for (const ins of this.instructions) size += sizeOfEncoderInstruction(ins, this.huffman);
    const w = Writer.alloc(size);
    for (const ins of this.instructions) encodeEncoderInstruction(w, ins, this.huffman);
    this.instructions = [];
    return w.written();
  }

  /**
   * Encodes a header list sent on `streamId` into an encoded field section (RFC 9204 §4.5).
   * Encoder-stream instructions it needs are queued for `takeEncoderStream`, which the caller must
   * send no later than the section.
   * @throws CodecError if a name or value has a code unit above 0xff.
   */
  encodeFieldSection(streamId: number, fields: readonly Field[]): Uint8Array {
    const t = this.table;
    const base = t.insertCount;
    const lines: FieldLineRep[] = [];
    const refs = new Set<number>();
    const streamMayBlock = (this.outstanding.get(streamId) ?? []).some((s) => s.ric > this.knownReceivedCount);
    const canBlock = streamMayBlock || this.blockedStreamCount < this.peer.blockedStreams;
    const reserve = t.capacity * this.draining;
    const referenceable = (abs: number | undefined): abs is number =>
      abs !== undefined && t.get(abs) !== undefined && !t.isDraining(abs, reserve) && (abs < this.knownReceivedCount || canBlock);
    const dyn = (abs: number, name: 'indexed' | 'name', f?: Field): FieldLineRep => {
      refs.add(abs);
      if (name === 'indexed') return abs < base ? { type: 'indexed', isStatic: false, index: base - abs - 1 } : { type: 'indexed_post_base', index: abs - base };
      const neverIndex = f!.neverIndex === true;
      return abs < base
        ? { type: 'literal_name_ref', neverIndex, isStatic: false, nameIndex: base - abs - 1, value: f!.value }
        : { type: 'literal_post_base_name_ref', neverIndex, nameIndex: abs - base, value: f!.value };
    };

    for (const f of fields) {
      const st = findStatic(f.name, f.value);
      if (st.exact !== undefined) {
        lines.push({ type: 'indexed', isStatic: true, index: st.exact });
        continue;
      }
      const neverIndex = f.neverIndex === true;
      if (t.capacity > 0 && !neverIndex) {
        const exact = t.findExact(f.name, f.value);
        if (referenceable(exact)) {
          lines.push(dyn(exact, 'indexed'));
          continue;
        }
        if (canBlock && this.tryInsert(f, exact, refs, st.name)) {
          lines.push(dyn(t.insertCount - 1, 'indexed'));
          continue;
        }
      }
      if (st.name !== undefined) {
        lines.push({ type: 'literal_name_ref', neverIndex, isStatic: true, nameIndex: st.name, value: f.value });
        continue;
      }
      const byName = t.capacity > 0 ? t.findName(f.name) : undefined;
      if (referenceable(byName)) {
        lines.push(dyn(byName, 'name', f));
        continue;
      }
      lines.push({ type: 'literal', neverIndex, name: f.name, value: f.value });
    }

    let ric = 0;
    for (const abs of refs) if (abs + 1 > ric) ric = abs + 1;
    const prefix = ric === 0
      ? { encodedInsertCount: 0, negative: false, deltaBase: 0 }
      : prefixFor(encodeRequiredInsertCount(ric, this.peer.maxTableCapacity), ric, base);
    if (ric > 0) {
      const list = this.outstanding.get(streamId) ?? [];
      list.push({ ric, refs: [...refs] });
      this.outstanding.set(streamId, list);
      for (const abs of refs) this.refCounts.set(abs, (this.refCounts.get(abs) ?? 0) + 1);
    }
    return encodeFieldSectionBytes(prefix, lines, this.huffman);
  }

  /**
   * Speculatively inserts a field without referencing it (RFC 9204 Appendix B.3), if the table is
   * in use and the insertion is allowed (RFC 9204 §2.1.1). Returns whether it was inserted.
   */
  insertSpeculative(field: Field): boolean {
    if (this.table.capacity === 0 || field.neverIndex === true) return false;
    const st = findStatic(field.name, field.value);
    return this.tryInsert(field, this.table.findExact(field.name, field.value), new Set(), st.name);
  }

  /**
   * Inserts `f` if allowed (RFC 9204 §2.1.1): it must fit in the table, take at most 3/4 of it,
   * and evict only evictable entries (acknowledged, unreferenced, not used by this section).
   */
  private tryInsert(f: Field, exact: number | undefined, refs: Set<number>, staticName: number | undefined): boolean {
    const t = this.table;
    const size = entrySize(f.name, f.value);
    if (size > (t.capacity * 3) / 4) return false;
    const evictions = t.evictionsFor(size);
    if (evictions === undefined) return false;
    for (let abs = t.firstIndex; abs < t.firstIndex + evictions; abs++) {
      // RFC 9204 §2.1.1: "the encoder MUST NOT insert that entry into the dynamic table".
      if (abs >= this.knownReceivedCount || (this.refCounts.get(abs) ?? 0) > 0 || refs.has(abs)) return false;
    }
    let ins: EncoderInstruction;
    const byName = t.findName(f.name);
    if (exact !== undefined) ins = { type: 'duplicate', index: t.insertCount - exact - 1 };
    else if (staticName !== undefined) ins = { type: 'insert_name_ref', isStatic: true, nameIndex: staticName, value: f.value };
    else if (byName !== undefined) ins = { type: 'insert_name_ref', isStatic: false, nameIndex: t.insertCount - byName - 1, value: f.value };
    else ins = { type: 'insert_literal', name: f.name, value: f.value };
    this.instructions.push(ins);
    t.insert(f.name, f.value);
    return true;
  }

  /**
   * Processes bytes received on the peer's QPACK decoder stream (RFC 9204 §4.4).
   * @throws QpackError QPACK_DECODER_STREAM_ERROR on a malformed or invalid instruction.
   */
  handleDecoderStream(bytes: Uint8Array): void {
    const buf = this.decoderBuffer.length === 0 ? bytes : concatBytes(this.decoderBuffer, bytes);
    const r = new Reader(buf);
    for (;;) {
      const start = r.offset;
      if (r.isEmpty) break;
      let ins: DecoderInstruction;
      try {
        ins = decodeDecoderInstruction(r);
      } catch (err) {
        if (err instanceof QpackTruncatedError) {
          r.offset = start;
          break;
        }
        if (err instanceof CodecError) throw new QpackError(H3ErrorCode.QPACK_DECODER_STREAM_ERROR, err.message);
        throw err;
      }
      this.apply(ins);
    }
    if (r.remaining > this.maxDecoderBuffer) throw new QpackError(H3ErrorCode.QPACK_DECODER_STREAM_ERROR, 'over-long decoder instruction');
    this.decoderBuffer = r.remaining === 0 ? EMPTY : r.rest().slice();
  }

  private apply(ins: DecoderInstruction): void {
    const fail = (reason: string): never => {
      throw new QpackError(H3ErrorCode.QPACK_DECODER_STREAM_ERROR, reason);
    };
    switch (ins.type) {
      case 'section_ack': {
        const list = this.outstanding.get(ins.streamId);
        const section = list?.shift();
        // RFC 9204 §4.4.1: "If an encoder receives a Section Acknowledgment instruction referring
        // to a stream on which every encoded field section with a non-zero Required Insert Count
        // has already been acknowledged, this MUST be treated as a connection error of type
        // QPACK_DECODER_STREAM_ERROR."
        if (section === undefined) return fail(`Section Acknowledgment for stream ${ins.streamId} with nothing outstanding`);
        if (list!.length === 0) this.outstanding.delete(ins.streamId);
        this.release(section);
        if (section.ric > this.knownReceivedCount) this.knownReceivedCount = section.ric;
        return;
      }
      case 'stream_cancel': {
        for (const s of this.outstanding.get(ins.streamId) ?? []) this.release(s);
        this.outstanding.delete(ins.streamId);
        return;
      }
      case 'insert_count_increment':
        // RFC 9204 §4.4.3: "An encoder that receives an Increment field equal to zero, or one that
        // increases the Known Received Count beyond what the encoder has sent, MUST treat this as
        // a connection error of type QPACK_DECODER_STREAM_ERROR."
        if (ins.increment === 0) return fail('Insert Count Increment of 0');
        if (this.knownReceivedCount + ins.increment > this.table.insertCount) return fail('Insert Count Increment beyond the insert count');
        this.knownReceivedCount += ins.increment;
        return;
    }
  }

  private release(section: Section): void {
    for (const abs of section.refs) {
      const n = (this.refCounts.get(abs) ?? 1) - 1;
      if (n <= 0) this.refCounts.delete(abs);
      else this.refCounts.set(abs, n);
    }
  }
}
