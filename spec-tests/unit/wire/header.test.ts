import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../../../src/util/errors.js';
import { concatBytes, fromHex, Reader, toHex, Writer } from '../../../src/util/bytes.js';
import { PacketType } from '../../../src/wire/packet-type.js';
import { QUIC_V1, QUIC_V2 } from '../../../src/wire/version.js';
import { decodeInvariantHeader, decodePacketHeader, isLongHeader, reservedBitsOf, splitDatagram } from '../../../src/wire/header.js';
import type { PacketHeader } from '../../../src/wire/header.js';
import { encodeRetryPacket, sizeOfRetryPacket } from '../../../src/wire/retry-packet.js';
import { encodeVersionNegotiation, sizeOfVersionNegotiation } from '../../../src/wire/version-negotiation.js';
import type { LongHeader } from '../../../src/wire/long-header.js';
import {
  buildLongPacket,
  buildShortPacket,
  cidArb,
  invariantCidArb,
  longHeaderArb,
  pnArb,
  pnLengthArb,
  retryArb,
  shortHeaderArb,
  versionArb,
  versionNegotiationArb,
} from '../../helpers/packet-arbitraries.js';

const CID_LENGTH = 8;

describe('RFC 9000 §17: decodePacketHeader dispatches on form, version and type', () => {
  it('RFC 9000 §17.2: Initial, 0-RTT and Handshake (v1 and v2) decode through decodePacketHeader', () => {
    fc.assert(
      fc.property(longHeaderArb, pnArb, pnLengthArb, fc.uint8Array({ maxLength: 30 }), (header, pn, pnLength, payload) => {
        const { bytes, layout, length } = buildLongPacket(header, pn, pnLength, payload);
        const r = new Reader(bytes);
        expect(decodePacketHeader(r, CID_LENGTH)).toEqual({ ...header, length, pnOffset: layout.pnOffset, packetLength: bytes.length, bytes });
        expect(r.isEmpty).toBe(true);
      }),
    );
  });

  it('RFC 9000 §17.2.5: Retry (v1 and v2) decodes through decodePacketHeader', () => {
    fc.assert(
      fc.property(retryArb, (retry) => {
        const w = Writer.alloc(sizeOfRetryPacket(retry));
        encodeRetryPacket(w, retry);
        expect(decodePacketHeader(new Reader(w.buf), CID_LENGTH)).toEqual({ ...retry, packetLength: w.buf.length, bytes: w.buf });
      }),
    );
  });

  it('RFC 9000 §17.2.1: Version Negotiation (Version 0) decodes through decodePacketHeader, with 255-byte CIDs', () => {
    fc.assert(
      fc.property(versionNegotiationArb, (vn) => {
        const w = Writer.alloc(sizeOfVersionNegotiation(vn));
        encodeVersionNegotiation(w, vn);
        expect(decodePacketHeader(new Reader(w.buf), CID_LENGTH)).toEqual({ ...vn, packetLength: w.buf.length, bytes: w.buf });
      }),
      { numRuns: 50 },
    );
  });

  it('RFC 9000 §17.3.1: 1-RTT decodes through decodePacketHeader with the local CID length', () => {
    fc.assert(
      fc.property(shortHeaderArb(CID_LENGTH), pnArb, pnLengthArb, fc.uint8Array({ maxLength: 30 }), (header, pn, pnLength, payload) => {
        const bytes = buildShortPacket(header, pn, pnLength, payload);
        expect(decodePacketHeader(new Reader(bytes), CID_LENGTH)).toEqual({
          type: PacketType.OneRtt,
          dcid: header.dcid,
          spin: header.spin,
          pnOffset: 1 + CID_LENGTH,
          packetLength: bytes.length,
          bytes,
        });
      }),
    );
  });

  it('RFC 9000 §17.2 / §17.3.1: every truncation of an Initial/0-RTT/Handshake packet, and of a header, fails', () => {
    fc.assert(
      fc.property(longHeaderArb, fc.uint8Array({ maxLength: 20 }), (header, payload) => {
        const { bytes } = buildLongPacket(header, 1, 2, payload);
        for (let cut = 0; cut < bytes.length; cut++) {
          expect(() => decodePacketHeader(new Reader(bytes.subarray(0, cut)), CID_LENGTH)).toThrow(CodecError);
        }
      }),
    );
    const short = buildShortPacket({ type: PacketType.OneRtt, dcid: new Uint8Array(CID_LENGTH), spin: false, keyPhase: false }, 1, 1, new Uint8Array(0));
    for (let cut = 0; cut < 1 + CID_LENGTH; cut++) {
      expect(() => decodePacketHeader(new Reader(short.subarray(0, cut)), CID_LENGTH)).toThrow(CodecError);
    }
  });

  it('RFC 9000 §15: a long header with an unsupported version is a CodecError (decodeInvariantHeader reads it)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 0xffff_ffff }).filter((v) => v !== QUIC_V2),
        invariantCidArb,
        invariantCidArb,
        (version, dcid, scid) => {
          const w = Writer.alloc(7 + dcid.length + scid.length + 4);
          w.u8(0xc0).u32(version).vec8(dcid).vec8(scid).u32(0xdeadbeef);
          expect(() => decodePacketHeader(new Reader(w.buf), CID_LENGTH)).toThrow(CodecError);
          const r = new Reader(w.buf);
          expect(decodeInvariantHeader(r, CID_LENGTH)).toEqual({ form: 'long', version, dcid, scid });
          expect(r.remaining).toBe(4);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('RFC 8999 §5.2: decodeInvariantHeader reads a short header DCID of the local length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.uint8Array({ minLength: 0, maxLength: 40 }), (cidLength, rest) => {
        const bytes = concatBytes(fromHex('41'), rest);
        if (rest.length < cidLength) {
          expect(() => decodeInvariantHeader(new Reader(bytes), cidLength)).toThrow(CodecError);
        } else {
          expect(decodeInvariantHeader(new Reader(bytes), cidLength)).toEqual({ form: 'short', dcid: rest.subarray(0, cidLength) });
        }
      }),
    );
  });

  it('RFC 8999 §5.1: decodeInvariantHeader agrees with decodePacketHeader on v1/v2 long headers', () => {
    fc.assert(
      fc.property(longHeaderArb, (header) => {
        const { bytes } = buildLongPacket(header, 0, 1, new Uint8Array(4));
        expect(decodeInvariantHeader(new Reader(bytes), CID_LENGTH)).toEqual({ form: 'long', version: header.version, dcid: header.dcid, scid: header.scid });
      }),
    );
  });

  it('RFC 9000 §17.2 / §17.3.1: the Fixed Bit must be 1 except in Version Negotiation', () => {
    const initial = buildLongPacket({ type: PacketType.Initial, version: QUIC_V1, dcid: new Uint8Array(8), scid: new Uint8Array(0), token: new Uint8Array(0) }, 0, 1, new Uint8Array(10)).bytes;
    initial[0] = initial[0]! & ~0x40;
    expect(() => decodePacketHeader(new Reader(initial), CID_LENGTH)).toThrow(CodecError);
    const retry = fromHex('bf000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba');
    expect(() => decodePacketHeader(new Reader(retry), CID_LENGTH)).toThrow(CodecError);
    expect(() => decodePacketHeader(new Reader(new Uint8Array(30)), CID_LENGTH)).toThrow(CodecError);
    const vn = decodePacketHeader(new Reader(fromHex('8000000000000000000001')), CID_LENGTH);
    expect(vn.type).toBe(PacketType.VersionNegotiation);
  });

  it('RFC 9000 §17.2: isLongHeader reads the Header Form bit; reservedBitsOf masks 0x0c (long) or 0x18 (short)', () => {
    expect(isLongHeader(0x80)).toBe(true);
    expect(isLongHeader(0x7f)).toBe(false);
    expect(reservedBitsOf(0xc0 | 0x0c)).toBe(0x0c);
    expect(reservedBitsOf(0xc0 | 0x30 | 0x03)).toBe(0);
    expect(reservedBitsOf(0x40 | 0x18)).toBe(0x18);
    expect(reservedBitsOf(0x40 | 0x20 | 0x04 | 0x03)).toBe(0);
  });
});

