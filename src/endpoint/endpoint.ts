/**
 * The sans-IO server endpoint (DESIGN §1, §2 endpoint/): routes datagrams to connections by
 * Destination Connection ID (RFC 9000 §5.2), creates connections only from valid client Initials
 * (RFC 9000 §5.2.2, §7.2, §14.1), answers unsupported versions with Version Negotiation (RFC 9000
 * §6.1), validates addresses with Retry (RFC 9000 §8.1.2), sends Stateless Resets for unknown
 * short-header connection IDs (RFC 9000 §10.3), enforces connection and handshake limits, and
 * removes a connection's routes once it has closed and drained (RFC 9000 §10.2).
 *
 * Every accepted connection derives its stateless reset tokens from the endpoint's static key
 * (RFC 9000 §10.3.2), so the token in its stateless_reset_token transport parameter and in each
 * NEW_CONNECTION_ID frame is the one the endpoint recomputes after losing the connection's state.
 * Every connection ID the connection issues is routed (RFC 9000 §5.1.1 connection_id_issued) and
 * its route removed once the peer retires it (RFC 9000 §5.1.2 connection_id_retired).
 *
 * Connection refusal (limits, admission.ts rate limits and hook) is answered with a stateless
 * CONNECTION_CLOSE(CONNECTION_REFUSED) in an Initial (RFC 9000 §5.2.2; initial-close.ts), at most
 * `maxRefusalsPerSecond`; so is an invalid Retry token, with INVALID_TOKEN (RFC 9000 §8.1.2).
 * A connection is kept only if its first datagram authenticated at least one packet (RFC 9001
 * §5.5); otherwise it is discarded with no route and no event. The client's first Destination
 * Connection ID is routed until handshake_completed. The remote address is fixed at the first
 * Initial (no migration).
 */
import { Connection } from '../connection/connection.js';
import { LOCAL_CID_LENGTH } from '../connection/state.js';
import { Reader, toHex } from '../util/bytes.js';
import { CodecError } from '../util/errors.js';
import { randomBytes } from '../util/random.js';
import { earliest, type Instant } from '../util/time.js';
import type { ConnectionId } from '../wire/connection-id.js';
import { decodeInvariantHeader, decodePacketHeader } from '../wire/header.js';
import type { InitialPacketHeader } from '../wire/long-header.js';
import { PacketType } from '../wire/packet-type.js';
import { VERSION_NEGOTIATION, isSupportedVersion } from '../wire/version.js';
import type { AcceptValidation } from '../connection/types.js';
import { AddressTokenKind, AddressTokens, claimedTokenKind, type TokenAddress } from './address-token.js';
import { StatelessResetKey } from './stateless-reset-key.js';
import { Admission, RefusalReason, type Refusal, type RefusalReasonName } from './admission.js';
import { buildInitialClose } from './initial-close.js';
import { TransportErrorCode } from '../wire/errors.js';
import { RateLimiter, buildRetry, buildStatelessResetFor, buildVersionNegotiation } from './stateless-responses.js';
import type { ConnectionHandle, EndpointEvent, EndpointOptions, EndpointStats, EndpointTransmit, RetryPolicy } from './types.js';

/** RFC 9000 §14.1: "the smallest allowed maximum datagram size of 1200 bytes". */
export const MIN_INITIAL_DATAGRAM_SIZE = 1200;
/** RFC 9000 §7.2: the client's first Destination Connection ID "MUST be at least 8 bytes in length". */
export const MIN_INITIAL_DCID_LENGTH = 8;
/** Most stateless packets (VN, Retry, reset) queued for sending; more are dropped. */
export const MAX_PENDING_STATELESS = 64;
/** Largest Stateless Reset we send (no path MTU is known without state). */
const MAX_STATELESS_RESET_SIZE = 1200;

const DEFAULTS = {
  retry: 'never' as RetryPolicy,
  retryThreshold: 64,
  maxConnections: 10_000,
  maxHandshakes: 1000,
  maxStatelessResetsPerSecond: 100,
} as const;

interface Entry {
  readonly handle: ConnectionHandle;
  readonly conn: Connection;
  readonly remote: string;
  /** Route keys (hex connection IDs) pointing at this entry. */
  readonly routes: Set<string>;
  /** The client's first Destination Connection ID, routed until the handshake completes. */
  odcidKey: string | undefined;
  handshakeDone: boolean;
  closed: boolean;
}

