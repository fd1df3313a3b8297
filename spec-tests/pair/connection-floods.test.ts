/**
 * Floods from a hostile peer (DESIGN §5: "never grows memory without bound: every buffer has a
 * limit"; RFC 9000 §21.7, §21.9): forged 1-RTT packets from the client make the server's
 * peer-driven buffers hit their limits. Each either ends in a CONNECTION_CLOSE with the right code
 * (asserted on both sides: the victim closes, the attacker receives the code) with the victim's
 * state under the limit throughout, or, where no protocol error applies, shows that the state
 * stays bounded. NEW_CONNECTION_ID floods (active_connection_id_limit and the Retire Prior To
 * churn) are covered in connection-ids.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MAX_CRYPTO_BUFFER, MAX_CRYPTO_FRAGMENTS } from '../../src/connection/crypto-buffers.js';
import { DEFAULT_MAX_ACK_RANGES } from '../../src/recovery/ack-tracker.js';
import { MAX_RECV_FRAGMENTS } from '../../src/streams/recv-stream.js';
import { Writer } from '../../src/util/bytes.js';
import { millis } from '../../src/util/time.js';
import { TransportErrorCode } from '../../src/wire/errors.js';
import { encodeFramesToBytes, type Frame } from '../../src/wire/frames.js';
import { PacketNumberSpace } from '../../src/wire/packet-type.js';
import { confirmedPair, forgeOneRttDatagram, type ConnectionPair } from '../helpers/connection-pair.js';

/** The client sends `frames` to the server in one forged 1-RTT packet. */
function inject(pair: ConnectionPair, frames: Frame[] | Uint8Array): void {
  const bytes = frames instanceof Uint8Array ? frames : encodeFramesToBytes(frames);
  pair.deliverNow('server', forgeOneRttDatagram(pair.client, bytes, pair.now));
}

/** Lets the close reach the client; returns what each side saw. */
async function closes(pair: ConnectionPair) {
  await pair.run(() => pair.events.client.some((e) => e.type === 'connection_closed'), undefined, 2_000);
  return {
    server: pair.events.server.find((e) => e.type === 'connection_closed'),
    client: pair.events.client.find((e) => e.type === 'connection_closed'),
  };
}

function expectClosedWith(c: Awaited<ReturnType<typeof closes>>, code: number): void {
  expect(c.server).toMatchObject({ by: 'local', code, errorSpace: 'transport' });
  expect(c.client).toMatchObject({ by: 'peer', code, errorSpace: 'transport' });
}

const isClosing = (pair: ConnectionPair): boolean => pair.server!.state.phase !== 'established';

describe('RFC 9000 §21.7: out-of-order STREAM fragment flood', () => {
  it('RFC 9000 §21.7: 1-byte STREAM frames at every other offset hit the fragment cap and close with INTERNAL_ERROR; state stays under the cap', async () => {
    const pair = await confirmedPair();
    const server = pair.server!;
    let offset = 1; // offset 0 never arrives: nothing becomes readable
    let maxFragments = 0;
    let maxBuffer = 0;
    let frames = 0;
    for (let packet = 0; packet < 100 && !isClosing(pair); packet++) {
      const batch: Frame[] = [];
      for (let i = 0; i < 120; i++, offset += 2) batch.push({ type: 'stream', streamId: 0, offset, data: new Uint8Array([offset & 0xff]), fin: false });
      inject(pair, batch);
      frames += batch.length;
      const recv = server.state.streams!.get(0)?.recv;
      if (recv !== undefined) {
        maxFragments = Math.max(maxFragments, recv.fragmentCount);
        maxBuffer = Math.max(maxBuffer, recv.bufferSize);
      }
    }
    expect(isClosing(pair)).toBe(true);
    // All within flow control (256 KiB stream window): only the fragment count is the limit.
    expect(offset).toBeLessThan(256 * 1024);
    expect(frames).toBeGreaterThan(MAX_RECV_FRAGMENTS);
    expect(maxFragments).toBeLessThanOrEqual(MAX_RECV_FRAGMENTS);
    expect(maxBuffer).toBeLessThanOrEqual(256 * 1024);
    expectClosedWith(await closes(pair), TransportErrorCode.INTERNAL_ERROR);
  });

  it('RFC 9000 §21.7: fragments below the cap are buffered and delivered once the gaps fill', async () => {
    const pair = await confirmedPair();
    const batch: Frame[] = [];
    for (let o = 1; o < 200; o += 2) batch.push({ type: 'stream', streamId: 0, offset: o, data: new Uint8Array([o]), fin: false });
    inject(pair, batch);
    expect(pair.server!.state.streams!.get(0)!.recv!.fragmentCount).toBe(100);
    const fill: Frame[] = [];
    for (let o = 0; o < 200; o += 2) fill.push({ type: 'stream', streamId: 0, offset: o, data: new Uint8Array([o]), fin: false });
    inject(pair, fill);
    const recv = pair.server!.state.streams!.get(0)!.recv!;
    expect(recv.fragmentCount).toBe(1);
    const r = pair.server!.streamRead(0)!;
    expect(r.data.length).toBe(200);
    expect([...r.data.subarray(0, 4)]).toEqual([0, 1, 2, 3]);
    expect(recv.fragmentCount).toBe(0);
    expect(isClosing(pair)).toBe(false);
  });
});

