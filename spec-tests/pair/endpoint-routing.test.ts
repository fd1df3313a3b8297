import { describe, expect, it } from 'vitest';
import { Writer, concatBytes } from '../../src/util/bytes.js';
import { encodeShortHeader } from '../../src/wire/short-header.js';
import { PacketType } from '../../src/wire/packet-type.js';
import { Reader } from '../../src/util/bytes.js';
import { decodeInvariantHeader } from '../../src/wire/header.js';
import { EndpointHarness } from '../helpers/endpoint-harness.js';
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
  return { h, echoed };
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

  it('RFC 9000 §5.2: the client-chosen DCID is routed until the handshake completes, then only our CID', async () => {
    const h = new EndpointHarness();
    h.addClient('a:1');
    await h.run(() => h.fromServer.length > 0); // our SCID is learnt from our first packet
    expect(h.endpoint.stats().routes).toBe(2); // client's first DCID + our SCID
    await h.run(() => h.serverEvents.some((e) => e.type === 'connection_event' && e.event.type === 'handshake_completed'));
    expect(h.endpoint.stats().routes).toBe(1);
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
