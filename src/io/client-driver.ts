/**
 * The client driver (DESIGN §2 io/): one `Connection` on its own UDP socket(s). Feeds it datagrams
 * and timeouts with the monotonic clock, answers `verify_certificate` events asynchronously,
 * appends `key_log` lines to the key log file, hands every other event to its owner, and closes
 * the sockets once the connection is closed (after its closing or draining period, RFC 9000 §10.2).
 *
 * Migration (RFC 9000 §9.2, §9.6.2): each socket is named by its address string, which is the
 * `local` of the core's `NetworkPath`; a Transmit leaves from the socket its `path.local` names.
 * `migrate()` binds a new socket (a new local port) and moves the connection to it (active
 * migration); on the core's `preferred_address` event (RFC 9000 §9.6.2) the driver binds a new
 * socket and migrates to the server's preferred address of the current address family (INTEROP-RUNNER
 * §7: "a new socket (new port) for the migrated path plus a fresh DCID"; the core picks the DCID).
 */
import { Connection } from '../connection/connection.js';
import type { MigrateResult } from '../connection/migration.js';
import type { ClientConnectionOptions, ConnectionEvent, NetworkPath } from '../connection/types.js';
import type { Instant } from '../util/time.js';
import { answerVerifyCertificate } from './certificates.js';
import { monotonicNow } from './clock.js';
import { DriverLoop, MAX_SENDS_PER_FLUSH, type DriverTrace } from './driver-loop.js';
import type { KeyLogFile } from './key-log.js';
import { UdpSocket, type UdpSocketOptions } from './udp-socket.js';

/** Options of `ClientDriver.start`. */
export interface ClientDriverOptions {
  /** The server's address string ("ip:port" / "[ip]:port"). */
  readonly remote: string;
  /** The local socket (default: an ephemeral port on the wildcard address of the remote's family). */
  readonly socket?: UdpSocketOptions;
  /** Connection options; `path` is set by the driver. */
  readonly connection: Omit<ClientConnectionOptions, 'path'>;
  readonly keyLog?: KeyLogFile;
  readonly trace?: DriverTrace;
  /** Migrate to the server's preferred address when it offers one (RFC 9000 §9.6.2; default true). */
  readonly followPreferredAddress?: boolean;
  /** Every connection event except verify_certificate and key_log, in order. */
  readonly onEvent: (ev: ConnectionEvent) => void;
}

/** Most sockets one client connection keeps (the first, plus migrations). */
const MAX_SOCKETS = 8;

/** The wildcard address of a remote address string's family. */
function wildcardFor(remote: string): string {
  return remote.startsWith('[') ? '::' : '0.0.0.0';
}

/** Drives one client connection over its own socket(s). */
export class ClientDriver extends DriverLoop {
  /** The connection. */
  readonly connection: Connection;
  /** The first socket. */
  readonly socket: UdpSocket;
  /** Resolves once the connection is closed and the sockets released. */
  readonly finished: Promise<void>;
  /** Migrations started by the driver for a preferred address (RFC 9000 §9.6.2), and their results. */
  readonly preferredAddressMigrations: MigrateResult[] = [];
  private readonly options: ClientDriverOptions;
  private readonly sockets = new Map<string, UdpSocket>();
  private resolveFinished!: () => void;

  private constructor(options: ClientDriverOptions, socket: UdpSocket, connection: Connection) {
    super(options.trace);
    this.options = options;
    this.socket = socket;
    this.connection = connection;
    this.sockets.set(socket.localAddress, socket);
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
  }

  /** Binds a socket, starts the handshake (RFC 9000 §7) and sends the first Initial. */
  static async start(options: ClientDriverOptions): Promise<ClientDriver> {
    let driver: ClientDriver | undefined;
    const socket = await UdpSocket.bind({ host: wildcardFor(options.remote), port: 0, ...options.socket }, (bytes, remote) => driver?.receive(bytes, remote, socket.localAddress));
    const path: NetworkPath = { local: socket.localAddress, remote: options.remote };
    let connection: Connection;
    try {
      connection = Connection.connect(monotonicNow(), { ...options.connection, path });
    } catch (e) {
      await socket.close();
      throw e;
    }
    driver = new ClientDriver(options, socket, connection);
    driver.wake();
    return driver;
  }

  /** The local address string of the path in use. */
  get localAddress(): string {
    return this.connection.path.local;
  }

  /** The server's address string on the path in use. */
  get remoteAddress(): string {
    return this.connection.path.remote;
  }

  /** The address strings of the sockets bound so far. */
  get localAddresses(): readonly string[] {
    return [...this.sockets.keys()];
  }

