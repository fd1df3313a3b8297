import { describe, it, expect } from 'vitest';
import { NewReno } from '../../../src/congestion/new-reno.js';
import type { CongestionPacket, RttSample } from '../../../src/congestion/controller.js';
import { instant, millis } from '../../../src/util/time.js';

const RTT: RttSample = { latestRtt: millis(100), smoothedRtt: millis(100), minRtt: millis(100) };

function pkt(pn: number, sentMs: number, bytes = 1200): CongestionPacket {
  return { packetNumber: pn, timeSent: instant(sentMs * 1000), sentBytes: bytes };
}
const at = (ms: number) => instant(ms * 1000);

describe('RFC 9002 §7.2: initial and minimum window', () => {
  it('RFC 9002 §7.2: kInitialWindow is 12000 bytes for 1200-byte datagrams', () => {
    const cc = new NewReno({ maxDatagramSize: 1200 });
    expect(cc.congestionWindow).toBe(12_000);
    expect(cc.slowStartThreshold).toBe(Infinity);
    expect(cc.inSlowStart).toBe(true);
    expect(cc.inRecovery).toBe(false);
  });

  it('RFC 9002 §7.2: kInitialWindow is limited to 14720 bytes for 1500-byte datagrams', () => {
    expect(new NewReno({ maxDatagramSize: 1500 }).congestionWindow).toBe(14_720);
  });

  it('RFC 9002 §7.2: kInitialWindow is 2 * max_datagram_size for 9000-byte datagrams', () => {
    expect(new NewReno({ maxDatagramSize: 9000 }).congestionWindow).toBe(18_000);
  });

  it('RFC 9002 §7.2: a configured initial window is used but not below kMinimumWindow', () => {
    expect(new NewReno({ maxDatagramSize: 1200, initialWindow: 30_000 }).congestionWindow).toBe(30_000);
    expect(new NewReno({ maxDatagramSize: 1200, initialWindow: 100 }).congestionWindow).toBe(2400);
  });

  it('RFC 9002 B.2: max_datagram_size below 1200 is rejected', () => {
    expect(() => new NewReno({ maxDatagramSize: 1199 })).toThrow(RangeError);
    expect(() => new NewReno({ maxDatagramSize: 1200 }).setMaxDatagramSize(1000)).toThrow(RangeError);
  });

  it('RFC 9002 §7.2: the initial window is recalculated when max_datagram_size changes before feedback', () => {
    const cc = new NewReno({ maxDatagramSize: 1200 });
    cc.setMaxDatagramSize(1500);
    expect(cc.congestionWindow).toBe(14_720);
    cc.setMaxDatagramSize(1200);
    expect(cc.congestionWindow).toBe(12_000);
  });

  it('RFC 9002 §7.2: after feedback a datagram size change only enforces the new minimum window', () => {
    const cc = new NewReno({ maxDatagramSize: 1200 });
    cc.onPacketsLost(at(10), [pkt(0, 0)], true);
    expect(cc.congestionWindow).toBe(2400);
    cc.setMaxDatagramSize(1500);
    expect(cc.congestionWindow).toBe(3000);
  });
});

describe('RFC 9002 §7.3.1: slow start', () => {
  it('RFC 9002 §7.3.1: the window grows by the bytes acknowledged', () => {
    const cc = new NewReno({ maxDatagramSize: 1200 });
    cc.onPacketsAcked(at(100), [pkt(0, 0), pkt(1, 0, 800)], RTT, false);
    expect(cc.congestionWindow).toBe(12_000 + 2000);
    cc.onPacketsAcked(at(101), [pkt(2, 1)], RTT, false);
    expect(cc.congestionWindow).toBe(15_200);
    expect(cc.inSlowStart).toBe(true);
  });

  it('RFC 9002 B.5: an empty acknowledgment changes nothing', () => {
    const cc = new NewReno({ maxDatagramSize: 1200 });
    cc.onPacketsAcked(at(100), [], RTT, false);
    cc.onPacketsLost(at(100), [], false);
    expect(cc.congestionWindow).toBe(12_000);
    expect(cc.inRecovery).toBe(false);
  });
});

