/**
 * The stateless refusal of a connection (RFC 9000 §5.2.2: "If a server refuses to accept a new
 * connection, it SHOULD send an Initial packet containing a CONNECTION_CLOSE frame with error
 * code CONNECTION_REFUSED"; RFC 9000 §8.1.2 likewise for an invalid Retry token with
 * INVALID_TOKEN): a server Initial packet (RFC 9000 §17.2.2) built without a Connection, protected
 * with the server Initial keys derived from the client's first Destination Connection ID (RFC
 * 9001 §5.2), so the client, which derived the same keys, can open it.
 *
 * RFC 9000 §10.2.3: in an Initial packet, CONNECTION_CLOSE is the transport variant (0x1c); the
 * frame type is 0 (no frame caused the refusal). The packet is not ack-eliciting, so the §14.1
 * padding rule for ack-eliciting server Initials does not apply: it is padded only to the header
 * protection sample (RFC 9001 §5.4.2), which keeps it smaller than the client's ≥ 1200-byte
 * Initial (no amplification, RFC 9000 §8).
 */
import { deriveInitialKeys } from '../crypto/initial-secrets.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { protectPacket } from '../crypto/packet-protection.js';
import { Writer } from '../util/bytes.js';
import type { RandomSource } from '../util/random.js';
import { randomConnectionId, type ConnectionId } from '../wire/connection-id.js';
import { TransportErrorCode } from '../wire/errors.js';
import { encodeFrame, sizeOfFrame, type Frame } from '../wire/frames.js';
import { encodeLongHeader, patchLongHeaderLength, sizeOfLongHeader } from '../wire/long-header.js';
import { PacketType } from '../wire/packet-type.js';
import type { QuicVersion } from '../wire/version.js';

/** Longest reason phrase sent in a refusal (bytes of UTF-8; longer ones are cut). */
export const MAX_REFUSAL_REASON_BYTES = 128;
/** AEAD tag length of the Initial suite (AES-128-GCM, RFC 9001 §5). */
const TAG_LENGTH = 16;
/** RFC 9001 §5.4.2: the sample starts 4 bytes after the Packet Number field and is 16 bytes. */
const MIN_PN_AND_PAYLOAD = 4;
/** Length of our Source Connection ID in the refusal (never routed). */
const REFUSAL_SCID_LENGTH = 8;

/** What to refuse. */
export interface InitialCloseParams {
  readonly version: QuicVersion;
  /** The Destination Connection ID of the client's Initial: the Initial keys derive from it (RFC 9001 §5.2). */
  readonly clientDcid: ConnectionId;
  /** The Source Connection ID of the client's Initial: our packet's Destination Connection ID (RFC 9000 §7.2). */
  readonly clientScid: ConnectionId;
  /** Transport error code (default CONNECTION_REFUSED, 0x02). */
  readonly errorCode?: number;
  /** Reason phrase (UTF-8; cut to MAX_REFUSAL_REASON_BYTES). */
  readonly reason?: string;
}

/**
 * Builds a server Initial packet carrying CONNECTION_CLOSE (0x1c) with `errorCode` (default
 * CONNECTION_REFUSED) and `reason`, packet number 0, a random Source Connection ID.
 */
export function buildInitialClose(provider: CryptoProvider, random: RandomSource, p: InitialCloseParams): Uint8Array {
  let reason = new TextEncoder().encode(p.reason ?? '');
  if (reason.length > MAX_REFUSAL_REASON_BYTES) reason = reason.subarray(0, MAX_REFUSAL_REASON_BYTES);
  const frame: Frame = { type: 'connection_close', errorSpace: 'transport', errorCode: p.errorCode ?? TransportErrorCode.CONNECTION_REFUSED, frameType: 0, reason };
  const header = { type: PacketType.Initial, version: p.version, dcid: p.clientScid, scid: randomConnectionId(random, REFUSAL_SCID_LENGTH), token: new Uint8Array(0) } as const;
  const pnLength = 1;
  const frameSize = sizeOfFrame(frame);
  // RFC 9001 §5.4.2: packet number + payload at least 4 bytes (PADDING frames are zero bytes).
  const payloadSize = Math.max(frameSize, MIN_PN_AND_PAYLOAD - pnLength);
  const total = sizeOfLongHeader(header, pnLength) + payloadSize + TAG_LENGTH;
  const buf = new Uint8Array(total);
  const w = new Writer(buf);
  const layout = encodeLongHeader(w, header, { packetNumber: 0, packetNumberLength: pnLength });
  encodeFrame(w, frame);
  const payloadEnd = layout.pnOffset + pnLength + payloadSize; // the rest stays 0: PADDING
  patchLongHeaderLength(buf, layout, total - layout.pnOffset);
  const keys = deriveInitialKeys(provider, p.version, p.clientDcid).server;
  protectPacket(keys, buf, layout.pnOffset, pnLength, 0, payloadEnd);
  return buf;
}
