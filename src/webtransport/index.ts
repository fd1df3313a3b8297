/**
 * WebTransport over HTTP/3 (draft-ietf-webtrans-http3-16 and the draft-02 wire version Chromium
 * speaks), sans-IO (DESIGN §2, src/webtransport): version negotiation, the CONNECT decision, the
 * per-connection session table with bounded buffering, HTTP datagrams (RFC 9297 §2.1) and the
 * CONNECT stream's capsules. The I/O glue is src/api/webtransport.ts.
 */
export * from './constants.js';
export * from './negotiation.js';
export * from './session-table.js';
export * from './connect-stream.js';
