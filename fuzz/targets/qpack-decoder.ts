/**
 * Fuzz target for the QPACK decoder (RFC 9204 §3-§4): a decoder whose dynamic table already holds
 * entries (from a fixed encoder-stream prelude) receives fuzzed encoder-stream bytes, then a fuzzed
 * field section on stream 0 (and the same bytes, cancelled, on stream 4); an encoder with
 * outstanding sections receives fuzzed decoder-stream instructions. Decoded fields are re-encoded
 * and decoded again by fresh codecs and must come back equal.
 *
 * Input layout: u16 length L1, L1 bytes of encoder stream, u16 length L2, L2 bytes of decoder
 * stream, then the field section (a missing part is empty).
 * QpackError / H3Error are the typed protocol errors; they are reported to the runner as
 * CodecError (the runner accepts only CodecError). Anything else is a bug.
 */
import { Reader, Writer, concatBytes } from '../../src/util/bytes.js';
import { CodecError } from '../../src/util/errors.js';
import { H3Error } from '../../src/h3/errors.js';
import { QpackDecoder, type Field } from '../../src/h3/qpack-decoder.js';
import { QpackEncoder } from '../../src/h3/qpack-encoder.js';
import type { FuzzTarget } from '../target.js';

const PEER = { maxTableCapacity: 4096, blockedStreams: 4 };
const PRELUDE_FIELDS: Field[] = [
  { name: ':authority', value: 'www.example.com' },
  { name: ':path', value: '/sample/path' },
  { name: 'custom-key', value: 'custom-value' },
  { name: 'user-agent', value: 'fuzz/1.0' },
  { name: 'x-bin', value: '\x00\x7f\x80\xff' },
];

/** A deterministic encoder that has inserted the prelude fields (same state every time). */
function preludeEncoder(huffman: 'auto' | 'never' = 'auto'): { enc: QpackEncoder; prelude: Uint8Array } {
  const enc = new QpackEncoder({ huffman });
  enc.applyPeerSettings(PEER);
  for (const f of PRELUDE_FIELDS) enc.insertSpeculative(f);
  return { enc, prelude: enc.takeEncoderStream() };
}

const PRELUDE = preludeEncoder().prelude;

function newDecoder(): QpackDecoder {
  const d = new QpackDecoder({ maxTableCapacity: PEER.maxTableCapacity, maxBlockedStreams: PEER.blockedStreams, maxFieldSectionSize: 1 << 16 });
  d.handleEncoderStream(PRELUDE);
  return d;
}

function plain(fields: readonly Field[]): string {
  return JSON.stringify(fields.map((f) => [f.name, f.value]));
}

function check(fields: Field[]): void {
  const enc = new QpackEncoder();
  const section = enc.encodeFieldSection(0, fields);
  const again = new QpackDecoder().decodeFieldSection(0, section);
  if (again.kind !== 'done' || plain(again.fields) !== plain(fields)) throw new Error('decoded fields do not re-encode to the same list');
}

function body(input: Uint8Array): void {
  const r = new Reader(input);
  const part = () => (r.remaining < 2 ? new Uint8Array(0) : r.bytes(Math.min(r.u16(), r.remaining)));
  const encoderStream = part();
  const decoderStream = part();
  const section = r.rest();
  const d = newDecoder();
  d.handleEncoderStream(encoderStream);
  const res = d.decodeFieldSection(0, section);
  if (res.kind === 'done') check(res.fields);
  if (d.decodeFieldSection(4, section).kind === 'blocked') d.cancelStream(4);
  for (const u of d.takeUnblocked()) if ('fields' in u) check(u.fields);
  d.takeDecoderStream();
  // Decoder-stream instructions, against an encoder with outstanding sections on streams 0 and 4.
  const { enc } = preludeEncoder();
  enc.encodeFieldSection(0, PRELUDE_FIELDS.slice(0, 2));
  enc.encodeFieldSection(4, PRELUDE_FIELDS.slice(2));
  enc.handleDecoderStream(decoderStream);
}

/** Frames a seed: encoder stream, decoder stream (each u16-length-prefixed), field section. */
function seed(encoderStream: Uint8Array, section: Uint8Array, decoderStream = new Uint8Array(0)): Uint8Array {
  const w = Writer.alloc(4 + encoderStream.length + decoderStream.length);
  w.u16(encoderStream.length).bytes(encoderStream).u16(decoderStream.length).bytes(decoderStream);
  return concatBytes(w.written(), section);
}

export const target: FuzzTarget = {
  name: 'qpack-decoder',

  run(input: Uint8Array): void {
    try {
      body(input);
    } catch (err) {
      if (err instanceof H3Error) throw new CodecError(err.message);
      throw err;
    }
  },

  seeds(): Uint8Array[] {
    const lists: Field[][] = [
      [{ name: ':method', value: 'GET' }, { name: ':path', value: '/index.html' }],
      [{ name: ':authority', value: 'www.example.com' }, { name: ':path', value: '/sample/path' }],
      [{ name: 'custom-key', value: 'custom-value' }, { name: 'custom-key', value: 'custom-value2' }],
      [{ name: 'x-new', value: 'inserted' }, { name: 'x-new', value: 'inserted' }],
      [{ name: 'authorization', value: 'secret', neverIndex: true }],
      [{ name: 'user-agent', value: 'fuzz/1.0' }, { name: 'x-bin', value: '\x00\x7f\x80\xff' }, { name: 'x-bin', value: 'other' }],
      [{ name: ':status', value: '200' }, { name: 'content-type', value: 'text/html; charset=utf-8' }, { name: 'x-long', value: 'v'.repeat(200) }],
      [],
    ];
    const seeds: Uint8Array[] = [];
    for (const huffman of ['auto', 'never'] as const) {
      for (const fields of lists) {
        // The table state does not depend on the Huffman policy, only the bytes do.
        const { enc } = preludeEncoder(huffman);
        const section = enc.encodeFieldSection(0, fields);
        seeds.push(seed(enc.takeEncoderStream(), section));
      }
    }
    // Raw RFC 9204 Appendix B sections against the prelude table (B.2; B.4 blocked, with a
    // Duplicate), and decoder-stream instructions (Section Acknowledgment, Stream Cancellation,
    // Insert Count Increment).
    const none = new Uint8Array(0);
    seeds.push(seed(none, Uint8Array.of(0x03, 0x81, 0x10, 0x11)));
    seeds.push(seed(Uint8Array.of(0x02), Uint8Array.of(0x08, 0x00, 0x80, 0xc1, 0x81)));
    seeds.push(seed(none, Uint8Array.of(0x00, 0x00, 0xd1), Uint8Array.of(0x80, 0x84)));
    seeds.push(seed(none, Uint8Array.of(0x00, 0x00), Uint8Array.of(0x80, 0x44, 0x01)));
    seeds.push(seed(Uint8Array.of(0x3f, 0xe1, 0x1f), Uint8Array.of(0x00, 0x00), Uint8Array.of(0x03)));
    return seeds;
  },
};
