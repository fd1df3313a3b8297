/**
 * Fluent builders over the `QuicServer` / `QuicClient` options (DESIGN §7: "a builder like the
 * seed's `QuicServerBuilder.new().bind(…).withTlsConfig(…).withMaxConnections(…).build()` is
 * welcome on top"). Every method sets exactly one option (or a pair that belongs together) and
 * returns the builder; `options()` shows what was set, `build()` validates through the
 * constructor. Nothing here adds behaviour the options do not have.
 */
import { readFileSync } from 'node:fs';
import type { CongestionControlAlgorithm } from '../congestion/index.js';
import type { CryptoProvider } from '../crypto/provider.js';
import type { CipherSuiteId } from '../crypto/suites.js';
import type { AdmissionHook, RateLimits } from '../endpoint/admission.js';
import type { RetryPolicy } from '../endpoint/types.js';
import type { QuicVersion } from '../wire/version.js';
import { QuicClient, type ConnectTarget, type QuicClientOptions } from './client.js';
import type { QuicConnection } from './connection.js';
import { QuicError, QuicErrorCode } from './errors.js';
import type { CertificateInput, TransportOptions } from './options.js';
import { QuicServer, type QuicServerOptions, type ServerTlsOptions } from './server.js';

type Mutable<T> = { -readonly [K in keyof T]?: T[K] };

/** The transport options both builders share (TransportOptions, DESIGN §7). */
abstract class TransportBuilder<O extends TransportOptions> {
  protected readonly o: Mutable<O> = {};

  /** ALPN protocols in preference order (`alpn`). */
  withAlpn(...protocols: string[]): this {
    this.o.alpn = protocols;
    return this;
  }

  /** Streams the peer may open (`maxStreams`; `uni` defaults to `bidi`). */
  withMaxStreams(bidi: number, uni: number = bidi): this {
    this.o.maxStreams = { bidi, uni };
    return this;
  }

  /** max_idle_timeout in ms (`idleTimeoutMs`; 0 disables). */
  withIdleTimeout(ms: number): this {
    this.o.idleTimeoutMs = ms;
    return this;
  }

  /** PING after this many ms without sending (`keepAliveIntervalMs`, RFC 9000 §10.1.2). */
  withKeepAlive(ms: number): this {
    this.o.keepAliveIntervalMs = ms;
    return this;
  }

  /** 'cubic' or 'newreno' (`congestionControl`). */
  withCongestionControl(algorithm: CongestionControlAlgorithm): this {
    this.o.congestionControl = algorithm;
    return this;
  }

  /** Accept DATAGRAM frames (RFC 9221; `datagrams`): with a max frame size, or the default. */
  withDatagrams(maxSize?: number): this {
    this.o.datagrams = maxSize === undefined ? true : { maxSize };
    return this;
  }

  /** Connection and stream flow-control windows (`initialMaxData`, `initialMaxStreamData`). */
  withFlowControl(initialMaxData: number, initialMaxStreamData: number): this {
    this.o.initialMaxData = initialMaxData;
    this.o.initialMaxStreamData = initialMaxStreamData;
    return this;
  }

  /** TLS 1.3 cipher suites in preference order (`cipherSuites`). */
  withCipherSuites(...suites: CipherSuiteId[]): this {
    this.o.cipherSuites = suites;
    return this;
  }

  /** NSS key log file for Wireshark (`keyLogFile`; never in production). */
  withKeyLogFile(path: string): this {
    this.o.keyLogFile = path;
    return this;
  }

  /** Kernel socket buffer sizes (`recvBufferSize`, `sendBufferSize`). */
  withSocketBuffers(recvBufferSize: number, sendBufferSize: number = recvBufferSize): this {
    this.o.recvBufferSize = recvBufferSize;
    this.o.sendBufferSize = sendBufferSize;
    return this;
  }

  /** Upper bound of path MTU discovery (`maxDatagramSize`). */
  withMaxDatagramSize(bytes: number): this {
    this.o.maxDatagramSize = bytes;
    return this;
  }

  /** A copy of the options set so far. */
  options(): Readonly<Mutable<O>> {
    return { ...this.o };
  }
}

/** Builds a `QuicServer` (see `QuicServerOptions`). */
export class QuicServerBuilder extends TransportBuilder<QuicServerOptions> {
  /** A new builder (the seed's `QuicServerBuilder.new()`). */
  static new(): QuicServerBuilder {
    return new QuicServerBuilder();
  }

  /** Bind address and port (`host`, `port`; default '::' and any free port). */
  bind(host: string, port = 0): this {
    this.o.host = host;
    this.o.port = port;
    return this;
  }

  /** IPv6 only, no IPv4-mapped traffic (`ipv6Only`). */
  withIpv6Only(ipv6Only = true): this {
    this.o.ipv6Only = ipv6Only;
    return this;
  }

  /** The certificate settings as they are (`tls`). */
  withTls(tls: ServerTlsOptions): this {
    this.o.tls = tls;
    return this;
  }

  /** A certificate chain and key, PEM text or DER (`tls: { certificate, key }`). */
  withCertificate(certificate: CertificateInput, key: string | Uint8Array): this {
    return this.withTls({ certificate, key });
  }

