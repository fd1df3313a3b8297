/**
 * `quic-multistream serve`: a QUIC server that speaks HTTP/3 (RFC 9114, ALPN `h3`) and hq-interop
 * (HTTP/0.9, INTEROP-RUNNER §2.3) from `--root`, chosen per connection by the negotiated ALPN, and
 * the raw echo protocol
 * (raw-echo.ts) plus datagram echo (RFC 9221) on every other ALPN.
 */
import { HQ_ALPN, serveHq } from '../api/hq-interop.js';
import { H3_ALPN, serveHttp3 } from '../api/http3.js';
import { serveRawEcho } from '../api/raw-echo.js';
import { QuicServer } from '../api/server.js';
import { base64Encode } from '../tls/certificates/pem.js';
import { toHex } from '../util/bytes.js';
import { serverOptions, type CliArgs } from './options.js';

/** ALPNs `serve` offers by default: hq-interop, h3, ours, and quic-go's echo peer's. */
export const SERVE_ALPN = [HQ_ALPN, H3_ALPN, 'quic-multistream', 'echo'] as const;

/** Output of the serve command. */
export interface ServeIo {
  log(line: string): void;
  warn(line: string): void;
}

/** Starts the server; resolves with it once listening (the caller closes it). */
export async function serve(args: CliArgs, io: ServeIo): Promise<QuicServer> {
  const root = args.values.root ?? '.';
  const server = new QuicServer(serverOptions(args, SERVE_ALPN, io.warn));
  await server.listen();
  const hash = server.certificate.sha256;
  if (hash !== undefined) {
    io.log('self-signed development certificate (ECDSA P-256, 14 days) for localhost, 127.0.0.1, ::1');
    io.log(`certificate sha256 hex: ${toHex(hash)}`);
    io.log(`certificate sha256 base64: ${base64Encode(hash)}`);
  }
  io.log(`listening on ${server.address.address} alpn=${(args.values.alpn ?? SERVE_ALPN.join(','))} root=${root}`);
  void (async () => {
    for await (const conn of server) {
      io.log(`connection ${conn.id} from ${conn.remoteAddress} alpn=${conn.alpn ?? '?'}`);
      if (conn.alpn === H3_ALPN) {
        void serveHttp3(conn, { root, onRequest: (r) => io.log(`  ${r.status} ${r.method} ${r.path} ${r.bytes} bytes`) }).catch(() => undefined);
      } else if (conn.alpn === HQ_ALPN) {
        void serveHq(conn, { root, onRequest: (r) => io.log(`  ${r.status} ${r.path} ${r.bytes} bytes`) }).catch(() => undefined);
      } else {
        void serveRawEcho(conn).catch(() => undefined);
        void (async () => {
          for await (const d of conn.incomingDatagrams) {
            try {
              conn.sendDatagram(d);
            } catch {
              // datagrams are unreliable
            }
          }
        })();
      }
    }
  })();
  return server;
}