/** A server endpoint: many connections behind one (virtual) socket. */
export class Endpoint {
  private readonly options: EndpointOptions;
  private readonly retry: RetryPolicy;
  private readonly retryThreshold: number;
  private readonly maxConnections: number;
  private readonly maxHandshakes: number;
  private readonly resetKey: StatelessResetKey;
  private readonly tokens: AddressTokens;
  private readonly resetLimiter: RateLimiter;
  private readonly routes = new Map<string, Entry>();
  private readonly entries: Entry[] = [];
  private readonly stateless: { bytes: Uint8Array; remote: string; local: string }[] = [];
  /** The local socket of the datagram being handled (stateless answers leave from it). */
  private receivingOn = '';
  private readonly events: EndpointEvent[] = [];
  private nextHandle: ConnectionHandle = 1;
  private roundRobin = 0;
  private counters = { droppedDatagrams: 0, versionNegotiationsSent: 0, retriesSent: 0, statelessResetsSent: 0, refusalsSent: 0 };
  /** Admission control and stateless refusals (admission.ts, initial-close.ts). */
  private readonly admission: Admission;
  private readonly refusalLimiter: RateLimiter;
  private readonly refusals: Record<RefusalReasonName, number> = { rate_limit_per_ip: 0, rate_limit_global: 0, per_ip_concurrent: 0, max_connections: 0, max_handshakes: 0, admission_hook: 0, invalid_token: 0 };

  constructor(options: EndpointOptions) {
    this.options = options;
    this.retry = options.retry ?? DEFAULTS.retry;
    this.retryThreshold = options.retryThreshold ?? DEFAULTS.retryThreshold;
    this.maxConnections = options.maxConnections ?? DEFAULTS.maxConnections;
    this.maxHandshakes = options.maxHandshakes ?? DEFAULTS.maxHandshakes;
    this.resetKey = options.statelessResetKey ?? new StatelessResetKey(options.provider, options.random);
    this.tokens = options.addressTokens ?? new AddressTokens(options.provider, options.random);
    this.resetLimiter = new RateLimiter(options.maxStatelessResetsPerSecond ?? DEFAULTS.maxStatelessResetsPerSecond);
    this.admission = new Admission(options.rateLimits, options.admit);
    this.refusalLimiter = new RateLimiter(options.maxRefusalsPerSecond ?? DEFAULTS.maxStatelessResetsPerSecond);
  }

  /**
   * A UDP datagram arrived from `remote` (an opaque address string, e.g. "192.0.2.1:4433") on the
   * local socket `local` (default ''; a server with a preferred address has several, RFC 9000 §9.6).
   * A known connection ID from a new address goes to its connection with the new path (RFC 9000 §9.3).
   */
  handleDatagram(now: Instant, datagram: Uint8Array, remote: string, local = ''): void {
    this.receivingOn = local;
    let inv;
    try {
      inv = decodeInvariantHeader(new Reader(datagram), LOCAL_CID_LENGTH);
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      this.drop();
      return;
    }
    if (inv.form === 'long' && !isSupportedVersion(inv.version)) {
      this.onUnsupportedVersion(datagram, remote, inv.version, inv.dcid, inv.scid);
      return;
    }
    // RFC 9000 §5.2.2: "Packets with a supported version, or no Version field, are matched to a
    // connection using the connection ID".
    const entry = this.routes.get(toHex(inv.dcid));
    if (entry !== undefined) {
      entry.conn.handleDatagram(now, datagram, { local, remote });
      this.collect(entry);
      return;
    }
    if (inv.form === 'short') this.onUnknownShortHeader(now, datagram, remote, inv.dcid);
    else this.onUnknownLongHeader(now, datagram, remote);
  }

  /** Writes the next datagram to send into `out` (round-robin over connections after stateless packets). */
  pollTransmit(now: Instant, out: Uint8Array): EndpointTransmit | undefined {
    for (let p = this.stateless.shift(); p !== undefined; p = this.stateless.shift()) {
      if (p.bytes.length > out.length) continue;
      out.set(p.bytes);
      return { length: p.bytes.length, remote: p.remote, local: p.local };
    }
    const n = this.entries.length;
    for (let i = 0; i < n; i++) {
      const idx = (this.roundRobin + i) % n;
      const e = this.entries[idx]!;
      if (!e.conn.mayTransmit(now)) continue; // quiet since its last poll: nothing to send (O(1))
      const t = e.conn.pollTransmit(now, out);
      if (t === undefined) continue;
      this.roundRobin = (idx + 1) % n;
      // Writing may have issued connection IDs (NEW_CONNECTION_ID): route them before the peer
      // can use them.
      this.collect(e);
      return { length: t.length, remote: t.path.remote, local: t.path.local };
    }
    return undefined;
  }

