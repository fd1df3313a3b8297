import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../../src/util/bytes.js';
import { CodecError } from '../../../src/util/errors.js';
import { SeededRandom } from '../../../src/util/random.js';
import { MemoryTicketStore, TICKET_OVERHEAD } from '../../../src/tls/ticket-store.js';
import {
  decodeServerTicketContents, encodeServerTicketContents, serializeServerTicketContents, sizeOfServerTicketContents, type ServerTicketContents,
} from '../../../src/tls/server-ticket.js';
import { Writer } from '../../../src/util/bytes.js';
import { REAL_PROVIDERS } from '../../helpers/providers.js';

describe.each(REAL_PROVIDERS)('RFC 8446 §4.6.1: MemoryTicketStore ($name)', ({ provider }) => {
  it('RFC 8446 §4.6.1: seal then open returns the plaintext; tickets differ per seal (random nonce)', () => {
    const store = new MemoryTicketStore(provider, new SeededRandom(1));
    const random = new SeededRandom(2);
    const plain = Uint8Array.of(1, 2, 3, 4, 5);
    const a = store.seal(plain, random);
    const b = store.seal(plain, random);
    expect(a.length).toBe(plain.length + TICKET_OVERHEAD);
    expect(a.subarray(0, 4)).toEqual(store.keyId);
    expect(a).not.toEqual(b);
    expect(store.open(a)).toEqual(plain);
    expect(store.open(b)).toEqual(plain);
  });

  it('RFC 8446 §4.6.1: any flipped bit, truncation, or another store\'s ticket fails to open', () => {
    const store = new MemoryTicketStore(provider, new SeededRandom(1));
    const ticket = store.seal(Uint8Array.of(9, 9, 9), new SeededRandom(3));
    for (let i = 0; i < ticket.length; i++) {
      const t = ticket.slice();
      t[i]! ^= 0x40;
      expect(store.open(t)).toBeUndefined();
    }
    for (let n = 0; n < ticket.length; n++) expect(store.open(ticket.subarray(0, n))).toBeUndefined();
    const other = new MemoryTicketStore(provider, new SeededRandom(4));
    expect(other.open(ticket)).toBeUndefined();
  });

  it('RFC 8446 §8.1: markUsed accepts a ticket once', () => {
    const store = new MemoryTicketStore(provider, new SeededRandom(1));
    const ticket = store.seal(Uint8Array.of(1), new SeededRandom(5));
    expect(store.markUsed(ticket, 1000)).toBe(true);
    expect(store.markUsed(ticket, 2000)).toBe(false);
    expect(store.markUsed(store.seal(Uint8Array.of(1), new SeededRandom(6)), 2000)).toBe(true);
  });

  it('RFC 8446 §8.1: the used set is bounded, evicting expired entries first, then the oldest', () => {
    const store = new MemoryTicketStore(provider, new SeededRandom(1), { maxUsedEntries: 3, ticketLifetimeMs: 10_000 });
    const random = new SeededRandom(7);
    const t = Array.from({ length: 5 }, () => store.seal(Uint8Array.of(1), random));
    expect(store.markUsed(t[0]!, 0)).toBe(true);
    expect(store.markUsed(t[1]!, 5_000)).toBe(true);
    expect(store.markUsed(t[2]!, 6_000)).toBe(true);
    // t[0] expired (> 10 s old) and goes first.
    expect(store.markUsed(t[3]!, 10_500)).toBe(true);
    expect(store.usedCount).toBe(3);
    expect(store.markUsed(t[1]!, 10_600)).toBe(false);
    // Full, nothing expired: the oldest (t[1]) is evicted and could be used again.
    expect(store.markUsed(t[4]!, 10_700)).toBe(true);
    expect(store.usedCount).toBe(3);
    expect(store.markUsed(t[2]!, 10_800)).toBe(false);
    expect(store.markUsed(t[1]!, 10_900)).toBe(true);
  });
});

const contentsArb: fc.Arbitrary<ServerTicketContents> = fc.record({
  psk: fc.uint8Array({ minLength: 32, maxLength: 48 }),
  suite: fc.constantFrom(0x1301, 0x1302, 0x1303),
  alpn: fc.string({ minLength: 1, maxLength: 20 }),
  serverName: fc.option(fc.domain(), { nil: undefined }),
  issuedAtMs: fc.integer({ min: 0, max: 2 ** 50 }),
  ageAdd: fc.integer({ min: 0, max: 0xffffffff }),
  lifetimeMs: fc.integer({ min: 0, max: 604_800_000 }),
  maxEarlyData: fc.constantFrom(0, 0xffffffff),
  transportParameters: fc.uint8Array({ maxLength: 64 }),
});

describe('RFC 8446 §4.6.1: sealed ticket contents codec', () => {
  it('RFC 8446 §4.6.1: ticket contents round-trip, sizeOf matches, truncations fail with CodecError', () => {
    fc.assert(
      fc.property(contentsArb, (c) => {
        const w = Writer.alloc(sizeOfServerTicketContents(c));
        encodeServerTicketContents(w, c);
        const bytes = w.written();
        expect(bytes.length).toBe(sizeOfServerTicketContents(c));
        expect(bytes).toEqual(serializeServerTicketContents(c));
        expect(decodeServerTicketContents(new Reader(bytes))).toEqual(c);
        for (let n = 0; n < bytes.length; n++) expect(() => decodeServerTicketContents(new Reader(bytes.subarray(0, n)))).toThrow(CodecError);
      }),
      { numRuns: 100 },
    );
  });

  it('RFC 8446 §4.6.1: another format version is refused', () => {
    const bytes = serializeServerTicketContents({
      psk: new Uint8Array(32), suite: 0x1301, alpn: 'h3', serverName: undefined, issuedAtMs: 1, ageAdd: 2, lifetimeMs: 3, maxEarlyData: 0, transportParameters: new Uint8Array(0),
    });
    bytes[0] = 2;
    expect(() => decodeServerTicketContents(new Reader(bytes))).toThrow(CodecError);
  });
});
