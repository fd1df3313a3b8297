/** Unit tests of the qlog JSON-SEQ serialization (src/qlog/serialize.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../src/util/bytes.js';
import { instant } from '../../../src/util/time.js';
import { qlogEvent, toQlogFrame, type QlogEvent } from '../../../src/qlog/events.js';
import {
  formatRfc3339,
  JsonSeqQlogObserver,
  serializeQlog,
  serializeQlogEvent,
  serializeQlogHeader,
  type QlogTraceOptions,
} from '../../../src/qlog/serialize.js';

const RS = '\u001e';

const OPTIONS: QlogTraceOptions = {
  vantagePoint: 'server',
  odcid: fromHex('8394c8f03e515708'),
  referenceTime: instant(1_000_000),
  referenceEpochMs: 1_700_000_000_123,
};

describe('qlog main schema §5/§11.2: JSON-SEQ serialization', () => {
  it('qlog main schema §5: header and events match hand-written JSON-SEQ exactly', () => {
    const events: QlogEvent[] = [
      qlogEvent(instant(1_002_000), 'quic:parameters_set', { initiator: 'local', initial_max_data: 1000 }),
      qlogEvent(instant(1_007_500), 'quic:packet_sent', {
        header: { packet_type: 'initial', packet_number: 0, dcid: '8394c8f03e515708' },
        frames: [toQlogFrame({ type: 'crypto', offset: 0, data: new Uint8Array(5) }), toQlogFrame({ type: 'padding', length: 3 })],
      }),
      qlogEvent(instant(1_010_001), 'quic:recovery_metrics_updated', { smoothed_rtt: 2.5, congestion_window: 12000 }),
    ];
    const expected =
      RS +
      '{"file_schema":"urn:ietf:params:qlog:file:sequential","serialization_format":"application/qlog+json-seq",' +
      '"trace":{"common_fields":{"group_id":"8394c8f03e515708","time_format":"relative_to_epoch",' +
      '"reference_time":{"clock_type":"system","epoch":"2023-11-14T22:13:20.123Z"}},' +
      '"vantage_point":{"type":"server"},"event_schemas":["urn:ietf:params:qlog:events:quic-13"]}}\n' +
      RS +
      '{"time":2,"name":"quic:parameters_set","data":{"initiator":"local","initial_max_data":1000}}\n' +
      RS +
      '{"time":7.5,"name":"quic:packet_sent","data":{"header":{"packet_type":"initial","packet_number":0,"dcid":"8394c8f03e515708"},' +
      '"frames":[{"frame_type":"crypto","offset":0,"raw":{"length":5,"payload_length":5}},{"frame_type":"padding","raw":{"length":3,"payload_length":3}}]}}\n' +
      RS +
      '{"time":10.001,"name":"quic:recovery_metrics_updated","data":{"smoothed_rtt":2.5,"congestion_window":12000}}\n';
    expect(serializeQlog(OPTIONS, events)).toBe(expected);
  });

  it('qlog main schema §3/§6: optional title, description and vantage point name', () => {
    const text = serializeQlogHeader({ ...OPTIONS, vantagePoint: 'client', vantagePointName: 'qm', title: 't', description: 'd' });
    const header = JSON.parse(text.slice(1)) as Record<string, unknown>;
    expect(header['title']).toBe('t');
    expect(header['description']).toBe('d');
    expect((header['trace'] as Record<string, unknown>)['vantage_point']).toEqual({ name: 'qm', type: 'client' });
    // main schema §3: file_schema and serialization_format SHOULD be in the first 256 bytes.
    expect(text.slice(0, 256)).toContain('"serialization_format":"application/qlog+json-seq"');
  });

  it('RFC 7464 §2: every record is RS + one JSON text + LF', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(10_000_000), fc.string()), { maxLength: 10 }), (items) => {
        const events = items.map(([t, reason]) => qlogEvent(instant(1_000_000 + t), 'quic:connection_closed', { reason, trigger: 'error' }));
        const text = serializeQlog(OPTIONS, events);
        expect(text.startsWith(RS)).toBe(true);
        const records = text.split(RS).slice(1);
        expect(records).toHaveLength(events.length + 1);
        records.forEach((r, i) => {
          expect(r.endsWith('\n')).toBe(true);
          const parsed = JSON.parse(r) as Record<string, unknown>;
          if (i > 0) {
            expect(parsed['time']).toBeCloseTo(items[i - 1]![0] / 1000, 9);
            expect((parsed['data'] as Record<string, unknown>)['reason']).toBe(items[i - 1]![1]);
          }
        });
      }),
    );
  });

  it('qlog main schema §7.1: time is float milliseconds relative to the reference Instant', () => {
    const e = qlogEvent(instant(999_500), 'quic:spin_bit_updated', { state: true });
    expect(serializeQlogEvent(e, instant(1_000_000))).toBe(`${RS}{"time":-0.5,"name":"quic:spin_bit_updated","data":{"state":true}}\n`);
  });

  it('qlog main schema §5: JsonSeqQlogObserver writes the header first, then each event', () => {
    const out: string[] = [];
    const observer = new JsonSeqQlogObserver(OPTIONS, (r) => out.push(r));
    expect(out).toEqual([serializeQlogHeader(OPTIONS)]);
    const e = qlogEvent(instant(1_001_000), 'quic:connection_state_updated', { old: 'attempted', new: 'handshake_complete' });
    observer.emit(e);
    expect(out).toEqual([serializeQlogHeader(OPTIONS), serializeQlogEvent(e, OPTIONS.referenceTime)]);
  });

  it('RFC 3339 §5.6: formatRfc3339 agrees with Date.toISOString over years 0000..9999', () => {
    expect(formatRfc3339(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(formatRfc3339(951_782_400_000)).toBe('2000-02-29T00:00:00.000Z');
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        expect(formatRfc3339(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 1000 },
    );
    expect(() => formatRfc3339(253_402_300_800_000)).toThrow(RangeError);
    expect(() => formatRfc3339(Number.NaN)).toThrow(RangeError);
  });
});
