import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection/connection.js';
import type { ConnectionEvent } from '../../src/connection/types.js';
import { DatagramError } from '../../src/streams/datagram-queue.js';
import { PacketNumberSpace } from '../../src/wire/packet-type.js';
import { generateSelfSignedCertificate } from '../../src/tls/certificates/self-signed.js';
import { SeededRandom } from '../../src/util/random.js';
import { millis, seconds } from '../../src/util/time.js';
import { ConnectionPair, confirmedPair, payload, pump, transfer, type Side } from '../helpers/connection-pair.js';
import { TLS_TEST_NOW } from '../helpers/tls-certs.js';

const DGRAM = { maxDatagramFrameSize: 65_535 };

function eventsOf<T extends ConnectionEvent['type']>(pair: ConnectionPair, side: Side, type: T): Extract<ConnectionEvent, { type: T }>[] {
  return pair.events[side].filter((e): e is Extract<ConnectionEvent, { type: T }> => e.type === type);
}

/** Reads everything readable on `id`; returns the bytes read and whether the end was read. */
function drain(c: Connection, id: number): { n: number; fin: boolean } {
  let n = 0;
  for (let r = c.streamRead(id); r !== undefined; r = c.streamRead(id)) {
    n += r.data.length;
    if (r.fin) return { n, fin: true };
    if (r.data.length === 0) break;
  }
  return { n, fin: false };
}

describe('RFC 9000 §3: stream reset and stop events on the public surface', () => {
  it('RFC 9000 §3.2, §19.4: the peer\'s RESET_STREAM raises one stream_reset with its code and final size; streamState shows it', async () => {
    const pair = await confirmedPair();
    const id = pair.client.openStream('bidi')!;
    expect(pair.client.streamWrite(id, payload(1000))).toBe(1000);
    await pair.run(() => eventsOf(pair, 'server', 'stream_opened').length > 0);
    await pair.runFor(millis(100)); // the 1000 bytes are sent and acknowledged
    expect(pair.client.streamStats(id)).toMatchObject({ bytesWritten: 1000, bytesSent: 1000, bytesAcked: 1000 });
    expect(pair.client.streamReset(id, 7)).toBe(true);
    await pair.run(() => eventsOf(pair, 'server', 'stream_reset').length > 0);
    expect(eventsOf(pair, 'server', 'stream_reset')).toEqual([{ type: 'stream_reset', streamId: id, code: 7, finalSize: 1000 }]);
    expect(pair.server!.streamState(id)?.recv).toMatchObject({ state: 'reset_recvd', resetCode: 7, finalSize: 1000 });
    expect(pair.client.streamState(id)?.send).toMatchObject({ resetCode: 7, writableBytes: 0 });
    // A retransmitted or duplicate RESET_STREAM raises no second event.
    await pair.runFor(seconds(1));
    expect(eventsOf(pair, 'server', 'stream_reset')).toHaveLength(1);
  });

  it('RFC 9000 §3.5, §19.5: STOP_SENDING resets our sending part with the peer\'s code and raises stream_stopped, which wakes a blocked writer', async () => {
    const pair = await confirmedPair({ clientLimits: { sendBufferCapacity: 4096 } });
    const client = pair.client;
    const id = client.openStream('bidi')!;
    // Fill the send buffer: the writer is now blocked, waiting for stream_writable.
    expect(client.streamWrite(id, payload(10_000))).toBe(4096);
    await pair.run(() => eventsOf(pair, 'server', 'stream_opened').length > 0);
    expect(pair.server!.streamStopSending(id, 9)).toBe(true);
    await pair.run(() => eventsOf(pair, 'client', 'stream_stopped').length > 0 && eventsOf(pair, 'server', 'stream_reset').length > 0);
    expect(eventsOf(pair, 'client', 'stream_stopped')).toEqual([{ type: 'stream_stopped', streamId: id, code: 9 }]);
    // RFC 9000 §3.5: "An endpoint SHOULD copy the error code from the STOP_SENDING frame to the RESET_STREAM frame it sends".
    expect(eventsOf(pair, 'server', 'stream_reset')[0]).toMatchObject({ streamId: id, code: 9 });
    const send = client.streamState(id)?.send;
    expect(send?.stopCode).toBe(9);
    expect(send?.resetCode).toBe(9);
    expect(['reset_sent', 'reset_recvd']).toContain(send?.state);
    expect(send?.writableBytes).toBe(0);
    await pair.runFor(seconds(1));
    // The blocked writer learns from stream_stopped; no stream_writable for the stream follows it.
    const after = pair.events.client.slice(pair.events.client.findIndex((e) => e.type === 'stream_stopped'));
    expect(after.filter((e) => e.type === 'stream_writable' && e.streamId === id)).toHaveLength(0);
    expect(() => client.streamWrite(id, payload(10))).toThrow(/reset/);
  });

  it('RFC 9000 §3: streamState and streamStats are undefined for streams never opened', async () => {
    const pair = await confirmedPair();
    expect(pair.client.streamState(400)).toBeUndefined();
    expect(pair.client.streamStats(400)).toBeUndefined();
    const id = pair.client.openStream('uni', 200)!;
    expect(pair.client.streamState(id)).toEqual({ send: { state: 'ready', resetCode: undefined, stopCode: undefined, writableBytes: 1024 * 1024, bufferedBytes: 0 } });
    expect(pair.client.streamStats(id)).toEqual({ bytesWritten: 0, bytesSent: 0, bytesAcked: 0, bytesReceived: 0, priority: 200 });
  });
});

