#!/usr/bin/env node
/**
 * `quic-multistream`: the command-line tool (docs/guides/cli.md). Subcommands: `serve` (hq-interop
 * file server and raw echo), `get URL...` (hq-interop downloads), `echo` (raw echo client),
 * `bench` (loopback throughput between two processes).
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { bench } from './bench.js';
import { echo } from './echo.js';
import { get } from './get.js';
import { parseCli, UsageError } from './options.js';
import { serve } from './serve.js';

/** The usage text. */
export const USAGE = `usage: quic-multistream <command> [options]

commands:
  serve              h3 and hq-interop file server (--root DIR) and raw echo on other ALPNs
  get URL...         download https://host:port/path ... with h3 (or --alpn hq-interop) into --out DIR
  echo [URL]         send --message (or stdin) to a server's echo and print the reply
  bench              throughput to a 'serve' child process on loopback (--size MB, default 10)

options:
  --host H --port P  bind (serve; default :: and 4433) or target (echo; default 127.0.0.1:4433)
  --root DIR         serve: directory to serve (default .)
  --out DIR          get: download directory (default .)
  --parallel N       get: most requests in flight per connection (default 2000)
  --message TEXT     echo: the message (default: stdin, or "hello quic" on a terminal)
  --alpn A,B         ALPN list (serve: hq-interop,h3,quic-multistream,echo; get: h3;
                     echo: quic-multistream,echo)
  --cert F --key F   serve: certificate chain and key (PEM); default a self-signed certificate
  --ca F             client: trust this CA (PEM)
  --cert-hash H      client: accept exactly this certificate SHA-256 (hex or base64)
  --insecure         client: no server authentication (development only)
  --cc cubic|newreno congestion controller (default cubic)
  --retry            serve: send Retry to every new client (address validation)
  --keylog FILE      append TLS secrets for Wireshark (SSLKEYLOGFILE is honoured too)
  --qlog-dir DIR     write a qlog file per connection into DIR (default: $QLOGDIR)
`;

/** Runs the CLI; resolves with the exit code (serve resolves only at SIGINT/SIGTERM). */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  const warn = (line: string): void => void process.stderr.write(`${line}\n`);
  try {
    const args = parseCli(rest);
    if (command === undefined || command === 'help' || command === '--help' || command === '-h' || args.values.help === true) {
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    }
    switch (command) {
      case 'serve': {
        const server = await serve(args, { log, warn });
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await server.close(0, 'server shutting down', 1000);
        return 0;
      }
      case 'get': {
        const results = await get(args, { isTTY: process.stderr.isTTY === true, write: (t) => void process.stderr.write(t) }, warn);
        const failed = results.filter((r) => r.error !== undefined);
        for (const r of failed) warn(`failed: ${r.path}: ${r.error?.message}`);
        return failed.length === 0 ? 0 : 1;
      }
      case 'echo': {
        const reply = await echo(args, warn);
        process.stdout.write(Buffer.from(reply));
        if (process.stdout.isTTY) process.stdout.write('\n');
        return 0;
      }
      case 'bench':
        await bench(args, log, warn);
        return 0;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      warn(`error: ${e.message}\n`);
      process.stderr.write(USAGE);
      return 2;
    }
    warn(`error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

/** True when this file is the process's entry (also through npm's bin symlink). */
function isEntry(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntry()) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${String(e)}\n`);
      process.exit(1);
    },
  );
}
