/**
 * HTTP/3 frames, stream types and SETTINGS: stateless codecs.
 *
 * Implements:
 * - RFC 9114 §6.2: unidirectional stream types (control 0x00, push 0x01, QPACK encoder 0x02,
 *   QPACK decoder 0x03; WebTransport 0x54 from draft-ietf-webtrans-http3-16 §9.3).
 * - RFC 9114 §7.1: frame layout `Type (i), Length (i), Frame Payload (..)`: "Each frame's payload
 *   MUST contain exactly the fields identified in its description. A frame payload that contains
 *   additional bytes after the identified fields or a frame payload that terminates before the end
 *   of the identified fields MUST be treated as a connection error of type H3_FRAME_ERROR."
 * - RFC 9114 §7.2: DATA 0x00, HEADERS 0x01, CANCEL_PUSH 0x03, SETTINGS 0x04, PUSH_PROMISE 0x05,
 *   GOAWAY 0x07, MAX_PUSH_ID 0x0d; §7.2.8 reserved types 0x1f * N + 0x21 and HTTP/2 types
 *   0x02, 0x06, 0x08, 0x09 (H3_FRAME_UNEXPECTED); §9 unknown frame types are returned as
 *   `unknown` for the caller to ignore.
 * - RFC 9114 §7.2.4, §7.2.4.1: SETTINGS parameters, duplicates and HTTP/2 identifiers 0x02-0x05
 *   (H3_SETTINGS_ERROR), reserved identifiers ignored; RFC 9204 §5 QPACK settings; RFC 9220 §3
 *   SETTINGS_ENABLE_CONNECT_PROTOCOL; RFC 9297 §2.1.1 SETTINGS_H3_DATAGRAM; the WebTransport
 *   settings of draft-ietf-webtrans-http3-16 §9.2.
 *
 * Errors: a truncated frame header or payload is a `CodecError` (wait for more bytes on a
 * stream); a complete but invalid frame is an `H3Error` with the code to close with.
 */
import { Reader, Writer } from '../util/bytes.js';
import { CodecError } from '../util/errors.js';
import { peekVarint, varintSize } from '../util/varint.js';
import { H3Error, H3ErrorCode } from './errors.js';

/** HTTP/3 frame types (RFC 9114 §7.2). */
export const H3FrameType = {
  DATA: 0x00,
  HEADERS: 0x01,
  CANCEL_PUSH: 0x03,
  SETTINGS: 0x04,
  PUSH_PROMISE: 0x05,
  GOAWAY: 0x07,
  MAX_PUSH_ID: 0x0d,
  /** draft-ietf-webtrans-http3-16 §4.2: WT_STREAM signal on bidirectional streams. */
  WT_STREAM: 0x41,
} as const;

/** Unidirectional stream types (RFC 9114 §6.2; RFC 9204 §4.2; draft-ietf-webtrans-http3-16 §4.3). */
export const H3StreamType = {
  CONTROL: 0x00,
  PUSH: 0x01,
  QPACK_ENCODER: 0x02,
  QPACK_DECODER: 0x03,
  WEBTRANSPORT: 0x54,
} as const;

/** Setting identifiers (RFC 9114 §7.2.4.1; RFC 9204 §5; RFC 9220 §3; RFC 9297 §2.1.1; WT draft-16 §9.2). */
export const H3SettingId = {
  QPACK_MAX_TABLE_CAPACITY: 0x01,
  MAX_FIELD_SECTION_SIZE: 0x06,
  QPACK_BLOCKED_STREAMS: 0x07,
  ENABLE_CONNECT_PROTOCOL: 0x08,
  H3_DATAGRAM: 0x33,
  WT_ENABLED: 0x2c7cf000,
  WT_INITIAL_MAX_STREAMS_UNI: 0x2b64,
  WT_INITIAL_MAX_STREAMS_BIDI: 0x2b65,
  WT_INITIAL_MAX_DATA: 0x2b61,
} as const;

