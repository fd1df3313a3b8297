import { describe, expect, it } from 'vitest';
import { Writer, concatBytes } from '../../../src/util/bytes.js';
import { H3ErrorCode } from '../../../src/h3/errors.js';
import { frameToBytes, H3SettingId, type H3Frame } from '../../../src/h3/frames.js';
import { QpackEncoder } from '../../../src/h3/qpack-encoder.js';
import type { Field } from '../../../src/h3/qpack-decoder.js';
import { H3Session, type H3Action, type H3Event, type H3SessionOptions } from '../../../src/h3/session.js';

const CLIENT_UNI = { control: 2, qpackEncoder: 6, qpackDecoder: 10 };
const SERVER_UNI = { control: 3, qpackEncoder: 7, qpackDecoder: 11 };

/** Two sessions wired together in memory; uni-stream writes are delivered by `pump`. */
class Pair {
  readonly client: H3Session;
  readonly server: H3Session;
  readonly clientEvents: H3Event[] = [];
  readonly serverEvents: H3Event[] = [];
  readonly clientActions: H3Action[] = [];
  readonly serverActions: H3Action[] = [];
  /** Writes held back (for QPACK blocking tests). */
  hold: (from: 'client' | 'server', a: H3Action) => boolean = () => false;
  readonly held: { to: H3Session; a: H3Action }[] = [];

  constructor(client: Partial<H3SessionOptions> = {}, server: Partial<H3SessionOptions> = {}) {
    this.client = new H3Session({ ...client, role: 'client' });
    this.server = new H3Session({ ...server, role: 'server' });
    this.client.start(CLIENT_UNI);
    this.server.start(SERVER_UNI);
    this.pump();
  }

  pump(): void {
    for (let progress = true; progress; ) {
      progress = false;
      for (const [from, s, peer, actions] of [['client', this.client, this.server, this.clientActions], ['server', this.server, this.client, this.serverActions]] as const) {
        for (let a = s.pollAction(); a !== undefined; a = s.pollAction()) {
          progress = true;
          actions.push(a);
          if (a.kind !== 'write') continue;
          if (this.hold(from, a)) this.held.push({ to: peer, a });
          else peer.onStreamData(a.streamId, a.bytes, a.fin);
        }
      }
      for (let e = this.client.pollEvent(); e !== undefined; e = this.client.pollEvent()) this.clientEvents.push(e);
      for (let e = this.server.pollEvent(); e !== undefined; e = this.server.pollEvent()) this.serverEvents.push(e);
    }
  }

  release(): void {
    this.hold = () => false;
    for (const { to, a } of this.held.splice(0)) if (a.kind === 'write') to.onStreamData(a.streamId, a.bytes, a.fin);
    this.pump();
  }

  toServer(id: number, bytes: Uint8Array, fin = false): void {
    this.server.onStreamData(id, bytes, fin);
    this.pump();
  }

  toClient(id: number, bytes: Uint8Array, fin = false): void {
    this.client.onStreamData(id, bytes, fin);
    this.pump();
  }
}

const REQ: Field[] = [
  { name: ':method', value: 'GET' },
  { name: ':scheme', value: 'https' },
  { name: ':authority', value: 'example.test' },
  { name: ':path', value: '/' },
];
const req = (extra: Field[] = [], base: Field[] = REQ): Field[] => [...base, ...extra];
const data = (s: string | Uint8Array): Uint8Array => H3Session.encodeData(typeof s === 'string' ? new TextEncoder().encode(s) : s);
/** A HEADERS frame encoded with the static table only. */
const hdr = (fields: Field[]): Uint8Array => frameToBytes({ type: 'headers', fieldSection: new QpackEncoder({ maxTableCapacity: 0 }).encodeFieldSection(0, fields) });
const frame = (f: H3Frame): Uint8Array => frameToBytes(f);
const uni = (type: number, ...parts: Uint8Array[]): Uint8Array => {
  const w = Writer.alloc(8);
  w.varint(type);
  return concatBytes(w.written(), ...parts);
};
const closedWith = (events: H3Event[]): number | undefined => events.find((e): e is Extract<H3Event, { type: 'closed' }> => e.type === 'closed')?.code;
const streamErr = (events: H3Event[], id: number): number | undefined => events.find((e): e is Extract<H3Event, { type: 'stream_error' }> => e.type === 'stream_error' && e.streamId === id)?.code;
const text = (events: H3Event[], id: number): string => new TextDecoder().decode(concatBytes(...events.filter((e): e is Extract<H3Event, { type: 'data' }> => e.type === 'data' && e.streamId === id).map((e) => e.data)));

