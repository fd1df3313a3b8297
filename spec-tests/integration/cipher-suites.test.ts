/**
 * Cipher suite selection through the public API (RFC 8446 §4.1.1, RFC 9001 §5.3): the interop
 * runner's chacha20 case, where both sides restrict themselves to TLS_CHACHA20_POLY1305_SHA256.
 */
import { describe, expect, it } from 'vitest';
import { CipherSuite } from '../../src/crypto/suites.js';
import { QuicError } from '../../src/node.js';
import { payload, startFixture, within } from './helpers.js';

describe('RFC 9001 §5.3: cipher suites chosen through the API', () => {
  it('RFC 9001 §5.3: a client and a server restricted to ChaCha20-Poly1305 echo 64 KB', async () => {
    const f = await startFixture('127.0.0.1', { cipherSuites: [CipherSuite.TLS_CHACHA20_POLY1305_SHA256] });
    try {
      const serverSide = (async () => {
        const conn = await f.server.accept();
        const s = await conn.acceptBiStream();
        await s.writeAll(await s.readAll());
      })();
      const client = await f.connectClient({ cipherSuites: [CipherSuite.TLS_CHACHA20_POLY1305_SHA256] });
      const data = payload(64 * 1024);
      const s = await client.openBiStream();
      const [, echoed] = await within(Promise.all([s.writeAll(data), s.readAll()]), 10_000, 'echo');
      await serverSide;
      expect(Buffer.from(echoed).equals(Buffer.from(data))).toBe(true);
    } finally {
      await f.close();
    }
  });

  it('RFC 8446 §4.1.1: no common cipher suite fails the handshake (CRYPTO_ERROR 0x100 + handshake_failure 40)', async () => {
    const f = await startFixture('127.0.0.1', { cipherSuites: [CipherSuite.TLS_CHACHA20_POLY1305_SHA256] });
    try {
      const err = await within(f.connectClient({ cipherSuites: [CipherSuite.TLS_AES_128_GCM_SHA256] }).catch((e: unknown) => e), 8000, 'connect');
      expect(err).toBeInstanceOf(QuicError);
      expect(err).toMatchObject({ code: 'ERR_QUIC_HANDSHAKE', wireCode: 0x100 + 40 });
    } finally {
      await f.close();
    }
  });

  it('DESIGN §5: an unknown cipher suite is refused with ERR_QUIC_INVALID_ARGUMENT', async () => {
    const f = await startFixture('127.0.0.1');
    try {
      const err = await f.connectClient({ cipherSuites: [0x1304 as never] }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_QUIC_INVALID_ARGUMENT' });
    } finally {
      await f.close();
    }
  });
});
