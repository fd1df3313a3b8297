/**
 * RFC 9369 Appendix A: sample packet protection (QUIC v2), byte for byte, for every real crypto
 * provider. Hex blocks are copied from ../shared/specs/rfc9369.txt as printed.
 */
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../../src/util/bytes.js';
import { QUIC_V1, QUIC_V2 } from '../../src/wire/version.js';
import { encodeHkdfLabel } from '../../src/crypto/hkdf-label.js';
import { INITIAL_SALT_V2, deriveInitialKeys, deriveInitialSecrets } from '../../src/crypto/initial-secrets.js';
import {
  computeNonce,
  derivePacketKeyMaterial,
  derivePacketKeys,
  protectPacket,
  unprotectPacket,
} from '../../src/crypto/packet-protection.js';
import { nextTrafficSecret } from '../../src/crypto/key-update.js';
import { computeRetryIntegrityTag, verifyRetryIntegrity } from '../../src/crypto/retry-integrity.js';
import { INITIAL_SUITE, TLS_CHACHA20_POLY1305_SHA256 } from '../../src/crypto/suites.js';
import { REAL_PROVIDERS } from '../helpers/providers.js';

const DCID = fromHex('8394c8f03e515708');

// RFC 9369 §A.2: the CRYPTO frame of the client Initial (padded to a 1162-byte payload).
const CLIENT_CRYPTO_FRAME = fromHex(`
  060040f1010000ed0303ebf8fa56f129 39b9584a3896472ec40bb863cfd3e868
  04fe3a47f06a2b69484c000004130113 02010000c000000010000e00000b6578
  616d706c652e636f6dff01000100000a 00080006001d00170018001000070005
  04616c706e0005000501000000000033 00260024001d00209370b2c9caa47fba
  baf4559fedba753de171fa71f50f1ce1 5d43e994ec74d748002b000302030400
  0d0010000e0403050306030203080408 050806002d00020101001c0002400100
  3900320408ffffffffffffffff050480 00ffff07048000ffff08011001048000
  75300901100f088394c8f03e51570806 048000ffff
`);

// RFC 9369 §A.2: the resulting protected packet.
const CLIENT_INITIAL_PROTECTED = fromHex(`
  d76b3343cf088394c8f03e5157080000 449ea0c95e82ffe67b6abcdb4298b485
  dd04de806071bf03dceebfa162e75d6c 96058bdbfb127cdfcbf903388e99ad04
  9f9a3dd4425ae4d0992cfff18ecf0fdb 5a842d09747052f17ac2053d21f57c5d
  250f2c4f0e0202b70785b7946e992e58 a59ac52dea6774d4f03b55545243cf1a
  12834e3f249a78d395e0d18f4d766004 f1a2674802a747eaa901c3f10cda5500
  cb9122faa9f1df66c392079a1b40f0de 1c6054196a11cbea40afb6ef5253cd68
  18f6625efce3b6def6ba7e4b37a40f77 32e093daa7d52190935b8da58976ff33
  12ae50b187c1433c0f028edcc4c2838b 6a9bfc226ca4b4530e7a4ccee1bfa2a3
  d396ae5a3fb512384b2fdd851f784a65 e03f2c4fbe11a53c7777c023462239dd
  6f7521a3f6c7d5dd3ec9b3f233773d4b 46d23cc375eb198c63301c21801f6520
  bcfb7966fc49b393f0061d974a2706df 8c4a9449f11d7f3d2dcbb90c6b877045
  636e7c0c0fe4eb0f697545460c806910 d2c355f1d253bc9d2452aaa549e27a1f
  ac7cf4ed77f322e8fa894b6a83810a34 b361901751a6f5eb65a0326e07de7c12
  16ccce2d0193f958bb3850a833f7ae43 2b65bc5a53975c155aa4bcb4f7b2c4e5
  4df16efaf6ddea94e2c50b4cd1dfe060 17e0e9d02900cffe1935e0491d77ffb4
  fdf85290fdd893d577b1131a610ef6a5 c32b2ee0293617a37cbb08b847741c3b
  8017c25ca9052ca1079d8b78aebd4787 6d330a30f6a8c6d61dd1ab5589329de7
  14d19d61370f8149748c72f132f0fc99 f34d766c6938597040d8f9e2bb522ff9
  9c63a344d6a2ae8aa8e51b7b90a4a806 105fcbca31506c446151adfeceb51b91
  abfe43960977c87471cf9ad4074d30e1 0d6a7f03c63bd5d4317f68ff325ba3bd
  80bf4dc8b52a0ba031758022eb025cdd 770b44d6d6cf0670f4e990b22347a7db
  848265e3e5eb72dfe8299ad7481a4083 22cac55786e52f633b2fb6b614eaed18
  d703dd84045a274ae8bfa73379661388 d6991fe39b0d93debb41700b41f90a15
  c4d526250235ddcd6776fc77bc97e7a4 17ebcb31600d01e57f32162a8560cacc
  7e27a096d37a1a86952ec71bd89a3e9a 30a2a26162984d7740f81193e8238e61
  f6b5b984d4d3dfa033c1bb7e4f0037fe bf406d91c0dccf32acf423cfa1e70710
  10d3f270121b493ce85054ef58bada42 310138fe081adb04e2bd901f2f13458b
  3d6758158197107c14ebb193230cd115 7380aa79cae1374a7c1e5bbcb80ee23e
  06ebfde206bfb0fcbc0edc4ebec30966 1bdd908d532eb0c6adc38b7ca7331dce
  8dfce39ab71e7c32d318d136b6100671 a1ae6a6600e3899f31f0eed19e3417d1
  34b90c9058f8632c798d4490da498730 7cba922d61c39805d072b589bd52fdf1
  e86215c2d54e6670e07383a27bbffb5a ddf47d66aa85a0c6f9f32e59d85a44dd
  5d3b22dc2be80919b490437ae4f36a0a e55edf1d0b5cb4e9a3ecabee93dfc6e3
  8d209d0fa6536d27a5d6fbb17641cde2 7525d61093f1b28072d111b2b4ae5f89
  d5974ee12e5cf7d5da4d6a31123041f3 3e61407e76cffcdcfd7e19ba58cf4b53
  6f4c4938ae79324dc402894b44faf8af bab35282ab659d13c93f70412e85cb19
  9a37ddec600545473cfb5a05e08d0b20 9973b2172b4d21fb69745a262ccde96b
  a18b2faa745b6fe189cf772a9f84cbfc
`);

