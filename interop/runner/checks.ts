/**
 * The interop runner's `check()` logic (/work/shared/INTEROP-RUNNER.md §3 table, §4), as pure
 * functions over the datagrams of a loopback capture (see trace.ts). Each returns a verdict with
 * a one-line reason; `undefined` reason means pass.
 */
import type { Datagram, QuicPacket, Traces } from './trace.js';
import { V1, V2 } from './trace.js';
import { matchSentPacket } from './qlog.js';

/** Outcome of one check. */
export type Verdict = { readonly ok: true; readonly note?: string } | { readonly ok: false; readonly reason: string };

export const pass = (note?: string): Verdict => (note === undefined ? { ok: true } : { ok: true, note });
export const fail = (reason: string): Verdict => ({ ok: false, reason });

/** Runs checks in order; the first failure wins; the distinct notes of passes are joined. */
export function all(...verdicts: (() => Verdict)[]): Verdict {
  const notes: string[] = [];
  for (const v of verdicts) {
    const r = v();
    if (!r.ok) return r;
    if (r.note && !notes.includes(r.note)) notes.push(r.note); // a check run twice (e.g. on both traces) says it once
  }
  return notes.length > 0 ? pass(notes.join('; ')) : pass();
}

const packetsOf = (ds: readonly Datagram[], pred: (p: QuicPacket) => boolean): QuicPacket[] =>
  ds.flatMap((d) => d.packets.filter(pred));
const isType = (t: QuicPacket['type']) => (p: QuicPacket): boolean => p.type === t;
const hexVersion = (v: number | undefined): string => `0x${(v ?? 0).toString(16).padStart(8, '0')}`;

/**
 * "base(n)": distinct server-Initial SCIDs on the server side == n, and the server's Initials carry
 * exactly version 1 (§3 preamble). The files part is `checkFiles`.
 */
export function checkHandshakes(t: Traces, expected: number, versionCheck = true): Verdict {
  const initials = packetsOf(t.fromServerRight, isType('initial'));
  const scids = new Set(initials.map((p) => p.scid ?? ''));
  if (scids.size !== expected) return fail(`expected ${expected} handshake(s), saw ${scids.size} distinct server Initial SCIDs`);
  if (versionCheck) {
    const versions = new Set(initials.map((p) => p.version));
    if (versions.size !== 1 || !versions.has(V1)) {
      return fail(`server Initial versions ${[...versions].map(hexVersion).join(',')} != {0x00000001}`);
    }
  }
  return pass();
}

/** handshake: no Retry anywhere in the client-side trace. */
export function checkNoRetry(t: Traces): Verdict {
  const n = packetsOf(t.left, isType('retry')).length;
  return n === 0 ? pass() : fail(`${n} Retry packet(s) in the client-side trace`);
}

/** retry: Retry with a token; a client Initial echoes it; no packet-number reset after Retry. */
export function checkRetry(t: Traces): Verdict {
  const retries = t.fromServerLeft.filter((d) => d.packets.some(isType('retry')));
  if (retries.length === 0) return fail('no Retry packet from the server in the client-side trace');
  const tokens = new Set(retries.flatMap((d) => d.retryTokens));
  if (tokens.size === 0) return fail('Retry packet(s) carry no token');
  let maxTokenlessPn = -1;
  let echoed = false;
  for (const d of t.fromClientLeft) {
    if (d.packets[0]?.type !== 'initial') continue;
    const pn = d.packetNumbers[0] ?? -1;
    const tokenLen = d.tokenLengths[0] ?? 0;
    if (tokenLen === 0) {
      maxTokenlessPn = Math.max(maxTokenlessPn, pn);
      continue;
    }
    if (d.tokens.some((tk) => tokens.has(tk))) {
      echoed = true;
      if (pn <= maxTokenlessPn) return fail(`client reset packet numbers after Retry (PN ${pn} <= ${maxTokenlessPn})`);
    }
  }
  return echoed ? pass() : fail('no client Initial carries a Retry token');
}

