import { describe, expect, it } from 'vitest';
import { startFixture, within } from './helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('RFC 9000 §10.1.2: keep-alive on loopback', () => {
  it('RFC 9000 §10.1.2: with keepAliveIntervalMs 200 a connection with idleTimeoutMs 600 survives 2 s of silence', async () => {
    const f = await startFixture('127.0.0.1', { idleTimeoutMs: 600 });
    try {
      const client = await f.connectClient({ idleTimeoutMs: 600, keepAliveIntervalMs: 200 });
      const server = await within(f.server.accept(), 5000, 'accept');
      const before = client.stats().packetsSent;
      await sleep(2000);
      expect(client.isClosed).toBe(false);
      expect(server.isClosed).toBe(false);
      // The PINGs kept both idle timers running (RFC 9000 §10.1: an ack-eliciting packet restarts them).
      expect(client.stats().packetsSent - before).toBeGreaterThanOrEqual(4);
      const s = await client.openBiStream();
      const echo = (async () => {
        const ss = await server.acceptBiStream();
        await ss.writeAll(await ss.readAll());
      })();
      await s.writeAll(new Uint8Array([7, 8, 9]));
      expect([...(await within(s.readAll(), 5000, 'echo'))]).toEqual([7, 8, 9]);
      await echo;
    } finally {
      await f.close();
    }
  });

  it('RFC 9000 §10.1: without keep-alive the same silence ends the connection with ERR_QUIC_IDLE_TIMEOUT', async () => {
    const f = await startFixture('127.0.0.1', { idleTimeoutMs: 600 });
    try {
      const client = await f.connectClient({ idleTimeoutMs: 600 });
      await sleep(2000);
      expect(client.isClosed).toBe(true);
      expect(client.closeError?.code).toBe('ERR_QUIC_IDLE_TIMEOUT');
    } finally {
      await f.close();
    }
  });
});
