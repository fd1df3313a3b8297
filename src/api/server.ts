/**
 * `QuicServer` (DESIGN §7): an Endpoint (RFC 9000 §5.2) on a UDP socket, with TLS from a
 * certificate chain and key (PEM or DER) or a generated self-signed ECDSA P-256 certificate for
 * development (DESIGN §3). `await listen()`, then `accept()` or `for await (const conn of server)`.
 *
 * Connections reach `accept()` once their handshake completed, except with `enableEarlyData`: a
 * connection whose 0-RTT the server accepted is delivered as soon as the ClientHello was processed
 * (core event 'early_data_accepted'), so the application can answer the 0-RTT request in the
 * server's first flight (RFC 9001 §5.7) and the client gets it one round trip after connecting.
 */
import type { CongestionControlAlgorithm } from '../congestion/index.js';
import type { ServerConnectionOptions } from '../connection/types.js';
import { nodeCryptoProvider } from '../crypto/node-provider.js';
import type { CryptoProvider } from '../crypto/provider.js';
import type { ConnectionHandle, EndpointEvent, RetryPolicy } from '../endpoint/types.js';
import type { AdmissionDecision, AdmissionHook, AdmissionInfo, RateLimits, RefusalReasonName } from '../endpoint/admission.js';
import { delay, wallClockMs } from '../io/clock.js';
import { nodeRandom } from '../io/entropy.js';
import { KeyLogFile } from '../io/key-log.js';
import { qlogFiles } from '../io/qlog-file.js';
import { ServerDriver } from '../io/server-driver.js';
import { parseCertificatesPem, parsePrivateKeyPem } from '../tls/certificates/pem.js';
import type { QuicVersion } from '../wire/version.js';
import { generateSelfSignedCertificate } from '../tls/certificates/self-signed.js';
import type { CertifiedKey, TicketStore } from '../tls/session-types.js';
import { MemoryTicketStore } from '../tls/ticket-store.js';
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
  /** Address validation with Retry (RFC 9000 §8.1.2; default 'never'; 'under-load' from `retryThreshold` handshakes in progress). */
  readonly retry?: RetryPolicy;
  /** Handshakes in progress from which `retry: 'under-load'` sends Retry (default 64). */
  readonly retryThreshold?: number;
  /** Most handshakes in progress at once (default 1000); beyond, Initials are refused. */
  readonly maxHandshakes?: number;
  /**
   * New-connection limits (RFC 9000 §21.6; src/endpoint/admission.ts): token buckets per source IP
   * and in total, and a per-IP cap on live connections. Refused clients get CONNECTION_CLOSE with
   * CONNECTION_REFUSED. Fields left out take the defaults (DEFAULT_RATE_LIMITS); `false` disables all.
   */
  readonly rateLimits?: RateLimits | false;
  /**
   * Synchronous admission hook, called at each client's first Initial with its `remote` address
   * before any state is created; `{ accept: false, reason }` refuses with CONNECTION_REFUSED (or `code`).
   */
  readonly admit?: AdmissionHook;
  /**
   * Admission after the handshake (sync or async), with `remote` and the negotiated `alpn`, before
   * the connection reaches `accept()`; a refusal closes it with application error `code` (default
   * 0) and `reason`. (The client certificate is not surfaced by the core yet: `clientCertificate`
   * stays undefined.) With `enableEarlyData`, a connection whose 0-RTT was accepted is admitted
   * when it is accepted, before its handshake completes: `remote` and `alpn` are known then, and a
   * resumed session carries no client certificate (the server asks for one only in a full handshake).
   */
  readonly admitConnection?: (info: AdmissionInfo) => AdmissionDecision | Promise<AdmissionDecision>;
  /** Crypto provider (default node:crypto). */
  readonly provider?: CryptoProvider;
  /** Most handshaked connections waiting in `accept()` (default 1024; more are closed). */
  readonly acceptBacklog?: number;
  /**
   * Versions to upgrade clients to by compatible version negotiation, most preferred first
   * (RFC 9368 §2.3, RFC 9369 §4), e.g. [QUIC_V2, QUIC_V1]. Default: keep the client's version.
   */
  readonly preferredVersions?: readonly QuicVersion[];
  /**
   * Session tickets for resumption (RFC 9001 §4.5): `true` makes one MemoryTicketStore shared by
   * every connection of this server (sealing key and anti-replay set, RFC 8446 §8.1), or pass a
   * TicketStore. Default off.
   */
  readonly tickets?: boolean | TicketStore;
  /**
   * Accept 0-RTT from resumed clients (RFC 9001 §4.6.2; needs `tickets`). Default off. A
   * connection whose 0-RTT was accepted reaches `accept()` before its handshake completes, as soon
   * as the ClientHello was processed (`conn.isHandshakeComplete` false, `conn.handshake` pending,
   * `conn.alpn` set): its 0-RTT streams are readable at once and the server's writes leave in
   * 1-RTT packets right away (0.5-RTT data, RFC 9001 §5.7). If the handshake then fails, the
   * connection closes with the error (`handshake` rejects, `closed` resolves, streams fail).
   *
   * Replay (RFC 8446 §8, RFC 9001 §9.2): 0-RTT data is not protected against replay: an attacker
   * can send a captured 0-RTT flight again (the ticket store's anti-replay set, RFC 8446 §8.1,
   * limits this to one acceptance per ticket per store, not across servers or store restarts).
   * Act only on idempotent requests before `await conn.handshake`; the client is not proven live
   * (RFC 9001 §5.7) until then.
   */
  readonly enableEarlyData?: boolean;
  /**
   * RFC 9000 §9.6: addresses advertised in preferred_address ("a.b.c.d:port", "[v6]:port"); the
   * server binds one extra socket per address and clients may migrate there after the handshake.
   */
  readonly preferredAddress?: { readonly ipv4?: string; readonly ipv6?: string };
  /**
   * The local addresses bound for `preferredAddress`, per family, when they differ from the
   * advertised ones (a NAT, load balancer or relay in front of the preferred address forwards to
   * them). Default: bind the advertised addresses.
   */
  readonly preferredAddressBind?: { readonly ipv4?: string; readonly ipv6?: string };
}

