/**
 * The `npm start` demo: a server and a client in one process over loopback. The client opens 20
 * streams across the five priority levels (DESIGN §7 StreamPriority), uploads 256 KiB on each at
 * once, and sends datagrams (RFC 9221) alongside; the server echoes datagrams and acknowledges each
 * stream when its last byte arrived, so the completion order shows the scheduler at work. Stats are
 * printed at the end. Finishes in a few seconds and exits 0.
 * Run: npm start   (or: npx tsx examples/multistream-demo.ts)
 */
import { pathToFileURL } from 'node:url';
import { QuicServer, StreamPriority, connect, type QuicConnectionStats } from '../src/node.js';

/** What the demo measured. */
export interface DemoResult {
  /** Priority names in the order the server finished reading their streams. */
  readonly completionOrder: readonly string[];
  readonly datagramsEchoed: number;
  readonly client: QuicConnectionStats;
}

const NAMES = new Map<number, string>(Object.entries(StreamPriority).map(([name, p]) => [p, name]));

/** Runs the demo; `log` receives the report lines. */
export async function main(options: { streams?: number; bytesPerStream?: number; log?: (line: string) => void } = {}): Promise<DemoResult> {
  const log = options.log ?? console.log;
  const count = options.streams ?? 20;
  const size = options.bytesPerStream ?? 256 * 1024;
  const levels = [StreamPriority.CRITICAL, StreamPriority.HIGH, StreamPriority.NORMAL, StreamPriority.LOW, StreamPriority.BACKGROUND];
  const server = new QuicServer({ host: '127.0.0.1', port: 0, tls: { selfSigned: true }, datagrams: true });
  await server.listen();
  log(`server listening on ${server.address.address} (self-signed certificate, pinned by the client)`);
  const completion: string[] = [];
  try {
    void (async () => {
      for await (const conn of server) {
        void (async () => {
          for await (const d of conn.incomingDatagrams) conn.sendDatagram(d);
        })().catch(() => undefined);
        void (async () => {
          for await (const s of conn.incomingBiStreams) {
            void (async () => {
              const [level] = await s.readExact(1);
              await s.readAll();
              completion.push(NAMES.get(level!) ?? String(level));
              await s.writeAll(new Uint8Array([level!]));
            })().catch(() => undefined);
          }
        })();
      }
    })();

    const started = performance.now();
    const conn = await connect(server.address, { serverCertificateHashes: [server.certificate.sha256!], datagrams: true });
    log(`connected in ${(performance.now() - started).toFixed(1)} ms, ALPN ${conn.alpn}`);

    // Datagrams: fire a few alongside the streams and count the echoes.
    let echoed = 0;
    const datagrams = (async () => {
      for await (const _ of conn.incomingDatagrams) echoed++;
    })();
    for (let i = 0; i < 10; i++) conn.sendDatagram(new TextEncoder().encode(`datagram ${i}`));

    // Streams, opened lowest priority first so that opening order cannot explain the result.
    const plan = Array.from({ length: count }, (_, i) => levels[levels.length - 1 - (i % levels.length)]!);
    const body = new Uint8Array(size);
    const t0 = performance.now();
    const streams = await Promise.all(plan.map((priority) => conn.openBiStream({ priority })));
    await Promise.all(
      streams.map(async (s, i) => {
        await s.write(new Uint8Array([plan[i]!]));
        await s.writeAll(body);
        await s.readAll();
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    for (let i = 0; i < 10; i++) conn.sendDatagram(new TextEncoder().encode(`late ${i}`));
    await new Promise((r) => setTimeout(r, 100)); // let the last datagram echoes arrive

    log(`\n${count} streams x ${size / 1024} KiB uploaded in ${secs.toFixed(2)} s (${((count * size * 8) / secs / 1e6).toFixed(1)} Mbit/s)`);
    log('completion order (server side):');
    for (let i = 0; i < completion.length; i += levels.length) log(`  ${completion.slice(i, i + levels.length).join(', ')}`);
    const stats = conn.stats();
    log('\nclient connection stats:');
    log(`  bytes sent/received     ${stats.bytesSent} / ${stats.bytesReceived}`);
    log(`  packets sent/received   ${stats.packetsSent} / ${stats.packetsReceived}  (lost ${stats.lostPackets})`);
    log(`  smoothed rtt            ${(stats.rtt / 1000).toFixed(2)} ms`);
    log(`  congestion window       ${stats.cwnd} bytes, path MTU ${stats.pmtu}`);
    log(`  streams opened/accepted ${stats.streamsOpened} / ${stats.streamsAccepted}`);
    log(`  datagrams sent/received ${stats.datagramsSent} / ${stats.datagramsReceived}  (echoed ${echoed})`);
    const info = await conn.close(0, 'demo done');
    await datagrams;
    log(`\nclosed: ${info.initiator} code ${info.code} "${info.reason}"`);
    return { completionOrder: completion, datagramsEchoed: echoed, client: stats };
  } finally {
    await server.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
  process.exit(0);
}
