import { describe, expect, it } from 'vitest';
import { CryptoRecvBuffer, CryptoSendBuffer, MAX_CRYPTO_BUFFER, MAX_CRYPTO_FRAGMENTS } from '../../../src/connection/crypto-buffers.js';
import { Writer, bytesEqual, fromHex } from '../../../src/util/bytes.js';
import { TransportError, TransportErrorCode } from '../../../src/wire/errors.js';
import { decodeFrames } from '../../../src/wire/frames.js';

describe('RFC 9000 §19.6: CRYPTO reassembly', () => {
  it('RFC 9000 §19.6: out-of-order and overlapping CRYPTO frames come out in order, once', () => {
    const b = new CryptoRecvBuffer();
    expect(b.onFrame(3, fromHex('040506'))).toEqual(new Uint8Array(0));
    expect(b.onFrame(0, fromHex('010203'))).toEqual(fromHex('010203040506'));
    expect(b.onFrame(2, fromHex('0304'))).toEqual(new Uint8Array(0));
    expect(b.onFrame(5, fromHex('060708'))).toEqual(fromHex('0708'));
    expect(b.bufferedBytes).toBe(0);
  });

  it('RFC 9000 §7.5: data beyond the buffer limit is CRYPTO_BUFFER_EXCEEDED', () => {
    const b = new CryptoRecvBuffer();
    b.onFrame(MAX_CRYPTO_BUFFER - 10, new Uint8Array(10));
    try {
      b.onFrame(MAX_CRYPTO_BUFFER, new Uint8Array(1));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TransportError);
      expect((e as TransportError).code).toBe(TransportErrorCode.CRYPTO_BUFFER_EXCEEDED);
    }
  });

  it('RFC 9000 §7.5: too many out-of-order fragments is CRYPTO_BUFFER_EXCEEDED', () => {
    const b = new CryptoRecvBuffer();
    for (let i = 0; i < MAX_CRYPTO_FRAGMENTS; i++) b.onFrame(2 + 2 * i, new Uint8Array(1));
    expect(() => b.onFrame(1000, new Uint8Array(1))).toThrow(TransportError);
  });

  it('RFC 9000 §13.3: lost CRYPTO ranges are resent, acknowledged ones are not', () => {
    const s = new CryptoSendBuffer();
    s.push(new Uint8Array(100).map((_, i) => i));
    const buf = new Uint8Array(200);
    const w1 = new Writer(buf);
    expect(s.writeFrame(w1, 40)).toEqual({ offset: 0, length: 37 });
    const r2 = s.writeFrame(new Writer(buf), 200)!;
    expect(r2).toEqual({ offset: 37, length: 63 });
    expect(s.hasData).toBe(false);
    s.onAcked(0, 20);
    s.onLost(0, 37);
    expect(s.hasData).toBe(true);
    const w3 = new Writer(buf);
    expect(s.writeFrame(w3, 200)).toEqual({ offset: 20, length: 17 });
    const [frame] = decodeFrames(w3.written());
    expect(frame).toMatchObject({ type: 'crypto', offset: 20 });
    expect(bytesEqual((frame as { data: Uint8Array }).data, new Uint8Array(17).map((_, i) => 20 + i))).toBe(true);
    expect(s.hasData).toBe(false);
    // RFC 9002 §6.2.4: a probe resends what is unacknowledged.
    s.requeueUnacked();
    expect(s.writeFrame(new Writer(buf), 200)).toEqual({ offset: 20, length: 80 });
  });
});
