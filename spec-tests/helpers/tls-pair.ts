/**
 * An in-memory TLS 1.3 handshake between a TlsClientSession and a server TlsSession (RFC 9001
 * §4.1: CRYPTO data per encryption level, secrets installed per level and direction).
 *
 * The harness moves each side's crypto_data to the other at the same level, records every secret
 * by level and direction and asserts that one side's write secret equals the other side's read
 * secret at each level (RFC 9001 §5.1: both ends derive packet keys from the same secret), runs
 * 'verify_certificate' events through verifyCertificateChain (asynchronous, outside the core) and
 * feeds the result back, and stops at the first TlsAlert, which it records.
 */
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { TlsAlert } from '../../src/tls/alerts.js';
import { verifyCertificateChain } from '../../src/tls/certificates/verify-chain.js';
import type { TlsClientSession } from '../../src/tls/client-session.js';
import type { EncryptionLevel, KeyDirection, TlsEvent, TlsSession } from '../../src/tls/session-types.js';
import { bytesEqual, toHex } from '../../src/util/bytes.js';

/** Which side of the pair. */
export type Side = 'client' | 'server';

/** What one side did during the handshake. */
export interface SideRecord {
  /** Every event, in order. */
  readonly events: TlsEvent[];
  /** Secrets by `${level}/${direction}`. */
  readonly secrets: Map<`${EncryptionLevel}/${KeyDirection}`, Uint8Array>;
  /** The alert this side raised, if any. */
  alert: TlsAlert | undefined;
}

/** The outcome of `runHandshake`. */
export interface PairResult {
  readonly client: SideRecord;
  readonly server: SideRecord;
}

/** Options of `runHandshake`. */
export interface PairOptions {
  /** The injected wall clock (ms). */
  readonly wallMs: number;
  /** The provider used for verifyCertificateChain. */
  readonly provider: CryptoProvider;
  /** Rewrites CRYPTO data in flight (e.g. to tamper with a message). */
  readonly tamper?: (from: Side, level: Exclude<EncryptionLevel, 'early'>, data: Uint8Array) => Uint8Array;
  /** Called with each event as it is polled (e.g. to collect tickets). */
  readonly onEvent?: (side: Side, event: TlsEvent) => void;
}

const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');

/**
 * Runs a handshake to completion (or to the first alert): `client.start(wallMs)`, then moves
 * events between the two sessions until neither has anything left to do.
 * @throws Error if the two sides' secrets disagree at a level, or an error other than TlsAlert
 *   escapes a session.
 */
export async function runHandshake(client: TlsClientSession, server: TlsSession, options: PairOptions): Promise<PairResult> {
  const sessions: Record<Side, TlsSession> = { client, server };
  const records: Record<Side, SideRecord> = {
    client: { events: [], secrets: new Map(), alert: undefined },
    server: { events: [], secrets: new Map(), alert: undefined },
  };
  const call = (side: Side, f: () => void): boolean => {
    try {
      f();
      return true;
    } catch (e) {
      if (!(e instanceof TlsAlert)) throw e;
      records[side].alert = e;
      return false;
    }
  };
  if (!call('client', () => client.start(options.wallMs))) return records;

  for (let round = 0; round < 100; round++) {
    let progressed = false;
    for (const side of ['client', 'server'] as const) {
      const deliveries: { level: Exclude<EncryptionLevel, 'early'>; data: Uint8Array }[] = [];
      const verifications: Extract<TlsEvent, { type: 'verify_certificate' }>[] = [];
      for (let ev = sessions[side].pollEvent(); ev !== undefined; ev = sessions[side].pollEvent()) {
        progressed = true;
        records[side].events.push(ev);
        options.onEvent?.(side, ev);
        if (ev.type === 'crypto_data') deliveries.push({ level: ev.level, data: options.tamper?.(side, ev.level, ev.data) ?? ev.data });
        else if (ev.type === 'secret') recordSecret(records, side, ev.level, ev.direction, ev.secret);
        else if (ev.type === 'verify_certificate') verifications.push(ev);
      }
      // The core never awaits: the check runs here, outside it, and comes back as a command.
      for (const v of verifications) {
        const result = await verifyCertificateChain({
          chain: v.chain, trustAnchors: v.trustAnchors, nowMs: options.wallMs, provider: options.provider,
          ...(v.serverName === undefined ? {} : { serverName: v.serverName }),
        });
        if (!call(side, () => sessions[side].completeCertificateVerification(options.wallMs, result))) return records;
        progressed = true;
      }
      for (const d of deliveries) {
        if (!call(other(side), () => sessions[other(side)].handleCryptoData(options.wallMs, d.level, d.data))) return records;
      }
    }
    if (!progressed) return records;
  }
  throw new Error('handshake did not settle in 100 rounds');
}

function recordSecret(records: Record<Side, SideRecord>, side: Side, level: EncryptionLevel, direction: KeyDirection, secret: Uint8Array): void {
  records[side].secrets.set(`${level}/${direction}`, secret);
  // RFC 9001 §5.1: the peer's opposite-direction secret at the same level must be the same bytes.
  const peer = records[other(side)].secrets.get(`${level}/${direction === 'read' ? 'write' : 'read'}`);
  if (peer !== undefined && !bytesEqual(peer, secret)) {
    throw new Error(`${side} ${level} ${direction} secret ${toHex(secret)} differs from the peer's ${toHex(peer)}`);
  }
}

/** The first event of `type` a side emitted. */
export function findEvent<T extends TlsEvent['type']>(record: SideRecord, type: T): Extract<TlsEvent, { type: T }> | undefined {
  return record.events.find((e) => e.type === type) as Extract<TlsEvent, { type: T }> | undefined;
}

/** Every event of `type` a side emitted. */
export function eventsOf<T extends TlsEvent['type']>(record: SideRecord, type: T): Extract<TlsEvent, { type: T }>[] {
  return record.events.filter((e) => e.type === type) as Extract<TlsEvent, { type: T }>[];
}