  /** The earliest deadline of any connection. */
  pollTimeout(): Instant | undefined {
    let t: Instant | undefined;
    for (const e of this.entries) t = earliest(t, e.conn.cachedTimeout()); // recomputed only for touched connections
    return t;
  }

  /** Runs the timers of every connection whose deadline passed; tears down drained connections. */
  handleTimeout(now: Instant): void {
    for (const e of [...this.entries]) {
      const t = e.conn.cachedTimeout();
      if (t !== undefined && t <= now) e.conn.handleTimeout(now);
      this.collect(e);
    }
  }

  /** The next event (connection events are gathered from every connection first). */
  pollEvent(): EndpointEvent | undefined {
    if (this.events.length === 0) for (const e of [...this.entries]) this.collect(e);
    return this.events.shift();
  }

  /** The connection of `handle`, until it is removed. */
  connection(handle: ConnectionHandle): Connection | undefined {
    return this.entries.find((e) => e.handle === handle)?.conn;
  }

  /** Counters. */
  stats(): EndpointStats {
    return {
      connections: this.entries.length,
      handshakesInProgress: this.handshakesInProgress(),
      routes: this.routes.size,
      ...this.counters,
      refusals: { ...this.refusals },
    };
  }

  private drop(): void {
    this.counters.droppedDatagrams++;
  }

  private queueStateless(bytes: Uint8Array, remote: string): boolean {
    if (this.stateless.length >= MAX_PENDING_STATELESS) return false;
    this.stateless.push({ bytes, remote, local: this.receivingOn });
    return true;
  }

  private handshakesInProgress(): number {
    let n = 0;
    for (const e of this.entries) if (!e.handshakeDone && !e.closed) n++;
    return n;
  }

  private onUnsupportedVersion(datagram: Uint8Array, remote: string, version: number, dcid: ConnectionId, scid: ConnectionId): void {
    // RFC 9000 §6.1: "An endpoint MUST NOT send a Version Negotiation packet in response to
    // receiving a Version Negotiation packet."
    if (version === VERSION_NEGOTIATION) return this.drop();
    // RFC 9000 §5.2.2: "Servers MUST drop smaller packets that specify unsupported versions."
    if (datagram.length < MIN_INITIAL_DATAGRAM_SIZE) return this.drop();
    if (this.queueStateless(buildVersionNegotiation(this.options.random, dcid, scid), remote)) this.counters.versionNegotiationsSent++;
  }

  private onUnknownShortHeader(now: Instant, datagram: Uint8Array, remote: string, dcid: ConnectionId): void {
    // RFC 9000 §10.3.3: "An endpoint MUST ensure that every Stateless Reset that it sends is
    // smaller than the packet that triggered it".
    const reset = buildStatelessResetFor(this.options.random, this.resetKey.tokenFor(dcid), datagram.length, MAX_STATELESS_RESET_SIZE);
    if (reset === undefined) return this.drop();
    // RFC 9000 §10.3.3: "stop generating new Stateless Resets once a limit is reached".
    if (!this.resetLimiter.tryAcquire(now)) return this.drop();
    if (this.queueStateless(reset, remote)) this.counters.statelessResetsSent++;
  }

  private onUnknownLongHeader(now: Instant, datagram: Uint8Array, remote: string): void {
    let header;
    try {
      header = decodePacketHeader(new Reader(datagram), LOCAL_CID_LENGTH);
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      return this.drop();
    }
    // RFC 9000 §5.2.2: 0-RTT and Handshake packets without a connection: "Servers MUST drop
    // incoming packets under all other circumstances."
    if (header.type !== PacketType.Initial) return this.drop();
    // RFC 9000 §14.1: "A server MUST discard an Initial packet that is carried in a UDP datagram
    // with a payload that is smaller than the smallest allowed maximum datagram size of 1200 bytes."
    if (datagram.length < MIN_INITIAL_DATAGRAM_SIZE) return this.drop();
    // RFC 9000 §7.2: the client's Destination Connection ID "MUST be at least 8 bytes in length".
    if (header.dcid.length < MIN_INITIAL_DCID_LENGTH) return this.drop();
    // RFC 9000 §5.2.2: "If a server refuses to accept a new connection, it SHOULD send an Initial
    // packet containing a CONNECTION_CLOSE frame with error code CONNECTION_REFUSED" (refuse()).
    const handshakes = this.handshakesInProgress();
    if (this.entries.length >= this.maxConnections) return this.refuse(now, header, remote, { kind: RefusalReason.MaxConnections, reason: 'server at its connection limit', code: undefined });
    if (handshakes >= this.maxHandshakes) return this.refuse(now, header, remote, { kind: RefusalReason.MaxHandshakes, reason: 'server at its handshake limit', code: undefined });
    const validation = this.checkAddress(now, header, remote, handshakes);
    if (validation === undefined) return;
    // Admission (hook, per-IP cap, rate limits) once the address check passed, so a Retry round
    // trip spends one token, not two.
    const refusal = this.admission.check(now, remote);
    if (refusal !== undefined) return this.refuse(now, header, remote, refusal);
    this.accept(now, header, datagram, remote, validation);
  }

