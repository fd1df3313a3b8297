/**
 * src/crypto: the CryptoProvider interface and the pure providers, plus QUIC packet protection
 * on top of any provider (RFC 9001 §5, §6; RFC 9369 §3.3).
 *
 * The node:crypto provider is NOT re-exported here, so this entry point stays free of `node:`
 * imports and runs in browsers; import it from './node-provider.js' (package export
 * `quic-multistream/crypto/node`).
 */
export * from './provider.js';
export { nobleCryptoProvider } from './noble-provider.js';
export * from './null-provider.js';
export * from './suites.js';
export * from './hkdf-label.js';
export * from './initial-secrets.js';
export * from './packet-protection.js';
export * from './key-update.js';
export * from './retry-integrity.js';
