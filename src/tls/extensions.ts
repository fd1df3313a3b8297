/**
 * TLS 1.3 extension codecs (sans-IO).
 *
 * Implements:
 * - RFC 8446 §4.2: `struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; }`,
 *   extension blocks, the duplicate rule and the per-message permission table.
 * - RFC 6066 §3 server_name; RFC 8446 §4.2.7 supported_groups; §4.2.3 signature_algorithms and
 *   signature_algorithms_cert; RFC 7301 §3.1 application_layer_protocol_negotiation; RFC 8446
 *   §4.2.1 supported_versions, §4.2.8 key_share, §4.2.9 psk_key_exchange_modes, §4.2.11
 *   pre_shared_key, §4.2.10 early_data, §4.2.2 cookie; RFC 9001 §8.2 quic_transport_parameters
 *   (the body stays opaque here: src/wire/transport-parameters.ts decodes it).
 * - Every other extension, known or not, is kept as `{ type: 'opaque', code, data }` so that
 *   re-encoding gives the same bytes; unknown ones are ignored by the state machines.
 *
 * Values are kept exactly as received (code points as numbers, byte strings as views) so that
 * encoding a decoded block reproduces its bytes. Receiving, in a ServerHello or
 * HelloRetryRequest, an extension the client did not offer ("unsupported_extension", RFC 8446
 * §4.2) is a state-machine check, not a codec one.
 */
import { Reader, Writer } from '../util/bytes.js';
import { TlsAlert, decodeOrAlert } from './alerts.js';
import { ExtensionType, extensionTypeName, isExtensionAllowed, type ExtensionContext } from './extension-codes.js';
import { extensionCode, type Extension, type ExtensionsByContext, type KeyShareEntry, type KnownExtensionName, type PskIdentity, type ServerName } from './extension-types.js';

export type {
  ServerName,
  KeyShareEntry,
  PskIdentity,
  ServerNameExtension,
  SupportedGroupsExtension,
  SignatureAlgorithmsExtension,
  SignatureAlgorithmsCertExtension,
  AlpnExtension,
  ClientSupportedVersionsExtension,
  ServerSupportedVersionsExtension,
  ClientKeyShareExtension,
  ServerKeyShareExtension,
  HrrKeyShareExtension,
  PskKeyExchangeModesExtension,
  OfferedPsksExtension,
  SelectedPskExtension,
  EarlyDataIndicationExtension,
  TicketEarlyDataExtension,
  CookieExtension,
  QuicTransportParametersExtension,
  OpaqueExtension,
  ClientHelloExtension,
  ServerHelloExtension,
  HelloRetryRequestExtension,
  EncryptedExtensionsExtension,
  CertificateRequestExtension,
  CertificateEntryExtension,
  NewSessionTicketExtension,
  ExtensionsByContext,
  Extension,
  KnownExtensionName,
} from './extension-types.js';
export { extensionCode, getExtension } from './extension-types.js';

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

function latin1Bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}

/** Reads `opaque x<lo..hi>` with a `prefix`-byte length and checks the bounds. */
function vector(r: Reader, prefix: 1 | 2 | 3, lo: number, what: string): Reader {
  const n = prefix === 1 ? r.u8() : prefix === 2 ? r.u16() : r.u24();
  if (n < lo) throw new TlsAlert('decode_error', `${what}: length ${n} below the minimum ${lo}`);
  return r.sub(n);
}

/** Reads a vector of u16 code points with at least `min` entries. */
function u16List(r: Reader, prefix: 1 | 2, min: number, what: string): number[] {
  const v = vector(r, prefix, 2 * min, what);
  if (v.remaining % 2 !== 0) throw new TlsAlert('decode_error', `${what}: odd length`);
  const out: number[] = [];
  while (!v.isEmpty) out.push(v.u16());
  return out;
}

function keyShareEntry(r: Reader): KeyShareEntry {
  const group = r.u16();
  // RFC 8446 §4.2.8: opaque key_exchange<1..2^16-1>.
  return { group, keyExchange: vector(r, 2, 1, 'key_exchange').rest() };
}

