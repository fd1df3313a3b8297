/**
 * `quic-multistream echo`: sends `--message` (or stdin) on one stream with the raw echo protocol
 * (raw-echo.ts) and prints the reply. Offers ALPN quic-multistream and echo (quic-go's echo peer).
 */
import { connect } from '../api/client.js';
import { rawEcho } from '../api/raw-echo.js';
import { clientOptions, intOption, type CliArgs } from './options.js';

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

/** Runs `echo`; resolves with the reply. Target: a positional URL/host:port, or --host/--port. */
export async function echo(args: CliArgs, warn: (line: string) => void): Promise<Uint8Array> {
  const target = args.positionals[0] ?? { host: args.values.host ?? '127.0.0.1', port: intOption(args, 'port', 4433, 1, 65535) };
  const message = args.values.message !== undefined ? new TextEncoder().encode(args.values.message) : process.stdin.isTTY ? new TextEncoder().encode('hello quic') : await readStdin();
  const conn = await connect(target, clientOptions(args, ['quic-multistream', 'echo'], warn));
  try {
    return await rawEcho(conn, message);
  } finally {
    await conn.close(0, 'bye').catch(() => undefined);
  }
}