describe('RFC 9114 §6.2.1: SETTINGS exchange', () => {
  it('RFC 9114 §6.2.1: each side receives the other SETTINGS (QPACK, max field section, connect protocol, datagram, GREASE ignored)', () => {
    const p = new Pair({}, { enableConnectProtocol: true, h3Datagram: true, extraSettings: [{ id: 0x2b603742, value: 1 }] });
    const s = p.clientEvents.find((e) => e.type === 'settings');
    expect(s?.type === 'settings' && s.settings.enableConnectProtocol).toBe(true);
    expect(p.client.peerSettings?.h3Datagram).toBe(true);
    expect(p.client.peerSettings?.qpackMaxTableCapacity).toBe(4096);
    expect(p.client.peerSettings?.raw.some((x) => x.id === 0x2b603742)).toBe(true);
    expect(p.server.peerSettings?.maxFieldSectionSize).toBe(64 * 1024);
    expect(p.server.peerSettings?.enableConnectProtocol).toBe(false);
    expect(closedWith(p.clientEvents)).toBeUndefined();
    expect(closedWith(p.serverEvents)).toBeUndefined();
  });

  it('RFC 9114 §6.2.3: a GREASE uni stream is sent, and an unknown one is stopped with H3_STREAM_CREATION_ERROR', () => {
    const c = new H3Session({ role: 'client' });
    c.start({ ...CLIENT_UNI, grease: 14 });
    const acts: H3Action[] = [];
    for (let a = c.pollAction(); a !== undefined; a = c.pollAction()) acts.push(a);
    expect(acts.some((a) => a.kind === 'write' && a.streamId === 14 && a.fin)).toBe(true);
    const p = new Pair();
    p.toServer(14, uni(0x21 + 0x1f * 3, Uint8Array.of(1, 2, 3)));
    expect(p.serverActions).toContainEqual({ kind: 'stop_sending', streamId: 14, code: H3ErrorCode.H3_STREAM_CREATION_ERROR });
    expect(closedWith(p.serverEvents)).toBeUndefined();
  });
});

describe('RFC 9114 §4.1: request and response', () => {
  it('RFC 9114 §4.1: request with body and trailers; response with body and trailers', () => {
    const p = new Pair();
    const h = p.client.encodeHeaders(0, req([{ name: 'content-length', value: '5' }], [{ name: ':method', value: 'POST' }, ...REQ.slice(1)]), { method: 'POST' });
    p.pump();
    p.toServer(0, concatBytes(h, data('he'), data('llo'), p.client.encodeHeaders(0, [{ name: 'x-trailer', value: 'yes' }])));
    p.pump();
    p.toServer(0, new Uint8Array(0), true);
    const r = p.serverEvents.find((e) => e.type === 'request');
    expect(r?.type === 'request' && r.head.method).toBe('POST');
    expect(r?.type === 'request' && r.head.path).toBe('/');
    expect(r?.type === 'request' && r.head.authority).toBe('example.test');
    expect(text(p.serverEvents, 0)).toBe('hello');
    expect(p.serverEvents.some((e) => e.type === 'trailers' && e.headers[0]?.value === 'yes')).toBe(true);
    expect(p.serverEvents.at(-1)).toEqual({ type: 'end', streamId: 0 });

    const resp = p.server.encodeHeaders(0, [{ name: ':status', value: '200' }, { name: 'content-type', value: 'text/plain' }]);
    p.pump();
    p.toClient(0, concatBytes(resp, data('world'), p.server.encodeHeaders(0, [{ name: 'x-sum', value: '1' }])), true);
    const res = p.clientEvents.find((e) => e.type === 'response');
    expect(res?.type === 'response' && res.head.status).toBe(200);
    expect(text(p.clientEvents, 0)).toBe('world');
    expect(p.clientEvents.some((e) => e.type === 'trailers')).toBe(true);
    expect(p.clientEvents.at(-1)).toEqual({ type: 'end', streamId: 0 });
  });

  it('RFC 9114 §4.1: bytes split at every position still parse (DATA streamed, HEADERS buffered)', () => {
    const whole = concatBytes(hdr(REQ), data('abcdef'), frame({ type: 'unknown', frameType: 0x21, payload: Uint8Array.of(9, 9) }), data('gh'));
    for (let cut = 1; cut < whole.length; cut++) {
      const p = new Pair();
      p.toServer(0, whole.subarray(0, cut));
      p.toServer(0, whole.subarray(cut), true);
      expect(text(p.serverEvents, 0)).toBe('abcdefgh');
      expect(p.serverEvents.at(-1)).toEqual({ type: 'end', streamId: 0 });
    }
  });

  it('RFC 9114 §4.1: an interim 1xx response precedes the final one; a HEAD response with content-length has no content', () => {
    const p = new Pair();
    p.client.encodeHeaders(0, req([], [{ name: ':method', value: 'HEAD' }, ...REQ.slice(1)]), { method: 'HEAD' });
    p.pump();
    p.toClient(0, concatBytes(hdr([{ name: ':status', value: '103' }]), hdr([{ name: ':status', value: '200' }, { name: 'content-length', value: '1000' }])), true);
    expect(p.clientEvents.filter((e) => e.type === 'informational')).toHaveLength(1);
    expect(p.clientEvents.at(-1)).toEqual({ type: 'end', streamId: 0 });
  });

  it('RFC 9220 §4: extended CONNECT is surfaced with :protocol when we sent SETTINGS_ENABLE_CONNECT_PROTOCOL', () => {
    const p = new Pair({}, { enableConnectProtocol: true });
    const connect: Field[] = [{ name: ':method', value: 'CONNECT' }, { name: ':protocol', value: 'webtransport' }, { name: ':scheme', value: 'https' }, { name: ':authority', value: 'a' }, { name: ':path', value: '/wt' }];
    p.toServer(0, hdr(connect));
    const r = p.serverEvents.find((e) => e.type === 'request');
    expect(r?.type === 'request' && r.head.protocol).toBe('webtransport');
    const q = new Pair();
    q.toServer(0, hdr(connect));
    expect(streamErr(q.serverEvents, 0)).toBe(H3ErrorCode.H3_MESSAGE_ERROR);
  });
});

