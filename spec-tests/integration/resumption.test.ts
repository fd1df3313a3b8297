import { describe, expect, it } from 'vitest';
import { MemoryTicketStore, QuicError, connect, type QuicConnection } from '../../src/node.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { nodeRandom } from '../../src/io/entropy.js';
import { echoServer, payload, ticketOf, within } from './helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function echo(conn: QuicConnection, data: Uint8Array): Promise<Uint8Array> {
  const s = await conn.openBiStream();
  const [, got] = await within(Promise.all([s.writeAll(data), s.readAll()]), 10_000, 'echo');
  return got;
}

describe('RFC 9001 §4.5, §4.6: resumption and 0-RTT through the API', () => {
  it('RFC 9001 §4.5: a second connection resumes with the first one\'s ticket and NEW_TOKEN token', async () => {
    const { server, accepted } = await echoServer({ tickets: true });
    const target = { host: '127.0.0.1', port: server.address.port };
    const pin = { serverCertificateHashes: [server.certificate.sha256!] };
    try {
      const first = await connect(target, pin);
      expect(first.handshakeInfo?.resumed).toBe(false);
      expect([...(await echo(first, payload(1000)))]).toEqual([...payload(1000)]);
      const ticket = await ticketOf(first);
      expect(first.tickets.length).toBeGreaterThanOrEqual(1);
      for (let i = 0; i < 100 && first.newToken === undefined; i++) await sleep(10);
      const token = first.newToken;
      expect(token).toBeDefined();
      await first.close();
      const second = await connect(target, { ...pin, sessionTicket: ticket, ...(token === undefined ? {} : { token }) });
      const info = await second.handshake;
      expect(info).toEqual({ alpn: 'quic-multistream', resumed: true, earlyData: 'not_offered' });
      expect([...(await echo(second, payload(5000, 2)))]).toEqual([...payload(5000, 2)]);
      expect(accepted[1]?.handshakeInfo?.resumed).toBe(true);
      await second.close();
    } finally {
      await server.close();
    }
  });

  it('RFC 9001 §4.6.1: with enableEarlyData, connect resolves before the handshake and 0-RTT data is accepted', async () => {
    const { server, accepted } = await echoServer({ tickets: true, enableEarlyData: true });
    const target = { host: '127.0.0.1', port: server.address.port };
    const pin = { serverCertificateHashes: [server.certificate.sha256!] };
    try {
      const first = await connect(target, pin);
      const ticket = await ticketOf(first);
      expect(ticket.maxEarlyData).toBeGreaterThan(0);
      await first.close();
      const second = await connect(target, { ...pin, sessionTicket: ticket, enableEarlyData: true });
      expect(second.handshakeInfo).toBeUndefined(); // connect resolved before the handshake completed
      const s = await second.openBiStream();
      const data = payload(3000, 3);
      const written = s.writeAll(data); // 0-RTT (RFC 9001 §4.6.1)
      const info = await within(second.handshake, 5000, 'handshake');
      expect(info.resumed).toBe(true);
      expect(info.earlyData).toBe('accepted');
      await written;
      expect([...(await within(s.readAll(), 5000, 'echo'))]).toEqual([...data]);
      for (let i = 0; i < 100 && accepted.length < 2; i++) await sleep(10);
      // With enableEarlyData the server got this connection at 0-RTT acceptance: its handshake may still be pending.
      expect(await within(accepted[1]!.handshake, 5000, 'server handshake')).toEqual({ alpn: 'quic-multistream', resumed: true, earlyData: 'accepted' });
      expect(second.stats().streamsOpened).toBe(1);
      await second.close();
    } finally {
      await server.close();
    }
  });

  it('RFC 9001 §4.6.2: a server without early data rejects 0-RTT; the 0-RTT streams fail with ERR_QUIC_0RTT_REJECTED and can be opened again', async () => {
    // One ticket store shared by both servers: the second resumes the first one's tickets but refuses 0-RTT.
    const tickets = new MemoryTicketStore(nodeCryptoProvider, nodeRandom);
    const a = await echoServer({ tickets, enableEarlyData: true });
    const b = await echoServer({ tickets, enableEarlyData: false });
    try {
      const first = await connect({ host: '127.0.0.1', port: a.server.address.port }, { serverCertificateHashes: [a.server.certificate.sha256!] });
      const ticket = await ticketOf(first);
      await first.close();
      const second = await connect({ host: '127.0.0.1', port: b.server.address.port }, { serverCertificateHashes: [b.server.certificate.sha256!], sessionTicket: ticket, enableEarlyData: true });
      const s = await second.openBiStream();
      const early = Promise.all([s.writeAll(payload(100, 4)), s.readAll()]);
      const info = await within(second.handshake, 5000, 'handshake');
      expect(info.resumed).toBe(true);
      expect(info.earlyData).toBe('rejected');
      const err = await early.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(QuicError);
      expect((err as QuicError).code).toBe('ERR_QUIC_0RTT_REJECTED');
      // The application retries on a fresh stream, in 1-RTT.
      expect([...(await echo(second, payload(100, 4)))]).toEqual([...payload(100, 4)]);
      await second.close();
    } finally {
      await a.server.close();
      await b.server.close();
    }
  });
});
