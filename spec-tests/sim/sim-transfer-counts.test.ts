/**
 * The deterministic transfer benchmark's counts (DESIGN §8: "deterministic (simulated transfer,
 * null crypto, counts) for regressions"): bench/sim-transfer.ts must give the same packets, bytes
 * and virtual time on every run and with either crypto provider, or it cannot guard regressions.
 */
import { describe, expect, it } from 'vitest';
import { simTransferCounts, SIM_TRANSFER_BYTES } from '../../bench/sim-transfer.js';

describe('DESIGN §8: deterministic simulated transfer counts', () => {
  it('DESIGN §8: a fixed seed gives identical counts on every run, and null crypto moves the same packets as node crypto', () => {
    const a = simTransferCounts('null');
    const b = simTransferCounts('null');
    const c = simTransferCounts('node');
    expect(b).toEqual(a);
    expect({ ...c, provider: 'null' }).toEqual(a);
    expect(a.bytes).toBe(SIM_TRANSFER_BYTES);
    // RFC 9000 §12.2: every byte went on the wire inside a datagram; the server sent at least the payload.
    expect(a.bytesSent.server).toBeGreaterThan(SIM_TRANSFER_BYTES);
    // RFC 9002 §6: every queue drop was declared lost (nothing else is lost on this link).
    expect(a.lostPackets.server).toBeGreaterThanOrEqual(a.queueDrops);
  });
});
