import { describe, expect, it } from 'vitest';
import { QuicError, QuicErrorCode } from '../../../src/api/errors.js';
import { WtRecvStream, mapWtStreamError } from '../../../src/api/webtransport-stream.js';
import { webTransportCodeToHttp } from '../../../src/webtransport/constants.js';
import { H3ErrorCode } from '../../../src/h3/errors.js';

function source(chunks: (Uint8Array | null | Error)[]): { next(): Promise<Uint8Array | null>; stopSending(code: number): void; stopped: number[] } {
  const stopped: number[] = [];
  return {
    stopped,
    next: () => {
      const c = chunks.shift();
      if (c === undefined) return new Promise(() => undefined); // never: a read that waits
      return c instanceof Error ? Promise.reject(c) : Promise.resolve(c);
    },
    stopSending: (code) => stopped.push(code),
  };
}

describe('draft-ietf-webtrans-http3-16 §4.2-§4.4: WebTransport stream wrappers', () => {
  it('draft-16 §4.3: bytes read past the stream header come first; chunks split at max', async () => {
    const r = new WtRecvStream(4, source([Uint8Array.of(4, 5, 6), null]), Uint8Array.of(1, 2, 3));
    expect(await r.readChunk(2)).toEqual(Uint8Array.of(1, 2));
    expect(await r.readAll()).toEqual(Uint8Array.of(3, 4, 5, 6));
    expect(r.bytesRead).toBe(6);
    expect(await r.readChunk()).toBeNull();
    expect(r.isDone).toBe(true);
  });

  it('draft-16 §4.4: a peer reset with a remapped code surfaces as the application code', async () => {
    const wire = new QuicError(QuicErrorCode.STREAM_RESET, 'reset', { initiator: 'peer', wireCode: webTransportCodeToHttp(77) });
    const r = new WtRecvStream(0, source([wire]));
    await expect(r.readChunk()).rejects.toMatchObject({ code: 'ERR_QUIC_STREAM_RESET', wireCode: 77, initiator: 'peer' });
    const gone = new QuicError(QuicErrorCode.STREAM_RESET, 'gone', { initiator: 'peer', wireCode: H3ErrorCode.WT_SESSION_GONE });
    expect(mapWtStreamError(gone, 0)).toBe(gone);
  });

  it('draft-16 §4.4: stopSending(code) sends the remapped code; §6: stopping with WT_SESSION_GONE fails a pending read at once', async () => {
    const src = source([]);
    const r = new WtRecvStream(0, src);
    const pending = r.readChunk();
    const closeError = new QuicError(QuicErrorCode.CONNECTION_CLOSED, 'session closed', { wireCode: 7 });
    r.stopWire(H3ErrorCode.WT_SESSION_GONE, H3ErrorCode.WT_SESSION_GONE, closeError);
    await expect(pending).rejects.toBe(closeError);
    expect(src.stopped).toEqual([H3ErrorCode.WT_SESSION_GONE]);
    const s2 = source([]);
    const r2 = new WtRecvStream(0, s2);
    r2.stopSending(5);
    expect(s2.stopped).toEqual([webTransportCodeToHttp(5)]);
    await expect(r2.readChunk()).rejects.toMatchObject({ code: 'ERR_QUIC_STREAM_STOPPED', wireCode: 5 });
    expect(() => r2.stopSending(2 ** 32)).toThrow(QuicError);
  });
});