/** longrtt: the client sent >= 2 ClientHellos (Initial-only datagrams with CRYPTO at offset 0). */
export function checkClientHelloRetransmitted(t: Traces): Verdict {
  const n = t.fromClientLeft.filter((d) =>
    d.packets.length > 0 && d.packets.every((p) => p.type === 'initial' || p.type === '0rtt') && d.cryptoOffsets.includes(0)).length;
  return n >= 2 ? pass() : fail(`client sent ${n} ClientHello(s) in Initials, need >= 2`);
}

/** chacha20: every client ClientHello lists TLS_CHACHA20_POLY1305_SHA256 (0x1303) first (runner reads the first). */
export function checkChaCha20(t: Traces): Verdict {
  const hellos = t.fromClientLeft.filter((d) => d.tlsHandshakeTypes.includes(1));
  if (hellos.length === 0) return fail('no decodable ClientHello from the client');
  for (const d of hellos) {
    if (d.cipherSuites[0] !== 0x1303) return fail(`ClientHello (frame ${d.frame}) offers 0x${(d.cipherSuites[0] ?? 0).toString(16)} first, not 0x1303`);
  }
  const extra = hellos.some((d) => d.cipherSuites.length > 1);
  return pass(extra ? 'ClientHello also lists other suites (runner reads only the first)' : undefined);
}

/** multiplexing: the server's initial_max_streams_bidi is present and <= 1000. */
export function checkStreamLimit(t: Traces): Verdict {
  const values = t.fromServerLeft.flatMap((d) => d.maxStreamsBidi);
  if (values.length === 0) return fail("server's initial_max_streams_bidi not seen (absent or not decrypted)");
  const max = Math.max(...values);
  return max <= 1000 ? pass() : fail(`server initial_max_streams_bidi = ${max} > 1000`);
}

/** resumption: exactly 2 handshakes; conn 1's server Handshake has a Certificate, conn 2's none. */
export function checkResumption(t: Traces): Verdict {
  const hs = checkHandshakes(t, 2);
  if (!hs.ok) return hs;
  const order: string[] = [];
  for (const p of packetsOf(t.fromServerRight, isType('initial'))) if (!order.includes(p.scid ?? '')) order.push(p.scid ?? '');
  const cert = new Map<string, boolean>(order.map((s) => [s, false]));
  for (const d of t.fromServerLeft) {
    const hsScids = d.packets.filter(isType('handshake')).map((p) => p.scid ?? '');
    if (hsScids.length === 0) continue;
    for (const s of hsScids) {
      if (!cert.has(s)) return fail(`server Handshake SCID ${s} belongs to neither connection`);
      if (d.tlsHandshakeTypes.includes(11) || d.certificatesLengths.length > 0) cert.set(s, true);
    }
  }
  if (!cert.get(order[0]!)) return fail('first connection: no Certificate seen in server Handshake packets');
  if (cert.get(order[1]!)) return fail('second connection sent a Certificate: no PSK resumption');
  return pass();
}

/** zerortt: 2 handshakes; 0-RTT data from the client; client 1-RTT payload bytes <= 5000. */
export function checkZeroRtt(t: Traces): Verdict {
  const hs = checkHandshakes(t, 2);
  if (!hs.ok) return hs;
  const zeroRtt = packetsOf(t.fromClientLeft, isType('0rtt')).length;
  if (zeroRtt === 0) return fail('no 0-RTT packets from the client');
  const oneRtt = t.fromClientLeft.reduce((n, d) => n + d.protectedPayloadBytes, 0);
  return oneRtt <= 5000 ? pass(`${zeroRtt} 0-RTT packets, client 1-RTT ${oneRtt} B`) : fail(`client 1-RTT payload ${oneRtt} B > 5000`);
}

/** keyupdate: key phase 1 in a client short-header packet (left) and a server one (right). */
export function checkKeyUpdate(t: Traces): Verdict {
  const client = t.fromClientLeft.some((d) => d.keyPhases.includes(1));
  const server = t.fromServerRight.some((d) => d.keyPhases.includes(1));
  if (!client) return fail('client sent no packet with key phase 1');
  if (!server) return fail('server sent no packet with key phase 1');
  return pass();
}

