import { describe, it, expect } from 'vitest';
import { CodecError } from '../../../src/util/errors.js';
import { AlertDescription, TlsAlert, alertName, decodeOrAlert } from '../../../src/tls/alerts.js';

describe('RFC 8446 §6: alerts', () => {
  it('RFC 8446 §6: AlertDescription values', () => {
    expect(AlertDescription.close_notify).toBe(0);
    expect(AlertDescription.unexpected_message).toBe(10);
    expect(AlertDescription.illegal_parameter).toBe(47);
    expect(AlertDescription.decode_error).toBe(50);
    expect(AlertDescription.missing_extension).toBe(109);
    expect(AlertDescription.unsupported_extension).toBe(110);
    expect(AlertDescription.no_application_protocol).toBe(120);
    expect(alertName(50)).toBe('decode_error');
    expect(alertName(255)).toBe('unknown(255)');
  });

  it('RFC 9001 §4.8: a TlsAlert maps to CRYPTO_ERROR 0x0100 + AlertDescription', () => {
    const a = new TlsAlert('illegal_parameter', 'duplicate extension');
    expect(a.description).toBe(47);
    expect(a.alertName).toBe('illegal_parameter');
    expect(a.reason).toBe('duplicate extension');
    expect(a.transportErrorCode).toBe(0x12f);
    expect(new TlsAlert('no_application_protocol', 'x').transportErrorCode).toBe(0x178);
  });

  it('RFC 8446 §6.2: TlsAlert is not a CodecError, and decodeOrAlert turns a CodecError into decode_error', () => {
    expect(new TlsAlert('decode_error', 'x')).not.toBeInstanceOf(CodecError);
    let err: unknown;
    try {
      decodeOrAlert('thing', () => {
        throw new CodecError('truncated u16', 3);
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TlsAlert);
    expect((err as TlsAlert).alertName).toBe('decode_error');
    expect(() => decodeOrAlert('x', () => { throw new TlsAlert('illegal_parameter', 'y'); })).toThrow('illegal_parameter');
    expect(decodeOrAlert('x', () => 7)).toBe(7);
  });
});
