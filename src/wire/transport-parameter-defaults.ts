/**
 * Default values of the transport parameters (RFC 9000 §18.2; RFC 9221 §3) and the effective
 * values of a set of parameters once the defaults are applied.
 */
import type { TransportParameters } from './transport-parameters.js';

/** The value assumed for each parameter that has one when it is absent (RFC 9000 §18.2). */
export const TRANSPORT_PARAMETER_DEFAULTS = {
  maxIdleTimeout: 0,
  /** RFC 9000 §18.2: "The default for this parameter is the maximum permitted UDP payload of 65527." */
  maxUdpPayloadSize: 65527,
  initialMaxData: 0,
  initialMaxStreamDataBidiLocal: 0,
  initialMaxStreamDataBidiRemote: 0,
  initialMaxStreamDataUni: 0,
  initialMaxStreamsBidi: 0,
  initialMaxStreamsUni: 0,
  /** RFC 9000 §18.2: "If this value is absent, a default value of 3 is assumed". */
  ackDelayExponent: 3,
  /** RFC 9000 §18.2: "If this value is absent, a default of 25 milliseconds is assumed." */
  maxAckDelay: 25,
  disableActiveMigration: false,
  /** RFC 9000 §18.2: "If this transport parameter is absent, a default of 2 is assumed." */
  activeConnectionIdLimit: 2,
  /** RFC 9221 §3: "The default for this parameter is 0". */
  maxDatagramFrameSize: 0,
  greaseQuicBit: false,
} as const;

/** Transport parameters with every defaulted field filled in. */
export type ResolvedTransportParameters = TransportParameters & {
  [K in keyof typeof TRANSPORT_PARAMETER_DEFAULTS]-?: NonNullable<TransportParameters[K]>;
};

/**
 * The effective values of `params`: each absent parameter that has a default takes it (RFC 9000
 * §18.2: "Transport parameters have a default value of 0 if the transport parameter is absent,
 * unless otherwise stated"). Fields without a default (connection IDs, tokens, ...) are copied
 * as they are.
 */
export function resolveTransportParameters(params: TransportParameters): ResolvedTransportParameters {
  const d = TRANSPORT_PARAMETER_DEFAULTS;
  return {
    ...params,
    maxIdleTimeout: params.maxIdleTimeout ?? d.maxIdleTimeout,
    maxUdpPayloadSize: params.maxUdpPayloadSize ?? d.maxUdpPayloadSize,
    initialMaxData: params.initialMaxData ?? d.initialMaxData,
    initialMaxStreamDataBidiLocal: params.initialMaxStreamDataBidiLocal ?? d.initialMaxStreamDataBidiLocal,
    initialMaxStreamDataBidiRemote: params.initialMaxStreamDataBidiRemote ?? d.initialMaxStreamDataBidiRemote,
    initialMaxStreamDataUni: params.initialMaxStreamDataUni ?? d.initialMaxStreamDataUni,
    initialMaxStreamsBidi: params.initialMaxStreamsBidi ?? d.initialMaxStreamsBidi,
    initialMaxStreamsUni: params.initialMaxStreamsUni ?? d.initialMaxStreamsUni,
    ackDelayExponent: params.ackDelayExponent ?? d.ackDelayExponent,
    maxAckDelay: params.maxAckDelay ?? d.maxAckDelay,
    disableActiveMigration: params.disableActiveMigration ?? d.disableActiveMigration,
    activeConnectionIdLimit: params.activeConnectionIdLimit ?? d.activeConnectionIdLimit,
    maxDatagramFrameSize: params.maxDatagramFrameSize ?? d.maxDatagramFrameSize,
    greaseQuicBit: params.greaseQuicBit ?? d.greaseQuicBit,
  };
}

