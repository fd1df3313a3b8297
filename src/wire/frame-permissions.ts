/**
 * Which packet types may carry each frame type, and the frames' special rules: RFC 9000 §12.4
 * (Table 3, its "Pkts" and "Spec" columns), §12.5, and RFC 9221 §4-§5 for DATAGRAM.
 *
 * `FRAME_TYPE_TABLE` transcribes Table 3 row by row, with the same letters, so it can be read
 * against the RFC; at load time it is compiled into a flag byte per type code so that every
 * query on the packet path is one array read.
 *
 * Frame types this stack does not know (none can survive `decodeFrames`) are allowed in no
 * packet, and are treated as ack-eliciting and in flight (RFC 9000 §19.21: "Extension frames
 * MUST be congestion controlled and MUST cause an ACK frame to be sent").
 */
import { PacketType, type FramePacketType } from './packet-type.js';

/** One row of RFC 9000 §12.4 Table 3 (and the DATAGRAM row RFC 9221 implies). */
export interface FrameTypeTableRow {
  /** First type value of the row. */
  readonly first: number;
  /** Last type value of the row (equal to `first` for single-value rows). */
  readonly last: number;
  /** The "Frame Type Name" column. */
  readonly name: string;
  /** The section defining the frame. */
  readonly definition: string;
  /**
   * The "Pkts" column: `I` Initial, `H` Handshake, `0` 0-RTT, `1` 1-RTT, `_` not allowed; `ih`
   * (lower case) means only type 0x1c may appear in Initial and Handshake packets.
   */
  readonly pkts: string;
  /**
   * The "Spec" column: `N` not ack-eliciting, `C` not counted in flight, `P` probing,
   * `F` flow controlled.
   */
  readonly spec: string;
}

/**
 * RFC 9000 §12.4 Table 3, verbatim, plus DATAGRAM. DATAGRAM's row is derived from RFC 9221:
 * §5 "DATAGRAM frames ... MUST be protected with either 0-RTT or 1-RTT keys" (`__01`);
 * §5.2 "they are ack-eliciting" (no `N`); §5.4 "DATAGRAM frames employ the QUIC connection's
 * congestion controller" (no `C`); §5.3 "do not contribute to any per-flow or connection-wide
 * data limit" (no `F`); RFC 9000 §9.1 lists no other probing frames (no `P`).
 *
 * Table 3 is followed as printed. RFC 9000 §12.5 adds that ACK, CRYPTO, HANDSHAKE_DONE,
 * NEW_TOKEN, PATH_RESPONSE and RETIRE_CONNECTION_ID cannot be sent in 0-RTT and "A server MAY
 * treat receipt of these frames in 0-RTT packets as a connection error"; Table 3 agrees for all
 * but RETIRE_CONNECTION_ID (`__01`), which is therefore allowed in 0-RTT here.
 */
export const FRAME_TYPE_TABLE: readonly FrameTypeTableRow[] = [
  { first: 0x00, last: 0x00, name: 'PADDING', definition: 'RFC 9000 §19.1', pkts: 'IH01', spec: 'NP' },
  { first: 0x01, last: 0x01, name: 'PING', definition: 'RFC 9000 §19.2', pkts: 'IH01', spec: '' },
  { first: 0x02, last: 0x03, name: 'ACK', definition: 'RFC 9000 §19.3', pkts: 'IH_1', spec: 'NC' },
  { first: 0x04, last: 0x04, name: 'RESET_STREAM', definition: 'RFC 9000 §19.4', pkts: '__01', spec: '' },
  { first: 0x05, last: 0x05, name: 'STOP_SENDING', definition: 'RFC 9000 §19.5', pkts: '__01', spec: '' },
  { first: 0x06, last: 0x06, name: 'CRYPTO', definition: 'RFC 9000 §19.6', pkts: 'IH_1', spec: '' },
  { first: 0x07, last: 0x07, name: 'NEW_TOKEN', definition: 'RFC 9000 §19.7', pkts: '___1', spec: '' },
  { first: 0x08, last: 0x0f, name: 'STREAM', definition: 'RFC 9000 §19.8', pkts: '__01', spec: 'F' },
  { first: 0x10, last: 0x10, name: 'MAX_DATA', definition: 'RFC 9000 §19.9', pkts: '__01', spec: '' },
  { first: 0x11, last: 0x11, name: 'MAX_STREAM_DATA', definition: 'RFC 9000 §19.10', pkts: '__01', spec: '' },
  { first: 0x12, last: 0x13, name: 'MAX_STREAMS', definition: 'RFC 9000 §19.11', pkts: '__01', spec: '' },
  { first: 0x14, last: 0x14, name: 'DATA_BLOCKED', definition: 'RFC 9000 §19.12', pkts: '__01', spec: '' },
  { first: 0x15, last: 0x15, name: 'STREAM_DATA_BLOCKED', definition: 'RFC 9000 §19.13', pkts: '__01', spec: '' },
  { first: 0x16, last: 0x17, name: 'STREAMS_BLOCKED', definition: 'RFC 9000 §19.14', pkts: '__01', spec: '' },
  { first: 0x18, last: 0x18, name: 'NEW_CONNECTION_ID', definition: 'RFC 9000 §19.15', pkts: '__01', spec: 'P' },
  { first: 0x19, last: 0x19, name: 'RETIRE_CONNECTION_ID', definition: 'RFC 9000 §19.16', pkts: '__01', spec: '' },
  { first: 0x1a, last: 0x1a, name: 'PATH_CHALLENGE', definition: 'RFC 9000 §19.17', pkts: '__01', spec: 'P' },
  { first: 0x1b, last: 0x1b, name: 'PATH_RESPONSE', definition: 'RFC 9000 §19.18', pkts: '___1', spec: 'P' },
  { first: 0x1c, last: 0x1d, name: 'CONNECTION_CLOSE', definition: 'RFC 9000 §19.19', pkts: 'ih01', spec: 'N' },
  { first: 0x1e, last: 0x1e, name: 'HANDSHAKE_DONE', definition: 'RFC 9000 §19.20', pkts: '___1', spec: '' },
  { first: 0x30, last: 0x31, name: 'DATAGRAM', definition: 'RFC 9221 §4', pkts: '__01', spec: '' },
];

