import { describe, expect, it } from 'vitest';
import { RttEstimator, kGranularity, kInitialRtt } from '../../../src/recovery/rtt-estimator.js';
import { type Duration, instant, micros, millis } from '../../../src/util/time.js';

const ms = (v: number): Duration => millis(v);
const NO_MAX: Duration = millis(25);

describe('RFC 9002 §5: RTT estimator', () => {
  it('RFC 9002 §6.2.2: before a sample, smoothed_rtt = kInitialRtt (333 ms) and rttvar = kInitialRtt / 2', () => {
    const rtt = new RttEstimator();
    expect(kInitialRtt).toBe(333_000);
    expect(rtt.smoothedRtt).toBe(333_000);
    expect(rtt.rttvar).toBe(166_500);
    expect(rtt.hasSample).toBe(false);
    expect(rtt.firstRttSample).toBeUndefined();
    // §6.2.1: PTO base = smoothed_rtt + max(4*rttvar, kGranularity) = 333 + 666 ms.
    expect(rtt.ptoBase()).toBe(999_000);
    expect(rtt.sample()).toEqual({ latestRtt: 333_000, smoothedRtt: 333_000, minRtt: 333_000 });
  });

  it('RFC 9002 §5.3: the first sample sets min_rtt and smoothed_rtt to latest_rtt and rttvar to half, ignoring ack delay', () => {
    const rtt = new RttEstimator();
    rtt.updateRtt(ms(100), ms(10), false, NO_MAX, instant(5));
    expect(rtt.latestRtt).toBe(100_000);
    expect(rtt.minRtt).toBe(100_000);
    expect(rtt.smoothedRtt).toBe(100_000);
    expect(rtt.rttvar).toBe(50_000);
    expect(rtt.firstRttSample).toBe(5);
    expect(rtt.ptoBase()).toBe(300_000);
  });

  it('RFC 9002 §5.3: EWMA steps subtract a plausible ack delay and keep it when it would go below min_rtt', () => {
    const rtt = new RttEstimator();
    rtt.updateRtt(ms(100), ms(0), false, NO_MAX, instant(0));
    // 120 >= 100 + 8: adjusted_rtt = 112; rttvar = 3/4*50 + 1/4*12 = 40.5; smoothed = 7/8*100 + 1/8*112 = 101.5.
    rtt.updateRtt(ms(120), ms(8), false, NO_MAX, instant(1));
    expect(rtt.rttvar).toBe(40_500);
    expect(rtt.smoothedRtt).toBe(101_500);
    expect(rtt.minRtt).toBe(100_000);
    // 105.5 < 100 + 10: the delay is not subtracted. rttvar = (3*40.5 + 4)/4 = 31.375; smoothed = (7*101.5 + 105.5)/8 = 102.
    rtt.updateRtt(micros(105_500), ms(10), false, NO_MAX, instant(2));
    expect(rtt.rttvar).toBe(31_375);
    expect(rtt.smoothedRtt).toBe(102_000);
    expect(rtt.latestRtt).toBe(105_500);
  });

  it('RFC 9002 §5.3: after handshake confirmation the ack delay is capped at max_ack_delay', () => {
    const confirmed = new RttEstimator();
    confirmed.updateRtt(ms(100), ms(0), true, ms(25), instant(0));
    // min(100, 25) = 25; 300 >= 100 + 25 → adjusted 275; rttvar = (3*50 + 175)/4 = 81.25; smoothed = (700 + 275)/8 = 121.875.
    confirmed.updateRtt(ms(300), ms(100), true, ms(25), instant(1));
    expect(confirmed.rttvar).toBe(81_250);
    expect(confirmed.smoothedRtt).toBe(121_875);

    const unconfirmed = new RttEstimator();
    unconfirmed.updateRtt(ms(100), ms(0), false, ms(25), instant(0));
    // Before confirmation max_ack_delay is ignored: adjusted = 300 - 100 = 200; rttvar = 62.5; smoothed = 112.5.
    unconfirmed.updateRtt(ms(300), ms(100), false, ms(25), instant(1));
    expect(unconfirmed.rttvar).toBe(62_500);
    expect(unconfirmed.smoothedRtt).toBe(112_500);
  });

  it('RFC 9002 §5.2: min_rtt is the minimum latest_rtt, without ack delay adjustment', () => {
    const rtt = new RttEstimator();
    rtt.updateRtt(ms(100), ms(0), false, NO_MAX, instant(0));
    rtt.updateRtt(ms(80), ms(0), false, NO_MAX, instant(1));
    expect(rtt.minRtt).toBe(80_000);
    rtt.updateRtt(ms(90), ms(50), false, NO_MAX, instant(2));
    expect(rtt.minRtt).toBe(80_000);
    rtt.updateRtt(ms(200), ms(0), false, NO_MAX, instant(3));
    expect(rtt.minRtt).toBe(80_000);
    expect(rtt.sample()).toEqual({ latestRtt: 200_000, smoothedRtt: rtt.smoothedRtt, minRtt: 80_000 });
  });

  it('RFC 9002 §6.2.1: the PTO base uses kGranularity when 4*rttvar is smaller', () => {
    const rtt = new RttEstimator();
    rtt.updateRtt(micros(200), ms(0), false, NO_MAX, instant(0));
    expect(rtt.rttvar).toBe(100);
    expect(kGranularity).toBe(1_000);
    expect(rtt.ptoBase()).toBe(1_200);
  });

  it('RFC 9000 §9.4: reset restores the initial RTT', () => {
    const rtt = new RttEstimator(ms(100));
    rtt.updateRtt(ms(10), ms(0), false, NO_MAX, instant(0));
    rtt.reset();
    expect(rtt.smoothedRtt).toBe(100_000);
    expect(rtt.rttvar).toBe(50_000);
    expect(rtt.hasSample).toBe(false);
    expect(rtt.minRtt).toBe(0);
  });
});
