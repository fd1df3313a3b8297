/**
 * Key-log lines in the NSS SSLKEYLOGFILE format for TLS 1.3 secrets
 * (https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/index.html,
 * draft-ietf-tls-keylogfile): `<label> <client_random hex> <secret hex>`, one line per secret.
 *
 * Pure: builds the string; writing it to a file is src/io's job. Secrets belong only in a key log
 * the user asked for explicitly.
 */
import { toHex } from '../util/bytes.js';

/** The TLS 1.3 labels of the NSS key log format, in the order a handshake produces them. */
export const KEY_LOG_LABELS = [
  'CLIENT_EARLY_TRAFFIC_SECRET',
  'EARLY_EXPORTER_SECRET',
  'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  'CLIENT_TRAFFIC_SECRET_0',
  'SERVER_TRAFFIC_SECRET_0',
  'EXPORTER_SECRET',
] as const;

/** One TLS 1.3 key-log label. */
export type KeyLogLabel = (typeof KEY_LOG_LABELS)[number];

/** Length of ClientHello.random (RFC 8446 §4.1.2), which identifies the connection in the log. */
export const CLIENT_RANDOM_LENGTH = 32;

/**
 * One key-log line, without a trailing newline: `${label} ${hex(clientRandom)} ${hex(secret)}`,
 * hex in lower case.
 * @throws RangeError if `clientRandom` is not 32 bytes (a programming error).
 */
export function keyLogLine(label: KeyLogLabel, clientRandom: Uint8Array, secret: Uint8Array): string {
  if (clientRandom.length !== CLIENT_RANDOM_LENGTH) {
    throw new RangeError(`client random must be ${CLIENT_RANDOM_LENGTH} bytes, got ${clientRandom.length}`);
  }
  return `${label} ${toHex(clientRandom)} ${toHex(secret)}`;
}
