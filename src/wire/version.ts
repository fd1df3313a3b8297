/**
 * QUIC versions this stack speaks, and version-number helpers.
 *
 * - QUIC version 1, RFC 9000 §15: 0x00000001.
 * - QUIC version 2, RFC 9369 §3.1: 0x6b3343cf.
 * - Version 0x00000000 is reserved for Version Negotiation (RFC 9000 §17.2.1).
 * - Versions of the form 0x?a?a?a?a are reserved for greasing (RFC 9000 §15).
 */

/** QUIC version 1 (RFC 9000). */
export const QUIC_V1 = 0x0000_0001;
/** QUIC version 2 (RFC 9369 §3.1). */
export const QUIC_V2 = 0x6b33_43cf;
/** The version field of a Version Negotiation packet (RFC 9000 §17.2.1). */
export const VERSION_NEGOTIATION = 0x0000_0000;

/** The versions this stack implements, in order of preference. */
export const SUPPORTED_VERSIONS: readonly number[] = [QUIC_V1, QUIC_V2];

/** A version we implement. */
export type QuicVersion = typeof QUIC_V1 | typeof QUIC_V2;

/** True for a version this stack implements. */
export function isSupportedVersion(version: number): version is QuicVersion {
  return version === QUIC_V1 || version === QUIC_V2;
}

/** True for a reserved greasing version 0x?a?a?a?a (RFC 9000 §15). */
export function isReservedVersion(version: number): boolean {
  return ((version >>> 0) & 0x0f0f_0f0f) === 0x0a0a_0a0a;
}
