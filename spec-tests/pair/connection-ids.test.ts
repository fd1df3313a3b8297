import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { StatelessResetKey } from '../../src/endpoint/stateless-reset-key.js';
import { bytesEqual } from '../../src/util/bytes.js';
import { SeededRandom } from '../../src/util/random.js';
import { millis } from '../../src/util/time.js';
import { TransportErrorCode } from '../../src/wire/errors.js';
import { encodeFramesToBytes, type Frame } from '../../src/wire/frames.js';
import { buildStatelessReset } from '../../src/wire/stateless-reset.js';
import { ConnectionPair, confirmedPair, forgeOneRttDatagram, payload, transfer, type PairOptions, type Side } from '../helpers/connection-pair.js';

/** A confirmed pair after NEW_CONNECTION_ID frames had time to flow. */
async function withConnectionIds(options: PairOptions = {}): Promise<ConnectionPair> {
  const pair = await confirmedPair(options);
  await pair.runFor(millis(100));
  return pair;
}

/** Delivers frames from `from` to the other side in a forged 1-RTT packet. */
function inject(pair: ConnectionPair, from: Side, frames: Frame[]): void {
  const to: Side = from === 'client' ? 'server' : 'client';
  pair.deliverNow(to, forgeOneRttDatagram(pair.conn(from)!, encodeFramesToBytes(frames), pair.now));
}

async function closedWith(pair: ConnectionPair, side: Side) {
  await pair.runFor(millis(1)); // collects the events
  return pair.events[side].find((e) => e.type === 'connection_closed');
}

describe('RFC 9000 §5.1: connection IDs over a connection pair', () => {
  it('RFC 9000 §5.1.1: each side issues NEW_CONNECTION_ID up to the peer\'s active_connection_id_limit', async () => {
    const pair = await withConnectionIds({ clientLimits: { activeConnectionIdLimit: 3 } });
    const issuedByServer = pair.events.server.filter((e) => e.type === 'connection_id_issued');
    const issuedByClient = pair.events.client.filter((e) => e.type === 'connection_id_issued');
    expect(issuedByServer).toHaveLength(2); // the client's limit 3, minus the handshake's ID
    expect(issuedByClient).toHaveLength(3); // the server's default limit 4
    expect(pair.server!.activeConnectionIds).toHaveLength(3);
    expect(pair.client.state.cids.remote.size).toBe(3);
    expect(pair.server!.state.cids.remote.size).toBe(4);
  });

  it('RFC 9000 §5.1.2: rotating the connection ID mid-transfer; the server sees the new ID, the old one is retired', async () => {
    const pair = await withConnectionIds();
    const server = pair.server!;
    const oldCid = pair.client.state.remoteCid;
    let rotatedAt = -1;
    const data = payload(100_000, 1);
    const got = await transfer(pair, data, (n) => {
      if (n >= 30_000 && rotatedAt < 0) {
        expect(pair.client.rotateConnectionId(pair.now)).toBe(true);
        rotatedAt = pair.sent.length;
      }
    });
    expect(bytesEqual(got, data)).toBe(true);
    await pair.runFor(millis(100));
    const newCid = pair.client.state.remoteCid;
    expect(bytesEqual(newCid, oldCid)).toBe(false);
    const later = pair.sent.slice(rotatedAt).filter((d) => d.from === 'client');
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((d) => bytesEqual(d.bytes.subarray(1, 9), newCid))).toBe(true);
    const retired = pair.events.server.filter((e) => e.type === 'connection_id_retired');
    expect(retired).toHaveLength(1);
    expect(retired[0]).toMatchObject({ sequenceNumber: 0 });
    expect(server.activeConnectionIds.some((c) => bytesEqual(c, oldCid))).toBe(false);
    expect(server.activeConnectionIds).toHaveLength(4); // a replacement was issued
    expect(pair.client.state.cids.retirePending.size).toBe(0); // the RETIRE_CONNECTION_ID was acknowledged
    // Packets to the retired ID are no longer accepted.
    const before = server.stats().packetsReceived;
    const stale = forgeOneRttDatagram(pair.client, new Uint8Array([0x01]));
    stale.set(oldCid, 1);
    pair.deliverNow('server', stale);
    expect(server.stats().packetsReceived).toBe(before);
  });

  it('RFC 9000 §5.1.1: more connection IDs than our active_connection_id_limit is CONNECTION_ID_LIMIT_ERROR', async () => {
    const pair = await withConnectionIds({ clientLimits: { activeConnectionIdLimit: 2 } });
    expect(pair.client.state.cids.remote.size).toBe(2);
    inject(pair, 'server', [{ type: 'new_connection_id', sequenceNumber: 7, retirePriorTo: 0, connectionId: new Uint8Array(8).fill(7), statelessResetToken: new Uint8Array(16).fill(7) }]);
    expect(await closedWith(pair, 'client')).toMatchObject({ by: 'local', code: TransportErrorCode.CONNECTION_ID_LIMIT_ERROR });
  });

  it('RFC 9000 §5.1.2: Retire Prior To retires older IDs with RETIRE_CONNECTION_ID and moves to a newer one', async () => {
    const pair = await withConnectionIds();
    const server = pair.server!;
    const seq3 = server.state.cids.local.get(3)!;
    inject(pair, 'server', [{ type: 'new_connection_id', sequenceNumber: 3, retirePriorTo: 3, connectionId: seq3.cid, statelessResetToken: seq3.token }]);
    expect(bytesEqual(pair.client.state.remoteCid, seq3.cid)).toBe(true);
    expect([...pair.client.state.cids.remote.keys()]).toEqual([3]);
    const data = payload(20_000, 2);
    const got = await transfer(pair, data);
    expect(bytesEqual(got, data)).toBe(true);
    await pair.runFor(millis(100));
    const retired = pair.events.server.filter((e) => e.type === 'connection_id_retired').map((e) => (e.type === 'connection_id_retired' ? e.sequenceNumber : -1));
    expect(retired.sort()).toEqual([0, 1, 2]);
  });

  it('RFC 9000 §19.16: retiring the connection ID the packet was sent to is PROTOCOL_VIOLATION', async () => {
    const pair = await withConnectionIds();
    inject(pair, 'client', [{ type: 'retire_connection_id', sequenceNumber: 0 }]);
    expect(await closedWith(pair, 'server')).toMatchObject({ by: 'local', code: TransportErrorCode.PROTOCOL_VIOLATION });
  });

  it('RFC 9000 §19.16: retiring a sequence number never issued is PROTOCOL_VIOLATION', async () => {
    const pair = await withConnectionIds();
    inject(pair, 'client', [{ type: 'retire_connection_id', sequenceNumber: 99 }]);
    expect(await closedWith(pair, 'server')).toMatchObject({ by: 'local', code: TransportErrorCode.PROTOCOL_VIOLATION });
  });

  it('RFC 9000 §5.1.2: retirements awaiting acknowledgment are bounded (CONNECTION_ID_LIMIT_ERROR)', async () => {
    const pair = await withConnectionIds();
    const frames: Frame[] = [];
    for (let seq = 10; seq < 60; seq++) {
      frames.push({ type: 'new_connection_id', sequenceNumber: seq, retirePriorTo: seq, connectionId: new Uint8Array(8).fill(seq), statelessResetToken: new Uint8Array(16).fill(seq) });
    }
    inject(pair, 'server', frames);
    expect(await closedWith(pair, 'client')).toMatchObject({ by: 'local', code: TransportErrorCode.CONNECTION_ID_LIMIT_ERROR });
  });
});

