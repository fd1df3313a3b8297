/**
 * QUIC packet protection and header protection, provider-agnostic.
 *
 * - RFC 9001 §5.1: packet protection keys ("quic key", "quic iv", "quic hp"; RFC 9369 §3.3.2 for v2).
 * - RFC 9001 §5.3: AEAD usage (nonce = IV XOR packet number; AAD = header through the packet number).
 * - RFC 9001 §5.4.1, §5.4.2: header protection application, removal and the ciphertext sample.
 *
 * Everything works in place on one buffer holding the packet (its first byte at index 0): the
 * AEAD gets subarray views of that buffer, and the nonce is built in a scratch array owned by the
 * keys, so protecting or unprotecting a packet allocates nothing but those views.
 */
import { CodecError } from '../util/errors.js';
import type { QuicVersion } from '../wire/version.js';
import { decodePacketNumber, isPacketNumber, type PacketNumberBits, type PacketNumberLength } from '../wire/packet-number.js';
import { AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, HP_SAMPLE_LENGTH } from './provider.js';
import type { Aead, CryptoProvider, HeaderProtection } from './provider.js';
import type { CipherSuiteInfo } from './suites.js';
import { hkdfExpandLabel, quicLabels } from './hkdf-label.js';

const EMPTY = new Uint8Array(0);

/** RFC 9001 §5.4.2: "the Packet Number field is assumed to be 4 bytes long" when sampling. */
const SAMPLE_OFFSET = 4;

/** The raw key material derived from one traffic secret (RFC 9001 §5.1). */
export interface PacketKeyMaterial {
  /** The AEAD key ("quic key"). */
  readonly key: Uint8Array;
  /** The AEAD IV ("quic iv"). */
  readonly iv: Uint8Array;
  /** The header-protection key ("quic hp"). */
  readonly hp: Uint8Array;
}

/** Keyed packet protection for one direction of one encryption level (or key phase). */
export interface PacketProtectionKeys {
  /** The negotiated cipher suite (INITIAL_SUITE for Initial packets). */
  readonly suite: CipherSuiteInfo;
  /** The QUIC version whose labels derived the keys. */
  readonly version: QuicVersion;
  /** The traffic secret the keys come from (kept for key update, RFC 9001 §6.1). */
  readonly secret: Uint8Array;
  /** The AEAD keyed with "quic key". */
  readonly aead: Aead;
  /** The IV ("quic iv"). */
  readonly iv: Uint8Array;
  /** Header protection keyed with "quic hp"; shared by every key phase (RFC 9001 §5.4, §6.1). */
  readonly hp: HeaderProtection;
  /** Scratch space for the per-packet nonce; overwritten by every protect/unprotect call. */
  readonly nonce: Uint8Array;
}

/**
 * Derives key, IV and header-protection key from a traffic secret (RFC 9001 §5.1): "The current
 * encryption level secret and the label "quic key" are input to the KDF to produce the AEAD key;
 * the label "quic iv" is used to derive the Initialization Vector (IV) ... The header protection
 * key uses the "quic hp" label", each with "a zero-length Context".
 */
export function derivePacketKeyMaterial(
  provider: CryptoProvider,
  suite: CipherSuiteInfo,
  secret: Uint8Array,
  version: QuicVersion,
): PacketKeyMaterial {
  const labels = quicLabels(version);
  return {
    key: hkdfExpandLabel(provider, suite.hash, secret, labels.key, EMPTY, suite.keyLength),
    iv: hkdfExpandLabel(provider, suite.hash, secret, labels.iv, EMPTY, suite.ivLength),
    hp: hkdfExpandLabel(provider, suite.hash, secret, labels.hp, EMPTY, suite.hpKeyLength),
  };
}

/**
 * Assembles keys from an AEAD key, IV and an existing header-protection context (key update
 * reuses the old one: "The header protection key is not updated", RFC 9001 §6.1).
 */
export function createPacketProtectionKeys(
  provider: CryptoProvider,
  suite: CipherSuiteInfo,
  version: QuicVersion,
  secret: Uint8Array,
  key: Uint8Array,
  iv: Uint8Array,
  hp: HeaderProtection,
): PacketProtectionKeys {
  if (iv.length !== AEAD_NONCE_LENGTH) throw new RangeError(`IV must be ${AEAD_NONCE_LENGTH} bytes`);
  return {
    suite,
    version,
    secret,
    aead: provider.createAead(suite.aead, key),
    iv,
    hp,
    nonce: new Uint8Array(AEAD_NONCE_LENGTH),
  };
}

