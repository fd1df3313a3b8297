/**
 * The QUIC transport parameters codec: the body of TLS's quic_transport_parameters extension
 * (RFC 9001 §8.2).
 *
 * Implements:
 * - RFC 9000 §18: a sequence of (ID (i), Length (i), Value (..)) tuples.
 * - RFC 9000 §18.1: reserved (greasing) IDs 31 * N + 27 (`greaseTransportParameter`).
 * - RFC 9000 §18.2: every parameter it defines, their defaults and their value rules.
 * - RFC 9000 §7.4: duplicates are refused; §7.4.2: unknown parameters are ignored.
 * - RFC 9221 §3: max_datagram_frame_size (0x20).
 * - RFC 9287 §3: grease_quic_bit (0x2ab2).
 * - RFC 9368 §3: version_information (0x11), see version-information.ts.
 *
 * Representation: `TransportParameters` has one optional camelCase field per parameter, absent
 * when the parameter was not sent; `resolveTransportParameters` (transport-parameter-defaults.ts)
 * fills in the §18.2 defaults.
 * Integers are varints decoded to `number`; values above 2^53 - 1 saturate (they are all limits,
 * where saturation reads as "practically unlimited"). Byte fields are copies, not views: they
 * outlive the handshake message they came in.
 *
 * Unknown parameters (including greasing ones) carry no meaning and are ignored (RFC 9000 §7.4.2:
 * "An endpoint MUST ignore transport parameters that it does not support"), but the decoder keeps
 * them, in wire order, in `unknown`, so a decode/encode round trip is exact and qlog can show them.
 * The encoder writes the known parameters in ID order and then `unknown` in list order.
 *
 * Every malformed or invalid input raises `CodecError`; the connection maps it to
 * TRANSPORT_PARAMETER_ERROR (RFC 9000 §7.4: "An endpoint MUST treat receipt of a transport
 * parameter with an invalid value as a connection error of type TRANSPORT_PARAMETER_ERROR").
 * Rules that depend on who sent the parameters are in transport-parameters-validation.ts.
 */
import { CodecError } from '../util/errors.js';
import { toHex, type Reader, type Writer } from '../util/bytes.js';
import { MAX_EXACT_VARINT, isVarint, varintLengthOf, varintSize } from '../util/varint.js';
import { decodePreferredAddress, encodePreferredAddress, sizeOfPreferredAddress, type PreferredAddress } from './preferred-address.js';
import {
  decodeVersionInformation,
  encodeVersionInformation,
  sizeOfVersionInformation,
  type VersionInformation,
} from './version-information.js';

/** Transport parameter IDs (RFC 9000 §18.2; RFC 9368 §3; RFC 9221 §3; RFC 9287 §3). */
export const TransportParameterId = {
  originalDestinationConnectionId: 0x00,
  maxIdleTimeout: 0x01,
  statelessResetToken: 0x02,
  maxUdpPayloadSize: 0x03,
  initialMaxData: 0x04,
  initialMaxStreamDataBidiLocal: 0x05,
  initialMaxStreamDataBidiRemote: 0x06,
  initialMaxStreamDataUni: 0x07,
  initialMaxStreamsBidi: 0x08,
  initialMaxStreamsUni: 0x09,
  ackDelayExponent: 0x0a,
  maxAckDelay: 0x0b,
  disableActiveMigration: 0x0c,
  preferredAddress: 0x0d,
  activeConnectionIdLimit: 0x0e,
  initialSourceConnectionId: 0x0f,
  retrySourceConnectionId: 0x10,
  versionInformation: 0x11,
  maxDatagramFrameSize: 0x20,
  greaseQuicBit: 0x2ab2,
} as const;

/** The RFC (snake_case) name of each known parameter, by ID, for messages and qlog. */
const RFC_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(TransportParameterId).map(([key, id]) => [id, key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)]),
);

/**
 * The RFC name of a known transport parameter (`'max_ack_delay'`), or undefined for an ID this
 * stack does not implement.
 */
export function transportParameterName(id: number): string | undefined {
  return RFC_NAMES.get(id);
}

function describe(id: number): string {
  return `${RFC_NAMES.get(id) ?? 'transport parameter'} (0x${id.toString(16)})`;
}

/** A parameter this stack does not implement (or a greasing one), kept as its raw value. */
export interface UnknownTransportParameter {
  /** The parameter ID, below 2^53 - 1: the decoder ignores larger IDs without keeping them. */
  id: number;
  /** The raw value (a copy). */
  value: Uint8Array;
}

