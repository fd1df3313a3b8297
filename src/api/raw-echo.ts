/**
 * The raw echo protocol of the peer test tools (quic-go `peers/echo`): on each client-initiated
 * bidirectional stream (RFC 9000 §2.1) the first byte selects the mode. `E`: everything after it
 * is echoed back, then FIN once the client's FIN arrived. `B`: bulk sink: the bytes after it are
 * counted and discarded, and at the client's FIN the count is sent back as decimal ASCII, then FIN.
 */
import type { QuicConnection } from './connection.js';
import { QuicError, QuicErrorCode } from './errors.js';
import type { QuicBiStream } from './stream.js';

/** First byte of an echo stream. */
export const ECHO_MODE = 0x45; // 'E'
/** First byte of a bulk-upload stream. */
export const BULK_MODE = 0x42; // 'B'

/** Answers one raw echo stream. Never throws. */
export async function handleRawEchoStream(s: QuicBiStream): Promise<void> {
  try {
    const first = await s.readChunk(1);
    if (first === null) return s.finish();
    if (first[0] === BULK_MODE) {
      let n = 0;
      for (let c = await s.readChunk(); c !== null; c = await s.readChunk()) n += c.length;
      await s.writeAll(new TextEncoder().encode(String(n)));
      return;
    }
    // Anything else echoes (quic-go echoes for every byte but 'B').
    for (let c = await s.readChunk(); c !== null; c = await s.readChunk()) await s.write(c.slice());
    s.finish();
  } catch {
    try {
      s.reset(0);
    } catch {
      // connection gone
    }
  }
}

/** Serves every bidirectional stream of `conn` with the raw echo protocol until it ends. */
export async function serveRawEcho(conn: QuicConnection): Promise<void> {
  for await (const s of conn.incomingBiStreams) void handleRawEchoStream(s);
}

/** Sends `message` in echo mode on a new stream and resolves with the reply. */
export async function rawEcho(conn: QuicConnection, message: Uint8Array): Promise<Uint8Array> {
  const s = await conn.openBiStream();
  const out = new Uint8Array(message.length + 1);
  out[0] = ECHO_MODE;
  out.set(message, 1);
  const [, reply] = await Promise.all([s.writeAll(out), s.readAll()]);
  return reply;
}

/**
 * Uploads `bytes` zero bytes in bulk mode on a new stream (64 KiB writes) and resolves with the
 * count the server reports.
 * @throws QuicError ERR_QUIC_INVALID_STATE when the server's count differs.
 */
export async function rawBulkUpload(conn: QuicConnection, bytes: number): Promise<number> {
  const s = await conn.openBiStream();
  await s.write(new Uint8Array([BULK_MODE]));
  const chunk = new Uint8Array(64 * 1024);
  for (let sent = 0; sent < bytes; sent += chunk.length) await s.write(sent + chunk.length <= bytes ? chunk : chunk.subarray(0, bytes - sent));
  s.finish();
  const reply = new TextDecoder().decode(await s.readAll(64));
  const count = Number(reply);
  if (count !== bytes) throw new QuicError(QuicErrorCode.INVALID_STATE, `the server counted ${reply} bytes, ${bytes} were sent`);
  return count;
}
