/**
 * Reading a loopback capture the way the interop runner reads its two traces
 * (/work/shared/INTEROP-RUNNER.md §4): one tshark pass with the key log, fields per datagram,
 * then per-QUIC-packet reconstruction of the long-header fields (coalesced packets count
 * individually, as the runner walks per QUIC layer).
 *
 * Two captures on `lo` stand for the runner's traces: the **client side** (`trace_node_left`)
 * is every datagram to or from the relay's client-facing port; the **server side**
 * (`trace_node_right`) every datagram to or from the server's port.
 */
import { execFile } from 'node:child_process';
import type { QlogPacketSent } from './qlog.js';

/** QUIC versions (RFC 9000 §15, RFC 9369 §3.1). */
export const V1 = 0x00000001;
export const V2 = 0x6b3343cf;

/** Long-header packet types by name (RFC 9000 §17.2, RFC 9369 §3.2). */
export type LongType = 'initial' | '0rtt' | 'handshake' | 'retry';

/** One QUIC packet inside a datagram. */
export interface QuicPacket {
  readonly long: boolean;
  /** Version (long header only; 0 for Version Negotiation). */
  readonly version?: number;
  /** Long-header type; undefined for short headers and Version Negotiation. */
  readonly type?: LongType;
  /** Source connection ID, hex without colons ('' when zero-length). Long header only. */
  readonly scid?: string;
}

/** One UDP datagram of the capture, with the fields the checks use. */
export interface Datagram {
  readonly frame: number;
  /** Seconds since the epoch. */
  readonly time: number;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly ipv6: boolean;
  /** UDP payload length in bytes. */
  readonly udpPayload: number;
  /** IP ECN codepoint (0 Not-ECT, 1 ECT(1), 2 ECT(0), 3 CE); undefined if not decoded. */
  readonly ecn?: number;
  readonly packets: readonly QuicPacket[];
  /** Short-header key phase bits (needs keys: the bit is header-protected). */
  readonly keyPhases: readonly number[];
  /** Initial token lengths and tokens (hex), and packet numbers, in packet order. */
  readonly tokenLengths: readonly number[];
  readonly tokens: readonly string[];
  readonly packetNumbers: readonly number[];
  readonly retryTokens: readonly string[];
  /** Frame types of every decrypted frame. */
  readonly frameTypes: readonly number[];
  readonly pathChallenges: readonly string[];
  readonly pathResponses: readonly string[];
  readonly cryptoOffsets: readonly number[];
  readonly cryptoLengths: readonly number[];
  readonly tlsHandshakeTypes: readonly number[];
  readonly cipherSuites: readonly number[];
  readonly certificatesLengths: readonly number[];
  readonly maxStreamsBidi: readonly number[];
  readonly ackEct0: readonly number[];
  /** Destination connection IDs (hex), packet order. */
  readonly dcids: readonly string[];
  /** Encrypted payload bytes of the short-header packet (zerortt only; else empty). */
  readonly protectedPayloadBytes: number;
}

/** The tshark fields, in output order (`FIELDS[i]` is column i). */
export const FIELDS = [
  'frame.number', 'frame.time_epoch', 'ip.src', 'ipv6.src', 'ip.dst', 'ipv6.dst', 'udp.srcport', 'udp.dstport',
  'udp.length', 'ip.dsfield.ecn', 'quic.header_form', 'quic.version', 'quic.long.packet_type',
  'quic.long.packet_type_v2', 'quic.scil', 'quic.scid', 'quic.key_phase', 'quic.token_length', 'quic.token',
  'quic.packet_number', 'quic.retry_token', 'quic.frame_type', 'quic.path_challenge.data',
  'quic.path_response.data', 'quic.crypto.offset', 'quic.crypto.length', 'tls.handshake.type',
  'tls.handshake.ciphersuite', 'tls.handshake.certificates_length',
  'tls.quic.parameter.initial_max_streams_bidi', 'quic.ack.ect0_count', 'quic.dcid',
] as const;