/** The transport parameters one endpoint declares (RFC 9000 §7.4, §18.2). Absent = not sent. */
export interface TransportParameters {
  /** 0x00, server only: the Destination Connection ID of the client's first Initial (§7.3); 0..20 bytes. */
  originalDestinationConnectionId?: Uint8Array;
  /** 0x01: milliseconds; 0 or absent on both sides disables the idle timeout (§10.1). */
  maxIdleTimeout?: number;
  /** 0x02, server only: the stateless reset token for the handshake connection ID; 16 bytes. */
  statelessResetToken?: Uint8Array;
  /** 0x03: the largest UDP payload the sender will receive; at least 1200, default 65527. */
  maxUdpPayloadSize?: number;
  /** 0x04: the initial connection-level flow-control limit (as MAX_DATA, §19.9). */
  initialMaxData?: number;
  /** 0x05: initial limit for bidirectional streams opened by the sender of the parameter. */
  initialMaxStreamDataBidiLocal?: number;
  /** 0x06: initial limit for bidirectional streams opened by the receiver of the parameter. */
  initialMaxStreamDataBidiRemote?: number;
  /** 0x07: initial limit for unidirectional streams opened by the receiver of the parameter. */
  initialMaxStreamDataUni?: number;
  /** 0x08: how many bidirectional streams the receiver may open; at most 2^60 (§4.6). */
  initialMaxStreamsBidi?: number;
  /** 0x09: how many unidirectional streams the receiver may open; at most 2^60 (§4.6). */
  initialMaxStreamsUni?: number;
  /** 0x0a: exponent for the ACK Delay field (§19.3); at most 20, default 3. */
  ackDelayExponent?: number;
  /** 0x0b: milliseconds; below 2^14, default 25. */
  maxAckDelay?: number;
  /** 0x0c: zero-length; true when sent (false is the same as absent). */
  disableActiveMigration?: boolean;
  /** 0x0d, server only: the server's preferred address (§9.6). */
  preferredAddress?: PreferredAddress;
  /** 0x0e: how many of the peer's connection IDs the sender stores; at least 2, default 2. */
  activeConnectionIdLimit?: number;
  /** 0x0f: the Source Connection ID of the sender's first Initial (§7.3); 0..20 bytes. */
  initialSourceConnectionId?: Uint8Array;
  /** 0x10, server only: the Source Connection ID of the server's Retry (§7.3); 0..20 bytes. */
  retrySourceConnectionId?: Uint8Array;
  /** 0x11 (RFC 9368 §3): the sender's chosen and available versions. */
  versionInformation?: VersionInformation;
  /** 0x20 (RFC 9221 §3): the largest DATAGRAM frame the sender accepts; 0 (default) = none. */
  maxDatagramFrameSize?: number;
  /** 0x2ab2 (RFC 9287 §3): zero-length; true when sent (the sender accepts a 0 QUIC Bit). */
  greaseQuicBit?: boolean;
  /** Parameters this stack does not implement, in wire order (RFC 9000 §7.4.2, §18.1). */
  unknown?: UnknownTransportParameter[];
}

/** True for a reserved ID of the form 31 * N + 27 (RFC 9000 §18.1). */
export function isReservedTransportParameterId(id: number): boolean {
  return Number.isSafeInteger(id) && id >= 27 && (id - 27) % 31 === 0;
}

/**
 * A greasing parameter to add to `unknown` (RFC 9000 §18.1: reserved IDs "have no semantics and
 * can carry arbitrary values"). Pure: the caller draws `n` and `value` from its RandomSource.
 * @param n selects the ID 31 * n + 27; a non-negative integer keeping the ID below 2^53.
 * @param value the arbitrary content (not copied).
 * @throws CodecError if the ID would not be an exact varint.
 */
export function greaseTransportParameter(n: number, value: Uint8Array): UnknownTransportParameter {
  const id = 31 * n + 27;
  if (!Number.isInteger(n) || n < 0 || !Number.isSafeInteger(id)) throw new CodecError(`no reserved transport parameter ID for N = ${n}`);
  return { id, value };
}

/** RFC 9000 §17.2: "In QUIC version 1, this value MUST NOT exceed 20 bytes." */
const MAX_CONNECTION_ID_LENGTH = 20;
/** RFC 9000 §18.2: stateless_reset_token "is a sequence of 16 bytes". */
const RESET_TOKEN_LENGTH = 16;

interface IntegerLimit {
  readonly min: number;
  readonly max: number;
  /** The rule, quoted, for error messages. */
  readonly rule: string;
}

