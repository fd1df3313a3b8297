/**
 * Deterministic transfer benchmarks (DESIGN §8: "deterministic (simulated transfer, null crypto,
 * counts) for regressions"): a client and a server Connection over the network simulator's default
 * link (the interop runner's S0: 15 ms one way, 10 Mbit/s, 25-packet queue), a handshake then a
 * 1 MB download on one stream, all on a virtual clock in this process.
 *
 * Every task is synchronous (tinybench-compatible): the client pins the server's leaf certificate
 * (RFC 8446 §4.4.2 checked synchronously, no verify_certificate event, no await). One operation =
 * one connection: handshake + 1 MB, so the figure is CPU cost per byte moved through the whole
 * stack (framing, packet protection, recovery, congestion control, flow control, the simulator).
 *
 * `simTransferCounts()` returns what a run of a fixed seed did (packets, bytes, losses, virtual
 * time): identical on every machine and every run, so a regression test can compare them.
 */
import { nodeCryptoProvider } from '../src/crypto/node-provider.js';
import { createNullCryptoProvider } from '../src/crypto/null-provider.js';
import type { CryptoProvider } from '../src/crypto/provider.js';
import { instant } from '../src/util/time.js';
import { defaultLink, RUNNER_CLIENT, RUNNER_SERVER } from '../spec-tests/sim/scenarios.js';
import { Download, SimPair } from '../spec-tests/sim/sim-pair.js';

/** Bytes downloaded per operation. */
export const SIM_TRANSFER_BYTES = 1_000_000;
/** The fixed seed of the benchmark and of `simTransferCounts`. */
export const SIM_TRANSFER_SEED = 0x51a7;

/** Null packet protection over node:crypto for the handshake (hashes, key exchange, signatures). */
const nullOverNode = createNullCryptoProvider({ base: nodeCryptoProvider });

/** The deterministic outcome of one simulated transfer. */
export interface SimTransferCounts {
  readonly provider: string;
  readonly seed: number;
  readonly bytes: number;
  /** Virtual time at which each side completed the handshake (µs). */
  readonly handshakeClientUs: number;
  readonly handshakeServerUs: number;
  /** Virtual time of the last byte read by the client (µs since the start of the connection). */
  readonly virtualTimeUs: number;
  /** Goodput of the download (bytes / virtual time from request to last byte), bits per second. */
  readonly goodputBps: number;
  readonly datagramsSent: { readonly client: number; readonly server: number };
  readonly bytesSent: { readonly client: number; readonly server: number };
  readonly packetsSent: { readonly client: number; readonly server: number };
  readonly lostPackets: { readonly client: number; readonly server: number };
  /** Server→client datagrams the 25-packet queue dropped. */
  readonly queueDrops: number;
  /** Loop iterations of the harness. */
  readonly steps: number;
}

function runTransfer(provider: CryptoProvider, seed: number, bytes: number): { pair: SimPair; download: Download } {
  const pair = new SimPair({ scenario: defaultLink, seed, provider, verification: 'pinned' });
  const deadline = instant(defaultLink.timeout);
  pair.runSync(() => pair.handshakeDone || pair.client.isClosed, undefined, deadline);
  if (!pair.handshakeDone) throw new Error('simulated handshake did not complete');
  const download = new Download(1, bytes);
  download.start(pair);
  pair.runSync(() => download.done || pair.client.isClosed, download.onEvent, deadline);
  if (!download.done || !download.intact) throw new Error(`simulated transfer incomplete: ${download.bytesReceived} of ${bytes} bytes`);
  return { pair, download };
}

/**
 * Runs one transfer of `bytes` with `provider` ('null': null packet protection; 'node') and the
 * given seed, and returns its counts: equal for equal arguments on every run.
 */
export function simTransferCounts(provider: 'null' | 'node' = 'null', seed = SIM_TRANSFER_SEED, bytes = SIM_TRANSFER_BYTES): SimTransferCounts {
  const { pair, download } = runTransfer(provider === 'null' ? nullOverNode : nodeCryptoProvider, seed, bytes);
  const c = pair.client.stats();
  const s = pair.server!.stats();
  return {
    provider, seed, bytes,
    handshakeClientUs: pair.handshakeAt.client!, handshakeServerUs: pair.handshakeAt.server!,
    virtualTimeUs: download.finishedAt!,
    goodputBps: Math.round((download.bytesReceived * 8 * 1e6) / (download.finishedAt! - download.startedAt!)),
    datagramsSent: { ...pair.datagramsSent }, bytesSent: { ...pair.bytesSent },
    packetsSent: { client: c.packetsSent, server: s.packetsSent },
    lostPackets: { client: c.lostPackets, server: s.lostPackets },
    queueDrops: pair.net.stats(RUNNER_SERVER, RUNNER_CLIENT).dropped['queue-full'],
    steps: pair.steps,
  };
}

/** Benchmark tasks `[name, bytesPerOp, fn]`: a handshake + 1 MB download per operation. */
export function simTransferTasks(): [string, number, () => void][] {
  const seed = SIM_TRANSFER_SEED;
  return [
    ['sim 1 MB transfer, null crypto', SIM_TRANSFER_BYTES, () => void runTransfer(nullOverNode, seed, SIM_TRANSFER_BYTES)],
    ['sim 1 MB transfer, node crypto', SIM_TRANSFER_BYTES, () => void runTransfer(nodeCryptoProvider, seed, SIM_TRANSFER_BYTES)],
  ];
}
