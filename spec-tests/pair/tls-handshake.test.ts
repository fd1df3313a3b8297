/**
 * TLS 1.3 handshakes between TlsClientSession and TlsServerSession in memory (RFC 8446 §2, §4;
 * RFC 9001 §4, §8), through spec-tests/helpers/tls-pair.ts, which also asserts at every secret that
 * the two sides agree per level and direction.
 */
import { describe, expect, it } from 'vitest';
import type { CryptoProvider, NamedGroup, SignatureScheme } from '../../src/crypto/provider.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { CipherSuite, type CipherSuiteId } from '../../src/crypto/suites.js';
import { TlsClientSession } from '../../src/tls/client-session.js';
import { KEY_LOG_LABELS } from '../../src/tls/key-log.js';
import { TlsServerSession } from '../../src/tls/server-session.js';
import type { CertifiedKey, ServerVerification, SessionTicket, TicketStore, TlsClientConfig, TlsServerConfig } from '../../src/tls/session-types.js';
import { MemoryTicketStore } from '../../src/tls/ticket-store.js';
import { toHex } from '../../src/util/bytes.js';
import { SeededRandom } from '../../src/util/random.js';
import { REAL_PROVIDERS } from '../helpers/providers.js';
import { certifiedKey, testPki, TLS_TEST_NOW, type ServerKeyType } from '../helpers/tls-certs.js';
import { eventsOf, findEvent, runHandshake, type PairResult } from '../helpers/tls-pair.js';

const NOW = TLS_TEST_NOW;
const CLIENT_TP = Uint8Array.of(0x01, 0x02, 0x03);
const SERVER_TP = Uint8Array.of(0x0a, 0x0b);
const pki = testPki();

interface Setup {
  readonly clientProvider?: CryptoProvider;
  readonly serverProvider?: CryptoProvider;
  readonly client?: Partial<TlsClientConfig>;
  readonly server?: Partial<TlsServerConfig>;
  readonly keyType?: ServerKeyType;
  readonly seed?: number;
}

function chainVerification(): ServerVerification {
  return { mode: 'chain', trustAnchors: [pki.ca.certificateDer] };
}

function clientConfig(s: Setup): TlsClientConfig {
  return {
    provider: s.clientProvider ?? nodeCryptoProvider, random: new SeededRandom(s.seed ?? 1), transportParameters: CLIENT_TP,
    serverName: 'localhost', alpnProtocols: ['h3'], verification: chainVerification(), ...s.client,
  };
}

function serverConfig(s: Setup, store?: TicketStore): TlsServerConfig {
  const provider = s.serverProvider ?? nodeCryptoProvider;
  return {
    provider, random: new SeededRandom((s.seed ?? 1) + 1000), transportParameters: SERVER_TP,
    certificate: certifiedKey(pki.leaves[s.keyType ?? 'ecdsa-p256'], provider), alpnProtocols: ['h3'],
    ...(store === undefined ? {} : { tickets: { store } }), ...s.server,
  };
}

async function handshake(s: Setup, store?: TicketStore): Promise<PairResult> {
  const provider = s.clientProvider ?? nodeCryptoProvider;
  return runHandshake(new TlsClientSession(clientConfig(s)), new TlsServerSession(serverConfig(s, store)), { wallMs: NOW, provider });
}

function expectSuccess(r: PairResult): void {
  expect(r.client.alert?.message).toBeUndefined();
  expect(r.server.alert?.message).toBeUndefined();
  expect(findEvent(r.client, 'handshake_complete')).toBeDefined();
  expect(findEvent(r.server, 'handshake_complete')).toBeDefined();
  for (const level of ['handshake', 'application'] as const) {
    expect(toHex(r.client.secrets.get(`${level}/write`)!)).toBe(toHex(r.server.secrets.get(`${level}/read`)!));
    expect(toHex(r.client.secrets.get(`${level}/read`)!)).toBe(toHex(r.server.secrets.get(`${level}/write`)!));
  }
}

