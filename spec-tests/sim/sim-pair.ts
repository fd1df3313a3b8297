/**
 * A client and a server `Connection` over a `SimNetwork` (DESIGN §6, ladder item 4): the in-process
 * twin of an interop-runner pair. The client sits at RUNNER_CLIENT, the server at RUNNER_SERVER;
 * the virtual clock jumps to the earliest of the next network delivery and both connections'
 * `pollTimeout()`; the loop is bounded so that a bug cannot hang a test.
 *
 * The server `Connection` is created from the first datagram whose first packet is an Initial
 * (RFC 9000 §7) and kept only if it could process a packet of it (a corrupted first Initial must
 * not pin wrong Initial keys, RFC 9001 §5.2: they derive from the client's DCID), as an endpoint
 * would. Certificate checks: 'chain' mode raises a verify_certificate event, answered with the
 * asynchronous verifyCertificateChain by `run` (`runSync` refuses it); 'pinned' and
 * 'DANGEROUS_SKIP_VERIFICATION' are synchronous, which is what the benchmarks use. The server signs
 * with the noble provider's deterministic ECDSA so that a seed replays byte for byte.
 *
 * Paths (RFC 9000 §9): the server receives each datagram on the path {local: RUNNER_SERVER, remote:
 * the apparent source (after the NAT)} and sends to the remote of the path its pollTransmit
 * returns, so NAT rebinding reaches the connection; the client keeps its default path.
 */
import type { Connection as ConnectionType } from '../../src/connection/connection.js';
import { Connection } from '../../src/connection/connection.js';
import type { ClientConnectionOptions, ConnectionEvent, ConnectionLimits, ServerConnectionOptions } from '../../src/connection/types.js';
import { nobleCryptoProvider } from '../../src/crypto/noble-provider.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import type { CertificateVerification } from '../../src/tls/certificates/errors.js';
import { verifyCertificateChain } from '../../src/tls/certificates/verify-chain.js';
import { generateSelfSignedCertificate } from '../../src/tls/certificates/self-signed.js';
import type { ServerVerification } from '../../src/tls/session-types.js';
import { Reader } from '../../src/util/bytes.js';
import { CodecError } from '../../src/util/errors.js';
import { SeededRandom } from '../../src/util/random.js';
import { earliest, instant, type Instant } from '../../src/util/time.js';
import { decodePacketHeader, splitDatagram } from '../../src/wire/header.js';
import type { InitialPacketHeader } from '../../src/wire/long-header.js';
import { PacketType } from '../../src/wire/packet-type.js';
import type { SimAddress } from './address.js';
import type { SimNetwork } from './network.js';
import { buildNetwork, RUNNER_CLIENT, RUNNER_SERVER, type Scenario } from './scenarios.js';

/** Which side. */
export type SimSide = 'client' | 'server';

/** The injected wall clock of every simulated pair: 2026-01-01T00:00:00Z. */
export const SIM_WALL_CLOCK_MS = Date.UTC(2026, 0, 1);

/** A server certificate chain (leaf first), its key and what a client trusts it with. */
export interface SimPki {
  readonly chain: readonly Uint8Array[];
  readonly keyPkcs8: Uint8Array;
  /** The self-signed root (the trust anchor of 'chain' verification). */
  readonly root: Uint8Array;
  /** SHA-256 of the leaf ('pinned' verification). */
  readonly leafSha256: Uint8Array;
}

const pkiCache = new Map<number, SimPki>();

/**
 * A chain of `length` ECDSA P-256 certificates for `localhost`, leaf first: a self-signed root,
 * `length - 2` intermediates (each a CA signed by the one before) and the leaf. The root is sent
 * too (so `length` certificates go on the wire, as the runner's 9-certificate chain does).
 * Deterministic (seeded) and cached per length.
 */
