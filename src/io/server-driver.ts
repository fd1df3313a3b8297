/**
 * The server driver (DESIGN §2 io/): an `Endpoint` (RFC 9000 §5.2 routing, §6, §8.1.2, §10.3) on
 * one UDP socket. Every datagram goes to `Endpoint.handleDatagram` with the sender's address
 * string; the send loop drains `pollTransmit` into a reused buffer; `key_log` lines go to the key
 * log file and `verify_certificate` events (client certificates) are answered asynchronously.
 *
 * Preferred addresses (RFC 9000 §9.6; INTEROP-RUNNER §7: "extra sockets bound to the preferred
 * address(es)", since Node cannot tell which local address a wildcard socket received on): one
 * extra socket per address, named by the address string as the `local` of its datagrams; the main
 * socket is `local` ''. A Transmit leaves from the socket its `local` names.
 */
import { Endpoint } from '../endpoint/endpoint.js';
import type { EndpointEvent, EndpointOptions } from '../endpoint/types.js';
import type { Instant } from '../util/time.js';
import { answerVerifyCertificate } from './certificates.js';
import { monotonicNow } from './clock.js';
import { DriverLoop, MAX_SENDS_PER_FLUSH, type DriverTrace } from './driver-loop.js';
import type { KeyLogFile } from './key-log.js';
import { UdpSocket, formatAddress, parseAddress, type UdpSocketOptions } from './udp-socket.js';

/** Options of `ServerDriver.start`. */
export interface ServerDriverOptions {
  readonly socket: UdpSocketOptions;
  /**
   * Extra sockets, one per preferred address ("a.b.c.d:port", "[v6]:port"; RFC 9000 §9.6.1), to
   * bind alongside the main one. Give the same strings to `ServerConnectionOptions.preferredAddress`.
   */
  readonly preferredAddresses?: readonly string[];
  readonly endpoint: EndpointOptions;
  readonly keyLog?: KeyLogFile;
  readonly trace?: DriverTrace;
  /** Every endpoint event (connection events except verify_certificate and key_log), in order. */
  readonly onEvent: (ev: EndpointEvent) => void;
}

/** Drives an Endpoint over one socket. */
export class ServerDriver extends DriverLoop {
  /** The endpoint. */
  readonly endpoint: Endpoint;
  /** The socket. */
  readonly socket: UdpSocket;
  /** The preferred-address sockets by address string (the `local` of their datagrams). */
  readonly preferredSockets: ReadonlyMap<string, UdpSocket>;
  /** Datagrams received on each preferred-address socket (for stats and tests). */
  readonly preferredReceived = new Map<string, number>();
  private readonly options: ServerDriverOptions;

  private constructor(options: ServerDriverOptions, socket: UdpSocket, endpoint: Endpoint, extra: ReadonlyMap<string, UdpSocket>) {
    super(options.trace);
    this.options = options;
    this.socket = socket;
    this.endpoint = endpoint;
    this.preferredSockets = extra;
  }

  /** Binds the socket and starts serving. */
  static async start(options: ServerDriverOptions): Promise<ServerDriver> {
    const endpoint = new Endpoint(options.endpoint);
    let driver: ServerDriver | undefined;
    const socket = await UdpSocket.bind(options.socket, (bytes, remote) => driver?.receive(bytes, remote, ''));
    const extra = new Map<string, UdpSocket>();
    try {
      for (const address of options.preferredAddresses ?? []) {
        const a = parseAddress(address);
        const local = formatAddress(a.host, a.port);
        extra.set(local, await UdpSocket.bind({ ...options.socket, host: a.host, port: a.port, ipv6Only: a.family === 6 }, (bytes, remote) => driver?.receive(bytes, remote, local)));
      }
    } catch (e) {
      await Promise.all([socket, ...extra.values()].map((s) => s.close()));
      throw e;
    }
    driver = new ServerDriver(options, socket, endpoint, extra);
    return driver;
  }

  /** The local address string. */
  get localAddress(): string {
    return this.socket.localAddress;
  }

  private receive(bytes: Uint8Array, remote: string, local: string): void {
    if (this.isStopped) return;
    this.trace?.datagramReceived?.(remote, bytes.length);
    if (local !== '') this.preferredReceived.set(local, (this.preferredReceived.get(local) ?? 0) + 1);
    try {
      this.endpoint.handleDatagram(monotonicNow(), bytes, remote, local);
    } catch (e) {
      this.coreError(e);
    }
    this.wake();
  }

  protected onTimeout(now: Instant): void {
    this.endpoint.handleTimeout(now);
  }

  protected nextDeadline(): Instant | undefined {
    return this.endpoint.pollTimeout();
  }

  protected onFlush(now: Instant): boolean {
    this.drainEvents();
    let sent = 0;
    const ep = this.endpoint;
    for (let t = ep.pollTransmit(now, this.sendArea()); t !== undefined; t = ep.pollTransmit(now, this.sendArea())) {
      // RFC 9000 §9.6: a connection on a preferred address answers from that address's socket.
      this.queueSend(this.preferredSockets.get(t.local) ?? this.socket, this.takeSent(t.length), t.remote);
      this.trace?.datagramSent?.(t.remote, t.length);
      if (++sent >= MAX_SENDS_PER_FLUSH) break;
    }
    this.sendQueued();
    this.drainEvents();
    return sent >= MAX_SENDS_PER_FLUSH;
  }

  private drainEvents(): void {
    for (let ev = this.endpoint.pollEvent(); ev !== undefined; ev = this.endpoint.pollEvent()) {
      if (ev.type === 'connection_event') {
        const inner = ev.event;
        if (inner.type === 'key_log') {
          this.options.keyLog?.write(inner.line);
          continue;
        }
        if (inner.type === 'verify_certificate') {
          const conn = this.endpoint.connection(ev.handle);
          if (conn !== undefined) answerVerifyCertificate(conn, inner, this.options.endpoint.provider, () => this.wake());
          continue;
        }
      }
      this.options.onEvent(ev);
    }
  }

  /** Stops serving and closes the socket (connections are abandoned: close them first). */
  async stop(): Promise<void> {
    this.stopLoop();
    await Promise.all([this.socket, ...this.preferredSockets.values()].map((s) => s.close()));
  }
}
