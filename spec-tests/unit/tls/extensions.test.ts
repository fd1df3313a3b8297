import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Reader, Writer, fromHex, toHex } from '../../../src/util/bytes.js';
import { TlsAlert } from '../../../src/tls/alerts.js';
import {
  EXTENSION_PERMISSIONS,
  ExtensionType,
  NamedGroupCode,
  SignatureSchemeCode,
  isExtensionAllowed,
  namedGroupCode,
  namedGroupOf,
  signatureSchemeCode,
  signatureSchemeOf,
  type ExtensionContext,
  type ExtensionTypeName,
} from '../../../src/tls/extension-codes.js';
import { decodeExtensions, encodeExtensions, getExtension, sizeOfExtensions, type Extension } from '../../../src/tls/extensions.js';
import type { NamedGroup, SignatureScheme } from '../../../src/crypto/provider.js';
import { extensionsArb } from '../../helpers/tls-arbitraries.js';

const CONTEXTS: ExtensionContext[] = [
  'client_hello', 'server_hello', 'hello_retry_request', 'encrypted_extensions', 'certificate', 'certificate_request', 'new_session_ticket',
];

function encode(exts: readonly Extension[]): Uint8Array {
  const w = Writer.alloc(sizeOfExtensions(exts));
  encodeExtensions(w, exts);
  expect(w.remaining).toBe(0);
  return w.written();
}

function alertName(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof TlsAlert) return e.alertName;
    throw e;
  }
  return 'none';
}

describe('RFC 8446 §4.2: extension blocks', () => {
  it.each(CONTEXTS)('RFC 8446 §4.2: %s extension blocks round-trip, sizeOf equals the length, truncations are decode_error', (ctx) => {
    fc.assert(
      fc.property(extensionsArb(ctx), (exts) => {
        const bytes = encode(exts);
        const r = new Reader(bytes);
        expect(decodeExtensions(r, ctx)).toEqual(exts);
        expect(r.isEmpty).toBe(true);
        for (let n = 0; n < bytes.length; n++) {
          expect(alertName(() => decodeExtensions(new Reader(bytes.subarray(0, n)), ctx))).toBe('decode_error');
        }
      }),
      { numRuns: 100 },
    );
  });

  it('RFC 8446 §4.2: every listed extension is illegal_parameter outside the messages of the table, and accepted in them', () => {
    for (const name of Object.keys(EXTENSION_PERMISSIONS) as ExtensionTypeName[]) {
      for (const ctx of CONTEXTS) {
        const allowed = EXTENSION_PERMISSIONS[name].includes(ctx);
        expect(isExtensionAllowed(ExtensionType[name], ctx)).toBe(allowed);
        if (!allowed) {
          const block = fromHex('0004' + ExtensionType[name].toString(16).padStart(4, '0') + '0000');
          expect(alertName(() => decodeExtensions(new Reader(block), ctx))).toBe('illegal_parameter');
        }
      }
    }
  });

  it('RFC 8446 §4.2: unknown extension codes are accepted in every message and kept as { code, data }', () => {
    for (const ctx of CONTEXTS) {
      expect(decodeExtensions(new Reader(fromHex('0006fe0d0002abcd')), ctx)).toEqual([{ type: 'opaque', code: 0xfe0d, data: fromHex('abcd') }]);
    }
  });

  it('RFC 8446 §4.2: a duplicate unknown extension is illegal_parameter too', () => {
    expect(alertName(() => decodeExtensions(new Reader(fromHex('0008fe0d0000fe0d0000')), 'encrypted_extensions'))).toBe('illegal_parameter');
  });

  it('RFC 8446 §4.2: the typed lookup finds an extension by name', () => {
    const exts = decodeExtensions(new Reader(fromHex('000f' + '002b00020304' + '003300050017000101')), 'server_hello');
    expect(getExtension(exts, 'supported_versions')?.selectedVersion).toBe(0x0304);
    expect(getExtension(exts, 'pre_shared_key')).toBeUndefined();
    expect(toHex(getExtension(exts, 'key_share')!.share.keyExchange)).toBe('01');
  });

  it('RFC 6066 §3: server_name in ClientHello is a host_name list; the empty body (EE) is an empty list', () => {
    const ch = decodeExtensions(new Reader(fromHex('0012' + '0000000e000c0000096578616d706c652e6f')), 'client_hello');
    expect(ch).toEqual([{ type: 'server_name', serverNames: [{ nameType: 0, name: 'example.o' }] }]);
    expect(decodeExtensions(new Reader(fromHex('000400000000')), 'encrypted_extensions')).toEqual([{ type: 'server_name', serverNames: [] }]);
  });
});

describe('RFC 8446 §4.2.7, §4.2.3: code points', () => {
  it('RFC 8446 §4.2.7: NamedGroup codes map both ways to the provider names; unknown codes stay unmapped', () => {
    expect(NamedGroupCode.x25519).toBe(0x001d);
    expect(NamedGroupCode.secp256r1).toBe(0x0017);
    expect(NamedGroupCode.secp384r1).toBe(0x0018);
    expect(NamedGroupCode.X25519MLKEM768).toBe(0x11ec);
    for (const g of ['x25519', 'secp256r1'] as NamedGroup[]) expect(namedGroupOf(namedGroupCode(g))).toBe(g);
    expect(namedGroupOf(NamedGroupCode.X25519MLKEM768)).toBeUndefined();
    expect(namedGroupOf(0x0a0a)).toBeUndefined();
  });

  it('RFC 8446 §4.2.3: SignatureScheme codes map both ways to the provider names', () => {
    const expected: Record<SignatureScheme, number> = {
      ecdsa_secp256r1_sha256: 0x0403, ecdsa_secp384r1_sha384: 0x0503, ed25519: 0x0807,
      rsa_pss_rsae_sha256: 0x0804, rsa_pss_rsae_sha384: 0x0805, rsa_pss_rsae_sha512: 0x0806,
    };
    for (const [name, code] of Object.entries(expected) as [SignatureScheme, number][]) {
      expect(signatureSchemeCode(name)).toBe(code);
      expect(signatureSchemeOf(code)).toBe(name);
    }
    expect(SignatureSchemeCode.rsa_pkcs1_sha256).toBe(0x0401);
    expect(signatureSchemeOf(SignatureSchemeCode.rsa_pkcs1_sha256)).toBeUndefined();
  });
});
