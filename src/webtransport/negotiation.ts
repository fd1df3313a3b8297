/**
 * Which WebTransport version a connection speaks, the SETTINGS each side sends, and the server's
 * decision on an extended CONNECT request.
 *
 * Implements:
 * - draft-ietf-webtrans-http3-16 §3.1: servers send SETTINGS_WT_ENABLED = 1,
 *   SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, SETTINGS_H3_DATAGRAM = 1; clients send
 *   SETTINGS_H3_DATAGRAM = 1 and (drafts only) SETTINGS_WT_ENABLED. "A client MUST NOT establish
 *   WebTransport sessions if the server's SETTINGS do not have correct values for every required
 *   setting".
 * - draft-16 §7.1: "An endpoint that supports multiple draft versions sends a SETTINGS_WT_ENABLED
 *   value for each supported version ... The highest version supported by both endpoints is
 *   selected."
 * - draft-16 §3.2: `:protocol` webtransport-h3, `:scheme` https, `:authority` and `:path` set;
 *   unknown target: 405; "When the request contains the Origin header, the WebTransport server
 *   MUST verify the Origin header"; failed verification: 403.
 * - draft-02 (Chromium): `:protocol` webtransport with `sec-webtransport-http3-draft02: 1`; the
 *   server answers 200 with `sec-webtransport-http3-draft: draft02`.
 */
import { H3SettingId, type H3Settings, type Setting } from '../h3/frames.js';
import { DRAFT02_REQUEST_HEADER, DRAFT02_RESPONSE_HEADER, DRAFT02_RESPONSE_VALUE, WT_PROTOCOL, WebTransportDraft, WtSetting } from './constants.js';

/**
 * The extra SETTINGS a WebTransport endpoint sends besides ENABLE_CONNECT_PROTOCOL (server only)
 * and H3_DATAGRAM (H3SessionOptions flags): one enable setting per draft supported (draft-16 §7.1).
 *
 * No SETTINGS_WT_INITIAL_MAX_* (draft-16 §5.5): we do not implement WebTransport flow control,
 * so we do not declare the intent to use it (§5.1), and it is never enabled. Advertising credit
 * that is never raised by WT_MAX_STREAMS / WT_MAX_DATA would stall a peer that honours it, and
 * we would not honour the peer's. Without flow control, §5.1: "clients MUST NOT attempt to
 * establish more than one simultaneous WebTransport session" (our client opens one connection
 * per session) and a server "MUST reset the excessive CONNECT streams with a H3_REQUEST_REJECTED
 * status" (src/api/webtransport.ts); flow-control capsules received are ignored (§5.1 MUST).
 */
export function webTransportSettings(drafts: readonly WebTransportDraft[] = [WebTransportDraft.DRAFT02, WebTransportDraft.DRAFT16]): Setting[] {
  const out: Setting[] = [];
  if (drafts.includes(WebTransportDraft.DRAFT02)) out.push({ id: WtSetting.ENABLE_WEBTRANSPORT_DRAFT02, value: 1 });
  if (drafts.includes(WebTransportDraft.DRAFT16)) out.push({ id: WtSetting.WT_ENABLED_DRAFT16, value: 1 });
  return out;
}

/** The drafts a peer's SETTINGS enable (draft-16 §7.1), best first. */
export function peerDrafts(settings: H3Settings): WebTransportDraft[] {
  const get = (id: number): number | undefined => settings.raw.find((s) => s.id === id)?.value;
  const out: WebTransportDraft[] = [];
  if (settings.wtEnabled || get(WtSetting.WT_ENABLED_DRAFT16) === 1) out.push(WebTransportDraft.DRAFT16);
  if (get(WtSetting.ENABLE_WEBTRANSPORT_DRAFT02) === 1) out.push(WebTransportDraft.DRAFT02);
  return out;
}

/**
 * The client's choice from the server's SETTINGS: the highest version both support (draft-16
 * §7.1), or undefined when the server lacks a required setting (draft-16 §3.1: then "A client
 * MUST NOT establish WebTransport sessions").
 */
export function chooseClientDraft(server: H3Settings, ours: readonly WebTransportDraft[] = [WebTransportDraft.DRAFT16, WebTransportDraft.DRAFT02]): WebTransportDraft | undefined {
  // draft-16 §3.1: the server sends SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 and SETTINGS_H3_DATAGRAM = 1.
  if (!server.enableConnectProtocol || !server.h3Datagram) return undefined;
  return peerDrafts(server).find((d) => ours.includes(d));
}