// Flag bits of the compiled table.
const IN_INITIAL = 0x01;
const IN_ZERO_RTT = 0x02;
const IN_HANDSHAKE = 0x04;
const IN_ONE_RTT = 0x08; // RFC 9000 §12.4: "all frames can appear in 1-RTT packets", so also "known"
const NOT_ACK_ELICITING = 0x10;
const NOT_IN_FLIGHT = 0x20;
const PROBING = 0x40;
const FLOW_CONTROLLED = 0x80;

const FLAGS = compile(FRAME_TYPE_TABLE);

function compile(table: readonly FrameTypeTableRow[]): Uint8Array {
  const flags = new Uint8Array(0x32);
  for (const row of table) {
    for (let t = row.first; t <= row.last; t++) {
      let f = 0;
      // RFC 9000 §12.4: "ih: Only a CONNECTION_CLOSE frame of type 0x1c can appear in Initial or
      // Handshake packets."
      const ihAllowed = row.pkts.startsWith('ih') ? t === 0x1c : true;
      if (row.pkts[0] === 'I' || (row.pkts[0] === 'i' && ihAllowed)) f |= IN_INITIAL;
      if (row.pkts[1] === 'H' || (row.pkts[1] === 'h' && ihAllowed)) f |= IN_HANDSHAKE;
      if (row.pkts[2] === '0') f |= IN_ZERO_RTT;
      if (row.pkts[3] === '1') f |= IN_ONE_RTT;
      if (row.spec.includes('N')) f |= NOT_ACK_ELICITING;
      if (row.spec.includes('C')) f |= NOT_IN_FLIGHT;
      if (row.spec.includes('P')) f |= PROBING;
      if (row.spec.includes('F')) f |= FLOW_CONTROLLED;
      flags[t] = f;
    }
  }
  return flags;
}

function flagsOf(frameType: number): number {
  // Out-of-range and non-integer indexes read `undefined`, i.e. an unknown type.
  return FLAGS[frameType] ?? 0;
}

/**
 * True if a frame of type `frameType` may appear in a packet of type `packetType`
 * (RFC 9000 §12.4 Table 3 "Pkts", §12.5; RFC 9221 §5 for DATAGRAM). Unknown types: false.
 *
 * RFC 9000 §12.4: "An endpoint MUST treat receipt of a frame in a packet type that is not
 * permitted as a connection error of type PROTOCOL_VIOLATION."
 */
export function isFrameAllowedIn(frameType: number, packetType: FramePacketType): boolean {
  const f = flagsOf(frameType);
  switch (packetType) {
    case PacketType.Initial:
      return (f & IN_INITIAL) !== 0;
    case PacketType.ZeroRtt:
      return (f & IN_ZERO_RTT) !== 0;
    case PacketType.Handshake:
      return (f & IN_HANDSHAKE) !== 0;
    case PacketType.OneRtt:
      return (f & IN_ONE_RTT) !== 0;
  }
}

/**
 * True if a frame of this type makes its packet ack-eliciting: every type not marked `N` in
 * RFC 9000 §12.4 Table 3 (so all but PADDING, ACK and CONNECTION_CLOSE; RFC 9000 §13.2). DATAGRAM
 * is ack-eliciting (RFC 9221 §5.2). Unknown (extension) types: true (RFC 9000 §19.21).
 */
export function isAckEliciting(frameType: number): boolean {
  return (flagsOf(frameType) & NOT_ACK_ELICITING) === 0;
}

/**
 * True unless the type is marked `C` in RFC 9000 §12.4 Table 3 ("Packets containing only frames
 * with this marking do not count toward bytes in flight"): only ACK is. A packet counts in flight
 * if any of its frames does.
 *
 * Note: RFC 9002 §2 defines in-flight packets as those that are "ack-eliciting or contain a
 * PADDING frame", under which a packet of only ACK and CONNECTION_CLOSE frames is not in flight,
 * although Table 3 does not mark CONNECTION_CLOSE `C`. This function follows Table 3; recovery
 * decides at packet level (and a closing connection no longer does congestion control).
 */
export function countsInFlight(frameType: number): boolean {
  return (flagsOf(frameType) & NOT_IN_FLIGHT) === 0;
}

/**
 * True if the type is marked `P` in RFC 9000 §12.4 Table 3 (PADDING, NEW_CONNECTION_ID,
 * PATH_CHALLENGE, PATH_RESPONSE): "Packets containing only frames with this marking can be used
 * to probe new network paths during connection migration" (RFC 9000 §9.1).
 */
export function isProbingFrame(frameType: number): boolean {
  return (flagsOf(frameType) & PROBING) !== 0;
}

/**
 * True if the type is marked `F` in RFC 9000 §12.4 Table 3 (only STREAM): "The contents of
 * frames with this marking are flow controlled" (RFC 9000 §4). DATAGRAM is not (RFC 9221 §5.3).
 */
export function isFlowControlled(frameType: number): boolean {
  return (flagsOf(frameType) & FLOW_CONTROLLED) !== 0;
}