/** Derives and keys packet protection from a traffic secret (RFC 9001 §5.1). */
export function derivePacketKeys(
  provider: CryptoProvider,
  suite: CipherSuiteInfo,
  secret: Uint8Array,
  version: QuicVersion,
): PacketProtectionKeys {
  const m = derivePacketKeyMaterial(provider, suite, secret, version);
  return createPacketProtectionKeys(provider, suite, version, secret, m.key, m.iv, provider.createHeaderProtection(suite.hp, m.hp));
}

/**
 * Writes the AEAD nonce for `packetNumber` into `out` and returns it (RFC 9001 §5.3): "The 62
 * bits of the reconstructed QUIC packet number in network byte order are left-padded with zeros
 * to the size of the IV. The exclusive OR of the padded packet number and the IV forms the AEAD
 * nonce."
 */
export function computeNonce(iv: Uint8Array, packetNumber: number, out: Uint8Array): Uint8Array {
  const n = iv.length;
  out.set(iv);
  // packetNumber < 2^62 is split into two 32-bit halves without 64-bit arithmetic.
  const lo = packetNumber >>> 0;
  const hi = Math.floor(packetNumber / 0x1_0000_0000) >>> 0;
  out[n - 1]! ^= lo & 0xff;
  out[n - 2]! ^= (lo >>> 8) & 0xff;
  out[n - 3]! ^= (lo >>> 16) & 0xff;
  out[n - 4]! ^= lo >>> 24;
  out[n - 5]! ^= hi & 0xff;
  out[n - 6]! ^= (hi >>> 8) & 0xff;
  out[n - 7]! ^= (hi >>> 16) & 0xff;
  out[n - 8]! ^= hi >>> 24;
  return out;
}

/** True if the first byte is a long header's (RFC 9000 §17.2: Header Form bit set). */
function isLongHeader(firstByte: number): boolean {
  return (firstByte & 0x80) !== 0;
}

/** The first-byte bits under header protection: 4 for long headers, 5 for short (RFC 9001 §5.4.1). */
function firstByteMask(firstByte: number): number {
  return isLongHeader(firstByte) ? 0x0f : 0x1f;
}

function checkSample(buf: Uint8Array, pnOffset: number, packetEnd: number): void {
  if (!Number.isInteger(pnOffset) || pnOffset < 1) throw new CodecError(`bad packet number offset ${pnOffset}`);
  if (!Number.isInteger(packetEnd) || packetEnd > buf.length) throw new CodecError(`packet end ${packetEnd} beyond a ${buf.length}-byte buffer`);
  // RFC 9001 §5.4.2: "An endpoint MUST discard packets that are not long enough to contain a
  // complete sample."
  if (pnOffset + SAMPLE_OFFSET + HP_SAMPLE_LENGTH > packetEnd) {
    throw new CodecError(`packet of ${packetEnd} bytes too short for a header-protection sample at ${pnOffset + SAMPLE_OFFSET}`, pnOffset);
  }
}

/**
 * Applies header protection (RFC 9001 §5.4.1) to a packet whose payload is already sealed:
 * samples 16 bytes at `pnOffset + 4` (§5.4.2), masks the low 4 (long header) or 5 (short header)
 * bits of `buf[0]` and the `pnLength` packet-number bytes.
 * @throws CodecError if the packet is too short to hold the sample.
 */
export function applyHeaderProtection(hp: HeaderProtection, buf: Uint8Array, pnOffset: number, pnLength: number, packetEnd = buf.length): void {
  checkSample(buf, pnOffset, packetEnd);
  maskHeader(hp, buf, pnOffset, pnLength);
}

/** `applyHeaderProtection` once the sample is known to lie inside the packet. */
function maskHeader(hp: HeaderProtection, buf: Uint8Array, pnOffset: number, pnLength: number): void {
  const sampleAt = pnOffset + SAMPLE_OFFSET;
  const mask = hp.mask(buf.subarray(sampleAt, sampleAt + HP_SAMPLE_LENGTH));
  buf[0]! ^= mask[0]! & firstByteMask(buf[0]!);
  for (let i = 0; i < pnLength; i++) buf[pnOffset + i]! ^= mask[1 + i]!;
}

