import { describe, expect, it } from 'vitest';
import { LossDetection } from '../../../src/recovery/loss-detection.js';
import type { SentEcn } from '../../../src/recovery/sent-packet.js';
import { type Instant, instant, millis } from '../../../src/util/time.js';
import { TransportError, TransportErrorCode } from '../../../src/wire/errors.js';
import type { AckFrame, EcnCounts } from '../../../src/wire/frame-types.js';
import { PacketNumberSpace } from '../../../src/wire/packet-type.js';
import { FakeController } from './fake-controller.js';

const INITIAL = PacketNumberSpace.Initial;
const HANDSHAKE = PacketNumberSpace.Handshake;
const APP = PacketNumberSpace.ApplicationData;
const t = (ms: number): Instant => instant(ms * 1000);

function setup(opts: { validated?: boolean; confirmed?: boolean; maxTracked?: number } = {}) {
  const cc = new FakeController();
  const ld = new LossDetection<string>(cc, { peerCompletedAddressValidation: opts.validated ?? true, maxTrackedPackets: opts.maxTracked });
  if (opts.confirmed ?? true) ld.setHandshakeConfirmed(t(0));
  return { cc, ld };
}

function send(
  ld: LossDetection<string>,
  space: PacketNumberSpace,
  pn: number,
  atMs: number,
  o: { ackEliciting?: boolean; inFlight?: boolean; bytes?: number; ecn?: SentEcn } = {},
) {
  return ld.onPacketSent(
    space,
    { packetNumber: pn, ackEliciting: o.ackEliciting ?? true, inFlight: o.inFlight ?? true, sentBytes: o.bytes ?? 1000, tokens: [`${space}#${pn}`], ecn: o.ecn ?? 'not-ect' },
    t(atMs),
  );
}

function ack(ranges: [number, number][], ackDelay = 0, ecn?: EcnCounts): AckFrame {
  return { type: 'ack', ackDelay, ranges: ranges.map(([largest, smallest]) => ({ largest, smallest })), ecn };
}

const pns = (ps: readonly { packetNumber: number }[]) => ps.map((p) => p.packetNumber);

