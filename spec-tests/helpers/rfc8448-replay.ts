/**
 * Tools to replay RFC 8448's traces through the real TLS state machines (TlsClientSession,
 * TlsServerSession) in the 'rfc8448-test-vectors' profile (src/tls/profile.ts):
 * - `ScriptedRandom`: a RandomSource that hands out the trace's randoms and ephemeral private keys
 *   in the order the state machines document, and fails loudly on any other draw;
 * - `rfc8448RsaPkcs8()`: the RSA key printed in RFC 8448 §2, as PKCS#8 DER;
 * - `TraceSigningKey`: a SigningKey for a CertificateVerify whose signature is randomized (RSA-PSS,
 *   ECDSA): it checks that the trace's signature verifies over exactly the content our state
 *   machine asked to sign (and, given the real key, that our own signature verifies too), then
 *   returns the trace's signature so the rest of the transcript can be compared byte for byte;
 * - `followTrace()`: the extension shaper that lays our extension blocks out as the trace does.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CryptoProvider, SignatureScheme, SigningKey } from '../../src/crypto/provider.js';
import { namedGroupOf, signatureSchemeOf } from '../../src/tls/extension-codes.js';
import { extensionCode, type Extension } from '../../src/tls/extension-types.js';
import type { ExtensionShaper, ShapedContext } from '../../src/tls/profile.js';
import { fromHex } from '../../src/util/bytes.js';
import type { RandomSource } from '../../src/util/random.js';
import { RFC8448_PATH } from './rfc8448-trace.js';

/** A RandomSource that returns the given chunks, in order, each to a draw of exactly its length. */
export class ScriptedRandom implements RandomSource {
  readonly #chunks: { readonly name: string; readonly bytes: Uint8Array }[];
  /** The names of the chunks drawn so far. */
  readonly drawn: string[] = [];

  constructor(chunks: readonly (readonly [name: string, bytes: Uint8Array])[]) {
    this.#chunks = chunks.map(([name, bytes]) => ({ name, bytes }));
  }

  fill(out: Uint8Array): Uint8Array {
    const next = this.#chunks.shift();
    if (next === undefined) throw new Error(`ScriptedRandom: unexpected draw of ${out.length} bytes after [${this.drawn.join(', ')}]`);
    if (next.bytes.length !== out.length) throw new Error(`ScriptedRandom: draw of ${out.length} bytes where "${next.name}" (${next.bytes.length} bytes) was scripted`);
    out.set(next.bytes);
    this.drawn.push(next.name);
    return out;
  }

  /** The names of the chunks not drawn yet. */
  get remaining(): string[] {
    return this.#chunks.map((c) => c.name);
  }
}

/** The hex fields of RFC 8448 §2 ("modulus (public)", "private exponent", "prime1", ...). */
function section2Fields(): Map<string, Uint8Array> {
  const text = readFileSync(RFC8448_PATH, 'latin1').split('\n').map((l) => l.replace(/\r$/, ''));
  const start = text.findIndex((l) => /^2\.  Private Keys/.test(l));
  const end = text.findIndex((l) => /^3\.  Simple 1-RTT Handshake/.test(l));
  const fields = new Map<string, Uint8Array>();
  let name: string | undefined;
  let hex = '';
  const flush = (): void => {
    if (name !== undefined) fields.set(name, fromHex(hex));
    name = undefined;
    hex = '';
  };
  for (const line of text.slice(start, end)) {
    const field = /^ {3}([a-z0-9 ()]+):\s+((?:[0-9a-f]{2} ?)+)\s*$/.exec(line);
    if (field !== null) {
      flush();
      name = field[1]!;
      hex = field[2]!;
    } else if (name !== undefined && /^ {6}(?:[0-9a-f]{2} ?)+\s*$/.test(line)) {
      hex += ' ' + line;
    } else if (line.trim() !== '' && name !== undefined && !/^(Thomson|RFC 8448|\f)/.test(line)) {
      flush();
    }
  }
  flush();
  return fields;
}

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

/** The RSA private key of RFC 8448 §2 (the §3 and §5 server's), as PKCS#8 DER, built from its printed components. */
export function rfc8448RsaPkcs8(): Uint8Array {
  const f = section2Fields();
  const get = (n: string): Uint8Array => {
    const v = f.get(n);
    if (v === undefined) throw new Error(`RFC 8448 §2: no "${n}" (have ${[...f.keys()].join(', ')})`);
    return v;
  };
  const jwk = {
    kty: 'RSA', n: b64url(get('modulus (public)')), e: b64url(get('public exponent')), d: b64url(get('private exponent')),
    p: b64url(get('prime1')), q: b64url(get('prime2')), dp: b64url(get('exponent1')), dq: b64url(get('exponent2')), qi: b64url(get('coefficient')),
  };
  return new Uint8Array(createPrivateKey({ key: jwk, format: 'jwk' }).export({ type: 'pkcs8', format: 'der' }));
}

/** What a `TraceSigningKey` checked at each signature. */
export interface SignatureCheck {
  readonly scheme: SignatureScheme;
  /** The trace's signature verifies over the content our state machine asked to sign. */
  readonly traceSignatureVerifies: boolean;
  /** With the real key: our own (randomized) signature over that content verifies. */
  readonly ownSignatureVerifies: boolean | undefined;
}

