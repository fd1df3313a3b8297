/**
 * Failing TLS 1.3 handshakes in memory (RFC 8446 §4, §6; RFC 9001 §4.8, §6, §8), driven through
 * spec-tests/helpers/tls-pair.ts. Every case asserts:
 * (a) the exact alert (RFC 8446 §6 description name) and which side raised it, the other side
 *     raising none;
 * (b) exactly which secrets each side released — every 'secret' event, including any still
 *     queued in the session when the harness stopped — so that no application secret escapes
 *     beyond what the RFC flow legitimately derives before the failure point:
 *     - a server that fails on the ClientHello has released nothing (no ServerHello yet);
 *     - a client that fails on the server's first flight has only its handshake secrets, while
 *       the server, which sent its Finished before the client saw anything, legitimately holds its
 *       application *write* secret (RFC 9001 §4.1.4, Figure 5: the server installs "tx 1-RTT keys"
 *       once its Finished is sent; RFC 8446 §4.4.4: "Servers MAY send data after sending their
 *       first flight") — but never the application *read* secret;
 *     - a server that fails on the client's second flight holds handshake secrets and application
 *       write only, never application read; the client, which derived both application secrets on
 *       the server Finished and sent its own Finished, legitimately holds all four;
 * (c) no handshake_complete on the failing side.
 */
import { describe, expect, it } from 'vitest';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { generateSelfSignedCertificate } from '../../src/tls/certificates/self-signed.js';
import { TlsAlert, type AlertDescriptionName } from '../../src/tls/alerts.js';
import { TlsClientSession } from '../../src/tls/client-session.js';
import { ExtensionType } from '../../src/tls/extension-codes.js';
import { HandshakeType } from '../../src/tls/handshake-types.js';
import { decodeClientHello, type ClientHello } from '../../src/tls/hello-messages.js';
import { decodeEncryptedExtensions, serializeHandshakeMessage, type EncryptedExtensions } from '../../src/tls/messages.js';
import { TlsServerSession } from '../../src/tls/server-session.js';
import type { EncryptionLevel, TlsClientConfig, TlsEvent, TlsServerConfig, TlsSession } from '../../src/tls/session-types.js';
import { MemoryTicketStore } from '../../src/tls/ticket-store.js';
import { concatBytes, Reader } from '../../src/util/bytes.js';
import { SeededRandom } from '../../src/util/random.js';
import { REAL_PROVIDERS } from '../helpers/providers.js';
import { certifiedKey, testPki, TLS_TEST_NOW } from '../helpers/tls-certs.js';
import { runHandshake, type PairResult, type Side, type SideRecord } from '../helpers/tls-pair.js';

const NOW = TLS_TEST_NOW;
const DAY_MS = 86_400_000;
const pki = testPki();

type Level = Exclude<EncryptionLevel, 'early'>;
type Tamper = (from: Side, level: Level, data: Uint8Array) => Uint8Array;

// ---- CRYPTO-stream surgery: split a chunk into handshake messages, rewrite some, join again ----

interface Msg { readonly type: number; readonly body: Uint8Array }

/** Splits CRYPTO data into whole handshake messages (RFC 8446 §4: type, uint24 length, body). */
function split(data: Uint8Array): Msg[] {
  const out: Msg[] = [];
  for (let at = 0; at < data.length; ) {
    const length = (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!;
    out.push({ type: data[at]!, body: data.subarray(at + 4, at + 4 + length) });
    at += 4 + length;
  }
  return out;
}

/** A handshake message with a correct header around `body`. */
function frame(type: number, body: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff), body);
}

/** Replaces every message of `type` in `data` with `f(body)` (f returns the whole new message). */
function rewrite(data: Uint8Array, type: number, f: (body: Uint8Array) => Uint8Array): Uint8Array {
  return concatBytes(...split(data).map((m) => (m.type === type ? f(m.body) : frame(m.type, m.body))));
}

/** Re-encodes the client's ClientHello(s) with the codecs after `f` changed its fields. */
function clientHello(f: (ch: ClientHello) => ClientHello): Tamper {
  return (from, level, data) => from === 'client' && level === 'initial'
    ? rewrite(data, HandshakeType.client_hello, (body) => serializeHandshakeMessage(f(decodeClientHello(new Reader(body)))))
    : data;
}

