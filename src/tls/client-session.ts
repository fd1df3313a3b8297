/**
 * The TLS 1.3 client state machine for QUIC (sans-IO), implementing the `TlsSession` contract
 * (session-types.ts).
 *
 * Implements:
 * - RFC 8446 Appendix A.1 (client states): START → WAIT_SH → WAIT_EE → WAIT_CERT_CR → WAIT_CERT →
 *   WAIT_CV → WAIT_FINISHED → CONNECTED; §4.1.4 (one HelloRetryRequest; transcript message_hash);
 *   §4.4.4 (Finished; "decrypt_error" on mismatch); §4.6.1 (NewSessionTicket → SessionTicket).
 * - RFC 9001 §4.1.3 (messages at the right encryption level, key changes at message boundaries),
 *   §4.1.4 (secrets per level), §4.6 (0-RTT: the early write secret right after the ClientHello;
 *   rejection learned from EncryptedExtensions), §6 (a TLS KeyUpdate is unexpected_message), §8.3
 *   (no EndOfEarlyData; RFC 8446 §4.5's EndOfEarlyData is sent only in the 'rfc8448-test-vectors'
 *   profile, profile.ts).
 *
 * Randomness is drawn from `config.random` in this order (the RFC 8448 replay depends on it):
 * `start()` draws ClientHello.random (32 bytes), then the key-share private key (32 bytes); after
 * a HelloRetryRequest, one more key-share private key (32 bytes). Nothing else is drawn.
 */
import { CryptoError } from '../crypto/provider.js';
import { cipherSuiteById, type CipherSuiteId, type CipherSuiteInfo } from '../crypto/suites.js';
import { DEFAULT_CIPHER_SUITES, DEFAULT_GROUPS, DEFAULT_SIGNATURE_SCHEMES, MAX_TICKET_LIFETIME_S } from './common.js';
import { constantTimeEqual } from '../util/bytes.js';
import type { NamedGroup, SignatureScheme, KeyExchange } from '../crypto/provider.js';
import { randomBytes } from '../util/random.js';
import { TlsAlert } from './alerts.js';
import type { CertificateVerification } from './certificates/errors.js';
import { checkServerCertificateVerify, clientFlightBeforeFinished, verifyServerChainSync } from './client-auth.js';
import { checkEncryptedExtensions, checkHelloRetryRequest, checkServerHello, type ClientOffer } from './client-checks.js';
import { buildClientHello, isTicketUsable, mayOfferEarlyData, type OfferedPsk } from './client-hello-builder.js';
import { isQuicProfile } from './profile.js';
import { namedGroupCode } from './extension-codes.js';
import { getExtension } from './extension-types.js';
import { HandshakeReassembler, type RawHandshakeMessage } from './handshake-types.js';
import type { HelloRetryRequest, ServerHello } from './hello-messages.js';
import { keyLogLine, type KeyLogLabel } from './key-log.js';
import { KeySchedule } from './key-schedule.js';
import { decodeHandshakeMessage, serializeHandshakeMessage, type HandshakeMessage } from './messages.js';
import type { EncryptionLevel, SessionTicket, TlsClientConfig, TlsEvent, TlsSession } from './session-types.js';
import { Transcript } from './transcript.js';

type CryptoLevel = Exclude<EncryptionLevel, 'early'>;
type State = 'start' | 'wait_sh' | 'wait_ee' | 'wait_cert_cr' | 'wait_cert' | 'wait_cv' | 'wait_finished' | 'connected';

/** The level each state expects its next message at (RFC 9001 §4.1.4). */
const LEVEL_OF_STATE: Readonly<Record<State, CryptoLevel | undefined>> = {
  start: undefined, wait_sh: 'initial', wait_ee: 'handshake', wait_cert_cr: 'handshake', wait_cert: 'handshake',
  wait_cv: 'handshake', wait_finished: 'handshake', connected: 'application',
};

