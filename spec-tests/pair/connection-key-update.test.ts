import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection/connection.js';
import { bytesEqual } from '../../src/util/bytes.js';
import { millis } from '../../src/util/time.js';
import { TransportErrorCode } from '../../src/wire/errors.js';
import { ConnectionPair, confirmedPair, forgeOneRttDatagram, payload, pump, transfer, type SentDatagram, type Side } from '../helpers/connection-pair.js';

function phases(pair: ConnectionPair): number[] {
  return [pair.client.keyPhase, pair.server!.keyPhase];
}

describe('RFC 9001 §6: key update over a connection pair', () => {
  for (const initiator of ['client', 'server'] as const) {
    it(`RFC 9001 §6.1, §6.2: a ${initiator}-initiated key update during a 100 KB transfer; both sides move to phase 1, a second update returns to phase 0`, async () => {
      const pair = await confirmedPair();
      const who = (): Connection => (initiator === 'client' ? pair.client : pair.server!);
      const data = payload(100_000, 3);
      let started = false;
      const got = await transfer(pair, data, (n) => {
        if (n >= 30_000 && !started) {
          expect(who().initiateKeyUpdate(pair.now)).toBe(true);
          expect(who().keyPhase).toBe(1);
          // RFC 9001 §6.1: no subsequent update before a packet of the new phase is acknowledged.
          expect(who().initiateKeyUpdate(pair.now)).toBe(false);
          started = true;
        }
      });
      expect(started).toBe(true);
      expect(bytesEqual(got, data)).toBe(true);
      await pair.runFor(millis(100));
      expect(phases(pair)).toEqual([1, 1]);
      expect(pair.client.state.keyUpdate.readPhase && pair.server!.state.keyUpdate.readPhase).toBe(true);
      expect(pair.client.state.keyUpdate.updates).toBe(1);
      expect(pair.server!.state.keyUpdate.updates).toBe(1);
      // The peer saw packets with Key Phase 1 (and answered in it).
      expect(who().initiateKeyUpdate(pair.now)).toBe(true);
      const more = payload(20_000, 4);
      expect(bytesEqual(await transfer(pair, more), more)).toBe(true);
      // The peer answers in the new phase once it has seen it (§6.2), with its next data.
      await pair.runFor(millis(50));
      const tail = payload(5_000, 5);
      expect(bytesEqual(await transfer(pair, tail), tail)).toBe(true);
      await pair.runFor(millis(100));
      expect(phases(pair)).toEqual([0, 0]);
      expect(pair.client.state.keyUpdate.updates).toBe(2);
      expect(pair.server!.state.keyUpdate.updates).toBe(2);
    });
  }

  it('RFC 9001 §6.1: no key update before the handshake is confirmed', async () => {
    const pair = new ConnectionPair();
    await pair.run(() => pair.client.isHandshakeComplete);
    expect(pair.client.state.handshakeConfirmed).toBe(false);
    expect(pair.client.initiateKeyUpdate(pair.now)).toBe(false);
    expect(pair.client.keyPhase).toBe(0);
    await pair.run(() => pair.client.state.handshakeConfirmed);
    await pair.runFor(millis(100));
    expect(pair.client.initiateKeyUpdate(pair.now)).toBe(true);
  });

  it('RFC 9001 §6.6: an update starts automatically after the configured number of packets; data stays intact', async () => {
    const keyUpdate = { initiateAfterPackets: 20, confidentialityLimit: 500 };
    const pair = await confirmedPair({ clientExtra: { keyUpdate }, serverExtra: { keyUpdate } });
    const data = payload(100_000, 5);
    let maxPerKey = 0;
    const got = await transfer(pair, data, () => {
      maxPerKey = Math.max(maxPerKey, pair.client.state.keyUpdate.packetsWithWriteKey);
    });
    expect(bytesEqual(got, data)).toBe(true);
    expect(pair.client.state.keyUpdate.updates).toBeGreaterThanOrEqual(2);
    expect(maxPerKey).toBeGreaterThanOrEqual(20);
    expect(maxPerKey).toBeLessThan(500);
    expect(pair.client.keyPhase).toBe(pair.server!.keyPhase);
    expect(pair.client.isClosed || pair.server!.isClosed).toBe(false);
  });

  it('RFC 9001 §6.5: a reordered packet of the old phase still decrypts; after 3×PTO the old keys are gone', async () => {
    let hold = 0;
    const held: SentDatagram[] = [];
    const drop = (d: SentDatagram): boolean => {
      if (d.from !== 'client' || hold === 0) return false;
      hold--;
      held.push(d);
      return true;
    };
    const pair = await confirmedPair({ drop });
    const server = pair.server!;
    hold = 2; // the next two phase-0 datagrams of the client are kept back
    const a = payload(20_000, 6);
    expect(bytesEqual(await transfer(pair, a), a)).toBe(true);
    expect(held).toHaveLength(2);
    expect(pair.client.initiateKeyUpdate(pair.now)).toBe(true);
    const b = payload(20_000, 7);
    expect(bytesEqual(await transfer(pair, b), b)).toBe(true);
    expect(server.state.keyUpdate.updates).toBe(1);
    const received = server.stats().packetsReceived;
    pair.deliverNow('server', held[0]!.bytes);
    expect(server.stats().packetsReceived).toBe(received + 1);
    await pair.runFor(millis(2_000));
    const before = server.stats().packetsReceived;
    const failed = server.state.keyUpdate.failedDecryptions;
    pair.deliverNow('server', held[1]!.bytes);
    expect(server.stats().packetsReceived).toBe(before);
    expect(server.state.keyUpdate.failedDecryptions).toBe(failed + 1);
  });

  it('RFC 9001 §6.6: packets failing authentication up to the integrity limit close the connection with AEAD_LIMIT_REACHED', async () => {
    const pair = await confirmedPair({ serverExtra: { keyUpdate: { integrityLimit: 3 } } });
    const server = pair.server!;
    for (let i = 0; i < 3; i++) {
      const forged = forgeOneRttDatagram(pair.client, new Uint8Array([0x01]));
      forged[forged.length - 1]! ^= 0xff; // break the AEAD tag
      expect(server.state.phase).toBe('established');
      pair.deliverNow('server', forged);
    }
    expect(server.state.phase).toBe('closing');
    await pair.runFor(millis(10));
    const closed = pair.events.server.find((e) => e.type === 'connection_closed');
    expect(closed).toMatchObject({ by: 'local', code: TransportErrorCode.AEAD_LIMIT_REACHED });
  });

  it('RFC 9001 §6.6: when no update is possible at the confidentiality limit, the connection closes with AEAD_LIMIT_REACHED', async () => {
    let cut = false;
    const pair = await confirmedPair({ clientExtra: { keyUpdate: { confidentialityLimit: 12 } }, drop: (d) => cut && d.from === 'server' });
    cut = true; // no more acknowledgments reach the client, so a second update is impossible
    const sent: Side[] = [];
    const id = pair.client.openStream('bidi')!;
    pump(pair.client, id, payload(100_000, 8), { offset: 0, finished: false });
    await pair.run(() => pair.client.state.phase !== 'established', (side) => sent.push(side));
    const closed = pair.events.client.find((e) => e.type === 'connection_closed');
    expect(closed).toMatchObject({ by: 'local', code: TransportErrorCode.AEAD_LIMIT_REACHED });
    expect(pair.client.state.keyUpdate.packetsWithWriteKey).toBeLessThanOrEqual(13); // the limit, plus the CONNECTION_CLOSE
  });
});