describe('RFC 9002 §6.1: acknowledgment-based loss detection', () => {
  it('RFC 9002 §6.1.1: packet threshold: acking 4 declares 1 lost; 2 and 3 wait for the time threshold (§6.1.2)', () => {
    const { cc, ld } = setup();
    for (let pn = 1; pn <= 4; pn++) send(ld, APP, pn, pn - 1);
    expect(ld.bytesInFlight).toBe(4000);
    const r = ld.onAckReceived(ack([[4, 4]]), APP, t(103));
    expect(pns(r.acked)).toEqual([4]);
    expect(r.acked[0]!.tokens).toEqual(['application#4']);
    expect(pns(r.lost)).toEqual([1]);
    expect(r.lost[0]!.tokens).toEqual(['application#1']);
    expect(r.rttUpdated).toBe(true);
    expect(ld.rtt.smoothedRtt).toBe(100_000);
    expect(ld.bytesInFlight).toBe(2000);
    // A.7: OnPacketsLost before OnPacketsAcked.
    expect(cc.calls.filter((c) => c.kind !== 'sent').map((c) => c.kind)).toEqual(['lost', 'acked']);
    expect(cc.of('lost')[0]!.packetNumbers).toEqual([1]);
    expect(cc.of('acked')[0]!.packetNumbers).toEqual([4]);
    expect(cc.of('acked')[0]!.rtt.smoothedRtt).toBe(100_000);
    // loss_delay = 9/8 * 100 ms = 112.5 ms; loss_time = time_sent(2) + loss_delay.
    expect(ld.getLossTimeAndSpace()).toEqual({ time: t(113.5), space: APP });
    expect(ld.lossDetectionTimeout()).toBe(t(113.5));
    expect(ld.onLossDetectionTimeout(t(113.4))).toEqual({ kind: 'none' });
    const first = ld.onLossDetectionTimeout(t(113.5));
    expect(first.kind === 'lost' && pns(first.lost)).toEqual([2]);
    expect(ld.lossDetectionTimeout()).toBe(t(114.5));
    const second = ld.onLossDetectionTimeout(t(114.5));
    expect(second.kind === 'lost' && pns(second.lost)).toEqual([3]);
    expect(ld.bytesInFlight).toBe(0);
    expect(ld.lossDetectionTimeout()).toBeUndefined();
    expect(cc.of('lost').map((c) => c.packetNumbers)).toEqual([[1], [2], [3]]);
    expect(ld.ptoCount).toBe(0);
  });

  it('RFC 9002 §6.1.2: time threshold: a packet sent more than 9/8 RTT before the ack is lost', () => {
    const { ld } = setup();
    send(ld, APP, 0, 0);
    ld.onAckReceived(ack([[0, 0]]), APP, t(100));
    send(ld, APP, 1, 100);
    send(ld, APP, 2, 300);
    // latest_rtt = 100 ms, smoothed = 100 ms: loss_delay 112.5 ms; 1 was sent 300 ms before.
    const r = ld.onAckReceived(ack([[2, 2]]), APP, t(400));
    expect(pns(r.lost)).toEqual([1]);
  });

  it('RFC 9002 §5.1: an RTT sample needs the largest newly acked and an ack-eliciting packet among the newly acked', () => {
    const { ld } = setup();
    send(ld, APP, 0, 0);
    send(ld, APP, 1, 0);
    expect(ld.onAckReceived(ack([[1, 1]]), APP, t(100)).rttUpdated).toBe(true);
    const again = ld.onAckReceived(ack([[1, 0]]), APP, t(300));
    expect(pns(again.acked)).toEqual([0]);
    expect(again.rttUpdated).toBe(false);
    expect(ld.rtt.latestRtt).toBe(100_000);
    send(ld, APP, 2, 300, { ackEliciting: false, inFlight: false });
    const nonEliciting = ld.onAckReceived(ack([[2, 2]]), APP, t(900));
    expect(pns(nonEliciting.acked)).toEqual([2]);
    expect(nonEliciting.rttUpdated).toBe(false);
    // Nothing newly acknowledged: nothing happens.
    expect(ld.onAckReceived(ack([[2, 0]]), APP, t(901))).toEqual({ acked: [], lost: [], persistentCongestion: false, rttUpdated: false });
  });

  it('RFC 9002 §5.3: the ack delay (scaled by ack_delay_exponent) adjusts Application Data samples but may be ignored for Initial', () => {
    for (const [space, expected] of [
      [APP, 101_500],
      [INITIAL, 102_500],
    ] as const) {
      const { ld } = setup();
      send(ld, space, 0, 0);
      ld.onAckReceived(ack([[0, 0]]), space, t(100));
      send(ld, space, 1, 100);
      // raw 1000 * 2^3 = 8 ms; latest_rtt 120 ms.
      ld.onAckReceived(ack([[1, 1]], 1000), space, t(220));
      expect(ld.rtt.smoothedRtt).toBe(expected);
    }
  });

  it('RFC 9000 §13.1: acknowledging a packet never sent is a PROTOCOL_VIOLATION', () => {
    const { ld } = setup();
    const nothingSent = () => ld.onAckReceived(ack([[0, 0]]), HANDSHAKE, t(1));
    expect(nothingSent).toThrow(TransportError);
    try {
      nothingSent();
    } catch (e) {
      expect((e as TransportError).code).toBe(TransportErrorCode.PROTOCOL_VIOLATION);
      expect((e as TransportError).frameType).toBe(0x02);
    }
    for (let pn = 0; pn <= 2; pn++) send(ld, APP, pn, 0);
    expect(() => ld.onAckReceived(ack([[5, 5]]), APP, t(1))).toThrow(TransportError);
    expect(pns(ld.onAckReceived(ack([[2, 0]]), APP, t(1)).acked)).toEqual([0, 1, 2]);
  });
});

