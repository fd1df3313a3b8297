/**
 * A UDP socket over node:dgram for the driver (DESIGN §2 io/): IPv4, IPv6 and dual-stack (`::`
 * with `ipv6Only: false`), optional kernel buffer sizes, and the address strings the sans-IO core
 * uses as opaque `NetworkPath` names (RFC 9000 §9: a path is a 4-tuple): "192.0.2.1:4433" for
 * IPv4 and "[2001:db8::1]:4433" for IPv6.
 */
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';

/** A parsed address string. */
export interface SocketAddress {
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** "ip:port" for IPv4, "[ip]:port" for IPv6. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Parses an address string made by `formatAddress`.
 * @throws Error when the string is not "ipv4:port" or "[ipv6]:port".
 */
export function parseAddress(address: string): SocketAddress {
  let host: string;
  let portText: string;
  if (address.startsWith('[')) {
    const end = address.indexOf(']:');
    if (end < 0) throw new Error(`bad address ${address}`);
    host = address.slice(1, end);
    portText = address.slice(end + 2);
  } else {
    const colon = address.lastIndexOf(':');
    if (colon < 0) throw new Error(`bad address ${address}`);
    host = address.slice(0, colon);
    portText = address.slice(colon + 1);
  }
  const port = Number(portText);
  const family = isIP(host);
  if (family === 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad address ${address}`);
  return { host, port, family: family === 6 ? 6 : 4 };
}

/** Resolves a host name (or IP literal) to one address, preferring what the resolver returns first. */
export async function resolveHost(host: string): Promise<{ address: string; family: 4 | 6 }> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const literal = isIP(bare);
  if (literal !== 0) return { address: bare, family: literal === 6 ? 6 : 4 };
  const r = await lookup(bare);
  return { address: r.address, family: r.family === 6 ? 6 : 4 };
}

/**
 * The socket's `lookup`: every address this module hands to node:dgram is an IP literal (`bind`
 * checks its host, `send` its parsed address), so it is returned as is. node:dgram otherwise runs
 * dns.lookup (an isIP check and a process.nextTick) for every datagram sent on an unconnected socket.
 */
function literalLookup(address: string, _options: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}

/** Options of `UdpSocket.bind`. */
export interface UdpSocketOptions {
  /** Address to bind: an IPv4 or IPv6 literal; "::" is dual-stack unless `ipv6Only`. Default "::". */
  readonly host?: string;
  /** Port; 0 (default) picks a free one. */
  readonly port?: number;
  /** For IPv6 binds: refuse IPv4-mapped traffic (default false: dual-stack). */
  readonly ipv6Only?: boolean;
  /**
   * SO_RCVBUF in bytes. Default: DEFAULT_RECV_BUFFER_SIZE, or as much of it as the system allows
   * (Linux caps it at net.core.rmem_max, often 208 KiB: raise that sysctl for fast transfers). An
   * explicit size that the system refuses throws from `bind`.
   */
  readonly recvBufferSize?: number;
  /** SO_SNDBUF in bytes (default: the system's). */
  readonly sendBufferSize?: number;
}

/**
 * SO_RCVBUF requested when `recvBufferSize` is not given: 7 MiB, as quic-go asks. The system's
 * default (208 KiB on Linux, about 140 full-size datagrams) overflows while the process is busy
 * sending a burst, and every overflow is a lost packet (the congestion controller then shrinks its
 * window, RFC 9002 §7.3.2).
 */
export const DEFAULT_RECV_BUFFER_SIZE = 7 * 1024 * 1024;

/** What the socket calls for each datagram received. */
export type DatagramHandler = (datagram: Uint8Array, remote: string) => void;

/** A bound UDP socket. */
export class UdpSocket {
  /** The bound address as an address string. */
  readonly localAddress: string;
  /** Datagrams the kernel refused to send (errors are counted, never thrown: UDP is lossy). */
  sendErrors = 0;
  private readonly socket: dgram.Socket;
  private closed = false;
  private closedPromise: Promise<void> | undefined;

  private constructor(socket: dgram.Socket, localAddress: string) {
    this.socket = socket;
    this.localAddress = localAddress;
  }

  /** Binds a socket; `onDatagram` receives every datagram (its bytes are the caller's to keep). */
  static async bind(options: UdpSocketOptions, onDatagram: DatagramHandler): Promise<UdpSocket> {
    const host = options.host ?? '::';
    const family = isIP(host);
    if (family === 0) throw new Error(`bind host must be an IP address, not ${host}`);
    const socket = dgram.createSocket({
      type: family === 6 ? 'udp6' : 'udp4',
      ...(family === 6 ? { ipv6Only: options.ipv6Only ?? false } : {}),
      lookup: literalLookup,
      ...(options.recvBufferSize === undefined ? {} : { recvBufferSize: options.recvBufferSize }),
      ...(options.sendBufferSize === undefined ? {} : { sendBufferSize: options.sendBufferSize }),
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      socket.once('error', onError);
      socket.bind({ address: host, port: options.port ?? 0, exclusive: true }, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    if (options.recvBufferSize === undefined) {
      try {
        socket.setRecvBufferSize(DEFAULT_RECV_BUFFER_SIZE);
      } catch {
        // Refused (not just capped): the system's default stays.
      }
    }
    const a = socket.address();
    const udp = new UdpSocket(socket, formatAddress(a.address, a.port));
    // A socket error (ICMP-reported, say) must never crash the process: count it.
    socket.on('error', () => {
      udp.sendErrors++;
    });
    // The sender's address string is built once per run of datagrams from the same sender, not once
    // per datagram; the core then compares the same string object (an identity check) on every packet.
    let lastHost = '';
    let lastPort = -1;
    let lastRemote = '';
    socket.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      if (rinfo.port !== lastPort || rinfo.address !== lastHost) {
        lastHost = rinfo.address;
        lastPort = rinfo.port;
        lastRemote = formatAddress(lastHost, lastPort);
      }
      onDatagram(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), lastRemote);
    });
    return udp;
  }

  /** The receive buffer the system granted, in bytes (Linux reports twice the size set, for its bookkeeping). */
  get recvBufferSize(): number {
    return this.socket.getRecvBufferSize();
  }

  /** The bound port. */
  get port(): number {
    return parseAddress(this.localAddress).port;
  }

  /**
   * Sends `bytes` (which must not be modified until sent: pass a copy or a region never reused) to
   * an address string. Errors are counted in `sendErrors`.
   */
  send(bytes: Uint8Array, remote: string): void {
    if (this.closed) return;
    let to: SocketAddress;
    if (remote === this.lastRemote && this.lastTo !== undefined) to = this.lastTo; // one parse per peer, not per datagram
    else {
      try {
        to = parseAddress(remote);
      } catch {
        this.sendErrors++;
        return;
      }
      this.lastRemote = remote;
      this.lastTo = to;
    }
    this.socket.send(bytes, to.port, to.host, this.onSent);
  }

  private lastRemote: string | undefined;
  private lastTo: SocketAddress | undefined;
  private readonly onSent = (err: Error | null): void => {
    if (err) this.sendErrors++;
  };

  /** Closes the socket (idempotent); resolves once closed. */
  close(): Promise<void> {
    if (this.closedPromise !== undefined) return this.closedPromise;
    this.closed = true;
    this.closedPromise = new Promise<void>((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
    return this.closedPromise;
  }
}
