/**
 * Test inputs like the interop runner makes them (/work/shared/INTEROP-RUNNER.md §1 step 2,
 * §2.1): incompressible files with random slug names (250 lowercase letters for zerortt) in the
 * server's www dir, and the `certs.sh` chain (ECDSA P-256, SHA-256, 10 days; root -> intermediates
 * -> leaf; `cert.pem` = leaf first, then intermediates; `priv.key` as `openssl ecparam -genkey`
 * writes it; 20 random 250-char DNS SANs when the chain is longer than 1).
 *
 * Everything is derived from the seed (AES-128-CTR keystream), so a seed reproduces the files.
 */
import { execFile } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A deterministic keystream generator (AES-128-CTR keyed by seed and label). */
export class Keystream {
  private readonly cipher;
  constructor(seed: number, label: string) {
    const key = createHash('sha256').update(`${seed}:${label}`).digest();
    this.cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  }
  /** The next `n` bytes. */
  bytes(n: number): Buffer {
    return this.cipher.update(Buffer.alloc(n));
  }
  /** `n` random lowercase letters. */
  letters(n: number): string {
    return [...this.bytes(n)].map((b) => String.fromCharCode(97 + (b % 26))).join('');
  }
}

const WORDS_A = ['brave', 'calm', 'eager', 'fancy', 'gentle', 'happy', 'jolly', 'kind', 'lively', 'proud', 'silly', 'witty'];
const WORDS_B = ['otter', 'falcon', 'badger', 'heron', 'lynx', 'panda', 'koala', 'raven', 'tiger', 'walrus', 'zebra', 'yak'];
const WORDS_C = ['sings', 'jumps', 'reads', 'swims', 'naps', 'runs', 'hums', 'dances', 'cooks', 'paints', 'waves', 'sleeps'];

/** What files a test requests: sizes in bytes; `longNames` = 250-letter names (zerortt). */
export interface FileSpec {
  readonly sizes: readonly number[];
  readonly longNames?: boolean;
}

/** Writes the files into `www` and returns their names (unique, in request order). */
export async function generateFiles(www: string, spec: FileSpec, seed: number): Promise<string[]> {
  await mkdir(www, { recursive: true });
  const ks = new Keystream(seed, 'files');
  const names: string[] = [];
  const used = new Set<string>();
  for (const size of spec.sizes) {
    let name: string;
    do {
      if (spec.longNames) name = ks.letters(250);
      else {
        const [a, b, c, n] = ks.bytes(4);
        name = `${WORDS_A[a! % 12]}-${WORDS_B[b! % 12]}-${WORDS_C[c! % 12]}-${n}`;
      }
    } while (used.has(name));
    used.add(name);
    names.push(name);
    await writeFile(join(www, name), ks.bytes(size));
  }
  return names;
}

/** Compares `downloads` with the requested files: exactly that set, same size and bytes. */
export async function checkFiles(www: string, downloads: string, names: readonly string[]): Promise<string | undefined> {
  let got: string[];
  try {
    got = await readdir(downloads);
  } catch {
    return 'downloads dir missing';
  }
  const want = new Set(names);
  const extra = got.filter((n) => !want.has(n));
  if (extra.length > 0) return `${extra.length} unexpected file(s) in downloads (e.g. ${extra[0]!.slice(0, 40)})`;
  const missing = names.filter((n) => !got.includes(n));
  if (missing.length > 0) return `${missing.length} of ${names.length} file(s) missing`;
  for (const n of names) {
    const [a, b] = await Promise.all([readFile(join(www, n)), readFile(join(downloads, n))]);
    if (a.length !== b.length) return `${n.slice(0, 40)}: ${b.length} bytes, expected ${a.length}`;
    if (!a.equals(b)) return `${n.slice(0, 40)}: content differs`;
  }
  return undefined;
}

function openssl(args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, timeout: 30_000 }, (err, _o, stderr) => (err ? reject(new Error(`openssl ${args[0]}: ${stderr || err.message}`)) : resolve()));
  });
}

/**
 * The runner's `certs.sh <dir> <chainLen>`: root CA (ca.pem), chainLen-1 intermediates and a leaf
 * with SANs server, server4, server6, server46 (+ localhost, 127.0.0.1, ::1 for loopback use;
 * + 20 random 250-char names when chainLen > 1).
 */
export async function makeCerts(dir: string, chainLen: number, seed: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const cnf = join(dir, 'cert_config.txt');
  await writeFile(cnf, [
    '[ req ]', 'distinguished_name = dn', '[ dn ]',
    '[ v3_ca ]', 'basicConstraints = critical, CA:true', 'keyUsage = critical, keyCertSign, cRLSign, digitalSignature',
    'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always,issuer', '',
  ].join('\n'));
  const ks = new Keystream(seed, 'certs');
  let sans = 'DNS:server,DNS:server4,DNS:server6,DNS:server46,DNS:localhost,IP:127.0.0.1,IP:::1';
  if (chainLen !== 1) for (let i = 0; i < 20; i++) sans += `,DNS:${ks.letters(250)}`;
  await writeFile(join(dir, 'leaf_ext.txt'), `subjectAltName=${sans}\n`);
  const ec = ['ecparam', '-name', 'prime256v1', '-genkey'];
  await openssl([...ec, '-out', 'ca_0.key'], dir);
  await openssl(['req', '-x509', '-sha256', '-nodes', '-days', '10', '-key', 'ca_0.key', '-out', 'cert_0.pem',
    '-subj', '/O=interop runner Root Certificate Authority/', '-config', cnf, '-extensions', 'v3_ca'], dir);
  for (let i = 1; i <= chainLen; i++) {
    const leaf = i === chainLen;
    await openssl([...ec, '-out', `ca_${i}.key`], dir);
    await openssl(['req', '-out', 'cert.csr', '-new', '-key', `ca_${i}.key`, '-nodes', '-config', cnf,
      '-subj', `/O=${leaf ? 'interop runner leaf' : `interop runner intermediate ${i}`}/`], dir);
    await openssl(['x509', '-req', '-sha256', '-days', '10', '-in', 'cert.csr', '-out', `cert_${i}.pem`,
      '-CA', `cert_${i - 1}.pem`, '-CAkey', `ca_${i - 1}.key`, '-CAcreateserial',
      ...(leaf ? ['-extfile', 'leaf_ext.txt'] : ['-extfile', cnf, '-extensions', 'v3_ca'])], dir);
  }
  let chain = '';
  for (let i = chainLen; i >= 1; i--) chain += await readFile(join(dir, `cert_${i}.pem`), 'utf8');
  await writeFile(join(dir, 'cert.pem'), chain);
  await writeFile(join(dir, 'ca.pem'), await readFile(join(dir, 'cert_0.pem')));
  await writeFile(join(dir, 'priv.key'), await readFile(join(dir, `ca_${chainLen}.key`)));
  for (const f of await readdir(dir)) {
    if (!['ca.pem', 'cert.pem', 'priv.key'].includes(f)) await rm(join(dir, f), { force: true });
  }
}
