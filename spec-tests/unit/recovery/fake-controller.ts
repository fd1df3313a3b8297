/** A recording congestion controller for the recovery tests (no real window logic). */
import type { CongestionController, CongestionPacket, RttSample } from '../../../src/congestion/controller.js';
import type { Instant } from '../../../src/util/time.js';

/** One recorded call. */
export type CcCall =
  | { readonly kind: 'sent'; readonly now: Instant; readonly sentBytes: number; readonly bytesInFlight: number }
  | { readonly kind: 'acked'; readonly now: Instant; readonly packetNumbers: number[]; readonly rtt: RttSample; readonly appLimited: boolean }
  | { readonly kind: 'lost'; readonly now: Instant; readonly packetNumbers: number[]; readonly persistentCongestion: boolean }
  | { readonly kind: 'ecn'; readonly now: Instant; readonly timeSent: Instant };

/** Records every call; the window is a fixed large number. */
export class FakeController implements CongestionController {
  readonly algorithm = 'newreno' as const;
  congestionWindow = 1_000_000;
  slowStartThreshold = Infinity;
  inSlowStart = true;
  inRecovery = false;
  readonly calls: CcCall[] = [];

  onPacketSent(now: Instant, sentBytes: number, bytesInFlight: number): void {
    this.calls.push({ kind: 'sent', now, sentBytes, bytesInFlight });
  }
  onPacketsAcked(now: Instant, acked: readonly CongestionPacket[], rtt: RttSample, appLimited: boolean): void {
    this.calls.push({ kind: 'acked', now, packetNumbers: acked.map((p) => p.packetNumber), rtt, appLimited });
  }
  onPacketsLost(now: Instant, lost: readonly CongestionPacket[], persistentCongestion: boolean): void {
    this.calls.push({ kind: 'lost', now, packetNumbers: lost.map((p) => p.packetNumber), persistentCongestion });
  }
  onEcnCongestion(now: Instant, timeSent: Instant): void {
    this.calls.push({ kind: 'ecn', now, timeSent });
  }
  pacingRate(): number | undefined {
    return undefined;
  }
  setMaxDatagramSize(): void {}

  /** The recorded calls of one kind. */
  of<K extends CcCall['kind']>(kind: K): Extract<CcCall, { kind: K }>[] {
    return this.calls.filter((c): c is Extract<CcCall, { kind: K }> => c.kind === kind);
  }
}
