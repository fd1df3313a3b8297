import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Reader, fromHex, toHex } from '../../../src/util/bytes.js';
import { CodecError } from '../../../src/util/errors.js';
import { H3Error, H3ErrorCode } from '../../../src/h3/errors.js';
import {
  H3SettingId,
  decodeFrame,
  decodeSettings,
  frameToBytes,
  interpretSettings,
  isReservedCodepoint,
  peekFrameHeader,
  sizeOfFrame,
  type H3Frame,
} from '../../../src/h3/frames.js';

const bytes = fc.uint8Array({ maxLength: 40 });
const v = fc.nat({ max: 2 ** 50 });
const settingId = v.filter((id) => ![0x02, 0x03, 0x04, 0x05].includes(id));
const frame: fc.Arbitrary<H3Frame> = fc.oneof(
  fc.record({ type: fc.constant('data' as const), payload: bytes }),
  fc.record({ type: fc.constant('headers' as const), fieldSection: bytes }),
  fc.record({ type: fc.constant('cancel_push' as const), pushId: v }),
  fc.record({
    type: fc.constant('settings' as const),
    settings: fc.uniqueArray(fc.record({ id: settingId, value: v }), { selector: (s) => s.id, maxLength: 6 }),
  }),
  fc.record({ type: fc.constant('push_promise' as const), pushId: v, fieldSection: bytes }),
  fc.record({ type: fc.constant('goaway' as const), id: v }),
  fc.record({ type: fc.constant('max_push_id' as const), pushId: v }),
  fc.record({
    type: fc.constant('unknown' as const),
    frameType: fc.oneof(fc.nat({ max: 1000 }).map((n) => 0x21 + 0x1f * n), fc.integer({ min: 0x0e, max: 0x20 })),
    payload: bytes,
  }),
);
function h3Code(f: () => unknown): number | undefined {
  try {
    f();
  } catch (err) {
    if (err instanceof H3Error) return err.code;
    throw err;
  }
  return undefined;
}

