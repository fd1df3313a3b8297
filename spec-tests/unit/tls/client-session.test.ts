import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nodeCryptoProvider } from '../../../src/crypto/node-provider.js';
import { TlsAlert } from '../../../src/tls/alerts.js';
import { TlsClientSession } from '../../../src/tls/client-session.js';
import type { EncryptedExtensionsExtension, HelloRetryRequestExtension, ServerHelloExtension } from '../../../src/tls/extension-types.js';
import { getExtension } from '../../../src/tls/extension-types.js';
import { decodeHandshakeMessage, serializeHandshakeMessage, type HandshakeMessage } from '../../../src/tls/messages.js';
import { TlsServerSession } from '../../../src/tls/server-session.js';
import type { TlsClientConfig, TlsEvent, TlsServerConfig } from '../../../src/tls/session-types.js';
import { concatBytes } from '../../../src/util/bytes.js';
import { SeededRandom } from '../../../src/util/random.js';
import { certifiedKey, testPki, TLS_TEST_NOW } from '../../helpers/tls-certs.js';
import { findEvent, runHandshake, type PairOptions } from '../../helpers/tls-pair.js';

const NOW = TLS_TEST_NOW;
const provider = nodeCryptoProvider;
const pki = testPki();

function clientConfig(over: Partial<TlsClientConfig> = {}): TlsClientConfig {
  return {
    provider, random: new SeededRandom(3), transportParameters: Uint8Array.of(1), serverName: 'localhost', alpnProtocols: ['h3'],
    verification: { mode: 'chain', trustAnchors: [pki.ca.certificateDer] }, ...over,
  };
}

function serverConfig(over: Partial<TlsServerConfig> = {}): TlsServerConfig {
  return {
    provider, random: new SeededRandom(4), transportParameters: Uint8Array.of(2), alpnProtocols: ['h3'],
    certificate: certifiedKey(pki.leaves['ecdsa-p256'], provider), ...over,
  };
}

function drain(c: TlsClientSession): TlsEvent[] {
  const out: TlsEvent[] = [];
  for (let e = c.pollEvent(); e !== undefined; e = c.pollEvent()) out.push(e);
  return out;
}

function alertOf(f: () => void): TlsAlert {
  try {
    f();
  } catch (e) {
    if (e instanceof TlsAlert) return e;
    throw e;
  }
  throw new Error('no alert raised');
}

function started(over: Partial<TlsClientConfig> = {}): TlsClientSession {
  const c = new TlsClientSession(clientConfig(over));
  c.start(NOW);
  drain(c);
  return c;
}

const SV: ServerHelloExtension = { type: 'supported_versions', selectedVersion: 0x0304 };
const X25519_SHARE: ServerHelloExtension = { type: 'key_share', share: { group: 0x1d, keyExchange: new Uint8Array(32).fill(9) } };

function serverHello(extensions: readonly ServerHelloExtension[], over: { cipherSuite?: number; legacySessionIdEcho?: Uint8Array; legacyVersion?: number } = {}): Uint8Array {
  return serializeHandshakeMessage({
    msgType: 'server_hello', legacyVersion: over.legacyVersion ?? 0x0303, random: new Uint8Array(32).fill(1),
    legacySessionIdEcho: over.legacySessionIdEcho ?? new Uint8Array(0), cipherSuite: over.cipherSuite ?? 0x1301, legacyCompressionMethod: 0, extensions,
  });
}

function retryRequest(extensions: readonly HelloRetryRequestExtension[], cipherSuite = 0x1301): Uint8Array {
  return serializeHandshakeMessage({
    msgType: 'hello_retry_request', legacyVersion: 0x0303, legacySessionIdEcho: new Uint8Array(0), cipherSuite, legacyCompressionMethod: 0,
    extensions: [{ type: 'supported_versions', selectedVersion: 0x0304 }, ...extensions],
  });
}

/** Rewrites every handshake message of the chunk through `f` (undefined drops nothing, returns the message). */
function rewrite(data: Uint8Array, f: (m: HandshakeMessage) => HandshakeMessage | Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let at = 0; at + 4 <= data.length; ) {
    const length = (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!;
    const raw = data.subarray(at, at + 4 + length);
    const m = decodeHandshakeMessage(raw[0]!, raw.subarray(4), { finishedLength: 32 });
    const out = f(m);
    parts.push(out instanceof Uint8Array ? out : serializeHandshakeMessage(out));
    at += 4 + length;
  }
  return concatBytes(...parts);
}

