import { describe, expect, it } from 'vitest';
import { DatagramError } from '../../src/streams/datagram-queue.js';
import { bytesEqual, fromHex } from '../../src/util/bytes.js';
import { TransportErrorCode } from '../../src/wire/errors.js';
import { ConnectionPair } from '../helpers/connection-pair.js';

describe('RFC 9221: DATAGRAM frames over a connection pair', () => {
  it('RFC 9221 §5: datagrams flow both ways when both sides advertise max_datagram_frame_size', async () => {
    const limits = { maxDatagramFrameSize: 1200 };
    const pair = new ConnectionPair({ clientLimits: limits, serverLimits: limits });
    await pair.run(() => pair.handshakeDone);
    const server = pair.server!;
    const up = [fromHex('01'), fromHex('0203'), new Uint8Array(1000).fill(7)];
    const down = [fromHex('aabbcc')];
    for (const d of up) expect(pair.client.sendDatagram(d)).toBe(true);
    for (const d of down) expect(server.sendDatagram(d)).toBe(true);
    const got: Record<'client' | 'server', Uint8Array[]> = { client: [], server: [] };
    await pair.run(
      () => got.server.length === up.length && got.client.length === down.length,
      (side, ev) => {
        if (ev.type !== 'datagram_received') return;
        const c = side === 'client' ? pair.client : server;
        for (let d = c.readDatagram(); d !== undefined; d = c.readDatagram()) got[side].push(d);
      },
    );
    expect(got.server.map((d) => bytesEqual(d, up[got.server.indexOf(d)]!))).toEqual([true, true, true]);
    expect(bytesEqual(got.client[0]!, down[0]!)).toBe(true);
  });

  it('RFC 9221 §3: sending is refused when the peer did not advertise max_datagram_frame_size', async () => {
    const pair = new ConnectionPair({ clientLimits: { maxDatagramFrameSize: 1200 } });
    await pair.run(() => pair.handshakeDone);
    expect(() => pair.client.sendDatagram(fromHex('01'))).toThrow(DatagramError);
    // The server may send: the client advertised support.
    expect(pair.server!.sendDatagram(fromHex('01'))).toBe(true);
  });

  it('RFC 9221 §3: a DATAGRAM frame the receiver never advertised is a PROTOCOL_VIOLATION', async () => {
    const pair = new ConnectionPair();
    await pair.run(() => pair.handshakeDone);
    // Make the client misbehave: pretend the server accepts datagrams.
    pair.client.state.datagramSend.peerMaxFrameSize = 1200;
    pair.client.sendDatagram(fromHex('0102'));
    await pair.run(() => pair.events.client.some((e) => e.type === 'connection_closed'));
    const closed = pair.events.client.find((e) => e.type === 'connection_closed');
    expect(closed).toMatchObject({ by: 'peer', code: TransportErrorCode.PROTOCOL_VIOLATION, errorSpace: 'transport' });
  });
});
