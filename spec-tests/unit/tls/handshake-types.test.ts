import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { concatBytes, toHex } from '../../../src/util/bytes.js';
import { TlsAlert } from '../../../src/tls/alerts.js';
import { HandshakeReassembler, HandshakeType, handshakeTypeName } from '../../../src/tls/handshake-types.js';

const message = fc
  .tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 300 }))
  .map(([type, body]) => concatBytes(new Uint8Array([type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body));

describe('RFC 8446 §4 / RFC 9001 §4.1.3: handshake message framing over CRYPTO bytes', () => {
  it('RFC 9001 §4.1.3: messages split at arbitrary points reassemble into the same messages, with type, body and raw bytes', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 5 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1 }), (msgs, cuts) => {
        const all = concatBytes(...msgs);
        const r = new HandshakeReassembler();
        const got: string[] = [];
        let at = 0;
        for (let i = 0; at < all.length; i++) {
          const n = cuts[i % cuts.length]!;
          for (const m of r.push(all.subarray(at, at + n))) {
            expect(m.type).toBe(m.raw[0]);
            expect(toHex(m.body)).toBe(toHex(m.raw.subarray(4)));
            got.push(toHex(m.raw));
          }
          at += n;
        }
        expect(got).toEqual(msgs.map(toHex));
        expect(r.bufferedBytes).toBe(0);
        expect(r.isAtMessageBoundary).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('RFC 9001 §4.1.3: a truncated message is held, not returned, until its last byte arrives', () => {
    const r = new HandshakeReassembler();
    expect(r.push(new Uint8Array([20, 0, 0, 3, 1, 2]))).toEqual([]);
    expect(r.bufferedBytes).toBe(6);
    expect(r.isAtMessageBoundary).toBe(false);
    const [m] = r.push(new Uint8Array([3]));
    expect(toHex(m!.raw)).toBe('14000003010203');
  });

  it('RFC 8446 §4: returned messages do not alias the pushed bytes', () => {
    const input = new Uint8Array([20, 0, 0, 1, 9]);
    const [m] = new HandshakeReassembler().push(input);
    input[4] = 0;
    expect(m!.body[0]).toBe(9);
  });

  it('DESIGN §5: a header announcing more than the maximum message size is TlsAlert(decode_error) at once', () => {
    const r = new HandshakeReassembler(1000);
    expect(r.push(new Uint8Array([11, 0, 0x03, 0xe8]))).toEqual([]);
    let err: unknown;
    try {
      new HandshakeReassembler(1000).push(new Uint8Array([11, 0, 0x03, 0xe9]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TlsAlert);
    expect((err as TlsAlert).alertName).toBe('decode_error');
    expect(() => new HandshakeReassembler().push(new Uint8Array([1, 0x01, 0x00, 0x01]))).toThrow(TlsAlert);
  });

  it('RFC 8446 §4: HandshakeType values and names', () => {
    expect(HandshakeType.client_hello).toBe(1);
    expect(HandshakeType.key_update).toBe(24);
    expect(handshakeTypeName(15)).toBe('certificate_verify');
    expect(handshakeTypeName(3)).toBeUndefined();
  });
});