/** RFC 9114 §7.2.8 / §7.2.4.1: true for the greasing values 0x1f * N + 0x21. */
export function isReservedCodepoint(value: number): boolean {
  return value >= 0x21 && (value - 0x21) % 0x1f === 0;
}

/** RFC 9114 §11.2.1: frame types used in HTTP/2 with no HTTP/3 equivalent. */
const HTTP2_FRAME_TYPES: ReadonlySet<number> = new Set([0x02, 0x06, 0x08, 0x09]);
/** RFC 9114 §11.2.2: HTTP/2 settings with no HTTP/3 equivalent. */
const HTTP2_SETTINGS: ReadonlySet<number> = new Set([0x02, 0x03, 0x04, 0x05]);

/** One SETTINGS parameter (RFC 9114 §7.2.4). */
export interface Setting {
  /** Identifier. */
  readonly id: number;
  /** Value. */
  readonly value: number;
}

/** An HTTP/3 frame (RFC 9114 §7.2). Byte fields are views into the input. */
export type H3Frame =
  | { readonly type: 'data'; readonly payload: Uint8Array }
  | { readonly type: 'headers'; readonly fieldSection: Uint8Array }
  | { readonly type: 'cancel_push'; readonly pushId: number }
  | { readonly type: 'settings'; readonly settings: readonly Setting[] }
  | { readonly type: 'push_promise'; readonly pushId: number; readonly fieldSection: Uint8Array }
  | { readonly type: 'goaway'; readonly id: number }
  | { readonly type: 'max_push_id'; readonly pushId: number }
  | { readonly type: 'unknown'; readonly frameType: number; readonly payload: Uint8Array };

/** A frame header: type, payload length, and the header's own length in bytes. */
export interface FrameHeader {
  /** Frame type. */
  readonly type: number;
  /** Payload length. */
  readonly length: number;
  /** Bytes taken by the type and length varints. */
  readonly headerLength: number;
}

/** Payload limits for buffered frames (everything but DATA and unknown frames). */
export interface FrameLimits {
  /** Largest HEADERS / PUSH_PROMISE payload (default 1 MiB). */
  readonly maxFieldSectionPayload?: number;
  /** Largest SETTINGS payload (default 16 KiB). */
  readonly maxSettingsPayload?: number;
}

const DEFAULT_MAX_FIELD_SECTION_PAYLOAD = 1 << 20;
const DEFAULT_MAX_SETTINGS_PAYLOAD = 16 << 10;

/**
 * Reads a frame header at `offset` if complete (RFC 9114 §7.1), else returns undefined (for
 * stream parsers that wait for more bytes).
 */
export function peekFrameHeader(buf: Uint8Array, offset = 0): FrameHeader | undefined {
  const type = peekVarint(buf, offset);
  if (type === undefined) return undefined;
  const length = peekVarint(buf, offset + type.length);
  if (length === undefined) return undefined;
  return { type: type.value, length: length.value, headerLength: type.length + length.length };
}

/** Reads a frame header. @throws CodecError if truncated. */
export function decodeFrameHeader(r: Reader): FrameHeader {
  const start = r.offset;
  const type = r.varint();
  const length = r.varint();
  return { type, length, headerLength: r.offset - start };
}

/** Writes a frame header (for DATA frames whose payload is written separately). */
export function encodeFrameHeader(w: Writer, type: number, length: number): void {
  w.varint(type).varint(length);
}

/** The size of a frame header. */
export function sizeOfFrameHeader(type: number, length: number): number {
  return varintSize(type) + varintSize(length);
}

/**
 * Checks a frame's declared payload length against the limits before buffering it.
 * @throws H3Error H3_FRAME_ERROR for a fixed-size frame of the wrong size (RFC 9114 §7.1),
 *   H3_EXCESSIVE_LOAD for a buffered frame beyond its limit (RFC 9114 §10.5).
 */
