/**
 * The rule profile of the TLS state machines (sans-IO): 'quic' (the default, RFC 9001) or
 * 'rfc8448-test-vectors', which exists only to replay the TLS-over-TCP traces of RFC 8448 through
 * the real `TlsClientSession` / `TlsServerSession`.
 *
 * The test-vector profile relaxes the QUIC-specific rules and nothing else:
 * - RFC 9001 §8.1 (ALPN mandatory): ALPN is sent only when protocols are configured; a peer that
 *   negotiates none is accepted (RFC 7301 makes ALPN optional in TLS).
 * - RFC 9001 §8.2 (quic_transport_parameters mandatory): not sent by the client, not required from
 *   the peer; the server echoes none unless the client sent some.
 * - RFC 9001 §4.6.1 (max_early_data_size must be 0xffffffff): any non-zero value allows 0-RTT, and
 *   the server's tickets may advertise `tickets.maxEarlyDataSize` instead (RFC 8448 §3: 0x400).
 * - RFC 9001 §8.3 (no EndOfEarlyData): the client sends EndOfEarlyData after an accepted 0-RTT and
 *   the server expects it, as in TLS (RFC 8446 §4.5). Our encryption levels carry no CRYPTO data
 *   at 'early', so it travels as 'handshake' CRYPTO data; only its bytes and its place in the
 *   transcript matter to the traces.
 * It also honours `shapeExtensions`, a hook that reshapes the extension blocks of the messages we
 * send (order, extra opaque extensions, extra code points we do not implement and thus never
 * accept), so that our messages can carry exactly the extensions of the traces.
 */
import { TlsAlert } from './alerts.js';
import type { ExtensionContext } from './extension-codes.js';
import type { ExtensionsByContext } from './extension-types.js';
import { QUIC_EARLY_DATA } from './common.js';
import type { TlsCommonConfig, TlsServerConfig } from './session-types.js';

/** Which rule set the state machines follow. */
export type TlsProfile = 'quic' | 'rfc8448-test-vectors';

/** The messages whose extension blocks `shapeExtensions` may reshape. */
export type ShapedContext = Exclude<ExtensionContext, 'certificate' | 'new_session_ticket'>;

/**
 * Reshapes the extension block we built for `context`, before it is encoded (and, for a
 * ClientHello, before its PSK binder is computed over it). Test vectors only.
 */
export type ExtensionShaper = (context: ShapedContext, extensions: readonly ExtensionsByContext[ShapedContext][]) => readonly ExtensionsByContext[ShapedContext][];

/** Whether `config` follows the QUIC rules (the default). */
export function isQuicProfile(config: Pick<TlsCommonConfig, 'profile'>): boolean {
  return (config.profile ?? 'quic') === 'quic';
}

/**
 * The extensions to send in `context`: ours, reshaped by the test-vector hook when configured.
 * @throws TlsAlert internal_error when a hook is configured in the 'quic' profile (the hook is
 *   for test vectors only: a QUIC endpoint never sends extensions it does not interpret).
 */
export function shapedExtensions<C extends ShapedContext>(config: Pick<TlsCommonConfig, 'profile' | 'shapeExtensions'>, context: C, extensions: readonly ExtensionsByContext[C][]): ExtensionsByContext[C][] {
  const hook = config.shapeExtensions;
  if (hook === undefined) return [...extensions];
  if (isQuicProfile(config)) throw new TlsAlert('internal_error', 'shapeExtensions needs the rfc8448-test-vectors profile');
  return [...hook(context, extensions)] as ExtensionsByContext[C][];
}

/**
 * The max_early_data_size the server's NewSessionTickets advertise (and seal): 0 (no early_data
 * extension) unless `enableEarlyData`; then 0xffffffff (RFC 9001 §4.6.1: "Servers MUST set
 * max_early_data_size to 0xffffffff"), or, in the test-vector profile only, `tickets.maxEarlyDataSize`.
 * The server session calls it at construction, so a misconfiguration fails there.
 * @throws TlsAlert internal_error when `tickets.maxEarlyDataSize` is set in the 'quic' profile, or
 *   is not an integer in 1..0xffffffff.
 */
export function ticketMaxEarlyData(config: Pick<TlsServerConfig, 'profile' | 'tickets' | 'enableEarlyData'>): number {
  const size = config.tickets?.maxEarlyDataSize;
  if (size !== undefined) {
    if (isQuicProfile(config)) throw new TlsAlert('internal_error', 'tickets.maxEarlyDataSize needs the rfc8448-test-vectors profile');
    if (!Number.isInteger(size) || size < 1 || size > QUIC_EARLY_DATA) throw new TlsAlert('internal_error', `tickets.maxEarlyDataSize ${size} is not in 1..0xffffffff`);
  }
  if (config.enableEarlyData !== true) return 0;
  return size ?? QUIC_EARLY_DATA;
}