const V1_TYPES: readonly LongType[] = ['initial', '0rtt', 'handshake', 'retry'];
const V2_TYPES: readonly LongType[] = ['retry', 'initial', '0rtt', 'handshake'];

const hex = (s: string): string => s.replace(/:/g, '').toLowerCase();
const num = (s: string): number => (/^0x/i.test(s) ? Number.parseInt(s.slice(2), 16) : Number(s));
const list = (s: string | undefined): string[] => (s === undefined || s === '' ? [] : s.split(','));
const nums = (s: string | undefined): number[] => list(s).map(num).filter((n) => !Number.isNaN(n));

/**
 * Parses `tshark -T fields -E occurrence=a -E aggregator=, -E separator=/t` output produced with
 * `FIELDS` (optionally one extra last column, `quic.protected_payload`). Pure; lines that do not
 * carry a frame number are skipped.
 */
export function parseTsharkFields(stdout: string, withProtectedPayload = false): Datagram[] {
  const out: Datagram[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const c = line.split('\t');
    const get = (name: (typeof FIELDS)[number]): string | undefined => c[FIELDS.indexOf(name)];
    const frame = Number(get('frame.number'));
    if (!Number.isInteger(frame)) continue;
    const forms = nums(get('quic.header_form'));
    const versions = nums(get('quic.version'));
    const t1 = nums(get('quic.long.packet_type'));
    const t2 = nums(get('quic.long.packet_type_v2'));
    const scils = nums(get('quic.scil'));
    const scids = list(get('quic.scid')).map(hex);
    const packets: QuicPacket[] = [];
    let vi = 0, i1 = 0, i2 = 0, si = 0, ci = 0;
    for (const form of forms) {
      if (form === 0) {
        packets.push({ long: false });
        continue;
      }
      const version = versions[vi++] ?? -1;
      const scil = scils[si++] ?? 0;
      const scid = scil > 0 ? (scids[ci++] ?? '') : '';
      if (version === 0) {
        packets.push({ long: true, version, scid }); // Version Negotiation: no type
        continue;
      }
      const code = version === V2 ? t2[i2++] : t1[i1++];
      const type = code === undefined ? undefined : (version === V2 ? V2_TYPES : V1_TYPES)[code];
      packets.push(type === undefined ? { long: true, version, scid } : { long: true, version, type, scid });
    }
    const ip6src = get('ipv6.src') ?? '';
    const ecn = get('ip.dsfield.ecn');
    const pp = withProtectedPayload ? c[FIELDS.length] ?? '' : '';
    out.push({
      frame,
      time: Number(get('frame.time_epoch')),
      src: ip6src !== '' ? ip6src : (get('ip.src') ?? ''),
      dst: (get('ipv6.dst') ?? '') !== '' ? get('ipv6.dst')! : (get('ip.dst') ?? ''),
      srcPort: Number(get('udp.srcport')),
      dstPort: Number(get('udp.dstport')),
      ipv6: ip6src !== '',
      udpPayload: Number(get('udp.length')) - 8,
      ...(ecn !== undefined && ecn !== '' ? { ecn: num(ecn) } : {}),
      packets,
      keyPhases: nums(get('quic.key_phase')),
      tokenLengths: nums(get('quic.token_length')),
      tokens: list(get('quic.token')).map(hex),
      packetNumbers: nums(get('quic.packet_number')),
      retryTokens: list(get('quic.retry_token')).map(hex),
      frameTypes: nums(get('quic.frame_type')),
      pathChallenges: list(get('quic.path_challenge.data')).map(hex),
      pathResponses: list(get('quic.path_response.data')).map(hex),
      cryptoOffsets: nums(get('quic.crypto.offset')),
      cryptoLengths: nums(get('quic.crypto.length')),
      tlsHandshakeTypes: nums(get('tls.handshake.type')),
      cipherSuites: nums(get('tls.handshake.ciphersuite')),
      certificatesLengths: nums(get('tls.handshake.certificates_length')),
      maxStreamsBidi: nums(get('tls.quic.parameter.initial_max_streams_bidi')),
      ackEct0: nums(get('quic.ack.ect0_count')),
      dcids: list(get('quic.dcid')).map(hex),
      protectedPayloadBytes: list(pp).reduce((n, h) => n + hex(h).length / 2, 0),
    });
  }
  return out;
}

