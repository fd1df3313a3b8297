/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1), Finished verify_data (§4.4.4), PSK binder keys
 * (§4.2.11.2), resumption PSKs (§4.6.1), traffic secret updates (§7.2) and exporters (§7.5).
 *
 * Pure: every derivation goes through the injected CryptoProvider's HKDF and the shared
 * HKDF-Expand-Label / Derive-Secret of src/crypto/hkdf-label.ts. The QUIC packet keys are derived
 * from the traffic secrets elsewhere (RFC 9001 §5.1, src/crypto/packet-protection.ts), so the
 * TLS record-layer "key"/"iv" expansion of RFC 8446 §7.3 is not here.
 *
 * ```
 *              0
 *              |
 *              v
 *    PSK ->  HKDF-Extract = Early Secret
 *              +-----> Derive-Secret(., "ext binder" | "res binder", "") = binder_key
 *              +-----> Derive-Secret(., "c e traffic", ClientHello) = client_early_traffic_secret
 *              +-----> Derive-Secret(., "e exp master", ClientHello) = early_exporter_master_secret
 *              v
 *        Derive-Secret(., "derived", "")
 *              v
 * (EC)DHE -> HKDF-Extract = Handshake Secret
 *              +-----> Derive-Secret(., "c hs traffic", ClientHello...ServerHello)
 *              +-----> Derive-Secret(., "s hs traffic", ClientHello...ServerHello)
 *              v
 *        Derive-Secret(., "derived", "")
 *              v
 *    0 -> HKDF-Extract = Master Secret
 *              +-----> Derive-Secret(., "c ap traffic", ClientHello...server Finished)
 *              +-----> Derive-Secret(., "s ap traffic", ClientHello...server Finished)
 *              +-----> Derive-Secret(., "exp master", ClientHello...server Finished)
 *              +-----> Derive-Secret(., "res master", ClientHello...client Finished)
 * ```
 */
import type { CryptoProvider, HashAlgorithm } from '../crypto/provider.js';
import { hashLength } from '../crypto/provider.js';
import { deriveSecret, hkdfExpandLabel } from '../crypto/hkdf-label.js';

/** Which kind of PSK a binder key is for (RFC 8446 §7.1: "ext binder" vs "res binder"). */
export type PskKind = 'external' | 'resumption';

const EMPTY = new Uint8Array(0);

/**
 * The key schedule of one connection for one cipher-suite hash.
 *
 * Retains at most three secrets: the Early Secret (from `early()` until `dropEarlySecret()`), the
 * Handshake Secret (from `handshake()` until `dropHandshakeSecret()`) and the Master Secret (from
 * `master()` until `dropMasterSecret()`), plus the constant Hash("") and a zero string. Each stage
 * needs only the previous one, so the caller should drop a secret as soon as it has derived
 * what it needs from it (RFC 8446 §7.1: "Once all the values which are to be derived from a given
 * secret have been computed, that secret SHOULD be erased."); the derived traffic secrets are
 * returned, never kept. Dropping zero-fills the secret.
 * Accessors return copies, so dropping never affects values a caller holds.
 */
export class KeySchedule {
  /** The cipher suite's hash. */
  readonly hash: HashAlgorithm;
  /** Hash.length in bytes. */
  readonly hashLength: 32 | 48;
  readonly #provider: CryptoProvider;
  /** Hash.length zero bytes: the IKM without a PSK or before the Master Secret. */
  readonly #zeros: Uint8Array;
  /** Transcript-Hash("") for Derive-Secret(., label, ""). */
  readonly #emptyHash: Uint8Array;
  #earlySecret: Uint8Array | null = null;
  #handshakeSecret: Uint8Array | null = null;
  #masterSecret: Uint8Array | null = null;

  /**
   * @param provider the crypto provider (HKDF, HMAC, hash).
   * @param hash the negotiated cipher suite's hash.
   */
  constructor(provider: CryptoProvider, hash: HashAlgorithm) {
    this.#provider = provider;
    this.hash = hash;
    this.hashLength = hashLength(hash);
    this.#zeros = new Uint8Array(this.hashLength);
    this.#emptyHash = provider.hash(hash, EMPTY);
  }

  // ---- Early Secret (RFC 8446 §7.1) ----

  /**
   * Early Secret = HKDF-Extract(salt 0, IKM PSK). RFC 8446 §7.1: "If a given secret is not
   * available, then the 0-value consisting of a string of Hash.length bytes set to zeros is used."
   * @param psk the PSK, or nothing for a full handshake.
   * @returns a copy of the Early Secret.
   */
  early(psk?: Uint8Array): Uint8Array {
    this.dropEarlySecret();
    this.#earlySecret = this.#provider.hkdfExtract(this.hash, this.#zeros, psk ?? this.#zeros);
    return this.#earlySecret.slice();
  }

