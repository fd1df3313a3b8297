/**
 * Echo server: every bidirectional stream is echoed back, every datagram too.
 * Run: npx tsx examples/echo-server.ts [port]   (prints the certificate hash clients pin)
 */
import { pathToFileURL } from 'node:url';
import { QuicServer, type QuicConnection } from '../src/node.js';

async function echoConnection(conn: QuicConnection): Promise<void> {
  void (async () => {
    for await (const d of conn.incomingDatagrams) conn.sendDatagram(d);
  })().catch(() => undefined);
  for await (const stream of conn.incomingBiStreams) {
    // Copy each stream's bytes back as they arrive, then finish.
    void (async () => {
      for (let chunk = await stream.readChunk(); chunk !== null; chunk = await stream.readChunk()) await stream.write(chunk.slice());
      stream.finish();
    })().catch(() => undefined);
  }
}

/** Starts the echo server; resolves once it listens. Close it with `server.close()`. */
export async function main(port = 4433, host = '127.0.0.1'): Promise<QuicServer> {
  const server = new QuicServer({ host, port, tls: { selfSigned: true }, datagrams: true });
  await server.listen();
  console.log(`echo server on ${server.address.address}`);
  console.log(`certificate sha256: ${Buffer.from(server.certificate.sha256!).toString('hex')}`);
  void (async () => {
    for await (const conn of server) void echoConnection(conn).catch(() => undefined);
  })();
  return server;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await main(Number(process.argv[2] ?? 4433));
  process.once('SIGINT', () => void server.close().then(() => process.exit(0)));
}
