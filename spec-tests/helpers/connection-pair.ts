/**
 * Two Connections in memory on a virtual clock (DESIGN §6.3): datagrams are delivered after a
 * configurable one-way delay, an optional filter drops some, time jumps to the earliest deadline
 * (delivery or `pollTimeout`) when nothing is due, and verify_certificate events run through
 * verifyCertificateChain outside the core. The loop is bounded so a bug cannot hang a test.
 */
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { Connection } from '../../src/connection/connection.js';
import { DEFAULT_PATH, type AcceptValidation, type ClientConnectionOptions, type ConnectionCommonOptions, type ConnectionEvent, type ConnectionLimits, type NetworkPath, type ServerConnectionOptions } from '../../src/connection/types.js';
import { verifyCertificateChain } from '../../src/tls/certificates/verify-chain.js';
import { generateSelfSignedCertificate } from '../../src/tls/certificates/self-signed.js';
import { Reader, Writer, concatBytes } from '../../src/util/bytes.js';
import { protectPacket } from '../../src/crypto/packet-protection.js';
import { encodeShortHeader } from '../../src/wire/short-header.js';
import { SeededRandom } from '../../src/util/random.js';
import { addDuration, earliest, instant, millis, type Duration, type Instant } from '../../src/util/time.js';
import { decodePacketHeader } from '../../src/wire/header.js';
import { PacketNumberSpace, PacketType } from '../../src/wire/packet-type.js';
import type { InitialPacketHeader } from '../../src/wire/long-header.js';
import { TLS_TEST_NOW } from './tls-certs.js';

/** Which side. */
export type Side = 'client' | 'server';

/** A datagram as the harness saw it. */
export interface SentDatagram {
  readonly from: Side;
  readonly at: Instant;
  readonly bytes: Uint8Array;
  /** Index among the datagrams sent by `from` (0-based). */
  readonly index: number;
  dropped: boolean;
  /** The path the sender's pollTransmit named (RFC 9000 §9). */
  readonly path?: NetworkPath;
}

/** Options of the pair. */
export interface PairOptions {
  readonly provider?: CryptoProvider;
  readonly seed?: number;
  readonly oneWayDelay?: Duration;
  /** True to drop the datagram. */
  readonly drop?: (d: SentDatagram) => boolean;
  readonly clientLimits?: ConnectionLimits;
  readonly serverLimits?: ConnectionLimits;
  /** The client's trust anchors (default: the CA that signed the server's certificate). */
  readonly trustAnchors?: readonly Uint8Array[];
  /** Extra connection options per side (key update settings, stateless reset key). */
  readonly clientExtra?: Pick<ConnectionCommonOptions, 'keyUpdate' | 'statelessResetKey' | 'qlog'>;
  readonly serverExtra?: Pick<ConnectionCommonOptions, 'keyUpdate' | 'statelessResetKey' | 'qlog'>;
  /** Rewrites the client Initial header the server is accepted from (to test §7.3 checks). */
  readonly acceptHeader?: (h: InitialPacketHeader) => InitialPacketHeader;
  /**
   * RFC 9000 §9 tests: the path a datagram arrives on at the receiver, given the datagram (with the
   * path it was sent on), or undefined to drop it. Absent: no path (the receiver's active path).
   */
  readonly route?: (d: SentDatagram) => NetworkPath | undefined;
  /** The client's first path (ClientConnectionOptions.path). */
  readonly clientPath?: NetworkPath;
  /** What the server's endpoint learnt from a token (RFC 9000 §8.1, §7.3), given the first Initial. */
  readonly acceptValidation?: (h: InitialPacketHeader, pair: ConnectionPair) => AcceptValidation | undefined;
  /** Client version options (RFC 9368, RFC 9369) and its token (RFC 9000 §8.1.3). */
  readonly clientVersioning?: Pick<ClientConnectionOptions, 'version' | 'availableVersions' | 'versionInformation' | 'token'>;
  /** Server version options (RFC 9368 §2.3). */
  readonly serverVersioning?: Pick<ServerConnectionOptions, 'preferredVersions' | 'versionInformation'>;
  /** The server's preferred_address (RFC 9000 §9.6). */
  readonly serverPreferredAddress?: { readonly ipv4?: string; readonly ipv6?: string };
  /** Client resumption and 0-RTT (RFC 9001 §4.5, §4.6). */
  readonly clientResumption?: Pick<ClientConnectionOptions, 'sessionTicket' | 'enableEarlyData'>;
  /** Server tickets and 0-RTT (RFC 9001 §4.5, §4.6). */
  readonly serverResumption?: Pick<ServerConnectionOptions, 'tickets' | 'ticketLifetimeMs' | 'enableEarlyData'>;
}