  /** binder_key = Derive-Secret(Early Secret, "ext binder" | "res binder", "") (RFC 8446 §7.1). */
  binderKey(kind: PskKind): Uint8Array {
    const label = kind === 'external' ? 'ext binder' : 'res binder';
    return this.#derive(this.#early(), label, this.#emptyHash);
  }

  /**
   * client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic", ClientHello).
   * @param clientHelloHash Transcript-Hash(ClientHello) (the complete ClientHello, binders included).
   */
  clientEarlyTrafficSecret(clientHelloHash: Uint8Array): Uint8Array {
    return this.#derive(this.#early(), 'c e traffic', clientHelloHash);
  }

  /** early_exporter_master_secret = Derive-Secret(Early Secret, "e exp master", ClientHello). */
  earlyExporterMasterSecret(clientHelloHash: Uint8Array): Uint8Array {
    return this.#derive(this.#early(), 'e exp master', clientHelloHash);
  }

  /** Derive-Secret(Early Secret, "derived", ""): the salt of the Handshake Secret (RFC 8446 §7.1). */
  derivedFromEarly(): Uint8Array {
    return this.#derive(this.#early(), 'derived', this.#emptyHash);
  }

  // ---- Handshake Secret ----

  /**
   * Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret, "derived", ""), (EC)DHE)
   * (RFC 8446 §7.1). Computes the PSK-less Early Secret first if `early()` was not called.
   * @param sharedSecret the (EC)DHE shared secret (RFC 8446 §7.4).
   * @returns a copy of the Handshake Secret.
   */
  handshake(sharedSecret: Uint8Array): Uint8Array {
    if (this.#earlySecret === null) this.early();
    const derived = this.derivedFromEarly();
    this.dropHandshakeSecret();
    this.#handshakeSecret = this.#provider.hkdfExtract(this.hash, derived, sharedSecret);
    return this.#handshakeSecret.slice();
  }

  /** client_handshake_traffic_secret = Derive-Secret(Handshake Secret, "c hs traffic", ClientHello...ServerHello). */
  clientHandshakeTrafficSecret(helloHash: Uint8Array): Uint8Array {
    return this.#derive(this.#handshakeSecretOrThrow(), 'c hs traffic', helloHash);
  }

  /** server_handshake_traffic_secret = Derive-Secret(Handshake Secret, "s hs traffic", ClientHello...ServerHello). */
  serverHandshakeTrafficSecret(helloHash: Uint8Array): Uint8Array {
    return this.#derive(this.#handshakeSecretOrThrow(), 's hs traffic', helloHash);
  }

  /** Derive-Secret(Handshake Secret, "derived", ""): the salt of the Master Secret (RFC 8446 §7.1). */
  derivedFromHandshake(): Uint8Array {
    return this.#derive(this.#handshakeSecretOrThrow(), 'derived', this.#emptyHash);
  }

  // ---- Master Secret ----

  /**
   * Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0) (RFC 8446 §7.1).
   * @returns a copy of the Master Secret.
   */
  master(): Uint8Array {
    const derived = this.derivedFromHandshake();
    this.dropMasterSecret();
    this.#masterSecret = this.#provider.hkdfExtract(this.hash, derived, this.#zeros);
    return this.#masterSecret.slice();
  }

  /** client_application_traffic_secret_0 = Derive-Secret(Master Secret, "c ap traffic", ClientHello...server Finished). */
  clientApplicationTrafficSecret0(serverFinishedHash: Uint8Array): Uint8Array {
    return this.#derive(this.#masterSecretOrThrow(), 'c ap traffic', serverFinishedHash);
  }

  /** server_application_traffic_secret_0 = Derive-Secret(Master Secret, "s ap traffic", ClientHello...server Finished). */
  serverApplicationTrafficSecret0(serverFinishedHash: Uint8Array): Uint8Array {
    return this.#derive(this.#masterSecretOrThrow(), 's ap traffic', serverFinishedHash);
  }

  /** exporter_master_secret = Derive-Secret(Master Secret, "exp master", ClientHello...server Finished). */
  exporterMasterSecret(serverFinishedHash: Uint8Array): Uint8Array {
    return this.#derive(this.#masterSecretOrThrow(), 'exp master', serverFinishedHash);
  }

  /** resumption_master_secret = Derive-Secret(Master Secret, "res master", ClientHello...client Finished). */
  resumptionMasterSecret(clientFinishedHash: Uint8Array): Uint8Array {
    return this.#derive(this.#masterSecretOrThrow(), 'res master', clientFinishedHash);
  }

  // ---- Stateless derivations on a given secret ----

  /**
   * finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (RFC 8446 §4.4.4).
   * BaseKey is a handshake traffic secret, or a binder_key for PSK binders (§4.2.11.2).
   */
  finishedKey(baseKey: Uint8Array): Uint8Array {
    return hkdfExpandLabel(this.#provider, this.hash, baseKey, 'finished', EMPTY, this.hashLength);
  }

  /**
   * verify_data = HMAC(finished_key, Transcript-Hash(Handshake Context, Certificate*,
   * CertificateVerify*)) (RFC 8446 §4.4.4). Also the PSK binder value, with a binder_key as
   * `baseKey` and the truncated-ClientHello transcript hash (§4.2.11.2: "computed in the same way
   * as the Finished message").
   */
  finishedVerifyData(baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
    return this.#provider.hmac(this.hash, this.finishedKey(baseKey), transcriptHash);
  }

  /**
   * The PSK of a ticket (RFC 8446 §4.6.1):
   * HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length).
   */
  resumptionPsk(resumptionMasterSecret: Uint8Array, ticketNonce: Uint8Array): Uint8Array {
    return hkdfExpandLabel(this.#provider, this.hash, resumptionMasterSecret, 'resumption', ticketNonce, this.hashLength);
  }

  /**
   * application_traffic_secret_N+1 = HKDF-Expand-Label(application_traffic_secret_N,
   * "traffic upd", "", Hash.length) (RFC 8446 §7.2). QUIC does not use it: its key update
   * uses "quic ku" (RFC 9001 §6).
   */
  nextApplicationTrafficSecret(applicationTrafficSecret: Uint8Array): Uint8Array {
    return hkdfExpandLabel(this.#provider, this.hash, applicationTrafficSecret, 'traffic upd', EMPTY, this.hashLength);
  }

  /**
   * TLS-Exporter(label, context_value, key_length) = HKDF-Expand-Label(Derive-Secret(Secret,
   * label, ""), "exporter", Hash(context_value), key_length) (RFC 8446 §7.5), with Secret the
   * exporter_master_secret or early_exporter_master_secret. RFC 8446 §7.5: "If no context is
   * provided, the context_value is zero length", so an absent context is an empty array.
   * @throws RangeError if `label` is not ASCII or longer than 249 characters.
   */
  exportKeyingMaterial(exporterSecret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
    const secret = this.#derive(exporterSecret, label, this.#emptyHash);
    return hkdfExpandLabel(this.#provider, this.hash, secret, 'exporter', this.#provider.hash(this.hash, context), length);
  }

  // ---- Deleting secrets ----

  /** Zero-fills and forgets the Early Secret (once binders, early secrets and the Handshake Secret are derived). */
  dropEarlySecret(): void {
    this.#earlySecret?.fill(0);
    this.#earlySecret = null;
  }

  /** Zero-fills and forgets the Handshake Secret (once the handshake traffic secrets and the Master Secret are derived). */
  dropHandshakeSecret(): void {
    this.#handshakeSecret?.fill(0);
    this.#handshakeSecret = null;
  }

  /** Zero-fills and forgets the Master Secret (once the application, exporter and resumption secrets are derived). */
  dropMasterSecret(): void {
    this.#masterSecret?.fill(0);
    this.#masterSecret = null;
  }

  /** Which stage secrets this schedule currently retains (for tests and leak checks). */
  retained(): { early: boolean; handshake: boolean; master: boolean } {
    return { early: this.#earlySecret !== null, handshake: this.#handshakeSecret !== null, master: this.#masterSecret !== null };
  }

  #derive(secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
    return deriveSecret(this.#provider, this.hash, secret, label, transcriptHash);
  }

  #early(): Uint8Array {
    if (this.#earlySecret === null) throw new Error('key schedule: the Early Secret is not available (call early() first, or it was dropped)');
    return this.#earlySecret;
  }

  #handshakeSecretOrThrow(): Uint8Array {
    if (this.#handshakeSecret === null) throw new Error('key schedule: the Handshake Secret is not available (call handshake() first, or it was dropped)');
    return this.#handshakeSecret;
  }

  #masterSecretOrThrow(): Uint8Array {
    if (this.#masterSecret === null) throw new Error('key schedule: the Master Secret is not available (call master() first, or it was dropped)');
    return this.#masterSecret;
  }
}
