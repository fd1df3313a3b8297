/**
 * Checks on a peer's transport parameters that depend on who sent them, kept apart from the
 * codec (transport-parameters.ts), which checks only what every sender must obey.
 *
 * Implements:
 * - RFC 9000 §18.2: server-only parameters (original_destination_connection_id,
 *   preferred_address, retry_source_connection_id, stateless_reset_token).
 * - RFC 9000 §18.2: no preferred address from a server using a zero-length connection ID.
 * - RFC 9000 §7.3: initial_source_connection_id from both, original_destination_connection_id
 *   from the server, must be present.
 * - RFC 9368 §4: a client's Chosen Version must be among its Available Versions.
 *
 * Checks that need connection state (that the connection IDs match the packets, that
 * retry_source_connection_id is present exactly when a Retry was received, RFC 9000 §7.3) belong
 * to the connection.
 */
import { CodecError } from '../util/errors.js';
import { Reader } from '../util/bytes.js';
import { TransportError, TransportErrorCode } from './errors.js';
import { decodeTransportParameters, type TransportParameters } from './transport-parameters.js';

/** Which endpoint sent a set of transport parameters. */
export type TransportParameterSender = 'client' | 'server';

function fail(reason: string): never {
  throw new TransportError(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, undefined, reason);
}

/**
 * Checks the rules that depend on the sender (see the module header). Use it on the peer's
 * parameters after `decodeTransportParameters`.
 * @throws TransportError(TRANSPORT_PARAMETER_ERROR) on the first rule broken.
 */
export function validateTransportParameters(params: TransportParameters, sender: TransportParameterSender): void {
  if (sender === 'client') {
    // RFC 9000 §18.2: "A client MUST NOT include any server-only transport parameter:
    // original_destination_connection_id, preferred_address, retry_source_connection_id, or
    // stateless_reset_token. A server MUST treat receipt of any of these transport parameters
    // as a connection error of type TRANSPORT_PARAMETER_ERROR."
    if (params.originalDestinationConnectionId !== undefined) fail('client sent original_destination_connection_id');
    if (params.preferredAddress !== undefined) fail('client sent preferred_address');
    if (params.retrySourceConnectionId !== undefined) fail('client sent retry_source_connection_id');
    if (params.statelessResetToken !== undefined) fail('client sent stateless_reset_token');
    // RFC 9368 §4: "If a server receives Version Information where the Chosen Version is not
    // included in Available Versions, it MUST treat it as a parsing failure." (In QUIC version 1
    // a parsing failure is a TRANSPORT_PARAMETER_ERROR, ibid.)
    const vi = params.versionInformation;
    if (vi !== undefined && !vi.availableVersions.includes(vi.chosenVersion)) {
      fail('client version_information does not list its Chosen Version among its Available Versions');
    }
  } else {
    // RFC 9000 §7.3: "An endpoint MUST treat ... the absence of the
    // original_destination_connection_id transport parameter from the server as a connection
    // error of type TRANSPORT_PARAMETER_ERROR."
    if (params.originalDestinationConnectionId === undefined) fail('server omitted original_destination_connection_id');
    // RFC 9000 §18.2: "A server that chooses a zero-length connection ID MUST NOT provide a
    // preferred address. ... A client MUST treat a violation of these requirements as a
    // connection error of type TRANSPORT_PARAMETER_ERROR."
    if (params.preferredAddress !== undefined && params.initialSourceConnectionId?.length === 0) {
      fail('server with a zero-length connection ID sent preferred_address');
    }
  }
  // RFC 9000 §7.3: "An endpoint MUST treat the absence of the initial_source_connection_id
  // transport parameter from either endpoint ... as a connection error of type
  // TRANSPORT_PARAMETER_ERROR."
  if (params.initialSourceConnectionId === undefined) fail(`${sender} omitted initial_source_connection_id`);
}

/**
 * Decodes and validates the peer's quic_transport_parameters extension body in one step: every
 * failure, malformed bytes included, becomes TransportError(TRANSPORT_PARAMETER_ERROR), as
 * RFC 9000 §7.4 and §20.1 require ("An endpoint received transport parameters that were badly
 * formatted, included an invalid value, omitted a mandatory transport parameter, included a
 * forbidden transport parameter, or were otherwise in error").
 * @param body the extension_data (RFC 9001 §8.2); byte fields of the result are copies.
 * @param sender who sent it (the peer).
 * @throws TransportError(TRANSPORT_PARAMETER_ERROR), with the CodecError as `cause` if decoding failed.
 */
export function parsePeerTransportParameters(body: Uint8Array, sender: TransportParameterSender): TransportParameters {
  let params: TransportParameters;
  try {
    params = decodeTransportParameters(new Reader(body));
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
    throw new TransportError(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, undefined, e.message, { cause: e });
  }
  validateTransportParameters(params, sender);
  return params;
}
