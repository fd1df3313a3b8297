import { describe, it, expect } from 'vitest';
import {
  all, checkAmplification, checkHandshakes, fail, pass, checkKeyUpdate, checkNoRetry, checkPathValidation, checkRetry, checkV2,
} from '../../../interop/runner/checks.js';
import { matchSentPacket, parseQlogPacketsSent, rfc3339Ms } from '../../../interop/runner/qlog.js';
import { renderResults } from '../../../interop/runner/results.js';
import type { TestResult } from '../../../interop/runner/run-test.js';
import { FIELDS, V2, buildTraces, parseTsharkFields, type Traces } from '../../../interop/runner/trace.js';

const RELAY = 5000;
const SERVER = 4433;
const LAYOUT = { relayPort: RELAY, serverPort: SERVER };

/** One tshark `-T fields` line (tab-separated, FIELDS order) from a partial field map. */
function line(f: Partial<Record<(typeof FIELDS)[number], string>>): string {
  return FIELDS.map((name) => f[name] ?? '').join('\t');
}

let frameNo = 0;
/** A datagram line: `from` 'client' or 'server' on the given side. */
function dg(side: 'left' | 'right', from: 'client' | 'server', f: Partial<Record<(typeof FIELDS)[number], string>>, len = 1200): string {
  const port = side === 'left' ? RELAY : SERVER;
  const other = side === 'left' ? 40000 : 40001;
  return line({
    'frame.number': String(++frameNo), 'frame.time_epoch': String(1000 + frameNo / 1000), 'ip.src': '127.0.0.1',
    'ip.dst': '127.0.0.1', 'udp.srcport': String(from === 'client' ? other : port),
    'udp.dstport': String(from === 'client' ? port : other), 'udp.length': String(len + 8), ...f,
  });
}

function traces(left: string[], right: string[]): Traces {
  return buildTraces(parseTsharkFields(left.join('\n')), parseTsharkFields(right.join('\n')), LAYOUT);
}

const serverInitial = (scid: string, version = '0x00000001'): Partial<Record<(typeof FIELDS)[number], string>> => ({
  'quic.header_form': '1,1,0', 'quic.version': `${version},${version}`,
  ...(version === '0x00000001' ? { 'quic.long.packet_type': '0,2' } : { 'quic.long.packet_type_v2': '1,3' }),
  'quic.scil': '4,4', 'quic.scid': `${scid},${scid}`,
});

describe('INTEROP-RUNNER §4: tshark field output parsing', () => {
  it('INTEROP-RUNNER §4: coalesced packets are split per QUIC packet with aligned version, type and SCID', () => {
    const [d] = parseTsharkFields(line({
      'frame.number': '7', 'frame.time_epoch': '12.5', 'ip.src': '127.0.0.1', 'ip.dst': '127.0.0.2', 'udp.srcport': '1',
      'udp.dstport': '2', 'udp.length': '1208', 'ip.dsfield.ecn': '2', 'quic.header_form': '1,1,0',
      'quic.version': '0x00000001,0x00000001', 'quic.long.packet_type': '0,2', 'quic.scil': '0,8',
      'quic.scid': '01:02:03:04:05:06:07:08', 'quic.key_phase': '1', 'quic.frame_type': '6,2,26',
      'quic.path_challenge.data': 'aa:bb', 'quic.crypto.offset': '0', 'quic.crypto.length': '90',
    }));
    expect(d).toBeDefined();
    expect(d!.frame).toBe(7);
    expect(d!.udpPayload).toBe(1200);
    expect(d!.ecn).toBe(2);
    expect(d!.packets).toEqual([
      { long: true, version: 1, type: 'initial', scid: '' },
      { long: true, version: 1, type: 'handshake', scid: '0102030405060708' },
      { long: false },
    ]);
    expect(d!.keyPhases).toEqual([1]);
    expect(d!.frameTypes).toEqual([6, 2, 26]);
    expect(d!.pathChallenges).toEqual(['aabb']);
  });

  it('RFC 9369 §3.2: v2 long-header types are read from the v2 field; VN packets get no type', () => {
    const [d] = parseTsharkFields(line({
      'frame.number': '1', 'udp.length': '100', 'quic.header_form': '1,1',
      'quic.version': `0x${V2.toString(16)},0x${V2.toString(16)}`, 'quic.long.packet_type_v2': '1,3', 'quic.scil': '2,2', 'quic.scid': 'ab:cd,ab:cd',
    }));
    expect(d!.packets.map((p) => p.type)).toEqual(['initial', 'handshake']);
    const [vn] = parseTsharkFields(line({ 'frame.number': '2', 'quic.header_form': '1', 'quic.version': '0x00000000', 'quic.scil': '0' }));
    expect(vn!.packets).toEqual([{ long: true, version: 0, scid: '' }]);
  });

  it('INTEROP-RUNNER §4: lines without a frame number are skipped', () => {
    expect(parseTsharkFields('\n\nnot a frame\n')).toEqual([]);
  });
});

