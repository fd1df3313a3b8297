import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Reader, Writer } from '../../../src/util/bytes.js';
import { CodecError } from '../../../src/util/errors.js';
import { H3ErrorCode } from '../../../src/h3/errors.js';
import { SessionTable, decodeHttpDatagram, encodeHttpDatagram, httpDatagramToBytes, sizeOfHttpDatagram } from '../../../src/webtransport/session-table.js';

const arbDatagram = fc.record({ sessionId: fc.integer({ min: 0, max: 2 ** 40 }).map((q) => q * 4), payload: fc.uint8Array({ maxLength: 64 }) });

describe('RFC 9297 §2.1: HTTP/3 datagrams (quarter stream ID + payload)', () => {
  it('RFC 9297 §2.1: HTTP datagram round-trips; sizeOf equals the encoded length', () => {
    fc.assert(fc.property(arbDatagram, (d) => {
      const w = Writer.alloc(sizeOfHttpDatagram(d));
      encodeHttpDatagram(w, d);
      const bytes = w.written();
      expect(bytes.length).toBe(sizeOfHttpDatagram(d));
      expect(decodeHttpDatagram(new Reader(bytes))).toEqual(d);
    }));
  });

  it('RFC 9297 §2.1: truncation inside the quarter stream ID fails with CodecError (a shorter payload is a valid datagram)', () => {
    fc.assert(fc.property(arbDatagram, (d) => {
      const bytes = httpDatagramToBytes(d.sessionId, d.payload);
      const idLength = sizeOfHttpDatagram(d) - d.payload.length;
      for (let n = 0; n < idLength; n++) expect(() => decodeHttpDatagram(new Reader(bytes.subarray(0, n)))).toThrow(CodecError);
    }));
  });

  it('RFC 9297 §2.1: the quarter stream ID is the session ID divided by four', () => {
    expect(httpDatagramToBytes(8, Uint8Array.of(0xaa))).toEqual(Uint8Array.of(2, 0xaa));
  });
});

describe('draft-ietf-webtrans-http3-16 §4.6: association and bounded buffering', () => {
  it('draft-16 §4.6: a stream for an established session is delivered; one for an unknown session is buffered and released on open', () => {
    const t = new SessionTable();
    t.open(0, 'draft16');
    expect(t.onStream(3, 0)).toEqual({ kind: 'deliver', sessionId: 0 });
    expect(t.onStream(7, 4)).toEqual({ kind: 'buffer' });
    expect(t.onStream(11, 4)).toEqual({ kind: 'buffer' });
    expect(t.stats().bufferedStreams).toBe(2);
    expect(t.open(4, 'draft02')).toEqual({ streams: [7, 11], datagrams: [] });
    expect(t.draftOf(4)).toBe('draft02');
    expect(t.stats().bufferedStreams).toBe(0);
  });

  it('draft-16 §4.6: "When the number of buffered streams is exceeded, a stream MUST be closed ... with the WT_BUFFERED_STREAM_REJECTED error code"', () => {
    const t = new SessionTable({ maxBufferedStreams: 16 });
    for (let i = 0; i < 16; i++) expect(t.onStream(4 * i + 2, 8)).toEqual({ kind: 'buffer' });
    expect(t.onStream(999, 8)).toEqual({ kind: 'reject', code: H3ErrorCode.WT_BUFFERED_STREAM_REJECTED });
    expect(t.stats().rejectedStreams).toBe(1);
    t.forgetStream(2);
    expect(t.onStream(1003, 8)).toEqual({ kind: 'buffer' });
  });

  it('draft-16 §4.6: "When the number of buffered datagrams is exceeded, a datagram MUST be dropped" (count and bytes bounded)', () => {
    const t = new SessionTable({ maxBufferedDatagrams: 32, maxBufferedDatagramBytes: 64 * 1024 });
    for (let i = 0; i < 32; i++) expect(t.onDatagram(httpDatagramToBytes(4, Uint8Array.of(i)))).toEqual({ kind: 'buffer' });
    expect(t.onDatagram(httpDatagramToBytes(4, Uint8Array.of(99)))).toEqual({ kind: 'drop', why: 'buffer_full' });
    const opened = t.open(4, 'draft16');
    expect(opened.datagrams.map((d) => d[0])).toEqual(Array.from({ length: 32 }, (_, i) => i));
    const small = new SessionTable({ maxBufferedDatagramBytes: 100 });
    expect(small.onDatagram(httpDatagramToBytes(0, new Uint8Array(60)))).toEqual({ kind: 'buffer' });
    expect(small.onDatagram(httpDatagramToBytes(0, new Uint8Array(60)))).toEqual({ kind: 'drop', why: 'buffer_full' });
    expect(small.stats()).toMatchObject({ bufferedDatagrams: 1, droppedDatagrams: 1 });
  });

  it('RFC 9297 §2.1 / draft-16 §4.5: a datagram for an open session is delivered without its prefix; a malformed one is dropped', () => {
    const t = new SessionTable();
    t.open(12, 'draft16');
    const r = t.onDatagram(httpDatagramToBytes(12, Uint8Array.of(1, 2, 3)));
    expect(r.kind === 'deliver' && [...r.payload]).toEqual([1, 2, 3]);
    expect(t.onDatagram(new Uint8Array(0))).toEqual({ kind: 'drop', why: 'malformed' });
    expect(t.onDatagram(Uint8Array.of(0x40))).toEqual({ kind: 'drop', why: 'malformed' });
  });

  it('draft-16 §6: after the session ends, its buffered streams are returned for WT_SESSION_GONE and later ones rejected with it', () => {
    const t = new SessionTable();
    expect(t.onStream(2, 0)).toEqual({ kind: 'buffer' });
    t.onDatagram(httpDatagramToBytes(0, Uint8Array.of(1)));
    expect(t.end(0)).toEqual([2]);
    expect(t.stats()).toMatchObject({ bufferedStreams: 0, bufferedDatagrams: 0 });
    expect(t.onStream(6, 0)).toEqual({ kind: 'reject', code: H3ErrorCode.WT_SESSION_GONE });
    expect(t.onDatagram(httpDatagramToBytes(0, Uint8Array.of(1)))).toEqual({ kind: 'drop', why: 'session_gone' });
    expect(t.isOpen(0)).toBe(false);
  });

  it('DESIGN §5: the set of ended sessions is bounded', () => {
    const t = new SessionTable({ maxGoneSessions: 2 });
    t.end(0);
    t.end(4);
    t.end(8);
    expect(t.onStream(1, 0)).toEqual({ kind: 'buffer' });
    expect(t.onStream(5, 8)).toEqual({ kind: 'reject', code: H3ErrorCode.WT_SESSION_GONE });
  });
});
