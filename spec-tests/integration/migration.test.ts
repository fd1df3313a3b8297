import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { connect } from '../../src/node.js';
import { echoServer, payload, within } from './helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A UDP port that was free a moment ago. */
async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(r));
  return port;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  for (let waited = 0; !cond(); waited += 10) {
    if (waited >= ms) throw new Error(`${what}: not after ${ms} ms`);
    await sleep(10);
  }
}

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

describe('RFC 9000 §9: connection migration on loopback', () => {
  it('RFC 9000 §9.6.2: the client migrates to the server\'s preferred address from a new socket and the transfer completes there', async () => {
    const preferred = `127.0.0.1:${await freePort()}`;
    const { server, accepted } = await echoServer({ preferredAddress: { ipv4: preferred } });
    try {
      const client = await connect({ host: '127.0.0.1', port: server.address.port }, { serverCertificateHashes: [server.certificate.sha256!] });
      const firstLocal = client.localAddress;
      // RFC 9000 §9.6.2: after the handshake is confirmed the client probes the preferred address, then moves.
      await until(() => client.remoteAddress === preferred, 5000, 'migration to the preferred address');
      expect(client.localAddress).not.toBe(firstLocal); // a new socket, a new port
      const data = payload(1024 * 1024, 5);
      const s = await client.openBiStream();
      const [, got] = await within(Promise.all([s.writeAll(data), s.readAll()]), 20_000, 'echo');
      expect(Buffer.from(got).equals(Buffer.from(data))).toBe(true);
      // The server received and answered on the preferred-address socket.
      expect(accepted[0]?.localAddress).toBe(preferred);
      expect(server.stats().preferredAddressDatagrams[preferred]).toBeGreaterThan(100);
      expect(accepted[0]?.remoteAddress).toBe(client.localAddress.replace('0.0.0.0', '127.0.0.1'));
      await client.close();
    } finally {
      await server.close();
    }
  });

  it('RFC 9000 §9.2: active migration to a new local port in the middle of a transfer; the transfer completes', async () => {
    const { server, accepted } = await echoServer();
    try {
      const client = await connect({ host: '127.0.0.1', port: server.address.port }, { serverCertificateHashes: [server.certificate.sha256!] });
      const firstPort = portOf(client.localAddress);
      // RFC 9000 §9: "An endpoint MUST NOT initiate connection migration before the handshake is confirmed".
      let migrated = false;
      for (let i = 0; i < 100 && !migrated; i++) {
        migrated = await client.migrate().then(() => true, () => false);
        if (!migrated) await sleep(10);
      }
      expect(migrated).toBe(true);
      expect(portOf(client.localAddress)).not.toBe(firstPort);
      const data = payload(2 * 1024 * 1024, 6);
      const s = await client.openBiStream();
      const transfer = Promise.all([s.writeAll(data), s.readAll()]);
      await sleep(20);
      await client.migrate(); // once more, mid-transfer
      const [, got] = await within(transfer, 30_000, 'echo');
      expect(Buffer.from(got).equals(Buffer.from(data))).toBe(true);
      const secondPort = portOf(client.localAddress);
      expect(secondPort).not.toBe(firstPort);
      expect(portOf(accepted[0]!.remoteAddress)).toBe(secondPort);
      await client.close();
    } finally {
      await server.close();
    }
  });

  it('RFC 9000 §9: a server connection cannot migrate (ERR_QUIC_UNSUPPORTED)', async () => {
    const { server, accepted } = await echoServer();
    try {
      const client = await connect({ host: '127.0.0.1', port: server.address.port }, { serverCertificateHashes: [server.certificate.sha256!] });
      await until(() => accepted.length === 1, 5000, 'accept');
      await expect(accepted[0]!.migrate()).rejects.toMatchObject({ code: 'ERR_QUIC_UNSUPPORTED' });
      await client.close();
    } finally {
      await server.close();
    }
  });
});