export function checkFrameLength(type: number, length: number, limits: FrameLimits = {}): void {
  switch (type) {
    case H3FrameType.CANCEL_PUSH:
    case H3FrameType.GOAWAY:
    case H3FrameType.MAX_PUSH_ID:
      if (length < 1 || length > 8) throw new H3Error(H3ErrorCode.H3_FRAME_ERROR, `frame 0x${type.toString(16)} with a ${length}-byte payload`);
      return;
    case H3FrameType.SETTINGS:
      if (length > (limits.maxSettingsPayload ?? DEFAULT_MAX_SETTINGS_PAYLOAD)) throw new H3Error(H3ErrorCode.H3_EXCESSIVE_LOAD, `SETTINGS of ${length} bytes`);
      return;
    case H3FrameType.HEADERS:
    case H3FrameType.PUSH_PROMISE:
      if (length > (limits.maxFieldSectionPayload ?? DEFAULT_MAX_FIELD_SECTION_PAYLOAD)) throw new H3Error(H3ErrorCode.H3_EXCESSIVE_LOAD, `field section frame of ${length} bytes`);
      return;
    default:
      return;
  }
}

/**
 * Decodes one whole frame.
 * @throws CodecError if the header or payload is truncated; H3Error if complete but invalid.
 */
export function decodeFrame(r: Reader, limits: FrameLimits = {}): H3Frame {
  const h = decodeFrameHeader(r);
  checkFrameLength(h.type, h.length, limits);
  return decodeFramePayload(h.type, r.bytes(h.length));
}

/** A varint that must fill a fixed-size payload exactly (RFC 9114 §7.1). */
function onlyVarint(payload: Uint8Array, what: string): number {
  const r = new Reader(payload);
  try {
    const v = r.varint();
    r.expectEnd(what);
    return v;
  } catch (err) {
    if (err instanceof CodecError) throw new H3Error(H3ErrorCode.H3_FRAME_ERROR, `${what}: ${err.message}`);
    throw err;
  }
}

/**
 * Decodes a complete frame payload of type `type`.
 * @throws H3Error H3_FRAME_ERROR (bad layout), H3_SETTINGS_ERROR (bad SETTINGS),
 *   H3_FRAME_UNEXPECTED (an HTTP/2 frame type, RFC 9114 §7.2.8).
 */
export function decodeFramePayload(type: number, payload: Uint8Array): H3Frame {
  switch (type) {
    case H3FrameType.DATA:
      return { type: 'data', payload };
    case H3FrameType.HEADERS:
      return { type: 'headers', fieldSection: payload };
    case H3FrameType.CANCEL_PUSH:
      return { type: 'cancel_push', pushId: onlyVarint(payload, 'CANCEL_PUSH') };
    case H3FrameType.SETTINGS:
      return { type: 'settings', settings: decodeSettings(payload) };
    case H3FrameType.PUSH_PROMISE: {
      const r = new Reader(payload);
      let pushId: number;
      try {
        pushId = r.varint();
      } catch (err) {
        if (err instanceof CodecError) throw new H3Error(H3ErrorCode.H3_FRAME_ERROR, `PUSH_PROMISE: ${err.message}`);
        throw err;
      }
      return { type: 'push_promise', pushId, fieldSection: r.rest() };
    }
    case H3FrameType.GOAWAY:
      return { type: 'goaway', id: onlyVarint(payload, 'GOAWAY') };
    case H3FrameType.MAX_PUSH_ID:
      return { type: 'max_push_id', pushId: onlyVarint(payload, 'MAX_PUSH_ID') };
    default:
      // RFC 9114 §7.2.8: HTTP/2 frame types "MUST NOT be sent, and their receipt MUST be treated
      // as a connection error of type H3_FRAME_UNEXPECTED".
      if (HTTP2_FRAME_TYPES.has(type)) throw new H3Error(H3ErrorCode.H3_FRAME_UNEXPECTED, `HTTP/2 frame type 0x${type.toString(16)}`);
      return { type: 'unknown', frameType: type, payload };
  }
}