describe('RFC 9000 §4.6: streams_available', () => {
  it('RFC 9000 §4.6, §19.11: after openStream failed at the limit, the MAX_STREAMS that raises it queues one streams_available', async () => {
    const pair = await confirmedPair({ serverLimits: { initialMaxStreamsUni: 1 } });
    const client = pair.client;
    const server = pair.server!;
    expect(client.availableStreams('uni')).toBe(1);
    const first = client.openStream('uni')!;
    expect(client.availableStreams('uni')).toBe(0);
    expect(client.openStream('uni')).toBeUndefined();
    client.streamWrite(first, payload(100));
    client.streamFinish(first);
    await pair.run(
      () => eventsOf(pair, 'client', 'streams_available').length > 0,
      (side, ev) => {
        if (side === 'server' && ev.type === 'stream_readable') drain(server, ev.streamId);
      },
    );
    expect(eventsOf(pair, 'client', 'streams_available')).toEqual([{ type: 'streams_available', dir: 'uni' }]);
    expect(client.availableStreams('uni')).toBe(1);
    expect(client.openStream('uni')).toBe(first + 4);
  });

  it('RFC 9000 §19.11: a MAX_STREAMS increase with no failed openStream raises no event', async () => {
    const pair = await confirmedPair({ serverLimits: { initialMaxStreamsUni: 1 } });
    const server = pair.server!;
    const first = pair.client.openStream('uni')!;
    pair.client.streamWrite(first, payload(100));
    pair.client.streamFinish(first);
    await pair.run(
      () => server.stats().streamsClosedUni === 1,
      (side, ev) => {
        if (side === 'server' && ev.type === 'stream_readable') drain(server, ev.streamId);
      },
    );
    await pair.runFor(millis(200));
    expect(pair.client.openStream('uni')).toBe(first + 4); // MAX_STREAMS did arrive
    expect(eventsOf(pair, 'client', 'streams_available')).toHaveLength(0);
  });
});

