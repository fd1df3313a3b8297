/**
 * The TLS 1.3 server state machine for QUIC (sans-IO): `TlsServerSession`.
 *
 * Implements:
 * - RFC 8446 Appendix A.2 (server state machine): START -> RECVD_CH -> NEGOTIATED -> WAIT_FLIGHT2
 *   -> (WAIT_CERT -> WAIT_CV) -> WAIT_FINISHED -> CONNECTED; §4.1.4 HelloRetryRequest (once);
 *   §4.4 authentication messages; §4.4.4 Finished; §4.6.1 NewSessionTicket; §4.2.10 and §8
 *   0-RTT acceptance.
 * - RFC 9001 §4.1.3 (handshake messages arrive as CRYPTO data, keys change only at message
 *   boundaries), §4.1.4 (encryption levels: ClientHello/ServerHello at Initial, the rest of the
 *   handshake at Handshake, tickets at 1-RTT; the server may send 0.5-RTT, so its application
 *   write secret is released with its Finished), §4.6 (0-RTT), §6 (no TLS KeyUpdate), §8.3 (no
 *   EndOfEarlyData).
 *
 * In the 'rfc8448-test-vectors' profile (profile.ts) the QUIC-only rules are relaxed (ALPN and
 * transport parameters optional, any max_early_data_size, tickets advertising
 * `tickets.maxEarlyDataSize`, EndOfEarlyData expected after an accepted 0-RTT, as 'handshake'
 * CRYPTO data) and the test hook reshapes our extension blocks.
 *
 * Randomness is drawn from `config.random` in this order (the RFC 8448 replay depends on it): the
 * key-share private key (32 bytes; redrawn, at most 3 times, if not a valid scalar), then
 * ServerHello.random (32); a HelloRetryRequest draws nothing; after the client Finished, per
 * ticket, ticket_age_add (4 bytes) then whatever `TicketStore.seal` draws (MemoryTicketStore: its
 * 12-byte AEAD nonce). The ticket_nonce is a counter (server-ticket.ts) and draws nothing.
 *
 * Negotiation is in server-negotiation.ts, PSK selection in server-psk.ts, message building in
 * server-flight.ts, the sealed ticket format in server-ticket.ts; this file only sequences them.
 */
import { CryptoError, type NamedGroup, type SignatureScheme } from '../crypto/provider.js';
import type { CipherSuiteInfo } from '../crypto/suites.js';
import { bytesEqual } from '../util/bytes.js';
import { randomBytes } from '../util/random.js';
import { TransportError } from '../wire/errors.js';
import type { CertificateVerification } from './certificates/errors.js';
import { TlsAlert } from './alerts.js';
import { namedGroupCode, signatureSchemeOf } from './extension-codes.js';
import { getExtension } from './extensions.js';
import { HandshakeReassembler, HandshakeType, type RawHandshakeMessage } from './handshake-types.js';
import type { ClientHello } from './hello-messages.js';
import { KeySchedule } from './key-schedule.js';
import { keyLogLine, type KeyLogLabel } from './key-log.js';
import { decodeHandshakeMessage, serializeHandshakeMessage, type Certificate, type CertificateVerify, type Finished, type HandshakeMessage } from './messages.js';
import { DEFAULT_CIPHER_SUITES, DEFAULT_GROUPS, DEFAULT_SIGNATURE_SCHEMES, QUIC_EARLY_DATA, certificateVerifyContent } from './common.js';
import { DEFAULT_TICKET_LIFETIME_MS, buildHelloRetryRequest, buildServerFlight, buildServerHello } from './server-flight.js';
import {
  checkClientHello, chooseAlpn,
  chooseCipherSuite, chooseGroup, chooseSignatureScheme, clientServerName, createServerKeyExchange,
} from './server-negotiation.js';
import { isQuicProfile, shapedExtensions, ticketMaxEarlyData } from './profile.js';
import { selectPsk, type AcceptedPsk } from './server-psk.js';
import { constantTimeEqual } from '../util/bytes.js';
import { issueTickets } from './server-ticket.js';
import type { CertifiedKey, EncryptionLevel, TlsEvent, TlsServerConfig, TlsSession } from './session-types.js';
import { Transcript } from './transcript.js';

type CryptoLevel = Exclude<EncryptionLevel, 'early'>;

/** RFC 8446 Appendix A.2 states, as this implementation names them. */
type ServerState = 'wait_client_hello' | 'wait_client_hello_2' | 'wait_end_of_early_data' | 'wait_certificate' | 'wait_certificate_result' | 'wait_certificate_verify' | 'wait_finished' | 'connected';

