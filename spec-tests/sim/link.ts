/**
 * One direction of a simulated link (DESIGN §6, ladder item 4), modelled on the interop runner's
 * ns-3 link (/work/shared/INTEROP-RUNNER.md §5): datagrams enter a bounded FIFO, are serialised at
 * the link rate, propagate for the one-way delay, and then meet the receive-side impairments
 * (loss, burst loss, drop list, corruption, duplication). Blackhole windows and the MTU act on
 * entry. Every random choice comes from this direction's own `SeededRandom`, so a run replays
 * from its seed and traffic in one direction never perturbs the other.
 */
import type { Duration, Instant } from '../../src/util/time.js';
import type { SeededRandom } from '../../src/util/random.js';

/** Why the simulator dropped a datagram. */
export const DropReason = {
  mtu: 'mtu',
  blackhole: 'blackhole',
  queueFull: 'queue-full',
  loss: 'loss',
  burstLoss: 'burst-loss',
  droplist: 'droplist',
  natStale: 'nat-stale',
} as const;
/** A drop reason. */
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/** Extra one-way latency drawn per datagram, symmetric around 0 like netem's jitter. */
export type Jitter =
  | { readonly kind: 'uniform'; readonly amount: Duration } // uniform in [-amount, +amount]
  | { readonly kind: 'normal'; readonly stddev: Duration }; // approx. N(0, stddev²), Irwin–Hall(12)

/** Gilbert–Elliott two-state loss: per datagram, move good→bad with `p`, bad→good with `r`. */
export interface GilbertElliott {
  readonly p: number;
  readonly r: number;
  /** Loss probability in the bad state (1 for the classic Gilbert model). */
  readonly lossInBad: number;
  /** Loss probability in the good state (default 0). */
  readonly lossInGood?: number;
}

/** Impairments of one direction. Every field is optional; an empty config is a perfect wire. */
export interface LinkConfig {
  /** Fixed one-way propagation delay. */
  readonly delay?: Duration;
  /** Per-datagram jitter; never reorders unless `jitterMayReorder` (the FIFO is kept). */
  readonly jitter?: Jitter;
  /** Let jitter reorder datagrams (default false: an arrival never precedes an earlier one). */
  readonly jitterMayReorder?: boolean;
  /** With `probability`, hold a datagram back `extraDelay` more, letting later ones overtake. */
  readonly reorder?: { readonly probability: number; readonly extraDelay: Duration };
  /** Independent loss probability per datagram. */
  readonly loss?: number;
  /** Runner's drop-rate `burst`: after this many consecutive random drops the next passes. */
  readonly lossBurstCap?: number;
  /** Gilbert–Elliott burst loss (applied in addition to `loss`). */
  readonly gilbertElliott?: GilbertElliott;
  /** 1-based indexes (counted over datagrams that left the queue) to drop: runner's droplist. */
  readonly droplist?: readonly number[];
  /** Probability of delivering a second copy `delay` (default 0) after the first. */
  readonly duplicate?: { readonly probability: number; readonly delay?: Duration };
  /** Corruption of the delivered copy; see `CorruptionConfig`. */
  readonly corrupt?: CorruptionConfig;
  /** Bottleneck rate with a bounded FIFO (tail drop). */
  readonly rate?: RateConfig;
  /** Datagrams longer than this (bytes of UDP payload) are dropped. */
  readonly mtu?: number;
  /** Half-open windows [from, to) of send time in which every datagram is dropped. */
  readonly blackholes?: readonly { readonly from: Instant; readonly to: Instant }[];
}

/** Corruption: `bits` flips that many distinct random bits; `byte-prefix` is the runner's mode. */
export interface CorruptionConfig {
  readonly probability: number;
  /** 'bits' (default): flip `bits` random bits. 'byte-prefix': replace one byte within the first
   * `prefix` (default 51) bytes by a different random value, never touching a Version Negotiation
   * packet (bytes 1..4 zero), as the runner's corrupt-rate does. */
  readonly mode?: 'bits' | 'byte-prefix';
  readonly bits?: number;
  readonly prefix?: number;
  /** Like `lossBurstCap`: after this many consecutive corruptions the next datagram is spared. */
  readonly burstCap?: number;
}