  /**
   * Address validation (RFC 9000 §8.1.2, §8.1.3): what a token proved, to go on with the handshake;
   * undefined when the Initial was answered with a Retry or dropped.
   */
  private checkAddress(now: Instant, header: InitialPacketHeader, remote: string, handshakes: number): AcceptValidation | undefined {
    // Retry tokens bind the whole remote string (IP and port), NEW_TOKEN tokens its host part.
    const address: TokenAddress = { ip: remote, port: 0 };
    if (header.token.length > 0) {
      // RFC 9000 §8.1.3: "When a server receives an Initial packet with an address validation
      // token, it MUST attempt to validate the token".
      const claimed = claimedTokenKind(header.token);
      const v = this.tokens.validate(header.token, claimed === AddressTokenKind.NewToken ? hostAddressOf(remote) : address, { now, wallMs: (this.options.wallClockMs ?? this.options.server.wallClockMs)() });
      if (v.ok) {
        if (v.kind === AddressTokenKind.NewToken) return { addressValidated: true };
        // The client's second Initial goes to the Retry's Source Connection ID (RFC 9000 §17.2.5.2).
        if (toHex(v.retryScid) !== toHex(header.dcid)) {
          this.refuseInvalidToken(now, header, remote);
          return undefined;
        }
        // RFC 9000 §7.3: the connection reports the ODCID and Retry SCID the token carries.
        return { addressValidated: true, originalDestinationConnectionId: v.odcid, retrySourceConnectionId: v.retryScid };
      }
      // RFC 9000 §8.1.2: "If a server receives a client Initial that contains an invalid Retry
      // token ... The server can discard such a packet". RFC 9000 §8.1.3 (other tokens): "If the
      // token is invalid, then the server SHOULD proceed as if the client did not have a validated
      // address, including potentially sending a Retry packet."
      // "Instead, the server SHOULD immediately close (Section 10.2) the connection with an
      // INVALID_TOKEN error" (stateless, rate-limited: refuse()).
      if (claimed !== AddressTokenKind.NewToken && this.retry !== 'never') {
        this.refuseInvalidToken(now, header, remote);
        return undefined;
      }
    }
    if (this.retry === 'never') return { addressValidated: false };
    if (this.retry === 'under-load' && handshakes < this.retryThreshold) return { addressValidated: false };
    const retryScid = randomBytes(this.options.random, LOCAL_CID_LENGTH);
    const token = this.tokens.issueRetryToken(address, header.dcid, retryScid, now);
    const retry = buildRetry(this.options.provider, this.options.random, header.version, header.dcid, header.scid, retryScid, token);
    if (this.queueStateless(retry, remote)) this.counters.retriesSent++;
    return undefined;
  }

  private accept(now: Instant, header: InitialPacketHeader, datagram: Uint8Array, remote: string, validation: AcceptValidation): void {
    // RFC 9000 §10.3.2: tokens from the endpoint's static key: "An endpoint that loses state can
    // use the same method to generate a valid stateless reset token."
    const path = { local: this.receivingOn, remote };
    const conn = Connection.accept({ ...this.options.server, version: header.version, statelessResetKey: this.resetKey }, header, path, validation);
    conn.handleDatagram(now, datagram, path);
    // No state for an Initial that does not authenticate (RFC 9001 §5.5: such packets are
    // discarded), so a forged header alone creates nothing.
    if (conn.stats().packetsReceived === 0) return this.drop();
    const odcidKey = toHex(header.dcid);
    const entry: Entry = { handle: this.nextHandle++, conn, remote, routes: new Set(), odcidKey, handshakeDone: false, closed: false };
    this.addRoute(entry, odcidKey);
    // RFC 9000 §5.1.1: our handshake connection ID (sequence number 0); later ones come as
    // connection_id_issued events.
    for (const id of conn.activeConnectionIds) this.addRoute(entry, toHex(id));
    this.entries.push(entry);
    this.admission.onAccepted(remote);
    this.events.push({ type: 'new_connection', handle: entry.handle, remote });
    this.collect(entry);
  }