// RFC 9369 §A.3: the server's payload (ACK + CRYPTO, no PADDING).
const SERVER_PAYLOAD = fromHex(`
  02000000000600405a020000560303ee fce7f7b37ba1d1632e96677825ddf739
  88cfc79825df566dc5430b9a045a1200 130100002e00330024001d00209d3c94
  0d89690b84d08a60993c144eca684d10 81287c834d5311bcf32bb9da1a002b00
  020304
`);

// RFC 9369 §A.3: the final protected packet.
const SERVER_INITIAL_PROTECTED = fromHex(`
  dc6b3343cf0008f067a5502a4262b500 4075d92faaf16f05d8a4398c47089698
  baeea26b91eb761d9b89237bbf872630 17915358230035f7fd3945d88965cf17
  f9af6e16886c61bfc703106fbaf3cb4c fa52382dd16a393e42757507698075b2
  c984c707f0a0812d8cd5a6881eaf21ce da98f4bd23f6fe1a3e2c43edd9ce7ca8
  4bed8521e2e140
`);

// RFC 9369 §A.4: the Retry packet answering the client Initial of §A.2.
const RETRY_PACKET = fromHex(`
  cf6b3343cf0008f067a5502a4262b574 6f6b656ec8646ce8bfe33952d9555436
  65dcc7b6
`);

// RFC 9369 §A.2: "The unprotected header indicates a length of 1182 bytes ... a packet number of 2".
const CLIENT_HEADER = fromHex('d36b3343cf088394c8f03e5157080000449e00000002');
// RFC 9369 §A.3: "a 2-byte packet number encoding for a packet number of 1".
const SERVER_HEADER = fromHex('d16b3343cf0008f067a5502a4262b50040750001');

/** The client Initial before protection: header, CRYPTO frame, PADDING to 1162 bytes, 16 bytes for the tag. */
function clientInitialUnprotected(): Uint8Array {
  const buf = new Uint8Array(CLIENT_HEADER.length + 1162 + 16);
  buf.set(CLIENT_HEADER, 0);
  buf.set(CLIENT_CRYPTO_FRAME, CLIENT_HEADER.length);
  return buf;
}

function serverInitialUnprotected(): Uint8Array {
  const buf = new Uint8Array(SERVER_HEADER.length + SERVER_PAYLOAD.length + 16);
  buf.set(SERVER_HEADER, 0);
  buf.set(SERVER_PAYLOAD, SERVER_HEADER.length);
  return buf;
}

describe('RFC 9369 §A.1: HkdfLabel encodings', () => {
  it('RFC 9369 §A.1: HkdfLabel for "client in", "server in", "quicv2 key", "quicv2 iv", "quicv2 hp"', () => {
    const empty = new Uint8Array(0);
    expect(toHex(encodeHkdfLabel('client in', empty, 32))).toBe('00200f746c73313320636c69656e7420696e00');
    expect(toHex(encodeHkdfLabel('server in', empty, 32))).toBe('00200f746c7331332073657276657220696e00');
    expect(toHex(encodeHkdfLabel('quicv2 key', empty, 16))).toBe('001010746c73313320717569637632206b657900');
    expect(toHex(encodeHkdfLabel('quicv2 iv', empty, 12))).toBe('000c0f746c7331332071756963763220697600');
    expect(toHex(encodeHkdfLabel('quicv2 hp', empty, 16))).toBe('00100f746c7331332071756963763220687000');
  });
});