/** Link rate and queue: the runner's `--bandwidth` and `--queue`. */
export interface RateConfig {
  readonly bytesPerSecond: number;
  /** Byte limit of the waiting queue (the datagram being serialised is not in the queue). */
  readonly queueBytes?: number;
  /** Packet limit of the waiting queue (ns-3 counts packets: the runner's `--queue=25`). */
  readonly queuePackets?: number;
  /** Bytes added to each datagram on the wire (IPv4+UDP 28, PPP 2 on the runner's link). */
  readonly overheadBytes?: number;
}

/** Counters for one direction. `bytes*` count UDP payload bytes. */
export interface LinkStats {
  sent: number;
  bytesSent: number;
  delivered: number;
  bytesDelivered: number;
  dropped: Record<DropReason, number>;
  /** Datagrams delivered corrupted, and the bits changed in them. */
  corrupted: number;
  bitsFlipped: number;
  duplicated: number;
  reordered: number;
  /** High-water marks of the waiting queue. */
  maxQueueBytes: number;
  maxQueuePackets: number;
}

/** Fresh zeroed counters. */
export function emptyStats(): LinkStats {
  const dropped = {} as Record<DropReason, number>;
  for (const reason of Object.values(DropReason)) dropped[reason] = 0;
  return {
    sent: 0, bytesSent: 0, delivered: 0, bytesDelivered: 0, dropped,
    corrupted: 0, bitsFlipped: 0, duplicated: 0, reordered: 0, maxQueueBytes: 0, maxQueuePackets: 0,
  };
}

/** A datagram scheduled to arrive. */
export interface Arrival {
  readonly at: Instant;
  readonly datagram: Uint8Array;
}

/** The state of one direction: queue, loss-model state, counters. */
export class Link {
  readonly stats: LinkStats = emptyStats();
  private readonly config: LinkConfig;
  private readonly rng: SeededRandom;
  /** Serialisation-start times and sizes of queued datagrams, oldest first. */
  private readonly queue: { start: number; size: number }[] = [];
  private queueBytes = 0;
  /** When the transmitter is free again (fractional µs, to avoid rounding drift). */
  private busyUntil = 0;
  /** Latest in-order arrival, so jitter keeps FIFO order. */
  private lastArrival = 0;
  private consecutiveLosses = 0;
  private consecutiveCorruptions = 0;
  private geBad = false;
  private leftQueue = 0;

  constructor(config: LinkConfig, rng: SeededRandom) {
    this.config = config;
    this.rng = rng;
  }

  /** Takes a datagram sent at `now`; returns its arrivals (0, 1 or 2 with a duplicate). */
  send(now: Instant, datagram: Uint8Array): Arrival[] {
    const c = this.config;
    this.stats.sent++;
    this.stats.bytesSent += datagram.length;
    if (c.blackholes?.some((w) => now >= w.from && now < w.to)) return this.drop(DropReason.blackhole);
    if (c.mtu !== undefined && datagram.length > c.mtu) return this.drop(DropReason.mtu);

    let leaves = now as number; // when serialisation ends
    if (c.rate) {
      while (this.queue.length > 0 && this.queue[0]!.start <= now) this.queueBytes -= this.queue.shift()!.size;
      const start = Math.max(now, this.busyUntil);
      if (start > now) {
        const fullBytes = c.rate.queueBytes !== undefined && this.queueBytes + datagram.length > c.rate.queueBytes;
        const fullPackets = c.rate.queuePackets !== undefined && this.queue.length + 1 > c.rate.queuePackets;
        if (fullBytes || fullPackets) return this.drop(DropReason.queueFull);
        this.queue.push({ start, size: datagram.length });
        this.queueBytes += datagram.length;
        this.stats.maxQueueBytes = Math.max(this.stats.maxQueueBytes, this.queueBytes);
        this.stats.maxQueuePackets = Math.max(this.stats.maxQueuePackets, this.queue.length);
      }
      const wireBytes = datagram.length + (c.rate.overheadBytes ?? 0);
      this.busyUntil = start + (wireBytes * 1_000_000) / c.rate.bytesPerSecond;
      leaves = this.busyUntil;
    }

    // Receive-side impairments (ns-3 receive error model), decided now for determinism.
    this.leftQueue++;
    if (c.droplist?.includes(this.leftQueue)) return this.drop(DropReason.droplist);
    if (c.gilbertElliott) {
      const ge = c.gilbertElliott;
      const lossP = this.geBad ? ge.lossInBad : (ge.lossInGood ?? 0);
      const lost = this.rng.nextFloat() < lossP;
      this.geBad = this.geBad ? this.rng.nextFloat() >= ge.r : this.rng.nextFloat() < ge.p;
      if (lost) return this.drop(DropReason.burstLoss);
    }
    if (c.loss !== undefined && c.loss > 0) {
      const capped = c.lossBurstCap !== undefined && this.consecutiveLosses >= c.lossBurstCap;
      if (!capped && this.rng.nextFloat() < c.loss) {
        this.consecutiveLosses++;
        return this.drop(DropReason.loss);
      }
      this.consecutiveLosses = 0;
    }

    let at = leaves + (c.delay ?? 0) + this.jitter();
    at = Math.max(at, leaves);
    if (c.reorder && this.rng.nextFloat() < c.reorder.probability) {
      at += c.reorder.extraDelay;
      this.stats.reordered++;
    } else if (!c.jitterMayReorder) {
      at = Math.max(at, this.lastArrival);
      this.lastArrival = at;
    }
    const arrival = Math.round(at) as Instant;
    const delivered = this.corrupt(datagram);
    const out: Arrival[] = [{ at: arrival, datagram: delivered }];
    if (c.duplicate && this.rng.nextFloat() < c.duplicate.probability) {
      this.stats.duplicated++;
      out.push({ at: (arrival + (c.duplicate.delay ?? 0)) as Instant, datagram: delivered.slice() });
    }
    return out;
  }

