import { describe, expect, it } from 'vitest';
import { DatagramError, DatagramRecvQueue, DatagramSendQueue } from '../../../src/streams/datagram-queue.js';
import { TransportErrorCode } from '../../../src/wire/errors.js';
import { expectTransportError, framesWritten, pattern } from './helpers.js';

describe('RFC 9221 §5: outgoing datagrams', () => {
  it('RFC 9221 §3: no datagrams to a peer that advertised 0; none larger than its limit', () => {
    expect(() => new DatagramSendQueue(0, { maxCount: 4, maxBytes: 100 }).push(pattern(1))).toThrow(DatagramError);
    const q = new DatagramSendQueue(12, { maxCount: 4, maxBytes: 100 });
    expect(q.push(pattern(10))).toBe(0); // 1 + 1 + 10 = 12
    let err: unknown;
    try {
      q.push(pattern(11));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DatagramError);
    expect((err as DatagramError).code).toBe('ERR_QUIC_DATAGRAM_TOO_LARGE');
  });

  it('RFC 9221 §5.4: drop-oldest keeps the newest within count and byte bounds, counting drops', () => {
    const q = new DatagramSendQueue(1200, { maxCount: 3, maxBytes: 25 }, 'drop-oldest');
    for (let i = 0; i < 5; i++) q.push(pattern(5, i));
    expect(q.length).toBe(3);
    expect(q.dropped).toBe(2);
    q.push(pattern(20, 9)); // bytes: needs 20, so drops until it fits
    expect(q.queuedBytes).toBeLessThanOrEqual(25);
    expect(q.dropped).toBe(4); // two dropped for count, two more for bytes
    expect(q.length).toBe(2);
    expect(framesWritten(100, (w) => q.writeFrame(w)).frames).toEqual([{ type: 'datagram', data: pattern(5, 4) }]);
    expect(framesWritten(100, (w) => q.writeFrame(w)).frames).toEqual([{ type: 'datagram', data: pattern(20, 9) }]);
  });

  it('RFC 9221 §5.4: drop-newest refuses new datagrams when full', () => {
    const q = new DatagramSendQueue(1200, { maxCount: 2, maxBytes: 1000 }, 'drop-newest');
    expect(q.push(pattern(5, 1))).toBe(0);
    expect(q.push(pattern(5, 2))).toBe(1);
    expect(q.push(pattern(5, 3))).toBeUndefined();
    expect(q.dropped).toBe(1);
    expect(framesWritten(100, (w) => q.writeFrame(w)).frames).toEqual([{ type: 'datagram', data: pattern(5, 1) }]);
  });

  it('RFC 9221 §5.2: each sent datagram has a token; ack and loss report its id, nothing is retransmitted', () => {
    const q = new DatagramSendQueue(1200, { maxCount: 10, maxBytes: 1000 });
    const data = pattern(8);
    q.push(data);
    data.fill(0); // the queue kept a copy
    q.push(pattern(8, 1));
    const a = framesWritten(100, (w) => q.writeFrame(w));
    expect(a.frames).toEqual([{ type: 'datagram', data: pattern(8) }]);
    expect(a.result).toEqual({ kind: 'datagram', id: 0 });
    const b = framesWritten(100, (w) => q.writeFrame(w)).result!;
    expect(q.onAcked(a.result!)).toBe(0);
    expect(q.onLost(b)).toBe(1);
    expect(q.length).toBe(0);
    expect(framesWritten(100, (w) => q.writeFrame(w)).result).toBeUndefined();
  });

  it('RFC 9221 §4: a datagram that does not fit in the packet stays queued', () => {
    const q = new DatagramSendQueue(1200, { maxCount: 10, maxBytes: 1000 });
    q.push(pattern(50));
    expect(framesWritten(40, (w) => q.writeFrame(w)).result).toBeUndefined();
    expect(q.length).toBe(1);
    expect(framesWritten(100, (w) => q.writeFrame(w, 51)).result).toBeUndefined();
    expect(framesWritten(100, (w) => q.writeFrame(w, 52)).result).toEqual({ kind: 'datagram', id: 0 });
  });
});

