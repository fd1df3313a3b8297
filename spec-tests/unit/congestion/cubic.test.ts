import { describe, it, expect } from 'vitest';
import { CUBIC_ALPHA, CUBIC_BETA, CUBIC_C, Cubic, cubicK, wCubic } from '../../../src/congestion/cubic.js';
import type { CongestionPacket, RttSample } from '../../../src/congestion/controller.js';
import { instant, millis } from '../../../src/util/time.js';
import type { Instant } from '../../../src/util/time.js';

const MSS = 1200;
const rttOf = (ms: number): RttSample => ({ latestRtt: millis(ms), smoothedRtt: millis(ms), minRtt: millis(ms) });
const pkt = (pn: number, sentUs: number, bytes = MSS): CongestionPacket => ({
  packetNumber: pn,
  timeSent: instant(sentUs),
  sentBytes: bytes,
});

/** A CUBIC sender at W = 100 segments that loses a packet at t = 1 s. */
function afterLossAt100(opts: { fastConvergence?: boolean } = {}): Cubic {
  const cc = new Cubic({ maxDatagramSize: MSS, initialWindow: 100 * MSS, hystart: false, ...opts });
  cc.onPacketsLost(instant(1_000_000), [pkt(0, 900_000)], false);
  return cc;
}

interface Round {
  t: number;
  cwnd: number;
  wEst: number;
}

/** Acks one full window per RTT (one ack per packet), all packets sent one RTT earlier. */
function runRounds(cc: Cubic, epochUs: number, rttMs: number, rounds: number, firstPn = 1): Round[] {
  const r = rttMs * 1000;
  const out: Round[] = [];
  let pn = firstPn;
  for (let i = 1; i <= rounds; i++) {
    const T = epochUs + i * r;
    const n = Math.floor(cc.congestionWindow / MSS);
    for (let j = 0; j < n; j++) cc.onPacketsAcked(instant(T), [pkt(pn++, T - r + 1)], rttOf(rttMs), false);
    out.push({ t: (T - epochUs) / 1e6, cwnd: cc.congestionWindow, wEst: cc.wEst });
  }
  return out;
}

