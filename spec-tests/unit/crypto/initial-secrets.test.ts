/** Unit tests of Initial secrets and keys (src/crypto/initial-secrets.ts); the byte vectors are in spec-tests/vectors. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../../../src/util/bytes.js';
import { QUIC_V1, QUIC_V2, type QuicVersion } from '../../../src/wire/version.js';
import { INITIAL_SALT_V1, INITIAL_SALT_V2, deriveInitialKeys, deriveInitialSecrets, initialSalt } from '../../../src/crypto/initial-secrets.js';
import { protectPacket, unprotectPacket } from '../../../src/crypto/packet-protection.js';
import { INITIAL_SUITE } from '../../../src/crypto/suites.js';
import { nodeCryptoProvider as node } from '../../../src/crypto/node-provider.js';

describe('RFC 9001 §5.2: Initial secrets', () => {
  it('RFC 9001 §5.2, RFC 9369 §3.3.1: the salts per version', () => {
    expect(toHex(initialSalt(QUIC_V1))).toBe('38762cf7f55934b34d179ae6a4c80cadccbb7f0a');
    expect(toHex(initialSalt(QUIC_V2))).toBe('0dede3def700a6db819381be6e269dcbf9bd2ed9');
    const copy = initialSalt(QUIC_V1);
    copy[0] = 0;
    expect(INITIAL_SALT_V1[0]).toBe(0x38);
    expect(INITIAL_SALT_V2[0]).toBe(0x0d);
    expect(() => initialSalt(0xff00001d as QuicVersion)).toThrow(RangeError);
  });

  it('RFC 9001 §5.2: client and server secrets are 32 bytes, distinct, and depend on the DCID and the version', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 20 }), (a, b) => {
        const sa = deriveInitialSecrets(node, QUIC_V1, a);
        expect(sa.client.length).toBe(32);
        expect(sa.server.length).toBe(32);
        expect(toHex(sa.client)).not.toBe(toHex(sa.server));
        expect(toHex(deriveInitialSecrets(node, QUIC_V2, a).client)).not.toBe(toHex(sa.client));
        if (toHex(a) !== toHex(b)) expect(toHex(deriveInitialSecrets(node, QUIC_V1, b).client)).not.toBe(toHex(sa.client));
      }),
      { numRuns: 30 },
    );
  });

  it('RFC 9001 §5.2: a zero-length Destination Connection ID still yields working Initial keys', () => {
    const keys = deriveInitialKeys(node, QUIC_V1, new Uint8Array(0));
    expect(keys.client.suite).toBe(INITIAL_SUITE);
    const buf = new Uint8Array(64);
    buf[0] = 0xc0; // Initial, 1-byte packet number
    protectPacket(keys.client, buf, 20, 1, 0, 48);
    // The server derives the same client keys from the same DCID.
    const server = deriveInitialKeys(node, QUIC_V1, new Uint8Array(0));
    expect(unprotectPacket(server.client, buf, 20, 64, -1)?.packetNumber).toBe(0);
    expect(unprotectPacket(server.server, buf.slice(), 20, 64, -1)).toBeNull();
  });
});
