/**
 * HTTP/3 message validation (sans-IO): turns a decoded field section into a request head,
 * response head or trailer list, or refuses it as malformed.
 *
 * Implements:
 * - RFC 9114 §4.1.2: "Malformed requests or responses that are detected MUST be treated as a
 *   stream error of type H3_MESSAGE_ERROR" (prohibited or missing pseudo-header fields, invalid
 *   pseudo-header values, pseudo-header fields after fields, uppercase field names, invalid
 *   characters, and a Content-Length that does not match the DATA received).
 * - RFC 9114 §4.2: lowercase field names; connection-specific fields; TE only "trailers".
 * - RFC 9114 §4.3, §4.3.1 (request pseudo-headers), §4.3.2 (response :status), §4.4 (CONNECT).
 * - RFC 9220 §3-§4: extended CONNECT (`:protocol`), accepted only when we sent
 *   SETTINGS_ENABLE_CONNECT_PROTOCOL = 1.
 *
 * Field names and values are byte strings (see qpack-integer.ts); the caller converts UTF-8.
 */
import { H3Error, H3ErrorCode } from './errors.js';
import type { Field } from './qpack-decoder.js';

/** A validated request header section (RFC 9114 §4.3.1). */
export interface RequestHead {
  /** `:method`. */
  readonly method: string;
  /** `:scheme` (absent for a plain CONNECT). */
  readonly scheme: string | undefined;
  /** `:authority`, or the Host field when `:authority` is absent. */
  readonly authority: string | undefined;
  /** `:path` (absent for a plain CONNECT). */
  readonly path: string | undefined;
  /** RFC 9220 `:protocol` of an extended CONNECT. */
  readonly protocol: string | undefined;
  /** The regular (non-pseudo) fields, in order. */
  readonly headers: readonly Field[];
}

/** A validated response header section (RFC 9114 §4.3.2). */
export interface ResponseHead {
  /** `:status` (100-599). */
  readonly status: number;
  /** The regular fields, in order. */
  readonly headers: readonly Field[];
}

/** RFC 9114 §4.2 / RFC 9110 §7.6.1: connection-specific fields (TE handled apart). */
const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

const REQUEST_PSEUDO: ReadonlySet<string> = new Set([':method', ':scheme', ':authority', ':path', ':protocol']);

function malformed(reason: string): never {
  throw new H3Error(H3ErrorCode.H3_MESSAGE_ERROR, reason);
}

/** RFC 9110 §5.1 token characters, lowercase only (RFC 9114 §4.2). */
function isValidName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || '!#$%&\'*+-.^_`|~'.includes(name[i]!);
    if (!ok) return false;
  }
  return true;
}

/** RFC 9110 §5.5: no NUL, CR or LF in a field value, and no leading or trailing whitespace. */
function isValidValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) return false;
  }
  return !/^[ \t]|[ \t]$/.test(value);
}

/** Splits pseudo-header fields from regular ones, checking order, names and values. */
function split(fields: readonly Field[], allowedPseudo: ReadonlySet<string>): { pseudo: Map<string, string>; headers: Field[] } {
  const pseudo = new Map<string, string>();
  const headers: Field[] = [];
  for (const f of fields) {
    if (f.name.startsWith(':')) {
      // RFC 9114 §4.3: "All pseudo-header fields MUST appear in the header section before regular
      // header fields. Any request or response that contains a pseudo-header field that appears in
      // a header section after a regular header field MUST be treated as malformed."
      if (headers.length > 0) malformed(`pseudo-header ${f.name} after regular fields`);
      // RFC 9114 §4.3: "Endpoints MUST treat a request or response that contains undefined or
      // invalid pseudo-header fields as malformed."
      if (!allowedPseudo.has(f.name)) malformed(`pseudo-header ${f.name} not allowed here`);
      // RFC 9114 §4.3.1: "The same pseudo-header field name MUST NOT appear more than once".
      if (pseudo.has(f.name)) malformed(`duplicate ${f.name}`);
      if (!isValidValue(f.value)) malformed(`invalid value of ${f.name}`);
      pseudo.set(f.name, f.value);
      continue;
    }
    // RFC 9114 §4.2: "A request or response containing uppercase characters in field names MUST
    // be treated as malformed."
    if (!isValidName(f.name)) malformed(`invalid field name ${JSON.stringify(f.name)}`);
    if (!isValidValue(f.value)) malformed(`invalid value of ${f.name}`);
    // RFC 9114 §4.2: "any message containing connection-specific fields MUST be treated as malformed."
    if (CONNECTION_SPECIFIC.has(f.name)) malformed(`connection-specific field ${f.name}`);
    // RFC 9114 §4.2: TE "MUST NOT contain any value other than "trailers"".
    if (f.name === 'te' && f.value !== 'trailers') malformed(`te: ${f.value}`);
    headers.push(f);
  }
  return { pseudo, headers };
}

