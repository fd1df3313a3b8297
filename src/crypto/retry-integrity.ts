/**
 * The Retry Integrity Tag (RFC 9001 §5.8; RFC 9369 §3.3.3 for QUIC v2).
 *
 * The tag is AEAD_AES_128_GCM with a fixed key and nonce, an empty plaintext, and the Retry
 * Pseudo-Packet (ODCID Length, ODCID, then the Retry packet without its tag) as associated data.
 * The pseudo-packet comes from src/wire/retry-packet.ts.
 */
import { Writer, fromHex } from '../util/bytes.js';
import { CodecError } from '../util/errors.js';
import { MAX_CID_LENGTH, encodeConnectionId, sizeOfConnectionId } from '../wire/connection-id.js';
import { RETRY_INTEGRITY_TAG_LENGTH, receivedRetryPseudoPacket } from '../wire/retry-packet.js';
import { QUIC_V1, QUIC_V2, type QuicVersion } from '../wire/version.js';
import type { Aead, CryptoProvider } from './provider.js';

/** RFC 9001 §5.8: "The secret key, K, is 128 bits equal to 0xbe0c690b9f66575a1d766b54e368c84e." */
export const RETRY_INTEGRITY_KEY_V1: Uint8Array = fromHex('be0c690b9f66575a1d766b54e368c84e');
/** RFC 9001 §5.8: "The nonce, N, is 96 bits equal to 0x461599d35d632bf2239825bb." */
export const RETRY_INTEGRITY_NONCE_V1: Uint8Array = fromHex('461599d35d632bf2239825bb');
/** RFC 9369 §3.3.3: "key = 0x8fb4b01b56ac48e260fbcbcead7ccc92". */
export const RETRY_INTEGRITY_KEY_V2: Uint8Array = fromHex('8fb4b01b56ac48e260fbcbcead7ccc92');
/** RFC 9369 §3.3.3: "nonce = 0xd86969bc2d7c6d9990efb04a". */
export const RETRY_INTEGRITY_NONCE_V2: Uint8Array = fromHex('d86969bc2d7c6d9990efb04a');

interface RetryAead {
  readonly aead: Aead;
  readonly nonce: Uint8Array;
}

/** Keyed Retry AEADs per provider and version, so a Retry flood does not re-key each time. */
const cache = new WeakMap<CryptoProvider, Map<QuicVersion, RetryAead>>();

function retryAead(provider: CryptoProvider, version: QuicVersion): RetryAead {
  let perVersion = cache.get(provider);
  if (perVersion === undefined) {
    perVersion = new Map();
    cache.set(provider, perVersion);
  }
  let entry = perVersion.get(version);
  if (entry === undefined) {
    let key: Uint8Array;
    let nonce: Uint8Array;
    switch (version) {
      case QUIC_V1:
        key = RETRY_INTEGRITY_KEY_V1;
        nonce = RETRY_INTEGRITY_NONCE_V1;
        break;
      case QUIC_V2:
        key = RETRY_INTEGRITY_KEY_V2;
        nonce = RETRY_INTEGRITY_NONCE_V2;
        break;
      default: {
        const unknown: never = version;
        throw new RangeError(`no Retry integrity key for version 0x${(unknown as number).toString(16)}`);
      }
    }
    // RFC 9001 §5.8: "computed as the output of AEAD_AES_128_GCM".
    entry = { aead: provider.createAead('aes-128-gcm', key.slice()), nonce: nonce.slice() };
    perVersion.set(version, entry);
  }
  return entry;
}

const EMPTY = new Uint8Array(0);

/**
 * Computes the Retry Integrity Tag (RFC 9001 §5.8): "The plaintext, P, is empty" and "The
 * associated data, A, is the contents of the Retry Pseudo-Packet".
 * @param odcid the Destination Connection ID of the client Initial the Retry answers.
 * @param retryWithoutTag the Retry packet as it will be sent, up to (not including) the tag.
 * @returns the 16-byte tag to append.
 * @throws CodecError if `odcid` is longer than 20 bytes.
 */
export function computeRetryIntegrityTag(
  provider: CryptoProvider,
  version: QuicVersion,
  odcid: Uint8Array,
  retryWithoutTag: Uint8Array,
): Uint8Array {
  const { aead, nonce } = retryAead(provider, version);
  const w = Writer.alloc(sizeOfConnectionId(odcid) + retryWithoutTag.length);
  // Retry Pseudo-Packet (RFC 9001 §5.8, Figure 8): ODCID Length (8), ODCID, then the Retry packet.
  encodeConnectionId(w, odcid, MAX_CID_LENGTH);
  w.bytes(retryWithoutTag);
  const tag = new Uint8Array(RETRY_INTEGRITY_TAG_LENGTH);
  aead.seal(nonce, w.buf, EMPTY, tag);
  return tag;
}

/**
 * Checks the Retry Integrity Tag of a received Retry packet (RFC 9001 §5.8; RFC 9000 §17.2.5.2:
 * "Clients MUST discard Retry packets that have a Retry Integrity Tag that cannot be validated").
 * @param odcid the Destination Connection ID the client sent in its first Initial.
 * @param retryPacket the whole received Retry packet, tag included.
 * @returns true if the tag is valid; false otherwise, also for a packet shorter than the tag or
 *   an `odcid` longer than 20 bytes.
 */
export function verifyRetryIntegrity(
  provider: CryptoProvider,
  version: QuicVersion,
  odcid: Uint8Array,
  retryPacket: Uint8Array,
): boolean {
  let pseudo: Uint8Array;
  try {
    pseudo = receivedRetryPseudoPacket(odcid, retryPacket);
  } catch (e) {
    if (e instanceof CodecError) return false;
    throw e;
  }
  const { aead, nonce } = retryAead(provider, version);
  const tag = retryPacket.subarray(retryPacket.length - RETRY_INTEGRITY_TAG_LENGTH);
  return aead.open(nonce, pseudo, tag, EMPTY);
}
