import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PMTUD, Pmtud } from '../../../src/connection/pmtud.js';
import { addDuration, instant, seconds, type Instant } from '../../../src/util/time.js';

/** Drives a Pmtud against a path passing datagrams up to `mtu`; returns the probes sent. */
function converge(p: Pmtud, mtu: number, now: Instant = instant(0)): number[] {
  const probes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const size = p.probeSize(now);
    if (size === undefined) break;
    p.onProbeSent(size);
    probes.push(size);
    if (size <= mtu) p.onProbeAcked(size);
    else p.onProbeLost(size);
  }
  return probes;
}

describe('RFC 8899 §5.2: DPLPMTUD states', () => {
  it('RFC 9000 §14.3: disabled until started, and when the maximum is 1200', () => {
    const p = new Pmtud({ maxDatagramSize: 1500 });
    expect(p.phase).toBe('disabled');
    expect(p.probeSize(instant(0))).toBeUndefined();
    expect(p.current).toBe(1200);
    const off = new Pmtud({ maxDatagramSize: 1200 });
    off.start(65527);
    expect(off.phase).toBe('disabled');
    expect(off.probeSize(instant(0))).toBeUndefined();
  });

  it('RFC 9000 §14.2: the search never exceeds the peer max_udp_payload_size', () => {
    const p = new Pmtud({ maxDatagramSize: 1500 });
    p.start(1350);
    expect(p.maxPlpmtu).toBe(1350);
    const probes = converge(p, 9000);
    expect(Math.max(...probes)).toBe(1350);
    expect(p.current).toBe(1350);
    expect(p.phase).toBe('search_complete');
  });

  it('RFC 8899 §5.2: a clean path reaches MAX_PLPMTU with one probe, and the change is reported once', () => {
    const p = new Pmtud({ maxDatagramSize: 1452 });
    p.start(65527);
    expect(p.phase).toBe('searching');
    expect(converge(p, 1500)).toEqual([1452]);
    expect(p.current).toBe(1452);
    expect(p.takeChange()).toBe(1452);
    expect(p.takeChange()).toBeUndefined();
    expect(p.pollTimeout()).toBeUndefined(); // nothing above: no raise timer
  });

  it('RFC 8899 §5.1.2: a size is too big only after MAX_PROBES = 3 consecutive losses', () => {
    const p = new Pmtud({ maxDatagramSize: 1500 });
    p.start(65527);
    const now = instant(0);
    for (let i = 0; i < PMTUD.MAX_PROBES; i++) {
      expect(p.probeSize(now)).toBe(1500);
      p.onProbeSent(1500);
      expect(p.probeSize(now)).toBeUndefined(); // one probe in flight at a time
      p.onProbeLost(1500);
    }
    expect(p.probeSize(now)).toBe(1350); // halfway between 1200 and 1499
  });

  it('RFC 8899 §5.3: the search converges below any path MTU within the granularity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1200, max: 1600 }), fc.integer({ min: 1201, max: 1600 }), fc.integer({ min: 1, max: 40 }), (mtu, max, granularity) => {
        const p = new Pmtud({ maxDatagramSize: max, granularity });
        p.start(65527);
        const probes = converge(p, mtu);
        expect(p.phase).toBe('search_complete');
        const target = Math.min(mtu, max);
        expect(p.current).toBeLessThanOrEqual(target);
        expect(p.current).toBeGreaterThan(target - granularity);
        expect(probes.every((s) => s <= max && s > 1200)).toBe(true);
        expect(probes.length).toBeLessThan(60);
      }),
    );
  });

  it('RFC 8899 §5.1.1: PMTU_RAISE_TIMER restarts the search 600 s after it completed below the maximum', () => {
    const p = new Pmtud({ maxDatagramSize: 1500, granularity: 1 });
    p.start(65527);
    const t0 = instant(1_000_000);
    converge(p, 1400, t0);
    expect(p.current).toBe(1400);
    expect(p.probeSize(t0)).toBeUndefined();
    expect(p.pollTimeout()).toBe(addDuration(t0, seconds(600)));
    expect(p.probeSize(addDuration(t0, seconds(599)))).toBeUndefined();
    const later = addDuration(t0, PMTUD.PMTU_RAISE_TIMER);
    expect(p.probeSize(later)).toBe(1500);
    expect(p.phase).toBe('searching');
    converge(p, 1500, later); // the path grew
    expect(p.current).toBe(1500);
  });
});

