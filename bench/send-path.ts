/**
 * Send-path micro benchmarks (not yet a row of bench/run.ts): `npx tsx bench/send-path.ts`.
 *
 * 1. Datagrams built per second: a confirmed ConnectionPair (virtual clock, in memory) moves 4 MB
 *    client → server; only the time inside the client's `pollTransmit` is counted (packet building,
 *    packet protection, loss-detection bookkeeping), per datagram sent; best of 3 rounds after a
 *    warm-up, with the null provider (no AEAD cost) and node:crypto.
 * 2. An endpoint with N idle connections (handshakes complete, nothing to send): the cost of one
 *    `pollTransmit` (which finds nothing) plus one `pollTimeout`, and of one `handleTimeout` with
 *    nothing due — what a server driver pays per flush and per timer.
 *
 * Wall-clock figures on a shared machine: compare runs made back to back only.
 */
import type { Connection } from '../src/connection/connection.js';
import { nodeCryptoProvider } from '../src/crypto/node-provider.js';
import { createNullCryptoProvider } from '../src/crypto/null-provider.js';
import type { CryptoProvider } from '../src/crypto/provider.js';
import type { Instant } from '../src/util/time.js';
import { confirmedPair, payload, transfer } from '../spec-tests/helpers/connection-pair.js';
import { EndpointHarness } from '../spec-tests/helpers/endpoint-harness.js';

const BYTES = 4_000_000;

/** Microseconds spent in `conn.pollTransmit` per datagram it returned, while `run` runs. */
async function timePollTransmit(conn: Connection, run: () => Promise<unknown>): Promise<number> {
  const poll = conn.pollTransmit.bind(conn);
  let ns = 0n;
  let datagrams = 0;
  conn.pollTransmit = (now: Instant, out: Uint8Array) => {
    const t0 = process.hrtime.bigint();
    const t = poll(now, out);
    ns += process.hrtime.bigint() - t0;
    if (t !== undefined) datagrams++;
    return t;
  };
  await run();
  return Number(ns) / 1e3 / datagrams;
}

async function datagramsBuilt(name: string, provider: CryptoProvider): Promise<void> {
  const data = payload(BYTES);
  let best = Infinity;
  for (let round = 0; round < 4; round++) {
    const pair = await confirmedPair({ provider, serverLimits: { initialMaxData: 64 << 20, initialMaxStreamData: 64 << 20 } });
    const us = await timePollTransmit(pair.client, () => transfer(pair, data));
    if (round > 0) best = Math.min(best, us); // round 0 warms the JIT up
  }
  console.log(`${name.padEnd(5)} client pollTransmit: ${best.toFixed(2)} µs per datagram (${(1000 / best).toFixed(1)} k datagrams/s), best of 3 × ${BYTES / 1e6} MB`);
}

async function idleEndpoint(n: number): Promise<void> {
  const h = new EndpointHarness();
  for (let i = 0; i < n; i++) h.addClient(`10.0.${i >> 8}.${i & 255}:4433`);
  await h.run(() => [...h.clients.keys()].every((r) => h.clientDone(r)));
  for (let i = 0; i < 5; i++) h.flush();
  const ep = h.endpoint;
  const buf = new Uint8Array(65_536);
  const iters = 2000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) {
    ep.pollTransmit(h.now, buf);
    ep.pollTimeout();
  }
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) ep.handleTimeout(h.now);
  const t2 = process.hrtime.bigint();
  const us = (a: bigint, b: bigint): string => (Number(b - a) / 1e3 / iters).toFixed(1);
  console.log(`endpoint, ${ep.stats().connections} idle connections: pollTransmit + pollTimeout ${us(t0, t1)} µs, handleTimeout (nothing due) ${us(t1, t2)} µs`);
}

await datagramsBuilt('null', createNullCryptoProvider({ base: nodeCryptoProvider }));
await datagramsBuilt('node', nodeCryptoProvider);
await idleEndpoint(1000);