describe('RFC 9438 §4.2: window increase function', () => {
  it('RFC 9438 §4.2: K = cbrt((W_max - cwnd_epoch) / C) matches a hand computation', () => {
    // W_max = 100 segments, cwnd_epoch = 70: K = cbrt(30 / 0.4) = cbrt(75) = 4.21716...
    expect(cubicK(100 * MSS, 70 * MSS, MSS)).toBeCloseTo(4.217163, 5);
    expect(cubicK(10 * MSS, 7 * MSS, MSS)).toBeCloseTo(1.957434, 5); // cbrt(7.5)
    expect(cubicK(50 * MSS, 50 * MSS, MSS)).toBe(0);
  });

  it('RFC 9438 §4.2: W_cubic(t) = C * (t - K)^3 + W_max matches a hand computation', () => {
    const k = cubicK(100 * MSS, 70 * MSS, MSS);
    expect(wCubic(0, k, 100 * MSS, MSS)).toBeCloseTo(70 * MSS, 6);
    expect(wCubic(k, k, 100 * MSS, MSS)).toBeCloseTo(100 * MSS, 9);
    expect(wCubic(k + 1, k, 100 * MSS, MSS)).toBeCloseTo(100.4 * MSS, 6);
    expect(wCubic(k + 2, k, 100 * MSS, MSS)).toBeCloseTo(103.2 * MSS, 6);
    expect(wCubic(1, 0, 50 * MSS, MSS)).toBeCloseTo(50.4 * MSS, 6);
    expect(CUBIC_C).toBe(0.4);
  });

  it('RFC 9438 §4.2: growth follows the cubic curve: concave below W_max, a plateau at K, convex above', () => {
    const cc = afterLossAt100();
    const k = cc.k;
    const rounds = runRounds(cc, 1_000_000, 100, 55);
    let prevCwnd = 70 * MSS;
    let prevGrowth = Infinity;
    for (const { t, cwnd } of rounds) {
      // After an RTT of acks the window sits between W_cubic(t) and target = W_cubic(t + RTT)
      // (within 60 bytes: whole-byte windows and per-ack steps lag the curve slightly).
      expect(cwnd).toBeGreaterThanOrEqual(wCubic(t, k, 100 * MSS, MSS) - 60);
      expect(cwnd).toBeLessThanOrEqual(wCubic(t + 0.1, k, 100 * MSS, MSS) + 60);
      const growth = cwnd - prevCwnd;
      if (t < k - 0.5) {
        expect(cwnd).toBeLessThan(100 * MSS); // concave region
        expect(growth).toBeLessThanOrEqual(prevGrowth); // decelerating
      }
      if (t > k + 0.5) {
        expect(cwnd).toBeGreaterThan(100 * MSS); // convex region
        expect(growth).toBeGreaterThanOrEqual(prevGrowth); // accelerating
      }
      if (Math.abs(t - k) < 0.3) expect(Math.abs(cwnd - 100 * MSS)).toBeLessThan(0.005 * 100 * MSS);
      prevGrowth = growth;
      prevCwnd = cwnd;
    }
  });

  it('RFC 9438 §4.2: target is at most 1.5 * cwnd per RTT', () => {
    // W_max far above cwnd, t far beyond K: W_cubic(t + RTT) is huge, growth per ack is capped.
    const cc = afterLossAt100();
    const before = cc.congestionWindow;
    cc.onPacketsAcked(instant(1_000_000 + 60_000_000), [pkt(1, 1_000_001)], rttOf(100), false);
    // One 1200-byte ack adds at most (1.5 * cwnd - cwnd) * 1200 / cwnd = 600 bytes.
    expect(cc.congestionWindow - before).toBeLessThanOrEqual(600);
    expect(cc.congestionWindow - before).toBeGreaterThanOrEqual(599);
  });

  it('RFC 9438 §4.2: a target below cwnd never shrinks the window', () => {
    const cc = afterLossAt100();
    // One ack right after the epoch with a zero RTT: W_cubic(t + RTT) ~ cwnd.
    cc.onPacketsAcked(instant(1_000_001), [pkt(1, 1_000_001)], rttOf(0), false);
    expect(cc.congestionWindow).toBeGreaterThanOrEqual(84_000);
  });
});

describe('RFC 9438 §4.3: Reno-friendly region', () => {
  it('RFC 9438 §4.3: alpha_cubic = 3 * (1 - beta) / (1 + beta)', () => {
    expect(CUBIC_BETA).toBe(0.7);
    expect(CUBIC_ALPHA).toBeCloseTo((3 * 0.3) / 1.7, 12);
  });

  it('RFC 9438 §4.3: with a short RTT and a small window W_est dominates and cwnd follows it', () => {
    const cc = new Cubic({ maxDatagramSize: MSS, initialWindow: 10 * MSS, hystart: false });
    cc.onPacketsLost(instant(1_000_000), [pkt(0, 999_000)], false);
    expect(cc.congestionWindow).toBe(8400);
    expect(cc.wEst).toBe(8400);
    cc.onPacketsAcked(instant(1_001_000), [pkt(1, 1_000_500)], rttOf(1), false);
    // W_est = W_est + alpha * segments_acked / cwnd (in bytes: alpha * 1200 * 1200 / 8400).
    const expected = 8400 + (CUBIC_ALPHA * MSS * MSS) / 8400;
    expect(cc.wEst).toBeCloseTo(expected, 9);
    expect(cc.congestionWindow).toBe(Math.floor(expected));
    expect(wCubic(0.001, cc.k, 10 * MSS, MSS)).toBeLessThan(expected);
    // Many short rounds later the window still tracks W_est, far above W_cubic(t).
    const rounds = runRounds(cc, 1_001_000, 1, 40, 2);
    const last = rounds[rounds.length - 1]!;
    expect(last.cwnd).toBe(Math.floor(last.wEst));
    expect(last.cwnd).toBeGreaterThan(wCubic(last.t + 0.001, cc.k, 10 * MSS, MSS));
  });

  it('RFC 9438 §4.3: W_est grows by alpha_cubic segments per RTT, and by 1 once W_est >= cwnd_prior', () => {
    const cc = afterLossAt100();
    const rounds = runRounds(cc, 1_000_000, 100, 75);
    const early = rounds[5]!.wEst - rounds[4]!.wEst;
    expect(early / MSS).toBeGreaterThan(CUBIC_ALPHA * 0.97);
    expect(early / MSS).toBeLessThan(CUBIC_ALPHA * 1.03);
    const late = rounds[74]!.wEst - rounds[73]!.wEst;
    expect(rounds[73]!.wEst).toBeGreaterThanOrEqual(cc.cwndPrior!);
    expect(late / MSS).toBeGreaterThan(0.97);
    expect(late / MSS).toBeLessThanOrEqual(1.0);
    // and by then the Reno-friendly estimate is the window.
    expect(rounds[74]!.cwnd).toBe(Math.floor(rounds[74]!.wEst));
  });
});