  private drop(reason: DropReason): Arrival[] {
    this.stats.dropped[reason]++;
    return [];
  }

  private jitter(): number {
    const j = this.config.jitter;
    if (!j) return 0;
    switch (j.kind) {
      case 'uniform':
        return (this.rng.nextFloat() * 2 - 1) * j.amount;
      case 'normal': {
        let sum = 0;
        for (let i = 0; i < 12; i++) sum += this.rng.nextFloat();
        return (sum - 6) * j.stddev;
      }
      default: {
        const never: never = j;
        return never;
      }
    }
  }

  /** Returns `datagram` or a corrupted copy (the sender's buffer is never modified). */
  private corrupt(datagram: Uint8Array): Uint8Array {
    const c = this.config.corrupt;
    if (!c || datagram.length === 0) return datagram;
    const mode = c.mode ?? 'bits';
    // Runner's corrupt-rate: "Version Negotiation packets (bytes 1..4 zero) are never corrupted";
    // they do not take part in the burst count either.
    const isVersionNegotiation = datagram.length >= 5 && datagram[1] === 0 && datagram[2] === 0 && datagram[3] === 0 && datagram[4] === 0;
    if (mode === 'byte-prefix' && isVersionNegotiation) return datagram;
    if (c.burstCap !== undefined && this.consecutiveCorruptions >= c.burstCap) {
      this.consecutiveCorruptions = 0;
      return datagram;
    }
    if (this.rng.nextFloat() >= c.probability) {
      this.consecutiveCorruptions = 0;
      return datagram;
    }
    this.consecutiveCorruptions++;
    const copy = datagram.slice();
    let flipped = 0;
    if (mode === 'byte-prefix') {
      const i = Math.floor(this.rng.nextFloat() * Math.min(c.prefix ?? 51, copy.length));
      const replacement = (copy[i]! + 1 + Math.floor(this.rng.nextFloat() * 255)) & 0xff; // != old
      flipped = popcount(copy[i]! ^ replacement);
      copy[i] = replacement;
    } else {
      const totalBits = copy.length * 8;
      const want = Math.min(c.bits ?? 1, totalBits);
      const chosen = new Set<number>();
      while (chosen.size < want) chosen.add(Math.floor(this.rng.nextFloat() * totalBits));
      for (const bit of chosen) copy[bit >> 3] = copy[bit >> 3]! ^ (1 << (bit & 7));
      flipped = want;
    }
    this.stats.corrupted++;
    this.stats.bitsFlipped += flipped;
    return copy;
  }
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x; v !== 0; v &= v - 1) n++;
  return n;
}
