/**
 * src/streams: stream state machines (RFC 9000 §2, §3), flow control (RFC 9000 §4), stream
 * limits (RFC 9000 §4.6) and DATAGRAM queues (RFC 9221), each writing its own frames and taking
 * back plain-data recovery tokens (DESIGN §2).
 */
export * from './stream-id.js';
export * from './tokens.js';
export * from './flow-control.js';
export * from './send-stream.js';
export * from './recv-stream.js';
export * from './stream-limits.js';
export * from './datagram-queue.js';
export * from './streams.js';