const SUITES: readonly [string, CipherSuiteId][] = Object.entries(CipherSuite);
const GROUPS: readonly NamedGroup[] = ['x25519', 'secp256r1'];
const KEY_TYPES: readonly [ServerKeyType, SignatureScheme][] = [
  ['ecdsa-p256', 'ecdsa_secp256r1_sha256'], ['ecdsa-p384', 'ecdsa_secp384r1_sha384'], ['ed25519', 'ed25519'], ['rsa', 'rsa_pss_rsae_sha256'],
];

describe.each(REAL_PROVIDERS)('RFC 8446 §2: full handshakes ($name client)', ({ name, provider }) => {
  for (const [suiteName, suite] of SUITES) {
    for (const group of GROUPS) {
      for (const [keyType] of KEY_TYPES) {
        // noble cannot sign RSA: RSA runs with a node server and the noble client verifying.
        const serverProvider = keyType === 'rsa' ? nodeCryptoProvider : provider;
        it(`RFC 8446 §4.1.1: ${suiteName} with ${group} and a ${keyType} server certificate (${name} client, ${serverProvider.name} server)`, async () => {
          const r = await handshake({
            clientProvider: provider, serverProvider, keyType,
            client: { cipherSuites: [suite], groups: [group] }, server: { cipherSuites: [suite], groups: [group] },
          });
          expectSuccess(r);
          const done = findEvent(r.client, 'handshake_complete')!;
          expect(done).toMatchObject({ alpn: 'h3', resumed: false, earlyData: 'not_offered' });
          expect(done.peerCertificates[0]).toEqual(pki.leaves[keyType].certificateDer);
          expect(findEvent(r.client, 'secret')!.suite.id).toBe(suite);
          expect(findEvent(r.client, 'peer_transport_parameters')!.data).toEqual(SERVER_TP);
          expect(findEvent(r.server, 'peer_transport_parameters')!.data).toEqual(CLIENT_TP);
        });
      }
    }
  }
});

/** Flips the last byte of every handshake message of `type` inside a chunk of CRYPTO data. */
function tamperMessage(data: Uint8Array, type: number): Uint8Array {
  const out = data.slice();
  for (let at = 0; at + 4 <= out.length; ) {
    const length = (out[at + 1]! << 16) | (out[at + 2]! << 8) | out[at + 3]!;
    if (out[at] === type && at + 4 + length <= out.length) out[at + 3 + length]! ^= 1;
    at += 4 + length;
  }
  return out;
}

/** Flips the last byte of every Finished message (type 20). */
const tamperFinished = (data: Uint8Array): Uint8Array => tamperMessage(data, 20);

async function firstTicket(s: Setup, store: TicketStore): Promise<SessionTicket> {
  const r = await handshake(s, store);
  expectSuccess(r);
  const ticket = findEvent(r.client, 'session_ticket')?.ticket;
  expect(ticket).toBeDefined();
  return ticket!;
}