describe('RFC 9002 §6.2: probe timeout', () => {
  it('RFC 9002 §6.2.1: Application Data PTO = smoothed_rtt + max(4*rttvar, kGranularity) + max_ack_delay, doubling per pto_count', () => {
    const { ld } = setup();
    send(ld, APP, 0, 0);
    expect(ld.lossDetectionTimeout()).toBe(t(1024));
    expect(ld.onLossDetectionTimeout(t(1023.999))).toEqual({ kind: 'none' });
    expect(ld.onLossDetectionTimeout(t(1024))).toEqual({ kind: 'pto', space: APP, probes: 2, antiDeadlock: false });
    expect(ld.ptoCount).toBe(1);
    expect(ld.lossDetectionTimeout()).toBe(t(2048));
    ld.onLossDetectionTimeout(t(2048));
    expect(ld.ptoCount).toBe(2);
    expect(ld.lossDetectionTimeout()).toBe(t(4096));
    // The probe's packet restarts the period from its send time.
    send(ld, APP, 1, 4096);
    expect(ld.lossDetectionTimeout()).toBe(t(4096 + 4096));
  });

  it('RFC 9002 §6.2.1: Initial and Handshake PTOs do not include max_ack_delay; the earliest space wins', () => {
    const { ld } = setup();
    send(ld, APP, 0, 0);
    send(ld, INITIAL, 0, 10);
    expect(ld.getPtoTimeAndSpace(t(10))).toEqual({ time: t(1009), space: INITIAL });
    expect(ld.lossDetectionTimeout()).toBe(t(1009));
    send(ld, HANDSHAKE, 0, 5);
    expect(ld.lossDetectionTimeout()).toBe(t(1004));
  });

  it('RFC 9002 §6.2.1: no Application Data PTO before the handshake is confirmed', () => {
    const { ld } = setup({ confirmed: false });
    send(ld, APP, 0, 0);
    expect(ld.lossDetectionTimeout()).toBeUndefined();
    ld.setHandshakeConfirmed(t(10));
    expect(ld.lossDetectionTimeout()).toBe(t(1024));
    ld.setPeerTransportParameters(millis(100), 3, t(10));
    expect(ld.lossDetectionTimeout()).toBe(t(1099));
  });

  it('RFC 9002 A.8: the timer is not armed while the server is at its anti-amplification limit', () => {
    const { ld } = setup();
    send(ld, INITIAL, 0, 0);
    ld.setAmplificationLimited(true, t(1));
    expect(ld.lossDetectionTimeout()).toBeUndefined();
    ld.setAmplificationLimited(false, t(2));
    expect(ld.lossDetectionTimeout()).toBe(t(999));
  });

  it('RFC 9002 §6.2.2.1: a client with nothing in flight arms an anti-deadlock PTO: Initial, then Handshake once it has keys', () => {
    const { ld } = setup({ validated: false, confirmed: false });
    send(ld, INITIAL, 0, 0);
    expect(ld.lossDetectionTimeout()).toBe(t(999));
    ld.onAckReceived(ack([[0, 0]]), INITIAL, t(100));
    expect(ld.bytesInFlight).toBe(0);
    // smoothed 100, rttvar 50: the PTO period is 300 ms, from now.
    expect(ld.lossDetectionTimeout()).toBe(t(400));
    expect(ld.onLossDetectionTimeout(t(400))).toEqual({ kind: 'pto', space: INITIAL, probes: 1, antiDeadlock: true });
    expect(ld.ptoCount).toBe(1);
    expect(ld.lossDetectionTimeout()).toBe(t(1000));
    ld.setHasHandshakeKeys(t(500));
    expect(ld.lossDetectionTimeout()).toBe(t(1100));
    expect(ld.onLossDetectionTimeout(t(1100))).toEqual({ kind: 'pto', space: HANDSHAKE, probes: 1, antiDeadlock: true });
    ld.setPeerCompletedAddressValidation(t(1200));
    expect(ld.lossDetectionTimeout()).toBeUndefined();
  });

  it('RFC 9002 A.7: an ACK resets pto_count, except at a client unsure the server validated its address', () => {
    for (const validated of [true, false]) {
      const { ld } = setup({ validated });
      send(ld, HANDSHAKE, 0, 0);
      ld.onLossDetectionTimeout(t(999));
      expect(ld.ptoCount).toBe(1);
      send(ld, HANDSHAKE, 1, 999);
      ld.onAckReceived(ack([[1, 1]]), HANDSHAKE, t(1100));
      expect(ld.ptoCount).toBe(validated ? 0 : 1);
    }
  });
});

