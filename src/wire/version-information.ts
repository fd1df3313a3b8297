/**
 * The value of the version_information transport parameter (0x11), RFC 9368 §3:
 *
 * ```
 * Version Information {
 *   Chosen Version (32),
 *   Available Versions (32) ...,
 * }
 * ```
 *
 * This module checks what RFC 9368 §4 calls parsing failures that do not depend on who sent the
 * value: "if it is too short or if its length is not divisible by four", and "If an endpoint
 * receives a Chosen Version equal to zero, or any Available Version equal to zero, it MUST treat
 * it as a parsing failure". The client-only rule (the Chosen Version must be listed in Available
 * Versions) is in `validateTransportParameters`. In QUIC version 1 a parsing failure closes the
 * connection with TRANSPORT_PARAMETER_ERROR (RFC 9368 §4).
 */
import { CodecError } from '../util/errors.js';
import type { Reader, Writer } from '../util/bytes.js';

/** A decoded version_information value (RFC 9368 §3). */
export interface VersionInformation {
  /** The version the sender chose for this connection; never 0. */
  chosenVersion: number;
  /**
   * From a client: the versions its first flight is compatible with, most preferred first,
   * including `chosenVersion`. From a server: its Fully Deployed Versions, in no particular
   * order; may be empty. Never contains 0. Greasing versions 0x?a?a?a?a are allowed.
   */
  availableVersions: number[];
}

/** Encoded size: 4 bytes per version. */
export function sizeOfVersionInformation(vi: VersionInformation): number {
  return 4 * (1 + vi.availableVersions.length);
}

/**
 * Reads a version_information value that fills the whole of `r`.
 * @throws CodecError if the length is not a positive multiple of 4 or a version is 0.
 */
export function decodeVersionInformation(r: Reader): VersionInformation {
  const at = r.offset;
  // RFC 9368 §4: a parsing failure "if it is too short or if its length is not divisible by four".
  if (r.remaining < 4 || r.remaining % 4 !== 0) {
    throw new CodecError(`version_information of ${r.remaining} bytes is not a positive multiple of 4`, at);
  }
  // RFC 9368 §4: "If an endpoint receives a Chosen Version equal to zero, or any Available
  // Version equal to zero, it MUST treat it as a parsing failure."
  const chosenVersion = r.u32();
  if (chosenVersion === 0) throw new CodecError('version_information Chosen Version is 0', at);
  const availableVersions: number[] = [];
  while (!r.isEmpty) {
    const vat = r.offset;
    const version = r.u32();
    if (version === 0) throw new CodecError('version_information lists Available Version 0', vat);
    availableVersions.push(version);
  }
  return { chosenVersion, availableVersions };
}

/**
 * Writes a version_information value.
 * @throws CodecError if a version is not a non-zero 32-bit integer, or the writer is full.
 */
export function encodeVersionInformation(w: Writer, vi: VersionInformation): void {
  for (const version of [vi.chosenVersion, ...vi.availableVersions]) {
    if (!Number.isInteger(version) || version <= 0 || version > 0xffff_ffff) {
      throw new CodecError(`version_information cannot carry version ${version}`);
    }
  }
  w.u32(vi.chosenVersion);
  for (const version of vi.availableVersions) w.u32(version);
}