const ALPN = ['hq-interop'];

let pki: { ca: Uint8Array; leaf: Uint8Array; key: Uint8Array } | undefined;
function testPki(): { ca: Uint8Array; leaf: Uint8Array; key: Uint8Array } {
  if (pki !== undefined) return pki;
  const random = new SeededRandom(0xc0ffee);
  const ca = generateSelfSignedCertificate({ commonName: 'Pair CA', isCA: true, validityDays: 365, nowMs: TLS_TEST_NOW, random });
  const leaf = generateSelfSignedCertificate({ commonName: 'localhost', dnsNames: ['localhost'], nowMs: TLS_TEST_NOW, random, issuer: ca });
  pki = { ca: ca.certificateDer, leaf: leaf.certificateDer, key: leaf.privateKeyPkcs8 };
  return pki;
}

/** The two endpoints and the wire between them. */
export class ConnectionPair {
  readonly client: Connection;
  server: Connection | undefined;
  now: Instant = instant(0);
  readonly sent: SentDatagram[] = [];
  readonly events: Record<Side, ConnectionEvent[]> = { client: [], server: [] };
  private readonly options: PairOptions;
  private readonly provider: CryptoProvider;
  private readonly serverRandom: SeededRandom;
  private readonly inFlight: { to: Side; at: Instant; bytes: Uint8Array; path?: NetworkPath }[] = [];
  private readonly counts: Record<Side, number> = { client: 0, server: 0 };
  private readonly buf = new Uint8Array(65_536);

  constructor(options: PairOptions = {}) {
    this.options = options;
    this.provider = options.provider ?? nodeCryptoProvider;
    const seed = options.seed ?? 1;
    this.serverRandom = new SeededRandom(seed + 1);
    const p = testPki();
    this.client = Connection.connect(this.now, {
      provider: this.provider, random: new SeededRandom(seed), wallClockMs: () => TLS_TEST_NOW, alpnProtocols: ALPN,
      serverName: 'localhost', verification: { mode: 'chain', trustAnchors: options.trustAnchors ?? [p.ca] },
      ...(options.clientPath === undefined ? {} : { path: options.clientPath }),
      ...(options.clientLimits === undefined ? {} : { limits: options.clientLimits }),
      ...options.clientExtra,
      ...options.clientVersioning,
      ...options.clientResumption,
    });
  }

  /** The connection of a side (the server exists once the first Initial arrived). */
  conn(side: Side): Connection | undefined {
    return side === 'client' ? this.client : this.server;
  }

  /**
   * Runs until `done()` or nothing is left to do, calling `onEvent` for each event polled.
   * @throws Error after `maxSteps` iterations.
   */
  async run(done: () => boolean, onEvent?: (side: Side, ev: ConnectionEvent, pair: ConnectionPair) => void, maxSteps = 20_000, until?: Instant): Promise<void> {
    for (let step = 0; step < maxSteps; step++) {
      await this.drainEvents(onEvent);
      if (done()) return;
      this.flush();
      await this.drainEvents(onEvent);
      if (done()) return;
      const due = this.inFlight.filter((d) => d.at <= this.now);
      if (due.length > 0) {
        for (const d of due) this.inFlight.splice(this.inFlight.indexOf(d), 1);
        for (const d of due) this.deliver(d.to, d.bytes, d.path);
        continue;
      }
      let next: Instant | undefined;
      for (const d of this.inFlight) next = earliest(next, d.at);
      const timeouts: Record<Side, Instant | undefined> = { client: this.client.pollTimeout(), server: this.server?.pollTimeout() };
      next = earliest(next, earliest(timeouts.client, timeouts.server));
      if (until !== undefined && (next === undefined || next > until)) {
        this.now = until;
        return;
      }
      if (next === undefined) return;
      if (next > this.now) this.now = next;
      for (const side of ['client', 'server'] as const) {
        const t = timeouts[side];
        if (t !== undefined && t <= this.now) this.conn(side)!.handleTimeout(this.now);
      }
    }
    throw new Error(`pair did not settle in ${maxSteps} steps`);
  }

  /** Runs the pair for `d` of virtual time (never jumping past it). */
  async runFor(d: Duration, onEvent?: (side: Side, ev: ConnectionEvent, pair: ConnectionPair) => void): Promise<void> {
    const until = addDuration(this.now, d);
    await this.run(() => false, onEvent, 20_000, until);
  }

