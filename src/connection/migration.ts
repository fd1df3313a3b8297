/**
 * Client-initiated connection migration (RFC 9000 §9.2) and the server's preferred address
 * (RFC 9000 §9.6, §18.2 preferred_address), over the path state of paths.ts.
 *
 * `Connection.migrate(now, path)`:
 * - a new local address, same server address (active migration, §9.2): the client switches at
 *   once to the new path with a new connection ID and validates it ("an endpoint can migrate to a
 *   new local address without first validating the peer's address"; "To establish reachability on
 *   the new path, an endpoint initiates path validation (Section 8.2) on the new path");
 * - a new server address (the preferred address, §9.6.2): the client probes first and moves when
 *   validation succeeds ("A client MUST NOT send non-probing frames to a preferred address prior to
 *   validating that address", §18.2).
 *
 * The server advertises `ServerConnectionOptions.preferredAddress` ("host:port" strings) with our
 * connection ID of sequence number 1; the client, once the handshake is confirmed, emits a
 * `preferred_address` event with the addresses as "a.b.c.d:port" / "[v6]:port" strings, and its
 * driver calls `migrate` with the path of the address it can reach.
 */
import { formatIpAddress, parseIpAddress } from '../util/ip-address.js';
import { TransportError, TransportErrorCode } from '../wire/errors.js';
import type { PreferredAddress } from '../wire/preferred-address.js';
import type { Instant } from '../util/time.js';
import { issuePreferredAddressCid, reserveUnusedRemoteCid, type ConnectionIdState } from './connection-ids.js';
import { findPath, getOrCreatePath, moveTo, samePath, startValidation } from './paths.js';
import { pushEvent, type ConnectionState } from './state.js';
import type { NetworkPath } from './types.js';

/** The server's preferred addresses (RFC 9000 §9.6.1), at least one of them. */
export interface PreferredAddressConfig {
  /** "a.b.c.d:port". */
  readonly ipv4?: string;
  /** "[v6]:port". */
  readonly ipv6?: string;
}

/** Why `migrate` refused, or 'ok'. */
export type MigrateResult = 'ok' | 'not_client' | 'not_confirmed' | 'disabled' | 'no_connection_id' | 'same_path';

/**
 * Starts a client migration to `path` (see the module comment).
 * RFC 9000 §9: "An endpoint MUST NOT initiate connection migration before the handshake is
 * confirmed"; "If the peer sent the disable_active_migration transport parameter, an endpoint also
 * MUST NOT send packets (including probing packets; see Section 9.1) from a different local
 * address to the address the peer used during the handshake"; RFC 9000 §9.5: "An endpoint MUST NOT
 * reuse a connection ID when sending from more than one local address".
 */
export function startMigration(s: ConnectionState, now: Instant, path: NetworkPath): MigrateResult {
  // RFC 9000 §9: "Clients are responsible for initiating all migrations."
  if (s.role !== 'client') return 'not_client';
  if (!s.handshakeConfirmed || s.phase !== 'established') return 'not_confirmed';
  const ps = s.paths;
  if (samePath(ps.active.path, path)) return 'same_path';
  const newServerAddress = path.remote !== ps.active.path.remote;
  if (!newServerAddress && s.peerParams?.disableActiveMigration === true) return 'disabled';
  const reserved = new Set<number>();
  for (const p of ps.list) if (p.dcid !== undefined && !samePath(p.path, path)) reserved.add(p.dcid.seq);
  const existing = findPath(s, path);
  const cid = existing?.dcid ?? reserveUnusedRemoteCid(s, reserved);
  // RFC 9000 §9.5: "An endpoint that exhausts available connection IDs cannot probe new paths or
  // initiate migration".
  if (cid === undefined) return 'no_connection_id';
  const p = getOrCreatePath(s, path, now);
  p.dcid = cid;
  startValidation(s, now, p);
  if (newServerAddress) {
    ps.probing = p;
    return 'ok';
  }
  moveTo(s, now, p);
  return 'ok';
}

/** Server: our preferred_address transport parameter, with our connection ID of sequence number 1. */
export function preferredAddressParameter(config: PreferredAddressConfig, cids: ConnectionIdState, random: Parameters<typeof issuePreferredAddressCid>[1]): PreferredAddress {
  const v4 = config.ipv4 === undefined ? { address: new Uint8Array(4), port: 0 } : parseIpv4(config.ipv4);
  const v6 = config.ipv6 === undefined ? { address: new Uint8Array(16), port: 0 } : parseIpv6(config.ipv6);
  const { cid, token } = issuePreferredAddressCid(cids, random);
  return { ipv4Address: v4.address, ipv4Port: v4.port, ipv6Address: v6.address, ipv6Port: v6.port, connectionId: cid, statelessResetToken: token };
}

/**
 * Client, at handshake confirmation (RFC 9000 §9.6.2: "Once the handshake is confirmed, the client
 * SHOULD select one of the two addresses provided by the server and initiate path validation"):
 * tells the driver, which calls `migrate`.
 */
export function announcePreferredAddress(s: ConnectionState): void {
  const pa = s.role === 'client' ? s.peerParams?.preferredAddress : undefined;
  if (pa === undefined) return;
  const ipv4 = isZero(pa.ipv4Address) && pa.ipv4Port === 0 ? undefined : `${[...pa.ipv4Address].join('.')}:${pa.ipv4Port}`;
  const ipv6 = isZero(pa.ipv6Address) && pa.ipv6Port === 0 ? undefined : `[${formatIpAddress(pa.ipv6Address)}]:${pa.ipv6Port}`;
  pushEvent(s, { type: 'preferred_address', ...(ipv4 === undefined ? {} : { ipv4 }), ...(ipv6 === undefined ? {} : { ipv6 }) });
}

function isZero(b: Uint8Array): boolean {
  return b.every((x) => x === 0);
}

function badAddress(text: string): TransportError {
  return new TransportError(TransportErrorCode.INTERNAL_ERROR, undefined, `bad preferred address ${text}`);
}

function splitPort(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(':');
  const port = Number(text.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw badAddress(text);
  return { host: text.slice(0, i), port };
}

/** "a.b.c.d:port" to bytes and port. @throws TransportError when malformed. */
export function parseIpv4(text: string): { address: Uint8Array; port: number } {
  const { host, port } = splitPort(text);
  const address = host.includes(':') ? undefined : parseIpAddress(host);
  if (address?.length !== 4) throw badAddress(text);
  return { address, port };
}

/** "[v6]:port" to bytes and port (with "::" compression). @throws TransportError when malformed. */
export function parseIpv6(text: string): { address: Uint8Array; port: number } {
  const { host, port } = splitPort(text);
  const address = host.startsWith('[') && host.endsWith(']') ? parseIpAddress(host) : undefined;
  if (address?.length !== 16) throw badAddress(text);
  return { address, port };
}

