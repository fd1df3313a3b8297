/**
 * A minimal scripted TLS 1.3 client for driving `TlsServerSession` in unit tests: builds
 * ClientHellos with the codecs and a real key share, and completes a handshake by hand
 * (RFC 8446 §4.1.2, §4.2.11.2 binders, §4.4.4 Finished). Not a test file itself.
 */
import { expect } from 'vitest';
import type { CryptoProvider, KeyExchange, NamedGroup } from '../../../src/crypto/provider.js';
import { cipherSuiteById } from '../../../src/crypto/suites.js';
import { Reader, concatBytes } from '../../../src/util/bytes.js';
import { SeededRandom, randomBytes } from '../../../src/util/random.js';
import { generateSelfSignedCertificate } from '../../../src/tls/certificates/self-signed.js';
import { parseCertificate } from '../../../src/tls/certificates/parse.js';
import { NamedGroupCode, SignatureSchemeCode, namedGroupCode, signatureSchemeOf } from '../../../src/tls/extension-codes.js';
import { certificateVerifyContent } from '../../../src/tls/common.js';
import type { ClientHelloExtension } from '../../../src/tls/extensions.js';
import { getExtension } from '../../../src/tls/extensions.js';
import { HandshakeReassembler } from '../../../src/tls/handshake-types.js';
import type { ClientHello, ServerHello } from '../../../src/tls/hello-messages.js';
import { KeySchedule } from '../../../src/tls/key-schedule.js';
import { decodeHandshakeMessage, serializeHandshakeMessage, type HandshakeMessage } from '../../../src/tls/messages.js';
import type { CertifiedKey, TlsEvent, TlsServerConfig } from '../../../src/tls/session-types.js';
import { Transcript, truncateClientHello } from '../../../src/tls/transcript.js';
import type { TlsServerSession } from '../../../src/tls/server-session.js';

/** Fixed wall clock for the tests. */
export const NOW_MS = 1_750_000_000_000;
/** Our (server) transport parameters, opaque to TLS. */
export const SERVER_TP = Uint8Array.of(0x04, 0x04, 0x80, 0x10, 0x00, 0x00);
/** The client's transport parameters. */
export const CLIENT_TP = Uint8Array.of(0x01, 0x02, 0x67, 0x10);

/** A self-signed P-256 certificate for "localhost". */
export function serverCertificate(provider: CryptoProvider, seed = 7): CertifiedKey {
  const cert = generateSelfSignedCertificate({ commonName: 'localhost', dnsNames: ['localhost'], nowMs: NOW_MS, random: new SeededRandom(seed) });
  return { chain: [cert.certificateDer], key: provider.importSigningKey(cert.privateKeyPkcs8) };
}

/** A server configuration with defaults. */
export function serverConfig(provider: CryptoProvider, over: Partial<TlsServerConfig> = {}): TlsServerConfig {
  return {
    provider,
    random: new SeededRandom(42),
    transportParameters: SERVER_TP,
    certificate: serverCertificate(provider),
    alpnProtocols: ['h3'],
    ...over,
  };
}

/** What a ClientHello offers. */
export interface HelloOptions {
  suites?: number[];
  supportedGroups?: number[] | null;
  shares?: NamedGroup[];
  alpn?: string[] | null;
  transportParameters?: Uint8Array | null;
  sessionId?: Uint8Array;
  versions?: number[] | null;
  signatureAlgorithms?: number[] | null;
  serverName?: string;
  earlyData?: boolean;
  psk?: { ticket: Uint8Array; psk: Uint8Array; ageAdd: number; ageMs: number; suite: number; badBinder?: boolean };
  pskModes?: number[] | null;
  /** Transcript before this ClientHello (after a HelloRetryRequest), for the binder. */
  prefix?: Transcript;
}

/** A built ClientHello with its key exchanges. */
export interface BuiltHello {
  message: ClientHello;
  raw: Uint8Array;
  exchanges: Map<NamedGroup, KeyExchange>;
}

const te = new TextEncoder();

