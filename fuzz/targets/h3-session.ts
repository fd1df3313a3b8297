/**
 * Fuzz target for the HTTP/3 session (src/h3/session.ts, RFC 9114 §6-§7, RFC 9204 §4.2): a server
 * session is fed records `[stream selector][length][bytes]` on its peer's control, QPACK and
 * request streams. The session turns every protocol violation into a queued connection or stream
 * error; anything it throws is a bug. Actions and events are drained after every record, and a
 * connection error must stop further processing.
 */
import { Writer, concatBytes } from '../../src/util/bytes.js';
import { frameToBytes } from '../../src/h3/frames.js';
import { QpackEncoder } from '../../src/h3/qpack-encoder.js';
import { H3Session } from '../../src/h3/session.js';
import type { FuzzTarget } from '../target.js';

/** Stream IDs a selector byte maps to (low 3 bits); bit 7 sets FIN, bit 6 is a reset. */
const STREAMS = [2, 6, 10, 14, 0, 4, 8, 12] as const;

function record(selector: number, bytes: Uint8Array): Uint8Array {
  const out: Uint8Array[] = [];
  for (let off = 0; off < bytes.length || off === 0; off += 255) {
    const part = bytes.subarray(off, off + 255);
    out.push(Uint8Array.of(selector, part.length), part);
    if (bytes.length === 0) break;
  }
  return concatBytes(...out);
}

export const target: FuzzTarget = {
  name: 'h3-session',

  run(input: Uint8Array): void {
    const s = new H3Session({ role: 'server', enableConnectProtocol: true, maxBufferedPerStream: 4096 });
    s.start({ control: 3, qpackEncoder: 7, qpackDecoder: 11 });
    let i = 0;
    while (i + 2 <= input.length) {
      const sel = input[i]!;
      const len = input[i + 1]!;
      const bytes = input.subarray(i + 2, Math.min(input.length, i + 2 + len));
      i += 2 + len;
      const id = STREAMS[sel & 7]!;
      if ((sel & 0x40) !== 0) s.onStreamReset(id, 0x10c);
      else s.onStreamData(id, bytes, (sel & 0x80) !== 0);
      let closed = false;
      for (let a = s.pollAction(); a !== undefined; a = s.pollAction()) if (a.kind === 'close') closed = true;
      for (let e = s.pollEvent(); e !== undefined; e = s.pollEvent()) {
        if (e.type === 'request') s.encodeHeaders(e.streamId, [{ name: ':status', value: '200' }]);
        if (e.type === 'wt_stream') s.claimStream(e.streamId);
      }
      if (closed) {
        s.onStreamData(0, Uint8Array.of(0x00, 0x01, 0x61), false);
        if (s.pollEvent() !== undefined) throw new Error('events after a connection error');
        return;
      }
    }
  },

  seeds(): Uint8Array[] {
    const settings = frameToBytes({ type: 'settings', settings: [{ id: 0x01, value: 4096 }, { id: 0x07, value: 16 }, { id: 0x06, value: 65536 }] });
    const control = concatBytes(Uint8Array.of(0x00), settings);
    const enc = new QpackEncoder({ maxTableCapacity: 4096 });
    enc.applyPeerSettings({ maxTableCapacity: 4096, blockedStreams: 16 });
    const fields = [
      { name: ':method', value: 'GET' }, { name: ':scheme', value: 'https' }, { name: ':authority', value: 'example.test' }, { name: ':path', value: '/index.html' },
      { name: 'user-agent', value: 'fuzz/1.0' }, { name: 'x-custom', value: 'value-value' },
    ];
    const h0 = frameToBytes({ type: 'headers', fieldSection: enc.encodeFieldSection(0, fields) });
    const encoderStream = concatBytes(Uint8Array.of(0x02), enc.takeEncoderStream());
    const staticOnly = new QpackEncoder({ maxTableCapacity: 0 });
    const post = frameToBytes({ type: 'headers', fieldSection: staticOnly.encodeFieldSection(4, [{ name: ':method', value: 'POST' }, ...fields.slice(1), { name: 'content-length', value: '3' }]) });
    const data = frameToBytes({ type: 'data', payload: Uint8Array.of(1, 2, 3) });
    const trailers = frameToBytes({ type: 'headers', fieldSection: staticOnly.encodeFieldSection(4, [{ name: 'x-t', value: '1' }]) });
    const connect = frameToBytes({ type: 'headers', fieldSection: staticOnly.encodeFieldSection(8, [{ name: ':method', value: 'CONNECT' }, { name: ':protocol', value: 'webtransport' }, ...fields.slice(1, 4)]) });
    const wt = Writer.alloc(8);
    wt.varint(0x54).varint(8);
    const base = concatBytes(record(0, control), record(1, encoderStream), record(2, Uint8Array.of(0x03)));
    return [
      base,
      concatBytes(base, record(4 | 0x80, h0)),
      concatBytes(record(0, control), record(4, h0), record(1, encoderStream)),
      concatBytes(base, record(5, post), record(5, data), record(5 | 0x80, trailers)),
      concatBytes(base, record(6, connect), record(3, concatBytes(wt.written(), Uint8Array.of(9, 9)))),
      concatBytes(base, record(4, h0), record(4 | 0x40, new Uint8Array(0))),
      concatBytes(base, record(0, frameToBytes({ type: 'goaway', id: 4 })), record(0, frameToBytes({ type: 'unknown', frameType: 0x21, payload: Uint8Array.of(1) }))),
      concatBytes(record(0, concatBytes(Uint8Array.of(0x00), data))),
      concatBytes(base, record(0 | 0x80, new Uint8Array(0))),
      concatBytes(base, record(4, data)),
    ];
  },
};
