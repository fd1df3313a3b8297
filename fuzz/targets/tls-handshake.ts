/**
 * Fuzz target: TLS 1.3 handshake messages (RFC 8446 §4) as QUIC delivers them on a CRYPTO stream
 * (RFC 9001 §4.1.3).
 *
 * `run` feeds the bytes to a `HandshakeReassembler` and decodes every complete message by its
 * type. Bad input must end in `TlsAlert`, which is rethrown as `CodecError` (the harness accepts
 * only CodecError; TlsAlert deliberately is not one). Whatever decodes must re-encode to exactly
 * its received bytes and `sizeOf` bytes; a failure of that, or any other exception, is a bug.
 */
import { Writer, bytesEqual, concatBytes, fromHex } from '../../src/util/bytes.js';
import { CodecError } from '../../src/util/errors.js';
import { TlsAlert } from '../../src/tls/alerts.js';
import { HandshakeReassembler } from '../../src/tls/handshake-types.js';
import {
  decodeHandshakeMessage,
  encodeHandshakeMessage,
  serializeHandshakeMessage,
  sizeOfHandshakeMessage,
  type HandshakeMessage,
} from '../../src/tls/messages.js';
import type { FuzzTarget } from '../target.js';

/** RFC 8448 handshake messages, byte for byte. */
const RFC8448_MESSAGES: Uint8Array[] = [
  // RFC 8448 §3 ClientHello
  fromHex(
    '010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece700000613011303130201' +
    '0000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400' +
    '230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b00' +
    '03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c' +
    '00024001',
  ),
  // RFC 8448 §3 ServerHello
  fromHex(
    '020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024' +
    '001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304',
  ),
  // RFC 8448 §3 EncryptedExtensions
  fromHex(
    '080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000',
  ),
  // RFC 8448 §3 CertificateVerify
  fromHex(
    '0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc90db78e2d3' +
    '3a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c' +
    '9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3',
  ),
  // RFC 8448 §3 Finished
  fromHex(
    '140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718',
  ),
  // RFC 8448 §3 Finished #1
  fromHex(
    '14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61',
  ),
  // RFC 8448 §3 NewSessionTicket
  fromHex(
    '040000c90000001efad6aac502000000b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf' +
    '1b0070ad3c498883c9367c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827' +
    'db279cce145077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228' +
    'bda40dda721470f9fbf297b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934a' +
    'e4d3570008002a000400000400',
  ),
  // RFC 8448 §5 ServerHello
  fromHex(
    '020000ac0303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c00130100008400330002' +
    '0017002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf6256' +
    '36e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8be778257d16' +
    'aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002b00020304',
  ),
  // RFC 8448 §6 CertificateRequest
  fromHex(
    '0d000027000024000d0020001e040305030603020308040805080604010501060102010402050206020202',
  ),
];

const pattern = (n: number, from: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (from + i * 7) & 0xff);

/** One message of each remaining variant, built with the encoders (deterministic). */
const BUILT: HandshakeMessage[] = [
  {
    msgType: 'client_hello',
    legacyVersion: 0x0303,
    random: pattern(32, 1),
    legacySessionId: new Uint8Array(0),
    cipherSuites: [0x1301, 0x1302, 0x1303],
    legacyCompressionMethods: new Uint8Array([0]),
    extensions: [
      { type: 'server_name', serverNames: [{ nameType: 0, name: 'example.com' }] },
      { type: 'application_layer_protocol_negotiation', protocols: [new TextEncoder().encode('h3')] },
      { type: 'supported_groups', groups: [0x11ec, 0x001d, 0x0017] },
      { type: 'signature_algorithms', schemes: [0x0403, 0x0804, 0x0807] },
      { type: 'signature_algorithms_cert', schemes: [0x0403] },
      { type: 'supported_versions', versions: [0x0a0a, 0x0304] },
      { type: 'key_share', shares: [{ group: 0x001d, keyExchange: pattern(32, 2) }] },
      { type: 'psk_key_exchange_modes', modes: [1] },
      { type: 'early_data' },
      { type: 'cookie', cookie: pattern(20, 3) },
      { type: 'quic_transport_parameters', data: fromHex('0104800075300f0011223344') },
      { type: 'opaque', code: 0x0a0a, data: new Uint8Array(0) },
      { type: 'pre_shared_key', identities: [{ identity: pattern(40, 4), obfuscatedTicketAge: 0x12345678 }], binders: [pattern(32, 5)] },
    ],
  },
  {
    msgType: 'encrypted_extensions',
    extensions: [
      { type: 'application_layer_protocol_negotiation', protocols: [new TextEncoder().encode('h3')] },
      { type: 'quic_transport_parameters', data: fromHex('0f04a1b2c3d4') },
      { type: 'early_data' },
    ],
  },
  {
    msgType: 'certificate',
    certificateRequestContext: new Uint8Array(0),
    certificateList: [
      { certData: pattern(60, 6), extensions: [{ type: 'opaque', code: 5, data: pattern(4, 7) }] },
      { certData: pattern(30, 8), extensions: [] },
    ],
  },
  { msgType: 'certificate_verify', algorithm: 0x0403, signature: pattern(71, 9) },
  { msgType: 'finished', verifyData: pattern(48, 10) },
  { msgType: 'key_update', requestUpdate: 1 },
  { msgType: 'end_of_early_data' },
];

function check(m: HandshakeMessage, raw: Uint8Array): void {
  const w = Writer.alloc(sizeOfHandshakeMessage(m) + 8);
  try {
    encodeHandshakeMessage(w, m);
  } catch (e) {
    throw new Error(`decoded ${m.msgType} failed to re-encode: ${String(e)}`);
  }
  if (w.offset !== sizeOfHandshakeMessage(m)) throw new Error(`sizeOf disagrees with the encoding of ${m.msgType}`);
  if (!bytesEqual(w.written(), raw)) throw new Error(`${m.msgType} did not re-encode to its received bytes`);
}

export const target: FuzzTarget = {
  name: 'tls-handshake',

  run(input: Uint8Array): void {
    try {
      for (const msg of new HandshakeReassembler().push(input)) {
        const finishedLength = msg.body.length === 48 ? 48 : 32;
        check(decodeHandshakeMessage(msg.type, msg.body, { finishedLength }), msg.raw);
      }
    } catch (e) {
      if (e instanceof TlsAlert) throw new CodecError(`TLS alert ${e.message}`);
      throw e;
    }
  },

  seeds(): Uint8Array[] {
    const built = BUILT.map(serializeHandshakeMessage);
    // A whole flight in one input, as several messages arrive in one CRYPTO frame.
    return [...RFC8448_MESSAGES, ...built, concatBytes(...RFC8448_MESSAGES.slice(1, 6))];
  },
};
