import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/util/random.js';
import { bytesEqual } from '../../src/util/bytes.js';
import { echo, ConnectionPair, type SentDatagram, payload } from '../helpers/connection-pair.js';

/** Drops each datagram with probability `p`, from a seeded generator (printed on failure). */
function randomDrop(seed: number, p: number): (d: SentDatagram) => boolean {
  const rng = new SeededRandom(seed);
  return () => rng.nextUint32() / 2 ** 32 < p;
}

describe('RFC 9002: loss recovery over a connection pair', () => {
  it('RFC 9002 §6.2.4: the client\'s first Initial is lost; its PTO resends the ClientHello and the handshake completes', async () => {
    const pair = new ConnectionPair({ drop: (d) => d.from === 'client' && d.index === 0 });
    await pair.run(() => pair.handshakeDone && pair.client.state.handshakeConfirmed);
    expect(pair.sent.filter((d) => d.dropped)).toHaveLength(1);
    expect(pair.client.isHandshakeComplete && pair.server!.isHandshakeComplete).toBe(true);
  });

  it('RFC 9002 §6.2.4: the server\'s whole first flight is lost; PTO probes resend its CRYPTO data', async () => {
    let serverFirstFlight = -1;
    const pair = new ConnectionPair({
      drop: (d) => {
        if (d.from !== 'server') return false;
        if (serverFirstFlight === -1) serverFirstFlight = d.at;
        return d.at === serverFirstFlight;
      },
    });
    await pair.run(() => pair.handshakeDone && pair.client.state.handshakeConfirmed);
    expect(pair.sent.filter((d) => d.dropped).length).toBeGreaterThan(0);
    expect(pair.client.isHandshakeComplete && pair.server!.isHandshakeComplete).toBe(true);
  });

  for (const seed of [1, 2, 3]) {
    it(`RFC 9002 §6.1: 10% random loss (seed ${seed}): handshake and a 100 KB echo complete; lost STREAM ranges are resent`, async () => {
      const data = payload(100_000, seed);
      const { pair, received, echoed } = await echo({ seed, drop: randomDrop(seed * 7919, 0.1) }, data, 'bidi');
      expect(bytesEqual(received, data), `seed ${seed}`).toBe(true);
      expect(bytesEqual(echoed, data), `seed ${seed}`).toBe(true);
      expect(pair.sent.filter((d) => d.dropped).length).toBeGreaterThan(0);
      expect(pair.client.stats().lostPackets + pair.server!.stats().lostPackets).toBeGreaterThan(0);
    });
  }
});
