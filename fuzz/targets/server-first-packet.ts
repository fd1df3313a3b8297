/**
 * Fuzz target for the server's first-packet path (DESIGN §6) with the null crypto provider: split
 * a datagram into coalesced packets (RFC 9000 §12.2), derive Initial keys from each Initial's
 * Destination Connection ID (RFC 9001 §5.2, v1 and v2), remove header and packet protection
 * (RFC 9001 §5.3, §5.4) and decode the frames under the Initial packet's rules (RFC 9000 §12.4).
 * With null protection a mutated payload still "decrypts", so the fuzzer reaches the frame decoder
 * through the same offsets and lengths a real server computes. Only CodecError may escape.
 */
import { deriveInitialKeys } from '../../src/crypto/initial-secrets.js';
import { nullCryptoProvider } from '../../src/crypto/null-provider.js';
import { protectPacket, unprotectPacket } from '../../src/crypto/packet-protection.js';
import { concatBytes, Writer } from '../../src/util/bytes.js';
import { decodeFrames, encodeFrame, type Frame } from '../../src/wire/frames.js';
import { splitDatagram } from '../../src/wire/header.js';
import { encodeLongHeader, patchLongHeaderLength } from '../../src/wire/long-header.js';
import { PacketType } from '../../src/wire/packet-type.js';
import { QUIC_V1, QUIC_V2, type QuicVersion } from '../../src/wire/version.js';
import type { FuzzTarget } from '../target.js';

/** The server's own connection ID length, for short headers in the datagram. */
const LOCAL_CID_LENGTH = 8;

/** A client Initial protected with null packet protection. */
function initialPacket(version: QuicVersion, dcid: Uint8Array, frames: Frame[], padTo: number): Uint8Array {
  const buf = new Uint8Array(2048);
  const w = new Writer(buf);
  const layout = encodeLongHeader(
    w,
    { type: PacketType.Initial, version, dcid, scid: Uint8Array.of(1, 2, 3, 4), token: new Uint8Array(0) },
    { packetNumber: 0, packetNumberLength: 2 },
  );
  for (const f of frames) encodeFrame(w, f);
  if (w.offset + 16 < padTo) w.zeros(padTo - 16 - w.offset);
  patchLongHeaderLength(buf, layout, w.offset + 16 - layout.pnOffset);
  const keys = deriveInitialKeys(nullCryptoProvider, version, dcid).client;
  const end = protectPacket(keys, buf, layout.pnOffset, layout.packetNumberLength, 0, w.offset);
  return buf.slice(0, end);
}

export const target: FuzzTarget = {
  name: 'server-first-packet',
  run(input: Uint8Array): void {
    const { packets, error } = splitDatagram(input, LOCAL_CID_LENGTH);
    for (const packet of packets) {
      if (packet.type !== PacketType.Initial) continue;
      const keys = deriveInitialKeys(nullCryptoProvider, packet.version as QuicVersion, packet.dcid).client;
      const bytes = packet.bytes.slice(); // unprotection works in place
      const opened = unprotectPacket(keys, bytes, packet.pnOffset, packet.packetLength, -1);
      if (opened !== null) decodeFrames(opened.payload, PacketType.Initial);
    }
    if (error) throw error;
  },
  seeds(): Uint8Array[] {
    const hello = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
    const dcid = Uint8Array.of(0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08);
    const seeds: Uint8Array[] = [];
    for (const version of [QUIC_V1, QUIC_V2] as const) {
      seeds.push(initialPacket(version, dcid, [{ type: 'crypto', offset: 0, data: hello }], 1200));
      seeds.push(initialPacket(version, dcid, [{ type: 'ping' }, { type: 'ack', ackDelay: 0, ranges: [{ largest: 3, smallest: 0 }] }], 1200));
      seeds.push(
        concatBytes(
          initialPacket(version, dcid, [{ type: 'crypto', offset: 300, data: hello.subarray(0, 40) }], 0),
          initialPacket(version, dcid.subarray(0, 4), [{ type: 'connection_close', errorSpace: 'transport', errorCode: 0x0a, frameType: 6, reason: new Uint8Array(0) }], 0),
        ),
      );
    }
    return seeds;
  },
};
