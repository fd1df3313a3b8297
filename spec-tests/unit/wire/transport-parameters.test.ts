import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Reader, Writer, fromHex, toHex } from '../../../src/util/bytes.js';
import { CodecError } from '../../../src/util/errors.js';
import { MAX_EXACT_VARINT } from '../../../src/util/varint.js';
import {
  TransportParameterId,
  decodeTransportParameters,
  encodeTransportParameters,
  greaseTransportParameter,
  isReservedTransportParameterId,
  sizeOfTransportParameters,
  transportParameterName,
  type TransportParameters,
} from '../../../src/wire/transport-parameters.js';
import { validateTransportParameters } from '../../../src/wire/transport-parameters-validation.js';
import { transportParametersArb } from '../../helpers/transport-parameters-arbitrary.js';
import { target as fuzzTarget } from '../../../fuzz/targets/transport-parameters.js';

function encode(p: TransportParameters): Uint8Array {
  const w = Writer.alloc(sizeOfTransportParameters(p));
  encodeTransportParameters(w, p);
  expect(w.remaining).toBe(0);
  return w.written();
}

const decode = (bytes: Uint8Array): TransportParameters => decodeTransportParameters(new Reader(bytes));
const decodeHex = (hex: string): TransportParameters => decode(fromHex(hex));

/** The offsets at which each parameter of a valid encoding ends (RFC 9000 §18, Figure 21). */
function parameterBoundaries(bytes: Uint8Array): number[] {
  const r = new Reader(bytes);
  const ends: number[] = [];
  while (!r.isEmpty) {
    r.varint();
    r.skip(r.varint());
    ends.push(r.offset);
  }
  return ends;
}