/**
 * A SigningKey standing for the trace's certificate key. `sign` verifies the trace's `signature`
 * over the content asked for with the certificate's `spki` (so our signed content is the trace's),
 * signs with `real` when given and verifies that too, records both, and returns the trace's
 * signature (a randomized signature cannot be reproduced; substituting the verified trace value
 * lets the transcript, and so the Finished messages, be compared byte for byte).
 */
export class TraceSigningKey implements SigningKey {
  readonly checks: SignatureCheck[] = [];
  readonly provider: CryptoProvider;
  readonly schemes: readonly SignatureScheme[];
  readonly publicKeySpki: Uint8Array;
  readonly traceSignature: Uint8Array;
  readonly real: SigningKey | undefined;

  /**
   * @param provider verifies the signatures (the provider under test).
   * @param schemes the schemes the certificate key signs with.
   * @param publicKeySpki the certificate's SubjectPublicKeyInfo.
   * @param traceSignature the signature the trace's CertificateVerify carries.
   * @param real the real private key, when the RFC publishes it.
   */
  constructor(provider: CryptoProvider, schemes: readonly SignatureScheme[], publicKeySpki: Uint8Array, traceSignature: Uint8Array, real: SigningKey | undefined) {
    this.provider = provider;
    this.schemes = schemes;
    this.publicKeySpki = publicKeySpki;
    this.traceSignature = traceSignature;
    this.real = real;
  }

  sign(scheme: SignatureScheme, message: Uint8Array): Uint8Array {
    const traceSignatureVerifies = this.provider.verify(scheme, this.publicKeySpki, message, this.traceSignature);
    const own = this.real?.sign(scheme, message);
    const ownSignatureVerifies = own === undefined ? undefined : this.provider.verify(scheme, this.publicKeySpki, message, own);
    this.checks.push({ scheme, traceSignatureVerifies, ownSignatureVerifies });
    return this.traceSignature;
  }
}

/** How one extension of a message we send was laid out against the trace. */
export type ShapeAction =
  /** Ours, unchanged (the whole message is compared byte for byte afterwards). */
  | 'ours'
  /** Ours, with code points we do not implement interleaved where the trace lists them. */
  | 'ours+unimplemented'
  /** Copied from the trace: an extension our QUIC stack never sends. */
  | 'from-trace';

/**
 * An ExtensionShaper that lays our extension block out in the order of the trace's message
 * `traceExtensions(context)`: each trace extension is ours when we built one of that code (with
 * extra unimplemented code points in supported_groups / signature_algorithms when the trace lists
 * them, after checking that the implemented ones are exactly ours, in our order); otherwise it must
 * be listed in `fromTrace` (with the reason) and is copied from the trace. An extension of ours
 * the trace does not have fails the replay. `log` records every decision, per context.
 */
export function followTrace(
  traceExtensions: (context: ShapedContext) => readonly Extension[],
  fromTrace: Partial<Record<ShapedContext, readonly number[]>>,
  log: Map<ShapedContext, [code: number, action: ShapeAction][]>,
): ExtensionShaper {
  return (context, ours) => {
    const out: Extension[] = [];
    const used = new Set<number>();
    const actions: [number, ShapeAction][] = [];
    for (const t of traceExtensions(context)) {
      const code = extensionCode(t);
      const mine = ours.find((e) => extensionCode(e) === code);
      if (mine !== undefined) {
        used.add(code);
        const widened = widen(mine, t);
        out.push(widened ?? mine);
        actions.push([code, widened === undefined ? 'ours' : 'ours+unimplemented']);
      } else {
        if (!(fromTrace[context] ?? []).includes(code)) throw new Error(`${context}: the trace has extension ${code}, which we do not send and the test does not allow to copy`);
        out.push(t);
        actions.push([code, 'from-trace']);
      }
    }
    const extra = ours.filter((e) => !used.has(extensionCode(e)));
    if (extra.length > 0) throw new Error(`${context}: we send extensions ${extra.map(extensionCode).join(', ')}, which the trace does not`);
    log.set(context, actions);
    return out as ReturnType<ExtensionShaper>;
  };
}

/** The trace's code list when it is ours plus unimplemented code points; undefined when equal. */
function widen(mine: Extension, trace: Extension): Extension | undefined {
  if (mine.type === 'supported_groups' && trace.type === 'supported_groups') {
    return interleave(mine.groups, trace.groups, (c) => namedGroupOf(c) !== undefined) ? { type: 'supported_groups', groups: trace.groups } : undefined;
  }
  if (mine.type === 'signature_algorithms' && trace.type === 'signature_algorithms') {
    return interleave(mine.schemes, trace.schemes, (c) => signatureSchemeOf(c) !== undefined) ? { type: 'signature_algorithms', schemes: trace.schemes } : undefined;
  }
  return undefined;
}

function interleave(mine: readonly number[], trace: readonly number[], implemented: (code: number) => boolean): boolean {
  if (mine.length === trace.length && mine.every((c, i) => c === trace[i])) return false;
  const kept = trace.filter(implemented);
  if (kept.length !== mine.length || kept.some((c, i) => c !== mine[i])) {
    throw new Error(`the trace's code points [${trace.join(', ')}] are not ours [${mine.join(', ')}] plus unimplemented ones`);
  }
  return true;
}
