/**
 * quic-multistream: a QUIC stack written from scratch in TypeScript.
 *
 * Today this entry point exposes the foundation layers: bytes and varints (`util`), the wire
 * codecs (`wire`) and the crypto providers with QUIC packet protection (`crypto`). The node:crypto
 * provider lives at `quic-multistream/crypto/node` so that this entry stays browser-safe.
 * The Node.js API (QuicServer, QuicClient, connect; DESIGN §7) is `quic-multistream/node` (src/node.ts).
 */
export * from './util/index.js';
export * from './wire/index.js';
export * from './crypto/index.js';
