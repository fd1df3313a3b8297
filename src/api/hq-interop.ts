/**
 * hq-interop: HTTP/0.9 over QUIC, the application protocol of the QUIC interop runner
 * (/work/shared/INTEROP-RUNNER.md §2.3; ALPN `hq-interop`). The client opens one bidirectional
 * stream per file (RFC 9000 §2.1) and sends `GET /path\r\n` then FIN; the server answers with the
 * file's bytes then FIN, with no status line and no headers.
 *
 * Errors are signalled on the stream, as quic-go's `interop/http09` server does for a bad request
 * (it calls CancelWrite(42), i.e. RESET_STREAM, RFC 9000 §19.4): a malformed request or a path
 * that tries to leave the root gets RESET_STREAM with `HqErrorCode.BAD_REQUEST`, a missing file
 * `NOT_FOUND`, a read failure `INTERNAL_ERROR`. (quic-go answers a missing file with an HTTP
 * "404 page not found" body, which a client would save as the file; a reset cannot be mistaken.)
 *
 * File bytes move with backpressure both ways: the server reads 64 KiB at a time and waits for
 * the stream's send buffer; the downloader writes each chunk to an fs.WriteStream and waits for
 * 'drain'.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import type { QuicConnection } from './connection.js';
import { QuicError, QuicErrorCode } from './errors.js';
import type { QuicBiStream, QuicRecvStream } from './stream.js';

/** The ALPN token of HTTP/0.9 over QUIC in the interop runner. */
export const HQ_ALPN = 'hq-interop';

/** Application error codes the hq server resets streams with (RESET_STREAM, RFC 9000 §19.4). */
export const HqErrorCode = {
  /** Not `GET /path`, too long, or a path outside the root (quic-go's http09 server uses 42 too). */
  BAD_REQUEST: 42,
  /** No such regular file under the root. */
  NOT_FOUND: 404,
  /** The file could not be read. */
  INTERNAL_ERROR: 500,
} as const;

/** Longest request line accepted (bytes). */
export const MAX_REQUEST_LENGTH = 8192;
/** Bytes read from a file per stream write. */
const FILE_CHUNK = 64 * 1024;

/** Options of `serveHq`. */
export interface HqServeOptions {
  /** Directory whose files are served. */
  readonly root: string;
  /** Called once per request (for logs). */
  readonly onRequest?: (info: { path: string; status: 'ok' | 'bad_request' | 'not_found' | 'error'; bytes: number }) => void;
}

/**
 * Parses a request line into a root-relative path, or undefined when it is malformed or tries to
 * escape the root: `..` segments, NUL, backslashes, `//` (an absolute URL path), bad %-escapes.
 * Trailing CR, LF and spaces are trimmed, as quic-go does; a query or fragment is dropped.
 */
export function parseHqRequest(line: string): string | undefined {
  const trimmed = line.replace(/[\r\n ]+$/, '');
  if (!trimmed.startsWith('GET /')) return undefined;
  let raw = trimmed.slice(4);
  if (raw.includes(' ')) raw = raw.slice(0, raw.indexOf(' ')); // "GET /x HTTP/1.0" from lenient clients
  raw = raw.split(/[?#]/, 1)[0] ?? '';
  if (raw.startsWith('//')) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (path.includes('\0') || path.includes('\\')) return undefined;
  const segments = path.split('/').slice(1);
  if (segments.some((s) => s === '..' || s === '.')) return undefined;
  if (segments.every((s) => s === '')) return undefined; // "/" names no file
  return path;
}

async function readRequestLine(s: QuicBiStream): Promise<string | undefined> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const c = await s.readChunk(MAX_REQUEST_LENGTH);
    if (c === null) break;
    chunks.push(c.slice());
    total += c.length;
    if (total > MAX_REQUEST_LENGTH) return undefined;
    if (c.includes(0x0a)) break; // a full line: do not wait for the FIN
  }
  return Buffer.concat(chunks).toString('latin1');
}

/**
 * Reads (and discards) what follows the request line up to the FIN, so the stream's receiving part
 * terminates; more than MAX_REQUEST_LENGTH bytes after the line are refused with STOP_SENDING.
 */
async function drainRequest(s: QuicBiStream): Promise<void> {
  let extra = 0;
  try {
    for (let c = await s.readChunk(MAX_REQUEST_LENGTH); c !== null; c = await s.readChunk(MAX_REQUEST_LENGTH)) {
      extra += c.length;
      if (extra > MAX_REQUEST_LENGTH) return s.stopSending(HqErrorCode.BAD_REQUEST);
    }
  } catch {
    // reset by the peer or the connection ended: nothing left to release
  }
}

/** Resolves `path` under `root`, refusing anything whose real path leaves the root (symlinks too). */
async function resolveUnderRoot(root: string, path: string): Promise<string | undefined> {
  const realRoot = await realpath(root);
  const candidate = resolve(realRoot, `.${path}`);
  if (candidate !== realRoot && !candidate.startsWith(realRoot + sep)) return undefined;
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    return candidate; // missing: the open below reports NOT_FOUND
  }
  if (!real.startsWith(realRoot + sep)) return undefined;
  return real;
}

/**
 * Answers one hq-interop request on `s`: the file's bytes then FIN, or RESET_STREAM with an
 * `HqErrorCode`. Never throws (stream and connection errors end the request).
 */
