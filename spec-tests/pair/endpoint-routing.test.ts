import { describe, expect, it } from 'vitest';
import { Writer, concatBytes } from '../../src/util/bytes.js';
import { encodeShortHeader } from '../../src/wire/short-header.js';
import { PacketType } from '../../src/wire/packet-type.js';
import { Reader } from '../../src/util/bytes.js';
import { decodeInvariantHeader } from '../../src/wire/header.js';
import { EndpointHarness, endpointOptions, provider } from '../helpers/endpoint-harness.js';
import { StatelessResetKey } from '../../src/endpoint/stateless-reset-key.js';
import { toHex } from '../../src/util/bytes.js';
import type { EndpointEvent } from '../../src/endpoint/types.js';
import type { Connection } from '../../src/connection/connection.js';

const encoder = new TextEncoder();

/** Reads everything readable on `id`; returns the bytes and whether FIN was seen. */
function readAll(c: Connection, id: number): { data: Uint8Array; fin: boolean } {
  const parts: Uint8Array[] = [];
  for (;;) {
    const r = c.streamRead(id);
    if (r === undefined) return { data: concatBytes(...parts), fin: false };
    parts.push(r.data);
    if (r.fin) return { data: concatBytes(...parts), fin: true };
    if (r.data.length === 0) return { data: concatBytes(...parts), fin: false };
  }
}

/** Handshakes `remotes` through one endpoint; each client sends its name, the server echoes it. */
async function echoThroughEndpoint(remotes: readonly string[]): Promise<{ h: EndpointHarness; echoed: Map<string, string> }> {
  const h = new EndpointHarness();
  for (const r of remotes) h.addClient(r);
  await h.run(() => remotes.every((r) => h.clientDone(r)));
  return { h, echoed: await echo(h, remotes) };
}

/** Each client of `remotes` (handshake done) sends its name on a new stream; the server echoes it. */
async function echo(h: EndpointHarness, remotes: readonly string[]): Promise<Map<string, string>> {
  const echoed = new Map<string, string>();
  const streams = new Map<string, number>();
  for (const r of remotes) {
    const c = h.clients.get(r)!;
    const id = c.openStream('bidi')!;
    c.streamWrite(id, encoder.encode(`hello from ${r}`));
    c.streamFinish(id);
    streams.set(r, id);
  }
  const atServer = new Map<string, Uint8Array[]>();
  const atClient = new Map<string, Uint8Array>();
  await h.run(
    () => {
      for (const r of remotes) {
        if (echoed.has(r)) continue;
        const x = readAll(h.clients.get(r)!, streams.get(r)!);
        atClient.set(r, concatBytes(atClient.get(r) ?? new Uint8Array(0), x.data));
        if (x.fin) echoed.set(r, new TextDecoder().decode(atClient.get(r)));
      }
      return echoed.size === remotes.length;
    },
    (ev) => {
      if (ev.type !== 'connection_event' || ev.event.type !== 'stream_readable') return;
      const conn = h.endpoint.connection(ev.handle)!;
      const { data, fin } = readAll(conn, ev.event.streamId);
      const key = `${ev.handle}/${ev.event.streamId}`;
      atServer.set(key, [...(atServer.get(key) ?? []), data]);
      if (fin) {
        conn.streamWrite(ev.event.streamId, concatBytes(...atServer.get(key)!));
        conn.streamFinish(ev.event.streamId);
      }
    },
  );
  return echoed;
}

