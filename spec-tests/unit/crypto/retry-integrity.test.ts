/** Unit tests of the Retry Integrity Tag (src/crypto/retry-integrity.ts). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concatBytes, fromHex, toHex } from '../../../src/util/bytes.js';
import { QUIC_V1, QUIC_V2 } from '../../../src/wire/version.js';
import {
  RETRY_INTEGRITY_KEY_V1,
  RETRY_INTEGRITY_KEY_V2,
  RETRY_INTEGRITY_NONCE_V1,
  RETRY_INTEGRITY_NONCE_V2,
  computeRetryIntegrityTag,
  verifyRetryIntegrity,
} from '../../../src/crypto/retry-integrity.js';
import { hkdfExpandLabel } from '../../../src/crypto/hkdf-label.js';
import { REAL_PROVIDERS } from '../../helpers/providers.js';

const ODCID = fromHex('8394c8f03e515708');
// RFC 9001 §A.4.
const RETRY_V1 = fromHex('ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba');

describe.each(REAL_PROVIDERS)('RFC 9001 §5.8: Retry integrity ($name)', ({ name, provider }) => {
  it(`RFC 9001 §5.8: the fixed key and nonce are HKDF-Expand-Label of the published secret (${name})`, () => {
    const v1 = fromHex('d9c9943e6101fd200021506bcc02814c73030f25c79d71ce876eca876e6fca8e');
    expect(toHex(hkdfExpandLabel(provider, 'sha256', v1, 'quic key', new Uint8Array(0), 16))).toBe(toHex(RETRY_INTEGRITY_KEY_V1));
    expect(toHex(hkdfExpandLabel(provider, 'sha256', v1, 'quic iv', new Uint8Array(0), 12))).toBe(toHex(RETRY_INTEGRITY_NONCE_V1));
    // RFC 9369 §3.3.3.
    const v2 = fromHex('c4dd2484d681aefa4ff4d69c2c20299984a765a5d3c31982f38fc74162155e9f');
    expect(toHex(hkdfExpandLabel(provider, 'sha256', v2, 'quicv2 key', new Uint8Array(0), 16))).toBe(toHex(RETRY_INTEGRITY_KEY_V2));
    expect(toHex(hkdfExpandLabel(provider, 'sha256', v2, 'quicv2 iv', new Uint8Array(0), 12))).toBe(toHex(RETRY_INTEGRITY_NONCE_V2));
  });

  it(`RFC 9000 §17.2.5.2: any flipped bit of the Retry packet fails verification (${name})`, () => {
    expect(verifyRetryIntegrity(provider, QUIC_V1, ODCID, RETRY_V1)).toBe(true);
    for (let bit = 0; bit < RETRY_V1.length * 8; bit++) {
      const bad = RETRY_V1.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(verifyRetryIntegrity(provider, QUIC_V1, ODCID, bad)).toBe(false);
    }
  });

  it(`RFC 9001 §5.8: the tag binds the original DCID (${name})`, () => {
    const wrong = ODCID.slice();
    wrong[7]! ^= 1;
    expect(verifyRetryIntegrity(provider, QUIC_V1, wrong, RETRY_V1)).toBe(false);
    expect(verifyRetryIntegrity(provider, QUIC_V1, ODCID.subarray(0, 7), RETRY_V1)).toBe(false);
    expect(verifyRetryIntegrity(provider, QUIC_V2, ODCID, RETRY_V1)).toBe(false);
  });

  it(`RFC 9001 §5.8: packets shorter than the tag and ODCIDs over 20 bytes verify false (${name})`, () => {
    expect(verifyRetryIntegrity(provider, QUIC_V1, ODCID, RETRY_V1.subarray(0, 15))).toBe(false);
    expect(verifyRetryIntegrity(provider, QUIC_V1, new Uint8Array(21), RETRY_V1)).toBe(false);
  });

  it(`RFC 9001 §5.8: a computed tag verifies, for any ODCID and packet (${name})`, () => {
    fc.assert(
      fc.property(fc.constantFrom(QUIC_V1, QUIC_V2), fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ minLength: 1, maxLength: 100 }), (version, odcid, body) => {
        const tag = computeRetryIntegrityTag(provider, version, odcid, body);
        expect(tag.length).toBe(16);
        expect(verifyRetryIntegrity(provider, version, odcid, concatBytes(body, tag))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});
