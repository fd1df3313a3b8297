/**
 * quic-multistream/web: the public API of DESIGN §7 in the browser, over the browser's native
 * WebTransport. `connectWebTransport(url, { serverCertificateHashes })` gives a connection with
 * the same interface (`QuicConnectionLike`) as the Node `QuicConnection`; errors are the same
 * `QuicError` class with the same codes. Imports nothing from Node.
 */
export { connectWebTransport, WebQuicConnection, type WebConnectOptions, type WebTransportLike, type WebTransportConstructorLike, type WebTransportBidiLike, type WebTransportInit } from './connection.js';
export { WebBiStream, WebRecvStream, WebSendStream, DEFAULT_READ_ALL_LIMIT, type WebWritable } from './stream.js';
export {
  priorityToSendOrder,
  closeInfoFromWebTransport,
  closeInfoFromSessionError,
  streamErrorFrom,
  handshakeErrorFrom,
  statsFromWebTransport,
  toCertificateHash,
  checkCloseArguments,
  MAX_WEBTRANSPORT_CODE,
  MAX_CLOSE_REASON_BYTES,
  type WebConnectionStats,
  type CertificateHashInput,
  type WebTransportCloseInfoLike,
  type WebTransportErrorLike,
  type WebTransportStatsLike,
} from './mapping.js';
export { QuicError, QuicErrorCode, errorFromClose, type CloseInfo, type QuicErrorInit } from '../api-common/errors.js';
export { AsyncQueue } from '../api-common/async-queue.js';
export type { QuicConnectionLike, QuicBiStreamLike, QuicSendStreamLike, QuicRecvStreamLike, ConnectionStatsLike, StreamStatsLike, OpenStreamOptionsLike } from '../api-common/connection-like.js';
export { StreamPriority } from '../scheduler/priority.js';
