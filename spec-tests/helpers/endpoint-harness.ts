/**
 * A server `Endpoint` and any number of client `Connection`s in memory on a virtual clock
 * (DESIGN §6.3), each client at its own remote address string; plus a forger of protected client
 * Initials (PING + PADDING) with chosen connection IDs, token and size, to probe the endpoint's
 * acceptance rules. The loop is bounded so a bug cannot hang a test.
 */
import { Connection } from '../../src/connection/connection.js';
import type { ClientConnectionOptions, ConnectionEvent } from '../../src/connection/types.js';
import { deriveInitialKeys } from '../../src/crypto/initial-secrets.js';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.js';
import { protectPacket } from '../../src/crypto/packet-protection.js';
import { Endpoint } from '../../src/endpoint/endpoint.js';
import type { EndpointEvent, EndpointOptions } from '../../src/endpoint/types.js';
import { verifyCertificateChain } from '../../src/tls/certificates/verify-chain.js';
import { generateSelfSignedCertificate } from '../../src/tls/certificates/self-signed.js';
import { Writer } from '../../src/util/bytes.js';
import { SeededRandom } from '../../src/util/random.js';
import { addDuration, earliest, instant, millis, type Instant } from '../../src/util/time.js';
import { encodeLongHeader, patchLongHeaderLength } from '../../src/wire/long-header.js';
import { PacketType } from '../../src/wire/packet-type.js';
import { QUIC_V1 } from '../../src/wire/version.js';
import { TLS_TEST_NOW } from './tls-certs.js';

const ALPN = ['hq-interop'];
const DELAY = millis(10);
export const provider = nodeCryptoProvider;

let pki: { ca: Uint8Array; leaf: Uint8Array; key: Uint8Array } | undefined;
function testPki(): { ca: Uint8Array; leaf: Uint8Array; key: Uint8Array } {
  if (pki !== undefined) return pki;
  const random = new SeededRandom(0xbeef);
  const ca = generateSelfSignedCertificate({ commonName: 'Endpoint CA', isCA: true, validityDays: 365, nowMs: TLS_TEST_NOW, random });
  const leaf = generateSelfSignedCertificate({ commonName: 'localhost', dnsNames: ['localhost'], nowMs: TLS_TEST_NOW, random, issuer: ca });
  pki = { ca: ca.certificateDer, leaf: leaf.certificateDer, key: leaf.privateKeyPkcs8 };
  return pki;
}

/** Endpoint options with the test certificate; `extra` overrides. */
export function endpointOptions(extra: Partial<EndpointOptions> = {}): EndpointOptions {
  const p = testPki();
  const random = new SeededRandom(77);
  return {
    provider, random,
    server: { provider, random, wallClockMs: () => TLS_TEST_NOW, alpnProtocols: ALPN, certificate: { chain: [p.leaf], key: provider.importSigningKey(p.key) } },
    ...extra,
  };
}

/** A datagram the endpoint sent. */
export interface Sent {
  readonly at: Instant;
  readonly remote: string;
  readonly bytes: Uint8Array;
}

/** The endpoint, its clients and the wire. */
export class EndpointHarness {
  readonly endpoint: Endpoint;
  now: Instant = instant(0);
  readonly clients = new Map<string, Connection>();
  readonly clientEvents = new Map<string, ConnectionEvent[]>();
  readonly serverEvents: EndpointEvent[] = [];
  /** Every datagram the endpoint sent, also those to remotes with no client. */
  readonly fromServer: Sent[] = [];
  /** Every datagram a client sent (before delivery). */
  readonly fromClients: Sent[] = [];
  private readonly inFlight: { toServer: boolean; remote: string; at: Instant; bytes: Uint8Array }[] = [];
  private readonly buf = new Uint8Array(65_536);
  private seed = 1000;

  constructor(options: EndpointOptions = endpointOptions()) {
    this.endpoint = new Endpoint(options);
  }

  /**
   * Drops a datagram on the wire when it returns false (sent datagrams are still logged in
   * `fromServer` / `fromClients`).
   */
  filter: ((d: { readonly toServer: boolean; readonly remote: string; readonly bytes: Uint8Array }) => boolean) | undefined;

  /** Starts a client at `remote`; `extra` adds client options (version, token, ...). */
  addClient(remote: string, extra: Partial<ClientConnectionOptions> = {}): Connection {
    const c = Connection.connect(this.now, {
      provider, random: new SeededRandom(this.seed++), wallClockMs: () => TLS_TEST_NOW, alpnProtocols: ALPN,
      serverName: 'localhost', verification: { mode: 'chain', trustAnchors: [testPki().ca] },
      ...extra,
    });
    this.clients.set(remote, c);
    this.clientEvents.set(remote, []);
    return c;
  }

  /** Hands a datagram to the endpoint now, as if from `remote`, and sends what it answers. */
  inject(bytes: Uint8Array, remote: string): Sent[] {
    const before = this.fromServer.length;
    this.endpoint.handleDatagram(this.now, bytes, remote);
    this.flush();
    return this.fromServer.slice(before);
  }

