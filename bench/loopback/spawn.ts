/**
 * Starts benchmark peers (peer.ts, or the quic-go peer binary) as child processes, reads their JSON
 * lines, and stops them by PID. Nothing here is measured: the peers time themselves.
 *
 * Peers run as JavaScript compiled by tsc, as users run the published package (dist/): tsx's
 * esbuild transform wraps every closure creation in a `__name` call (keepNames), a cost on the
 * packet path users never pay (README.md: 3–15% of the CPU per datagram). `preparePeers`
 * compiles src/ and peer.ts with the project's compiler options into a temporary directory once
 * per process (a few seconds); LOOPBACK_PEERS=tsx runs them under tsx instead (`node --import tsx
 * peer.ts`, no build).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PEER_TS = fileURLToPath(new URL('./peer.ts', import.meta.url));

/** How peers run: compiled JS (default) or under tsx (LOOPBACK_PEERS=tsx). */
export const peerRuntime: 'compiled' | 'tsx' = process.env.LOOPBACK_PEERS === 'tsx' ? 'tsx' : 'compiled';

let compiled: Promise<string> | undefined;

/**
 * Compiles src/ and bench/loopback/peer.ts with tsc (the repository's tsconfig.json, emitting) into
 * a temporary directory removed at exit; resolves with the compiled peer.js. Once per process.
 */
export function preparePeers(): Promise<string> {
  compiled ??= new Promise<string>((resolve, reject) => {
    const dir = mkdtempSync(join(tmpdir(), 'loopback-peers-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    // node_modules for the peers' imports (and tsc's @types), "type": "module" for the .js files.
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      extends: join(REPO, 'tsconfig.json'),
      compilerOptions: { noEmit: false, rootDir: REPO, outDir: join(dir, 'out'), declaration: false, sourceMap: false },
      include: [join(REPO, 'src'), PEER_TS],
    }));
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const child = spawn(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      // tsc exits with 2 when it found type errors but emitted anyway (as tsx would run the code).
      if (code === 2) process.stderr.write(`[loopback] tsc reported type errors; running the emitted peers anyway:\n${out.slice(-2000)}\n`);
      if (code === 0 || code === 2) resolve(join(dir, 'out', 'bench', 'loopback', 'peer.js'));
      else reject(new Error(`compiling the loopback peers failed (tsc exit ${code}): ${out.slice(-2000)}`));
    });
  });
  return compiled;
}

/** A running peer process; `next` resolves with the whole JSON line that has the key. */
export interface Peer {
  readonly child: ChildProcess;
  /** The next JSON line with `key` (rejects if the process exits first or after `timeoutMs`). */
  next<T = Record<string, unknown>>(key: string, timeoutMs?: number): Promise<T>;
  /** Writes one command line to stdin. */
  send(line: string): void;
  /** Asks the peer to quit (stdin `quit`: a CPU profile is written at a normal exit), then kills it by PID (SIGTERM, then SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
  /** Stderr collected so far (for error messages). */
  stderr(): string;
}

/** Extra node flags for a peer. */
export interface PeerFlags {
  /** Write a V8 CPU profile into this directory (node --cpu-prof). */
  readonly cpuProfDir?: string;
  readonly exposeGc?: boolean;
  readonly maxOldSpaceMb?: number;
}

/** Spawns the peer (`peer.js <role> args...` compiled, or `peer.ts` under the tsx loader: see `peerRuntime`). */
export async function startPeer(role: string, args: Record<string, string | number | boolean | undefined>, flags: PeerFlags = {}): Promise<Peer> {
  const argv: string[] = [];
  for (const [k, v] of Object.entries(args)) {
    if (v === undefined || v === false) continue;
    argv.push(`--${k}`);
    if (v !== true) argv.push(String(v));
  }
  const node: string[] = peerRuntime === 'tsx' ? ['--import', 'tsx'] : [];
  const PEER = peerRuntime === 'tsx' ? PEER_TS : await preparePeers();
  if (flags.cpuProfDir !== undefined) node.push('--cpu-prof', '--cpu-prof-dir', flags.cpuProfDir);
  if (flags.exposeGc === true) node.push('--expose-gc');
  if (flags.maxOldSpaceMb !== undefined) node.push(`--max-old-space-size=${flags.maxOldSpaceMb}`);
  return wrap(spawn(process.execPath, [...node, PEER, role, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] }), 'json');
}

/** Spawns any command whose stdout lines are text (the quic-go peer). */
export function startCommand(cmd: string, args: string[]): Peer {
  return wrap(spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] }), 'text');
}

function wrap(child: ChildProcess, mode: 'json' | 'text'): Peer {
  const lines: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let err = '';
  let exited = false;
  child.stdin?.on('error', () => undefined); // EPIPE once the peer exited
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 20_000) err = err.slice(-10_000);
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (mode === 'text') lines.push({ line });
    else {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ line });
      }
    }
    for (const w of waiters.splice(0)) w();
  });
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      for (const w of waiters.splice(0)) w();
      resolve();
    });
  });
  return {
    child,
    next<T>(key: string, timeoutMs = 120_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for '${key}' (pid ${child.pid}): ${err.slice(-2000)}`)), timeoutMs);
        const check = (): void => {
          const i = lines.findIndex((l) => key in l || 'error' in l);
          if (i >= 0) {
            const [l] = lines.splice(i, 1);
            clearTimeout(timer);
            if (l !== undefined && 'error' in l && !(key in l)) reject(new Error(`peer error: ${String(l.error)}`));
            else resolve(l as T);
            return;
          }
          if (exited) {
            clearTimeout(timer);
            reject(new Error(`peer (pid ${child.pid}) exited before '${key}': ${err.slice(-2000)}`));
            return;
          }
          waiters.push(check);
        };
        check();
      });
    },
    send(line: string): void {
      child.stdin!.write(`${line}\n`);
    },
    async stop(): Promise<void> {
      if (exited || child.pid === undefined) return;
      const pid = child.pid;
      // Our peers quit on stdin (and write their profile); other programs get SIGTERM at once.
      if (mode === 'json') child.stdin!.write('quit\n', () => undefined);
      const term = setTimeout(
        () => {
          if (!exited) process.kill(pid, 'SIGTERM');
        },
        mode === 'json' ? 2000 : 0,
      );
      const kill = setTimeout(() => {
        if (!exited) process.kill(pid, 'SIGKILL');
      }, 5000);
      await exitedPromise;
      clearTimeout(term);
      clearTimeout(kill);
    },
    stderr: () => err,
  };
}

/** Waits for the process to exit by itself (clients exit after printing their result). */
export function exited(p: Peer): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => p.child.once('exit', () => resolve()));
}
