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

/**
 * The 4 or 16 bytes of an IP literal (`192.0.2.1`, `2001:db8::1`, `[::1]`, `::ffff:192.0.2.1`),
 * or undefined if `text` is not one. IPv4 must be four decimal octets without leading zeros.
 */
export function parseIpAddress(text: string): Uint8Array | undefined {
  const t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (t.includes(':')) return parseIpv6(t);
  return parseIpv4(t);
}

function parseIpv4(t: string): Uint8Array | undefined {
  const parts = t.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

function parseIpv6(t: string): Uint8Array | undefined {
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (v4 === undefined) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/**
 * An IP address in text: dotted decimal for 4 bytes, RFC 5952 §4 canonical form for 16 bytes
 * (lower case, longest run of two or more zero groups as `::`). Other lengths give hex.
 */
export function formatIpAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  // RFC 5952 §4.2.2: "The symbol "::" MUST NOT be used to shorten just one 16-bit 0 field."
  if (bestLen < 2) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

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
