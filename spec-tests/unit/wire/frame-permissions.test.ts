import { describe, expect, it } from 'vitest';
import {
  countsInFlight,
  FRAME_TYPE_TABLE,
  isAckEliciting,
  isFlowControlled,
  isFrameAllowedIn,
  isProbingFrame,
} from '../../../src/wire/frame-permissions.js';
import { FrameType, isKnownFrameType } from '../../../src/wire/frame-types.js';
import { PacketType, type FramePacketType } from '../../../src/wire/packet-type.js';

const I = PacketType.Initial;
const Z = PacketType.ZeroRtt;
const H = PacketType.Handshake;
const O = PacketType.OneRtt;
const ALL: FramePacketType[] = [I, Z, H, O];

interface Expected {
  types: number[];
  name: string;
  pkts: FramePacketType[];
  /** Spec column letters. */
  spec: string;
}

const range = (first: number, last: number) => Array.from({ length: last - first + 1 }, (_, i) => first + i);

// RFC 9000 §12.4 Table 3, transcribed independently of src/wire/frame-permissions.ts: one entry
// per row, the "Pkts" column spelled out as packet types, the "Spec" column as printed. The
// CONNECTION_CLOSE row ("ih01") is split by type as its footnote says.
const TABLE_3: Expected[] = [
  { types: [0x00], name: 'PADDING', pkts: [I, H, Z, O], spec: 'NP' },
  { types: [0x01], name: 'PING', pkts: [I, H, Z, O], spec: '' },
  { types: [0x02, 0x03], name: 'ACK', pkts: [I, H, O], spec: 'NC' },
  { types: [0x04], name: 'RESET_STREAM', pkts: [Z, O], spec: '' },
  { types: [0x05], name: 'STOP_SENDING', pkts: [Z, O], spec: '' },
  { types: [0x06], name: 'CRYPTO', pkts: [I, H, O], spec: '' },
  { types: [0x07], name: 'NEW_TOKEN', pkts: [O], spec: '' },
  { types: range(0x08, 0x0f), name: 'STREAM', pkts: [Z, O], spec: 'F' },
  { types: [0x10], name: 'MAX_DATA', pkts: [Z, O], spec: '' },
  { types: [0x11], name: 'MAX_STREAM_DATA', pkts: [Z, O], spec: '' },
  { types: [0x12, 0x13], name: 'MAX_STREAMS', pkts: [Z, O], spec: '' },
  { types: [0x14], name: 'DATA_BLOCKED', pkts: [Z, O], spec: '' },
  { types: [0x15], name: 'STREAM_DATA_BLOCKED', pkts: [Z, O], spec: '' },
  { types: [0x16, 0x17], name: 'STREAMS_BLOCKED', pkts: [Z, O], spec: '' },
  { types: [0x18], name: 'NEW_CONNECTION_ID', pkts: [Z, O], spec: 'P' },
  { types: [0x19], name: 'RETIRE_CONNECTION_ID', pkts: [Z, O], spec: '' },
  { types: [0x1a], name: 'PATH_CHALLENGE', pkts: [Z, O], spec: 'P' },
  { types: [0x1b], name: 'PATH_RESPONSE', pkts: [O], spec: 'P' },
  { types: [0x1c], name: 'CONNECTION_CLOSE (0x1c)', pkts: [I, H, Z, O], spec: 'N' },
  { types: [0x1d], name: 'CONNECTION_CLOSE (0x1d)', pkts: [Z, O], spec: 'N' },
  { types: [0x1e], name: 'HANDSHAKE_DONE', pkts: [O], spec: '' },
  // RFC 9221 §5: "MUST be protected with either 0-RTT or 1-RTT keys"; §5.2 ack-eliciting;
  // §5.4 congestion controlled; §5.3 not flow controlled.
  { types: [0x30, 0x31], name: 'DATAGRAM (RFC 9221)', pkts: [Z, O], spec: '' },
];

describe('RFC 9000 §12.4 Table 3: frame types by packet type and special rules', () => {
  for (const row of TABLE_3) {
    it(`RFC 9000 §12.4 Table 3: ${row.name} (${row.types.map((t) => '0x' + t.toString(16)).join(', ')}) Pkts and Spec`, () => {
      for (const t of row.types) {
        for (const p of ALL) expect(isFrameAllowedIn(t, p), `0x${t.toString(16)} in ${p}`).toBe(row.pkts.includes(p));
        expect(isAckEliciting(t)).toBe(!row.spec.includes('N'));
        expect(countsInFlight(t)).toBe(!row.spec.includes('C'));
        expect(isProbingFrame(t)).toBe(row.spec.includes('P'));
        expect(isFlowControlled(t)).toBe(row.spec.includes('F'));
      }
    });
  }

  it('RFC 9000 §12.4: the table covers exactly the known frame types', () => {
    const covered = new Set(TABLE_3.flatMap((r) => r.types));
    for (let t = 0; t < 0x100; t++) expect(covered.has(t), `0x${t.toString(16)}`).toBe(isKnownFrameType(t));
    const fromSource = new Set(FRAME_TYPE_TABLE.flatMap((r) => range(r.first, r.last)));
    expect([...fromSource].sort((a, b) => a - b)).toEqual([...covered].sort((a, b) => a - b));
  });

  it('RFC 9000 §12.4: "all frames can appear in 1-RTT packets"', () => {
    for (const row of TABLE_3) for (const t of row.types) expect(isFrameAllowedIn(t, O)).toBe(true);
  });

  it('RFC 9000 §12.5: only PADDING, PING, ACK, CRYPTO and CONNECTION_CLOSE 0x1c appear in Initial and Handshake', () => {
    const early = [FrameType.Padding, FrameType.Ping, FrameType.Ack, FrameType.AckEcn, FrameType.Crypto, FrameType.ConnectionClose] as number[];
    for (let t = 0; t < 0x40; t++) {
      expect(isFrameAllowedIn(t, I)).toBe(early.includes(t));
      expect(isFrameAllowedIn(t, H)).toBe(early.includes(t));
    }
  });

  it('RFC 9000 §12.5: ACK, CRYPTO, HANDSHAKE_DONE, NEW_TOKEN and PATH_RESPONSE are not allowed in 0-RTT', () => {
    for (const t of [FrameType.Ack, FrameType.AckEcn, FrameType.Crypto, FrameType.HandshakeDone, FrameType.NewToken, FrameType.PathResponse]) {
      expect(isFrameAllowedIn(t, Z)).toBe(false);
    }
    // Table 3 lists RETIRE_CONNECTION_ID as __01, which we follow (see FRAME_TYPE_TABLE's note).
    expect(isFrameAllowedIn(FrameType.RetireConnectionId, Z)).toBe(true);
  });

  it('RFC 9000 §19.21: unknown types are allowed nowhere, but treated as ack-eliciting and in flight', () => {
    for (const t of [0x1f, 0x20, 0x2f, 0x32, 0x3f, 0x40, 0x4000, -1, 1.5, Number.MAX_SAFE_INTEGER]) {
      for (const p of ALL) expect(isFrameAllowedIn(t, p)).toBe(false);
      expect(isAckEliciting(t)).toBe(true);
      expect(countsInFlight(t)).toBe(true);
      expect(isProbingFrame(t)).toBe(false);
      expect(isFlowControlled(t)).toBe(false);
    }
  });
});