/** A TLS 1.3 client for QUIC. Call `start(wallMs)`, then feed CRYPTO data and poll events. */
export class TlsClientSession implements TlsSession {
  readonly #config: TlsClientConfig;
  readonly #suites: readonly CipherSuiteId[];
  readonly #groups: readonly NamedGroup[];
  readonly #schemes: readonly SignatureScheme[];
  readonly #events: TlsEvent[] = [];
  readonly #reassemblers: Record<CryptoLevel, HandshakeReassembler>;
  #state: State = 'start';
  #failure: TlsAlert | undefined;
  #random: Uint8Array = new Uint8Array(32);
  #keyExchange: KeyExchange | undefined;
  #clientHello1: Uint8Array | undefined;
  #retry: { raw: Uint8Array; suite: CipherSuiteInfo } | undefined;
  #clientHello: Uint8Array = new Uint8Array(0);
  #psk: OfferedPsk | undefined;
  /** Whether the latest ClientHello carries early_data. */
  #earlyOffered = false;
  #suite: CipherSuiteInfo | undefined;
  #schedule: KeySchedule | undefined;
  #transcript: Transcript | undefined;
  #clientHs: Uint8Array = new Uint8Array(0);
  #serverHs: Uint8Array = new Uint8Array(0);
  #resumed = false;
  #alpn = '';
  #serverParameters: Uint8Array = new Uint8Array(0);
  #earlyData: 'accepted' | 'rejected' | 'not_offered' = 'not_offered';
  #certRequest: { context: Uint8Array; schemes: readonly number[] } | undefined;
  #peerChain: readonly Uint8Array[] = [];
  #leafSpki: Uint8Array | undefined;
  #verifying = false;
  readonly #queued: { level: CryptoLevel; message: RawHandshakeMessage }[] = [];
  #resumptionMaster: Uint8Array | undefined;
  readonly #sentOpaqueCodes: number[] = [];

  /** @param config the client configuration (see `TlsClientConfig`). */
  constructor(config: TlsClientConfig) {
    this.#config = config;
    this.#suites = config.cipherSuites ?? DEFAULT_CIPHER_SUITES;
    this.#groups = config.groups ?? DEFAULT_GROUPS;
    this.#schemes = config.signatureSchemes ?? DEFAULT_SIGNATURE_SCHEMES;
    const max = config.maxHandshakeMessageSize;
    this.#reassemblers = { initial: new HandshakeReassembler(max), handshake: new HandshakeReassembler(max), application: new HandshakeReassembler(max) };
  }

  /** True once 'handshake_complete' has been emitted. */
  get isHandshakeComplete(): boolean {
    return this.#state === 'connected';
  }

  /**
   * Sends the ClientHello (crypto_data at 'initial') and, when 0-RTT is offered, installs the early
   * write secret (RFC 9001 §4.6.1).
   */
  start(wallMs: number): void {
    this.#guard(() => {
      if (this.#state !== 'start') throw new TlsAlert('internal_error', 'start() called twice');
      const group = this.#groups[0];
      if (group === undefined || this.#suites.length === 0 || (this.#config.alpnProtocols.length === 0 && isQuicProfile(this.#config))) {
        throw new TlsAlert('internal_error', 'the configuration needs a group, a cipher suite and an ALPN protocol');
      }
      this.#random = randomBytes(this.#config.random, 32);
      const ticket = this.#config.sessionTicket;
      const usable = ticket !== undefined && isTicketUsable(ticket, { cipherSuites: this.#suites, serverName: this.#config.serverName, wallMs });
      this.#earlyOffered = usable && mayOfferEarlyData(ticket, this.#config);
      this.#sendHello(wallMs, group, usable ? ticket : undefined, undefined, undefined);
      this.#clientHello1 = this.#clientHello;
      this.#state = 'wait_sh';
      if (this.#earlyOffered && this.#psk !== undefined) {
        // Rejected until EncryptedExtensions says otherwise (RFC 9001 §4.6.2).
        this.#earlyData = 'rejected';
        const suite = cipherSuiteById(this.#psk.ticket.suite)!;
        const hash = this.#config.provider.hash(suite.hash, this.#clientHello);
        const secret = this.#psk.schedule.clientEarlyTrafficSecret(hash);
        this.#events.push({ type: 'secret', level: 'early', direction: 'write', suite, secret });
        this.#log('CLIENT_EARLY_TRAFFIC_SECRET', secret);
      }
    });
  }

  /** Handshake bytes received at `level`, in stream order. */
  handleCryptoData(wallMs: number, level: CryptoLevel, data: Uint8Array): void {
    this.#guard(() => {
      for (const message of this.#reassemblers[level].push(data)) {
        if (this.#verifying) this.#queued.push({ level, message });
        else this.#handle(wallMs, level, message);
      }
    });
  }

  /** The result of the 'verify_certificate' check. */
  completeCertificateVerification(wallMs: number, result: CertificateVerification): void {
    this.#guard(() => {
      if (!this.#verifying) throw new TlsAlert('internal_error', 'no certificate verification is pending');
      this.#verifying = false;
      this.#acceptVerification(result);
      while (!this.#verifying && this.#queued.length > 0) {
        const next = this.#queued.shift()!;
        this.#handle(wallMs, next.level, next.message);
      }
    });
  }

