/**
 * Bounds-checked byte Reader and Writer over `Uint8Array` (DESIGN §4).
 *
 * Every codec in src/wire, src/tls and src/h3 reads through a `Reader` and writes through a
 * `Writer`, so every bounds check lives here and every failure is a `CodecError`.
 *
 * Ownership (docs/adr/0003-bytes-ownership.md): `Reader.bytes(n)` returns a *view* into the
 * input (no copy); a caller that keeps it past the datagram's lifetime copies it with
 * `Uint8Array.prototype.slice`. A `Writer` writes into a caller-provided buffer and never grows.
 */
import { CodecError } from './errors.js';
import { decodeVarintAt, varintLengthOf, varintSize, writeVarint, writeVarintWithLength } from './varint.js';

/** A cursor over a byte array; every read checks bounds and throws `CodecError` past the end. */
export class Reader {
  /** Absolute offset of the next byte to read in `buf`. */
  offset: number;
  /** Absolute offset one past the last readable byte. */
  readonly end: number;

  /**
   * @param buf the bytes to read; not copied.
   * @param offset where to start (default 0).
   * @param end where to stop (default `buf.length`).
   */
  /** The underlying bytes (not copied). */
  readonly buf: Uint8Array;

  constructor(buf: Uint8Array, offset = 0, end = buf.length) {
    this.buf = buf;
    if (offset < 0 || end > buf.length || offset > end) throw new CodecError('reader window out of range', offset);
    this.offset = offset;
    this.end = end;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.offset;
  }

  /** True when every byte has been read. */
  get isEmpty(): boolean {
    return this.offset >= this.end;
  }

  private need(n: number, what: string): number {
    const at = this.offset;
    if (n > this.end - at) throw new CodecError(`truncated ${what}: need ${n} bytes, have ${this.end - at}`, at);
    this.offset = at + n;
    return at;
  }

  /** Reads one byte. */
  u8(): number {
    return this.buf[this.need(1, 'u8')]!;
  }

  /** Returns the next byte without consuming it. */
  peekU8(): number {
    if (this.offset >= this.end) throw new CodecError('truncated u8', this.offset);
    return this.buf[this.offset]!;
  }

  /** Reads a big-endian 16-bit integer. */
  u16(): number {
    const at = this.need(2, 'u16');
    return (this.buf[at]! << 8) | this.buf[at + 1]!;
  }

  /** Reads a big-endian 24-bit integer. */
  u24(): number {
    const at = this.need(3, 'u24');
    return (this.buf[at]! << 16) | (this.buf[at + 1]! << 8) | this.buf[at + 2]!;
  }

  /** Reads a big-endian 32-bit integer. */
  u32(): number {
    const at = this.need(4, 'u32');
    return ((this.buf[at]! << 24) | (this.buf[at + 1]! << 16) | (this.buf[at + 2]! << 8) | this.buf[at + 3]!) >>> 0;
  }

  /** Reads a QUIC varint (RFC 9000 §16); values above 2^53 - 1 saturate. */
  varint(): number {
    const value = decodeVarintAt(this.buf, this.offset, this.end);
    this.offset += varintLengthOf(this.buf[this.offset]!);
    return value;
  }

  /** Reads a varint and checks it is at most `max` (for lengths and counts). */
  varintAtMost(max: number, what: string): number {
    const at = this.offset;
    const value = this.varint();
    if (value > max) throw new CodecError(`${what} ${value} exceeds ${max}`, at);
    return value;
  }

  /** Returns a view of the next `n` bytes (no copy). */
  bytes(n: number): Uint8Array {
    if (!Number.isInteger(n) || n < 0) throw new CodecError(`bad length ${n}`, this.offset);
    const at = this.need(n, 'bytes');
    return this.buf.subarray(at, at + n);
  }

  /** Returns a view of every byte left (no copy) and consumes them. */
  rest(): Uint8Array {
    const at = this.offset;
    this.offset = this.end;
    return this.buf.subarray(at, this.end);
  }

  /** Skips `n` bytes. */
  skip(n: number): void {
    this.need(n, 'bytes');
  }

  /** Consumes the next `n` bytes and returns a Reader limited to them (for length-prefixed parts). */
  sub(n: number): Reader {
    if (!Number.isInteger(n) || n < 0) throw new CodecError(`bad length ${n}`, this.offset);
    const at = this.need(n, 'sub-structure');
    return new Reader(this.buf, at, at + n);
  }

  /** Reads a u8 length followed by that many bytes (TLS `opaque x<0..255>`). */
  vec8(): Uint8Array {
    return this.bytes(this.u8());
  }

  /** Reads a u16 length followed by that many bytes (TLS `opaque x<0..2^16-1>`). */
  vec16(): Uint8Array {
    return this.bytes(this.u16());
  }

  /** Reads a varint length followed by that many bytes. */
  varintBytes(): Uint8Array {
    return this.bytes(this.varintAtMost(this.remaining, 'length'));
  }

