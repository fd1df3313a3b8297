/**
 * Reads RFC 8448 (Example Handshake Traces for TLS 1.3) at test time and extracts a named hex
 * block, so the vectors are exactly the published bytes.
 *
 * A block is printed as `Label (N octets):  xx xx ...` followed by indented continuation lines;
 * page breaks (a form feed, footer and header lines) may interrupt it. The extractor collects hex
 * bytes from the label line and the following hex-only lines until it has N of them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SPEC_PATH = fileURLToPath(new URL('../../../shared/specs/rfc8448.txt', import.meta.url));

let cached: string[] | undefined;

function lines(): string[] {
  cached ??= readFileSync(SPEC_PATH, 'utf8').split(/\r?\n/);
  return cached;
}

const HEX_LINE = /^\s+((?:[0-9a-f]{2} ?)+)\s*$/;

/**
 * The bytes of the `occurrence`-th block labelled `label` in section `section` of RFC 8448.
 * @param section the top-level section number ('3' = Simple 1-RTT Handshake, ...).
 * @param label the text before ` (N octets):`, e.g. 'ClientHello'.
 * @param occurrence which block with that label in the section (0 = first).
 */
export function rfc8448Block(section: string, label: string, occurrence = 0): Uint8Array {
  const all = lines();
  const start = all.findIndex((l) => l.startsWith(`${section}.  `));
  if (start < 0) throw new Error(`RFC 8448 section ${section} not found`);
  const next = all.findIndex((l, i) => i > start && /^\d+\.  /.test(l));
  const end = next < 0 ? all.length : next;
  const head = new RegExp(`^\\s+${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\((\\d+) octets\\):\\s+(.*)$`);
  let seen = 0;
  for (let i = start; i < end; i++) {
    const m = head.exec(all[i]!);
    if (m === null) continue;
    if (seen++ < occurrence) continue;
    const length = Number(m[1]);
    const hex: string[] = m[2]!.trim().split(/\s+/);
    for (let j = i + 1; hex.length < length && j < end; j++) {
      const h = HEX_LINE.exec(all[j]!);
      if (h !== null) hex.push(...h[1]!.trim().split(/\s+/));
    }
    if (hex.length !== length) throw new Error(`RFC 8448 §${section} ${label}: found ${hex.length} of ${length} bytes`);
    return Uint8Array.from(hex, (b) => parseInt(b, 16));
  }
  throw new Error(`RFC 8448 §${section}: no block ${label} #${occurrence}`);
}
