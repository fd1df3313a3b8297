/**
 * Addresses in the network simulator (DESIGN §6, ladder item 4).
 *
 * An endpoint is named by a `SimAddress`, the string `host:port` (IPv6 hosts in brackets:
 * `[fd00::1]:443`), so addresses compare with `===` and key maps directly.
 */

/** An endpoint address: `host:port`, IPv6 hosts bracketed. */
export type SimAddress = string;

/** The `SimAddress` of `host` and `port`. */
export function formatAddress(host: string, port: number): SimAddress {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`bad port ${port}`);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Splits a `SimAddress` into host and port; throws on a malformed one. */
export function parseAddress(address: SimAddress): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  if (colon <= 0) throw new RangeError(`bad address ${address}`);
  let host = address.slice(0, colon);
  const port = Number(address.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`bad address ${address}`);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port };
}
