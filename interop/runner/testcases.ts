/**
 * The interop runner's QUIC test cases that use hq-interop (/work/shared/INTEROP-RUNNER.md §3),
 * with the TESTCASE each role sees, the files, the scenario (a key of the relay's SCENARIOS),
 * the timeout and the `check()` (checks.ts). `http3` (ALPN h3) is here too, with a further
 * check of the capture (h3-trace.ts); `crosstraffic` is not (no iperf cross traffic).
 */
import {
  all, checkAmplification, checkChaCha20, checkClientHelloRetransmitted, checkEcn, checkHandshakes, checkIpv6,
  checkKeyUpdate, checkMigrationDcid, checkNoRetry, checkPathValidation, checkResumption, checkRetry, checkStreamLimit,
  checkV2, checkZeroRtt, fail, goodputKbps, pass, type Verdict,
} from './checks.js';
import type { FileSpec } from './files.js';
import { checkH3Trace } from './h3-trace.js';
import type { TraceLayout, Traces } from './trace.js';

const KiB = 1024;
const MiB = 1024 * 1024;

/** One runner test case. */
export interface TestCase {
  readonly name: string;
  readonly abbr: string;
  /** TESTCASE of the server / client container. */
  readonly server: string;
  readonly client: string;
  readonly files: FileSpec;
  /** Relay scenario (SCENARIOS key). */
  readonly scenario: string;
  readonly timeoutS: number;
  /** URL host family: v4 (server4), v6 (server6), v46 (server46, connectionmigration). */
  readonly host: 'v4' | 'v6' | 'v46';
  /** certs.sh chain length. */
  readonly chainLen: number;
  /** KL: without a valid key log the result is unsupported, not failed. */
  readonly needsKeylog: boolean;
  /** zerortt needs the short-header protected payload sizes. */
  readonly protectedPayload?: boolean;
  /** connectionmigration: run a second relay in front of the server's preferred address (run-test.ts). */
  readonly preferredRelay?: boolean;
  /** Note on what the local relay cannot reproduce (shown with failures). */
  readonly limitation?: string;
  readonly check: (t: Traces, totalBytes: number) => Verdict;
  /** A further check reading the client-side capture itself (http3: ALPN h3 and HTTP/3 frames, h3-trace.ts), run after `check` passes. */
  readonly pcapCheck?: (leftPcap: string, layout: TraceLayout, keylog: string | undefined) => Promise<Verdict>;
}

const n = (count: number, size: number): number[] => Array.from({ length: count }, () => size);

const tc = (x: Partial<TestCase> & Pick<TestCase, 'name' | 'abbr' | 'files' | 'check'>): TestCase => ({
  server: x.name, client: x.name, scenario: x.name, timeoutS: 60, host: 'v4', chainLen: 1, needsKeylog: false, ...x,
});