describe('RFC 9000 §13.1, §19.3: ACK floods', () => {
  it('RFC 9000 §13.1: an ACK (with many ranges) of packets never sent closes with PROTOCOL_VIOLATION', async () => {
    const pair = await confirmedPair();
    const largestSent = pair.server!.state.spaces[PacketNumberSpace.ApplicationData].nextPacketNumber - 1;
    const ranges = [];
    let pn = largestSent + 2_000;
    for (let i = 0; i < 300; i++, pn -= 3) ranges.push({ largest: pn, smallest: pn - 1 });
    inject(pair, [{ type: 'ack', ackDelay: 0, ranges }]);
    expectClosedWith(await closes(pair), TransportErrorCode.PROTOCOL_VIOLATION);
  });

  it('RFC 9000 §19.3: an ACK Range Count larger than the frame can hold is refused without looping (FRAME_ENCODING_ERROR)', async () => {
    const pair = await confirmedPair();
    const w = new Writer(new Uint8Array(32));
    w.varint(0x02).varint(0).varint(0).varint(1_000_000_000).varint(0); // ACK, largest 0, delay 0, 1e9 ranges, first range 0
    inject(pair, w.written());
    expectClosedWith(await closes(pair), TransportErrorCode.FRAME_ENCODING_ERROR);
  });

  it('RFC 9000 §19.3: a valid ACK with 500 ranges below the largest sent packet, repeated 50 times, is processed and the connection stays open', async () => {
    const pair = await confirmedPair();
    const server = pair.server!;
    const app = server.state.spaces[PacketNumberSpace.ApplicationData];
    app.nextPacketNumber += 5_000; // the server skips packet numbers, so the ranges can be wide apart
    server.streamWrite(server.openStream('uni')!, new Uint8Array(100));
    pair.flush();
    const largestSent = app.nextPacketNumber - 1;
    const ranges = [];
    let pn = largestSent;
    for (let i = 0; i < 500; i++, pn -= 4) ranges.push({ largest: pn, smallest: pn - 1 });
    for (let i = 0; i < 50; i++) inject(pair, [{ type: 'ack', ackDelay: 0, ranges }]);
    expect(isClosing(pair)).toBe(false);
    await pair.runFor(millis(200));
    expect(pair.client.isClosed).toBe(false);
    expect(server.isClosed).toBe(false);
  });
});

describe('RFC 9000 §7.5: CRYPTO floods', () => {
  it('RFC 9000 §7.5: 1-RTT CRYPTO data beyond the buffer limit closes with CRYPTO_BUFFER_EXCEEDED', async () => {
    const pair = await confirmedPair();
    inject(pair, [{ type: 'crypto', offset: MAX_CRYPTO_BUFFER + 10_000, data: new Uint8Array(16) }]);
    expect(pair.server!.state.spaces[PacketNumberSpace.ApplicationData].cryptoRecv.bufferedBytes).toBe(0);
    expectClosedWith(await closes(pair), TransportErrorCode.CRYPTO_BUFFER_EXCEEDED);
  });

  it('RFC 9000 §7.5: many small out-of-order CRYPTO fragments (within 4,096 bytes) hit the fragment cap: CRYPTO_BUFFER_EXCEEDED', async () => {
    const pair = await confirmedPair();
    const recv = pair.server!.state.spaces[PacketNumberSpace.ApplicationData].cryptoRecv;
    let offset = 1;
    let maxBuffered = 0;
    for (let packet = 0; packet < 20 && !isClosing(pair); packet++) {
      const batch: Frame[] = [];
      for (let i = 0; i < 100; i++, offset += 2) batch.push({ type: 'crypto', offset, data: new Uint8Array([1]) });
      inject(pair, batch);
      maxBuffered = Math.max(maxBuffered, recv.bufferedBytes);
    }
    expect(isClosing(pair)).toBe(true);
    expect(offset).toBeLessThan(MAX_CRYPTO_BUFFER);
    expect(maxBuffered).toBeLessThanOrEqual(MAX_CRYPTO_FRAGMENTS);
    expectClosedWith(await closes(pair), TransportErrorCode.CRYPTO_BUFFER_EXCEEDED);
  });
});

