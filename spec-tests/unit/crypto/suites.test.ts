/** Unit tests of the cipher suite table (src/crypto/suites.ts). */
import { describe, expect, it } from 'vitest';
import { aeadKeyLength, hashLength, headerProtectionKeyLength } from '../../../src/crypto/provider.js';
import {
  CIPHER_SUITES,
  CipherSuite,
  INITIAL_SUITE,
  TLS_AES_128_GCM_SHA256,
  TLS_AES_256_GCM_SHA384,
  TLS_CHACHA20_POLY1305_SHA256,
  cipherSuiteById,
} from '../../../src/crypto/suites.js';

describe('RFC 9001 §5.3: cipher suites', () => {
  it('RFC 8446 §B.4: code points 0x1301, 0x1302, 0x1303 map to their AEAD and hash', () => {
    expect(cipherSuiteById(0x1301)).toBe(TLS_AES_128_GCM_SHA256);
    expect(cipherSuiteById(0x1302)).toBe(TLS_AES_256_GCM_SHA384);
    expect(cipherSuiteById(0x1303)).toBe(TLS_CHACHA20_POLY1305_SHA256);
    expect([TLS_AES_128_GCM_SHA256.aead, TLS_AES_128_GCM_SHA256.hash]).toEqual(['aes-128-gcm', 'sha256']);
    expect([TLS_AES_256_GCM_SHA384.aead, TLS_AES_256_GCM_SHA384.hash]).toEqual(['aes-256-gcm', 'sha384']);
    expect([TLS_CHACHA20_POLY1305_SHA256.aead, TLS_CHACHA20_POLY1305_SHA256.hash]).toEqual(['chacha20-poly1305', 'sha256']);
  });

  it('RFC 9001 §5.3: CCM suites (0x1304, 0x1305) and unknown code points are not offered', () => {
    expect(cipherSuiteById(0x1304)).toBeUndefined();
    expect(cipherSuiteById(0x1305)).toBeUndefined();
    expect(cipherSuiteById(0)).toBeUndefined();
  });

  it('RFC 9001 §5.4.3, §5.4.4: header protection follows the AEAD (AES-ECB of the key size, or ChaCha20)', () => {
    expect(TLS_AES_128_GCM_SHA256.hp).toBe('aes-128-ecb');
    expect(TLS_AES_256_GCM_SHA384.hp).toBe('aes-256-ecb');
    expect(TLS_CHACHA20_POLY1305_SHA256.hp).toBe('chacha20');
  });

  it('RFC 9001 §5.1: key, IV, HP key and hash lengths agree with the algorithms', () => {
    for (const s of CIPHER_SUITES) {
      expect(s.keyLength).toBe(aeadKeyLength(s.aead));
      expect(s.hpKeyLength).toBe(headerProtectionKeyLength(s.hp));
      expect(s.hashLength).toBe(hashLength(s.hash));
      expect(s.ivLength).toBe(12);
      expect(CipherSuite[s.name]).toBe(s.id);
      expect(cipherSuiteById(s.id)).toBe(s);
    }
    expect(CIPHER_SUITES).toHaveLength(3);
  });

  it('RFC 9001 §5.2: Initial packets use TLS_AES_128_GCM_SHA256', () => {
    expect(INITIAL_SUITE).toBe(TLS_AES_128_GCM_SHA256);
  });
});
