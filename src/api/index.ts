/**
 * The public API on Node.js (DESIGN §7): `QuicServer`, `QuicClient` / `connect`,
 * `QuicConnection`, streams, errors and stats, over the drivers of src/io.
 */
export { QuicServer, type QuicServerOptions, type ServerTlsOptions, type ServerStats, type ServerCertificateInfo } from './server.js';
export { QuicClient, connect, type QuicClientOptions, type ConnectTarget, type ClientStats } from './client.js';
export { QuicConnection, MAX_DATAGRAM_PAYLOAD, type QuicConnectionStats, type OpenStreamOptions } from './connection.js';
export { QuicBiStream, QuicRecvStream, QuicSendStream, StreamPriority, type StreamStats } from './stream.js';
export { QuicError, QuicErrorCode, errorFromClose, type CloseInfo, type QuicErrorInit } from './errors.js';
export { DEFAULT_ALPN, type TransportOptions, type CertificateInput } from './options.js';
export { AsyncQueue } from './async-queue.js';
export { HQ_ALPN, HqErrorCode, hqGet, hqDownload, hqFileName, serveHq, handleHqStream, parseHqRequest, type HqServeOptions, type HqDownloadOptions, type HqDownloadResult } from './hq-interop.js';
export { serveRawEcho, handleRawEchoStream, rawEcho, rawBulkUpload, ECHO_MODE, BULK_MODE } from './raw-echo.js';