/** Re-encodes the server's EncryptedExtensions after `f` changed its extension list. */
function encryptedExtensions(f: (ee: EncryptedExtensions) => EncryptedExtensions): Tamper {
  return (from, level, data) => from === 'server' && level === 'handshake'
    ? rewrite(data, HandshakeType.encrypted_extensions, (body) => serializeHandshakeMessage(f(decodeEncryptedExtensions(new Reader(body)))))
    : data;
}

/** Rewrites the body of `type` messages sent by `side` at `level`. */
function message(side: Side, level: Level, type: number, f: (body: Uint8Array) => Uint8Array): Tamper {
  return (from, l, data) => (from === side && l === level ? rewrite(data, type, (body) => frame(type, f(body))) : data);
}

/** A copy of `body` with byte `at` (negative: from the end) flipped. */
function flip(body: Uint8Array, at: number): Uint8Array {
  const out = body.slice();
  out[at < 0 ? out.length + at : at]! ^= 0x01;
  return out;
}

/** RFC 8446 §4.6.3: KeyUpdate { update_not_requested(0) }. */
const KEY_UPDATE = frame(HandshakeType.key_update, Uint8Array.of(0));

// ---- the pair ----

interface Setup {
  readonly client?: Partial<TlsClientConfig>;
  readonly server?: Partial<TlsServerConfig>;
  readonly tamper?: Tamper;
}

interface Run {
  readonly result: PairResult;
  readonly client: TlsClientSession;
  readonly server: TlsServerSession;
  /** Every event each side emitted: those the harness polled, then those still queued. */
  readonly events: Record<Side, TlsEvent[]>;
}

function drain(record: SideRecord, session: TlsSession): TlsEvent[] {
  const events = [...record.events];
  for (let e = session.pollEvent(); e !== undefined; e = session.pollEvent()) events.push(e);
  return events;
}

async function run(provider: CryptoProvider, s: Setup): Promise<Run> {
  const client = new TlsClientSession({
    provider, random: new SeededRandom(11), transportParameters: Uint8Array.of(1, 2, 3), serverName: 'localhost',
    alpnProtocols: ['h3'], verification: { mode: 'chain', trustAnchors: [pki.ca.certificateDer] }, ...s.client,
  });
  const server = new TlsServerSession({
    provider, random: new SeededRandom(12), transportParameters: Uint8Array.of(10, 11),
    certificate: certifiedKey(pki.leaves['ecdsa-p256'], provider), alpnProtocols: ['h3'], ...s.server,
  });
  const result = await runHandshake(client, server, { wallMs: NOW, provider, ...(s.tamper === undefined ? {} : { tamper: s.tamper }) });
  return { result, client, server, events: { client: drain(result.client, client), server: drain(result.server, server) } };
}

/** The secrets a side released, as `level/direction`, in order. */
function secretsOf(events: readonly TlsEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'secret' ? [`${e.level}/${e.direction}`] : []));
}

const NONE: string[] = [];
const HANDSHAKE = ['handshake/read', 'handshake/write'];
/** The server after sending its first flight: + application write (RFC 9001 §4.1.4). */
const SERVER_FLIGHT = [...HANDSHAKE, 'application/write'];
/** The client after the server Finished verified and its own Finished was sent. */
const CLIENT_DONE = [...HANDSHAKE, 'application/read', 'application/write'];

/**
 * (a) `side` raised exactly `alert`, the other side none; (b) the released secrets are exactly
 * `secrets`; (c) the failing side emitted no handshake_complete (the other side only if
 * `peerComplete`).
 */
function expectFailure(r: Run, side: Side, alert: AlertDescriptionName, secrets: Record<Side, string[]>, peerComplete = false): void {
  const peer: Side = side === 'client' ? 'server' : 'client';
  expect(r.result[side].alert).toBeInstanceOf(TlsAlert);
  expect(r.result[side].alert?.alertName, r.result[side].alert?.reason).toBe(alert);
  expect(r.result[peer].alert?.alertName).toBeUndefined();
  expect(secretsOf(r.events.client)).toEqual(secrets.client);
  expect(secretsOf(r.events.server)).toEqual(secrets.server);
  expect(r.events[side].some((e) => e.type === 'handshake_complete')).toBe(false);
  expect(r[side].isHandshakeComplete).toBe(false);
  expect(r.events[peer].some((e) => e.type === 'handshake_complete')).toBe(peerComplete);
  // The session is dead: every later call throws the same alert (session-types.ts).
  expect(() => r[side].handleCryptoData(NOW, 'handshake', new Uint8Array(0))).toThrow(r.result[side].alert!);
}