/**
 * Decodes a SETTINGS payload into its parameters, in order (RFC 9114 §7.2.4).
 * @throws H3Error H3_FRAME_ERROR if a parameter is truncated; H3_SETTINGS_ERROR on a duplicate
 *   identifier or an HTTP/2 identifier.
 */
export function decodeSettings(payload: Uint8Array): Setting[] {
  const r = new Reader(payload);
  const out: Setting[] = [];
  const seen = new Set<number>();
  while (!r.isEmpty) {
    let id: number;
    let value: number;
    try {
      id = r.varint();
      value = r.varint();
    } catch (err) {
      if (err instanceof CodecError) throw new H3Error(H3ErrorCode.H3_FRAME_ERROR, `SETTINGS: ${err.message}`);
      throw err;
    }
    // RFC 9114 §7.2.4: "A receiver MAY treat the presence of duplicate setting identifiers as a
    // connection error of type H3_SETTINGS_ERROR." (We do.)
    if (seen.has(id)) throw new H3Error(H3ErrorCode.H3_SETTINGS_ERROR, `duplicate setting 0x${id.toString(16)}`);
    // RFC 9114 §7.2.4.1: reserved HTTP/2 settings "MUST NOT be sent, and their receipt MUST be
    // treated as a connection error of type H3_SETTINGS_ERROR".
    if (HTTP2_SETTINGS.has(id)) throw new H3Error(H3ErrorCode.H3_SETTINGS_ERROR, `HTTP/2 setting 0x${id.toString(16)}`);
    seen.add(id);
    out.push({ id, value });
  }
  return out;
}

/** The settings this implementation understands, with RFC defaults applied. */
export interface H3Settings {
  /** RFC 9204 §5: SETTINGS_QPACK_MAX_TABLE_CAPACITY, default 0. */
  readonly qpackMaxTableCapacity: number;
  /** RFC 9204 §5: SETTINGS_QPACK_BLOCKED_STREAMS, default 0. */
  readonly qpackBlockedStreams: number;
  /** RFC 9114 §7.2.4.1: SETTINGS_MAX_FIELD_SECTION_SIZE, default unlimited (undefined). */
  readonly maxFieldSectionSize: number | undefined;
  /** RFC 9220 §3: SETTINGS_ENABLE_CONNECT_PROTOCOL = 1. */
  readonly enableConnectProtocol: boolean;
  /** RFC 9297 §2.1.1: SETTINGS_H3_DATAGRAM = 1. */
  readonly h3Datagram: boolean;
  /** draft-ietf-webtrans-http3-16 §3.1: SETTINGS_WT_ENABLED = 1. */
  readonly wtEnabled: boolean;
  /** Every parameter as received, including unknown ones (RFC 9114 §7.2.4: ignored). */
  readonly raw: readonly Setting[];
}

/** A 0-or-1 setting. */
function flag(id: number, value: number | undefined, name: string): boolean {
  if (value === undefined) return false;
  // RFC 9297 §2.1.1: "If the SETTINGS_H3_DATAGRAM setting is received with a value that is
  // neither 0 nor 1, the receiver MUST terminate the connection with error H3_SETTINGS_ERROR."
  // RFC 9220 §3 gives SETTINGS_ENABLE_CONNECT_PROTOCOL the semantics of RFC 8441 §3, where "The
  // value of the parameter MUST be 0 or 1"; SETTINGS_WT_ENABLED is a 0-or-1 flag too.
  if (value !== 0 && value !== 1) throw new H3Error(H3ErrorCode.H3_SETTINGS_ERROR, `${name} (0x${id.toString(16)}) = ${value}`);
  return value === 1;
}