describe('RFC 9000 §10.1.2: keep-alive and ping()', () => {
  const idle = { maxIdleTimeoutMs: 1000 };

  it('RFC 9000 §10.1: without keep-alive a quiet connection closes by idle timeout (the control case)', async () => {
    const pair = await confirmedPair({ clientLimits: idle, serverLimits: idle });
    await pair.runFor(seconds(5));
    expect(pair.client.isClosed).toBe(true);
    expect(eventsOf(pair, 'client', 'connection_closed')[0]).toMatchObject({ by: 'idle' });
  });

  it('RFC 9000 §10.1.2: keepAliveIntervalMs sends PINGs that keep a quiet connection open on both sides', async () => {
    const pair = await confirmedPair({ clientLimits: { ...idle, keepAliveIntervalMs: 300 }, serverLimits: idle });
    const before = pair.sent.filter((d) => d.from === 'client').length;
    await pair.runFor(seconds(10));
    expect(pair.client.isClosed).toBe(false);
    expect(pair.server!.isClosed).toBe(false);
    expect(eventsOf(pair, 'client', 'connection_closed')).toHaveLength(0);
    expect(eventsOf(pair, 'server', 'connection_closed')).toHaveLength(0);
    // About one PING per 300 ms (PMTU probes add a few in the first seconds).
    const pings = pair.sent.filter((d) => d.from === 'client').length - before;
    expect(pings).toBeGreaterThanOrEqual(25);
    expect(pings).toBeLessThan(60);
  });

  it('RFC 9000 §10.1.2: a keep-alive interval longer than the idle timeout still fires before it', async () => {
    const pair = await confirmedPair({ clientLimits: { ...idle, keepAliveIntervalMs: 60_000 }, serverLimits: idle });
    await pair.runFor(seconds(10));
    expect(pair.client.isClosed).toBe(false);
    expect(pair.server!.isClosed).toBe(false);
  });

  it('RFC 9000 §19.2: ping() queues one ack-eliciting packet that the peer acknowledges', async () => {
    const pair = await confirmedPair();
    await pair.runFor(seconds(3)); // PMTU search and ACKs settle
    const sentBefore = pair.sent.length;
    pair.flush();
    expect(pair.sent.length).toBe(sentBefore); // nothing to send
    const received = pair.server!.stats().packetsReceived;
    expect(pair.client.ping()).toBe(true);
    pair.flush();
    expect(pair.sent.slice(sentBefore).map((d) => d.from)).toEqual(['client']);
    await pair.runFor(millis(100));
    expect(pair.server!.stats().packetsReceived).toBe(received + 1);
    // The server acknowledged it (an ACK-only packet follows the PING, RFC 9000 §13.2.1).
    expect(pair.sent.slice(sentBefore).some((d) => d.from === 'server')).toBe(true);
  });
});