  /** The next event, or undefined. */
  pollEvent(): TlsEvent | undefined {
    return this.#events.shift();
  }

  #guard(body: () => void): void {
    if (this.#failure !== undefined) throw this.#failure;
    try {
      body();
    } catch (e) {
      // RFC 9001 §4.8: any failure ends the handshake with an alert; the session is then dead.
      this.#failure = e instanceof TlsAlert ? e
        : e instanceof CryptoError ? new TlsAlert('illegal_parameter', e.message)
        : new TlsAlert('internal_error', e instanceof Error ? e.message : String(e));
      throw this.#failure;
    }
  }

  #offer(): ClientOffer {
    return {
      cipherSuites: this.#suites, groups: this.#groups, sharedGroup: this.#keyExchange!.group,
      pskSuite: this.#psk === undefined ? undefined : cipherSuiteById(this.#psk.ticket.suite),
      alpnProtocols: this.#config.alpnProtocols, serverNameSent: this.#config.serverName !== undefined, earlyDataOffered: this.#earlyOffered,
      quic: isQuicProfile(this.#config), sentOpaqueCodes: this.#sentOpaqueCodes,
    };
  }

  #sendHello(wallMs: number, group: NamedGroup, ticket: SessionTicket | undefined, cookie: Uint8Array | undefined, prefix: Transcript | undefined): void {
    this.#keyExchange = this.#config.provider.createKeyExchange(group, randomBytes(this.#config.random, 32));
    const built = buildClientHello({
      provider: this.#config.provider, random: this.#random, cipherSuites: this.#suites, groups: this.#groups,
      keyShare: { group: namedGroupCode(group), keyExchange: this.#keyExchange.publicKey }, signatureSchemes: this.#schemes,
      serverName: this.#config.serverName, alpnProtocols: this.#config.alpnProtocols, transportParameters: this.#config.transportParameters,
      ...(ticket === undefined ? {} : { psk: { ticket, wallMs } }), earlyData: this.#earlyOffered,
      ...(cookie === undefined ? {} : { cookie }), ...(prefix === undefined ? {} : { pskPrefix: prefix }), profile: this.#config,
    });
    this.#sentOpaqueCodes.push(...built.opaqueCodes);
    this.#clientHello = built.message;
    this.#psk = built.psk;
    this.#events.push({ type: 'crypto_data', level: 'initial', data: built.message });
  }

