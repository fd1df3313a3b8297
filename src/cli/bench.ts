/**
 * `quic-multistream bench`: throughput between two local processes. Spawns `serve` as a child
 * process on loopback (a temporary --root holding an N MB file), uploads N MB with the raw echo
 * protocol's bulk mode and downloads the file with hq-interop, prints Mbit/s for each, and stops
 * the child by its PID.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connect } from '../api/client.js';
import { monotonicNow } from '../io/clock.js';
import { HQ_ALPN, hqGet } from '../api/hq-interop.js';
import { rawBulkUpload } from '../api/raw-echo.js';
import { clientOptions, intOption, type CliArgs } from './options.js';

/** One bench result. */
export interface BenchResult {
  readonly bytes: number;
  readonly uploadMbps: number;
  readonly downloadMbps: number;
}

/** How to start this CLI again as a child: node, its loader flags (tsx), and the entry script. */
export function selfCommand(): { command: string; args: string[] } {
  return { command: process.execPath, args: [...process.execArgv, process.argv[1] ?? ''] };
}

/** Runs the benchmark. */
export async function bench(args: CliArgs, log: (line: string) => void, warn: (line: string) => void): Promise<BenchResult> {
  const mb = intOption(args, 'size', 10, 1, 4096);
  const bytes = mb * 1024 * 1024;
  const root = mkdtempSync(join(tmpdir(), 'quic-bench-'));
  writeFileSync(join(root, 'bench.bin'), new Uint8Array(bytes));
  const self = selfCommand();
  const childArgs = [...self.args, 'serve', '--host', '127.0.0.1', '--port', '0', '--root', root];
  if (args.values.cc !== undefined) childArgs.push('--cc', args.values.cc);
  const child = spawn(self.command, childArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        const m = /^listening on .*:(\d+) /.exec(line);
        if (m !== null) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`serve exited with code ${code} before listening`)));
    });
    log(`server child pid ${child.pid} on 127.0.0.1:${port}; ${mb} MiB each way`);
    const options = { ...clientOptions(args, ['quic-multistream'], warn), dangerouslySkipVerification: true };
    const up = await connect({ host: '127.0.0.1', port }, options);
    let t0 = nowMs();
    await rawBulkUpload(up, bytes);
    const uploadSecs = (nowMs() - t0) / 1000;
    await up.close(0, 'done');
    const down = await connect({ host: '127.0.0.1', port }, { ...options, alpn: [HQ_ALPN] });
    t0 = nowMs();
    const recv = await hqGet(down, '/bench.bin');
    let got = 0;
    for (let c = await recv.readChunk(); c !== null; c = await recv.readChunk()) got += c.length;
    const downloadSecs = (nowMs() - t0) / 1000;
    await down.close(0, 'done');
    if (got !== bytes) throw new Error(`downloaded ${got} bytes, expected ${bytes}`);
    const result = { bytes, uploadMbps: (bytes * 8) / uploadSecs / 1e6, downloadMbps: (bytes * 8) / downloadSecs / 1e6 };
    log(`upload   ${mb} MiB in ${uploadSecs.toFixed(3)} s: ${result.uploadMbps.toFixed(1)} Mbit/s`);
    log(`download ${mb} MiB in ${downloadSecs.toFixed(3)} s: ${result.downloadMbps.toFixed(1)} Mbit/s`);
    return result;
  } finally {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    rmSync(root, { recursive: true, force: true });
  }
}

/** Milliseconds on the monotonic clock. */
function nowMs(): number {
  return monotonicNow() / 1000;
}