  /** Throws `CodecError` unless every byte has been consumed. */
  expectEnd(what = 'structure'): void {
    if (this.offset !== this.end) throw new CodecError(`${this.end - this.offset} trailing bytes after ${what}`, this.offset);
  }
}

/** A cursor writing into a caller-provided buffer; it never grows and throws `CodecError` when full. */
export class Writer {
  /** Absolute offset of the next byte to write. */
  offset: number;
  /** Absolute offset one past the last writable byte. */
  readonly end: number;

  /**
   * @param buf where to write; owned by the caller.
   * @param offset where to start (default 0).
   * @param end where to stop (default `buf.length`).
   */
  /** The underlying bytes (not copied). */
  readonly buf: Uint8Array;

  constructor(buf: Uint8Array, offset = 0, end = buf.length) {
    this.buf = buf;
    if (offset < 0 || end > buf.length || offset > end) throw new CodecError('writer window out of range', offset);
    this.offset = offset;
    this.end = end;
  }

  /** Allocates a fresh buffer of `size` bytes and a Writer over it. */
  static alloc(size: number): Writer {
    return new Writer(new Uint8Array(size));
  }

  /** Bytes of room left. */
  get remaining(): number {
    return this.end - this.offset;
  }

  private room(n: number, what: string): number {
    const at = this.offset;
    if (n > this.end - at) throw new CodecError(`no room for ${what}: need ${n} bytes, have ${this.end - at}`, at);
    this.offset = at + n;
    return at;
  }

  /** Writes one byte. */
  u8(value: number): this {
    this.buf[this.room(1, 'u8')] = value;
    return this;
  }

  /** Writes a big-endian 16-bit integer. */
  u16(value: number): this {
    const at = this.room(2, 'u16');
    this.buf[at] = value >>> 8;
    this.buf[at + 1] = value;
    return this;
  }

  /** Writes a big-endian 24-bit integer. */
  u24(value: number): this {
    const at = this.room(3, 'u24');
    this.buf[at] = value >>> 16;
    this.buf[at + 1] = value >>> 8;
    this.buf[at + 2] = value;
    return this;
  }

  /** Writes a big-endian 32-bit integer. */
  u32(value: number): this {
    const at = this.room(4, 'u32');
    this.buf[at] = value >>> 24;
    this.buf[at + 1] = value >>> 16;
    this.buf[at + 2] = value >>> 8;
    this.buf[at + 3] = value;
    return this;
  }

  /** Writes a minimal varint (RFC 9000 §16). */
  varint(value: number): this {
    this.offset = writeVarint(this.buf, this.offset, value, this.end);
    return this;
  }

  /** Writes a varint on exactly `length` bytes (for length fields reserved before their content). */
  varintWithLength(value: number, length: 1 | 2 | 4 | 8): this {
    this.offset = writeVarintWithLength(this.buf, this.offset, value, length, this.end);
    return this;
  }

  /** Copies `bytes` in. */
  bytes(bytes: Uint8Array): this {
    this.buf.set(bytes, this.room(bytes.length, 'bytes'));
    return this;
  }

  /** Writes `n` zero bytes (PADDING, reserved space). */
  zeros(n: number): this {
    const at = this.room(n, 'zeros');
    this.buf.fill(0, at, at + n);
    return this;
  }

  /** Writes a u8 length then the bytes. */
  vec8(bytes: Uint8Array): this {
    if (bytes.length > 0xff) throw new CodecError(`vector of ${bytes.length} bytes exceeds 255`, this.offset);
    return this.u8(bytes.length).bytes(bytes);
  }

  /** Writes a u16 length then the bytes. */
  vec16(bytes: Uint8Array): this {
    if (bytes.length > 0xffff) throw new CodecError(`vector of ${bytes.length} bytes exceeds 65535`, this.offset);
    return this.u16(bytes.length).bytes(bytes);
  }

  /** Writes a varint length then the bytes. */
  varintBytes(bytes: Uint8Array): this {
    return this.varint(bytes.length).bytes(bytes);
  }

  /** A view of what has been written from `start` (default 0) to the current offset. */
  written(start = 0): Uint8Array {
    return this.buf.subarray(start, this.offset);
  }
}

/** Size of a varint length prefix plus the bytes it prefixes. */
export function sizeOfVarintBytes(length: number): number {
  return varintSize(length) + length;
}

/** Lower-case hex of `bytes` (tests, key logs, qlog). */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += bytes[i]!.toString(16).padStart(2, '0');
  return out;
}

/**
 * Parses hex, ignoring whitespace (so RFC vectors can be pasted as they are printed).
 * @throws CodecError on an odd number of digits or a non-hex character.
 */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new CodecError('malformed hex');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Equality in time independent of where the arrays differ (for tokens, Finished values, binders
 * and tags compared against secret-derived bytes). Lengths are not secret.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Concatenates byte arrays into a new one. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return concatByteList(parts);
}

/** Concatenates a list of byte arrays into a new one (no argument spreading: any list length). */
export function concatByteList(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