describe('RFC 9000 §10.3.1: stateless reset detection', () => {
  it('RFC 9000 §10.3.1: a datagram ending in the server\'s stateless_reset_token puts the client in draining', async () => {
    const key = new StatelessResetKey(nodeCryptoProvider, new SeededRandom(99));
    const pair = await withConnectionIds({ serverExtra: { statelessResetKey: key } });
    const serverCid = pair.server!.state.localCid;
    const token = key.tokenFor(serverCid);
    expect(pair.client.state.peerParams?.statelessResetToken).toEqual(token);
    // Not the token: ignored.
    const other = buildStatelessReset(new SeededRandom(5), new Uint8Array(16).fill(1), 40);
    expect(pair.client.isStatelessReset(other)).toBe(false);
    pair.client.handleDatagram(pair.now, other);
    expect(pair.client.state.phase).toBe('established');
    const reset = buildStatelessReset(new SeededRandom(6), token, 40);
    expect(pair.client.isStatelessReset(reset)).toBe(true);
    pair.client.handleDatagram(pair.now, reset);
    expect(pair.client.state.phase).toBe('draining');
    expect(pair.client.pollEvent()).toMatchObject({ type: 'connection_closed', by: 'stateless_reset' });
    expect(pair.client.pollTransmit(pair.now, new Uint8Array(1500))).toBeUndefined();
  });

  it('RFC 9000 §10.3.1: after rotation the token of the new ID counts and the retired ID\'s does not', async () => {
    const pair = await withConnectionIds();
    const oldToken = pair.client.state.cids.remote.get(0)!.token!;
    expect(pair.client.rotateConnectionId(pair.now)).toBe(true);
    const newToken = pair.client.state.cids.remote.get(pair.client.state.cids.remoteSeq)!.token!;
    pair.client.handleDatagram(pair.now, buildStatelessReset(new SeededRandom(7), oldToken, 30));
    expect(pair.client.state.phase).toBe('established');
    pair.client.handleDatagram(pair.now, buildStatelessReset(new SeededRandom(8), newToken, 30));
    expect(pair.client.state.phase).toBe('draining');
  });
});
