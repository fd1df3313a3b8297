import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Connection } from '../../src/connection/connection.js';
import { deriveInitialKeys } from '../../src/crypto/initial-secrets.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { unprotectPacket } from '../../src/crypto/packet-protection.js';
import { nodeRandom } from '../../src/io/entropy.js';
import { Reader, toHex } from '../../src/util/bytes.js';
import { instant } from '../../src/util/time.js';
import { TransportErrorCode } from '../../src/wire/errors.js';
import { decodeFrames } from '../../src/wire/frames.js';
import { decodePacketHeader } from '../../src/wire/header.js';
import { PacketType } from '../../src/wire/packet-type.js';
import { QUIC_V1 } from '../../src/wire/version.js';
import { QuicError } from '../../src/node.js';
import { payload, startFixture, within } from './helpers.js';

const FLOOD = 2000;

/** `n` real client Initials (Connection.connect + pollTransmit), each with a random DCID; with each one's DCID by SCID. */
function realInitials(n: number): { datagrams: Uint8Array[]; dcidByScid: Map<string, Uint8Array> } {
  const datagrams: Uint8Array[] = [];
  const dcidByScid = new Map<string, Uint8Array>();
  const out = new Uint8Array(1500);
  for (let i = 0; i < n; i++) {
    const c = Connection.connect(instant(0), {
      provider: nodeCryptoProvider, random: nodeRandom, wallClockMs: () => 0, alpnProtocols: ['quic-multistream'],
      serverName: 'localhost', verification: { mode: 'DANGEROUS_SKIP_VERIFICATION' },
    });
    const t = c.pollTransmit(instant(0), out);
    if (t === undefined) throw new Error('no Initial');
    const d = out.slice(0, t.length);
    const h = decodePacketHeader(new Reader(d), 0);
    if (h.type !== PacketType.Initial) throw new Error('not an Initial');
    dcidByScid.set(toHex(h.scid), h.dcid.slice());
    datagrams.push(d);
  }
  return { datagrams, dcidByScid };
}

/** Opens a refusal with the server Initial keys of the client DCID; returns its CONNECTION_CLOSE. */
function openRefusal(bytes: Uint8Array, dcidByScid: Map<string, Uint8Array>) {
  const copy = bytes.slice();
  const h = decodePacketHeader(new Reader(copy), 0);
  if (h.type !== PacketType.Initial) return undefined;
  const clientDcid = dcidByScid.get(toHex(h.dcid));
  if (clientDcid === undefined) return undefined;
  const opened = unprotectPacket(deriveInitialKeys(nodeCryptoProvider, QUIC_V1, clientDcid).server, copy, h.pnOffset, h.packetLength, -1);
  if (opened === null) return undefined;
  return decodeFrames(opened.payload, 'initial').find((f) => f.type === 'connection_close');
}

async function udpSocket(host: string): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, host, () => resolve()));
  return s;
}

/** Sends `datagrams` from `sock` to the server, `batch` per event-loop turn. */
async function blast(sock: dgram.Socket, port: number, datagrams: readonly Uint8Array[], batch = 50): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < datagrams.length; i += batch) {
    for (const d of datagrams.slice(i, i + batch)) sock.send(d, port, '127.0.0.1');
    await new Promise((r) => setImmediate(r));
  }
  return performance.now() - start;
}

