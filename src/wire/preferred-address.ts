/**
 * The value of the preferred_address transport parameter (RFC 9000 §18.2, Figure 22), which a
 * server uses to move the client to another address at the end of the handshake (§9.6).
 *
 * ```
 * Preferred Address {
 *   IPv4 Address (32), IPv4 Port (16),
 *   IPv6 Address (128), IPv6 Port (16),
 *   Connection ID Length (8), Connection ID (..),
 *   Stateless Reset Token (128),
 * }
 * ```
 *
 * Addresses are kept as raw bytes in network byte order, as on the wire; an all-zero address and
 * port (0.0.0.0:0 or [::]:0) means "no address of this family" (RFC 9000 §18.2: "Servers MAY
 * choose to only send a preferred address of one address family by sending an all-zero address
 * and port").
 */
import { CodecError } from '../util/errors.js';
import type { Reader, Writer } from '../util/bytes.js';

/** RFC 9000 §17.2: "In QUIC version 1, this value MUST NOT exceed 20 bytes." */
const MAX_CONNECTION_ID_LENGTH = 20;
/** RFC 9000 §10.3: a stateless reset token is 16 bytes. */
const RESET_TOKEN_LENGTH = 16;
const IPV4_LENGTH = 4;
const IPV6_LENGTH = 16;

/** A decoded preferred_address value (RFC 9000 §18.2, Figure 22). Byte fields are copies. */
export interface PreferredAddress {
  /** 4 bytes, network byte order; all zero with port 0 when no IPv4 address is offered. */
  ipv4Address: Uint8Array;
  /** 0..65535. */
  ipv4Port: number;
  /** 16 bytes, network byte order; all zero with port 0 when no IPv6 address is offered. */
  ipv6Address: Uint8Array;
  /** 0..65535. */
  ipv6Port: number;
  /** The connection ID with sequence number 1 (RFC 9000 §5.1.1): 1..20 bytes. */
  connectionId: Uint8Array;
  /** The stateless reset token for `connectionId`: 16 bytes. */
  statelessResetToken: Uint8Array;
}

/** Encoded size of a preferred_address value: 41 bytes plus the connection ID. */
export function sizeOfPreferredAddress(pa: PreferredAddress): number {
  return IPV4_LENGTH + 2 + IPV6_LENGTH + 2 + 1 + pa.connectionId.length + RESET_TOKEN_LENGTH;
}

/**
 * Reads a preferred_address value. It is self-delimiting; the transport-parameter decoder checks
 * that it fills the parameter exactly.
 * @throws CodecError if truncated or if the connection ID length is 0 or above 20.
 */
export function decodePreferredAddress(r: Reader): PreferredAddress {
  const ipv4Address = r.bytes(IPV4_LENGTH).slice();
  const ipv4Port = r.u16();
  const ipv6Address = r.bytes(IPV6_LENGTH).slice();
  const ipv6Port = r.u16();
  const at = r.offset;
  const cidLength = r.u8();
  // RFC 9000 §18.2: "a server MUST NOT include a zero-length connection ID in this transport
  // parameter. A client MUST treat a violation of these requirements as a connection error of
  // type TRANSPORT_PARAMETER_ERROR."
  if (cidLength === 0) throw new CodecError('preferred_address carries a zero-length connection ID', at);
  // RFC 9000 §17.2: a version 1 connection ID "MUST NOT exceed 20 bytes".
  if (cidLength > MAX_CONNECTION_ID_LENGTH) {
    throw new CodecError(`preferred_address connection ID of ${cidLength} bytes exceeds ${MAX_CONNECTION_ID_LENGTH}`, at);
  }
  const connectionId = r.bytes(cidLength).slice();
  const statelessResetToken = r.bytes(RESET_TOKEN_LENGTH).slice();
  return { ipv4Address, ipv4Port, ipv6Address, ipv6Port, connectionId, statelessResetToken };
}

/**
 * Writes a preferred_address value.
 * @throws CodecError if a field has the wrong length or range (so that what is written always
 *   decodes), or if the writer is full.
 */
export function encodePreferredAddress(w: Writer, pa: PreferredAddress): void {
  checkPreferredAddress(pa);
  w.bytes(pa.ipv4Address).u16(pa.ipv4Port);
  w.bytes(pa.ipv6Address).u16(pa.ipv6Port);
  w.u8(pa.connectionId.length).bytes(pa.connectionId);
  w.bytes(pa.statelessResetToken);
}

function checkPreferredAddress(pa: PreferredAddress): void {
  if (pa.ipv4Address.length !== IPV4_LENGTH) throw new CodecError(`preferred_address IPv4 address must be ${IPV4_LENGTH} bytes`);
  if (pa.ipv6Address.length !== IPV6_LENGTH) throw new CodecError(`preferred_address IPv6 address must be ${IPV6_LENGTH} bytes`);
  for (const port of [pa.ipv4Port, pa.ipv6Port]) {
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new CodecError(`preferred_address port ${port} out of range`);
  }
  const n = pa.connectionId.length;
  if (n === 0 || n > MAX_CONNECTION_ID_LENGTH) throw new CodecError(`preferred_address connection ID must be 1..20 bytes, not ${n}`);
  if (pa.statelessResetToken.length !== RESET_TOKEN_LENGTH) {
    throw new CodecError(`preferred_address stateless reset token must be ${RESET_TOKEN_LENGTH} bytes`);
  }
}
