import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Writer, fromHex, toHex } from '../../../src/util/bytes.js';
import { TlsAlert, type AlertDescriptionName } from '../../../src/tls/alerts.js';
import { HandshakeType } from '../../../src/tls/handshake-types.js';
import {
  decodeHandshakeMessage,
  encodeHandshakeBody,
  handshakeTypeOf,
  serializeHandshakeMessage,
  sizeOfHandshakeBody,
  sizeOfHandshakeMessage,
  type HandshakeMessage,
} from '../../../src/tls/messages.js';
import { HELLO_RETRY_REQUEST_RANDOM, isHelloRetryRequest } from '../../../src/tls/hello-messages.js';
import { handshakeMessageArb } from '../../helpers/tls-arbitraries.js';
import { createHash } from 'node:crypto';

const OPTS = { finishedLength: 32 };

function body(m: HandshakeMessage): Uint8Array {
  const w = Writer.alloc(sizeOfHandshakeBody(m));
  encodeHandshakeBody(w, m);
  expect(w.remaining).toBe(0);
  return w.written();
}

function alertOf(f: () => unknown): AlertDescriptionName | 'none' {
  try {
    f();
  } catch (e) {
    if (e instanceof TlsAlert) return e.alertName;
    throw e;
  }
  return 'none';
}

const decodeHex = (type: number, hex: string): HandshakeMessage => decodeHandshakeMessage(type, fromHex(hex), OPTS);
const alertHex = (type: number, hex: string): AlertDescriptionName | 'none' => alertOf(() => decodeHex(type, hex));

/** A ClientHello body around an extension block given in hex (without its length). */
function clientHelloWith(extensionsHex: string): string {
  const ext = fromHex(extensionsHex);
  return '0303' + '11'.repeat(32) + '00' + '00021301' + '0100' + toHex(new Uint8Array([ext.length >> 8, ext.length & 0xff])) + extensionsHex;
}

const SUPPORTED_VERSIONS = '002b0003020304';
const KEY_SHARE_CH = '003300260024001d0020' + '22'.repeat(32);

describe('RFC 8446 §4: handshake message codecs', () => {
  it('RFC 8446 §4: every message round-trips; sizeOf equals the encoded length; re-encoding is byte-exact', () => {
    fc.assert(
      fc.property(handshakeMessageArb, (m) => {
        const bytes = body(m);
        const decoded = decodeHandshakeMessage(handshakeTypeOf(m), bytes, OPTS);
        expect(decoded).toEqual(m);
        expect(toHex(body(decoded))).toBe(toHex(bytes));
        expect(serializeHandshakeMessage(m).length).toBe(sizeOfHandshakeMessage(m));
      }),
      { numRuns: 300 },
    );
  });

  it('RFC 8446 §4: every strict truncation of a message body fails with TlsAlert(decode_error)', () => {
    fc.assert(
      fc.property(handshakeMessageArb, (m) => {
        const bytes = body(m);
        for (let n = 0; n < bytes.length; n++) {
          expect(alertOf(() => decodeHandshakeMessage(handshakeTypeOf(m), bytes.subarray(0, n), OPTS))).toBe('decode_error');
        }
      }),
      { numRuns: 100 },
    );
  });

  it('RFC 8446 §4: a trailing byte after any message body fails with TlsAlert(decode_error)', () => {
    fc.assert(
      fc.property(handshakeMessageArb, (m) => {
        const bytes = new Uint8Array([...body(m), 0]);
        expect(alertOf(() => decodeHandshakeMessage(handshakeTypeOf(m), bytes, OPTS))).toBe('decode_error');
      }),
      { numRuns: 100 },
    );
  });

  it('RFC 8446 §4: an unknown handshake type is TlsAlert(unexpected_message)', () => {
    expect(alertHex(3, '')).toBe('unexpected_message');
    expect(alertHex(HandshakeType.message_hash, '')).toBe('unexpected_message');
  });
});

