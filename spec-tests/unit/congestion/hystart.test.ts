import { describe, it, expect } from 'vitest';
import { HYSTART, HyStartPhase, HyStartPlusPlus } from '../../../src/congestion/hystart.js';
import { Cubic } from '../../../src/congestion/cubic.js';
import { NewReno } from '../../../src/congestion/new-reno.js';
import type { CongestionPacket } from '../../../src/congestion/controller.js';
import { instant, millis } from '../../../src/util/time.js';
import type { Instant } from '../../../src/util/time.js';

const ROUND_US = 100_000;

/**
 * Round r's acks arrive at (r + 1) * 100 ms + j * 10 µs and acknowledge packets sent at r * 100 ms
 * + j * 10 µs: the first ack of round r + 1 acknowledges a packet sent exactly when round r began
 * (so it ends round r), the later ones packets sent before it began.
 */
function roundAcks(r: number, samples: number): { now: Instant; acked: CongestionPacket[] }[] {
  const out: { now: Instant; acked: CongestionPacket[] }[] = [];
  for (let j = 0; j < samples; j++) {
    out.push({
      now: instant((r + 1) * ROUND_US + j * 10),
      acked: [{ packetNumber: r * 100 + j, timeSent: instant(r * ROUND_US + j * 10), sentBytes: 1200 }],
    });
  }
  return out;
}

/** Feeds `rounds` rounds with the given RTT (ms) per round; returns the round index whose ack said "exit". */
function feed(h: HyStartPlusPlus, rtts: number[], startRound = 0, samples: number = HYSTART.N_RTT_SAMPLE): number | undefined {
  let exitRound: number | undefined;
  rtts.forEach((rtt, i) => {
    for (const a of roundAcks(startRound + i, samples)) {
      if (h.onAck(a.now, a.acked, millis(rtt)) && exitRound === undefined) exitRound = startRound + i;
    }
  });
  return exitRound;
}

describe('draft-ietf-tcpm-hystartplusplus-04 §4.2: HyStart++', () => {
  it('draft-ietf-tcpm-hystartplusplus-04 §4.3: the RECOMMENDED constants', () => {
    expect(HYSTART).toEqual({
      MIN_RTT_THRESH: 4000,
      MAX_RTT_THRESH: 16000,
      MIN_RTT_DIVISOR: 8,
      N_RTT_SAMPLE: 8,
      CSS_GROWTH_DIVISOR: 4,
      CSS_ROUNDS: 5,
    });
  });

  it('draft-ietf-tcpm-hystartplusplus-04 §4.2: a stable RTT stays in slow start', () => {
    const h = new HyStartPlusPlus();
    expect(feed(h, Array(20).fill(50))).toBeUndefined();
    expect(h.phase).toBe(HyStartPhase.SlowStart);
    expect(h.growthDivisor).toBe(1);
  });

  it('draft-ietf-tcpm-hystartplusplus-04 §4.2: an RTT increase above the threshold enters CSS, and CSS_ROUNDS later congestion avoidance', () => {
    const h = new HyStartPlusPlus();
    // lastRoundMinRTT 50 ms: RttThresh = clamp(4, 6.25, 16) = 6.25 ms; 60 ms >= 56.25 ms.
    expect(feed(h, [50, 50, 50])).toBeUndefined();
    for (const [j, a] of roundAcks(3, HYSTART.N_RTT_SAMPLE).entries()) {
      h.onAck(a.now, a.acked, millis(60));
      // Only the N_RTT_SAMPLE-th sample of the round may trigger the exit.
      expect(h.phase).toBe(j < HYSTART.N_RTT_SAMPLE - 1 ? HyStartPhase.SlowStart : HyStartPhase.ConservativeSlowStart);
    }
    expect(h.growthDivisor).toBe(HYSTART.CSS_GROWTH_DIVISOR);
    expect(h.cssRounds).toBe(1); // the partial round counts
    // Rounds 4..7 are CSS rounds 2..5; the end of round 7 (first ack of round 8) completes CSS.
    expect(feed(h, [60, 60, 60, 60], 4)).toBeUndefined();
    expect(h.cssRounds).toBe(5);
    expect(h.phase).toBe(HyStartPhase.ConservativeSlowStart);
    expect(feed(h, [60], 8)).toBe(8);
    expect(h.phase).toBe(HyStartPhase.Done);
    expect(h.growthDivisor).toBe(1);
  });

  it('draft-ietf-tcpm-hystartplusplus-04 §4.2: an RTT that is only slightly higher does not leave slow start', () => {
    const h = new HyStartPlusPlus();
    expect(feed(h, [50, 50, 56.2, 56.2, 62.4])).toBeUndefined();
    expect(h.phase).toBe(HyStartPhase.SlowStart);
  });

  it('draft-ietf-tcpm-hystartplusplus-04 §4.2: fewer than N_RTT_SAMPLE samples per round never trigger the exit', () => {
    const h = new HyStartPlusPlus();
    feed(h, [50, 50, 100, 150, 200], 0, HYSTART.N_RTT_SAMPLE - 1);
    expect(h.phase).toBe(HyStartPhase.SlowStart);
  });

  it('draft-ietf-tcpm-hystartplusplus-04 §4.2: RttThresh is clamped to MAX_RTT_THRESH', () => {
    const a = new HyStartPlusPlus();
    feed(a, [200, 215.9]); // 200/8 = 25 ms would not trigger; the 16 ms clamp would at 216
    expect(a.phase).toBe(HyStartPhase.SlowStart);
    const b = new HyStartPlusPlus();
    feed(b, [200, 216]);
    expect(b.phase).toBe(HyStartPhase.ConservativeSlowStart);
  });

  it('draft-ietf-tcpm-hystartplusplus-04 §4.2: RttThresh is clamped to MIN_RTT_THRESH', () => {
    const a = new HyStartPlusPlus();
    feed(a, [10, 13.9]); // 10/8 = 1.25 ms is raised to 4 ms
    expect(a.phase).toBe(HyStartPhase.SlowStart);
    const b = new HyStartPlusPlus();
    feed(b, [10, 14]);
    expect(b.phase).toBe(HyStartPhase.ConservativeSlowStart);
  });

  it('draft-ietf-tcpm-hystartplusplus-04 §4.2: a CSS round whose RTT drops below the baseline resumes slow start', () => {
    const h = new HyStartPlusPlus();
    feed(h, [50, 60]);
    expect(h.phase).toBe(HyStartPhase.ConservativeSlowStart);
    for (const [j, a] of roundAcks(2, HYSTART.N_RTT_SAMPLE).entries()) {
      h.onAck(a.now, a.acked, millis(50));
      expect(h.phase).toBe(j < HYSTART.N_RTT_SAMPLE - 1 ? HyStartPhase.ConservativeSlowStart : HyStartPhase.SlowStart);
    }
    expect(h.growthDivisor).toBe(1);
    // HyStart++ is still active: a later increase enters CSS again.
    feed(h, [50, 70], 3);
    expect(h.phase).toBe(HyStartPhase.ConservativeSlowStart);
  });

  it('draft-ietf-tcpm-hystartplusplus-04 §4.2: a round ends only when a packet sent after its start is acknowledged', () => {
    const h = new HyStartPlusPlus();
    feed(h, [50]);
    // Many samples in "round 1" that all acknowledge packets sent before round 1 began: no new
    // round, so lastRoundMinRTT stays infinite and nothing can trigger.
    for (let j = 0; j < 30; j++) {
      h.onAck(instant(2 * ROUND_US + j), [{ packetNumber: j, timeSent: instant(ROUND_US - 1), sentBytes: 1200 }], millis(500));
    }
    expect(h.phase).toBe(HyStartPhase.SlowStart);
  });

  it('draft-ietf-tcpm-hystartplusplus-04 §4.2: loss or ECN during slow start or CSS ends HyStart++', () => {
    const h = new HyStartPlusPlus();
    feed(h, [50, 60]);
    h.onCongestionEvent();
    expect(h.phase).toBe(HyStartPhase.Done);
    expect(feed(h, [50, 50, 100, 100, 100, 100, 100, 100, 100], 2)).toBeUndefined();
    expect(h.phase).toBe(HyStartPhase.Done);
  });
});