describe('RFC 9002 §6.4: discarding a packet-number space', () => {
  it('RFC 9002 A.11: discarding Initial removes its bytes in flight and loss state and resets pto_count', () => {
    const { cc, ld } = setup({ confirmed: false });
    send(ld, INITIAL, 0, 0, { bytes: 1200 });
    send(ld, HANDSHAKE, 0, 10, { bytes: 500 });
    ld.onLossDetectionTimeout(t(999));
    expect(ld.ptoCount).toBe(1);
    expect(ld.bytesInFlight).toBe(1700);
    const dropped = ld.discardSpace(INITIAL, t(1000));
    expect(dropped.map((p) => p.tokens)).toEqual([['initial#0']]);
    expect(ld.bytesInFlight).toBe(500);
    expect(ld.trackedPackets(INITIAL)).toBe(0);
    expect(ld.ptoCount).toBe(0);
    expect(ld.lossDetectionTimeout()).toBe(t(1009));
    // Discarded packets are neither acked nor lost for the controller.
    expect(cc.of('lost')).toEqual([]);
    expect(ld.onAckReceived(ack([[0, 0]]), INITIAL, t(1001)).acked).toEqual([]);
    expect(() => send(ld, INITIAL, 1, 1002)).toThrow(Error);
    expect(() => ld.discardSpace(APP, t(1003))).toThrow(Error);
  });
});

describe('RFC 9002 §7.6: persistent congestion through onAckReceived', () => {
  function scenario(times: number[], ackRanges: [number, number][], opts: { priorSample?: boolean; otherSpaceAckAt?: number } = {}) {
    const { cc, ld } = setup();
    if (opts.priorSample ?? true) {
      send(ld, APP, 0, 0);
      ld.onAckReceived(ack([[0, 0]]), APP, t(100));
    }
    let pn = 1;
    for (const at of times) {
      if (opts.otherSpaceAckAt !== undefined && at > opts.otherSpaceAckAt && ld.trackedPackets(HANDSHAKE) === 0 && ld.largestAcked(HANDSHAKE) < 0) {
        send(ld, HANDSHAKE, 0, opts.otherSpaceAckAt, { ackEliciting: false, inFlight: false });
        ld.onAckReceived(ack([[0, 0]]), HANDSHAKE, t(opts.otherSpaceAckAt + 50));
      }
      send(ld, APP, pn++, at);
    }
    const r = ld.onAckReceived(ack(ackRanges), APP, t(1600));
    return { r, cc };
  }

  it('RFC 9002 §7.6.2: ack-eliciting losses spanning more than the duration establish persistent congestion', () => {
    // After the second sample: smoothed 100 ms, rttvar 37.5 ms: (100 + 150 + 25) * 3 = 825 ms; span 200 → 1400.
    const { r, cc } = scenario([200, 700, 1300, 1400, 1500], [[5, 5]]);
    expect(pns(r.lost)).toEqual([1, 2, 3, 4]);
    expect(r.persistentCongestion).toBe(true);
    expect(cc.of('lost')[0]!.persistentCongestion).toBe(true);
  });

  it('RFC 9002 §7.6.2: a shorter span is not persistent congestion', () => {
    const { r, cc } = scenario([700, 800, 1300, 1400, 1500], [[5, 5]]);
    expect(pns(r.lost)).toEqual([1, 2, 3, 4]);
    expect(r.persistentCongestion).toBe(false);
    expect(cc.of('lost')[0]!.persistentCongestion).toBe(false);
  });

  it('RFC 9002 §7.6.2: a packet acknowledged between the two lost packets prevents it', () => {
    const { r } = scenario([200, 700, 1300, 1400, 1500], [
      [5, 5],
      [2, 2],
    ]);
    expect(pns(r.lost)).toEqual([1, 3, 4]);
    expect(r.persistentCongestion).toBe(false);
  });

  it('RFC 9002 §7.6.2: a packet acknowledged in another packet-number space between them prevents it', () => {
    const { r } = scenario([200, 700, 1300, 1400, 1500], [[5, 5]], { otherSpaceAckAt: 1000 });
    expect(pns(r.lost)).toEqual([1, 2, 3, 4]);
    expect(r.persistentCongestion).toBe(false);
  });

  it('RFC 9002 §7.6.2: losses of packets sent before the first RTT sample do not establish it', () => {
    const { ld } = setup();
    for (const [pn, at] of [
      [0, 0],
      [1, 500],
      [2, 1200],
      [3, 1300],
    ] as const) {
      send(ld, APP, pn, at);
    }
    const r = ld.onAckReceived(ack([[3, 3]]), APP, t(1400));
    expect(pns(r.lost)).toEqual([0, 1, 2]);
    expect(r.persistentCongestion).toBe(false);
  });
});

