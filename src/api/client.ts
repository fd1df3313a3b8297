/**
 * `QuicClient` and `connect()` (DESIGN §7): one connection per call, each on its own UDP socket.
 * Server authentication (DESIGN §3) is on by default: a chain to the given CAs (or Node's bundled
 * roots) with the name checked, or SHA-256 pinning (`serverCertificateHashes`, the WebTransport
 * rule). Skipping it takes the loudly named `dangerouslySkipVerification: true`.
 */
import type { CongestionControlAlgorithm } from '../congestion/index.js';
import type { ServerVerification, SessionTicket } from '../tls/session-types.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { nodeTrustAnchors } from '../io/certificates.js';
import { ClientDriver } from '../io/client-driver.js';
import { wallClockMs } from '../io/clock.js';
import { nodeRandom } from '../io/entropy.js';
import { KeyLogFile } from '../io/key-log.js';
import { qlogFiles } from '../io/qlog-file.js';
import { formatAddress, resolveHost } from '../io/udp-socket.js';
import { parseCertificatesPem } from '../tls/certificates/pem.js';
import type { QuicVersion } from '../wire/version.js';
import { QuicConnection } from './connection.js';
import { QuicError, QuicErrorCode } from './errors.js';
import { DEFAULT_ALPN, toConnectionLimits, type TransportOptions } from './options.js';

/** Where to connect: a URL ("quic://host:port", "https://host:port") or host and port. */
export type ConnectTarget = string | { readonly host: string; readonly port: number };

/** Client options. */
export interface QuicClientOptions extends TransportOptions {
  /** Trusted CA certificates (PEM text or DER); default Node's bundled roots. */
  readonly ca?: readonly (string | Uint8Array)[];
  /** The name to send and check (default: the target host). */
  readonly serverName?: string;
  /** Accept exactly a leaf whose SHA-256 is listed (W3C WebTransport rule: ECDSA P-256, ≤ 14 days). */
  readonly serverCertificateHashes?: readonly Uint8Array[];
  /** No server authentication at all. NEVER in production. */
  readonly dangerouslySkipVerification?: boolean;
  /** Crypto provider (default node:crypto). */
  readonly provider?: CryptoProvider;
  /** Local bind address (default the wildcard of the target's family). */
  readonly localHost?: string;
  /** QUIC version of the first Initial (default v1; RFC 9369 v2 is QUIC_V2). */
  readonly version?: QuicVersion;
  /**
   * Versions offered for compatible version negotiation, most preferred first (RFC 9368 §3;
   * default: the starting version, then the other of v1/v2).
   */
  readonly availableVersions?: readonly QuicVersion[];
  /** A ticket from an earlier connection (`conn.sessionTicket`) to resume the session (RFC 9001 §4.5). */
  readonly sessionTicket?: SessionTicket;
  /**
   * With `sessionTicket` allowing it: send 0-RTT (RFC 9001 §4.6.1). `connect` then resolves before
   * the handshake completes so that streams opened at once carry early data; `conn.handshake`
   * tells whether it was accepted. On rejection those streams fail with ERR_QUIC_0RTT_REJECTED:
   * open them again after `await conn.handshake`.
   */
  readonly enableEarlyData?: boolean;
  /** An address validation token from an earlier connection's NEW_TOKEN (`conn.newToken`; RFC 9000 §8.1.3). */
  readonly token?: Uint8Array;
  /** Migrate to the server's preferred address when it offers one (RFC 9000 §9.6.2; default true). */
  readonly followPreferredAddress?: boolean;
}

/** Client counters (DESIGN §7 ClientStats). */
export interface ClientStats {
  readonly connectionsStarted: number;
  readonly connectionsEstablished: number;
}

function parseTarget(target: ConnectTarget): { host: string; port: number } {
  if (typeof target !== 'string') return target;
  let url: URL;
  try {
    url = new URL(target.includes('://') ? target : `quic://${target}`);
  } catch {
    throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, `bad target ${target}`);
  }
  const port = url.port === '' ? 443 : Number(url.port);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port };
}

function verification(o: QuicClientOptions): ServerVerification {
  if (o.dangerouslySkipVerification === true) return { mode: 'DANGEROUS_SKIP_VERIFICATION' };
  if (o.serverCertificateHashes !== undefined && o.serverCertificateHashes.length > 0) return { mode: 'pinned', sha256: o.serverCertificateHashes };
  const anchors = o.ca === undefined ? nodeTrustAnchors() : o.ca.flatMap((c) => (typeof c === 'string' ? parseCertificatesPem(c) : [c]));
  return { mode: 'chain', trustAnchors: anchors };
}