function withEncryptedExtensions(f: (e: readonly EncryptedExtensionsExtension[]) => EncryptedExtensionsExtension[]): PairOptions['tamper'] {
  return (from, level, data) =>
    from === 'server' && level === 'handshake' ? rewrite(data, (m) => (m.msgType === 'encrypted_extensions' ? { ...m, extensions: f(m.extensions) } : m)) : data;
}

async function pair(client: Partial<TlsClientConfig> = {}, tamper?: PairOptions['tamper']) {
  const c = new TlsClientSession(clientConfig(client));
  const r = await runHandshake(c, new TlsServerSession(serverConfig()), { wallMs: NOW, provider, ...(tamper === undefined ? {} : { tamper }) });
  return { c, r };
}

describe('RFC 8446 §4.1.3: the client checks the ServerHello', () => {
  const cases: [string, Uint8Array, string][] = [
    ['a version other than TLS 1.3', serverHello([{ type: 'supported_versions', selectedVersion: 0x0303 }, X25519_SHARE]), 'illegal_parameter'],
    ['no supported_versions (an older TLS)', serverHello([X25519_SHARE]), 'protocol_version'],
    ['a legacy_session_id_echo that was not sent', serverHello([SV, X25519_SHARE], { legacySessionIdEcho: Uint8Array.of(1) }), 'illegal_parameter'],
    ['a cipher suite that was not offered', serverHello([SV, X25519_SHARE], { cipherSuite: 0x1304 }), 'illegal_parameter'],
    ['a key share in a group that was not offered', serverHello([SV, { type: 'key_share', share: { group: 0x17, keyExchange: new Uint8Array(65) } }]), 'illegal_parameter'],
    ['no key_share', serverHello([SV]), 'missing_extension'],
    ['a pre_shared_key that was not offered', serverHello([SV, X25519_SHARE, { type: 'pre_shared_key', selectedIdentity: 0 }]), 'unsupported_extension'],
    ['an extension that was not offered', serverHello([SV, X25519_SHARE, { type: 'opaque', code: 0xfafa, data: new Uint8Array(0) }]), 'unsupported_extension'],
  ];
  for (const [what, sh, alert] of cases) {
    it(`RFC 8446 §4.1.3: ${what}: ${alert}`, () => {
      const c = started();
      expect(alertOf(() => c.handleCryptoData(NOW, 'initial', sh)).alertName).toBe(alert);
    });
  }

  it('RFC 9001 §4.1.3: a ServerHello at the handshake level: unexpected_message', () => {
    const c = started();
    expect(alertOf(() => c.handleCryptoData(NOW, 'handshake', serverHello([SV, X25519_SHARE]))).alertName).toBe('unexpected_message');
  });

  it('RFC 9001 §4.8: after an alert every later call throws the same alert', () => {
    const c = started();
    const first = alertOf(() => c.handleCryptoData(NOW, 'initial', serverHello([SV])));
    expect(alertOf(() => c.handleCryptoData(NOW, 'initial', serverHello([SV, X25519_SHARE])))).toBe(first);
    expect(alertOf(() => c.start(NOW))).toBe(first);
  });
});

