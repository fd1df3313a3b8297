import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { TRANSPORT_PARAMETER_DEFAULTS, resolveTransportParameters } from '../../../src/wire/transport-parameter-defaults.js';
import { transportParametersArb } from '../../helpers/transport-parameters-arbitrary.js';

describe('RFC 9000 §18.2: transport parameter defaults', () => {
  it('RFC 9000 §18.2: the stated defaults are 65527, 3, 25 and 2; everything else defaults to 0 or off', () => {
    expect(TRANSPORT_PARAMETER_DEFAULTS).toEqual({
      maxIdleTimeout: 0,
      maxUdpPayloadSize: 65527,
      initialMaxData: 0,
      initialMaxStreamDataBidiLocal: 0,
      initialMaxStreamDataBidiRemote: 0,
      initialMaxStreamDataUni: 0,
      initialMaxStreamsBidi: 0,
      initialMaxStreamsUni: 0,
      ackDelayExponent: 3,
      maxAckDelay: 25,
      disableActiveMigration: false,
      activeConnectionIdLimit: 2,
      maxDatagramFrameSize: 0, // RFC 9221 §3
      greaseQuicBit: false,
    });
  });

  it('RFC 9000 §18.2: absent parameters resolve to their defaults', () => {
    expect(resolveTransportParameters({})).toEqual(TRANSPORT_PARAMETER_DEFAULTS);
    // An explicit undefined is absent too.
    expect(resolveTransportParameters({ maxAckDelay: undefined }).maxAckDelay).toBe(25);
  });

  it('RFC 9000 §18.2: parameters that were sent keep their values, zero included', () => {
    fc.assert(
      fc.property(transportParametersArb, (p) => {
        const r = resolveTransportParameters(p);
        for (const key of Object.keys(p) as (keyof typeof p)[]) expect(r[key]).toBe(p[key]);
        for (const key of Object.keys(TRANSPORT_PARAMETER_DEFAULTS) as (keyof typeof TRANSPORT_PARAMETER_DEFAULTS)[]) {
          expect(r[key]).toBe(p[key] ?? TRANSPORT_PARAMETER_DEFAULTS[key]);
        }
      }),
    );
    const r = resolveTransportParameters({ ackDelayExponent: 0, maxAckDelay: 0, maxUdpPayloadSize: 1200 });
    expect([r.ackDelayExponent, r.maxAckDelay, r.maxUdpPayloadSize]).toEqual([0, 0, 1200]);
  });
});
