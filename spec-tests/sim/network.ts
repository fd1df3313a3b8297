/**
 * A seeded, deterministic discrete-event network between endpoints (DESIGN §6, ladder item 4).
 *
 * Driven by a virtual clock: the caller passes `now` (an `Instant`) to `send`, asks
 * `nextDeliveryTime()`, advances its clock, and collects `deliverDue(now)`. Each ordered pair of
 * endpoints is one `Link` direction with its own impairments (link.ts) and its own generator
 * derived from the network seed, and an endpoint may sit behind a rebinding NAT (nat.ts). Nothing
 * reads a real clock or Math.random: the same seed and the same calls give the same deliveries.
 */
import type { Instant } from '../../src/util/time.js';
import { SeededRandom } from '../../src/util/random.js';
import type { SimAddress } from './address.js';
import { DropReason, Link, emptyStats, type LinkConfig, type LinkStats } from './link.js';
import { Nat, type NatConfig } from './nat.js';

/** A datagram handed to its receiver. `from` is the source as the receiver sees it (after NAT). */
export interface Delivery {
  readonly to: SimAddress;
  readonly from: SimAddress;
  readonly datagram: Uint8Array;
  readonly at: Instant;
}

/** Network-wide options. */
export interface NetworkOptions {
  /** Seed of every random choice (print it; replay with SIM_SEED, see seed.ts). */
  readonly seed: number;
  /** Impairments of directions without their own `setLink` (default: a perfect wire). */
  readonly defaultLink?: LinkConfig;
}

interface InFlight {
  readonly at: Instant;
  readonly seq: number;
  /** Real endpoints of the direction (NAT inside address, not the mapping). */
  readonly src: SimAddress;
  readonly dst: SimAddress;
  /** The destination the sender wrote (a NAT mapping when the receiver is behind a NAT). */
  readonly addressedTo: SimAddress;
  readonly datagram: Uint8Array;
}

/** The simulator. */
export class SimNetwork {
  readonly seed: number;
  private readonly defaultLink: LinkConfig;
  private readonly configs = new Map<string, LinkConfig>();
  private readonly links = new Map<string, Link>();
  private readonly nats = new Map<SimAddress, Nat>();
  private readonly heap: InFlight[] = [];
  private seq = 0;

  constructor(options: NetworkOptions) {
    this.seed = options.seed >>> 0;
    this.defaultLink = options.defaultLink ?? {};
  }

  /** Sets the impairments of the direction `from` → `to` (before its first datagram). */
  setLink(from: SimAddress, to: SimAddress, config: LinkConfig): this {
    const key = directionKey(from, to);
    if (this.links.has(key)) throw new Error(`link ${key} already carries traffic`);
    this.configs.set(key, config);
    return this;
  }

  /** Sets both directions between `a` and `b` (`ba` defaults to `ab`). */
  setPath(a: SimAddress, b: SimAddress, ab: LinkConfig, ba: LinkConfig = ab): this {
    return this.setLink(a, b, ab).setLink(b, a, ba);
  }

  /** Puts `config.inside` behind a rebinding NAT. */
  addNat(config: NatConfig): this {
    if (this.nats.has(config.inside)) throw new Error(`${config.inside} already has a NAT`);
    this.nats.set(config.inside, new Nat(config, deriveSeed(this.seed, `nat:${config.inside}`)));
    return this;
  }

  /** The address peers see for `inside` at `t` (itself when not behind a NAT). */
  apparentAddress(inside: SimAddress, t: Instant): SimAddress {
    return this.nats.get(inside)?.mappingAt(t) ?? inside;
  }

  /** Every external address a NAT has given `inside` so far, identity first. */
  natHistory(inside: SimAddress): readonly SimAddress[] {
    return this.nats.get(inside)?.history() ?? [inside];
  }

  /** `from` (a real endpoint) sends `datagram` to `to` (possibly a NAT mapping) at `now`. */
  send(now: Instant, from: SimAddress, to: SimAddress, datagram: Uint8Array): void {
    const dst = this.resolveInside(to, now);
    const link = this.link(from, dst);
    for (const arrival of link.send(now, datagram)) {
      this.push({ at: arrival.at, seq: this.seq++, src: from, dst, addressedTo: to, datagram: arrival.datagram });
    }
  }

  /** When the next datagram arrives, or undefined if nothing is in flight. */
  nextDeliveryTime(): Instant | undefined {
    return this.heap[0]?.at;
  }

  /** Every datagram arriving at or before `now`, in arrival order (ties: send order). */
  deliverDue(now: Instant): Delivery[] {
    const out: Delivery[] = [];
    while (this.heap.length > 0 && this.heap[0]!.at <= now) {
      const f = this.pop();
      const stats = this.link(f.src, f.dst).stats;
      const dstNat = this.nats.get(f.dst);
      if (dstNat && dstNat.mappingAt(f.at) !== f.addressedTo) {
        // Runner's rebind: "server->client packets to a stale mapping are dropped".
        stats.dropped[DropReason.natStale]++;
        continue;
      }
      stats.delivered++;
      stats.bytesDelivered += f.datagram.length;
      out.push({ to: f.dst, from: this.apparentAddress(f.src, f.at), datagram: f.datagram, at: f.at });
    }
    return out;
  }

  /** Counters of the direction `from` → `to` (real endpoint addresses); zeros if unused. */
  stats(from: SimAddress, to: SimAddress): LinkStats {
    return this.links.get(directionKey(from, to))?.stats ?? emptyStats();
  }

  /** Number of datagrams in flight. */
  inFlight(): number {
    return this.heap.length;
  }

  private resolveInside(to: SimAddress, now: Instant): SimAddress {
    for (const nat of this.nats.values()) if (nat.owns(to, now)) return nat.config.inside;
    return to;
  }

  private link(from: SimAddress, to: SimAddress): Link {
    const key = directionKey(from, to);
    let link = this.links.get(key);
    if (!link) {
      link = new Link(this.configs.get(key) ?? this.defaultLink, new SeededRandom(deriveSeed(this.seed, key)));
      this.links.set(key, link);
    }
    return link;
  }

  private push(f: InFlight): void {
    const h = this.heap;
    h.push(f);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): InFlight {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: InFlight, b: InFlight): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function directionKey(from: SimAddress, to: SimAddress): string {
  return `${from}->${to}`;
}

/** A per-purpose seed: the network seed mixed with an FNV-1a hash of `label`. */
export function deriveSeed(seed: number, label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ h) >>> 0;
}
