/**
 * Datagram Packetization Layer PMTU Discovery (RFC 8899 §4, §5; as RFC 9000 §14.3 and §14.4 apply
 * it to QUIC): a sans-IO state machine (DESIGN §1) fed probe and packet outcomes with the time,
 * answering with the current maximum datagram size (the PLPMTU) and "send a probe of N bytes now".
 *
 * States (RFC 8899 §5.2): DISABLED (before the handshake is confirmed, or when the configured
 * maximum is the base), BASE (confirming BASE_PLPMTU = 1200, RFC 9000 §14.1), SEARCHING,
 * SEARCH_COMPLETE and ERROR.
 *
 * Search (RFC 8899 §5.3): a binary search over (largest acknowledged size, smallest failed size),
 * the first probe being the upper bound itself (MAX_PLPMTU = min(configured maximum, the peer's
 * max_udp_payload_size), RFC 9000 §14.2), which settles a clean path in one probe. A size is too
 * big after MAX_PROBES = 3 consecutive probe losses (RFC 8899 §5.1.2). The search completes when
 * the interval is narrower than `granularity` bytes (default 20, as quinn): the PLPMTU is then
 * within `granularity - 1` bytes below the true path MTU, or equal to it when it is MAX_PLPMTU.
 *
 * PROBE_TIMER (RFC 8899 §5.1.1): QUIC's own loss detection (RFC 9002 §6) decides when a probe is
 * lost (RFC 9000 §14.4: probes are ordinary ack-eliciting packets), so no separate timer runs here.
 * PMTU_RAISE_TIMER: 600 s after a search completed below MAX_PLPMTU (or after ERROR), a new search
 * starts from the current PLPMTU.
 *
 * Black holes (RFC 8899 §4.3, "excessive loss of data sent with a specific packet size"): either
 * BLACK_HOLE_THRESHOLD loss events each losing a packet above the base size that was sent after
 * every acknowledged large packet (i.e. smaller packets sent later got through while these did
 * not), or BLACK_HOLE_PTO_COUNT consecutive PTO expirations with nothing acknowledged (in a bulk
 * transfer every ack-eliciting packet is full-sized, so nothing gets through). Either drops the
 * PLPMTU to BASE_PLPMTU and enters BASE (RFC 8899 §5.2: "When a black hole is detected in the
 * SEARCHING state, this causes the PL sender to enter the BASE state"), which probes the base size
 * and, once it is acknowledged, searches again.
 */
import type { SentPacket } from '../recovery/sent-packet.js';
import { addDuration, seconds, type Instant } from '../util/time.js';
import type { ConnectionState } from './state.js';
import type { ConnectionToken } from './types.js';

/** RFC 8899 §5.1.2 constants, with RFC 9000 §14.1's minimum as BASE_PLPMTU. */
export const PMTUD = {
  /** RFC 9000 §14.1: "the smallest allowed maximum datagram size of 1200 bytes". */
  BASE_PLPMTU: 1200,
  /**
   * The default upper bound of the search: Node keeps datagrams at or below 1472 bytes over IPv4
   * and 1452 over IPv6 by default, so 1452 fits both.
   */
  DEFAULT_MAX_DATAGRAM_SIZE: 1452,
  /** RFC 8899 §5.1.2: "The default value of MAX_PROBES is 3." */
  MAX_PROBES: 3,
  /** RFC 8899 §5.1.1: "The PMTU_RAISE_TIMER ... default 600 seconds". */
  PMTU_RAISE_TIMER: seconds(600),
  /** Search granularity in bytes (stop when the interval is narrower). */
  GRANULARITY: 20,
  /** Loss events with suspicious large losses before a black hole is declared. */
  BLACK_HOLE_THRESHOLD: 3,
  /** Consecutive PTO expirations (pto_count) before a black hole is declared. */
  BLACK_HOLE_PTO_COUNT: 3,
} as const;

/** RFC 8899 §5.2 states (plus DISABLED before the handshake is confirmed / when off). */
export type PmtudPhase = 'disabled' | 'base' | 'searching' | 'search_complete' | 'error';

