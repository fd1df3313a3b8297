/**
 * src/wire: stateless codecs for everything QUIC puts on the wire (RFC 9000 §12.4, §16–§20;
 * RFC 9221; RFC 9368; RFC 9369). Decoders throw `CodecError` and nothing else.
 */
export * from './version.js';
export * from './packet-type.js';
export * from './connection-id.js';
export * from './packet-number.js';
export * from './long-header.js';
export * from './short-header.js';
export * from './header.js';
export * from './retry-packet.js';
export * from './version-negotiation.js';
export * from './stateless-reset.js';
export * from './frames.js';
export * from './frame-permissions.js';
export * from './transport-parameters.js';
export * from './transport-parameter-defaults.js';
export * from './transport-parameters-validation.js';
export * from './preferred-address.js';
export * from './version-information.js';
export * from './errors.js';