/** Range rules of the integer parameters that have them (RFC 9000 §18.2, §4.6). */
const INTEGER_LIMITS: ReadonlyMap<number, IntegerLimit> = new Map([
  // RFC 9000 §18.2: max_udp_payload_size "Values below 1200 are invalid."
  [TransportParameterId.maxUdpPayloadSize, { min: 1200, max: Infinity, rule: 'values below 1200 are invalid' }],
  // RFC 9000 §4.6: "If a max_streams transport parameter ... is received with a value greater
  // than 2^60 ... the connection MUST be closed immediately with a connection error of type
  // TRANSPORT_PARAMETER_ERROR".
  [TransportParameterId.initialMaxStreamsBidi, { min: 0, max: 2 ** 60, rule: 'it cannot exceed 2^60' }],
  [TransportParameterId.initialMaxStreamsUni, { min: 0, max: 2 ** 60, rule: 'it cannot exceed 2^60' }],
  // RFC 9000 §18.2: ack_delay_exponent "Values above 20 are invalid."
  [TransportParameterId.ackDelayExponent, { min: 0, max: 20, rule: 'values above 20 are invalid' }],
  // RFC 9000 §18.2: max_ack_delay "Values of 2^14 or greater are invalid."
  [TransportParameterId.maxAckDelay, { min: 0, max: 2 ** 14 - 1, rule: 'values of 2^14 or greater are invalid' }],
  // RFC 9000 §18.2: "The value of the active_connection_id_limit parameter MUST be at least 2.
  // An endpoint that receives a value less than 2 MUST close the connection with an error of
  // type TRANSPORT_PARAMETER_ERROR."
  [TransportParameterId.activeConnectionIdLimit, { min: 2, max: Infinity, rule: 'it must be at least 2' }],
]);

const KNOWN_IDS: ReadonlySet<number> = new Set(Object.values(TransportParameterId));

/** One parameter ready to write: the value's size is known before it is written. */
interface Entry {
  readonly id: number;
  readonly size: number;
  readonly write: (w: Writer) => void;
}

function integerEntry(out: Entry[], id: number, value: number | undefined): void {
  if (value === undefined) return;
  if (!isVarint(value)) throw new CodecError(`${describe(id)}: ${value} is not a varint`);
  const limit = INTEGER_LIMITS.get(id);
  if (limit !== undefined && (value < limit.min || value > limit.max)) {
    throw new CodecError(`${describe(id)} ${value} is invalid: ${limit.rule}`);
  }
  out.push({ id, size: varintSize(value), write: (w) => w.varint(value) });
}

function bytesEntry(out: Entry[], id: number, value: Uint8Array | undefined, check: (n: number) => boolean, what: string): void {
  if (value === undefined) return;
  if (!check(value.length)) throw new CodecError(`${describe(id)} must be ${what}, not ${value.length} bytes`);
  out.push({ id, size: value.length, write: (w) => w.bytes(value) });
}

function flagEntry(out: Entry[], id: number, on: boolean | undefined): void {
  if (on === true) out.push({ id, size: 0, write: () => {} });
}

const isConnectionIdLength = (n: number): boolean => n <= MAX_CONNECTION_ID_LENGTH;
const isResetTokenLength = (n: number): boolean => n === RESET_TOKEN_LENGTH;

