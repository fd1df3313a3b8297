import { describe, expect, it } from 'vitest';
import { ConnectionRecvFlow, ConnectionSendFlow, ReceiveWindow } from '../../../src/streams/flow-control.js';
import { instant, millis } from '../../../src/util/time.js';
import { TransportErrorCode } from '../../../src/wire/errors.js';
import { FrameType } from '../../../src/wire/frame-types.js';
import { expectTransportError, framesWritten } from './helpers.js';

const RTT = millis(50);

describe('RFC 9000 §4.1: connection-level receive limit', () => {
  it('RFC 9000 §4.1: the sum of stream offsets beyond MAX_DATA is a FLOW_CONTROL_ERROR', () => {
    const fc = new ConnectionRecvFlow({ initialWindow: 1000, maxWindow: 1000 });
    fc.onReceived(600, FrameType.Stream);
    fc.onReceived(400, FrameType.Stream);
    const err = expectTransportError(() => fc.onReceived(1, FrameType.ResetStream), TransportErrorCode.FLOW_CONTROL_ERROR);
    expect(err.frameType).toBe(FrameType.ResetStream);
    expect(fc.received).toBe(1000);
  });

  it('RFC 9000 §4.2: MAX_DATA is sent once half the window is consumed, and raises the limit', () => {
    const fc = new ConnectionRecvFlow({ initialWindow: 1000, maxWindow: 1000 });
    fc.onReceived(1000, FrameType.Stream);
    fc.onConsumed(499);
    expect(framesWritten(20, (w) => fc.writeFrame(w, instant(0), RTT)).frames).toEqual([]);
    fc.onConsumed(1);
    const { result, frames } = framesWritten(20, (w) => fc.writeFrame(w, instant(0), RTT));
    expect(frames).toEqual([{ type: 'max_data', maximum: 1500 }]);
    expect(result).toEqual({ kind: 'max_data', maximum: 1500 });
    fc.onReceived(500, FrameType.Stream);
    expectTransportError(() => fc.onReceived(1, FrameType.Stream), TransportErrorCode.FLOW_CONTROL_ERROR);
  });

  it('RFC 9000 §13.3: a lost MAX_DATA is resent only if it is still the latest', () => {
    const fc = new ConnectionRecvFlow({ initialWindow: 100, maxWindow: 100 });
    fc.onConsumed(60);
    const first = framesWritten(20, (w) => fc.writeFrame(w, instant(0), RTT)).result!;
    fc.onLost(first);
    expect(framesWritten(20, (w) => fc.writeFrame(w, instant(1), RTT)).frames).toEqual([{ type: 'max_data', maximum: 160 }]);
    fc.onConsumed(60);
    const second = framesWritten(20, (w) => fc.writeFrame(w, instant(1_000_000), RTT)).result!;
    expect(second.maximum).toBe(220);
    fc.onLost(first);
    expect(framesWritten(20, (w) => fc.writeFrame(w, instant(1_000_001), RTT)).frames).toEqual([]);
  });

  it('RFC 9000 §12.4: MAX_DATA is not written into too small a packet and stays pending', () => {
    const fc = new ConnectionRecvFlow({ initialWindow: 100, maxWindow: 100 });
    fc.onConsumed(60);
    expect(framesWritten(2, (w) => fc.writeFrame(w, instant(0), RTT)).result).toBeUndefined();
    expect(framesWritten(20, (w) => fc.writeFrame(w, instant(0), RTT)).frames).toHaveLength(1);
  });

  it('RFC 9000 §4.2: auto-tuning doubles the window when updates are under 2 RTTs apart, up to the maximum', () => {
    const win = new ReceiveWindow({ initialWindow: 100, maxWindow: 250 });
    win.release(50);
    expect(win.takeUpdate(instant(0), RTT)).toBe(150);
    win.release(50);
    expect(win.takeUpdate(instant(10_000), RTT)).toBe(300); // 10 ms < 100 ms: window 200
    win.release(100);
    expect(win.takeUpdate(instant(20_000), RTT)).toBe(450); // capped at 250
    expect(win.window).toBe(250);
    win.release(125);
    expect(win.takeUpdate(instant(10_000_000), RTT)).toBe(575); // slow: no growth
    expect(win.window).toBe(250);
  });
});

describe('RFC 9000 §4.1: connection-level sender credit', () => {
  it('RFC 9000 §4.1: credit is the peer\'s MAX_DATA minus what was sent; smaller MAX_DATA is ignored', () => {
    const fc = new ConnectionSendFlow(100);
    fc.consume(70);
    expect(fc.available).toBe(30);
    expect(() => fc.consume(31)).toThrow();
    expect(fc.onMaxData(90)).toBe(false);
    expect(fc.onMaxData(200)).toBe(true);
    expect(fc.available).toBe(130);
  });

  it('RFC 9000 §4.1: DATA_BLOCKED once per limit value, resent on loss only while blocked at it', () => {
    const fc = new ConnectionSendFlow(100);
    fc.markBlocked();
    expect(framesWritten(20, (w) => fc.writeFrame(w)).frames).toEqual([]); // not blocked yet
    fc.consume(100);
    fc.markBlocked();
    const { result, frames } = framesWritten(20, (w) => fc.writeFrame(w));
    expect(frames).toEqual([{ type: 'data_blocked', limit: 100 }]);
    fc.markBlocked();
    expect(framesWritten(20, (w) => fc.writeFrame(w)).frames).toEqual([]);
    fc.onLost(result!);
    expect(framesWritten(20, (w) => fc.writeFrame(w)).frames).toEqual([{ type: 'data_blocked', limit: 100 }]);
    fc.onMaxData(150);
    fc.onLost(result!);
    expect(framesWritten(20, (w) => fc.writeFrame(w)).frames).toEqual([]);
    fc.consume(50);
    fc.markBlocked();
    expect(framesWritten(20, (w) => fc.writeFrame(w)).frames).toEqual([{ type: 'data_blocked', limit: 150 }]);
  });
});
