import { describe, expect, it } from 'vitest';
import { deriveInitialKeys } from '../../src/crypto/initial-secrets.js';
import { unprotectPacket } from '../../src/crypto/packet-protection.js';
import { buildInitialClose } from '../../src/endpoint/initial-close.js';
import { Reader } from '../../src/util/bytes.js';
import { SeededRandom } from '../../src/util/random.js';
import { addDuration, millis, seconds } from '../../src/util/time.js';
import { TransportErrorCode } from '../../src/wire/errors.js';
import { decodeFrames } from '../../src/wire/frames.js';
import { decodePacketHeader } from '../../src/wire/header.js';
import { decodeRetryPacket } from '../../src/wire/retry-packet.js';
import { PacketType } from '../../src/wire/packet-type.js';
import { QUIC_V1, QUIC_V2 } from '../../src/wire/version.js';
import type { ConnectionEvent } from '../../src/connection/types.js';
import { EndpointHarness, cid, endpointOptions, forgeInitial, provider } from '../helpers/endpoint-harness.js';

/** Opens a server Initial with the keys of the client's first DCID; returns its header and frames. */
function openRefusal(bytes: Uint8Array, clientDcid: Uint8Array, version: typeof QUIC_V1 | typeof QUIC_V2 = QUIC_V1) {
  const copy = bytes.slice();
  const header = decodePacketHeader(new Reader(copy), 0);
  if (header.type !== PacketType.Initial) throw new Error(`not an Initial: ${header.type}`);
  const keys = deriveInitialKeys(provider, version, clientDcid).server;
  const opened = unprotectPacket(keys, copy, header.pnOffset, header.packetLength, -1);
  if (opened === null) throw new Error('the refusal does not authenticate with the client Initial keys');
  return { header, frames: decodeFrames(opened.payload, 'initial') };
}

function closeOf(events: readonly ConnectionEvent[] | undefined) {
  return events?.find((e) => e.type === 'connection_closed');
}

describe('RFC 9000 §5.2.2: stateless refusal with CONNECTION_CLOSE in an Initial', () => {
  it.each([QUIC_V1, QUIC_V2] as const)('RFC 9000 §5.2.2, RFC 9001 §5.2: the refusal opens with the server Initial keys of the client DCID (version 0x%s)', (version) => {
    const dcid = cid(0xd1);
    const scid = cid(0x5c, 5);
    const bytes = buildInitialClose(provider, new SeededRandom(1), { version, clientDcid: dcid, clientScid: scid, reason: 'go away' });
    const { header, frames } = openRefusal(bytes, dcid, version);
    expect(header.version).toBe(version);
    // RFC 9000 §7.2: the server's packets go to the client's Source Connection ID.
    expect([...header.dcid]).toEqual([...scid]);
    expect(header.scid.length).toBe(8);
    const close = frames.find((f) => f.type === 'connection_close');
    expect(close).toMatchObject({ errorSpace: 'transport', errorCode: TransportErrorCode.CONNECTION_REFUSED, frameType: 0 });
    expect(new TextDecoder().decode(close?.type === 'connection_close' ? close.reason : new Uint8Array())).toBe('go away');
    // Not larger than the ≥ 1200-byte Initial it answers (no amplification).
    expect(bytes.length).toBeLessThan(1200);
  });

  it('RFC 9000 §5.2.2: the admission hook refuses an address; the client closes by peer with CONNECTION_REFUSED and the reason', async () => {
    const seen: string[] = [];
    const h = new EndpointHarness(endpointOptions({
      admit: (info) => {
        seen.push(info.remote);
        return info.remote.startsWith('198.51.100.') ? { accept: false, reason: 'blocked network' } : { accept: true };
      },
    }));
    h.addClient('198.51.100.7:5000');
    h.addClient('203.0.113.1:5000');
    await h.run(() => h.clientDone('203.0.113.1:5000') && closeOf(h.clientEvents.get('198.51.100.7:5000')) !== undefined);
    expect(closeOf(h.clientEvents.get('198.51.100.7:5000'))).toMatchObject({ by: 'peer', code: TransportErrorCode.CONNECTION_REFUSED, reason: 'blocked network', errorSpace: 'transport' });
    expect(seen).toContain('198.51.100.7:5000');
    const s = h.endpoint.stats();
    expect(s.refusals.admission_hook).toBe(1);
    expect(s.refusalsSent).toBe(1);
    expect(s.connections).toBe(1);
    // The refusal is a real Initial the client's keys open.
    const refusal = h.fromServer.find((d) => d.remote === '198.51.100.7:5000')!;
    const first = h.fromClients.find((d) => d.remote === '198.51.100.7:5000')!;
    const clientDcid = (decodePacketHeader(new Reader(first.bytes.slice()), 0) as { dcid: Uint8Array }).dcid;
    expect(openRefusal(refusal.bytes, clientDcid).frames.some((f) => f.type === 'connection_close')).toBe(true);
  });

  it('RFC 9000 §5.2.2: a hook refusal with its own code is sent with that code', async () => {
    const h = new EndpointHarness(endpointOptions({ admit: () => ({ accept: false, reason: 'busy', code: TransportErrorCode.INVALID_TOKEN }) }));
    h.addClient('a:1');
    await h.run(() => closeOf(h.clientEvents.get('a:1')) !== undefined);
    expect(closeOf(h.clientEvents.get('a:1'))).toMatchObject({ by: 'peer', code: TransportErrorCode.INVALID_TOKEN, reason: 'busy' });
  });

  it('RFC 9000 §5.2.2: a client beyond maxConnections is refused with CONNECTION_REFUSED while the first completes', async () => {
    const h = new EndpointHarness(endpointOptions({ maxConnections: 1 }));
    h.addClient('a:1');
    await h.run(() => h.clientDone('a:1'));
    h.addClient('b:2');
    await h.run(() => closeOf(h.clientEvents.get('b:2')) !== undefined);
    expect(closeOf(h.clientEvents.get('b:2'))).toMatchObject({ by: 'peer', code: TransportErrorCode.CONNECTION_REFUSED });
    expect(h.endpoint.stats().refusals.max_connections).toBe(1);
  });
});

