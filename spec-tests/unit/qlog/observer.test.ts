/** Unit tests of the qlog observers (src/qlog/observer.ts). */
import { describe, expect, it } from 'vitest';
import { instant } from '../../../src/util/time.js';
import { qlogEvent } from '../../../src/qlog/events.js';
import { BufferingQlogObserver, isQlogEnabled, NULL_QLOG_OBSERVER, NullQlogObserver } from '../../../src/qlog/observer.js';

const ev = (i: number) => qlogEvent(instant(i), 'quic:mtu_updated', { new: 1200 + i });

describe('DESIGN §5: qlog observers', () => {
  it('DESIGN §5: the ring buffer keeps the last N events in order and counts the dropped ones', () => {
    const b = new BufferingQlogObserver(3);
    for (let i = 0; i < 2; i++) b.emit(ev(i));
    expect(b.events().map((e) => e.time)).toEqual([0, 1]);
    expect(b.dropped).toBe(0);
    for (let i = 2; i < 10; i++) b.emit(ev(i));
    expect(b.size).toBe(3);
    expect(b.events().map((e) => e.time)).toEqual([7, 8, 9]);
    expect(b.dropped).toBe(7);
    expect(b.eventsNamed('quic:mtu_updated').map((e) => e.data.new)).toEqual([1207, 1208, 1209]);
    expect(b.eventsNamed('quic:packet_lost')).toEqual([]);
    b.clear();
    expect(b.events()).toEqual([]);
    expect(b.dropped).toBe(0);
    b.emit(ev(42));
    expect(b.events().map((e) => e.time)).toEqual([42]);
  });

  it('DESIGN §5: a buffer capacity must be a positive integer', () => {
    expect(() => new BufferingQlogObserver(0)).toThrow(RangeError);
    expect(() => new BufferingQlogObserver(1.5)).toThrow(RangeError);
  });

  it('DESIGN §8: the null observer is disabled and buffering observers are enabled', () => {
    expect(isQlogEnabled(NULL_QLOG_OBSERVER)).toBe(false);
    expect(isQlogEnabled(new NullQlogObserver())).toBe(false);
    expect(isQlogEnabled(undefined)).toBe(false);
    expect(isQlogEnabled(new BufferingQlogObserver(1))).toBe(true);
    expect(isQlogEnabled({ emit: () => {} })).toBe(true);
    NULL_QLOG_OBSERVER.emit(ev(1));
  });
});
