import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALLOWED_PACKAGES, checkFile, importSpecifiers } from './layers.js';

const SRC = join(import.meta.dirname, '../../src');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(full));
    else if (entry.name.endsWith('.ts')) out.push(full);
  }
  return out;
}

describe('DESIGN §1: the sans-IO core and its layers', () => {
  const files = tsFiles(SRC);

  it('DESIGN §1: src/ has files to check', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('DESIGN §1: pure folders import no node: module, use no timers, Date, performance or Math.random, and imports point down the layers', () => {
    const problems = files.flatMap((f) => checkFile(relative(SRC, f).split('\\').join('/'), readFileSync(f, 'utf8')));
    expect(problems).toEqual([]);
  });

  it('DESIGN §8: package.json has only the allowed runtime dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(SRC, '../package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const name of Object.keys(pkg.dependencies ?? {})) expect(ALLOWED_PACKAGES).toContain(name);
  });

  it('DESIGN §1: the checker itself flags each kind of violation', () => {
    expect(checkFile('wire/x.ts', "import { x } from 'node:crypto';")).toHaveLength(1);
    expect(checkFile('crypto/node-provider.ts', "import crypto from 'node:crypto';")).toEqual([]);
    expect(checkFile('crypto/node-provider-keys.ts', "import crypto from 'node:crypto';")).toEqual([]);
    expect(checkFile('crypto/noble-provider.ts', "import crypto from 'node:crypto';")).toHaveLength(1);
    expect(checkFile('io/socket.ts', "import dgram from 'node:dgram'; setTimeout(f, 1); Date.now();")).toEqual([]);
    expect(checkFile('recovery/x.ts', 'const t = performance.now();')).toHaveLength(1);
    expect(checkFile('util/x.ts', 'const t = Date.now();')).toHaveLength(1);
    expect(checkFile('util/x.ts', 'const r = Math.random();')).toHaveLength(1);
    expect(checkFile('util/x.ts', 'setTimeout(() => 0, 1);')).toHaveLength(1);
    expect(checkFile('util/x.ts', '// Date.now() in a comment is fine\n/* setTimeout( */')).toEqual([]);
    expect(checkFile('wire/x.ts', "import { Aead } from '../crypto/provider.js';")).toHaveLength(1);
    expect(checkFile('crypto/x.ts', "import { Reader } from '../util/bytes.js';")).toEqual([]);
    expect(checkFile('tls/x.ts', "export * from '../qlog/events.js';")).toHaveLength(1);
    expect(checkFile('wire/x.ts', "import lodash from 'lodash';")).toHaveLength(1);
    expect(checkFile('crypto/x.ts', "import { gcm } from '@noble/ciphers/aes.js';")).toEqual([]);
    expect(checkFile('nowhere/x.ts', '')).toHaveLength(1);
    expect(checkFile('tls/certificates/wall-clock.ts', 'return new Date(epochMs);')).toEqual([]);
    expect(checkFile('tls/certificates/wall-clock.ts', 'return new Date();')).toHaveLength(1);
    expect(checkFile('tls/certificates/wall-clock.ts', 'return Date.now();')).toHaveLength(1);
    expect(checkFile('tls/certificates/parse.ts', 'return new Date(epochMs);')).toHaveLength(1);
    expect(importSpecifiers("import type { A } from './a.js';\nexport { b } from \"../b.js\";\nawait import('./c.js');")).toEqual(['./a.js', '../b.js', './c.js']);
  });
});

describe('DESIGN §6: no skipped, focused or todo tests on main', () => {
  it('DESIGN §6: spec-tests/ has no .skip, .only, .todo, xit or xdescribe', () => {
    const root = join(import.meta.dirname, '..');
    const offenders: string[] = [];
    const pattern = new RegExp(['\\b(it|test|describe)\\.(skip', 'only', 'todo)\\b|\\bx(it|describe)\\('].join('|'));
    for (const file of tsFiles(root)) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (pattern.test(line)) offenders.push(`${relative(root, file)}:${i + 1}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});