/** Every parameter of `p` to write, known ones in ID order, then `unknown` in order. */
function entries(p: TransportParameters): Entry[] {
  const id = TransportParameterId;
  const out: Entry[] = [];
  bytesEntry(out, id.originalDestinationConnectionId, p.originalDestinationConnectionId, isConnectionIdLength, '0..20 bytes');
  integerEntry(out, id.maxIdleTimeout, p.maxIdleTimeout);
  bytesEntry(out, id.statelessResetToken, p.statelessResetToken, isResetTokenLength, '16 bytes');
  integerEntry(out, id.maxUdpPayloadSize, p.maxUdpPayloadSize);
  integerEntry(out, id.initialMaxData, p.initialMaxData);
  integerEntry(out, id.initialMaxStreamDataBidiLocal, p.initialMaxStreamDataBidiLocal);
  integerEntry(out, id.initialMaxStreamDataBidiRemote, p.initialMaxStreamDataBidiRemote);
  integerEntry(out, id.initialMaxStreamDataUni, p.initialMaxStreamDataUni);
  integerEntry(out, id.initialMaxStreamsBidi, p.initialMaxStreamsBidi);
  integerEntry(out, id.initialMaxStreamsUni, p.initialMaxStreamsUni);
  integerEntry(out, id.ackDelayExponent, p.ackDelayExponent);
  integerEntry(out, id.maxAckDelay, p.maxAckDelay);
  flagEntry(out, id.disableActiveMigration, p.disableActiveMigration);
  const pa = p.preferredAddress;
  if (pa !== undefined) out.push({ id: id.preferredAddress, size: sizeOfPreferredAddress(pa), write: (w) => encodePreferredAddress(w, pa) });
  integerEntry(out, id.activeConnectionIdLimit, p.activeConnectionIdLimit);
  bytesEntry(out, id.initialSourceConnectionId, p.initialSourceConnectionId, isConnectionIdLength, '0..20 bytes');
  bytesEntry(out, id.retrySourceConnectionId, p.retrySourceConnectionId, isConnectionIdLength, '0..20 bytes');
  const vi = p.versionInformation;
  if (vi !== undefined) out.push({ id: id.versionInformation, size: sizeOfVersionInformation(vi), write: (w) => encodeVersionInformation(w, vi) });
  integerEntry(out, id.maxDatagramFrameSize, p.maxDatagramFrameSize);
  flagEntry(out, id.greaseQuicBit, p.greaseQuicBit);
  const seen = new Set<number>();
  for (const u of p.unknown ?? []) {
    // RFC 9000 §7.4: "An endpoint MUST NOT send a parameter more than once in a given transport
    // parameters extension."
    // IDs of 2^53 - 1 and above are refused too: the decoder could not give them back exactly.
    if (!isVarint(u.id) || u.id >= MAX_EXACT_VARINT || KNOWN_IDS.has(u.id) || seen.has(u.id)) {
      throw new CodecError(`unknown transport parameter ID 0x${u.id.toString(16)} is invalid, known or repeated`);
    }
    seen.add(u.id);
    const value = u.value;
    out.push({ id: u.id, size: value.length, write: (w) => w.bytes(value) });
  }
  return out;
}

/** Encoded size of `p` (RFC 9000 §18): the sum of ID, length and value of each parameter. */
export function sizeOfTransportParameters(p: TransportParameters): number {
  let size = 0;
  for (const e of entries(p)) size += varintSize(e.id) + varintSize(e.size) + e.size;
  return size;
}

/**
 * Writes `p` as the body of the quic_transport_parameters extension (RFC 9000 §18).
 * @throws CodecError if a value breaks its RFC 9000 §18.2 rule (so whatever is written decodes),
 *   an unknown parameter reuses an ID, or the writer is full.
 */
export function encodeTransportParameters(w: Writer, p: TransportParameters): void {
  for (const e of entries(p)) {
    w.varint(e.id).varint(e.size);
    e.write(w);
  }
}

/**
 * Reads transport parameters filling the whole of `r` (RFC 9000 §18).
 * @throws CodecError on truncation, a duplicate ID, a value whose length does not match its
 *   content, or a value its RFC forbids.
 */
