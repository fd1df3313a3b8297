import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/util/bytes.js';
import { millis } from '../../src/util/time.js';
import { TransportErrorCode } from '../../src/wire/errors.js';
import { ConnectionPair, forgeOneRttDatagram } from '../helpers/connection-pair.js';

async function established(options: ConstructorParameters<typeof ConnectionPair>[0] = {}): Promise<ConnectionPair> {
  const pair = new ConnectionPair(options);
  await pair.run(() => pair.handshakeDone && pair.client.state.handshakeConfirmed);
  return pair;
}

describe('RFC 9000 §10: connection termination', () => {
  it('RFC 9000 §10.2: a graceful close reaches the peer with its code and reason; both end after the closing/draining period', async () => {
    const pair = await established();
    const server = pair.server!;
    pair.client.close(pair.now, 42, 'bye');
    const closedAt = pair.now;
    await pair.run(() => pair.client.isClosed && server.isClosed);
    expect(pair.events.client.find((e) => e.type === 'connection_closed')).toEqual({ type: 'connection_closed', by: 'local', code: 42, reason: 'bye', errorSpace: 'application' });
    expect(pair.events.server.find((e) => e.type === 'connection_closed')).toEqual({ type: 'connection_closed', by: 'peer', code: 42, reason: 'bye', errorSpace: 'application' });
    // RFC 9000 §10.2: the closing state lasts three times the PTO (here > 3 x 20 ms RTT).
    expect(pair.now - closedAt).toBeGreaterThanOrEqual(3 * 20_000);
    expect(pair.client.pollTimeout()).toBeUndefined();
    expect(pair.client.openStream('bidi')).toBeUndefined();
  });

  it('RFC 9000 §10.1: without traffic both sides close silently after the smaller max_idle_timeout', async () => {
    const pair = await established({ clientLimits: { maxIdleTimeoutMs: 2_000 }, serverLimits: { maxIdleTimeoutMs: 5_000 } });
    const server = pair.server!;
    const start = pair.now;
    await pair.run(() => pair.client.isClosed && server.isClosed);
    for (const side of ['client', 'server'] as const) {
      expect(pair.events[side].find((e) => e.type === 'connection_closed')).toMatchObject({ by: 'idle' });
    }
    expect(pair.now - start).toBeGreaterThanOrEqual(millis(2_000) - millis(100));
    expect(pair.now - start).toBeLessThan(millis(5_000));
    // Silent: no CONNECTION_CLOSE went out after the handshake settled.
    expect(pair.sent.filter((d) => d.at > start + millis(1_000))).toHaveLength(0);
  });

  it('RFC 9000 §10.1: traffic keeps the connection alive past the idle timeout', async () => {
    const pair = await established({ clientLimits: { maxIdleTimeoutMs: 1_000 }, serverLimits: { maxIdleTimeoutMs: 1_000 } });
    const id = pair.client.openStream('bidi')!;
    for (let i = 0; i < 5; i++) {
      pair.client.streamWrite(id, fromHex('00'));
      await pair.runFor(millis(500));
    }
    expect(pair.client.isClosed).toBe(false);
    expect(pair.events.client.some((e) => e.type === 'connection_closed')).toBe(false);
    // Then silence: the idle timeout ends it.
    await pair.runFor(millis(2_000));
    expect(pair.events.client.find((e) => e.type === 'connection_closed')).toMatchObject({ by: 'idle' });
  });

  it('RFC 9000 §19.8: a STREAM frame on a stream the receiver may only send on closes with STREAM_STATE_ERROR', async () => {
    const pair = await established();
    const server = pair.server!;
    // Stream 3 is server-initiated unidirectional: the server only sends on it (RFC 9000 §2.1).
    server.handleDatagram(pair.now, forgeOneRttDatagram(pair.client, fromHex('0b03' + '0161')));
    await pair.run(() => pair.events.client.some((e) => e.type === 'connection_closed'));
    expect(pair.events.server.find((e) => e.type === 'connection_closed')).toMatchObject({ by: 'local', code: TransportErrorCode.STREAM_STATE_ERROR, errorSpace: 'transport' });
    expect(pair.events.client.find((e) => e.type === 'connection_closed')).toMatchObject({ by: 'peer', code: TransportErrorCode.STREAM_STATE_ERROR });
  });

  it('RFC 9000 §12.4: a malformed frame closes with FRAME_ENCODING_ERROR naming the frame type', async () => {
    const pair = await established();
    const server = pair.server!;
    // MAX_DATA (0x10) with its varint cut short: a 4-byte varint prefix and only 2 more bytes.
    server.handleDatagram(pair.now, forgeOneRttDatagram(pair.client, fromHex('10800000')));
    expect(server.pollEvent()).toMatchObject({ type: 'connection_closed', by: 'local', code: TransportErrorCode.FRAME_ENCODING_ERROR });
    expect(server.state.closeFrame).toMatchObject({ errorSpace: 'transport', frameType: 0x10 });
  });

  it('RFC 9000 §19.20: HANDSHAKE_DONE from a client is a PROTOCOL_VIOLATION', async () => {
    const pair = await established();
    const server = pair.server!;
    server.handleDatagram(pair.now, forgeOneRttDatagram(pair.client, fromHex('1e')));
    await pair.run(() => pair.events.client.some((e) => e.type === 'connection_closed'));
    expect(pair.events.client.find((e) => e.type === 'connection_closed')).toMatchObject({ by: 'peer', code: TransportErrorCode.PROTOCOL_VIOLATION });
  });

  it('RFC 9001 §5.5: a packet that fails authentication is dropped without closing the connection', async () => {
    const pair = await established();
    const server = pair.server!;
    const forged = forgeOneRttDatagram(pair.client, fromHex('01'));
    forged[forged.length - 1]! ^= 0xff;
    const before = server.stats().packetsReceived;
    server.handleDatagram(pair.now, forged);
    expect(server.stats().packetsReceived).toBe(before);
    expect(server.pollEvent()).toBeUndefined();
    expect(server.isClosed).toBe(false);
  });
});
