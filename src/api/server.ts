/**
 * `QuicServer` (DESIGN §7): an Endpoint (RFC 9000 §5.2) on a UDP socket, with TLS from a
 * certificate chain and key (PEM or DER) or a generated self-signed ECDSA P-256 certificate for
 * development (DESIGN §3). `await listen()`, then `accept()` or `for await (const conn of server)`.
 */
import type { CongestionControlAlgorithm } from '../congestion/index.js';
import type { ServerConnectionOptions } from '../connection/types.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import type { CryptoProvider } from '../crypto/provider.js';
import type { ConnectionHandle, EndpointEvent, RetryPolicy } from '../endpoint/types.js';
import { delay, wallClockMs } from '../io/clock.js';
import { nodeRandom } from '../io/entropy.js';
import { KeyLogFile } from '../io/key-log.js';
import { qlogFiles } from '../io/qlog-file.js';
import { ServerDriver } from '../io/server-driver.js';
import { parseCertificatesPem, parsePrivateKeyPem } from '../tls/certificates/pem.js';
import type { QuicVersion } from '../wire/version.js';
import { generateSelfSignedCertificate } from '../tls/certificates/self-signed.js';
import type { CertifiedKey } from '../tls/session-types.js';
import { AsyncQueue } from './async-queue.js';
import { QuicConnection } from './connection.js';
import { QuicError, QuicErrorCode } from './errors.js';
import { toConnectionLimits, type CertificateInput, type TransportOptions, DEFAULT_ALPN } from './options.js';

/** The server's certificate. */
export type ServerTlsOptions =
  | { readonly certificate: CertificateInput; readonly key: string | Uint8Array }
  /** Generate a 14-day ECDSA P-256 certificate for `hostnames` (default localhost, 127.0.0.1, ::1). Development only. */
  | { readonly selfSigned: true; readonly hostnames?: readonly string[] };

/** `QuicServer` options. */
export interface QuicServerOptions extends TransportOptions {
  /** Bind address (default '::', dual-stack). */
  readonly host?: string;
  /** Port (default 0: any free port). */
  readonly port?: number;
  /** For IPv6 binds: no IPv4-mapped traffic. */
  readonly ipv6Only?: boolean;
  readonly tls: ServerTlsOptions;
  /** Most connections at once (default 10 000). */
  readonly maxConnections?: number;
  /** Address validation with Retry (RFC 9000 §8.1.2; default 'never'). */
  readonly retry?: RetryPolicy;
  /** Crypto provider (default node:crypto). */
  readonly provider?: CryptoProvider;
  /** Most handshaked connections waiting in `accept()` (default 1024; more are closed). */
  readonly acceptBacklog?: number;
  /**
   * Versions to upgrade clients to by compatible version negotiation, most preferred first
   * (RFC 9368 §2.3, RFC 9369 §4), e.g. [QUIC_V2, QUIC_V1]. Default: keep the client's version.
   */
  readonly preferredVersions?: readonly QuicVersion[];
}

/** Server counters (DESIGN §7 ServerStats). */
export interface ServerStats {
  readonly connections: number;
  readonly accepted: number;
  readonly droppedDatagrams: number;
  readonly coreErrors: number;
}

/** What the server presents, for clients that pin it. */
export interface ServerCertificateInfo {
  /** DER certificates, leaf first. */
  readonly chain: readonly Uint8Array[];
  /** SHA-256 of the leaf (for `serverCertificateHashes`), when generated here. */
  readonly sha256: Uint8Array | undefined;
}

/** A QUIC server. */
export class QuicServer {
  private readonly options: QuicServerOptions;
  private readonly provider: CryptoProvider;
  private driver: ServerDriver | undefined;
  private cert: ServerCertificateInfo | undefined;
  private readonly conns = new Map<ConnectionHandle, { conn: QuicConnection; releaseResolve: () => void; handshook: boolean }>();
  private readonly backlog: AsyncQueue<QuicConnection>;
  private accepted = 0;
  private closing = false;

  constructor(options: QuicServerOptions) {
    this.options = options;
    this.provider = options.provider ?? nodeCryptoProvider;
    this.backlog = new AsyncQueue(options.acceptBacklog ?? 1024);
    toConnectionLimits(options); // validate early
  }

  /** Binds the socket and starts serving. */
  async listen(): Promise<void> {
    if (this.driver !== undefined) throw new QuicError(QuicErrorCode.INVALID_STATE, 'already listening');
    const certificate = this.loadCertificate();
    const o = this.options;
    const server: ServerConnectionOptions = {
      provider: this.provider, random: nodeRandom, wallClockMs, alpnProtocols: o.alpn ?? [DEFAULT_ALPN], certificate,
      limits: toConnectionLimits(o),
      ...(o.qlogDir === undefined ? {} : { qlog: qlogFiles(o.qlogDir) }),
      ...(o.preferredVersions === undefined ? {} : { preferredVersions: o.preferredVersions }),
      ...(o.cipherSuites === undefined ? {} : { cipherSuites: o.cipherSuites }),
      ...(o.congestionControl === undefined ? {} : { congestionControl: o.congestionControl as CongestionControlAlgorithm }),
    };
    this.driver = await ServerDriver.start({
      socket: {
        host: o.host ?? '::', port: o.port ?? 0,
        ...(o.ipv6Only === undefined ? {} : { ipv6Only: o.ipv6Only }),
        ...(o.recvBufferSize === undefined ? {} : { recvBufferSize: o.recvBufferSize }),
        ...(o.sendBufferSize === undefined ? {} : { sendBufferSize: o.sendBufferSize }),
      },
      endpoint: {
        provider: this.provider, random: nodeRandom, server,
        ...(o.maxConnections === undefined ? {} : { maxConnections: o.maxConnections }),
        ...(o.retry === undefined ? {} : { retry: o.retry }),
      },
      ...(o.keyLogFile === undefined ? {} : { keyLog: new KeyLogFile(o.keyLogFile) }),
      ...(o.trace === undefined ? {} : { trace: o.trace }),
      onEvent: (ev) => this.onEvent(ev),
      afterFlush: () => {
        for (const c of this.conns.values()) c.conn.poke();
      },
    });
  }