/** Messages buffered while the client certificate is being verified (CertificateVerify, Finished). */
const MAX_BUFFERED_MESSAGES = 2;

/** Where each state expects the next message, and its type (undefined: none is acceptable). */
const EXPECTED: Readonly<Record<ServerState, { level: CryptoLevel; type: number | undefined }>> = {
  wait_client_hello: { level: 'initial', type: HandshakeType.client_hello },
  wait_client_hello_2: { level: 'initial', type: HandshakeType.client_hello },
  // Test-vector profile only (RFC 8446 §4.5); see #dispatch.
  wait_end_of_early_data: { level: 'handshake', type: HandshakeType.end_of_early_data },
  wait_certificate: { level: 'handshake', type: HandshakeType.certificate },
  wait_certificate_result: { level: 'handshake', type: undefined },
  wait_certificate_verify: { level: 'handshake', type: HandshakeType.certificate_verify },
  wait_finished: { level: 'handshake', type: HandshakeType.finished },
  connected: { level: 'application', type: undefined },
};

/** Negotiated state after the ServerHello. */
interface Negotiated {
  readonly suite: CipherSuiteInfo;
  readonly keySchedule: KeySchedule;
  readonly transcript: Transcript;
  readonly clientHandshakeSecret: Uint8Array;
  readonly clientApplicationSecret: Uint8Array;
  readonly alpn: string;
  readonly serverName: string | undefined;
  readonly resumed: boolean;
  readonly earlyData: 'accepted' | 'rejected' | 'not_offered';
  /** Signature schemes we asked the client to sign with, when we sent a CertificateRequest. */
  readonly requestedSchemes: readonly SignatureScheme[];
}

/**
 * A TLS 1.3 server handshake for one QUIC connection. Feed it the client's CRYPTO data with
 * `handleCryptoData`, pull `TlsEvent`s with `pollEvent`. A violation throws `TlsAlert` (or
 * `TransportError` PROTOCOL_VIOLATION, RFC 9001 §8.4), and every later call throws it again.
 */
export class TlsServerSession implements TlsSession {
  readonly #config: TlsServerConfig;
  readonly #reassemblers: Record<CryptoLevel, HandshakeReassembler>;
  readonly #events: TlsEvent[] = [];
  #state: ServerState = 'wait_client_hello';
  #failure: TlsAlert | TransportError | undefined;
  #clientRandom: Uint8Array = new Uint8Array(32);
  /** Set after a HelloRetryRequest: the suite and group it fixed, and the transcript so far. */
  #retry: { readonly suite: CipherSuiteInfo; readonly group: NamedGroup; readonly transcript: Transcript; readonly earlyOffered: boolean } | undefined;
  #negotiated: Negotiated | undefined;
  #buffered: RawHandshakeMessage[] = [];
  #peerCertificates: readonly Uint8Array[] = [];
  #clientLeafSpki: Uint8Array | undefined;
  /** max_early_data_size of our tickets (0: no early_data extension). */
  readonly #ticketMaxEarlyData: number;

  /**
   * @param config the server's configuration (session-types.ts).
   * @throws TlsAlert internal_error on `tickets.maxEarlyDataSize` outside the test-vector profile (profile.ts).
   */
  constructor(config: TlsServerConfig) {
    this.#config = config;
    this.#ticketMaxEarlyData = ticketMaxEarlyData(config);
    const max = config.maxHandshakeMessageSize;
    this.#reassemblers = { initial: new HandshakeReassembler(max), handshake: new HandshakeReassembler(max), application: new HandshakeReassembler(max) };
  }

  /** True once 'handshake_complete' has been emitted. */
  get isHandshakeComplete(): boolean {
    return this.#state === 'connected';
  }

  /** The next event, or undefined. */
  pollEvent(): TlsEvent | undefined {
    return this.#events.shift();
  }