function decodeBody(name: string, data: Uint8Array, ctx: ExtensionContext): Extension {
  const r = new Reader(data);
  let ext: Extension;
  switch (name) {
    case 'server_name': {
      // RFC 6066 §3: a server's acknowledgement is an empty extension_data.
      if (data.length === 0) return { type: 'server_name', serverNames: [] };
      const list = vector(r, 2, 1, 'server_name_list');
      const serverNames: ServerName[] = [];
      while (!list.isEmpty) {
        const nameType = list.u8();
        serverNames.push({ nameType, name: latin1(vector(list, 2, 1, 'HostName').rest()) });
      }
      ext = { type: 'server_name', serverNames };
      break;
    }
    case 'supported_groups':
      ext = { type: 'supported_groups', groups: u16List(r, 2, 1, 'named_group_list') };
      break;
    case 'signature_algorithms':
    case 'signature_algorithms_cert':
      ext = { type: name, schemes: u16List(r, 2, 1, 'supported_signature_algorithms') };
      break;
    case 'application_layer_protocol_negotiation': {
      // RFC 7301 §3.1: ProtocolName protocol_name_list<2..2^16-1>, opaque ProtocolName<1..2^8-1>.
      const list = vector(r, 2, 2, 'protocol_name_list');
      const protocols: Uint8Array[] = [];
      while (!list.isEmpty) protocols.push(vector(list, 1, 1, 'ProtocolName').rest());
      // RFC 7301 §3.1: the server's "ProtocolNameList" MUST contain exactly one "ProtocolName".
      if (ctx === 'encrypted_extensions' && protocols.length !== 1) {
        throw new TlsAlert('illegal_parameter', `ALPN in EncryptedExtensions names ${protocols.length} protocols, not exactly one`);
      }
      ext = { type: 'application_layer_protocol_negotiation', protocols };
      break;
    }
    case 'supported_versions':
      ext = ctx === 'client_hello'
        ? { type: 'supported_versions', versions: u16List(r, 1, 1, 'supported_versions') }
        : { type: 'supported_versions', selectedVersion: r.u16() };
      break;
    case 'key_share':
      if (ctx === 'client_hello') {
        // RFC 8446 §4.2.8: KeyShareEntry client_shares<0..2^16-1>.
        const list = vector(r, 2, 0, 'client_shares');
        const shares: KeyShareEntry[] = [];
        while (!list.isEmpty) shares.push(keyShareEntry(list));
        ext = { type: 'key_share', shares };
      } else if (ctx === 'hello_retry_request') {
        ext = { type: 'key_share', selectedGroup: r.u16() };
      } else {
        ext = { type: 'key_share', share: keyShareEntry(r) };
      }
      break;
    case 'psk_key_exchange_modes':
      // RFC 8446 §4.2.9: PskKeyExchangeMode ke_modes<1..255>.
      ext = { type: 'psk_key_exchange_modes', modes: Array.from(vector(r, 1, 1, 'ke_modes').rest()) };
      break;
    case 'pre_shared_key':
      if (ctx === 'client_hello') {
        // RFC 8446 §4.2.11: PskIdentity identities<7..2^16-1>; PskBinderEntry binders<33..2^16-1>.
        const ids = vector(r, 2, 7, 'identities');
        const identities: PskIdentity[] = [];
        while (!ids.isEmpty) identities.push({ identity: vector(ids, 2, 1, 'identity').rest(), obfuscatedTicketAge: ids.u32() });
        const bs = vector(r, 2, 33, 'binders');
        const binders: Uint8Array[] = [];
        while (!bs.isEmpty) binders.push(vector(bs, 1, 32, 'PskBinderEntry').rest());
        ext = { type: 'pre_shared_key', identities, binders };
      } else {
        ext = { type: 'pre_shared_key', selectedIdentity: r.u16() };
      }
      break;
    case 'early_data':
      ext = ctx === 'new_session_ticket' ? { type: 'early_data', maxEarlyDataSize: r.u32() } : { type: 'early_data' };
      break;
    case 'cookie':
      ext = { type: 'cookie', cookie: vector(r, 2, 1, 'cookie').rest() };
      break;
    case 'quic_transport_parameters':
      return { type: 'quic_transport_parameters', data };
    default:
      throw new Error(`unreachable: ${name}`);
  }
  r.expectEnd(`${name} extension`);
  return ext;
}

