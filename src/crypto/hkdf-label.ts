/**
 * HKDF-Expand-Label and Derive-Secret (RFC 8446 §7.1), and the QUIC packet-protection labels of
 * each QUIC version (RFC 9001 §5.1, §5.4, §6.1; RFC 9369 §3.3.2).
 */
import { QUIC_V1, QUIC_V2, type QuicVersion } from '../wire/version.js';
import type { CryptoProvider, HashAlgorithm } from './provider.js';
import { hashLength } from './provider.js';

/** The "tls13 " prefix of every HkdfLabel.label (RFC 8446 §7.1). */
const TLS13_PREFIX = [0x74, 0x6c, 0x73, 0x31, 0x33, 0x20];

/**
 * Encodes the HkdfLabel structure (RFC 8446 §7.1):
 *
 * ```
 * struct {
 *     uint16 length = Length;
 *     opaque label<7..255> = "tls13 " + Label;
 *     opaque context<0..255> = Context;
 * } HkdfLabel;
 * ```
 *
 * Labels are ASCII "without quotes or any trailing NUL byte" (RFC 9001 §5.1).
 * @throws RangeError if a field does not fit its TLS vector (a programming error: labels are constants).
 */
export function encodeHkdfLabel(label: string, context: Uint8Array, length: number): Uint8Array {
  const labelLength = TLS13_PREFIX.length + label.length;
  if (labelLength < 7 || labelLength > 255) throw new RangeError(`HKDF label "${label}" must be 1..249 characters`);
  if (context.length > 255) throw new RangeError(`HKDF context of ${context.length} bytes exceeds 255`);
  if (!Number.isInteger(length) || length < 0 || length > 0xffff) throw new RangeError(`HKDF length ${length} out of range`);
  const out = new Uint8Array(2 + 1 + labelLength + 1 + context.length);
  out[0] = length >>> 8;
  out[1] = length & 0xff;
  out[2] = labelLength;
  out.set(TLS13_PREFIX, 3);
  let at = 3 + TLS13_PREFIX.length;
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    if (c > 0x7f) throw new RangeError(`HKDF label "${label}" is not ASCII`);
    out[at++] = c;
  }
  out[at++] = context.length;
  out.set(context, at);
  return out;
}

/** HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length) (RFC 8446 §7.1). */
export function hkdfExpandLabel(
  provider: CryptoProvider,
  hash: HashAlgorithm,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  return provider.hkdfExpand(hash, secret, encodeHkdfLabel(label, context, length), length);
}

/**
 * Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label,
 * Transcript-Hash(Messages), Hash.length) (RFC 8446 §7.1). Takes the transcript hash, not the messages.
 */
export function deriveSecret(
  provider: CryptoProvider,
  hash: HashAlgorithm,
  secret: Uint8Array,
  label: string,
  transcriptHash: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(provider, hash, secret, label, transcriptHash, hashLength(hash));
}

/** The HKDF labels QUIC derives packet-protection material with, for one QUIC version. */
export interface QuicLabels {
  /** AEAD key label (RFC 9001 §5.1: "quic key"; RFC 9369 §3.3.2: "quicv2 key"). */
  readonly key: string;
  /** IV label ("quic iv" / "quicv2 iv"). */
  readonly iv: string;
  /** Header-protection key label (RFC 9001 §5.4: "quic hp" / "quicv2 hp"). */
  readonly hp: string;
  /** Key-update label (RFC 9001 §6.1: "quic ku" / "quicv2 ku"). */
  readonly ku: string;
}

/** QUIC v1 labels (RFC 9001 §5.1, §5.4, §6.1). */
export const QUIC_V1_LABELS: QuicLabels = Object.freeze({ key: 'quic key', iv: 'quic iv', hp: 'quic hp', ku: 'quic ku' });

/**
 * QUIC v2 labels (RFC 9369 §3.3.2): "change from "quic key" to "quicv2 key", from "quic iv" to
 * "quicv2 iv", from "quic hp" to "quicv2 hp", and from "quic ku" to "quicv2 ku"".
 */
export const QUIC_V2_LABELS: QuicLabels = Object.freeze({ key: 'quicv2 key', iv: 'quicv2 iv', hp: 'quicv2 hp', ku: 'quicv2 ku' });

/** The packet-protection labels of a QUIC version. */
export function quicLabels(version: QuicVersion): QuicLabels {
  switch (version) {
    case QUIC_V1:
      return QUIC_V1_LABELS;
    case QUIC_V2:
      return QUIC_V2_LABELS;
    default: {
      const unknown: never = version;
      throw new RangeError(`no QUIC labels for version 0x${(unknown as number).toString(16)}`);
    }
  }
}
