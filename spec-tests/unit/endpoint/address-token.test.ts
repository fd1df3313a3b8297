/** Unit tests of Retry and NEW_TOKEN address validation tokens (src/endpoint/address-token.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../src/util/bytes.js';
import { SeededRandom } from '../../../src/util/random.js';
import { addDuration, instant, micros, seconds, type Instant } from '../../../src/util/time.js';
import {
  AddressTokens,
  DEFAULT_NEW_TOKEN_LIFETIME_MS,
  DEFAULT_RETRY_TOKEN_LIFETIME,
  MAX_ADDRESS_TOKEN_LENGTH,
  MAX_TOKEN_IP_LENGTH,
  type AddressTokenClock,
  type TokenAddress,
} from '../../../src/endpoint/address-token.js';
import { REAL_PROVIDERS } from '../../helpers/providers.js';

const ADDR: TokenAddress = { ip: fromHex('c0a80001'), port: 4433 };
const ODCID = fromHex('8394c8f03e515708');
const SCID = fromHex('f067a5502a4262b5');
const T0 = instant(5_000_000);
const WALL0 = 1_700_000_000_000;
const clock = (now: Instant, wallMs = WALL0): AddressTokenClock => ({ now, wallMs });

const addressArb: fc.Arbitrary<TokenAddress> = fc.record({
  ip: fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.string({ maxLength: 20 })),
  port: fc.integer({ min: 0, max: 65535 }),
});
const cidArb = fc.uint8Array({ maxLength: 20 });

describe.each(REAL_PROVIDERS)('RFC 9000 §8.1: address validation tokens ($name)', ({ provider }) => {
  const make = (seed = 1) => new AddressTokens(provider, new SeededRandom(seed));

  it('RFC 9000 §8.1.2/§7.3: a Retry token round-trips the ODCID and Retry SCID', () => {
    fc.assert(
      fc.property(addressArb, cidArb, cidArb, fc.nat(2 ** 40), (address, odcid, scid, t) => {
        const tokens = make();
        const now = instant(t);
        const token = tokens.issueRetryToken(address, odcid, scid, now);
        expect(token.length).toBeLessThanOrEqual(MAX_ADDRESS_TOKEN_LENGTH);
        expect(tokens.validate(token, address, clock(now))).toEqual({ ok: true, kind: 'retry', odcid, retryScid: scid });
        expect(tokens.validate(token, address, clock(now), 'retry').ok).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('RFC 9000 §8.1.3: a NEW_TOKEN token round-trips and ignores the port', () => {
    fc.assert(
      fc.property(addressArb, fc.integer({ min: 0, max: 65535 }), fc.nat(2 ** 45), (address, otherPort, wall) => {
        const tokens = make();
        const token = tokens.issueNewToken(address, wall);
        expect(token.length).toBeLessThanOrEqual(MAX_ADDRESS_TOKEN_LENGTH);
        expect(tokens.validate(token, { ip: address.ip, port: otherPort }, clock(T0, wall))).toEqual({ ok: true, kind: 'new_token' });
      }),
      { numRuns: 100 },
    );
  });

  it('RFC 9000 §8.1.3: the longest address with the longest CIDs fits MAX_ADDRESS_TOKEN_LENGTH exactly', () => {
    const tokens = make();
    const address = { ip: new Uint8Array(MAX_TOKEN_IP_LENGTH), port: 65535 };
    const cid = new Uint8Array(20).fill(7);
    // The issue time as an 8-byte varint (>= 2^30).
    const token = tokens.issueRetryToken(address, cid, cid, instant(2 ** 40));
    expect(token.length).toBe(MAX_ADDRESS_TOKEN_LENGTH);
    expect(tokens.validate(token, address, clock(instant(2 ** 40))).ok).toBe(true);
    expect(() => tokens.issueRetryToken({ ip: new Uint8Array(MAX_TOKEN_IP_LENGTH + 1), port: 1 }, cid, cid, T0)).toThrow(RangeError);
    expect(() => tokens.issueNewToken({ ip: 'x'.repeat(MAX_TOKEN_IP_LENGTH + 1), port: 1 }, WALL0)).toThrow(RangeError);
    expect(() => tokens.issueRetryToken(address, new Uint8Array(21), cid, T0)).toThrow(RangeError);
    // A longer input is refused before decryption.
    const long = new Uint8Array(MAX_ADDRESS_TOKEN_LENGTH + 1);
    long.set(token);
    expect(tokens.validate(long, address, clock(instant(2 ** 40)))).toEqual({ ok: false, reason: 'malformed' });
    // An address too long to have been bound is simply the wrong address.
    const t2 = tokens.issueRetryToken(ADDR, ODCID, SCID, T0);
    expect(tokens.validate(t2, { ip: new Uint8Array(MAX_TOKEN_IP_LENGTH + 1), port: 4433 }, clock(T0))).toEqual({ ok: false, reason: 'wrong_address' });
  });

  it('RFC 9000 §8.1.3: Retry tokens expire after their lifetime (boundary inclusive) and refuse future issue times', () => {
    const tokens = make();
    const token = tokens.issueRetryToken(ADDR, ODCID, SCID, T0);
    expect(tokens.validate(token, ADDR, clock(addDuration(T0, DEFAULT_RETRY_TOKEN_LIFETIME))).ok).toBe(true);
    expect(tokens.validate(token, ADDR, clock(addDuration(T0, micros(DEFAULT_RETRY_TOKEN_LIFETIME + 1))))).toEqual({ ok: false, reason: 'expired' });
    expect(tokens.validate(token, ADDR, clock(instant(T0 - 1)))).toEqual({ ok: false, reason: 'expired' });
    const short = new AddressTokens(provider, new SeededRandom(2), { retryLifetime: seconds(1) });
    const t2 = short.issueRetryToken(ADDR, ODCID, SCID, T0);
    expect(short.validate(t2, ADDR, clock(addDuration(T0, seconds(1)))).ok).toBe(true);
    expect(short.validate(t2, ADDR, clock(addDuration(T0, micros(1_000_001))))).toEqual({ ok: false, reason: 'expired' });
  });

  it('RFC 9000 §8.1.3: NEW_TOKEN tokens expire on the wall clock (boundary inclusive)', () => {
    const tokens = make();
    const token = tokens.issueNewToken(ADDR, WALL0);
    expect(tokens.validate(token, ADDR, clock(T0, WALL0 + DEFAULT_NEW_TOKEN_LIFETIME_MS)).ok).toBe(true);
    expect(tokens.validate(token, ADDR, clock(T0, WALL0 + DEFAULT_NEW_TOKEN_LIFETIME_MS + 1))).toEqual({ ok: false, reason: 'expired' });
    expect(tokens.validate(token, ADDR, clock(T0, WALL0 - 1))).toEqual({ ok: false, reason: 'expired' });
    const short = new AddressTokens(provider, new SeededRandom(3), { newTokenLifetimeMs: 1000 });
    const t2 = short.issueNewToken(ADDR, WALL0);
    expect(short.validate(t2, ADDR, clock(T0, WALL0 + 1000)).ok).toBe(true);
    expect(short.validate(t2, ADDR, clock(T0, WALL0 + 1001))).toEqual({ ok: false, reason: 'expired' });
  });

  it('RFC 9000 §8.1.4: a Retry token binds IP and port; a NEW_TOKEN token binds the IP', () => {
    const tokens = make();
    const retry = tokens.issueRetryToken(ADDR, ODCID, SCID, T0);
    expect(tokens.validate(retry, { ...ADDR, port: 4434 }, clock(T0))).toEqual({ ok: false, reason: 'wrong_address' });
    expect(tokens.validate(retry, { ip: fromHex('c0a80002'), port: 4433 }, clock(T0))).toEqual({ ok: false, reason: 'wrong_address' });
    const nt = tokens.issueNewToken(ADDR, WALL0);
    expect(tokens.validate(nt, { ip: fromHex('c0a80002'), port: 4433 }, clock(T0))).toEqual({ ok: false, reason: 'wrong_address' });
    // Text and byte forms are different addresses: callers must use one form consistently.
    const text = tokens.issueNewToken({ ip: '192.168.0.1', port: 1 }, WALL0);
    expect(tokens.validate(text, { ip: '192.168.0.1', port: 2 }, clock(T0)).ok).toBe(true);
    expect(tokens.validate(text, ADDR, clock(T0))).toEqual({ ok: false, reason: 'wrong_address' });
  });

  it('RFC 9000 §8.1.1: the server can tell Retry from NEW_TOKEN tokens (wrong_kind)', () => {
    const tokens = make();
    const retry = tokens.issueRetryToken(ADDR, ODCID, SCID, T0);
    const nt = tokens.issueNewToken(ADDR, WALL0);
    expect(tokens.validate(retry, ADDR, clock(T0), 'new_token')).toEqual({ ok: false, reason: 'wrong_kind' });
    expect(tokens.validate(nt, ADDR, clock(T0), 'retry')).toEqual({ ok: false, reason: 'wrong_kind' });
    expect(tokens.validate(nt, ADDR, clock(T0), 'new_token').ok).toBe(true);
  });

  it('RFC 9000 §8.1.4: every single flipped bit makes a token invalid', () => {
    const tokens = make();
    for (const token of [tokens.issueRetryToken(ADDR, ODCID, SCID, T0), tokens.issueNewToken(ADDR, WALL0)]) {
      for (let bit = 0; bit < token.length * 8; bit++) {
        const t = token.slice();
        t[bit >> 3]! ^= 1 << (bit & 7);
        expect(tokens.validate(t, ADDR, clock(T0))).toEqual({ ok: false, reason: 'malformed' });
      }
      // Every truncation, too.
      for (let n = 0; n < token.length; n++) expect(tokens.validate(token.subarray(0, n), ADDR, clock(T0)).ok).toBe(false);
    }
  });

  it('RFC 9000 §8.1.4: tokens from another key are refused (falsification)', () => {
    const a = make(1);
    const b = make(2);
    expect(b.validate(a.issueRetryToken(ADDR, ODCID, SCID, T0), ADDR, clock(T0))).toEqual({ ok: false, reason: 'malformed' });
    expect(b.validate(a.issueNewToken(ADDR, WALL0), ADDR, clock(T0))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('RFC 9000 §8.1.3: every NEW_TOKEN token is unique, even for the same client and time', () => {
    const tokens = make();
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(Array.from(tokens.issueNewToken(ADDR, WALL0)).join(','));
    expect(seen.size).toBe(200);
  });

  it('RFC 9000 §8.1.4: random bytes never validate and never throw', () => {
    const tokens = make();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: MAX_ADDRESS_TOKEN_LENGTH + 20 }), fc.constantFrom(0, 1, 2, 3), (bytes, first) => {
        const t = bytes.slice();
        if (t.length > 0 && first !== 0) t[0] = first; // reach the AEAD with a valid kind byte
        const result = tokens.validate(t, ADDR, clock(T0));
        expect(result).toEqual({ ok: false, reason: 'malformed' });
      }),
      { numRuns: 300 },
    );
  });

  it('RFC 9000 §7.3: the validated CIDs do not alias the token buffer', () => {
    const tokens = make();
    const token = tokens.issueRetryToken(ADDR, ODCID, SCID, T0);
    const result = tokens.validate(token, ADDR, clock(T0));
    token.fill(0);
    expect(result).toEqual({ ok: true, kind: 'retry', odcid: ODCID, retryScid: SCID });
  });
});
