import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from '../../../src/crypto/node-provider.js';
import { CipherSuite } from '../../../src/crypto/suites.js';
import { TlsClientSession } from '../../../src/tls/client-session.js';
import { getExtension } from '../../../src/tls/extension-types.js';
import type { ClientHello } from '../../../src/tls/hello-messages.js';
import { KeySchedule } from '../../../src/tls/key-schedule.js';
import { decodeHandshakeMessage } from '../../../src/tls/messages.js';
import type { SessionTicket, TlsClientConfig, TlsEvent } from '../../../src/tls/session-types.js';
import { truncateClientHello } from '../../../src/tls/transcript.js';
import { SeededRandom } from '../../../src/util/random.js';

const NOW = Date.UTC(2026, 0, 1);
const provider = nodeCryptoProvider;

function config(over: Partial<TlsClientConfig> = {}): TlsClientConfig {
  return {
    provider, random: new SeededRandom(9), transportParameters: Uint8Array.of(1, 2), serverName: 'example.test',
    alpnProtocols: ['h3', 'hq-interop'], verification: { mode: 'DANGEROUS_SKIP_VERIFICATION' }, ...over,
  };
}

function ticket(over: Partial<SessionTicket> = {}): SessionTicket {
  return {
    ticket: Uint8Array.of(7, 7, 7), psk: new Uint8Array(32).fill(5), suite: CipherSuite.TLS_AES_128_GCM_SHA256, ageAdd: 0xfffffff0,
    receivedAtMs: NOW - 100, lifetimeMs: 86_400_000, maxEarlyData: 0xffffffff, alpn: 'h3', serverName: 'example.test',
    transportParameters: Uint8Array.of(3), ...over,
  };
}

function start(over: Partial<TlsClientConfig> = {}): { raw: Uint8Array; hello: ClientHello; events: TlsEvent[] } {
  const c = new TlsClientSession(config(over));
  c.start(NOW);
  const events: TlsEvent[] = [];
  for (let e = c.pollEvent(); e !== undefined; e = c.pollEvent()) events.push(e);
  const first = events[0];
  if (first?.type !== 'crypto_data') throw new Error('no ClientHello');
  const m = decodeHandshakeMessage(first.data[0]!, first.data.subarray(4), { finishedLength: 32 });
  if (m.msgType !== 'client_hello') throw new Error('not a ClientHello');
  return { raw: first.data, hello: m, events };
}

