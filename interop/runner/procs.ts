/**
 * Child processes for the local runner: every process is spawned in its own process group
 * (detached) so that a launcher script and what it starts are stopped together, by the PID we
 * got back (kill(-pid)); nothing is ever stopped by name. Bounded waits everywhere.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import dgram from 'node:dgram';

/** A started process and its exit. */
export interface Proc {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (signal -> 128 + n, like a shell) once the process has exited. */
  readonly exited: Promise<number>;
  /** The exit code once exited, else undefined. */
  code(): number | undefined;
  /** Last lines of stdout+stderr (kept in memory, 8 KiB). */
  tail(): string;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Every process started here and not yet exited (for `stopAll` when the runner is interrupted). */
const running = new Set<Proc>();

/** Interrupt path: SIGINT to captures' groups (so pcaps are flushed), SIGKILL to the others. */
export function stopAll(): void {
  for (const p of running) signalGroup(p, p.child.spawnfile === 'tshark' ? 'SIGINT' : 'SIGKILL');
}

/** Spawns `cmd args` in a new process group, output appended to `logFile`. */
export function start(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, logFile: string, cwd?: string): Proc {
  const child = spawn(cmd, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
  const out = createWriteStream(logFile, { flags: 'a' });
  let tail = '';
  const keep = (b: Buffer): void => {
    out.write(b);
    tail = (tail + b.toString('utf8')).slice(-8192);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let code: number | undefined;
  const exited = new Promise<number>((resolve) => {
    child.on('error', (e) => { keep(Buffer.from(`spawn error: ${e.message}\n`)); code = 1; resolve(1); });
    child.on('close', (c, sig) => {
      out.end();
      code = c ?? 128 + (sig ? SIGNALS[sig] ?? 0 : 0);
      resolve(code);
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  const proc: Proc = { child, pid: child.pid, exited, code: () => code, tail: () => tail };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** Sends `signal` to the process group of `p` (the group we created), ignoring "no such process". */
export function signalGroup(p: Proc, signal: NodeJS.Signals): void {
  if (p.code() !== undefined) return;
  try {
    process.kill(-p.pid, signal);
  } catch {
    try { process.kill(p.pid, signal); } catch { /* already gone */ }
  }
}

/** Stops `p`: `signal`, then SIGKILL after `graceMs`; resolves with the exit code. */
export async function stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<number> {
  if (p.code() !== undefined) return p.code()!;
  signalGroup(p, signal);
  const t = setTimeout(() => signalGroup(p, 'SIGKILL'), graceMs);
  try {
    return await p.exited;
  } finally {
    clearTimeout(t);
  }
}

/** Waits for `p` to exit, at most `ms`; undefined on timeout. */
export async function waitExit(p: Proc, ms: number): Promise<number | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const r = await Promise.race([p.exited, new Promise<undefined>((res) => { timer = setTimeout(() => res(undefined), ms); })]);
  clearTimeout(timer);
  return r;
}

/** Resolves true once `pred(tail)` holds, false after `ms` or if the process exits first. */
export async function waitOutput(p: Proc, pred: (tail: string) => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (pred(p.tail())) return true;
    if (p.code() !== undefined) return pred(p.tail());
    await sleep(50);
  }
  return false;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** True if UDP `port` can be bound on 127.0.0.1 and ::1 right now. */
export async function udpPortFree(port: number): Promise<boolean> {
  const tryBind = (type: 'udp4' | 'udp6', address: string): Promise<boolean> => new Promise((resolve) => {
    const s = dgram.createSocket({ type, ipv6Only: type === 'udp6' });
    s.once('error', () => { s.close(); resolve(false); });
    s.bind({ port, address }, () => s.close(() => resolve(true)));
  });
  return (await tryBind('udp4', '0.0.0.0')) && (await tryBind('udp6', '::'));
}

/**
 * The interop runner's readiness probe (INTEROP-RUNNER.md §2.4): a 1207-byte long-header datagram
 * with version 0x57414954 ("WAIT"), empty CIDs, every 500 ms until a Version Negotiation reply
 * (bytes 1..4 zero) or `ms` elapse.
 */
export async function waitForServer(host: string, port: number, ms: number, gaveUp: () => boolean): Promise<boolean> {
  const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const probe = Buffer.alloc(1207);
  probe[0] = 0xc0;
  probe.writeUInt32BE(0x57414954, 1); // "WAIT"; DCID len, SCID len and the rest stay 0
  let ok = false;
  s.on('message', (m) => { if (m.length >= 5 && m.readUInt32BE(1) === 0) ok = true; });
  s.on('error', () => { /* ICMP port unreachable until the server binds */ });
  await new Promise<void>((r) => s.bind(0, r));
  const deadline = Date.now() + ms;
  try {
    while (!ok && Date.now() < deadline && !gaveUp()) {
      s.send(probe, port, host);
      for (let i = 0; i < 10 && !ok; i++) await sleep(50);
    }
  } finally {
    s.close();
  }
  return ok;
}