describe('RFC 9000 §5.2: routing datagrams to connections through the endpoint', () => {
  it('RFC 9000 §5.2: a client completes the handshake and an echo through the endpoint', async () => {
    const { h, echoed } = await echoThroughEndpoint(['198.51.100.1:5000']);
    expect(h.serverEvents.filter((e) => e.type === 'new_connection')).toHaveLength(1);
    expect(h.clientDone('198.51.100.1:5000')).toBe(true);
    expect(echoed.get('198.51.100.1:5000')).toBe('hello from 198.51.100.1:5000');
  });

  it('RFC 9000 §5.2: two clients get their own connections and their own echoes', async () => {
    const remotes = ['198.51.100.1:1', '198.51.100.2:2'];
    const { h, echoed } = await echoThroughEndpoint(remotes);
    const ids = h.serverEvents.filter((e) => e.type === 'new_connection').map((e) => e.type === 'new_connection' && e.remote);
    expect(ids).toEqual(remotes);
    for (const r of remotes) expect(echoed.get(r)).toBe(`hello from ${r}`);
    expect(h.endpoint.stats().connections).toBe(2);
  });

  it('RFC 9000 §5.2: the client-chosen DCID is routed until the handshake completes, then only our CIDs', async () => {
    const h = new EndpointHarness();
    h.addClient('a:1');
    await h.run(() => h.fromServer.length > 0); // our SCID is learnt from our first packet
    expect(h.endpoint.stats().routes).toBe(2); // client's first DCID + our SCID
    await h.run(() => h.serverEvents.some((e) => e.type === 'connection_event' && e.event.type === 'handshake_completed'));
    // Only the connection IDs we issued (sequence 0 and those sent in NEW_CONNECTION_ID).
    const conn = h.endpoint.connection(1)!;
    expect(h.endpoint.stats().routes).toBe(conn.activeConnectionIds.length);
    await h.run(() => conn.activeConnectionIds.length > 1);
    expect(h.endpoint.stats().routes).toBe(conn.activeConnectionIds.length);
    expect(h.endpoint.stats().handshakesInProgress).toBe(0);
  });

  it('RFC 9000 §10.2: routes are removed after close and draining; the old CID then gets a stateless reset', async () => {
    const h = new EndpointHarness();
    const c = h.addClient('a:1');
    await h.run(() => h.clientDone('a:1'));
    await h.run(() => h.serverEvents.some((e) => e.type === 'connection_event' && e.event.type === 'handshake_completed'));
    // Our CID, as the client uses it in short headers.
    const serverFirst = h.fromServer[0]!.bytes;
    const inv = decodeInvariantHeader(new Reader(serverFirst), 8);
    if (inv.form !== 'long') throw new Error('expected a long header');
    const ourCid = inv.scid;
    c.close(h.now, 0, 'bye');
    await h.run(() => h.serverEvents.some((e) => e.type === 'connection_removed'));
    const closedAt = h.serverEvents.findIndex((e) => e.type === 'connection_event' && e.event.type === 'connection_closed');
    const removedAt = h.serverEvents.findIndex((e) => e.type === 'connection_removed');
    expect(closedAt).toBeGreaterThanOrEqual(0);
    expect(removedAt).toBeGreaterThan(closedAt);
    expect(h.endpoint.stats()).toMatchObject({ connections: 0, routes: 0 });
    // A short-header packet to the old CID is now unknown (RFC 9000 §10.3).
    const w = new Writer(new Uint8Array(100));
    encodeShortHeader(w, { type: PacketType.OneRtt, dcid: ourCid, spin: false, keyPhase: false }, 1, 1);
    const out = h.inject(w.buf, 'a:1');
    expect(out).toHaveLength(1);
    expect(out[0]!.bytes.length).toBeLessThan(100);
  });
});

const KEY_BYTES = new Uint8Array(32).fill(0x5a);

/** A harness whose endpoint uses the static reset key KEY_BYTES, with one client at `remote`, handshake done. */
async function keyedHarness(remote: string): Promise<{ h: EndpointHarness; c: Connection }> {
  const h = new EndpointHarness(endpointOptions({ statelessResetKey: new StatelessResetKey(provider, KEY_BYTES) }));
  const c = h.addClient(remote);
  await h.run(() => h.clientDone(remote));
  return { h, c };
}

/** The Destination Connection ID of the first packet of a datagram. */
function dcidOf(datagram: Uint8Array): Uint8Array {
  return decodeInvariantHeader(new Reader(datagram), 8).dcid;
}

