/**
 * A UDP impairment relay on loopback for the local interop runner (/work/shared/INTEROP-RUNNER.md
 * §3 test table, §5 ns-3 scenarios, §6 "a UDP relay of ours on loopback").
 *
 * It is not a second network model: every decision (delay, 10 Mbit/s rate and 25-packet queue,
 * loss with burst cap, corruption, drop list, blackhole windows, NAT rebinding) is taken by the
 * seeded `SimNetwork` of spec-tests/sim, configured from the same `Scenario` presets as the
 * in-process twins (spec-tests/sim/scenarios.ts). The relay only drives it with the real clock:
 *
 *  - a datagram read from a real socket at real time t (µs since relay start, plus `startAtMs`)
 *    is handed to `net.send(t, from, to, bytes)`;
 *  - one timer is kept armed at `net.nextDeliveryTime()`; when it fires, `net.deliverDue(now)`
 *    and each delivered datagram goes out of the right socket (never before its sim time).
 *
 * Topology: the client talks to the client-facing socket (`listen`); per client 4-tuple the
 * relay forwards to `server` from an upstream socket chosen by the client's NAT mapping (the sim
 * decides when a mapping changes: runner rebind at 1 s then every 5 s; the relay opens a fresh
 * socket per mapping, bound to 127.0.0.x for rebind-addr). The server's replies arrive on an
 * upstream socket, i.e. addressed to one mapping; the sim drops those addressed to a stale
 * mapping (`nat-stale`), delivers the rest, and the relay sends them to the client from the
 * client-facing socket. Datagrams on an upstream socket from anything but the server are dropped
 * (runner: "packets from unknown sources dropped").
 *
 * Sim addresses: the server is `server:<port>`; client number k (order of first datagram,
 * k = 1..1023) is `<client host>:<k>`, so a seed replays the same per-link random decisions
 * whatever ephemeral port the client got, and NAT mappings (ports ≥ 1024) never collide with a
 * client's own name.
 */
import dgram from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { instant, type Instant } from '../../src/util/time.js';
import { formatAddress, parseAddress, type SimAddress } from '../../spec-tests/sim/address.js';
import { emptyStats, type DropReason, type LinkStats } from '../../spec-tests/sim/link.js';
import { SimNetwork, type Delivery } from '../../spec-tests/sim/network.js';
import { SCENARIOS, addScenarioPath, type Scenario } from '../../spec-tests/sim/scenarios.js';

/** Options of `ImpairmentRelay.start`. */
export interface RelayOptions {
  /** A runner test name from `SCENARIOS` (e.g. 'transferloss', 'rebind-port') or a `Scenario`. */
  readonly scenario: string | Scenario;
  /** Client-facing address, `host:port` (`[::1]:port` for IPv6); port 0 picks a free one. */
  readonly listen: string;
  /** The real server, `host:port`. */
  readonly server: string;
  /** Seed of every random choice of the simulated network. */
  readonly seed: number;
  /** Scenario time at relay start in ms (default 0: blackhole and rebind times count from start). */
  readonly startAtMs?: number;
  /**
   * When the scenario clock starts: 'start' (default) when `start` returns; 'first-datagram' when
   * the first client datagram arrives (scenario time `startAtMs` then, and until then). The runner
   * uses the latter: its client starts right after the simulator, while a local client process may
   * take a second or more to start, which could put the first rebind (1 s) inside the handshake.
   */
  readonly clock?: 'start' | 'first-datagram';
}

/** Relay-level counters (the sim's per-direction counters are in `RelayStats`). */
export interface RelayCounters {
  /** Datagrams read from clients / handed to the server. */
  fromClient: number;
  toServer: number;
  /** Datagrams read from the server / handed to clients. */
  fromServer: number;
  toClient: number;
  /** Datagrams on an upstream socket not sent by the server (dropped). */
  unknownSource: number;
  /** Datagrams from a client beyond the 1023rd (dropped). */
  tooManyClients: number;
  /** Failed socket sends and socket errors. */
  socketErrors: number;
  /** How late (real time after the sim's arrival time) datagrams were forwarded: max and sum, µs. */
  maxLateMicros: number;
  totalLateMicros: number;
}

