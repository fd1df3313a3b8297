/** Unit tests of static-key stateless reset tokens (src/endpoint/stateless-reset-key.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/util/bytes.js';
import { SeededRandom } from '../../../src/util/random.js';
import { StatelessResetKey, STATELESS_RESET_TOKEN_LENGTH } from '../../../src/endpoint/stateless-reset-key.js';
import { REAL_PROVIDERS } from '../../helpers/providers.js';

const cidArb = fc.uint8Array({ minLength: 1, maxLength: 20 });

describe.each(REAL_PROVIDERS)('RFC 9000 §10.3.2: stateless reset tokens ($name)', ({ provider }) => {
  it('RFC 9000 §10.3.2: the token is HMAC-SHA256(key, cid) truncated to 16 bytes', () => {
    // RFC 4231 §4.2 test case 1: key 0x0b x 20, data "Hi There"; HMAC-SHA256 starts b0344c61....
    const key = new Uint8Array(20).fill(0x0b);
    const data = new TextEncoder().encode('Hi There');
    const k = new StatelessResetKey(provider, key);
    expect(toHex(k.tokenFor(data))).toBe('b0344c61d8db38535ca8afceaf0bf12b');
    expect(k.tokenFor(data)).toHaveLength(STATELESS_RESET_TOKEN_LENGTH);
  });

  it('RFC 9000 §10.3.2: tokens are deterministic per key and CID, and differ across keys and CIDs', () => {
    fc.assert(
      fc.property(fc.integer(), cidArb, cidArb, (seed, a, b) => {
        const k1 = new StatelessResetKey(provider, new SeededRandom(seed));
        const k1again = new StatelessResetKey(provider, new SeededRandom(seed));
        const k2 = new StatelessResetKey(provider, new SeededRandom(seed + 1));
        expect(k1.tokenFor(a)).toEqual(k1.tokenFor(a));
        expect(k1again.tokenFor(a)).toEqual(k1.tokenFor(a));
        expect(k2.tokenFor(a)).not.toEqual(k1.tokenFor(a));
        if (toHex(a) !== toHex(b)) expect(k1.tokenFor(b)).not.toEqual(k1.tokenFor(a));
        expect(k1.isTokenFor(a, k1.tokenFor(a))).toBe(true);
        expect(k2.isTokenFor(a, k1.tokenFor(a))).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('RFC 9000 §10.3.2: a shared static key gives every instance the same tokens; the key is copied', () => {
    const key = fromHex('000102030405060708090a0b0c0d0e0f');
    const a = new StatelessResetKey(provider, key);
    const b = new StatelessResetKey(provider, key.slice());
    const cid = fromHex('c0ffee');
    const before = a.tokenFor(cid);
    key.fill(0xff);
    expect(a.tokenFor(cid)).toEqual(before);
    expect(b.tokenFor(cid)).toEqual(before);
  });

  it('RFC 9000 §10.3.2: zero-length CIDs and short keys are refused', () => {
    const k = new StatelessResetKey(provider, new SeededRandom(1));
    expect(() => k.tokenFor(new Uint8Array(0))).toThrow(RangeError);
    expect(k.isTokenFor(new Uint8Array(0), new Uint8Array(16))).toBe(false);
    expect(() => new StatelessResetKey(provider, new Uint8Array(15))).toThrow(RangeError);
  });
});
