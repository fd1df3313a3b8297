/**
 * RFC 8448 §3-§6: the TLS 1.3 key schedule (RFC 8446 §7.1), transcript hash (§4.4.1, including
 * the HelloRetryRequest message_hash), Finished (§4.4.4), PSK binders (§4.2.11.2) and resumption
 * PSKs (§4.6.1) replayed against the traces, for every real crypto provider.
 *
 * Everything is read from ../shared/specs/rfc8448.txt at test time (helpers/rfc8448-trace.ts):
 * transcript hashes are computed from the handshake messages the trace prints, then the trace's
 * own "hash" fields and every secret are compared byte for byte.
 */
import { describe, expect, it } from 'vitest';
import type { CryptoProvider, NamedGroup } from '../../src/crypto/provider.js';
import { KeySchedule } from '../../src/tls/key-schedule.js';
import { Transcript, truncateClientHello } from '../../src/tls/transcript.js';
import { toHex } from '../../src/util/bytes.js';
import { REAL_PROVIDERS } from '../helpers/providers.js';
import { traceHex } from '../helpers/rfc8448-trace.js';

/** One handshake of the traces, as the messages that enter its transcript. */
interface Scenario {
  readonly section: 3 | 4 | 5 | 6;
  readonly name: string;
  /** The key-exchange group of the (final) key shares. */
  readonly group: NamedGroup;
  /** Whether a HelloRetryRequest happened (ClientHello1 becomes message_hash). */
  readonly hrr: boolean;
  /** Whether the handshake is resumed with the PSK of §3's ticket. */
  readonly psk: boolean;
  /** Messages up to and including ServerHello, in order: [actor, "construct a ..." title, field, occurrence]. */
  readonly hello: readonly MessageRef[];
  /** Server messages after ServerHello and before its Finished. */
  readonly serverFlight: readonly MessageRef[];
  /** Client messages after the server Finished and before its own Finished. */
  readonly clientFlight: readonly MessageRef[];
}

type MessageRef = readonly [actor: 'client' | 'server', title: string, field: string, occurrence: number];

const CH: MessageRef = ['client', 'construct a ClientHello', 'ClientHello', 0];
const SH: MessageRef = ['server', 'construct a ServerHello', 'ServerHello', 0];
const EE: MessageRef = ['server', 'construct an EncryptedExtensions', 'EncryptedExtensions', 0];
const CERT: MessageRef = ['server', 'construct a Certificate handshake', 'Certificate', 0];
const CV: MessageRef = ['server', 'construct a CertificateVerify', 'CertificateVerify', 0];

const SCENARIOS: readonly Scenario[] = [
  {
    section: 3,
    name: 'Simple 1-RTT Handshake',
    group: 'x25519',
    hrr: false,
    psk: false,
    hello: [CH, SH],
    serverFlight: [EE, CERT, CV],
    clientFlight: [],
  },
  {
    section: 4,
    name: 'Resumed 0-RTT Handshake',
    group: 'x25519',
    hrr: false,
    psk: true,
    // The ClientHello with its binders is the 512-octet record payload (the 477-octet
    // "ClientHello" block of §4 is the truncated one).
    hello: [['client', 'send handshake record', 'payload', 0], SH],
    serverFlight: [EE],
    clientFlight: [['client', 'construct an EndOfEarlyData', 'EndOfEarlyData', 0]],
  },
  {
    section: 5,
    name: 'HelloRetryRequest',
    group: 'secp256r1',
    hrr: true,
    psk: false,
    // ClientHello1, HelloRetryRequest (printed as a ServerHello), ClientHello2, ServerHello.
    hello: [CH, SH, ['client', 'construct a ClientHello', 'ClientHello', 1], ['server', 'construct a ServerHello', 'ServerHello', 1]],
    serverFlight: [EE, CERT, CV],
    clientFlight: [],
  },
  {
    section: 6,
    name: 'Client Authentication',
    group: 'x25519',
    hrr: false,
    psk: false,
    hello: [CH, SH],
    serverFlight: [EE, ['server', 'construct a CertificateRequest', 'CertificateRequest', 0], CERT, CV],
    clientFlight: [
      ['client', 'construct a Certificate handshake', 'Certificate', 0],
      ['client', 'construct a CertificateVerify', 'CertificateVerify', 0],
    ],
  },
];

function message(section: number, ref: MessageRef): Uint8Array {
  return traceHex(section, ref[0], ref[1], ref[2], ref[3]);
}