/** Builds a ClientHello (RFC 8446 §4.1.2) with real key shares. */
export function buildClientHello(provider: CryptoProvider, random: SeededRandom, o: HelloOptions = {}): BuiltHello {
  const exchanges = new Map<NamedGroup, KeyExchange>();
  const ext: ClientHelloExtension[] = [];
  if (o.serverName !== undefined) ext.push({ type: 'server_name', serverNames: [{ nameType: 0, name: o.serverName }] });
  if (o.versions !== null) ext.push({ type: 'supported_versions', versions: o.versions ?? [0x0304] });
  if (o.supportedGroups !== null) ext.push({ type: 'supported_groups', groups: o.supportedGroups ?? [NamedGroupCode.x25519, NamedGroupCode.secp256r1] });
  const shares = (o.shares ?? ['x25519']).map((g) => {
    const kx = provider.createKeyExchange(g, randomBytes(random, 32));
    exchanges.set(g, kx);
    return { group: namedGroupCode(g), keyExchange: kx.publicKey };
  });
  if (o.supportedGroups !== null) ext.push({ type: 'key_share', shares });
  if (o.signatureAlgorithms !== null) {
    ext.push({ type: 'signature_algorithms', schemes: o.signatureAlgorithms ?? [SignatureSchemeCode.ecdsa_secp256r1_sha256, SignatureSchemeCode.ed25519] });
  }
  if (o.alpn !== null) ext.push({ type: 'application_layer_protocol_negotiation', protocols: (o.alpn ?? ['h3']).map((a) => te.encode(a)) });
  if (o.transportParameters !== null) ext.push({ type: 'quic_transport_parameters', data: o.transportParameters ?? CLIENT_TP });
  if (o.pskModes !== null && (o.psk !== undefined || o.pskModes !== undefined)) ext.push({ type: 'psk_key_exchange_modes', modes: o.pskModes ?? [1] });
  if (o.earlyData === true) ext.push({ type: 'early_data' });
  const base = {
    msgType: 'client_hello' as const, legacyVersion: 0x0303, random: randomBytes(random, 32), legacySessionId: o.sessionId ?? new Uint8Array(0),
    cipherSuites: o.suites ?? [0x1301, 0x1302, 0x1303], legacyCompressionMethods: Uint8Array.of(0),
  };
  if (o.psk === undefined) {
    const message: ClientHello = { ...base, extensions: ext };
    return { message, raw: serializeHandshakeMessage(message), exchanges };
  }
  const p = o.psk;
  const suite = cipherSuiteById(p.suite)!;
  const identities = [{ identity: p.ticket, obfuscatedTicketAge: (p.ageMs + p.ageAdd) >>> 0 }];
  const draft: ClientHello = { ...base, extensions: [...ext, { type: 'pre_shared_key', identities, binders: [new Uint8Array(suite.hashLength)] }] };
  const ks = new KeySchedule(provider, suite.hash);
  ks.early(p.psk);
  const partial = truncateClientHello(serializeHandshakeMessage(draft), 2 + 1 + suite.hashLength);
  const prefix = o.prefix ?? new Transcript(provider, suite.hash);
  const binder = ks.finishedVerifyData(ks.binderKey('resumption'), prefix.hashWith(partial));
  if (p.badBinder === true) binder[0]! ^= 1;
  const message: ClientHello = { ...base, extensions: [...ext, { type: 'pre_shared_key', identities, binders: [binder] }] };
  return { message, raw: serializeHandshakeMessage(message), exchanges };
}

/** Drains every queued event. */
export function drain(server: TlsServerSession): TlsEvent[] {
  const out: TlsEvent[] = [];
  for (let e = server.pollEvent(); e !== undefined; e = server.pollEvent()) out.push(e);
  return out;
}

