/**
 * The Node.js runtime (DESIGN §2 io/): the only impure folder below the public API. UDP sockets
 * over node:dgram, the driver loops for a server Endpoint and a client Connection, the clocks,
 * the entropy source, the default trust anchors and the key log file.
 */
export * from './clock.js';
export * from './entropy.js';
export * from './udp-socket.js';
export * from './key-log.js';
export * from './certificates.js';
export * from './driver-loop.js';
export * from './client-driver.js';
export * from './server-driver.js';