/** A derive step's field ("expanded", "hash", "PRK"), printed by either side. */
function derived(section: number, title: string, field: string): Uint8Array {
  return traceHex(section, 'any', title, field);
}

/** The Finished message body (verify_data) of a side. */
function finishedMessage(section: number, actor: 'client' | 'server'): Uint8Array {
  return traceHex(section, actor, 'construct a Finished', 'Finished');
}

function keyPairTitle(group: NamedGroup): string {
  return group === 'x25519' ? 'create an ephemeral x25519 key pair' : 'create an ephemeral P-256 key pair';
}

/** The PSK of §3's NewSessionTicket, computed with the key schedule (RFC 8446 §4.6.1). */
function section3ResumptionPsk(provider: CryptoProvider): { psk: Uint8Array; nonce: Uint8Array } {
  const ks = new KeySchedule(provider, 'sha256');
  const transcript = buildTranscript(provider, SCENARIOS[0]!);
  const shared = sharedSecret(provider, SCENARIOS[0]!);
  ks.early();
  ks.handshake(shared);
  ks.master();
  const rms = ks.resumptionMasterSecret(transcript.throughClientFinished.hash());
  // NewSessionTicket (RFC 8446 §4.6.1): header(4) ticket_lifetime(4) ticket_age_add(4) ticket_nonce<0..255>.
  const nst = traceHex(3, 'server', 'construct a NewSessionTicket', 'NewSessionTicket');
  const nonceLength = nst[12]!;
  const nonce = nst.subarray(13, 13 + nonceLength);
  return { psk: ks.resumptionPsk(rms, nonce), nonce };
}

function sharedSecret(provider: CryptoProvider, s: Scenario): Uint8Array {
  const title = keyPairTitle(s.group);
  const clientPrivate = traceHex(s.section, 'client', title, 'private key');
  const serverPublic = traceHex(s.section, 'server', title, 'public key');
  return provider.createKeyExchange(s.group, clientPrivate).computeSecret(serverPublic);
}

interface Transcripts {
  readonly throughServerHello: Transcript;
  readonly throughServerCertificateVerify: Transcript;
  readonly throughServerFinished: Transcript;
  readonly throughClientFlight: Transcript;
  readonly throughClientFinished: Transcript;
}

function buildTranscript(provider: CryptoProvider, s: Scenario): Transcripts {
  const t = new Transcript(provider, 'sha256');
  s.hello.forEach((ref, i) => {
    t.add(message(s.section, ref));
    if (s.hrr && i === 0) t.replaceWithMessageHash();
  });
  const throughServerHello = t.clone();
  for (const ref of s.serverFlight) t.add(message(s.section, ref));
  const throughServerCertificateVerify = t.clone();
  t.add(finishedMessage(s.section, 'server'));
  const throughServerFinished = t.clone();
  for (const ref of s.clientFlight) t.add(message(s.section, ref));
  const throughClientFlight = t.clone();
  t.add(finishedMessage(s.section, 'client'));
  return { throughServerHello, throughServerCertificateVerify, throughServerFinished, throughClientFlight, throughClientFinished: t };
}

/** A key schedule run through the Handshake Secret for scenario `s`. */
function scheduleFor(provider: CryptoProvider, s: Scenario): { ks: KeySchedule; t: Transcripts } {
  const ks = new KeySchedule(provider, 'sha256');
  ks.early(s.psk ? section3ResumptionPsk(provider).psk : undefined);
  ks.handshake(sharedSecret(provider, s));
  return { ks, t: buildTranscript(provider, s) };
}

