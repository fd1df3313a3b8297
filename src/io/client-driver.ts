/**
 * The client driver (DESIGN §2 io/): one `Connection` on its own UDP socket. Feeds it datagrams
 * and timeouts with the monotonic clock, answers `verify_certificate` events asynchronously,
 * appends `key_log` lines to the key log file, hands every other event to its owner, and closes
 * the socket once the connection is closed (after its closing or draining period, RFC 9000 §10.2).
 */
import { Connection } from '../connection/connection.js';
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
  /** Runs after every flush (the api re-checks blocked writers and stream opens there). */
  readonly afterFlush?: () => void;
  /** Every connection event except verify_certificate and key_log, in order. */
  readonly onEvent: (ev: ConnectionEvent) => void;
}

/** Drives one client connection over its own socket. */
export class ClientDriver extends DriverLoop {
  /** The connection. */
  readonly connection: Connection;
  /** The socket. */
  readonly socket: UdpSocket;
  /** Resolves once the connection is closed and the socket released. */
  readonly finished: Promise<void>;
  private readonly options: ClientDriverOptions;
  private resolveFinished!: () => void;

  private constructor(options: ClientDriverOptions, socket: UdpSocket, connection: Connection) {
    super(options.trace);
    this.options = options;
    this.socket = socket;
    this.connection = connection;
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
  }

  /** Binds a socket, starts the handshake (RFC 9000 §7) and sends the first Initial. */
  static async start(options: ClientDriverOptions): Promise<ClientDriver> {
    const v6 = options.remote.startsWith('[');
    let driver: ClientDriver | undefined;
    const socket = await UdpSocket.bind({ host: v6 ? '::' : '0.0.0.0', port: 0, ...options.socket }, (bytes, remote) => driver?.receive(bytes, remote));
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

  /** The local address string. */
  get localAddress(): string {
    return this.socket.localAddress;
  }

  private receive(bytes: Uint8Array, remote: string): void {
    if (this.isStopped) return;
    this.trace?.datagramReceived?.(remote, bytes.length);
    const now = monotonicNow();
    this.guard(() => this.connection.handleDatagram(now, bytes, { local: this.socket.localAddress, remote }));
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
    for (let t = conn.pollTransmit(now, this.sendBuffer); t !== undefined; t = conn.pollTransmit(now, this.sendBuffer)) {
      this.socket.send(this.sendBuffer.slice(0, t.length), t.path.remote);
      this.trace?.datagramSent?.(t.path.remote, t.length);
      if (++sent >= MAX_SENDS_PER_FLUSH) break;
    }
    this.drainEvents();
    this.options.afterFlush?.();
    if (conn.isClosed && conn.pollTimeout() === undefined) {
      this.stopLoop();
      void this.socket.close().then(() => this.resolveFinished());
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
        default:
          this.options.onEvent(ev);
      }
    }
  }

  /** Stops driving and closes the socket at once (the connection is abandoned, no CONNECTION_CLOSE). */
  async abort(): Promise<void> {
    this.stopLoop();
    await this.socket.close();
    this.resolveFinished();
  }
}
