import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nodeCryptoProvider } from '../../../src/crypto/node-provider.js';
import { verifyRetryIntegrity } from '../../../src/crypto/retry-integrity.js';
import { RateLimiter, buildRetry, buildStatelessResetFor, buildVersionNegotiation, greaseVersion } from '../../../src/endpoint/stateless-responses.js';
import { Reader } from '../../../src/util/bytes.js';
import { SeededRandom } from '../../../src/util/random.js';
import { addDuration, instant, millis } from '../../../src/util/time.js';
import { decodeRetryPacket } from '../../../src/wire/retry-packet.js';
import { statelessResetTokenOf } from '../../../src/wire/stateless-reset.js';
import { decodeVersionNegotiation } from '../../../src/wire/version-negotiation.js';
import { QUIC_V1, QUIC_V2, isReservedVersion } from '../../../src/wire/version.js';

describe('RFC 9000 §6.3: greasing versions', () => {
  it('RFC 9000 §15: greaseVersion always draws a reserved 0x?a?a?a?a version', () => {
    fc.assert(fc.property(fc.integer(), (seed) => isReservedVersion(greaseVersion(new SeededRandom(seed)))), { numRuns: 100 });
  });
});

describe('RFC 9000 §17.2.1: buildVersionNegotiation', () => {
  it('RFC 9000 §17.2.1: echoes the CIDs swapped and lists v1, v2 and a reserved version', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 255 }), fc.uint8Array({ maxLength: 255 }), fc.integer(), (dcid, scid, seed) => {
        const vn = decodeVersionNegotiation(new Reader(buildVersionNegotiation(new SeededRandom(seed), dcid, scid)));
        expect(vn.dcid).toEqual(scid);
        expect(vn.scid).toEqual(dcid);
        expect(vn.supportedVersions.slice(0, 2)).toEqual([QUIC_V1, QUIC_V2]);
        expect(isReservedVersion(vn.supportedVersions[2]!)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('RFC 9001 §5.8: buildRetry', () => {
  it('RFC 9001 §5.8: the Retry integrity tag verifies for the ODCID and version, and not for others', () => {
    const random = new SeededRandom(1);
    for (const version of [QUIC_V1, QUIC_V2] as const) {
      const odcid = new Uint8Array(8).fill(7);
      const bytes = buildRetry(nodeCryptoProvider, random, version, odcid, new Uint8Array([1, 2]), new Uint8Array(8).fill(3), new Uint8Array([9, 9, 9]));
      const r = decodeRetryPacket(new Reader(bytes));
      expect(r).toMatchObject({ version, dcid: new Uint8Array([1, 2]), scid: new Uint8Array(8).fill(3), token: new Uint8Array([9, 9, 9]) });
      expect(verifyRetryIntegrity(nodeCryptoProvider, version, odcid, bytes)).toBe(true);
      expect(verifyRetryIntegrity(nodeCryptoProvider, version, new Uint8Array(8), bytes)).toBe(false);
      expect(verifyRetryIntegrity(nodeCryptoProvider, version === QUIC_V1 ? QUIC_V2 : QUIC_V1, odcid, bytes)).toBe(false);
    }
  });
});

describe('RFC 9000 §10.3.3: buildStatelessResetFor', () => {
  it('RFC 9000 §10.3.3: every reset is smaller than its trigger and within maxLength; none below 22 bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer(), (trigger, seed) => {
        const token = new Uint8Array(16).fill(5);
        const reset = buildStatelessResetFor(new SeededRandom(seed), token, trigger, 1200);
        if (trigger <= 21) return reset === undefined;
        return reset !== undefined && reset.length < trigger && reset.length <= 1200 && statelessResetTokenOf(reset)!.every((b) => b === 5);
      }),
      { numRuns: 200 },
    );
  });
});

describe('RFC 9000 §10.3.3: RateLimiter', () => {
  it('RFC 9000 §10.3.3: allows max per one-second window, then refuses until the window ends', () => {
    const l = new RateLimiter(3);
    const t0 = instant(5);
    expect([1, 2, 3, 4].map(() => l.tryAcquire(t0))).toEqual([true, true, true, false]);
    expect(l.tryAcquire(addDuration(t0, millis(999)))).toBe(false);
    expect(l.tryAcquire(addDuration(t0, millis(1000)))).toBe(true);
    expect(new RateLimiter(0).tryAcquire(t0)).toBe(false);
  });
});