describe('RFC 9221 §5: DATAGRAM sizes follow the path MTU and datagrams are not starved', () => {
  it('RFC 9221 §3, §5: maxDatagramPayload() is one 1200-byte packet\'s room; larger datagrams are refused at once', async () => {
    const pair = await confirmedPair({ clientLimits: DGRAM, serverLimits: DGRAM });
    const client = pair.client;
    // 1200 - (1 + 8-byte CID + 4-byte packet number) - 16-byte tag = 1171; frame type 1 + Length 2.
    expect(client.maxDatagramPayload()).toBe(1168);
    expect(() => client.sendDatagram(new Uint8Array(1169))).toThrow(DatagramError);
    expect(client.sendDatagram(new Uint8Array(1168).fill(3))).toBe(true);
    const got: Uint8Array[] = [];
    await pair.run(() => got.length > 0, (side, ev) => {
      if (side === 'server' && ev.type === 'datagram_received') for (let d = pair.server!.readDatagram(); d !== undefined; d = pair.server!.readDatagram()) got.push(d);
    });
    expect(got[0]!.length).toBe(1168);
  });

  it('RFC 9221 §5, RFC 9000 §14.3: the limit grows with DPLPMTUD, and is 0 when the peer accepts no datagrams', async () => {
    const pair = await confirmedPair({ clientLimits: DGRAM, serverLimits: DGRAM });
    await pair.runFor(seconds(3));
    expect(pair.client.stats().pmtu).toBe(1452);
    expect(pair.client.maxDatagramPayload()).toBe(1452 - 29 - 3);
    expect(pair.client.sendDatagram(new Uint8Array(1400))).toBe(true);
    const noDgram = await confirmedPair();
    expect(noDgram.client.maxDatagramPayload()).toBe(0);
    const small = await confirmedPair({ clientLimits: DGRAM, serverLimits: { maxDatagramFrameSize: 100 } });
    // 97 + the type byte + a 2-byte Length (RFC 9000 §16: 1-byte varints stop at 63) = 100.
    expect(small.client.maxDatagramPayload()).toBe(97);
  });

  it('RFC 9221 §5, RFC 9000 §13.2: a datagram of exactly maxDatagramPayload() leaves after DPLPMTUD although an ACK-of-ACK is pending', async () => {
    const pair = await confirmedPair({ clientLimits: DGRAM, serverLimits: DGRAM });
    await pair.runFor(seconds(3));
    expect(pair.client.stats().pmtu).toBe(1452);
    // The client has received only non-ack-eliciting packets lately: its ACK is never due, and room
    // reserved for it would keep a full-size DATAGRAM frame out of every packet.
    expect(pair.client.state.spaces[PacketNumberSpace.ApplicationData].ack.hasUnreported()).toBe(true);
    const n = pair.client.maxDatagramPayload();
    expect(pair.client.sendDatagram(new Uint8Array(n).fill(7))).toBe(true);
    const got: Uint8Array[] = [];
    await pair.runFor(seconds(1), (side, ev) => {
      if (side === 'server' && ev.type === 'datagram_received') for (let d = pair.server!.readDatagram(); d !== undefined; d = pair.server!.readDatagram()) got.push(d);
    });
    expect(got.map((d) => d.length)).toEqual([n]);
    expect(pair.client.stats()).toMatchObject({ datagramsSent: 1, datagramsDropped: 0 });
  });

  it('RFC 9221 §5: a queued datagram that no longer fits after the path MTU shrank is dropped and does not block later ones', async () => {
    const pair = await confirmedPair({ clientLimits: DGRAM, serverLimits: DGRAM });
    await pair.runFor(seconds(3));
    const client = pair.client;
    expect(client.sendDatagram(new Uint8Array(1400).fill(1))).toBe(true);
    expect(client.sendDatagram(new Uint8Array(10).fill(2))).toBe(true);
    expect(client.sendDatagram(new Uint8Array(20).fill(3))).toBe(true);
    // RFC 8899 §4.3: a black hole is detected before the datagrams leave: the PLPMTU drops to 1200.
    expect(client.state.pmtud.onPtoExpired(100)).toBe(true);
    expect(client.maxDatagramPayload()).toBe(1168);
    const got: Uint8Array[] = [];
    await pair.run(() => got.length >= 2, (side, ev) => {
      if (side === 'server' && ev.type === 'datagram_received') for (let d = pair.server!.readDatagram(); d !== undefined; d = pair.server!.readDatagram()) got.push(d);
    }, 2000);
    expect(got.map((d) => d.length)).toEqual([10, 20]);
    expect(client.stats()).toMatchObject({ datagramsDropped: 1, datagramsSent: 2 });
    expect(pair.server!.stats().datagramsReceived).toBe(2);
  });

  it('RFC 9221 §5: datagrams get through during a bulk stream transfer (DATAGRAM frames go before STREAM frames)', async () => {
    // Windows and buffer large enough that the stream always has data and credit: only the
    // congestion window limits it, so every packet could be filled with STREAM frames.
    const big = { ...DGRAM, initialMaxData: 16_000_000, initialMaxStreamData: 16_000_000, sendBufferCapacity: 4_000_000 };
    const pair = await confirmedPair({ clientLimits: big, serverLimits: big });
    const server = pair.server!;
    const data = payload(3_000_000);
    const arrivedAt: number[] = [];
    let queued = false;
    const received = await transfer(pair, data, (n) => {
      if (!queued && n >= 300_000) {
        queued = true;
        for (let i = 0; i < 20; i++) expect(pair.client.sendDatagram(new Uint8Array(100).fill(i))).toBe(true);
      }
      for (let d = server.readDatagram(); d !== undefined; d = server.readDatagram()) arrivedAt.push(n);
    });
    expect(received.length).toBe(data.length);
    expect(arrivedAt).toHaveLength(20);
    // All arrived while at most one more megabyte of stream data went through.
    expect(Math.max(...arrivedAt)).toBeLessThan(1_300_000);
  });
});