/** The handshake messages of every crypto_data event at `level`. */
export function messagesAt(events: readonly TlsEvent[], level: 'initial' | 'handshake' | 'application', finishedLength = 32): { message: HandshakeMessage; raw: Uint8Array }[] {
  const r = new HandshakeReassembler();
  const out: { message: HandshakeMessage; raw: Uint8Array }[] = [];
  for (const e of events) {
    if (e.type !== 'crypto_data' || e.level !== level) continue;
    for (const m of r.push(e.data)) out.push({ message: decodeHandshakeMessage(m.type, m.body, { finishedLength }), raw: m.raw });
  }
  return out;
}

/** Result of a scripted handshake. */
export interface Handshake {
  events: TlsEvent[];
  serverHello: ServerHello;
  flight: HandshakeMessage[];
  clientFinished: Uint8Array;
  transcript: Transcript;
  keySchedule: KeySchedule;
}

/**
 * Continues a handshake after the ClientHello was fed: checks the server's flight (including its
 * Finished), and returns the client Finished to feed (not fed yet).
 */
export function clientSide(provider: CryptoProvider, hello: BuiltHello, events: TlsEvent[], o: { psk?: Uint8Array; prefix?: Transcript; certificateMessages?: (t: Transcript) => Uint8Array[] } = {}): Handshake {
  const initial = messagesAt(events, 'initial');
  const sh = initial.at(-1)!;
  expect(sh.message.msgType).toBe('server_hello');
  const serverHello = sh.message as ServerHello;
  const suite = cipherSuiteById(serverHello.cipherSuite)!;
  const transcript = o.prefix ?? new Transcript(provider, suite.hash);
  transcript.add(hello.raw).add(sh.raw);
  const share = getExtension(serverHello.extensions, 'key_share');
  if (share === undefined || !('share' in share)) throw new Error('no server key share');
  const group = share.share.group === NamedGroupCode.x25519 ? 'x25519' : 'secp256r1';
  const ks = new KeySchedule(provider, suite.hash);
  ks.early(o.psk);
  ks.handshake(hello.exchanges.get(group)!.computeSecret(share.share.keyExchange));
  const chs = ks.clientHandshakeTrafficSecret(transcript.hash());
  const shs = ks.serverHandshakeTrafficSecret(transcript.hash());
  const flight: HandshakeMessage[] = [];
  for (const m of messagesAt(events, 'handshake', suite.hashLength)) {
    if (m.message.msgType === 'certificate_verify') {
      // RFC 8446 §4.4.3: the server's signature verifies with its leaf's key.
      const leaf = flight.find((f) => f.msgType === 'certificate');
      if (leaf?.msgType !== 'certificate') throw new Error('CertificateVerify without Certificate');
      const spki = parseCertificate(leaf.certificateList[0]!.certData, provider).subjectPublicKeyInfo;
      const scheme = signatureSchemeOf(m.message.algorithm)!;
      expect(provider.verify(scheme, spki, certificateVerifyContent('server', transcript.hash()), m.message.signature)).toBe(true);
    }
    if (m.message.msgType === 'finished') {
      expect(m.message.verifyData).toEqual(ks.finishedVerifyData(shs, transcript.hash()));
    }
    transcript.add(m.raw);
    flight.push(m.message);
  }
  ks.master();
  const certMessages = o.certificateMessages?.(transcript) ?? [];
  for (const c of certMessages) transcript.add(c);
  const finished = serializeHandshakeMessage({ msgType: 'finished', verifyData: ks.finishedVerifyData(chs, transcript.hash()) });
  transcript.add(finished);
  return { events, serverHello, flight, clientFinished: concatBytes(...certMessages, finished), transcript, keySchedule: ks };
}

/** The PSK of a ticket the server issued (RFC 8446 §4.6.1), as a client derives it. */
export function ticketPsk(h: Handshake, nonce: Uint8Array): Uint8Array {
  const rms = h.keySchedule.resumptionMasterSecret(h.transcript.hash());
  return h.keySchedule.resumptionPsk(rms, nonce);
}

/** Reads a u16 from bytes (small helper for assertions). */
export function u16At(b: Uint8Array, at: number): number {
  return new Reader(b, at).u16();
}