describe('RFC 9000 §8.1.2: invalid Retry token', () => {
  it('RFC 9000 §8.1.2: an Initial with an invalid Retry token is closed with INVALID_TOKEN in an Initial the client keys open', () => {
    const h = new EndpointHarness(endpointOptions({ retry: 'always' }));
    const scid = cid(0x44, 6);
    const retry = decodeRetryPacket(new Reader(h.inject(forgeInitial(cid(0x33), scid, 1200), '192.0.2.9:9')[0]!.bytes));
    const bad = retry.token.slice();
    bad[bad.length - 1]! ^= 1;
    const out = h.inject(forgeInitial(retry.scid, scid, 1200, bad), '192.0.2.9:9');
    expect(out).toHaveLength(1);
    // The client's second Initial went to the Retry's SCID: the Initial keys derive from it.
    const { header, frames } = openRefusal(out[0]!.bytes, retry.scid);
    expect([...header.dcid]).toEqual([...scid]);
    expect(frames.find((f) => f.type === 'connection_close')).toMatchObject({ errorSpace: 'transport', errorCode: TransportErrorCode.INVALID_TOKEN });
    expect(h.endpoint.stats().refusals.invalid_token).toBe(1);
  });
});

describe('RFC 9000 §21.6: new-connection rate limits', () => {
  it('RFC 9000 §21.6: perIpPerSecond admits a burst of one second from one IP, refuses the rest, and refills with time', () => {
    const h = new EndpointHarness(endpointOptions({ rateLimits: { perIpPerSecond: 5 } }));
    for (let i = 0; i < 20; i++) h.inject(forgeInitial(cid(i + 1), cid(0x80 + i), 1200), `192.0.2.1:${1000 + i}`);
    expect(h.endpoint.stats().connections).toBe(5);
    expect(h.endpoint.stats().refusals.rate_limit_per_ip).toBe(15);
    // Another IP is not affected.
    h.inject(forgeInitial(cid(0x40), cid(0x41), 1200), '192.0.2.2:1');
    expect(h.endpoint.stats().connections).toBe(6);
    // 400 ms later: two more tokens.
    h.now = addDuration(h.now, millis(400));
    for (let i = 0; i < 5; i++) h.inject(forgeInitial(cid(0x50 + i), cid(0x60 + i), 1200), `192.0.2.1:${2000 + i}`);
    expect(h.endpoint.stats().refusals.rate_limit_per_ip).toBe(18);
  });

  it('RFC 9000 §21.6: globalPerSecond bounds all sources together', () => {
    const h = new EndpointHarness(endpointOptions({ rateLimits: { globalPerSecond: 3 } }));
    for (let i = 0; i < 10; i++) h.inject(forgeInitial(cid(i + 1), cid(0x80 + i), 1200), `192.0.2.${i}:1`);
    expect(h.endpoint.stats().connections).toBe(3);
    expect(h.endpoint.stats().refusals.rate_limit_global).toBe(7);
  });

  it('RFC 9000 §21.6: perIpConcurrent caps live connections per IP until one is removed', async () => {
    const h = new EndpointHarness(endpointOptions({ rateLimits: { perIpConcurrent: 1 } }));
    h.addClient('10.0.0.1:1');
    await h.run(() => h.clientDone('10.0.0.1:1'));
    h.addClient('10.0.0.1:2');
    await h.run(() => closeOf(h.clientEvents.get('10.0.0.1:2')) !== undefined);
    expect(h.endpoint.stats().refusals.per_ip_concurrent).toBe(1);
    // Close the first; once it is removed the IP may connect again.
    h.clients.get('10.0.0.1:1')!.close(h.now, 0, 'bye');
    await h.run(() => h.serverEvents.some((e) => e.type === 'connection_removed'));
    h.addClient('10.0.0.1:3');
    await h.run(() => h.clientDone('10.0.0.1:3'));
    expect(h.clientDone('10.0.0.1:3')).toBe(true);
  });

  it('RFC 9000 §10.3.3 (by analogy): refusals beyond maxRefusalsPerSecond are dropped, not answered', () => {
    const h = new EndpointHarness(endpointOptions({ rateLimits: { perIpPerSecond: 1 }, maxRefusalsPerSecond: 3 }));
    let answers = 0;
    // The first is accepted; the 9 others are refused.
    for (let i = 0; i < 10; i++) {
      const out = h.inject(forgeInitial(cid(i + 1), cid(0x80 + i), 1200), '192.0.2.1:1');
      if (i > 0) answers += out.length;
    }
    const s = h.endpoint.stats();
    expect(s.refusals.rate_limit_per_ip).toBe(9);
    expect(s.refusalsSent).toBe(3);
    expect(answers).toBe(3);
    expect(s.droppedDatagrams).toBe(6);
    h.now = addDuration(h.now, seconds(2));
    h.inject(forgeInitial(cid(0x70), cid(0x71), 1200), '192.0.2.1:1');
    expect(h.endpoint.stats().connections).toBe(2);
  });
});
