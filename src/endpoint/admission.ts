/**
 * Admission control of new connections (RFC 9000 §5.2.2: "If a server refuses to accept a new
 * connection, it SHOULD send an Initial packet containing a CONNECTION_CLOSE frame with error
 * code CONNECTION_REFUSED"; RFC 9000 §21.1.1.1 handshake and amplification denial of service;
 * RFC 9000 §21.6 "Peer Denial of Service"): a sans-IO gate the endpoint consults at a client's
 * first Initial, before any connection state exists.
 *
 * - Token buckets on the `Instant` clock: new connections per second per source IP (IPv6: per /64,
 *   sourceKeyOf) and in total.
 *   The per-IP buckets live in a bounded LRU table (default 4096 IPs), so a flood from spoofed
 *   sources cannot grow memory: an evicted IP just starts again with a full bucket, while the
 *   global bucket still bounds the total.
 * - A per-IP cap on live connections (counted from acceptance to removal; the table holds only
 *   IPs with at least one live connection, so it is bounded by the endpoint's maxConnections).
 * - An application hook `admit({ remote })`, synchronous like the rest of the core (DESIGN §1).
 *
 * Refusals are counted by reason; the endpoint answers them with a stateless CONNECTION_CLOSE
 * (initial-close.ts).
 */
import { type Instant } from '../util/time.js';

/** Why a new connection was refused (the keys of `EndpointStats.refusals`). */
export const RefusalReason = {
  /** The source IP's new-connection rate is over `perIpPerSecond`. */
  RateLimitPerIp: 'rate_limit_per_ip',
  /** The endpoint's new-connection rate is over `globalPerSecond`. */
  RateLimitGlobal: 'rate_limit_global',
  /** The source IP has `perIpConcurrent` live connections. */
  PerIpConcurrent: 'per_ip_concurrent',
  /** The endpoint has `maxConnections` connections. */
  MaxConnections: 'max_connections',
  /** The endpoint has `maxHandshakes` handshakes in progress. */
  MaxHandshakes: 'max_handshakes',
  /** The application's `admit` hook said no. */
  Hook: 'admission_hook',
  /** An Initial carried an invalid Retry token (RFC 9000 §8.1.2: closed with INVALID_TOKEN). */
  InvalidToken: 'invalid_token',
} as const;

/** One of `RefusalReason`. */
export type RefusalReasonName = (typeof RefusalReason)[keyof typeof RefusalReason];

/** What the `admit` hook sees. Only `remote` is known at the first Initial. */
export interface AdmissionInfo {
  /** The remote address string ("ip:port", "[v6]:port"). */
  readonly remote: string;
  /** The Server Name Indication, when known (not at the first Initial). */
  readonly serverName?: string;
  /** The negotiated ALPN protocol, when known (not at the first Initial). */
  readonly alpn?: string;
  /** The client's certificate chain (DER, leaf first), when known (not at the first Initial). */
  readonly clientCertificate?: readonly Uint8Array[];
}

/** The `admit` hook's answer: refuse with a reason (sent to the client) and a transport error code (default CONNECTION_REFUSED). */
export type AdmissionDecision = { readonly accept: true } | { readonly accept: false; readonly reason: string; readonly code?: number };

/** A synchronous admission hook (DESIGN §1: the core never awaits). */
export type AdmissionHook = (info: AdmissionInfo) => AdmissionDecision;

/** Rate limits of new connections; each absent field is unlimited. */
export interface RateLimits {
  /** New connections per second from one source IP (burst: one second's worth). */
  readonly perIpPerSecond?: number;
  /** New connections per second in total (burst: one second's worth). */
  readonly globalPerSecond?: number;
  /** Live connections from one source IP. */
  readonly perIpConcurrent?: number;
  /** Source IPs whose rate is tracked (LRU; default 4096). */
  readonly maxTrackedIps?: number;
}

/** Default size of the per-IP rate table. */
export const DEFAULT_MAX_TRACKED_IPS = 4096;

/** A refusal: why (for stats), the text sent to the client, and the wire code. */
export interface Refusal {
  readonly kind: RefusalReasonName;
  readonly reason: string;
  readonly code: number | undefined;
}

/**
 * A token bucket of `rate` tokens per second holding at most `capacity` (times are `Instant`
 * microseconds, so refill is exact integer-free arithmetic on numbers).
 */
export class TokenBucket {
  private readonly rate: number;
  private readonly capacity: number;
  private tokens: number;
  private last: Instant | undefined;

  /** @param rate tokens per second (0: never any token). @param capacity burst size (default `rate`). */
  constructor(rate: number, capacity: number = rate) {
    this.rate = rate;
    this.capacity = capacity;
    this.tokens = capacity;
  }

