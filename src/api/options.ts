/**
 * Options shared by `QuicServer` and `QuicClient` (DESIGN §7) and their translation into the
 * core's `ConnectionLimits` (RFC 9000 §18.2 transport parameters, RFC 9221 §3).
 */
import type { CongestionControlAlgorithm } from '../congestion/index.js';
import type { ConnectionLimits } from '../connection/types.js';
import { CipherSuite, type CipherSuiteId } from '../crypto/suites.js';
import type { DriverTrace } from '../io/driver-loop.js';
import { QuicError, QuicErrorCode } from './errors.js';

/** Default ALPN protocol. */
export const DEFAULT_ALPN = 'quic-multistream';

/** Transport settings of one side. */
export interface TransportOptions {
  /** ALPN protocols in preference order (default ['quic-multistream']). */
  readonly alpn?: readonly string[];
  /** Streams the peer may open: initial_max_streams_bidi / _uni (default 100 each). */
  readonly maxStreams?: { readonly bidi?: number; readonly uni?: number };
  /** max_idle_timeout in ms (default 30 000; 0 disables). */
  readonly idleTimeoutMs?: number;
  /**
   * Keep-alive (RFC 9000 §10.1.2): after the handshake, send a PING when nothing ack-eliciting was
   * sent for this many ms (and at least every half idle timeout). Default: none.
   */
  readonly keepAliveIntervalMs?: number;
  /** 'cubic' (default) or 'newreno'. */
  readonly congestionControl?: CongestionControlAlgorithm;
  /** Accept DATAGRAM frames (RFC 9221): true, or a max_datagram_frame_size (default off). */
  readonly datagrams?: boolean | { readonly maxSize: number };
  /** initial_max_data (bytes). */
  readonly initialMaxData?: number;
  /** initial_max_stream_data_* (bytes). */
  readonly initialMaxStreamData?: number;
  /** Append TLS secrets (NSS key log format) to this file: for Wireshark, never in production. */
  readonly keyLogFile?: string;
  /** Write one qlog file (JSON-SEQ, `<odcid-hex>_<role>.sqlog`) per connection into this folder. */
  readonly qlogDir?: string;
  /**
   * Kernel socket buffer sizes (SO_RCVBUF, SO_SNDBUF) in bytes. The receive buffer defaults to 7 MiB
   * (DEFAULT_RECV_BUFFER_SIZE), capped by the system (Linux: net.core.rmem_max); the send buffer to the system's.
   */
  readonly recvBufferSize?: number;
  readonly sendBufferSize?: number;
  /**
   * TLS cipher suites to offer (client) or accept (server), in preference order, e.g.
   * [CipherSuite.TLS_CHACHA20_POLY1305_SHA256] (0x1303) for the interop runner's chacha20 test.
   * Default: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 (RFC 9001 §5.3).
   */
  readonly cipherSuites?: readonly CipherSuiteId[];
  /** Observer of the driver's datagrams and core errors (a hook for qlog files and tests). */
  readonly trace?: DriverTrace;
  /** Upper bound of DPLPMTUD's search in bytes of UDP payload (RFC 9000 §14.3; default 1452; ≤ 1200 disables probing). */
  readonly maxDatagramSize?: number;
}

/** Default max_datagram_frame_size when `datagrams: true` (RFC 9221 §3). */
export const DEFAULT_MAX_DATAGRAM_FRAME_SIZE = 65_535;

function nonNegativeInt(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, `${name} must be a non-negative integer, got ${v}`);
}

/** Validates the options and returns the core limits. */
export function toConnectionLimits(o: TransportOptions): ConnectionLimits {
  nonNegativeInt('maxStreams.bidi', o.maxStreams?.bidi);
  nonNegativeInt('maxStreams.uni', o.maxStreams?.uni);
  nonNegativeInt('idleTimeoutMs', o.idleTimeoutMs);
  nonNegativeInt('initialMaxData', o.initialMaxData);
  nonNegativeInt('initialMaxStreamData', o.initialMaxStreamData);
  if (o.cipherSuites !== undefined) {
    const known = new Set<number>(Object.values(CipherSuite));
    if (o.cipherSuites.length === 0 || o.cipherSuites.some((c) => !known.has(c))) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, 'cipherSuites must list TLS 1.3 suites this stack implements (0x1301, 0x1302, 0x1303)');
  }
  nonNegativeInt('keepAliveIntervalMs', o.keepAliveIntervalMs);
  const alpn = o.alpn ?? [DEFAULT_ALPN];
  if (alpn.length === 0 || alpn.some((a) => a.length === 0 || a.length > 255)) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, 'alpn must list 1..255-byte protocol names');
  let maxDatagramFrameSize = 0;
  if (o.datagrams === true) maxDatagramFrameSize = DEFAULT_MAX_DATAGRAM_FRAME_SIZE;
  else if (typeof o.datagrams === 'object') {
    nonNegativeInt('datagrams.maxSize', o.datagrams.maxSize);
    maxDatagramFrameSize = o.datagrams.maxSize;
  }
  return {
    ...(o.maxStreams?.bidi === undefined ? {} : { initialMaxStreamsBidi: o.maxStreams.bidi }),
    ...(o.maxStreams?.uni === undefined ? {} : { initialMaxStreamsUni: o.maxStreams.uni }),
    ...(o.idleTimeoutMs === undefined ? {} : { maxIdleTimeoutMs: o.idleTimeoutMs }),
    ...(o.initialMaxData === undefined ? {} : { initialMaxData: o.initialMaxData }),
    ...(o.initialMaxStreamData === undefined ? {} : { initialMaxStreamData: o.initialMaxStreamData }),
    maxDatagramFrameSize,
    ...(o.maxDatagramSize === undefined ? {} : { maxDatagramSize: o.maxDatagramSize }),
    ...(o.keepAliveIntervalMs === undefined ? {} : { keepAliveIntervalMs: o.keepAliveIntervalMs }),
  };
}

/** Certificates given as PEM text, one DER blob, or a list of DER blobs (leaf first). */
export type CertificateInput = string | Uint8Array | readonly Uint8Array[];
