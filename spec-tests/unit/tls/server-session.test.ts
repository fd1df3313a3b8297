import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from '../../../src/crypto/node-provider.js';
import { SeededRandom } from '../../../src/util/random.js';
import { TransportError, TransportErrorCode } from '../../../src/wire/errors.js';
import { TlsAlert } from '../../../src/tls/alerts.js';
import { NamedGroupCode } from '../../../src/tls/extension-codes.js';
import { getExtension } from '../../../src/tls/extensions.js';
import { HELLO_RETRY_REQUEST_RANDOM } from '../../../src/tls/hello-messages.js';
import type { HelloRetryRequest } from '../../../src/tls/hello-messages.js';
import { serializeHandshakeMessage } from '../../../src/tls/messages.js';
import { TlsServerSession } from '../../../src/tls/server-session.js';
import { Transcript } from '../../../src/tls/transcript.js';
import { CLIENT_TP, NOW_MS, SERVER_TP, buildClientHello, clientSide, drain, messagesAt, serverConfig, type HelloOptions } from './server-test-client.js';

const provider = nodeCryptoProvider;

function start(hello: HelloOptions = {}, config = serverConfig(provider), seed = 1) {
  const server = new TlsServerSession(config);
  const ch = buildClientHello(provider, new SeededRandom(seed), hello);
  server.handleCryptoData(NOW_MS, 'initial', ch.raw);
  return { server, ch, events: drain(server) };
}

function alertOf(f: () => void): string {
  try {
    f();
  } catch (e) {
    if (e instanceof TlsAlert) return e.alertName;
    throw e;
  }
  throw new Error('no alert');
}

