/**
 * Version negotiation at the connection: RFC 9000 §6.2 (a client abandons its attempt on a
 * Version Negotiation packet that does not list its version), RFC 9368 §2.3, §3, §4, §5
 * (compatible version negotiation through version_information) and RFC 9369 §3, §4 (QUIC v2 and
 * the v1 <-> v2 compatible upgrade).
 *
 * The server decides from the client's version_information before TLS answers the ClientHello
 * (its own version_information, in EncryptedExtensions, must carry the choice): the first
 * Initial CRYPTO bytes are parsed here, and an upgrade re-keys the Initial space with the new
 * version's salt and labels from the same client Destination Connection ID (RFC 9369 §3.3.1),
 * keeping the original version's read keys for client Initials still in flight. The client
 * adopts the version of the first server Initial it authenticates if it offered that version,
 * and checks the server's Chosen Version against it.
 */
import { deriveInitialKeys } from '../crypto/initial-secrets.js';
import type { PacketProtectionKeys } from '../crypto/packet-protection.js';
import { decodeClientHello } from '../tls/hello-messages.js';
import { TlsAlert } from '../tls/alerts.js';
import { Reader, bytesEqual, concatBytes } from '../util/bytes.js';
import { CodecError } from '../util/errors.js';
import { addDuration, micros, type Instant } from '../util/time.js';
import { TransportError, TransportErrorCode } from '../wire/errors.js';
import type { LongHeaderPacket } from '../wire/long-header.js';
import { PacketNumberSpace, PacketType, packetNumberSpaceOf } from '../wire/packet-type.js';
import { decodeTransportParameters, type TransportParameters } from '../wire/transport-parameters.js';
import type { VersionInformation } from '../wire/version-information.js';
import type { VersionNegotiationPacketHeader } from '../wire/version-negotiation.js';
import { QUIC_V1, QUIC_V2, SUPPORTED_VERSIONS, isSupportedVersion, type QuicVersion } from '../wire/version.js';
import { isTerminating } from './close.js';
import { pushEvent, type ConnectionState } from './state.js';

/** TLS handshake type of ClientHello (RFC 8446 §4). */
const CLIENT_HELLO = 1;
/** Most ClientHello bytes kept while waiting for the rest of it (RFC 9000 §7.5 bounds CRYPTO buffering too). */
export const MAX_CLIENT_HELLO_PREFIX = 16_384;
/** RFC 9001 §8.2: the quic_transport_parameters extension. */
const QUIC_TRANSPORT_PARAMETERS = 'quic_transport_parameters';

/** RFC 9369 §4: v1 and v2 are compatible with each other (the ClientHello is valid in both). */
export function areCompatible(a: QuicVersion, b: QuicVersion): boolean {
  return (a === QUIC_V1 || a === QUIC_V2) && (b === QUIC_V1 || b === QUIC_V2);
}

/**
 * The version_information we send (RFC 9368 §3): a client's Chosen Version is its first Initial's
 * and its Available Versions are the versions it offers, most preferred first, including the
 * chosen one; a server's Chosen Version is the version in use, its Available Versions all it
 * supports.
 */
export function localVersionInformation(role: 'client' | 'server', version: QuicVersion, offered: readonly QuicVersion[]): VersionInformation {
  if (role === 'server') return { chosenVersion: version, availableVersions: [...SUPPORTED_VERSIONS] };
  const available = offered.includes(version) ? [...offered] : [version, ...offered];
  return { chosenVersion: version, availableVersions: available };
}

/**
 * A Version Negotiation packet at the client (RFC 9000 §6.2). "A client MUST discard any Version
 * Negotiation packet if it has received and successfully processed any other packet, including an
 * earlier Version Negotiation packet. A client MUST discard a Version Negotiation packet that
 * lists the QUIC version selected by the client." Its connection IDs must echo ours (RFC 9000
 * §17.2.1: the server copies them crosswise), or it is not an answer to our Initial. Otherwise
 * "A client that supports only this version of QUIC MUST abandon the current connection
 * attempt": no other version is tried in this cut, so the connection ends (connection_closed
 * by 'version_negotiation', with the server's versions in the reason). Returns true if processed.
 */