describe.each(REAL_PROVIDERS)('RFC 8448 key schedule ($name provider)', ({ provider }) => {
  describe.each(SCENARIOS)('RFC 8448 §$section ($name)', (s) => {
    const n = s.section;

    it(`RFC 8448 §${n} / RFC 8446 §7.4: the ${s.group} shared secret equals the trace's handshake IKM`, () => {
      expect(toHex(sharedSecret(provider, s))).toBe(toHex(derived(n, 'extract secret "handshake"', 'IKM')));
    });

    it(`RFC 8448 §${n} / RFC 8446 §7.1: Early Secret, derived secret and Handshake Secret`, () => {
      const ks = new KeySchedule(provider, 'sha256');
      const early = ks.early(s.psk ? section3ResumptionPsk(provider).psk : undefined);
      expect(toHex(early)).toBe(toHex(derived(n, 'extract secret "early"', 'secret')));
      expect(toHex(ks.derivedFromEarly())).toBe(toHex(derived(n, 'derive secret for handshake "tls13 derived"', 'expanded')));
      const hs = ks.handshake(sharedSecret(provider, s));
      expect(toHex(hs)).toBe(toHex(derived(n, 'extract secret "handshake"', 'secret')));
    });

    it(`RFC 8448 §${n} / RFC 8446 §4.4.1, §7.1: transcript through ServerHello and the handshake traffic secrets`, () => {
      const { ks, t } = scheduleFor(provider, s);
      const helloHash = t.throughServerHello.hash();
      expect(toHex(helloHash)).toBe(toHex(derived(n, 'derive secret "tls13 c hs traffic"', 'hash')));
      expect(toHex(ks.clientHandshakeTrafficSecret(helloHash))).toBe(toHex(derived(n, 'derive secret "tls13 c hs traffic"', 'expanded')));
      expect(toHex(ks.serverHandshakeTrafficSecret(helloHash))).toBe(toHex(derived(n, 'derive secret "tls13 s hs traffic"', 'expanded')));
    });

    it(`RFC 8448 §${n} / RFC 8446 §7.1: derived secret for master and the Master Secret`, () => {
      const { ks } = scheduleFor(provider, s);
      expect(toHex(ks.derivedFromHandshake())).toBe(toHex(derived(n, 'derive secret for master "tls13 derived"', 'expanded')));
      expect(toHex(ks.master())).toBe(toHex(derived(n, 'extract secret "master"', 'secret')));
    });

    it(`RFC 8448 §${n} / RFC 8446 §4.4.4: server finished_key and Finished verify_data`, () => {
      const { ks, t } = scheduleFor(provider, s);
      const shts = ks.serverHandshakeTrafficSecret(t.throughServerHello.hash());
      expect(toHex(shts)).toBe(toHex(traceHex(n, 'server', 'calculate finished', 'PRK')));
      expect(toHex(ks.finishedKey(shts))).toBe(toHex(traceHex(n, 'server', 'calculate finished', 'expanded')));
      const verifyData = ks.finishedVerifyData(shts, t.throughServerCertificateVerify.hash());
      expect(toHex(verifyData)).toBe(toHex(traceHex(n, 'server', 'calculate finished', 'finished')));
      expect(toHex(verifyData)).toBe(toHex(finishedMessage(n, 'server').subarray(4)));
    });

    it(`RFC 8448 §${n} / RFC 8446 §7.1: application traffic secrets 0 and exporter_master_secret`, () => {
      const { ks, t } = scheduleFor(provider, s);
      ks.master();
      const h = t.throughServerFinished.hash();
      expect(toHex(h)).toBe(toHex(derived(n, 'derive secret "tls13 c ap traffic"', 'hash')));
      expect(toHex(ks.clientApplicationTrafficSecret0(h))).toBe(toHex(derived(n, 'derive secret "tls13 c ap traffic"', 'expanded')));
      expect(toHex(ks.serverApplicationTrafficSecret0(h))).toBe(toHex(derived(n, 'derive secret "tls13 s ap traffic"', 'expanded')));
      expect(toHex(ks.exporterMasterSecret(h))).toBe(toHex(derived(n, 'derive secret "tls13 exp master"', 'expanded')));
    });

    it(`RFC 8448 §${n} / RFC 8446 §4.4.4: client finished_key and Finished verify_data`, () => {
      const { ks, t } = scheduleFor(provider, s);
      const chts = ks.clientHandshakeTrafficSecret(t.throughServerHello.hash());
      expect(toHex(chts)).toBe(toHex(traceHex(n, 'client', 'calculate finished', 'PRK')));
      expect(toHex(ks.finishedKey(chts))).toBe(toHex(traceHex(n, 'client', 'calculate finished', 'expanded')));
      const verifyData = ks.finishedVerifyData(chts, t.throughClientFlight.hash());
      expect(toHex(verifyData)).toBe(toHex(traceHex(n, 'client', 'calculate finished', 'finished')));
      expect(toHex(verifyData)).toBe(toHex(finishedMessage(n, 'client').subarray(4)));
    });

    it(`RFC 8448 §${n} / RFC 8446 §7.1: resumption_master_secret over the transcript through client Finished`, () => {
      const { ks, t } = scheduleFor(provider, s);
      ks.master();
      const h = t.throughClientFinished.hash();
      expect(toHex(h)).toBe(toHex(derived(n, 'derive secret "tls13 res master"', 'hash')));
      expect(toHex(ks.resumptionMasterSecret(h))).toBe(toHex(derived(n, 'derive secret "tls13 res master"', 'expanded')));
    });
  });

  it('RFC 8448 §3 / RFC 8446 §4.6.1: the ticket PSK from resumption_master_secret and ticket_nonce', () => {
    const { psk, nonce } = section3ResumptionPsk(provider);
    expect(toHex(nonce)).toBe(toHex(traceHex(3, 'server', 'generate resumption secret', 'hash')));
    expect(toHex(nonce)).toBe('0000');
    expect(toHex(psk)).toBe(toHex(traceHex(3, 'server', 'generate resumption secret', 'expanded')));
    // RFC 8448 §4 resumes with it: the IKM of the Early Secret.
    expect(toHex(psk)).toBe(toHex(traceHex(4, 'client', 'extract secret "early"', 'IKM')));
  });

  it('RFC 8448 §4 / RFC 8446 §4.2.11.2: the PSK binder over the truncated ClientHello', () => {
    const ks = new KeySchedule(provider, 'sha256');
    ks.early(section3ResumptionPsk(provider).psk);
    const clientHello = traceHex(4, 'client', 'send handshake record', 'payload');
    // binders<33..2^16-1> holding one 32-byte binder: 2-byte vector length + 1-byte binder length + 32.
    const bindersSize = 2 + 1 + 32;
    const truncated = truncateClientHello(clientHello, bindersSize);
    expect(toHex(truncated)).toBe(toHex(traceHex(4, 'client', 'calculate PSK binder', 'ClientHello prefix')));
    const binderHash = new Transcript(provider, 'sha256').hashWith(truncated);
    expect(toHex(binderHash)).toBe(toHex(traceHex(4, 'client', 'calculate PSK binder', 'binder hash')));
    const binderKey = ks.binderKey('resumption');
    expect(toHex(binderKey)).toBe(toHex(traceHex(4, 'client', 'calculate PSK binder', 'PRK')));
    expect(toHex(ks.finishedKey(binderKey))).toBe(toHex(traceHex(4, 'client', 'calculate PSK binder', 'expanded')));
    const binder = ks.finishedVerifyData(binderKey, binderHash);
    expect(toHex(binder)).toBe(toHex(traceHex(4, 'client', 'calculate PSK binder', 'finished')));
    // ... and it is the binder the ClientHello carries (its last 32 bytes, after 00 21 20).
    expect(toHex(clientHello.subarray(clientHello.length - 35, clientHello.length - 32))).toBe('002120');
    expect(toHex(binder)).toBe(toHex(clientHello.subarray(clientHello.length - 32)));
    // The binder over an external PSK uses another label and so another key.
    expect(toHex(ks.binderKey('external'))).not.toBe(toHex(binderKey));
  });

  it('RFC 8448 §4 / RFC 8446 §7.1: client_early_traffic_secret and early_exporter_master_secret over the whole ClientHello', () => {
    const ks = new KeySchedule(provider, 'sha256');
    ks.early(section3ResumptionPsk(provider).psk);
    const clientHello = traceHex(4, 'client', 'send handshake record', 'payload');
    const h = new Transcript(provider, 'sha256').add(clientHello).hash();
    expect(toHex(h)).toBe(toHex(traceHex(4, 'client', 'derive secret "tls13 c e traffic"', 'hash')));
    expect(toHex(ks.clientEarlyTrafficSecret(h))).toBe(toHex(traceHex(4, 'client', 'derive secret "tls13 c e traffic"', 'expanded')));
    expect(toHex(ks.earlyExporterMasterSecret(h))).toBe(toHex(traceHex(4, 'client', 'derive secret "tls13 e exp master"', 'expanded')));
  });

  it('RFC 8448 §5 / RFC 8446 §4.4.1: without the message_hash substitution the handshake secrets differ', () => {
    // Guards the HRR test above from passing by accident: the plain transcript must not match.
    const s = SCENARIOS[2]!;
    const plain = new Transcript(provider, 'sha256');
    for (const ref of s.hello) plain.add(message(5, ref));
    expect(toHex(plain.hash())).not.toBe(toHex(derived(5, 'derive secret "tls13 c hs traffic"', 'hash')));
  });
});
