/**
 * Echo client: sends a message on a stream and a datagram, prints what comes back.
 * Run: npx tsx examples/echo-client.ts <port> <certificate sha256 hex> [message]
 */
import { pathToFileURL } from 'node:url';
import { connect } from '../src/node.js';

/** Connects to an echo server pinned by its certificate hash; resolves with the echoed text. */
export async function main(port: number, certSha256Hex: string, message = 'hello, quic'): Promise<string> {
  const conn = await connect({ host: '127.0.0.1', port }, { serverCertificateHashes: [Buffer.from(certSha256Hex, 'hex')], datagrams: true });
  try {
    const stream = await conn.openBiStream();
    const [, reply] = await Promise.all([stream.writeAll(new TextEncoder().encode(message)), stream.readAll()]);
    const text = new TextDecoder().decode(reply);
    console.log(`stream echo: ${text}`);
    conn.sendDatagram(new TextEncoder().encode('ping'));
    const d = await Promise.race([conn.recvDatagram(), new Promise<undefined>((r) => setTimeout(r, 1000))]);
    console.log(d === undefined ? 'datagram: lost (datagrams are unreliable)' : `datagram echo: ${new TextDecoder().decode(d)}`);
    return text;
  } finally {
    await conn.close(0, 'bye');
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [port, hash, message] = process.argv.slice(2);
  if (port === undefined || hash === undefined) {
    console.error('usage: echo-client.ts <port> <certificate sha256 hex> [message]');
    process.exit(2);
  }
  await main(Number(port), hash, message);
}