/** v2: client Initials include v1, server Initials include v2, all Handshake packets are v2. */
export function checkV2(t: Traces): Verdict {
  const cInit = new Set(packetsOf(t.fromClientLeft, isType('initial')).map((p) => p.version));
  const sInit = new Set(packetsOf(t.fromServerLeft, isType('initial')).map((p) => p.version));
  if (!cInit.has(V1)) return fail('client Initials never use version 1');
  if (!sInit.has(V2)) return fail(`server Initials never use v2 (saw ${[...sInit].map(hexVersion).join(',')})`);
  const cHs = packetsOf(t.fromClientLeft, isType('handshake'));
  const sHs = packetsOf(t.fromServerLeft, isType('handshake'));
  if (cHs.length === 0 || sHs.length === 0) return fail('missing Handshake packets');
  if (!cHs.every((p) => p.version === V2)) return fail('some client Handshake packets are not v2');
  if (!sHs.every((p) => p.version === V2)) return fail('some server Handshake packets are not v2');
  return pass();
}

/** amplificationlimit: server Handshake CRYPTO reaches >= 7500 B; 3x limit walked on the server side. */
export function checkAmplification(t: Traces): Verdict {
  let maxEnd = 0;
  for (const d of t.fromServerRight) {
    if (!d.packets.some(isType('handshake'))) continue;
    d.cryptoOffsets.forEach((o, i) => { maxEnd = Math.max(maxEnd, o + (d.cryptoLengths[i] ?? 0)); });
  }
  if (maxEnd < 7500) return fail(`server Handshake CRYPTO data ends at ${maxEnd} < 7500 (full chain not sent or not decrypted)`);
  let a3 = 0;
  let a4 = 0;
  let tolerated = 0;
  const fromClient = new Set(t.fromClientRight);
  for (const d of t.right) {
    if (d.packets.length === 0 || d.packets.some((p) => p.long && p.version === 0)) return fail(`VN or unparsable packet (frame ${d.frame})`);
    if (fromClient.has(d)) {
      if (d.packets.some(isType('handshake'))) return pass(tolerated > 0 ? `${tolerated} server datagram(s) between 3x and 4x` : undefined);
      if (d.packets.some(isType('initial'))) { a3 += 3 * d.udpPayload; a4 += 4 * d.udpPayload; }
      continue;
    }
    if (d.udpPayload >= a4) return fail(`server datagram of ${d.udpPayload} B (frame ${d.frame}) exceeds the 4x allowance ${a4}`);
    if (d.udpPayload > a3) tolerated++;
    a3 -= d.udpPayload;
    a4 -= d.udpPayload;
  }
  return fail('no client Handshake packet in the server-side trace');
}

/** ipv6: no IPv4 QUIC datagram from the server in the server-side trace. */
export function checkIpv6(t: Traces): Verdict {
  const v4 = t.fromServerRight.filter((d) => !d.ipv6).length;
  return v4 === 0 ? pass() : fail(`${v4} IPv4 datagram(s) from the server`);
}

/**
 * rebind-port / rebind-addr / connectionmigration (server part): on every new 4-tuple after the
 * first, the server's first datagram carries PATH_CHALLENGE (frame type 0x1a); >= 2 paths; every
 * challenge is answered by a client PATH_RESPONSE (client-side trace).
 */
