/**
 * Fuzz target: the transport parameters decoder (RFC 9000 §18; RFC 9221 §3; RFC 9287 §3;
 * RFC 9368 §3).
 *
 * `run` decodes; whatever decodes must re-encode (to exactly `sizeOf` bytes) and decode again,
 * and role validation may only fail with TransportError. A failure of those checks is a bug and
 * is thrown as a plain Error, which the runner reports.
 */
import type { FuzzTarget } from '../target.js';
import { Reader, Writer, fromHex } from '../../src/util/bytes.js';
import { TransportError } from '../../src/wire/errors.js';
import {
  decodeTransportParameters,
  encodeTransportParameters,
  greaseTransportParameter,
  sizeOfTransportParameters,
  type TransportParameters,
} from '../../src/wire/transport-parameters.js';
import { validateTransportParameters } from '../../src/wire/transport-parameters-validation.js';

function encode(p: TransportParameters): Uint8Array {
  const w = Writer.alloc(sizeOfTransportParameters(p));
  encodeTransportParameters(w, p);
  return w.written();
}

/** Deterministic bytes 0, 1, 2, ... starting at `from`. */
function pattern(length: number, from: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (from + i) & 0xff);
}

const PREFERRED_ADDRESS = {
  ipv4Address: fromHex('c0000201'),
  ipv4Port: 443,
  ipv6Address: fromHex('20010db8000000000000000000000001'),
  ipv6Port: 4433,
  connectionId: pattern(8, 0x40),
  statelessResetToken: pattern(16, 0x80),
};

const SERVER: TransportParameters = {
  originalDestinationConnectionId: pattern(8, 0x10),
  maxIdleTimeout: 30_000,
  statelessResetToken: pattern(16, 0x20),
  maxUdpPayloadSize: 1472,
  initialMaxData: 1 << 24,
  initialMaxStreamDataBidiLocal: 1 << 20,
  initialMaxStreamDataBidiRemote: 1 << 20,
  initialMaxStreamDataUni: 1 << 20,
  initialMaxStreamsBidi: 100,
  initialMaxStreamsUni: 3,
  ackDelayExponent: 3,
  maxAckDelay: 25,
  disableActiveMigration: true,
  preferredAddress: PREFERRED_ADDRESS,
  activeConnectionIdLimit: 8,
  initialSourceConnectionId: pattern(8, 0x30),
  retrySourceConnectionId: pattern(20, 0x50),
  versionInformation: { chosenVersion: 0x00000001, availableVersions: [0x00000001, 0x6b3343cf] },
  maxDatagramFrameSize: 65535,
  greaseQuicBit: true,
  unknown: [greaseTransportParameter(3, pattern(5, 0x99))],
};

const CLIENT: TransportParameters = {
  maxIdleTimeout: 10_000,
  maxUdpPayloadSize: 65527,
  initialMaxData: Number.MAX_SAFE_INTEGER,
  initialMaxStreamDataBidiLocal: 0x3fff_ffff,
  initialMaxStreamDataBidiRemote: 0x4000_0000,
  initialMaxStreamDataUni: 64,
  initialMaxStreamsBidi: 2 ** 52,
  initialMaxStreamsUni: 0,
  ackDelayExponent: 20,
  maxAckDelay: 2 ** 14 - 1,
  activeConnectionIdLimit: 2,
  initialSourceConnectionId: new Uint8Array(0),
  versionInformation: { chosenVersion: 0x6b3343cf, availableVersions: [0x6b3343cf, 0x00000001, 0x1a2a3a4a] },
  maxDatagramFrameSize: 1200,
  unknown: [
    greaseTransportParameter(0, new Uint8Array(0)),
    { id: 0xff04de1b, value: fromHex('4019') }, // an extension this stack does not implement
    { id: Number.MAX_SAFE_INTEGER - 1, value: pattern(3, 0) },
  ],
};

export const target: FuzzTarget = {
  name: 'transport-parameters',

  run(input: Uint8Array): void {
    const params = decodeTransportParameters(new Reader(input));
    let again: Uint8Array;
    try {
      again = encode(params);
    } catch (e) {
      throw new Error(`decoded transport parameters failed to re-encode: ${String(e)}`);
    }
    if (again.length !== sizeOfTransportParameters(params)) throw new Error('sizeOf disagrees with the encoding');
    try {
      decodeTransportParameters(new Reader(again));
    } catch (e) {
      throw new Error(`re-encoded transport parameters failed to decode: ${String(e)}`);
    }
    for (const sender of ['client', 'server'] as const) {
      try {
        validateTransportParameters(params, sender);
      } catch (e) {
        if (!(e instanceof TransportError)) throw e;
      }
    }
  },

  seeds(): Uint8Array[] {
    const seeds: Uint8Array[] = [new Uint8Array(0), encode(SERVER), encode(CLIENT)];
    // Each parameter on its own (RFC 9000 §18.2 and extensions).
    for (const source of [SERVER, CLIENT]) {
      for (const key of Object.keys(source) as (keyof TransportParameters)[]) {
        if (key === 'unknown') continue;
        seeds.push(encode({ [key]: source[key] }));
      }
    }
    for (const u of [...(SERVER.unknown ?? []), ...(CLIENT.unknown ?? [])]) seeds.push(encode({ unknown: [u] }));
    // RFC 9001 Appendix A.2: the ClientHello's quic_transport_parameters, out of ID order and with
    // an initial_max_data of 2^62 - 1.
    seeds.push(fromHex('0408ffffffffffffffff05048000ffff07048000ffff080110010480007530090110' + '0f088394c8f03e51570806048000ffff'));
    // RFC 9000 §16: a non-minimal varint value is allowed.
    seeds.push(fromHex('0108c000000000000005'));
    // RFC 9000 §4.6: initial_max_streams_bidi of exactly 2^60.
    seeds.push(fromHex('0808d000000000000000'));
    return seeds;
  },
};