/** Where the two runner traces are in one loopback capture. */
export interface TraceLayout {
  /** The relay's client-facing port (client side = trace_node_left). */
  readonly relayPort: number;
  /** The server's port (server side = trace_node_right). */
  readonly serverPort: number;
  /**
   * connectionmigration: the second relay's client-facing port (in front of the server's preferred
   * address) and the port the server binds for it; their datagrams belong to the same traces.
   */
  readonly preferred?: { readonly relayPort: number; readonly serverPort: number };
}

/** Every client-facing relay port of the layout (left trace). */
export const relayPortsOf = (l: TraceLayout): number[] => [l.relayPort, ...(l.preferred ? [l.preferred.relayPort] : [])];
/** Every server port of the layout (right trace). */
export const serverPortsOf = (l: TraceLayout): number[] => [l.serverPort, ...(l.preferred ? [l.preferred.serverPort] : [])];

/** The runner's two traces, split by port, with direction helpers. */
export interface Traces {
  /** Client side: what the client sent (before impairment) and received (after). */
  readonly left: readonly Datagram[];
  /** Server side. */
  readonly right: readonly Datagram[];
  readonly fromClientLeft: readonly Datagram[];
  readonly fromServerLeft: readonly Datagram[];
  readonly fromClientRight: readonly Datagram[];
  readonly fromServerRight: readonly Datagram[];
  /** The server's qlog `packet_sent` events (QLOGDIR), when it wrote any (qlog.ts). */
  readonly serverQlog?: readonly QlogPacketSent[];
}

/**
 * Builds the runner's traces from the client-side and server-side captures (pure). They must be
 * separate captures: tshark tracks QUIC connections by CID, and the same connection seen on two
 * 4-tuples in one file breaks its decryption of the second copy.
 */
export function buildTraces(left: readonly Datagram[], right: readonly Datagram[], layout: TraceLayout): Traces {
  const relays = relayPortsOf(layout);
  const servers = serverPortsOf(layout);
  return {
    left,
    right,
    fromClientLeft: left.filter((d) => relays.includes(d.dstPort)),
    fromServerLeft: left.filter((d) => relays.includes(d.srcPort)),
    fromClientRight: right.filter((d) => servers.includes(d.dstPort)),
    fromServerRight: right.filter((d) => servers.includes(d.srcPort)),
  };
}

/** Runs tshark over `pcap` (decode-as QUIC on both ports, HTTP/3 off, key log if any) and parses it. */
export async function readCapture(
  pcap: string, layout: TraceLayout, keylog: string | undefined, withProtectedPayload = false,
): Promise<Datagram[]> {
  const args = ['-n', '-r', pcap];
  for (const port of [...relayPortsOf(layout), ...serverPortsOf(layout)]) args.push('-d', `udp.port==${port},quic`);
  args.push('--disable-protocol', 'http3');
  if (keylog) args.push('-o', `tls.keylog_file:${keylog}`);
  args.push('-Y', 'quic && !icmp', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'separator=/t');
  for (const f of FIELDS) args.push('-e', f);
  if (withProtectedPayload) args.push('-e', 'quic.protected_payload');
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('tshark', args, { maxBuffer: 1 << 30, timeout: 300_000 }, (err, out) => (err ? reject(err) : resolve(out)));
  });
  return parseTsharkFields(stdout, withProtectedPayload);
}
