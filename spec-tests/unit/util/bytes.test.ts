import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesEqual, concatByteList, concatBytes, fromHex, Reader, toHex, Writer } from '../../../src/util/bytes.js';
import { CodecError } from '../../../src/util/errors.js';

type Op =
  | { kind: 'u8'; v: number }
  | { kind: 'u16'; v: number }
  | { kind: 'u24'; v: number }
  | { kind: 'u32'; v: number }
  | { kind: 'varint'; v: number }
  | { kind: 'vec8'; v: Uint8Array }
  | { kind: 'vec16'; v: Uint8Array }
  | { kind: 'varintBytes'; v: Uint8Array };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.integer({ min: 0, max: 0xff }).map((v) => ({ kind: 'u8' as const, v })),
  fc.integer({ min: 0, max: 0xffff }).map((v) => ({ kind: 'u16' as const, v })),
  fc.integer({ min: 0, max: 0xff_ffff }).map((v) => ({ kind: 'u24' as const, v })),
  fc.integer({ min: 0, max: 0xffff_ffff }).map((v) => ({ kind: 'u32' as const, v })),
  fc.maxSafeNat().map((v) => ({ kind: 'varint' as const, v })),
  fc.uint8Array({ maxLength: 40 }).map((v) => ({ kind: 'vec8' as const, v })),
  fc.uint8Array({ maxLength: 40 }).map((v) => ({ kind: 'vec16' as const, v })),
  fc.uint8Array({ maxLength: 40 }).map((v) => ({ kind: 'varintBytes' as const, v })),
);

function write(w: Writer, o: Op): void {
  switch (o.kind) {
    case 'u8':
      w.u8(o.v);
      return;
    case 'u16':
      w.u16(o.v);
      return;
    case 'u24':
      w.u24(o.v);
      return;
    case 'u32':
      w.u32(o.v);
      return;
    case 'varint':
      w.varint(o.v);
      return;
    case 'vec8':
      w.vec8(o.v);
      return;
    case 'vec16':
      w.vec16(o.v);
      return;
    case 'varintBytes':
      w.varintBytes(o.v);
      return;
  }
}

function read(r: Reader, o: Op): number | Uint8Array {
  switch (o.kind) {
    case 'u8':
      return r.u8();
    case 'u16':
      return r.u16();
    case 'u24':
      return r.u24();
    case 'u32':
      return r.u32();
    case 'varint':
      return r.varint();
    case 'vec8':
      return r.vec8();
    case 'vec16':
      return r.vec16();
    case 'varintBytes':
      return r.varintBytes();
  }
}

describe('DESIGN §4: bounds-checked Reader and Writer', () => {
  it('DESIGN §4: any sequence of writes reads back identically and leaves the reader empty', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), (ops) => {
        const w = Writer.alloc(2048);
        for (const o of ops) write(w, o);
        const r = new Reader(w.written());
        for (const o of ops) expect(read(r, o)).toEqual(o.v);
        expect(r.isEmpty).toBe(true);
        r.expectEnd();
      }),
    );
  });

  it('DESIGN §4: reading past the end of any truncation throws CodecError, never RangeError', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 8 }), (ops) => {
        const w = Writer.alloc(2048);
        for (const o of ops) write(w, o);
        const all = w.written();
        for (let cut = 0; cut < all.length; cut++) {
          const r = new Reader(all.subarray(0, cut));
          expect(() => {
            for (const o of ops) read(r, o);
          }).toThrow(CodecError);
        }
      }),
    );
  });

  it('DESIGN §4: the Writer refuses to write past its end with CodecError and writes nothing there', () => {
    const buf = new Uint8Array(6).fill(0xaa);
    const w = new Writer(buf, 1, 4);
    w.u16(0x0102);
    expect(() => w.u16(0x0304)).toThrow(CodecError);
    expect(() => w.bytes(new Uint8Array(2))).toThrow(CodecError);
    expect(() => w.vec8(new Uint8Array(256))).toThrow(CodecError);
    expect(toHex(buf)).toBe('aa0102aaaaaa');
    expect(w.remaining).toBe(1);
  });

  it('DESIGN §4: Reader.bytes returns a view, not a copy', () => {
    const buf = fromHex('00010203');
    const view = new Reader(buf).bytes(4);
    buf[2] = 0xff;
    expect(view[2]).toBe(0xff);
  });

  it('DESIGN §4: sub-readers stay inside their window', () => {
    const r = new Reader(fromHex('0203aabbcc'));
    const sub = r.sub(r.u8());
    expect(toHex(sub.rest())).toBe('03aa');
    expect(() => sub.u8()).toThrow(CodecError);
    expect(r.u16()).toBe(0xbbcc);
    expect(() => new Reader(fromHex('05aa')).sub(5)).toThrow(CodecError);
    expect(() => new Reader(fromHex('aa')).bytes(-1)).toThrow(CodecError);
  });

  it('DESIGN §4: expectEnd rejects trailing bytes and varintBytes rejects a length past the end', () => {
    const r = new Reader(fromHex('0102'));
    r.u8();
    expect(() => r.expectEnd()).toThrow(CodecError);
    expect(() => new Reader(fromHex('05aabb')).varintBytes()).toThrow(CodecError);
  });

  it('DESIGN §4: hex helpers round-trip and refuse malformed hex', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => bytesEqual(fromHex(toHex(b)), b)));
    expect(toHex(fromHex('de ad\nbe ef'))).toBe('deadbeef');
    expect(() => fromHex('abc')).toThrow(CodecError);
    expect(() => fromHex('zz')).toThrow(CodecError);
    expect(toHex(concatBytes(fromHex('01'), fromHex(''), fromHex('0203')))).toBe('010203');
    expect(bytesEqual(fromHex('01'), fromHex('0102'))).toBe(false);
  });

  it('DESIGN §4: concatByteList joins any number of parts (200,000 here: more than a call can take as spread arguments)', () => {
    const parts = Array.from({ length: 200_000 }, (_, i) => new Uint8Array([i & 0xff]));
    const joined = concatByteList(parts);
    expect(joined.length).toBe(200_000);
    expect(joined[0]).toBe(0);
    expect(joined[199_999]).toBe(199_999 & 0xff);
    expect(toHex(concatByteList([fromHex('01'), fromHex(''), fromHex('0203')]))).toBe('010203');
  });
});