  /** True once the client at `remote` reported handshake_completed. */
  clientDone(remote: string): boolean {
    return this.clientEvents.get(remote)?.some((e) => e.type === 'handshake_completed') ?? false;
  }

  /** Runs until `done()` or nothing is left to do; `onEvent` sees every server endpoint event. */
  async run(done: () => boolean, onEvent?: (ev: EndpointEvent) => void, maxSteps = 20_000): Promise<void> {
    for (let step = 0; step < maxSteps; step++) {
      await this.drainEvents(onEvent);
      if (done()) return;
      this.flush();
      await this.drainEvents(onEvent);
      if (done()) return;
      const due = this.inFlight.filter((d) => d.at <= this.now);
      if (due.length > 0) {
        for (const d of due) this.inFlight.splice(this.inFlight.indexOf(d), 1);
        for (const d of due) {
          if (d.toServer) this.endpoint.handleDatagram(this.now, d.bytes, d.remote);
          else this.clients.get(d.remote)?.handleDatagram(this.now, d.bytes);
        }
        continue;
      }
      let next: Instant | undefined = this.endpoint.pollTimeout();
      for (const d of this.inFlight) next = earliest(next, d.at);
      for (const c of this.clients.values()) next = earliest(next, c.pollTimeout());
      if (next === undefined) return;
      if (next > this.now) this.now = next;
      for (const c of this.clients.values()) {
        const t = c.pollTimeout();
        if (t !== undefined && t <= this.now) c.handleTimeout(this.now);
      }
      const t = this.endpoint.pollTimeout();
      if (t !== undefined && t <= this.now) this.endpoint.handleTimeout(this.now);
    }
    throw new Error(`harness did not settle in ${maxSteps} steps`);
  }

  /** Sends everything the endpoint and the clients want to send now. */
  flush(): void {
    for (let guard = 0; guard < 10_000; guard++) {
      const t = this.endpoint.pollTransmit(this.now, this.buf);
      if (t === undefined) break;
      const bytes = this.buf.slice(0, t.length);
      this.fromServer.push({ at: this.now, remote: t.remote, bytes });
      if (this.filter?.({ toServer: false, remote: t.remote, bytes }) === false) continue;
      this.inFlight.push({ toServer: false, remote: t.remote, at: addDuration(this.now, DELAY), bytes });
    }
    for (const [remote, c] of this.clients) {
      for (let guard = 0; guard < 1000; guard++) {
        const n = c.pollTransmit(this.now, this.buf)?.length ?? 0;
        if (n === 0) break;
        const bytes = this.buf.slice(0, n);
        this.fromClients.push({ at: this.now, remote, bytes });
        if (this.filter?.({ toServer: true, remote, bytes }) === false) continue;
        this.inFlight.push({ toServer: true, remote, at: addDuration(this.now, DELAY), bytes });
      }
    }
  }

  private async drainEvents(onEvent?: (ev: EndpointEvent) => void): Promise<void> {
    for (let ev = this.endpoint.pollEvent(); ev !== undefined; ev = this.endpoint.pollEvent()) {
      this.serverEvents.push(ev);
      onEvent?.(ev);
    }
    for (const [remote, c] of this.clients) {
      for (let ev = c.pollEvent(); ev !== undefined; ev = c.pollEvent()) {
        this.clientEvents.get(remote)!.push(ev);
        if (ev.type === 'verify_certificate') {
          const result = await verifyCertificateChain({
            chain: ev.chain, trustAnchors: ev.trustAnchors, nowMs: TLS_TEST_NOW, provider,
            ...(ev.serverName === undefined ? {} : { serverName: ev.serverName }),
          });
          c.completeCertificateVerification(this.now, result);
        }
      }
    }
  }
}

/**
 * A client Initial (RFC 9000 §17.2.2) protected with the Initial keys of `dcid` (RFC 9001 §5.2)
 * whose payload is a PING frame and PADDING, in a datagram of exactly `size` bytes.
 */
export function forgeInitial(dcid: Uint8Array, scid: Uint8Array, size: number, token: Uint8Array = new Uint8Array(0)): Uint8Array {
  const keys = deriveInitialKeys(provider, QUIC_V1, dcid).client;
  const buf = new Uint8Array(size);
  const w = new Writer(buf);
  const layout = encodeLongHeader(w, { type: PacketType.Initial, version: QUIC_V1, dcid, scid, token }, { packetNumber: 0, packetNumberLength: 1 });
  w.u8(0x01); // PING; the rest stays 0 (PADDING)
  const payloadEnd = size - 16;
  patchLongHeaderLength(buf, layout, size - layout.pnOffset);
  protectPacket(keys, buf, layout.pnOffset, 1, 0, payloadEnd);
  return buf;
}

/** `n` bytes of value `v`. */
export function cid(v: number, n = 8): Uint8Array {
  return new Uint8Array(n).fill(v);
}