  /** The client's CRYPTO data at `level`, in stream order. */
  handleCryptoData(wallMs: number, level: CryptoLevel, data: Uint8Array): void {
    this.#guard(() => {
      for (const m of this.#reassemblers[level].push(data)) this.#dispatch(wallMs, level, m);
    });
  }

  /** The result of the check asked for by 'verify_certificate' (the client's chain). */
  completeCertificateVerification(wallMs: number, result: CertificateVerification): void {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#state !== 'wait_certificate_result') throw new Error('no certificate verification is pending');
    this.#guard(() => {
      // RFC 8446 §4.4.2.4: a client certificate that fails validation aborts the handshake with
      // the alert the verification named.
      if (!result.ok) throw new TlsAlert(result.alert, `client certificate: ${result.reason}`);
      this.#clientLeafSpki = result.leaf.subjectPublicKeyInfo;
      this.#state = 'wait_certificate_verify';
      const buffered = this.#buffered;
      this.#buffered = [];
      for (const m of buffered) this.#dispatch(wallMs, 'handshake', m);
    });
  }

  #guard(body: () => void): void {
    if (this.#failure !== undefined) throw this.#failure;
    try {
      body();
    } catch (e) {
      this.#failure = e instanceof TlsAlert || e instanceof TransportError
        ? e
        : new TlsAlert('internal_error', e instanceof Error ? e.message : String(e));
      throw this.#failure;
    }
  }

  #emit(event: TlsEvent): void {
    this.#events.push(event);
  }

  #secret(level: Exclude<EncryptionLevel, 'initial'>, direction: 'read' | 'write', suite: CipherSuiteInfo, secret: Uint8Array, label: KeyLogLabel): void {
    this.#emit({ type: 'key_log', line: keyLogLine(label, this.#clientRandom, secret) });
    this.#emit({ type: 'secret', level, direction, suite, secret });
  }

  #dispatch(wallMs: number, level: CryptoLevel, raw: RawHandshakeMessage): void {
    // RFC 9001 §6: "Endpoints MUST NOT send a TLS KeyUpdate message. Endpoints MUST treat the
    // receipt of a TLS KeyUpdate message as a connection error of type 0x010a, equivalent to a
    // fatal TLS alert of unexpected_message." RFC 9001 §8.3: "Clients MUST NOT send the
    // EndOfEarlyData message. A server MUST treat receipt of a CRYPTO frame in a 0-RTT packet as
    // a connection error of type PROTOCOL_VIOLATION" -- and an EndOfEarlyData as unexpected.
    if (raw.type === HandshakeType.key_update) throw new TlsAlert('unexpected_message', 'TLS KeyUpdate is forbidden in QUIC');
    if (raw.type === HandshakeType.end_of_early_data && isQuicProfile(this.#config)) throw new TlsAlert('unexpected_message', 'EndOfEarlyData is forbidden in QUIC');
    const expected = EXPECTED[this.#state];
    if (this.#state === 'wait_certificate_result' && level === 'handshake') {
      // The client's CertificateVerify and Finished wait for the asynchronous chain check.
      if (this.#buffered.length >= MAX_BUFFERED_MESSAGES) throw new TlsAlert('unexpected_message', 'too many messages before the certificate check ended');
      this.#buffered.push(raw);
      return;
    }
    // RFC 8446 §4 / RFC 9001 §4.1.3: a message out of order, or at the wrong encryption level,
    // is "unexpected_message".
    if (level !== expected.level || raw.type !== expected.type) {
      throw new TlsAlert('unexpected_message', `handshake message type ${raw.type} at ${level} level in state ${this.#state}`);
    }
    const message = decodeHandshakeMessage(raw.type, raw.body, { finishedLength: this.#negotiated?.suite.hashLength ?? 32 });
    this.#handle(wallMs, message, raw.raw);
  }

  #handle(wallMs: number, m: HandshakeMessage, raw: Uint8Array): void {
    switch (m.msgType) {
      case 'client_hello': return this.#onClientHello(wallMs, m, raw);
      case 'end_of_early_data':
        // RFC 8446 §4.5 (test-vector profile only): EndOfEarlyData enters the transcript.
        this.#negotiated!.transcript.add(raw);
        this.#state = this.#negotiated!.requestedSchemes.length > 0 ? 'wait_certificate' : 'wait_finished';
        return;
      case 'certificate': return this.#onCertificate(m, raw);
      case 'certificate_verify': return this.#onCertificateVerify(m, raw);
      case 'finished': return this.#onFinished(wallMs, m, raw);
      default: throw new TlsAlert('unexpected_message', `unexpected ${m.msgType}`);
    }
  }

  #onClientHello(wallMs: number, ch: ClientHello, raw: Uint8Array): void {
    const config = this.#config;
    const retry = this.#retry;
    // RFC 9001 §4.1.3: the keys change after the ClientHello, so it must end the Initial data.
    if (!this.#reassemblers.initial.isAtMessageBoundary) throw new TlsAlert('unexpected_message', 'data after the ClientHello at the Initial level');
    const quic = isQuicProfile(config);
    const peerTransportParameters = checkClientHello(ch, quic);
    const suite = chooseCipherSuite(ch, config.cipherSuites ?? DEFAULT_CIPHER_SUITES);
    const alpn = chooseAlpn(ch, config.alpnProtocols, quic);
    const choice = chooseGroup(ch, config.groups ?? DEFAULT_GROUPS);
    const earlyOffered = getExtension(ch.extensions, 'early_data') !== undefined;
    this.#clientRandom = ch.random.slice();
    if (retry === undefined && choice.kind === 'retry') {
      // RFC 8446 §4.1.4: the server "will send this message in response to a ClientHello
      // message if it is able to find an acceptable set of parameters but the ClientHello does
      // not contain sufficient information to proceed with the handshake."
      const transcript = new Transcript(config.provider, suite.hash);
      // RFC 8446 §4.4.1: ClientHello1 is replaced by message_hash(Hash(ClientHello1)).
      transcript.add(raw).replaceWithMessageHash();
      const hrrMessage = buildHelloRetryRequest(suite, namedGroupCode(choice.group), ch.legacySessionId);
      const hrr = serializeHandshakeMessage({ ...hrrMessage, extensions: shapedExtensions(config, 'hello_retry_request', hrrMessage.extensions) });
      transcript.add(hrr);
      this.#retry = { suite, group: choice.group, transcript, earlyOffered };
      this.#state = 'wait_client_hello_2';
      this.#emit({ type: 'crypto_data', level: 'initial', data: hrr });
      return;
    }
    if (retry !== undefined) {
      // RFC 8446 §4.1.4: "Servers MUST ensure that they negotiate the same cipher suite when
      // receiving a conformant updated ClientHello"; §4.2.8: the new key_share must hold exactly
      // one share, for the group the HelloRetryRequest selected (else illegal_parameter).
      const shares = getExtension(ch.extensions, 'key_share')?.shares ?? [];
      if (choice.kind !== 'share' || choice.group !== retry.group || shares.length !== 1) {
        throw new TlsAlert('illegal_parameter', 'the second ClientHello does not carry exactly one share for the group the HelloRetryRequest selected');
      }
      if (suite.id !== retry.suite.id) throw new TlsAlert('illegal_parameter', 'the second ClientHello changes the cipher suite');
      // RFC 8446 §4.2.10: "A client MUST NOT include the "early_data" extension in its followup
      // ClientHello."
      if (earlyOffered) throw new TlsAlert('illegal_parameter', 'early_data in the ClientHello after a HelloRetryRequest');
    }
    if (choice.kind !== 'share') throw new Error('unreachable: retry without a share');
    const serverName = clientServerName(ch);
    const transcript = retry?.transcript ?? new Transcript(config.provider, suite.hash);
    const psk: AcceptedPsk | undefined = config.tickets === undefined
      ? undefined
      : selectPsk({ clientHello: ch, rawClientHello: raw, transcript, suite, store: config.tickets.store, provider: config.provider, wallMs, serverName });
    transcript.add(raw);
    if (peerTransportParameters !== undefined) this.#emit({ type: 'peer_transport_parameters', data: peerTransportParameters.slice() });

    const keySchedule = psk?.keySchedule ?? new KeySchedule(config.provider, suite.hash);
    if (psk === undefined) keySchedule.early();
    // RFC 8446 §4.2.10 and RFC 9001 §4.6.2: 0-RTT only with the first PSK identity, the same
    // cipher suite and ALPN as the ticket's connection, and (RFC 9000 §7.4.1) the same transport
    // parameters we remembered; never after a HelloRetryRequest.
    const acceptEarly = config.enableEarlyData === true && earlyOffered && retry === undefined && psk !== undefined
      && psk.index === 0 && psk.fresh && (quic ? psk.contents.maxEarlyData === QUIC_EARLY_DATA : psk.contents.maxEarlyData > 0)
      && psk.contents.suite === suite.id && psk.contents.alpn === (alpn?.name ?? '')
      && bytesEqual(psk.contents.transportParameters, quic ? config.earlyDataContext ?? config.transportParameters : new Uint8Array(0));
    const earlyData = acceptEarly ? 'accepted' : earlyOffered || retry?.earlyOffered === true ? 'rejected' : 'not_offered';
    if (acceptEarly) {
      this.#secret('early', 'read', suite, keySchedule.clientEarlyTrafficSecret(transcript.hash()), 'CLIENT_EARLY_TRAFFIC_SECRET');
      this.#emit({ type: 'early_data_accepted', alpn: alpn?.name ?? '' });
    }

    // A full handshake authenticates with a certificate (RFC 8446 §4.4.2, §4.4.3).
    let certified: { key: CertifiedKey; scheme: SignatureScheme } | undefined;
    if (psk === undefined) {
      const key = typeof config.certificate === 'function' ? config.certificate(serverName) : config.certificate;
      if (key === undefined) throw new TlsAlert('handshake_failure', `no certificate for server name ${serverName ?? '(none)'}`);
      certified = { key, scheme: chooseSignatureScheme(ch, key.key.schemes) };
    }

    // RFC 8446 §4.2.8: the server's share is in the same group as the client's.
    const exchange = createServerKeyExchange(config.provider, config.random, choice.group);
    let shared: Uint8Array;
    try {
      shared = exchange.computeSecret(choice.share.keyExchange);
    } catch (e) {
      // RFC 8446 §4.2.8.2 / §7.4.2: an invalid peer share (bad point, all-zero X25519 output)
      // aborts with "illegal_parameter".
      if (e instanceof CryptoError) throw new TlsAlert('illegal_parameter', `invalid ${choice.group} key share: ${e.message}`);
      throw e;
    }
    const sh = buildServerHello(randomBytes(config.random, 32), suite, { group: namedGroupCode(choice.group), keyExchange: exchange.publicKey }, psk?.index, ch.legacySessionId);
    const serverHello = serializeHandshakeMessage({ ...sh, extensions: shapedExtensions(config, 'server_hello', sh.extensions) });
    transcript.add(serverHello);
    keySchedule.handshake(shared);
    keySchedule.dropEarlySecret();
    const helloHash = transcript.hash();
    const clientHandshakeSecret = keySchedule.clientHandshakeTrafficSecret(helloHash);
    const serverHandshakeSecret = keySchedule.serverHandshakeTrafficSecret(helloHash);
    this.#emit({ type: 'crypto_data', level: 'initial', data: serverHello });
    this.#secret('handshake', 'read', suite, clientHandshakeSecret, 'CLIENT_HANDSHAKE_TRAFFIC_SECRET');
    this.#secret('handshake', 'write', suite, serverHandshakeSecret, 'SERVER_HANDSHAKE_TRAFFIC_SECRET');

    const requestedSchemes = certified !== undefined && config.clientAuthentication !== undefined ? config.signatureSchemes ?? DEFAULT_SIGNATURE_SCHEMES : [];
    const flight = buildServerFlight({
      transcript, keySchedule, serverHandshakeSecret, alpn: alpn?.bytes, profile: config,
      transportParameters: quic || peerTransportParameters !== undefined ? config.transportParameters : undefined,
      acknowledgeServerName: serverName !== undefined, acceptEarlyData: acceptEarly, requestedSchemes, certified,
    });
    const finishedHash = transcript.hash();
    keySchedule.master();
    keySchedule.dropHandshakeSecret();
    const clientApplicationSecret = keySchedule.clientApplicationTrafficSecret0(finishedHash);
    const serverApplicationSecret = keySchedule.serverApplicationTrafficSecret0(finishedHash);
    this.#emit({ type: 'crypto_data', level: 'handshake', data: flight });
    // RFC 9001 §4.1.4: the server may send 0.5-RTT data once its Finished is sent, so its
    // application write keys are available at once; the read keys wait for the client Finished.
    this.#secret('application', 'write', suite, serverApplicationSecret, 'SERVER_TRAFFIC_SECRET_0');
    this.#emit({ type: 'key_log', line: keyLogLine('CLIENT_TRAFFIC_SECRET_0', this.#clientRandom, clientApplicationSecret) });
    this.#emit({ type: 'key_log', line: keyLogLine('EXPORTER_SECRET', this.#clientRandom, keySchedule.exporterMasterSecret(finishedHash)) });

    this.#negotiated = {
      suite, keySchedule, transcript, clientHandshakeSecret, clientApplicationSecret, alpn: alpn?.name ?? '', serverName,
      resumed: psk !== undefined, earlyData, requestedSchemes,
    };
    this.#retry = undefined;
    this.#state = acceptEarly && !quic ? 'wait_end_of_early_data' : requestedSchemes.length > 0 ? 'wait_certificate' : 'wait_finished';
  }

  #onCertificate(m: Certificate, raw: Uint8Array): void {
    const n = this.#negotiated!;
    // RFC 8446 §4.4.2: certificate_request_context is the value from the CertificateRequest (empty).
    if (m.certificateRequestContext.length !== 0) throw new TlsAlert('illegal_parameter', 'client Certificate with a non-empty context');
    n.transcript.add(raw);
    if (m.certificateList.length === 0) {
      // RFC 8446 §4.4.2.4: "If the client does not send any certificates (i.e., it sends an empty
      // Certificate message), the server MAY at its discretion either continue the handshake
      // without client authentication or abort the handshake with a "certificate_required" alert."
      if (this.#config.clientAuthentication?.mode === 'required') throw new TlsAlert('certificate_required', 'the client sent no certificate');
      this.#state = 'wait_finished';
      return;
    }
    this.#peerCertificates = m.certificateList.map((e) => e.certData.slice());
    this.#state = 'wait_certificate_result';
    this.#emit({ type: 'verify_certificate', chain: this.#peerCertificates, serverName: undefined, trustAnchors: this.#config.clientAuthentication?.trustAnchors ?? [] });
  }

  #onCertificateVerify(m: CertificateVerify, raw: Uint8Array): void {
    const n = this.#negotiated!;
    const scheme = signatureSchemeOf(m.algorithm);
    // RFC 8446 §4.4.3: "If the CertificateVerify message is sent by a client, the signature
    // algorithm used in the signature MUST be one of those present in the
    // supported_signature_algorithms field of the "signature_algorithms" extension in the
    // CertificateRequest message."
    if (scheme === undefined || !n.requestedSchemes.includes(scheme)) throw new TlsAlert('illegal_parameter', `client signed with scheme 0x${m.algorithm.toString(16)}, not requested`);
    const content = certificateVerifyContent('client', n.transcript.hash());
    let ok: boolean;
    try {
      ok = this.#config.provider.verify(scheme, this.#clientLeafSpki!, content, m.signature);
    } catch (e) {
      if (!(e instanceof CryptoError)) throw e;
      ok = false;
    }
    // RFC 8446 §4.4.3: "If the verification fails, the receiver MUST terminate the handshake
    // with a "decrypt_error" alert."
    if (!ok) throw new TlsAlert('decrypt_error', 'the client CertificateVerify signature does not verify');
    n.transcript.add(raw);
    this.#state = 'wait_finished';
  }

  #onFinished(wallMs: number, m: Finished, raw: Uint8Array): void {
    const n = this.#negotiated!;
    const expected = n.keySchedule.finishedVerifyData(n.clientHandshakeSecret, n.transcript.hash());
    // RFC 8446 §4.4.4: "Recipients of Finished messages MUST verify that the contents are correct
    // and if incorrect MUST terminate the connection with a "decrypt_error" alert."
    if (!constantTimeEqual(expected, m.verifyData)) throw new TlsAlert('decrypt_error', 'the client Finished does not verify');
    n.transcript.add(raw);
    this.#secret('application', 'read', n.suite, n.clientApplicationSecret, 'CLIENT_TRAFFIC_SECRET_0');
    this.#state = 'connected';
    this.#emit({ type: 'handshake_complete', alpn: n.alpn, resumed: n.resumed, earlyData: n.earlyData, peerCertificates: this.#peerCertificates });
    this.#sendTickets(wallMs, n);
  }

  /** RFC 8446 §4.6.1: tickets after the client Finished, at the 1-RTT level (RFC 9001 §4.1.4). */
  #sendTickets(wallMs: number, n: Negotiated): void {
    const tickets = this.#config.tickets;
    if (tickets === undefined) {
      n.keySchedule.dropMasterSecret();
      return;
    }
    const resumptionMasterSecret = n.keySchedule.resumptionMasterSecret(n.transcript.hash());
    n.keySchedule.dropMasterSecret();
    const data = issueTickets({
      keySchedule: n.keySchedule, resumptionMasterSecret, store: tickets.store, random: this.#config.random, wallMs,
      count: tickets.count ?? 1, lifetimeMs: tickets.lifetimeMs ?? DEFAULT_TICKET_LIFETIME_MS,
      maxEarlyData: this.#ticketMaxEarlyData,
      suite: n.suite.id, alpn: n.alpn, serverName: n.serverName, transportParameters: this.#config.earlyDataContext ?? this.#config.transportParameters,
    });
    resumptionMasterSecret.fill(0);
    if (data.length > 0) this.#emit({ type: 'crypto_data', level: 'application', data });
  }
}