/** A P-256 leaf for localhost issued by the test CA, valid for 14 days from `fromMs` - 1 h. */
function leafValidFrom(fromMs: number, seed: number): ReturnType<typeof generateSelfSignedCertificate> {
  return generateSelfSignedCertificate({
    commonName: 'localhost', dnsNames: ['localhost'], nowMs: fromMs, validityDays: 14, random: new SeededRandom(seed), issuer: pki.ca,
  });
}
const expiredLeaf = leafValidFrom(NOW - 30 * DAY_MS, 0xe1);
const futureLeaf = leafValidFrom(NOW + 30 * DAY_MS, 0xe2);

describe.each(REAL_PROVIDERS)('RFC 8446 §6: failing handshakes ($name)', ({ provider }) => {
  // ---- the server's certificate, checked by the client (RFC 8446 §4.4.2.4) ----
  // The client fails in completeCertificateVerification, after the server's first flight: see (b).
  const certFailure = { client: HANDSHAKE, server: SERVER_FLIGHT };

  it('RFC 8446 §4.4.2.4: a certificate for another host name: the client raises bad_certificate', async () => {
    const r = await run(provider, { client: { serverName: 'example.com' } });
    expect(r.result.client.alert?.reason).toMatch(/example\.com/);
    expectFailure(r, 'client', 'bad_certificate', certFailure);
  });

  it('RFC 8446 §6.2: an expired certificate ("has expired or is not currently valid"): the client raises certificate_expired', async () => {
    expect(expiredLeaf.notAfter).toBeLessThan(NOW);
    const r = await run(provider, { server: { certificate: certifiedKey(expiredLeaf, provider) } });
    expect(r.result.client.alert?.reason).toMatch(/expired/);
    expectFailure(r, 'client', 'certificate_expired', certFailure);
  });

  // RFC 8446 §6.2 has no separate alert for a certificate whose notBefore is in the future:
  // "certificate_expired: A certificate has expired or is not currently valid." verify-chain.ts
  // maps notBefore > now to certificate_expired accordingly.
  it('RFC 8446 §6.2: a not-yet-valid certificate ("not currently valid"): the client raises certificate_expired', async () => {
    expect(futureLeaf.notBefore).toBeGreaterThan(NOW);
    const r = await run(provider, { server: { certificate: certifiedKey(futureLeaf, provider) } });
    expect(r.result.client.alert?.reason).toMatch(/not yet valid/);
    expectFailure(r, 'client', 'certificate_expired', certFailure);
  });

  it('RFC 8446 §6.2: a certificate from an unknown CA: the client raises unknown_ca', async () => {
    const r = await run(provider, { server: { certificate: certifiedKey(pki.untrusted, provider) } });
    expectFailure(r, 'client', 'unknown_ca', certFailure);
  });

  // ---- signatures and Finished (RFC 8446 §4.4.3, §4.4.4) ----

  it('RFC 8446 §4.4.3: a server CertificateVerify signature altered in flight: the client raises decrypt_error', async () => {
    // Body: algorithm(2) length(2) DER ECDSA-Sig-Value; byte 12 lies inside r, so the DER stays valid.
    const r = await run(provider, { tamper: message('server', 'handshake', HandshakeType.certificate_verify, (b) => flip(b, 12)) });
    expect(r.result.client.alert?.reason).toMatch(/CertificateVerify/);
    expectFailure(r, 'client', 'decrypt_error', { client: HANDSHAKE, server: SERVER_FLIGHT });
  });

  it('RFC 8446 §4.4.3: a client CertificateVerify signature altered in flight (mutual TLS): the server raises decrypt_error', async () => {
    const r = await run(provider, {
      client: { clientCertificate: certifiedKey(pki.client, provider) },
      server: { clientAuthentication: { mode: 'required', trustAnchors: [pki.ca.certificateDer] } },
      tamper: message('client', 'handshake', HandshakeType.certificate_verify, (b) => flip(b, 12)),
    });
    expect(r.result.server.alert?.reason).toMatch(/CertificateVerify/);
    expectFailure(r, 'server', 'decrypt_error', { client: CLIENT_DONE, server: SERVER_FLIGHT }, true);
  });

  it('RFC 8446 §4.4.4: a server Finished altered in flight: the client raises decrypt_error', async () => {
    const r = await run(provider, { tamper: message('server', 'handshake', HandshakeType.finished, (b) => flip(b, -1)) });
    expect(r.result.client.alert?.reason).toMatch(/Finished/);
    expectFailure(r, 'client', 'decrypt_error', { client: HANDSHAKE, server: SERVER_FLIGHT });
  });

  it('RFC 8446 §4.4.4: a client Finished altered in flight: the server raises decrypt_error (no application read secret)', async () => {
    const r = await run(provider, { tamper: message('client', 'handshake', HandshakeType.finished, (b) => flip(b, 0)) });
    expect(r.result.server.alert?.reason).toMatch(/Finished/);
    expectFailure(r, 'server', 'decrypt_error', { client: CLIENT_DONE, server: SERVER_FLIGHT }, true);
  });

  it('RFC 8446 §4.4.4: a server Finished one byte short (verify_data[Hash.length]): the client raises decode_error', async () => {
    const r = await run(provider, { tamper: message('server', 'handshake', HandshakeType.finished, (b) => b.subarray(0, b.length - 1)) });
    expect(r.result.client.alert?.reason).toMatch(/Finished of 31 bytes/);
    expectFailure(r, 'client', 'decode_error', { client: HANDSHAKE, server: SERVER_FLIGHT });
  });

  it('RFC 8446 §4.4.4: a client Finished one byte long: the server raises decode_error', async () => {
    const r = await run(provider, { tamper: message('client', 'handshake', HandshakeType.finished, (b) => concatBytes(b, Uint8Array.of(0))) });
    expect(r.result.server.alert?.reason).toMatch(/Finished of 33 bytes/);
    expectFailure(r, 'server', 'decode_error', { client: CLIENT_DONE, server: SERVER_FLIGHT }, true);
  });

  // ---- the ClientHello, checked by the server: it fails before any ServerHello, so no side holds a secret ----
  const helloFailure = { client: NONE, server: NONE };

  it('RFC 8446 §4.2.1: supported_versions without TLS 1.3 (only 0x0303): the server raises protocol_version', async () => {
    const r = await run(provider, {
      tamper: clientHello((ch) => ({ ...ch, extensions: ch.extensions.map((e) => (e.type === 'supported_versions' ? { type: 'supported_versions', versions: [0x0303] } : e)) })),
    });
    expectFailure(r, 'server', 'protocol_version', helloFailure);
  });

  it('RFC 9001 §8.1: no ALPN protocol in common: the server raises no_application_protocol', async () => {
    const r = await run(provider, { server: { alpnProtocols: ['hq-interop'] } });
    expectFailure(r, 'server', 'no_application_protocol', helloFailure);
  });

  it('RFC 9001 §8.2: a ClientHello without quic_transport_parameters: the server raises missing_extension', async () => {
    const r = await run(provider, { tamper: clientHello((ch) => ({ ...ch, extensions: ch.extensions.filter((e) => e.type !== 'quic_transport_parameters') })) });
    expectFailure(r, 'server', 'missing_extension', helloFailure);
  });

  it('RFC 8446 §4.2.7: a malformed supported_groups body in the ClientHello: the server raises decode_error', async () => {
    const r = await run(provider, {
      tamper: clientHello((ch) => ({
        ...ch, extensions: ch.extensions.map((e) => (e.type === 'supported_groups' ? { type: 'opaque', code: ExtensionType.supported_groups, data: Uint8Array.of(0x00, 0x03, 0x00, 0x1d, 0x00) } : e)),
      })),
    });
    expect(r.result.server.alert?.reason).toMatch(/named_group_list/);
    expectFailure(r, 'server', 'decode_error', helloFailure);
  });

  it('RFC 8446 §4.2: a duplicate extension in the ClientHello: the server raises illegal_parameter', async () => {
    const r = await run(provider, {
      tamper: clientHello((ch) => ({ ...ch, extensions: [...ch.extensions, ch.extensions.find((e) => e.type === 'supported_groups')!] })),
    });
    expect(r.result.server.alert?.reason).toMatch(/duplicate/);
    expectFailure(r, 'server', 'illegal_parameter', helloFailure);
  });

  it('RFC 8446 §4.1.2: a ClientHello cut short after cipher_suites, the rest of its declared length garbage: the server raises decode_error', async () => {
    const r = await run(provider, {
      tamper: message('client', 'initial', HandshakeType.client_hello, (b) => {
        const kept = 2 + 32 + 1 + b[34]! + 2 + ((b[35 + b[34]!]! << 8) | b[36 + b[34]!]!);
        return concatBytes(b.subarray(0, kept), new Uint8Array(b.length - kept).fill(0xff));
      }),
    });
    expect(r.result.server.alert?.reason).toMatch(/^ClientHello/);
    expectFailure(r, 'server', 'decode_error', helloFailure);
  });

  it('RFC 8446 §4: a ClientHello whose header announces only half its body, followed by garbage: the server raises decode_error', async () => {
    // The reassembler yields the half-length ClientHello; the three garbage bytes after it do not
    // form a header yet, so the failure is the ClientHello decoder's.
    const r = await run(provider, {
      tamper: (from, level, data) => {
        if (from !== 'client' || level !== 'initial') return data;
        const half = split(data)[0]!.body.subarray(0, 60);
        return concatBytes(frame(HandshakeType.client_hello, half), Uint8Array.of(0xde, 0xad, 0xbe));
      },
    });
    expect(r.result.server.alert?.reason).toMatch(/^client_hello extensions: truncated/);
    expectFailure(r, 'server', 'decode_error', helloFailure);
  });

  // ---- EncryptedExtensions, checked by the client (after the server's first flight, see (b)) ----

  it('RFC 8446 §4.3.1: a malformed ALPN body in EncryptedExtensions: the client raises decode_error', async () => {
    const r = await run(provider, {
      tamper: encryptedExtensions((ee) => ({
        ...ee,
        extensions: ee.extensions.map((e) => (e.type === 'application_layer_protocol_negotiation' ? { type: 'opaque', code: ExtensionType.application_layer_protocol_negotiation, data: Uint8Array.of(0x00) } : e)),
      })),
    });
    expect(r.result.client.alert?.reason).toMatch(/application_layer_protocol_negotiation/);
    expectFailure(r, 'client', 'decode_error', { client: HANDSHAKE, server: SERVER_FLIGHT });
  });

  it('RFC 8446 §4.2: a duplicate extension in EncryptedExtensions: the client raises illegal_parameter', async () => {
    const r = await run(provider, {
      tamper: encryptedExtensions((ee) => ({ ...ee, extensions: [...ee.extensions, ee.extensions.find((e) => e.type === 'quic_transport_parameters')!] })),
    });
    expect(r.result.client.alert?.reason).toMatch(/duplicate/);
    expectFailure(r, 'client', 'illegal_parameter', { client: HANDSHAKE, server: SERVER_FLIGHT });
  });

  // ---- RFC 9001 §6: "Endpoints MUST treat the receipt of a TLS KeyUpdate message as a connection
  // error of type 0x010a, equivalent to a fatal TLS alert of unexpected_message." Both sides have
  // completed the handshake first, so all four application secrets exist legitimately; what is
  // asserted is that the KeyUpdate released no further secret (no key update took place).

  it('RFC 9001 §6: a KeyUpdate after the server\'s NewSessionTicket: the client raises unexpected_message and derives no new secret', async () => {
    const store = new MemoryTicketStore(provider, new SeededRandom(13));
    const r = await run(provider, {
      server: { tickets: { store } },
      tamper: (from, level, data) => (from === 'server' && level === 'application' ? concatBytes(data, KEY_UPDATE) : data),
    });
    expect(r.result.client.alert?.alertName).toBe('unexpected_message');
    expect(r.result.client.alert?.reason).toMatch(/key_update/);
    expect(r.result.server.alert).toBeUndefined();
    expect(secretsOf(r.events.client)).toEqual(CLIENT_DONE);
    expect(secretsOf(r.events.server)).toEqual([...SERVER_FLIGHT, 'application/read']);
    // Nothing at all after handshake_complete but the ticket, and no second application secret.
    const done = r.events.client.findIndex((e) => e.type === 'handshake_complete');
    expect(r.events.client.slice(done + 1).map((e) => e.type)).toEqual(['session_ticket']);
  });

  it('RFC 9001 §6: a KeyUpdate from the client after the handshake: the server raises unexpected_message and derives no new secret', async () => {
    const r = await run(provider, {});
    expect(r.server.isHandshakeComplete).toBe(true);
    let caught: unknown;
    try {
      r.server.handleCryptoData(NOW, 'application', KEY_UPDATE);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TlsAlert);
    expect((caught as TlsAlert).alertName).toBe('unexpected_message');
    expect(r.server.pollEvent()).toBeUndefined();
    expect(() => r.server.handleCryptoData(NOW, 'application', new Uint8Array(0))).toThrow(caught as TlsAlert);
  });
});
