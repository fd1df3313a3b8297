/**
 * The loopback impairment relay (interop/relay/relay.ts) between plain node:dgram endpoints:
 * each interop-runner scenario of INTEROP-RUNNER.md §3/§5 applied to real traffic. Timing
 * assertions are lower bounds or generous windows only (shared 2-core machine).
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { ImpairmentRelay } from '../../interop/relay/relay.js';
import { reportSeedOnFailure, simSeed } from '../sim/seed.js';

interface Received {
  readonly data: Buffer;
  readonly address: string;
  readonly port: number;
  /** performance.now() at receipt, ms. */
  readonly at: number;
}

interface Endpoint {
  readonly socket: dgram.Socket;
  readonly port: number;
  readonly received: Received[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function endpoint(host: string, echo: boolean): Promise<Endpoint> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const received: Received[] = [];
  socket.on('message', (data, rinfo) => {
    received.push({ data, address: rinfo.address, port: rinfo.port, at: performance.now() });
    if (echo) socket.send(data, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind({ address: host, port: 0 }, resolve));
  return { socket, port: socket.address().port, received };
}

/** A relay for `scenario` between a fresh client socket and a fresh echo server; `body` runs with them. */
async function withRelay(
  scenario: string,
  body: (ctx: { relay: ImpairmentRelay; client: Endpoint; server: Endpoint; send: (b: Uint8Array) => void }) => Promise<void>,
  opts: { host?: string; startAtMs?: number; clock?: 'start' | 'first-datagram' } = {},
): Promise<void> {
  const host = opts.host ?? '127.0.0.1';
  const seed = reportSeedOnFailure(simSeed());
  const server = await endpoint(host, true);
  const client = await endpoint(host, false);
  const relay = new ImpairmentRelay();
  const fmt = (port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
  try {
    await relay.start({ scenario, listen: fmt(0), server: fmt(server.port), seed, startAtMs: opts.startAtMs ?? 0, ...(opts.clock === undefined ? {} : { clock: opts.clock }) });
    const relayPort = relay.address.port;
    await body({ relay, client, server, send: (b) => client.socket.send(b, relayPort, host) });
  } finally {
    await relay.close();
    await Promise.all([client, server].map((e) => new Promise<void>((resolve) => e.socket.close(() => resolve()))));
  }
}

/** A datagram of `size` bytes whose last 4 bytes are `seq` (beyond the 51-byte corruption prefix). */
function numbered(seq: number, size: number, fill = 0xa5): Buffer {
  const b = Buffer.alloc(size, fill);
  b.writeUInt32BE(seq, size - 4);
  return b;
}

const seqOf = (b: Buffer): number => b.readUInt32BE(b.length - 4);

/** Sends `count` numbered datagrams, `batch` at a time every `gapMs` (well under the 10 Mbit/s, 25-packet queue). */
async function paced(send: (b: Uint8Array) => void, count: number, make: (seq: number) => Buffer, batch = 10, gapMs = 5): Promise<void> {
  for (let seq = 0; seq < count; ) {
    for (let i = 0; i < batch && seq < count; i++, seq++) send(make(seq));
    await sleep(gapMs);
  }
}

/** Waits until `done()` or `ms` elapse. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (!done() && performance.now() < end) await sleep(10);
}

describe('INTEROP-RUNNER §3: loopback impairment relay (interop/relay)', () => {
  it('INTEROP-RUNNER §3: S0 (transfer) delays each datagram >= 15 ms one way and >= 30 ms round trip', async () => {
    await withRelay('transfer', async ({ relay, client, server, send }) => {
      const sentAt: number[] = [];
      for (let seq = 0; seq < 20; seq++) {
        sentAt.push(performance.now());
        send(numbered(seq, 100));
        await sleep(10);
      }
      await until(() => client.received.length >= 20, 3000);
      expect(server.received).toHaveLength(20);
      expect(client.received).toHaveLength(20);
      for (const r of server.received) expect(r.at - sentAt[seqOf(r.data)]!).toBeGreaterThanOrEqual(15);
      const rtts = client.received.map((r) => r.at - sentAt[seqOf(r.data)]!);
      for (const rtt of rtts) expect(rtt).toBeGreaterThanOrEqual(30);
      expect(Math.min(...rtts)).toBeLessThan(1000); // generous: only proves the relay does not stall
      const s = relay.stats();
      expect(s.clientToServer.delivered).toBe(20);
      expect(s.serverToClient.delivered).toBe(20);
    });
  });

  it('INTEROP-RUNNER §5 drop-rate: handshakeloss drops ~30 % of 2,000 datagrams, never more than 3 in a row', async () => {
    await withRelay('handshakeloss', async ({ relay, server, send }) => {
      const n = 2000;
      await paced(send, n, (seq) => numbered(seq, 100));
      await until(() => relay.stats().clientToServer.sent === n && server.received.length >= relay.stats().clientToServer.delivered, 3000);
      await sleep(100);
      const got = new Set(server.received.map((r) => seqOf(r.data)));
      const s = relay.stats().clientToServer;
      expect(s.sent).toBe(n);
      expect(s.dropped['queue-full']).toBe(0); // paced: only the loss model drops
      expect(n - got.size).toBe(s.dropped.loss);
      const fraction = s.dropped.loss / n;
      expect(fraction).toBeGreaterThan(0.22);
      expect(fraction).toBeLessThan(0.36);
      let run = 0;
      let longest = 0;
      for (let seq = 0; seq < n; seq++) {
        run = got.has(seq) ? 0 : run + 1;
        longest = Math.max(longest, run);
      }
      expect(longest).toBeGreaterThanOrEqual(2); // at 30 % a double loss is near-certain in 2,000
      expect(longest).toBeLessThanOrEqual(3);
    });
  });

  it('INTEROP-RUNNER §5 drop-rate: transferloss drops ~2 % of 2,000 datagrams', async () => {
    await withRelay('transferloss', async ({ relay, server, send }) => {
      const n = 2000;
      await paced(send, n, (seq) => numbered(seq, 100));
      await until(() => server.received.length >= relay.stats().clientToServer.delivered && relay.stats().clientToServer.sent === n, 3000);
      await sleep(100);
      const s = relay.stats().clientToServer;
      expect(s.dropped['queue-full']).toBe(0);
      expect(n - new Set(server.received.map((r) => seqOf(r.data))).size).toBe(s.dropped.loss);
      expect(s.dropped.loss).toBeGreaterThanOrEqual(10); // expected 40, sd ~6.3
      expect(s.dropped.loss).toBeLessThanOrEqual(90);
    });
  });

  it('INTEROP-RUNNER §5 corrupt-rate: handshakecorruption replaces one byte in the first 51, spares Version Negotiation', async () => {
    await withRelay('handshakecorruption', async ({ relay, server, send }) => {
      const n = 300;
      await paced(send, n, (seq) => numbered(seq, 80));
      // Version Negotiation look-alikes (bytes 1..4 zero) are never corrupted.
      const vn = (seq: number): Buffer => {
        const b = numbered(1_000_000 + seq, 80, 0x5a);
        b.fill(0, 1, 5);
        return b;
      };
      await paced(send, 50, vn);
      await until(() => server.received.length >= n + 50, 3000);
      expect(server.received).toHaveLength(n + 50); // corruption never drops
      let corrupted = 0;
      for (const r of server.received) {
        const seq = seqOf(r.data);
        const want = seq >= 1_000_000 ? vn(seq - 1_000_000) : numbered(seq, 80);
        const diff = [...want.keys()].filter((i) => want[i] !== r.data[i]);
        if (seq >= 1_000_000) expect(diff).toEqual([]);
        if (diff.length === 0) continue;
        corrupted++;
        expect(diff).toHaveLength(1);
        expect(diff[0]!).toBeLessThan(51);
      }
      expect(corrupted).toBe(relay.stats().clientToServer.corrupted);
      expect(corrupted).toBeGreaterThan(0.18 * n);
      expect(corrupted).toBeLessThan(0.4 * n);
    });
  });

  it('INTEROP-RUNNER §5 blackhole: every datagram sent in the dead window [5 s, 7 s) is dropped, before and after pass', async () => {
    // Scenario time starts at 4.7 s so the window opens 0.3 s after the relay starts.
    await withRelay('blackhole', async ({ relay, server, send }) => {
      const sentAt: number[] = []; // scenario time (µs) just before each send
      for (let seq = 0; relay.now() < 7_400_000; seq++) {
        sentAt.push(relay.now());
        send(numbered(seq, 100));
        await sleep(20);
      }
      await sleep(200);
      const got = new Set(server.received.map((r) => seqOf(r.data)));
      let before = 0;
      let inside = 0;
      let after = 0;
      sentAt.forEach((t, seq) => {
        // margins of 100 ms for the relay's own read lag
        if (t < 4_900_000) {
          expect(got.has(seq)).toBe(true);
          before++;
        } else if (t >= 5_000_000 && t < 6_900_000) {
          expect(got.has(seq)).toBe(false);
          inside++;
        } else if (t >= 7_000_000) {
          expect(got.has(seq)).toBe(true);
          after++;
        }
      });
      expect(before).toBeGreaterThan(3);
      expect(inside).toBeGreaterThan(20);
      expect(after).toBeGreaterThan(3);
      expect(relay.stats().clientToServer.dropped.blackhole).toBe(sentAt.length - got.size);
    }, { startAtMs: 4_700 });
  });

  it('INTEROP-RUNNER §5 rebind: rebind-port gives the server >= 2 source ports; replies still reach the client, stale ones do not', async () => {
    // Scenario time starts at 0.6 s so the first rebind (1 s) comes 0.4 s after start.
    await withRelay('rebind-port', async ({ relay, client, server, send }) => {
      for (let seq = 0; relay.now() < 1_300_000; seq++) {
        send(numbered(seq, 60));
        await sleep(20);
      }
      await sleep(100);
      const ports = [...new Set(server.received.map((r) => r.port))];
      expect(ports.length).toBeGreaterThanOrEqual(2);
      expect(new Set(server.received.map((r) => r.address))).toEqual(new Set(['127.0.0.1']));
      // Replies to datagrams the server received from the newest port came back through the relay.
      const newest = ports[ports.length - 1]!;
      const fromNewest = server.received.filter((r) => r.port === newest).map((r) => seqOf(r.data));
      const echoed = new Set(client.received.map((r) => seqOf(r.data)));
      expect(fromNewest.length).toBeGreaterThan(3);
      for (const seq of fromNewest) expect(echoed.has(seq)).toBe(true);
      // The server writes to the first (now stale) mapping: the NAT drops it.
      const staleBefore = relay.stats().serverToClient.dropped['nat-stale'];
      server.socket.send(numbered(999_999, 60), ports[0]!, '127.0.0.1');
      await until(() => relay.stats().serverToClient.dropped['nat-stale'] > staleBefore, 2000);
      expect(relay.stats().serverToClient.dropped['nat-stale']).toBe(staleBefore + 1);
      expect(client.received.some((r) => seqOf(r.data) === 999_999)).toBe(false);
      expect(relay.stats().upstreamSources.length).toBe(ports.length);
    }, { startAtMs: 600 });
  });

  it('INTEROP-RUNNER §5 rebind: with the scenario clock started by the first client datagram, a client starting late still gets a full second before the first rebind', async () => {
    await withRelay('rebind-port', async ({ relay, client, server, send }) => {
      await sleep(1_200); // a slow client start: past the first rebind time had the clock run since start
      expect(relay.now()).toBe(0);
      send(numbered(0, 60));
      await until(() => client.received.length > 0, 2000);
      // The reply came back through mapping 0 (the NAT has not rebound yet) and the clock now runs.
      expect(client.received.map((r) => seqOf(r.data))).toEqual([0]);
      expect(new Set(server.received.map((r) => r.port)).size).toBe(1);
      expect(relay.now()).toBeGreaterThan(0);
      expect(relay.now()).toBeLessThan(1_000_000);
    }, { clock: 'first-datagram' });
  });

  it('INTEROP-RUNNER §5 rebind: rebind-addr gives the server >= 2 source addresses in 127.0.0.0/8; replies still reach the client', async () => {
    await withRelay('rebind-addr', async ({ relay, client, server, send }) => {
      for (let seq = 0; relay.now() < 1_300_000; seq++) {
        send(numbered(seq, 60));
        await sleep(20);
      }
      await sleep(100);
      const addresses = [...new Set(server.received.map((r) => r.address))];
      expect(addresses.length).toBeGreaterThanOrEqual(2);
      for (const a of addresses) expect(a).toMatch(/^127\.0\.0\.\d+$/);
      const newest = server.received[server.received.length - 1]!;
      expect(newest.address).not.toBe('127.0.0.1');
      const lastSeq = seqOf(newest.data);
      expect(client.received.some((r) => seqOf(r.data) === lastSeq)).toBe(true);
    }, { startAtMs: 600 });
  });

  it('INTEROP-RUNNER §3 ipv6: the relay carries S0 over [::1]', async () => {
    await withRelay('ipv6', async ({ client, server, send }) => {
      for (let seq = 0; seq < 5; seq++) send(numbered(seq, 100));
      await until(() => client.received.length >= 5, 3000);
      expect(client.received).toHaveLength(5);
      for (const r of server.received) expect(r.address).toBe('::1');
    }, { host: '::1' });
  });
});