describe('RFC 8446 §4.1.2: ClientHello rules', () => {
  it('RFC 8446 §4.1.2: a minimal ClientHello decodes', () => {
    const ch = decodeHex(1, clientHelloWith(SUPPORTED_VERSIONS + KEY_SHARE_CH));
    expect(ch.msgType).toBe('client_hello');
  });

  it('RFC 8446 §4.2: a duplicate extension is TlsAlert(illegal_parameter)', () => {
    expect(alertHex(1, clientHelloWith(SUPPORTED_VERSIONS + SUPPORTED_VERSIONS))).toBe('illegal_parameter');
    expect(alertHex(1, clientHelloWith(SUPPORTED_VERSIONS + '0a0a0000' + '0a0a0000'))).toBe('illegal_parameter');
  });

  it('RFC 8446 §4.2.11: pre_shared_key not last in the ClientHello is TlsAlert(illegal_parameter)', () => {
    const psk = '0029002f000a0004aabbccdd00000001' + '0021' + '20' + '33'.repeat(32);
    expect(alertHex(1, clientHelloWith(SUPPORTED_VERSIONS + psk))).toBe('none');
    expect(alertHex(1, clientHelloWith(psk + SUPPORTED_VERSIONS))).toBe('illegal_parameter');
  });

  it('RFC 8446 §4.2: an extension not allowed in a ClientHello (oid_filters) is TlsAlert(illegal_parameter)', () => {
    expect(alertHex(1, clientHelloWith(SUPPORTED_VERSIONS + '00300000'))).toBe('illegal_parameter');
  });

  it('RFC 8446 §4.1.2: bad lengths are TlsAlert(decode_error)', () => {
    // legacy_session_id of 33 bytes (RFC 8446 §4.1.2: <0..32>).
    expect(alertHex(1, '0303' + '11'.repeat(32) + '21' + '00'.repeat(33) + '000213010100' + '000c' + SUPPORTED_VERSIONS + '0a0a0001')).toBe('decode_error');
    // An odd cipher_suites length, and an empty one.
    expect(alertHex(1, '0303' + '11'.repeat(32) + '00' + '0003130113' + '0100' + '0007' + SUPPORTED_VERSIONS)).toBe('decode_error');
    expect(alertHex(1, '0303' + '11'.repeat(32) + '00' + '0000' + '0100' + '0007' + SUPPORTED_VERSIONS)).toBe('decode_error');
    // Empty legacy_compression_methods.
    expect(alertHex(1, '0303' + '11'.repeat(32) + '00' + '00021301' + '00' + '0007' + SUPPORTED_VERSIONS)).toBe('decode_error');
    // An extension block under 8 bytes (RFC 8446 §4.1.2: <8..2^16-1>).
    expect(alertHex(1, clientHelloWith('0a0a0000'))).toBe('decode_error');
    // An extension whose body has a trailing byte, an odd supported_groups, an empty key_exchange,
    // an empty ALPN protocol name, a 31-byte binder.
    expect(alertHex(1, clientHelloWith(SUPPORTED_VERSIONS + '000a00050002001d00'))).toBe('decode_error');
    expect(alertHex(1, clientHelloWith(SUPPORTED_VERSIONS + '000a0003000117'))).toBe('decode_error');
    expect(alertHex(1, clientHelloWith(SUPPORTED_VERSIONS + '003300060004001d0000'))).toBe('decode_error');
    expect(alertHex(1, clientHelloWith(SUPPORTED_VERSIONS + '0010000400020000'))).toBe('decode_error');
    expect(alertHex(1, clientHelloWith(SUPPORTED_VERSIONS + '0029002e000a0004aabbccdd00000001' + '0020' + '1f' + '33'.repeat(31)))).toBe('decode_error');
  });
});

describe('RFC 8446 §4.1.3: ServerHello and HelloRetryRequest', () => {
  it('RFC 8446 §4.1.3: HELLO_RETRY_REQUEST_RANDOM is SHA-256("HelloRetryRequest")', () => {
    expect(toHex(HELLO_RETRY_REQUEST_RANDOM)).toBe(createHash('sha256').update('HelloRetryRequest').digest('hex'));
    expect(isHelloRetryRequest(HELLO_RETRY_REQUEST_RANDOM)).toBe(true);
    expect(isHelloRetryRequest(new Uint8Array(32))).toBe(false);
  });

  const sh = (random: string, exts: string): string => {
    const e = fromHex(exts);
    return '0303' + random + '00' + '1301' + '00' + toHex(new Uint8Array([e.length >> 8, e.length & 0xff])) + exts;
  };
  const HRR = toHex(HELLO_RETRY_REQUEST_RANDOM);
  const R = '44'.repeat(32);

  it('RFC 8446 §4.1.4: a ServerHello with the special random decodes as a HelloRetryRequest with selected_group', () => {
    const m = decodeHex(2, sh(HRR, '002b00020304' + '003300020017'));
    expect(m).toEqual({
      msgType: 'hello_retry_request', legacyVersion: 0x0303, legacySessionIdEcho: new Uint8Array(0), cipherSuite: 0x1301, legacyCompressionMethod: 0,
      extensions: [{ type: 'supported_versions', selectedVersion: 0x0304 }, { type: 'key_share', selectedGroup: 0x0017 }],
    });
  });

  it('RFC 8446 §4.2: cookie is allowed in a HelloRetryRequest but not in a ServerHello; pre_shared_key the reverse', () => {
    expect(alertHex(2, sh(HRR, '002b00020304' + '002c0003000101'))).toBe('none');
    expect(alertHex(2, sh(R, '002b00020304' + '002c0003000101'))).toBe('illegal_parameter');
    expect(alertHex(2, sh(R, '002b00020304' + '002900020000'))).toBe('none');
    expect(alertHex(2, sh(HRR, '002b00020304' + '002900020000'))).toBe('illegal_parameter');
  });

  it('RFC 8446 §4.2: early_data or quic_transport_parameters in a ServerHello is illegal_parameter; an unknown extension is kept', () => {
    expect(alertHex(2, sh(R, '002b00020304' + '002a0000'))).toBe('illegal_parameter');
    expect(alertHex(2, sh(R, '002b00020304' + '00390000'))).toBe('illegal_parameter');
    const m = decodeHex(2, sh(R, '002b00020304' + 'fafa0001ff'));
    expect(m.msgType === 'server_hello' && m.extensions[1]).toEqual({ type: 'opaque', code: 0xfafa, data: fromHex('ff') });
  });

  it('RFC 8446 §4.1.3: a ServerHello extension block under 6 bytes is decode_error', () => {
    expect(alertHex(2, sh(R, '0a0a0000'))).toBe('decode_error');
  });
});

