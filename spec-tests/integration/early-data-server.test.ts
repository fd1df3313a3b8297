/**
 * QuicServer with `enableEarlyData` over real sockets: a connection whose 0-RTT the server accepted
 * reaches `accept()` before its handshake completes (core event 'early_data_accepted'), the 0-RTT
 * request is read and answered then (0.5-RTT data, RFC 9001 §5.7), and a handshake that never
 * completes closes the already-delivered connection with an error. Order is asserted, not time.
 */
import { createSocket, type Socket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { QuicError, QuicServer, connect, type QuicServerOptions } from '../../src/node.js';
import { payload, ticketOf, within } from './helpers.js';



async function startServer(options: Partial<QuicServerOptions> = {}): Promise<QuicServer> {
  const server = new QuicServer({ host: '127.0.0.1', port: 0, tls: { selfSigned: true }, tickets: true, enableEarlyData: true, ...options });
  await server.listen();
  return server;
}

/** A UDP relay to `port` that forwards the client's first `clientDatagrams` datagrams only, and everything back. */
async function relay(port: number, clientDatagrams: number): Promise<{ port: number; close(): void }> {
  const front: Socket = createSocket('udp4');
  const back: Socket = createSocket('udp4');
  let client: { address: string; port: number } | undefined;
  let forwarded = 0;
  front.on('message', (msg, rinfo) => {
    client = { address: rinfo.address, port: rinfo.port };
    if (forwarded++ < clientDatagrams) back.send(msg, port, '127.0.0.1');
  });
  back.on('message', (msg) => {
    if (client !== undefined) front.send(msg, client.port, client.address);
  });
  await new Promise<void>((r) => front.bind(0, '127.0.0.1', r));
  await new Promise<void>((r) => back.bind(0, '127.0.0.1', r));
  return { port: front.address().port, close: () => { front.close(); back.close(); } };
}

describe('RFC 9001 §4.6.2, §5.7: a server with early data gets 0-RTT connections before the handshake completes', () => {
  it('RFC 9001 §5.7: accept() yields the 0-RTT connection with its handshake pending; the server reads the 0-RTT request and replies before its handshake completes', async () => {
    const server = await startServer();
    const target = { host: '127.0.0.1', port: server.address.port };
    const pin = { serverCertificateHashes: [server.certificate.sha256!] };
    const order: string[] = [];
    const request = payload(400, 7);
    const reply = payload(600, 8);
    const served = (async () => {
      const first = await server.accept();
      // A full handshake: delivered once complete, as without early data.
      expect(first.isHandshakeComplete).toBe(true);
      const conn = await server.accept();
      order.push('server:accepted');
      expect(conn.isHandshakeComplete).toBe(false);
      expect(conn.handshakeInfo).toBeUndefined();
      expect(conn.alpn).toBe('quic-multistream');
      void conn.handshake.then(() => order.push('server:handshake'));
      const s = await conn.acceptBiStream();
      const got = await s.readAll();
      order.push(conn.isHandshakeComplete ? 'server:read-late' : 'server:read');
      expect([...got]).toEqual([...request]);
      await s.writeAll(reply);
      order.push(conn.isHandshakeComplete ? 'server:replied-late' : 'server:replied');
      return conn;
    })();
    try {
      const first = await connect(target, pin);
      const ticket = await ticketOf(first);
      await first.close();
      const second = await connect(target, { ...pin, sessionTicket: ticket, enableEarlyData: true });
      const s = await second.openBiStream();
      const [, answer] = await within(Promise.all([s.writeAll(request), s.readAll()]), 5000, 'reply');
      order.push('client:reply');
      expect([...answer]).toEqual([...reply]);
      const conn = await within(served, 5000, 'server');
      const info = await within(conn.handshake, 5000, 'server handshake');
      expect(info).toEqual({ alpn: 'quic-multistream', resumed: true, earlyData: 'accepted' });
      expect(conn.isHandshakeComplete).toBe(true);
      expect((await second.handshake).earlyData).toBe('accepted');
      // The server had the request and had written the reply before its handshake completed, and
      // the reply reached the client before then too: it left with the server's first flight.
      expect(order).toEqual(['server:accepted', 'server:read', 'server:replied', 'client:reply', 'server:handshake']);
      await second.close();
    } finally {
      await server.close();
    }
  });

  it('RFC 9001 §4.6.2: with admitConnection, the 0-RTT connection is admitted at 0-RTT acceptance (remote, alpn), before the handshake completes', async () => {
    const seen: (string | undefined)[] = [];
    const server = await startServer({
      admitConnection: (info) => {
        seen.push(info.alpn);
        return { accept: true };
      },
    });
    const target = { host: '127.0.0.1', port: server.address.port };
    const pin = { serverCertificateHashes: [server.certificate.sha256!] };
    try {
      const first = await connect(target, pin);
      const ticket = await ticketOf(first);
      await first.close();
      await server.accept();
      const second = await connect(target, { ...pin, sessionTicket: ticket, enableEarlyData: true });
      const s = await second.openBiStream();
      void s.writeAll(payload(10, 1));
      const conn = await within(server.accept(), 5000, 'accept');
      expect(conn.isHandshakeComplete).toBe(false); // admitted and delivered at 0-RTT acceptance
      expect(seen).toEqual(['quic-multistream', 'quic-multistream']);
      expect((await within(conn.handshake, 5000, 'handshake')).earlyData).toBe('accepted');
      await second.close();
    } finally {
      await server.close();
    }
  });

  it('RFC 9001 §4.6.2: a 0-RTT connection whose handshake never completes (the client Finished never arrives) closes with an error on the delivered object', async () => {
    const server = await startServer({ idleTimeoutMs: 800 });
    const target = { host: '127.0.0.1', port: server.address.port };
    const pin = { serverCertificateHashes: [server.certificate.sha256!] };
    const first = await connect(target, pin);
    const ticket = await ticketOf(first);
    await first.close();
    await server.accept();
    const r = await relay(server.address.port, 1); // only the client's Initial + 0-RTT get through
    try {
      const second = await connect({ host: '127.0.0.1', port: r.port }, { ...pin, sessionTicket: ticket, enableEarlyData: true, idleTimeoutMs: 800 });
      const s = await second.openBiStream();
      void s.writeAll(payload(100, 2)).catch(() => undefined);
      const conn = await within(server.accept(), 5000, 'accept');
      expect(conn.isHandshakeComplete).toBe(false);
      const err = await within(conn.handshake.then(() => undefined, (e: unknown) => e), 10_000, 'handshake failure');
      expect(err).toBeInstanceOf(QuicError);
      const closed = await within(conn.closed, 5000, 'closed');
      expect(closed.handshakeCompleted).toBe(false);
      expect(conn.isClosed).toBe(true);
      await second.close().catch(() => undefined);
    } finally {
      r.close();
      await server.close();
    }
  });
});