describe('RFC 9204 §2.1: QPACK dynamic table across requests', () => {
  it('RFC 9204 §2.1: repeated fields are inserted once and referenced afterwards; sections decode identically', () => {
    const p = new Pair();
    const extra: Field[] = [{ name: 'x-custom-token', value: 'a-rather-long-value-0123456789' }, { name: 'user-agent', value: 'quic-multistream-test/1.0' }];
    const sizes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const id = i * 4;
      const h = p.client.encodeHeaders(id, req(extra), { method: 'GET' });
      sizes.push(h.length);
      p.pump(); // encoder stream first
      p.toServer(id, h, true);
      const r = p.serverEvents.filter((e) => e.type === 'request')[i];
      expect(r?.type === 'request' && r.head.headers).toEqual(extra);
    }
    const inserted = p.client.encoder.dynamicTable.insertCount;
    expect(inserted).toBeGreaterThan(0);
    p.client.encodeHeaders(16, req(extra), { method: 'GET' });
    expect(p.client.encoder.dynamicTable.insertCount).toBe(inserted);
    for (const s of sizes) expect(s).toBeLessThan(hdr(req(extra)).length - 20);
    expect(p.client.encoder.knownReceived).toBe(p.client.encoder.dynamicTable.insertCount);
  });

  it('RFC 9204 §2.2.1: a section arriving before its encoder instructions blocks the stream until they arrive', () => {
    const p = new Pair();
    p.hold = (from, a) => from === 'client' && a.kind === 'write' && a.streamId === CLIENT_UNI.qpackEncoder;
    const h = p.client.encodeHeaders(0, req([{ name: 'x-blocked', value: 'value-value' }]), { method: 'GET' });
    p.pump();
    p.toServer(0, concatBytes(h, data('body')), true);
    expect(p.serverEvents.some((e) => e.type === 'request')).toBe(false);
    expect(p.server.decoder.blockedStreamCount).toBe(1);
    p.release();
    expect(p.serverEvents.some((e) => e.type === 'request')).toBe(true);
    expect(text(p.serverEvents, 0)).toBe('body');
    expect(p.serverEvents.at(-1)).toEqual({ type: 'end', streamId: 0 });
  });

  it('RFC 9204 §2.2.2.2: a blocked stream that is reset is cancelled; too many bytes behind a blocked section is H3_EXCESSIVE_LOAD', () => {
    const p = new Pair({}, { maxBufferedPerStream: 100 });
    p.hold = (from, a) => from === 'client' && a.kind === 'write' && a.streamId === CLIENT_UNI.qpackEncoder;
    const h0 = p.client.encodeHeaders(0, req([{ name: 'x-a', value: 'aaaa' }]), { method: 'GET' });
    const h4 = p.client.encodeHeaders(4, req([{ name: 'x-b', value: 'bbbb' }]), { method: 'GET' });
    p.pump();
    p.toServer(0, h0);
    p.server.onStreamReset(0, 0x10c);
    p.pump();
    expect(p.server.decoder.blockedStreamCount).toBe(0);
    p.toServer(4, concatBytes(h4, data(new Uint8Array(200))));
    expect(streamErr(p.serverEvents, 4)).toBe(H3ErrorCode.H3_EXCESSIVE_LOAD);
  });
});