describe('RFC 9000 §13.4.2: ECN feedback', () => {
  it('RFC 9002 B.7: a new ECN-CE count is a congestion event; missing counts for ECT packets fail validation', () => {
    const { cc, ld } = setup();
    send(ld, APP, 0, 0, { ecn: 'ect0' });
    send(ld, APP, 1, 10, { ecn: 'ect0' });
    ld.onAckReceived(ack([[0, 0]], 0, { ect0: 1, ect1: 0, ce: 0 }), APP, t(100));
    expect(cc.of('ecn')).toEqual([]);
    ld.onAckReceived(ack([[1, 1]], 0, { ect0: 1, ect1: 0, ce: 1 }), APP, t(110));
    expect(cc.of('ecn')).toEqual([{ kind: 'ecn', now: t(110), timeSent: t(10) }]);
    expect(ld.ecnValidationFailed).toBe(false);
    send(ld, APP, 2, 120, { ecn: 'ect0' });
    ld.onAckReceived(ack([[2, 2]]), APP, t(220));
    expect(ld.ecnValidationFailed).toBe(true);
  });

  it('RFC 9000 §13.4.2.1: decreasing counts, or too small an increase, fail validation', () => {
    const a = setup();
    send(a.ld, APP, 0, 0, { ecn: 'ect0' });
    send(a.ld, APP, 1, 0, { ecn: 'ect0' });
    a.ld.onAckReceived(ack([[0, 0]], 0, { ect0: 1, ect1: 0, ce: 0 }), APP, t(100));
    a.ld.onAckReceived(ack([[1, 1]], 0, { ect0: 0, ect1: 0, ce: 0 }), APP, t(100));
    expect(a.ld.ecnValidationFailed).toBe(true);
    const b = setup();
    send(b.ld, APP, 0, 0, { ecn: 'ect1' });
    send(b.ld, APP, 1, 0, { ecn: 'ect1' });
    b.ld.onAckReceived(ack([[1, 0]], 0, { ect0: 0, ect1: 1, ce: 0 }), APP, t(100));
    expect(b.ld.ecnValidationFailed).toBe(true);
  });
});

describe('RFC 9002 A.1: bounded sent-packet tracking', () => {
  it('RFC 9002 A.1: past maxTrackedPackets the oldest packet is given up and returned', () => {
    const { ld } = setup({ maxTracked: 4 });
    const evicted: number[] = [];
    for (let pn = 0; pn < 6; pn++) evicted.push(...pns(send(ld, APP, pn, pn)));
    expect(evicted).toEqual([0, 1]);
    expect(ld.trackedPackets(APP)).toBe(4);
    expect(ld.bytesInFlight).toBe(4000);
    expect(() => send(ld, APP, 5, 10)).toThrow(Error);
  });

  it('RFC 9000 §19.3.1: a peer\'s huge ACK range costs no more than the packets tracked', () => {
    const { ld } = setup();
    send(ld, APP, 0, 0);
    send(ld, APP, 2 ** 40, 1);
    const r = ld.onAckReceived(ack([[2 ** 40, 0]]), APP, t(100));
    expect(pns(r.acked)).toEqual([0, 2 ** 40]);
    expect(ld.bytesInFlight).toBe(0);
  });
});
