import { describe, it, expect } from 'vitest';
import { fromHex, toHex } from '../../../src/util/bytes.js';
import { HandshakeReassembler } from '../../../src/tls/handshake-types.js';
import { decodeHandshakeMessage, serializeHandshakeMessage, type HandshakeMessage } from '../../../src/tls/messages.js';
import { getExtension } from '../../../src/tls/extensions.js';
import { ExtensionType, NamedGroupCode, SignatureSchemeCode, namedGroupOf } from '../../../src/tls/extension-codes.js';
import { traceField } from '../../helpers/rfc8448-trace.js';

/** RFC 8448 §3: every handshake message of the Simple 1-RTT Handshake, in order. */
const SIMPLE_1RTT = [
  ['ClientHello', 0],
  ['ServerHello', 0],
  ['EncryptedExtensions', 0],
  ['Certificate', 0],
  ['CertificateVerify', 0],
  ['Finished', 0],
  ['Finished', 1],
  ['NewSessionTicket', 0],
] as const;

function decodeWhole(bytes: Uint8Array): HandshakeMessage {
  const [msg, ...rest] = new HandshakeReassembler().push(bytes);
  expect(rest).toHaveLength(0);
  expect(toHex(msg!.raw)).toBe(toHex(bytes));
  return decodeHandshakeMessage(msg!.type, msg!.body, { finishedLength: 32 });
}

function expectType<T extends HandshakeMessage['msgType']>(m: HandshakeMessage, t: T): Extract<HandshakeMessage, { msgType: T }> {
  expect(m.msgType).toBe(t);
  return m as Extract<HandshakeMessage, { msgType: T }>;
}

/** RFC 8448 §4-§7: the handshake messages of the other traces (section, label, occurrence). */
const OTHER_TRACES = [
  // RFC 8448 §4 prints the resumption ClientHello without its binders (477 octets); the whole
  // message is the first record payload of §4 (512 octets).
  ['4', 'payload', 0], ['4', 'ServerHello', 0], ['4', 'EncryptedExtensions', 0], ['4', 'Finished', 0],
  ['4', 'EndOfEarlyData', 0], ['4', 'Finished', 1],
  ['5', 'ClientHello', 0], ['5', 'ServerHello', 0], ['5', 'ClientHello', 1], ['5', 'ServerHello', 1],
  ['5', 'EncryptedExtensions', 0], ['5', 'Certificate', 0], ['5', 'CertificateVerify', 0], ['5', 'Finished', 0], ['5', 'Finished', 1],
  ['6', 'ClientHello', 0], ['6', 'ServerHello', 0], ['6', 'EncryptedExtensions', 0], ['6', 'CertificateRequest', 0],
  ['6', 'Certificate', 0], ['6', 'CertificateVerify', 0], ['6', 'Finished', 0], ['6', 'Certificate', 1],
  ['6', 'CertificateVerify', 1], ['6', 'Finished', 1],
  ['7', 'ClientHello', 0], ['7', 'ServerHello', 0], ['7', 'EncryptedExtensions', 0], ['7', 'Certificate', 0],
  ['7', 'CertificateVerify', 0], ['7', 'Finished', 0], ['7', 'Finished', 1],
] as const;

