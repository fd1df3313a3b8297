import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from '../../../src/crypto/node-provider.js';
import { SeededRandom } from '../../../src/util/random.js';
import { TlsAlert } from '../../../src/tls/alerts.js';
import { getExtension } from '../../../src/tls/extensions.js';
import type { NewSessionTicket } from '../../../src/tls/messages.js';
import { ticketMaxEarlyData } from '../../../src/tls/profile.js';
import { TlsServerSession } from '../../../src/tls/server-session.js';
import { ticketNonce } from '../../../src/tls/server-ticket.js';
import { toHex } from '../../../src/util/bytes.js';
import { MemoryTicketStore } from '../../../src/tls/ticket-store.js';
import type { TlsServerConfig } from '../../../src/tls/session-types.js';
import { NOW_MS, buildClientHello, clientSide, drain, messagesAt, serverConfig, ticketPsk, type HelloOptions } from './server-test-client.js';

const provider = nodeCryptoProvider;

function alertOf(f: () => void): string {
  try {
    f();
  } catch (e) {
    if (e instanceof TlsAlert) return e.alertName;
    throw e;
  }
  throw new Error('no alert');
}

/** A full handshake that yields the server's tickets and the PSK of the first. */
function firstConnection(config: TlsServerConfig, hello: HelloOptions = {}) {
  const server = new TlsServerSession(config);
  const ch = buildClientHello(provider, new SeededRandom(11), hello);
  server.handleCryptoData(NOW_MS, 'initial', ch.raw);
  const h = clientSide(provider, ch, drain(server));
  server.handleCryptoData(NOW_MS, 'handshake', h.clientFinished);
  const events = drain(server);
  const tickets = messagesAt(events, 'application').map((m) => m.message as NewSessionTicket);
  return { events, tickets, psk: ticketPsk(h, tickets[0]!.ticketNonce), suite: h.serverHello.cipherSuite };
}

function resume(config: TlsServerConfig, first: ReturnType<typeof firstConnection>, hello: HelloOptions = {}, ageMs = 1000) {
  const t = first.tickets[0]!;
  const server = new TlsServerSession(config);
  const ch = buildClientHello(provider, new SeededRandom(12), {
    psk: { ticket: t.ticket, psk: first.psk, ageAdd: t.ticketAgeAdd, ageMs, suite: first.suite }, ...hello,
  });
  server.handleCryptoData(NOW_MS + ageMs, 'initial', ch.raw);
  return { server, ch, events: drain(server) };
}

function ticketsConfig(over: Partial<TlsServerConfig> = {}): TlsServerConfig {
  const store = new MemoryTicketStore(provider, new SeededRandom(99));
  return serverConfig(provider, { tickets: { store, count: 2 }, ...over });
}