/**
 * Removes header protection (RFC 9001 §5.4.1, "Removing header protection only differs in the
 * order in which the packet number length (pn_length) is determined"): unmasks the first byte,
 * reads the Packet Number Length from it, then unmasks that many packet-number bytes in place.
 * @param packetEnd one past the packet's last byte (its Length field's end for a long header).
 * @returns the packet number length (1..4).
 * @throws CodecError if the packet cannot hold a complete sample (RFC 9001 §5.4.2: discard it).
 */
export function removeHeaderProtection(hp: HeaderProtection, buf: Uint8Array, pnOffset: number, packetEnd = buf.length): PacketNumberLength {
  checkSample(buf, pnOffset, packetEnd);
  const sampleAt = pnOffset + SAMPLE_OFFSET;
  const mask = hp.mask(buf.subarray(sampleAt, sampleAt + HP_SAMPLE_LENGTH));
  const first = buf[0]! ^ (mask[0]! & firstByteMask(buf[0]!));
  buf[0] = first;
  const pnLength = ((first & 0x03) + 1) as PacketNumberLength;
  for (let i = 0; i < pnLength; i++) buf[pnOffset + i]! ^= mask[1 + i]!;
  return pnLength;
}

/**
 * Seals a packet in place and applies header protection (RFC 9001 §5.3, then §5.4.1).
 *
 * `buf[0 .. pnOffset)` holds the unprotected header whose first byte already encodes `pnLength`;
 * the truncated packet number is (re)written at `pnOffset`; the payload is
 * `buf[pnOffset + pnLength .. payloadEnd)` and 16 bytes after it are reserved for the tag.
 * RFC 9001 §5.4.2: the caller pads so that "the combined lengths of the encoded packet number
 * and protected payload is at least 4 bytes longer than the sample", i.e. `pnLength + payload >= 4`.
 *
 * @returns the end of the protected packet: `payloadEnd + 16`.
 * @throws CodecError if the buffer lacks room for the tag, the payload is too short to sample,
 *   `pnLength` disagrees with the first byte, or `packetNumber` is not in 0..2^62-1.
 */
export function protectPacket(
  keys: PacketProtectionKeys,
  buf: Uint8Array,
  pnOffset: number,
  pnLength: number,
  packetNumber: number,
  payloadEnd: number,
): number {
  const payloadStart = pnOffset + pnLength;
  const packetEnd = payloadEnd + AEAD_TAG_LENGTH;
  if (pnLength < 1 || pnLength > 4 || (buf[0]! & 0x03) + 1 !== pnLength) {
    throw new CodecError(`packet number length ${pnLength} disagrees with the first byte`, 0);
  }
  if (!(payloadEnd >= payloadStart) || packetEnd > buf.length) {
    throw new CodecError(`no room for a ${AEAD_TAG_LENGTH}-byte tag after payload end ${payloadEnd}`, payloadEnd);
  }
  checkSample(buf, pnOffset, packetEnd);
  // RFC 9000 §12.3: "The packet number is an integer in the range 0 to 2^62-1".
  if (!isPacketNumber(packetNumber)) throw new CodecError(`not a packet number: ${packetNumber}`, pnOffset);
  // RFC 9000 §17.1: the packet number is sent as its pnLength least significant bytes.
  let t = packetNumber >>> 0;
  for (let i = pnOffset + pnLength - 1; i >= pnOffset; i--) {
    buf[i] = t & 0xff;
    t >>>= 8;
  }
  // RFC 9001 §5.3: "The associated data, A, for the AEAD is the contents of the QUIC header,
  // starting from the first byte of either the short or long header, up to and including the
  // unprotected packet number."
  keys.aead.seal(
    computeNonce(keys.iv, packetNumber, keys.nonce),
    buf.subarray(0, payloadStart),
    buf.subarray(payloadStart, payloadEnd),
    buf.subarray(payloadStart, packetEnd),
  );
  // RFC 9001 §5.4.1: "Header protection is applied after packet protection is applied" (the
  // sample was checked above).
  maskHeader(keys.hp, buf, pnOffset, pnLength);
  return packetEnd;
}

