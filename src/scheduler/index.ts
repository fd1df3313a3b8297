/**
 * src/scheduler: what goes into the next packet after the connection's control frames — stream
 * data by priority, strict across levels and round-robin within one (DESIGN §2, §7).
 */
export * from './priority.js';
export * from './level-set.js';
export * from './stream-scheduler.js';
export * from './stream-manager-source.js';