  /** Sends everything both sides want to send now. */
  flush(): void {
    for (const side of ['client', 'server'] as const) {
      const c = this.conn(side);
      if (c === undefined) continue;
      for (let guard = 0; guard < 1000; guard++) {
        const t = c.pollTransmit(this.now, this.buf);
        const n = t?.length ?? 0;
        if (n === 0) break;
        const d: SentDatagram = { from: side, at: this.now, bytes: this.buf.slice(0, n), index: this.counts[side]++, dropped: false, ...(t === undefined ? {} : { path: t.path }) };
        d.dropped = this.options.drop?.(d) ?? false;
        const arrival = this.options.route?.(d);
        if (this.options.route !== undefined && arrival === undefined) d.dropped = true;
        this.sent.push(d);
        if (!d.dropped) this.inFlight.push({ to: side === 'client' ? 'server' : 'client', at: addDuration(this.now, this.options.oneWayDelay ?? millis(10)), bytes: d.bytes, ...(arrival === undefined ? {} : { path: arrival }) });
      }
    }
  }

  /** Delivers `bytes` to a side now, outside the simulated wire (reordering, forged packets). */
  deliverNow(to: Side, bytes: Uint8Array, path?: NetworkPath): void {
    this.deliver(to, bytes, path);
  }

  private deliver(to: Side, bytes: Uint8Array, path?: NetworkPath): void {
    if (to === 'server' && this.server === undefined) {
      const header = decodePacketHeader(new Reader(bytes), 8);
      if (header.type !== PacketType.Initial) return;
      const p = testPki();
      this.server = Connection.accept(
        {
          provider: this.provider, random: this.serverRandom, wallClockMs: () => TLS_TEST_NOW, alpnProtocols: ALPN,
          certificate: { chain: [p.leaf], key: this.provider.importSigningKey(p.key) },
          ...(this.options.serverLimits === undefined ? {} : { limits: this.options.serverLimits }),
          ...this.options.serverExtra,
          ...this.options.serverVersioning,
          ...this.options.serverResumption,
          ...(this.options.serverPreferredAddress === undefined ? {} : { preferredAddress: this.options.serverPreferredAddress }),
        },
        this.options.acceptHeader?.(header as InitialPacketHeader) ?? (header as InitialPacketHeader),
        path ?? DEFAULT_PATH,
        this.options.acceptValidation?.(header as InitialPacketHeader, this),
      );
    }
    if (path === undefined) this.conn(to)!.handleDatagram(this.now, bytes);
    else this.conn(to)!.handleDatagram(this.now, bytes, path);
  }

  private async drainEvents(onEvent?: (side: Side, ev: ConnectionEvent, pair: ConnectionPair) => void): Promise<void> {
    for (const side of ['client', 'server'] as const) {
      const c = this.conn(side);
      if (c === undefined) continue;
      for (let ev = c.pollEvent(); ev !== undefined; ev = c.pollEvent()) {
        this.events[side].push(ev);
        if (ev.type === 'verify_certificate') {
          const result = await verifyCertificateChain({
            chain: ev.chain, trustAnchors: ev.trustAnchors, nowMs: TLS_TEST_NOW, provider: this.provider,
            ...(ev.serverName === undefined ? {} : { serverName: ev.serverName }),
          });
          c.completeCertificateVerification(this.now, result);
        }
        onEvent?.(side, ev, this);
      }
    }
  }

  /** True once both sides reported handshake_completed. */
  get handshakeDone(): boolean {
    return this.events.client.some((e) => e.type === 'handshake_completed') && this.events.server.some((e) => e.type === 'handshake_completed');
  }
}

/** Writes as much of `data[offset..]` as the stream takes; finishes when all is written. */
export function pump(c: Connection, id: number, data: Uint8Array, state: { offset: number; finished: boolean }): void {
  while (state.offset < data.length) {
    const n = c.streamWrite(id, data.subarray(state.offset, state.offset + 16_384));
    if (n === 0) break;
    state.offset += n;
  }
  if (state.offset === data.length && !state.finished) {
    c.streamFinish(id);
    state.finished = true;
  }
}

/**
 * The client sends `data` on a new stream of `dir`; the server echoes it back on the same stream
 * (bidi) or on a new unidirectional stream (uni); returns what the client read back.
 */
