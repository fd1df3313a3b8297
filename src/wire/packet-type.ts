/**
 * Packet types and packet-number spaces shared by the header codec, the frame table and the
 * connection (RFC 9000 §12.3, §17).
 */

/** The kinds of QUIC packet (RFC 9000 §17.2 and §17.3). */
export const PacketType = {
  Initial: 'initial',
  ZeroRtt: '0rtt',
  Handshake: 'handshake',
  Retry: 'retry',
  VersionNegotiation: 'version_negotiation',
  OneRtt: '1rtt',
} as const;
/** One of `PacketType`'s values. */
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

/** The packet types that carry frames (RFC 9000 §12.4, Table 3's columns I, 0, H, 1). */
export type FramePacketType = typeof PacketType.Initial | typeof PacketType.ZeroRtt | typeof PacketType.Handshake | typeof PacketType.OneRtt;

/** Packet-number spaces (RFC 9000 §12.3). */
export const PacketNumberSpace = {
  Initial: 'initial',
  Handshake: 'handshake',
  ApplicationData: 'application',
} as const;
/** One of `PacketNumberSpace`'s values. */
export type PacketNumberSpace = (typeof PacketNumberSpace)[keyof typeof PacketNumberSpace];

/** The packet-number space of a frame-carrying packet type (RFC 9000 §12.3: 0-RTT and 1-RTT share one). */
export function packetNumberSpaceOf(type: FramePacketType): PacketNumberSpace {
  switch (type) {
    case PacketType.Initial:
      return PacketNumberSpace.Initial;
    case PacketType.Handshake:
      return PacketNumberSpace.Handshake;
    case PacketType.ZeroRtt:
    case PacketType.OneRtt:
      return PacketNumberSpace.ApplicationData;
  }
}
