import { describe, expect, it } from 'vitest';
import { RecvStream } from '../../../src/streams/recv-stream.js';
import { StreamManager, type StreamSendObserver, type StreamTransportLimits } from '../../../src/streams/streams.js';
import type { StreamsToken } from '../../../src/streams/tokens.js';
import { Writer } from '../../../src/util/bytes.js';
import { instant, millis } from '../../../src/util/time.js';
import { TransportErrorCode } from '../../../src/wire/errors.js';
import { decodeFrames } from '../../../src/wire/frames.js';
import { expectTransportError, pattern } from './helpers.js';

const LIMITS: StreamTransportLimits = {
  initialMaxData: 10_000,
  initialMaxStreamDataBidiLocal: 1000,
  initialMaxStreamDataBidiRemote: 1000,
  initialMaxStreamDataUni: 1000,
  initialMaxStreamsBidi: 10_000,
  initialMaxStreamsUni: 10,
};

function manager(role: 'client' | 'server'): StreamManager {
  return new StreamManager({ role, local: LIMITS, peer: LIMITS, sendBufferCapacity: 4096, maxStreamWindow: 4096, maxConnectionWindow: 40_000 });
}

function recorder(): StreamSendObserver & { log: string[] } {
  const log: string[] = [];
  return { log, onSendable: (id) => log.push(`sendable ${id}`), onConnectionCredit: () => log.push('credit'), onClosed: (id) => log.push(`closed ${id}`) };
}

function controlFrames(m: StreamManager): { types: string[]; tokens: StreamsToken[] } {
  const w = Writer.alloc(1200);
  const tokens: StreamsToken[] = [];
  m.writeControlFrames(w, instant(0), millis(10), tokens);
  return { types: w.offset === 0 ? [] : decodeFrames(w.written()).map((f) => f.type), tokens };
}

describe('RFC 9000 §2.3, §4: StreamManager hooks for a scheduler', () => {
  it('RFC 9000 §4.1: the observer hears writes, FIN, MAX_STREAM_DATA, MAX_DATA, losses and closes', () => {
    const m = manager('client');
    const obs = recorder();
    m.setObserver(obs);
    const id = m.openStream('bidi')!.id;
    expect(m.write(id, pattern(10))).toBe(10);
    m.finish(id);
    m.onStreamFrame({ type: 'max_stream_data', streamId: id, maximum: 2000 });
    m.onStreamFrame({ type: 'max_stream_data', streamId: id, maximum: 1500 }); // not an increase: no event
    m.onMaxData(20_000);
    m.onMaxData(15_000); // not an increase
    m.onLost({ kind: 'stream', streamId: id, offset: 0, length: 10, fin: true });
    expect(obs.log).toEqual([`sendable ${id}`, `sendable ${id}`, `sendable ${id}`, 'credit', `sendable ${id}`]);
    expect(() => m.write(3, pattern(1))).toThrow(/no sending part/);
  });

  it('RFC 9000 §3.1, §3.5: RESET_STREAM and STOP_SENDING are written by writeControlFrames, each once', () => {
    const m = manager('client');
    const a = m.openStream('bidi')!.id;
    const b = m.openStream('bidi')!.id;
    expect(m.resetStream(a, 7)).toBe(true);
    expect(m.resetStream(a, 7)).toBe(false);
    expect(m.stopSending(b, 9)).toBe(true);
    expect(m.controlDirtyCount).toBe(2);
    expect(controlFrames(m).types.sort()).toEqual(['reset_stream', 'stop_sending']);
    expect(m.controlDirtyCount).toBe(0);
    expect(controlFrames(m).types).toEqual([]);
  });

  it('RFC 9000 §13.3: a lost RESET_STREAM or MAX_STREAM_DATA is written again', () => {
    const m = manager('client');
    const a = m.openStream('bidi')!.id;
    m.resetStream(a, 1);
    const first = controlFrames(m).tokens;
    expect(first).toHaveLength(1);
    m.onLost(first[0]!);
    expect(controlFrames(m).types).toEqual(['reset_stream']);
  });

  it('RFC 9000 §19.10: reading past half the window queues MAX_STREAM_DATA for that stream only', () => {
    const m = manager('server');
    for (let i = 0; i < 50; i++) m.onStreamFrame({ type: 'stream', streamId: 4 * i, offset: 0, data: pattern(10), fin: false });
    m.onStreamFrame({ type: 'stream', streamId: 0, offset: 10, data: pattern(900), fin: false });
    expect(m.controlDirtyCount).toBe(0);
    m.read(0);
    expect(m.controlDirtyCount).toBe(1);
    const { types } = controlFrames(m);
    expect(types).toContain('max_stream_data');
    expect(m.controlDirtyCount).toBe(0);
  });

  it('RFC 9000 §4.1: a stream blocked at its window is marked for STREAM_DATA_BLOCKED when its data is written', () => {
    const m = manager('client');
    const id = m.openStream('bidi')!.id;
    m.write(id, pattern(1500));
    const w = Writer.alloc(1200);
    expect(m.writeStreamFrame(id, w, 1200)).toBeDefined();
    expect(m.writeStreamFrame(id, w, 1200)).toBeUndefined();
    expect(m.controlDirtyCount).toBe(1);
    expect(controlFrames(m).types).toEqual(['stream_data_blocked']);
  });

  it('RFC 9000 §4.1: control frames that do not fit stay marked for the next packet', () => {
    const m = manager('client');
    const ids = [0, 1, 2, 3, 4].map(() => m.openStream('bidi')!.id);
    for (const id of ids) m.resetStream(id, 3);
    const w = Writer.alloc(10); // two 4-byte RESET_STREAM frames fit
    const tokens: StreamsToken[] = [];
    m.writeControlFrames(w, instant(0), millis(10), tokens);
    expect(tokens).toHaveLength(2);
    expect(m.controlDirtyCount).toBe(5 - tokens.length);
    expect(controlFrames(m).tokens).toHaveLength(5 - tokens.length);
  });
});

describe('RFC 9000 §21.7: stream reassembly fragment cap', () => {
  const recv = (maxFragments: number) => new RecvStream({ streamId: 0, window: { initialWindow: 10_000, maxWindow: 10_000 }, maxFragments });

  it('RFC 9000 §21.7: one disjoint range beyond the cap is INTERNAL_ERROR, and the structure never exceeds the cap', () => {
    const r = recv(4);
    for (let i = 0; i < 4; i++) r.onStreamFrame({ type: 'stream', streamId: 0, offset: 1 + 2 * i, data: pattern(1), fin: false });
    expect(r.fragmentCount).toBe(4);
    expectTransportError(() => r.onStreamFrame({ type: 'stream', streamId: 0, offset: 100, data: pattern(1), fin: false }), TransportErrorCode.INTERNAL_ERROR);
    expect(r.fragmentCount).toBe(4);
  });

  it('RFC 9000 §21.7: at the cap, data that touches or merges existing ranges is still accepted', () => {
    const r = recv(4);
    for (let i = 0; i < 4; i++) r.onStreamFrame({ type: 'stream', streamId: 0, offset: 1 + 2 * i, data: pattern(1), fin: false });
    r.onStreamFrame({ type: 'stream', streamId: 0, offset: 8, data: pattern(1), fin: false }); // adjacent to [7,8)
    r.onStreamFrame({ type: 'stream', streamId: 0, offset: 2, data: pattern(1), fin: false }); // fills a gap: merges two
    expect(r.fragmentCount).toBe(3);
    r.onStreamFrame({ type: 'stream', streamId: 0, offset: 0, data: pattern(1), fin: false });
    expect(r.readableBytes).toBe(4);
  });
});