describe('RFC 8446 §4.1.4: the client answers one HelloRetryRequest', () => {
  it('RFC 8446 §4.1.4: ClientHello2 keeps the random, sends a secp256r1 share and echoes the cookie', () => {
    const c = new TlsClientSession(clientConfig());
    c.start(NOW);
    const ch1 = drain(c)[0];
    c.handleCryptoData(NOW, 'initial', retryRequest([{ type: 'key_share', selectedGroup: 0x17 }, { type: 'cookie', cookie: Uint8Array.of(4, 5) }]));
    const events = drain(c);
    expect(events.map((e) => e.type)).toEqual(['crypto_data']);
    const decode = (e: TlsEvent | undefined) => {
      if (e?.type !== 'crypto_data') throw new Error('no crypto_data');
      const m = decodeHandshakeMessage(e.data[0]!, e.data.subarray(4), { finishedLength: 32 });
      if (m.msgType !== 'client_hello') throw new Error('not a ClientHello');
      return m;
    };
    const hello1 = decode(ch1);
    const hello2 = decode(events[0]);
    expect(hello2.random).toEqual(hello1.random);
    expect(getExtension(hello2.extensions, 'key_share')!.shares.map((s) => s.group)).toEqual([0x17]);
    expect(getExtension(hello2.extensions, 'cookie')?.cookie).toEqual(Uint8Array.of(4, 5));
  });

  it('RFC 8446 §4.1.4: a second HelloRetryRequest: unexpected_message', () => {
    const c = started();
    c.handleCryptoData(NOW, 'initial', retryRequest([{ type: 'key_share', selectedGroup: 0x17 }]));
    expect(alertOf(() => c.handleCryptoData(NOW, 'initial', retryRequest([{ type: 'cookie', cookie: Uint8Array.of(1) }]))).alertName).toBe('unexpected_message');
  });

  it('RFC 8446 §4.2.8: a HelloRetryRequest for the group already shared, or for a group not offered: illegal_parameter', () => {
    expect(alertOf(() => started().handleCryptoData(NOW, 'initial', retryRequest([{ type: 'key_share', selectedGroup: 0x1d }]))).alertName).toBe('illegal_parameter');
    expect(alertOf(() => started().handleCryptoData(NOW, 'initial', retryRequest([{ type: 'key_share', selectedGroup: 0x18 }]))).alertName).toBe('illegal_parameter');
  });

  it('RFC 8446 §4.1.4: a HelloRetryRequest that would not change the ClientHello: illegal_parameter', () => {
    expect(alertOf(() => started().handleCryptoData(NOW, 'initial', retryRequest([]))).alertName).toBe('illegal_parameter');
  });

  it('RFC 8446 §4.1.4: a ServerHello whose cipher suite differs from the HelloRetryRequest: illegal_parameter', () => {
    const c = started();
    c.handleCryptoData(NOW, 'initial', retryRequest([{ type: 'key_share', selectedGroup: 0x17 }]));
    const sh = serverHello([SV, { type: 'key_share', share: { group: 0x17, keyExchange: new Uint8Array(65) } }], { cipherSuite: 0x1302 });
    expect(alertOf(() => c.handleCryptoData(NOW, 'initial', sh)).alertName).toBe('illegal_parameter');
  });
});

describe('RFC 9001 §8: the client checks EncryptedExtensions', () => {
  it('RFC 9001 §8.1: EncryptedExtensions without ALPN: no_application_protocol', async () => {
    const { r } = await pair({}, withEncryptedExtensions((e) => e.filter((x) => x.type !== 'application_layer_protocol_negotiation')));
    expect(r.client.alert?.alertName).toBe('no_application_protocol');
  });

  it('RFC 7301 §3.2: an ALPN protocol that was not offered: illegal_parameter', async () => {
    const { r } = await pair({}, withEncryptedExtensions((e) => e.map((x) => (x.type === 'application_layer_protocol_negotiation' ? { ...x, protocols: [Uint8Array.of(0x68, 0x32)] } : x))));
    expect(r.client.alert?.alertName).toBe('illegal_parameter');
  });

  it('RFC 9001 §8.2: EncryptedExtensions without quic_transport_parameters: missing_extension', async () => {
    const { r } = await pair({}, withEncryptedExtensions((e) => e.filter((x) => x.type !== 'quic_transport_parameters')));
    expect(r.client.alert?.alertName).toBe('missing_extension');
  });

  it('RFC 8446 §4.2.10: early_data in EncryptedExtensions without an offer: unsupported_extension', async () => {
    const { r } = await pair({}, withEncryptedExtensions((e) => [...e, { type: 'early_data' }]));
    expect(r.client.alert?.alertName).toBe('unsupported_extension');
  });

  it('RFC 9001 §8.3: EndOfEarlyData from the server: unexpected_message', async () => {
    const eoed = serializeHandshakeMessage({ msgType: 'end_of_early_data' });
    const { r } = await pair({}, (from, level, data) => (from === 'server' && level === 'handshake' ? concatBytes(eoed, data) : data));
    expect(r.client.alert?.alertName).toBe('unexpected_message');
  });

  it('RFC 8446 §4.4.3: a CertificateVerify scheme that was not offered: illegal_parameter', async () => {
    const { r } = await pair({ signatureSchemes: ['ecdsa_secp256r1_sha256'] }, (from, level, data) =>
      from === 'server' && level === 'handshake' ? rewrite(data, (m) => (m.msgType === 'certificate_verify' ? { ...m, algorithm: 0x0807 } : m)) : data);
    expect(r.client.alert?.alertName).toBe('illegal_parameter');
  });
});