describe('RFC 9114 §5.2: GOAWAY', () => {
  it('RFC 9114 §5.2: the client sees GOAWAY; requests at or above the id are rejected with H3_REQUEST_REJECTED', () => {
    const p = new Pair();
    p.toServer(0, hdr(REQ), true);
    p.server.sendGoaway();
    p.pump();
    expect(p.clientEvents).toContainEqual({ type: 'goaway', id: 4 });
    expect(p.client.peerGoaway).toBe(4);
    p.toServer(4, hdr(REQ), true);
    expect(streamErr(p.serverEvents, 4)).toBe(H3ErrorCode.H3_REQUEST_REJECTED);
    expect(p.serverActions).toContainEqual({ kind: 'reset_stream', streamId: 4, code: H3ErrorCode.H3_REQUEST_REJECTED });
  });

  it('RFC 9114 §5.2 / draft-ietf-webtrans-http3-16 §4.7: after GOAWAY a WebTransport stream (0x41) is still taken, a request on the next stream is rejected', () => {
    const p = new Pair({}, { enableConnectProtocol: true, extraSettings: [{ id: H3SettingId.WT_ENABLED, value: 1 }] });
    p.toServer(0, hdr(REQ), true);
    p.server.sendGoaway();
    p.pump();
    expect(p.client.peerGoaway).toBe(4);
    const w = Writer.alloc(4);
    w.varint(0x41).varint(0);
    p.toServer(4, concatBytes(w.written(), Uint8Array.of(9)));
    expect(p.serverEvents).toContainEqual({ type: 'wt_stream', streamId: 4, sessionId: 0, bidi: true });
    expect(streamErr(p.serverEvents, 4)).toBeUndefined();
    p.toServer(8, hdr(REQ), true);
    expect(streamErr(p.serverEvents, 8)).toBe(H3ErrorCode.H3_REQUEST_REJECTED);
  });

  it('RFC 9114 §7.2.6: a GOAWAY with a non-request stream ID, or an increasing one, is H3_ID_ERROR', () => {
    const p = new Pair();
    p.toClient(SERVER_UNI.control, frame({ type: 'goaway', id: 5 }));
    expect(closedWith(p.clientEvents)).toBe(H3ErrorCode.H3_ID_ERROR);
    const q = new Pair();
    q.toClient(SERVER_UNI.control, frame({ type: 'goaway', id: 4 }));
    q.toClient(SERVER_UNI.control, frame({ type: 'goaway', id: 8 }));
    expect(closedWith(q.clientEvents)).toBe(H3ErrorCode.H3_ID_ERROR);
    expect(q.clientActions.some((a) => a.kind === 'close' && a.code === H3ErrorCode.H3_ID_ERROR)).toBe(true);
  });
});

