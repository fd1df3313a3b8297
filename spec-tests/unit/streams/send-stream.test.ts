import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RecvStream } from '../../../src/streams/recv-stream.js';
import { SendStream, StreamUsageError, type SendStreamState } from '../../../src/streams/send-stream.js';
import type { SendStreamToken, StreamDataToken } from '../../../src/streams/tokens.js';
import { concatBytes, Writer } from '../../../src/util/bytes.js';
import { instant, millis } from '../../../src/util/time.js';
import { decodeFrames, type StreamFrame } from '../../../src/wire/frames.js';
import { framesWritten, pattern } from './helpers.js';

const ID = 8;
const BIG = Number.MAX_SAFE_INTEGER;

function send(bufferCapacity = 1000, initialMaxStreamData = 1000): SendStream {
  return new SendStream({ streamId: ID, bufferCapacity, initialMaxStreamData });
}

/** Writes one STREAM frame into a fresh packet; returns the token and the decoded frame. */
function emit(s: SendStream, maxBytes = 1200, credit = BIG): { token: StreamDataToken; frame: StreamFrame; newBytes: number } | undefined {
  const { result, frames } = framesWritten(1200, (w) => s.writeFrame(w, maxBytes, credit));
  if (result === undefined) {
    expect(frames).toEqual([]);
    return undefined;
  }
  expect(frames).toHaveLength(1);
  const frame = frames[0] as StreamFrame;
  expect(frame.type).toBe('stream');
  expect({ offset: frame.offset, length: frame.data.length, fin: frame.fin, streamId: frame.streamId }).toEqual({
    offset: result.token.offset,
    length: result.token.length,
    fin: result.token.fin,
    streamId: ID,
  });
  return { token: result.token, frame, newBytes: result.newBytes };
}

function control(s: SendStream): SendStreamToken | undefined {
  return framesWritten(100, (w) => s.writeControlFrame(w)).result;
}

interface Row {
  readonly name: string;
  readonly make?: () => SendStream;
  readonly steps: (s: SendStream) => void;
  readonly state: SendStreamState;
}

const TRANSITIONS: readonly Row[] = [
  { name: 'new stream is Ready', steps: () => {}, state: 'ready' },
  { name: 'Ready + buffered data stays Ready until a frame is sent', steps: (s) => void s.write(pattern(5)), state: 'ready' },
  { name: 'Ready + send STREAM -> Send', steps: (s) => { s.write(pattern(5)); emit(s); }, state: 'send' },
  {
    name: 'Ready + send STREAM_DATA_BLOCKED -> Send',
    make: () => send(10, 0),
    steps: (s) => {
      s.write(pattern(5));
      expect(emit(s)).toBeUndefined();
      expect(s.state).toBe('ready');
      expect(control(s)?.kind).toBe('stream_data_blocked');
    },
    state: 'send',
  },
  { name: 'Send + send STREAM with FIN -> Data Sent', steps: (s) => { s.write(pattern(5)); emit(s); s.finish(); emit(s); }, state: 'data_sent' },
  { name: 'Ready + first frame carries FIN -> Data Sent', steps: (s) => { s.write(pattern(5)); s.finish(); emit(s); }, state: 'data_sent' },
  { name: 'Data Sent + all data acked -> Data Recvd', steps: (s) => { s.write(pattern(5)); s.finish(); s.onAcked(emit(s)!.token); }, state: 'data_recvd' },
  { name: 'Data Sent + FIN acked but data missing stays Data Sent', steps: (s) => { s.write(pattern(5)); const a = emit(s, 1 + 1 + 1 + 3)!; s.finish(); const b = emit(s)!; expect(b.token.fin).toBe(true); s.onAcked(b.token); expect(a.token.length).toBeLessThan(5); }, state: 'data_sent' },
  { name: 'Ready + reset -> Reset Sent', steps: (s) => void s.reset(1), state: 'reset_sent' },
  { name: 'Send + reset -> Reset Sent', steps: (s) => { s.write(pattern(5)); emit(s); s.reset(1); }, state: 'reset_sent' },
  { name: 'Data Sent + reset -> Reset Sent', steps: (s) => { s.write(pattern(5)); s.finish(); emit(s); s.reset(1); }, state: 'reset_sent' },
  { name: 'Reset Sent + RESET_STREAM acked -> Reset Recvd', steps: (s) => { s.reset(1); s.onAcked(control(s)!); }, state: 'reset_recvd' },
  { name: 'Data Recvd + reset stays Data Recvd', steps: (s) => { s.finish(); s.onAcked(emit(s)!.token); expect(s.reset(1)).toBe(false); }, state: 'data_recvd' },
  { name: 'Send + STOP_SENDING -> Reset Sent', steps: (s) => { s.write(pattern(5)); emit(s); expect(s.onStopSending(9)).toBe(true); }, state: 'reset_sent' },
];

