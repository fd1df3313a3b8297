/**
 * Reads the RFC 8448 (TLS 1.3 traces) text at test time and extracts its hex blocks, so vector
 * tests use the bytes exactly as the RFC prints them.
 *
 * Layout of the trace (e.g. RFC 8448 §3):
 *
 * ```
 *    {server}  derive secret "tls13 c hs traffic":          <- step: actor + title (3 spaces)
 *
 *       PRK (32 octets):  1d c8 26 e9 36 06 aa 6f ...        <- field: name (N octets): hex (6 spaces)
 *          04 6a a6 b9 9f 69 1e d2 21 a9 f0 ca 04 3f be ac   <- continuation (9 spaces)
 * ```
 *
 * Page breaks (a footer "Thomson  Informational  [Page N]", a form feed, a header "RFC 8448 ...
 * January 2019" and blank lines) may fall inside a hex block: those lines are dropped and blank
 * lines inside a block are skipped; a block ends when its declared octet count is reached.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromHex } from '../../src/util/bytes.js';

/** Where the RFC texts live: ../shared/specs/ beside the repository (DESIGN §9). */
export const RFC8448_PATH = fileURLToPath(new URL('../../../shared/specs/rfc8448.txt', import.meta.url));

/** One `{client}` / `{server}` step of a trace and its hex fields. */
export interface TraceStep {
  readonly section: number;
  readonly actor: 'client' | 'server';
  /** The first line of the step's title, without a trailing colon, e.g. `derive secret "tls13 c hs traffic"`. */
  readonly title: string;
  /** Hex fields by name, e.g. "PRK", "expanded", "ClientHello", "payload". */
  readonly fields: ReadonlyMap<string, Uint8Array>;
}

const PAGE_FOOTER = /^Thomson\s+Informational\s+\[Page \d+\]\s*$/;
const PAGE_HEADER = /^RFC 8448\s+TLS 1\.3 Traces\s+January 2019\s*$/;
const SECTION = /^(\d+)\.  \S/;
const STEP = /^ {3}\{(client|server)\} {2}(.*?):?\s*$/;
const FIELD = /^ {6}(\S.*?) \((\d+) octets\):\s*(.*?)\s*$/;
const HEX_LINE = /^\s+[0-9a-f]{2}( [0-9a-f]{2})*\s*$/;

let cache: TraceStep[] | undefined;

/** Parses the whole RFC 8448 text into steps (cached). */
export function allTraceSteps(): TraceStep[] {
  if (cache !== undefined) return cache;
  const lines = readFileSync(RFC8448_PATH, 'latin1')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l !== '\f' && !PAGE_FOOTER.test(l) && !PAGE_HEADER.test(l));
  const steps: TraceStep[] = [];
  let section = 0;
  let current: { section: number; actor: 'client' | 'server'; title: string; fields: Map<string, Uint8Array> } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const sectionMatch = SECTION.exec(line);
    if (sectionMatch !== null) {
      section = Number(sectionMatch[1]);
      current = undefined;
      continue;
    }
    const stepMatch = STEP.exec(line);
    if (stepMatch !== null) {
      current = { section, actor: stepMatch[1] as 'client' | 'server', title: stepMatch[2]!, fields: new Map() };
      steps.push(current);
      continue;
    }
    const fieldMatch = FIELD.exec(line);
    if (fieldMatch !== null && current !== undefined) {
      const name = fieldMatch[1]!;
      const octets = Number(fieldMatch[2]);
      let hex = octets === 0 ? '' : fieldMatch[3]!;
      let have = countOctets(hex);
      while (have < octets) {
        i++;
        const next = lines[i];
        if (next === undefined) throw new Error(`RFC 8448: hex block "${name}" of ${current.title} ends early`);
        if (next.trim() === '') continue;
        if (!HEX_LINE.test(next)) throw new Error(`RFC 8448 §${section}: "${name}" of ${current.title}: unexpected line "${next}"`);
        hex += ' ' + next;
        have = countOctets(hex);
      }
      if (have !== octets) throw new Error(`RFC 8448 §${section}: "${name}" of ${current.title} has ${have} octets, declared ${octets}`);
      if (current.fields.has(name)) throw new Error(`RFC 8448 §${section}: duplicate field "${name}" in ${current.title}`);
      current.fields.set(name, fromHex(hex));
    }
  }
  cache = steps;
  return steps;
}

function countOctets(hex: string): number {
  const t = hex.trim();
  return t === '' ? 0 : t.split(/\s+/).length;
}

/** Which side printed a step; 'any' matches both. */
export type TraceActor = 'client' | 'server' | 'any';

/**
 * The `occurrence`-th (0-based) step of RFC 8448 §`section` by `actor` whose title starts with
 * `titlePrefix`, counting only steps that print the hex field `field` when one is given (so
 * "(same as server)" steps, which print nothing, are skipped).
 * @throws Error if there is no such step.
 */
export function traceStep(section: number, actor: TraceActor, titlePrefix: string, occurrence = 0, field?: string): TraceStep {
  const found = allTraceSteps().filter(
    (s) =>
      s.section === section &&
      (actor === 'any' || s.actor === actor) &&
      s.title.startsWith(titlePrefix) &&
      (field === undefined || s.fields.has(field)),
  );
  const step = found[occurrence];
  if (step === undefined) {
    throw new Error(`RFC 8448 §${section}: no step #${occurrence} "{${actor}} ${titlePrefix}"${field === undefined ? '' : ` with field "${field}"`} (found ${found.length})`);
  }
  return step;
}

/**
 * The hex field `field` of the `occurrence`-th step that prints it, e.g.
 * `traceHex(3, 'server', 'derive secret "tls13 c hs traffic"', 'expanded')`.
 * @throws Error if there is no such step.
 */
export function traceHex(section: number, actor: TraceActor, titlePrefix: string, field: string, occurrence = 0): Uint8Array {
  return traceStep(section, actor, titlePrefix, occurrence, field).fields.get(field)!;
}

/**
 * The `occurrence`-th (0-based) hex field named `field` anywhere in RFC 8448 §`section`, in
 * document order, whichever step prints it: e.g. `traceField(3, 'ServerHello')`, or
 * `traceField(3, 'Finished', 1)` for the client's Finished.
 * @throws Error if there is no such field.
 */
export function traceField(section: number, field: string, occurrence = 0): Uint8Array {
  const found = allTraceSteps().flatMap((s) => (s.section === section && s.fields.has(field) ? [s.fields.get(field)!] : []));
  const bytes = found[occurrence];
  if (bytes === undefined) throw new Error(`RFC 8448 §${section}: no field "${field}" #${occurrence} (found ${found.length})`);
  return bytes;
}