describe('RFC 9438 §4.6: multiplicative decrease', () => {
  it('RFC 9438 §4.6: a loss sets cwnd = ssthresh = 0.7 * cwnd and W_max = cwnd', () => {
    const cc = afterLossAt100();
    expect(cc.congestionWindow).toBe(84_000);
    expect(cc.slowStartThreshold).toBe(84_000);
    expect(cc.wMax).toBe(120_000);
    expect(cc.cwndPrior).toBe(120_000);
    expect(cc.k).toBeCloseTo(Math.cbrt(75), 9);
    expect(cc.inRecovery).toBe(true);
    expect(cc.inSlowStart).toBe(false);
    expect(cc.epochStart).toBe(1_000_000);
  });

  it('RFC 9438 §4.6: the window is reduced once per recovery period (RFC 9002 §7.3.2)', () => {
    const cc = afterLossAt100();
    cc.onPacketsLost(instant(1_050_000), [pkt(1, 950_000)], false);
    cc.onPacketsLost(instant(1_060_000), [pkt(2, 1_000_000)], false);
    expect(cc.congestionWindow).toBe(84_000);
    cc.onPacketsAcked(instant(1_100_000), [pkt(3, 999_999)], rttOf(100), false);
    expect(cc.congestionWindow).toBe(84_000); // no growth for a pre-recovery packet
    expect(cc.inRecovery).toBe(true);
    cc.onPacketsAcked(instant(1_100_001), [pkt(4, 1_000_001)], rttOf(100), false);
    expect(cc.inRecovery).toBe(false);
    expect(cc.congestionWindow).toBeGreaterThan(84_000);
  });

  it('RFC 9438 §4.6: an ECN-CE increase reduces by beta_cubic too', () => {
    const cc = new Cubic({ maxDatagramSize: MSS, hystart: false });
    cc.onEcnCongestion(instant(500_000), instant(400_000));
    expect(cc.congestionWindow).toBe(8400);
    cc.onEcnCongestion(instant(510_000), instant(450_000));
    expect(cc.congestionWindow).toBe(8400);
  });

  it('RFC 9438 §4.6: the window never goes below 2 segments (RFC 9002 kMinimumWindow)', () => {
    const cc = new Cubic({ maxDatagramSize: MSS, hystart: false });
    for (let i = 1; i <= 12; i++) cc.onPacketsLost(instant(i * 1_000_000), [pkt(i, i * 1_000_000 - 1)], false);
    expect(cc.congestionWindow).toBe(2 * MSS);
    expect(cc.slowStartThreshold).toBe(2 * MSS);
  });
});

describe('RFC 9438 §4.7: fast convergence', () => {
  it('RFC 9438 §4.7: a loss below W_max lowers W_max to cwnd * (1 + beta) / 2', () => {
    const cc = afterLossAt100();
    runRounds(cc, 1_000_000, 100, 10);
    const cwnd = cc.congestionWindow;
    expect(cwnd).toBeLessThan(120_000);
    cc.onPacketsLost(instant(2_500_000), [pkt(10_000, 2_400_000)], false);
    expect(cc.wMax!).toBeCloseTo((cwnd * 1.7) / 2, -1);
    expect(cc.wMax!).toBeLessThan(cwnd);
  });

  it('RFC 9438 §4.7: without fast convergence W_max is the window before the reduction', () => {
    const cc = afterLossAt100({ fastConvergence: false });
    runRounds(cc, 1_000_000, 100, 10);
    const cwnd = cc.congestionWindow;
    cc.onPacketsLost(instant(2_500_000), [pkt(10_000, 2_400_000)], false);
    expect(cc.wMax!).toBeCloseTo(cwnd, -1);
  });
});