describe('RFC 9002 §7.3.2: recovery', () => {
  it('RFC 9002 §7.3.2: a loss halves the window and sets ssthresh', () => {
    const cc = new NewReno({ maxDatagramSize: 1200 });
    cc.onPacketsLost(at(200), [pkt(3, 50), pkt(2, 40)], false);
    expect(cc.slowStartThreshold).toBe(6000);
    expect(cc.congestionWindow).toBe(6000);
    expect(cc.inRecovery).toBe(true);
    expect(cc.inSlowStart).toBe(false);
  });

  it('RFC 9002 §7.3.2: the window is reduced once per recovery period', () => {
    const cc = new NewReno({ maxDatagramSize: 1200 });
    cc.onPacketsLost(at(200), [pkt(3, 50)], false);
    // A packet sent before the recovery started is lost too: no second reduction.
    cc.onPacketsLost(at(210), [pkt(4, 150)], false);
    cc.onPacketsLost(at(220), [pkt(5, 200)], false); // sent_time <= start: still in recovery
    expect(cc.congestionWindow).toBe(6000);
    // A packet sent after the start is a new congestion event.
    cc.onPacketsLost(at(400), [pkt(9, 250)], false);
    expect(cc.congestionWindow).toBe(3000);
    expect(cc.slowStartThreshold).toBe(3000);
  });

  it('RFC 9002 §7.3.2: the window never falls below kMinimumWindow on loss', () => {
    const cc = new NewReno({ maxDatagramSize: 1200 });
    for (let i = 0; i < 6; i++) cc.onPacketsLost(at(1000 * (i + 1)), [pkt(i, 1000 * (i + 1) - 1)], false);
    expect(cc.congestionWindow).toBe(2400);
    expect(cc.slowStartThreshold).toBeLessThan(2400);
  });

  it('RFC 9002 §7.3.2: acks of pre-recovery packets do not grow the window nor end recovery', () => {
    const cc = new NewReno({ maxDatagramSize: 1200 });
    cc.onPacketsLost(at(200), [pkt(3, 50)], false);
    cc.onPacketsAcked(at(210), [pkt(4, 100), pkt(5, 200)], RTT, false);
    expect(cc.congestionWindow).toBe(6000);
    expect(cc.inRecovery).toBe(true);
  });

  it('RFC 9002 §7.3.2: acknowledging a packet sent during recovery ends it', () => {
    const cc = new NewReno({ maxDatagramSize: 1200 });
    cc.onPacketsLost(at(200), [pkt(3, 50)], false);
    cc.onPacketsAcked(at(310), [pkt(5, 200), pkt(6, 201)], RTT, false);
    expect(cc.inRecovery).toBe(false);
    // Only the post-recovery packet counted, in congestion avoidance: 1200 * 1200 / 6000.
    expect(cc.congestionWindow).toBe(6240);
  });

  it('RFC 9002 §7.3.2: a late loss of a pre-recovery packet after recovery ended does not reduce', () => {
    const cc = new NewReno({ maxDatagramSize: 1200 });
    cc.onPacketsLost(at(200), [pkt(3, 50)], false);
    cc.onPacketsAcked(at(310), [pkt(6, 201)], RTT, false);
    const w = cc.congestionWindow;
    cc.onPacketsLost(at(320), [pkt(4, 150)], false);
    expect(cc.congestionWindow).toBe(w);
    expect(cc.inRecovery).toBe(false);
  });
});