export function onVersionNegotiation(s: ConnectionState, now: Instant, pkt: VersionNegotiationPacketHeader): boolean {
  if (s.role !== 'client' || isTerminating(s)) return false;
  if (s.packetsReceived > 0 || s.negotiation.retrySourceCid !== undefined || s.remoteCidConfirmed) return false;
  if (!bytesEqual(pkt.dcid, s.localCid) || !bytesEqual(pkt.scid, s.originalDcid)) return false;
  if (pkt.supportedVersions.includes(s.version)) return false;
  const versions = pkt.supportedVersions.map((v) => `0x${v.toString(16).padStart(8, '0')}`).join(', ');
  s.phase = 'draining';
  s.closeSendPending = false;
  s.idleDeadline = undefined;
  // Nothing is sent or kept: the attempt is abandoned at once.
  s.closeDeadline = addDuration(now, micros(0));
  pushEvent(s, {
    type: 'connection_closed', by: 'version_negotiation', code: 0, errorSpace: 'transport',
    reason: `version negotiation: the server supports ${versions}`,
  });
  return true;
}

/**
 * The keys to open a long-header packet of `pkt.version` (RFC 9369 §4.1): the space's keys for the
 * version in use; for an Initial of another version, on the server the original version's keys
 * (client Initials sent before it saw the upgrade), on the client fresh keys for a version it
 * offered, tried only while no server Initial was processed (the server's first Initial decides,
 * RFC 9369 §4). Undefined: drop the packet.
 */
export function longHeaderReadKeys(s: ConnectionState, pkt: LongHeaderPacket): PacketProtectionKeys | undefined {
  const space = s.spaces[packetNumberSpaceOf(pkt.type)];
  if (pkt.version === s.version) return space.readKeys;
  if (pkt.type !== PacketType.Initial || space.discarded) return undefined;
  const n = s.negotiation;
  if (s.role === 'server') return pkt.version === n.originalVersion ? n.originalInitialReadKeys : undefined;
  if (s.remoteCidConfirmed || !n.versions.includes(pkt.version) || !areCompatible(pkt.version, s.version)) return undefined;
  return deriveInitialKeys(s.provider, pkt.version, n.initialKeyDcid).server;
}

/**
 * After a long-header packet authenticated: a client that opened a server Initial of another
 * version switches to it. RFC 9369 §4.1: "The client learns the negotiated version by observing
 * the first long header Version field that differs from the original version." "Once the client
 * has learned the negotiated version, it SHOULD send subsequent Initial packets using that
 * version." Initial keys of both directions are derived anew for it.
 */
export function onLongHeaderOpened(s: ConnectionState, pkt: LongHeaderPacket): void {
  if (s.role !== 'client' || pkt.version === s.version || pkt.type !== PacketType.Initial) return;
  // RFC 9369 §4.1: "An endpoint MUST drop packets using any other version" once it is learnt:
  // longHeaderReadKeys offers other-version keys only before the first server Initial.
  s.version = pkt.version;
  const keys = deriveInitialKeys(s.provider, pkt.version, s.negotiation.initialKeyDcid);
  const init = s.spaces[PacketNumberSpace.Initial];
  init.writeKeys = keys.client;
  init.readKeys = keys.server;
}

/**
 * Server, on the client's first Initial CRYPTO bytes (before TLS reads them): compatible version
 * negotiation (RFC 9368 §2.3). If the ClientHello's version_information lists a version the
 * server prefers to the original one and it is compatible, the connection switches to it: Initial
 * keys of the new version from the client's Destination Connection ID (RFC 9369 §3.3.1), the
 * original version's read keys kept (RFC 9369 §4.1: "The server MUST NOT discard its original
 * version Initial receive keys until it successfully processes a Handshake packet with the
 * negotiated version"), and our version_information's Chosen Version set to the negotiated
 * version (RFC 9368 §4). RFC 9369 §4.1: "The server MUST send all CRYPTO frames using the
 * negotiated version": the decision is taken before TLS writes any, once the ClientHello is whole
 * (its bytes are kept meanwhile, up to MAX_CLIENT_HELLO_PREFIX; beyond, the original version
 * stays).
 */