describe('RFC 9114 §6.2: critical stream errors', () => {
  const settings = frame({ type: 'settings', settings: [] });
  it('RFC 9114 §6.2.1: a control stream whose first frame is not SETTINGS is H3_MISSING_SETTINGS', () => {
    const s = new H3Session({ role: 'server' });
    s.start(SERVER_UNI);
    s.onStreamData(2, uni(0, frame({ type: 'goaway', id: 0 })), false);
    expect(s.error?.code).toBe(H3ErrorCode.H3_MISSING_SETTINGS);
  });
  it('RFC 9114 §6.2.1: a large DATA frame as the first control frame is refused from its header (H3_MISSING_SETTINGS)', () => {
    const s = new H3Session({ role: 'server' });
    s.start(SERVER_UNI);
    s.onStreamData(2, uni(0, Uint8Array.of(0x00, 0x80, 0x10, 0x00, 0x00)), false);
    expect(s.error?.code).toBe(H3ErrorCode.H3_MISSING_SETTINGS);
  });
  it('RFC 9114 §6.2.1: a second control stream is H3_STREAM_CREATION_ERROR', () => {
    const p = new Pair();
    p.toServer(14, uni(0, settings));
    expect(closedWith(p.serverEvents)).toBe(H3ErrorCode.H3_STREAM_CREATION_ERROR);
  });
  it('RFC 9114 §6.2.1: closing or resetting the control stream is H3_CLOSED_CRITICAL_STREAM', () => {
    const p = new Pair();
    p.toServer(CLIENT_UNI.control, new Uint8Array(0), true);
    expect(closedWith(p.serverEvents)).toBe(H3ErrorCode.H3_CLOSED_CRITICAL_STREAM);
    const q = new Pair();
    q.client.onStreamReset(SERVER_UNI.control, 0);
    q.pump();
    expect(closedWith(q.clientEvents)).toBe(H3ErrorCode.H3_CLOSED_CRITICAL_STREAM);
  });
  it('RFC 9204 §4.2: closing a QPACK stream is H3_CLOSED_CRITICAL_STREAM; a second encoder stream is H3_STREAM_CREATION_ERROR', () => {
    const p = new Pair();
    p.toServer(CLIENT_UNI.qpackEncoder, new Uint8Array(0), true);
    expect(closedWith(p.serverEvents)).toBe(H3ErrorCode.H3_CLOSED_CRITICAL_STREAM);
    const q = new Pair();
    q.toServer(14, uni(0x02));
    expect(closedWith(q.serverEvents)).toBe(H3ErrorCode.H3_STREAM_CREATION_ERROR);
  });
  it('RFC 9114 §7.2.4: a second SETTINGS is H3_FRAME_UNEXPECTED; DATA or HEADERS on the control stream too', () => {
    for (const f of [settings, data('x'), hdr(REQ)]) {
      const p = new Pair();
      p.toServer(CLIENT_UNI.control, f);
      expect(closedWith(p.serverEvents)).toBe(H3ErrorCode.H3_FRAME_UNEXPECTED);
    }
  });
  it('RFC 9114 §6.2.2: a push stream sent to a server is H3_STREAM_CREATION_ERROR; to a client without MAX_PUSH_ID H3_ID_ERROR', () => {
    const p = new Pair();
    p.toServer(14, uni(0x01, Uint8Array.of(0)));
    expect(closedWith(p.serverEvents)).toBe(H3ErrorCode.H3_STREAM_CREATION_ERROR);
    const q = new Pair();
    q.toClient(15, uni(0x01, Uint8Array.of(0)));
    expect(closedWith(q.clientEvents)).toBe(H3ErrorCode.H3_ID_ERROR);
  });
  it('RFC 9114 §6.1: a server-initiated bidirectional stream is H3_STREAM_CREATION_ERROR at the client', () => {
    const p = new Pair();
    p.client.onStreamOpened(1);
    p.pump();
    expect(closedWith(p.clientEvents)).toBe(H3ErrorCode.H3_STREAM_CREATION_ERROR);
  });
  it('RFC 9114 §7.2.7: MAX_PUSH_ID from a server is H3_FRAME_UNEXPECTED; unknown frames and settings are ignored', () => {
    const p = new Pair();
    p.toClient(SERVER_UNI.control, frame({ type: 'max_push_id', pushId: 1 }));
    expect(closedWith(p.clientEvents)).toBe(H3ErrorCode.H3_FRAME_UNEXPECTED);
    const q = new Pair();
    q.toServer(CLIENT_UNI.control, frame({ type: 'unknown', frameType: 0x5f, payload: new Uint8Array(10) }));
    // A large unknown frame, delivered in pieces, is skipped without buffering.
    const large = frame({ type: 'unknown', frameType: 0x21 + 0x1f * 2, payload: new Uint8Array(100_000) });
    q.toServer(CLIENT_UNI.control, large.subarray(0, 50_000));
    q.toServer(CLIENT_UNI.control, large.subarray(50_000));
    q.toServer(CLIENT_UNI.control, frame({ type: 'max_push_id', pushId: 3 }));
    expect(closedWith(q.serverEvents)).toBeUndefined();
  });
});

