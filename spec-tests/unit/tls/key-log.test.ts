/** Unit tests of src/tls/key-log.ts (NSS SSLKEYLOGFILE format for TLS 1.3). */
import { describe, expect, it } from 'vitest';
import { KEY_LOG_LABELS, keyLogLine } from '../../../src/tls/key-log.js';
import { fromHex } from '../../../src/util/bytes.js';

describe('NSS key log format (SSLKEYLOGFILE)', () => {
  it('NSS key log: a line is "<label> <client random hex> <secret hex>" in lower case', () => {
    // RFC 8448 §3: ClientHello.random and client_handshake_traffic_secret.
    const clientRandom = fromHex('cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7');
    const secret = fromHex('b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21');
    expect(keyLogLine('CLIENT_HANDSHAKE_TRAFFIC_SECRET', clientRandom, secret)).toBe(
      'CLIENT_HANDSHAKE_TRAFFIC_SECRET cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7 ' +
        'b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21',
    );
  });

  it('NSS key log: every TLS 1.3 label is accepted and SHA-384 secrets print 96 hex digits', () => {
    expect([...KEY_LOG_LABELS].sort()).toEqual(
      [
        'CLIENT_EARLY_TRAFFIC_SECRET',
        'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
        'SERVER_HANDSHAKE_TRAFFIC_SECRET',
        'CLIENT_TRAFFIC_SECRET_0',
        'SERVER_TRAFFIC_SECRET_0',
        'EXPORTER_SECRET',
        'EARLY_EXPORTER_SECRET',
      ].sort(),
    );
    for (const label of KEY_LOG_LABELS) {
      const line = keyLogLine(label, new Uint8Array(32).fill(0xab), new Uint8Array(48).fill(0x0f));
      expect(line).toBe(`${label} ${'ab'.repeat(32)} ${'0f'.repeat(48)}`);
    }
  });

  it('RFC 8446 §4.1.2: the client random must be 32 bytes', () => {
    expect(() => keyLogLine('EXPORTER_SECRET', new Uint8Array(31), new Uint8Array(32))).toThrow(RangeError);
    expect(() => keyLogLine('EXPORTER_SECRET', new Uint8Array(33), new Uint8Array(32))).toThrow(RangeError);
  });
});