export function chooseServerVersion(s: ConnectionState, cryptoBytes: Uint8Array): void {
  const n = s.negotiation;
  if (s.role !== 'server' || n.versionChosen) return;
  const bytes = n.clientHelloPrefix === undefined ? cryptoBytes : concatBytes(n.clientHelloPrefix, cryptoBytes);
  const offered = clientVersionInformation(bytes);
  if (offered === 'incomplete' && bytes.length < MAX_CLIENT_HELLO_PREFIX) {
    n.clientHelloPrefix = bytes.slice();
    return;
  }
  n.versionChosen = true;
  n.clientHelloPrefix = undefined;
  if (offered === undefined || offered === 'incomplete') return;
  const target = n.versions.find((v) => offered.availableVersions.includes(v) && isSupportedVersion(v));
  if (target === undefined || target === s.version || !areCompatible(target, s.version)) return;
  const init = s.spaces[PacketNumberSpace.Initial];
  n.originalInitialReadKeys = init.readKeys;
  s.version = target;
  const keys = deriveInitialKeys(s.provider, target, n.initialKeyDcid);
  init.writeKeys = keys.server;
  init.readKeys = keys.client;
  if (!n.fixedVersionInformation) s.localParams.versionInformation = localVersionInformation('server', target, n.versions);
}

/** The version_information of a complete ClientHello at the start of `bytes`, if any; 'incomplete' if cut short. */
function clientVersionInformation(bytes: Uint8Array): VersionInformation | undefined | 'incomplete' {
  if (bytes.length < 4) return 'incomplete';
  try {
    const r = new Reader(bytes);
    if (r.u8() !== CLIENT_HELLO) return undefined;
    const length = (r.u8() << 16) | r.u16();
    if (r.remaining < length) return 'incomplete';
    const ch = decodeClientHello(new Reader(r.bytes(length)));
    const tp = ch.extensions.find((e) => e.type === QUIC_TRANSPORT_PARAMETERS);
    if (tp === undefined || tp.type !== QUIC_TRANSPORT_PARAMETERS) return undefined;
    return decodeTransportParameters(new Reader(tp.data)).versionInformation;
  } catch (e) {
    // A malformed ClientHello is TLS's to refuse when it reads the same bytes.
    if (e instanceof CodecError || e instanceof TlsAlert) return undefined;
    throw e;
  }
}

/**
 * Checks the peer's version_information (RFC 9369 §4: "Any QUIC endpoint that supports QUIC
 * version 2 MUST send, process, and validate the version_information transport parameter
 * specified in [QUIC-VN] to prevent version downgrade attacks"). Per RFC 9368 §4 (paraphrased;
 * the RFC text is not in specs/): the client closes with VERSION_NEGOTIATION_ERROR when the
 * server's Chosen Version is not the version in use, or when the version changed and the server
 * sent no version_information; the server closes with it when the client's Chosen Version is not
 * the version of the client's first Initial.
 * @throws TransportError VERSION_NEGOTIATION_ERROR (0x11).
 */
export function checkPeerVersionInformation(s: ConnectionState, peer: TransportParameters): void {
  const vi = peer.versionInformation;
  const err = (reason: string): TransportError => new TransportError(TransportErrorCode.VERSION_NEGOTIATION_ERROR, undefined, reason);
  if (s.role === 'client') {
    if (vi === undefined) {
      if (s.version !== s.negotiation.originalVersion) throw err('the version changed but the server sent no version_information');
      return;
    }
    if (vi.chosenVersion !== s.version) throw err(`server chose 0x${vi.chosenVersion.toString(16)} but the connection uses 0x${s.version.toString(16)}`);
    return;
  }
  if (vi !== undefined && vi.chosenVersion !== s.negotiation.originalVersion) {
    throw err(`client chose 0x${vi.chosenVersion.toString(16)} but its first Initial was 0x${s.negotiation.originalVersion.toString(16)}`);
  }
}