describe('RFC 8448 §4-§7: resumption, HelloRetryRequest, client authentication and compatibility mode messages', () => {
  it.each(OTHER_TRACES)('RFC 8448 §%s: %s #%i decodes and re-encodes to the identical bytes', (section, label, occurrence) => {
    const bytes = traceField(Number(section), label, occurrence);
    expect(toHex(serializeHandshakeMessage(decodeWhole(bytes)))).toBe(toHex(bytes));
  });

  it('RFC 8448 §4: the resumption ClientHello carries pre_shared_key last, with one identity and one 32-byte binder', () => {
    const ch = expectType(decodeWhole(traceField(4, 'payload')), 'client_hello');
    const last = ch.extensions[ch.extensions.length - 1]!;
    expect(last.type).toBe('pre_shared_key');
    const psk = getExtension(ch.extensions, 'pre_shared_key')!;
    expect(psk.identities).toHaveLength(1);
    expect(psk.identities[0]!.identity).toHaveLength(0xb2);
    expect(psk.binders.map((b) => b.length)).toEqual([32]);
    expect(getExtension(ch.extensions, 'early_data')).toEqual({ type: 'early_data' });
    const sh = expectType(decodeWhole(traceField(4, 'ServerHello')), 'server_hello');
    expect(getExtension(sh.extensions, 'pre_shared_key')?.selectedIdentity).toBe(0);
    expect(decodeWhole(traceField(4, 'EndOfEarlyData'))).toEqual({ msgType: 'end_of_early_data' });
  });

  it('RFC 8448 §5: the first ServerHello is a HelloRetryRequest selecting secp256r1, with a cookie', () => {
    const hrr = expectType(decodeWhole(traceField(5, 'ServerHello', 0)), 'hello_retry_request');
    expect(getExtension(hrr.extensions, 'key_share')?.selectedGroup).toBe(NamedGroupCode.secp256r1);
    expect(getExtension(hrr.extensions, 'supported_versions')?.selectedVersion).toBe(0x0304);
    expect(getExtension(hrr.extensions, 'cookie')?.cookie.length).toBeGreaterThan(0);
    expect(expectType(decodeWhole(traceField(5, 'ServerHello', 1)), 'server_hello').cipherSuite).toBe(0x1301);
  });

  it('RFC 8448 §6: the CertificateRequest has an empty context and signature_algorithms', () => {
    const cr = expectType(decodeWhole(traceField(6, 'CertificateRequest')), 'certificate_request');
    expect(cr.certificateRequestContext).toHaveLength(0);
    expect(getExtension(cr.extensions, 'signature_algorithms')?.schemes).toContain(SignatureSchemeCode.rsa_pss_rsae_sha256);
  });

  it('RFC 8448 §7: the compatibility-mode ServerHello echoes a 32-byte legacy_session_id (accepted by the codec)', () => {
    const sh = expectType(decodeWhole(traceField(7, 'ServerHello')), 'server_hello');
    expect(sh.legacySessionIdEcho).toHaveLength(32);
  });
});

