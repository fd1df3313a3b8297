/**
 * Server identity check: a TLS server_name (a DNS name or an IP literal) against a certificate's
 * subjectAltName, following RFC 6125 §6.4 (and its successor RFC 9525 §6.3).
 *
 * - DNS names compare case-insensitively in ASCII (RFC 6125 §6.4.1), a single trailing dot on the
 *   reference identity is ignored.
 * - A wildcard is only the complete left-most label `*` and matches exactly one label
 *   (RFC 6125 §6.4.3; RFC 9525 §6.3: "the wildcard character '*' ... MUST be the complete
 *   left-most label"). `*.example.com` matches `a.example.com`, not `a.b.example.com` nor
 *   `example.com`. Partial-label wildcards (`f*.example.com`) never match, and a wildcard needs at
 *   least two labels after it (`*.com` matches nothing), as browsers require.
 * - An IP literal matches only iPAddress SAN entries, byte for byte (RFC 6125 §6.4 / RFC 9525 §6.3).
 * - The subject Common Name is ignored entirely: no CN fallback (RFC 9525 §6.3, "MUST NOT" check
 *   the CN; modern browsers behave the same).
 */

/** The SAN entries a name check looks at. */
export interface SubjectAltNames {
  /** dNSName entries, as written in the certificate. */
  readonly dnsNames: readonly string[];
  /** iPAddress entries, as strings (dotted IPv4 or RFC 5952 IPv6). */
  readonly ipAddresses: readonly string[];
}

import { parseIpAddress } from '../../util/ip-address.js';

export { formatIpAddress, parseIpAddress } from '../../util/ip-address.js';

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** True if the DNS reference identity `name` matches the presented identifier `pattern`. */
export function matchDnsName(name: string, pattern: string): boolean {
  let n = asciiLower(name);
  let p = asciiLower(pattern);
  if (n.endsWith('.')) n = n.slice(0, -1);
  if (p.endsWith('.')) p = p.slice(0, -1);
  if (n === '' || p === '' || n.includes('*')) return false;
  const nLabels = n.split('.');
  const pLabels = p.split('.');
  if (nLabels.some((l) => l === '') || pLabels.some((l) => l === '')) return false;
  // RFC 6125 §6.4.3: the wildcard is the complete left-most label only, and matches one label.
  if (pLabels.slice(1).some((l) => l.includes('*'))) return false;
  if (pLabels[0]!.includes('*')) {
    if (pLabels[0] !== '*' || pLabels.length < 3) return false;
    return nLabels.length === pLabels.length && nLabels.slice(1).join('.') === pLabels.slice(1).join('.');
  }
  return n === p;
}

/**
 * True if `serverName` (the reference identity: a DNS name or an IP literal) matches one of the
 * certificate's subjectAltName entries (RFC 6125 §6.4). The Common Name is never consulted.
 */
export function matchServerName(serverName: string, san: SubjectAltNames): boolean {
  const ip = parseIpAddress(serverName);
  if (ip !== undefined) {
    return san.ipAddresses.some((entry) => {
      const b = parseIpAddress(entry);
      return b !== undefined && b.length === ip.length && b.every((x, i) => x === ip[i]);
    });
  }
  return san.dnsNames.some((pattern) => matchDnsName(serverName, pattern));
}
