/**
 * fast-check arbitraries for transport parameters (RFC 9000 §18.2; RFC 9221 §3; RFC 9287 §3;
 * RFC 9368 §3), shared by the wire tests. Every generated value is valid and encodable; integers
 * stay at or below 2^53 - 1 so that a decode gives back exactly what was encoded.
 */
import fc from 'fast-check';
import type { PreferredAddress } from '../../src/wire/preferred-address.js';
import type { VersionInformation } from '../../src/wire/version-information.js';
import { TransportParameterId, type TransportParameters, type UnknownTransportParameter } from '../../src/wire/transport-parameters.js';

/** A varint value, biased towards each encoded length (RFC 9000 §16). */
export function varintIn(min: number, max: number): fc.Arbitrary<number> {
  const bands = [0x3f, 0x3fff, 0x3fff_ffff, Number.MAX_SAFE_INTEGER]
    .filter((top) => top >= min)
    .map((top) => fc.integer({ min, max: Math.min(top, max) }));
  return fc.oneof(...bands);
}

const bytes = (minLength: number, maxLength: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength, maxLength });

/** A connection ID as transport parameters carry it: 0..20 bytes (RFC 9000 §7.3, §17.2). */
export const connectionIdArb = bytes(0, 20);

/** A valid preferred_address value (RFC 9000 §18.2, Figure 22). */
export const preferredAddressArb: fc.Arbitrary<PreferredAddress> = fc.record({
  ipv4Address: bytes(4, 4),
  ipv4Port: fc.integer({ min: 0, max: 0xffff }),
  ipv6Address: bytes(16, 16),
  ipv6Port: fc.integer({ min: 0, max: 0xffff }),
  connectionId: bytes(1, 20),
  statelessResetToken: bytes(16, 16),
});

const versionArb = fc.integer({ min: 1, max: 0xffff_ffff });

/** A valid version_information value (RFC 9368 §3). */
export const versionInformationArb: fc.Arbitrary<VersionInformation> = fc.record({
  chosenVersion: versionArb,
  availableVersions: fc.array(versionArb, { maxLength: 6 }),
});

const KNOWN_IDS = new Set<number>(Object.values(TransportParameterId));

/** Unknown parameters with distinct IDs that this stack does not implement, greasing ones included. */
export const unknownParametersArb: fc.Arbitrary<UnknownTransportParameter[]> = fc.uniqueArray(
  fc.record({
    id: fc.oneof(
      fc.integer({ min: 0, max: 0x3fff_ffff }).map((n) => 31 * n + 27), // RFC 9000 §18.1
      fc.integer({ min: 0x12, max: 0x3fff }),
      varintIn(0, Number.MAX_SAFE_INTEGER - 1), // 2^53 - 1 and above are ignored on decode
    ),
    value: bytes(0, 24),
  }).filter((u) => !KNOWN_IDS.has(u.id)),
  { minLength: 1, maxLength: 4, selector: (u) => u.id },
);

/** Any valid set of transport parameters; each parameter may be absent. */
export const transportParametersArb: fc.Arbitrary<TransportParameters> = fc.record(
  {
    originalDestinationConnectionId: connectionIdArb,
    maxIdleTimeout: varintIn(0, Number.MAX_SAFE_INTEGER),
    statelessResetToken: bytes(16, 16),
    maxUdpPayloadSize: varintIn(1200, Number.MAX_SAFE_INTEGER),
    initialMaxData: varintIn(0, Number.MAX_SAFE_INTEGER),
    initialMaxStreamDataBidiLocal: varintIn(0, Number.MAX_SAFE_INTEGER),
    initialMaxStreamDataBidiRemote: varintIn(0, Number.MAX_SAFE_INTEGER),
    initialMaxStreamDataUni: varintIn(0, Number.MAX_SAFE_INTEGER),
    initialMaxStreamsBidi: varintIn(0, Number.MAX_SAFE_INTEGER),
    initialMaxStreamsUni: varintIn(0, Number.MAX_SAFE_INTEGER),
    ackDelayExponent: fc.integer({ min: 0, max: 20 }),
    maxAckDelay: varintIn(0, 2 ** 14 - 1),
    disableActiveMigration: fc.constant(true),
    preferredAddress: preferredAddressArb,
    activeConnectionIdLimit: varintIn(2, Number.MAX_SAFE_INTEGER),
    initialSourceConnectionId: connectionIdArb,
    retrySourceConnectionId: connectionIdArb,
    versionInformation: versionInformationArb,
    maxDatagramFrameSize: varintIn(0, Number.MAX_SAFE_INTEGER),
    greaseQuicBit: fc.constant(true),
    unknown: unknownParametersArb,
  },
  { requiredKeys: [] },
);
