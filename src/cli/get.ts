/**
 * `quic-multistream get URL...`: hq-interop downloads (INTEROP-RUNNER §2.3) into `--out`, one
 * connection per origin, requests in parallel within the server's stream limit (RFC 9000 §4.6).
 */
import { mkdirSync } from 'node:fs';
import { connect } from '../api/client.js';
import { monotonicNow } from '../io/clock.js';
import { HQ_ALPN, hqDownload, type HqDownloadResult } from '../api/hq-interop.js';
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
  const options = clientOptions(args, [HQ_ALPN], warn);
  const concurrency = intOption(args, 'parallel', 2000, 1);
  const progress = new Progress(sink, args.positionals.length, nowMs());
  const results = await Promise.all(
    origins.map(async (o) => {
      const conn = await connect({ host: o.host, port: o.port }, options);
      try {
        return await hqDownload(conn, o.paths, out, { concurrency, onProgress: (p) => progress.update(p, nowMs()) });
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