/**
 * Opens the payload of a packet whose header protection is already removed (RFC 9001 §5.3),
 * decrypting in place. For callers that pick the AEAD keys after reading the header, e.g. by the
 * Key Phase bit (RFC 9001 §6.3).
 * @returns a view of the plaintext payload, or null if authentication failed (then the payload
 *   bytes are as the provider's `open` left them; node and null providers leave them untouched).
 */
export function decryptPayload(
  keys: PacketProtectionKeys,
  buf: Uint8Array,
  pnOffset: number,
  pnLength: number,
  packetNumber: number,
  packetEnd: number,
): Uint8Array | null {
  const payloadStart = pnOffset + pnLength;
  if (packetEnd > buf.length || packetEnd - payloadStart < AEAD_TAG_LENGTH) {
    throw new CodecError(`packet too short for a ${AEAD_TAG_LENGTH}-byte tag`, payloadStart);
  }
  const payload = buf.subarray(payloadStart, packetEnd - AEAD_TAG_LENGTH);
  const ok = keys.aead.open(
    computeNonce(keys.iv, packetNumber, keys.nonce),
    buf.subarray(0, payloadStart),
    buf.subarray(payloadStart, packetEnd),
    payload,
  );
  return ok ? payload : null;
}

/** A packet whose protection was removed. */
export interface UnprotectedPacket {
  /** The full packet number, recovered with RFC 9000 Appendix A.3. */
  readonly packetNumber: number;
  /** The Packet Number field's length. */
  readonly pnLength: PacketNumberLength;
  /** The plaintext payload: a view into the caller's buffer. */
  readonly payload: Uint8Array;
  /** The unmasked first byte (reserved bits, key phase and packet number length readable). */
  readonly firstByte: number;
}

/**
 * Removes header protection, recovers the packet number, and opens the payload in place
 * (RFC 9001 §5.4.2, RFC 9000 Appendix A.3, RFC 9001 §5.3).
 *
 * @param buf the packet, its first byte at index 0.
 * @param pnOffset where the Packet Number field starts.
 * @param packetEnd one past the packet's last byte.
 * @param largestPn the largest packet number successfully processed in this space, or -1.
 * @returns the unprotected packet, or null if the AEAD rejects it; then the header is put back
 *   as it arrived (masked), so nothing observable changed in it.
 * @throws CodecError if the packet is too short to sample (RFC 9001 §5.4.2: "MUST discard"), or
 *   `largestPn` is neither -1 nor a packet number; the buffer is then unchanged.
 */
export function unprotectPacket(
  keys: PacketProtectionKeys,
  buf: Uint8Array,
  pnOffset: number,
  packetEnd: number,
  largestPn: number,
): UnprotectedPacket | null {
  checkSample(buf, pnOffset, packetEnd);
  // Checked before touching the header, so every failure leaves the packet as received.
  if (largestPn !== -1 && !isPacketNumber(largestPn)) throw new CodecError(`not a packet number: ${largestPn}`);
  const sampleAt = pnOffset + SAMPLE_OFFSET;
  const mask = keys.hp.mask(buf.subarray(sampleAt, sampleAt + HP_SAMPLE_LENGTH));
  // The mask array may be reused by the provider: keep its bytes for the failure path.
  const m0 = mask[0]! & firstByteMask(buf[0]!);
  const m1 = mask[1]!;
  const m2 = mask[2]!;
  const m3 = mask[3]!;
  const m4 = mask[4]!;
  const firstByte = buf[0]! ^ m0;
  buf[0] = firstByte;
  const pnLength = ((firstByte & 0x03) + 1) as PacketNumberLength;
  let truncated = 0;
  for (let i = 0; i < pnLength; i++) {
    const b = buf[pnOffset + i]! ^ (i === 0 ? m1 : i === 1 ? m2 : i === 2 ? m3 : m4);
    buf[pnOffset + i] = b;
    truncated = truncated * 256 + b;
  }
  const packetNumber = decodePacketNumber(largestPn, truncated, (pnLength * 8) as PacketNumberBits);
  const payload = decryptPayload(keys, buf, pnOffset, pnLength, packetNumber, packetEnd);
  if (payload === null) {
    buf[0] = firstByte ^ m0;
    for (let i = 0; i < pnLength; i++) buf[pnOffset + i]! ^= i === 0 ? m1 : i === 1 ? m2 : i === 2 ? m3 : m4;
    return null;
  }
  return { packetNumber, pnLength, payload, firstByte };
}
