/**
 * Summarises V8 CPU profiles (`node --cpu-prof` .cpuprofile files): self time per function
 * (name, file:line), as a share of all samples and of the samples that were not idle.
 */
import { readFileSync } from 'node:fs';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** One function's self time. */
export interface SelfTime {
  readonly fn: string;
  readonly ms: number;
  /** Share of all sampled time (idle included). */
  readonly pctAll: number;
  /** Share of the busy (non-idle) time. */
  readonly pctBusy: number;
}

/** Self time per function of one profile, largest first, and the total / idle ms. */
export function summariseProfile(file: string, top = 15): { totalMs: number; idleMs: number; top: SelfTime[] } {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    const n = byId.get(p.samples[i]!);
    if (n === undefined) continue;
    const cf = n.callFrame;
    const short = cf.url === '' ? '' : ` ${cf.url.replace(/^file:\/\//, '').replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${cf.lineNumber + 1}`;
    const key = `${cf.functionName === '' ? '(anonymous)' : cf.functionName}${short}`;
    total += dt;
    if (cf.functionName === '(idle)') idle += dt;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const busy = total - idle;
  const rows = [...self.entries()]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, ms]) => ({ fn, ms, pctAll: (100 * ms) / total, pctBusy: (100 * ms) / busy }));
  return { totalMs: total, idleMs: idle, top: rows };
}

/** The summary as text lines. */
export function formatProfile(label: string, s: ReturnType<typeof summariseProfile>): string {
  const lines = [`${label}: ${s.totalMs.toFixed(0)} ms sampled, ${s.idleMs.toFixed(0)} ms idle (${((100 * s.idleMs) / s.totalMs).toFixed(1)}%)`];
  lines.push('  self ms   % busy  % all  function');
  for (const r of s.top) lines.push(`  ${r.ms.toFixed(0).padStart(7)}  ${r.pctBusy.toFixed(1).padStart(6)}  ${r.pctAll.toFixed(1).padStart(5)}  ${r.fn}`);
  return lines.join('\n');
}
