/**
 * TLS alerts for QUIC (sans-IO).
 *
 * Implements:
 * - RFC 8446 §6: the AlertDescription registry (TLS 1.3 names and values).
 * - RFC 9001 §4.8: QUIC carries no TLS alert records; an alert becomes the transport error
 *   CRYPTO_ERROR 0x0100 + AlertDescription (see `cryptoErrorCode` in src/wire/errors.ts).
 *
 * `TlsAlert` is what every TLS codec and state machine throws on bad peer input. It is deliberately
 * not a `CodecError`: the TLS layer decides *which* alert a malformed message earns (RFC 8446 §6.2),
 * and the connection turns it into CONNECTION_CLOSE with `transportErrorCode`.
 */
import { CodecError } from '../util/errors.js';
import { cryptoErrorCode } from '../wire/errors.js';

/** RFC 8446 §6: `enum { ... } AlertDescription` (values 0..255). */
export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  missing_extension: 109,
  unsupported_extension: 110,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
} as const;

/** The RFC 8446 §6 name of an alert (`'decode_error'`, ...). */
export type AlertDescriptionName = keyof typeof AlertDescription;

/** One of the RFC 8446 §6 alert values. */
export type AlertDescriptionValue = (typeof AlertDescription)[AlertDescriptionName];

const ALERT_NAME_BY_CODE: ReadonlyMap<number, AlertDescriptionName> = new Map(
  (Object.keys(AlertDescription) as AlertDescriptionName[]).map((name) => [AlertDescription[name], name]),
);

/** The RFC 8446 §6 name of an alert value, or `'unknown(N)'` for an unregistered value. */
export function alertName(description: number): string {
  return ALERT_NAME_BY_CODE.get(description) ?? `unknown(${description})`;
}

/**
 * A TLS alert raised by the TLS layer: the handshake must be aborted with `description`
 * (RFC 8446 §6.2), which QUIC sends as CRYPTO_ERROR (RFC 9001 §4.8).
 */
export class TlsAlert extends Error {
  override readonly name = 'TlsAlert';
  /** The RFC 8446 §6 AlertDescription value. */
  readonly description: AlertDescriptionValue;
  /** Which rule was broken, for humans (logs, CONNECTION_CLOSE reason phrase). */
  readonly reason: string;

  /**
   * @param description the alert to send (by name).
   * @param reason which rule was broken.
   */
  constructor(description: AlertDescriptionName, reason: string) {
    super(`${description}: ${reason}`);
    this.description = AlertDescription[description];
    this.reason = reason;
  }

  /** The RFC 8446 §6 name of the alert. */
  get alertName(): AlertDescriptionName {
    return ALERT_NAME_BY_CODE.get(this.description)!;
  }

  /** RFC 9001 §4.8: the QUIC transport error code, 0x0100 + AlertDescription. */
  get transportErrorCode(): number {
    return cryptoErrorCode(this.description);
  }
}

/**
 * Runs a decoder and turns a `CodecError` (a truncated or over-long field found by the Reader)
 * into `TlsAlert('decode_error')`: RFC 8446 §6.2 "decode_error: A message could not be decoded
 * because some field was out of the specified range or the length of the message was incorrect."
 * A `TlsAlert` passes through unchanged.
 * @param what the structure being decoded, for the reason.
 */
export function decodeOrAlert<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof CodecError) throw new TlsAlert('decode_error', `${what}: ${e.message}`);
    throw e;
  }
}