describe('RFC 9438 §4.10: controllers with HyStart++', () => {
  function drive(cc: Cubic | NewReno, rtts: number[], startRound = 0): void {
    rtts.forEach((rtt, i) => {
      for (const a of roundAcks(startRound + i, HYSTART.N_RTT_SAMPLE)) {
        cc.onPacketsAcked(a.now, a.acked, { latestRtt: millis(rtt), smoothedRtt: millis(rtt), minRtt: millis(rtt) }, false);
      }
    });
  }

  it('RFC 9438 §4.10: CUBIC grows by a quarter in CSS and then enters congestion avoidance with ssthresh = cwnd', () => {
    const cc = new Cubic({ maxDatagramSize: 1200 });
    expect(cc.hystart?.phase).toBe(HyStartPhase.SlowStart);
    drive(cc, [50, 60]);
    expect(cc.hystart?.phase).toBe(HyStartPhase.ConservativeSlowStart);
    const before = cc.congestionWindow;
    cc.onPacketsAcked(instant(2 * ROUND_US + 100), [{ packetNumber: 999, timeSent: instant(ROUND_US + 5), sentBytes: 1200 }], { latestRtt: millis(60), smoothedRtt: millis(60), minRtt: millis(50) }, false);
    expect(cc.congestionWindow - before).toBe(300);
    drive(cc, [60, 60, 60, 60, 60], 2);
    expect(cc.hystart?.phase).toBe(HyStartPhase.Done);
    expect(cc.inSlowStart).toBe(false);
    expect(cc.slowStartThreshold).toBeGreaterThan(12_000);
    expect(cc.cwndPrior).toBe(cc.slowStartThreshold);
    // §4.10: W_max = cwnd at the start of congestion avoidance, K = 0.
    expect(cc.wMax).toBe(cc.slowStartThreshold);
    expect(cc.k).toBe(0);
  });

  it('RFC 9438 §4.10: CUBIC without HyStart++ stays in slow start on RTT increases', () => {
    const cc = new Cubic({ maxDatagramSize: 1200, hystart: false });
    expect(cc.hystart).toBeUndefined();
    drive(cc, [50, 60, 80, 100, 120, 140, 160, 180, 200]);
    expect(cc.inSlowStart).toBe(true);
    expect(cc.congestionWindow).toBe(12_000 + 9 * 8 * 1200);
  });

  it('draft-ietf-tcpm-hystartplusplus-04 §4.2: NewReno with HyStart++ leaves slow start after CSS', () => {
    const cc = new NewReno({ maxDatagramSize: 1200, hystart: true });
    drive(cc, [50, 60, 60, 60, 60, 60, 60, 60]);
    expect(cc.hystart?.phase).toBe(HyStartPhase.Done);
    expect(cc.inSlowStart).toBe(false);
    expect(new NewReno({ maxDatagramSize: 1200 }).hystart).toBeUndefined();
  });
});