/**
 * Validates a request header section (RFC 9114 §4.3.1, §4.4; RFC 9220 §4).
 * @param connectProtocol whether we sent SETTINGS_ENABLE_CONNECT_PROTOCOL = 1.
 * @throws H3Error H3_MESSAGE_ERROR if malformed.
 */
export function validateRequest(fields: readonly Field[], connectProtocol: boolean): RequestHead {
  const { pseudo, headers } = split(fields, REQUEST_PSEUDO);
  const method = pseudo.get(':method');
  const scheme = pseudo.get(':scheme');
  const path = pseudo.get(':path');
  const protocol = pseudo.get(':protocol');
  const host = headers.find((h) => h.name === 'host')?.value;
  let authority = pseudo.get(':authority');
  if (method === undefined || method.length === 0 || !isValidName(method.toLowerCase())) malformed('missing or invalid :method');
  if (protocol !== undefined) {
    // RFC 9220 §3: a client "MUST NOT" use :protocol unless the server sent
    // SETTINGS_ENABLE_CONNECT_PROTOCOL = 1; RFC 8441 §4 makes such a request malformed.
    if (!connectProtocol) malformed(':protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL');
    if (method !== 'CONNECT') malformed(':protocol on a non-CONNECT request');
  }
  if (method === 'CONNECT' && protocol === undefined) {
    // RFC 9114 §4.4: "The :scheme and :path pseudo-header fields are omitted" and ":authority"
    // "contains the host and port to connect to".
    if (scheme !== undefined || path !== undefined) malformed('CONNECT with :scheme or :path');
    if (authority === undefined || authority.length === 0) malformed('CONNECT without :authority');
    return { method, scheme, authority, path, protocol, headers };
  }
  // RFC 9114 §4.3.1: "All HTTP/3 requests MUST include exactly one value for the :method,
  // :scheme, and :path pseudo-header fields, unless the request is a CONNECT request".
  if (scheme === undefined || scheme.length === 0) malformed('missing :scheme');
  // RFC 9114 §4.3.1: ":path ... This pseudo-header field MUST NOT be empty for "http" or "https" URIs".
  if (path === undefined || path.length === 0) malformed('missing or empty :path');
  // RFC 9114 §4.3.1: "If the :scheme pseudo-header field identifies a scheme that has a mandatory
  // authority component (including "http" and "https"), the request MUST contain either an
  // :authority pseudo-header field or a Host header field." ... "If both fields are present, they
  // MUST contain the same value."
  if (scheme === 'http' || scheme === 'https') {
    if ((authority === undefined || authority.length === 0) && (host === undefined || host.length === 0)) malformed('no :authority or host');
    if (authority !== undefined && host !== undefined && authority !== host) malformed(':authority and host differ');
  }
  authority ??= host;
  return { method, scheme, authority, path, protocol, headers };
}

/**
 * Validates a response header section (RFC 9114 §4.3.2: exactly one `:status`, no other
 * pseudo-header field). Returns the status and regular fields.
 * @throws H3Error H3_MESSAGE_ERROR if malformed.
 */
export function validateResponse(fields: readonly Field[]): ResponseHead {
  const { pseudo, headers } = split(fields, new Set([':status']));
  const status = pseudo.get(':status');
  // RFC 9114 §4.3.2: "This pseudo-header field MUST be included in all responses; otherwise, the
  // response is malformed".
  if (status === undefined || !/^[1-5][0-9][0-9]$/.test(status)) malformed(`missing or invalid :status ${status ?? ''}`);
  return { status: Number(status), headers };
}

/**
 * Validates a trailer section: RFC 9114 §4.3: "Pseudo-header fields MUST NOT appear in trailer
 * sections."
 * @throws H3Error H3_MESSAGE_ERROR if malformed.
 */
export function validateTrailers(fields: readonly Field[]): Field[] {
  return split(fields, new Set()).headers;
}

/**
 * The Content-Length of a message, if present (RFC 9110 §8.6): several equal values are one value.
 * @throws H3Error H3_MESSAGE_ERROR on a non-numeric or conflicting value.
 */
export function contentLengthOf(headers: readonly Field[]): number | undefined {
  let out: number | undefined;
  for (const h of headers) {
    if (h.name !== 'content-length') continue;
    for (const part of h.value.split(',')) {
      const v = part.trim();
      if (!/^[0-9]{1,15}$/.test(v)) malformed(`content-length: ${h.value}`);
      const n = Number(v);
      if (out !== undefined && out !== n) malformed('conflicting content-length values');
      out = n;
    }
  }
  return out;
}