/** Our handshake connection ID (sequence 0): the Source Connection ID of the server's first packet. */
function serverFirstCid(h: EndpointHarness): Uint8Array {
  const inv = decodeInvariantHeader(new Reader(h.fromServer[0]!.bytes), 8);
  if (inv.form !== 'long') throw new Error('expected a long header');
  return inv.scid;
}

/** A short-header packet (RFC 9000 §17.3.1) of `size` bytes to `dcid`. */
function shortPacket(dcid: Uint8Array, size: number): Uint8Array {
  const w = new Writer(new Uint8Array(size));
  encodeShortHeader(w, { type: PacketType.OneRtt, dcid, spin: false, keyPhase: false }, 1, 1);
  return w.buf;
}

/**
 * The endpoint "restarts": a fresh Endpoint with the same static key bytes (no connection state),
 * and the clients of `h` now talk to it (datagrams in flight are lost).
 */
function restart(h: EndpointHarness): EndpointHarness {
  const h2 = new EndpointHarness(endpointOptions({ statelessResetKey: new StatelessResetKey(provider, KEY_BYTES.slice()) }));
  h2.now = h.now;
  for (const [r, c] of h.clients) {
    h2.clients.set(r, c);
    h2.clientEvents.set(r, h.clientEvents.get(r)!);
  }
  return h2;
}

function issuedEvents(events: readonly EndpointEvent[]): { connectionId: Uint8Array; statelessResetToken: Uint8Array }[] {
  const out = [];
  for (const e of events) if (e.type === 'connection_event' && e.event.type === 'connection_id_issued') out.push(e.event);
  return out;
}

/** The client sends on a new stream through `h` until its connection closes; returns the close event. */
async function sendUntilClosed(h: EndpointHarness, remote: string, c: Connection): Promise<Extract<ReturnType<Connection['pollEvent']>, { type: 'connection_closed' }>> {
  const id = c.openStream('bidi')!;
  c.streamWrite(id, encoder.encode('are you still there? '.repeat(4)));
  const closed = () => h.clientEvents.get(remote)!.find((e) => e.type === 'connection_closed');
  await h.run(() => closed() !== undefined);
  const ev = closed();
  if (ev?.type !== 'connection_closed') throw new Error('client connection did not close');
  return ev;
}

