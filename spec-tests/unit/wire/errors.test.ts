import { describe, it, expect } from 'vitest';
import { CodecError } from '../../../src/util/errors.js';
import {
  CRYPTO_ERROR_BASE,
  CRYPTO_ERROR_LAST,
  TransportError,
  TransportErrorCode,
  alertOf,
  cryptoErrorCode,
  isCryptoError,
  transportErrorName,
} from '../../../src/wire/errors.js';

describe('RFC 9000 §20.1: transport error codes', () => {
  it('RFC 9000 §20.1: each code has the value the RFC lists', () => {
    expect(TransportErrorCode).toEqual({
      NO_ERROR: 0x00,
      INTERNAL_ERROR: 0x01,
      CONNECTION_REFUSED: 0x02,
      FLOW_CONTROL_ERROR: 0x03,
      STREAM_LIMIT_ERROR: 0x04,
      STREAM_STATE_ERROR: 0x05,
      FINAL_SIZE_ERROR: 0x06,
      FRAME_ENCODING_ERROR: 0x07,
      TRANSPORT_PARAMETER_ERROR: 0x08,
      CONNECTION_ID_LIMIT_ERROR: 0x09,
      PROTOCOL_VIOLATION: 0x0a,
      INVALID_TOKEN: 0x0b,
      APPLICATION_ERROR: 0x0c,
      CRYPTO_BUFFER_EXCEEDED: 0x0d,
      KEY_UPDATE_ERROR: 0x0e,
      AEAD_LIMIT_REACHED: 0x0f,
      NO_VIABLE_PATH: 0x10,
      VERSION_NEGOTIATION_ERROR: 0x11,
    });
  });

  it('RFC 9368 §10.2: VERSION_NEGOTIATION_ERROR is 0x11', () => {
    expect(TransportErrorCode.VERSION_NEGOTIATION_ERROR).toBe(0x11);
    expect(transportErrorName(0x11)).toBe('VERSION_NEGOTIATION_ERROR');
  });

  it('RFC 9000 §20.1: CRYPTO_ERROR is the range 0x0100-0x01ff', () => {
    expect(CRYPTO_ERROR_BASE).toBe(0x0100);
    expect(CRYPTO_ERROR_LAST).toBe(0x01ff);
    expect(isCryptoError(0xff)).toBe(false);
    expect(isCryptoError(0x100)).toBe(true);
    expect(isCryptoError(0x1ff)).toBe(true);
    expect(isCryptoError(0x200)).toBe(false);
    expect(isCryptoError(256.5)).toBe(false);
  });

  it('RFC 9001 §4.8: a TLS alert maps to 0x0100 + AlertDescription and back, for every alert', () => {
    for (let alert = 0; alert <= 0xff; alert++) {
      const code = cryptoErrorCode(alert);
      expect(code).toBe(0x100 + alert);
      expect(isCryptoError(code)).toBe(true);
      expect(alertOf(code)).toBe(alert);
    }
    // RFC 9001 §4.8: "handshake_failure (0x0128 in QUIC)"; §8.1: no_application_protocol is 0x0178;
    // §8.2: missing_extension is 0x016d.
    expect(cryptoErrorCode(40)).toBe(0x0128);
    expect(cryptoErrorCode(120)).toBe(0x0178);
    expect(cryptoErrorCode(109)).toBe(0x016d);
  });

  it('RFC 9001 §4.8: only 0..255 is an alert; other codes carry none', () => {
    expect(() => cryptoErrorCode(256)).toThrow(RangeError);
    expect(() => cryptoErrorCode(-1)).toThrow(RangeError);
    expect(() => cryptoErrorCode(1.5)).toThrow(RangeError);
    expect(alertOf(TransportErrorCode.PROTOCOL_VIOLATION)).toBeUndefined();
    expect(alertOf(0x200)).toBeUndefined();
  });

  it('RFC 9000 §20.1: transportErrorName names listed, crypto and unknown codes', () => {
    expect(transportErrorName(0x00)).toBe('NO_ERROR');
    expect(transportErrorName(0x0a)).toBe('PROTOCOL_VIOLATION');
    expect(transportErrorName(0x10)).toBe('NO_VIABLE_PATH');
    expect(transportErrorName(0x178)).toBe('CRYPTO_ERROR(0x178)');
    expect(transportErrorName(0x12)).toBe('UNKNOWN(0x12)');
    expect(transportErrorName(0x3a4b)).toBe('UNKNOWN(0x3a4b)');
  });
});

describe('RFC 9000 §11.1: TransportError', () => {
  it('RFC 9000 §19.19: carries code, frame type and reason for CONNECTION_CLOSE', () => {
    const e = new TransportError(TransportErrorCode.FRAME_ENCODING_ERROR, 0x02, 'ACK range underflow');
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(TransportError);
    expect(e.name).toBe('TransportError');
    expect(e.code).toBe(0x07);
    expect(e.frameType).toBe(0x02);
    expect(e.reason).toBe('ACK range underflow');
    expect(e.message).toBe('FRAME_ENCODING_ERROR (frame type 0x2): ACK range underflow');
  });

  it('RFC 9000 §19.19: the frame type may be unknown; the cause is kept', () => {
    const cause = new CodecError('truncated varint', 3);
    const e = new TransportError(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, undefined, 'bad', { cause });
    expect(e.frameType).toBeUndefined();
    expect(e.cause).toBe(cause);
    expect(e.message).toBe('TRANSPORT_PARAMETER_ERROR: bad');
    expect(new TransportError(cryptoErrorCode(40), undefined, '').message).toBe('CRYPTO_ERROR(0x128): ');
  });
});