  /** Reads a PEM certificate chain and key from files now (`tls: { certificate, key }`). */
  withCertificateFiles(certificatePath: string, keyPath: string): this {
    return this.withCertificate(readFileSync(certificatePath, 'utf8'), readFileSync(keyPath, 'utf8'));
  }

  /** A generated 14-day ECDSA P-256 certificate (`tls: { selfSigned: true, hostnames }`). Development only. */
  withSelfSignedCertificate(hostnames?: readonly string[]): this {
    return this.withTls(hostnames === undefined ? { selfSigned: true } : { selfSigned: true, hostnames });
  }

  /** Most connections at once (`maxConnections`). */
  withMaxConnections(n: number): this {
    this.o.maxConnections = n;
    return this;
  }

  /** Most handshakes in progress (`maxHandshakes`). */
  withMaxHandshakes(n: number): this {
    this.o.maxHandshakes = n;
    return this;
  }

  /** New-connection rate limits (`rateLimits`; `false` disables the defaults). */
  withRateLimits(limits: RateLimits | false): this {
    this.o.rateLimits = limits;
    return this;
  }

  /** The admission hook called at each client's first Initial (`admit`). */
  withAdmission(hook: AdmissionHook): this {
    this.o.admit = hook;
    return this;
  }

  /** The (sync or async) admission check after the handshake (`admitConnection`). */
  withConnectionAdmission(hook: NonNullable<QuicServerOptions['admitConnection']>): this {
    this.o.admitConnection = hook;
    return this;
  }

  /** Address validation with Retry (`retry`, and `retryThreshold` for 'under-load'). */
  withRetry(policy: RetryPolicy, threshold?: number): this {
    this.o.retry = policy;
    if (threshold !== undefined) this.o.retryThreshold = threshold;
    return this;
  }

  /** Handshaked connections waiting in `accept()` (`acceptBacklog`). */
  withAcceptBacklog(n: number): this {
    this.o.acceptBacklog = n;
    return this;
  }

  /** Versions to upgrade clients to (`preferredVersions`, RFC 9368). */
  withPreferredVersions(...versions: QuicVersion[]): this {
    this.o.preferredVersions = versions;
    return this;
  }

  /** Crypto provider (`provider`). */
  withProvider(provider: CryptoProvider): this {
    this.o.provider = provider;
    return this;
  }

  /**
   * The server (not yet listening: call `listen()`).
   * @throws QuicError ERR_QUIC_INVALID_ARGUMENT without TLS settings or with invalid options.
   */
  build(): QuicServer {
    const tls = this.o.tls;
    if (tls === undefined) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, 'QuicServerBuilder: set a certificate (withTls, withCertificate, withCertificateFiles or withSelfSignedCertificate)');
    return new QuicServer({ ...this.o, tls } as QuicServerOptions);
  }

  /** `build()` then `listen()`. */
  async listen(): Promise<QuicServer> {
    const server = this.build();
    await server.listen();
    return server;
  }
}

/** Builds a `QuicClient` (see `QuicClientOptions`). */
export class QuicClientBuilder extends TransportBuilder<QuicClientOptions> {
  /** A new builder. */
  static new(): QuicClientBuilder {
    return new QuicClientBuilder();
  }

  /** Local bind address (`localHost`). */
  bind(localHost: string): this {
    this.o.localHost = localHost;
    return this;
  }

  /** Trusted CA certificates, PEM text or DER (`ca`; added to those set before). */
  withCa(...certificates: (string | Uint8Array)[]): this {
    this.o.ca = [...(this.o.ca ?? []), ...certificates];
    return this;
  }

  /** Accept a server leaf whose SHA-256 is one of these (`serverCertificateHashes`; added to those set before). */
  withPinnedHash(...sha256: Uint8Array[]): this {
    this.o.serverCertificateHashes = [...(this.o.serverCertificateHashes ?? []), ...sha256];
    return this;
  }

  /** The name to send (SNI) and check (`serverName`). */
  withServerName(name: string): this {
    this.o.serverName = name;
    return this;
  }

  /** No server authentication at all (`dangerouslySkipVerification`). NEVER in production. */
  dangerouslySkipVerification(): this {
    this.o.dangerouslySkipVerification = true;
    return this;
  }

  /** QUIC version of the first Initial and the versions offered (`version`, `availableVersions`). */
  withVersion(version: QuicVersion, availableVersions?: readonly QuicVersion[]): this {
    this.o.version = version;
    if (availableVersions !== undefined) this.o.availableVersions = availableVersions;
    return this;
  }

  /** Crypto provider (`provider`). */
  withProvider(provider: CryptoProvider): this {
    this.o.provider = provider;
    return this;
  }

  /**
   * The client.
   * @throws QuicError ERR_QUIC_INVALID_ARGUMENT with invalid options.
   */
  build(): QuicClient {
    return new QuicClient({ ...this.o } as QuicClientOptions);
  }

  /** `build()` then `connect(target)`. */
  connect(target: ConnectTarget): Promise<QuicConnection> {
    return this.build().connect(target);
  }
}
