/**
 * quic-multistream on Node.js (`quic-multistream/node`): the public API of DESIGN §7 —
 * `QuicServer`, `QuicClient` / `connect`, `QuicConnection`, streams and errors — over node:dgram
 * (src/io). Kept apart from the root entry so that the root stays browser-safe.
 */
export * from './api/index.js';
export { nodeTrustAnchors, KeyLogFile, type DriverTrace } from './io/index.js';
