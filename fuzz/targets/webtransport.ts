/**
 * Fuzz target for the WebTransport decoders (src/webtransport): the first byte selects the input's
 * use. Even: it is a QUIC DATAGRAM payload fed to a `SessionTable` (RFC 9297 §2.1 quarter stream
 * ID; draft-ietf-webtrans-http3-16 §4.6 buffering bounds); malformed ones are dropped, never
 * thrown. Odd: it is CONNECT stream capsule bytes (draft-16 §6) fed to a `ConnectStreamReader` in
 * chunks of (first byte >> 1) + 1 bytes, then FIN; protocol violations surface as H3Error (the
 * caller resets the stream), which this target treats as the expected outcome.
 */
import { H3Error } from '../../src/h3/errors.js';
import { ConnectStreamReader, closeSessionCapsule, drainSessionCapsule } from '../../src/webtransport/connect-stream.js';
import { SessionTable, httpDatagramToBytes } from '../../src/webtransport/session-table.js';
import type { FuzzTarget } from '../target.js';

export const target: FuzzTarget = {
  name: 'webtransport',

  run(input: Uint8Array): void {
    if (input.length === 0) return;
    const mode = input[0]!;
    const rest = input.subarray(1);
    if ((mode & 1) === 0) {
      const t = new SessionTable({ maxBufferedDatagrams: 4, maxBufferedDatagramBytes: 256 });
      t.open(0, 'draft16');
      for (let i = 0; i < 8; i++) t.onDatagram(rest.subarray(i));
      t.open(4, 'draft02');
      return;
    }
    const step = (mode >> 1) + 1;
    const r = new ConnectStreamReader();
    try {
      for (let i = 0; i < rest.length; i += step) r.onData(rest.subarray(i, i + step));
      r.onFin();
    } catch (e) {
      if (!(e instanceof H3Error)) throw e;
    }
  },

  seeds(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const [sid, len] of [[0, 0], [0, 5], [4, 10], [8, 300], [400, 1]] as const) out.push(Uint8Array.of(0, ...httpDatagramToBytes(sid, new Uint8Array(len).fill(7))));
    const caps = [closeSessionCapsule(0, ''), closeSessionCapsule(4242, 'bye'), closeSessionCapsule(0xffffffff, 'é'.repeat(600)), drainSessionCapsule(), Uint8Array.of(0x17, 2, 1, 2)];
    for (const c of caps) for (const step of [1, 7, 255]) out.push(Uint8Array.of(step, ...c));
    out.push(Uint8Array.of(1, ...drainSessionCapsule(), ...closeSessionCapsule(3, 'x')));
    return out;
  },
};
