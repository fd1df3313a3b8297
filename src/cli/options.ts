/**
 * Command-line options shared by the `quic-multistream` subcommands, and their translation into
 * the public API's options (DESIGN §7): certificates, key log, congestion control, ALPN, Retry.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { QuicClientOptions } from '../api/client.js';
import type { QuicServerOptions, ServerTlsOptions } from '../api/server.js';
import type { CongestionControlAlgorithm } from '../congestion/index.js';
import { base64Decode } from '../tls/certificates/pem.js';
import { fromHex } from '../util/bytes.js';

/** Every option any subcommand takes (parseArgs config). */
export const OPTION_SPEC = {
  host: { type: 'string' },
  port: { type: 'string' },
  alpn: { type: 'string' },
  cc: { type: 'string' },
  keylog: { type: 'string' },
  'qlog-dir': { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  ca: { type: 'string' },
  'cert-hash': { type: 'string' },
  insecure: { type: 'boolean' },
  retry: { type: 'boolean' },
  root: { type: 'string' },
  out: { type: 'string' },
  parallel: { type: 'string' },
  message: { type: 'string' },
  size: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parsed command line. */
export interface CliArgs {
  readonly values: { readonly [K in keyof typeof OPTION_SPEC]?: (typeof OPTION_SPEC)[K]['type'] extends 'boolean' ? boolean : string };
  readonly positionals: readonly string[];
}

/** A usage error: printed with the usage text, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parses argv (after the subcommand). */
export function parseCli(argv: readonly string[]): CliArgs {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: OPTION_SPEC, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/** An integer option in [min, max]. */
export function intOption(args: CliArgs, name: 'port' | 'parallel' | 'size', fallback: number, min = 0, max = 2 ** 31): number {
  const text = args.values[name];
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}, got ${text}`);
  return n;
}

/** Options common to both roles: ALPN, congestion control, key log (SSLKEYLOGFILE), qlog folder (QLOGDIR). */
export function transportOptions(args: CliArgs, defaultAlpn: readonly string[], warn: (line: string) => void): { alpn: string[]; congestionControl?: CongestionControlAlgorithm; keyLogFile?: string; qlogDir?: string } {
  const alpn = args.values.alpn === undefined ? [...defaultAlpn] : args.values.alpn.split(',').map((a) => a.trim()).filter((a) => a.length > 0);
  const cc = args.values.cc;
  if (cc !== undefined && cc !== 'cubic' && cc !== 'newreno') throw new UsageError(`--cc must be cubic or newreno, got ${cc}`);
  const keyLogFile = args.values.keylog ?? process.env['SSLKEYLOGFILE'];
  const qlogDir = args.values['qlog-dir'] ?? process.env['QLOGDIR'];
  if (keyLogFile !== undefined && keyLogFile !== '') warn(`warning: writing TLS secrets to ${keyLogFile} (key log: for Wireshark only)`);
  return {
    alpn,
    ...(cc === undefined ? {} : { congestionControl: cc }),
    ...(keyLogFile === undefined || keyLogFile === '' ? {} : { keyLogFile }),
    ...(qlogDir === undefined || qlogDir === '' ? {} : { qlogDir }),
  };
}

/** Reads a private key in any PEM form node:crypto knows (PKCS#8, SEC1 with EC PARAMETERS, PKCS#1) as PKCS#8 DER. */
export function readPrivateKey(path: string): Uint8Array {
  const key = createPrivateKey(readFileSync(path));
  return new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }));
}

/** The server's TLS options: --cert/--key, or a self-signed development certificate. */
export function serverTls(args: CliArgs): ServerTlsOptions {
  const { cert, key } = args.values;
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--cert and --key go together');
  if (cert === undefined || key === undefined) return { selfSigned: true };
  return { certificate: readFileSync(cert, 'utf8'), key: readPrivateKey(key) };
}

/** Server options from the command line. */
export function serverOptions(args: CliArgs, defaultAlpn: readonly string[], warn: (line: string) => void): QuicServerOptions {
  return {
    host: args.values.host ?? '::',
    port: intOption(args, 'port', 4433, 0, 65535),
    tls: serverTls(args),
    ...transportOptions(args, defaultAlpn, warn),
    ...(args.values.retry === true ? { retry: 'always' as const } : {}),
    maxStreams: { bidi: 1000, uni: 100 },
    datagrams: true,
    initialMaxData: 32 * 1024 * 1024,
    initialMaxStreamData: 16 * 1024 * 1024,
  };
}

/** Decodes a SHA-256 given as hex (with or without colons) or base64. */
export function parseCertHash(text: string): Uint8Array {
  const hex = text.replace(/:/g, '');
  const bytes = /^[0-9a-fA-F]{64}$/.test(hex) ? fromHex(hex) : base64Decode(text);
  if (bytes.length !== 32) throw new UsageError(`--cert-hash must be a SHA-256 (64 hex digits or base64), got ${text}`);
  return bytes;
}

/** Client options from the command line (server authentication: --cert-hash, --ca, --insecure or Node's roots). */
export function clientOptions(args: CliArgs, defaultAlpn: readonly string[], warn: (line: string) => void): QuicClientOptions {
  const v = args.values;
  return {
    ...transportOptions(args, defaultAlpn, warn),
    ...(v.insecure === true ? { dangerouslySkipVerification: true } : {}),
    ...(v['cert-hash'] === undefined ? {} : { serverCertificateHashes: [parseCertHash(v['cert-hash'])] }),
    ...(v.ca === undefined ? {} : { ca: [readFileSync(v.ca, 'utf8')] }),
    datagrams: true,
    initialMaxData: 32 * 1024 * 1024,
    initialMaxStreamData: 16 * 1024 * 1024,
  };
}
