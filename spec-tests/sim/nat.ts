/**
 * NAT rebinding (DESIGN §6, ladder item 4), after the interop runner's `rebind` scenario
 * (/work/shared/INTEROP-RUNNER.md §5: "NAT on client->server packets from 193.167.0.100: source
 * port mapped (initially identity); at each rebind every mapping gets a fresh random port (and
 * with rebind-addr a random 193.167.0.1-254 address != .100); server->client packets to a stale
 * mapping are dropped").
 *
 * Mapping 0 is the identity; mapping k (k ≥ 1) starts at `firstRebind + (k-1)·every` (only one
 * rebind when `every` is absent). The mapping sequence is drawn from the NAT's own generator, so
 * it is the same whatever order the network asks about it.
 */
import type { Duration, Instant } from '../../src/util/time.js';
import { SeededRandom } from '../../src/util/random.js';
import { formatAddress, parseAddress, type SimAddress } from './address.js';

/** Rebinding of one inside endpoint. */
export interface NatConfig {
  /** The endpoint behind the NAT (its own view of its address). */
  readonly inside: SimAddress;
  /** First rebind (runner: `--first-rebind=1s`). */
  readonly firstRebind: Instant;
  /** Rebind again every this long (runner: `--rebind-freq=5s`); absent: once. */
  readonly every?: Duration;
  /** 'port': new random port; 'address': new random host and port (runner: `--rebind-addr`). */
  readonly mode: 'port' | 'address';
}

/** The state of one NAT binding. */
export class Nat {
  readonly config: NatConfig;
  private readonly rng: SeededRandom;
  private readonly mappings: SimAddress[];

  constructor(config: NatConfig, seed: number) {
    if (config.every !== undefined && config.every <= 0) throw new RangeError('rebind period must be positive');
    this.config = config;
    this.rng = new SeededRandom(seed);
    this.mappings = [config.inside];
  }

  /** The index of the mapping in force at `t` (0 before the first rebind). */
  indexAt(t: Instant): number {
    const { firstRebind, every } = this.config;
    if (t < firstRebind) return 0;
    if (every === undefined) return 1;
    return 1 + Math.floor((t - firstRebind) / every);
  }

  /** The external address of the inside endpoint at `t`, as peers see it. */
  mappingAt(t: Instant): SimAddress {
    const k = this.indexAt(t);
    while (this.mappings.length <= k) this.mappings.push(this.rebind(this.mappings[this.mappings.length - 1]!));
    return this.mappings[k]!;
  }

  /** True if `address` is, or was, a mapping of this NAT up to time `t`. */
  owns(address: SimAddress, t: Instant): boolean {
    this.mappingAt(t);
    return this.mappings.includes(address);
  }

  /** Every mapping generated so far, identity first. */
  history(): readonly SimAddress[] {
    return this.mappings;
  }

  private rebind(previous: SimAddress): SimAddress {
    const { host, port } = parseAddress(previous);
    let newPort = port;
    while (newPort === port) newPort = 1024 + Math.floor(this.rng.nextFloat() * (65536 - 1024));
    if (this.config.mode === 'port') return formatAddress(host, newPort);
    const inside = parseAddress(this.config.inside).host;
    return formatAddress(this.newHost(inside, host), newPort);
  }

  /** An IPv4 host in the inside host's /24 (x.y.z.1-254), different from the inside and current. */
  private newHost(inside: string, current: string): string {
    const v4 = /^(\d+\.\d+\.\d+)\.(\d+)$/.exec(inside);
    if (!v4) return `${inside}-rebind${this.mappings.length}`;
    for (;;) {
      const candidate = `${v4[1]}.${1 + Math.floor(this.rng.nextFloat() * 254)}`;
      if (candidate !== inside && candidate !== current) return candidate;
    }
  }
}