export function simPki(length = 2): SimPki {
  if (length < 2) throw new RangeError('a chain has at least a root and a leaf');
  const cached = pkiCache.get(length);
  if (cached) return cached;
  const random = new SeededRandom(0x5171 + length);
  const root = generateSelfSignedCertificate({ commonName: 'Sim Root', isCA: true, validityDays: 365, nowMs: SIM_WALL_CLOCK_MS, random });
  let issuer = root;
  const cas = [root];
  for (let i = 0; i < length - 2; i++) {
    issuer = generateSelfSignedCertificate({ commonName: `Sim Intermediate ${i + 1}`, isCA: true, validityDays: 365, nowMs: SIM_WALL_CLOCK_MS, random, issuer });
    cas.push(issuer);
  }
  // 14 days: 'pinned' verification follows the WebTransport serverCertificateHashes rules (≤ 14 days).
  const leaf = generateSelfSignedCertificate({ commonName: 'localhost', dnsNames: ['localhost'], validityDays: 14, nowMs: SIM_WALL_CLOCK_MS, random, issuer });
  const pki: SimPki = {
    chain: [leaf.certificateDer, ...cas.reverse().map((c) => c.certificateDer)],
    keyPkcs8: leaf.privateKeyPkcs8,
    root: root.certificateDer,
    leafSha256: leaf.sha256,
  };
  pkiCache.set(length, pki);
  return pki;
}

/** Options of a `SimPair`. */
export interface SimPairOptions {
  readonly scenario: Scenario;
  /** Seed of the network and of both connections' random sources. */
  readonly seed: number;
  /** Crypto provider of both sides. */
  readonly provider: CryptoProvider;
  /** Certificates per chain sent by the server (default 2: root + leaf). */
  readonly chainLength?: number;
  /** How the client authenticates the server (default 'chain'). */
  readonly verification?: ServerVerification['mode'];
  readonly clientLimits?: ConnectionLimits;
  readonly serverLimits?: ConnectionLimits;
  /** Or a network built by the caller (default: `buildNetwork(scenario, …, seed)`). */
  readonly network?: SimNetwork;
  /** The server's preferred_address (RFC 9000 §9.6), "a.b.c.d:port"; linked like RUNNER_SERVER. */
  readonly serverPreferredAddress?: SimAddress;
  /** Client resumption and 0-RTT (RFC 9001 §4.5, §4.6): a ticket from an earlier pair. */
  readonly clientResumption?: Pick<ClientConnectionOptions, 'sessionTicket' | 'enableEarlyData'>;
  /** Server tickets and 0-RTT (RFC 9001 §4.5, §4.6): share `tickets` between pairs to resume. */
  readonly serverResumption?: Pick<ServerConnectionOptions, 'tickets' | 'ticketLifetimeMs' | 'enableEarlyData'>;
}

/** One datagram a side handed to the network. */
export interface SimSent {
  readonly from: SimSide;
  readonly at: Instant;
  readonly length: number;
  /** The datagram (a copy), the address it was sent from and the address it was sent to. */
  readonly datagram?: Uint8Array;
  readonly local?: string;
  readonly to?: string;
}

/** A callback for each event polled from a side. */
export type SimEventHandler = (side: SimSide, ev: ConnectionEvent, pair: SimPair) => void;

const ALPN = ['hq-interop'];
const DEFAULT_MAX_STEPS = 2_000_000;

/** Two connections over a simulated network. */
export class SimPair {
  readonly net: SimNetwork;
  readonly client: ConnectionType;
  server: ConnectionType | undefined;
  now: Instant = instant(0);
  /** Number of loop iterations so far (over every run). */
  steps = 0;
  /** Datagrams sent and their sizes, per side. */
  readonly datagramsSent: Record<SimSide, number> = { client: 0, server: 0 };
  readonly bytesSent: Record<SimSide, number> = { client: 0, server: 0 };
  /** Datagrams and bytes the network delivered to each side (whether the connection used them or not). */
  readonly datagramsDelivered: Record<SimSide, number> = { client: 0, server: 0 };
  readonly bytesDelivered: Record<SimSide, number> = { client: 0, server: 0 };
  /** When each side reported handshake_completed. */
  readonly handshakeAt: Record<SimSide, Instant | undefined> = { client: undefined, server: undefined };
  /** Optional observer of every datagram sent (for invariants such as the amplification limit). */
  onSend: ((d: SimSent, pair: SimPair) => void) | undefined;
  /** Optional observer of every datagram delivered (before the connection handles it). */
  onDeliver: ((to: SimSide, datagram: Uint8Array, pair: SimPair) => void) | undefined;
  private readonly options: SimPairOptions;
  private readonly pki: SimPki;
  private readonly serverSeed: number;
  private serverAttempts = 0;
  private key: ReturnType<CryptoProvider['importSigningKey']> | undefined;
  private readonly pendingVerification: ConnectionEvent[] = [];
  private readonly buf = new Uint8Array(65_536);