/** Settings of a `Pmtud`. */
export interface PmtudConfig {
  /** Upper bound of the search (the local MAX_PLPMTU); at or below 1200 disables probing. */
  readonly maxDatagramSize: number;
  /** Search granularity in bytes (default PMTUD.GRANULARITY, at least 1). */
  readonly granularity?: number;
}

/** A sent packet as the black-hole detector sees it. */
export interface PmtudPacket {
  readonly packetNumber: number;
  readonly sentBytes: number;
}

/** The DPLPMTUD state machine of one path. */
export class Pmtud {
  readonly #localMax: number;
  readonly #granularity: number;
  #phase: PmtudPhase = 'disabled';
  #started = false;
  /** The upper bound of this connection's search (local and peer limits). */
  #max: number = PMTUD.BASE_PLPMTU;
  /** RFC 8899 PLPMTU: the size ordinary packets may use. */
  #plpmtu: number = PMTUD.BASE_PLPMTU;
  /** Smallest size known (this search) not to pass. */
  #failed = Number.POSITIVE_INFINITY;
  /** RFC 8899 PROBED_SIZE, or undefined when no probe is wanted. */
  #probedSize: number | undefined;
  /** RFC 8899 PROBE_COUNT: consecutive losses of PROBED_SIZE. */
  #probeCount = 0;
  #probeInFlight = false;
  #raiseAt: Instant | undefined;
  #raisePending = false;
  #changed = false;
  #largestAckedLarge = -1;
  #suspiciousEvents = 0;
  /** Black holes detected so far (for tests and stats). */
  blackHoles = 0;

  /** @param config see PmtudConfig. */
  constructor(config: PmtudConfig) {
    this.#localMax = Math.max(PMTUD.BASE_PLPMTU, Math.floor(config.maxDatagramSize));
    this.#granularity = Math.max(1, Math.floor(config.granularity ?? PMTUD.GRANULARITY));
  }

  /** The RFC 8899 state. */
  get phase(): PmtudPhase {
    return this.#phase;
  }

  /** The current PLPMTU: the largest UDP payload ordinary packets may use. */
  get current(): number {
    return this.#plpmtu;
  }

  /** The search's upper bound (MAX_PLPMTU) once started. */
  get maxPlpmtu(): number {
    return this.#max;
  }

