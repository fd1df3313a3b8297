import { describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/connection/connection.js';
import type { Instant } from '../../../src/util/time.js';
import { confirmedPair, payload, transfer } from '../../helpers/connection-pair.js';

/** Checks, around every pollTransmit, that a quiet connection had nothing to send and that the cached deadline is pollTimeout's. */
function watch(conn: Connection): { quietPolls: number; violations: string[] } {
  const stats = { quietPolls: 0, violations: [] as string[] };
  const poll = conn.pollTransmit.bind(conn);
  conn.pollTransmit = (now: Instant, out: Uint8Array) => {
    if (conn.cachedTimeout() !== conn.pollTimeout()) stats.violations.push(`cached deadline ${conn.cachedTimeout()} != ${conn.pollTimeout()} at ${now}`);
    const may = conn.mayTransmit(now);
    const t = poll(now, out);
    if (!may) stats.quietPolls++;
    if (!may && t !== undefined) stats.violations.push(`quiet connection sent ${t.length} bytes at ${now}`);
    return t;
  };
  return stats;
}

describe('RFC 9002 §6.2, §7, §7.7 (transmit-gate.ts): quiet connections', () => {
  it('RFC 9002 §6.2, §7.7: a connection reported quiet never had anything to send, through a lossy transfer', async () => {
    const pair = await confirmedPair({ seed: 3, drop: (d) => d.index % 13 === 4 });
    const client = watch(pair.client);
    const server = watch(pair.server!);
    const data = payload(150_000);
    const got = await transfer(pair, data);
    expect(got).toEqual(data);
    expect(client.violations).toEqual([]);
    expect(server.violations).toEqual([]);
    // The harness polls until nothing is left: the gate was consulted on quiet connections.
    expect(client.quietPolls + server.quietPolls).toBeGreaterThan(0);
  });

  it('RFC 9000 §2.2: a stream write wakes a quiet connection, and so does its next deadline', async () => {
    const pair = await confirmedPair();
    pair.flush();
    const buf = new Uint8Array(65_536);
    expect(pair.client.pollTransmit(pair.now, buf)).toBeUndefined();
    expect(pair.client.mayTransmit(pair.now)).toBe(false);
    const deadline = pair.client.pollTimeout();
    expect(deadline).toBeDefined();
    expect(pair.client.mayTransmit(deadline!)).toBe(true);
    const id = pair.client.openStream('bidi')!;
    pair.client.streamWrite(id, payload(100));
    expect(pair.client.mayTransmit(pair.now)).toBe(true);
    expect(pair.client.pollTransmit(pair.now, buf)).toBeDefined();
  });
});
