import { describe, expect, it } from 'vitest';
import { QuicClientBuilder, QuicServerBuilder } from '../../src/node.js';
import { payload, within } from './helpers.js';

describe('DESIGN §7: builders end to end', () => {
  it('DESIGN §7: a server and a client made by builders echo on a bidirectional stream', async () => {
    const server = await QuicServerBuilder.new().bind('127.0.0.1').withSelfSignedCertificate().withMaxConnections(4).withIdleTimeout(10_000).withKeepAlive(1000).withRetry('always').listen();
    try {
      const serverSide = (async () => {
        const conn = await server.accept();
        const s = await conn.acceptBiStream();
        await s.writeAll(await s.readAll());
      })();
      const client = await within(QuicClientBuilder.new().bind('127.0.0.1').withPinnedHash(server.certificate.sha256!).withIdleTimeout(10_000).connect({ host: '127.0.0.1', port: server.address.port }), 10_000, 'connect');
      const s = await client.openBiStream();
      const data = payload(100_000);
      const [, echoed] = await within(Promise.all([s.writeAll(data), s.readAll()]), 10_000, 'echo');
      await serverSide;
      expect(Buffer.from(echoed).equals(Buffer.from(data))).toBe(true);
      await client.close();
    } finally {
      await server.close();
    }
  }, 30_000);
});
