/**
 * `quic-multistream get URL...`: downloads into `--out` over HTTP/3 (RFC 9114, ALPN `h3`, the
 * default) or hq-interop (INTEROP-RUNNER §2.3, `--alpn hq-interop`), one connection per origin,
 * requests in parallel within the server's stream limit (RFC 9000 §4.6). With several ALPNs
 * (`--alpn h3,hq-interop`) the negotiated one decides.
 */
import { mkdirSync } from 'node:fs';
import { connect } from '../api/client.js';
import { monotonicNow } from '../io/clock.js';
import { HQ_ALPN, hqDownload, type HqDownloadResult } from '../api/hq-interop.js';
import { H3_ALPN, http3Download } from '../api/http3.js';
import { clientOptions, intOption, UsageError, type CliArgs } from './options.js';
import { Progress, type ProgressSink } from './progress.js';

/** Splits URLs by origin: host, port and the request paths. */
export function groupByOrigin(urls: readonly string[]): { host: string; port: number; paths: string[] }[] {
  const byOrigin = new Map<string, { host: string; port: number; paths: string[] }>();
  for (const u of urls) {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw new UsageError(`not a URL: ${u}`);
    }
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port === '' ? 443 : Number(url.port);
    const key = `${host}|${port}`;
    let o = byOrigin.get(key);
    if (o === undefined) byOrigin.set(key, (o = { host, port, paths: [] }));
    o.paths.push(`${url.pathname}${url.search}`);
  }
  return [...byOrigin.values()];
}

/** Runs `get`; resolves with the results of every request. */
export async function get(args: CliArgs, sink: ProgressSink, warn: (line: string) => void): Promise<HqDownloadResult[]> {
  if (args.positionals.length === 0) throw new UsageError('get needs at least one URL');
  const out = args.values.out ?? '.';
  mkdirSync(out, { recursive: true });
  const origins = groupByOrigin(args.positionals);
  const options = clientOptions(args, [H3_ALPN], warn);
  const concurrency = intOption(args, 'parallel', 2000, 1);
  const progress = new Progress(sink, args.positionals.length, nowMs());
  const results = await Promise.all(
    origins.map(async (o) => {
      const conn = await connect({ host: o.host, port: o.port }, options);
      try {
        const onProgress = (p: { path: string; bytes: number; done: boolean; error?: Error }): void => progress.update(p, nowMs());
        if (conn.alpn === HQ_ALPN) return await hqDownload(conn, o.paths, out, { concurrency, onProgress });
        if (conn.alpn !== H3_ALPN) throw new UsageError(`get speaks h3 and hq-interop, not ${conn.alpn ?? '?'}`);
        const authority = o.host.includes(':') ? `[${o.host}]:${o.port}` : `${o.host}:${o.port}`;
        return await http3Download(conn, o.paths, out, { concurrency, authority, onProgress });
      } finally {
        await conn.close(0, 'done').catch(() => undefined);
      }
    }),
  );
  progress.finish(nowMs());
  return results.flat();
}

/** Milliseconds on the monotonic clock. */
function nowMs(): number {
  return monotonicNow() / 1000;
}
