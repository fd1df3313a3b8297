import { describe, expect, it } from 'vitest';
import { LocalStreamLimit, RemoteStreamLimit } from '../../../src/streams/stream-limits.js';
import { TransportErrorCode } from '../../../src/wire/errors.js';
import { FrameType } from '../../../src/wire/frame-types.js';
import { Writer } from '../../../src/util/bytes.js';
import { expectTransportError, framesWritten } from './helpers.js';

describe('RFC 9000 §4.6: streams the peer opens', () => {
  it('RFC 9000 §4.6: a stream beyond our limit is a STREAM_LIMIT_ERROR', () => {
    const lim = new RemoteStreamLimit(true, 10);
    expect(lim.onPeerStream(9, FrameType.Stream)).toEqual({ from: 0, to: 10 });
    const err = expectTransportError(() => lim.onPeerStream(10, FrameType.Stream), TransportErrorCode.STREAM_LIMIT_ERROR);
    expect(err.frameType).toBe(FrameType.Stream);
  });

  it('RFC 9000 §3.2: opening a stream implicitly opens all lower-numbered ones of its type', () => {
    const lim = new RemoteStreamLimit(false, 100);
    expect(lim.onPeerStream(3, FrameType.Stream)).toEqual({ from: 0, to: 4 });
    expect(lim.onPeerStream(1, FrameType.Stream)).toEqual({ from: 4, to: 4 });
    expect(lim.onPeerStream(6, FrameType.Stream)).toEqual({ from: 4, to: 7 });
    expect(lim.opened).toBe(7);
  });

  it('RFC 9000 §4.6: 2,000 streams over time with at most 1,000 concurrent, MAX_STREAMS as they close', () => {
    const lim = new RemoteStreamLimit(true, 1000);
    const open: number[] = [];
    let next = 0;
    let maxConcurrent = 0;
    while (next < 2000) {
      // The peer opens as many as our advertised limit allows.
      while (next < lim.maxStreams && next < 2000) {
        lim.onPeerStream(next, FrameType.Stream);
        open.push(next++);
      }
      maxConcurrent = Math.max(maxConcurrent, open.length);
      // Then further ones fail until we raise the limit.
      if (next < 2000) expectTransportError(() => lim.onPeerStream(next, FrameType.Stream), TransportErrorCode.STREAM_LIMIT_ERROR);
      // Close some; MAX_STREAMS goes out when half the window is free.
      for (let i = 0; i < 300; i++) {
        if (open.shift() !== undefined) lim.onStreamClosed();
      }
      const w = Writer.alloc(20);
      const t = lim.writeFrame(w);
      if (t !== undefined) expect(t.maximum).toBe(lim.closed + 1000);
    }
    expect(next).toBe(2000);
    expect(maxConcurrent).toBe(1000);
    expect(lim.maxStreams).toBeGreaterThanOrEqual(2000);
  });

  it('RFC 9000 §19.11: MAX_STREAMS is batched (half the window) and resent on loss only if latest', () => {
    const lim = new RemoteStreamLimit(false, 4);
    for (let i = 0; i < 4; i++) lim.onPeerStream(i, FrameType.Stream);
    lim.onStreamClosed();
    expect(framesWritten(20, (w) => lim.writeFrame(w)).frames).toEqual([]);
    lim.onStreamClosed();
    const { result, frames } = framesWritten(20, (w) => lim.writeFrame(w));
    expect(frames).toEqual([{ type: 'max_streams', bidi: false, maximum: 6 }]);
    lim.onLost(result!);
    expect(framesWritten(20, (w) => lim.writeFrame(w)).frames).toEqual([{ type: 'max_streams', bidi: false, maximum: 6 }]);
    lim.onStreamClosed();
    lim.onStreamClosed();
    expect(framesWritten(20, (w) => lim.writeFrame(w)).result).toEqual({ kind: 'max_streams', bidi: false, maximum: 8 });
    lim.onLost(result!);
    expect(framesWritten(20, (w) => lim.writeFrame(w)).frames).toEqual([]);
  });

  it('RFC 9000 §4.6: closing more streams than were opened cannot inflate the limit', () => {
    const lim = new RemoteStreamLimit(true, 2);
    for (let i = 0; i < 10; i++) lim.onStreamClosed();
    expect(lim.closed).toBe(0);
    expect(lim.writeFrame(Writer.alloc(20))).toBeUndefined();
  });
});

describe('RFC 9000 §4.6: streams we open', () => {
  it('RFC 9000 §4.6: opening stops at the peer\'s limit and STREAMS_BLOCKED is sent once per limit', () => {
    const lim = new LocalStreamLimit(true, 2);
    expect(lim.tryOpen()).toBe(0);
    expect(lim.tryOpen()).toBe(1);
    expect(lim.tryOpen()).toBeUndefined();
    const { result, frames } = framesWritten(20, (w) => lim.writeFrame(w));
    expect(frames).toEqual([{ type: 'streams_blocked', bidi: true, limit: 2 }]);
    expect(lim.tryOpen()).toBeUndefined();
    expect(framesWritten(20, (w) => lim.writeFrame(w)).frames).toEqual([]);
    lim.onLost(result!);
    expect(framesWritten(20, (w) => lim.writeFrame(w)).frames).toHaveLength(1);
    expect(lim.onMaxStreams(1)).toBe(false);
    expect(lim.onMaxStreams(3)).toBe(true);
    lim.onLost(result!);
    expect(framesWritten(20, (w) => lim.writeFrame(w)).frames).toEqual([]);
    expect(lim.tryOpen()).toBe(2);
    expect(lim.available).toBe(0);
  });

  it('RFC 9000 §19.8: a frame for a local stream not yet opened is a STREAM_STATE_ERROR', () => {
    const lim = new LocalStreamLimit(false, 10);
    lim.tryOpen();
    lim.checkPeerReference(0, FrameType.MaxStreamData);
    expectTransportError(() => lim.checkPeerReference(1, FrameType.MaxStreamData), TransportErrorCode.STREAM_STATE_ERROR);
  });
});