describe('RFC 9114 §7 HTTP/3 frames', () => {
  it('RFC 9114 §7.1-§7.2: frames round-trip; sizeOf matches; every truncation is a CodecError', () => {
    fc.assert(
      fc.property(frame, (f) => {
        const b = frameToBytes(f);
        expect(b.length).toBe(sizeOfFrame(f));
        const r = new Reader(b);
        expect(decodeFrame(r)).toEqual(f);
        expect(r.isEmpty).toBe(true);
        const h = peekFrameHeader(b)!;
        expect(h.headerLength + h.length).toBe(b.length);
        for (let n = 0; n < b.length; n++) {
          expect(() => decodeFrame(new Reader(b.subarray(0, n)))).toThrow(CodecError);
          if (n < h.headerLength) expect(peekFrameHeader(b.subarray(0, n))).toBeUndefined();
        }
      }),
    );
  });

  it('RFC 9114 §7.2.4: a SETTINGS frame encodes byte for byte', () => {
    const f: H3Frame = { type: 'settings', settings: [{ id: 0x01, value: 4096 }, { id: 0x07, value: 16 }, { id: 0x33, value: 1 }] };
    expect(toHex(frameToBytes(f))).toBe('0407' + '015000' + '0710' + '33' + '01');
  });

  it('RFC 9114 §7.1: a fixed-size frame whose payload is too long or too short is H3_FRAME_ERROR', () => {
    expect(h3Code(() => decodeFrame(new Reader(fromHex('0302 0500'))))).toBe(H3ErrorCode.H3_FRAME_ERROR); // trailing byte
    expect(h3Code(() => decodeFrame(new Reader(fromHex('0701 40'))))).toBe(H3ErrorCode.H3_FRAME_ERROR); // varint cut
    expect(h3Code(() => decodeFrame(new Reader(fromHex('0d00'))))).toBe(H3ErrorCode.H3_FRAME_ERROR);
    expect(h3Code(() => decodeFrame(new Reader(fromHex('0509 ' + '00'.repeat(9)))))).toBeUndefined();
    expect(h3Code(() => decodeFrame(new Reader(fromHex('0501 40'))))).toBe(H3ErrorCode.H3_FRAME_ERROR); // PUSH_PROMISE id cut
    expect(h3Code(() => decodeFrame(new Reader(fromHex('0402 0140'))))).toBe(H3ErrorCode.H3_FRAME_ERROR); // SETTINGS value cut
  });

  it('RFC 9114 §7.2.8: HTTP/2 frame types are H3_FRAME_UNEXPECTED; reserved types are skipped', () => {
    for (const t of [0x02, 0x06, 0x08, 0x09]) expect(h3Code(() => decodeFrame(new Reader(Uint8Array.of(t, 0))))).toBe(H3ErrorCode.H3_FRAME_UNEXPECTED);
    expect(decodeFrame(new Reader(fromHex('2101ff')))).toEqual({ type: 'unknown', frameType: 0x21, payload: Uint8Array.of(0xff) });
    expect(isReservedCodepoint(0x21 + 0x1f * 7)).toBe(true);
    expect(isReservedCodepoint(0x22)).toBe(false);
  });

  it('RFC 9114 §7.2.4: duplicate setting identifiers are H3_SETTINGS_ERROR', () => {
    expect(h3Code(() => decodeSettings(fromHex('0105 0106')))).toBe(H3ErrorCode.H3_SETTINGS_ERROR);
  });

  it('RFC 9114 §7.2.4.1: HTTP/2 settings 0x02-0x05 are H3_SETTINGS_ERROR; reserved and unknown ones are kept for ignoring', () => {
    for (const id of [0x02, 0x03, 0x04, 0x05]) expect(h3Code(() => decodeSettings(Uint8Array.of(id, 0)))).toBe(H3ErrorCode.H3_SETTINGS_ERROR);
    expect(decodeSettings(fromHex('2105 4040 07'))).toEqual([{ id: 0x21, value: 5 }, { id: 0x40, value: 7 }]);
  });

  it('RFC 9114 §7.2.4.2, RFC 9220 §3, RFC 9297 §2.1.1: interpreted settings, defaults, and 0-or-1 flags', () => {
    const s = interpretSettings(decodeSettings(fromHex('015000 0710 06 4400 08 01 4033 01 21 00')));
    expect(s).toMatchObject({ qpackMaxTableCapacity: 4096, qpackBlockedStreams: 16, maxFieldSectionSize: 1024, enableConnectProtocol: true, h3Datagram: true, wtEnabled: false });
    expect(interpretSettings([])).toMatchObject({ qpackMaxTableCapacity: 0, qpackBlockedStreams: 0, maxFieldSectionSize: undefined, enableConnectProtocol: false, h3Datagram: false });
    expect(h3Code(() => interpretSettings([{ id: H3SettingId.H3_DATAGRAM, value: 2 }]))).toBe(H3ErrorCode.H3_SETTINGS_ERROR);
    expect(h3Code(() => interpretSettings([{ id: H3SettingId.ENABLE_CONNECT_PROTOCOL, value: 2 }]))).toBe(H3ErrorCode.H3_SETTINGS_ERROR);
  });

  it('RFC 9114 §10.5: buffered frames beyond their limit are H3_EXCESSIVE_LOAD before the payload arrives', () => {
    expect(h3Code(() => decodeFrame(new Reader(fromHex('04 4801')), { maxSettingsPayload: 1000 }))).toBe(H3ErrorCode.H3_EXCESSIVE_LOAD);
    expect(h3Code(() => decodeFrame(new Reader(fromHex('01 8001 0000')), { maxFieldSectionPayload: 65535 }))).toBe(H3ErrorCode.H3_EXCESSIVE_LOAD);
  });

  it('RFC 9114 §7.1: arbitrary input fails only with CodecError or H3Error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 30 }), (b) => {
        const r = new Reader(b);
        try {
          while (!r.isEmpty) decodeFrame(r);
        } catch (err) {
          expect(err instanceof CodecError || err instanceof H3Error).toBe(true);
        }
      }),
    );
  });
});
