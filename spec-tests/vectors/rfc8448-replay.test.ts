/**
 * RFC 8448 §3-§6 replayed through the REAL state machines (TlsClientSession, TlsServerSession):
 * each side is driven with the other side's messages as the trace prints them, with the trace's
 * randoms and ephemeral keys injected (helpers/rfc8448-replay.ts ScriptedRandom, in the draw
 * order documented in client-session.ts and server-session.ts), and every message it GENERATES,
 * every Finished and every 'secret' event is compared with the trace byte for byte.
 *
 * The traces are TLS over TCP, so both sides run in the 'rfc8448-test-vectors' profile
 * (src/tls/profile.ts): no ALPN, no quic_transport_parameters, 0-RTT with max_early_data_size 1024
 * (the §3 server's tickets advertise it through `tickets.maxEarlyDataSize`), EndOfEarlyData sent
 * and expected; and a `shapeExtensions` hook (followTrace) lays our extension
 * blocks out in the trace's order, copies the extensions our QUIC stack never sends (listed per
 * message below, with the reason), and interleaves code points we do not implement into
 * supported_groups / signature_algorithms (after checking the implemented ones are exactly ours).
 * Every other byte is ours, except the §3 session ticket itself (opaque bytes of the trace's
 * server): a test TicketStore returns them from `seal`, and the contents our server sealed are
 * checked instead.
 *
 * Randomized signatures (RSA-PSS in §3/§5/§6, ECDSA in §6) cannot be reproduced: the signing key
 * (TraceSigningKey) verifies the trace's signature over exactly the content our state machine asks
 * to sign, signs with the real key when the RFC publishes it (§2's RSA key; node provider, since
 * noble cannot sign RSA) and verifies that signature too, then hands back the trace's signature so
 * the transcript, and so the Finished values after it, can be compared byte for byte.
 */
import { describe, expect, it } from 'vitest';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { hkdfExpandLabel } from '../../src/crypto/hkdf-label.js';
import { parseCertificate } from '../../src/tls/certificates/parse.js';
import { TlsClientSession } from '../../src/tls/client-session.js';
import type { Extension } from '../../src/tls/extension-types.js';
import { decodeHandshakeMessage, type HandshakeMessage } from '../../src/tls/messages.js';
import type { ShapedContext } from '../../src/tls/profile.js';
import { TlsServerSession } from '../../src/tls/server-session.js';
import { decodeServerTicketContents, serializeServerTicketContents } from '../../src/tls/server-ticket.js';
import type { SessionTicket, TicketStore, TlsClientConfig, TlsEvent, TlsServerConfig } from '../../src/tls/session-types.js';
import { Reader, bytesEqual, concatBytes, toHex } from '../../src/util/bytes.js';
import { REAL_PROVIDERS } from '../helpers/providers.js';
import { ScriptedRandom, TraceSigningKey, followTrace, rfc8448RsaPkcs8, type ShapeAction } from '../helpers/rfc8448-replay.js';
import { traceField, traceHex } from '../helpers/rfc8448-trace.js';

type Section = 3 | 4 | 5 | 6;
const WALL_MS = 1_700_000_000_000;
/** RFC 8448 §4: obfuscated_ticket_age 0xfad6aacb - ticket_age_add 0xfad6aac5 = 6 ms after the ticket arrived. */
const TICKET_AGE_MS = 6;
/** The signature schemes of the traces that we implement, in the traces' order. */
const TRACE_SCHEMES = ['ecdsa_secp256r1_sha256', 'ecdsa_secp384r1_sha384', 'rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512'] as const;

/**
 * Extensions copied from the trace, by message (codes), because our QUIC stack never sends them:
 * renegotiation_info 0xff01 (RFC 5746, TLS 1.2 only), session_ticket 35 (RFC 5077, TLS 1.2 only),
 * record_size_limit 28 (RFC 8449: QUIC has no TLS records), padding 21 (RFC 7685: QUIC pads
 * Initial packets instead); psk_key_exchange_modes 45 when no PSK is offered (we send it only with
 * a PSK); supported_groups 10 in EncryptedExtensions (RFC 8446 §4.2.7 allows it; we do not send
 * it); cookie 44 in the HelloRetryRequest (opaque state of the trace's server: ours keeps its
 * HelloRetryRequest state in memory and sends no cookie).
 */