/** Extension types interpreted here; every other code is kept opaque. */
const INTERPRETED: ReadonlySet<string> = new Set<KnownExtensionName>([
  'server_name', 'supported_groups', 'signature_algorithms', 'signature_algorithms_cert',
  'application_layer_protocol_negotiation', 'supported_versions', 'key_share', 'psk_key_exchange_modes',
  'pre_shared_key', 'early_data', 'cookie', 'quic_transport_parameters',
]);

/**
 * Decodes one extension's body as it appears in `ctx`. The code must be allowed in `ctx`
 * (`decodeExtensions` checks that first).
 * @throws TlsAlert decode_error on a malformed body.
 */
export function decodeExtension(code: number, data: Uint8Array, ctx: ExtensionContext): Extension {
  const name = extensionTypeName(code);
  if (name === undefined || !INTERPRETED.has(name)) return { type: 'opaque', code, data };
  return decodeOrAlert(`${name} extension`, () => decodeBody(name, data, ctx));
}

/**
 * Decodes an extension block `Extension extensions<min..2^16-1>` of message `ctx`.
 * @param min the block's minimum length in bytes (RFC 8446 §4: 8 for CH, 6 for SH, else 0).
 * @throws TlsAlert decode_error (lengths), illegal_parameter (duplicate, misplaced, or a
 *   pre_shared_key that is not last in a ClientHello).
 */
export function decodeExtensions<C extends ExtensionContext>(r: Reader, ctx: C, min = 0): ExtensionsByContext[C][] {
  return decodeOrAlert(`${ctx} extensions`, () => {
    const block = vector(r, 2, min, 'extensions');
    const seen = new Set<number>();
    const out: Extension[] = [];
    while (!block.isEmpty) {
      const code = block.u16();
      const data = block.vec16();
      // RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type in a given
      // extension block."
      if (seen.has(code)) throw new TlsAlert('illegal_parameter', `duplicate extension ${code} in ${ctx}`);
      seen.add(code);
      // RFC 8446 §4.2: "If an implementation receives an extension which it recognizes and which
      // is not specified for the message in which it appears, it MUST abort the handshake with an
      // "illegal_parameter" alert."
      if (!isExtensionAllowed(code, ctx)) throw new TlsAlert('illegal_parameter', `extension ${extensionTypeName(code)} is not allowed in ${ctx}`);
      // RFC 8446 §4.2.11: "The "pre_shared_key" extension MUST be the last extension in the
      // ClientHello ... Servers MUST check that it is the last extension and otherwise fail the
      // handshake with an "illegal_parameter" alert."
      if (ctx === 'client_hello' && seen.has(ExtensionType.pre_shared_key) && !block.isEmpty) {
        throw new TlsAlert('illegal_parameter', 'pre_shared_key is not the last extension in the ClientHello');
      }
      out.push(decodeExtension(code, data, ctx));
    }
    return out as ExtensionsByContext[C][];
  });
}

