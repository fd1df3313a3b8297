/**
 * One interop test run on loopback, the way the runner does it (/work/shared/INTEROP-RUNNER.md §1):
 * fresh dirs, files, certs; server started through its endpoint launcher and probed with the
 * WAIT/Version Negotiation check; tshark on `lo`; the impairment relay for the scenario; the
 * client under the test's timeout; then the verdict (127 -> unsupported, client exit 0 -> check(),
 * else failed) and the checks on the capture with the key log.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ImpairmentRelay } from '../relay/relay.js';
import { checkFiles, generateFiles, makeCerts } from './files.js';
import { start, stop, udpPortFree, waitExit, waitForServer, waitOutput, type Proc } from './procs.js';
import type { TestCase } from './testcases.js';
import { readQlogPacketsSent } from './qlog.js';
import { buildTraces, readCapture, relayPortsOf, serverPortsOf } from './trace.js';

/** An endpoint implementation: a launcher honouring the §2 env contract + WWW/DOWNLOADS/CERTS/LOGS/PORT. */
export interface Implementation {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

/** pass / fail / unsupported, as the runner reports it. */
export type Status = 'pass' | 'fail' | 'unsupported';

/** Result of one test for one pairing. */
export interface TestResult {
  readonly test: string;
  readonly abbr: string;
  readonly client: string;
  readonly server: string;
  readonly status: Status;
  /** One line: why it failed / is unsupported, or a note on a pass. */
  readonly reason: string;
  readonly seconds: number;
  readonly seed: number;
  readonly dir: string;
}

/** Options of one run. */
export interface RunOptions {
  readonly seed: number;
  /** Root of the per-test directories. */
  readonly dir: string;
  /** Repository root (cwd of the launchers). */
  readonly repo: string;
  /** Multiplies every test timeout (slow shared machines). */
  readonly timeoutScale: number;
  /** Keep www/downloads/pcap of passing tests too. */
  readonly keep: boolean;
  /** Allocates a fresh UDP port. */
  readonly nextPort: () => Promise<number>;
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim().slice(0, 200);
/** The most telling line of a process's output: its first error line (a crash's message), else its last line. */
const lastLine = (s: string): string => {
  const lines = s.trim().split('\n').filter((l) => l.trim() !== '');
  return oneLine(lines.find((l) => /^\s*(\w*Error\b|Error \[|panic:)/.test(l)) ?? lines.at(-1) ?? '');
};

async function validKeylog(path: string): Promise<boolean> {
  try {
    return /^SERVER_HANDSHAKE_TRAFFIC_SECRET /m.test(await readFile(path, 'utf8'));
  } catch {
    return false;
  }
}

/** Runs `tc` with `client` against `server`. Never throws; every process is stopped before it returns. */
export async function runTest(tc: TestCase, client: Implementation, server: Implementation, opts: RunOptions): Promise<TestResult> {
  const t0 = Date.now();
  const dir = resolve(opts.dir, `${tc.name}__${client.name}__${server.name}`);
  const result = (status: Status, reason: string): TestResult => ({
    test: tc.name, abbr: tc.abbr, client: client.name, server: server.name, status, reason: oneLine(reason),
    seconds: Math.round((Date.now() - t0) / 100) / 10, seed: opts.seed, dir,
  });
  const procs: Proc[] = [];
  const captures: Proc[] = [];
  let relay: ImpairmentRelay | undefined;
  let relay2: ImpairmentRelay | undefined;
  try {
    await rm(dir, { recursive: true, force: true });
    const d = {
      www: join(dir, 'www'), downloads: join(dir, 'downloads'), certs: join(dir, 'certs'),
      slogs: join(dir, 'logs', 'server'), clogs: join(dir, 'logs', 'client'), empty: join(dir, 'empty'),
    };
    for (const p of Object.values(d)) await mkdir(p, { recursive: true });
    const names = await generateFiles(d.www, tc.files, opts.seed);
    await makeCerts(d.certs, tc.chainLen, opts.seed);
    const totalBytes = tc.files.sizes.reduce((a, b) => a + b, 0);
    const v6 = tc.host === 'v6';
    const host = v6 ? '::1' : '127.0.0.1';
    const serverPort = await opts.nextPort();
    const relayPort = await opts.nextPort();
    // connectionmigration: a second relay in front of the server's preferred address, so the
    // migrated path is impaired and captured like the first (the server advertises the relay's
    // port and binds `preferred.serverPort`, which the relay forwards to).
    const preferred = tc.preferredRelay ? { relayPort: await opts.nextPort(), serverPort: await opts.nextPort() } : undefined;
    await writeFile(join(dir, 'ports.json'), JSON.stringify({ relayPort, serverPort, preferred, seed: opts.seed }) + '\n');
    const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...(process.env.PEERS_DIR ? { PEERS_DIR: process.env.PEERS_DIR } : {}) };

    // 1. server
    const srv = start(server.command, server.args, {
      ...baseEnv, ROLE: 'server', TESTCASE: tc.server, REQUESTS: '', WWW: d.www, CERTS: d.certs, DOWNLOADS: d.empty,
      LOGS: d.slogs, PORT: String(serverPort), SSLKEYLOGFILE: join(d.slogs, 'keys.log'), QLOGDIR: join(d.slogs, 'qlog'),
      ...(preferred === undefined ? {} : {
        PREFERRED_HOST4: v6 ? 'none' : host, PREFERRED_HOST6: v6 ? host : 'none',
        PREFERRED_PORT: String(preferred.relayPort), PREFERRED_BIND_PORT: String(preferred.serverPort),
      }),
    }, join(d.slogs, 'output.txt'), opts.repo);
    procs.push(srv);
    const ready = await waitForServer(host, serverPort, 10_000 * opts.timeoutScale, () => srv.code() !== undefined);
    if (srv.code() === 127) return result('unsupported', `server exited 127 for TESTCASE=${tc.server}`);
    if (!ready) {
      return result('fail', srv.code() !== undefined
        ? `server exited ${srv.code()} before answering the WAIT probe: ${lastLine(srv.tail())}`
        : `server did not answer the WAIT probe with Version Negotiation within ${10 * opts.timeoutScale} s`);
    }

    // 2. captures (one per runner trace), then relay (scenario clock starts now), then client
    const pcaps = { left: join(dir, 'trace_node_left.pcap'), right: join(dir, 'trace_node_right.pcap') };
    const layout = { relayPort, serverPort, ...(preferred === undefined ? {} : { preferred }) };
    for (const [side, ports] of [['left', relayPortsOf(layout)], ['right', serverPortsOf(layout)]] as const) {
      const filter = ports.map((p) => `udp port ${p}`).join(' or ');
      const cap = start('tshark', ['-i', 'lo', '-n', '-f', filter, '-w', pcaps[side]], { ...baseEnv }, join(dir, `tshark-${side}.txt`));
      captures.push(cap);
      if (!(await waitOutput(cap, (s) => s.includes('Capturing on'), 20_000))) {
        return result('fail', `tshark did not start capturing: ${lastLine(cap.tail())}`);
      }
    }
    relay = new ImpairmentRelay();
    await relay.start({ scenario: tc.scenario, listen: v6 ? `[::1]:${relayPort}` : `127.0.0.1:${relayPort}`,
      server: v6 ? `[::1]:${serverPort}` : `127.0.0.1:${serverPort}`, seed: opts.seed, clock: 'first-datagram' });
    if (preferred !== undefined) {
      relay2 = new ImpairmentRelay();
      await relay2.start({ scenario: tc.scenario, listen: v6 ? `[::1]:${preferred.relayPort}` : `127.0.0.1:${preferred.relayPort}`,
        server: v6 ? `[::1]:${preferred.serverPort}` : `127.0.0.1:${preferred.serverPort}`, seed: opts.seed + 1 });
    }
    const urlHost = v6 ? `[::1]:${relayPort}` : `127.0.0.1:${relayPort}`;
    const cli = start(client.command, client.args, {
      ...baseEnv, ROLE: 'client', TESTCASE: tc.client, REQUESTS: names.map((n) => `https://${urlHost}/${n}`).join(' '),
      WWW: d.empty, CERTS: d.certs, DOWNLOADS: d.downloads, LOGS: d.clogs, SSLKEYLOGFILE: join(d.clogs, 'keys.log'),
      QLOGDIR: join(d.clogs, 'qlog'),
    }, join(d.clogs, 'output.txt'), opts.repo);
    procs.push(cli);
    const timeoutMs = tc.timeoutS * 1000 * opts.timeoutScale;
    const code = await waitExit(cli, timeoutMs);

    // 3. tear down (compose: --abort-on-container-exit), then verdict
    await stop(cli, 'SIGTERM', 2000);
    const srvCode = srv.code();
    await stop(srv, 'SIGTERM', 3000);
    const relayStats = relay.stats();
    await relay.close();
    relay = undefined;
    const relay2Stats = relay2?.stats();
    await relay2?.close();
    relay2 = undefined;
    await new Promise((r) => setTimeout(r, 300)); // let the last datagrams reach the capture
    for (const cap of captures.splice(0)) await stop(cap, 'SIGINT', 5000);
    if (code === 127) return result('unsupported', `client exited 127 for TESTCASE=${tc.client}`);
    if (srvCode === 127) return result('unsupported', `server exited 127 for TESTCASE=${tc.server}`);
    if (code === undefined) {
      return result('fail', `client timeout after ${timeoutMs / 1000} s (relay: c->s ${relayStats.clientToServer.delivered}/${relayStats.clientToServer.sent}, s->c ${relayStats.serverToClient.delivered}/${relayStats.serverToClient.sent} delivered)` +
        (tc.limitation ? ` [${tc.limitation}]` : ''));
    }
    if (code !== 0) return result('fail', `client exited ${code}: ${lastLine(cli.tail())}`);

    const filesProblem = await checkFiles(d.www, d.downloads, names);
    if (filesProblem) return result('fail', `files: ${filesProblem}`);
    const ckl = join(d.clogs, 'keys.log');
    const skl = join(d.slogs, 'keys.log');
    const keylog = (await validKeylog(ckl)) ? ckl : (await validKeylog(skl)) ? skl : undefined;
    if (tc.needsKeylog && !keylog) return result('unsupported', 'no valid key log (no SERVER_HANDSHAKE_TRAFFIC_SECRET) from client or server');
    const [left, right] = await Promise.all([pcaps.left, pcaps.right].map(async (f) => {
      await stat(f);
      return readCapture(f, layout, keylog, tc.protectedPayload);
    }));
    const traces = { ...buildTraces(left!, right!, layout), serverQlog: await readQlogPacketsSent(join(d.slogs, 'qlog')) };
    const prefNote = relay2Stats === undefined ? '' : ` (preferred-address relay: c->s ${relay2Stats.clientToServer.delivered}, s->c ${relay2Stats.serverToClient.delivered} delivered)`;
    const v0 = tc.check(traces, totalBytes);
    const v1 = v0.ok && tc.pcapCheck ? await tc.pcapCheck(pcaps.left, layout, keylog) : v0;
    const v = v0.ok && v1.ok && v0.note ? { ...v1, note: v1.note ? `${v0.note}; ${v1.note}` : v0.note } : v1;
    if (!v.ok) return result('fail', v.reason + prefNote + (tc.limitation ? ` [${tc.limitation}]` : ''));
    if (!opts.keep) {
      await rm(d.www, { recursive: true, force: true });
      await rm(d.downloads, { recursive: true, force: true });
      await rm(pcaps.left, { force: true });
      await rm(pcaps.right, { force: true });
    }
    return result('pass', (v.note ?? '') + prefNote);
  } catch (e) {
    return result('fail', `runner error: ${(e as Error).message}`);
  } finally {
    for (const p of procs) await stop(p, 'SIGKILL', 1000);
    if (relay) await relay.close();
    if (relay2) await relay2.close();
    for (const cap of captures) await stop(cap, 'SIGINT', 5000);
  }
}

/** A port allocator starting at `base`, skipping ports in use. */
export function portAllocator(base: number): () => Promise<number> {
  let next = base;
  return async () => {
    for (let i = 0; i < 2000; i++) {
      const p = next++;
      if (next > 60000) next = 20000;
      if (await udpPortFree(p)) return p;
    }
    throw new Error('no free UDP port');
  };
}

/**
 * The runner's compliance check (INTEROP-RUNNER.md §1 step 1): with an unknown TESTCASE both roles
 * must exit 127. Returns undefined when compliant, else why not.
 */
export async function checkCompliance(impl: Implementation, repo: string, dir: string): Promise<string | undefined> {
  const base = resolve(dir, `compliance__${impl.name}`);
  await rm(base, { recursive: true, force: true });
  for (const role of ['server', 'client'] as const) {
    const d = join(base, role);
    await mkdir(join(d, 'logs'), { recursive: true });
    await mkdir(join(d, 'downloads'), { recursive: true });
    const p = start(impl.command, impl.args, {
      PATH: process.env.PATH, HOME: process.env.HOME, ...(process.env.PEERS_DIR ? { PEERS_DIR: process.env.PEERS_DIR } : {}),
      ROLE: role, TESTCASE: 'curious-walrus-juggles', REQUESTS: role === 'client' ? 'https://127.0.0.1:1/x' : '',
      WWW: d, CERTS: d, DOWNLOADS: join(d, 'downloads'), LOGS: join(d, 'logs'), PORT: '1', SSLKEYLOGFILE: join(d, 'keys.log'),
      QLOGDIR: join(d, 'qlog'),
    }, join(d, 'output.txt'), repo);
    const code = await waitExit(p, 30_000);
    await stop(p, 'SIGKILL', 1000);
    if (code !== 127) return `${role} ${code === undefined ? 'did not exit within 30 s' : `exited ${code}`} for an unknown TESTCASE (must be 127)`;
  }
  return undefined;
}