/** Server counters (DESIGN §7 ServerStats). */
export interface ServerStats {
  readonly connections: number;
  readonly accepted: number;
  readonly droppedDatagrams: number;
  readonly coreErrors: number;
  /** New connections refused, by reason (admission.ts RefusalReason). */
  readonly refusals: Readonly<Record<RefusalReasonName, number>>;
  /** Refusals answered with CONNECTION_CLOSE (the others were dropped by the refusal rate limit). */
  readonly refusalsSent: number;
  /** Datagrams received on the preferred-address sockets (RFC 9000 §9.6), by address. */
  readonly preferredAddressDatagrams: Readonly<Record<string, number>>;
  /** Connections `admitConnection` refused (or that threw): after their handshake, or at 0-RTT acceptance with `enableEarlyData`. */
  readonly refusedAfterHandshake: number;
}

/** Default new-connection limits of a QuicServer: never in the way of normal clients. */
export const DEFAULT_RATE_LIMITS: Required<Omit<RateLimits, 'maxTrackedIps'>> = { perIpPerSecond: 100, globalPerSecond: 10_000, perIpConcurrent: 1000 };

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
  /** `delivered`: handed to admission / `accept()` (at 'early_data_accepted' or 'handshake_completed'). */
  private readonly conns = new Map<ConnectionHandle, { conn: QuicConnection; releaseResolve: () => void; delivered: boolean }>();
  private readonly backlog: AsyncQueue<QuicConnection>;
  private accepted = 0;
  private refusedAfterHandshake = 0;
  private closing = false;

  constructor(options: QuicServerOptions) {
    this.options = options;
    this.provider = options.provider ?? nodeCryptoProvider;
    this.backlog = new AsyncQueue(options.acceptBacklog ?? 1024);
    toConnectionLimits(options); // validate early
    for (const [k, v] of Object.entries(options.rateLimits || {})) {
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, `rateLimits.${k} must be a finite number ≥ 0, got ${String(v)}`);
    }
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
      ...(o.tickets === undefined || o.tickets === false ? {} : { tickets: o.tickets === true ? new MemoryTicketStore(this.provider, nodeRandom) : o.tickets }),
      ...(o.enableEarlyData === undefined ? {} : { enableEarlyData: o.enableEarlyData }),
      ...(o.preferredAddress === undefined ? {} : { preferredAddress: o.preferredAddress }),
    };
    const pa = o.preferredAddress;
    const preferredAddresses = [pa?.ipv4 && (o.preferredAddressBind?.ipv4 ?? pa.ipv4), pa?.ipv6 && (o.preferredAddressBind?.ipv6 ?? pa.ipv6)]
      .filter((a): a is string => a !== undefined && a !== '');
    this.driver = await ServerDriver.start({
      ...(preferredAddresses.length === 0 ? {} : { preferredAddresses }),
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
        ...(o.retryThreshold === undefined ? {} : { retryThreshold: o.retryThreshold }),
        ...(o.maxHandshakes === undefined ? {} : { maxHandshakes: o.maxHandshakes }),
        ...(o.rateLimits === false ? {} : { rateLimits: { ...DEFAULT_RATE_LIMITS, ...o.rateLimits } }),
        ...(o.admit === undefined ? {} : { admit: o.admit }),
      },
      ...(o.keyLogFile === undefined ? {} : { keyLog: new KeyLogFile(o.keyLogFile) }),
      ...(o.trace === undefined ? {} : { trace: o.trace }),
      onEvent: (ev) => this.onEvent(ev),
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
        const conn = new QuicConnection({ connection: core, wake: () => driver.wake(), localAddress: driver.localAddress, remoteAddress: ev.remote, released, role: 'server' });
        this.conns.set(ev.handle, { conn, releaseResolve, delivered: false });
        return;
      }
      case 'connection_event': {
        const entry = this.conns.get(ev.handle);
        if (entry === undefined) return;
        entry.conn.handleEvent(ev.event);
        const inner = ev.event;
        // The connection goes to the application once its handshake completed, or earlier once
        // its 0-RTT was accepted when the server opted into early data (RFC 9001 §4.6.2, §5.7).
        const ready = inner.type === 'handshake_completed' || (inner.type === 'early_data_accepted' && this.options.enableEarlyData === true);
        if (ready && !entry.delivered) {
          entry.delivered = true;
          if (this.closing) entry.conn.close(0, 'server closing').catch(() => undefined);
          else if (this.options.admitConnection !== undefined) this.admit(entry.conn, inner.alpn);
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

  /** Runs `admitConnection`; the connection goes to `accept()` or is closed. */
  private admit(conn: QuicConnection, alpn: string): void {
    const hook = this.options.admitConnection!;
    void (async () => hook({ remote: conn.remoteAddress, alpn }))().then(
      (d) => d,
      (e: unknown): AdmissionDecision => ({ accept: false, reason: `admission failed: ${e instanceof Error ? e.message : String(e)}` }),
    ).then((d) => {
      if (d.accept && !this.closing && !conn.isClosed) {
        this.accepted++;
        this.backlog.push(conn);
        return;
      }
      if (!d.accept) this.refusedAfterHandshake++;
      conn.close(d.accept ? 0 : (d.code ?? 0), d.accept ? 'server closing' : d.reason).catch(() => undefined);
    });
  }

  /**
   * The next connection whose handshake completed (with `enableEarlyData`, or whose 0-RTT was
   * accepted: check `conn.isHandshakeComplete`). Rejects once the server is closed.
   */
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
    const refusals = e?.refusals ?? { rate_limit_per_ip: 0, rate_limit_global: 0, per_ip_concurrent: 0, max_connections: 0, max_handshakes: 0, admission_hook: 0, invalid_token: 0 };
    return { connections: e?.connections ?? 0, accepted: this.accepted, droppedDatagrams: e?.droppedDatagrams ?? 0, coreErrors: this.driver?.coreErrors ?? 0, refusals, refusalsSent: e?.refusalsSent ?? 0, refusedAfterHandshake: this.refusedAfterHandshake, preferredAddressDatagrams: Object.fromEntries(this.driver?.preferredReceived ?? []) };
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