/** The request head fields the server's decision looks at (names lowercase). */
export interface ConnectRequestInfo {
  readonly method: string;
  readonly protocol: string | undefined;
  readonly scheme: string;
  readonly authority: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The server's policy. */
export interface ConnectPolicy {
  /** Paths served (exact match on the path without its query); undefined: every path. */
  readonly paths?: readonly string[];
  /** Origin check; a request without Origin is accepted (draft-16 §3.2: OPTIONAL for non-browsers). */
  readonly origin?: (origin: string) => boolean;
  /** Versions offered (default both). */
  readonly drafts?: readonly WebTransportDraft[];
}

/** The server's decision on an extended CONNECT request. */
export type ConnectDecision =
  | { readonly kind: 'accept'; readonly draft: WebTransportDraft; readonly origin: string | undefined; readonly responseHeaders: Readonly<Record<string, string>> }
  /** Answer with this status; the stream is then finished (no session). */
  | { readonly kind: 'refuse'; readonly status: number; readonly reason: string }
  /** Not a WebTransport request: leave it to the HTTP handler. */
  | { readonly kind: 'not_webtransport' };

/** Which version a request's `:protocol` (and draft-02 header) names, if any. */
export function requestDraft(req: ConnectRequestInfo): WebTransportDraft | undefined {
  if (req.method !== 'CONNECT') return undefined;
  if (req.protocol === WT_PROTOCOL.draft16) return WebTransportDraft.DRAFT16;
  if (req.protocol === WT_PROTOCOL.draft02) return WebTransportDraft.DRAFT02;
  return undefined;
}

/** Decides an extended CONNECT (draft-16 §3.2; draft-02 §3.2). */
export function decideConnect(req: ConnectRequestInfo, policy: ConnectPolicy = {}): ConnectDecision {
  const draft = requestDraft(req);
  if (draft === undefined) return { kind: 'not_webtransport' };
  const drafts = policy.drafts ?? [WebTransportDraft.DRAFT02, WebTransportDraft.DRAFT16];
  if (!drafts.includes(draft)) return { kind: 'refuse', status: 400, reason: `WebTransport ${draft} is not offered` };
  // draft-02: the client names the version in a header as well.
  if (draft === WebTransportDraft.DRAFT02 && req.headers[DRAFT02_REQUEST_HEADER] !== undefined && req.headers[DRAFT02_REQUEST_HEADER] !== '1') {
    return { kind: 'refuse', status: 400, reason: `${DRAFT02_REQUEST_HEADER}: ${req.headers[DRAFT02_REQUEST_HEADER]}` };
  }
  // draft-16 §3.2: "The :scheme field MUST be https. Both the :authority and the :path value MUST be set".
  if (req.scheme !== 'https' || req.authority.length === 0 || req.path.length === 0) return { kind: 'refuse', status: 400, reason: 'malformed WebTransport CONNECT' };
  const path = req.path.split('?')[0] ?? '';
  // draft-16 §3.2: "If the target resource does not support WebTransport, the server SHOULD reply
  // with status code 405".
  if (policy.paths !== undefined && !policy.paths.includes(path)) return { kind: 'refuse', status: 405, reason: `no WebTransport at ${path}` };
  const origin = req.headers.origin;
  // draft-16 §3.2: "When the request contains the Origin header, the WebTransport server MUST
  // verify the Origin header ... If the verification fails, the WebTransport server SHOULD reply
  // with status code 403".
  if (origin !== undefined && policy.origin !== undefined && !policy.origin(origin)) return { kind: 'refuse', status: 403, reason: `origin ${origin} refused` };
  const responseHeaders: Record<string, string> = draft === WebTransportDraft.DRAFT02 ? { [DRAFT02_RESPONSE_HEADER]: DRAFT02_RESPONSE_VALUE } : {};
  return { kind: 'accept', draft, origin, responseHeaders };
}

/** The request header fields (besides pseudo-headers) a client sends for `draft`. */
export function connectRequestHeaders(draft: WebTransportDraft, origin?: string): Record<string, string> {
  const h: Record<string, string> = {};
  if (draft === WebTransportDraft.DRAFT02) h[DRAFT02_REQUEST_HEADER] = '1';
  if (origin !== undefined) h.origin = origin;
  return h;
}

/** Keeps `H3SettingId` referenced for readers: the connect-protocol and datagram settings are H3 flags. */
export const REQUIRED_H3_SETTINGS: readonly number[] = [H3SettingId.ENABLE_CONNECT_PROTOCOL, H3SettingId.H3_DATAGRAM];