describe('RFC 8446 §4.6.1: NewSessionTicket', () => {
  it('RFC 8446 §4.6.1: the configured number of tickets follow handshake_complete at the 1-RTT level, with unique nonces', () => {
    const first = firstConnection(ticketsConfig());
    expect(first.events.map((e) => e.type)).toEqual(['key_log', 'secret', 'handshake_complete', 'crypto_data']);
    expect(first.tickets).toHaveLength(2);
    expect(first.tickets[0]!.ticketNonce).not.toEqual(first.tickets[1]!.ticketNonce);
    expect(first.tickets[0]!.ticketLifetime).toBeLessThanOrEqual(604800);
    expect(first.tickets[0]!.extensions).toEqual([]);
  });

  it('RFC 8446 §4.6.1: ticket_nonce is a 2-byte big-endian counter, 0x0000 then 0x0001', () => {
    const first = firstConnection(ticketsConfig());
    expect(first.tickets.map((t) => toHex(t.ticketNonce))).toEqual(['0000', '0001']);
    expect([0, 1, 255, 256, 15].map((i) => toHex(ticketNonce(i)))).toEqual(['0000', '0001', '00ff', '0100', '000f']);
  });

  it('RFC 9001 §4.6.1: with 0-RTT enabled, tickets carry max_early_data_size 0xffffffff', () => {
    const first = firstConnection(ticketsConfig({ enableEarlyData: true }));
    expect(getExtension(first.tickets[0]!.extensions, 'early_data')).toEqual({ type: 'early_data', maxEarlyDataSize: 0xffffffff });
  });

  it('RFC 9001 §4.6.1: tickets.maxEarlyDataSize is refused in the QUIC profile, and out-of-range values in any profile', () => {
    const store = new MemoryTicketStore(provider, new SeededRandom(99));
    const make = (over: Partial<TlsServerConfig>) => () => new TlsServerSession(serverConfig(provider, { enableEarlyData: true, ...over }));
    expect(alertOf(make({ tickets: { store, maxEarlyDataSize: 0x400 } }))).toBe('internal_error');
    for (const size of [0, -1, 1.5, 2 ** 32]) {
      expect(alertOf(make({ tickets: { store, maxEarlyDataSize: size }, profile: 'rfc8448-test-vectors' }))).toBe('internal_error');
    }
    expect(make({ tickets: { store, maxEarlyDataSize: 0x400 }, profile: 'rfc8448-test-vectors' })).not.toThrow();
  });

  it('RFC 8446 §4.6.1: ticketMaxEarlyData is 0 without enableEarlyData, 0xffffffff in QUIC, tickets.maxEarlyDataSize in the test-vector profile', () => {
    const store = new MemoryTicketStore(provider, new SeededRandom(99));
    expect(ticketMaxEarlyData({ tickets: { store } })).toBe(0);
    expect(ticketMaxEarlyData({ tickets: { store, maxEarlyDataSize: 0x400 }, profile: 'rfc8448-test-vectors' })).toBe(0);
    expect(ticketMaxEarlyData({ tickets: { store }, enableEarlyData: true })).toBe(0xffffffff);
    expect(ticketMaxEarlyData({ tickets: { store }, enableEarlyData: true, profile: 'rfc8448-test-vectors' })).toBe(0xffffffff);
    expect(ticketMaxEarlyData({ tickets: { store, maxEarlyDataSize: 0x400 }, enableEarlyData: true, profile: 'rfc8448-test-vectors' })).toBe(0x400);
  });

  it('RFC 8446 §4.6.1: without tickets configured, none are sent', () => {
    const first = new TlsServerSession(serverConfig(provider));
    const ch = buildClientHello(provider, new SeededRandom(11));
    first.handleCryptoData(NOW_MS, 'initial', ch.raw);
    const h = clientSide(provider, ch, drain(first));
    first.handleCryptoData(NOW_MS, 'handshake', h.clientFinished);
    expect(drain(first).some((e) => e.type === 'crypto_data')).toBe(false);
  });
});