describe('RFC 9114 §4.1: frame sequence errors on request streams', () => {
  const cases: [string, Uint8Array, number][] = [
    ['DATA before HEADERS', data('x'), H3ErrorCode.H3_FRAME_UNEXPECTED],
    ['HEADERS after trailers', concatBytes(hdr(REQ), hdr([{ name: 'x', value: '1' }]), hdr([{ name: 'y', value: '1' }])), H3ErrorCode.H3_FRAME_UNEXPECTED],
    ['DATA after trailers', concatBytes(hdr(REQ), hdr([{ name: 'x', value: '1' }]), data('z')), H3ErrorCode.H3_FRAME_UNEXPECTED],
    ['SETTINGS on a request stream', concatBytes(hdr(REQ), frame({ type: 'settings', settings: [] })), H3ErrorCode.H3_FRAME_UNEXPECTED],
    ['GOAWAY on a request stream', frame({ type: 'goaway', id: 0 }), H3ErrorCode.H3_FRAME_UNEXPECTED],
    ['PUSH_PROMISE from a client', frame({ type: 'push_promise', pushId: 0, fieldSection: new Uint8Array(2) }), H3ErrorCode.H3_FRAME_UNEXPECTED],
    ['HTTP/2 frame type 0x02', concatBytes(hdr(REQ), frame({ type: 'unknown', frameType: 0x02, payload: new Uint8Array(1) })), H3ErrorCode.H3_FRAME_UNEXPECTED],
  ];
  for (const [name, bytes, code] of cases) {
    it(`RFC 9114 §4.1: ${name} is a connection error 0x${code.toString(16)}`, () => {
      const p = new Pair();
      p.toServer(0, bytes);
      expect(closedWith(p.serverEvents)).toBe(code);
    });
  }
  it('RFC 9114 §7.1: a stream ending inside a frame is H3_FRAME_ERROR', () => {
    const p = new Pair();
    const whole = concatBytes(hdr(REQ), data('abcdef'));
    p.toServer(0, whole.subarray(0, whole.length - 2), true);
    expect(closedWith(p.serverEvents)).toBe(H3ErrorCode.H3_FRAME_ERROR);
  });
  it('RFC 9114 §4.1: a request stream ending before HEADERS is H3_REQUEST_INCOMPLETE (stream error)', () => {
    const p = new Pair();
    p.toServer(0, new Uint8Array(0), true);
    expect(streamErr(p.serverEvents, 0)).toBe(H3ErrorCode.H3_REQUEST_INCOMPLETE);
    expect(closedWith(p.serverEvents)).toBeUndefined();
  });
  it('RFC 9114 §6.2: unknown frame types on a request stream are ignored', () => {
    const p = new Pair();
    p.toServer(0, concatBytes(frame({ type: 'unknown', frameType: 0x21 + 0x1f, payload: new Uint8Array(300) }), hdr(REQ), data('ok')), true);
    expect(text(p.serverEvents, 0)).toBe('ok');
  });
});

