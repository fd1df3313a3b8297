/**
 * The API's bounded async queue: defined in src/api-common/async-queue.ts (shared with src/web),
 * re-exported here for the Node API.
 */
export { AsyncQueue } from '../api-common/async-queue.js';
