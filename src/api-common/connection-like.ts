/**
 * The one connection interface of DESIGN §7 ("The same `QuicConnection` interface is implemented
 * by a raw QUIC connection, by a WebTransport session accepted by our HTTP/3 server, and in the
 * browser by a thin wrapper over `new WebTransport(url, { serverCertificateHashes })`"), as types
 * only: the Node `QuicConnection` (src/api) and the browser `WebQuicConnection` (src/web) both
 * conform. Code written against these interfaces runs on either backend.
 *
 * `readable` / `writable` (WHATWG streams) exist on both backends' streams but are left out here:
 * Node's come from `node:stream/web`, the browser's are the DOM's, and the two declarations differ.
 * `stats()` is synchronous on Node and asynchronous in the browser (`WebTransport.getStats()` is a
 * promise, W3C WebTransport §6.12), so it is declared as either: `await conn.stats()` works on both.
 */
import type { CloseInfo, QuicError } from './errors.js';

/** Options of `openBiStream` / `openUniStream`. */
export interface OpenStreamOptionsLike {
  /** 0–255, higher first (default NORMAL 128; DESIGN §7 StreamPriority). */
  readonly priority?: number;
}

/** The sending half of a stream. */
export interface QuicSendStreamLike {
  readonly id: number;
  readonly priority: number;
  readonly bytesWritten: number;
  write(bytes: Uint8Array): Promise<void>;
  writeAll(bytes: Uint8Array): Promise<void>;
  finish(): void;
  reset(code: number): void;
  setPriority(priority: number): void;
}

/** The receiving half of a stream. */
export interface QuicRecvStreamLike {
  readonly id: number;
  readonly bytesRead: number;
  readChunk(max?: number): Promise<Uint8Array | null>;
  read(buf: Uint8Array): Promise<number | null>;
  readExact(n: number): Promise<Uint8Array>;
  readAll(limit?: number): Promise<Uint8Array>;
  stopSending(code: number): void;
}

/** Per-stream counters (DESIGN §7 StreamStats). */
export interface StreamStatsLike {
  readonly bytesWritten: number;
  readonly bytesRead: number;
}

/** A bidirectional stream: both halves and their methods. */
export interface QuicBiStreamLike<S extends QuicSendStreamLike = QuicSendStreamLike, R extends QuicRecvStreamLike = QuicRecvStreamLike> {
  readonly id: number;
  readonly send: S;
  readonly recv: R;
  split(): { send: S; recv: R };
  write(bytes: Uint8Array): Promise<void>;
  writeAll(bytes: Uint8Array): Promise<void>;
  finish(): void;
  reset(code: number): void;
  setPriority(priority: number): void;
  read(buf: Uint8Array): Promise<number | null>;
  readChunk(max?: number): Promise<Uint8Array | null>;
  readExact(n: number): Promise<Uint8Array>;
  readAll(limit?: number): Promise<Uint8Array>;
  stopSending(code: number): void;
  stats(): StreamStatsLike;
}

/** The connection counters both backends report (DESIGN §7 ConnectionStats, common subset). */
export interface ConnectionStatsLike {
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly packetsSent: number;
  readonly packetsReceived: number;
  readonly lostPackets: number;
  /** Smoothed RTT in microseconds. */
  readonly rtt: number;
  readonly streamsOpened: number;
  readonly streamsAccepted: number;
  readonly datagramsSent: number;
  readonly datagramsReceived: number;
  readonly datagramsDropped: number;
}

/** A connection (DESIGN §7 `QuicConnection`), whichever backend carries it. */
export interface QuicConnectionLike<
  Bi extends QuicBiStreamLike = QuicBiStreamLike,
  Send extends QuicSendStreamLike = QuicSendStreamLike,
  Recv extends QuicRecvStreamLike = QuicRecvStreamLike,
> {
  readonly id: string;
  readonly isClosed: boolean;
  /** Resolves (never rejects) with how the connection ended. */
  readonly closed: Promise<CloseInfo>;
  /** The close error, once closed. */
  readonly closeError: QuicError | undefined;
  readonly localAddress: string;
  readonly remoteAddress: string;
  /** Largest payload `sendDatagram` accepts now (0: none). */
  readonly maxDatagramSize: number;
  readonly incomingBiStreams: AsyncIterable<Bi>;
  readonly incomingUniStreams: AsyncIterable<Recv>;
  readonly incomingDatagrams: AsyncIterable<Uint8Array>;
  openBiStream(options?: OpenStreamOptionsLike): Promise<Bi>;
  openUniStream(options?: OpenStreamOptionsLike): Promise<Send>;
  acceptBiStream(): Promise<Bi>;
  acceptUniStream(): Promise<Recv>;
  sendDatagram(bytes: Uint8Array): void;
  recvDatagram(): Promise<Uint8Array>;
  stats(): ConnectionStatsLike | Promise<ConnectionStatsLike>;
  close(code?: number, reason?: string): Promise<CloseInfo>;
}
