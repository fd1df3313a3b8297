/**
 * The node:dgram socket of the drivers (src/io/udp-socket.ts): address strings of senders (the
 * `remote` of a NetworkPath, RFC 9000 §9) and the default receive buffer.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { UdpSocket } from '../../../src/io/udp-socket.js';

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function bindRaw(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  open.push({ close: () => new Promise<void>((resolve) => s.close(() => resolve())) });
  return s;
}

describe('UdpSocket', () => {
  it('RFC 9000 §9: datagrams from two senders, interleaved, are each named by their own sender address', async () => {
    const got: [string, number][] = [];
    const udp = await UdpSocket.bind({ host: '127.0.0.1', port: 0 }, (bytes, remote) => got.push([remote, bytes[0]!]));
    open.push(udp);
    const a = await bindRaw();
    const b = await bindRaw();
    const order = [a, a, b, a, b, b, a];
    for (const [i, s] of order.entries()) await new Promise<void>((resolve) => s.send(Uint8Array.of(i), udp.port, '127.0.0.1', () => resolve()));
    for (let i = 0; i < 50 && got.length < order.length; i++) await new Promise((r) => setTimeout(r, 10));
    const name = (s: dgram.Socket): string => `127.0.0.1:${s.address().port}`;
    expect(got.sort((x, y) => x[1] - y[1])).toEqual(order.map((s, i) => [name(s), i]));
  });

  it('RFC 9000 §9: a datagram sent to an address string arrives from the socket\'s own address string', async () => {
    const got: string[] = [];
    const rx = await UdpSocket.bind({ host: '127.0.0.1', port: 0 }, (_bytes, remote) => got.push(remote));
    const tx = await UdpSocket.bind({ host: '127.0.0.1', port: 0 }, () => undefined);
    open.push(rx, tx);
    tx.send(Uint8Array.of(1, 2, 3), rx.localAddress);
    for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual([tx.localAddress]);
    expect(tx.sendErrors).toBe(0);
  });

  it('DESIGN §2 io/: the socket asks for a larger receive buffer than the system default unless given one (overflow is packet loss)', async () => {
    const plain = await bindRaw();
    const udp = await UdpSocket.bind({ host: '127.0.0.1', port: 0 }, () => undefined);
    const explicit = await UdpSocket.bind({ host: '127.0.0.1', port: 0, recvBufferSize: 65_536 }, () => undefined);
    open.push(udp, explicit);
    // Capped by the system (net.core.rmem_max on Linux), so never below its default.
    expect(udp.recvBufferSize).toBeGreaterThanOrEqual(plain.getRecvBufferSize());
    expect(explicit.recvBufferSize).toBeLessThan(udp.recvBufferSize + 1);
    expect(explicit.recvBufferSize).toBeGreaterThanOrEqual(65_536);
  });
});