export function decodeTransportParameters(r: Reader): TransportParameters {
  const id = TransportParameterId;
  const p: TransportParameters = {};
  const unknown: UnknownTransportParameter[] = [];
  const seen = new Set<number | string>();
  while (!r.isEmpty) {
    const at = r.offset;
    const pid = r.varint();
    // IDs above 2^53 - 1 saturate; tell them apart by their (necessarily 8-byte) encoding.
    const key = pid === MAX_EXACT_VARINT ? toHex(r.buf.subarray(at, r.offset)) : pid;
    const length = r.varintAtMost(r.remaining, 'transport parameter length');
    const v = r.sub(length);
    // RFC 9000 §7.4: "An endpoint SHOULD treat receipt of duplicate transport parameters as a
    // connection error of type TRANSPORT_PARAMETER_ERROR."
    if (seen.has(key)) throw new CodecError(`duplicate ${describe(pid)}`, at);
    seen.add(key);
    switch (pid) {
      case id.originalDestinationConnectionId:
        p.originalDestinationConnectionId = readConnectionId(v, pid);
        break;
      case id.maxIdleTimeout:
        p.maxIdleTimeout = readInteger(v, pid);
        break;
      case id.statelessResetToken:
        // RFC 9000 §18.2: "This parameter is a sequence of 16 bytes."
        if (v.remaining !== RESET_TOKEN_LENGTH) throw new CodecError(`${describe(pid)} of ${v.remaining} bytes, not 16`, v.offset);
        p.statelessResetToken = v.rest().slice();
        break;
      case id.maxUdpPayloadSize:
        p.maxUdpPayloadSize = readInteger(v, pid);
        break;
      case id.initialMaxData:
        p.initialMaxData = readInteger(v, pid);
        break;
      case id.initialMaxStreamDataBidiLocal:
        p.initialMaxStreamDataBidiLocal = readInteger(v, pid);
        break;
      case id.initialMaxStreamDataBidiRemote:
        p.initialMaxStreamDataBidiRemote = readInteger(v, pid);
        break;
      case id.initialMaxStreamDataUni:
        p.initialMaxStreamDataUni = readInteger(v, pid);
        break;
      case id.initialMaxStreamsBidi:
        p.initialMaxStreamsBidi = readInteger(v, pid);
        break;
      case id.initialMaxStreamsUni:
        p.initialMaxStreamsUni = readInteger(v, pid);
        break;
      case id.ackDelayExponent:
        p.ackDelayExponent = readInteger(v, pid);
        break;
      case id.maxAckDelay:
        p.maxAckDelay = readInteger(v, pid);
        break;
      case id.disableActiveMigration:
        // RFC 9000 §18.2: "This parameter is a zero-length value."
        p.disableActiveMigration = readEmpty(v, pid);
        break;
      case id.preferredAddress:
        p.preferredAddress = decodePreferredAddress(v);
        v.expectEnd(describe(pid));
        break;
      case id.activeConnectionIdLimit:
        p.activeConnectionIdLimit = readInteger(v, pid);
        break;
      case id.initialSourceConnectionId:
        p.initialSourceConnectionId = readConnectionId(v, pid);
        break;
      case id.retrySourceConnectionId:
        p.retrySourceConnectionId = readConnectionId(v, pid);
        break;
      case id.versionInformation:
        p.versionInformation = decodeVersionInformation(v);
        break;
      case id.maxDatagramFrameSize:
        p.maxDatagramFrameSize = readInteger(v, pid);
        break;
      case id.greaseQuicBit:
        // RFC 9287 §3: "an endpoint that understands this transport parameter MUST treat receipt
        // of a non-empty value of the transport parameter as a connection error of type
        // TRANSPORT_PARAMETER_ERROR."
        p.greaseQuicBit = readEmpty(v, pid);
        break;
      default:
        // RFC 9000 §7.4.2: "An endpoint MUST ignore transport parameters that it does not
        // support." Kept, without meaning, for exact round trips and qlog; except IDs that
        // saturated (2^53 - 1 and above), which a number cannot tell apart: those are only ignored.
        if (pid !== MAX_EXACT_VARINT) unknown.push({ id: pid, value: v.rest().slice() });
    }
  }
  if (unknown.length > 0) p.unknown = unknown;
  return p;
}

/**
 * Reads an integer parameter: exactly one varint filling the value (RFC 9000 §18.2: "Those
 * transport parameters that are identified as integers use a variable-length integer encoding"),
 * checked against its range rule.
 */
function readInteger(v: Reader, pid: number): number {
  const at = v.offset;
  const size = v.remaining;
  if (size === 0 || varintLengthOf(v.peekU8()) !== size) {
    throw new CodecError(`${describe(pid)}: a ${size}-byte value is not one varint`, at);
  }
  const above2p60 = size === 8 && exceeds2p60(v.buf, at);
  const value = v.varint();
  const limit = INTEGER_LIMITS.get(pid);
  if (limit !== undefined && (value < limit.min || value > limit.max || (limit.max === 2 ** 60 && above2p60))) {
    throw new CodecError(`${describe(pid)} ${above2p60 ? 'above 2^60' : value} is invalid: ${limit.rule}`, at);
  }
  return value;
}

/** True if the 8-byte varint at `buf[at]` exceeds 2^60, which saturated decoding cannot tell. */
function exceeds2p60(buf: Uint8Array, at: number): boolean {
  const hi = (((buf[at]! & 0x3f) << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
  const lo = buf[at + 4]! | buf[at + 5]! | buf[at + 6]! | buf[at + 7]!;
  // 2^60 is hi = 2^28, lo = 0.
  return hi > 0x1000_0000 || (hi === 0x1000_0000 && lo !== 0);
}

function readConnectionId(v: Reader, pid: number): Uint8Array {
  // RFC 9000 §17.2: a version 1 connection ID "MUST NOT exceed 20 bytes"; §7.3: "If a
  // zero-length connection ID is selected, the corresponding transport parameter is included
  // with a zero-length value."
  if (v.remaining > MAX_CONNECTION_ID_LENGTH) throw new CodecError(`${describe(pid)} of ${v.remaining} bytes exceeds 20`, v.offset);
  return v.rest().slice();
}

function readEmpty(v: Reader, pid: number): true {
  if (v.remaining !== 0) throw new CodecError(`${describe(pid)} must be empty, not ${v.remaining} bytes`, v.offset);
  return true;
}
