import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Admission, RefusalReason, TokenBucket, ipOf, sourceKeyOf } from '../../../src/endpoint/admission.js';
import { addDuration, instant, millis, seconds } from '../../../src/util/time.js';

describe('RFC 9000 §21.6: admission control', () => {
  it('RFC 9000 §21.6: a token bucket gives `rate` at once, then refills at `rate` per second, never above capacity', () => {
    const b = new TokenBucket(10);
    const t0 = instant(1_000_000);
    let n = 0;
    while (b.tryTake(t0)) n++;
    expect(n).toBe(10);
    expect(b.tryTake(addDuration(t0, millis(50)))).toBe(false); // 0.5 token
    expect(b.tryTake(addDuration(t0, millis(100)))).toBe(true); // 1 token
    // A long idle period refills to capacity only.
    const later = addDuration(t0, seconds(100));
    n = 0;
    while (b.tryTake(later)) n++;
    expect(n).toBe(10);
  });

  it('RFC 9000 §21.6: a token bucket never admits more than capacity + rate × elapsed (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.array(fc.integer({ min: 0, max: 50_000 }), { minLength: 1, maxLength: 300 }), (rate, gaps) => {
        const b = new TokenBucket(rate);
        let now = 0;
        let taken = 0;
        for (const g of gaps) {
          now += g;
          if (b.tryTake(instant(now))) taken++;
        }
        expect(taken).toBeLessThanOrEqual(rate + Math.floor((now * rate) / 1_000_000) + 1);
      }),
    );
  });

  it('RFC 9000 §21.6: ipOf strips the port of IPv4 and bracketed IPv6 address strings', () => {
    expect(ipOf('192.0.2.1:443')).toBe('192.0.2.1');
    expect(ipOf('[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(ipOf('::1')).toBe('::1');
    expect(ipOf('a:1')).toBe('a');
    expect(ipOf('noport')).toBe('noport');
  });

  it('RFC 9000 §21.6: sources are keyed by IPv4 address or IPv6 /64 prefix', () => {
    expect(sourceKeyOf('192.0.2.1:443')).toBe('192.0.2.1');
    expect(sourceKeyOf('[2001:db8:0:1::5]:443')).toBe('2001:db8:0:1::/64');
    expect(sourceKeyOf('[2001:DB8:0:1:aaaa:bbbb:cccc:dddd]:1')).toBe('2001:db8:0:1::/64');
    expect(sourceKeyOf('[::1]:1')).toBe('0:0:0:0::/64');
    expect(sourceKeyOf('[::ffff:192.0.2.7]:9')).toBe('192.0.2.7');
    expect(sourceKeyOf('[2001:db8::1::2]:1')).toBe('2001:db8::1::2'); // malformed: the whole string
    const a = new Admission({ perIpPerSecond: 1 });
    expect(a.check(instant(0), '[2001:db8:0:1::5]:1')).toBeUndefined();
    expect(a.check(instant(0), '[2001:db8:0:1::6]:1')?.kind).toBe(RefusalReason.RateLimitPerIp);
    expect(a.check(instant(0), '[2001:db8:0:2::6]:1')).toBeUndefined();
  });

  it('RFC 9000 §21.6: per-IP rate limit refuses one IP and not another; the global one bounds all', () => {
    const a = new Admission({ perIpPerSecond: 2, globalPerSecond: 3 });
    const t = instant(0);
    expect(a.check(t, '10.0.0.1:1')).toBeUndefined();
    expect(a.check(t, '10.0.0.1:2')).toBeUndefined();
    expect(a.check(t, '10.0.0.1:3')?.kind).toBe(RefusalReason.RateLimitPerIp);
    expect(a.check(t, '10.0.0.2:1')).toBeUndefined();
    expect(a.check(t, '10.0.0.3:1')?.kind).toBe(RefusalReason.RateLimitGlobal);
  });

  it('RFC 9000 §21.6: the per-IP table stays bounded (LRU) under a spoofed-source flood', () => {
    const a = new Admission({ perIpPerSecond: 1, maxTrackedIps: 100 });
    const t = instant(0);
    for (let i = 0; i < 10_000; i++) a.check(t, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:9`);
    expect(a.trackedIps).toBe(100);
    // The most recent IPs are still limited; the oldest were forgotten (fresh bucket).
    expect(a.check(t, '10.0.39.15:9')?.kind).toBe(RefusalReason.RateLimitPerIp);
    expect(a.check(t, '10.0.0.0:9')).toBeUndefined();
  });

  it('RFC 9000 §21.6: perIpConcurrent counts live connections from acceptance to removal', () => {
    const a = new Admission({ perIpConcurrent: 2 });
    const t = instant(0);
    a.onAccepted('10.0.0.1:1');
    a.onAccepted('10.0.0.1:2');
    expect(a.check(t, '10.0.0.1:3')?.kind).toBe(RefusalReason.PerIpConcurrent);
    expect(a.check(t, '10.0.0.2:3')).toBeUndefined();
    a.onRemoved('10.0.0.1:1');
    expect(a.check(t, '10.0.0.1:3')).toBeUndefined();
  });

  it('RFC 9000 §5.2.2: the admit hook sees the remote and its refusal carries the reason and code', () => {
    const a = new Admission({}, (info) => (info.remote.startsWith('10.') ? { accept: false, reason: 'no tens', code: 0x0d } : { accept: true }));
    expect(a.check(instant(0), '10.0.0.1:1')).toEqual({ kind: RefusalReason.Hook, reason: 'no tens', code: 0x0d });
    expect(a.check(instant(0), '11.0.0.1:1')).toBeUndefined();
  });

  it('RFC 9000 §21.6: negative or non-finite limits are rejected', () => {
    expect(() => new Admission({ perIpPerSecond: -1 })).toThrow(RangeError);
    expect(() => new Admission({ globalPerSecond: Number.NaN })).toThrow(RangeError);
  });
});