export async function handleHqStream(s: QuicBiStream, options: HqServeOptions): Promise<void> {
  let path = '?';
  let bytes = 0;
  const report = (status: 'ok' | 'bad_request' | 'not_found' | 'error'): void => options.onRequest?.({ path, status, bytes });
  const fail = (code: number, status: 'bad_request' | 'not_found' | 'error'): void => {
    try {
      s.reset(code);
      s.stopSending(code);
    } catch {
      // the connection is gone
    }
    report(status);
  };
  try {
    const line = await readRequestLine(s);
    // RFC 9000 §3.2: the receiving part reaches "Data Read" (and the stream is released, freeing a
    // slot for MAX_STREAMS, §4.6) only once the application has read the FIN; a client may send the
    // FIN in a later frame than the request line (quic-go does), so read the request to its end.
    if (line !== undefined) void drainRequest(s);
    const parsed = line === undefined ? undefined : parseHqRequest(line);
    if (parsed === undefined) return fail(HqErrorCode.BAD_REQUEST, 'bad_request');
    path = parsed;
    const file = await resolveUnderRoot(options.root, parsed);
    if (file === undefined) return fail(HqErrorCode.BAD_REQUEST, 'bad_request');
    let fh;
    try {
      fh = await open(file, 'r');
      if (!(await fh.stat()).isFile()) {
        await fh.close();
        return fail(HqErrorCode.NOT_FOUND, 'not_found');
      }
    } catch {
      return fail(HqErrorCode.NOT_FOUND, 'not_found');
    }
    try {
      for (;;) {
        const buf = new Uint8Array(FILE_CHUNK);
        const { bytesRead } = await fh.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        await s.write(buf.subarray(0, bytesRead));
        bytes += bytesRead;
      }
    } finally {
      await fh.close();
    }
    s.finish();
    report('ok');
  } catch (e) {
    if (e instanceof QuicError && (e.code === QuicErrorCode.STREAM_STOPPED || e.code === QuicErrorCode.STREAM_RESET || e.code === QuicErrorCode.CONNECTION_CLOSED)) return report('error');
    fail(HqErrorCode.INTERNAL_ERROR, 'error');
  }
}

/** Serves every bidirectional stream of `conn` as an hq-interop request until the connection ends. */
export async function serveHq(conn: QuicConnection, options: HqServeOptions): Promise<void> {
  for await (const s of conn.incomingBiStreams) void handleHqStream(s, options);
}

/**
 * Requests `path` ("/name") on a new bidirectional stream and returns the receiving half: the
 * file's bytes, then the end of the stream. A refused request shows as ERR_QUIC_STREAM_RESET with
 * the server's `HqErrorCode` in `wireCode`. Waits for stream credit (RFC 9000 §4.6).
 */
export async function hqGet(conn: QuicConnection, path: string): Promise<QuicRecvStream> {
  if (!path.startsWith('/')) throw new QuicError(QuicErrorCode.INVALID_ARGUMENT, `hq path must start with '/': ${path}`);
  const s = await conn.openBiStream();
  await s.writeAll(new TextEncoder().encode(`GET ${path}\r\n`));
  return s.recv;
}

/** One result of `hqDownload`. */
export interface HqDownloadResult {
  readonly path: string;
  /** Where the bytes went. */
  readonly file: string;
  readonly bytes: number;
  /** Set when the request failed (the partial file stays on disk). */
  readonly error?: Error;
}

/** Options of `hqDownload`. */
export interface HqDownloadOptions {
  /** Most requests in flight (default 2000: in practice the server's stream limit bounds it). */
  readonly concurrency?: number;
  /** Called as bytes arrive and when a request ends. */
  readonly onProgress?: (p: { path: string; bytes: number; done: boolean; error?: Error }) => void;
}

/** The file name a path is saved under: its last segment (`index.html` for none). */
export function hqFileName(path: string): string {
  const name = basename(decodeURIComponentSafe(path.split(/[?#]/, 1)[0] ?? ''));
  return name === '' || name === '.' || name === '..' ? 'index.html' : name;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

async function downloadOne(conn: QuicConnection, path: string, file: string, onProgress: HqDownloadOptions['onProgress']): Promise<HqDownloadResult> {
  let bytes = 0;
  const out = createWriteStream(file);
  const outError = new Promise<never>((_, reject) => out.once('error', reject));
  outError.catch(() => undefined);
  try {
    const recv = await hqGet(conn, path);
    for (let c = await recv.readChunk(); c !== null; c = await recv.readChunk()) {
      bytes += c.length;
      // The chunk may be a view into the core's buffer: copy before the asynchronous write.
      if (!out.write(c.slice())) await Promise.race([once(out, 'drain'), outError]);
      onProgress?.({ path, bytes, done: false });
    }
    out.end();
    await Promise.race([once(out, 'close'), outError]);
    onProgress?.({ path, bytes, done: true });
    return { path, file, bytes };
  } catch (e) {
    out.destroy();
    const error = e instanceof Error ? e : new Error(String(e));
    onProgress?.({ path, bytes, done: true, error });
    return { path, file, bytes, error };
  }
}

/**
 * Downloads `paths` over one connection into `outDir` (file name = last path segment), many
 * requests in parallel: each opens its stream as stream credit allows (RFC 9000 §4.6), so ~2,000
 * requests against a server limit of 100 streams queue up and proceed as MAX_STREAMS arrives.
 * Resolves with one result per path, in order; failed requests carry `error` (their partial
 * file stays on disk).
 */
export async function hqDownload(conn: QuicConnection, paths: readonly string[], outDir: string, options: HqDownloadOptions = {}): Promise<HqDownloadResult[]> {
  const limit = Math.max(1, options.concurrency ?? 2000);
  const results: HqDownloadResult[] = new Array(paths.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const i = next++;
      const path = paths[i]!;
      results[i] = await downloadOne(conn, path, join(outDir, hqFileName(path)), options.onProgress);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, paths.length) }, worker));
  return results;
}