describe('RFC 8446 §4.6: after the handshake', () => {
  it('RFC 9001 §6: a TLS KeyUpdate: unexpected_message', async () => {
    const { c, r } = await pair();
    expect(findEvent(r.client, 'handshake_complete')).toBeDefined();
    expect(c.isHandshakeComplete).toBe(true);
    const ku = serializeHandshakeMessage({ msgType: 'key_update', requestUpdate: 0 });
    expect(alertOf(() => c.handleCryptoData(NOW, 'application', ku)).alertName).toBe('unexpected_message');
  });

  it('RFC 8446 §4.6.1: a ticket lifetime over 7 days: illegal_parameter; within: a session_ticket event', async () => {
    const nst = (lifetime: number) => serializeHandshakeMessage({
      msgType: 'new_session_ticket', ticketLifetime: lifetime, ticketAgeAdd: 5, ticketNonce: Uint8Array.of(1), ticket: Uint8Array.of(9, 9), extensions: [{ type: 'early_data', maxEarlyDataSize: 0xffffffff }],
    });
    const { c } = await pair();
    drain(c);
    c.handleCryptoData(NOW + 5, 'application', nst(604800));
    const ev = drain(c);
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ type: 'session_ticket', ticket: { ageAdd: 5, receivedAtMs: NOW + 5, lifetimeMs: 604_800_000, maxEarlyData: 0xffffffff, alpn: 'h3', serverName: 'localhost' } });
    c.handleCryptoData(NOW, 'application', nst(0));
    expect(drain(c)).toEqual([]);
    expect(alertOf(() => c.handleCryptoData(NOW, 'application', nst(604801))).alertName).toBe('illegal_parameter');
  });

  it('RFC 8446 §4.4.2.4: in chain mode the handshake waits for completeCertificateVerification; a failure result sends its alert', () => {
    const c = new TlsClientSession(clientConfig());
    const s = new TlsServerSession(serverConfig());
    c.start(NOW);
    const move = (from: { pollEvent(): TlsEvent | undefined }, to: { handleCryptoData(w: number, l: 'initial' | 'handshake' | 'application', d: Uint8Array): void }): TlsEvent[] => {
      const evs: TlsEvent[] = [];
      for (let e = from.pollEvent(); e !== undefined; e = from.pollEvent()) {
        evs.push(e);
        if (e.type === 'crypto_data') to.handleCryptoData(NOW, e.level, e.data);
      }
      return evs;
    };
    move(c, s);
    move(s, c);
    const evs = drain(c);
    expect(evs.map((e) => e.type)).toContain('verify_certificate');
    expect(evs.map((e) => e.type)).not.toContain('handshake_complete');
    expect(c.isHandshakeComplete).toBe(false);
    expect(alertOf(() => c.completeCertificateVerification(NOW, { ok: false, alert: 'certificate_expired', reason: 'test' })).alertName).toBe('certificate_expired');
  });
});

describe('RFC 8446 §6.2: malformed input only ever raises TlsAlert', () => {
  it('RFC 8446 §6.2: arbitrary bytes at any level raise TlsAlert or are buffered, never another error', () => {
    fc.assert(
      fc.property(fc.constantFrom('initial', 'handshake', 'application') as fc.Arbitrary<'initial' | 'handshake' | 'application'>, fc.uint8Array({ maxLength: 300 }), (level, bytes) => {
        const c = started();
        try {
          c.handleCryptoData(NOW, level, bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(TlsAlert);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('RFC 8446 §6.2: a ServerHello with a mutated byte raises TlsAlert or proceeds, never another error', () => {
    const sh = serverHello([SV, X25519_SHARE]);
    fc.assert(
      fc.property(fc.nat({ max: sh.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const c = started();
        const m = sh.slice();
        m[at]! ^= x;
        try {
          c.handleCryptoData(NOW, 'initial', m);
        } catch (e) {
          expect(e).toBeInstanceOf(TlsAlert);
        }
      }),
      { numRuns: 200 },
    );
  });
});
