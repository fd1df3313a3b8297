/**
 * Stream identifiers (RFC 9000 §2.1).
 *
 * "The least significant bit (0x01) of the stream ID identifies the initiator of the stream.
 * Client-initiated streams have even-numbered stream IDs (with the bit set to 0), and
 * server-initiated streams have odd-numbered stream IDs (with the bit set to 1). The second least
 * significant bit (0x02) of the stream ID distinguishes between bidirectional streams (with the bit
 * set to 0) and unidirectional streams (with the bit set to 1)."
 *
 * Stream IDs reach 2^62 - 1, beyond 32 bits, so everything here uses arithmetic, never the 32-bit
 * bitwise operators.
 */

/** Which endpoint opened a stream (RFC 9000 §2.1, bit 0x01), or which endpoint we are. */
export type Role = 'client' | 'server';

/** Stream direction (RFC 9000 §2.1, bit 0x02). */
export type StreamDir = 'bidi' | 'uni';

/** RFC 9000 §4.6: a stream count (MAX_STREAMS, a stream index + 1) never exceeds 2^60. */
export const MAX_STREAM_COUNT = 2 ** 60;

/** The stream type, 0..3: the two low bits of the ID (RFC 9000 §2.1 Table 1). */
export function streamType(id: number): 0 | 1 | 2 | 3 {
  return (id % 4) as 0 | 1 | 2 | 3;
}

/** The stream ID of the `index`-th stream (0-based) of a type (RFC 9000 §2.1: index * 4 + type). */
export function streamId(index: number, initiator: Role, dir: StreamDir): number {
  return index * 4 + (initiator === 'server' ? 1 : 0) + (dir === 'uni' ? 2 : 0);
}

/** The 0-based index of a stream among the streams of its type. */
export function streamIndex(id: number): number {
  return Math.floor(id / 4);
}

/** Who opened the stream (RFC 9000 §2.1: the 0x01 bit). */
export function streamInitiator(id: number): Role {
  return id % 2 === 1 ? 'server' : 'client';
}

/** The stream's direction (RFC 9000 §2.1: the 0x02 bit). */
export function streamDir(id: number): StreamDir {
  return streamType(id) >= 2 ? 'uni' : 'bidi';
}

/** True for a bidirectional stream ID. */
export function isBidi(id: number): boolean {
  return streamDir(id) === 'bidi';
}

/** True if the endpoint playing `role` opened stream `id`. */
export function isLocal(id: number, role: Role): boolean {
  return streamInitiator(id) === role;
}

/**
 * True if the endpoint playing `role` has a sending part on stream `id` (RFC 9000 §2.1: a
 * unidirectional stream carries data only from its initiator).
 */
export function hasSendPart(id: number, role: Role): boolean {
  return isBidi(id) || isLocal(id, role);
}

/** True if the endpoint playing `role` has a receiving part on stream `id`. */
export function hasRecvPart(id: number, role: Role): boolean {
  return isBidi(id) || !isLocal(id, role);
}