describe('RFC 8446 §2.2: resumption with a PSK', () => {
  it('RFC 8446 §4.2.11: a valid ticket and binder resume without Certificate/CertificateVerify', () => {
    const config = ticketsConfig();
    const first = firstConnection(config);
    const { server, ch, events } = resume(config, first);
    const h = clientSide(provider, ch, events, { psk: first.psk });
    expect(getExtension(h.serverHello.extensions, 'pre_shared_key')).toEqual({ type: 'pre_shared_key', selectedIdentity: 0 });
    expect(h.flight.map((m) => m.msgType)).toEqual(['encrypted_extensions', 'finished']);
    server.handleCryptoData(NOW_MS, 'handshake', h.clientFinished);
    expect(drain(server).find((e) => e.type === 'handshake_complete')).toMatchObject({ resumed: true, earlyData: 'not_offered' });
  });

  it('RFC 8446 §4.2.11: a bad binder is decrypt_error', () => {
    const config = ticketsConfig();
    const first = firstConnection(config);
    const t = first.tickets[0]!;
    const ch = buildClientHello(provider, new SeededRandom(13), { psk: { ticket: t.ticket, psk: first.psk, ageAdd: t.ticketAgeAdd, ageMs: 0, suite: first.suite, badBinder: true } });
    expect(alertOf(() => new TlsServerSession(config).handleCryptoData(NOW_MS, 'initial', ch.raw))).toBe('decrypt_error');
  });

  it('RFC 8446 §8.1: a ticket used twice falls back to a full handshake the second time', () => {
    const config = ticketsConfig();
    const first = firstConnection(config);
    resume(config, first);
    const again = resume(config, first);
    const sh = messagesAt(again.events, 'initial')[0]!.message;
    expect(sh.msgType === 'server_hello' && getExtension(sh.extensions, 'pre_shared_key')).toBeUndefined();
    expect(messagesAt(again.events, 'handshake').map((m) => m.message.msgType)).toContain('certificate');
  });

  it('RFC 8446 §4.2.9: pre_shared_key without psk_key_exchange_modes is missing_extension; psk_ke only is ignored', () => {
    const config = ticketsConfig();
    const first = firstConnection(config);
    expect(alertOf(() => resume(config, first, { pskModes: null }))).toBe('missing_extension');
    const { events } = resume(config, first, { pskModes: [0] });
    expect(messagesAt(events, 'handshake').map((m) => m.message.msgType)).toContain('certificate');
  });

  it('RFC 8446 §4.6.1: an expired ticket or one from another store is not used', () => {
    const config = ticketsConfig({ tickets: { store: new MemoryTicketStore(provider, new SeededRandom(5)), lifetimeMs: 60_000 } });
    const first = firstConnection(config);
    const late = resume(config, first, {}, 120_000);
    expect(messagesAt(late.events, 'handshake').map((m) => m.message.msgType)).toContain('certificate');
    const other = ticketsConfig();
    const foreign = resume(other, first);
    expect(messagesAt(foreign.events, 'handshake').map((m) => m.message.msgType)).toContain('certificate');
  });
});

describe('RFC 9001 §4.6: 0-RTT', () => {
  it('RFC 9001 §4.6.2: 0-RTT is accepted with an early read secret and early_data in EE', () => {
    const config = ticketsConfig({ enableEarlyData: true });
    const first = firstConnection(config);
    const { server, ch, events } = resume(config, first, { earlyData: true });
    expect(events[1]).toMatchObject({ type: 'key_log' });
    expect(events[2]).toMatchObject({ type: 'secret', level: 'early', direction: 'read' });
    expect(events.some((e) => e.type === 'key_log' && e.line.startsWith('CLIENT_EARLY_TRAFFIC_SECRET'))).toBe(true);
    const h = clientSide(provider, ch, events, { psk: first.psk });
    const ee = h.flight[0]!;
    expect(ee.msgType === 'encrypted_extensions' && getExtension(ee.extensions, 'early_data')).toEqual({ type: 'early_data' });
    server.handleCryptoData(NOW_MS, 'handshake', h.clientFinished);
    expect(drain(server).find((e) => e.type === 'handshake_complete')).toMatchObject({ resumed: true, earlyData: 'accepted' });
  });

  it('RFC 9001 §4.6.2: 0-RTT is rejected when disabled, when transport parameters changed, or on a replay', () => {
    const check = (events: ReturnType<typeof resume>['events']): void => {
      expect(events.some((e) => e.type === 'secret' && e.level === 'early')).toBe(false);
      const ee = messagesAt(events, 'handshake')[0]!.message;
      expect(ee.msgType === 'encrypted_extensions' && getExtension(ee.extensions, 'early_data')).toBeUndefined();
    };
    const config = ticketsConfig({ enableEarlyData: true });
    const first = firstConnection(config);
    check(resume({ ...config, enableEarlyData: false }, first, { earlyData: true }).events);
    const second = firstConnection(config);
    check(resume({ ...config, transportParameters: Uint8Array.of(1, 1, 1) }, second, { earlyData: true }).events);
    const third = firstConnection(config);
    resume(config, third, { earlyData: true });
    check(resume(config, third, { earlyData: true }).events);
  });
});
