/**
 * Initial secrets and keys, derived from the client's first Destination Connection ID.
 *
 * - RFC 9001 §5.2 (QUIC v1): salt 0x38762cf7f55934b34d179ae6a4c80cadccbb7f0a, labels
 *   "client in" / "server in", SHA-256, AEAD_AES_128_GCM.
 * - RFC 9369 §3.3.1 (QUIC v2): salt 0x0dede3def700a6db819381be6e269dcbf9bd2ed9 (same labels for
 *   the initial secrets; the "quicv2 *" labels of §3.3.2 for keys).
 */
import { fromHex } from '../util/bytes.js';
import { QUIC_V1, QUIC_V2, type QuicVersion } from '../wire/version.js';
import type { CryptoProvider } from './provider.js';
import { hkdfExpandLabel } from './hkdf-label.js';
import { derivePacketKeys, type PacketProtectionKeys } from './packet-protection.js';
import { INITIAL_SUITE } from './suites.js';

/** RFC 9001 §5.2: "initial_salt = 0x38762cf7f55934b34d179ae6a4c80cadccbb7f0a". */
export const INITIAL_SALT_V1: Uint8Array = fromHex('38762cf7f55934b34d179ae6a4c80cadccbb7f0a');

/** RFC 9369 §3.3.1: "initial_salt = 0x0dede3def700a6db819381be6e269dcbf9bd2ed9". */
export const INITIAL_SALT_V2: Uint8Array = fromHex('0dede3def700a6db819381be6e269dcbf9bd2ed9');

/** The Initial salt of a QUIC version (a fresh copy, so callers cannot corrupt the constant). */
export function initialSalt(version: QuicVersion): Uint8Array {
  switch (version) {
    case QUIC_V1:
      return INITIAL_SALT_V1.slice();
    case QUIC_V2:
      return INITIAL_SALT_V2.slice();
    default: {
      const unknown: never = version;
      throw new RangeError(`no Initial salt for version 0x${(unknown as number).toString(16)}`);
    }
  }
}

/** The two Initial traffic secrets. */
export interface InitialSecrets {
  /** client_initial_secret: protects packets the client sends. */
  readonly client: Uint8Array;
  /** server_initial_secret: protects packets the server sends. */
  readonly server: Uint8Array;
}

/**
 * RFC 9001 §5.2:
 * ```
 * initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id)
 * client_initial_secret = HKDF-Expand-Label(initial_secret, "client in", "", Hash.length)
 * server_initial_secret = HKDF-Expand-Label(initial_secret, "server in", "", Hash.length)
 * ```
 * "The hash function for HKDF when deriving initial secrets and keys is SHA-256".
 * @param dcid the Destination Connection ID of the client's first Initial (or the one a Retry chose).
 */
export function deriveInitialSecrets(provider: CryptoProvider, version: QuicVersion, dcid: Uint8Array): InitialSecrets {
  const hash = INITIAL_SUITE.hash;
  const initialSecret = provider.hkdfExtract(hash, initialSalt(version), dcid);
  const empty = new Uint8Array(0);
  return {
    client: hkdfExpandLabel(provider, hash, initialSecret, 'client in', empty, INITIAL_SUITE.hashLength),
    server: hkdfExpandLabel(provider, hash, initialSecret, 'server in', empty, INITIAL_SUITE.hashLength),
  };
}

/** Keyed Initial packet protection for both directions. */
export interface InitialKeys {
  /** Protects packets the client sends (the server opens with it). */
  readonly client: PacketProtectionKeys;
  /** Protects packets the server sends (the client opens with it). */
  readonly server: PacketProtectionKeys;
}

/**
 * The Initial packet protection keys (RFC 9001 §5.2; "Initial packets use AEAD_AES_128_GCM with
 * keys derived from the Destination Connection ID field of the first Initial packet sent by the
 * client", RFC 9001 §5).
 */
export function deriveInitialKeys(provider: CryptoProvider, version: QuicVersion, dcid: Uint8Array): InitialKeys {
  const secrets = deriveInitialSecrets(provider, version, dcid);
  return {
    client: derivePacketKeys(provider, INITIAL_SUITE, secrets.client, version),
    server: derivePacketKeys(provider, INITIAL_SUITE, secrets.server, version),
  };
}