/**
 * Interprets decoded parameters (RFC 9114 §7.2.4.2: defaults for absent ones; §9: unknown ones
 * ignored).
 * @throws H3Error H3_SETTINGS_ERROR for a 0-or-1 setting with another value.
 */
export function interpretSettings(settings: readonly Setting[]): H3Settings {
  const get = (id: number) => settings.find((s) => s.id === id)?.value;
  return {
    qpackMaxTableCapacity: get(H3SettingId.QPACK_MAX_TABLE_CAPACITY) ?? 0,
    qpackBlockedStreams: get(H3SettingId.QPACK_BLOCKED_STREAMS) ?? 0,
    maxFieldSectionSize: get(H3SettingId.MAX_FIELD_SECTION_SIZE),
    enableConnectProtocol: flag(H3SettingId.ENABLE_CONNECT_PROTOCOL, get(H3SettingId.ENABLE_CONNECT_PROTOCOL), 'SETTINGS_ENABLE_CONNECT_PROTOCOL'),
    h3Datagram: flag(H3SettingId.H3_DATAGRAM, get(H3SettingId.H3_DATAGRAM), 'SETTINGS_H3_DATAGRAM'),
    wtEnabled: flag(H3SettingId.WT_ENABLED, get(H3SettingId.WT_ENABLED), 'SETTINGS_WT_ENABLED'),
    raw: settings,
  };
}

/** The payload size of a frame. */
function payloadSize(f: H3Frame): number {
  switch (f.type) {
    case 'data':
      return f.payload.length;
    case 'headers':
      return f.fieldSection.length;
    case 'cancel_push':
    case 'max_push_id':
      return varintSize(f.pushId);
    case 'settings': {
      let n = 0;
      for (const s of f.settings) n += varintSize(s.id) + varintSize(s.value);
      return n;
    }
    case 'push_promise':
      return varintSize(f.pushId) + f.fieldSection.length;
    case 'goaway':
      return varintSize(f.id);
    case 'unknown':
      return f.payload.length;
  }
}

/** The wire type of a frame. */
function typeOf(f: H3Frame): number {
  switch (f.type) {
    case 'data':
      return H3FrameType.DATA;
    case 'headers':
      return H3FrameType.HEADERS;
    case 'cancel_push':
      return H3FrameType.CANCEL_PUSH;
    case 'settings':
      return H3FrameType.SETTINGS;
    case 'push_promise':
      return H3FrameType.PUSH_PROMISE;
    case 'goaway':
      return H3FrameType.GOAWAY;
    case 'max_push_id':
      return H3FrameType.MAX_PUSH_ID;
    case 'unknown':
      return f.frameType;
  }
}

/** The encoded size of a frame. */
export function sizeOfFrame(f: H3Frame): number {
  const len = payloadSize(f);
  return sizeOfFrameHeader(typeOf(f), len) + len;
}

/** Writes a frame (RFC 9114 §7.1). */
export function encodeFrame(w: Writer, f: H3Frame): void {
  encodeFrameHeader(w, typeOf(f), payloadSize(f));
  switch (f.type) {
    case 'data':
      w.bytes(f.payload);
      return;
    case 'headers':
      w.bytes(f.fieldSection);
      return;
    case 'cancel_push':
    case 'max_push_id':
      w.varint(f.pushId);
      return;
    case 'settings':
      for (const s of f.settings) w.varint(s.id).varint(s.value);
      return;
    case 'push_promise':
      w.varint(f.pushId).bytes(f.fieldSection);
      return;
    case 'goaway':
      w.varint(f.id);
      return;
    case 'unknown':
      w.bytes(f.payload);
      return;
  }
}

/** Encodes a frame into a new array. */
export function frameToBytes(f: H3Frame): Uint8Array {
  const w = Writer.alloc(sizeOfFrame(f));
  encodeFrame(w, f);
  return w.written();
}