describe('RFC 9438 §4.8: persistent congestion (timeout)', () => {
  it('RFC 9438 §4.8: persistent congestion collapses to the minimum window; the next avoidance stage uses K = 0, W_max = cwnd', () => {
    const cc = afterLossAt100();
    cc.onPacketsLost(instant(5_000_000), [pkt(1, 1_500_000), pkt(2, 4_000_000)], true);
    expect(cc.congestionWindow).toBe(2 * MSS);
    expect(cc.inSlowStart).toBe(true);
    expect(cc.inRecovery).toBe(false);
    const ssthresh = cc.slowStartThreshold;
    // Slow start back up to ssthresh, then one more ack starts congestion avoidance.
    let pn = 10;
    let now = 5_100_000;
    while (cc.inSlowStart) cc.onPacketsAcked(instant(now++), [pkt(pn++, 5_000_001)], rttOf(100), false);
    expect(cc.congestionWindow).toBeGreaterThanOrEqual(ssthresh);
    cc.onPacketsAcked(instant(now), [pkt(pn++, 5_000_001)], rttOf(100), false);
    expect(cc.k).toBe(0);
    expect(cc.epochStart).toBe(now);
    expect(cc.wMax).toBeLessThanOrEqual(cc.congestionWindow);
    expect(cc.wMax).toBeGreaterThanOrEqual(ssthresh);
  });
});

describe('RFC 9438 §5.8: application-limited flows', () => {
  it('RFC 9438 §5.8: no growth while application-limited, and the idle time is cut out of t', () => {
    const cc = afterLossAt100();
    cc.onPacketsAcked(instant(1_200_000), [pkt(1, 1_100_000)], rttOf(100), false);
    const w = cc.congestionWindow;
    for (let i = 0; i < 30; i++) cc.onPacketsAcked(instant(2_000_000 + i * 100_000), [pkt(2 + i, 1_900_000 + i * 100_000)], rttOf(100), true);
    expect(cc.congestionWindow).toBe(w);
    expect(cc.epochStart).toBe(1_000_000);
    // Growth resumes at 5 s after 3 s application-limited: t_epoch moves 3 s later.
    cc.onPacketsAcked(instant(5_000_000), [pkt(100, 4_900_000)], rttOf(100), false);
    expect(cc.epochStart).toBe(4_000_000 as Instant);
    // The window is where 1 s of avoidance puts it, not 4 s.
    expect(cc.congestionWindow).toBeLessThan(wCubic(1.2, cc.k, 120_000, MSS));
  });

  it('RFC 9438 §5.8: an application-limited period that began before the epoch shifts it only by the time since the epoch', () => {
    const cc = new Cubic({ maxDatagramSize: MSS, initialWindow: 100 * MSS, hystart: false });
    cc.onPacketsAcked(instant(500_000), [pkt(1, 400_000)], rttOf(100), true);
    cc.onPacketsLost(instant(1_000_000), [pkt(0, 900_000)], false);
    cc.onPacketsAcked(instant(1_500_000), [pkt(2, 1_400_000)], rttOf(100), false);
    expect(cc.epochStart).toBe(1_500_000 as Instant);
  });
});

describe('RFC 9002 §7.7: CUBIC pacing rate and datagram size', () => {
  it('RFC 9002 §7.7: rate = 1.25 * cwnd / smoothed_rtt', () => {
    const cc = new Cubic({ maxDatagramSize: MSS });
    expect(cc.pacingRate(rttOf(50))).toBeCloseTo((1.25 * 12_000) / 0.05, 6);
    expect(cc.pacingRate(undefined)).toBeUndefined();
  });

  it('RFC 9002 §7.2: the initial window follows a datagram size change before feedback', () => {
    const cc = new Cubic({ maxDatagramSize: MSS });
    cc.setMaxDatagramSize(1500);
    expect(cc.congestionWindow).toBe(14_720);
    expect(() => cc.setMaxDatagramSize(100)).toThrow(RangeError);
  });
});