describe('RFC 8899 §4.3: black hole detection', () => {
  const big = (pn: number) => ({ packetNumber: pn, sentBytes: 1452 });
  const small = (pn: number) => ({ packetNumber: pn, sentBytes: 1000 });

  function atMax(): Pmtud {
    const p = new Pmtud({ maxDatagramSize: 1452 });
    p.start(65527);
    converge(p, 1500);
    p.takeChange();
    return p;
  }

  it('RFC 8899 §4.3: repeated losses of large packets sent after every acknowledged large one drop to BASE', () => {
    const p = atMax();
    p.onPacketsAcked([big(10)]);
    expect(p.onPacketsLost([big(11), big(12)])).toBe(false);
    p.onPacketsAcked([small(13)]);
    expect(p.onPacketsLost([big(14)])).toBe(false);
    expect(p.onPacketsLost([big(16)])).toBe(true);
    expect(p.current).toBe(1200);
    expect(p.takeChange()).toBe(1200);
    expect(p.phase).toBe('base');
    expect(p.blackHoles).toBe(1);
    // RFC 8899 §5.2 BASE: probe BASE_PLPMTU; acknowledged -> SEARCHING from the maximum again.
    expect(p.probeSize(instant(0))).toBe(1200);
    p.onProbeSent(1200);
    p.onProbeAcked(1200);
    expect(p.phase).toBe('searching');
    expect(p.probeSize(instant(0))).toBe(1452);
  });

  it('RFC 8899 §4.3: congestion losses (a later large packet got through) are no black hole', () => {
    const p = atMax();
    for (let i = 0; i < 10; i++) {
      p.onPacketsAcked([big(100 * i + 50)]);
      expect(p.onPacketsLost([big(100 * i + 40), big(100 * i + 41)])).toBe(false);
    }
    expect(p.current).toBe(1452);
  });

  it('RFC 8899 §4.3: small-packet losses never count, and nothing is detected at the base size', () => {
    const p = atMax();
    for (let i = 0; i < 10; i++) expect(p.onPacketsLost([small(i)])).toBe(false);
    const base = new Pmtud({ maxDatagramSize: 1452 });
    base.start(65527);
    for (let i = 0; i < 10; i++) expect(base.onPacketsLost([big(i)])).toBe(false);
    expect(base.onPtoExpired(5)).toBe(false);
  });

  it('RFC 8899 §4.3: consecutive PTO expirations with nothing acknowledged drop to BASE', () => {
    const p = atMax();
    expect(p.onPtoExpired(1)).toBe(false);
    expect(p.onPtoExpired(2)).toBe(false);
    expect(p.onPtoExpired(PMTUD.BLACK_HOLE_PTO_COUNT)).toBe(true);
    expect(p.current).toBe(1200);
  });

  it('RFC 8899 §5.2: MAX_PROBES lost base probes enter ERROR; the raise timer retries BASE', () => {
    const p = atMax();
    p.onPtoExpired(PMTUD.BLACK_HOLE_PTO_COUNT);
    const now = instant(5);
    for (let i = 0; i < PMTUD.MAX_PROBES; i++) {
      expect(p.probeSize(now)).toBe(1200);
      p.onProbeSent(1200);
      p.onProbeLost(1200);
    }
    expect(p.phase).toBe('error');
    expect(p.probeSize(now)).toBeUndefined();
    expect(p.current).toBe(1200);
    const later = p.pollTimeout()!;
    expect(later).toBe(addDuration(now, seconds(600)));
    expect(p.probeSize(later)).toBe(1200);
    expect(p.phase).toBe('base');
  });

  it('RFC 8899 §5.2: acks and losses of an old search size are ignored', () => {
    const p = new Pmtud({ maxDatagramSize: 1500 });
    p.start(65527);
    p.onProbeSent(1500);
    p.onProbeAcked(1400);
    p.onProbeLost(1300);
    expect(p.current).toBe(1200);
    expect(p.probeSize(instant(0))).toBeUndefined();
    p.onProbeAcked(1500);
    expect(p.current).toBe(1500);
  });
});

describe('RFC 9000 §9.4: a new path', () => {
  it('RFC 9000 §9.4: resetForNewPath returns to 1200 and searches again once restarted', () => {
    const p = new Pmtud({ maxDatagramSize: 1452 });
    p.start(65527);
    converge(p, 1500);
    p.takeChange();
    p.resetForNewPath();
    expect(p.current).toBe(1200);
    expect(p.takeChange()).toBe(1200);
    expect(p.phase).toBe('disabled');
    expect(p.probeSize(instant(0))).toBeUndefined();
    p.start(65527);
    expect(p.probeSize(instant(0))).toBe(1452);
  });
});