  /** Takes one token if there is one (after refilling up to `now`). */
  tryTake(now: Instant): boolean {
    if (this.last !== undefined && now > this.last) this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.rate) / 1_000_000);
    if (this.last === undefined || now > this.last) this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * The IP part of an address string: "192.0.2.1:443" → "192.0.2.1", "[2001:db8::1]:443" →
 * "2001:db8::1"; a string without a numeric port is returned whole.
 */
export function ipOf(remote: string): string {
  if (remote.startsWith('[')) {
    const end = remote.indexOf(']');
    return end < 0 ? remote : remote.slice(1, end);
  }
  const colon = remote.lastIndexOf(':');
  if (colon < 0 || remote.indexOf(':') !== colon) return remote;
  return /^[0-9]{1,5}$/.test(remote.slice(colon + 1)) ? remote.slice(0, colon) : remote;
}

/**
 * The key a source is limited by: its IPv4 address, or the /64 prefix of an IPv6 address (one
 * host usually owns a whole /64, so per-address limits would not bind it); IPv4-mapped IPv6
 * addresses count as the IPv4 address.
 */
export function sourceKeyOf(remote: string): string {
  const ip = ipOf(remote);
  if (!ip.includes(':')) return ip;
  const lower = ip.toLowerCase();
  const mapped = /^::ffff:([0-9.]+)$/.exec(lower);
  if (mapped !== null) return mapped[1]!;
  const halves = lower.split('::');
  if (halves.length > 2) return lower;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1]!.split(':') : [];
  const groups = halves.length === 2 ? [...head, ...new Array<string>(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail] : head;
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return lower;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** The admission gate of one endpoint. */
export class Admission {
  private readonly limits: RateLimits;
  private readonly hook: AdmissionHook | undefined;
  private readonly global: TokenBucket | undefined;
  private readonly maxTracked: number;
  /** Per-IP buckets in least-recently-used order (Map iteration order = insertion order). */
  private readonly buckets = new Map<string, TokenBucket>();
  /** Live connections per IP (only IPs with at least one). */
  private readonly live = new Map<string, number>();

  constructor(limits: RateLimits = {}, hook?: AdmissionHook) {
    for (const [k, v] of Object.entries(limits)) {
      if (v !== undefined && (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))) throw new RangeError(`rate limit ${k} must be a finite number ≥ 0, got ${String(v)}`);
    }
    this.limits = limits;
    this.hook = hook;
    this.global = limits.globalPerSecond === undefined ? undefined : new TokenBucket(limits.globalPerSecond);
    this.maxTracked = Math.max(1, limits.maxTrackedIps ?? DEFAULT_MAX_TRACKED_IPS);
  }

  /** Source IPs in the rate table (bounded by `maxTrackedIps`). */
  get trackedIps(): number {
    return this.buckets.size;
  }

  /**
   * Decides on a new connection from `remote` at its first Initial; on acceptance the rate
   * tokens are spent. Undefined means admit.
   */
  check(now: Instant, remote: string): Refusal | undefined {
    if (this.hook !== undefined) {
      const d = this.hook({ remote });
      if (!d.accept) return { kind: RefusalReason.Hook, reason: d.reason, code: d.code };
    }
    const ip = sourceKeyOf(remote);
    const cap = this.limits.perIpConcurrent;
    if (cap !== undefined && (this.live.get(ip) ?? 0) >= cap) return { kind: RefusalReason.PerIpConcurrent, reason: 'too many connections from this address', code: undefined };
    const rate = this.limits.perIpPerSecond;
    if (rate !== undefined && !this.bucketOf(ip, rate).tryTake(now)) return { kind: RefusalReason.RateLimitPerIp, reason: 'connection rate limit for this address', code: undefined };
    if (this.global !== undefined && !this.global.tryTake(now)) return { kind: RefusalReason.RateLimitGlobal, reason: 'server connection rate limit', code: undefined };
    return undefined;
  }

  /** A connection from `remote` was created. */
  onAccepted(remote: string): void {
    const ip = sourceKeyOf(remote);
    this.live.set(ip, (this.live.get(ip) ?? 0) + 1);
  }

  /** A connection from `remote` was removed. */
  onRemoved(remote: string): void {
    const ip = sourceKeyOf(remote);
    const n = (this.live.get(ip) ?? 0) - 1;
    if (n > 0) this.live.set(ip, n);
    else this.live.delete(ip);
  }

  private bucketOf(ip: string, rate: number): TokenBucket {
    let b = this.buckets.get(ip);
    if (b !== undefined) {
      this.buckets.delete(ip); // re-insert: most recently used last
    } else {
      b = new TokenBucket(rate);
      if (this.buckets.size >= this.maxTracked) {
        const oldest = this.buckets.keys().next();
        if (oldest.done !== true) this.buckets.delete(oldest.value);
      }
    }
    this.buckets.set(ip, b);
    return b;
  }
}
