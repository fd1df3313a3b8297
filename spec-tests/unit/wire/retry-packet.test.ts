import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../../../src/util/errors.js';
import { fromHex, Reader, toHex, Writer } from '../../../src/util/bytes.js';
import { PacketType } from '../../../src/wire/packet-type.js';
import { QUIC_V1, QUIC_V2 } from '../../../src/wire/version.js';
import {
  decodeRetryPacket,
  encodeRetryPacket,
  encodeRetryPseudoPacket,
  receivedRetryPseudoPacket,
  retryPseudoPacket,
  sizeOfRetryPacket,
  sizeOfRetryPseudoPacket,
} from '../../../src/wire/retry-packet.js';
import type { RetryPacket } from '../../../src/wire/retry-packet.js';
import { cidArb, retryArb } from '../../helpers/packet-arbitraries.js';

function encode(retry: RetryPacket): Uint8Array {
  const w = Writer.alloc(sizeOfRetryPacket(retry));
  encodeRetryPacket(w, retry);
  expect(w.offset).toBe(sizeOfRetryPacket(retry));
  return w.buf;
}

const ODCID = fromHex('8394c8f03e515708');
const V1_RETRY = 'ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba';
const V2_RETRY = 'cf6b3343cf0008f067a5502a4262b5746f6b656ec8646ce8bfe33952d955543665dcc7b6';

describe('RFC 9000 §17.2.5: Retry packet', () => {
  it('RFC 9000 §17.2.5: Retry round-trips (v1 and v2) and sizeOf matches', () => {
    fc.assert(
      fc.property(retryArb, (retry) => {
        const bytes = encode(retry);
        const r = new Reader(bytes);
        expect(decodeRetryPacket(r)).toEqual({ ...retry, packetLength: bytes.length, bytes });
        expect(r.isEmpty).toBe(true);
      }),
    );
  });

  it('RFC 9000 §17.2.5: truncations fail until the token absorbs them (the token has no length field)', () => {
    fc.assert(
      fc.property(retryArb, (retry) => {
        const bytes = encode(retry);
        const fixed = bytes.length - retry.token.length; // header + CIDs + 16-byte tag
        for (let cut = 0; cut < bytes.length; cut++) {
          const prefix = bytes.subarray(0, cut);
          if (cut < fixed) {
            expect(() => decodeRetryPacket(new Reader(prefix))).toThrow(CodecError);
          } else {
            // The token runs up to the last 16 bytes, so a shorter prefix still parses, with a
            // shorter token: the integrity tag (RFC 9001 §5.8) is what detects this.
            const d = decodeRetryPacket(new Reader(prefix));
            expect(d.token.length).toBe(retry.token.length - (bytes.length - cut));
          }
        }
      }),
    );
  });

  it('RFC 9001 §A.4: the v1 Retry parses: token "token", its tag, and re-encodes byte for byte', () => {
    const bytes = fromHex(V1_RETRY);
    const retry = decodeRetryPacket(new Reader(bytes));
    expect(retry.type).toBe(PacketType.Retry);
    expect(retry.version).toBe(QUIC_V1);
    expect(retry.dcid.length).toBe(0);
    expect(toHex(retry.scid)).toBe('f067a5502a4262b5');
    expect(new TextDecoder().decode(retry.token)).toBe('token');
    expect(toHex(retry.integrityTag)).toBe('04a265ba2eff4d829058fb3f0f2496ba');
    expect(retry.unusedBits).toBe(0x0f);
    expect(toHex(encode(retry))).toBe(V1_RETRY);
  });

  it('RFC 9369 §A.4: the v2 Retry (type bits 0b00) parses and re-encodes byte for byte', () => {
    const bytes = fromHex(V2_RETRY);
    const retry = decodeRetryPacket(new Reader(bytes));
    expect(retry.version).toBe(QUIC_V2);
    expect(toHex(retry.scid)).toBe('f067a5502a4262b5');
    expect(new TextDecoder().decode(retry.token)).toBe('token');
    expect(toHex(retry.integrityTag)).toBe('c8646ce8bfe33952d955543665dcc7b6');
    expect(toHex(encode(retry))).toBe(V2_RETRY);
  });

  it('RFC 9001 §5.8: the Retry Pseudo-Packet is ODCID Length, ODCID, then the Retry packet without its tag', () => {
    for (const hex of [V1_RETRY, V2_RETRY]) {
      const bytes = fromHex(hex);
      const retry = decodeRetryPacket(new Reader(bytes));
      const expected = '08' + toHex(ODCID) + hex.slice(0, hex.length - 32);
      expect(toHex(retryPseudoPacket(ODCID, retry))).toBe(expected);
      expect(toHex(receivedRetryPseudoPacket(ODCID, retry.bytes))).toBe(expected);
      expect(sizeOfRetryPseudoPacket(ODCID, retry)).toBe(expected.length / 2);
    }
  });

  it('RFC 9001 §5.8: pseudo-packet size matches and it embeds the Retry encoding for any Retry', () => {
    fc.assert(
      fc.property(retryArb, cidArb, (retry, odcid) => {
        const w = Writer.alloc(sizeOfRetryPseudoPacket(odcid, retry));
        encodeRetryPseudoPacket(w, odcid, retry);
        expect(w.offset).toBe(w.buf.length);
        const bytes = encode(retry);
        expect(toHex(w.buf)).toBe(toHex(receivedRetryPseudoPacket(odcid, bytes)));
        expect(w.buf[0]).toBe(odcid.length);
      }),
    );
  });

  it('RFC 9000 §17.2.5: a Retry shorter than its tag, with the Fixed Bit clear, or of another type is a CodecError', () => {
    const bytes = fromHex(V1_RETRY);
    // Header and CIDs (15 bytes) then fewer than 16 bytes.
    expect(() => decodeRetryPacket(new Reader(bytes.subarray(0, 15 + 15)))).toThrow(CodecError);
    const noFixed = bytes.slice();
    noFixed[0] = 0xbf;
    expect(() => decodeRetryPacket(new Reader(noFixed))).toThrow(CodecError);
    const initial = bytes.slice();
    initial[0] = 0xc0;
    expect(() => decodeRetryPacket(new Reader(initial))).toThrow(CodecError);
    const retry = decodeRetryPacket(new Reader(bytes));
    expect(() => encodeRetryPacket(Writer.alloc(100), { ...retry, integrityTag: new Uint8Array(15) })).toThrow(CodecError);
    expect(() => encodeRetryPacket(Writer.alloc(100), { ...retry, unusedBits: 16 })).toThrow(CodecError);
    expect(() => receivedRetryPseudoPacket(ODCID, new Uint8Array(15))).toThrow(CodecError);
  });
});