describe('INTEROP-RUNNER §3: checks', () => {
  it('INTEROP-RUNNER §3 base(n): counts distinct server Initial SCIDs and requires version 1', () => {
    const t = traces([], [dg('right', 'server', serverInitial('aa:aa')), dg('right', 'server', serverInitial('bb:bb'))]);
    expect(checkHandshakes(t, 2).ok).toBe(true);
    expect(checkHandshakes(t, 1)).toMatchObject({ ok: false });
    const v2 = traces([], [dg('right', 'server', serverInitial('aa:aa', `0x${V2.toString(16)}`))]);
    expect(checkHandshakes(v2, 1)).toMatchObject({ ok: false, reason: expect.stringContaining('versions') });
  });

  it('INTEROP-RUNNER §3 handshake/retry: Retry detection, token echo and no packet-number reset', () => {
    const retry = dg('left', 'server', { 'quic.header_form': '1', 'quic.version': '0x00000001', 'quic.long.packet_type': '3', 'quic.scil': '4', 'quic.scid': 'cc', 'quic.retry_token': '01:02' });
    const init = (pn: string, tokenLen: string, token = ''): string => dg('left', 'client', {
      'quic.header_form': '1', 'quic.version': '0x00000001', 'quic.long.packet_type': '0', 'quic.scil': '0',
      'quic.packet_number': pn, 'quic.token_length': tokenLen, 'quic.token': token,
    });
    const good = traces([init('0', '0'), retry, init('1', '2', '01:02')], []);
    expect(checkRetry(good).ok).toBe(true);
    expect(checkNoRetry(good).ok).toBe(false);
    expect(checkRetry(traces([init('0', '0'), retry, init('0', '2', '01:02')], []))).toMatchObject({ ok: false, reason: expect.stringContaining('reset') });
    expect(checkRetry(traces([init('0', '0'), retry, init('1', '0')], []))).toMatchObject({ ok: false });
    expect(checkNoRetry(traces([init('0', '0')], [])).ok).toBe(true);
  });

  it('INTEROP-RUNNER §3 keyupdate: key phase 1 needed from the client (left) and the server (right)', () => {
    const short = (kp: string): Partial<Record<(typeof FIELDS)[number], string>> => ({ 'quic.header_form': '0', 'quic.key_phase': kp });
    expect(checkKeyUpdate(traces([dg('left', 'client', short('1'))], [dg('right', 'server', short('1'))])).ok).toBe(true);
    expect(checkKeyUpdate(traces([dg('left', 'client', short('0'))], [dg('right', 'server', short('1'))])).ok).toBe(false);
    expect(checkKeyUpdate(traces([dg('left', 'client', short('1'))], [dg('right', 'server', short('0'))])).ok).toBe(false);
  });

  it('RFC 9369 §4 / INTEROP-RUNNER §3 v2: v1 client Initial, v2 server Initial, v2 Handshake both ways', () => {
    const v2 = `0x${V2.toString(16)}`;
    const cInit = dg('left', 'client', { 'quic.header_form': '1', 'quic.version': '0x00000001', 'quic.long.packet_type': '0', 'quic.scil': '0' });
    const sPk = dg('left', 'server', serverInitial('ab', v2));
    const cHs = (ver: string): string => dg('left', 'client', { 'quic.header_form': '1', 'quic.version': ver, ...(ver === v2 ? { 'quic.long.packet_type_v2': '3' } : { 'quic.long.packet_type': '2' }), 'quic.scil': '0' });
    expect(checkV2(traces([cInit, sPk, cHs(v2)], [])).ok).toBe(true);
    expect(checkV2(traces([cInit, sPk, cHs('0x00000001')], [])).ok).toBe(false);
  });

  it('RFC 9000 §8.1 / INTEROP-RUNNER §3 amplificationlimit: 3x allowance walked on the server side', () => {
    const cInit = dg('right', 'client', { 'quic.header_form': '1', 'quic.version': '0x00000001', 'quic.long.packet_type': '0', 'quic.scil': '0' }, 1200);
    const sHs = (len: number, off: string): string => dg('right', 'server', { ...serverInitial('aa'), 'quic.crypto.offset': off, 'quic.crypto.length': '1000' }, len);
    const cHs = dg('right', 'client', { 'quic.header_form': '1', 'quic.version': '0x00000001', 'quic.long.packet_type': '2', 'quic.scil': '0' }, 100);
    const ok = traces([], [cInit, sHs(1200, '0'), sHs(1200, '1000'), sHs(1200, '7000'), cHs]);
    expect(checkAmplification(ok).ok).toBe(true);
    const over = traces([], [cInit, sHs(1200, '0'), sHs(1200, '1000'), sHs(1200, '2000'), sHs(1200, '7000'), cHs]);
    expect(checkAmplification(over)).toMatchObject({ ok: false, reason: expect.stringContaining('allowance') });
    const short = traces([], [cInit, sHs(1200, '0'), cHs]);
    expect(checkAmplification(short)).toMatchObject({ ok: false, reason: expect.stringContaining('7500') });
  });

  it('RFC 9000 §9.3 / INTEROP-RUNNER §3 rebind: PATH_CHALLENGE first on each new path, all answered', () => {
    const to = (port: number, f: Partial<Record<(typeof FIELDS)[number], string>>): string =>
      dg('right', 'server', { 'quic.header_form': '0', 'udp.dstport': String(port), ...f });
    const resp = dg('left', 'client', { 'quic.header_form': '0', 'quic.frame_type': '27', 'quic.path_response.data': '11:22' });
    const good = traces([resp], [to(1, { 'quic.frame_type': '2' }), to(2, { 'quic.frame_type': '26', 'quic.path_challenge.data': '11:22' })]);
    expect(checkPathValidation(good).ok).toBe(true);
    expect(checkPathValidation(traces([resp], [to(1, {}), to(2, { 'quic.frame_type': '8' })]))).toMatchObject({ ok: false });
    expect(checkPathValidation(traces([], [to(1, {}), to(2, { 'quic.frame_type': '26', 'quic.path_challenge.data': '11:22' })]))).toMatchObject({ ok: false, reason: expect.stringContaining('never answered') });
    expect(checkPathValidation(traces([], [to(1, {})]))).toMatchObject({ ok: false });
  });

  it('RFC 9000 §9.3 / INTEROP-RUNNER §3 rebind: a new-path server packet tshark did not decrypt is checked in the server qlog', () => {
    const to = (port: number, len: number): string => dg('right', 'server', { 'quic.header_form': '0', 'udp.dstport': String(port) }, len);
    const resp = dg('left', 'client', { 'quic.header_form': '0', 'quic.frame_type': '27', 'quic.path_response.data': '30:ef' });
    const base = traces([resp], [to(1, 1200), to(2, 99)]);
    const second = base.fromServerRight[1]!;
    const qlog = (frames: string, data = '30ef', dtMs = 3): string => [
      '\x1e{"file_schema":"x","trace":{"common_fields":{"reference_time":{"epoch":"1970-01-01T00:00:00.000Z"}}}}',
      `\x1e{"time":${second.time * 1000 - dtMs},"name":"quic:packet_sent","data":{"header":{"packet_type":"1RTT","packet_number":555},` +
        `"frames":[{"frame_type":"${frames}","data":"${data}"},{"frame_type":"padding"}],"raw":{"length":99}}}`,
    ].join('\n');
    const withQlog = (text: string): Traces => ({ ...base, serverQlog: parseQlogPacketsSent(text) });
    expect(checkPathValidation(withQlog(qlog('path_challenge')))).toMatchObject({ ok: true, note: expect.stringContaining('qlog pn 555') });
    // The logged packet has no PATH_CHALLENGE; the challenge is never answered; no qlog; too far in time.
    expect(checkPathValidation(withQlog(qlog('ping')))).toMatchObject({ ok: false, reason: expect.stringContaining('has no PATH_CHALLENGE') });
    expect(checkPathValidation(withQlog(qlog('path_challenge', 'aaaa')))).toMatchObject({ ok: false, reason: expect.stringContaining('never answered') });
    expect(checkPathValidation(base)).toMatchObject({ ok: false, reason: expect.stringContaining('no qlog') });
    expect(checkPathValidation(withQlog(qlog('path_challenge', '30ef', 500)))).toMatchObject({ ok: false, reason: expect.stringContaining('no server qlog packet_sent matches') });
  });

  // Real excerpts (header, the new-path PATH_CHALLENGE, the next packets) of quic-go servers' qlogs
  // from rebind-port runs, quic-go 0.50.1 (numeric reference_time) and 0.59.0 (qlogwriter:
  // monotonic clock, epoch "unknown", wall_clock_time).
  const QGO050 = [
    '\x1e{"qlog_format":"JSON-SEQ","qlog_version":"0.3","title":"quic-go qlog","configuration":{"code_version":"(devel)"},"trace":{"vantage_point":{"type":"server"},"common_fields":{"ODCID":"a2b863b33e6dce80","group_id":"a2b863b33e6dce80","reference_time":1795506047499.187,"time_format":"relative"}}}',
    '\x1e{"time":983.771189,"name":"transport:packet_sent","data":{"header":{"packet_type":"1RTT","dcid":"a9122e9eeb623c64","packet_number":982,"key_phase_bit":"1"},"raw":{"length":1200},"frames":[{"frame_type":"path_challenge","data":"9840d1d2dc8a33e7"}],"ecn":"Not-ECT"}}',
    '\x1e{"time":983.790538,"name":"transport:packet_sent","data":{"header":{"packet_type":"1RTT","dcid":"0dc6a4838540433c","packet_number":983,"key_phase_bit":"1"},"raw":{"length":1430},"frames":[{"frame_type":"stream","stream_id":0,"offset":1106490,"length":1397}],"ecn":"Not-ECT"}}',
    '\x1e{"time":987.473693,"name":"transport:packet_received","data":{"header":{"packet_type":"1RTT","dcid":"69c482c0","packet_number":392,"key_phase_bit":"1"},"raw":{"length":92,"payload_length":85},"frames":[{"frame_type":"ack","ack_delay":0.136,"acked_ranges":[[422,934]]}],"ecn":"Not-ECT"}}',
  ].join('\n');
  const QGO059 = [
    '\x1e{"file_schema":"urn:ietf:params:qlog:file:sequential","serialization_format":"application/qlog+json-seq","title":"quic-go qlog","code_version":"(devel)","trace":{"event_schemas":["urn:ietf:params:qlog:events:quic-12","urn:ietf:params:qlog:events:http3-12"],"vantage_point":{"type":"server"},"common_fields":{"group_id":"e0f69548636af6db26d4cbf7","reference_time":{"clock_type":"monotonic","epoch":"unknown","wall_clock_time":"2026-11-24T09:04:22.290137369Z"}}},"qlog_format":"JSON-SEQ","qlog_version":"0.3"}',
    '\x1e{"time":985.331596,"name":"transport:packet_sent","data":{"header":{"packet_type":"1RTT","packet_number":1000,"version":"1","dcil":0,"key_phase_bit":"1"},"raw":{"length":1200,"payload_length":1197},"frames":[{"frame_type":"path_challenge","data":"829b95e69a0ba943"}]}}',
    '\x1e{"time":985.367299,"name":"transport:packet_received","data":{"header":{"packet_type":"1RTT","packet_number":431,"dcil":4,"dcid":"d923d7e1","key_phase_bit":"1"},"raw":{"length":29,"payload_length":22},"frames":[{"frame_type":"ack","ack_delay":0.016,"acked_ranges":[[892,951]]}]}}',
    '\x1e{"time":985.37516,"name":"transport:packet_sent","data":{"header":{"packet_type":"1RTT","packet_number":1001,"version":"1","dcil":0,"key_phase_bit":"1"},"raw":{"length":1430,"payload_length":1427},"frames":[{"frame_type":"ack","ack_delay":0.093979,"acked_ranges":[[402,431]]},{"frame_type":"stream","stream_id":0,"offset":1155310,"length":1399}]}}',
  ].join('\n') + '\n';

  it('RFC 9000 §9.3 / INTEROP-RUNNER §3 rebind: quic-go 0.50 qlog (qlog 0.3: numeric reference_time, transport:packet_sent) is read too', () => {
    const sent = parseQlogPacketsSent(QGO050);
    expect(sent.map((p) => p.packetNumber)).toEqual([982, 983]);
    expect(sent[0]!.timeMs).toBeCloseTo(1795506047499.187 + 983.771189, 3);
    expect(sent[0]).toMatchObject({ length: 1200, packetType: '1RTT', frameTypes: ['path_challenge'], pathChallenges: ['9840d1d2dc8a33e7'] });
    expect(matchSentPacket(sent, (1795506047499.187 + 983.771189 + 0.4) / 1000, 1200)?.packetNumber).toBe(982);
  });

  it('RFC 9000 §9.3 / INTEROP-RUNNER §3 rebind: quic-go 0.59 qlog (qlogwriter: reference_time.wall_clock_time, epoch "unknown") is read too', () => {
    const wall = Date.parse('2026-11-24T09:04:22.290Z') + 0.137369;
    expect(rfc3339Ms('2026-11-24T09:04:22.290137369Z')).toBeCloseTo(wall, 6);
    expect(rfc3339Ms('unknown')).toBeUndefined();
    const sent = parseQlogPacketsSent(QGO059);
    expect(sent.map((p) => p.packetNumber)).toEqual([1000, 1001]);
    expect(sent[0]!.timeMs).toBeCloseTo(wall + 985.331596, 3);
    expect(sent[0]).toMatchObject({ length: 1200, packetType: '1RTT', frameTypes: ['path_challenge'], pathChallenges: ['829b95e69a0ba943'] });
    expect(sent[1]!.frameTypes).toEqual(['ack', 'stream']);
    // Matched by time and length: a capture 0.5 ms after the event, not one 2 s later.
    expect(matchSentPacket(sent, (wall + 985.331596 + 0.5) / 1000, 1200)?.packetNumber).toBe(1000);
    expect(matchSentPacket(sent, (wall + 2985.331596) / 1000, 1200)).toBeUndefined();
    // Without a usable reference time there are no events (NaN times once matched any capture).
    const noRef = QGO059.replace('"wall_clock_time":"2026-11-24T09:04:22.290137369Z"', '"wall_clock_time":"unknown"');
    expect(parseQlogPacketsSent(noRef)).toEqual([]);
  });

  it('RFC 9000 §9.6 / INTEROP-RUNNER §3 connectionmigration: the preferred-address relay and server ports join the traces', () => {
    const layout = { relayPort: RELAY, serverPort: SERVER, preferred: { relayPort: 5001, serverPort: 4434 } };
    const at = (src: number, dst: number): string => line({ 'frame.number': '1', 'udp.srcport': String(src), 'udp.dstport': String(dst), 'quic.header_form': '0' });
    const t = buildTraces(parseTsharkFields([at(40000, 5001), at(5001, 40000)].join('\n')), parseTsharkFields([at(40002, 4434), at(4434, 40002)].join('\n')), layout);
    expect([t.fromClientLeft.length, t.fromServerLeft.length, t.fromClientRight.length, t.fromServerRight.length]).toEqual([1, 1, 1, 1]);
    const plain = buildTraces(parseTsharkFields(at(40000, 5001)), parseTsharkFields(at(4434, 40002)), LAYOUT);
    expect([plain.fromClientLeft.length, plain.fromServerRight.length]).toEqual([0, 0]);
  });
});

