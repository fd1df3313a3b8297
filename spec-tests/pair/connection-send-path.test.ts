/**
 * The 1-RTT send path's fast paths (packet-builder.ts, connection-ids.ts): what a packet carries
 * when an ACK only reports non-ack-eliciting packets, and NEW_CONNECTION_ID bookkeeping. Null
 * packet protection, so the datagrams' frames can be read back as sent.
 */
import { describe, expect, it } from 'vitest';
import { onConnectionIdToken, onRetireConnectionId, writeConnectionIdFrames } from '../../src/connection/connection-ids.js';
import type { ConnectionToken } from '../../src/connection/types.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { createNullCryptoProvider } from '../../src/crypto/null-provider.js';
import { Reader, Writer } from '../../src/util/bytes.js';
import { millis } from '../../src/util/time.js';
import { decodeFrames, type Frame } from '../../src/wire/frames.js';
import { decodeShortHeaderPacket } from '../../src/wire/short-header.js';
import { PacketType } from '../../src/wire/packet-type.js';
import { confirmedPair, payload, type ConnectionPair } from '../helpers/connection-pair.js';

const TAG = 16;

/** The frames of a datagram holding one 1-RTT packet under null protection (no mask, zero tag). */
function oneRttFrames(bytes: Uint8Array, dcidLength: number): Frame[] {
  const h = decodeShortHeaderPacket(new Reader(bytes), dcidLength);
  const pnLength = (bytes[0]! & 0x03) + 1;
  return decodeFrames(bytes.subarray(h.pnOffset + pnLength, bytes.length - TAG), PacketType.OneRtt);
}

/** The frame types of the client's datagrams sent from index `from` of `pair.sent` on. */
function clientFrameTypes(pair: ConnectionPair, from: number): string[][] {
  const dcidLength = pair.client.state.remoteCid.length;
  return pair.sent.slice(from).filter((d) => d.from === 'client').map((d) => oneRttFrames(d.bytes, dcidLength).map((f) => f.type));
}

/** A confirmed pair under null protection whose client holds an unreported ACK-only packet of the server. */
async function pairOwingAckOfAck(): Promise<{ pair: ConnectionPair; id: number }> {
  const pair = await confirmedPair({ provider: createNullCryptoProvider({ base: nodeCryptoProvider }) });
  const id = pair.client.openStream('bidi')!;
  pair.client.streamWrite(id, payload(100));
  await pair.runFor(millis(100)); // the server acknowledges in an ACK-only packet
  const ack = pair.client.state.spaces.application.ack;
  expect(ack.hasUnreported()).toBe(true);
  expect(ack.hasAckElicitingPending()).toBe(false);
  return { pair, id };
}

describe('RFC 9000 §13.2: an ACK of non-ack-eliciting packets is piggybacked after the body', () => {
  it('RFC 9000 §13.2: a small STREAM frame leaves room, so the ACK follows it in the same packet', async () => {
    const { pair, id } = await pairOwingAckOfAck();
    const from = pair.sent.length;
    pair.client.streamWrite(id, payload(100));
    pair.flush();
    expect(clientFrameTypes(pair, from)[0]).toEqual(['stream', 'ack']);
  });

  it('RFC 9000 §13.2: full packets carry no such ACK; the first packet with room does', async () => {
    const { pair, id } = await pairOwingAckOfAck();
    const from = pair.sent.length;
    pair.client.streamWrite(id, payload(5_000));
    pair.flush();
    const types = clientFrameTypes(pair, from);
    expect(types.length).toBeGreaterThan(1);
    expect(types[0]).toEqual(['stream']);
    expect(types.at(-1)).toEqual(['stream', 'ack']);
    expect(types.flat().filter((t) => t === 'ack')).toHaveLength(1);
  });
});

describe('RFC 9000 §5.1.1, §13.3: NEW_CONNECTION_ID frames owed', () => {
  it('RFC 9000 §13.3: a NEW_CONNECTION_ID declared lost (even twice) is sent again, once', async () => {
    const pair = await confirmedPair();
    await pair.runFor(millis(100));
    const s = pair.server!.state;
    expect(s.cids.newCidsPending).toBe(0);
    onConnectionIdToken(s, { kind: 'new_connection_id', seq: 1 }, false);
    onConnectionIdToken(s, { kind: 'new_connection_id', seq: 1 }, false);
    expect(s.cids.newCidsPending).toBe(1);
    const tokens: ConnectionToken[] = [];
    const w = new Writer(new Uint8Array(1200));
    writeConnectionIdFrames(s, w, tokens);
    expect(tokens).toEqual([{ kind: 'new_connection_id', seq: 1 }]);
    expect(decodeFrames(w.buf.subarray(0, w.offset))).toMatchObject([{ type: 'new_connection_id', sequenceNumber: 1 }]);
    expect(s.cids.newCidsPending).toBe(0);
    writeConnectionIdFrames(s, new Writer(new Uint8Array(1200)), tokens);
    expect(tokens).toHaveLength(1);
  });

  it('RFC 9000 §19.16: a retired connection ID whose NEW_CONNECTION_ID was owed is not sent; its replacement is', async () => {
    const pair = await confirmedPair();
    await pair.runFor(millis(100));
    const s = pair.server!.state;
    onConnectionIdToken(s, { kind: 'new_connection_id', seq: 1 }, false);
    const next = s.cids.nextLocalSeq;
    onRetireConnectionId(s, { type: 'retire_connection_id', sequenceNumber: 1 }, s.cids.local.get(0)!.cid);
    expect(s.cids.newCidsPending).toBe(0);
    const tokens: ConnectionToken[] = [];
    writeConnectionIdFrames(s, new Writer(new Uint8Array(1200)), tokens);
    expect(tokens).toEqual([{ kind: 'new_connection_id', seq: next }]);
    expect(s.cids.newCidsPending).toBe(0);
  });
});