/** Makes client connections with shared options. */
export class QuicClient {
  private readonly options: QuicClientOptions;
  private counters = { connectionsStarted: 0, connectionsEstablished: 0 };

  constructor(options: QuicClientOptions = {}) {
    this.options = options;
    toConnectionLimits(options);
  }

  /**
   * Connects and completes the handshake (with `enableEarlyData` and a ticket allowing 0-RTT:
   * resolves at once, before the handshake; see `QuicConnection.handshake`).
   * @throws QuicError ERR_QUIC_IDLE_TIMEOUT (no answer within the idle timeout),
   * ERR_QUIC_HANDSHAKE, ERR_QUIC_CERTIFICATE, ERR_QUIC_INVALID_ARGUMENT.
   */
  async connect(target: ConnectTarget, overrides: QuicClientOptions = {}): Promise<QuicConnection> {
    const o = { ...this.options, ...overrides };
    const { host, port } = parseTarget(target);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, `bad port ${port}`);
    const limits = toConnectionLimits(o);
    const resolved = await resolveHost(host);
    const remote = formatAddress(resolved.address, port);
    const provider = o.provider ?? nodeCryptoProvider;
    let conn: QuicConnection | undefined;
    let resolveReleased!: () => void;
    const released = new Promise<void>((r) => {
      resolveReleased = r;
    });
    this.counters.connectionsStarted++;
    const driver = await ClientDriver.start({
      remote,
      socket: {
        ...(o.localHost === undefined ? {} : { host: o.localHost }),
        ...(o.recvBufferSize === undefined ? {} : { recvBufferSize: o.recvBufferSize }),
        ...(o.sendBufferSize === undefined ? {} : { sendBufferSize: o.sendBufferSize }),
      },
      connection: {
        provider, random: nodeRandom, wallClockMs, alpnProtocols: o.alpn ?? [DEFAULT_ALPN], limits,
        serverName: o.serverName ?? host, verification: verification(o),
        ...(o.qlogDir === undefined ? {} : { qlog: qlogFiles(o.qlogDir) }),
        ...(o.version === undefined ? {} : { version: o.version }),
        ...(o.availableVersions === undefined ? {} : { availableVersions: o.availableVersions }),
        ...(o.cipherSuites === undefined ? {} : { cipherSuites: o.cipherSuites }),
        ...(o.congestionControl === undefined ? {} : { congestionControl: o.congestionControl as CongestionControlAlgorithm }),
        ...(o.sessionTicket === undefined ? {} : { sessionTicket: o.sessionTicket }),
        ...(o.enableEarlyData === undefined ? {} : { enableEarlyData: o.enableEarlyData }),
        ...(o.token === undefined ? {} : { token: o.token }),
      },
      ...(o.followPreferredAddress === undefined ? {} : { followPreferredAddress: o.followPreferredAddress }),
      ...(o.keyLogFile === undefined ? {} : { keyLog: new KeyLogFile(o.keyLogFile) }),
      ...(o.trace === undefined ? {} : { trace: o.trace }),
      onEvent: (ev) => conn?.handleEvent(ev),
    });
    void driver.finished.then(resolveReleased);
    conn = new QuicConnection({
      connection: driver.connection, wake: () => driver.wake(), localAddress: driver.localAddress, remoteAddress: remote, released,
      role: 'client', migrate: (to) => driver.migrate(to),
    });
    const established = conn.handshake.then(() => void this.counters.connectionsEstablished++);
    // RFC 9001 §4.6.1: 0-RTT needs a ticket whose max_early_data_size is not 0.
    if (o.enableEarlyData === true && o.sessionTicket !== undefined && o.sessionTicket.maxEarlyData > 0) {
      established.catch(() => undefined);
      return conn;
    }
    try {
      await established;
    } catch (e) {
      await released;
      throw e;
    }
    return conn;
  }

  /** Counters. */
  stats(): ClientStats {
    return { ...this.counters };
  }
}

/** Connects with one-off options (see `QuicClient.connect`). */
export function connect(target: ConnectTarget, options: QuicClientOptions = {}): Promise<QuicConnection> {
  return new QuicClient(options).connect(target);
}