describe('RFC 8446 §4.1.3 / RFC 9001 §4.1.4: full handshake', () => {
  it('RFC 8446 §4.1.3: the ServerHello selects TLS 1.3, the preferred suite, the x25519 share, echoes the empty session id', () => {
    const { events } = start();
    const [sh] = messagesAt(events, 'initial');
    expect(sh!.message.msgType).toBe('server_hello');
    if (sh!.message.msgType !== 'server_hello') return;
    expect(sh!.message.legacyVersion).toBe(0x0303);
    expect(sh!.message.cipherSuite).toBe(0x1301);
    expect(sh!.message.legacySessionIdEcho.length).toBe(0);
    expect(sh!.message.legacyCompressionMethod).toBe(0);
    expect(getExtension(sh!.message.extensions, 'supported_versions')).toEqual({ type: 'supported_versions', selectedVersion: 0x0304 });
    const ks = getExtension(sh!.message.extensions, 'key_share');
    expect(ks !== undefined && 'share' in ks && ks.share.group).toBe(NamedGroupCode.x25519);
    expect(getExtension(sh!.message.extensions, 'pre_shared_key')).toBeUndefined();
  });

  it('RFC 9001 §4.1.4: events come in order and levels, and the client Finished completes the handshake', () => {
    const { server, ch, events } = start({ serverName: 'localhost' });
    const kinds = events.map((e) => (e.type === 'crypto_data' ? `crypto:${e.level}` : e.type === 'secret' ? `secret:${e.level}:${e.direction}` : e.type));
    expect(kinds).toEqual([
      'peer_transport_parameters', 'crypto:initial', 'key_log', 'secret:handshake:read', 'key_log', 'secret:handshake:write',
      'crypto:handshake', 'key_log', 'secret:application:write', 'key_log', 'key_log',
    ]);
    expect(events[0]).toEqual({ type: 'peer_transport_parameters', data: CLIENT_TP });
    const labels = events.filter((e) => e.type === 'key_log').map((e) => (e.type === 'key_log' ? e.line.split(' ')[0] : ''));
    expect(labels).toEqual(['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0', 'CLIENT_TRAFFIC_SECRET_0', 'EXPORTER_SECRET']);
    const h = clientSide(provider, ch, events);
    expect(h.flight.map((m) => m.msgType)).toEqual(['encrypted_extensions', 'certificate', 'certificate_verify', 'finished']);
    const ee = h.flight[0]!;
    if (ee.msgType !== 'encrypted_extensions') throw new Error('no EE');
    expect(getExtension(ee.extensions, 'quic_transport_parameters')?.data).toEqual(SERVER_TP);
    expect(getExtension(ee.extensions, 'application_layer_protocol_negotiation')?.protocols).toEqual([new TextEncoder().encode('h3')]);
    expect(getExtension(ee.extensions, 'early_data')).toBeUndefined();
    // The server CertificateVerify verifies with the certificate's key (RFC 8446 §4.4.3).
    const cert = h.flight[1]!;
    const cv = h.flight[2]!;
    expect(cert.msgType === 'certificate' && cert.certificateList.length).toBe(1);
    expect(cv.msgType === 'certificate_verify' && cv.algorithm).toBe(0x0403);
    expect(server.isHandshakeComplete).toBe(false);
    server.handleCryptoData(NOW_MS, 'handshake', h.clientFinished);
    const done = drain(server);
    expect(done.map((e) => e.type)).toEqual(['key_log', 'secret', 'handshake_complete']);
    expect(done[1]).toMatchObject({ type: 'secret', level: 'application', direction: 'read' });
    expect(done[2]).toEqual({ type: 'handshake_complete', alpn: 'h3', resumed: false, earlyData: 'not_offered', peerCertificates: [] });
    expect(server.isHandshakeComplete).toBe(true);
  });

  it('RFC 8446 §4.4.4: a wrong client Finished is decrypt_error, and the alert repeats on later calls', () => {
    const { server, ch, events } = start();
    const h = clientSide(provider, ch, events);
    const bad = h.clientFinished.slice();
    bad[bad.length - 1]! ^= 1;
    expect(alertOf(() => server.handleCryptoData(NOW_MS, 'handshake', bad))).toBe('decrypt_error');
    expect(alertOf(() => server.handleCryptoData(NOW_MS, 'handshake', h.clientFinished))).toBe('decrypt_error');
  });

  it('RFC 8446 §4.1.1: the server prefers its own suite order among the client\'s', () => {
    const { events } = start({ suites: [0x1303, 0x1302] }, serverConfig(provider, { cipherSuites: [0x1302, 0x1303] }));
    const [sh] = messagesAt(events, 'initial');
    expect(sh!.message.msgType === 'server_hello' && sh!.message.cipherSuite).toBe(0x1302);
  });

  it('RFC 8446 §4.4.2: the certificate is chosen by server_name; none is handshake_failure', () => {
    const cert = serverConfig(provider).certificate;
    const names: (string | undefined)[] = [];
    const config = serverConfig(provider, { certificate: (n) => { names.push(n); return n === 'localhost' ? (cert as never) : undefined; } });
    start({ serverName: 'localhost' }, config);
    expect(names).toEqual(['localhost']);
    expect(alertOf(() => start({ serverName: 'other.test' }, config))).toBe('handshake_failure');
  });
});