const FROM_TRACE: Record<Section, Partial<Record<ShapedContext, readonly number[]>>> = {
  3: { client_hello: [0xff01, 35, 28, 45], encrypted_extensions: [10, 28] },
  4: { client_hello: [0xff01, 28, 21], encrypted_extensions: [10, 28] },
  5: { client_hello: [0xff01, 28, 21, 45], hello_retry_request: [44], encrypted_extensions: [10, 28] },
  6: { client_hello: [0xff01, 28, 45], encrypted_extensions: [10, 28] },
};

const decode = (raw: Uint8Array): HandshakeMessage => decodeHandshakeMessage(raw[0]!, raw.subarray(4), { finishedLength: 32 });
const extensionsOf = (raw: Uint8Array): readonly Extension[] => {
  const m = decode(raw);
  return 'extensions' in m ? m.extensions : [];
};

/** The trace's whole ClientHello messages (§4: the record payload, with its binders). */
function clientHellos(n: Section): Uint8Array[] {
  if (n === 4) return [traceHex(4, 'client', 'send handshake record', 'payload')];
  return n === 5 ? [traceField(5, 'ClientHello', 0), traceField(5, 'ClientHello', 1)] : [traceField(n, 'ClientHello')];
}
/** The trace's ServerHello(s) (§5: the HelloRetryRequest, then the ServerHello). */
const serverHellos = (n: Section): Uint8Array[] => (n === 5 ? [traceField(5, 'ServerHello', 0), traceField(5, 'ServerHello', 1)] : [traceField(n, 'ServerHello')]);
const serverFinished = (n: Section): Uint8Array => traceField(n, 'Finished', 0);
const clientFinished = (n: Section): Uint8Array => traceField(n, 'Finished', 1);
/** The trace's server Handshake-level flight, message by message. */
function serverFlight(n: Section): Uint8Array[] {
  if (n === 4) return [traceField(4, 'EncryptedExtensions'), serverFinished(4)];
  const auth = [traceField(n, 'Certificate', 0), traceField(n, 'CertificateVerify', 0)];
  return [traceField(n, 'EncryptedExtensions'), ...(n === 6 ? [traceField(6, 'CertificateRequest')] : []), ...auth, serverFinished(n)];
}

/** The trace's extension blocks for our shaper: each context's messages in order (§5 has two ClientHellos). */
function shaperFor(n: Section, side: 'client' | 'server', log: Map<ShapedContext, [number, ShapeAction][]>): TlsClientConfig['shapeExtensions'] {
  const queues = new Map<ShapedContext, Uint8Array[]>();
  if (side === 'client') queues.set('client_hello', clientHellos(n));
  else {
    const hellos = serverHellos(n);
    if (n === 5) queues.set('hello_retry_request', [hellos[0]!]);
    queues.set('server_hello', [hellos[hellos.length - 1]!]);
    queues.set('encrypted_extensions', [traceField(n, 'EncryptedExtensions')]);
    if (n === 6) queues.set('certificate_request', [traceField(6, 'CertificateRequest')]);
  }
  return followTrace((context) => {
    const next = queues.get(context)?.shift();
    if (next === undefined) throw new Error(`§${n} ${side}: no trace message left for ${context}`);
    return extensionsOf(next);
  }, FROM_TRACE[n], log);
}

const privateKey = (n: Section, actor: 'client' | 'server', curve: 'x25519' | 'P-256' = 'x25519'): Uint8Array =>
  traceHex(n, actor, `create an ephemeral ${curve} key pair`, 'private key');
const randomOf = (hello: Uint8Array): Uint8Array => hello.subarray(6, 38);