describe('RFC 9000 §12.2: coalesced packets', () => {
  it('RFC 9000 §12.2: a datagram of long-header packets then a 1-RTT packet splits into each packet', () => {
    fc.assert(
      fc.property(
        versionArb,
        fc.uint8Array({ minLength: CID_LENGTH, maxLength: CID_LENGTH }),
        cidArb,
        fc.array(fc.tuple(fc.constantFrom(PacketType.Initial, PacketType.ZeroRtt, PacketType.Handshake), fc.uint8Array({ maxLength: 30 })), { maxLength: 4 }),
        fc.option(fc.uint8Array({ maxLength: 30 }), { nil: undefined }),
        (version, dcid, scid, longs, shortPayload) => {
          const parts: Uint8Array[] = [];
          for (const [type, payload] of longs) {
            const header: LongHeader =
              type === PacketType.Initial ? { type, version, dcid, scid, token: new Uint8Array(0) } : { type, version, dcid, scid };
            parts.push(buildLongPacket(header, 3, 2, payload).bytes);
          }
          if (shortPayload !== undefined) {
            parts.push(buildShortPacket({ type: PacketType.OneRtt, dcid, spin: false, keyPhase: true }, 9, 1, shortPayload));
          }
          const datagram = concatBytes(...parts);
          const split = splitDatagram(datagram, CID_LENGTH);
          expect(split.error).toBeUndefined();
          expect(split.errorOffset).toBe(datagram.length);
          expect(split.packets.map((p) => toHex(p.bytes))).toEqual(parts.map(toHex));
          expect(split.packets.map((p) => p.type)).toEqual([...longs.map(([t]) => t), ...(shortPayload === undefined ? [] : [PacketType.OneRtt])]);
          for (const p of split.packets) expect(p.dcid).toEqual(dcid);
        },
      ),
    );
  });

  it('RFC 9000 §12.2: packets before an undecodable one are kept, with the error and where it starts', () => {
    const dcid = new Uint8Array(CID_LENGTH).fill(1);
    const a = buildLongPacket({ type: PacketType.Initial, version: QUIC_V1, dcid, scid: new Uint8Array(0), token: new Uint8Array(0) }, 0, 1, new Uint8Array(20)).bytes;
    const b = buildLongPacket({ type: PacketType.Handshake, version: QUIC_V1, dcid, scid: new Uint8Array(0) }, 0, 1, new Uint8Array(20)).bytes;
    // Zero padding after the packets is not a packet: its Fixed Bit is clear.
    const datagram = concatBytes(a, b, new Uint8Array(10));
    const split = splitDatagram(datagram, CID_LENGTH);
    expect(split.packets.map((p) => p.type)).toEqual([PacketType.Initial, PacketType.Handshake]);
    expect(split.error).toBeInstanceOf(CodecError);
    expect(split.errorOffset).toBe(a.length + b.length);
    // A truncated second packet.
    const cut = splitDatagram(concatBytes(a, b.subarray(0, b.length - 1)), CID_LENGTH);
    expect(cut.packets.length).toBe(1);
    expect(cut.errorOffset).toBe(a.length);
    expect(splitDatagram(new Uint8Array(0), CID_LENGTH)).toEqual({ packets: [], error: undefined, errorOffset: 0 });
  });

  it('RFC 9000 §12.2: a Retry, Version Negotiation or 1-RTT packet takes the rest of the datagram', () => {
    const retry = fromHex('ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba');
    const split = splitDatagram(concatBytes(retry, retry), CID_LENGTH);
    expect(split.packets.length).toBe(1);
    const only = split.packets[0] as PacketHeader;
    expect(only.type === PacketType.Retry && only.token.length).toBe(5 + retry.length);
    const short = buildShortPacket({ type: PacketType.OneRtt, dcid: new Uint8Array(CID_LENGTH), spin: false, keyPhase: false }, 0, 1, new Uint8Array(4));
    const long = buildLongPacket({ type: PacketType.Handshake, version: QUIC_V2, dcid: new Uint8Array(CID_LENGTH), scid: new Uint8Array(0) }, 0, 1, new Uint8Array(4)).bytes;
    const s = splitDatagram(concatBytes(short, long), CID_LENGTH);
    expect(s.packets.length).toBe(1);
    expect(s.packets[0]!.packetLength).toBe(short.length + long.length);
  });
});