describe('RFC 8446 §4.1.4: HelloRetryRequest', () => {
  it('RFC 8446 §4.1.4: a share only for a group we lack, with a supported one listed, earns an HRR, then the handshake completes', () => {
    const config = serverConfig(provider, { groups: ['secp256r1'] });
    const server = new TlsServerSession(config);
    const random = new SeededRandom(3);
    const ch1 = buildClientHello(provider, random, { shares: ['x25519'] });
    server.handleCryptoData(NOW_MS, 'initial', ch1.raw);
    const ev1 = drain(server);
    expect(ev1.map((e) => e.type)).toEqual(['crypto_data']);
    const [hrrMsg] = messagesAt(ev1, 'initial');
    expect(hrrMsg!.message.msgType).toBe('hello_retry_request');
    const hrr = hrrMsg!.message as HelloRetryRequest;
    expect(getExtension(hrr.extensions, 'key_share')).toEqual({ type: 'key_share', selectedGroup: NamedGroupCode.secp256r1 });
    expect(hrrMsg!.raw.subarray(6, 38)).toEqual(HELLO_RETRY_REQUEST_RANDOM);
    // RFC 8446 §4.4.1: the transcript restarts with message_hash(ClientHello1).
    const prefix = new Transcript(provider, 'sha256');
    prefix.add(ch1.raw).replaceWithMessageHash();
    prefix.add(hrrMsg!.raw);
    const ch2 = buildClientHello(provider, random, { shares: ['secp256r1'] });
    server.handleCryptoData(NOW_MS, 'initial', ch2.raw);
    const ev2 = drain(server);
    const h = clientSide(provider, ch2, ev2, { prefix });
    server.handleCryptoData(NOW_MS, 'handshake', h.clientFinished);
    expect(drain(server).at(-1)).toMatchObject({ type: 'handshake_complete', resumed: false });
  });

  it('RFC 8446 §4.2.8: a second ClientHello still without the selected group is illegal_parameter', () => {
    const server = new TlsServerSession(serverConfig(provider, { groups: ['secp256r1'] }));
    const random = new SeededRandom(4);
    server.handleCryptoData(NOW_MS, 'initial', buildClientHello(provider, random, { shares: ['x25519'] }).raw);
    drain(server);
    const ch2 = buildClientHello(provider, random, { shares: ['x25519'] });
    expect(alertOf(() => server.handleCryptoData(NOW_MS, 'initial', ch2.raw))).toBe('illegal_parameter');
  });

  it('RFC 8446 §4.1.1: no common suite or group is handshake_failure', () => {
    expect(alertOf(() => start({ suites: [0x1304] }))).toBe('handshake_failure');
    expect(alertOf(() => start({ supportedGroups: [NamedGroupCode.x448], shares: [] }))).toBe('handshake_failure');
  });
});

