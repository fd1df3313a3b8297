/**
 * Unit tests of src/tls/transcript.ts (RFC 8446 §4.4.1, §4.2.11.2). The RFC 8448 replay is in
 * spec-tests/vectors/rfc8448-key-schedule.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashLength, type HashAlgorithm } from '../../../src/crypto/provider.js';
import { HANDSHAKE_TYPE_MESSAGE_HASH, messageHashMessage, Transcript, truncateClientHello } from '../../../src/tls/transcript.js';
import { concatBytes, fromHex, toHex } from '../../../src/util/bytes.js';
import { REAL_PROVIDERS } from '../../helpers/providers.js';

const ALGORITHMS: HashAlgorithm[] = ['sha256', 'sha384'];
const message = fc.uint8Array({ minLength: 4, maxLength: 200 });

describe.each(REAL_PROVIDERS)('RFC 8446 §4.4.1: Transcript ($name provider)', ({ provider }) => {
  it.each(ALGORITHMS)('RFC 8446 §4.4.1: the transcript hash is Hash(M1 || ... || Mn) (%s)', (alg) => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 5 }), (messages) => {
        const t = new Transcript(provider, alg);
        for (const m of messages) t.add(m);
        expect(t.messageCount).toBe(messages.length);
        expect(toHex(t.hash())).toBe(toHex(provider.hash(alg, concatBytes(...messages))));
        // hash() leaves the transcript usable: a second call gives the same digest.
        expect(toHex(t.hash())).toBe(toHex(provider.hash(alg, concatBytes(...messages))));
      }),
      { numRuns: 50 },
    );
  });

  it('RFC 8446 §4.4.1: a clone is independent of its original', () => {
    fc.assert(
      fc.property(message, message, message, (a, b, c) => {
        const t = new Transcript(provider, 'sha256').add(a);
        const copy = t.clone();
        t.add(b);
        copy.add(c);
        expect(toHex(t.hash())).toBe(toHex(provider.hash('sha256', concatBytes(a, b))));
        expect(toHex(copy.hash())).toBe(toHex(provider.hash('sha256', concatBytes(a, c))));
        expect(copy.messageCount).toBe(2);
      }),
      { numRuns: 50 },
    );
  });

  it('RFC 8446 §4.2.11.2: hashWith(partial) hashes the transcript plus the partial message and leaves it unchanged', () => {
    const a = fromHex('01000003aabbcc');
    const partial = fromHex('0100');
    const t = new Transcript(provider, 'sha256').add(a);
    expect(toHex(t.hashWith(partial))).toBe(toHex(provider.hash('sha256', concatBytes(a, partial))));
    expect(toHex(t.hash())).toBe(toHex(provider.hash('sha256', a)));
    expect(t.messageCount).toBe(1);
  });

  it.each(ALGORITHMS)('RFC 8446 §4.4.1: after a HelloRetryRequest ClientHello1 becomes message_hash = FE 00 00 Hash.length Hash(ClientHello1) (%s)', (alg) => {
    const clientHello1 = fromHex('010000050303aabbcc');
    const hrr = fromHex('020000020303');
    const t = new Transcript(provider, alg).add(clientHello1);
    t.replaceWithMessageHash();
    t.add(hrr);
    const len = hashLength(alg);
    const synthetic = concatBytes(new Uint8Array([0xfe, 0x00, 0x00, len]), provider.hash(alg, clientHello1));
    expect(toHex(t.hash())).toBe(toHex(provider.hash(alg, concatBytes(synthetic, hrr))));
    expect(toHex(messageHashMessage(provider.hash(alg, clientHello1)))).toBe(toHex(synthetic));
  });

  it('RFC 8446 §4.4.1: message_hash may only replace ClientHello1 (exactly one message in the transcript)', () => {
    expect(() => new Transcript(provider, 'sha256').replaceWithMessageHash()).toThrow();
    const two = new Transcript(provider, 'sha256').add(fromHex('01000000')).add(fromHex('02000000'));
    expect(() => two.replaceWithMessageHash()).toThrow();
  });
});

describe('RFC 8446 §4.4.1: message_hash construction', () => {
  it('RFC 8446 §4: message_hash is handshake type 254', () => {
    expect(HANDSHAKE_TYPE_MESSAGE_HASH).toBe(254);
    const m = messageHashMessage(new Uint8Array(48).fill(7));
    expect(m.length).toBe(52);
    expect(toHex(m.subarray(0, 4))).toBe('fe000030');
  });
});

describe('RFC 8446 §4.2.11.2: truncateClientHello', () => {
  it('RFC 8446 §4.2.11.2: removes exactly the binders vector from the end, without copying', () => {
    const ch = fromHex('0100000a' + 'aabbccdd' + '0003' + '02' + '1122');
    const t = truncateClientHello(ch, 5);
    expect(toHex(t)).toBe('0100000aaabbccdd');
    expect(t.buffer).toBe(ch.buffer);
  });

  it('RFC 8446 §4.2.11.2: rejects a binders size that does not fit', () => {
    const ch = new Uint8Array(10);
    expect(() => truncateClientHello(ch, 1)).toThrow(RangeError);
    expect(() => truncateClientHello(ch, 7)).toThrow(RangeError);
    expect(() => truncateClientHello(ch, 2.5)).toThrow(RangeError);
    expect(truncateClientHello(ch, 6).length).toBe(4);
  });
});
