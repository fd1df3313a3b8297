/**
 * One echo handler for every backend (DESIGN §7): written against `QuicConnectionLike`, it serves
 * a raw QUIC connection, a WebTransport session accepted by our HTTP/3 server (Node client or
 * Chromium), alike. Behaviour (the same as quic-go's qgo-wt echo server): every bidirectional
 * stream is echoed back and finished; every unidirectional stream is read to its end and answered
 * with a new unidirectional stream carrying the same bytes; every datagram is echoed.
 */
import type { QuicConnectionLike } from '../../src/api-common/connection-like.js';

/** What the handler saw (for assertions). */
export interface EchoLog {
  bidi: number;
  uni: number;
  datagrams: number;
  /** Stream errors (resets, stops) observed, as `code:wireCode` strings. */
  streamErrors: string[];
}

/** Serves `conn` until it ends; resolves then. */
export async function echoHandler(conn: QuicConnectionLike, log: EchoLog = { bidi: 0, uni: 0, datagrams: 0, streamErrors: [] }): Promise<EchoLog> {
  const note = (e: unknown): void => {
    const q = e as { code?: string; wireCode?: number };
    log.streamErrors.push(q.code === undefined ? String(e) : `${q.code}:${q.wireCode}`);
  };
  const bidi = (async () => {
    for await (const s of conn.incomingBiStreams) {
      log.bidi++;
      void (async () => {
        for (let c = await s.readChunk(); c !== null; c = await s.readChunk()) await s.write(c);
        s.finish();
      })().catch(note);
    }
  })().catch(() => undefined);
  const uni = (async () => {
    for await (const r of conn.incomingUniStreams) {
      log.uni++;
      void (async () => {
        const data = await r.readAll();
        const out = await conn.openUniStream();
        await out.writeAll(data);
        out.finish();
      })().catch(note);
    }
  })().catch(() => undefined);
  const dgrams = (async () => {
    for await (const d of conn.incomingDatagrams) {
      log.datagrams++;
      try {
        conn.sendDatagram(d);
      } catch (e) {
        note(e);
      }
    }
  })().catch(() => undefined);
  await conn.closed;
  await Promise.all([bidi, uni, dgrams]);
  return log;
}
