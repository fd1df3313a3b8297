/**
 * src/util: the bottom layer. Bounds-checked bytes, varints (RFC 9000 §16), time, injected
 * randomness and range sets. Pure: no I/O, clock or ambient randomness.
 */
export * from './errors.js';
export * from './varint.js';
export * from './bytes.js';
export * from './time.js';
export * from './random.js';
export * from './range-set.js';