/** A snapshot of the relay. */
export interface RelayStats {
  readonly scenario: string;
  readonly seed: number;
  /** Scenario time now, µs. */
  readonly now: Instant;
  readonly clients: number;
  /** The sim's counters summed over clients, per direction. */
  readonly clientToServer: LinkStats;
  readonly serverToClient: LinkStats;
  readonly relay: RelayCounters;
  /** Real source addresses the server has been sent datagrams from (`host:port`), in order. */
  readonly upstreamSources: readonly string[];
}

interface ClientState {
  readonly host: string;
  readonly port: number;
  readonly sim: SimAddress;
}

interface Upstream {
  readonly socket: dgram.Socket;
  /** The NAT mapping (sim address) this socket stands for. */
  readonly mapping: SimAddress;
}

const MAX_CLIENTS = 1023;

/** Resolves a runner test name to its scenario; throws listing the known names. */
export function resolveScenario(scenario: string | Scenario): Scenario {
  if (typeof scenario !== 'string') return scenario;
  const found = SCENARIOS[scenario];
  if (!found) throw new Error(`unknown scenario ${scenario}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  return found;
}

/** The relay. `start` once, then `close`. */
export class ImpairmentRelay {
  private net: SimNetwork | undefined;
  private scenario: Scenario | undefined;
  private seed = 0;
  private listenSocket: dgram.Socket | undefined;
  private server = { host: '', port: 0 };
  private serverSim: SimAddress = '';
  private upstreamFamily: 'udp4' | 'udp6' = 'udp4';
  private t0 = 0;
  private startAt = 0;
  /** False until the first client datagram with `clock: 'first-datagram'`. */
  private clockRunning = true;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt: Instant | undefined;
  private closed = false;
  private readonly clientsByReal = new Map<string, ClientState>();
  private readonly clientsBySim = new Map<SimAddress, ClientState>();
  private readonly upstreams = new Map<SimAddress, Upstream>();
  private readonly sources: string[] = [];
  private readonly counters: RelayCounters = {
    fromClient: 0, toServer: 0, fromServer: 0, toClient: 0, unknownSource: 0, tooManyClients: 0, socketErrors: 0,
    maxLateMicros: 0, totalLateMicros: 0,
  };

  /** Binds the client-facing socket and starts the clock (scenario time `startAtMs` now). */
  async start(options: RelayOptions): Promise<void> {
    if (this.net) throw new Error('relay already started');
    const scenario = resolveScenario(options.scenario);
    const listen = parseAddress(options.listen);
    this.server = parseAddress(options.server);
    for (const host of [listen.host, this.server.host]) {
      if (!isIPv4(host) && !isIPv6(host)) throw new Error(`${host}: use an IP literal (replies are matched by address)`);
    }
    this.upstreamFamily = isIPv6(this.server.host) ? 'udp6' : 'udp4';
    if (scenario.nat?.mode === 'address' && !(isIPv4(listen.host) && isIPv4(this.server.host))) {
      throw new Error('rebind-addr needs IPv4 listen and server addresses (upstream sockets bind to 127.0.0.x)');
    }
    this.scenario = scenario;
    this.seed = options.seed >>> 0;
    this.serverSim = `server:${this.server.port}`;
    this.net = new SimNetwork({ seed: this.seed });
    const socket = dgram.createSocket(isIPv6(listen.host) ? 'udp6' : 'udp4');
    socket.on('message', (msg, rinfo) => this.onClientDatagram(msg, rinfo));
    socket.on('error', () => this.counters.socketErrors++);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: listen.host, port: listen.port }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    growBuffers(socket);
    this.listenSocket = socket;
    this.startAt = Math.round((options.startAtMs ?? 0) * 1000);
    this.t0 = performance.now();
    this.clockRunning = options.clock !== 'first-datagram';
  }

  /** The client-facing address (after `start`). */
  get address(): { host: string; port: number } {
    if (!this.listenSocket) throw new Error('relay not started');
    const a = this.listenSocket.address();
    return { host: a.address, port: a.port };
  }

  /** Scenario time now (µs). */
  now(): Instant {
    if (!this.clockRunning) return instant(this.startAt);
    return instant((performance.now() - this.t0) * 1000 + this.startAt);
  }

  /** Counters so far. */
  stats(): RelayStats {
    const net = this.requireNet();
    const c2s = emptyStats();
    const s2c = emptyStats();
    for (const client of this.clientsBySim.values()) {
      addStats(c2s, net.stats(client.sim, this.serverSim));
      addStats(s2c, net.stats(this.serverSim, client.sim));
    }
    return {
      scenario: this.scenario!.name,
      seed: this.seed,
      now: this.now(),
      clients: this.clientsBySim.size,
      clientToServer: c2s,
      serverToClient: s2c,
      relay: { ...this.counters },
      upstreamSources: [...this.sources],
    };
  }

  /** Stops the timer and closes every socket; datagrams still in flight are discarded. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const sockets = [...this.upstreams.values()].map((u) => u.socket);
    if (this.listenSocket) sockets.push(this.listenSocket);
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        resolve(); // already closed (e.g. after a bind error)
      }
    })));
  }

  private requireNet(): SimNetwork {
    if (!this.net) throw new Error('relay not started');
    return this.net;
  }

  private onClientDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closed) return;
    this.counters.fromClient++;
    if (!this.clockRunning) {
      this.clockRunning = true;
      this.t0 = performance.now();
    }
    const key = formatAddress(rinfo.address, rinfo.port);
    let client = this.clientsByReal.get(key);
    if (!client) {
      if (this.clientsBySim.size >= MAX_CLIENTS) {
        this.counters.tooManyClients++;
        return;
      }
      client = { host: rinfo.address, port: rinfo.port, sim: formatAddress(rinfo.address, this.clientsBySim.size + 1) };
      this.clientsByReal.set(key, client);
      this.clientsBySim.set(client.sim, client);
      addScenarioPath(this.requireNet(), this.scenario!, client.sim, this.serverSim);
    }
    this.requireNet().send(this.now(), client.sim, this.serverSim, copy(msg));
    this.arm();
  }

  private onServerDatagram(upstream: Upstream, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closed) return;
    if (rinfo.port !== this.server.port || !sameHost(rinfo.address, this.server.host)) {
      this.counters.unknownSource++;
      return;
    }
    this.counters.fromServer++;
    // The server answered the mapping this socket stands for; the sim drops it if that mapping
    // is stale when the datagram arrives (runner §5 rebind).
    this.requireNet().send(this.now(), this.serverSim, upstream.mapping, copy(msg));
    this.arm();
  }

  /** Keeps one timer armed at the sim's next delivery time. */
  private arm(): void {
    if (this.closed) return;
    const next = this.requireNet().nextDeliveryTime();
    if (next === undefined) return;
    if (this.timer && this.timerAt !== undefined && this.timerAt <= next) return;
    if (this.timer) clearTimeout(this.timer);
    const waitMs = Math.max(0, Math.ceil((next - this.now()) / 1000));
    this.timerAt = next;
    this.timer = setTimeout(() => this.fire(), waitMs);
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = undefined;
    if (this.closed) return;
    const now = this.now();
    for (const d of this.requireNet().deliverDue(now)) {
      const late = now - d.at;
      this.counters.maxLateMicros = Math.max(this.counters.maxLateMicros, late);
      this.counters.totalLateMicros += late;
      this.forward(d);
    }
    this.arm();
  }

  private forward(d: Delivery): void {
    if (d.to === this.serverSim) {
      const upstream = this.upstream(d.from);
      if (!upstream) return;
      this.counters.toServer++;
      upstream.socket.send(d.datagram, this.server.port, this.server.host, (err) => {
        if (err) this.counters.socketErrors++;
      });
      return;
    }
    const client = this.clientsBySim.get(d.to);
    if (!client || !this.listenSocket) return;
    this.counters.toClient++;
    this.listenSocket.send(d.datagram, client.port, client.host, (err) => {
      if (err) this.counters.socketErrors++;
    });
  }

  /** The upstream socket standing for NAT mapping `mapping`, opened on first use. */
  private upstream(mapping: SimAddress): Upstream | undefined {
    const existing = this.upstreams.get(mapping);
    if (existing) return existing;
    const socket = dgram.createSocket(this.upstreamFamily);
    const upstream: Upstream = { socket, mapping };
    this.upstreams.set(mapping, upstream);
    socket.on('message', (msg, rinfo) => this.onServerDatagram(upstream, msg, rinfo));
    socket.on('error', () => this.counters.socketErrors++);
    // Sends issued before 'listening' are queued by node:dgram until the bind completes.
    socket.bind({ address: this.bindHost(mapping), port: 0 }, () => {
      growBuffers(socket);
      const a = socket.address();
      this.sources.push(formatAddress(a.address, a.port));
    });
    return upstream;
  }

  /** rebind-addr: 127.0.0.<last octet of the sim's mapping>; otherwise the family's wildcard. */
  private bindHost(mapping: SimAddress): string {
    if (this.scenario!.nat?.mode === 'address') {
      const octet = /\.(\d+)$/.exec(parseAddress(mapping).host)?.[1];
      if (octet !== undefined) return `127.0.0.${octet}`;
    }
    return this.upstreamFamily === 'udp6' ? '::' : '0.0.0.0';
  }
}

/** Human-readable per-direction summary, one line each (for the CLI). */
export function formatStats(s: RelayStats): string {
  const dir = (name: string, l: LinkStats): string => {
    const drops = Object.entries(l.dropped).filter(([, n]) => n > 0).map(([r, n]) => `${r as DropReason}=${n}`);
    return `${name}: sent ${l.sent} (${l.bytesSent} B) delivered ${l.delivered} (${l.bytesDelivered} B) ` +
      `dropped {${drops.join(', ')}} corrupted ${l.corrupted} maxQueue ${l.maxQueuePackets} pkts`;
  };
  const r = s.relay;
  return [
    `scenario ${s.scenario} seed ${s.seed} t=${(s.now / 1e6).toFixed(3)} s clients ${s.clients}`,
    dir('client->server', s.clientToServer),
    dir('server->client', s.serverToClient),
    `relay: fromClient ${r.fromClient} toServer ${r.toServer} fromServer ${r.fromServer} toClient ${r.toClient} ` +
      `unknownSource ${r.unknownSource} tooManyClients ${r.tooManyClients} socketErrors ${r.socketErrors}`,
    `relay lateness: max ${(r.maxLateMicros / 1000).toFixed(2)} ms, mean ${(r.totalLateMicros / 1000 / Math.max(1, r.toServer + r.toClient)).toFixed(2)} ms`,
    `upstream sources: ${s.upstreamSources.join(' ') || '-'}`,
  ].join('\n');
}

function addStats(into: LinkStats, s: LinkStats): void {
  into.sent += s.sent;
  into.bytesSent += s.bytesSent;
  into.delivered += s.delivered;
  into.bytesDelivered += s.bytesDelivered;
  for (const r of Object.keys(into.dropped) as DropReason[]) into.dropped[r] += s.dropped[r];
  into.corrupted += s.corrupted;
  into.bitsFlipped += s.bitsFlipped;
  into.duplicated += s.duplicated;
  into.reordered += s.reordered;
  into.maxQueueBytes = Math.max(into.maxQueueBytes, s.maxQueueBytes);
  into.maxQueuePackets = Math.max(into.maxQueuePackets, s.maxQueuePackets);
}

/** The sim holds datagrams for a while: give it its own copy. */
function copy(msg: Buffer): Uint8Array {
  return new Uint8Array(msg.buffer.slice(msg.byteOffset, msg.byteOffset + msg.byteLength));
}

function sameHost(a: string, b: string): boolean {
  const norm = (h: string): string => (h.startsWith('::ffff:') ? h.slice(7) : h);
  return norm(a) === norm(b);
}

function growBuffers(socket: dgram.Socket): void {
  try {
    socket.setRecvBufferSize(1 << 21);
    socket.setSendBufferSize(1 << 21);
  } catch {
    // best effort: the kernel may cap the sizes
  }
}
