import { describe, expect, it } from 'vitest';
import { connectWebTransport, type WebTransportBidiLike, type WebTransportInit, type WebTransportLike } from '../../../src/web/connection.js';

/** A fake WebTransport: the test controls readiness, the session end, incoming streams and datagrams. */
class FakeTransport implements WebTransportLike {
  static last: FakeTransport | undefined;
  static refuse = false;
  readonly url: string;
  readonly init: WebTransportInit | undefined;
  readonly ready: Promise<unknown>;
  readonly closed: Promise<{ closeCode?: number; reason?: string }>;
  endCleanly!: (info: { closeCode?: number; reason?: string }) => void;
  endAbruptly!: (e: unknown) => void;
  closeCalls: unknown[] = [];
  sentDatagrams: Uint8Array[] = [];
  private uniCtl!: ReadableStreamDefaultController<ReadableStream<Uint8Array>>;
  private dgCtl!: ReadableStreamDefaultController<Uint8Array>;
  readonly incomingBidirectionalStreams = new ReadableStream<WebTransportBidiLike>();
  readonly incomingUnidirectionalStreams = new ReadableStream<ReadableStream<Uint8Array>>({ start: (c) => void (this.uniCtl = c) });
  readonly datagrams = {
    readable: new ReadableStream<Uint8Array>({ start: (c) => void (this.dgCtl = c) }),
    writable: new WritableStream<Uint8Array>({ write: (d) => void this.sentDatagrams.push(d) }),
    maxDatagramSize: 1200,
  };

  constructor(url: string, init?: WebTransportInit) {
    this.url = url;
    this.init = init;
    FakeTransport.last = this;
    this.ready = FakeTransport.refuse ? Promise.reject(new Error('Opening handshake failed.')) : Promise.resolve();
    this.closed = new Promise((ok, fail) => {
      this.endCleanly = ok;
      this.endAbruptly = fail;
    });
  }
  close(info?: { closeCode?: number; reason?: string }): void {
    this.closeCalls.push(info);
    this.endCleanly(info ?? {});
  }
  createBidirectionalStream(): Promise<WebTransportBidiLike> {
    return Promise.resolve({ readable: new ReadableStream(), writable: new WritableStream() });
  }
  createUnidirectionalStream(): Promise<WritableStream<Uint8Array>> {
    return Promise.resolve(new WritableStream());
  }
  peerUni(bytes: Uint8Array): void {
    this.uniCtl.enqueue(new ReadableStream({ start: (c) => (c.enqueue(bytes), c.close()) }));
  }
  peerDatagram(bytes: Uint8Array): void {
    this.dgCtl.enqueue(bytes);
  }
}

const opts = { WebTransport: FakeTransport, serverCertificateHashes: ['00'.repeat(32)] };

describe('DESIGN §7: the browser QuicConnection over a (fake) WebTransport', () => {
  it('DESIGN §7: without a WebTransport global, connectWebTransport fails with ERR_QUIC_UNSUPPORTED', async () => {
    await expect(connectWebTransport('https://127.0.0.1:1/')).rejects.toMatchObject({ code: 'ERR_QUIC_UNSUPPORTED' });
  });

  it('W3C WebTransport §6.6: hashes are passed as sha-256 WebTransportHashes; a refused session is ERR_QUIC_HANDSHAKE', async () => {
    FakeTransport.refuse = true;
    try {
      await expect(connectWebTransport('https://127.0.0.1:1/', opts)).rejects.toMatchObject({ code: 'ERR_QUIC_HANDSHAKE' });
    } finally {
      FakeTransport.refuse = false;
    }
    expect(FakeTransport.last!.init!.serverCertificateHashes).toEqual([{ algorithm: 'sha-256', value: new Uint8Array(32) }]);
  });

  it('draft-ietf-webtrans-overview-13 §4.3, §4.4: incoming uni streams and datagrams reach acceptUniStream / recvDatagram', async () => {
    const conn = await connectWebTransport('https://127.0.0.1:4433/x', opts);
    FakeTransport.last!.peerUni(new Uint8Array([1, 2, 3]));
    FakeTransport.last!.peerDatagram(new Uint8Array([9]));
    const s = await conn.acceptUniStream();
    expect(s.id).toBe(3);
    expect(await s.readAll()).toEqual(new Uint8Array([1, 2, 3]));
    expect(await conn.recvDatagram()).toEqual(new Uint8Array([9]));
    conn.sendDatagram(new Uint8Array([7]));
    expect(() => conn.sendDatagram(new Uint8Array(1201))).toThrow(expect.objectContaining({ code: 'ERR_QUIC_DATAGRAM_TOO_LARGE' }));
    expect(conn.remoteAddress).toBe('127.0.0.1:4433');
    await conn.close(3, 'done');
    expect(FakeTransport.last!.closeCalls).toEqual([{ closeCode: 3, reason: 'done' }]);
    expect(FakeTransport.last!.sentDatagrams).toEqual([new Uint8Array([7])]);
  });

  it('draft-ietf-webtrans-overview-13 §4.1: a close by the peer resolves closed with initiator peer and fails later calls with ERR_QUIC_CONNECTION_CLOSED', async () => {
    const conn = await connectWebTransport('https://127.0.0.1:1/', opts);
    const accept = conn.acceptBiStream();
    FakeTransport.last!.endCleanly({ closeCode: 42, reason: 'server bye' });
    expect(await conn.closed).toEqual({ initiator: 'peer', code: 42, reason: 'server bye', errorSpace: 'application', handshakeCompleted: true });
    await expect(accept).rejects.toMatchObject({ code: 'ERR_QUIC_CONNECTION_CLOSED', wireCode: 42, reason: 'server bye', initiator: 'peer' });
    await expect(conn.openBiStream()).rejects.toMatchObject({ code: 'ERR_QUIC_CONNECTION_CLOSED', wireCode: 42 });
    expect(conn.isClosed).toBe(true);
  });

  it('draft-ietf-webtrans-overview-13 §4.1: an abrupt end resolves closed with a transport close by the peer', async () => {
    const conn = await connectWebTransport('https://127.0.0.1:1/', opts);
    FakeTransport.last!.endAbruptly(Object.assign(new Error('Connection lost.'), { name: 'WebTransportError', source: 'session', streamErrorCode: null }));
    expect(await conn.closed).toEqual({ initiator: 'peer', code: 0, reason: 'Connection lost.', errorSpace: 'transport', handshakeCompleted: true });
    expect(() => conn.sendDatagram(new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'ERR_QUIC_CONNECTION_CLOSED' }));
  });
});