function sizeOfBody(ext: Extension): number {
  switch (ext.type) {
    case 'server_name':
      return ext.serverNames.length === 0 ? 0 : 2 + ext.serverNames.reduce((n, s) => n + 3 + s.name.length, 0);
    case 'supported_groups':
      return 2 + 2 * ext.groups.length;
    case 'signature_algorithms':
    case 'signature_algorithms_cert':
      return 2 + 2 * ext.schemes.length;
    case 'application_layer_protocol_negotiation':
      return 2 + ext.protocols.reduce((n, p) => n + 1 + p.length, 0);
    case 'supported_versions':
      return 'versions' in ext ? 1 + 2 * ext.versions.length : 2;
    case 'key_share':
      if ('shares' in ext) return 2 + ext.shares.reduce((n, s) => n + 4 + s.keyExchange.length, 0);
      if ('share' in ext) return 4 + ext.share.keyExchange.length;
      return 2;
    case 'psk_key_exchange_modes':
      return 1 + ext.modes.length;
    case 'pre_shared_key':
      if ('identities' in ext) {
        return 4 + ext.identities.reduce((n, i) => n + 6 + i.identity.length, 0) + ext.binders.reduce((n, b) => n + 1 + b.length, 0);
      }
      return 2;
    case 'early_data':
      return 'maxEarlyDataSize' in ext ? 4 : 0;
    case 'cookie':
      return 2 + ext.cookie.length;
    case 'quic_transport_parameters':
    case 'opaque':
      return ext.data.length;
  }
}

function encodeBody(w: Writer, ext: Extension): void {
  switch (ext.type) {
    case 'server_name':
      if (ext.serverNames.length === 0) return;
      w.u16(sizeOfBody(ext) - 2);
      for (const s of ext.serverNames) w.u8(s.nameType).vec16(latin1Bytes(s.name));
      return;
    case 'supported_groups':
      w.u16(2 * ext.groups.length);
      for (const g of ext.groups) w.u16(g);
      return;
    case 'signature_algorithms':
    case 'signature_algorithms_cert':
      w.u16(2 * ext.schemes.length);
      for (const s of ext.schemes) w.u16(s);
      return;
    case 'application_layer_protocol_negotiation':
      w.u16(sizeOfBody(ext) - 2);
      for (const p of ext.protocols) w.vec8(p);
      return;
    case 'supported_versions':
      if ('versions' in ext) {
        w.u8(2 * ext.versions.length);
        for (const v of ext.versions) w.u16(v);
      } else {
        w.u16(ext.selectedVersion);
      }
      return;
    case 'key_share':
      if ('shares' in ext) {
        w.u16(sizeOfBody(ext) - 2);
        for (const s of ext.shares) w.u16(s.group).vec16(s.keyExchange);
      } else if ('share' in ext) {
        w.u16(ext.share.group).vec16(ext.share.keyExchange);
      } else {
        w.u16(ext.selectedGroup);
      }
      return;
    case 'psk_key_exchange_modes':
      w.vec8(Uint8Array.from(ext.modes));
      return;
    case 'pre_shared_key':
      if ('identities' in ext) {
        w.u16(ext.identities.reduce((n, i) => n + 6 + i.identity.length, 0));
        for (const i of ext.identities) w.vec16(i.identity).u32(i.obfuscatedTicketAge);
        w.u16(ext.binders.reduce((n, b) => n + 1 + b.length, 0));
        for (const b of ext.binders) w.vec8(b);
      } else {
        w.u16(ext.selectedIdentity);
      }
      return;
    case 'early_data':
      if ('maxEarlyDataSize' in ext) w.u32(ext.maxEarlyDataSize);
      return;
    case 'cookie':
      w.vec16(ext.cookie);
      return;
    case 'quic_transport_parameters':
    case 'opaque':
      w.bytes(ext.data);
      return;
  }
}

/** Encoded size of one extension, with its 4-byte type and length header. */
export function sizeOfExtension(ext: Extension): number {
  return 4 + sizeOfBody(ext);
}

/** Encodes one extension (type, length, body) exactly as given. */
export function encodeExtension(w: Writer, ext: Extension): void {
  w.u16(extensionCode(ext)).u16(sizeOfBody(ext));
  encodeBody(w, ext);
}

/** Encoded size of an extension block, with its 2-byte length. */
export function sizeOfExtensions(exts: readonly Extension[]): number {
  return 2 + exts.reduce((n, e) => n + sizeOfExtension(e), 0);
}

/** Encodes an extension block, in the given order. */
export function encodeExtensions(w: Writer, exts: readonly Extension[]): void {
  w.u16(sizeOfExtensions(exts) - 2);
  for (const e of exts) encodeExtension(w, e);
}
