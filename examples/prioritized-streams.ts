/**
 * Prioritized streams: the client uploads the same amount on five streams at once, one per
 * priority level; the server reports the order in which they completed. Higher priorities are
 * sent first (DESIGN §7 StreamPriority), so CRITICAL should finish first and BACKGROUND last.
 * Run: npx tsx examples/prioritized-streams.ts
 */
import { pathToFileURL } from 'node:url';
import { QuicServer, StreamPriority, connect } from '../src/node.js';

/** Runs server and client in-process; resolves with the priority names in completion order. */
export async function main(bytesPerStream = 512 * 1024): Promise<string[]> {
  const server = new QuicServer({ host: '127.0.0.1', port: 0, tls: { selfSigned: true } });
  await server.listen();
  const order: string[] = [];
  const names = new Map<number, string>(Object.entries(StreamPriority).map(([name, p]) => [p, name]));
  try {
    const served = (async () => {
      const conn = await server.accept();
      await Promise.all(
        Array.from({ length: 5 }, async () => {
          const s = await conn.acceptBiStream();
          const header = await s.readExact(1); // the first byte says which priority the client used
          await s.readAll();
          order.push(names.get(header[0]!) ?? String(header[0]));
          s.finish();
        }),
      );
    })();
    const conn = await connect(server.address, { serverCertificateHashes: [server.certificate.sha256!] });
    const body = new Uint8Array(bytesPerStream);
    // Open in reverse order of priority, so opening order cannot explain the result.
    const levels = [StreamPriority.BACKGROUND, StreamPriority.LOW, StreamPriority.NORMAL, StreamPriority.HIGH, StreamPriority.CRITICAL];
    const streams = await Promise.all(levels.map((priority) => conn.openBiStream({ priority })));
    await Promise.all(streams.map(async (s, i) => {
      await s.write(new Uint8Array([levels[i]!]));
      await s.writeAll(body);
      await s.readAll();
    }));
    await served;
    console.log(`completion order: ${order.join(' > ')}`);
    await conn.close(0, 'done');
    return order;
  } finally {
    await server.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
