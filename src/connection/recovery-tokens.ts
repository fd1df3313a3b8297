/**
 * Recovery tokens back to their owners (DESIGN §2, the neqo model; RFC 9000 §13.3): when a packet
 * is acknowledged or declared lost (RFC 9002), each token it carried goes to the component that
 * wrote the frame.
 */
import type { SentPacket } from '../recovery/sent-packet.js';
import type { Instant } from '../util/time.js';
import { onConnectionIdToken } from './connection-ids.js';
import { pmtudOnAcked, pmtudOnLost } from './pmtud.js';
import { onNewTokenLost } from './retry.js';
import { announceWritable } from './stream-events.js';
import type { ConnectionState } from './state.js';
import type { ConnectionToken } from './types.js';

/** Newly acknowledged packets. */
export function onAckedTokens(s: ConnectionState, packets: readonly SentPacket<ConnectionToken>[]): void {
  for (const p of packets) {
    for (const t of p.tokens) {
      switch (t.kind) {
        case 'stream': // most tokens: tested first
          s.streams?.onAcked(t);
          break;
        case 'ack':
          s.spaces[t.token.space].ack.onAckFrameAcked(t.token);
          break;
        case 'crypto':
          s.spaces[t.space].cryptoSend.onAcked(t.offset, t.length);
          break;
        case 'handshake_done':
          s.handshakeDonePending = false;
          s.handshakeDoneAcked = true;
          break;
        case 'datagram':
          s.datagramSend.onAcked(t);
          break;
        case 'new_connection_id':
        case 'retire_connection_id':
          onConnectionIdToken(s, t, true);
          break;
        case 'pmtu_probe':
          s.pmtud.onProbeAcked(t.size); // RFC 8899 §5.2
          break;
        case 'new_token':
          break;
        default:
          s.streams?.onAcked(t);
      }
    }
  }
  pmtudOnAcked(s, packets);
  announceWritable(s);
}

/** Packets declared lost: their frames' contents are queued again where RFC 9000 §13.3 says so. */
export function onLostTokens(s: ConnectionState, _now: Instant, packets: readonly SentPacket<ConnectionToken>[]): void {
  if (packets.length > 0) pmtudOnLost(s, packets); // RFC 8899 §4.3 black hole detection
  for (const p of packets) {
    // Lost DPLPMTUD probes say nothing about congestion or the path's health (RFC 9000 §14.4): counted apart.
    if (p.isPmtuProbe === true) s.surface.pmtuProbesLost++;
    else s.lostPackets++;
    for (const t of p.tokens) {
      switch (t.kind) {
        case 'ack':
          break; // RFC 9000 §13.3: ACK frames carry the most recent set; a new one is built
        case 'crypto':
          s.spaces[t.space].cryptoSend.onLost(t.offset, t.length);
          break;
        case 'handshake_done':
          // RFC 9000 §13.3: "The HANDSHAKE_DONE frame MUST be retransmitted until it is acknowledged."
          s.handshakeDonePending = !s.handshakeDoneAcked;
          break;
        case 'datagram':
          s.datagramSend.onLost(t); // RFC 9221 §5.2: not retransmitted
          break;
        case 'new_connection_id':
        case 'retire_connection_id':
          onConnectionIdToken(s, t, false);
          break;
        case 'pmtu_probe':
          s.pmtud.onProbeLost(t.size); // RFC 8899 §5.2 (RFC 9000 §14.4: not retransmitted)
          break;
        case 'new_token':
          onNewTokenLost(s, t.token); // RFC 9000 §13.3
          break;
        default:
          s.streams?.onLost(t);
      }
    }
  }
}
