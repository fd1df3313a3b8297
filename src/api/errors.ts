/**
 * Public errors (DESIGN §5): the pure definitions live in src/api-common/errors.ts, shared with the
 * browser build (src/web); this module re-exports them for the Node API.
 */
export { QuicError, QuicErrorCode, errorFromClose, type CloseInfo, type QuicErrorInit, type QuicErrorInitiator } from '../api-common/errors.js';
