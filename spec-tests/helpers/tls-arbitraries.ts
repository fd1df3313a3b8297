/**
 * fast-check arbitraries for TLS 1.3 extensions and handshake messages (RFC 8446 §4), valid by
 * construction: vector bounds respected, one extension per type, pre_shared_key last in a
 * ClientHello, only the extensions the RFC 8446 §4.2 table allows in each message.
 */
import fc from 'fast-check';
import type { ExtensionContext } from '../../src/tls/extension-codes.js';
import { ExtensionType, extensionTypeName } from '../../src/tls/extension-codes.js';
import type { Extension, ExtensionsByContext, OpaqueExtension } from '../../src/tls/extensions.js';
import { extensionCode } from '../../src/tls/extensions.js';
import type { HandshakeMessage } from '../../src/tls/messages.js';

const bytes = (minLength: number, maxLength: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength, maxLength });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16s = (minLength: number, maxLength: number): fc.Arbitrary<number[]> => fc.array(u16, { minLength, maxLength });
const keyShareEntry = fc.record({ group: u16, keyExchange: bytes(1, 70) });

/** Every interpreted extension, per message, as arbitraries (RFC 8446 §4.2 table). */
const KNOWN: { [C in ExtensionContext]: fc.Arbitrary<ExtensionsByContext[C]>[] } = {
  client_hello: [
    fc.record({ type: fc.constant('server_name' as const), serverNames: fc.array(fc.record({ nameType: fc.integer({ min: 0, max: 255 }), name: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 20 }) }), { minLength: 1, maxLength: 3 }) }),
    fc.record({ type: fc.constant('supported_groups' as const), groups: u16s(1, 6) }),
    fc.record({ type: fc.constant('signature_algorithms' as const), schemes: u16s(1, 8) }),
    fc.record({ type: fc.constant('signature_algorithms_cert' as const), schemes: u16s(1, 8) }),
    fc.record({ type: fc.constant('application_layer_protocol_negotiation' as const), protocols: fc.array(bytes(1, 12), { minLength: 1, maxLength: 4 }) }),
    fc.record({ type: fc.constant('supported_versions' as const), versions: u16s(1, 5) }),
    fc.record({ type: fc.constant('key_share' as const), shares: fc.array(keyShareEntry, { maxLength: 3 }) }),
    fc.record({ type: fc.constant('psk_key_exchange_modes' as const), modes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 3 }) }),
    fc.integer({ min: 1, max: 3 }).chain((n) =>
      fc.record({
        type: fc.constant('pre_shared_key' as const),
        identities: fc.array(fc.record({ identity: bytes(1, 40), obfuscatedTicketAge: u32 }), { minLength: n, maxLength: n }),
        binders: fc.array(bytes(32, 48), { minLength: n, maxLength: n }),
      }),
    ),
    fc.constant({ type: 'early_data' as const }),
    fc.record({ type: fc.constant('cookie' as const), cookie: bytes(1, 40) }),
    fc.record({ type: fc.constant('quic_transport_parameters' as const), data: bytes(0, 40) }),
  ],
  server_hello: [
    fc.record({ type: fc.constant('supported_versions' as const), selectedVersion: u16 }),
    fc.record({ type: fc.constant('key_share' as const), share: keyShareEntry }),
    fc.record({ type: fc.constant('pre_shared_key' as const), selectedIdentity: u16 }),
  ],
  hello_retry_request: [
    fc.record({ type: fc.constant('supported_versions' as const), selectedVersion: u16 }),
    fc.record({ type: fc.constant('key_share' as const), selectedGroup: u16 }),
    fc.record({ type: fc.constant('cookie' as const), cookie: bytes(1, 40) }),
  ],
  encrypted_extensions: [
    fc.record({ type: fc.constant('server_name' as const), serverNames: fc.constant([]) }),
    fc.record({ type: fc.constant('supported_groups' as const), groups: u16s(1, 6) }),
    fc.record({ type: fc.constant('application_layer_protocol_negotiation' as const), protocols: fc.array(bytes(1, 12), { minLength: 1, maxLength: 1 }) }),
    fc.constant({ type: 'early_data' as const }),
    fc.record({ type: fc.constant('quic_transport_parameters' as const), data: bytes(0, 40) }),
  ],
  certificate: [],
  certificate_request: [
    fc.record({ type: fc.constant('signature_algorithms_cert' as const), schemes: u16s(1, 8) }),
  ],
  new_session_ticket: [fc.record({ type: fc.constant('early_data' as const), maxEarlyDataSize: u32 })],
};

/** Codes kept opaque that the RFC 8446 §4.2 table allows in each message, plus unknown codes. */
const OPAQUE_CODES: Record<ExtensionContext, number[]> = {
  client_hello: [ExtensionType.status_request, ExtensionType.padding, ExtensionType.post_handshake_auth, ExtensionType.certificate_authorities],
  server_hello: [],
  hello_retry_request: [],
  encrypted_extensions: [ExtensionType.max_fragment_length, ExtensionType.use_srtp, ExtensionType.heartbeat],
  certificate: [ExtensionType.status_request, ExtensionType.signed_certificate_timestamp],
  certificate_request: [ExtensionType.certificate_authorities, ExtensionType.oid_filters],
  new_session_ticket: [],
};