  private loadCertificate(): CertifiedKey {
    const tls = this.options.tls;
    if ('selfSigned' in tls) {
      const names = tls.hostnames ?? ['localhost', '127.0.0.1', '::1'];
      const isIp = (n: string): boolean => /^[0-9.]+$/.test(n) || n.includes(':');
      const g = generateSelfSignedCertificate({
        commonName: names[0] ?? 'localhost', dnsNames: names.filter((n) => !isIp(n)), ipAddresses: names.filter(isIp), nowMs: wallClockMs(), random: nodeRandom,
      });
      this.cert = { chain: [g.certificateDer], sha256: g.sha256 };
      return { chain: [g.certificateDer], key: this.provider.importSigningKey(g.privateKeyPkcs8) };
    }
    const chain = typeof tls.certificate === 'string' ? parseCertificatesPem(tls.certificate) : tls.certificate instanceof Uint8Array ? [tls.certificate] : [...tls.certificate];
    if (chain.length === 0) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, 'tls.certificate holds no certificate');
    const keyDer = typeof tls.key === 'string' ? parsePrivateKeyPem(tls.key) : tls.key;
    this.cert = { chain, sha256: undefined };
    return { chain, key: this.provider.importSigningKey(keyDer) };
  }

  /** The certificate the server presents (after `listen`). */
  get certificate(): ServerCertificateInfo {
    if (this.cert === undefined) throw new QuicError(QuicErrorCode.INVALID_STATE, 'not listening');
    return this.cert;
  }

  /** The bound address: host, port and the address string. */
  get address(): { host: string; port: number; address: string } {
    if (this.driver === undefined) throw new QuicError(QuicErrorCode.INVALID_STATE, 'not listening');
    const s = this.driver.socket;
    const a = s.localAddress;
    return { host: a.startsWith('[') ? a.slice(1, a.lastIndexOf(']')) : a.slice(0, a.lastIndexOf(':')), port: s.port, address: a };
  }

  private onEvent(ev: EndpointEvent): void {
    const driver = this.driver!;
    switch (ev.type) {
      case 'new_connection': {
        const core = driver.endpoint.connection(ev.handle);
        if (core === undefined) return;
        let releaseResolve!: () => void;
        const released = new Promise<void>((r) => {
          releaseResolve = r;
        });
        const conn = new QuicConnection({ connection: core, wake: () => driver.wake(), localAddress: driver.localAddress, remoteAddress: ev.remote, released });
        this.conns.set(ev.handle, { conn, releaseResolve, handshook: false });
        return;
      }
      case 'connection_event': {
        const entry = this.conns.get(ev.handle);
        if (entry === undefined) return;
        entry.conn.handleEvent(ev.event);
        if (ev.event.type === 'handshake_completed' && !entry.handshook) {
          entry.handshook = true;
          if (this.closing) entry.conn.close(0, 'server closing').catch(() => undefined);
          else {
            this.accepted++;
            this.backlog.push(entry.conn);
          }
        }
        return;
      }
      case 'connection_removed': {
        const entry = this.conns.get(ev.handle);
        this.conns.delete(ev.handle);
        entry?.releaseResolve();
        return;
      }
      default:
        return;
    }
  }

  /** The next connection whose handshake completed. Rejects once the server is closed. */
  accept(): Promise<QuicConnection> {
    if (this.driver === undefined) return Promise.reject(new QuicError(QuicErrorCode.INVALID_STATE, 'not listening'));
    return this.backlog.shift();
  }

  /** Iterates over accepted connections until the server closes. */
  [Symbol.asyncIterator](): AsyncIterator<QuicConnection> {
    return this.backlog[Symbol.asyncIterator]();
  }

  /** Counters. */
  stats(): ServerStats {
    const e = this.driver?.endpoint.stats();
    return { connections: e?.connections ?? 0, accepted: this.accepted, droppedDatagrams: e?.droppedDatagrams ?? 0, coreErrors: this.driver?.coreErrors ?? 0 };
  }

  /**
   * Closes every connection (application code `code`), waits up to `graceMs` for them to finish
   * their closing period (RFC 9000 §10.2), then closes the socket.
   */
  async close(code = 0, reason = 'server closing', graceMs = 2000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.backlog.close(new QuicError(QuicErrorCode.INVALID_STATE, 'server closed'));
    const driver = this.driver;
    if (driver === undefined) return;
    const all = [...this.conns.values()].map((c) => c.conn.close(code, reason).catch(() => undefined));
    const grace = delay(graceMs);
    await Promise.race([Promise.all(all), grace.promise]);
    grace.cancel();
    await driver.stop();
  }
}
