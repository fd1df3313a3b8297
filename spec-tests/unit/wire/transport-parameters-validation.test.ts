import { describe, it, expect } from 'vitest';
import { Writer, fromHex } from '../../../src/util/bytes.js';
import { CodecError } from '../../../src/util/errors.js';
import { TransportError, TransportErrorCode } from '../../../src/wire/errors.js';
import {
  encodeTransportParameters,
  sizeOfTransportParameters,
  type TransportParameters,
} from '../../../src/wire/transport-parameters.js';
import {
  parsePeerTransportParameters,
  validateTransportParameters,
  type TransportParameterSender,
} from '../../../src/wire/transport-parameters-validation.js';

const preferredAddress = {
  ipv4Address: fromHex('c0000201'),
  ipv4Port: 443,
  ipv6Address: new Uint8Array(16),
  ipv6Port: 0,
  connectionId: fromHex('1122334455667788'),
  statelessResetToken: new Uint8Array(16).fill(7),
};

const client: TransportParameters = {
  initialSourceConnectionId: fromHex('c1c1c1c1'),
  initialMaxData: 1 << 20,
  versionInformation: { chosenVersion: 1, availableVersions: [1, 0x6b3343cf] },
};

const server: TransportParameters = {
  originalDestinationConnectionId: fromHex('0001020304050607'),
  initialSourceConnectionId: fromHex('5353535353535353'),
  retrySourceConnectionId: fromHex('52525252'),
  statelessResetToken: new Uint8Array(16).fill(1),
  preferredAddress,
  versionInformation: { chosenVersion: 1, availableVersions: [0x6b3343cf] },
};

function expectParameterError(p: TransportParameters, sender: TransportParameterSender, pattern: RegExp): void {
  let error: unknown;
  try {
    validateTransportParameters(p, sender);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(TransportError);
  const te = error as TransportError;
  expect(te.code).toBe(TransportErrorCode.TRANSPORT_PARAMETER_ERROR);
  expect(te.frameType).toBeUndefined();
  expect(te.reason).toMatch(pattern);
}

function encode(p: TransportParameters): Uint8Array {
  const w = Writer.alloc(sizeOfTransportParameters(p));
  encodeTransportParameters(w, p);
  return w.written();
}

describe('RFC 9000 §18.2: who may send which transport parameter', () => {
  it('RFC 9000 §18.2: well-formed client and server parameters pass', () => {
    expect(() => validateTransportParameters(client, 'client')).not.toThrow();
    expect(() => validateTransportParameters(server, 'server')).not.toThrow();
  });

  const serverOnly: [keyof TransportParameters, string][] = [
    ['originalDestinationConnectionId', 'original_destination_connection_id'],
    ['preferredAddress', 'preferred_address'],
    ['retrySourceConnectionId', 'retry_source_connection_id'],
    ['statelessResetToken', 'stateless_reset_token'],
  ];
  for (const [key, name] of serverOnly) {
    it(`RFC 9000 §18.2: ${name} from a client is a TRANSPORT_PARAMETER_ERROR`, () => {
      expectParameterError({ ...client, [key]: server[key] }, 'client', new RegExp(name));
    });
  }

  it('RFC 9000 §18.2: a server with a zero-length connection ID must not send preferred_address', () => {
    expectParameterError({ ...server, initialSourceConnectionId: new Uint8Array(0) }, 'server', /preferred_address/);
    const { preferredAddress: _, ...noPreferred } = server;
    expect(() => validateTransportParameters({ ...noPreferred, initialSourceConnectionId: new Uint8Array(0) }, 'server')).not.toThrow();
  });
});

describe('RFC 9000 §7.3: mandatory connection ID parameters', () => {
  it('RFC 9000 §7.3: initial_source_connection_id is required from either endpoint', () => {
    const { initialSourceConnectionId: _c, ...clientWithout } = client;
    const { initialSourceConnectionId: _s, ...serverWithout } = server;
    expectParameterError(clientWithout, 'client', /initial_source_connection_id/);
    expectParameterError(serverWithout, 'server', /initial_source_connection_id/);
  });

  it('RFC 9000 §7.3: original_destination_connection_id is required from the server', () => {
    const { originalDestinationConnectionId: _, ...serverWithout } = server;
    expectParameterError(serverWithout, 'server', /original_destination_connection_id/);
  });
});

describe('RFC 9368 §4: Version Information from a client', () => {
  it('RFC 9368 §4: a client Chosen Version missing from its Available Versions is a TRANSPORT_PARAMETER_ERROR', () => {
    expectParameterError({ ...client, versionInformation: { chosenVersion: 1, availableVersions: [0x6b3343cf] } }, 'client', /Chosen Version/);
  });

  it('RFC 9368 §3: a server may leave its Chosen Version out of Available Versions, or send none', () => {
    expect(() => validateTransportParameters({ ...server, versionInformation: { chosenVersion: 1, availableVersions: [] } }, 'server')).not.toThrow();
  });
});

describe('RFC 9000 §7.4: parsing a peer extension', () => {
  it('RFC 9000 §7.4: valid bytes decode and validate', () => {
    expect(parsePeerTransportParameters(encode(server), 'server')).toEqual(server);
  });

  it('RFC 9000 §20.1: malformed bytes become TRANSPORT_PARAMETER_ERROR with the CodecError as cause', () => {
    let error: unknown;
    try {
      parsePeerTransportParameters(fromHex('0f 01 aa 0f 01 aa'), 'client');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe(TransportErrorCode.TRANSPORT_PARAMETER_ERROR);
    expect((error as TransportError).cause).toBeInstanceOf(CodecError);
    expect((error as TransportError).reason).toMatch(/duplicate/);
  });

  it('RFC 9000 §18.2: a well-formed but forbidden parameter also becomes TRANSPORT_PARAMETER_ERROR', () => {
    expect(() => parsePeerTransportParameters(encode({ ...client, statelessResetToken: new Uint8Array(16) }), 'client')).toThrow(TransportError);
  });
});
