/** Unit tests of key update and AEAD usage limits (src/crypto/key-update.ts). */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/util/bytes.js';
import { QUIC_V1, QUIC_V2 } from '../../../src/wire/version.js';
import {
  AES_GCM_LIMITS,
  CHACHA20_POLY1305_LIMITS,
  aeadLimits,
  nextTrafficSecret,
  updatePacketKeys,
} from '../../../src/crypto/key-update.js';
import { derivePacketKeyMaterial, derivePacketKeys, protectPacket, unprotectPacket } from '../../../src/crypto/packet-protection.js';
import { CIPHER_SUITES, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256 } from '../../../src/crypto/suites.js';
import type { AeadAlgorithm } from '../../../src/crypto/provider.js';
import { REAL_PROVIDERS } from '../../helpers/providers.js';

const A5_SECRET = fromHex('9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b');

describe.each(REAL_PROVIDERS)('RFC 9001 §6.1: key update ($name)', ({ name, provider }) => {
  it(`RFC 9001 §6.1 (Appendix A.5): the next secret is HKDF-Expand-Label(secret, "quic ku", "", 32) (${name})`, () => {
    const keys = derivePacketKeys(provider, TLS_CHACHA20_POLY1305_SHA256, A5_SECRET, QUIC_V1);
    const next = updatePacketKeys(provider, keys);
    expect(toHex(next.secret)).toBe('1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9');
  });

  it(`RFC 9369 §3.3.2 (Appendix A.5): QUIC v2 updates with "quicv2 ku" (${name})`, () => {
    const keys = derivePacketKeys(provider, TLS_CHACHA20_POLY1305_SHA256, A5_SECRET, QUIC_V2);
    expect(toHex(updatePacketKeys(provider, keys).secret)).toBe('c69374c49e3d2a9466fa689e49d476db5d0dfbc87d32ceeaa6343fd0ae4c7d88');
  });

  it(`RFC 9001 §6.1: the chain secret_<n+1> = ku(secret_<n>) gives new key and IV but keeps the header-protection key (${name})`, () => {
    for (const suite of CIPHER_SUITES) {
      const s0 = new Uint8Array(suite.hashLength).fill(0x17);
      const k0 = derivePacketKeys(provider, suite, s0, QUIC_V1);
      const k1 = updatePacketKeys(provider, k0);
      const k2 = updatePacketKeys(provider, k1);
      const s1 = nextTrafficSecret(provider, suite, QUIC_V1, s0);
      const s2 = nextTrafficSecret(provider, suite, QUIC_V1, s1);
      expect(s1.length).toBe(suite.hashLength);
      expect(toHex(k1.secret)).toBe(toHex(s1));
      expect(toHex(k2.secret)).toBe(toHex(s2));
      expect(k1.hp).toBe(k0.hp);
      expect(k2.hp).toBe(k0.hp);
      const m0 = derivePacketKeyMaterial(provider, suite, s0, QUIC_V1);
      const m1 = derivePacketKeyMaterial(provider, suite, s1, QUIC_V1);
      expect(toHex(m1.key)).not.toBe(toHex(m0.key));
      expect(toHex(k1.iv)).toBe(toHex(m1.iv));
      expect(toHex(k1.iv)).not.toBe(toHex(k0.iv));
      expect(k1.suite).toBe(suite);
      expect(k1.version).toBe(QUIC_V1);
    }
  });

  it(`RFC 9001 §6.2: the peer's updated keys open packets sealed with the updated keys, and the old ones do not (${name})`, () => {
    const suite = TLS_AES_256_GCM_SHA384;
    const secret = new Uint8Array(48).fill(0x33);
    const senderNext = updatePacketKeys(provider, derivePacketKeys(provider, suite, secret, QUIC_V1));
    const receiverOld = derivePacketKeys(provider, suite, secret, QUIC_V1);
    const receiverNext = updatePacketKeys(provider, receiverOld);
    const buf = new Uint8Array(1 + 8 + 2 + 30 + 16);
    buf[0] = 0x41 | 0x04; // short header, Key Phase 1, 2-byte packet number
    protectPacket(senderNext, buf, 9, 2, 1000, buf.length - 16);
    expect(unprotectPacket(receiverOld, buf.slice(), 9, buf.length, 999)).toBeNull();
    const r = unprotectPacket(receiverNext, buf, 9, buf.length, 999);
    expect(r?.packetNumber).toBe(1000);
    expect(r!.firstByte & 0x04).toBe(0x04);
  });
});

describe('RFC 9001 §6.6: AEAD usage limits', () => {
  it('RFC 9001 §6.6: AES-GCM: confidentiality 2^23 packets, integrity 2^52 forgeries', () => {
    expect(AES_GCM_LIMITS).toEqual({ confidentialityLimit: 8_388_608, integrityLimit: 4_503_599_627_370_496 });
    expect(aeadLimits('aes-128-gcm')).toBe(AES_GCM_LIMITS);
    expect(aeadLimits('aes-256-gcm')).toBe(AES_GCM_LIMITS);
  });

  it('RFC 9001 §6.6: ChaCha20-Poly1305: confidentiality beyond 2^62 packets, integrity 2^36 forgeries', () => {
    expect(CHACHA20_POLY1305_LIMITS.confidentialityLimit).toBe(2 ** 62);
    expect(CHACHA20_POLY1305_LIMITS.integrityLimit).toBe(68_719_476_736);
    expect(aeadLimits('chacha20-poly1305')).toBe(CHACHA20_POLY1305_LIMITS);
  });

  it('RFC 9001 §6.6: an AEAD without defined limits is refused', () => {
    expect(() => aeadLimits('aes-128-ccm' as AeadAlgorithm)).toThrow(RangeError);
  });
});
