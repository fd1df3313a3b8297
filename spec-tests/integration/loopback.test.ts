import { describe, expect, it } from 'vitest';
import { QuicError, connect } from '../../src/node.js';
import { payload, startFixture, within } from './helpers.js';

describe.each(['127.0.0.1', '::1'])('DESIGN §7: QuicServer and QuicClient on loopback %s', (host) => {
  it('DESIGN §7: a pinned client echoes 1 MB on a bidirectional stream', async () => {
    const f = await startFixture(host);
    try {
      const serverSide = (async () => {
        const conn = await f.server.accept();
        const s = await conn.acceptBiStream();
        const data = await s.readAll();
        await s.writeAll(data);
      })();
      const client = await f.connectClient();
      expect(client.alpn).toBe('quic-multistream');
      const data = payload(1024 * 1024);
      const s = await client.openBiStream();
      const [, echoed] = await within(Promise.all([s.writeAll(data), s.readAll()]), 20_000, 'echo');
      await serverSide;
      expect(echoed.length).toBe(data.length);
      expect(Buffer.from(echoed).equals(Buffer.from(data))).toBe(true);
    } finally {
      await f.close();
    }
  });

  it('RFC 9000 §2.1: unidirectional streams both ways, trusting the server certificate as a CA', async () => {
    const f = await startFixture(host);
    try {
      const serverSide = (async () => {
        const conn = await f.server.accept();
        const r = await conn.acceptUniStream();
        const got = await r.readAll();
        const w = await conn.openUniStream();
        await w.writeAll(got.reverse());
      })();
      const client = await f.connectClient({ serverCertificateHashes: [], ca: [f.server.certificate.chain[0]!], serverName: 'localhost' });
      const w = await client.openUniStream();
      await w.writeAll(new Uint8Array([1, 2, 3, 4]));
      const r = await within(client.acceptUniStream(), 5000, 'accept uni');
      expect([...(await r.readAll())]).toEqual([4, 3, 2, 1]);
      await serverSide;
    } finally {
      await f.close();
    }
  });

  it('RFC 9221 §5: datagrams both ways; oversized ones fail with ERR_QUIC_DATAGRAM_TOO_LARGE', async () => {
    const f = await startFixture(host, { datagrams: true });
    try {
      const serverSide = (async () => {
        const conn = await f.server.accept();
        for await (const d of conn.incomingDatagrams) conn.sendDatagram(d);
      })();
      const client = await f.connectClient({ datagrams: true });
      expect(() => client.sendDatagram(new Uint8Array(client.maxDatagramSize + 1))).toThrow(expect.objectContaining({ code: 'ERR_QUIC_DATAGRAM_TOO_LARGE' }));
      // Datagrams are unreliable: send until one comes back (loopback rarely drops).
      const echoed = (async () => client.recvDatagram())();
      for (let i = 0; i < 5; i++) client.sendDatagram(new Uint8Array([7, 7, i]));
      const d = await within(echoed, 5000, 'datagram echo');
      expect([...d.subarray(0, 2)]).toEqual([7, 7]);
      await client.close();
      await serverSide;
    } finally {
      await f.close();
    }
  });

  it('RFC 9000 §4.6: 100 concurrent bidirectional streams all echo', async () => {
    const f = await startFixture(host);
    try {
      void (async () => {
        const conn = await f.server.accept();
        for await (const s of conn.incomingBiStreams) void s.readAll().then((d) => s.writeAll(d)).catch(() => undefined);
      })();
      const client = await f.connectClient();
      const results = await within(
        Promise.all(
          Array.from({ length: 100 }, async (_, i) => {
            const s = await client.openBiStream();
            const data = payload(1000 + i, i);
            const [, back] = await Promise.all([s.writeAll(data), s.readAll()]);
            return Buffer.from(back).equals(Buffer.from(data));
          }),
        ),
        20_000,
        '100 streams',
      );
      expect(results.every(Boolean)).toBe(true);
      expect(client.stats().streamsOpened).toBe(100);
    } finally {
      await f.close();
    }
  });

  it('RFC 9000 §10.2: an application close reaches the peer as ERR_QUIC_CONNECTION_CLOSED with its code and reason', async () => {
    const f = await startFixture(host);
    try {
      const serverConn = f.server.accept();
      const client = await f.connectClient();
      const sc = await serverConn;
      const pendingRead = client.acceptBiStream().catch((e: unknown) => e);
      await sc.close(42, 'bye now');
      const info = await within(client.closed, 5000, 'client closed');
      expect(info).toMatchObject({ initiator: 'peer', code: 42, reason: 'bye now', errorSpace: 'application' });
      const err = await pendingRead;
      expect(err).toBeInstanceOf(QuicError);
      expect(err).toMatchObject({ code: 'ERR_QUIC_CONNECTION_CLOSED', initiator: 'peer', wireCode: 42, reason: 'bye now' });
      await expect(client.openBiStream()).rejects.toMatchObject({ code: 'ERR_QUIC_CONNECTION_CLOSED' });
    } finally {
      await f.close();
    }
  });

  it('RFC 9000 §19.4: a stream reset reaches the reader as ERR_QUIC_STREAM_RESET with the code', async () => {
    const f = await startFixture(host);
    try {
      const serverConn = f.server.accept();
      const client = await f.connectClient();
      const sc = await serverConn;
      const s = await client.openBiStream();
      await s.write(new Uint8Array([1]));
      const peer = await within(sc.acceptBiStream(), 5000, 'accept');
      s.reset(7);
      await expect(within(peer.readAll(), 5000, 'read after reset')).rejects.toMatchObject({ code: 'ERR_QUIC_STREAM_RESET', initiator: 'peer', wireCode: 7 });
    } finally {
      await f.close();
    }
  });

  it('RFC 9000 §10.1: an idle connection ends with ERR_QUIC_IDLE_TIMEOUT', async () => {
    const f = await startFixture(host, { idleTimeoutMs: 300 });
    try {
      const client = await f.connectClient({ idleTimeoutMs: 300 });
      const info = await within(client.closed, 5000, 'idle');
      expect(info.initiator).toBe('idle');
      await expect(client.acceptBiStream()).rejects.toMatchObject({ code: 'ERR_QUIC_IDLE_TIMEOUT', initiator: 'idle' });
    } finally {
      await f.close();
    }
  });
});