describe('RFC 9000 §18: transport parameter encoding', () => {
  it('RFC 9000 §18: transport parameters round-trip and sizeOf equals the encoded length', () => {
    fc.assert(
      fc.property(transportParametersArb, (p) => {
        const bytes = encode(p);
        expect(bytes.length).toBe(sizeOfTransportParameters(p));
        expect(decode(bytes)).toEqual(p);
      }),
      { numRuns: 300 },
    );
  });

  it('RFC 9000 §18: a truncation fails with CodecError unless it ends on a parameter boundary, where it is a valid shorter sequence', () => {
    fc.assert(
      fc.property(transportParametersArb, (p) => {
        const bytes = encode(p);
        const ends = new Set(parameterBoundaries(bytes));
        for (let n = 0; n < bytes.length; n++) {
          const prefix = bytes.subarray(0, n);
          if (n === 0 || ends.has(n)) {
            // The encoding is canonical (ID order, minimal varints), so a prefix re-encodes to itself.
            expect(toHex(encode(decode(prefix)))).toBe(toHex(prefix));
          } else {
            expect(() => decode(prefix)).toThrow(CodecError);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('RFC 9000 §18: an empty sequence decodes to no parameters', () => {
    expect(decode(new Uint8Array(0))).toEqual({});
    expect(sizeOfTransportParameters({})).toBe(0);
  });

  it('RFC 9000 §18, §18.2: a hand-built encoding matches the (ID, Length, Value) layout', () => {
    const p: TransportParameters = {
      maxIdleTimeout: 30000,
      initialMaxData: 1048576,
      ackDelayExponent: 3,
      disableActiveMigration: true,
      activeConnectionIdLimit: 4,
      initialSourceConnectionId: fromHex('0102030405060708'),
      greaseQuicBit: true,
      unknown: [{ id: 27, value: fromHex('ab') }],
    };
    const expected =
      '01 04 80007530' + // max_idle_timeout = 30000, a 4-byte varint
      '04 04 80100000' + // initial_max_data = 2^20
      '0a 01 03' + // ack_delay_exponent = 3
      '0c 00' + // disable_active_migration, zero-length
      '0e 01 04' + // active_connection_id_limit = 4
      '0f 08 0102030405060708' + // initial_source_connection_id
      '6ab2 00' + // grease_quic_bit: ID 0x2ab2 is a 2-byte varint; zero-length
      '1b 01 ab'; // reserved ID 27 = 31 * 0 + 27 (§18.1), written after the known ones
    expect(toHex(encode(p))).toBe(expected.replace(/\s+/g, ''));
    expect(decodeHex(expected)).toEqual(p);
  });

  it('RFC 9000 §18.2: preferred_address follows Figure 22 inside its (ID, Length) envelope', () => {
    const value =
      'c0000201 01bb' + // 192.0.2.1:443
      '20010db8000000000000000000000001 01bb' + // [2001:db8::1]:443
      '04 01020304' + // Connection ID Length, Connection ID
      '000102030405060708090a0b0c0d0e0f'; // Stateless Reset Token
    const p = decodeHex('0d 2d' + value);
    expect(p).toEqual({
      preferredAddress: {
        ipv4Address: fromHex('c0000201'),
        ipv4Port: 443,
        ipv6Address: fromHex('20010db8000000000000000000000001'),
        ipv6Port: 443,
        connectionId: fromHex('01020304'),
        statelessResetToken: fromHex('000102030405060708090a0b0c0d0e0f'),
      },
    });
    expect(toHex(encode(p))).toBe(('0d2d' + value).replace(/\s+/g, ''));
  });

  it('RFC 9000 §16, §18.2: an integer parameter may use a longer varint than needed', () => {
    expect(decodeHex('01 02 4005')).toEqual({ maxIdleTimeout: 5 });
    expect(decodeHex('01 08 c000000000000005')).toEqual({ maxIdleTimeout: 5 });
  });

  it('RFC 9000 §18.2: decoded byte fields are copies that outlive the input', () => {
    const bytes = fromHex('0f 02 aabb');
    const p = decode(bytes);
    bytes.fill(0);
    expect(p.initialSourceConnectionId).toEqual(fromHex('aabb'));
  });

  it('RFC 9000 §18.2: transportParameterName gives the RFC name', () => {
    expect(transportParameterName(TransportParameterId.maxAckDelay)).toBe('max_ack_delay');
    expect(transportParameterName(0x00)).toBe('original_destination_connection_id');
    expect(transportParameterName(0x05)).toBe('initial_max_stream_data_bidi_local');
    expect(transportParameterName(0x2ab2)).toBe('grease_quic_bit');
    expect(transportParameterName(0x11)).toBe('version_information');
    expect(transportParameterName(27)).toBeUndefined();
  });
});

describe('RFC 9001 Appendix A.2: the quic_transport_parameters extension of the sample ClientHello', () => {
  // The CRYPTO frame of the client Initial in RFC 9001 Appendix A.2, as printed there.
  const CRYPTO_FRAME =
    '060040f1010000ed0303ebf8fa56f129 39b9584a3896472ec40bb863cfd3e868' +
    '04fe3a47f06a2b69484c000004130113 02010000c000000010000e00000b6578' +
    '616d706c652e636f6dff01000100000a 00080006001d00170018001000070005' +
    '04616c706e0005000501000000000033 00260024001d00209370b2c9caa47fba' +
    'baf4559fedba753de171fa71f50f1ce1 5d43e994ec74d748002b000302030400' +
    '0d0010000e0403050306030203080408 050806002d00020101001c0002400100' +
    '3900320408ffffffffffffffff050480 00ffff07048000ffff08011001048000' +
    '75300901100f088394c8f03e51570806 048000ffff';

  /** Walks the CRYPTO frame and the ClientHello (RFC 8446 §4.1.2) to extension 0x0039. */
  function extensionBody(): Uint8Array {
    const r = new Reader(fromHex(CRYPTO_FRAME));
    expect(r.varint()).toBe(0x06); // CRYPTO
    expect(r.varint()).toBe(0); // Offset
    const ch = r.sub(r.varint()); // Length
    r.expectEnd('CRYPTO frame');
    expect(ch.u8()).toBe(1); // HandshakeType client_hello
    const body = ch.sub(ch.u24());
    ch.expectEnd('ClientHello');
    body.u16(); // legacy_version
    body.skip(32); // random
    body.vec8(); // legacy_session_id
    body.vec16(); // cipher_suites
    body.vec8(); // legacy_compression_methods
    const exts = body.sub(body.u16());
    body.expectEnd('ClientHello body');
    while (!exts.isEmpty) {
      const type = exts.u16();
      const data = exts.vec16();
      if (type === 0x0039) return data;
    }
    throw new Error('no quic_transport_parameters extension');
  }

  it('RFC 9001 Appendix A.2: the extension body is the 50 bytes printed there', () => {
    const body = extensionBody();
    expect(body.length).toBe(0x32);
    expect(toHex(body)).toBe(
      '0408ffffffffffffffff' + '05048000ffff' + '07048000ffff' + '080110' + '010480007530' + '090110' + '0f088394c8f03e515708' + '06048000ffff',
    );
  });

  it('RFC 9001 Appendix A.2: the client transport parameters decode as expected and pass client validation', () => {
    const p = decode(extensionBody());
    expect(p).toEqual({
      // 0408 ffffffffffffffff: the largest varint, 2^62 - 1, which saturates to 2^53 - 1
      // (docs/adr/0001-time-and-varints.md: a limit that large reads as "unlimited").
      initialMaxData: MAX_EXACT_VARINT,
      initialMaxStreamDataBidiLocal: 65535,
      initialMaxStreamDataUni: 65535,
      initialMaxStreamsBidi: 16,
      maxIdleTimeout: 30000,
      initialMaxStreamsUni: 16,
      // Equal to the packet's Destination Connection ID although the sample packet's Source
      // Connection ID is empty: the vector is not self-consistent under RFC 9000 §7.3, which the
      // connection (not this codec) checks against the Initial packet.
      initialSourceConnectionId: fromHex('8394c8f03e515708'),
      initialMaxStreamDataBidiRemote: 65535,
    });
    expect(() => validateTransportParameters(p, 'client')).not.toThrow();
    // The parameters are not in ID order in the vector; re-encoding sorts them and keeps the length.
    const again = encode(p);
    expect(again.length).toBe(0x32);
    expect(decode(again)).toEqual(p);
  });
});

describe('RFC 9000 §7.4: duplicate transport parameters', () => {
  it('RFC 9000 §7.4: a repeated known parameter is a CodecError', () => {
    expect(() => decodeHex('0a 01 03  0b 01 19  0a 01 03')).toThrow(/duplicate ack_delay_exponent/);
    expect(() => decodeHex('0c 00 0c 00')).toThrow(CodecError);
  });

  it('RFC 9000 §7.4: a repeated unknown parameter is a CodecError, also when spelt with a longer varint', () => {
    expect(() => decodeHex('1b 00 1b 01 ff')).toThrow(CodecError);
    expect(() => decodeHex('1b 00 401b 00')).toThrow(CodecError);
  });

  it('RFC 9000 §7.4.2: IDs of 2^53 - 1 and above are ignored, two different ones are not duplicates, the same one twice is', () => {
    const p = decodeHex('ffffffffffffffff 00  fffffffffffffffe 00  1b 00');
    expect(p.unknown).toEqual([{ id: 0x1b, value: new Uint8Array(0) }]);
    expect(() => decodeHex('ffffffffffffffff 00  ffffffffffffffff 00')).toThrow(CodecError);
  });

  it('RFC 9000 §7.4: the encoder refuses an unknown parameter that repeats an ID', () => {
    const w = Writer.alloc(64);
    expect(() => encodeTransportParameters(w, { unknown: [{ id: 27, value: new Uint8Array(0) }, { id: 27, value: new Uint8Array(1) }] })).toThrow(
      CodecError,
    );
    expect(() => encodeTransportParameters(w, { unknown: [{ id: 0x0b, value: new Uint8Array(1) }] })).toThrow(CodecError);
  });
});

describe('RFC 9000 §18.2: value lengths must match their content', () => {
  it('RFC 9000 §18.2: an integer parameter must be exactly one varint', () => {
    expect(() => decodeHex('01 00')).toThrow(/not one varint/); // empty
    expect(() => decodeHex('01 02 05 00')).toThrow(/not one varint/); // 1-byte varint in 2 bytes
    expect(() => decodeHex('01 01 40')).toThrow(CodecError); // 2-byte varint in 1 byte
    expect(() => decodeHex('04 03 800000')).toThrow(CodecError); // 4-byte varint in 3 bytes
  });

  it('RFC 9000 §18: a Length running past the end is a CodecError', () => {
    expect(() => decodeHex('0f 05 0102')).toThrow(CodecError);
    expect(() => decodeHex('0f')).toThrow(CodecError);
    expect(() => decodeHex('40')).toThrow(CodecError);
  });

  it('RFC 9000 §18.2: stateless_reset_token must be 16 bytes', () => {
    expect(() => decodeHex('02 0f' + '00'.repeat(15))).toThrow(/stateless_reset_token/);
    expect(() => decodeHex('02 11' + '00'.repeat(17))).toThrow(CodecError);
    expect(decodeHex('02 10' + '00'.repeat(16))).toEqual({ statelessResetToken: new Uint8Array(16) });
  });

  it('RFC 9000 §18.2: disable_active_migration must be empty; RFC 9287 §3: grease_quic_bit must be empty', () => {
    expect(() => decodeHex('0c 01 00')).toThrow(/disable_active_migration/);
    expect(() => decodeHex('6ab2 01 00')).toThrow(/grease_quic_bit/);
    expect(decodeHex('0c 00 6ab2 00')).toEqual({ disableActiveMigration: true, greaseQuicBit: true });
  });

  it('RFC 9000 §17.2: connection ID parameters are 0..20 bytes', () => {
    for (const id of ['00', '0f', '10']) {
      expect(() => decodeHex(`${id} 15` + '00'.repeat(21))).toThrow(CodecError);
      expect(decodeHex(`${id} 14` + '00'.repeat(20))).not.toEqual({});
      expect(decodeHex(`${id} 00`)).not.toEqual({}); // RFC 9000 §7.3: a zero-length ID is sent as an empty value
    }
  });

  it('RFC 9000 §18.2: preferred_address must fill its parameter exactly', () => {
    const value = '00000000 0000' + '00'.repeat(16) + '0000' + '01 aa' + '00'.repeat(16);
    expect(decodeHex('0d 2a' + value).preferredAddress?.connectionId).toEqual(fromHex('aa'));
    expect(() => decodeHex('0d 2b' + value + '00')).toThrow(/trailing/);
    expect(() => decodeHex('0d 29' + value.slice(0, -2))).toThrow(CodecError);
  });

  it('RFC 9000 §18.2: a zero-length connection ID in preferred_address is a CodecError', () => {
    const value = '00000000 0000' + '00'.repeat(16) + '0000' + '00' + '00'.repeat(16);
    expect(() => decodeHex('0d 29' + value)).toThrow(/zero-length connection ID/);
  });

  it('RFC 9368 §4: version_information must be a positive multiple of 4 bytes without version 0', () => {
    expect(() => decodeHex('11 00')).toThrow(CodecError);
    expect(() => decodeHex('11 06 00000001 0000')).toThrow(CodecError);
    expect(() => decodeHex('11 04 00000000')).toThrow(CodecError);
    expect(() => decodeHex('11 08 00000001 00000000')).toThrow(CodecError);
    expect(decodeHex('11 08 00000001 6b3343cf')).toEqual({ versionInformation: { chosenVersion: 1, availableVersions: [0x6b3343cf] } });
  });
});

describe('RFC 9000 §18.2: out-of-range values', () => {
  const cases: [string, string, string][] = [
    ['ack_delay_exponent 21', '0a 01 15', '0a 01 14'],
    ['max_ack_delay 2^14', '0b 04 80004000', '0b 02 7fff'],
    ['max_udp_payload_size 1199', '03 02 44af', '03 02 44b0'],
    ['active_connection_id_limit 1', '0e 01 01', '0e 01 02'],
    ['active_connection_id_limit 0', '0e 01 00', '0e 01 02'],
    ['initial_max_streams_bidi 2^60 + 1 (RFC 9000 §4.6)', '08 08 d000000000000001', '08 08 d000000000000000'],
    ['initial_max_streams_uni 2^60 + 1 (RFC 9000 §4.6)', '09 08 d000000000000001', '09 08 d000000000000000'],
    ['initial_max_streams_bidi 2^62 - 1 (RFC 9000 §4.6)', '08 08 ffffffffffffffff', '08 01 00'],
    ['initial_max_streams_uni 2^61 (RFC 9000 §4.6)', '09 08 e000000000000000', '09 01 00'],
  ];
  for (const [what, bad, good] of cases) {
    it(`RFC 9000 §18.2: ${what} is a CodecError, the nearest valid value decodes`, () => {
      expect(() => decodeHex(bad)).toThrow(/is invalid/);
      expect(() => decodeHex(good)).not.toThrow();
    });
  }

  it('RFC 9000 §4.6: initial_max_streams of exactly 2^60 is valid and saturates', () => {
    expect(decodeHex('08 08 d000000000000000')).toEqual({ initialMaxStreamsBidi: MAX_EXACT_VARINT });
  });

  it('RFC 9000 §18.2: the encoder refuses values the decoder would refuse', () => {
    const bad: TransportParameters[] = [
      { ackDelayExponent: 21 },
      { maxAckDelay: 2 ** 14 },
      { maxUdpPayloadSize: 1199 },
      { activeConnectionIdLimit: 1 },
      { maxIdleTimeout: -1 },
      { initialMaxData: 1.5 },
      { statelessResetToken: new Uint8Array(15) },
      { initialSourceConnectionId: new Uint8Array(21) },
      { versionInformation: { chosenVersion: 0, availableVersions: [] } },
      {
        preferredAddress: {
          ipv4Address: new Uint8Array(4),
          ipv4Port: 0,
          ipv6Address: new Uint8Array(16),
          ipv6Port: 0,
          connectionId: new Uint8Array(0),
          statelessResetToken: new Uint8Array(16),
        },
      },
    ];
    for (const p of bad) expect(() => encodeTransportParameters(Writer.alloc(128), p)).toThrow(CodecError);
  });
});

describe('RFC 9000 §18.1: reserved transport parameters', () => {
  it('RFC 9000 §18.1: greaseTransportParameter builds ID 31 * N + 27 with the given content', () => {
    const value = fromHex('0123456789');
    expect(greaseTransportParameter(0, value)).toEqual({ id: 27, value });
    expect(greaseTransportParameter(1, value).id).toBe(58);
    expect(greaseTransportParameter(2, value).id).toBe(89);
    expect(() => greaseTransportParameter(-1, value)).toThrow(CodecError);
    expect(() => greaseTransportParameter(2 ** 52, value)).toThrow(CodecError);
  });

  it('RFC 9000 §18.1: isReservedTransportParameterId recognises 27, 58, 89 and nothing in between', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (n) => {
        expect(isReservedTransportParameterId(31 * n + 27)).toBe(true);
        expect(isReservedTransportParameterId(31 * n + 28)).toBe(false);
      }),
    );
    expect(isReservedTransportParameterId(0)).toBe(false);
    expect(isReservedTransportParameterId(26)).toBe(false);
  });

  it('RFC 9000 §7.4.2: a decoder ignores (keeps as unknown) parameters it does not support, greasing ones included', () => {
    const grease = greaseTransportParameter(7, fromHex('deadbeef'));
    const bytes = encode({ maxAckDelay: 10, unknown: [grease, { id: 0xff04de1b, value: fromHex('4000') }] });
    expect(decode(bytes)).toEqual({ maxAckDelay: 10, unknown: [grease, { id: 0xff04de1b, value: fromHex('4000') }] });
  });
});

describe('RFC 9000 §18: fuzz target', () => {
  it('RFC 9000 §18: every fuzz seed is a valid encoding that the target accepts', () => {
    const seeds = fuzzTarget.seeds();
    expect(seeds.length).toBeGreaterThanOrEqual(10);
    expect(seeds.length).toBeLessThanOrEqual(50);
    for (const seed of seeds) {
      expect(() => decode(seed)).not.toThrow();
      expect(() => fuzzTarget.run(seed)).not.toThrow();
    }
  });

  it('RFC 9000 §18: on arbitrary bytes the target throws nothing but CodecError', () => {
    const seeds = fuzzTarget.seeds();
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 96 }), fc.constantFrom(...seeds).chain((s) => mutate(s))), (input) => {
        try {
          fuzzTarget.run(input);
        } catch (e) {
          expect(e).toBeInstanceOf(CodecError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

/** A seed with a few bytes overwritten, so that most of its structure survives. */
function mutate(seed: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }).map((edits) => {
    const out = seed.slice();
    for (const [at, byte] of edits) if (out.length > 0) out[at % out.length] = byte;
    return out;
  });
}
