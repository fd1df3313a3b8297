import { describe, it, expect } from 'vitest';
import { judgeH3, parseH3Rows } from '../../../interop/runner/h3-trace.js';

// Columns: udp.srcport, tls.handshake.type, tls.handshake.extensions_alpn_str, http3.frame_type.
const SERVER = 4433;
const CLIENT = 50000;
const row = (src: number, types: string, alpn: string, frames: string): string => [src, types, alpn, frames].join('\t');
const good = [
  row(CLIENT, '1', 'h3', ''),
  row(SERVER, '2,8,11,15,20', 'h3', ''),
  row(CLIENT, '20', '', '4'),
  row(CLIENT, '', '', '1,1,1'),
  row(SERVER, '', '', '4,64'),
  row(SERVER, '', '', '1'),
];

describe('INTEROP-RUNNER §2.3: http3 trace check (ALPN h3, HTTP/3 frames)', () => {
  it('INTEROP-RUNNER §2.3: parses tshark rows with aggregated fields', () => {
    const rows = parseH3Rows(`${good.join('\n')}\n`);
    expect(rows).toHaveLength(6);
    expect(rows[1]).toEqual({ srcPort: SERVER, tlsTypes: [2, 8, 11, 15, 20], alpn: ['h3'], h3Frames: [] });
    expect(rows[4]!.h3Frames).toEqual([4, 64]);
  });

  it('INTEROP-RUNNER §2.3: passes with h3 offered and selected and SETTINGS/HEADERS both ways', () => {
    const v = judgeH3(parseH3Rows(good.join('\n')), [SERVER]);
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.note).toContain('server DATA not decoded');
  });

  it('INTEROP-RUNNER §2.3: fails when the ClientHello does not offer h3 (hq-interop)', () => {
    const rows = [row(CLIENT, '1', 'hq-interop', ''), ...good.slice(1)];
    const v = judgeH3(parseH3Rows(rows.join('\n')), [SERVER]);
    expect(v).toEqual({ ok: false, reason: expect.stringContaining('does not offer h3') });
  });

  it('RFC 9001 §8.1: fails when the server selected another ALPN or its EncryptedExtensions were not decrypted', () => {
    const other = [good[0]!, row(SERVER, '2,8', 'hq-interop', ''), ...good.slice(2)];
    expect(judgeH3(parseH3Rows(other.join('\n')), [SERVER]).ok).toBe(false);
    const undecrypted = [good[0]!, row(SERVER, '2', '', '')];
    const v = judgeH3(parseH3Rows(undecrypted.join('\n')), [SERVER]);
    expect(v).toEqual({ ok: false, reason: expect.stringContaining('not seen') });
  });

  it('RFC 9114 §7.2: fails when a side sent no SETTINGS or no HEADERS', () => {
    const noServerSettings = good.filter((_, i) => i !== 4);
    expect(judgeH3(parseH3Rows(noServerSettings.join('\n')), [SERVER])).toEqual({ ok: false, reason: expect.stringContaining('server SETTINGS') });
    const noClientHeaders = good.filter((_, i) => i !== 3);
    expect(judgeH3(parseH3Rows(noClientHeaders.join('\n')), [SERVER])).toEqual({ ok: false, reason: expect.stringContaining('client HEADERS') });
  });

  it('RFC 9114 §7.2.1: notes server DATA frames when tshark decoded them', () => {
    const withData = [...good, row(SERVER, '', '', '1,0')];
    const v = judgeH3(parseH3Rows(withData.join('\n')), [SERVER]);
    expect(v).toEqual({ ok: true, note: expect.stringContaining('DATA from the server too') });
  });
});