  constructor(options: SimPairOptions) {
    this.options = options;
    this.net = options.network ?? buildNetwork(options.scenario, RUNNER_CLIENT, RUNNER_SERVER, options.seed);
    if (options.serverPreferredAddress !== undefined) this.net.setPath(RUNNER_CLIENT, options.serverPreferredAddress, options.scenario.clientToServer, options.scenario.serverToClient);
    this.pki = simPki(options.chainLength ?? 2);
    this.serverSeed = (options.seed ^ 0x5e4e4) >>> 0;
    const mode = options.verification ?? 'chain';
    const verification: ServerVerification =
      mode === 'chain' ? { mode, trustAnchors: [this.pki.root] } : mode === 'pinned' ? { mode, sha256: [this.pki.leafSha256] } : { mode };
    this.client = Connection.connect(this.now, {
      provider: options.provider, random: new SeededRandom(options.seed), wallClockMs: () => SIM_WALL_CLOCK_MS, alpnProtocols: ALPN,
      serverName: 'localhost', verification, path: { local: RUNNER_CLIENT, remote: RUNNER_SERVER },
      ...(options.clientLimits === undefined ? {} : { limits: options.clientLimits }),
      ...options.clientResumption,
    });
  }

  /** The connection of a side (the server's exists once a first Initial was processed). */
  conn(side: SimSide): ConnectionType | undefined {
    return side === 'client' ? this.client : this.server;
  }

  /** True once both sides reported handshake_completed. */
  get handshakeDone(): boolean {
    return this.handshakeAt.client !== undefined && this.handshakeAt.server !== undefined;
  }

  /**
   * Runs synchronously until `done()`, nothing is left to happen, virtual time would pass `until`,
   * or a 'chain' certificate check is pending (returns 'verify'; `run` handles that).
   * @throws Error after `maxSteps` loop iterations in this call.
   */
  runSync(done: () => boolean, onEvent?: SimEventHandler, until?: Instant, maxSteps = DEFAULT_MAX_STEPS): 'done' | 'idle' | 'until' | 'verify' {
    for (let step = 0; step < maxSteps; step++) {
      this.steps++;
      this.drainEvents(onEvent);
      if (this.pendingVerification.length > 0) return 'verify';
      if (done()) return 'done';
      this.flush();
      this.drainEvents(onEvent);
      if (this.pendingVerification.length > 0) return 'verify';
      if (done()) return 'done';
      const tc = this.client.pollTimeout();
      const ts = this.server?.pollTimeout();
      const next = earliest(this.net.nextDeliveryTime(), earliest(tc, ts));
      if (next === undefined) return 'idle';
      if (until !== undefined && next > until) {
        if (until > this.now) this.now = until;
        return 'until';
      }
      if (next > this.now) this.now = next;
      for (const d of this.net.deliverDue(this.now)) {
        const toServer = d.to === RUNNER_SERVER || d.to === this.options.serverPreferredAddress;
        const to: SimSide | undefined = toServer ? 'server' : d.to === RUNNER_CLIENT ? 'client' : undefined;
        if (to === undefined) continue;
        this.datagramsDelivered[to]++;
        this.bytesDelivered[to] += d.datagram.length;
        this.onDeliver?.(to, d.datagram, this);
        this.deliver(to, d.datagram, d.from, d.to);
      }
      if (tc !== undefined && tc <= this.now) this.client.handleTimeout(this.now);
      const server = this.server;
      if (server !== undefined && ts !== undefined && ts <= this.now) server.handleTimeout(this.now);
    }
    throw new Error(`simulated pair did not settle in ${maxSteps} steps (virtual time ${this.now} µs)`);
  }

  /** As `runSync`, answering 'chain' certificate checks with verifyCertificateChain. */
  async run(done: () => boolean, onEvent?: SimEventHandler, until?: Instant, maxSteps = DEFAULT_MAX_STEPS): Promise<'done' | 'idle' | 'until'> {
    for (;;) {
      const r = this.runSync(done, onEvent, until, maxSteps);
      if (r !== 'verify') return r;
      const ev = this.pendingVerification.shift()!;
      if (ev.type !== 'verify_certificate') throw new Error('unreachable');
      const result: CertificateVerification = await verifyCertificateChain({
        chain: ev.chain, trustAnchors: ev.trustAnchors, nowMs: SIM_WALL_CLOCK_MS, provider: this.options.provider,
        ...(ev.serverName === undefined ? {} : { serverName: ev.serverName }),
      });
      this.client.completeCertificateVerification(this.now, result);
    }
  }