describe.each(REAL_PROVIDERS)('RFC 8446 §4: handshake variants ($name)', ({ provider }) => {
  const base: Setup = { clientProvider: provider, serverProvider: provider };

  it('RFC 9001 §4.1.4: the client emits its events in handshake order', async () => {
    const r = await handshake(base);
    expectSuccess(r);
    const order = r.client.events
      .filter((e) => e.type !== 'session_ticket')
      .map((e) => (e.type === 'crypto_data' ? `crypto_data:${e.level}` : e.type === 'secret' ? `secret:${e.level}:${e.direction}` : e.type));
    expect(order).toEqual([
      'crypto_data:initial',
      'secret:handshake:read', 'secret:handshake:write', 'key_log', 'key_log',
      'peer_transport_parameters', 'verify_certificate',
      'crypto_data:handshake',
      'secret:application:read', 'secret:application:write', 'key_log', 'key_log', 'key_log',
      'handshake_complete',
    ]);
  });

  it('RFC 8446 §4.1.4: a HelloRetryRequest for secp256r1 leads to a completed handshake with agreeing secrets', async () => {
    const r = await handshake({ ...base, client: { groups: ['x25519', 'secp256r1'] }, server: { groups: ['secp256r1'] } });
    expectSuccess(r);
    expect(eventsOf(r.client, 'crypto_data').filter((e) => e.level === 'initial')).toHaveLength(2);
    expect(eventsOf(r.server, 'crypto_data').filter((e) => e.level === 'initial')).toHaveLength(2);
  });

  it('RFC 8446 §2.2: resumption with a ticket skips the certificate (resumed, no peer certificates)', async () => {
    const store = new MemoryTicketStore(provider, new SeededRandom(77));
    const ticket = await firstTicket(base, store);
    expect(ticket).toMatchObject({ alpn: 'h3', serverName: 'localhost', receivedAtMs: NOW, suite: CipherSuite.TLS_AES_128_GCM_SHA256 });
    expect(ticket.transportParameters).toEqual(SERVER_TP);
    const r = await handshake({ ...base, seed: 2, client: { sessionTicket: ticket } }, store);
    expectSuccess(r);
    expect(findEvent(r.client, 'handshake_complete')).toMatchObject({ resumed: true, peerCertificates: [], earlyData: 'not_offered' });
    expect(findEvent(r.client, 'verify_certificate')).toBeUndefined();
  });

  it('RFC 8446 §4.1.4: resumption through a HelloRetryRequest (binder over message_hash, HRR, truncated ClientHello2)', async () => {
    const store = new MemoryTicketStore(provider, new SeededRandom(78));
    const ticket = await firstTicket(base, store);
    const r = await handshake({ ...base, seed: 3, client: { sessionTicket: ticket, groups: ['x25519', 'secp256r1'] }, server: { groups: ['secp256r1'] } }, store);
    expectSuccess(r);
    expect(findEvent(r.client, 'handshake_complete')).toMatchObject({ resumed: true });
  });

  it('RFC 9001 §4.6.1: 0-RTT accepted: the early secrets agree on both sides', async () => {
    const store = new MemoryTicketStore(provider, new SeededRandom(79));
    const ticket = await firstTicket({ ...base, server: { enableEarlyData: true } }, store);
    expect(ticket.maxEarlyData).toBe(0xffffffff);
    const r = await handshake({ ...base, seed: 4, client: { sessionTicket: ticket, enableEarlyData: true }, server: { enableEarlyData: true } }, store);
    expectSuccess(r);
    expect(findEvent(r.client, 'handshake_complete')).toMatchObject({ resumed: true, earlyData: 'accepted' });
    expect(findEvent(r.server, 'handshake_complete')).toMatchObject({ resumed: true, earlyData: 'accepted' });
    expect(r.client.secrets.get('early/write')).toBeDefined();
    expect(toHex(r.client.secrets.get('early/write')!)).toBe(toHex(r.server.secrets.get('early/read')!));
    // RFC 9001 §4.6.1: the early write secret follows the ClientHello at once.
    expect(r.client.events.slice(0, 2).map((e) => e.type)).toEqual(['crypto_data', 'secret']);
  });

  it('RFC 9001 §4.6.2: 0-RTT rejected by a server without early data; the handshake still completes', async () => {
    const store = new MemoryTicketStore(provider, new SeededRandom(80));
    const ticket = await firstTicket({ ...base, server: { enableEarlyData: true } }, store);
    const r = await handshake({ ...base, seed: 5, client: { sessionTicket: ticket, enableEarlyData: true } }, store);
    expectSuccess(r);
    expect(findEvent(r.client, 'handshake_complete')).toMatchObject({ earlyData: 'rejected' });
    expect(r.server.secrets.get('early/read')).toBeUndefined();
  });

  it('RFC 8446 §4.2.10: 0-RTT offered and then a HelloRetryRequest: early data rejected, resumption still succeeds', async () => {
    const store = new MemoryTicketStore(provider, new SeededRandom(83));
    const ticket = await firstTicket({ ...base, server: { enableEarlyData: true } }, store);
    const r = await handshake({
      ...base, seed: 9, client: { sessionTicket: ticket, enableEarlyData: true, groups: ['x25519', 'secp256r1'] }, server: { enableEarlyData: true, groups: ['secp256r1'] },
    }, store);
    expectSuccess(r);
    expect(findEvent(r.client, 'handshake_complete')).toMatchObject({ resumed: true, earlyData: 'rejected' });
    expect(r.server.secrets.get('early/read')).toBeUndefined();
  });

  it('RFC 8446 §8.1: a ticket used twice falls back to a full handshake the second time', async () => {
    const store = new MemoryTicketStore(provider, new SeededRandom(81));
    const ticket = await firstTicket(base, store);
    const once = await handshake({ ...base, seed: 6, client: { sessionTicket: ticket } }, store);
    expectSuccess(once);
    expect(findEvent(once.client, 'handshake_complete')).toMatchObject({ resumed: true });
    const twice = await handshake({ ...base, seed: 7, client: { sessionTicket: ticket } }, store);
    expectSuccess(twice);
    expect(findEvent(twice.client, 'handshake_complete')).toMatchObject({ resumed: false });
    expect(findEvent(twice.client, 'handshake_complete')!.peerCertificates).toHaveLength(1);
  });

  it('RFC 8446 §4.3.2: mutual TLS: the server sees the client certificate', async () => {
    const clientCertificate: CertifiedKey = certifiedKey(pki.client, provider);
    const r = await handshake({
      ...base, client: { clientCertificate }, server: { clientAuthentication: { mode: 'required', trustAnchors: [pki.ca.certificateDer] } },
    });
    expectSuccess(r);
    expect(findEvent(r.server, 'handshake_complete')!.peerCertificates[0]).toEqual(pki.client.certificateDer);
  });

  it('RFC 8446 §4.4.2.4: mutual TLS required and no client certificate: certificate_required', async () => {
    const r = await handshake({ ...base, server: { clientAuthentication: { mode: 'required', trustAnchors: [pki.ca.certificateDer] } } });
    expect(r.server.alert?.alertName).toBe('certificate_required');
  });

  it('RFC 9001 §8.1: no common ALPN: no_application_protocol', async () => {
    const r = await handshake({ ...base, server: { alpnProtocols: ['hq-interop'] } });
    expect(r.server.alert?.alertName).toBe('no_application_protocol');
  });

  it('RFC 8446 §4.4.2.4: a certificate for another name: bad_certificate', async () => {
    const r = await handshake({ ...base, client: { serverName: 'example.com' } });
    expect(r.client.alert?.alertName).toBe('bad_certificate');
  });

  it('RFC 8446 §4.4.2.4: a certificate from an untrusted CA: unknown_ca', async () => {
    const r = await handshake({ ...base, server: { certificate: certifiedKey(pki.untrusted, provider) } });
    expect(r.client.alert?.alertName).toBe('unknown_ca');
  });

  it('RFC 8446 §4.4.2.4: a pinned hash that does not match: the handshake fails', async () => {
    const r = await handshake({ ...base, client: { verification: { mode: 'pinned', sha256: [pki.untrusted.sha256] } } });
    expect(r.client.alert?.alertName).toBe('unknown_ca');
  });

  it('RFC 8446 §4.4.2.4: a pinned hash that matches: success without a trust anchor', async () => {
    const r = await handshake({ ...base, client: { verification: { mode: 'pinned', sha256: [pki.ca.sha256, provider.hash('sha256', pki.leaves['ecdsa-p256'].certificateDer)] } } });
    expectSuccess(r);
  });

  it('RFC 8446 §4.4.2.4: DANGEROUS_SKIP_VERIFICATION accepts an untrusted certificate (CertificateVerify still checked)', async () => {
    const r = await handshake({ ...base, client: { verification: { mode: 'DANGEROUS_SKIP_VERIFICATION' } }, server: { certificate: certifiedKey(pki.untrusted, provider) } });
    expectSuccess(r);
  });

  it('RFC 8446 §4.4.4: a tampered server Finished: decrypt_error', async () => {
    const r = await runHandshake(new TlsClientSession(clientConfig(base)), new TlsServerSession(serverConfig(base)), {
      wallMs: NOW, provider, tamper: (from, level, data) => (from === 'server' && level === 'handshake' ? tamperFinished(data) : data),
    });
    expect(r.client.alert?.alertName).toBe('decrypt_error');
  });

  it('RFC 8446 §4.4.4: a tampered client Finished: the server answers decrypt_error', async () => {
    const r = await runHandshake(new TlsClientSession(clientConfig(base)), new TlsServerSession(serverConfig(base)), {
      wallMs: NOW, provider, tamper: (from, level, data) => (from === 'client' && level === 'handshake' ? tamperFinished(data) : data),
    });
    expect(r.server.alert?.alertName).toBe('decrypt_error');
  });

  it('RFC 8446 §4.4.3: a tampered server CertificateVerify signature: decrypt_error', async () => {
    const r = await runHandshake(new TlsClientSession(clientConfig(base)), new TlsServerSession(serverConfig(base)), {
      wallMs: NOW, provider, tamper: (from, level, data) => (from === 'server' && level === 'handshake' ? tamperMessage(data, 15) : data),
    });
    expect(r.client.alert?.alertName).toBe('decrypt_error');
    // Found at the CertificateVerify itself, not later at Finished (whose transcript also changed).
    expect(r.client.alert?.reason).toMatch(/CertificateVerify/);
  });

  it('RFC 8446 §7.1: key_log lines in SSLKEYLOGFILE format for every secret, matching the secret events', async () => {
    const store = new MemoryTicketStore(provider, new SeededRandom(82));
    const ticket = await firstTicket({ ...base, server: { enableEarlyData: true } }, store);
    const r = await handshake({ ...base, seed: 8, client: { sessionTicket: ticket, enableEarlyData: true }, server: { enableEarlyData: true } }, store);
    expectSuccess(r);
    const lines = eventsOf(r.client, 'key_log').map((e) => e.line);
    const byLabel = new Map(lines.map((l) => [l.split(' ')[0], l]));
    for (const line of lines) expect(line).toMatch(new RegExp(`^(${KEY_LOG_LABELS.join('|')}) [0-9a-f]{64} [0-9a-f]{64,96}$`));
    const secretOf = (label: string): string | undefined => byLabel.get(label)?.split(' ')[2];
    expect(secretOf('CLIENT_EARLY_TRAFFIC_SECRET')).toBe(toHex(r.client.secrets.get('early/write')!));
    expect(secretOf('CLIENT_HANDSHAKE_TRAFFIC_SECRET')).toBe(toHex(r.client.secrets.get('handshake/write')!));
    expect(secretOf('SERVER_HANDSHAKE_TRAFFIC_SECRET')).toBe(toHex(r.client.secrets.get('handshake/read')!));
    expect(secretOf('CLIENT_TRAFFIC_SECRET_0')).toBe(toHex(r.client.secrets.get('application/write')!));
    expect(secretOf('SERVER_TRAFFIC_SECRET_0')).toBe(toHex(r.client.secrets.get('application/read')!));
    expect(secretOf('EXPORTER_SECRET')).toMatch(/^[0-9a-f]{64}$/);
    // Both ends log the same secrets under the same client random.
    const serverLines = new Set(eventsOf(r.server, 'key_log').map((e) => e.line));
    for (const line of lines) expect(serverLines.has(line), line).toBe(true);
  });
});
