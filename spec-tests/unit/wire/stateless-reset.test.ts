import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../../../src/util/errors.js';
import { Reader, Writer } from '../../../src/util/bytes.js';
import { SeededRandom } from '../../../src/util/random.js';
import {
  buildStatelessReset,
  chooseStatelessResetLength,
  encodeStatelessReset,
  isStatelessReset,
  maxStatelessResetLength,
  MIN_STATELESS_RESET_LENGTH,
  statelessResetTokenEquals,
  statelessResetTokenOf,
} from '../../../src/wire/stateless-reset.js';
import { decodePacketHeader } from '../../../src/wire/header.js';
import { PacketType } from '../../../src/wire/packet-type.js';

const tokenArb = fc.uint8Array({ minLength: 16, maxLength: 16 });

describe('RFC 9000 §10.3: Stateless Reset', () => {
  it('RFC 9000 §10.3: a reset is 0b01, unpredictable bits, then the token, of the asked length (>= 21)', () => {
    fc.assert(
      fc.property(fc.integer(), tokenArb, fc.integer({ min: 21, max: 1500 }), (seed, token, length) => {
        const reset = buildStatelessReset(new SeededRandom(seed), token, length);
        expect(reset.length).toBe(length);
        expect(reset[0]! & 0xc0).toBe(0x40);
        expect(reset.subarray(length - 16)).toEqual(token);
        expect(statelessResetTokenOf(reset)).toEqual(token);
        expect(isStatelessReset(reset, token)).toBe(true);
        const other = token.slice();
        other[15] = other[15]! ^ 1;
        expect(isStatelessReset(reset, other)).toBe(false);
      }),
    );
  });

  it('RFC 9000 §10.3: "indistinguishable from a regular packet with a short header": it parses as a 1-RTT packet', () => {
    fc.assert(
      fc.property(fc.integer(), tokenArb, fc.integer({ min: 21, max: 200 }), fc.integer({ min: 0, max: 20 }), (seed, token, length, cidLength) => {
        const reset = buildStatelessReset(new SeededRandom(seed), token, length);
        const header = decodePacketHeader(new Reader(reset), cidLength);
        expect(header.type).toBe(PacketType.OneRtt);
        expect(header.packetLength).toBe(length);
      }),
    );
  });

  it('RFC 9000 §10.3: the bits before the token come from the random source', () => {
    const token = new Uint8Array(16).fill(0xee);
    const firstBytes = new Set<number>();
    const seconds = new Set<number>();
    for (let seed = 0; seed < 64; seed++) {
      const reset = buildStatelessReset(new SeededRandom(seed), token, 21);
      firstBytes.add(reset[0]!);
      seconds.add(reset[1]!);
    }
    expect(firstBytes.size).toBeGreaterThan(8);
    expect(seconds.size).toBeGreaterThan(8);
    // Same seed, same bytes (replayable).
    expect(buildStatelessReset(new SeededRandom(5), token, 30)).toEqual(buildStatelessReset(new SeededRandom(5), token, 30));
  });

  it('RFC 9000 §10.3: a reset below 21 bytes or with a token that is not 16 bytes is a CodecError', () => {
    const random = new SeededRandom(1);
    expect(() => buildStatelessReset(random, new Uint8Array(16), 20)).toThrow(CodecError);
    expect(() => buildStatelessReset(random, new Uint8Array(15), 21)).toThrow(CodecError);
    expect(() => encodeStatelessReset(Writer.alloc(20), random, new Uint8Array(16), 21)).toThrow(CodecError);
    expect(MIN_STATELESS_RESET_LENGTH).toBe(21);
  });

  it('RFC 9000 §10.3.3: every reset is smaller than its trigger; no reset answers a packet of 21 bytes or fewer', () => {
    expect(maxStatelessResetLength(21)).toBeUndefined();
    expect(maxStatelessResetLength(22)).toBe(21);
    expect(maxStatelessResetLength(1200)).toBe(1199);
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 3000 }), fc.option(fc.integer({ min: 0, max: 1500 }), { nil: undefined }), (seed, trigger, maxLength) => {
        const length = chooseStatelessResetLength(new SeededRandom(seed), trigger, maxLength);
        if (trigger <= 21 || (maxLength !== undefined && maxLength < 21)) {
          expect(length).toBeUndefined();
          return;
        }
        expect(length).toBeDefined();
        expect(length!).toBeGreaterThanOrEqual(21);
        expect(length!).toBeLessThan(trigger);
        // RFC 9000 §10.3: "MUST NOT send a Stateless Reset that is three times or more larger".
        expect(length!).toBeLessThan(3 * trigger);
        if (maxLength !== undefined) expect(length!).toBeLessThanOrEqual(maxLength);
        // RFC 9000 §10.3: one byte shorter than a trigger of 43 bytes or fewer.
        if (trigger <= 43 && (maxLength === undefined || maxLength >= trigger - 1)) expect(length).toBe(trigger - 1);
        // RFC 9000 §10.3.3: no smaller than 41 bytes when there is room.
        if (trigger > 43 && (maxLength === undefined || maxLength >= 41)) expect(length!).toBeGreaterThanOrEqual(41);
      }),
    );
  });

  it('RFC 9000 §10.3.1: detection uses the trailing 16 bytes of datagrams of at least 21 bytes, whatever the first byte', () => {
    const token = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    const datagram = new Uint8Array(40);
    datagram[0] = 0xc3; // a long header: "other QUIC versions might allow the use of a long header"
    datagram.set(token, 24);
    expect(isStatelessReset(datagram, token)).toBe(true);
    expect(statelessResetTokenOf(new Uint8Array(20))).toBeUndefined();
    const short = new Uint8Array(20);
    short.set(token, 4);
    expect(isStatelessReset(short, token)).toBe(false);
    expect(statelessResetTokenEquals(token, token.slice())).toBe(true);
    expect(statelessResetTokenEquals(token, token.subarray(1))).toBe(false);
  });
});