describe('RFC 9000 §3.1: sending stream states', () => {
  for (const row of TRANSITIONS) {
    it(`RFC 9000 §3.1: ${row.name}`, () => {
      const s = row.make?.() ?? send();
      row.steps(s);
      expect(s.state).toBe(row.state);
    });
  }

  it('RFC 9000 §4.5: no data may be written after finish or reset', () => {
    const s = send();
    s.finish();
    expect(() => s.write(pattern(1))).toThrow(StreamUsageError);
    const r = send();
    r.reset(3);
    expect(() => r.write(pattern(1))).toThrow(StreamUsageError);
    expect(() => r.finish()).toThrow(StreamUsageError);
  });
});

describe('RFC 9000 §2.2: send buffer and backpressure', () => {
  it('RFC 9000 §2.2: write accepts what fits and returns 0 when the buffer is full', () => {
    const s = send(100, 1000);
    expect(s.write(pattern(150))).toBe(100);
    expect(s.write(pattern(1))).toBe(0);
    expect(s.writableBytes).toBe(0);
    const a = emit(s, 1 + 1 + 1 + 40)!; // 40 bytes at offset 0
    expect(a.token).toEqual({ kind: 'stream', streamId: ID, offset: 0, length: 40, fin: false });
    expect(s.write(pattern(1))).toBe(0); // in flight is still buffered
    s.onAcked(a.token);
    expect(s.writableBytes).toBe(40);
    expect(s.write(pattern(50))).toBe(40);
  });

  it('RFC 9000 §2.2: acknowledged data above a gap does not free the buffer until the gap is acked', () => {
    const s = send(30, 1000);
    s.write(pattern(30));
    const a = emit(s, 1 + 1 + 1 + 10)!;
    const b = emit(s, 1 + 1 + 1 + 1 + 10)!;
    s.onAcked(b.token);
    expect(s.writableBytes).toBe(0);
    s.onAcked(a.token);
    expect(s.writableBytes).toBe(20);
  });

  it('RFC 9000 §13.3: data acknowledged a second time (a retransmission and a late original) leaves the acknowledged prefix where it was', () => {
    const s = send(30, 1000);
    s.write(pattern(30));
    const a = emit(s, 1 + 1 + 1 + 10)!; // [0, 10)
    s.onLost(a.token);
    const r = emit(s)!; // [0, 10) again
    expect(r.token.offset).toBe(0);
    const b = emit(s)!; // [10, 30)
    s.onAcked(r.token);
    s.onAcked(b.token);
    expect(s.bytesAcked).toBe(30);
    s.onAcked(a.token); // the original, declared lost too early, is acknowledged after all
    expect(s.bytesAcked).toBe(30);
    expect(s.writableBytes).toBe(30);
    expect(s.write(pattern(5))).toBe(5);
    s.onAcked(emit(s)!.token);
    expect(s.bytesAcked).toBe(35);
  });

  it('RFC 9000 §2.2: the acknowledged prefix is the longest acknowledged run from offset 0, whatever the order of acknowledgements', () => {
    // In-order acknowledgements take a fast path that leaves the range set alone; out-of-order
    // and repeated ones go through it. Both must free exactly the acknowledged prefix.
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 7 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (sizes, picks) => {
          const total = sizes.reduce((a, b) => a + b, 0);
          const s = send(total, total);
          expect(s.write(pattern(total))).toBe(total);
          // Offsets and lengths stay below 64: type, stream ID, offset (absent at 0) and length take 1 byte each.
          let offset = 0;
          const tokens = sizes.map((n) => {
            const t = emit(s, 1 + 1 + (offset === 0 ? 0 : 1) + 1 + n)!.token;
            expect(t).toMatchObject({ offset, length: n });
            offset += n;
            return t;
          });
          const acked = new Array<boolean>(total).fill(false);
          for (const pick of picks) {
            const t = tokens[pick % tokens.length]!;
            s.onAcked(t);
            acked.fill(true, t.offset, t.offset + t.length);
            const prefix = acked.indexOf(false) === -1 ? total : acked.indexOf(false);
            expect(s.bytesAcked).toBe(prefix);
            expect(s.writableBytes).toBe(prefix);
          }
        },
      ),
    );
  });

  it('RFC 9000 §13.3: lost ranges are sent again before new data, minus what was acked since', () => {
    const s = send(1000, 1000);
    s.write(pattern(100));
    const a = emit(s, 1 + 1 + 1 + 50)!; // [0, 50)
    expect(a.token.length).toBe(50);
    const b = emit(s, 1 + 1 + 1 + 1 + 20)!; // [50, 70)
    s.onAcked(b.token);
    s.onLost(a.token);
    s.onLost(b.token); // acked already: nothing to resend
    const r1 = emit(s)!;
    expect(r1.token).toEqual({ kind: 'stream', streamId: ID, offset: 0, length: 50, fin: false });
    expect(r1.newBytes).toBe(0);
    expect(r1.frame.data).toEqual(pattern(100).subarray(0, 50));
    const n = emit(s)!;
    expect(n.token.offset).toBe(70);
    expect(n.newBytes).toBe(30);
  });

  it('RFC 9000 §13.3: a lost FIN is sent again, alone when all data was acked', () => {
    const s = send();
    s.write(pattern(10));
    s.finish();
    const a = emit(s)!;
    expect(a.token.fin).toBe(true);
    s.onLost(a.token);
    const b = emit(s)!;
    expect(b.token).toEqual({ kind: 'stream', streamId: ID, offset: 0, length: 10, fin: true });
    s.onLost(b.token);
    s.onAcked({ ...b.token, fin: false }); // data acked via another copy, FIN still outstanding
    const c = emit(s)!;
    expect(c.token).toEqual({ kind: 'stream', streamId: ID, offset: 10, length: 0, fin: true });
    s.onAcked(c.token);
    expect(s.state).toBe('data_recvd');
  });
});