describe('RFC 9000 §13.2.3, RFC 9221 §5: tiny-packet and DATAGRAM floods', () => {
  it('RFC 9000 §13.2.3: 3,000 one-PING packets with gapped packet numbers keep the ACK tracker bounded (no error applies)', async () => {
    const pair = await confirmedPair();
    const server = pair.server!;
    const ack = server.state.spaces[PacketNumberSpace.ApplicationData].ack;
    const sp = pair.client.state.spaces[PacketNumberSpace.ApplicationData];
    let maxRanges = 0;
    for (let i = 0; i < 3_000; i++) {
      sp.nextPacketNumber += 1 + (i % 3); // gaps of 1..3 packet numbers
      inject(pair, new Uint8Array([0x01])); // PING
      maxRanges = Math.max(maxRanges, ack.receivedRangeCount, ack.rangeCount);
      if (i % 100 === 99) pair.flush(); // the server keeps acknowledging
    }
    expect(maxRanges).toBeLessThanOrEqual(DEFAULT_MAX_ACK_RANGES);
    expect(server.state.packetsReceived).toBeGreaterThan(3_000);
    await pair.runFor(millis(100));
    expect(isClosing(pair)).toBe(false);
    // The victim's own sent-packet tracking stays bounded too: its ACK-only packets are not in flight.
    expect(server.state.ld.bytesInFlight).toBe(0);
  });

  it('RFC 9221 §5: a flood of DATAGRAM frames the application does not read stays within the receive queue bounds, dropping the oldest', async () => {
    const pair = await confirmedPair({ serverLimits: { maxDatagramFrameSize: 1200 } });
    const q = pair.server!.state.datagramRecv;
    let maxBytes = 0;
    let maxCount = 0;
    for (let packet = 0; packet < 300; packet++) {
      const batch: Frame[] = [];
      for (let i = 0; i < 10; i++) batch.push({ type: 'datagram', data: new Uint8Array(100).fill(i) });
      inject(pair, batch);
      maxBytes = Math.max(maxBytes, q.queuedBytes);
      maxCount = Math.max(maxCount, q.length);
    }
    expect(maxCount).toBeLessThanOrEqual(256);
    expect(maxBytes).toBeLessThanOrEqual(256 * 1024);
    expect(q.dropped).toBe(3_000 - q.length);
    expect(isClosing(pair)).toBe(false);
    // One datagram_received announcement, not one per datagram (the event queue is bounded too).
    await pair.runFor(millis(1));
    expect(pair.events.server.filter((e) => e.type === 'datagram_received').length).toBe(1);
  });
});

describe('RFC 9000 §4.6: stream-count flood', () => {
  it('RFC 9000 §4.6: a STREAM frame beyond our advertised stream limit closes with STREAM_LIMIT_ERROR', async () => {
    const pair = await confirmedPair({ serverLimits: { initialMaxStreamsBidi: 10 } });
    inject(pair, [{ type: 'stream', streamId: 9 * 4, offset: 0, data: new Uint8Array(1), fin: false }]); // index 9: allowed
    expect(pair.server!.state.streams!.size).toBe(10);
    expect(isClosing(pair)).toBe(false);
    inject(pair, [{ type: 'stream', streamId: 10 * 4, offset: 0, data: new Uint8Array(1), fin: false }]); // index 10: beyond
    expect(pair.server!.state.streams!.size).toBe(10);
    expectClosedWith(await closes(pair), TransportErrorCode.STREAM_LIMIT_ERROR);
  });
});