  /** Hands every datagram both sides want to send now to the network. */
  private flush(): void {
    for (const side of ['client', 'server'] as const) {
      const c = this.conn(side);
      if (c === undefined) continue;
      for (let guard = 0; guard < 10_000; guard++) {
        const t = c.pollTransmit(this.now, this.buf);
        const n = t?.length ?? 0;
        if (n === 0) break;
        this.datagramsSent[side]++;
        this.bytesSent[side] += n;
        const bytes = this.buf.slice(0, n);
        // The server answers the path its connection names (the client's apparent address, RFC 9000 §9.3).
        const [from, to] = side === 'client' ? [RUNNER_CLIENT, t?.path.remote || RUNNER_SERVER] : [t?.path.local || RUNNER_SERVER, t?.path.remote || RUNNER_CLIENT];
        this.onSend?.({ from: side, at: this.now, length: n, datagram: bytes, local: from, to }, this);
        this.net.send(this.now, from, to, bytes);
      }
    }
  }

  private deliver(to: SimSide, datagram: Uint8Array, from: string, at: string): void {
    if (to === 'client') {
      this.client.handleDatagram(this.now, datagram, { local: RUNNER_CLIENT, remote: from });
      return;
    }
    const path = { local: at, remote: from };
    if (this.server !== undefined) {
      this.server.handleDatagram(this.now, datagram, path);
      return;
    }
    let header;
    try {
      header = decodePacketHeader(new Reader(datagram), 8);
    } catch (e) {
      if (e instanceof CodecError) return;
      throw e;
    }
    // RFC 9000 §14.1: "A server MUST discard an Initial packet that is carried in a UDP datagram
    // with a payload that is smaller than the smallest allowed maximum datagram size of 1200 bytes."
    if (header.type !== PacketType.Initial || datagram.length < 1200) return;
    const options = this.options;
    const candidate = Connection.accept(
      {
        provider: options.provider, random: new SeededRandom(this.serverSeed + this.serverAttempts++), wallClockMs: () => SIM_WALL_CLOCK_MS,
        alpnProtocols: ALPN, certificate: { chain: this.pki.chain, key: this.signingKey() },
        ...(options.serverLimits === undefined ? {} : { limits: options.serverLimits }),
        ...(options.serverPreferredAddress === undefined ? {} : { preferredAddress: { ipv4: options.serverPreferredAddress } }),
        ...options.serverResumption,
      },
      header as InitialPacketHeader,
      path,
    );
    candidate.handleDatagram(this.now, datagram, path);
    // Keep the connection only if the Initial could be unprotected (its keys derive from the DCID).
    if (candidate.stats().packetsReceived > 0) this.server = candidate;
  }

  /**
   * The server's key, imported through the noble provider whatever the pair's provider: noble's
   * ECDSA is deterministic (RFC 6979 §3.2) while node:crypto draws a random k, whose DER signature
   * length varies by a byte or two and with it packet sizes and timings: a seed would not replay.
   */
  private signingKey(): ReturnType<CryptoProvider['importSigningKey']> {
    this.key ??= nobleCryptoProvider.importSigningKey(this.pki.keyPkcs8);
    return this.key;
  }

  private drainEvents(onEvent?: SimEventHandler): void {
    for (const side of ['client', 'server'] as const) {
      const c = this.conn(side);
      if (c === undefined) continue;
      for (let ev = c.pollEvent(); ev !== undefined; ev = c.pollEvent()) {
        if (ev.type === 'verify_certificate') this.pendingVerification.push(ev);
        if (ev.type === 'handshake_completed' && this.handshakeAt[side] === undefined) this.handshakeAt[side] = this.now;
        onEvent?.(side, ev, this);
      }
    }
  }
}

/** Counts the packets of a datagram whose long-header type is `type` (header bytes only; no keys needed). */
export function countPacketsOfType(datagram: Uint8Array, type: PacketType): number {
  return splitDatagram(datagram, 8).packets.filter((p) => p.type === type).length;
}