/** Drains a session's events. */
function drain(s: { pollEvent(): TlsEvent | undefined }): TlsEvent[] {
  const out: TlsEvent[] = [];
  for (let e = s.pollEvent(); e !== undefined; e = s.pollEvent()) out.push(e);
  return out;
}
/** The handshake messages of the crypto_data events at `level`, split at message boundaries. */
function sent(events: readonly TlsEvent[], level: string): Uint8Array[] {
  const data = concatBytes(...events.flatMap((e) => (e.type === 'crypto_data' && e.level === level ? [e.data] : [])));
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; ) {
    const len = (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!;
    out.push(data.subarray(i, i + 4 + len));
    i += 4 + len;
  }
  return out;
}
/** The 'secret' events as `level/direction` -> hex. */
function secrets(events: readonly TlsEvent[]): Record<string, string> {
  return Object.fromEntries(events.flatMap((e) => (e.type === 'secret' ? [[`${e.level}/${e.direction}`, toHex(e.secret)]] : [])));
}
/** The trace's traffic secrets, as the events of `side` should carry them. */
function traceSecrets(n: Section, side: 'client' | 'server', early: boolean): Record<string, string> {
  const s = (label: string): string => toHex(traceHex(n, 'any', `derive secret "tls13 ${label}"`, 'expanded'));
  const [mine, theirs] = side === 'client' ? ['write', 'read'] : ['read', 'write'];
  return {
    ...(early ? { [`early/${mine}`]: s('c e traffic') } : {}),
    [`handshake/${mine}`]: s('c hs traffic'), [`handshake/${theirs}`]: s('s hs traffic'),
    [`application/${mine}`]: s('c ap traffic'), [`application/${theirs}`]: s('s ap traffic'),
  };
}
const hexes = (list: readonly Uint8Array[]): string[] => list.map(toHex);
const certOf = (raw: Uint8Array): Uint8Array => {
  const m = decode(raw);
  if (m.msgType !== 'certificate') throw new Error('not a Certificate');
  return m.certificateList[0]!.certData;
};
const signatureOf = (raw: Uint8Array): Uint8Array => {
  const m = decode(raw);
  if (m.msgType !== 'certificate_verify') throw new Error('not a CertificateVerify');
  return m.signature;
};
const actionsOf = (log: Map<ShapedContext, [number, ShapeAction][]>): Record<string, string> =>
  Object.fromEntries([...log].map(([ctx, actions]) => [ctx, actions.map(([c, a]) => `${c}:${a}`).join(' ')]));

function clientConfig(provider: CryptoProvider, n: Section, random: ScriptedRandom, log: Map<ShapedContext, [number, ShapeAction][]>): TlsClientConfig {
  return {
    provider, random, cipherSuites: [0x1301, 0x1303, 0x1302], groups: ['x25519', 'secp256r1'], signatureSchemes: TRACE_SCHEMES,
    transportParameters: new Uint8Array(0), serverName: 'server', alpnProtocols: [], verification: { mode: 'DANGEROUS_SKIP_VERIFICATION' },
    profile: 'rfc8448-test-vectors', shapeExtensions: shaperFor(n, 'client', log),
  };
}

/** RFC 8448 §3 client side; returns its events and the SessionTicket it made of the trace's NewSessionTicket. */
function replayClient3(provider: CryptoProvider): { events: TlsEvent[]; ticket: SessionTicket; log: Map<ShapedContext, [number, ShapeAction][]>; random: ScriptedRandom } {
  const log = new Map<ShapedContext, [number, ShapeAction][]>();
  const random = new ScriptedRandom([['ClientHello.random', randomOf(traceField(3, 'ClientHello'))], ['x25519 private key', privateKey(3, 'client')]]);
  const client = new TlsClientSession(clientConfig(provider, 3, random, log));
  client.start(WALL_MS);
  client.handleCryptoData(WALL_MS, 'initial', traceField(3, 'ServerHello'));
  client.handleCryptoData(WALL_MS, 'handshake', concatBytes(...serverFlight(3)));
  client.handleCryptoData(WALL_MS, 'application', traceField(3, 'NewSessionTicket'));
  const events = drain(client);
  const t = events.find((e) => e.type === 'session_ticket');
  if (t === undefined || t.type !== 'session_ticket') throw new Error('no session_ticket event');
  return { events, ticket: t.ticket, log, random };
}

