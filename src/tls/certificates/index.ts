/**
 * Certificates for TLS 1.3 (RFC 8446 §4.4.2): PEM, X.509 parsing, name checks (RFC 6125),
 * chain validation, WebTransport hash pinning and development certificates (DESIGN §3).
 */
export * from './errors.js';
export * from './pem.js';
export * from './parse.js';
export * from './names.js';
export * from './verify-chain.js';
export * from './pinning.js';
export * from './self-signed.js';
export { dateFromEpochMs } from './wall-clock.js';