describe('RFC 9221 §5: datagrams and the path MTU', () => {
  it('RFC 9221 §5: push refuses a datagram whose frame exceeds what one packet on the path carries', () => {
    const q = new DatagramSendQueue(65_535, { maxCount: 8, maxBytes: 10_000 });
    q.pathMaxFrameSize = 103;
    expect(q.push(pattern(100))).toBe(0); // 1 + 2 + 100
    expect(() => q.push(pattern(101))).toThrow(DatagramError);
  });

  it('RFC 9221 §5: after the path shrank, queued datagrams that no longer fit are dropped and counted; later ones are sent', () => {
    const q = new DatagramSendQueue(65_535, { maxCount: 8, maxBytes: 10_000 });
    q.pathMaxFrameSize = 1400;
    q.push(pattern(1300, 1));
    q.push(pattern(10, 2));
    q.push(pattern(1250, 3));
    q.push(pattern(20, 4));
    q.pathMaxFrameSize = 1171;
    const { frames } = framesWritten(1171, (w) => {
      const a = q.writeFrame(w);
      const b = q.writeFrame(w);
      return [a, b].filter((t) => t !== undefined);
    });
    expect(frames).toEqual([{ type: 'datagram', data: pattern(10, 2) }, { type: 'datagram', data: pattern(20, 4) }]);
    expect(q.dropped).toBe(2);
    expect(q.sent).toBe(2);
    expect(q.length).toBe(0);
    expect(q.queuedBytes).toBe(0);
  });

  it('RFC 9221 §5.2: acknowledged and lost datagrams are counted', () => {
    const q = new DatagramSendQueue(1200, { maxCount: 8, maxBytes: 10_000 });
    q.push(pattern(5));
    q.push(pattern(5));
    const tokens: ReturnType<DatagramSendQueue['writeFrame']>[] = [];
    framesWritten(100, (w) => {
      tokens.push(q.writeFrame(w), q.writeFrame(w));
      return tokens.filter((t) => t !== undefined);
    });
    q.onAcked(tokens[0]!);
    q.onLost(tokens[1]!);
    expect({ sent: q.sent, acked: q.acked, lost: q.lost }).toEqual({ sent: 2, acked: 1, lost: 1 });
  });
});

describe('RFC 9221 §5: incoming datagrams', () => {
  it('RFC 9221 §3: a DATAGRAM when we advertised 0 is a PROTOCOL_VIOLATION', () => {
    const q = new DatagramRecvQueue(0, { maxCount: 4, maxBytes: 100 });
    expectTransportError(() => q.onDatagram(pattern(1), 3), TransportErrorCode.PROTOCOL_VIOLATION);
  });

  it('RFC 9221 §3: a DATAGRAM larger than we advertised is a PROTOCOL_VIOLATION', () => {
    const q = new DatagramRecvQueue(100, { maxCount: 4, maxBytes: 1000 });
    q.onDatagram(pattern(98), 100);
    expectTransportError(() => q.onDatagram(pattern(99), 101), TransportErrorCode.PROTOCOL_VIOLATION);
  });

  it('RFC 9221 §5.3: the receive queue is bounded, drops the oldest and counts drops; it keeps copies', () => {
    const q = new DatagramRecvQueue(1200, { maxCount: 3, maxBytes: 12 });
    const view = pattern(4, 0);
    q.onDatagram(view, 6);
    view.fill(0);
    for (let i = 1; i < 6; i++) q.onDatagram(pattern(4, i), 6);
    expect(q.length).toBe(3);
    expect(q.dropped).toBe(3);
    expect(q.pop()).toEqual(pattern(4, 3));
    q.onDatagram(pattern(13), 15); // larger than the byte bound: dropped
    expect(q.dropped).toBe(4);
    expect(q.pop()).toEqual(pattern(4, 4));
    expect(q.pop()).toEqual(pattern(4, 5));
    expect(q.pop()).toBeUndefined();
    expect(q.queuedBytes).toBe(0);
  });

  it('RFC 9221 §5.3: 10,000 datagrams into a bounded queue never exceed its bounds', () => {
    const q = new DatagramRecvQueue(1200, { maxCount: 100, maxBytes: 5000 });
    for (let i = 0; i < 10_000; i++) {
      q.onDatagram(pattern(i % 200), 200);
      expect(q.length).toBeLessThanOrEqual(100);
      expect(q.queuedBytes).toBeLessThanOrEqual(5000);
      if (i % 7 === 0) q.pop();
    }
    expect(q.dropped).toBeGreaterThan(0);
  });
});
