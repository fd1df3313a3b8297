/**
 * Unit tests of src/tls/key-schedule.ts (RFC 8446 §7.1, §7.2, §7.5, §4.4.4, §4.6.1). The RFC 8448
 * replay (SHA-256) is in spec-tests/vectors/rfc8448-key-schedule.test.ts; SHA-384 has no trace,
 * so these check its structure and each formula against the shared HKDF-Expand-Label.
 */
import { describe, expect, it } from 'vitest';
import { deriveSecret, hkdfExpandLabel } from '../../../src/crypto/hkdf-label.js';
import type { HashAlgorithm } from '../../../src/crypto/provider.js';
import { KeySchedule } from '../../../src/tls/key-schedule.js';
import { toHex } from '../../../src/util/bytes.js';
import { REAL_PROVIDERS } from '../../helpers/providers.js';

const ALGORITHMS: HashAlgorithm[] = ['sha256', 'sha384'];

function filled(length: number, value: number): Uint8Array {
  return new Uint8Array(length).fill(value);
}

describe.each(REAL_PROVIDERS)('RFC 8446 §7.1: KeySchedule ($name provider)', ({ provider }) => {
  it.each(ALGORITHMS)('RFC 8446 §7.1: every secret is Hash.length bytes and each label gives a different secret (%s)', (alg) => {
    const len = alg === 'sha256' ? 32 : 48;
    const ks = new KeySchedule(provider, alg);
    expect(ks.hashLength).toBe(len);
    const h1 = provider.hash(alg, new Uint8Array([1]));
    const h2 = provider.hash(alg, new Uint8Array([2]));
    const secrets: Record<string, Uint8Array> = {};
    secrets.early = ks.early(filled(len, 9));
    secrets.extBinder = ks.binderKey('external');
    secrets.resBinder = ks.binderKey('resumption');
    secrets.cet = ks.clientEarlyTrafficSecret(h1);
    secrets.eem = ks.earlyExporterMasterSecret(h1);
    secrets.derivedEarly = ks.derivedFromEarly();
    secrets.handshake = ks.handshake(filled(32, 5));
    secrets.chts = ks.clientHandshakeTrafficSecret(h1);
    secrets.shts = ks.serverHandshakeTrafficSecret(h1);
    secrets.derivedHandshake = ks.derivedFromHandshake();
    secrets.master = ks.master();
    secrets.cats = ks.clientApplicationTrafficSecret0(h2);
    secrets.sats = ks.serverApplicationTrafficSecret0(h2);
    secrets.ems = ks.exporterMasterSecret(h2);
    secrets.rms = ks.resumptionMasterSecret(h2);
    secrets.finishedKey = ks.finishedKey(secrets.chts);
    secrets.verifyData = ks.finishedVerifyData(secrets.chts, h2);
    secrets.psk = ks.resumptionPsk(secrets.rms, new Uint8Array([0, 0]));
    secrets.next = ks.nextApplicationTrafficSecret(secrets.cats);
    for (const [name, value] of Object.entries(secrets)) {
      expect(value.length, name).toBe(len);
    }
    const distinct = new Set(Object.values(secrets).map(toHex));
    expect(distinct.size).toBe(Object.keys(secrets).length);
  });

  it.each(ALGORITHMS)('RFC 8446 §7.1: each secret follows its formula (%s)', (alg) => {
    const len = alg === 'sha256' ? 32 : 48;
    const zeros = new Uint8Array(len);
    const empty = provider.hash(alg, new Uint8Array(0));
    const psk = filled(len, 3);
    const shared = filled(32, 4);
    const th = provider.hash(alg, new Uint8Array([7]));
    const ks = new KeySchedule(provider, alg);

    const early = provider.hkdfExtract(alg, zeros, psk);
    expect(toHex(ks.early(psk))).toBe(toHex(early));
    expect(toHex(ks.binderKey('resumption'))).toBe(toHex(deriveSecret(provider, alg, early, 'res binder', empty)));
    expect(toHex(ks.binderKey('external'))).toBe(toHex(deriveSecret(provider, alg, early, 'ext binder', empty)));
    expect(toHex(ks.clientEarlyTrafficSecret(th))).toBe(toHex(deriveSecret(provider, alg, early, 'c e traffic', th)));
    expect(toHex(ks.earlyExporterMasterSecret(th))).toBe(toHex(deriveSecret(provider, alg, early, 'e exp master', th)));

    const handshake = provider.hkdfExtract(alg, deriveSecret(provider, alg, early, 'derived', empty), shared);
    expect(toHex(ks.handshake(shared))).toBe(toHex(handshake));
    expect(toHex(ks.clientHandshakeTrafficSecret(th))).toBe(toHex(deriveSecret(provider, alg, handshake, 'c hs traffic', th)));
    expect(toHex(ks.serverHandshakeTrafficSecret(th))).toBe(toHex(deriveSecret(provider, alg, handshake, 's hs traffic', th)));

    const master = provider.hkdfExtract(alg, deriveSecret(provider, alg, handshake, 'derived', empty), zeros);
    expect(toHex(ks.master())).toBe(toHex(master));
    expect(toHex(ks.clientApplicationTrafficSecret0(th))).toBe(toHex(deriveSecret(provider, alg, master, 'c ap traffic', th)));
    expect(toHex(ks.serverApplicationTrafficSecret0(th))).toBe(toHex(deriveSecret(provider, alg, master, 's ap traffic', th)));
    expect(toHex(ks.exporterMasterSecret(th))).toBe(toHex(deriveSecret(provider, alg, master, 'exp master', th)));
    expect(toHex(ks.resumptionMasterSecret(th))).toBe(toHex(deriveSecret(provider, alg, master, 'res master', th)));

    const base = filled(len, 8);
    const finishedKey = hkdfExpandLabel(provider, alg, base, 'finished', new Uint8Array(0), len);
    expect(toHex(ks.finishedKey(base))).toBe(toHex(finishedKey));
    expect(toHex(ks.finishedVerifyData(base, th))).toBe(toHex(provider.hmac(alg, finishedKey, th)));
    expect(toHex(ks.nextApplicationTrafficSecret(base))).toBe(toHex(hkdfExpandLabel(provider, alg, base, 'traffic upd', new Uint8Array(0), len)));
    expect(toHex(ks.resumptionPsk(base, new Uint8Array([1, 2])))).toBe(
      toHex(hkdfExpandLabel(provider, alg, base, 'resumption', new Uint8Array([1, 2]), len)),
    );
  });

  it('RFC 8446 §7.1: without a PSK the Early Secret is HKDF-Extract(0, 0), also when handshake() is called first', () => {
    const a = new KeySchedule(provider, 'sha384');
    const b = new KeySchedule(provider, 'sha384');
    const zeros = new Uint8Array(48);
    expect(toHex(a.early())).toBe(toHex(provider.hkdfExtract('sha384', zeros, zeros)));
    expect(toHex(a.handshake(filled(32, 1)))).toBe(toHex(b.handshake(filled(32, 1))));
  });

  it('RFC 8446 §7.1: a secret is erased once dropped, and deriving from it then throws', () => {
    const ks = new KeySchedule(provider, 'sha256');
    const early = ks.early();
    const before = toHex(early);
    expect(ks.retained()).toEqual({ early: true, handshake: false, master: false });
    expect(() => ks.master()).toThrow(/Handshake Secret/);
    ks.handshake(filled(32, 2));
    ks.dropEarlySecret();
    expect(toHex(early)).toBe(before); // the caller's copy is untouched
    expect(() => ks.binderKey('resumption')).toThrow(/Early Secret/);
    expect(() => ks.clientEarlyTrafficSecret(filled(32, 0))).toThrow(/Early Secret/);
    ks.master();
    ks.dropHandshakeSecret();
    expect(() => ks.clientHandshakeTrafficSecret(filled(32, 0))).toThrow(/Handshake Secret/);
    expect(ks.retained()).toEqual({ early: false, handshake: false, master: true });
    ks.resumptionMasterSecret(filled(32, 0));
    ks.dropMasterSecret();
    expect(() => ks.exporterMasterSecret(filled(32, 0))).toThrow(/Master Secret/);
    expect(ks.retained()).toEqual({ early: false, handshake: false, master: false });
  });

  it.each(ALGORITHMS)('RFC 8446 §7.5: TLS-Exporter = HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context), length) (%s)', (alg) => {
    const len = alg === 'sha256' ? 32 : 48;
    const ks = new KeySchedule(provider, alg);
    const secret = filled(len, 6);
    const context = new Uint8Array([1, 2, 3]);
    const inner = deriveSecret(provider, alg, secret, 'EXPORTER-test', provider.hash(alg, new Uint8Array(0)));
    const expected = hkdfExpandLabel(provider, alg, inner, 'exporter', provider.hash(alg, context), 20);
    const out = ks.exportKeyingMaterial(secret, 'EXPORTER-test', context, 20);
    expect(toHex(out)).toBe(toHex(expected));
    expect(out.length).toBe(20);
    expect(toHex(ks.exportKeyingMaterial(secret, 'EXPORTER-other', context, 20))).not.toBe(toHex(out));
    expect(toHex(ks.exportKeyingMaterial(secret, 'EXPORTER-test', new Uint8Array(0), 20))).not.toBe(toHex(out));
    expect(ks.exportKeyingMaterial(secret, 'EXPORTER-test', context, 64).length).toBe(64);
  });
});
