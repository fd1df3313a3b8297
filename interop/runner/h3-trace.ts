/**
 * The http3 test case's trace check (/work/shared/INTEROP-RUNNER.md §2.3, §3 row 9): besides
 * base(1) on the usual tshark pass (checks.ts, HTTP/3 dissector off as the runner has it), one
 * more tshark pass over the client-side capture **with** the HTTP/3 dissector, showing that the
 * connection really spoke h3: the client offered ALPN `h3`, the server selected `h3` (ALPN in its
 * EncryptedExtensions, RFC 9001 §8.1), and HTTP/3 frames crossed (RFC 9114 §7.2: SETTINGS on the
 * control streams both ways, HEADERS on request streams both ways). Needs a key log to see
 * anything past the ClientHello.
 *
 * DATA frames are not required: tshark 4.0.17's HTTP/3 dissector does not reassemble stream data,
 * so it decodes only frames that start a STREAM frame at stream offset 0 — a DATA frame in a later
 * STREAM frame (our server sends HEADERS alone, then DATA from offset 30) or after HEADERS in the
 * same STREAM frame (ngtcp2's server) is not shown. The files check (byte-identical downloads)
 * proves the bodies; the verdict's note says whether DATA was seen.
 */
import { execFile } from 'node:child_process';
import type { Verdict } from './checks.js';
import { fail, pass } from './checks.js';
import { relayPortsOf, serverPortsOf, type TraceLayout } from './trace.js';

/** HTTP/3 frame types (RFC 9114 §7.2). */
const H3_FRAME = { DATA: 0x00, HEADERS: 0x01, SETTINGS: 0x04 } as const;

/** One tshark row: source port, TLS handshake types, ALPN strings, HTTP/3 frame types. */
interface H3Row {
  readonly srcPort: number;
  readonly tlsTypes: readonly number[];
  readonly alpn: readonly string[];
  readonly h3Frames: readonly number[];
}

const list = (s: string | undefined): string[] => (s === undefined || s === '' ? [] : s.split(','));

/** Parses `-T fields -E occurrence=a -E aggregator=, -E separator=/t` rows of the fields below. */
export function parseH3Rows(stdout: string): H3Row[] {
  return stdout.split('\n').filter((l) => l.trim() !== '').map((l) => {
    const [src, types, alpn, frames] = l.split('\t');
    return {
      srcPort: Number(src),
      tlsTypes: list(types).map(Number),
      alpn: list(alpn),
      h3Frames: list(frames).map(Number),
    };
  });
}

/** Verdict over parsed rows; `serverPorts` are the ports the server side sends from (relay ports at the client side). */
export function judgeH3(rows: readonly H3Row[], serverPorts: readonly number[]): Verdict {
  const fromServer = (r: H3Row): boolean => serverPorts.includes(r.srcPort);
  const clientAlpn = rows.filter((r) => !fromServer(r) && r.tlsTypes.includes(1)).flatMap((r) => r.alpn);
  if (!clientAlpn.includes('h3')) return fail(`client ClientHello ALPN ${clientAlpn.length > 0 ? clientAlpn.join(',') : '(none seen)'} does not offer h3`);
  const serverAlpn = rows.filter((r) => fromServer(r) && r.tlsTypes.includes(8)).flatMap((r) => r.alpn);
  if (serverAlpn.length === 0) return fail('server EncryptedExtensions with ALPN not seen (not decrypted: no usable key log?)');
  if (serverAlpn.some((a) => a !== 'h3')) return fail(`server selected ALPN ${serverAlpn.join(',')}, not h3`);
  const sFrames = new Set(rows.filter(fromServer).flatMap((r) => r.h3Frames));
  const cFrames = new Set(rows.filter((r) => !fromServer(r)).flatMap((r) => r.h3Frames));
  const missing = [
    ...(cFrames.has(H3_FRAME.SETTINGS) ? [] : ['client SETTINGS']),
    ...(cFrames.has(H3_FRAME.HEADERS) ? [] : ['client HEADERS']),
    ...(sFrames.has(H3_FRAME.SETTINGS) ? [] : ['server SETTINGS']),
    ...(sFrames.has(H3_FRAME.HEADERS) ? [] : ['server HEADERS']),
  ];
  if (missing.length > 0) return fail(`HTTP/3 frames not seen in the client-side trace: ${missing.join(', ')}`);
  return pass(`ALPN h3 both ways; HTTP/3 SETTINGS and HEADERS both ways in the client-side trace${sFrames.has(H3_FRAME.DATA) ? ', DATA from the server too' : ' (server DATA not decoded by tshark 4.0, see h3-trace.ts)'}`);
}

/** Runs the h3 pass over the client-side capture `pcap` (trace_node_left). */
export async function checkH3Trace(pcap: string, layout: TraceLayout, keylog: string | undefined): Promise<Verdict> {
  const args = ['-n', '-r', pcap];
  for (const port of [...relayPortsOf(layout), ...serverPortsOf(layout)]) args.push('-d', `udp.port==${port},quic`);
  if (keylog) args.push('-o', `tls.keylog_file:${keylog}`);
  args.push('-Y', 'quic && !icmp && (tls.handshake.type || http3)', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'separator=/t',
    '-e', 'udp.srcport', '-e', 'tls.handshake.type', '-e', 'tls.handshake.extensions_alpn_str', '-e', 'http3.frame_type');
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('tshark', args, { maxBuffer: 1 << 28, timeout: 300_000 }, (err, out) => (err ? reject(err) : resolve(out)));
  });
  return judgeH3(parseH3Rows(stdout), relayPortsOf(layout));
}