export function checkPathValidation(t: Traces, needAddresses = false): Verdict {
  const seen = new Set<string>();
  const ips = new Set<string>();
  const viaQlog: string[] = [];
  const qlogChallenges: string[] = [];
  for (const d of t.fromServerRight) {
    const key = `${d.dst}|${d.dstPort}`;
    ips.add(d.dst);
    if (seen.has(key)) continue;
    if (seen.size > 0 && !d.frameTypes.includes(0x1a)) {
      if (d.frameTypes.length > 0) return fail(`first server packet on new path ${d.dst}:${d.dstPort} (frame ${d.frame}) has no PATH_CHALLENGE (frames ${d.frameTypes.join(',')})`);
      // Not decrypted by tshark 4.0: the server's own qlog says what that datagram carried (qlog.ts).
      const logged = t.serverQlog === undefined || t.serverQlog.length === 0 ? undefined : matchSentPacket(t.serverQlog, d.time, d.udpPayload);
      if (logged === undefined) {
        return fail(`first server packet on new path ${d.dst}:${d.dstPort} (frame ${d.frame}) was not decrypted by tshark (no frames decoded)` +
          (t.serverQlog === undefined || t.serverQlog.length === 0 ? ' and the server wrote no qlog' : ' and no server qlog packet_sent matches it'));
      }
      if (!logged.frameTypes.includes('path_challenge')) {
        return fail(`first server packet on new path ${d.dst}:${d.dstPort} (frame ${d.frame}, qlog pn ${logged.packetNumber}) has no PATH_CHALLENGE (qlog frames ${logged.frameTypes.join(',')})`);
      }
      // Cross-check: the relay forwarded that datagram to the client, whose side tshark decrypts.
      const leftSeen = logged.pathChallenges.some((c) => t.fromServerLeft.some((l) => l.pathChallenges.includes(c)));
      viaQlog.push(`frame ${d.frame} = qlog pn ${logged.packetNumber}${leftSeen ? ', same challenge in the client-side trace' : ''}`);
      qlogChallenges.push(...logged.pathChallenges);
    }
    seen.add(key);
  }
  if (seen.size < 2) return fail(`only ${seen.size} path(s) seen at the server`);
  if (needAddresses && ips.size < 2) return fail(`server sent to only ${ips.size} client address(es)`);
  const responses = new Set(t.fromClientLeft.flatMap((d) => d.pathResponses));
  const challenges = [...t.fromServerRight.flatMap((d) => d.pathChallenges), ...qlogChallenges];
  const unanswered = challenges.filter((c) => !responses.has(c));
  if (unanswered.length > 0) return fail(`${unanswered.length} of ${challenges.length} PATH_CHALLENGE(s) never answered by the client`);
  return pass(`${seen.size} paths, ${challenges.length} challenges` +
    (viaQlog.length > 0 ? ` (PATH_CHALLENGE first on ${viaQlog.length} path(s) not decrypted by tshark, verified in the server qlog: ${viaQlog.join(', ')})` : ''));
}

/** connectionmigration (client part): the first client packet on each new path uses a new DCID. */
export function checkMigrationDcid(t: Traces): Verdict {
  const byPath = new Map<string, string>();
  for (const d of t.fromClientRight) {
    const path = `${d.src}|${d.srcPort}`;
    if (!byPath.has(path) && d.packets.length > 0 && !d.packets[0]!.long) byPath.set(path, d.dcids[0] ?? '');
  }
  const dcids = [...byPath.values()];
  if (dcids.length < 2) return fail(`client used ${dcids.length} path(s)`);
  for (let i = 1; i < dcids.length; i++) if (dcids.slice(0, i).includes(dcids[i]!)) return fail('client reused a DCID on a new path');
  return pass();
}

/** ecn: ECT marks and no CE both ways; ACK frames with ECN counts both ways. */
export function checkEcn(t: Traces): Verdict {
  for (const [who, ds] of [['client', t.fromClientLeft], ['server', t.fromServerRight]] as const) {
    const ect = ds.filter((d) => d.ecn === 1 || d.ecn === 2).length;
    const ce = ds.filter((d) => d.ecn === 3).length;
    if (ect === 0) return fail(`${who} sent no ECT(0)/ECT(1) datagram`);
    if (ce > 0) return fail(`${who} sent ${ce} CE datagram(s)`);
    if (!ds.some((d) => d.frameTypes.includes(3) || d.ackEct0.length > 0)) return fail(`${who} sent no ACK with ECN counts`);
  }
  return pass();
}

/** goodput: kbps over the first..last server 1-RTT datagram at the client side. */
export function goodputKbps(t: Traces, bytes: number): number | undefined {
  const times = t.fromServerLeft.filter((d) => d.packets.some((p) => !p.long)).map((d) => d.time);
  if (times.length < 2) return undefined;
  const ms = (Math.max(...times) - Math.min(...times)) * 1000;
  return ms > 0 ? (8 * bytes) / ms : undefined;
}
