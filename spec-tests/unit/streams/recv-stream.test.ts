import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RecvStream, type RecvStreamState } from '../../../src/streams/recv-stream.js';
import { concatBytes, Writer } from '../../../src/util/bytes.js';
import { instant, millis } from '../../../src/util/time.js';
import { TransportErrorCode } from '../../../src/wire/errors.js';
import type { StreamFrame } from '../../../src/wire/frames.js';
import { expectTransportError, framesWritten, pattern } from './helpers.js';

const ID = 4;
const RTT = millis(100);

function recv(initialWindow = 1000, maxWindow = initialWindow): RecvStream {
  return new RecvStream({ streamId: ID, window: { initialWindow, maxWindow } });
}

function sf(offset: number, data: Uint8Array, fin = false): StreamFrame {
  return { type: 'stream', streamId: ID, offset, data, fin };
}

function reset(finalSize: number, errorCode = 7) {
  return { type: 'reset_stream', streamId: ID, errorCode, finalSize } as const;
}

function readAll(s: RecvStream): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let chunk = s.read(); chunk !== undefined; chunk = s.read()) parts.push(chunk);
  return concatBytes(...parts);
}

interface Row {
  readonly name: string;
  readonly steps: (s: RecvStream) => void;
  readonly state: RecvStreamState;
}

const data = pattern(10);

const TRANSITIONS: readonly Row[] = [
  { name: 'new stream is in Recv', steps: () => {}, state: 'recv' },
  { name: 'Recv + STREAM without FIN stays in Recv', steps: (s) => s.onStreamFrame(sf(0, data)), state: 'recv' },
  { name: 'Recv + STREAM with FIN (gap before it) -> Size Known', steps: (s) => s.onStreamFrame(sf(5, data.subarray(5), true)), state: 'size_known' },
  { name: 'Size Known + remaining data -> Data Recvd', steps: (s) => { s.onStreamFrame(sf(5, data.subarray(5), true)); s.onStreamFrame(sf(0, data.subarray(0, 5))); }, state: 'data_recvd' },
  { name: 'Recv + STREAM with FIN and all data -> Data Recvd', steps: (s) => s.onStreamFrame(sf(0, data, true)), state: 'data_recvd' },
  { name: 'Data Recvd + app reads all -> Data Read', steps: (s) => { s.onStreamFrame(sf(0, data, true)); readAll(s); }, state: 'data_read' },
  { name: 'Recv + RESET_STREAM -> Reset Recvd', steps: (s) => s.onResetStream(reset(3)), state: 'reset_recvd' },
  { name: 'Size Known + RESET_STREAM -> Reset Recvd', steps: (s) => { s.onStreamFrame(sf(5, data.subarray(5), true)); s.onResetStream(reset(10)); }, state: 'reset_recvd' },
  { name: 'Reset Recvd + app reads the reset -> Reset Read', steps: (s) => { s.onResetStream(reset(3)); s.read(); }, state: 'reset_read' },
  { name: 'Data Recvd + RESET_STREAM keeps the data (Data Recvd)', steps: (s) => { s.onStreamFrame(sf(0, data, true)); s.onResetStream(reset(10)); }, state: 'data_recvd' },
  { name: 'Data Read + RESET_STREAM stays Data Read', steps: (s) => { s.onStreamFrame(sf(0, data, true)); readAll(s); s.onResetStream(reset(10)); }, state: 'data_read' },
  { name: 'Reset Recvd + STREAM (within final size) stays Reset Recvd', steps: (s) => { s.onResetStream(reset(10)); s.onStreamFrame(sf(0, data)); }, state: 'reset_recvd' },
  { name: 'empty stream: STREAM with FIN at 0 -> Data Recvd, read -> Data Read', steps: (s) => { s.onStreamFrame(sf(0, new Uint8Array(0), true)); expect(s.read()).toBeUndefined(); }, state: 'data_read' },
];

describe('RFC 9000 §3.2: receiving stream states', () => {
  for (const row of TRANSITIONS) {
    it(`RFC 9000 §3.2: ${row.name}`, () => {
      const s = recv();
      row.steps(s);
      expect(s.state).toBe(row.state);
    });
  }

  it('RFC 9000 §3.2: data is delivered in order and the reset code is reported', () => {
    const s = recv();
    s.onStreamFrame(sf(0, data.subarray(0, 4)));
    expect(s.read(2)).toEqual(data.subarray(0, 2));
    s.onResetStream(reset(10, 42));
    expect(s.resetCode).toBe(42);
    expect(s.read()).toBeUndefined();
    expect(s.bufferSize).toBe(0);
  });
});

