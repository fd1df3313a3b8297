/**
 * Static files for the HTTP/3 server (http3.ts): maps a request path to a regular file under a
 * root directory, refusing anything that leaves the root (`..`, NUL, backslashes, symlinks that
 * point outside), with a content type from the file extension. `/` and directories map to
 * `index.html`.
 */
import { open, realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { Http3ResponseInit } from './http3-types.js';

/** Content types by extension (lowercase, with the dot). */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.pdf': 'application/pdf',
};

/** The content type of a file name (application/octet-stream when unknown). */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** A file found for a request. */
export interface StaticFile {
  readonly file: string;
  readonly size: number;
  readonly contentType: string;
}

/** Decodes a request path (query and fragment dropped), or undefined if unsafe. */
export function safeRequestPath(path: string): string | undefined {
  const raw = path.split(/[?#]/, 1)[0] ?? '';
  if (!raw.startsWith('/') || raw.startsWith('//')) return undefined;
  let p: string;
  try {
    p = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (p.includes('\0') || p.includes('\\')) return undefined;
  if (p.split('/').some((s) => s === '..' || s === '.')) return undefined;
  return p;
}

/**
 * Finds the regular file for `path` under `root`: 'bad' for an unsafe path, 'missing' when there
 * is no such file.
 */
export async function findStaticFile(root: string, path: string): Promise<StaticFile | 'bad' | 'missing'> {
  const p = safeRequestPath(path);
  if (p === undefined) return 'bad';
  const realRoot = await realpath(root);
  let candidate = resolve(realRoot, `.${p}`);
  if (candidate !== realRoot && !candidate.startsWith(realRoot + sep)) return 'bad';
  try {
    if ((await stat(candidate)).isDirectory()) candidate = resolve(candidate, 'index.html');
    const real = await realpath(candidate);
    if (!real.startsWith(realRoot + sep)) return 'bad';
    const st = await stat(real);
    if (!st.isFile()) return 'missing';
    return { file: real, size: st.size, contentType: contentTypeOf(real) };
  } catch {
    return 'missing';
  }
}

/** Reads a file in chunks of `chunk` bytes. */
export async function* readFileChunks(file: string, chunk = 64 * 1024): AsyncGenerator<Uint8Array, void, undefined> {
  const fh = await open(file, 'r');
  try {
    for (;;) {
      const buf = new Uint8Array(chunk);
      const { bytesRead } = await fh.read(buf, 0, chunk, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/**
 * The static-file answer to a request (`serveHttp3`'s `root`): the file, or 400 / 404 / 405 as
 * plain text; 404 when there is no root.
 */
export async function staticResponse(req: { readonly method: string; readonly path: string }, root: string | undefined): Promise<Http3ResponseInit> {
  const text = (status: number, msg: string): Http3ResponseInit => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: msg });
  if (root === undefined) return text(404, 'not found\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') return { ...text(405, 'method not allowed\n'), headers: { 'content-type': 'text/plain; charset=utf-8', allow: 'GET, HEAD' } };
  const f = await findStaticFile(root, req.path);
  if (f === 'bad') return text(400, 'bad request\n');
  if (f === 'missing') return text(404, 'not found\n');
  return { status: 200, headers: { 'content-type': f.contentType, 'content-length': String(f.size) }, body: { file: f.file } };
}
