/**
 * Static files for the HTTP/3 server (http3.ts): maps a request path to a regular file under a
 * root directory, refusing anything that leaves the root (`..`, NUL, backslashes, symlinks that
 * point outside), with a content type from the file extension. `/` and directories map to
 * `index.html`.
 */
import { open, realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

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