describe('RFC 9000 §5.1: every connection ID the server issues is routed; retired ones are not', () => {
  it('RFC 9000 §10.3.2: NEW_CONNECTION_ID tokens are the endpoint key\'s tokens, and the events still reach the application', async () => {
    const { h } = await keyedHarness('a:1');
    await h.run(() => issuedEvents(h.serverEvents).length > 0);
    const key = new StatelessResetKey(provider, KEY_BYTES);
    const issued = issuedEvents(h.serverEvents);
    expect(issued.length).toBeGreaterThan(0);
    for (const e of issued) expect(toHex(e.statelessResetToken)).toBe(toHex(key.tokenFor(e.connectionId)));
    const conn = h.endpoint.connection(1)!;
    expect(h.endpoint.stats().routes).toBe(conn.activeConnectionIds.length);
  });

  it('RFC 9000 §5.1.2: after the client rotates to a server-issued CID the echo continues, and the retired CID loses its route', async () => {
    const { h, c } = await keyedHarness('a:1');
    expect(await echo(h, ['a:1'])).toEqual(new Map([['a:1', 'hello from a:1']]));
    const oldCid = serverFirstCid(h);
    expect(toHex(dcidOf(h.fromClients.at(-1)!.bytes))).toBe(toHex(oldCid));
    // Rotation needs a spare server CID and a confirmed handshake (HANDSHAKE_DONE).
    await h.run(() => c.rotateConnectionId(h.now));
    const before = h.fromClients.length;
    expect(await echo(h, ['a:1'])).toEqual(new Map([['a:1', 'hello from a:1']]));
    // Every client datagram since the rotation went to a server-issued (routed) CID, not the old one.
    const since = h.fromClients.slice(before);
    expect(since.length).toBeGreaterThan(0);
    const issued = issuedEvents(h.serverEvents).map((e) => toHex(e.connectionId));
    for (const d of since) {
      expect(toHex(dcidOf(d.bytes))).not.toBe(toHex(oldCid));
      expect(issued).toContain(toHex(dcidOf(d.bytes)));
    }
    await h.run(() => h.serverEvents.some((e) => e.type === 'connection_event' && e.event.type === 'connection_id_retired'));
    const retired = h.serverEvents.flatMap((e) => (e.type === 'connection_event' && e.event.type === 'connection_id_retired' ? [e.event] : []));
    expect(retired.map((e) => toHex(e.connectionId))).toEqual([toHex(oldCid)]);
    const conn = h.endpoint.connection(1)!;
    expect(conn.activeConnectionIds.map(toHex)).not.toContain(toHex(oldCid));
    expect(h.endpoint.stats().routes).toBe(conn.activeConnectionIds.length);
    // The old CID is unknown now (RFC 9000 §10.3): a short header to it, from an address with no
    // client, is answered with a Stateless Reset instead of reaching the connection.
    const resetsBefore = h.endpoint.stats().statelessResetsSent;
    const out = h.inject(shortPacket(oldCid, 100), 'x:9');
    expect(out).toHaveLength(1);
    expect(h.endpoint.stats().statelessResetsSent).toBe(resetsBefore + 1);
    const key = new StatelessResetKey(provider, KEY_BYTES);
    expect(toHex(out[0]!.bytes.subarray(out[0]!.bytes.length - 16))).toBe(toHex(key.tokenFor(oldCid)));
    expect(c.isClosed).toBe(false);
  });
});

describe('RFC 9000 §10.3: stateless reset end to end through the endpoint', () => {
  it('RFC 9000 §10.3.2: an endpoint restarted with the same static key resets the client (stateless_reset_token transport parameter)', async () => {
    const { h, c } = await keyedHarness('a:1');
    await h.run(() => h.serverEvents.some((e) => e.type === 'connection_event' && e.event.type === 'handshake_completed'));
    const h2 = restart(h);
    const ev = await sendUntilClosed(h2, 'a:1', c);
    expect(ev.by).toBe('stateless_reset');
    expect(h2.endpoint.stats().statelessResetsSent).toBeGreaterThan(0);
    expect(h2.endpoint.stats().connections).toBe(0);
  });

  it('RFC 9000 §10.3.2: after rotating to a NEW_CONNECTION_ID CID, a restarted endpoint still resets the client', async () => {
    const { h, c } = await keyedHarness('a:1');
    await h.run(() => c.rotateConnectionId(h.now));
    await echo(h, ['a:1']);
    const h2 = restart(h);
    const ev = await sendUntilClosed(h2, 'a:1', c);
    expect(ev.by).toBe('stateless_reset');
    expect(h2.endpoint.stats().statelessResetsSent).toBeGreaterThan(0);
  });

  it('RFC 9000 §10.3.1: with a different static key the reset is not recognised and the client does not close by stateless_reset', async () => {
    const { h, c } = await keyedHarness('a:1');
    await h.run(() => h.serverEvents.some((e) => e.type === 'connection_event' && e.event.type === 'handshake_completed'));
    const h2 = new EndpointHarness(endpointOptions({ statelessResetKey: new StatelessResetKey(provider, new Uint8Array(32).fill(0x11)) }));
    h2.now = h.now;
    h2.clients.set('a:1', c);
    h2.clientEvents.set('a:1', h.clientEvents.get('a:1')!);
    const ev = await sendUntilClosed(h2, 'a:1', c);
    expect(h2.endpoint.stats().statelessResetsSent).toBeGreaterThan(0);
    expect(ev.by).not.toBe('stateless_reset');
  });
});
