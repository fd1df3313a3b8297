import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { capsuleToBytes } from '../../../src/h3/capsules.js';
import { H3Error, H3ErrorCode } from '../../../src/h3/errors.js';
import { ConnectStreamReader, closeSessionCapsule, drainSessionCapsule, truncateUtf8 } from '../../../src/webtransport/connect-stream.js';

describe('draft-ietf-webtrans-http3-16 §6: the CONNECT stream and session termination', () => {
  it('draft-16 §6: WT_CLOSE_SESSION (0x2843) carries the code and reason, in any split of the bytes', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), fc.string({ maxLength: 50 }), fc.integer({ min: 1, max: 8 }), (code, reason, step) => {
      const bytes = closeSessionCapsule(code, reason);
      const r = new ConnectStreamReader();
      const events = [];
      for (let i = 0; i < bytes.length; i += step) events.push(...r.onData(bytes.subarray(i, i + step)));
      expect(events).toEqual([{ type: 'closed', code, reason: truncateUtf8(reason) }]);
      expect(r.onFin()).toEqual([]);
    }));
  });

  it('draft-16 §6: "Cleanly terminating a CONNECT stream without a WT_CLOSE_SESSION capsule SHALL be semantically equivalent to ... an error code of 0 and an empty error string"', () => {
    const r = new ConnectStreamReader();
    expect(r.onData(drainSessionCapsule())).toEqual([{ type: 'drain' }]);
    expect(r.onFin()).toEqual([{ type: 'closed', code: 0, reason: '' }]);
    expect(r.peerClose).toEqual({ code: 0, reason: '' });
  });

  it('draft-16 §6: "If any additional stream data is received on the CONNECT stream after receiving a WT_CLOSE_SESSION capsule, the stream MUST be reset with code H3_MESSAGE_ERROR"', () => {
    const r = new ConnectStreamReader();
    r.onData(closeSessionCapsule(1, 'x'));
    expect(() => r.onData(Uint8Array.of(0))).toThrow(H3Error);
    const same = new ConnectStreamReader();
    const both = new Uint8Array([...closeSessionCapsule(1, 'x'), 0x00]);
    try {
      same.onData(both);
      expect.unreachable();
    } catch (e) {
      expect((e as H3Error).code).toBe(H3ErrorCode.H3_MESSAGE_ERROR);
    }
  });

  it('draft-16 §6: "If the Application Error Message exceeds 1024 bytes or is not valid UTF-8, the receiver MUST reset the stream with code H3_MESSAGE_ERROR"', () => {
    const long = capsuleToBytes({ type: 'unknown', capsuleType: 0x2843, payload: new Uint8Array(4 + 1025).fill(0x61) });
    expect(() => new ConnectStreamReader().onData(long)).toThrow(expect.objectContaining({ code: H3ErrorCode.H3_MESSAGE_ERROR }));
    const bad = capsuleToBytes({ type: 'unknown', capsuleType: 0x2843, payload: Uint8Array.of(0, 0, 0, 1, 0xff) });
    expect(() => new ConnectStreamReader().onData(bad)).toThrow(expect.objectContaining({ code: H3ErrorCode.H3_MESSAGE_ERROR }));
  });

  it('RFC 9297 §3.2: unknown capsules are skipped; RFC 9297 §3.3: a FIN inside a capsule is a malformed message', () => {
    const r = new ConnectStreamReader();
    expect(r.onData(capsuleToBytes({ type: 'unknown', capsuleType: 0x17, payload: Uint8Array.of(1, 2) }))).toEqual([{ type: 'capsule', capsuleType: 'unknown' }]);
    expect(r.onData(closeSessionCapsule(5, 'abc').subarray(0, 4))).toEqual([]);
    expect(() => r.onFin()).toThrow(expect.objectContaining({ code: H3ErrorCode.H3_MESSAGE_ERROR }));
  });

  it('DESIGN §5: an oversized capsule is refused before it is buffered', () => {
    const header = Uint8Array.of(0x17, 0x80, 0x10, 0x00, 0x01); // type 0x17, length 0x100001
    expect(() => new ConnectStreamReader().onData(header)).toThrow(expect.objectContaining({ code: H3ErrorCode.H3_EXCESSIVE_LOAD }));
  });

  it('draft-16 §6: "Senders that truncate an application-supplied message MUST do so at a UTF-8 character boundary" (≤ 1024 bytes)', () => {
    const s = 'é'.repeat(600); // 1200 bytes
    const t = truncateUtf8(s);
    expect(new TextEncoder().encode(t).length).toBe(1024);
    expect(t).toBe('é'.repeat(512));
    const odd = `a${'é'.repeat(600)}`;
    expect(new TextEncoder().encode(truncateUtf8(odd)).length).toBe(1023);
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 800 }), (x) => {
      const y = truncateUtf8(x);
      expect(new TextEncoder().encode(y).length).toBeLessThanOrEqual(1024);
      expect(x.startsWith(y)).toBe(true);
    }));
  });
});