  /**
   * RFC 9000 §14.3: probing starts once the handshake is confirmed. `peerMaxUdpPayloadSize` is
   * the peer's max_udp_payload_size (RFC 9000 §14.2: it "limits the size of UDP payloads that the
   * endpoint is willing to receive"). Idempotent.
   */
  start(peerMaxUdpPayloadSize: number): void {
    if (this.#started) return;
    this.#started = true;
    this.#max = Math.max(PMTUD.BASE_PLPMTU, Math.min(this.#localMax, Math.floor(peerMaxUdpPayloadSize)));
    if (this.#max <= PMTUD.BASE_PLPMTU) return; // nothing to discover: stays disabled
    // The handshake already carried BASE_PLPMTU-sized Initials (RFC 9000 §14.1), which confirms
    // the base size (RFC 9000 §14.3.1), so the search starts at once.
    this.#startSearch();
  }

  /** The size of the probe to send now, or undefined (none wanted or one is in flight). */
  probeSize(now: Instant): number | undefined {
    this.#armTimers(now);
    if (this.#probeInFlight) return undefined;
    return this.#probedSize;
  }

  /** A probe of `size` bytes was sent. */
  onProbeSent(size: number): void {
    if (size === this.#probedSize) this.#probeInFlight = true;
  }

  /** RFC 8899 §5.2: a probe of `size` was acknowledged. */
  onProbeAcked(size: number): void {
    if (size !== this.#probedSize) return; // an old search's probe
    this.#probeInFlight = false;
    this.#probeCount = 0;
    if (this.#phase === 'base') {
      // "The state is exited when the probe packet is acknowledged, and the PL sender enters the SEARCHING state."
      this.#phase = 'searching';
      this.#nextProbe();
      return;
    }
    if (this.#phase !== 'searching') return;
    // "Each time a probe packet is acknowledged, the PROBE_COUNT is set to zero, the PLPMTU is set
    // to the PROBED_SIZE, and then the PROBED_SIZE is increased using the search algorithm".
    this.#setPlpmtu(size);
    this.#nextProbe();
  }

  /** RFC 8899 §5.2: a probe of `size` was declared lost (RFC 9002 loss detection). */
  onProbeLost(size: number): void {
    if (size !== this.#probedSize) return;
    this.#probeInFlight = false;
    this.#probeCount++;
    if (this.#probeCount < PMTUD.MAX_PROBES) return; // send it again
    this.#probeCount = 0;
    if (this.#phase === 'base') {
      // "The state is also left when the PROBE_COUNT reaches MAX_PROBES ... to enter the ERROR state."
      this.#phase = 'error';
      this.#probedSize = undefined;
      this.#raisePending = true;
      return;
    }
    if (this.#phase !== 'searching') return;
    this.#failed = Math.min(this.#failed, size);
    this.#nextProbe();
  }

  /** Ordinary (non-probe) packets were acknowledged: a large one clears the black-hole suspicion. */
  onPacketsAcked(packets: readonly PmtudPacket[]): void {
    for (const p of packets) {
      if (p.sentBytes <= PMTUD.BASE_PLPMTU) continue;
      if (p.packetNumber > this.#largestAckedLarge) this.#largestAckedLarge = p.packetNumber;
      this.#suspiciousEvents = 0;
    }
  }

  /**
   * Ordinary (non-probe) packets declared lost in one loss event (RFC 8899 §4.3 black hole
   * detection). Call after `onPacketsAcked` for the same ACK. Returns true on a black hole.
   */
  onPacketsLost(packets: readonly PmtudPacket[]): boolean {
    if (this.#plpmtu <= PMTUD.BASE_PLPMTU) return false;
    // A packet above the base size lost while a later, smaller one was acknowledged (it is loss
    // detection that declared it lost) and no large packet sent after it was.
    if (!packets.some((p) => p.sentBytes > PMTUD.BASE_PLPMTU && p.packetNumber > this.#largestAckedLarge)) return false;
    this.#suspiciousEvents++;
    if (this.#suspiciousEvents < PMTUD.BLACK_HOLE_THRESHOLD) return false;
    this.#blackHole();
    return true;
  }

  /** A PTO expired; `ptoCount` is RFC 9002's pto_count after it. Returns true on a black hole. */
  onPtoExpired(ptoCount: number): boolean {
    if (this.#plpmtu <= PMTUD.BASE_PLPMTU || ptoCount < PMTUD.BLACK_HOLE_PTO_COUNT) return false;
    this.#blackHole();
    return true;
  }

  /**
   * The connection moved to a new path (RFC 9000 §9.4, §14: the PMTU is a property of the path):
   * back to BASE_PLPMTU, and the search starts again on the next `start` (pmtudTick does that at
   * once after the handshake). The driver of migration calls this.
   */
  resetForNewPath(): void {
    this.#setPlpmtu(PMTUD.BASE_PLPMTU);
    this.#phase = 'disabled';
    this.#started = false;
    this.#failed = Number.POSITIVE_INFINITY;
    this.#probedSize = undefined;
    this.#probeCount = 0;
    this.#probeInFlight = false;
    this.#raiseAt = undefined;
    this.#raisePending = false;
    this.#largestAckedLarge = -1;
    this.#suspiciousEvents = 0;
  }

  /** The PMTU_RAISE_TIMER deadline, if armed. */
  pollTimeout(): Instant | undefined {
    return this.#raiseAt;
  }

  /** Returns the new PLPMTU once after each change (for the congestion controller and pacer, RFC 9002 §7.2). */
  takeChange(): number | undefined {
    if (!this.#changed) return undefined;
    this.#changed = false;
    return this.#plpmtu;
  }

  #startSearch(): void {
    this.#phase = 'searching';
    this.#failed = Number.POSITIVE_INFINITY;
    this.#probeCount = 0;
    this.#raiseAt = undefined;
    this.#nextProbe();
  }

  /** RFC 8899 §5.3 search: the upper bound first, then halve the interval. */
  #nextProbe(): void {
    const hi = Math.min(this.#max, this.#failed - 1);
    if (hi - this.#plpmtu < this.#granularity || this.#plpmtu >= this.#max) {
      this.#complete();
      return;
    }
    this.#probedSize = this.#failed === Number.POSITIVE_INFINITY ? hi : this.#plpmtu + Math.ceil((hi - this.#plpmtu) / 2);
  }

  #complete(): void {
    this.#phase = 'search_complete';
    this.#probedSize = undefined;
    this.#probeInFlight = false;
    // RFC 8899 §5.1.1: the PMTU_RAISE_TIMER resumes the search for a larger PLPMTU.
    this.#raisePending = this.#plpmtu < this.#max;
  }

  #blackHole(): void {
    this.blackHoles++;
    this.#setPlpmtu(PMTUD.BASE_PLPMTU);
    this.#suspiciousEvents = 0;
    this.#largestAckedLarge = -1;
    this.#failed = Number.POSITIVE_INFINITY;
    this.#raiseAt = undefined;
    this.#raisePending = false;
    // RFC 8899 §5.2 BASE: "On entry, the PROBED_SIZE is set to the BASE_PLPMTU size, and the
    // PROBE_COUNT is set to zero."
    this.#phase = 'base';
    this.#probedSize = PMTUD.BASE_PLPMTU;
    this.#probeCount = 0;
    this.#probeInFlight = false;
  }

  #setPlpmtu(size: number): void {
    if (size === this.#plpmtu) return;
    this.#plpmtu = size;
    this.#changed = true;
  }

  #armTimers(now: Instant): void {
    if (this.#raisePending) {
      this.#raisePending = false;
      this.#raiseAt = addDuration(now, PMTUD.PMTU_RAISE_TIMER);
    }
    if (this.#raiseAt !== undefined && now >= this.#raiseAt) {
      this.#raiseAt = undefined;
      if (this.#phase === 'error') {
        this.#phase = 'base';
        this.#probedSize = PMTUD.BASE_PLPMTU;
        this.#probeCount = 0;
      } else {
        this.#startSearch();
      }
    }
  }
}

/**
 * The connection's side of DPLPMTUD (called by the packet builder before each datagram): starts
 * the search once the handshake is confirmed (RFC 9000 §14.3), and hands a changed PLPMTU to the
 * congestion controller and the pacer (RFC 9002 §7.2: "If the maximum datagram size changes during
 * the connection, the initial congestion window SHOULD be recalculated with the new size").
 */
export function pmtudTick(s: ConnectionState): void {
  if (s.handshakeConfirmed && s.peerParams !== undefined) s.pmtud.start(s.peerParams.maxUdpPayloadSize);
  const size = s.pmtud.takeChange();
  if (size === undefined) return;
  s.ld.cc.setMaxDatagramSize(size);
  s.pacer.setMaxDatagramSize(size);
}

/** Acknowledged packets, for the black-hole detector (probes report through their tokens). */
export function pmtudOnAcked(s: ConnectionState, packets: readonly SentPacket<ConnectionToken>[]): void {
  // Usually no probe among them: no filtered copy then.
  s.pmtud.onPacketsAcked(packets.some(isProbe) ? packets.filter(isNotProbe) : packets);
}

function isProbe(p: SentPacket<ConnectionToken>): boolean {
  return p.isPmtuProbe === true;
}

function isNotProbe(p: SentPacket<ConnectionToken>): boolean {
  return p.isPmtuProbe !== true;
}

/** Packets declared lost in one loss event, for the black-hole detector. */
export function pmtudOnLost(s: ConnectionState, packets: readonly SentPacket<ConnectionToken>[]): void {
  if (s.pmtud.onPacketsLost(packets.filter((p) => p.isPmtuProbe !== true && p.ackEliciting))) pmtudTick(s);
}
