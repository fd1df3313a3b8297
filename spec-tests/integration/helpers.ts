/**
 * Loopback fixtures for the integration tests (DESIGN §6 rung 5): a self-signed server and a
 * client pinned to its certificate hash; everything is closed at the end of each test.
 */
import { QuicServer, connect, type QuicClientOptions, type QuicConnection, type QuicServerOptions, type SessionTicket } from '../../src/node.js';

/** A listening server plus a connect function pinned to its certificate. */
export interface Fixture {
  readonly server: QuicServer;
  readonly target: { host: string; port: number };
  connectClient(options?: QuicClientOptions): Promise<QuicConnection>;
  close(): Promise<void>;
}

/** Starts a self-signed server on `host` (127.0.0.1 or ::1). */
export async function startFixture(host: string, serverOptions: Partial<QuicServerOptions> = {}): Promise<Fixture> {
  const server = new QuicServer({ host, port: 0, tls: { selfSigned: true }, ...serverOptions });
  await server.listen();
  const target = { host, port: server.address.port };
  const clients: QuicConnection[] = [];
  return {
    server,
    target,
    async connectClient(options: QuicClientOptions = {}) {
      const c = await connect(target, { serverCertificateHashes: [server.certificate.sha256!], ...options });
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await server.close();
    },
  };
}

/** Deterministic test bytes. */
export function payload(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Rejects after `ms` (bounds every wait in a test). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/** Waits until the server's NewSessionTicket arrived (RFC 8446 §4.6.1: sent after the handshake); polls for up to 2 s. */
export async function ticketOf(conn: QuicConnection): Promise<SessionTicket> {
  for (let i = 0; i < 200 && conn.sessionTicket === undefined; i++) await new Promise((r) => setTimeout(r, 10));
  const t = conn.sessionTicket;
  if (t === undefined) throw new Error('no session ticket');
  return t;
}

/** A self-signed server on 127.0.0.1 echoing every bidirectional stream of every connection; records the accepted connections. */
export async function echoServer(options: Partial<QuicServerOptions> = {}): Promise<{ server: QuicServer; accepted: QuicConnection[] }> {
  const server = new QuicServer({ host: '127.0.0.1', port: 0, tls: { selfSigned: true }, ...options });
  await server.listen();
  const accepted: QuicConnection[] = [];
  void (async () => {
    for await (const conn of server) {
      accepted.push(conn);
      void (async () => {
        for await (const s of conn.incomingBiStreams) void s.readAll().then((d) => s.writeAll(d)).catch(() => undefined);
      })();
    }
  })();
  return { server, accepted };
}
