import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../../../src/util/errors.js';
import { fromHex, Reader, toHex, Writer } from '../../../src/util/bytes.js';
import { PacketType } from '../../../src/wire/packet-type.js';
import { QUIC_V1, QUIC_V2 } from '../../../src/wire/version.js';
import type { QuicVersion } from '../../../src/wire/version.js';
import {
  decodeLongHeaderPacket,
  encodeLongHeader,
  longPacketTypeBits,
  longPacketTypeOf,
  maxLengthFieldValue,
  patchLongHeaderLength,
  sizeOfLongHeader,
} from '../../../src/wire/long-header.js';
import type { LengthFieldSize, LongHeader, LongPacketType } from '../../../src/wire/long-header.js';
import { readPacketNumberField, truncatePacketNumber } from '../../../src/wire/packet-number.js';
import { reservedBitsOf } from '../../../src/wire/header.js';
import { buildLongPacket, longHeaderArb, pnArb, pnLengthArb } from '../../helpers/packet-arbitraries.js';

const lengthFieldSizeArb: fc.Arbitrary<LengthFieldSize> = fc.constantFrom(1, 2, 4, 8);

describe('RFC 9000 §17.2 / RFC 9369 §3.2: long packet type bits', () => {
  it('RFC 9000 §17.2 Table 5: v1 types are Initial 0, 0-RTT 1, Handshake 2, Retry 3', () => {
    expect(longPacketTypeBits(QUIC_V1, PacketType.Initial)).toBe(0);
    expect(longPacketTypeBits(QUIC_V1, PacketType.ZeroRtt)).toBe(1);
    expect(longPacketTypeBits(QUIC_V1, PacketType.Handshake)).toBe(2);
    expect(longPacketTypeBits(QUIC_V1, PacketType.Retry)).toBe(3);
  });

  it('RFC 9369 §3.2: v2 types are Initial 0b01, 0-RTT 0b10, Handshake 0b11, Retry 0b00', () => {
    expect(longPacketTypeBits(QUIC_V2, PacketType.Initial)).toBe(1);
    expect(longPacketTypeBits(QUIC_V2, PacketType.ZeroRtt)).toBe(2);
    expect(longPacketTypeBits(QUIC_V2, PacketType.Handshake)).toBe(3);
    expect(longPacketTypeBits(QUIC_V2, PacketType.Retry)).toBe(0);
  });

  it('RFC 9369 §3.2: longPacketTypeOf inverts longPacketTypeBits in both versions', () => {
    const types: LongPacketType[] = [PacketType.Initial, PacketType.ZeroRtt, PacketType.Handshake, PacketType.Retry];
    for (const version of [QUIC_V1, QUIC_V2] as const) {
      for (const type of types) expect(longPacketTypeOf(version, longPacketTypeBits(version, type))).toBe(type);
    }
  });
});