/** A bulk download: the client opens `streams` bidirectional streams, asks with a 1-byte request
 * on each (FIN), and the server answers each with `bytesPerStream` bytes (FIN). `done` is true once
 * the client read every byte and FIN. The runner's transfer/multiplexing tests are downloads. */
export class Download {
  /** Bytes the client has read, per stream. */
  readonly received = new Map<number, number>();
  /** When the first request was written and the last byte read (virtual time). */
  startedAt: Instant | undefined;
  finishedAt: Instant | undefined;
  /** Whether every response byte matched the pattern (`(offset * 7 + streamTag(id)) & 0xff`). */
  intact = true;
  private readonly finished = new Set<number>();
  private readonly responses = new Map<number, { offset: number; fin: boolean }>();
  private readonly chunk: Uint8Array;
  private readonly pattern = new Map<number, Uint8Array>();

  readonly streams: number;
  readonly bytesPerStream: number;

  constructor(streams: number, bytesPerStream: number) {
    this.streams = streams;
    this.bytesPerStream = bytesPerStream;
    this.chunk = new Uint8Array(Math.min(65_536, Math.max(1, bytesPerStream)));
  }

  /** Whether every stream was read to its FIN. */
  get done(): boolean {
    return this.finished.size === this.streams;
  }

  /** Total response bytes read by the client. */
  get bytesReceived(): number {
    let n = 0;
    for (const v of this.received.values()) n += v;
    return n;
  }

  /** Opens the streams and sends the requests (after the handshake). */
  start(pair: SimPair): void {
    this.startedAt = pair.now;
    for (let i = 0; i < this.streams; i++) {
      const id = pair.client.openStream('bidi');
      if (id === undefined) throw new Error(`could not open stream ${i}`);
      this.received.set(id, 0);
      if (pair.client.streamWrite(id, Uint8Array.of(0x47)) !== 1) throw new Error('request not accepted');
      pair.client.streamFinish(id);
    }
  }

  /** The event handler that drives both sides. */
  readonly onEvent: SimEventHandler = (side, ev, pair) => {
    if (side === 'server') {
      const server = pair.server!;
      if (ev.type === 'stream_readable') {
        for (let r = server.streamRead(ev.streamId); r !== undefined; r = server.streamRead(ev.streamId)) {
          if (r.fin && !this.responses.has(ev.streamId)) {
            this.responses.set(ev.streamId, { offset: 0, fin: false });
            this.pump(server, ev.streamId);
          }
          if (r.fin || r.data.length === 0) break;
        }
      } else if (ev.type === 'stream_writable') this.pump(server, ev.streamId);
      return;
    }
    if (ev.type !== 'stream_readable') return;
    for (let r = pair.client.streamRead(ev.streamId); r !== undefined; r = pair.client.streamRead(ev.streamId)) {
      const before = this.received.get(ev.streamId) ?? 0;
      this.check(ev.streamId, before, r.data);
      this.received.set(ev.streamId, before + r.data.length);
      if (r.fin) {
        this.finished.add(ev.streamId);
        if (this.done) this.finishedAt = pair.now;
        break;
      }
      if (r.data.length === 0) break;
    }
  };

  private check(id: number, offset: number, data: Uint8Array): void {
    const index = streamTag(id);
    for (let i = 0; i < data.length; i++) if (data[i] !== (((offset + i) * 7 + index) & 0xff)) {
      this.intact = false;
      return;
    }
  }

  private patternFor(index: number): Uint8Array {
    let p = this.pattern.get(index);
    if (p === undefined) {
      // A period of 256 bytes: any 256-aligned window of the response equals this buffer's prefix.
      p = new Uint8Array(this.chunk.length + 256);
      for (let i = 0; i < p.length; i++) p[i] = (i * 7 + index) & 0xff;
      this.pattern.set(index, p);
    }
    return p;
  }

  private pump(server: ConnectionType, id: number): void {
    const st = this.responses.get(id);
    if (st === undefined || st.fin) return;
    const p = this.patternFor(streamTag(id));
    while (st.offset < this.bytesPerStream) {
      const len = Math.min(this.chunk.length, this.bytesPerStream - st.offset);
      const start = st.offset & 0xff;
      const n = server.streamWrite(id, p.subarray(start, start + len));
      st.offset += n;
      if (n < len) return;
    }
    server.streamFinish(id);
    st.fin = true;
  }
}

function streamTag(id: number): number {
  return (id >> 2) & 0xff;
}
