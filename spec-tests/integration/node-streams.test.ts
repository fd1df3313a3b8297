import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { QuicError } from '../../src/node.js';
import { payload, startFixture, within } from './helpers.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('DESIGN §7: Node stream adapters over QUIC streams (RFC 9000 §2, §3)', () => {
  it('RFC 9000 §2.2: pipeline() carries a 5 MB file through a bidirectional stream echo', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quic-node-streams-'));
    const f = await startFixture('127.0.0.1');
    try {
      const input = join(dir, 'in.bin');
      const output = join(dir, 'out.bin');
      const data = payload(5 * 1024 * 1024, 9);
      writeFileSync(input, data);
      // Server: echo with the duplex adapter piped into itself.
      const serverSide = (async () => {
        const conn = await f.server.accept();
        const s = await conn.acceptBiStream();
        const d = s.toNodeDuplex();
        await pipeline(d, d);
      })();
      const client = await f.connectClient();
      const s = await client.openBiStream();
      const d = s.toNodeDuplex({ highWaterMark: 64 * 1024 });
      await within(Promise.all([pipeline(createReadStream(input), d), pipeline(d, createWriteStream(output))]), 30_000, 'pipeline echo');
      await within(serverSide, 5000, 'server side');
      const echoed = readFileSync(output);
      expect(echoed.length).toBe(data.length);
      expect(sha(echoed)).toBe(sha(data));
      expect(s.stats()).toMatchObject({ bytesWritten: data.length, bytesRead: data.length });
    } finally {
      await f.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('RFC 9000 §4.1: the Writable applies backpressure: write() returns false and bytes wait in Node while the QUIC send buffer is full', async () => {
    const f = await startFixture('127.0.0.1', { initialMaxStreamData: 64 * 1024, initialMaxData: 256 * 1024 });
    try {
      let serverStream: { readAll(): Promise<Uint8Array> } | undefined;
      const gotStream = (async () => {
        const conn = await f.server.accept();
        serverStream = await conn.acceptBiStream();
      })();
      const client = await f.connectClient();
      const s = await client.openBiStream();
      const hwm = 32 * 1024;
      const w = s.toNodeWritable({ highWaterMark: hwm });
      w.on('error', () => undefined);
      const chunk = payload(8 * 1024);
      let refused = 0;
      let maxBuffered = 0;
      // Write 4 MB without waiting for 'drain'; the peer reads nothing yet.
      const n = 512;
      for (let i = 0; i < n; i++) {
        if (!w.write(chunk)) refused++;
        maxBuffered = Math.max(maxBuffered, w.writableLength);
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(refused).toBeGreaterThan(0);
      // _write waits for the QUIC send buffer (bounded; the peer's window is 64 KiB): the rest
      // stays in Node's buffer.
      expect(s.stats().bytesWritten).toBeLessThan(n * chunk.length);
      expect(w.writableLength).toBe(n * chunk.length - s.stats().bytesWritten);
      await gotStream;
      const drained = new Promise<void>((resolve) => w.once('finish', () => resolve()));
      w.end();
      const all = await within(serverStream!.readAll(), 20_000, 'peer reads');
      await drained;
      expect(all.length).toBe(n * chunk.length);
      expect(maxBuffered).toBeGreaterThan(hwm); // we ignored write()'s false ...
      expect(s.stats().bytesWritten).toBe(n * chunk.length);
    } finally {
      await f.close();
    }
  }, 60_000);

  it('RFC 9000 §4.1: the Readable pulls only as fast as it is consumed (paused stream stops reading)', async () => {
    const f = await startFixture('127.0.0.1', { initialMaxStreamData: 64 * 1024 });
    try {
      const serverSide = (async () => {
        const conn = await f.server.accept();
        const s = await conn.acceptUniStream();
        const r = s.toNodeReadable({ highWaterMark: 16 * 1024 });
        r.pause();
        await new Promise((res) => setTimeout(res, 300));
        const pausedRead = s.bytesRead;
        const chunks: Buffer[] = [];
        await pipeline(r, new Writable({ write(c: Buffer, _e, cb) { chunks.push(c); cb(); } }));
        return { pausedRead, total: Buffer.concat(chunks).length };
      })();
      const client = await f.connectClient();
      const w = await client.openUniStream();
      await within(w.writeAll(payload(1024 * 1024)), 20_000, 'write 1 MB');
      const { pausedRead, total } = await within(serverSide, 20_000, 'server read');
      // While paused, at most highWaterMark plus one chunk was pulled from the QUIC stream.
      expect(pausedRead).toBeLessThanOrEqual(16 * 1024 + 64 * 1024);
      expect(total).toBe(1024 * 1024);
    } finally {
      await f.close();
    }
  }, 60_000);

  it('RFC 9000 §19.4, §19.5: a peer reset reaches "error" as a QuicError; destroy() resets and stops the stream with the codes', async () => {
    const f = await startFixture('127.0.0.1');
    try {
      const server = (async () => {
        const conn = await f.server.accept();
        const a = await conn.acceptBiStream();
        await a.readExact(3);
        a.reset(7); // RESET_STREAM code 7
        const b = await conn.acceptBiStream();
        const err = await b.readAll().then(() => undefined, (e: unknown) => e);
        const writeErr = await (async () => {
          for (let i = 0; i < 100; i++) {
            await b.write(new Uint8Array(100));
            await new Promise((r) => setTimeout(r, 10));
          }
        })().then(() => undefined, (e: unknown) => e);
        return { err, writeErr };
      })();
      const client = await f.connectClient();
      const a = await client.openBiStream();
      const da = a.toNodeDuplex();
      da.write(new Uint8Array([1, 2, 3]));
      const readErr = await within(pipeline(da, new Writable({ write(_c, _e, cb) { cb(); } })).then(() => undefined, (e: unknown) => e), 10_000, 'reset error');
      expect(readErr).toBeInstanceOf(QuicError);
      expect(readErr).toMatchObject({ code: 'ERR_QUIC_STREAM_RESET', wireCode: 7, initiator: 'peer' });
      const b = await client.openBiStream();
      const db = b.toNodeDuplex({ resetCode: 11, stopSendingCode: 12 });
      db.write(new Uint8Array([9]));
      await new Promise((r) => setTimeout(r, 100));
      db.destroy();
      const { err, writeErr } = await within(server, 10_000, 'server sees reset and stop');
      expect(err).toMatchObject({ code: 'ERR_QUIC_STREAM_RESET', wireCode: 11 });
      expect(writeErr).toMatchObject({ code: 'ERR_QUIC_STREAM_STOPPED', wireCode: 12 });
    } finally {
      await f.close();
    }
  }, 30_000);
});