describe('RFC 9002 §7.3.3: congestion avoidance', () => {
  it('RFC 9002 §7.3.3: acking a full window grows it by about one datagram', () => {
    const cc = new NewReno({ maxDatagramSize: 1200 });
    cc.onPacketsLost(at(200), [pkt(0, 50)], false);
    let pn = 10;
    for (let round = 0; round < 5; round++) {
      const before = cc.congestionWindow;
      const count = Math.floor(before / 1200);
      const t = 300 + 100 * round;
      for (let i = 0; i < count; i++) cc.onPacketsAcked(at(t + i * 0.01), [pkt(pn++, t - 100 + i * 0.01)], RTT, false);
      const growth = cc.congestionWindow - before;
      expect(growth).toBeGreaterThan(900);
      expect(growth).toBeLessThanOrEqual(1200);
    }
  });
});

describe('RFC 9002 §7.6: persistent congestion', () => {
  it('RFC 9002 §7.6.2: persistent congestion collapses the window to kMinimumWindow and re-enters slow start', () => {
    const cc = new NewReno({ maxDatagramSize: 1200 });
    cc.onPacketsLost(at(3000), [pkt(0, 0), pkt(5, 2000)], true);
    expect(cc.congestionWindow).toBe(2400);
    expect(cc.slowStartThreshold).toBe(6000);
    expect(cc.inSlowStart).toBe(true);
    expect(cc.inRecovery).toBe(false);
    // congestion_recovery_start_time = 0: an ack of an older packet grows the window again.
    cc.onPacketsAcked(at(3100), [pkt(6, 2500)], RTT, false);
    expect(cc.congestionWindow).toBe(3600);
  });

  it('RFC 9002 §7.6.2: persistent congestion during a recovery period still collapses the window', () => {
    const cc = new NewReno({ maxDatagramSize: 1200 });
    cc.onPacketsLost(at(200), [pkt(3, 50)], false);
    cc.onPacketsLost(at(250), [pkt(4, 60)], true);
    expect(cc.congestionWindow).toBe(2400);
    expect(cc.slowStartThreshold).toBe(6000);
  });
});

describe('RFC 9002 §7.8: underutilizing the congestion window', () => {
  it('RFC 9002 §7.8: an application-limited sender does not grow the window in slow start', () => {
    const cc = new NewReno({ maxDatagramSize: 1200 });
    cc.onPacketsAcked(at(100), [pkt(0, 0), pkt(1, 0)], RTT, true);
    expect(cc.congestionWindow).toBe(12_000);
  });

  it('RFC 9002 §7.8: an application-limited sender does not grow the window in congestion avoidance, but recovery still ends', () => {
    const cc = new NewReno({ maxDatagramSize: 1200 });
    cc.onPacketsLost(at(200), [pkt(0, 50)], false);
    cc.onPacketsAcked(at(400), [pkt(10, 300)], RTT, true);
    expect(cc.congestionWindow).toBe(6000);
    expect(cc.inRecovery).toBe(false);
  });
});

describe('RFC 9002 §7.1: ECN', () => {
  it('RFC 9002 B.7: a new ECN-CE mark reduces the window once per recovery period', () => {
    const cc = new NewReno({ maxDatagramSize: 1200 });
    cc.onEcnCongestion(at(200), at(100));
    expect(cc.congestionWindow).toBe(6000);
    expect(cc.inRecovery).toBe(true);
    cc.onEcnCongestion(at(210), at(150));
    expect(cc.congestionWindow).toBe(6000);
    cc.onEcnCongestion(at(400), at(300));
    expect(cc.congestionWindow).toBe(3000);
  });
});

describe('RFC 9002 §7.7: pacing rate', () => {
  it('RFC 9002 §7.7: rate = 1.25 * congestion_window / smoothed_rtt', () => {
    const cc = new NewReno({ maxDatagramSize: 1200 });
    expect(cc.pacingRate(RTT)).toBeCloseTo(150_000, 6);
    expect(cc.pacingRate(undefined)).toBeUndefined();
    const zero: RttSample = { latestRtt: millis(0), smoothedRtt: millis(0), minRtt: millis(0) };
    expect(Number.isFinite(cc.pacingRate(zero))).toBe(true);
  });
});