describe('DESIGN §5: failures are typed errors within bounded time', () => {
  // The handshake's idle timer is at least three times the PTO (RFC 9000 §10.1: "the idle timeout
  // ... is at least three times the current Probe Timeout"), about 3 s with kInitialRtt 333 ms.
  it('RFC 9000 §10.1: connecting where nothing listens fails with ERR_QUIC_IDLE_TIMEOUT', async () => {
    // Bind and release a port so that nothing listens on it.
    const { UdpSocket } = await import('../../src/io/udp-socket.js');
    const probe = await UdpSocket.bind({ host: '127.0.0.1', port: 0 }, () => undefined);
    const port = probe.port;
    await probe.close();
    const started = Date.now();
    const err = await within(connect({ host: '127.0.0.1', port }, { dangerouslySkipVerification: true, idleTimeoutMs: 400 }).catch((e: unknown) => e), 8000, 'connect');
    expect(err).toBeInstanceOf(QuicError);
    expect(err).toMatchObject({ code: 'ERR_QUIC_IDLE_TIMEOUT', initiator: 'idle' });
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it('RFC 8446 §4.4.2.4: a client pinning the wrong hash fails with ERR_QUIC_CERTIFICATE', async () => {
    const f = await startFixture('127.0.0.1');
    try {
      const err = await within(f.connectClient({ serverCertificateHashes: [new Uint8Array(32)] }).catch((e: unknown) => e), 5000, 'connect');
      expect(err).toBeInstanceOf(QuicError);
      expect(err).toMatchObject({ code: 'ERR_QUIC_CERTIFICATE', initiator: 'local' });
    } finally {
      await f.close();
    }
  });

  it('DESIGN §5: the server survives 1,000 random and truncated datagrams and still accepts a client', async () => {
    const f = await startFixture('127.0.0.1');
    try {
      const { UdpSocket } = await import('../../src/io/udp-socket.js');
      const junk = await UdpSocket.bind({ host: '127.0.0.1', port: 0 }, () => undefined);
      const to = f.server.address.address;
      let x = 12345;
      const rnd = (n: number): number => {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        return x % n;
      };
      for (let i = 0; i < 1000; i++) {
        const len = i % 3 === 0 ? 1200 + rnd(200) : 1 + rnd(1400);
        const d = new Uint8Array(len);
        for (let j = 0; j < len; j++) d[j] = rnd(256);
        // Every other one looks like a long-header Initial (0xc0 | type 0, version 1) so it reaches the deeper paths.
        if (i % 2 === 0 && len > 7) d.set([0xc0, 0, 0, 0, 1, 8], 0);
        junk.send(d, to);
        if (i % 100 === 99) await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 50));
      await junk.close();
      expect(f.server.stats().coreErrors).toBe(0);
      const client = await within(f.connectClient(), 10_000, 'connect after junk');
      const s = await client.openBiStream();
      const serverSide = (async () => {
        const conn = await f.server.accept();
        const ps = await conn.acceptBiStream();
        await ps.writeAll(await ps.readAll());
      })();
      const [, back] = await Promise.all([s.writeAll(new Uint8Array([9, 9])), s.readAll()]);
      expect([...back]).toEqual([9, 9]);
      await serverSide;
    } finally {
      await f.close();
    }
  });
});
