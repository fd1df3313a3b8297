/**
 * qlog JSON Text Sequences serialization (draft-ietf-quic-qlog-main-schema-14 §5 QlogFileSeq,
 * §11.2 "qlog to JSON Text Sequences mapping"; RFC 7464 JSON-SEQ).
 *
 * Pure: it produces strings and hands them to a caller-supplied sink; src/io writes them to a
 * file. One trace per connection: the header record carries the vantage point and, in
 * common_fields, the group_id (the connection's original destination connection ID, main schema
 * §7.3), time_format "relative_to_epoch" and a reference_time whose epoch is the injected wall
 * clock time at the trace's reference `Instant` (main schema §7.1). Each event's `time` is then
 * the milliseconds (a float, µs resolution) from that reference Instant to the event.
 */
import { toHex } from '../util/bytes.js';
import type { Instant } from '../util/time.js';
import type { QlogEvent } from './events.js';
import type { QlogObserver } from './observer.js';

/** main schema §5: "The QlogFileSeq schema URI is urn:ietf:params:qlog:file:sequential." */
export const QLOG_FILE_SCHEMA_SEQUENTIAL = 'urn:ietf:params:qlog:file:sequential';
/** main schema §11.2: "the Media Type is "application/qlog+json-seq"". */
export const QLOG_JSON_SEQ_FORMAT = 'application/qlog+json-seq';
/**
 * quic-events §2.1: "Implementations of draft versions of the event schema MUST append the
 * string "-" and the corresponding draft number to the URI."
 */
export const QLOG_QUIC_EVENT_SCHEMA = 'urn:ietf:params:qlog:events:quic-13';

/** RFC 7464 §2: each JSON text is preceded by ASCII Record Separator (0x1E) ... */
const RS = '\u001e';
/** ... and followed by ASCII Line Feed (0x0A). */
const LF = '\n';

/** What the header record of one trace says. */
export interface QlogTraceOptions {
  /** main schema §6 VantagePointType of this endpoint. */
  readonly vantagePoint: 'client' | 'server';
  /** Optional VantagePoint name (the implementation, say). */
  readonly vantagePointName?: string;
  /** The connection's original destination connection ID: the trace's group_id, in hex. */
  readonly odcid: Uint8Array;
  /** The Instant event times are measured from. */
  readonly referenceTime: Instant;
  /** Wall-clock milliseconds since 1970-01-01T00:00:00Z at `referenceTime` (injected; never read here). */
  readonly referenceEpochMs: number;
  /** Optional file title (main schema §3). */
  readonly title?: string;
  /** Optional file description (main schema §3). */
  readonly description?: string;
}

/** One JSON-SEQ record (RFC 7464 §2): RS, the JSON text, LF. */
export function jsonSeqRecord(value: unknown): string {
  return RS + JSON.stringify(value) + LF;
}

/** The QlogFileSeq header object (main schema §5, §5.1 TraceSeq). */
export function qlogHeader(options: QlogTraceOptions): unknown {
  const vantagePoint = options.vantagePointName !== undefined ? { name: options.vantagePointName, type: options.vantagePoint } : { type: options.vantagePoint };
  return {
    // main schema §3: "the "file_schema" and "serialization_format" fields and their values
    // SHOULD be in the first 256 characters/bytes of the resulting log file."
    file_schema: QLOG_FILE_SCHEMA_SEQUENTIAL,
    serialization_format: QLOG_JSON_SEQ_FORMAT,
    ...(options.title !== undefined ? { title: options.title } : {}),
    ...(options.description !== undefined ? { description: options.description } : {}),
    trace: {
      common_fields: {
        group_id: toHex(options.odcid),
        time_format: 'relative_to_epoch',
        reference_time: { clock_type: 'system', epoch: formatRfc3339(options.referenceEpochMs) },
      },
      vantage_point: vantagePoint,
      event_schemas: [QLOG_QUIC_EVENT_SCHEMA],
    },
  };
}

/** The header record of a JSON-SEQ qlog file (the first record). */
export function serializeQlogHeader(options: QlogTraceOptions): string {
  return jsonSeqRecord(qlogHeader(options));
}

/**
 * One event record: `{"time": ms since referenceTime, "name": ..., "data": ...}` (main schema §7;
 * §7.1: "a float64 ... typically used to represent a duration in milliseconds").
 */
export function serializeQlogEvent(event: QlogEvent, referenceTime: Instant): string {
  return jsonSeqRecord({ time: (event.time - referenceTime) / 1000, name: event.name, data: event.data });
}

/** A whole JSON-SEQ qlog file: the header, then every event in order. */
export function serializeQlog(options: QlogTraceOptions, events: readonly QlogEvent[]): string {
  let out = serializeQlogHeader(options);
  for (const e of events) out += serializeQlogEvent(e, options.referenceTime);
  return out;
}

/**
 * An observer that turns events into JSON-SEQ records and passes each to `sink` as it happens
 * (the header first, at construction). The sink (src/io) does the writing.
 */
export class JsonSeqQlogObserver implements QlogObserver {
  private readonly referenceTime: Instant;
  private readonly sink: (record: string) => void;

  /** Writes the header record to `sink` at once; every `emit` then writes one event record. */
  constructor(options: QlogTraceOptions, sink: (record: string) => void) {
    this.referenceTime = options.referenceTime;
    this.sink = sink;
    sink(serializeQlogHeader(options));
  }

  /** Serializes `event` and passes the record to the sink. */
  emit(event: QlogEvent): void {
    this.sink(serializeQlogEvent(event, this.referenceTime));
  }
}

const MS_PER_DAY = 86_400_000;

function pad(n: number, width: number): string {
  return n.toString().padStart(width, '0');
}

/**
 * RFC 3339 UTC date-time with milliseconds ("2024-10-10T10:10:10.000Z") for epoch milliseconds,
 * without `Date` (DESIGN §1): Howard Hinnant's days-to-civil algorithm on the proleptic
 * Gregorian calendar. Fractional milliseconds are truncated.
 * @throws RangeError outside years 0000..9999 (RFC 3339 §5.6 date-fullyear is 4 digits).
 */
export function formatRfc3339(epochMs: number): string {
  const ms = Math.floor(epochMs);
  if (!Number.isFinite(ms) || ms < -62_167_219_200_000 || ms > 253_402_300_799_999) throw new RangeError(`epoch ms out of range: ${epochMs}`);
  const days = Math.floor(ms / MS_PER_DAY);
  const msOfDay = ms - days * MS_PER_DAY;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(msOfDay / 3_600_000);
  const minutes = Math.floor((msOfDay % 3_600_000) / 60_000);
  const secs = Math.floor((msOfDay % 60_000) / 1000);
  const millis = msOfDay % 1000;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hours, 2)}:${pad(minutes, 2)}:${pad(secs, 2)}.${pad(millis, 3)}Z`;
}