  /**
   * Binds a new socket (a new local port, same family as `remote`) and asks the core to migrate
   * to the path from it to `remote` (default: the server's current address) (RFC 9000 §9.2).
   * On refusal the new socket is closed again.
   */
  async migrate(remote: string = this.connection.path.remote): Promise<MigrateResult> {
    if (this.isStopped || this.connection.isClosed) return 'not_confirmed';
    if (this.sockets.size >= MAX_SOCKETS) return 'no_connection_id';
    const host = this.options.socket?.host !== undefined && remote.startsWith('[') === this.options.socket.host.includes(':') ? this.options.socket.host : wildcardFor(remote);
    let socket: UdpSocket | undefined;
    socket = await UdpSocket.bind({ ...this.options.socket, host, port: 0 }, (bytes, from) => {
      if (socket !== undefined) this.receive(bytes, from, socket.localAddress);
    });
    if (this.isStopped || this.connection.isClosed) {
      await socket.close();
      return 'not_confirmed';
    }
    const local = socket.localAddress;
    const result = this.guarded((): MigrateResult => this.connection.migrate(monotonicNow(), { local, remote }), 'not_confirmed');
    if (result !== 'ok') {
      await socket.close();
      return result;
    }
    this.sockets.set(socket.localAddress, socket);
    this.wake();
    return result;
  }

  /** Runs `fn` like `guard`, returning `fallback` when the core threw. */
  private guarded<T>(fn: () => T, fallback: T): T {
    let out = fallback;
    this.guard(() => {
      out = fn();
    });
    return out;
  }

  /** The path the last datagram arrived on, reused while its 4-tuple repeats (a NetworkPath is never mutated). */
  private lastPath: NetworkPath | undefined;

  private receive(bytes: Uint8Array, remote: string, local: string): void {
    if (this.isStopped) return;
    this.trace?.datagramReceived?.(remote, bytes.length);
    let path = this.lastPath;
    if (path === undefined || path.remote !== remote || path.local !== local) this.lastPath = path = { local, remote };
    try {
      this.connection.handleDatagram(monotonicNow(), bytes, path);
    } catch (e) {
      this.coreError(e);
    }
    this.wake();
  }

  protected onTimeout(now: Instant): void {
    this.connection.handleTimeout(now);
  }

  protected nextDeadline(): Instant | undefined {
    return this.connection.pollTimeout();
  }

  protected onFlush(now: Instant): boolean {
    const conn = this.connection;
    this.drainEvents();
    let sent = 0;
    for (let t = conn.pollTransmit(now, this.sendArea()); t !== undefined; t = conn.pollTransmit(now, this.sendArea())) {
      // RFC 9000 §9: the datagram leaves from the socket its path names (the first one by default).
      this.queueSend(this.sockets.get(t.path.local) ?? this.socket, this.takeSent(t.length), t.path.remote);
      this.trace?.datagramSent?.(t.path.remote, t.length);
      if (++sent >= MAX_SENDS_PER_FLUSH) break;
    }
    this.sendQueued();
    this.drainEvents();
    if (conn.isClosed && conn.pollTimeout() === undefined) {
      this.stopLoop();
      void this.closeSockets().then(() => this.resolveFinished());
      return false;
    }
    return sent >= MAX_SENDS_PER_FLUSH;
  }

  private drainEvents(): void {
    const conn = this.connection;
    for (let ev = conn.pollEvent(); ev !== undefined; ev = conn.pollEvent()) {
      switch (ev.type) {
        case 'verify_certificate':
          answerVerifyCertificate(conn, ev, this.options.connection.provider, () => this.wake());
          break;
        case 'key_log':
          this.options.keyLog?.write(ev.line);
          break;
        case 'preferred_address':
          this.onPreferredAddress(ev.ipv4, ev.ipv6);
          this.options.onEvent(ev);
          break;
        default:
          this.options.onEvent(ev);
      }
    }
  }

  /** RFC 9000 §9.6.2: "a client that chooses to use the preferred address" probes it from a new socket. */
  private onPreferredAddress(ipv4: string | undefined, ipv6: string | undefined): void {
    if (this.options.followPreferredAddress === false) return;
    const v6 = this.connection.path.remote.startsWith('[');
    const target = v6 ? (ipv6 ?? ipv4) : (ipv4 ?? ipv6);
    if (target === undefined) return;
    void this.migrate(target).then(
      (r) => this.preferredAddressMigrations.push(r),
      () => this.preferredAddressMigrations.push('not_confirmed'),
    );
  }

  private async closeSockets(): Promise<void> {
    await Promise.all([...this.sockets.values()].map((s) => s.close()));
  }

  /** Stops driving and closes the sockets at once (the connection is abandoned, no CONNECTION_CLOSE). */
  async abort(): Promise<void> {
    this.stopLoop();
    await this.closeSockets();
    this.resolveFinished();
  }
}