describe.each(REAL_PROVIDERS)('RFC 9369 Appendix A ($name)', ({ name, provider }) => {
  it(`RFC 9369 §A.1: initial_secret = HKDF-Extract(initial_salt, cid) (${name})`, () => {
    expect(toHex(provider.hkdfExtract('sha256', INITIAL_SALT_V2, DCID))).toBe(
      '2062e8b3cd8d52092614b8071d0aa1fb7c2e3ac193f78b280e72d8f5751f6aba',
    );
  });

  it(`RFC 9369 §A.1: client and server initial secrets (${name})`, () => {
    const s = deriveInitialSecrets(provider, QUIC_V2, DCID);
    expect(toHex(s.client)).toBe('14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b');
    expect(toHex(s.server)).toBe('0263db1782731bf4588e7e4d93b7463907cb8cd8200b5da55a8bd488eafc37c1');
  });

  it(`RFC 9369 §A.1: client key, iv and hp (${name})`, () => {
    const m = derivePacketKeyMaterial(provider, INITIAL_SUITE, deriveInitialSecrets(provider, QUIC_V2, DCID).client, QUIC_V2);
    expect(toHex(m.key)).toBe('8b1a0bc121284290a29e0971b5cd045d');
    expect(toHex(m.iv)).toBe('91f73e2351d8fa91660e909f');
    expect(toHex(m.hp)).toBe('45b95e15235d6f45a6b19cbcb0294ba9');
  });

  it(`RFC 9369 §A.1: server key, iv and hp (${name})`, () => {
    const m = derivePacketKeyMaterial(provider, INITIAL_SUITE, deriveInitialSecrets(provider, QUIC_V2, DCID).server, QUIC_V2);
    expect(toHex(m.key)).toBe('82db637861d55e1d011f19ea71d5d2a7');
    expect(toHex(m.iv)).toBe('dd13c276499c0249d3310652');
    expect(toHex(m.hp)).toBe('edf6d05c83121201b436e16877593c3a');
  });

  it(`RFC 9369 §A.2: header-protection sample and mask of the client Initial (${name})`, () => {
    const keys = deriveInitialKeys(provider, QUIC_V2, DCID).client;
    expect(toHex(keys.hp.mask(fromHex('ffe67b6abcdb4298b485dd04de806071')).subarray(0, 5))).toBe('94a0c95e80');
  });

  it(`RFC 9369 §A.2: client Initial protected byte for byte (${name})`, () => {
    const keys = deriveInitialKeys(provider, QUIC_V2, DCID).client;
    const buf = clientInitialUnprotected();
    const end = protectPacket(keys, buf, 18, 4, 2, CLIENT_HEADER.length + 1162);
    expect(end).toBe(1200);
    expect(toHex(buf.subarray(0, 22))).toBe('d76b3343cf088394c8f03e5157080000449ea0c95e82');
    expect(toHex(buf)).toBe(toHex(CLIENT_INITIAL_PROTECTED));
  });

  it(`RFC 9369 §A.2: client Initial unprotected back to the original (${name})`, () => {
    const keys = deriveInitialKeys(provider, QUIC_V2, DCID).client;
    const buf = CLIENT_INITIAL_PROTECTED.slice();
    const r = unprotectPacket(keys, buf, 18, buf.length, -1);
    expect(r).not.toBeNull();
    expect(r!.packetNumber).toBe(2);
    expect(r!.pnLength).toBe(4);
    expect(r!.firstByte).toBe(0xd3);
    expect(toHex(r!.payload)).toBe(toHex(clientInitialUnprotected().subarray(22, 22 + 1162)));
    expect(toHex(buf.subarray(0, 22))).toBe(toHex(CLIENT_HEADER));
  });

  it(`RFC 9369 §A.3: server Initial protected byte for byte (${name})`, () => {
    const keys = deriveInitialKeys(provider, QUIC_V2, DCID).server;
    expect(toHex(keys.hp.mask(fromHex('6f05d8a4398c47089698baeea26b91eb')).subarray(0, 5))).toBe('4dd92e91ea');
    const buf = serverInitialUnprotected();
    const end = protectPacket(keys, buf, 18, 2, 1, SERVER_HEADER.length + SERVER_PAYLOAD.length);
    expect(end).toBe(buf.length);
    expect(toHex(buf.subarray(0, 20))).toBe('dc6b3343cf0008f067a5502a4262b5004075d92f');
    expect(toHex(buf)).toBe(toHex(SERVER_INITIAL_PROTECTED));
  });

  it(`RFC 9369 §A.3: server Initial unprotected back to the original (${name})`, () => {
    const keys = deriveInitialKeys(provider, QUIC_V2, DCID).server;
    const buf = SERVER_INITIAL_PROTECTED.slice();
    const r = unprotectPacket(keys, buf, 18, buf.length, 0);
    expect(r).not.toBeNull();
    expect(r!.packetNumber).toBe(1);
    expect(r!.pnLength).toBe(2);
    expect(r!.firstByte).toBe(0xd1);
    expect(toHex(r!.payload)).toBe(toHex(SERVER_PAYLOAD));
    expect(toHex(buf.subarray(0, 20))).toBe(toHex(SERVER_HEADER));
  });

  it(`RFC 9369 §A.4: Retry integrity tag computed over the pseudo-packet (${name})`, () => {
    const withoutTag = RETRY_PACKET.subarray(0, RETRY_PACKET.length - 16);
    const tag = computeRetryIntegrityTag(provider, QUIC_V2, DCID, withoutTag);
    expect(toHex(tag)).toBe('c8646ce8bfe33952d955543665dcc7b6');
    expect(toHex(concatBytes(withoutTag, tag))).toBe(toHex(RETRY_PACKET));
  });

  it(`RFC 9369 §A.4: Retry integrity tag verifies, and not under the v1 key (${name})`, () => {
    expect(verifyRetryIntegrity(provider, QUIC_V2, DCID, RETRY_PACKET)).toBe(true);
    expect(verifyRetryIntegrity(provider, QUIC_V1, DCID, RETRY_PACKET)).toBe(false);
  });

  describe(`RFC 9369 §A.5: ChaCha20-Poly1305 short header packet (${name})`, () => {
    const secret = fromHex('9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b');
    const suite = TLS_CHACHA20_POLY1305_SHA256;
    const pn = 654360564;

    it(`RFC 9369 §A.5: key, iv, hp and ku from the secret (${name})`, () => {
      const m = derivePacketKeyMaterial(provider, suite, secret, QUIC_V2);
      expect(toHex(m.key)).toBe('3bfcddd72bcf02541d7fa0dd1f5f9eeea817e09a6963a0e6c7df0f9a1bab90f2');
      expect(toHex(m.iv)).toBe('a6b5bc6ab7dafce30ffff5dd');
      expect(toHex(m.hp)).toBe('d659760d2ba434a226fd37b35c69e2da8211d10c4f12538787d65645d5d1b8e2');
      expect(toHex(nextTrafficSecret(provider, suite, QUIC_V2, secret))).toBe(
        'c69374c49e3d2a9466fa689e49d476db5d0dfbc87d32ceeaa6343fd0ae4c7d88',
      );
    });

    it(`RFC 9369 §A.5: nonce, sample and mask (${name})`, () => {
      const keys = derivePacketKeys(provider, suite, secret, QUIC_V2);
      expect(toHex(computeNonce(keys.iv, pn, new Uint8Array(12)))).toBe('a6b5bc6ab7dafce328ff4a29');
      expect(toHex(keys.hp.mask(fromHex('e7b6b932bc27d786f4bc2bb20f2162ba')).subarray(0, 5))).toBe('97580e32bf');
    });

    it(`RFC 9369 §A.5: protected packet byte for byte (${name})`, () => {
      const keys = derivePacketKeys(provider, suite, secret, QUIC_V2);
      const buf = new Uint8Array(21);
      buf.set(fromHex('4200bff401'));
      expect(protectPacket(keys, buf, 1, 3, pn, 5)).toBe(21);
      expect(toHex(buf.subarray(1, 21))).toBe('58b1c60ae7b6b932bc27d786f4bc2bb20f2162ba');
      expect(toHex(buf)).toBe('5558b1c60ae7b6b932bc27d786f4bc2bb20f2162ba');
    });

    it(`RFC 9369 §A.5: protected packet unprotected back (${name})`, () => {
      const keys = derivePacketKeys(provider, suite, secret, QUIC_V2);
      const buf = fromHex('5558b1c60ae7b6b932bc27d786f4bc2bb20f2162ba');
      const r = unprotectPacket(keys, buf, 1, buf.length, pn - 1);
      expect(r).not.toBeNull();
      expect(r!.packetNumber).toBe(pn);
      expect(r!.pnLength).toBe(3);
      expect(r!.firstByte).toBe(0x42);
      expect(toHex(r!.payload)).toBe('01');
      expect(toHex(buf.subarray(0, 4))).toBe('4200bff4');
    });
  });
});
