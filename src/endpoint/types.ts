/**
 * The endpoint's public types (DESIGN §1, §2 endpoint/): options, events and the handle that
 * names a connection (RFC 9000 §5.2 routing, §6 version negotiation, §8.1.2 Retry, §10.3
 * stateless reset).
 */
import type { AddressTokens } from './address-token.js';
import type { StatelessResetKey } from './stateless-reset-key.js';
import type { AdmissionHook, RateLimits, RefusalReasonName } from './admission.js';
import type { CryptoProvider } from '../crypto/provider.js';
import type { ConnectionEvent, ServerConnectionOptions } from '../connection/types.js';
import type { RandomSource } from '../util/random.js';

/** A connection's name inside one endpoint (never reused). */
export type ConnectionHandle = number;

/**
 * When to answer a client Initial with a Retry (RFC 9000 §8.1.2): always, never, or when the
 * number of handshakes in progress reaches `retryThreshold`.
 */
export type RetryPolicy = 'always' | 'never' | 'under-load';

/** `Endpoint` options (server side). */
export interface EndpointOptions {
  readonly provider: CryptoProvider;
  /** Randomness of the endpoint's own packets (Retry connection IDs, resets, VN bits). */
  readonly random: RandomSource;
  /** What every accepted connection gets (its `version` is taken from the client's Initial). */
  readonly server: ServerConnectionOptions;
  /** Default 'never'. */
  readonly retry?: RetryPolicy;
  /** Handshakes in progress from which 'under-load' sends Retry (default 64). */
  readonly retryThreshold?: number;
  /** Most connections at once; new Initials beyond are dropped (default 10 000). */
  readonly maxConnections?: number;
  /** Most handshakes in progress at once; new Initials beyond are dropped (default 1000). */
  readonly maxHandshakes?: number;
  /** Stateless resets per second (default 100; 0 disables them). */
  readonly maxStatelessResetsPerSecond?: number;
  /** Default: a fresh key from `random`. */
  readonly statelessResetKey?: StatelessResetKey;
  /** Default: fresh keys from `random`. */
  readonly addressTokens?: AddressTokens;
  /** Send a NEW_TOKEN token to every client whose handshake completes (RFC 9000 §8.1.3; default true). */
  readonly newTokens?: boolean;
  /** Wall clock for NEW_TOKEN token validation (default `server.wallClockMs`). */
  readonly wallClockMs?: () => number;
  /** New-connection rate limits and the per-IP cap (admission.ts; default: none). */
  readonly rateLimits?: RateLimits;
  /** Called at every client's first Initial, before any state (admission.ts); a refusal is answered with CONNECTION_CLOSE. */
  readonly admit?: AdmissionHook;
  /** Stateless CONNECTION_CLOSE refusals sent per second (default 100; beyond, refused Initials are dropped). */
  readonly maxRefusalsPerSecond?: number;
}

/** What the endpoint tells its driver. */
export type EndpointEvent =
  /** A client's valid Initial created a connection; `remote` is where its datagrams go. */
  | { readonly type: 'new_connection'; readonly handle: ConnectionHandle; readonly remote: string }
  /** An event of one connection. */
  | { readonly type: 'connection_event'; readonly handle: ConnectionHandle; readonly event: ConnectionEvent }
  /** The connection closed and drained; its routes are gone and the handle is dead. */
  | { readonly type: 'connection_removed'; readonly handle: ConnectionHandle };

/** What `Endpoint.pollTransmit` wrote. */
export interface EndpointTransmit {
  readonly length: number;
  /** The remote address (the opaque string given to `handleDatagram`). */
  readonly remote: string;
  /** The local socket to send from (the `local` given to `handleDatagram`; RFC 9000 §9: the connection's path). */
  readonly local: string;
}

/** Endpoint counters (for tests and DESIGN §7 stats). */
export interface EndpointStats {
  readonly connections: number;
  readonly handshakesInProgress: number;
  readonly routes: number;
  readonly droppedDatagrams: number;
  readonly versionNegotiationsSent: number;
  readonly retriesSent: number;
  readonly statelessResetsSent: number;
  /** Initials answered with a stateless CONNECTION_CLOSE (RFC 9000 §5.2.2). */
  readonly refusalsSent: number;
  /** New connections refused, by reason (sent or dropped when the refusal rate limit applies). */
  readonly refusals: Readonly<Record<RefusalReasonName, number>>;
}