describe('RFC 9000 §21.6, §5.2.2: server protections on loopback', () => {
  it('RFC 9000 §21.6: a flood of Initials from one address is refused by the rate limit while other clients still connect', async () => {
    const perIpConcurrent = 64;
    const f = await startFixture('127.0.0.1', { rateLimits: { perIpPerSecond: 20, perIpConcurrent }, idleTimeoutMs: 5000, recvBufferSize: 4 << 20 });
    const flood = await udpSocket('127.0.0.1');
    try {
      const { datagrams, dcidByScid } = realInitials(FLOOD);
      const answers: Uint8Array[] = [];
      flood.on('message', (m) => answers.push(new Uint8Array(m)));
      const serverSide = (async () => {
        for await (const conn of f.server) {
          void (async () => {
            for await (const s of conn.incomingBiStreams) void s.readAll().then((d) => s.writeAll(d)).catch(() => undefined);
          })().catch(() => undefined);
        }
      })().catch(() => undefined);
      let maxConnections = 0;
      const sampler = setInterval(() => (maxConnections = Math.max(maxConnections, f.server.stats().connections)), 5);
      const floodMs = blast(flood.ref(), f.target.port, datagrams);
      // Meanwhile a real client from 127.0.0.2 connects and echoes.
      const client = await within(f.connectClient({ localHost: '127.0.0.2' }), 10_000, 'client from 127.0.0.2');
      expect(client.localAddress.startsWith('127.0.0.2:')).toBe(true);
      const s = await client.openBiStream();
      const data = payload(64 * 1024);
      const [, echoed] = await within(Promise.all([s.writeAll(data), s.readAll()]), 10_000, 'echo');
      expect(Buffer.from(echoed).equals(Buffer.from(data))).toBe(true);
      const elapsedMs = await floodMs;
      await new Promise((r) => setTimeout(r, 200));
      clearInterval(sampler);
      const st = f.server.stats();
      const refused = st.refusals.rate_limit_per_ip + st.refusals.per_ip_concurrent;
      // Datagrams the kernel dropped never reached the endpoint; of those that did, most were refused.
      const reached = refused + st.accepted + Math.min(perIpConcurrent, maxConnections);
      console.log(`flood: ${FLOOD} Initials in ${elapsedMs.toFixed(0)} ms; refused ${refused} (per-IP rate ${st.refusals.rate_limit_per_ip}, per-IP cap ${st.refusals.per_ip_concurrent}), CONNECTION_CLOSE sent ${st.refusalsSent}, answers received ${answers.length}, max connections ${maxConnections}, dropped ${st.droppedDatagrams}`);
      expect(refused).toBeGreaterThan(FLOOD / 4);
      expect(refused / reached).toBeGreaterThan(0.8);
      // Connections stayed bounded by the per-IP cap (+ the real client).
      expect(maxConnections).toBeLessThanOrEqual(perIpConcurrent + 1);
      // The refusals that came back are CONNECTION_CLOSE(CONNECTION_REFUSED) Initials the client keys open.
      const closes = answers.map((a) => openRefusal(a, dcidByScid)).filter((c) => c !== undefined);
      expect(closes.length).toBeGreaterThan(10);
      for (const c of closes.slice(0, 20)) expect(c).toMatchObject({ errorSpace: 'transport', errorCode: TransportErrorCode.CONNECTION_REFUSED });
      // The refusal rate limit keeps the server from answering every refused Initial.
      expect(st.refusalsSent).toBeLessThanOrEqual(refused);
      await client.close();
      void serverSide;
    } finally {
      flood.close();
      await f.close();
    }
  }, 60_000);

  it('RFC 9000 §5.2.2: an admission hook refusing the address fails the client with CONNECTION_REFUSED and the reason', async () => {
    const f = await startFixture('127.0.0.1', { admit: (info) => (info.remote.startsWith('127.0.0.3:') ? { accept: false, reason: 'address blocked' } : { accept: true }) });
    try {
      const err = await within(f.connectClient({ localHost: '127.0.0.3' }).then(() => undefined, (e: unknown) => e), 10_000, 'refused connect');
      expect(err).toBeInstanceOf(QuicError);
      expect(err).toMatchObject({ initiator: 'peer', wireCode: TransportErrorCode.CONNECTION_REFUSED });
      expect((err as QuicError).message).toContain('address blocked');
      expect(['ERR_QUIC_CONNECTION_CLOSED', 'ERR_QUIC_HANDSHAKE']).toContain((err as QuicError).code);
      expect(f.server.stats().refusals.admission_hook).toBe(1);
      // Another address still connects.
      const ok = await within(f.connectClient({ localHost: '127.0.0.4' }), 10_000, 'allowed connect');
      expect(ok.isClosed).toBe(false);
    } finally {
      await f.close();
    }
  }, 30_000);

  it('RFC 9000 §10.2: an async admitConnection hook after the handshake closes a refused connection with its code and reason', async () => {
    const seen: string[] = [];
    const f = await startFixture('127.0.0.1', {
      admitConnection: async (info) => {
        seen.push(`${info.alpn} ${info.remote}`);
        await new Promise((r) => setTimeout(r, 10));
        return info.remote.startsWith('127.0.0.5:') ? { accept: false, reason: 'not this one', code: 42 } : { accept: true };
      },
    });
    try {
      const refused = await within(f.connectClient({ localHost: '127.0.0.5' }), 10_000, 'refused connect');
      const info = await within(refused.closed, 10_000, 'closed by the server');
      expect(info).toMatchObject({ initiator: 'peer', code: 42, reason: 'not this one', errorSpace: 'application' });
      const ok = await within(f.connectClient({ localHost: '127.0.0.6' }), 10_000, 'allowed connect');
      const conn = await within(f.server.accept(), 5000, 'accepted');
      expect(conn.remoteAddress).toBe(ok.localAddress);
      expect(seen.some((s) => s.startsWith('quic-multistream 127.0.0.5:'))).toBe(true);
      expect(f.server.stats().refusedAfterHandshake).toBe(1);
    } finally {
      await f.close();
    }
  }, 30_000);

  it('RFC 9000 §5.2.2, §10.3: a flood of random datagrams from one address never crashes the server', async () => {
    const f = await startFixture('127.0.0.1');
    const flood = await udpSocket('127.0.0.1');
    try {
      const junk: Uint8Array[] = [];
      for (let i = 0; i < 3000; i++) {
        const d = new Uint8Array(randomBytes(8 + (i % 1400)));
        // A third look like long-header Initials of v1, a third like short headers.
        if (i % 3 === 0) d.set([0xc0, 0, 0, 0, 1], 0);
        if (i % 3 === 1) d[0] = 0x40 | (d[0]! & 0x3f);
        junk.push(d);
      }
      await blast(flood, f.target.port, junk, 100);
      const client = await within(f.connectClient(), 10_000, 'client after junk');
      const s = await client.openBiStream();
      const [, echoed] = await within(Promise.all([s.writeAll(payload(1000)), (async () => { const conn = await f.server.accept(); const t = await conn.acceptBiStream(); await t.writeAll(await t.readAll()); return s.readAll(); })()]), 10_000, 'echo after junk');
      expect(echoed.length).toBe(1000);
      expect(f.server.stats().coreErrors).toBe(0);
      expect(f.server.stats().connections).toBeLessThanOrEqual(1);
    } finally {
      flood.close();
      await f.close();
    }
  }, 30_000);
});
