/**
 * src/recovery: RFC 9002 loss recovery (RTT estimator, sent-packet tracking, loss detection, PTO,
 * persistent congestion) and RFC 9000 §13.2 ACK generation. Pure (DESIGN §1): no clock, no timers.
 */
export * from './rtt-estimator.js';
export * from './ack-tracker.js';
export * from './sent-packet.js';
export * from './persistent-congestion.js';
export * from './ecn-validation.js';
export * from './loss-detection.js';