describe('RFC 9000 §4.1: stream flow control on sending', () => {
  it('RFC 9000 §4.1: never sends beyond MAX_STREAM_DATA or the connection credit', () => {
    const s = send(1000, 100);
    s.write(pattern(300));
    const a = emit(s, 1200, 60)!;
    expect(a.token.length).toBe(60);
    expect(a.newBytes).toBe(60);
    expect(s.wantsConnectionCredit).toBe(true);
    expect(emit(s, 1200, 0)).toBeUndefined();
    const b = emit(s, 1200, BIG)!;
    expect(b.token.offset + b.token.length).toBe(100);
    expect(emit(s)).toBeUndefined();
    expect(s.wantsConnectionCredit).toBe(false);
  });

  it('RFC 9000 §4.1: STREAM_DATA_BLOCKED once per limit value; resent on loss only if still blocked there', () => {
    const s = send(1000, 100);
    s.write(pattern(300));
    emit(s);
    const { result, frames } = framesWritten(100, (w) => s.writeControlFrame(w));
    expect(frames).toEqual([{ type: 'stream_data_blocked', streamId: ID, limit: 100 }]);
    expect(control(s)).toBeUndefined();
    expect(emit(s)).toBeUndefined();
    expect(control(s)).toBeUndefined(); // not again for the same limit
    s.onLost(result!);
    expect(control(s)).toEqual({ kind: 'stream_data_blocked', streamId: ID, limit: 100 });
    expect(s.onMaxStreamData(50)).toBe(false); // smaller limits are ignored
    expect(s.onMaxStreamData(200)).toBe(true);
    s.onLost(result!); // stale: the limit moved on
    expect(control(s)).toBeUndefined();
    expect(emit(s)!.token.offset).toBe(100);
    expect(control(s)).toEqual({ kind: 'stream_data_blocked', streamId: ID, limit: 200 });
  });

  it('RFC 9000 §12.4: nothing is written when not even one byte fits', () => {
    const s = send();
    s.write(pattern(10));
    expect(emit(s, 3)).toBeUndefined();
    expect(emit(s, 4)!.token.length).toBe(1);
  });
});

describe('RFC 9000 §19.4: RESET_STREAM and STOP_SENDING', () => {
  it('RFC 9000 §4.5: RESET_STREAM carries the final size (bytes sent) and is resent until acked', () => {
    const s = send(1000, 1000);
    s.write(pattern(100));
    const a = emit(s, 1 + 1 + 1 + 40)!;
    s.reset(77);
    const { result, frames } = framesWritten(100, (w) => s.writeControlFrame(w));
    expect(frames).toEqual([{ type: 'reset_stream', streamId: ID, errorCode: 77, finalSize: 40 }]);
    expect(emit(s)).toBeUndefined(); // no more STREAM frames
    s.onLost(a.token); // no retransmission after a reset
    expect(emit(s)).toBeUndefined();
    expect(control(s)).toBeUndefined();
    s.onLost(result!);
    expect(control(s)).toEqual(result);
    s.onAcked(result!);
    expect(s.state).toBe('reset_recvd');
    s.onLost(result!);
    expect(control(s)).toBeUndefined();
    expect(s.finalSize).toBe(40);
  });

  it('RFC 9000 §3.5: STOP_SENDING makes the stream reset itself with the peer\'s code', () => {
    const s = send();
    s.write(pattern(10));
    emit(s);
    s.onStopSending(0x1234);
    expect(s.stopSendingCode).toBe(0x1234);
    expect(framesWritten(100, (w) => s.writeControlFrame(w)).frames).toEqual([{ type: 'reset_stream', streamId: ID, errorCode: 0x1234, finalSize: 10 }]);
  });
});