/** An extension code not listed in the RFC 8446 §4.2 table (GREASE, record_size_limit, ...). */
export const unknownExtensionCode: fc.Arbitrary<number> = fc
  .oneof(fc.constantFrom(0x0a0a, 0x1a1a, 28, 0xff01, 0x0023), u16)
  .filter((c) => extensionTypeName(c) === undefined);

function opaqueExtensions(ctx: ExtensionContext): fc.Arbitrary<OpaqueExtension[]> {
  const codes = fc.uniqueArray(fc.oneof(unknownExtensionCode, ...(OPAQUE_CODES[ctx].length > 0 ? [fc.constantFrom(...OPAQUE_CODES[ctx])] : [])), { maxLength: 3 });
  return codes.chain((cs) => fc.tuple(...cs.map((code) => bytes(0, 16).map((data) => ({ type: 'opaque' as const, code, data })))));
}

/** A valid extension block of message `ctx`, in a random order (pre_shared_key last in a CH). */
export function extensionsArb<C extends ExtensionContext>(ctx: C, required: string[] = []): fc.Arbitrary<ExtensionsByContext[C][]> {
  const known = KNOWN[ctx] as fc.Arbitrary<Extension>[];
  return fc
    .tuple(fc.tuple(...known.map((k) => fc.option(k, { nil: undefined }))), opaqueExtensions(ctx))
    .chain(([maybe, opaque]) => {
      const all: Extension[] = [...maybe.filter((e): e is Extension => e !== undefined), ...opaque];
      return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
    })
    .map((exts) => {
      const psk = exts.filter((e) => extensionCode(e) === ExtensionType.pre_shared_key);
      return [...exts.filter((e) => extensionCode(e) !== ExtensionType.pre_shared_key), ...psk] as ExtensionsByContext[C][];
    })
    .filter((exts) => required.every((name) => exts.some((e) => e.type === name)));
}

const random32 = bytes(32, 32);
const sessionId = bytes(0, 32);

/** A valid ClientHello (extensions block at least 8 bytes: RFC 8446 §4.1.2). */
export const clientHelloArb: fc.Arbitrary<HandshakeMessage> = fc.record({
  msgType: fc.constant('client_hello' as const),
  legacyVersion: u16,
  random: random32,
  legacySessionId: sessionId,
  cipherSuites: u16s(1, 6),
  legacyCompressionMethods: bytes(1, 3),
  extensions: extensionsArb('client_hello').filter((e) => e.length >= 2),
});

/** Every handshake message type, valid by construction (Finished of 32 bytes). */
export const handshakeMessageArb: fc.Arbitrary<HandshakeMessage> = fc.oneof(
  clientHelloArb,
  fc.record({
    msgType: fc.constant('server_hello' as const),
    legacyVersion: u16,
    random: random32,
    legacySessionIdEcho: sessionId,
    cipherSuite: u16,
    legacyCompressionMethod: fc.integer({ min: 0, max: 255 }),
    extensions: extensionsArb('server_hello').filter((e) => e.length >= 2),
  }),
  fc.record({
    msgType: fc.constant('hello_retry_request' as const),
    legacyVersion: u16,
    legacySessionIdEcho: sessionId,
    cipherSuite: u16,
    legacyCompressionMethod: fc.integer({ min: 0, max: 255 }),
    extensions: extensionsArb('hello_retry_request').filter((e) => e.length >= 2),
  }),
  fc.record({ msgType: fc.constant('encrypted_extensions' as const), extensions: extensionsArb('encrypted_extensions') }),
  fc.record({
    msgType: fc.constant('certificate_request' as const),
    certificateRequestContext: bytes(0, 8),
    extensions: fc.tuple(fc.record({ type: fc.constant('signature_algorithms' as const), schemes: u16s(1, 6) }), extensionsArb('certificate_request')).chain(([sa, rest]) =>
      fc.shuffledSubarray([sa, ...rest], { minLength: rest.length + 1, maxLength: rest.length + 1 }),
    ),
  }),
  fc.record({
    msgType: fc.constant('certificate' as const),
    certificateRequestContext: bytes(0, 8),
    certificateList: fc.array(fc.record({ certData: bytes(1, 64), extensions: extensionsArb('certificate') }), { maxLength: 3 }),
  }),
  fc.record({ msgType: fc.constant('certificate_verify' as const), algorithm: u16, signature: bytes(0, 80) }),
  fc.record({ msgType: fc.constant('finished' as const), verifyData: bytes(32, 32) }),
  fc.record({
    msgType: fc.constant('new_session_ticket' as const),
    ticketLifetime: u32,
    ticketAgeAdd: u32,
    ticketNonce: bytes(0, 8),
    ticket: bytes(1, 64),
    extensions: extensionsArb('new_session_ticket'),
  }),
  fc.record({ msgType: fc.constant('key_update' as const), requestUpdate: fc.constantFrom(0 as const, 1 as const) }),
  fc.constant({ msgType: 'end_of_early_data' as const }),
);
