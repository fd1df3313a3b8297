/**
 * The server's own record of what it sent (qlog, QLOGDIR — INTEROP-RUNNER.md §2.1), read to
 * verify what tshark cannot decrypt: tshark 4.0 does not decrypt a server packet sent on a new path
 * in some migrations (e.g. a peer with zero-length connection IDs seen on a new 4-tuple, or a new
 * connection ID it has not learnt), so the "PATH_CHALLENGE in the first packet on a new path"
 * check (rebind-*, connectionmigration) falls back to the matching `quic:packet_sent` event.
 * The trace's reference time comes in three forms, all read:
 *   - ours: `reference_time: { epoch: <RFC 3339> }`, `quic:packet_sent`;
 *   - quic-go 0.50 (qlog_version 0.3): `reference_time: <ms since the Unix epoch>` (a number),
 *     `transport:packet_sent`;
 *   - quic-go 0.59 (qlog_version 0.3, qlogwriter): `reference_time: { clock_type: "monotonic",
 *     epoch: "unknown", wall_clock_time: <RFC 3339, ns> }` (event times are ms after that wall-clock
 *     instant), `transport:packet_sent`.
 * A trace whose reference time cannot be read yields no events (rather than events at NaN, which
 * would match any capture time).
 *
 * Only `packet_sent` events are read: the wall-clock time (the trace's reference epoch plus the
 * event's relative time), the packet's encoded length (`raw.length`), its type and frame types.
 * JSON-SEQ (RFC 7464) and newline-delimited files are both accepted; unparsable lines are skipped.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One `quic:packet_sent` event of a qlog. */
export interface QlogPacketSent {
  /** Wall-clock time of the event, ms since the epoch. */
  readonly timeMs: number;
  /** The packet's length on the wire (`raw.length`), when logged. */
  readonly length: number | undefined;
  readonly packetType: string;
  readonly packetNumber: number | undefined;
  readonly frameTypes: readonly string[];
  /** PATH_CHALLENGE data (hex) of the packet's path_challenge frames. */
  readonly pathChallenges: readonly string[];
  /** The qlog file it came from (basename). */
  readonly file: string;
}

interface Record_ {
  trace?: { common_fields?: { reference_time?: number | { epoch?: string; wall_clock_time?: string } } };
  time?: number;
  name?: string;
  data?: { header?: { packet_type?: string; packet_number?: number }; frames?: { frame_type?: string; data?: string }[]; raw?: { length?: number } };
}

/** Parses one qlog file's text (pure). */
export function parseQlogPacketsSent(text: string, file = ''): QlogPacketSent[] {
  const out: QlogPacketSent[] = [];
  let epoch: number | undefined = 0;
  for (const raw of text.split(/[\n\x1e]/)) {
    const line = raw.trim();
    if (line === '') continue;
    let r: Record_;
    try {
      r = JSON.parse(line) as Record_;
    } catch {
      continue;
    }
    const ref = r.trace?.common_fields?.reference_time;
    if (typeof ref === 'number') epoch = Number.isFinite(ref) ? ref : undefined;
    else if (ref !== undefined) epoch = rfc3339Ms(ref.epoch) ?? rfc3339Ms(ref.wall_clock_time);
    if ((r.name !== 'quic:packet_sent' && r.name !== 'transport:packet_sent') || typeof r.time !== 'number' || r.data?.header === undefined) continue;
    if (epoch === undefined) continue;
    out.push({
      timeMs: epoch + r.time,
      length: r.data.raw?.length,
      packetType: r.data.header.packet_type ?? '',
      packetNumber: r.data.header.packet_number,
      frameTypes: (r.data.frames ?? []).map((f) => f.frame_type ?? ''),
      pathChallenges: (r.data.frames ?? []).filter((f) => f.frame_type === 'path_challenge').map((f) => (f.data ?? '').toLowerCase()),
      file,
    });
  }
  return out;
}

/** ms since the Unix epoch of an RFC 3339 timestamp, keeping digits below the ms; undefined if not one ("unknown"). */
export function rfc3339Ms(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  if (Number.isNaN(t)) return undefined;
  const frac = /T\d\d:\d\d:\d\d\.(\d+)/.exec(s)?.[1];
  return frac !== undefined && frac.length > 3 ? t + Number(`0.${frac.slice(3)}`) : t;
}

/** Every `packet_sent` event of the `.sqlog` / `.qlog` files in `dir` (none when it does not exist). */
export async function readQlogPacketsSent(dir: string): Promise<QlogPacketSent[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: QlogPacketSent[] = [];
  for (const n of names.filter((f) => /\.(s?qlog)$/.test(f))) out.push(...parseQlogPacketsSent(await readFile(join(dir, n), 'utf8'), n));
  return out;
}

/**
 * The logged packet that most likely is the datagram captured at `timeSec` with `udpPayload`
 * bytes: a 1-RTT packet of exactly that length logged at most 50 ms before or 20 ms after the
 * capture (the event is logged before the datagram reaches the socket; both clocks are this
 * host's wall clock), the closest in time. Undefined when none fits.
 */
export function matchSentPacket(sent: readonly QlogPacketSent[], timeSec: number, udpPayload: number): QlogPacketSent | undefined {
  const t = timeSec * 1000;
  let best: QlogPacketSent | undefined;
  for (const p of sent) {
    if (p.length !== udpPayload || p.packetType !== '1RTT') continue;
    const dt = t - p.timeMs;
    if (!Number.isFinite(dt) || dt < -20 || dt > 50) continue;
    if (best === undefined || Math.abs(dt) < Math.abs(t - best.timeMs)) best = p;
  }
  return best;
}