export async function echo(options: PairOptions, data: Uint8Array, dir: 'bidi' | 'uni'): Promise<{ pair: ConnectionPair; received: Uint8Array; echoed: Uint8Array }> {
  const pair = new ConnectionPair(options);
  await pair.run(() => pair.handshakeDone);
  const client = pair.client;
  const server = pair.server!;
  const id = client.openStream(dir);
  if (id === undefined) throw new Error('could not open a stream');
  const up = { offset: 0, finished: false };
  const down = { offset: 0, finished: false };
  const atServer: Uint8Array[] = [];
  const atClient: Uint8Array[] = [];
  let serverDone = false;
  let clientDone = false;
  let replyId: number | undefined;
  pump(client, id, data, up);
  await pair.run(
    () => clientDone,
    (side, ev) => {
      if (side === 'client' && ev.type === 'stream_writable' && ev.streamId === id) pump(client, id, data, up);
      if (side === 'server' && ev.type === 'stream_writable' && ev.streamId === replyId) pump(server, replyId, data, down);
      if (ev.type !== 'stream_readable') return;
      const c = side === 'client' ? client : server;
      for (;;) {
        const r = c.streamRead(ev.streamId);
        if (r === undefined) break;
        if (r.data.length > 0) (side === 'client' ? atClient : atServer).push(r.data);
        if (r.fin) {
          if (side === 'server') serverDone = true;
          else clientDone = true;
          break;
        }
        if (r.data.length === 0) break;
      }
      if (side === 'server' && serverDone && replyId === undefined) {
        replyId = dir === 'bidi' ? ev.streamId : server.openStream('uni')!;
        pump(server, replyId, concatBytes(...atServer), down);
      }
    },
  );
  return { pair, received: concatBytes(...atServer), echoed: concatBytes(...atClient) };
}


/**
 * A 1-RTT packet from `from` carrying `payload` as its frames, protected with its keys and next
 * packet number: a way to make a peer misbehave on purpose. Given `now`, the packet is recorded as
 * sent (not in flight), so that the peer's ACK of it is no ACK of an unsent packet.
 */
export function forgeOneRttDatagram(from: Connection, payload: Uint8Array, now?: Instant): Uint8Array {
  const s = from.state;
  const sp = s.spaces[PacketNumberSpace.ApplicationData];
  const keys = sp.writeKeys;
  if (keys === undefined) throw new Error('no 1-RTT keys yet');
  const pn = sp.nextPacketNumber++;
  const buf = new Uint8Array(1 + s.remoteCid.length + 4 + Math.max(payload.length, 4) + 16);
  const w = new Writer(buf);
  const pnOffset = encodeShortHeader(w, { type: PacketType.OneRtt, dcid: s.remoteCid, spin: false, keyPhase: s.keyUpdate.writePhase }, pn, 4);
  w.bytes(payload);
  if (payload.length < 4) w.zeros(4 - payload.length);
  const end = protectPacket(keys, buf, pnOffset, 4, pn, w.offset);
  if (now !== undefined) s.ld.onPacketSent(PacketNumberSpace.ApplicationData, { packetNumber: pn, ackEliciting: false, inFlight: false, sentBytes: end, tokens: [] }, now);
  return buf.subarray(0, end);
}

/** `n` deterministic pseudo-random bytes (test payloads). */
export function payload(n: number, seed = 7): Uint8Array {
  return new SeededRandom(seed).fill(new Uint8Array(n));
}

/** A pair whose handshake is complete and confirmed on both sides (RFC 9001 §4.1.2). */
export async function confirmedPair(options: PairOptions = {}): Promise<ConnectionPair> {
  const pair = new ConnectionPair(options);
  await pair.run(() => pair.handshakeDone && pair.client.state.handshakeConfirmed);
  return pair;
}

/**
 * Sends `data` from the client to the server on a new bidirectional stream and returns what the
 * server read; `onProgress` runs after each read with the byte count received so far.
 */
export async function transfer(pair: ConnectionPair, data: Uint8Array, onProgress?: (received: number) => void): Promise<Uint8Array> {
  const client = pair.client;
  const server = pair.server!;
  const id = client.openStream('bidi')!;
  const up = { offset: 0, finished: false };
  const got: Uint8Array[] = [];
  let received = 0;
  let done = false;
  pump(client, id, data, up);
  await pair.run(
    () => done,
    (side, ev) => {
      if (side === 'client' && ev.type === 'stream_writable' && ev.streamId === id) pump(client, id, data, up);
      if (side !== 'server' || ev.type !== 'stream_readable' || ev.streamId !== id) return;
      for (let r = server.streamRead(id); r !== undefined; r = server.streamRead(id)) {
        if (r.data.length > 0) got.push(r.data);
        received += r.data.length;
        onProgress?.(received);
        if (r.fin) done = true;
        if (r.fin || r.data.length === 0) break;
      }
    },
  );
  return concatBytes(...got);
}