/** In runner order (TESTCASES_QUIC), then the goodput measurement. */
export const TESTCASES: readonly TestCase[] = [
  tc({ name: 'handshake', abbr: 'H', files: { sizes: [1 * KiB] }, check: (t) => all(() => checkHandshakes(t, 1), () => checkNoRetry(t)) }),
  tc({ name: 'transfer', abbr: 'DC', files: { sizes: [2 * MiB, 3 * MiB, 5 * MiB] }, check: (t) => checkHandshakes(t, 1) }),
  tc({ name: 'longrtt', abbr: 'LR', server: 'handshake', client: 'handshake', files: { sizes: [1 * KiB] },
    check: (t) => all(() => checkHandshakes(t, 1), () => checkClientHelloRetransmitted(t)) }),
  tc({ name: 'chacha20', abbr: 'C20', files: { sizes: [3 * MiB] }, check: (t) => all(() => checkHandshakes(t, 1), () => checkChaCha20(t)) }),
  tc({ name: 'multiplexing', abbr: 'M', server: 'transfer', client: 'transfer', files: { sizes: n(1999, 32) }, needsKeylog: true,
    check: (t) => all(() => checkHandshakes(t, 1), () => checkStreamLimit(t)) }),
  tc({ name: 'retry', abbr: 'S', files: { sizes: [10 * KiB] }, check: (t) => all(() => checkHandshakes(t, 1), () => checkRetry(t)) }),
  tc({ name: 'resumption', abbr: 'R', files: { sizes: [5 * KiB, 10 * KiB] }, needsKeylog: true, check: (t) => checkResumption(t) }),
  tc({ name: 'zerortt', abbr: 'Z', files: { sizes: n(40, 32), longNames: true }, protectedPayload: true, check: (t) => checkZeroRtt(t) }),
  // INTEROP-RUNNER §3 row 9: ALPN h3, 5 KiB + 10 KiB + 500 KiB fetched in parallel; base(1), plus the h3 trace check.
  tc({ name: 'http3', abbr: '3', files: { sizes: [5 * KiB, 10 * KiB, 500 * KiB] }, check: (t) => checkHandshakes(t, 1), pcapCheck: checkH3Trace }),
  tc({ name: 'blackhole', abbr: 'B', server: 'transfer', client: 'transfer', files: { sizes: [10 * MiB] }, check: (t) => checkHandshakes(t, 1) }),
  tc({ name: 'keyupdate', abbr: 'U', server: 'transfer', client: 'keyupdate', files: { sizes: [3 * MiB] }, needsKeylog: true,
    check: (t) => all(() => checkHandshakes(t, 1), () => checkKeyUpdate(t)) }),
  tc({ name: 'ecn', abbr: 'E', files: { sizes: [100 * KiB] }, needsKeylog: true,
    limitation: 'the relay re-sends datagrams from node:dgram sockets, so ECN codepoints do not cross it',
    check: (t) => all(() => checkHandshakes(t, 1), () => checkNoRetry(t), () => checkEcn(t)) }),
  tc({ name: 'amplificationlimit', abbr: 'A', server: 'transfer', client: 'transfer', files: { sizes: [5 * KiB] }, chainLen: 9,
    needsKeylog: true, check: (t) => all(() => checkHandshakes(t, 1), () => checkAmplification(t)) }),
  tc({ name: 'handshakeloss', abbr: 'L1', server: 'multiconnect', client: 'multiconnect', files: { sizes: n(50, 1 * KiB) },
    timeoutS: 300, check: (t) => checkHandshakes(t, 50) }),
  tc({ name: 'transferloss', abbr: 'L2', server: 'transfer', client: 'transfer', files: { sizes: [2 * MiB] }, check: (t) => checkHandshakes(t, 1) }),
  tc({ name: 'handshakecorruption', abbr: 'C1', server: 'multiconnect', client: 'multiconnect', files: { sizes: n(50, 1 * KiB) },
    timeoutS: 300, check: (t) => checkHandshakes(t, 50) }),
  tc({ name: 'transfercorruption', abbr: 'C2', server: 'transfer', client: 'transfer', files: { sizes: [2 * MiB] }, check: (t) => checkHandshakes(t, 1) }),
  tc({ name: 'ipv6', abbr: '6', server: 'transfer', client: 'transfer', files: { sizes: [5 * KiB, 10 * KiB] }, host: 'v6',
    check: (t) => all(() => checkHandshakes(t, 1), () => checkIpv6(t)) }),
  tc({ name: 'v2', abbr: 'V2', files: { sizes: [1 * KiB] }, check: (t) => checkV2(t) }),
  tc({ name: 'rebind-port', abbr: 'BP', server: 'transfer', client: 'transfer', files: { sizes: [10 * MiB] }, needsKeylog: true,
    check: (t) => all(() => checkHandshakes(t, 1), () => checkPathValidation(t)) }),
  tc({ name: 'rebind-addr', abbr: 'BA', server: 'transfer', client: 'transfer', files: { sizes: [10 * MiB] }, needsKeylog: true,
    check: (t) => all(() => checkHandshakes(t, 1), () => checkPathValidation(t, true)) }),
  tc({ name: 'connectionmigration', abbr: 'CM', server: 'connectionmigration', client: 'transfer', files: { sizes: [2 * MiB] },
    host: 'v46', needsKeylog: true, preferredRelay: true,
    check: (t) => all(() => checkHandshakes(t, 1), () => checkPathValidation(t), () => checkMigrationDcid(t)) }),
  tc({ name: 'goodput', abbr: 'G', server: 'transfer', client: 'transfer', files: { sizes: [10 * MiB] },
    check: (t, bytes) => {
      const hs = checkHandshakes(t, 1);
      if (!hs.ok) return hs;
      const kbps = goodputKbps(t, bytes);
      return kbps === undefined ? fail('no server 1-RTT packets at the client side') : pass(`${Math.round(kbps)} kbps`);
    } }),
];

/** Looks a test case up by name. */
export function findTestCase(name: string): TestCase | undefined {
  return TESTCASES.find((t) => t.name === name);
}