  /** Takes the connection's events; updates routes on handshake completion and teardown. */
  private collect(e: Entry): void {
    for (let ev = e.conn.pollEvent(); ev !== undefined; ev = e.conn.pollEvent()) {
      if (ev.type === 'handshake_completed') {
        e.handshakeDone = true;
        // RFC 9000 §5.2: the client's first DCID is routed only until the handshake is done.
        if (e.odcidKey !== undefined) this.removeRoute(e, e.odcidKey);
        e.odcidKey = undefined;
        // RFC 9000 §8.1.3: a token for the client's next connection, bound to its IP address.
        if (this.options.newTokens !== false) {
          e.conn.sendNewToken(this.tokens.issueNewToken(hostAddressOf(e.remote), (this.options.wallClockMs ?? this.options.server.wallClockMs)()));
        }
      }
      // RFC 9000 §5.1.1: route each connection ID we issue. RFC 9000 §5.1.2: "Sending a
      // RETIRE_CONNECTION_ID frame indicates that the connection ID will not be used again", so
      // its route goes.
      if (ev.type === 'connection_id_issued' && !e.closed) this.addRoute(e, toHex(ev.connectionId));
      if (ev.type === 'connection_id_retired') this.removeRoute(e, toHex(ev.connectionId));
      if (ev.type === 'connection_closed') e.closed = true;
      this.events.push({ type: 'connection_event', handle: e.handle, event: ev });
    }
    // Closed and drained (RFC 9000 §10.2: no deadline left): forget the connection.
    if (e.closed && e.conn.pollTimeout() === undefined) this.remove(e);
  }

  /**
   * Refuses a new connection: counts it by reason and answers with a stateless CONNECTION_CLOSE
   * in an Initial (initial-close.ts), rate-limited like stateless resets (RFC 9000 §10.3.3
   * reasoning: a flood must not turn the server into a packet generator); beyond the limit, drops.
   */
  private refuse(now: Instant, header: InitialPacketHeader, remote: string, refusal: Refusal): void {
    this.refusals[refusal.kind]++;
    if (!this.refusalLimiter.tryAcquire(now)) return this.drop();
    const close = buildInitialClose(this.options.provider, this.options.random, { version: header.version, clientDcid: header.dcid, clientScid: header.scid, reason: refusal.reason, ...(refusal.code === undefined ? {} : { errorCode: refusal.code }) });
    if (this.queueStateless(close, remote)) this.counters.refusalsSent++;
    else this.drop();
  }

  private refuseInvalidToken(now: Instant, header: InitialPacketHeader, remote: string): void {
    this.refuse(now, header, remote, { kind: RefusalReason.InvalidToken, reason: 'invalid address validation token', code: TransportErrorCode.INVALID_TOKEN });
  }

  /** Routes `key` to `e` unless another connection already owns it (a CID collision). */
  private addRoute(e: Entry, key: string): void {
    const owner = this.routes.get(key);
    if (owner !== undefined && owner !== e) return;
    e.routes.add(key);
    this.routes.set(key, e);
  }

  private removeRoute(e: Entry, key: string): void {
    e.routes.delete(key);
    if (this.routes.get(key) === e) this.routes.delete(key);
  }

  private remove(e: Entry): void {
    const idx = this.entries.indexOf(e);
    if (idx < 0) return;
    for (const key of [...e.routes]) this.removeRoute(e, key);
    this.entries.splice(idx, 1);
    this.admission.onRemoved(e.remote);
    if (this.roundRobin > idx) this.roundRobin--;
    if (this.entries.length > 0) this.roundRobin %= this.entries.length;
    else this.roundRobin = 0;
    this.events.push({ type: 'connection_removed', handle: e.handle });
  }
}

/**
 * The host part of a remote "host:port" string as a NEW_TOKEN token address (RFC 9000 §8.1.3:
 * "It is unlikely that the client port number is the same on two different connections"); a
 * string without a numeric port is all host.
 */
function hostAddressOf(remote: string): TokenAddress {
  const colon = remote.lastIndexOf(':');
  const portText = colon < 0 ? '' : remote.slice(colon + 1);
  if (!/^[0-9]{1,5}$/.test(portText)) return { ip: remote, port: 0 };
  return { ip: remote.slice(0, colon), port: 0 };
}