describe('RFC 9000 §2.2: delivery property', () => {
  it('RFC 9000 §2.2, §4.1, §13.3: random write/send/ack/loss sequences deliver every byte once, in order, within the limits', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('write' as const), n: fc.integer({ min: 0, max: 400 }) }),
      fc.record({ k: fc.constant('send' as const), max: fc.integer({ min: 1, max: 300 }), credit: fc.integer({ min: 0, max: 500 }) }),
      fc.record({ k: fc.constant('ack' as const), i: fc.nat() }),
      fc.record({ k: fc.constant('lose' as const), i: fc.nat() }),
      fc.record({ k: fc.constant('read' as const), n: fc.integer({ min: 0, max: 300 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), fc.integer({ min: 50, max: 600 }), fc.integer({ min: 20, max: 500 }), (ops, capacity, window) => {
        const s = new SendStream({ streamId: ID, bufferCapacity: capacity, initialMaxStreamData: window });
        const r = new RecvStream({ streamId: ID, window: { initialWindow: window, maxWindow: window * 4 } });
        const source = pattern(1_000_000, 3);
        let written = 0;
        let now = 0;
        const inFlight: SendStreamToken[] = [];
        const delivered: Uint8Array[] = [];
        const deliver = (frames: readonly unknown[]): void => {
          for (const f of frames as StreamFrame[]) {
            if (f.type === 'stream') {
              expect(f.offset + f.data.length).toBeLessThanOrEqual(s.maxStreamData);
              r.onStreamFrame(f);
            }
          }
        };
        const sendOne = (max: number, credit: number): boolean => {
          const w = Writer.alloc(1200);
          const limitBefore = s.maxStreamData;
          const sentBefore = s.bytesSent;
          const res = s.writeFrame(w, max, credit);
          // RFC 9000 §4.1: never beyond the peer's limit, nor beyond the connection credit.
          expect(s.bytesSent).toBeLessThanOrEqual(limitBefore);
          expect(s.bytesSent - sentBefore).toBeLessThanOrEqual(credit);
          if (res !== undefined) expect(res.newBytes).toBe(s.bytesSent - sentBefore);
          const c = s.writeControlFrame(w);
          if (c !== undefined) inFlight.push(c);
          if (res === undefined) return c !== undefined;
          inFlight.push(res.token);
          deliver(framesWrittenFrom(w));
          return true;
        };
        const updateLimit = (): void => {
          now += 1000;
          const t = r.writeControlFrame(Writer.alloc(100), instant(now), millis(1));
          if (t?.kind === 'max_stream_data') s.onMaxStreamData(t.maximum);
        };
        for (const o of ops) {
          switch (o.k) {
            case 'write':
              written += s.write(source.subarray(written, written + o.n));
              break;
            case 'send':
              sendOne(o.max, o.credit);
              break;
            case 'ack':
            case 'lose': {
              if (inFlight.length === 0) break;
              const [t] = inFlight.splice(o.i % inFlight.length, 1);
              if (o.k === 'ack') s.onAcked(t!);
              else s.onLost(t!);
              break;
            }
            case 'read': {
              const d = r.read(o.n);
              if (d !== undefined) delivered.push(d);
              updateLimit();
              break;
            }
          }
        }
        // Drain: write the rest of a fixed total, finish, and run a lossless exchange to the end.
        s.finish();
        for (const t of inFlight.splice(0)) s.onLost(t);
        for (let guard = 0; guard < 10_000 && s.state !== 'data_recvd'; guard++) {
          while (sendOne(1200, BIG)) {
            for (const t of inFlight.splice(0)) s.onAcked(t);
          }
          const d = r.read();
          if (d !== undefined) delivered.push(d);
          updateLimit();
        }
        const d = r.read();
        if (d !== undefined) delivered.push(d);
        expect(s.state).toBe('data_recvd');
        expect(r.state).toBe('data_read');
        expect(concatBytes(...delivered)).toEqual(source.subarray(0, written));
      }),
      { numRuns: 150 },
    );
  });
});

function framesWrittenFrom(w: Writer): unknown[] {
  return w.offset === 0 ? [] : decodeFrames(w.written());
}