describe.each(REAL_PROVIDERS)('RFC 8448 replay through TlsClientSession / TlsServerSession ($name)', ({ provider }) => {
  describe('RFC 8448 §3 Simple 1-RTT Handshake', () => {
    it('RFC 8448 §3: the client draws ClientHello.random then its x25519 private key (client-session.ts draw order)', () => {
      const { events, random } = replayClient3(provider);
      const ch = sent(events, 'initial')[0]!;
      expect(toHex(randomOf(ch)), 'ClientHello.random: the first 32-byte draw').toBe(toHex(randomOf(traceField(3, 'ClientHello'))));
      expect(toHex(ch), 'the key share: the second 32-byte draw').toContain(toHex(traceHex(3, 'client', 'create an ephemeral x25519 key pair', 'public key')));
      expect(random.drawn).toEqual(['ClientHello.random', 'x25519 private key']);
      expect(random.remaining).toEqual([]);
    });

    it('RFC 8448 §3: client ClientHello and Finished equal the trace byte for byte; the server CertificateVerify verifies by our client code path', () => {
      const { events, log } = replayClient3(provider);
      expect(hexes(sent(events, 'initial'))).toEqual(hexes([traceField(3, 'ClientHello')]));
      // The client Finished is only sent if the trace's server CertificateVerify (RSA-PSS) verified
      // against the trace's certificate in checkServerCertificateVerify, and its Finished matched.
      expect(hexes(sent(events, 'handshake'))).toEqual(hexes([clientFinished(3)]));
      expect(actionsOf(log)).toEqual({ client_hello: '0:ours 65281:from-trace 10:ours+unimplemented 35:from-trace 51:ours 43:ours 13:ours+unimplemented 45:from-trace 28:from-trace' });
    });

    it('RFC 8448 §3: client secret events equal the trace traffic secrets; the trace NewSessionTicket gives the trace resumption PSK', () => {
      const { events, ticket } = replayClient3(provider);
      expect(secrets(events)).toEqual(traceSecrets(3, 'client', false));
      expect(events.find((e) => e.type === 'handshake_complete')).toMatchObject({ alpn: '', resumed: false, earlyData: 'not_offered' });
      expect(toHex(ticket.psk)).toBe(toHex(traceHex(3, 'server', 'generate resumption secret', 'expanded')));
      expect(ticket).toMatchObject({ ageAdd: 0xfad6aac5, lifetimeMs: 30_000, maxEarlyData: 1024, alpn: '', serverName: 'server', suite: 0x1301 });
      expect(toHex(ticket.ticket)).toBe(toHex((decode(traceField(3, 'NewSessionTicket')) as { ticket: Uint8Array }).ticket));
    });

    // Our server's own RSA-PSS signature with this key is made and verified in the server test below
    // (TraceSigningKey.ownSignatureVerifies), with node's key (noble cannot sign RSA).
    it('RFC 8448 §2/§3: the RSA private key printed in §2 is the key of the §3 server certificate', () => {
      const real = nodeCryptoProvider.importSigningKey(rfc8448RsaPkcs8());
      const cert = parseCertificate(certOf(traceField(3, 'Certificate')), provider);
      expect(toHex(real.publicKeySpki)).toBe(toHex(cert.subjectPublicKeyInfo));
    });

    it('RFC 8448 §3: server ServerHello, EncryptedExtensions, Certificate, Finished and NewSessionTicket equal the trace (CertificateVerify: RSA-PSS, verified instead)', () => {
      const cert = certOf(traceField(3, 'Certificate'));
      const key = new TraceSigningKey(provider, ['rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512'],
        parseCertificate(cert, provider).subjectPublicKeyInfo, signatureOf(traceField(3, 'CertificateVerify')), nodeCryptoProvider.importSigningKey(rfc8448RsaPkcs8()));
      const sealed: Uint8Array[] = [];
      const nst = decode(traceField(3, 'NewSessionTicket')) as Extract<HandshakeMessage, { msgType: 'new_session_ticket' }>;
      // A test TicketStore: the ticket is opaque bytes of the trace's server, so `seal` returns them;
      // what our server seals (its real contents) is checked below.
      const store: TicketStore = {
        seal: (plaintext) => (sealed.push(plaintext), nst.ticket),
        open: () => undefined,
        markUsed: () => true,
      };
      const ageAdd = Uint8Array.of(0xfa, 0xd6, 0xaa, 0xc5);
      const random = new ScriptedRandom([['x25519 private key', privateKey(3, 'server')], ['ServerHello.random', randomOf(traceField(3, 'ServerHello'))], ['ticket_age_add', ageAdd]]);
      const log = new Map<ShapedContext, [number, ShapeAction][]>();
      const server = new TlsServerSession({
        provider, random, certificate: { chain: [cert], key }, alpnProtocols: [], transportParameters: new Uint8Array(0),
        // The trace's ticket: ticket_lifetime 0x0000001e (30 s) and early_data max_early_data_size
        // 0x00000400 (test-vector profile only: QUIC fixes 0xffffffff, RFC 9001 §4.6.1).
        tickets: { store, lifetimeMs: 30_000, count: 1, maxEarlyDataSize: 0x400 }, enableEarlyData: true,
        profile: 'rfc8448-test-vectors', shapeExtensions: shaperFor(3, 'server', log),
      });
      server.handleCryptoData(WALL_MS, 'initial', traceField(3, 'ClientHello'));
      const first = drain(server);
      expect(random.drawn, 'server draw order: key-share private key, then ServerHello.random').toEqual(['x25519 private key', 'ServerHello.random']);
      expect(hexes(sent(first, 'initial'))).toEqual(hexes([traceField(3, 'ServerHello')]));
      expect(hexes(sent(first, 'handshake'))).toEqual(hexes(serverFlight(3)));
      expect(key.checks).toEqual([{ scheme: 'rsa_pss_rsae_sha256', traceSignatureVerifies: true, ownSignatureVerifies: true }]);
      server.handleCryptoData(WALL_MS, 'handshake', clientFinished(3));
      const events = [...first, ...drain(server)];
      expect(secrets(events)).toEqual(traceSecrets(3, 'server', false));
      expect(events.find((e) => e.type === 'handshake_complete')).toMatchObject({ alpn: '', resumed: false });
      // NewSessionTicket, whole: ticket_lifetime (tickets.lifetimeMs), ticket_age_add (the third
      // draw, server-session.ts draw order), ticket_nonce 0x0000 (our 2-byte counter), the ticket
      // (the test store's) and early_data (tickets.maxEarlyDataSize).
      expect(random.drawn, 'server draw order: then ticket_age_add').toEqual(['x25519 private key', 'ServerHello.random', 'ticket_age_add']);
      expect(random.remaining).toEqual([]);
      expect(hexes(sent(events, 'application'))).toEqual(hexes([traceField(3, 'NewSessionTicket')]));
      // What the server sealed is its own: the PSK HKDF-Expand-Label(trace resumption_master_secret,
      // "resumption", 0x0000, 32), which is the trace's resumption secret, and this connection's parameters.
      expect(sealed).toHaveLength(1);
      const rms = traceHex(3, 'any', 'derive secret "tls13 res master"', 'expanded');
      const contents = decodeServerTicketContents(new Reader(sealed[0]!));
      expect(toHex(contents.psk)).toBe(toHex(hkdfExpandLabel(provider, 'sha256', rms, 'resumption', Uint8Array.of(0, 0), 32)));
      expect(toHex(contents.psk)).toBe(toHex(traceHex(3, 'server', 'generate resumption secret', 'expanded')));
      expect(contents).toMatchObject({ suite: 0x1301, alpn: '', serverName: 'server', issuedAtMs: WALL_MS, ageAdd: 0xfad6aac5, lifetimeMs: 30_000, maxEarlyData: 0x400 });
      expect(toHex(contents.transportParameters)).toBe('');
      expect(actionsOf(log)).toEqual({
        server_hello: '51:ours 43:ours',
        encrypted_extensions: '10:from-trace 28:from-trace 0:ours',
      });
    });
  });

  it('RFC 9001 §8.2: the extension-shaping hook is refused in the default QUIC profile', () => {
    const random = new ScriptedRandom([['ClientHello.random', new Uint8Array(32)], ['x25519 private key', privateKey(3, 'client')]]);
    const config = clientConfig(provider, 3, random, new Map());
    const client = new TlsClientSession({ ...config, profile: 'quic', alpnProtocols: ['h3'] });
    expect(() => client.start(WALL_MS)).toThrow(/shapeExtensions needs the rfc8448-test-vectors profile/);
  });

  describe('RFC 8448 §4 Resumed 0-RTT Handshake', () => {
    const wall4 = (ticket: SessionTicket): number => ticket.receivedAtMs + TICKET_AGE_MS;

    it('RFC 8448 §4: client ClientHello (with its binder), EndOfEarlyData and Finished equal the trace; early and later secret events too', () => {
      const { ticket } = replayClient3(provider);
      const log = new Map<ShapedContext, [number, ShapeAction][]>();
      const random = new ScriptedRandom([['ClientHello.random', randomOf(clientHellos(4)[0]!)], ['x25519 private key', privateKey(4, 'client')]]);
      const client = new TlsClientSession({ ...clientConfig(provider, 4, random, log), sessionTicket: ticket, enableEarlyData: true });
      client.start(wall4(ticket));
      const first = drain(client);
      expect(hexes(sent(first, 'initial'))).toEqual(hexes(clientHellos(4)));
      client.handleCryptoData(wall4(ticket), 'initial', traceField(4, 'ServerHello'));
      client.handleCryptoData(wall4(ticket), 'handshake', concatBytes(...serverFlight(4)));
      const events = [...first, ...drain(client)];
      // RFC 8446 §4.5 EndOfEarlyData (test-vector profile only: RFC 9001 §8.3 forbids it in QUIC,
      // where the client Finished transcript therefore differs from TLS's).
      expect(hexes(sent(events, 'handshake'))).toEqual(hexes([traceField(4, 'EndOfEarlyData'), clientFinished(4)]));
      expect(secrets(events)).toEqual(traceSecrets(4, 'client', true));
      expect(events.find((e) => e.type === 'handshake_complete')).toMatchObject({ resumed: true, earlyData: 'accepted' });
      expect(actionsOf(log).client_hello).toBe('0:ours 65281:from-trace 10:ours+unimplemented 51:ours 42:ours 43:ours 13:ours+unimplemented 45:ours 28:from-trace 21:from-trace 41:ours');
    });

    it('RFC 8448 §4: server ServerHello, EncryptedExtensions and Finished equal the trace; it accepts 0-RTT, EndOfEarlyData and the client Finished', () => {
      const nst = decode(traceField(3, 'NewSessionTicket')) as Extract<HandshakeMessage, { msgType: 'new_session_ticket' }>;
      const used: Uint8Array[] = [];
      // A test TicketStore that opens the trace's ticket (opaque bytes of the trace's server) to
      // what our server would have sealed for it: the §3 PSK and the §3 connection's parameters.
      const store: TicketStore = {
        seal: () => { throw new Error('no ticket is issued (count 0)'); },
        open: (t) => bytesEqual(t, nst.ticket) ? serializeServerTicketContents({
          psk: traceHex(3, 'server', 'generate resumption secret', 'expanded'), suite: 0x1301, alpn: '', serverName: 'server',
          issuedAtMs: WALL_MS - TICKET_AGE_MS, ageAdd: nst.ticketAgeAdd, lifetimeMs: 30_000, maxEarlyData: 1024, transportParameters: new Uint8Array(0),
        }) : undefined,
        markUsed: (t) => (used.push(t), true),
      };
      const random = new ScriptedRandom([['x25519 private key', privateKey(4, 'server')], ['ServerHello.random', randomOf(traceField(4, 'ServerHello'))]]);
      const log = new Map<ShapedContext, [number, ShapeAction][]>();
      const server = new TlsServerSession({
        provider, random, certificate: () => undefined, alpnProtocols: [], transportParameters: new Uint8Array(0), enableEarlyData: true,
        tickets: { store, count: 0 }, profile: 'rfc8448-test-vectors', shapeExtensions: shaperFor(4, 'server', log),
      });
      server.handleCryptoData(WALL_MS, 'initial', clientHellos(4)[0]!);
      const first = drain(server);
      expect(hexes(sent(first, 'initial'))).toEqual(hexes([traceField(4, 'ServerHello')]));
      expect(hexes(sent(first, 'handshake'))).toEqual(hexes(serverFlight(4)));
      expect(hexes(used)).toEqual(hexes([nst.ticket]));
      server.handleCryptoData(WALL_MS, 'handshake', concatBytes(traceField(4, 'EndOfEarlyData'), clientFinished(4)));
      const events = [...first, ...drain(server)];
      expect(secrets(events)).toEqual(traceSecrets(4, 'server', true));
      expect(events.find((e) => e.type === 'handshake_complete')).toMatchObject({ resumed: true, earlyData: 'accepted' });
      expect(actionsOf(log)).toEqual({ server_hello: '41:ours 51:ours 43:ours', encrypted_extensions: '10:from-trace 28:from-trace 0:ours 42:ours' });
    });
  });

  describe('RFC 8448 §5 HelloRetryRequest', () => {
    it('RFC 8448 §5: client ClientHello1, ClientHello2 (after the HelloRetryRequest, with its cookie) and Finished equal the trace', () => {
      const log = new Map<ShapedContext, [number, ShapeAction][]>();
      const [ch1, ch2] = clientHellos(5);
      const random = new ScriptedRandom([
        ['ClientHello.random', randomOf(ch1!)], ['x25519 private key', privateKey(5, 'client')], ['P-256 private key', privateKey(5, 'client', 'P-256')],
      ]);
      const client = new TlsClientSession(clientConfig(provider, 5, random, log));
      client.start(WALL_MS);
      const [hrr, sh] = serverHellos(5);
      const e1 = drain(client);
      expect(hexes(sent(e1, 'initial'))).toEqual(hexes([ch1!]));
      client.handleCryptoData(WALL_MS, 'initial', hrr!);
      const e2 = drain(client);
      expect(random.drawn, 'client draw order: random, x25519 key, then the P-256 key after the HelloRetryRequest').toEqual(['ClientHello.random', 'x25519 private key', 'P-256 private key']);
      expect(hexes(sent(e2, 'initial'))).toEqual(hexes([ch2!]));
      client.handleCryptoData(WALL_MS, 'initial', sh!);
      client.handleCryptoData(WALL_MS, 'handshake', concatBytes(...serverFlight(5)));
      const events = [...e1, ...e2, ...drain(client)];
      expect(hexes(sent(events, 'handshake'))).toEqual(hexes([clientFinished(5)]));
      expect(secrets(events)).toEqual(traceSecrets(5, 'client', false));
    });

    it('RFC 8448 §5: server HelloRetryRequest, ServerHello, EncryptedExtensions, Certificate and Finished equal the trace (CertificateVerify verified instead)', () => {
      const cert = certOf(traceField(5, 'Certificate'));
      const key = new TraceSigningKey(provider, ['rsa_pss_rsae_sha256'], parseCertificate(cert, provider).subjectPublicKeyInfo,
        signatureOf(traceField(5, 'CertificateVerify')), nodeCryptoProvider.importSigningKey(rfc8448RsaPkcs8()));
      const random = new ScriptedRandom([['P-256 private key', privateKey(5, 'server', 'P-256')], ['ServerHello.random', randomOf(serverHellos(5)[1]!)]]);
      const log = new Map<ShapedContext, [number, ShapeAction][]>();
      const server = new TlsServerSession({
        provider, random, certificate: { chain: [cert], key }, alpnProtocols: [], transportParameters: new Uint8Array(0),
        // Only P-256, so that the x25519 share of ClientHello1 leads to a HelloRetryRequest, as in the trace.
        groups: ['secp256r1'], profile: 'rfc8448-test-vectors', shapeExtensions: shaperFor(5, 'server', log),
      });
      const [ch1, ch2] = clientHellos(5);
      server.handleCryptoData(WALL_MS, 'initial', ch1!);
      const e1 = drain(server);
      expect(random.drawn, 'a HelloRetryRequest draws nothing').toEqual([]);
      expect(hexes(sent(e1, 'initial'))).toEqual(hexes([serverHellos(5)[0]!]));
      server.handleCryptoData(WALL_MS, 'initial', ch2!);
      const e2 = drain(server);
      expect(hexes(sent(e2, 'initial'))).toEqual(hexes([serverHellos(5)[1]!]));
      expect(hexes(sent(e2, 'handshake'))).toEqual(hexes(serverFlight(5)));
      expect(key.checks).toEqual([{ scheme: 'rsa_pss_rsae_sha256', traceSignatureVerifies: true, ownSignatureVerifies: true }]);
      server.handleCryptoData(WALL_MS, 'handshake', clientFinished(5));
      const events = [...e1, ...e2, ...drain(server)];
      expect(secrets(events)).toEqual(traceSecrets(5, 'server', false));
      expect(events.some((e) => e.type === 'handshake_complete')).toBe(true);
      expect(actionsOf(log)).toEqual({
        hello_retry_request: '51:ours 44:from-trace 43:ours', server_hello: '51:ours 43:ours', encrypted_extensions: '10:from-trace 28:from-trace 0:ours',
      });
    });
  });

  describe('RFC 8448 §6 Client Authentication', () => {
    // RFC 8448 §6: "private keys for the certificates used in this example are not shown": both
    // CertificateVerify signatures are the trace's, verified over the content our code signs.
    it('RFC 8448 §6: client Certificate and Finished equal the trace (its CertificateVerify: the trace signature, verified over our content)', () => {
      const log = new Map<ShapedContext, [number, ShapeAction][]>();
      const cert = certOf(traceField(6, 'Certificate', 1));
      const key = new TraceSigningKey(provider, ['rsa_pss_rsae_sha256'], parseCertificate(cert, provider).subjectPublicKeyInfo, signatureOf(traceField(6, 'CertificateVerify', 1)), undefined);
      const random = new ScriptedRandom([['ClientHello.random', randomOf(traceField(6, 'ClientHello'))], ['x25519 private key', privateKey(6, 'client')]]);
      const client = new TlsClientSession({ ...clientConfig(provider, 6, random, log), clientCertificate: { chain: [cert], key } });
      client.start(WALL_MS);
      client.handleCryptoData(WALL_MS, 'initial', traceField(6, 'ServerHello'));
      // The server's CertificateVerify is ECDSA P-256: checked by checkServerCertificateVerify.
      client.handleCryptoData(WALL_MS, 'handshake', concatBytes(...serverFlight(6)));
      const events = drain(client);
      expect(hexes(sent(events, 'initial'))).toEqual(hexes([traceField(6, 'ClientHello')]));
      expect(hexes(sent(events, 'handshake'))).toEqual(hexes([traceField(6, 'Certificate', 1), traceField(6, 'CertificateVerify', 1), clientFinished(6)]));
      expect(key.checks).toEqual([{ scheme: 'rsa_pss_rsae_sha256', traceSignatureVerifies: true, ownSignatureVerifies: undefined }]);
      expect(secrets(events)).toEqual(traceSecrets(6, 'client', false));
    });

    it('RFC 8448 §6: server ServerHello, EncryptedExtensions, CertificateRequest, Certificate and Finished equal the trace; it verifies the client CertificateVerify', () => {
      const cert = certOf(traceField(6, 'Certificate', 0));
      const key = new TraceSigningKey(provider, ['ecdsa_secp256r1_sha256'], parseCertificate(cert, provider).subjectPublicKeyInfo, signatureOf(traceField(6, 'CertificateVerify', 0)), undefined);
      const random = new ScriptedRandom([['x25519 private key', privateKey(6, 'server')], ['ServerHello.random', randomOf(traceField(6, 'ServerHello'))]]);
      const log = new Map<ShapedContext, [number, ShapeAction][]>();
      const config: TlsServerConfig = {
        provider, random, certificate: { chain: [cert], key }, alpnProtocols: [], transportParameters: new Uint8Array(0), signatureSchemes: TRACE_SCHEMES,
        clientAuthentication: { mode: 'required', trustAnchors: [] }, profile: 'rfc8448-test-vectors', shapeExtensions: shaperFor(6, 'server', log),
      };
      const server = new TlsServerSession(config);
      server.handleCryptoData(WALL_MS, 'initial', traceField(6, 'ClientHello'));
      const first = drain(server);
      expect(hexes(sent(first, 'initial'))).toEqual(hexes([traceField(6, 'ServerHello')]));
      expect(hexes(sent(first, 'handshake'))).toEqual(hexes(serverFlight(6)));
      expect(key.checks).toEqual([{ scheme: 'ecdsa_secp256r1_sha256', traceSignatureVerifies: true, ownSignatureVerifies: undefined }]);
      const clientCert = certOf(traceField(6, 'Certificate', 1));
      server.handleCryptoData(WALL_MS, 'handshake', concatBytes(traceField(6, 'Certificate', 1), traceField(6, 'CertificateVerify', 1), clientFinished(6)));
      const mid = drain(server);
      expect(mid.find((e) => e.type === 'verify_certificate')).toMatchObject({ chain: [clientCert] });
      // The chain check is asynchronous and out of scope here (no trust anchor is printed): accept the leaf.
      server.completeCertificateVerification(WALL_MS, { ok: true, leaf: parseCertificate(clientCert, provider) });
      const events = [...first, ...mid, ...drain(server)];
      expect(events.find((e) => e.type === 'handshake_complete')).toMatchObject({ peerCertificates: [clientCert] });
      expect(secrets(events)).toEqual(traceSecrets(6, 'server', false));
      expect(actionsOf(log)).toEqual({
        server_hello: '51:ours 43:ours', encrypted_extensions: '10:from-trace 28:from-trace 0:ours', certificate_request: '13:ours+unimplemented',
      });
    });
  });
});