describe('RFC 9000 §17.2.2-§17.2.4: Initial, 0-RTT and Handshake headers', () => {
  it('RFC 9000 §17.2: header round-trips (v1 and v2), sizeOf matches, packet number readable, every truncation fails', () => {
    fc.assert(
      fc.property(
        longHeaderArb,
        pnArb,
        pnLengthArb,
        fc.uint8Array({ maxLength: 40 }),
        lengthFieldSizeArb,
        (header, pn, pnLength, payload, lengthFieldSize) => {
          const { bytes, layout, length } = buildLongPacket(header, pn, pnLength, payload, lengthFieldSize);
          expect(layout.pnOffset + pnLength).toBe(sizeOfLongHeader(header, pnLength, lengthFieldSize));
          expect(layout.lengthOffset + lengthFieldSize).toBe(layout.pnOffset);
          const r = new Reader(bytes);
          const decoded = decodeLongHeaderPacket(r);
          expect(decoded).toEqual({ ...header, length, pnOffset: layout.pnOffset, packetLength: bytes.length, bytes });
          expect(r.isEmpty).toBe(true);
          // Phase two (no header protection applied here): Reserved Bits 0, the packet number.
          expect(reservedBitsOf(bytes[0]!)).toBe(0);
          expect(readPacketNumberField(decoded.bytes, decoded.pnOffset)).toEqual({
            length: pnLength,
            truncated: truncatePacketNumber(pn, pnLength),
          });
          for (let cut = 0; cut < bytes.length; cut++) {
            expect(() => decodeLongHeaderPacket(new Reader(bytes.subarray(0, cut)))).toThrow(CodecError);
          }
        },
      ),
    );
  });

  it('RFC 9000 §12.2: decoding consumes exactly Length bytes and leaves the next coalesced packet', () => {
    fc.assert(
      fc.property(longHeaderArb, fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 1, maxLength: 40 }), (header, payload, trailer) => {
        const { bytes } = buildLongPacket(header, 7, 1, payload);
        const datagram = new Uint8Array(bytes.length + trailer.length);
        datagram.set(bytes);
        datagram.set(trailer, bytes.length);
        const r = new Reader(datagram);
        const decoded = decodeLongHeaderPacket(r);
        expect(r.offset).toBe(bytes.length);
        expect(decoded.packetLength).toBe(bytes.length);
        expect(decoded.bytes).toEqual(bytes);
      }),
    );
  });

  it('RFC 9000 §17.2: Reserved Bits are 0 and the Fixed Bit is 1 before protection', () => {
    fc.assert(
      fc.property(longHeaderArb, pnLengthArb, (header, pnLength) => {
        const { bytes } = buildLongPacket(header, 0, pnLength, new Uint8Array(0));
        expect(bytes[0]! & 0xc0).toBe(0xc0);
        expect(bytes[0]! & 0x0c).toBe(0);
        expect(bytes[0]! & 0x03).toBe(pnLength - 1);
        expect((bytes[0]! & 0x30) >>> 4).toBe(longPacketTypeBits(header.version, header.type));
      }),
    );
  });

  it('RFC 9001 §A.2: the client Initial header c300000001088394c8f03e5157080000449e00000002 parses and re-encodes', () => {
    const header = fromHex('c300000001088394c8f03e5157080000449e00000002');
    // The 1200-byte packet: the header above, then 1162 bytes of frames and the 16-byte tag.
    const packet = new Uint8Array(1200);
    packet.set(header);
    const decoded = decodeLongHeaderPacket(new Reader(packet));
    expect(decoded.type).toBe(PacketType.Initial);
    expect(decoded.version).toBe(QUIC_V1);
    expect(toHex(decoded.dcid)).toBe('8394c8f03e515708');
    expect(decoded.scid.length).toBe(0);
    expect(decoded.type === PacketType.Initial && decoded.token.length).toBe(0);
    expect(decoded.length).toBe(0x049e);
    expect(decoded.pnOffset).toBe(18);
    expect(decoded.packetLength).toBe(1200);
    expect(readPacketNumberField(decoded.bytes, decoded.pnOffset)).toEqual({ length: 4, truncated: 2 });
    // The protected header (RFC 9001 §A.2) has the same clear-text fields.
    const protectedPacket = packet.slice();
    protectedPacket.set(fromHex('c000000001088394c8f03e5157080000449e7b9aec34'));
    const p = decodeLongHeaderPacket(new Reader(protectedPacket));
    expect({ ...p, bytes: undefined }).toEqual({ ...decoded, bytes: undefined });

    const w = Writer.alloc(22);
    const h: LongHeader = { type: PacketType.Initial, version: QUIC_V1, dcid: decoded.dcid, scid: new Uint8Array(0), token: new Uint8Array(0) };
    encodeLongHeader(w, h, { packetNumber: 2, packetNumberLength: 4, lengthFieldSize: 2, length: 1182 });
    expect(toHex(w.buf)).toBe(toHex(header));
  });

  it('RFC 9369 §A.2: the v2 client Initial header d36b3343cf088394c8f03e5157080000449e00000002 parses and re-encodes', () => {
    const header = fromHex('d36b3343cf088394c8f03e5157080000449e00000002');
    const packet = new Uint8Array(1200);
    packet.set(header);
    const decoded = decodeLongHeaderPacket(new Reader(packet));
    expect(decoded.type).toBe(PacketType.Initial);
    expect(decoded.version).toBe(QUIC_V2);
    expect(toHex(decoded.dcid)).toBe('8394c8f03e515708');
    expect(decoded.length).toBe(1182);
    expect(decoded.pnOffset).toBe(18);
    expect(readPacketNumberField(decoded.bytes, decoded.pnOffset)).toEqual({ length: 4, truncated: 2 });
    const w = Writer.alloc(22);
    encodeLongHeader(
      w,
      { type: PacketType.Initial, version: QUIC_V2, dcid: decoded.dcid, scid: new Uint8Array(0), token: new Uint8Array(0) },
      { packetNumber: 2, packetNumberLength: 4, length: 1182 },
    );
    expect(toHex(w.buf)).toBe(toHex(header));
  });

  it('RFC 9001 §A.3 / RFC 9369 §A.3: the server Initial headers parse (empty DCID, 2-byte packet number 1)', () => {
    const cases: { hex: string; version: QuicVersion }[] = [
      { hex: 'c1000000010008f067a5502a4262b50040750001', version: QUIC_V1 },
      { hex: 'd16b3343cf0008f067a5502a4262b50040750001', version: QUIC_V2 },
    ];
    for (const { hex, version } of cases) {
      const header = fromHex(hex);
      const packet = new Uint8Array(header.length - 2 + 0x75);
      packet.set(header);
      const decoded = decodeLongHeaderPacket(new Reader(packet));
      expect(decoded.type).toBe(PacketType.Initial);
      expect(decoded.version).toBe(version);
      expect(decoded.dcid.length).toBe(0);
      expect(toHex(decoded.scid)).toBe('f067a5502a4262b5');
      expect(decoded.length).toBe(0x75);
      expect(decoded.pnOffset).toBe(18);
      expect(readPacketNumberField(decoded.bytes, decoded.pnOffset)).toEqual({ length: 2, truncated: 1 });
      const w = Writer.alloc(header.length);
      encodeLongHeader(
        w,
        { type: PacketType.Initial, version, dcid: decoded.dcid, scid: decoded.scid, token: new Uint8Array(0) },
        { packetNumber: 1, packetNumberLength: 2, length: 0x75 },
      );
      expect(toHex(w.buf)).toBe(hex);
    }
  });

  it('RFC 9000 §17.2: a Fixed Bit of 0 MUST be discarded (CodecError)', () => {
    const { bytes } = buildLongPacket({ type: PacketType.Handshake, version: QUIC_V1, dcid: new Uint8Array(4), scid: new Uint8Array(4) }, 1, 1, new Uint8Array(20));
    bytes[0] = bytes[0]! & ~0x40;
    expect(() => decodeLongHeaderPacket(new Reader(bytes))).toThrow(CodecError);
  });

  it('RFC 9000 §17.2: a v1/v2 connection ID length above 20 MUST be dropped (CodecError)', () => {
    for (const version of [QUIC_V1, QUIC_V2] as const) {
      const { bytes } = buildLongPacket({ type: PacketType.Handshake, version, dcid: new Uint8Array(20), scid: new Uint8Array(0) }, 1, 1, new Uint8Array(30));
      bytes[5] = 21; // DCID Length
      expect(() => decodeLongHeaderPacket(new Reader(bytes))).toThrow(CodecError);
      const { bytes: b2 } = buildLongPacket({ type: PacketType.Handshake, version, dcid: new Uint8Array(0), scid: new Uint8Array(20) }, 1, 1, new Uint8Array(30));
      b2[6] = 21; // SCID Length
      expect(() => decodeLongHeaderPacket(new Reader(b2))).toThrow(CodecError);
    }
    expect(() =>
      encodeLongHeader(Writer.alloc(100), { type: PacketType.Handshake, version: QUIC_V1, dcid: new Uint8Array(21), scid: new Uint8Array(0) }, { packetNumber: 0, packetNumberLength: 1 }),
    ).toThrow(CodecError);
  });

  it('RFC 9000 §17.2: a Length beyond the datagram, an unknown version, a Retry or a short header is a CodecError', () => {
    const { bytes } = buildLongPacket({ type: PacketType.ZeroRtt, version: QUIC_V2, dcid: new Uint8Array(8), scid: new Uint8Array(8) }, 1, 2, new Uint8Array(10));
    expect(() => decodeLongHeaderPacket(new Reader(bytes.subarray(0, bytes.length - 1)))).toThrow(CodecError);
    const unknown = bytes.slice();
    unknown.set([0xff, 0x00, 0x00, 0x1d], 1); // draft-29
    expect(() => decodeLongHeaderPacket(new Reader(unknown))).toThrow(CodecError);
    const retry = fromHex('ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba');
    expect(() => decodeLongHeaderPacket(new Reader(retry))).toThrow(CodecError);
    expect(() => decodeLongHeaderPacket(new Reader(fromHex('4200bff4')))).toThrow(CodecError);
  });

  it('RFC 9000 §17.2: patchLongHeaderLength fills the reserved field and refuses values that do not fit', () => {
    const sizes: LengthFieldSize[] = [1, 2, 4, 8];
    for (const size of sizes) {
      const header: LongHeader = { type: PacketType.Handshake, version: QUIC_V1, dcid: new Uint8Array(1), scid: new Uint8Array(1) };
      const w = Writer.alloc(sizeOfLongHeader(header, 1, size) + 62);
      const layout = encodeLongHeader(w, header, { packetNumber: 0, packetNumberLength: 1, lengthFieldSize: size });
      w.zeros(62);
      patchLongHeaderLength(w.buf, layout, 63);
      const decoded = decodeLongHeaderPacket(new Reader(w.buf));
      expect(decoded.length).toBe(63);
      if (size < 8) expect(() => patchLongHeaderLength(w.buf, layout, maxLengthFieldValue(size) + 1)).toThrow(CodecError);
    }
  });
});
