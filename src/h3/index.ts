/**
 * HTTP/3 codecs (DESIGN §2, src/h3): QPACK (RFC 9204) with Huffman coding (RFC 7541 Appendix B),
 * HTTP/3 frames, stream types, SETTINGS and error codes (RFC 9114), and HTTP capsules (RFC 9297,
 * WebTransport capsules). Everything here is pure and sans-IO.
 */
export * from './errors.js';
export * from './huffman.js';
export * from './qpack-static-table.js';
export * from './qpack-integer.js';
export * from './qpack-dynamic-table.js';
export * from './qpack-field-lines.js';
export * from './qpack-instructions.js';
export * from './qpack-decoder.js';
export * from './qpack-encoder.js';
export * from './frames.js';
export * from './capsules.js';
export * from './message.js';
export * from './session-types.js';
export * from './session.js';