describe('RFC 9000 §2.2: reassembly', () => {
  it('RFC 9000 §2.2: random splits, reorders and duplicates reassemble exactly', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 3000 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (bytes, cuts, order, dups) => {
          const points = [...new Set([0, bytes.length, ...cuts.filter((c) => c <= bytes.length)])].sort((a, b) => a - b);
          const frames: StreamFrame[] = [];
          for (let i = 0; i + 1 < points.length; i++) {
            const a = points[i]!;
            const b = points[i + 1]!;
            // A view into a larger "datagram", as the decoder hands out.
            frames.push(sf(a, bytes.subarray(a, b), b === bytes.length));
          }
          if (frames.length === 0) frames.push(sf(0, bytes, true));
          // Shuffle deterministically from `order`, then add duplicates.
          for (let i = 0; i < order.length && frames.length > 1; i++) {
            const j = order[i]! % frames.length;
            const k = i % frames.length;
            [frames[j], frames[k]] = [frames[k]!, frames[j]!];
          }
          for (const d of dups) frames.push(frames[d % frames.length]!);
          const s = recv(4096);
          const out: Uint8Array[] = [];
          for (const f of frames) {
            s.onStreamFrame(f);
            const chunk = s.read(97);
            if (chunk !== undefined) out.push(chunk);
          }
          out.push(readAll(s));
          expect(concatBytes(...out)).toEqual(bytes);
          expect(s.state).toBe('data_read');
          expect(s.isFinished).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('RFC 9000 §2.2: the stream keeps a copy: later changes to the datagram do not alter it', () => {
    const s = recv();
    const datagram = pattern(20);
    s.onStreamFrame(sf(0, datagram.subarray(5, 15)));
    datagram.fill(0);
    expect(s.read()).toEqual(pattern(20).subarray(5, 15));
  });

  it('RFC 9000 §2.2: different data at an offset already received is a PROTOCOL_VIOLATION', () => {
    const s = recv();
    s.onStreamFrame(sf(10, pattern(10)));
    const changed = pattern(10);
    changed[3] = changed[3]! ^ 1;
    expectTransportError(() => s.onStreamFrame(sf(5, concatBytes(new Uint8Array(5), changed))), TransportErrorCode.PROTOCOL_VIOLATION);
  });

  it('RFC 9000 §2.2: data below the read offset is discarded', () => {
    const s = recv();
    s.onStreamFrame(sf(0, pattern(10)));
    expect(s.read()).toEqual(pattern(10));
    expect(s.onStreamFrame(sf(0, pattern(12)))).toBe(2);
    expect(s.read()).toEqual(pattern(12).subarray(10));
  });
});

describe('RFC 9000 §4.1: stream flow control on receipt', () => {
  it('RFC 9000 §4.1: data beyond our MAX_STREAM_DATA is a FLOW_CONTROL_ERROR', () => {
    const s = recv(100);
    s.onStreamFrame(sf(0, pattern(100)));
    expectTransportError(() => s.onStreamFrame(sf(100, pattern(1))), TransportErrorCode.FLOW_CONTROL_ERROR);
    expectTransportError(() => recv(100).onResetStream(reset(101)), TransportErrorCode.FLOW_CONTROL_ERROR);
  });

  it('RFC 9000 §4.1: the buffer stays bounded by the window however the data arrives', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 1, max: 50 })), { maxLength: 100 }), (pieces) => {
        const s = recv(1000);
        const all = pattern(1000);
        for (const [off, len] of pieces) {
          const end = Math.min(1000, off + len);
          s.onStreamFrame(sf(off, all.subarray(off, end)));
          expect(s.bufferSize).toBeLessThanOrEqual(2 * 1000);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('RFC 9000 §4.2: MAX_STREAM_DATA is sent once the reader passes half the window', () => {
    const s = recv(100);
    s.onStreamFrame(sf(0, pattern(100)));
    s.read(49);
    expect(framesWritten(100, (w) => s.writeControlFrame(w, instant(0), RTT)).frames).toEqual([]);
    s.read(1);
    const { result, frames } = framesWritten(100, (w) => s.writeControlFrame(w, instant(0), RTT));
    expect(frames).toEqual([{ type: 'max_stream_data', streamId: ID, maximum: 150 }]);
    expect(result).toEqual({ kind: 'max_stream_data', streamId: ID, maximum: 150 });
    expect(s.maxStreamData).toBe(150);
    // Now more data fits.
    s.onStreamFrame(sf(100, pattern(50)));
    expectTransportError(() => s.onStreamFrame(sf(150, pattern(1))), TransportErrorCode.FLOW_CONTROL_ERROR);
  });

  it('RFC 9000 §4.2: the window doubles (up to its maximum) when updates come faster than 2 RTTs', () => {
    const s = recv(100, 300);
    let offset = 0;
    const cycle = (now: number): number => {
      s.onStreamFrame(sf(offset, pattern(s.maxStreamData - offset)));
      offset = s.maxStreamData;
      readAll(s);
      const t = s.writeControlFrame(Writer.alloc(100), instant(now), RTT);
      return t !== undefined && t.kind === 'max_stream_data' ? t.maximum : -1;
    };
    expect(cycle(0)).toBe(200); // first update: no history, window stays 100
    expect(cycle(1_000_000)).toBe(300); // 1 s later: slow reader, still 100
    expect(cycle(1_050_000)).toBe(500); // 50 ms later < 2 RTT: window 200
    expect(cycle(1_060_000)).toBe(800); // doubles again but capped at 300
    expect(s.window.window).toBe(300);
  });

  it('RFC 9000 §13.3: a lost MAX_STREAM_DATA is resent only while it is the latest and the size is unknown', () => {
    const s = recv(100);
    s.onStreamFrame(sf(0, pattern(60)));
    s.read();
    const first = framesWritten(100, (w) => s.writeControlFrame(w, instant(0), RTT)).result!;
    expect(first).toEqual({ kind: 'max_stream_data', streamId: ID, maximum: 160 });
    s.onLost(first);
    expect(framesWritten(100, (w) => s.writeControlFrame(w, instant(1), RTT)).frames).toEqual([{ type: 'max_stream_data', streamId: ID, maximum: 160 }]);
    s.onStreamFrame(sf(60, pattern(1), true));
    s.onLost(first);
    expect(framesWritten(100, (w) => s.writeControlFrame(w, instant(2), RTT)).frames).toEqual([]);
  });

  it('RFC 9000 §4.5: reads and resets release connection-level credit', () => {
    const s = recv(100);
    s.onStreamFrame(sf(0, pattern(30)));
    s.read(10);
    expect(s.takeReleasedCredit()).toBe(10);
    expect(s.takeReleasedCredit()).toBe(0);
    expect(s.onResetStream(reset(80))).toBe(50);
    expect(s.takeReleasedCredit()).toBe(70);
  });
});

describe('RFC 9000 §4.5: final size', () => {
  it('RFC 9000 §4.5: a changed final size is a FINAL_SIZE_ERROR', () => {
    const s = recv();
    s.onStreamFrame(sf(0, pattern(10), true));
    expectTransportError(() => s.onStreamFrame(sf(0, pattern(9), true)), TransportErrorCode.FINAL_SIZE_ERROR);
    expectTransportError(() => s.onResetStream(reset(11)), TransportErrorCode.FINAL_SIZE_ERROR);
  });

  it('RFC 9000 §4.5: data beyond the final size is a FINAL_SIZE_ERROR, even after a reset', () => {
    const s = recv();
    s.onStreamFrame(sf(5, pattern(5), true));
    expectTransportError(() => s.onStreamFrame(sf(8, pattern(3))), TransportErrorCode.FINAL_SIZE_ERROR);
    const r = recv();
    r.onResetStream(reset(10));
    expectTransportError(() => r.onStreamFrame(sf(10, pattern(1))), TransportErrorCode.FINAL_SIZE_ERROR);
  });

  it('RFC 9000 §4.5: a final size below data already received is a FINAL_SIZE_ERROR', () => {
    const s = recv();
    s.onStreamFrame(sf(0, pattern(20)));
    expectTransportError(() => s.onStreamFrame(sf(0, pattern(10), true)), TransportErrorCode.FINAL_SIZE_ERROR);
    expectTransportError(() => s.onResetStream(reset(19)), TransportErrorCode.FINAL_SIZE_ERROR);
  });

  it('RFC 9000 §4.5: a repeated identical RESET_STREAM is accepted', () => {
    const s = recv();
    s.onResetStream(reset(10));
    expect(s.onResetStream(reset(10))).toBe(0);
    expect(s.state).toBe('reset_recvd');
  });
});

describe('RFC 9000 §3.5: STOP_SENDING', () => {
  it('RFC 9000 §3.5: stopSending queues STOP_SENDING, discards data, and is resent on loss until Data Recvd', () => {
    const s = recv();
    s.onStreamFrame(sf(0, pattern(10)));
    expect(s.stopSending(99)).toBe(true);
    expect(s.stopSending(99)).toBe(false);
    expect(s.read()).toBeUndefined();
    expect(s.takeReleasedCredit()).toBe(10);
    const { result, frames } = framesWritten(100, (w) => s.writeControlFrame(w, instant(0), RTT));
    expect(frames).toEqual([{ type: 'stop_sending', streamId: ID, errorCode: 99 }]);
    expect(result).toEqual({ kind: 'stop_sending', streamId: ID, errorCode: 99 });
    s.onLost(result!);
    expect(framesWritten(100, (w) => s.writeControlFrame(w, instant(0), RTT)).frames).toHaveLength(1);
    // Data arriving afterwards is discarded but still flow controlled and its credit released.
    expect(s.onStreamFrame(sf(10, pattern(5), true))).toBe(5);
    expect(s.takeReleasedCredit()).toBe(5);
    expect(s.state).toBe('data_recvd');
    s.onLost(result!);
    expect(framesWritten(100, (w) => s.writeControlFrame(w, instant(0), RTT)).frames).toEqual([]);
  });

  it('RFC 9000 §3.5: STOP_SENDING is not sent after a reset', () => {
    const s = recv();
    s.onResetStream(reset(0));
    expect(s.stopSending(1)).toBe(false);
  });

  it('RFC 9000 §12.4: a control frame that does not fit is not written', () => {
    const s = recv();
    s.stopSending(1);
    expect(framesWritten(2, (w) => s.writeControlFrame(w, instant(0), RTT)).result).toBeUndefined();
    expect(framesWritten(10, (w) => s.writeControlFrame(w, instant(0), RTT)).frames).toHaveLength(1);
  });
});
