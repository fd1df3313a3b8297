/**
 * The public API on Node.js (DESIGN §7): `QuicServer`, `QuicClient` / `connect`,
 * `QuicConnection`, streams, errors and stats, over the drivers of src/io.
 */
export { QuicServer, DEFAULT_RATE_LIMITS, type QuicServerOptions, type ServerTlsOptions, type ServerStats, type ServerCertificateInfo } from './server.js';
export { QuicServerBuilder, QuicClientBuilder } from './builders.js';
export { toNodeDuplex, toNodeReadable, toNodeWritable, type NodeStreamOptions } from './node-streams.js';
export { RefusalReason, type AdmissionHook, type AdmissionInfo, type AdmissionDecision, type RateLimits, type RefusalReasonName } from '../endpoint/admission.js';
export type { RetryPolicy } from '../endpoint/types.js';
export { QuicClient, connect, type QuicClientOptions, type ConnectTarget, type ClientStats } from './client.js';
export { QuicConnection, type QuicConnectionStats, type OpenStreamOptions, type HandshakeInfo } from './connection.js';
export { QuicBiStream, QuicRecvStream, QuicSendStream, StreamPriority, type StreamStats } from './stream.js';
export { QuicError, QuicErrorCode, errorFromClose, type CloseInfo, type QuicErrorInit } from './errors.js';
export { MemoryTicketStore } from '../tls/ticket-store.js';
export type { SessionTicket, TicketStore } from '../tls/session-types.js';
export { DEFAULT_ALPN, type TransportOptions, type CertificateInput } from './options.js';
export { AsyncQueue } from './async-queue.js';
export { HQ_ALPN, HqErrorCode, hqGet, hqDownload, hqFileName, serveHq, handleHqStream, parseHqRequest, type HqServeOptions, type HqDownloadOptions, type HqDownloadResult } from './hq-interop.js';
export { serveRawEcho, handleRawEchoStream, rawEcho, rawBulkUpload, ECHO_MODE, BULK_MODE } from './raw-echo.js';
export { H3ErrorCode, h3ErrorName } from '../h3/errors.js';
export { H3_ALPN, Http3Body, Http3Connection, http3Client, http3Fetch, http3Download, serveHttp3, type Http3Request, type Http3Response, type Http3ResponseInit, type Http3Handler, type Http3Headers, type Http3ServeOptions, type Http3FetchInit, type Http3BodyInit } from './http3.js';
export { WebTransportSession, WtBiStream, WtRecvStream, WtSendStream, connectWebTransport, serveWebTransport, webTransportServeOptions, type WebTransportServeOptions, type WebTransportConnectOptions, type WebTransportSessionInfo, type WebTransportSessionStats } from './webtransport.js';
export { WebTransportDraft } from '../webtransport/constants.js';
export { WebTransport, type WebTransportOptions, type WebTransportCloseInfo, type WebTransportHash, type WebTransportBidirectionalStream } from './webtransport-w3c.js';