describe('RFC 9000 §10.2: connection_closed is raised when closing or draining starts', () => {
  it('RFC 9000 §10.2: on a handshake failure both sides report connection_closed before the closing/draining period ends', async () => {
    const other = generateSelfSignedCertificate({ commonName: 'Other CA', isCA: true, validityDays: 365, nowMs: TLS_TEST_NOW, random: new SeededRandom(5) });
    const pair = new ConnectionPair({ trustAnchors: [other.certificateDer] });
    const seenClosed: Record<Side, boolean | undefined> = { client: undefined, server: undefined };
    await pair.run(
      () => seenClosed.client !== undefined && seenClosed.server !== undefined,
      (side, ev, p) => {
        if (ev.type === 'connection_closed') seenClosed[side] = p.conn(side)!.isClosed;
      },
    );
    // Raised in the closing (client) and draining (server) states, not after them.
    expect(seenClosed).toEqual({ client: false, server: false });
    expect(pair.client.state.phase).toBe('closing');
    expect(pair.server!.state.phase).toBe('draining');
    expect(eventsOf(pair, 'client', 'connection_closed')[0]).toMatchObject({ by: 'local', code: 0x100 + 48 });
  });

  it('RFC 9000 §10.2: close() queues connection_closed at once', async () => {
    const pair = await confirmedPair();
    pair.client.close(pair.now, 3, 'bye');
    expect(pair.client.pollEvent()).toMatchObject({ type: 'connection_closed', by: 'local', code: 3, reason: 'bye', errorSpace: 'application' });
    expect(pair.client.isClosed).toBe(false);
  });
});

describe('DESIGN §7: ConnectionStats and StreamStats', () => {
  it('DESIGN §7: streams opened and closed by direction, datagrams sent and received, per-stream counters', async () => {
    const pair = await confirmedPair({ clientLimits: DGRAM, serverLimits: DGRAM });
    const client = pair.client;
    const server = pair.server!;
    const id = client.openStream('bidi', 200)!;
    const up = { offset: 0, finished: false };
    pump(client, id, payload(5000), up);
    const uni = client.openStream('uni')!;
    client.streamFinish(uni);
    client.sendDatagram(new Uint8Array(10));
    let serverRead = 0;
    let serverDone = false;
    await pair.run(
      () => serverDone && server.stats().streamsClosedUni === 1 && server.stats().datagramsReceived === 1,
      (side, ev) => {
        if (side !== 'server' || ev.type !== 'stream_readable') return;
        const r = drain(server, ev.streamId);
        if (ev.streamId === id) {
          serverRead += r.n;
          serverDone ||= r.fin;
        }
      },
    );
    await pair.runFor(millis(100));
    expect(serverRead).toBe(5000);
    expect(client.streamStats(id)).toEqual({ bytesWritten: 5000, bytesSent: 5000, bytesAcked: 5000, bytesReceived: 0, priority: 200 });
    expect(server.streamStats(id)).toMatchObject({ bytesReceived: 5000, bytesWritten: 0, priority: 128 });
    expect(client.stats()).toMatchObject({ streamsOpenedBidi: 1, streamsOpenedUni: 1, streamsClosedUni: 1, streamsClosedBidi: 0, datagramsSent: 1, datagramsDropped: 0, datagramsLost: 0 });
    expect(server.stats()).toMatchObject({ streamsOpenedBidi: 1, streamsOpenedUni: 1, streamsClosedUni: 1, datagramsReceived: 1, datagramsReceivedDropped: 0 });
    // The server finishes its side: the bidirectional stream closes on both ends and is forgotten.
    server.streamFinish(id);
    await pair.run(
      () => client.stats().streamsClosedBidi === 1,
      (side, ev) => {
        if (side === 'client' && ev.type === 'stream_readable') drain(client, ev.streamId);
      },
    );
    expect(client.streamState(id)).toBeUndefined();
  });

  it('RFC 9000 §14.4: lost PMTU probes are counted as pmtuProbesLost, not lostPackets', async () => {
    // The wire drops everything above 1400 bytes: only probes are lost.
    const pair = await confirmedPair({ drop: (d) => d.bytes.length > 1400, clientLimits: { maxDatagramSize: 1500 }, serverLimits: { maxDatagramSize: 1500 } });
    await pair.runFor(seconds(5));
    const stats = pair.client.stats();
    expect(stats.pmtuProbesLost).toBeGreaterThan(0);
    expect(stats.lostPackets).toBe(0);
  });
});