describe('RFC 8446 §4.3-§4.6: the other messages', () => {
  it('RFC 8446 §4.2: key_share in EncryptedExtensions is TlsAlert(illegal_parameter)', () => {
    expect(alertHex(8, '000a' + '003300060004001d0001')).toBe('illegal_parameter');
  });

  it('RFC 7301 §3.1: ALPN in EncryptedExtensions must name exactly one protocol (illegal_parameter)', () => {
    expect(alertHex(8, '0009' + '001000050003026833')).toBe('none');
    expect(alertHex(8, '000b' + '0010000700050268330131')).toBe('illegal_parameter');
  });

  it('RFC 8446 §4.3.2: a CertificateRequest without signature_algorithms is TlsAlert(missing_extension)', () => {
    expect(alertHex(13, '00' + '0008' + '0032000400020403')).toBe('missing_extension');
    expect(alertHex(13, '00' + '0008' + '000d000400020403')).toBe('none');
    // RFC 8446 §4.2: supported_versions is not allowed in a CertificateRequest.
    expect(alertHex(13, '00' + '000f' + '000d000400020403' + '002b0003020304')).toBe('illegal_parameter');
  });

  it('RFC 8446 §4.4.2: a Certificate entry with an empty cert_data is decode_error; key_share in an entry is illegal_parameter', () => {
    expect(alertHex(11, '00' + '000005' + '000000' + '0000')).toBe('decode_error');
    expect(alertHex(11, '00' + '000010' + '00000130' + '000a' + '003300060004001d0001')).toBe('illegal_parameter');
  });

  it('RFC 8446 §4.4.4: a Finished whose length is not Hash.length is decode_error', () => {
    expect(alertOf(() => decodeHandshakeMessage(20, new Uint8Array(32), { finishedLength: 48 }))).toBe('decode_error');
    expect(alertOf(() => decodeHandshakeMessage(20, new Uint8Array(48), { finishedLength: 48 }))).toBe('none');
  });

  it('RFC 8446 §4.6.1: a NewSessionTicket with an empty ticket is decode_error; early_data carries max_early_data_size', () => {
    expect(alertHex(4, '0000001e' + '00000001' + '00' + '0000' + '0000')).toBe('decode_error');
    expect(decodeHex(4, '0000001e' + '00000001' + '00' + '000101' + '0008' + '002a0004ffffffff')).toMatchObject({
      extensions: [{ type: 'early_data', maxEarlyDataSize: 0xffffffff }],
    });
    // RFC 8446 §4.2: key_share is not allowed in a NewSessionTicket.
    expect(alertHex(4, '0000001e' + '00000001' + '00' + '000101' + '0006' + '003300020017')).toBe('illegal_parameter');
  });

  it('RFC 8446 §4.6.3 / RFC 9001 §6: KeyUpdate decodes (to be refused); a request_update other than 0 or 1 is illegal_parameter', () => {
    expect(decodeHex(24, '01')).toEqual({ msgType: 'key_update', requestUpdate: 1 });
    expect(alertHex(24, '02')).toBe('illegal_parameter');
  });

  it('RFC 8446 §4.5 / RFC 9001 §8.3: EndOfEarlyData decodes (to be refused) and must be empty', () => {
    expect(decodeHex(5, '')).toEqual({ msgType: 'end_of_early_data' });
    expect(alertHex(5, '00')).toBe('decode_error');
  });
});
