/**
 * Handshake benchmarks: one full in-memory TLS 1.3 handshake (RFC 8446 §2; RFC 9001 §4.1) per
 * operation, a TlsClientSession and a TlsServerSession in one process, their crypto_data moved
 * between them synchronously at the level it was emitted at.
 *
 * Every task is synchronous (tinybench-compatible): the client authenticates the server in
 * 'pinned' mode (the W3C WebTransport serverCertificateHashes rule, checked synchronously by
 * verifyPinnedCertificate: DER parse, SHA-256 of the leaf, validity period), so no
 * 'verify_certificate' event and no await. The client still checks the server's CertificateVerify
 * signature (RFC 8446 §4.4.3) and Finished (§4.4.4), as it always does.
 *
 * Parameters: ECDSA P-256 self-signed certificate (ecdsa_secp256r1_sha256), X25519,
 * TLS_AES_128_GCM_SHA256, ALPN 'h3', with the node and the noble providers.
 *
 * 'node resumed handshake (PSK)': RFC 8446 §2.2 resumption with psk_dhe_ke (X25519 still runs; no
 * certificate, no signature). Tickets are single-use (anti-replay, RFC 8446 §8.1), so each
 * resumed handshake resumes with the ticket the previous one was issued.
 */
import { nobleCryptoProvider } from '../src/crypto/noble-provider.js';
import { nodeCryptoProvider } from '../src/crypto/node-provider.js';
import type { CryptoProvider } from '../src/crypto/provider.js';
import { CipherSuite } from '../src/crypto/suites.js';
import { generateSelfSignedCertificate } from '../src/tls/certificates/self-signed.js';
import { TlsClientSession } from '../src/tls/client-session.js';
import { TlsServerSession } from '../src/tls/server-session.js';
import type { SessionTicket, TlsClientConfig, TlsServerConfig, TlsSession } from '../src/tls/session-types.js';
import { MemoryTicketStore } from '../src/tls/ticket-store.js';
import { SeededRandom } from '../src/util/random.js';

/** The injected wall clock of every benchmark handshake: 2026-01-01T00:00:00Z. */
const NOW = Date.UTC(2026, 0, 1);
const CLIENT_TP = Uint8Array.of(0x01, 0x02, 0x03);
const SERVER_TP = Uint8Array.of(0x0a, 0x0b);

/** What one handshake produced that the caller may want. */
interface Outcome {
  readonly resumed: boolean;
  readonly ticket: SessionTicket | undefined;
}

/**
 * Moves crypto_data between the two sessions until neither has events left; throws unless both
 * completed the handshake (a benchmark of a failing handshake would measure nothing useful).
 */
function pump(client: TlsClientSession, server: TlsServerSession): Outcome {
  client.start(NOW);
  let resumed = false;
  let ticket: SessionTicket | undefined;
  for (let moved = true; moved; ) {
    moved = false;
    for (const [from, to] of [[client, server], [server, client]] as [TlsSession, TlsSession][]) {
      for (let ev = from.pollEvent(); ev !== undefined; ev = from.pollEvent()) {
        moved = true;
        if (ev.type === 'crypto_data') to.handleCryptoData(NOW, ev.level, ev.data);
        else if (ev.type === 'session_ticket') ticket = ev.ticket;
        else if (ev.type === 'handshake_complete' && from === client) resumed = ev.resumed;
        else if (ev.type === 'verify_certificate') throw new Error('unexpected asynchronous certificate check');
      }
    }
  }
  if (!client.isHandshakeComplete || !server.isHandshakeComplete) throw new Error('handshake did not complete');
  return { resumed, ticket };
}

/** Client and server configurations for one provider (pinned P-256 certificate, X25519, AES-128-GCM). */
function configs(provider: CryptoProvider, seed: number): { client: TlsClientConfig; server: Omit<TlsServerConfig, 'random'> } {
  const cert = generateSelfSignedCertificate({ commonName: 'localhost', dnsNames: ['localhost'], nowMs: NOW, random: new SeededRandom(seed) });
  const common = { provider, cipherSuites: [CipherSuite.TLS_AES_128_GCM_SHA256], groups: ['x25519'] as const, signatureSchemes: ['ecdsa_secp256r1_sha256'] as const };
  return {
    client: {
      ...common, random: new SeededRandom(seed + 1), transportParameters: CLIENT_TP, serverName: 'localhost', alpnProtocols: ['h3'],
      verification: { mode: 'pinned', sha256: [cert.sha256] },
    },
    server: {
      ...common, transportParameters: SERVER_TP, alpnProtocols: ['h3'],
      certificate: { chain: [cert.certificateDer], key: provider.importSigningKey(cert.privateKeyPkcs8) },
    },
  };
}

/** One full handshake per call (no tickets issued, so nothing but the handshake is measured). */
function fullHandshakeTask(provider: CryptoProvider, seed: number): () => void {
  const { client, server } = configs(provider, seed);
  const serverConfig: TlsServerConfig = { ...server, random: new SeededRandom(seed + 2) };
  return () => {
    const r = pump(new TlsClientSession(client), new TlsServerSession(serverConfig));
    if (r.resumed) throw new Error('a full handshake resumed');
  };
}

/** One resumed (PSK + X25519) handshake per call, each with the ticket the previous one issued. */
function resumedHandshakeTask(provider: CryptoProvider, seed: number): () => void {
  const { client, server } = configs(provider, seed);
  const store = new MemoryTicketStore(provider, new SeededRandom(seed + 3));
  const serverConfig: TlsServerConfig = { ...server, random: new SeededRandom(seed + 2), tickets: { store, count: 1 } };
  const first = pump(new TlsClientSession(client), new TlsServerSession(serverConfig));
  let ticket = first.ticket;
  return () => {
    if (ticket === undefined) throw new Error('no ticket to resume with');
    const r = pump(new TlsClientSession({ ...client, sessionTicket: ticket }), new TlsServerSession(serverConfig));
    if (!r.resumed) throw new Error('the handshake did not resume');
    ticket = r.ticket;
  };
}

/**
 * The handshake benchmark tasks, as `[name, bytesPerOp, fn]` for bench/run.ts's `measure`: each
 * `fn` runs one complete handshake synchronously and throws if it does not complete.
 */
export async function handshakeTasks(): Promise<[string, number, () => void][]> {
  return [
    ['node full handshake', 0, fullHandshakeTask(nodeCryptoProvider, 0x4a11)],
    ['noble full handshake', 0, fullHandshakeTask(nobleCryptoProvider, 0x4a12)],
    ['node resumed handshake (PSK)', 0, resumedHandshakeTask(nodeCryptoProvider, 0x4a13)],
  ];
}