  #handle(wallMs: number, level: CryptoLevel, raw: RawHandshakeMessage): void {
    const expected = LEVEL_OF_STATE[this.#state];
    // RFC 9001 §4.1.3: handshake messages must arrive at the encryption level their state expects.
    if (expected !== level) throw new TlsAlert('unexpected_message', `handshake message type ${raw.type} at the ${level} level in state ${this.#state}`);
    const m = decodeHandshakeMessage(raw.type, raw.body, { finishedLength: this.#suite?.hashLength ?? 32 });
    switch (this.#state) {
      case 'wait_sh':
        if (m.msgType === 'hello_retry_request') return this.#onRetry(wallMs, m, raw.raw);
        if (m.msgType === 'server_hello') return this.#onServerHello(m, raw.raw);
        break;
      case 'wait_ee':
        if (m.msgType === 'encrypted_extensions') {
          const ee = checkEncryptedExtensions(m, this.#offer(), this.#resumed);
          if (ee.earlyDataAccepted) {
            // RFC 8446 §4.2.10: with early data accepted, the ALPN must be that of the ticket.
            if (ee.alpn !== this.#psk?.ticket.alpn) throw new TlsAlert('illegal_parameter', 'early data accepted with a different ALPN');
            this.#earlyData = 'accepted';
          }
          this.#alpn = ee.alpn;
          this.#transcript!.add(raw.raw);
          if (ee.transportParameters !== undefined) {
            this.#serverParameters = ee.transportParameters;
            this.#events.push({ type: 'peer_transport_parameters', data: ee.transportParameters });
          }
          this.#state = this.#resumed ? 'wait_finished' : 'wait_cert_cr';
          return;
        }
        break;
      case 'wait_cert_cr':
        if (m.msgType === 'certificate_request') {
          // RFC 8446 §4.3.2: "certificate_request_context ... SHALL be zero length unless used for
          // the post-handshake authentication exchanges".
          if (m.certificateRequestContext.length !== 0) throw new TlsAlert('illegal_parameter', 'non-empty certificate_request_context in the handshake');
          this.#certRequest = { context: m.certificateRequestContext, schemes: getExtension(m.extensions, 'signature_algorithms')!.schemes };
          this.#transcript!.add(raw.raw);
          this.#state = 'wait_cert';
          return;
        }
        if (m.msgType === 'certificate') return this.#onCertificate(wallMs, m.certificateRequestContext, m.certificateList.map((e) => e.certData), raw.raw);
        break;
      case 'wait_cert':
        if (m.msgType === 'certificate') return this.#onCertificate(wallMs, m.certificateRequestContext, m.certificateList.map((e) => e.certData), raw.raw);
        break;
      case 'wait_cv':
        if (m.msgType === 'certificate_verify') {
          checkServerCertificateVerify(m, this.#schemes, this.#leafSpki!, this.#transcript!.hash(), this.#config.provider);
          this.#transcript!.add(raw.raw);
          this.#state = 'wait_finished';
          return;
        }
        break;
      case 'wait_finished':
        if (m.msgType === 'finished') return this.#onFinished(m.verifyData, raw.raw);
        break;
      case 'connected':
        if (m.msgType === 'new_session_ticket') return this.#onTicket(wallMs, m);
        break;
      case 'start':
        break;
    }
    // RFC 8446 §4: a message out of order; RFC 9001 §6 ("Endpoints MUST NOT send a TLS KeyUpdate
    // message ... Endpoints MUST treat the receipt of a TLS KeyUpdate message as a connection error
    // of type 0x010a, equivalent to a fatal TLS alert of unexpected_message") and RFC 9001 §8.3
    // (EndOfEarlyData) fall here too.
    throw new TlsAlert('unexpected_message', `unexpected ${(m satisfies HandshakeMessage).msgType} in state ${this.#state}`);
  }

  #onRetry(wallMs: number, hrr: HelloRetryRequest, raw: Uint8Array): void {
    // RFC 8446 §4.1.4: "If a client receives a second HelloRetryRequest in the same connection ... it
    // MUST abort the handshake with an "unexpected_message" alert."
    if (this.#retry !== undefined) throw new TlsAlert('unexpected_message', 'a second HelloRetryRequest');
    const retry = checkHelloRetryRequest(hrr, this.#offer());
    this.#assertBoundary('initial');
    this.#retry = { raw, suite: retry.suite };
    // RFC 8446 §4.2.10: "A client MUST NOT include the "early_data" extension in its followup
    // ClientHello"; the 0-RTT attempt stays rejected.
    this.#earlyOffered = false;
    // RFC 8446 §4.2.11: "the client SHOULD NOT offer any pre-shared keys associated with a hash
    // other than that of the selected cipher suite".
    const ticket = this.#psk !== undefined && cipherSuiteById(this.#psk.ticket.suite)!.hash === retry.suite.hash ? this.#psk.ticket : undefined;
    const prefix = new Transcript(this.#config.provider, retry.suite.hash).add(this.#clientHello1!);
    prefix.replaceWithMessageHash();
    prefix.add(raw);
    this.#psk?.schedule.dropEarlySecret();
    this.#sendHello(wallMs, retry.group, ticket, retry.cookie, prefix);
  }

  #onServerHello(sh: ServerHello, raw: Uint8Array): void {
    const hello = checkServerHello(sh, this.#offer(), this.#retry?.suite);
    this.#assertBoundary('initial');
    const suite = hello.suite;
    const transcript = new Transcript(this.#config.provider, suite.hash).add(this.#clientHello1!);
    if (this.#retry !== undefined) {
      // RFC 8446 §4.4.1: ClientHello1 is replaced by message_hash after a HelloRetryRequest.
      transcript.replaceWithMessageHash();
      transcript.add(this.#retry.raw).add(this.#clientHello);
    }
    transcript.add(raw);
    let schedule: KeySchedule;
    if (hello.pskSelected && this.#psk !== undefined) {
      schedule = this.#psk.schedule;
      this.#resumed = true;
    } else {
      this.#psk?.schedule.dropEarlySecret();
      schedule = new KeySchedule(this.#config.provider, suite.hash);
      schedule.early();
    }
    schedule.handshake(this.#keyExchange!.computeSecret(hello.serverShare));
    schedule.dropEarlySecret();
    const helloHash = transcript.hash();
    this.#clientHs = schedule.clientHandshakeTrafficSecret(helloHash);
    this.#serverHs = schedule.serverHandshakeTrafficSecret(helloHash);
    this.#suite = suite;
    this.#schedule = schedule;
    this.#transcript = transcript;
    this.#events.push({ type: 'secret', level: 'handshake', direction: 'read', suite, secret: this.#serverHs });
    this.#events.push({ type: 'secret', level: 'handshake', direction: 'write', suite, secret: this.#clientHs });
    this.#log('CLIENT_HANDSHAKE_TRAFFIC_SECRET', this.#clientHs);
    this.#log('SERVER_HANDSHAKE_TRAFFIC_SECRET', this.#serverHs);
    this.#state = 'wait_ee';
  }

  #onCertificate(wallMs: number, context: Uint8Array, chain: readonly Uint8Array[], raw: Uint8Array): void {
    // RFC 8446 §4.4.2: in the handshake, the server's certificate_request_context is empty.
    if (context.length !== 0) throw new TlsAlert('illegal_parameter', 'non-empty certificate_request_context in the server Certificate');
    this.#transcript!.add(raw);
    this.#peerChain = chain;
    this.#state = 'wait_cv';
    const sync = verifyServerChainSync(this.#config.verification, chain, wallMs, this.#config.provider);
    if (sync !== undefined) return this.#acceptVerification(sync);
    const v = this.#config.verification;
    if (v.mode !== 'chain') throw new TlsAlert('internal_error', 'unreachable verification mode');
    this.#verifying = true;
    this.#events.push({ type: 'verify_certificate', chain, serverName: this.#config.serverName, trustAnchors: v.trustAnchors });
  }

  #acceptVerification(result: CertificateVerification): void {
    // RFC 8446 §4.4.2.4: a certificate that fails validation aborts the handshake with the alert named.
    if (!result.ok) throw new TlsAlert(result.alert, result.reason);
    this.#leafSpki = result.leaf.subjectPublicKeyInfo;
  }

  #onFinished(verifyData: Uint8Array, raw: Uint8Array): void {
    const schedule = this.#schedule!;
    const transcript = this.#transcript!;
    const suite = this.#suite!;
    const expected = schedule.finishedVerifyData(this.#serverHs, transcript.hash());
    // RFC 8446 §4.4.4: "Recipients of Finished messages MUST verify that the contents are correct and
    // if incorrect MUST terminate the connection with a "decrypt_error" alert."
    if (!constantTimeEqual(expected, verifyData)) throw new TlsAlert('decrypt_error', 'the server Finished does not verify');
    this.#assertBoundary('handshake');
    transcript.add(raw);
    schedule.master();
    schedule.dropHandshakeSecret();
    const finishedHash = transcript.hash();
    const clientAp = schedule.clientApplicationTrafficSecret0(finishedHash);
    const serverAp = schedule.serverApplicationTrafficSecret0(finishedHash);
    const exporter = schedule.exporterMasterSecret(finishedHash);
    const flight = clientFlightBeforeFinished({
      endOfEarlyData: this.#earlyData === 'accepted' && !isQuicProfile(this.#config), certRequest: this.#certRequest,
      certified: this.#config.clientCertificate, transcript,
    });
    const finished = serializeHandshakeMessage({ msgType: 'finished', verifyData: schedule.finishedVerifyData(this.#clientHs, transcript.hash()) });
    transcript.add(finished);
    flight.push(finished);
    this.#resumptionMaster = schedule.resumptionMasterSecret(transcript.hash());
    schedule.dropMasterSecret();
    for (const data of flight) this.#events.push({ type: 'crypto_data', level: 'handshake', data });
    this.#events.push({ type: 'secret', level: 'application', direction: 'read', suite, secret: serverAp });
    this.#events.push({ type: 'secret', level: 'application', direction: 'write', suite, secret: clientAp });
    this.#log('CLIENT_TRAFFIC_SECRET_0', clientAp);
    this.#log('SERVER_TRAFFIC_SECRET_0', serverAp);
    this.#log('EXPORTER_SECRET', exporter);
    this.#state = 'connected';
    this.#events.push({
      type: 'handshake_complete', alpn: this.#alpn, resumed: this.#resumed, earlyData: this.#earlyData,
      peerCertificates: this.#resumed ? [] : this.#peerChain,
    });
  }

  #onTicket(wallMs: number, m: Extract<HandshakeMessage, { msgType: 'new_session_ticket' }>): void {
    // RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds (7 days)."
    if (m.ticketLifetime > MAX_TICKET_LIFETIME_S) throw new TlsAlert('illegal_parameter', `ticket_lifetime ${m.ticketLifetime} exceeds 7 days`);
    // RFC 8446 §4.6.1: "The value of zero indicates that the ticket should be discarded immediately."
    if (m.ticketLifetime === 0) return;
    const suite = this.#suite!;
    const ticket: SessionTicket = {
      ticket: m.ticket.slice(), psk: this.#schedule!.resumptionPsk(this.#resumptionMaster!, m.ticketNonce), suite: suite.id,
      ageAdd: m.ticketAgeAdd, receivedAtMs: wallMs, lifetimeMs: m.ticketLifetime * 1000,
      maxEarlyData: getExtension(m.extensions, 'early_data')?.maxEarlyDataSize ?? 0,
      alpn: this.#alpn, serverName: this.#config.serverName, transportParameters: this.#serverParameters,
    };
    this.#events.push({ type: 'session_ticket', ticket });
  }

  #assertBoundary(level: CryptoLevel): void {
    // RFC 9001 §4.1.3: "If [the key change] ... occurs in the middle of a message, the endpoint MUST
    // treat it as a connection error of type PROTOCOL_VIOLATION" — TLS sees leftover bytes at a key change.
    if (!this.#reassemblers[level].isAtMessageBoundary) throw new TlsAlert('unexpected_message', `partial handshake message at the ${level} level across a key change`);
  }

  #log(label: KeyLogLabel, secret: Uint8Array): void {
    this.#events.push({ type: 'key_log', line: keyLogLine(label, this.#random, secret) });
  }
}
