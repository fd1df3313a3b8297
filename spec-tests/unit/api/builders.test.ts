import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QuicClientBuilder, QuicServerBuilder } from '../../../src/api/builders.js';
import { QuicClient } from '../../../src/api/client.js';
import { QuicServer } from '../../../src/api/server.js';
import { QUIC_V1, QUIC_V2 } from '../../../src/wire/version.js';

describe('DESIGN §7: QuicServerBuilder maps each method to one QuicServerOptions field', () => {
  it('DESIGN §7: server builder methods set the options', () => {
    const hook = () => ({ accept: true }) as const;
    const b = QuicServerBuilder.new()
      .bind('127.0.0.1', 4433)
      .withIpv6Only(false)
      .withSelfSignedCertificate(['example.test'])
      .withMaxConnections(10)
      .withMaxHandshakes(5)
      .withMaxStreams(7, 3)
      .withIdleTimeout(1234)
      .withKeepAlive(500)
      .withCongestionControl('newreno')
      .withDatagrams(1200)
      .withFlowControl(1 << 20, 1 << 16)
      .withCipherSuites(0x1303)
      .withKeyLogFile('/tmp/keys')
      .withSocketBuffers(1 << 20, 1 << 19)
      .withMaxDatagramSize(1350)
      .withRateLimits({ perIpPerSecond: 5 })
      .withAdmission(hook)
      .withRetry('under-load', 32)
      .withAcceptBacklog(8)
      .withPreferredVersions(QUIC_V2, QUIC_V1)
      .withAlpn('h3', 'hq-interop');
    expect(b.options()).toEqual({
      host: '127.0.0.1', port: 4433, ipv6Only: false, tls: { selfSigned: true, hostnames: ['example.test'] },
      maxConnections: 10, maxHandshakes: 5, maxStreams: { bidi: 7, uni: 3 }, idleTimeoutMs: 1234, keepAliveIntervalMs: 500,
      congestionControl: 'newreno', datagrams: { maxSize: 1200 }, initialMaxData: 1 << 20, initialMaxStreamData: 1 << 16,
      cipherSuites: [0x1303], keyLogFile: '/tmp/keys', recvBufferSize: 1 << 20, sendBufferSize: 1 << 19, maxDatagramSize: 1350,
      rateLimits: { perIpPerSecond: 5 }, admit: hook, retry: 'under-load', retryThreshold: 32, acceptBacklog: 8,
      preferredVersions: [QUIC_V2, QUIC_V1], alpn: ['h3', 'hq-interop'],
    });
    expect(b.build()).toBeInstanceOf(QuicServer);
  });

  it('DESIGN §7: withTls, withCertificate and withCertificateFiles set tls; defaults are one-argument forms', () => {
    expect(QuicServerBuilder.new().withCertificate('CERT', 'KEY').options().tls).toEqual({ certificate: 'CERT', key: 'KEY' });
    expect(QuicServerBuilder.new().withTls({ selfSigned: true }).options().tls).toEqual({ selfSigned: true });
    expect(QuicServerBuilder.new().withSelfSignedCertificate().options().tls).toEqual({ selfSigned: true });
    const dir = mkdtempSync(join(tmpdir(), 'quic-builder-'));
    try {
      writeFileSync(join(dir, 'c.pem'), 'CERT PEM');
      writeFileSync(join(dir, 'k.pem'), 'KEY PEM');
      expect(QuicServerBuilder.new().withCertificateFiles(join(dir, 'c.pem'), join(dir, 'k.pem')).options().tls).toEqual({ certificate: 'CERT PEM', key: 'KEY PEM' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(QuicServerBuilder.new().bind('::').options()).toEqual({ host: '::', port: 0 });
    expect(QuicServerBuilder.new().withMaxStreams(9).options().maxStreams).toEqual({ bidi: 9, uni: 9 });
    expect(QuicServerBuilder.new().withDatagrams().options().datagrams).toBe(true);
    expect(QuicServerBuilder.new().withRetry('always').options()).toEqual({ retry: 'always' });
    expect(QuicServerBuilder.new().withRateLimits(false).options()).toEqual({ rateLimits: false });
    const after = async () => ({ accept: true }) as const;
    expect(QuicServerBuilder.new().withConnectionAdmission(after).options()).toEqual({ admitConnection: after });
  });

  it('DESIGN §5: build() rejects a server without a certificate and invalid options with ERR_QUIC_INVALID_ARGUMENT', () => {
    expect(() => QuicServerBuilder.new().build()).toThrow(expect.objectContaining({ code: 'ERR_QUIC_INVALID_ARGUMENT' }));
    expect(() => QuicServerBuilder.new().withSelfSignedCertificate().withIdleTimeout(-1).build()).toThrow(expect.objectContaining({ code: 'ERR_QUIC_INVALID_ARGUMENT' }));
    expect(() => QuicServerBuilder.new().withSelfSignedCertificate().withRateLimits({ perIpPerSecond: -5 }).build()).toThrow(expect.objectContaining({ code: 'ERR_QUIC_INVALID_ARGUMENT' }));
  });
});

describe('DESIGN §7: QuicClientBuilder maps each method to one QuicClientOptions field', () => {
  it('DESIGN §7: client builder methods set the options', () => {
    const h1 = new Uint8Array(32).fill(1);
    const h2 = new Uint8Array(32).fill(2);
    const b = QuicClientBuilder.new()
      .bind('127.0.0.2')
      .withCa('PEM1')
      .withCa(new Uint8Array([1]))
      .withPinnedHash(h1)
      .withPinnedHash(h2)
      .withServerName('example.test')
      .withVersion(QUIC_V2, [QUIC_V2, QUIC_V1])
      .withIdleTimeout(10)
      .withKeepAlive(5)
      .withMaxStreams(1, 2)
      .withDatagrams();
    expect(b.options()).toEqual({
      localHost: '127.0.0.2', ca: ['PEM1', new Uint8Array([1])], serverCertificateHashes: [h1, h2], serverName: 'example.test',
      version: QUIC_V2, availableVersions: [QUIC_V2, QUIC_V1], idleTimeoutMs: 10, keepAliveIntervalMs: 5, maxStreams: { bidi: 1, uni: 2 }, datagrams: true,
    });
    expect(b.build()).toBeInstanceOf(QuicClient);
    expect(QuicClientBuilder.new().dangerouslySkipVerification().options()).toEqual({ dangerouslySkipVerification: true });
  });

  it('DESIGN §5: an invalid client option fails build() with ERR_QUIC_INVALID_ARGUMENT', () => {
    expect(() => QuicClientBuilder.new().withAlpn().build()).toThrow(expect.objectContaining({ code: 'ERR_QUIC_INVALID_ARGUMENT' }));
    expect(() => QuicClientBuilder.new().withKeepAlive(-1).build()).toThrow(expect.objectContaining({ code: 'ERR_QUIC_INVALID_ARGUMENT' }));
  });
});