describe('RFC 8448 §3: Simple 1-RTT Handshake messages', () => {
  it.each(SIMPLE_1RTT)('RFC 8448 §3: %s #%i decodes and re-encodes to the identical bytes', (label, occurrence) => {
    const bytes = traceField(3, label, occurrence);
    expect(toHex(serializeHandshakeMessage(decodeWhole(bytes)))).toBe(toHex(bytes));
  });

  it('RFC 8448 §3: the whole flight split into 7-byte CRYPTO chunks reassembles into the same eight messages', () => {
    const blocks = SIMPLE_1RTT.map(([l, o]) => traceField(3, l, o));
    const all = Uint8Array.from(blocks.flatMap((b) => [...b]));
    const r = new HandshakeReassembler();
    const got: string[] = [];
    for (let i = 0; i < all.length; i += 7) for (const m of r.push(all.subarray(i, i + 7))) got.push(toHex(m.raw));
    expect(got).toEqual(blocks.map(toHex));
    expect(r.isAtMessageBoundary).toBe(true);
  });

  it('RFC 8448 §3: ClientHello fields (suites, groups, key share, versions, schemes, unknown extensions kept)', () => {
    const ch = expectType(decodeWhole(traceField(3, 'ClientHello')), 'client_hello');
    expect(ch.legacyVersion).toBe(0x0303);
    expect(toHex(ch.random)).toBe('cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7');
    expect(ch.legacySessionId).toHaveLength(0);
    expect(ch.cipherSuites).toEqual([0x1301, 0x1303, 0x1302]);
    expect(Array.from(ch.legacyCompressionMethods)).toEqual([0]);
    expect(ch.extensions.map((e) => (e.type === 'opaque' ? e.code : ExtensionType[e.type]))).toEqual([0, 0xff01, 10, 0x23, 51, 43, 13, 45, 28]);
    expect(getExtension(ch.extensions, 'server_name')?.serverNames).toEqual([{ nameType: 0, name: 'server' }]);
    expect(getExtension(ch.extensions, 'supported_groups')?.groups).toEqual([0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104]);
    const ks = getExtension(ch.extensions, 'key_share')!.shares;
    expect(ks).toHaveLength(1);
    expect(namedGroupOf(ks[0]!.group)).toBe('x25519');
    expect(toHex(ks[0]!.keyExchange)).toBe('99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c');
    expect(getExtension(ch.extensions, 'supported_versions')?.versions).toEqual([0x0304]);
    const schemes = getExtension(ch.extensions, 'signature_algorithms')!.schemes;
    expect(schemes).toHaveLength(15);
    expect(schemes.slice(0, 2)).toEqual([SignatureSchemeCode.ecdsa_secp256r1_sha256, SignatureSchemeCode.ecdsa_secp384r1_sha384]);
    expect(schemes).toContain(0x0203); // ecdsa_sha1: a legacy code point survives as a number
    expect(getExtension(ch.extensions, 'psk_key_exchange_modes')?.modes).toEqual([1]);
    const rsl = ch.extensions.find((e) => e.type === 'opaque' && e.code === 28);
    expect(rsl?.type === 'opaque' && toHex(rsl.data)).toBe('4001');
  });

  it('RFC 8448 §3: ServerHello fields (random, suite, key share, selected version) and it is not a HelloRetryRequest', () => {
    const sh = expectType(decodeWhole(traceField(3, 'ServerHello')), 'server_hello');
    expect(toHex(sh.random)).toBe('a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e26928');
    expect(sh.cipherSuite).toBe(0x1301);
    expect(sh.legacySessionIdEcho).toHaveLength(0);
    const share = getExtension(sh.extensions, 'key_share')!.share;
    expect(share.group).toBe(NamedGroupCode.x25519);
    expect(toHex(share.keyExchange)).toBe('c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f');
    expect(getExtension(sh.extensions, 'supported_versions')?.selectedVersion).toBe(0x0304);
  });

  it('RFC 8448 §3: EncryptedExtensions fields (supported_groups, record_size_limit kept opaque, empty server_name)', () => {
    const ee = expectType(decodeWhole(traceField(3, 'EncryptedExtensions')), 'encrypted_extensions');
    expect(getExtension(ee.extensions, 'supported_groups')?.groups).toEqual([0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104]);
    expect(ee.extensions[1]).toEqual({ type: 'opaque', code: 28, data: fromHex('4001') });
    expect(getExtension(ee.extensions, 'server_name')?.serverNames).toEqual([]);
  });

  it('RFC 8448 §3: Certificate, CertificateVerify, both Finished and NewSessionTicket fields', () => {
    const ct = expectType(decodeWhole(traceField(3, 'Certificate')), 'certificate');
    expect(ct.certificateRequestContext).toHaveLength(0);
    expect(ct.certificateList).toHaveLength(1);
    expect(ct.certificateList[0]!.certData).toHaveLength(0x1b0);
    expect(toHex(ct.certificateList[0]!.certData.subarray(0, 4))).toBe('308201ac');
    expect(ct.certificateList[0]!.extensions).toEqual([]);

    const cv = expectType(decodeWhole(traceField(3, 'CertificateVerify')), 'certificate_verify');
    expect(cv.algorithm).toBe(SignatureSchemeCode.rsa_pss_rsae_sha256);
    expect(cv.signature).toHaveLength(128);
    expect(toHex(cv.signature.subarray(0, 4))).toBe('5a747c5d');

    const sf = expectType(decodeWhole(traceField(3, 'Finished', 0)), 'finished');
    expect(toHex(sf.verifyData)).toBe('9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718');
    const cf = expectType(decodeWhole(traceField(3, 'Finished', 1)), 'finished');
    expect(toHex(cf.verifyData)).toBe('a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61');

    const nst = expectType(decodeWhole(traceField(3, 'NewSessionTicket')), 'new_session_ticket');
    expect(nst.ticketLifetime).toBe(30);
    expect(nst.ticketAgeAdd).toBe(0xfad6aac5);
    expect(toHex(nst.ticketNonce)).toBe('0000');
    expect(nst.ticket).toHaveLength(0xb2);
    expect(nst.extensions).toEqual([{ type: 'early_data', maxEarlyDataSize: 0x400 }]);
  });
});