describe('RFC 9114 §4.1.2: malformed messages are stream errors of type H3_MESSAGE_ERROR', () => {
  const without = (name: string): Field[] => REQ.filter((f) => f.name !== name);
  const cases: [string, Uint8Array][] = [
    ['missing :method', hdr(without(':method'))],
    ['missing :path', hdr(without(':path'))],
    ['empty :path', hdr([...without(':path'), { name: ':path', value: '' }])],
    ['missing :scheme', hdr(without(':scheme'))],
    ['no :authority or host', hdr(without(':authority'))],
    ['uppercase field name', hdr(req([{ name: 'X-Upper', value: '1' }]))],
    ['connection-specific field', hdr(req([{ name: 'connection', value: 'close' }]))],
    ['transfer-encoding', hdr(req([{ name: 'transfer-encoding', value: 'chunked' }]))],
    ['te other than trailers', hdr(req([{ name: 'te', value: 'gzip' }]))],
    ['pseudo-header after a regular field', hdr([...REQ.slice(0, 3), { name: 'x', value: '1' }, REQ[3]!])],
    ['unknown pseudo-header', hdr(req([], [...REQ, { name: ':foo', value: '1' }]))],
    ['duplicate :path', hdr([...REQ, { name: ':path', value: '/x' }])],
    ['response pseudo-header in a request', hdr([...REQ, { name: ':status', value: '200' }])],
    ['CR LF in a value', hdr(req([{ name: 'x', value: 'a\r\nb' }]))],
    ['content-length larger than the content', concatBytes(hdr(req([{ name: 'content-length', value: '10' }])), data('abc'))],
    ['content-length smaller than the content', concatBytes(hdr(req([{ name: 'content-length', value: '2' }])), data('abc'))],
    ['pseudo-header in trailers', concatBytes(hdr(REQ), hdr([{ name: ':path', value: '/' }]))],
  ];
  for (const [name, bytes] of cases) {
    it(`RFC 9114 §4.1.2: ${name}`, () => {
      const p = new Pair();
      p.toServer(0, bytes, true);
      expect(streamErr(p.serverEvents, 0)).toBe(H3ErrorCode.H3_MESSAGE_ERROR);
      expect(p.serverActions).toContainEqual({ kind: 'reset_stream', streamId: 0, code: H3ErrorCode.H3_MESSAGE_ERROR });
      expect(p.serverActions).toContainEqual({ kind: 'stop_sending', streamId: 0, code: H3ErrorCode.H3_MESSAGE_ERROR });
      expect(p.serverEvents.some((e) => e.type === 'request' && e.streamId === 0 && name.startsWith('content-length') === false && name !== 'pseudo-header in trailers')).toBe(false);
      expect(closedWith(p.serverEvents)).toBeUndefined();
    });
  }
  it('RFC 9114 §4.3.2: a response without a valid :status is malformed', () => {
    const p = new Pair();
    p.client.encodeHeaders(0, REQ, { method: 'GET' });
    p.pump();
    p.toClient(0, hdr([{ name: ':status', value: '20' }]), true);
    expect(streamErr(p.clientEvents, 0)).toBe(H3ErrorCode.H3_MESSAGE_ERROR);
  });
  it('RFC 9114 §4.2.2: a field section over SETTINGS_MAX_FIELD_SECTION_SIZE fails the stream only', () => {
    const p = new Pair({}, { maxFieldSectionSize: 200 });
    p.toServer(0, hdr(req([{ name: 'x-big', value: 'v'.repeat(300) }])), true);
    expect(streamErr(p.serverEvents, 0)).toBe(H3ErrorCode.H3_MESSAGE_ERROR);
    expect(closedWith(p.serverEvents)).toBeUndefined();
  });
});

describe('draft-ietf-webtrans-http3 §4: WebTransport stream hook', () => {
  it('draft-ietf-webtrans-http3 §4.3: a 0x54 uni stream and a 0x41 bidi stream are surfaced, held, then delivered when claimed', () => {
    const p = new Pair({}, { enableConnectProtocol: true, extraSettings: [{ id: H3SettingId.WT_ENABLED, value: 1 }] });
    p.toServer(14, uni(0x54, Uint8Array.of(0), Uint8Array.of(1, 2, 3)));
    expect(p.serverEvents).toContainEqual({ type: 'wt_stream', streamId: 14, sessionId: 0, bidi: false });
    const w = Writer.alloc(4);
    w.varint(0x41).varint(0);
    p.toServer(4, concatBytes(w.written(), Uint8Array.of(7, 8)), true);
    expect(p.serverEvents).toContainEqual({ type: 'wt_stream', streamId: 4, sessionId: 0, bidi: true });
    p.server.claimStream(14);
    p.server.claimStream(4);
    p.pump();
    const got = p.serverEvents.filter((e) => e.type === 'wt_data');
    expect(got).toContainEqual({ type: 'wt_data', streamId: 14, data: Uint8Array.of(1, 2, 3), fin: false });
    expect(got).toContainEqual({ type: 'wt_data', streamId: 4, data: Uint8Array.of(7, 8), fin: false });
    expect(got).toContainEqual({ type: 'wt_data', streamId: 4, data: new Uint8Array(0), fin: true });
  });
  it('draft-ietf-webtrans-http3 §4.6: an unclaimed stream holding too many bytes is rejected', () => {
    const p = new Pair({}, { maxHeldWebTransportBytes: 10 });
    p.toServer(14, uni(0x54, Uint8Array.of(0), new Uint8Array(20)));
    expect(p.serverActions).toContainEqual({ kind: 'stop_sending', streamId: 14, code: H3ErrorCode.WT_BUFFERED_STREAM_REJECTED });
  });
});
