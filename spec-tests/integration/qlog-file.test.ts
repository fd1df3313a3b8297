/**
 * The qlog file writer of the Node runtime (src/io/qlog-file.ts): JSON-SEQ files (RFC 7464;
 * draft-ietf-quic-qlog-main-schema-14 §5, §11.2) named `<odcid-hex>_<role>.sqlog`, bounded
 * buffering, closing with the connection.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createQlogFileObserver, QlogFileObserver } from '../../src/io/qlog-file.js';
import { qlogEvent, type QlogEvent } from '../../src/qlog/events.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { instant, millis } from '../../src/util/time.js';
import { ConnectionPair } from '../helpers/connection-pair.js';
import { startFixture, within } from './helpers.js';

const RS = '\u001e';
const ODCID = fromHex('8394c8f03e515708');

function parseSeq(text: string): Record<string, unknown>[] {
  const parts = text.split(RS);
  expect(parts[0]).toBe('');
  return parts.slice(1).map((p) => {
    // RFC 7464 §2: RS, the JSON text, LF.
    expect(p.endsWith('\n')).toBe(true);
    return JSON.parse(p) as Record<string, unknown>;
  });
}

function ping(i: number): QlogEvent {
  return qlogEvent(instant(1_000_000 + i * 1000), 'quic:packet_sent', { header: { packet_type: '1RTT', packet_number: i }, frames: [{ frame_type: 'ping' }], raw: { length: 30 } });
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qlog-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('main schema -14 §5, §11.2: qlog files', () => {
  it('main schema §5: a file <odcid>_<role>.sqlog with the QlogFileSeq header, then one record per event, times relative to the first', async () => {
    const o = createQlogFileObserver(dir, ODCID, 'client', { epochMsAt: () => 1_700_000_000_000 });
    expect(o.path).toBe(join(dir, '8394c8f03e515708_client.sqlog'));
    for (let i = 0; i < 5; i++) o.emit(ping(i));
    await o.close();
    const records = parseSeq(await readFile(o.path, 'utf8'));
    expect(records).toHaveLength(6);
    expect(records[0]).toMatchObject({
      file_schema: 'urn:ietf:params:qlog:file:sequential',
      serialization_format: 'application/qlog+json-seq',
      trace: { common_fields: { group_id: '8394c8f03e515708', reference_time: { epoch: '2023-11-14T22:13:20.000Z' } }, vantage_point: { type: 'client' } },
    });
    // main schema §3: file_schema and serialization_format within the first 256 bytes.
    const head = (await readFile(o.path)).subarray(0, 256).toString('latin1');
    expect(head).toContain('"file_schema"');
    expect(head).toContain('"serialization_format"');
    expect(records.slice(1).map((r) => r.time)).toEqual([0, 1, 2, 3, 4]);
    expect(records[1]).toEqual({ time: 0, name: 'quic:packet_sent', data: { header: { packet_type: '1RTT', packet_number: 0 }, frames: [{ frame_type: 'ping' }], raw: { length: 30 } } });
    expect(o.written).toBe(6);
    expect(o.dropped).toBe(0);
  });

  it('DESIGN §5: when the disk lags, memory stays bounded and dropped events are counted', async () => {
    const max = 2_000;
    const o = new QlogFileObserver(dir, ODCID, 'server', { maxBufferedChars: max, epochMsAt: () => 0 });
    const n = 1_000;
    let peak = 0;
    // All emitted synchronously: the disk cannot keep up with no await in between.
    for (let i = 0; i < n; i++) {
      o.emit(ping(i));
      peak = Math.max(peak, o.buffered);
    }
    expect(peak).toBeLessThanOrEqual(max);
    expect(o.dropped).toBeGreaterThan(0);
    await o.close();
    const records = parseSeq(await readFile(o.path, 'utf8'));
    expect(records.length).toBe(o.written);
    expect(records.length - 1 + o.dropped).toBe(n);
    // What was kept is in order.
    const pns = records.slice(1).map((r) => (r.data as { header: { packet_number: number } }).header.packet_number);
    expect(pns).toEqual([...pns].sort((a, b) => a - b));
  });

  it('quic-events §4.6: the file closes at the "closed" state; later events are dropped', async () => {
    const o = createQlogFileObserver(dir, ODCID, 'client', { epochMsAt: () => 0 });
    o.emit(ping(0));
    o.emit(qlogEvent(instant(2_000_000), 'quic:connection_state_updated', { old: 'draining', new: 'closed' }));
    o.emit(ping(1));
    await o.close();
    const records = parseSeq(await readFile(o.path, 'utf8'));
    expect(records.map((r) => r.name)).toEqual([undefined, 'quic:packet_sent', 'quic:connection_state_updated']);
    expect(o.dropped).toBe(1);
  });

  it('main schema §7.3: a connection pair with the factory option writes one file per side, named by the same ODCID', async () => {
    const made: QlogFileObserver[] = [];
    const qlog = (odcid: Uint8Array, role: 'client' | 'server') => {
      const o = createQlogFileObserver(dir, odcid, role, { epochMsAt: () => 1_700_000_000_000 });
      made.push(o);
      return o;
    };
    const pair = new ConnectionPair({ clientExtra: { qlog }, serverExtra: { qlog } });
    await pair.run(() => pair.handshakeDone && pair.client.state.handshakeConfirmed);
    pair.client.close(pair.now, 0, 'bye');
    await pair.run(() => pair.client.isClosed && pair.server!.isClosed);
    await pair.runFor(millis(10));
    await Promise.all(made.map((o) => o.close()));
    const odcid = toHex(pair.client.state.originalDcid);
    expect((await readdir(dir)).sort()).toEqual([`${odcid}_client.sqlog`, `${odcid}_server.sqlog`]);
    for (const o of made) {
      expect(o.dropped).toBe(0);
      expect(o.errors).toBe(0);
      const records = parseSeq(await readFile(o.path, 'utf8'));
      expect((records[0]!.trace as { common_fields: { group_id: string } }).common_fields.group_id).toBe(odcid);
      expect(records[1]!.name).toBe('quic:connection_started');
      expect(records.at(-1)).toMatchObject({ name: 'quic:connection_state_updated', data: { new: 'closed' } });
      expect(records.some((r) => r.name === 'quic:connection_closed')).toBe(true);
    }
  });

  it('main schema §7.3: QuicServer and connect with qlogDir write one .sqlog per side over real sockets', async () => {
    const f = await startFixture('127.0.0.1', { qlogDir: dir });
    try {
      const serverSide = (async () => {
        const conn = await f.server.accept();
        const s = await conn.acceptBiStream();
        await s.writeAll(await s.readAll());
      })();
      const client = await f.connectClient({ qlogDir: dir });
      const s = await client.openBiStream();
      await within(Promise.all([s.writeAll(new Uint8Array(10_000)), s.readAll()]), 10_000, 'echo');
      await serverSide;
      await client.close();
    } finally {
      await f.close();
    }
    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(2);
    expect(files[0]!.replace('_client.sqlog', '')).toBe(files[1]!.replace('_server.sqlog', ''));
    for (const name of files) {
      const records = parseSeq(await readFile(join(dir, name), 'utf8'));
      expect(records[1]!.name).toBe('quic:connection_started');
      expect(records.filter((r) => r.name === 'quic:packet_sent').length).toBeGreaterThan(3);
    }
  });
});