describe('RFC 9001 §8 / RFC 8446 §4.2: ClientHello checks', () => {
  it('RFC 8446 §4.2.1: no TLS 1.3 in supported_versions is protocol_version', () => {
    expect(alertOf(() => start({ versions: [0x0303] }))).toBe('protocol_version');
    expect(alertOf(() => start({ versions: null }))).toBe('protocol_version');
  });

  it('RFC 8446 §4.1.2: legacy_compression_methods other than the single null method is illegal_parameter', () => {
    const server = new TlsServerSession(serverConfig(provider));
    const ch = buildClientHello(provider, new SeededRandom(14));
    const bad = serializeHandshakeMessage({ ...ch.message, legacyCompressionMethods: Uint8Array.of(0, 1) });
    expect(alertOf(() => server.handleCryptoData(NOW_MS, 'initial', bad))).toBe('illegal_parameter');
  });

  it('RFC 9001 §8.1: no ALPN overlap (or no ALPN) is no_application_protocol', () => {
    expect(alertOf(() => start({ alpn: ['hq-interop'] }))).toBe('no_application_protocol');
    expect(alertOf(() => start({ alpn: null }))).toBe('no_application_protocol');
  });

  it('RFC 9001 §8.2: a ClientHello without quic_transport_parameters is missing_extension', () => {
    expect(alertOf(() => start({ transportParameters: null }))).toBe('missing_extension');
  });

  it('RFC 9001 §8.4: a non-empty legacy_session_id is a PROTOCOL_VIOLATION TransportError, repeated later', () => {
    const server = new TlsServerSession(serverConfig(provider));
    const ch = buildClientHello(provider, new SeededRandom(5), { sessionId: new Uint8Array(32).fill(1) });
    const call = (): void => server.handleCryptoData(NOW_MS, 'initial', ch.raw);
    expect(call).toThrow(TransportError);
    try {
      call();
    } catch (e) {
      expect(e).toBeInstanceOf(TransportError);
      expect((e as TransportError).code).toBe(TransportErrorCode.PROTOCOL_VIOLATION);
    }
  });

  it('RFC 8446 §9.2: no signature_algorithms in a full handshake is missing_extension; none usable is handshake_failure', () => {
    expect(alertOf(() => start({ signatureAlgorithms: null }))).toBe('missing_extension');
    expect(alertOf(() => start({ signatureAlgorithms: [0x0804] }))).toBe('handshake_failure');
  });

  it('RFC 8446 §4.2.8: a share outside supported_groups, or an invalid share, is illegal_parameter', () => {
    expect(alertOf(() => start({ supportedGroups: [NamedGroupCode.secp256r1], shares: ['x25519'] }))).toBe('illegal_parameter');
    const server = new TlsServerSession(serverConfig(provider));
    const ch = buildClientHello(provider, new SeededRandom(6), { shares: [] });
    const msg = { ...ch.message, extensions: ch.message.extensions.map((e) => (e.type === 'key_share' ? { type: 'key_share' as const, shares: [{ group: NamedGroupCode.x25519, keyExchange: new Uint8Array(32) }] } : e)) };
    expect(alertOf(() => server.handleCryptoData(NOW_MS, 'initial', serializeHandshakeMessage(msg)))).toBe('illegal_parameter');
  });

  it('RFC 8446 §4: a second ClientHello after the ServerHello is unexpected_message', () => {
    const { server } = start();
    const again = buildClientHello(provider, new SeededRandom(8));
    expect(alertOf(() => server.handleCryptoData(NOW_MS, 'initial', again.raw))).toBe('unexpected_message');
  });

  it('RFC 9001 §6: a TLS KeyUpdate is unexpected_message (also before and after the handshake)', () => {
    const keyUpdate = Uint8Array.of(24, 0, 0, 1, 0);
    expect(alertOf(() => new TlsServerSession(serverConfig(provider)).handleCryptoData(NOW_MS, 'initial', keyUpdate))).toBe('unexpected_message');
    const { server, ch, events } = start();
    const h = clientSide(provider, ch, events);
    server.handleCryptoData(NOW_MS, 'handshake', h.clientFinished);
    drain(server);
    expect(alertOf(() => server.handleCryptoData(NOW_MS, 'application', keyUpdate))).toBe('unexpected_message');
  });

  it('RFC 9001 §8.3: EndOfEarlyData is unexpected_message', () => {
    const { server } = start();
    expect(alertOf(() => server.handleCryptoData(NOW_MS, 'handshake', Uint8Array.of(5, 0, 0, 0)))).toBe('unexpected_message');
  });

  it('RFC 9001 §4.1.3: a Finished at the Initial level, or before the ClientHello, is unexpected_message', () => {
    const { server, ch, events } = start();
    const h = clientSide(provider, ch, events);
    expect(alertOf(() => server.handleCryptoData(NOW_MS, 'initial', h.clientFinished))).toBe('unexpected_message');
    expect(alertOf(() => new TlsServerSession(serverConfig(provider)).handleCryptoData(NOW_MS, 'handshake', h.clientFinished))).toBe('unexpected_message');
  });

  it('RFC 9001 §4.1.3: a message announcing more than the size limit is decode_error before it is buffered', () => {
    const server = new TlsServerSession(serverConfig(provider, { maxHandshakeMessageSize: 1000 }));
    expect(alertOf(() => server.handleCryptoData(NOW_MS, 'initial', Uint8Array.of(1, 0, 0x10, 0)))).toBe('decode_error');
  });

  it('RFC 8446 §4.1.2: a ClientHello split across CRYPTO frames is processed when complete', () => {
    const server = new TlsServerSession(serverConfig(provider));
    const ch = buildClientHello(provider, new SeededRandom(9));
    server.handleCryptoData(NOW_MS, 'initial', ch.raw.subarray(0, 10));
    expect(server.pollEvent()).toBeUndefined();
    server.handleCryptoData(NOW_MS, 'initial', ch.raw.subarray(10));
    expect(drain(server).some((e) => e.type === 'crypto_data' && e.level === 'handshake')).toBe(true);
  });
});
