import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from '../../../src/crypto/node-provider.js';
import { SeededRandom } from '../../../src/util/random.js';
import { TlsAlert } from '../../../src/tls/alerts.js';
import { parseCertificate } from '../../../src/tls/certificates/parse.js';
import { certificateFailure } from '../../../src/tls/certificates/errors.js';
import { getExtension } from '../../../src/tls/extensions.js';
import { serializeHandshakeMessage } from '../../../src/tls/messages.js';
import { certificateVerifyContent } from '../../../src/tls/common.js';
import { TlsServerSession } from '../../../src/tls/server-session.js';
import type { Transcript } from '../../../src/tls/transcript.js';
import { NOW_MS, buildClientHello, clientSide, drain, serverCertificate, serverConfig } from './server-test-client.js';

const provider = nodeCryptoProvider;
const clientCert = serverCertificate(provider, 21);
const anchors = [Uint8Array.of(1, 2, 3)];

function alertOf(f: () => void): string {
  try {
    f();
  } catch (e) {
    if (e instanceof TlsAlert) return e.alertName;
    throw e;
  }
  throw new Error('no alert');
}

/** The client's Certificate and CertificateVerify (RFC 8446 §4.4.2, §4.4.3), optionally with a bad signature. */
function clientAuthMessages(options: { empty?: boolean; badSignature?: boolean } = {}) {
  return (t: Transcript): Uint8Array[] => {
    const cert = serializeHandshakeMessage({
      msgType: 'certificate', certificateRequestContext: new Uint8Array(0),
      certificateList: options.empty === true ? [] : clientCert.chain.map((certData) => ({ certData, extensions: [] })),
    });
    if (options.empty === true) return [cert];
    const content = certificateVerifyContent('client', t.clone().add(cert).hash());
    const signature = clientCert.key.sign('ecdsa_secp256r1_sha256', content);
    if (options.badSignature === true) content[content.length - 1]! ^= 1;
    const cv = serializeHandshakeMessage({ msgType: 'certificate_verify', algorithm: 0x0403, signature: options.badSignature === true ? clientCert.key.sign('ecdsa_secp256r1_sha256', content) : signature });
    return [cert, cv];
  };
}

function setup(mode: 'optional' | 'required', auth: Parameters<typeof clientAuthMessages>[0] = {}) {
  const server = new TlsServerSession(serverConfig(provider, { clientAuthentication: { mode, trustAnchors: anchors } }));
  const ch = buildClientHello(provider, new SeededRandom(31));
  server.handleCryptoData(NOW_MS, 'initial', ch.raw);
  const h = clientSide(provider, ch, drain(server), { certificateMessages: clientAuthMessages(auth) });
  return { server, h };
}

describe('RFC 8446 §4.3.2 / §4.4.2: client authentication', () => {
  it('RFC 8446 §4.3.2: the server sends a CertificateRequest with an empty context and signature_algorithms', () => {
    const { h } = setup('required');
    expect(h.flight.map((m) => m.msgType)).toEqual(['encrypted_extensions', 'certificate_request', 'certificate', 'certificate_verify', 'finished']);
    const cr = h.flight[1]!;
    if (cr.msgType !== 'certificate_request') throw new Error('no CertificateRequest');
    expect(cr.certificateRequestContext.length).toBe(0);
    expect(getExtension(cr.extensions, 'signature_algorithms')?.schemes).toContain(0x0403);
  });

  it('RFC 8446 §4.4.2.4: the chain goes out for verification; CertificateVerify and Finished wait for the result', () => {
    const { server, h } = setup('required');
    server.handleCryptoData(NOW_MS, 'handshake', h.clientFinished);
    const ev = drain(server);
    expect(ev).toEqual([{ type: 'verify_certificate', chain: clientCert.chain, serverName: undefined, trustAnchors: anchors }]);
    expect(server.isHandshakeComplete).toBe(false);
    server.completeCertificateVerification(NOW_MS, { ok: true, leaf: parseCertificate(clientCert.chain[0]!, provider) });
    const done = drain(server);
    expect(done.at(-1)).toMatchObject({ type: 'handshake_complete', peerCertificates: clientCert.chain });
    expect(server.isHandshakeComplete).toBe(true);
  });

  it('RFC 8446 §4.4.2.4: a failed verification aborts with its alert', () => {
    const { server, h } = setup('required');
    server.handleCryptoData(NOW_MS, 'handshake', h.clientFinished);
    drain(server);
    expect(alertOf(() => server.completeCertificateVerification(NOW_MS, certificateFailure('unknown_ca', 'test')))).toBe('unknown_ca');
    expect(alertOf(() => server.handleCryptoData(NOW_MS, 'handshake', new Uint8Array(0)))).toBe('unknown_ca');
  });

  it('RFC 8446 §4.4.3: a bad client CertificateVerify signature is decrypt_error', () => {
    const { server, h } = setup('optional', { badSignature: true });
    server.handleCryptoData(NOW_MS, 'handshake', h.clientFinished);
    drain(server);
    expect(alertOf(() => server.completeCertificateVerification(NOW_MS, { ok: true, leaf: parseCertificate(clientCert.chain[0]!, provider) }))).toBe('decrypt_error');
  });

  it('RFC 8446 §4.4.2.4: an empty client Certificate is certificate_required when required, accepted when optional', () => {
    const required = setup('required', { empty: true });
    expect(alertOf(() => required.server.handleCryptoData(NOW_MS, 'handshake', required.h.clientFinished))).toBe('certificate_required');
    const optional = setup('optional', { empty: true });
    optional.server.handleCryptoData(NOW_MS, 'handshake', optional.h.clientFinished);
    expect(drain(optional.server).at(-1)).toMatchObject({ type: 'handshake_complete', peerCertificates: [] });
  });

  it('RFC 8446 §4.4.2: a Finished without the requested Certificate is unexpected_message', () => {
    const server = new TlsServerSession(serverConfig(provider, { clientAuthentication: { mode: 'optional', trustAnchors: anchors } }));
    const ch = buildClientHello(provider, new SeededRandom(32));
    server.handleCryptoData(NOW_MS, 'initial', ch.raw);
    const h = clientSide(provider, ch, drain(server));
    expect(alertOf(() => server.handleCryptoData(NOW_MS, 'handshake', h.clientFinished))).toBe('unexpected_message');
  });
});