describe('INTEROP-RUNNER §3: combining checks', () => {
  it('INTEROP-RUNNER §3: the first failure wins, and a note repeated by two passing checks is reported once', () => {
    expect(all(() => pass('3 paths'), () => pass('3 paths'), () => pass('2 challenges'))).toEqual({ ok: true, note: '3 paths; 2 challenges' });
    expect(all(() => pass('a'), () => fail('b'), () => fail('c'))).toEqual({ ok: false, reason: 'b' });
    expect(all(() => pass(), () => pass())).toEqual({ ok: true });
  });
});

describe('INTEROP-RUNNER §1: results table', () => {
  it('INTEROP-RUNNER §1 step 6: renders pass / fail / unsupported per test and pairing with reasons and the seed', () => {
    const r = (test: string, client: string, server: string, status: TestResult['status'], reason = ''): TestResult =>
      ({ test, abbr: test.slice(0, 1).toUpperCase(), client, server, status, reason, seconds: 1.5, seed: 42, dir: '/tmp/x' });
    const md = renderResults([
      r('handshake', 'ours', 'quic-go', 'pass'), r('handshake', 'quic-go', 'ours', 'fail', 'client exited 1: a|b'),
      r('v2', 'ours', 'quic-go', 'unsupported', 'server exited 127'),
    ], { date: '2026-11-24', seed: 42, versions: ['quic-go 0.29'], command: 'npm run interop', timeoutScale: 1 });
    expect(md).toContain('Seed **42**');
    expect(md).toContain('| test | ours → quic-go | quic-go → ours |');
    expect(md).toContain('| handshake (H) | ✅ pass (1.5 s) | ❌ fail (1.5 s) |');
    expect(md).toContain('| v2 (V) | ➖ unsupported (1.5 s) |   |');
    expect(md).toContain('- **handshake** quic-go → ours: fail — client exited 1: a\\|b');
    expect(md).toContain('Totals: 1 pass, 1 fail, 1 unsupported.');
  });
});
