/**
 * Smoke test of the loopback benchmark machinery (bench/loopback): every group runs end to end at
 * tiny sizes, with peers in separate processes. Correctness only (bytes counted equal bytes sent,
 * every figure finite and positive): no timing thresholds, since the machine is shared.
 */
import { describe, expect, it } from 'vitest';
import { quicThroughput, rawThroughput, runLoopback, formatLoopbackTable } from '../../bench/loopback/loopback.js';

describe('DESIGN §7 / issue 5: loopback benchmark machinery', () => {
  it('DESIGN §7: a 1 MB upload over one stream arrives whole, beside a raw dgram blast that counts what arrived', async () => {
    const bytes = 1024 * 1024;
    const q = await quicThroughput(bytes, undefined);
    expect(q.counted).toBe(bytes);
    expect(q.bytes).toBe(bytes);
    expect(Number.isFinite(q.mbit) && q.mbit > 0).toBe(true);
    const raw = await rawThroughput(1452, 200);
    expect(raw.count).toBeGreaterThan(0);
    expect(raw.bytes).toBe(raw.count * 1452);
    expect(raw.count).toBeLessThanOrEqual(raw.sent);
    expect(Number.isFinite(raw.mbit) && raw.mbit > 0).toBe(true);
    // The ceiling baseline: every datagram sealed with AES-128-GCM, and every one opened and verified.
    const sealed = await rawThroughput(1452, 200, true);
    expect(sealed.count).toBeGreaterThan(0);
    expect(sealed.failed).toBe(0);
    expect(sealed.bytes).toBe(sealed.count * 1452);
    expect(sealed.count).toBeLessThanOrEqual(sealed.sent);
  }, 180_000);

  it('RFC 9000 §7, §2.1, RFC 9001 §4.5: every group yields finite positive figures with 10 idle connections all held open', async () => {
    const rows = await runLoopback({
      bulkBytes: 1024 * 1024, rawMs: 200, largeDatagram: 4096, handshakes: 3, streamOpens: 5, messageMs: 200,
      idleCounts: [10], idleMaxMs: 60_000, qgoEcho: '/nonexistent/qgo-echo',
    });
    const measured = rows.filter((r) => !r.name.includes('SKIPPED') && !r.name.includes('NOT MEASURED'));
    expect(measured.length).toBeGreaterThanOrEqual(16);
    for (const r of measured) {
      expect(Number.isFinite(r.value) && r.value > 0, `${r.name}: ${r.value}`).toBe(true);
      if (r.baseline !== undefined) expect(Number.isFinite(r.ratio) && r.ratio! > 0, `${r.name} ratio`).toBe(true);
    }
    // The quic-go row is skipped, with a note, when the binary is missing.
    expect(rows.some((r) => r.name.includes('quic-go') && r.name.includes('SKIPPED'))).toBe(true);
    // RFC 8446 §2.2, RFC 9001 §4.5, §4.6.1: every ticketed connection resumed, every 0-RTT offer was accepted.
    expect(rows.some((r) => r.name.includes('NOT MEASURED'))).toBe(false);
    const resumed = rows.find((r) => r.name.startsWith('resumed handshake (PSK) p50'));
    expect(resumed?.extra?.of).toBe(3);
    expect(resumed?.extra?.resumed).toBe(3);
    const zeroRtt = rows.find((r) => r.name.includes('0-RTT p50'));
    expect(zeroRtt?.extra?.earlyAccepted).toBe(2);
    expect(rows.find((r) => r.name.includes('1-RTT p50'))?.name).toContain('2 resumed');
    const memory = rows.find((r) => r.group.startsWith('memory'));
    expect(memory?.extra?.serverConnections).toBe(10);
    expect(memory?.extra?.opened).toBe(10);
    expect(rows.find((r) => r.name.includes('max datagram 1452 (ours) vs raw + AES-128-GCM'))?.baselineName).toBe('raw + AES-128-GCM 1452 B');
    expect(rows.find((r) => r.name.includes('max datagram 4096 (ours) vs raw + AES-128-GCM'))?.baselineName).toBe('raw + AES-128-GCM 4096 B');
    expect(formatLoopbackTable(rows)).toContain('Mbit/s');
  }, 300_000);
});
