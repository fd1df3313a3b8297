/**
 * Runs in headless Chromium (served by ../chromium.ts): exercises the browser build (src/web)
 * against a WebTransport echo server (bidi streams echoed, uni streams answered with a uni stream,
 * datagrams echoed) and returns what it observed as JSON, for spec-tests/browser/web-api.peer.ts
 * to assert on. No assertion here: every observation goes back to the test.
 */
import { QuicError, StreamPriority, connectWebTransport, type WebBiStream } from '../../../src/web/index.js';

/** What the test passes in. */
export interface WebApiPageArgs {
  readonly url: string;
  /** base64 SHA-256 of the server's DER certificate. */
  readonly certHash: string;
}

/** A QuicError as JSON. */
export interface ErrorJson {
  readonly isQuicError: boolean;
  readonly name: string;
  readonly code: string | undefined;
  readonly wireCode: number | undefined;
  readonly reason: string | undefined;
  readonly initiator: string | undefined;
  readonly message: string;
}

function errJson(e: unknown): ErrorJson {
  const q = e instanceof QuicError ? e : undefined;
  return { isQuicError: q !== undefined, name: e instanceof Error ? e.name : typeof e, code: q?.code, wireCode: q?.wireCode, reason: q?.reason, initiator: q?.initiator, message: e instanceof Error ? e.message : String(e) };
}

async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: ErrorJson }> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    return { ok: false, error: errJson(e) };
  }
}

function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([p, new Promise<'timeout'>((ok) => setTimeout(() => ok('timeout'), ms))]);
}

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The page's entry point (called by the test through `BrowserPage.run`). */
export async function run(args: WebApiPageArgs): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { typeofWebTransport: typeof WebTransport, isSecureContext };
  const connected = await settle(connectWebTransport(args.url, { serverCertificateHashes: [args.certHash] }));
  if (!connected.ok) return { ...out, connectError: connected.error };
  const conn = connected.value;
  out.id = conn.id;
  out.remoteAddress = conn.remoteAddress;

  // Bidirectional echo on three streams of different priorities, one re-prioritized.
  const prios = [StreamPriority.CRITICAL, StreamPriority.NORMAL, StreamPriority.BACKGROUND];
  const streams: WebBiStream[] = [];
  for (const priority of prios) streams.push(await conn.openBiStream({ priority }));
  const sendOrders = streams.map((s) => s.send.sendOrder ?? null);
  out.hasSendOrder = 'sendOrder' in streams[0]!.send.writable;
  out.hasGetStats = typeof (conn.transport as { getStats?: unknown }).getStats === 'function';
  streams[2]!.setPriority(StreamPriority.HIGH);
  const payloads = streams.map((_, i) => pattern(100_000 + i, i));
  const echoed = await Promise.all(streams.map(async (s, i) => {
    await s.writeAll(payloads[i]!);
    return s.readAll();
  }));
  out.bidi = {
    ids: streams.map((s) => s.id),
    priorities: streams.map((s) => s.send.priority),
    sendOrdersAtOpen: sendOrders,
    sendOrderAfterSetPriority: streams[2]!.send.sendOrder ?? null,
    echoedLengths: echoed.map((e) => e.length),
    echoedEqual: echoed.map((e, i) => same(e, payloads[i]!)),
    stats: streams[0]!.stats(),
  };

  // Unidirectional stream out, and the server's unidirectional stream back.
  const uni = await conn.openUniStream({ priority: StreamPriority.LOW });
  await uni.writeAll(new TextEncoder().encode('uni ping'));
  const back = await within(conn.acceptUniStream(), 5000);
  out.uni = back === 'timeout' ? { timeout: true } : { id: back.id, text: new TextDecoder().decode(await back.readAll()), sendOrder: uni.sendOrder ?? null };

  // Datagrams (unreliable: retried a few times).
  out.maxDatagramSize = conn.maxDatagramSize;
  let dgram: string | 'timeout' = 'timeout';
  for (let i = 0; i < 5 && dgram === 'timeout'; i++) {
    conn.sendDatagram(new TextEncoder().encode(`dgram ping ${i}`));
    const got = await within(conn.recvDatagram(), 1000);
    if (got !== 'timeout') dgram = new TextDecoder().decode(got);
  }
  out.datagram = dgram;
  try {
    conn.sendDatagram(new Uint8Array(conn.maxDatagramSize + 1));
    out.datagramTooLarge = 'no error';
  } catch (e) {
    out.datagramTooLarge = errJson(e);
  }

  // Stream errors: our reset surfaces on later writes; our stopSending on later reads.
  const r = await conn.openBiStream();
  await r.write(pattern(1000, 7));
  r.reset(77);
  out.writeAfterReset = await settle(r.write(pattern(10, 1)));
  const st = await conn.openBiStream();
  await st.write(pattern(10, 3));
  const first = await st.readChunk();
  st.stopSending(5);
  out.readAfterStopSending = await settle(st.readChunk());
  out.firstChunkBeforeStop = first?.length ?? null;

  // Stats after the traffic above.
  out.stats = await conn.stats();
  out.rawStatsKeys = conn.transport.getStats !== undefined ? Object.keys(await conn.transport.getStats()).sort() : null;

  // A read pending when we close; then close with a code and reason.
  const pending = await conn.openBiStream();
  await pending.write(pattern(10, 9));
  await pending.readChunk();
  const pendingRead = settle(pending.readChunk());
  const pendingAccept = settle(conn.acceptBiStream());
  const info = await within(conn.close(4242, 'bye from the page'), 5000);
  out.closeInfo = info;
  out.closedPromise = await within(conn.closed, 1000);
  out.isClosed = conn.isClosed;
  out.pendingReadAfterClose = await within(pendingRead, 3000);
  out.pendingAcceptAfterClose = await within(pendingAccept, 3000);
  out.openAfterClose = await settle(conn.openBiStream());
  out.datagramAfterClose = await settle((async () => conn.sendDatagram(new Uint8Array(1)))());
  out.statsAfterClose = await conn.stats();
  return out;
}