describe('RFC 8446 §4.1.2: the client ClientHello', () => {
  it('RFC 8446 §4.1.2: legacy fields, one key share for the first group, all groups, ALPN and transport parameters', () => {
    const { hello, events } = start({ groups: ['secp256r1', 'x25519'] });
    expect(events.map((e) => e.type)).toEqual(['crypto_data']);
    expect(hello.legacyVersion).toBe(0x0303);
    expect(hello.random).toHaveLength(32);
    // RFC 9001 §8.4: no legacy session ID.
    expect(hello.legacySessionId).toHaveLength(0);
    expect(Array.from(hello.legacyCompressionMethods)).toEqual([0]);
    expect(hello.cipherSuites).toEqual([0x1301, 0x1302, 0x1303]);
    expect(getExtension(hello.extensions, 'supported_versions')?.versions).toEqual([0x0304]);
    expect(getExtension(hello.extensions, 'supported_groups')?.groups).toEqual([0x17, 0x1d]);
    const shares = getExtension(hello.extensions, 'key_share')!.shares;
    expect(shares.map((s) => s.group)).toEqual([0x17]);
    expect(shares[0]!.keyExchange).toHaveLength(65);
    expect(getExtension(hello.extensions, 'application_layer_protocol_negotiation')!.protocols.map((p) => new TextDecoder().decode(p))).toEqual(['h3', 'hq-interop']);
    expect(getExtension(hello.extensions, 'quic_transport_parameters')?.data).toEqual(Uint8Array.of(1, 2));
    expect(getExtension(hello.extensions, 'server_name')?.serverNames).toEqual([{ nameType: 0, name: 'example.test' }]);
    expect(getExtension(hello.extensions, 'pre_shared_key')).toBeUndefined();
    expect(getExtension(hello.extensions, 'early_data')).toBeUndefined();
  });

  it('RFC 8446 §4.2.9: a ClientHello without a ticket still lists psk_dhe_ke, so the server may issue resumable tickets', () => {
    // quic-go 0.29 (Go crypto/tls) only derives the resumption secret when the first ClientHello
    // lists psk_dhe_ke; without it its tickets carry an empty secret and never resume.
    const { hello } = start({ groups: ['x25519'] });
    expect(getExtension(hello.extensions, 'pre_shared_key')).toBeUndefined();
    expect(getExtension(hello.extensions, 'psk_key_exchange_modes')?.modes).toEqual([1]);
  });

  it('RFC 6066 §3: an IP address is not sent as server_name', () => {
    const { hello } = start({ serverName: '127.0.0.1' });
    expect(getExtension(hello.extensions, 'server_name')).toBeUndefined();
  });

  it('RFC 8446 §4.2.11: a ticket is offered last, with the obfuscated age (mod 2^32) and a binder over the truncated ClientHello', () => {
    const t = ticket();
    const { raw, hello } = start({ sessionTicket: t });
    const last = hello.extensions[hello.extensions.length - 1]!;
    expect(last.type).toBe('pre_shared_key');
    if (last.type !== 'pre_shared_key' || !('identities' in last)) throw new Error('unreachable');
    expect(last.identities).toEqual([{ identity: t.ticket, obfuscatedTicketAge: (100 + 0xfffffff0) % 2 ** 32 }]);
    expect(getExtension(hello.extensions, 'psk_key_exchange_modes')?.modes).toEqual([1]);
    const ks = new KeySchedule(provider, 'sha256');
    ks.early(t.psk);
    const expected = ks.finishedVerifyData(ks.binderKey('resumption'), provider.hash('sha256', truncateClientHello(raw, 35)));
    expect(last.binders).toEqual([expected]);
  });

  it('RFC 9001 §4.6.1: 0-RTT offered with a 0xffffffff ticket emits the early write secret right after the ClientHello', () => {
    const t = ticket();
    const { raw, hello, events } = start({ sessionTicket: t, enableEarlyData: true });
    expect(getExtension(hello.extensions, 'early_data')).toBeDefined();
    expect(events.map((e) => e.type)).toEqual(['crypto_data', 'secret', 'key_log']);
    const ks = new KeySchedule(provider, 'sha256');
    ks.early(t.psk);
    expect(events[1]).toMatchObject({ type: 'secret', level: 'early', direction: 'write', secret: ks.clientEarlyTrafficSecret(provider.hash('sha256', raw)) });
  });

  it('RFC 9001 §4.6.1: no early_data with a ticket whose max_early_data_size is not 0xffffffff, or whose ALPN we no longer offer', () => {
    for (const t of [ticket({ maxEarlyData: 0 }), ticket({ maxEarlyData: 16384 }), ticket({ alpn: 'other' })]) {
      const { hello, events } = start({ sessionTicket: t, enableEarlyData: true });
      expect(getExtension(hello.extensions, 'early_data')).toBeUndefined();
      expect(getExtension(hello.extensions, 'pre_shared_key')).toBeDefined();
      expect(events.map((e) => e.type)).toEqual(['crypto_data']);
    }
  });

  it('RFC 8446 §4.6.1: an expired ticket, one for another server name, or one of a suite not offered is not offered', () => {
    const cases: [SessionTicket, Partial<TlsClientConfig>][] = [
      [ticket({ receivedAtMs: NOW - 86_400_001 }), {}],
      [ticket({ serverName: 'other.test' }), {}],
      [ticket({ suite: CipherSuite.TLS_AES_256_GCM_SHA384 }), { cipherSuites: [CipherSuite.TLS_AES_128_GCM_SHA256] }],
    ];
    for (const [t, over] of cases) {
      const { hello } = start({ sessionTicket: t, ...over });
      expect(getExtension(hello.extensions, 'pre_shared_key')).toBeUndefined();
    }
  });

  it('RFC 8446 §4.2.11: a SHA-384 ticket gets a 48-byte binder', () => {
    const { hello } = start({ sessionTicket: ticket({ suite: CipherSuite.TLS_AES_256_GCM_SHA384, psk: new Uint8Array(48).fill(1) }) });
    const psk = getExtension(hello.extensions, 'pre_shared_key');
    expect(psk !== undefined && 'binders' in psk ? psk.binders[0] : undefined).toHaveLength(48);
  });
});
