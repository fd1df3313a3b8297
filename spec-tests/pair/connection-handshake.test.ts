import { describe, expect, it } from 'vitest';
import { PacketNumberSpace } from '../../src/wire/packet-type.js';
import { ConnectionPair } from '../helpers/connection-pair.js';
import { Reader } from '../../src/util/bytes.js';
import { decodePacketHeader } from '../../src/wire/header.js';
import { TransportErrorCode } from '../../src/wire/errors.js';
import { millis } from '../../src/util/time.js';
import { SeededRandom } from '../../src/util/random.js';
import { generateSelfSignedCertificate } from '../../src/tls/certificates/self-signed.js';
import { TLS_TEST_NOW } from '../helpers/tls-certs.js';

describe('RFC 9000 §7: the handshake between two connections', () => {
  it('RFC 9000 §7: both sides complete, keys are discarded (RFC 9001 §4.9) and the client gets HANDSHAKE_DONE', async () => {
    const pair = new ConnectionPair();
    await pair.run(() => pair.handshakeDone && pair.client.state.handshakeConfirmed);
    const server = pair.server!;
    expect(pair.client.isHandshakeComplete).toBe(true);
    expect(server.isHandshakeComplete).toBe(true);
    // RFC 9001 §4.1.2: confirmed at the client by HANDSHAKE_DONE, at the server on completion.
    expect(pair.client.state.handshakeConfirmed).toBe(true);
    expect(server.state.handshakeConfirmed).toBe(true);
    for (const c of [pair.client, server]) {
      expect(c.state.spaces[PacketNumberSpace.Initial].discarded).toBe(true);
      expect(c.state.spaces[PacketNumberSpace.Handshake].discarded).toBe(true);
    }
    expect(pair.events.client.find((e) => e.type === 'verify_certificate')).toBeDefined();
  });

  it('RFC 9000 §14.1: every client datagram carrying an Initial packet is at least 1200 bytes', async () => {
    const pair = new ConnectionPair();
    await pair.run(() => pair.handshakeDone && pair.client.state.handshakeConfirmed);
    const initials = pair.sent.filter((d) => d.from === 'client' && (d.bytes[0]! & 0xb0) === 0x80 && decodePacketHeader(new Reader(d.bytes), 8).type === 'initial');
    expect(initials.length).toBeGreaterThan(0);
    for (const d of initials) expect(d.bytes.length).toBeGreaterThanOrEqual(1200);
  });

  it('RFC 9000 §8.1: before validating the address the server sends at most three times what it received', async () => {
    const pair = new ConnectionPair();
    let received = 0;
    let sent = 0;
    let violated = false;
    // Walk the datagrams in order: server bytes are checked against client bytes seen so far
    // (until the first client Handshake packet validates the address).
    await pair.run(() => pair.handshakeDone);
    let validated = false;
    for (const d of pair.sent) {
      if (d.from === 'client') {
        received += d.bytes.length;
        if (decodePacketHeader(new Reader(d.bytes), 8).type === 'handshake') validated = true;
        const hdr = new Reader(d.bytes);
        const first = decodePacketHeader(hdr, 8);
        if (first.type === 'initial' && first.packetLength < d.bytes.length) {
          const second = decodePacketHeader(hdr, 8);
          if (second.type === 'handshake') validated = true;
        }
      } else if (!validated) {
        sent += d.bytes.length;
        if (sent > 3 * received) violated = true;
      }
    }
    expect(sent).toBeGreaterThan(0);
    expect(violated).toBe(false);
  });

  it('RFC 9000 §8.1: a server that never hears from the client again stays within three times one Initial, PTOs included', async () => {
    const pair = new ConnectionPair({ drop: (d) => d.from === 'client' && d.index > 0 });
    await pair.runFor(millis(10_000));
    const received = pair.sent.filter((d) => d.from === 'client' && d.index === 0).reduce((n, d) => n + d.bytes.length, 0);
    const sent = pair.sent.filter((d) => d.from === 'server').reduce((n, d) => n + d.bytes.length, 0);
    expect(received).toBeGreaterThanOrEqual(1200);
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(3 * received);
    // Without the limit the server's PTOs would keep resending its flight.
    expect(pair.server!.state.addressValidated).toBe(false);
  });

  it('RFC 9000 §7.3: an initial_source_connection_id that differs from the Source Connection ID is a TRANSPORT_PARAMETER_ERROR', async () => {
    const pair = new ConnectionPair({ acceptHeader: (h) => ({ ...h, scid: new Uint8Array(h.scid.length).fill(0xee) }) });
    await pair.run(() => pair.events.server.some((e) => e.type === 'connection_closed'));
    expect(pair.events.server.find((e) => e.type === 'connection_closed')).toMatchObject({ by: 'local', code: TransportErrorCode.TRANSPORT_PARAMETER_ERROR });
    expect(pair.events.server.some((e) => e.type === 'handshake_completed')).toBe(false);
  });

  it('RFC 9001 §4.8: a server certificate from an unknown CA closes the handshake with CRYPTO_ERROR 0x100 + unknown_ca (48)', async () => {
    const other = generateSelfSignedCertificate({ commonName: 'Other CA', isCA: true, validityDays: 30, nowMs: TLS_TEST_NOW, random: new SeededRandom(99) });
    const pair = new ConnectionPair({ trustAnchors: [other.certificateDer] });
    await pair.run(() => pair.events.server.some((e) => e.type === 'connection_closed'));
    expect(pair.events.client.find((e) => e.type === 'connection_closed')).toMatchObject({ by: 'local', code: 0x100 + 48, errorSpace: 'transport' });
    expect(pair.events.server.find((e) => e.type === 'connection_closed')).toMatchObject({ by: 'peer', code: 0x100 + 48 });
    expect(pair.events.client.some((e) => e.type === 'handshake_completed')).toBe(false);
  });
});
