/**
 * The TLS 1.3 transcript hash (RFC 8446 §4.4.1), including the HelloRetryRequest special case,
 * and the truncated-ClientHello transcript PSK binders are computed over (RFC 8446 §4.2.11.2).
 *
 * A `Transcript` is fed whole handshake messages, each including its 4-byte header (type and
 * uint24 length): RFC 8446 §4.4.1 "the hash of the concatenation of each included handshake
 * message, including the handshake message header carrying the handshake message type and length
 * fields, but not including record layer headers". In QUIC these are exactly the bytes carried
 * in CRYPTO frames (RFC 9001 §4).
 */
import type { CryptoProvider, HashAlgorithm, HashContext } from '../crypto/provider.js';
import { hashLength } from '../crypto/provider.js';

/** HandshakeType message_hash (RFC 8446 §4). */
export const HANDSHAKE_TYPE_MESSAGE_HASH = 254;

/**
 * The synthetic `message_hash` handshake message that replaces ClientHello1 in the transcript
 * after a HelloRetryRequest (RFC 8446 §4.4.1):
 *
 * ```
 * Transcript-Hash(ClientHello1, HelloRetryRequest, ... Mn) =
 *     Hash(message_hash ||        -- Handshake type (254)
 *          00 00 Hash.length  ||  -- Handshake message length (bytes)
 *          Hash(ClientHello1) ||  -- Hash of ClientHello1
 *          HelloRetryRequest  || ... || Mn)
 * ```
 *
 * @param clientHello1Hash Hash(ClientHello1), `hashLength(alg)` bytes.
 */
export function messageHashMessage(clientHello1Hash: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + clientHello1Hash.length);
  out[0] = HANDSHAKE_TYPE_MESSAGE_HASH;
  out[1] = 0;
  out[2] = 0;
  out[3] = clientHello1Hash.length;
  out.set(clientHello1Hash, 4);
  return out;
}

/**
 * The running transcript hash of one connection (RFC 8446 §4.4.1).
 *
 * Retains only an incremental hash state, never the messages themselves.
 */
export class Transcript {
  /** The hash function of the negotiated cipher suite. */
  readonly algorithm: HashAlgorithm;
  readonly #provider: CryptoProvider;
  #context: HashContext;
  #messages: number;

  /**
   * @param provider the crypto provider whose incremental hash is used.
   * @param algorithm the cipher suite's hash (RFC 8446 §4.4.1: "the Hash function" of the suite).
   */
  constructor(provider: CryptoProvider, algorithm: HashAlgorithm) {
    this.#provider = provider;
    this.algorithm = algorithm;
    this.#context = provider.createHash(algorithm);
    this.#messages = 0;
  }

  /** How many handshake messages have been added (the message_hash counts as one). */
  get messageCount(): number {
    return this.#messages;
  }

  /**
   * Appends one whole handshake message, including its 4-byte header.
   * @returns this, for chaining.
   */
  add(message: Uint8Array): this {
    this.#context.update(message);
    this.#messages++;
    return this;
  }

  /** Transcript-Hash of everything added so far; the transcript stays usable. */
  hash(): Uint8Array {
    return this.#context.digest();
  }

  /**
   * Transcript-Hash of everything added so far followed by `partial`, without changing this
   * transcript. This is the PSK binder transcript (RFC 8446 §4.2.11.2): "Transcript-Hash(
   * Truncate(ClientHello1))", or after a HelloRetryRequest "Transcript-Hash(ClientHello1,
   * HelloRetryRequest, Truncate(ClientHello2))", with `partial` the truncated ClientHello
   * (see `truncateClientHello`).
   */
  hashWith(partial: Uint8Array): Uint8Array {
    return this.#context.clone().update(partial).digest();
  }

  /** An independent copy: adding to either leaves the other unchanged. */
  clone(): Transcript {
    const copy = new Transcript(this.#provider, this.algorithm);
    copy.#context = this.#context.clone();
    copy.#messages = this.#messages;
    return copy;
  }

  /**
   * Replaces ClientHello1 by the synthetic message_hash message, on sending or receiving a
   * HelloRetryRequest (RFC 8446 §4.4.1): "When the server responds to a ClientHello with a
   * HelloRetryRequest, the value of ClientHello1 is replaced with a special synthetic handshake
   * message of handshake type "message_hash" containing Hash(ClientHello1)." Call it when the
   * transcript holds exactly ClientHello1, then add the HelloRetryRequest.
   * @throws Error if the transcript does not hold exactly one message (a programming error).
   */
  replaceWithMessageHash(): void {
    if (this.#messages !== 1) {
      throw new Error(`message_hash replaces ClientHello1 only; the transcript holds ${this.#messages} messages`);
    }
    const clientHello1Hash = this.#context.digest();
    this.#context = this.#provider.createHash(this.algorithm);
    this.#context.update(messageHashMessage(clientHello1Hash));
  }

  /** The length of this transcript's hash, Hash.length. */
  get hashLength(): 32 | 48 {
    return hashLength(this.algorithm);
  }
}

/**
 * Truncate(ClientHello) for PSK binders (RFC 8446 §4.2.11.2): "the ClientHello up to and
 * including the PreSharedKeyExtension.identities field" — that is, the whole ClientHello
 * (with its 4-byte header, whose length field covers the binders) minus the trailing
 * `binders` vector. The pre_shared_key extension "MUST be the last extension in the
 * ClientHello" (RFC 8446 §4.2.11), so the binders are the last bytes of the message.
 *
 * @param clientHello the complete ClientHello handshake message.
 * @param bindersSize encoded size of `PskBinderEntry binders<33..2^16-1>`, including its
 *   2-byte length prefix (for one SHA-256 binder: 2 + 1 + 32 = 35).
 * @returns a view (no copy) of the truncated message.
 * @throws RangeError if `bindersSize` does not fit inside the message.
 */
export function truncateClientHello(clientHello: Uint8Array, bindersSize: number): Uint8Array {
  if (!Number.isInteger(bindersSize) || bindersSize < 2 || bindersSize > clientHello.length - 4) {
    throw new RangeError(`binders size ${bindersSize} does not fit a ${clientHello.length}-byte ClientHello`);
  }
  return clientHello.subarray(0, clientHello.length - bindersSize);
}
