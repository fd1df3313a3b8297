/**
 * The layer rules of DESIGN §1 and §2, as data and a checker, so the architecture test and its
 * self-test share one implementation.
 */

/**
 * Rank of each src/ folder: a file may import from its own folder or from folders of strictly
 * lower rank ("imports only point down the layers"). Folders of equal rank are independent.
 */
export const LAYER_RANK: Readonly<Record<string, number>> = {
  util: 0,
  wire: 1,
  crypto: 2,
  tls: 3,
  qlog: 3,
  congestion: 4,
  recovery: 5,
  streams: 5,
  scheduler: 6,
  connection: 7,
  endpoint: 8,
  h3: 9,
  webtransport: 10,
  io: 11,
  'api-common': 11, // pure public-API pieces shared by api (Node) and web (browser): errors, queue, interfaces
  api: 12,
  web: 12,
  cli: 13,
  '.': 14, // src/index.ts and other top-level entry points
};

/** Folders allowed to do I/O, read clocks, use timers and ambient randomness. */
export const IMPURE_FOLDERS: ReadonlySet<string> = new Set(['io', 'api', 'web', 'cli']);

/** Files inside pure folders allowed to import `node:` modules: the node crypto provider's. */
export const IMPURE_FILE: RegExp = /^crypto\/node-provider(-[a-z]+)?\.ts$/;

/**
 * The one pure file allowed to construct a `Date`, and only from an argument: the certificate
 * code's wall-clock helper turns an injected epoch-ms time into the `Date` pkijs wants (DESIGN §1,
 * "Certificates and tickets use an injected wall clock"). Building a Date from an injected time is
 * not reading the clock; `Date.now()`, `Date()` and an argument-less `new Date()` stay forbidden.
 */
export const WALL_CLOCK_FILE: RegExp = /^tls\/certificates\/wall-clock\.ts$/;

/** Runtime packages src/ may import (DEVELOPERS.md, DESIGN §8). */
export const ALLOWED_PACKAGES: readonly string[] = ['@noble/ciphers', '@noble/hashes', '@noble/curves', '@noble/post-quantum', 'pkijs', 'asn1js'];

const FORBIDDEN_IN_PURE: readonly [RegExp, string][] = [
  [/\bsetTimeout\s*\(/, 'setTimeout'],
  [/\bsetInterval\s*\(/, 'setInterval'],
  [/\bsetImmediate\s*\(/, 'setImmediate'],
  [/\bnew\s+Date\b|\bDate\s*\.\s*now\b|\bDate\s*\(/, 'Date'],
  [/\bperformance\s*\./, 'performance'],
  [/\bMath\s*\.\s*random\b/, 'Math.random'],
  [/\bprocess\s*\.\s*(hrtime|env|nextTick)\b/, 'process'],
];

/** Removes comments so prose about forbidden things does not count (strings are kept). */
export function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Every module specifier imported or re-exported by `source`. */
export function importSpecifiers(source: string): string[] {
  const code = stripComments(source);
  const out: string[] = [];
  const re = /(?:\bimport|\bexport)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of code.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

/** The src/ folder of a path relative to src/ ('crypto/aead.ts' -> 'crypto', 'index.ts' -> '.'). */
export function folderOf(relPath: string): string {
  const slash = relPath.indexOf('/');
  return slash < 0 ? '.' : relPath.slice(0, slash);
}

/** Joins and normalizes a relative import against the importing file's path (both relative to src/). */
export function resolveRelative(fromRel: string, spec: string): string {
  const parts = fromRel.split('/').slice(0, -1);
  for (const seg of spec.split('/')) {
    if (seg === '.' || seg === '') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}

/**
 * The violations of DESIGN §1 in one file: `relPath` is relative to src/, `source` its text.
 * Returns human-readable messages (empty when the file is clean).
 */
export function checkFile(relPath: string, source: string): string[] {
  const problems: string[] = [];
  const folder = folderOf(relPath);
  const rank = LAYER_RANK[folder];
  if (rank === undefined) return [`${relPath}: folder '${folder}' is not in the layer list (DESIGN §2)`];
  const pure = !IMPURE_FOLDERS.has(folder);
  const code = stripComments(source);

  for (const spec of importSpecifiers(source)) {
    if (spec.startsWith('.')) {
      const target = resolveRelative(relPath, spec);
      if (target.startsWith('..')) {
        problems.push(`${relPath}: imports '${spec}' from outside src/`);
        continue;
      }
      const targetFolder = folderOf(target);
      const targetRank = LAYER_RANK[targetFolder];
      if (targetRank === undefined) problems.push(`${relPath}: imports unknown folder '${targetFolder}'`);
      else if (targetFolder !== folder && targetRank >= rank)
        problems.push(`${relPath}: ${folder} (rank ${rank}) imports ${targetFolder} (rank ${targetRank}); imports must point down`);
    } else if (spec.startsWith('node:') || !spec.includes('/') && ['crypto', 'dgram', 'fs', 'os', 'net', 'timers', 'perf_hooks'].includes(spec)) {
      if (pure && !IMPURE_FILE.test(relPath)) problems.push(`${relPath}: pure folder imports '${spec}'`);
    } else {
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      if (!ALLOWED_PACKAGES.includes(pkg)) problems.push(`${relPath}: imports '${pkg}', not an allowed runtime dependency`);
    }
  }
  if (pure) {
    // WALL_CLOCK_FILE: drop `new Date(<argument>` before checking; every other Date use still counts.
    const checked = WALL_CLOCK_FILE.test(relPath) ? code.replace(/\bnew\s+Date\s*\(\s*(?=[^\s)])/g, '') : code;
    for (const [re, what] of FORBIDDEN_IN_PURE) if (re.test(checked)) problems.push(`${relPath}: pure folder uses ${what}`);
  }
  return problems;
}
