/** qlog: event types, the observer interface and JSON-SEQ serialization (no file I/O). */
export * from './events.js';
export * from './observer.js';
export * from './serialize.js';
