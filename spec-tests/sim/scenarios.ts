/**
 * In-process twins of the interop runner's network scenarios (DESIGN §6, ladder item 4: "The
 * interop runner's network scenarios all have an in-process twin here"). Parameters are those of
 * /work/shared/INTEROP-RUNNER.md §3 (test table) and §5 (ns-3 scenarios), cited per preset.
 *
 * Not modelled: crosstraffic's competing iperf TCP flow (M2), and ECN marking (the `ecn` test
 * runs on S0; the simulator carries no IP header).
 */
import { instant, millis, seconds, type Duration } from '../../src/util/time.js';
import type { SimAddress } from './address.js';
import type { LinkConfig } from './link.js';
import type { NatConfig } from './nat.js';
import { SimNetwork } from './network.js';

/** A scenario: one config per direction, an optional client NAT, the runner's timeout. */
export interface Scenario {
  readonly name: string;
  /** Where the parameters come from. */
  readonly citation: string;
  readonly clientToServer: LinkConfig;
  readonly serverToClient: LinkConfig;
  /** Client NAT rebinding, without `inside` (filled in by `buildNetwork`). */
  readonly nat?: Omit<NatConfig, 'inside'>;
  /** The runner's wall-clock timeout for the test (simulated time budget for a pair test). */
  readonly timeout: Duration;
}

/**
 * S0 = `simple-p2p --delay=15ms --bandwidth=10Mbps --queue=25` (INTEROP-RUNNER.md §3): 15 ms one
 * way, 10 Mbit/s, a 25-packet FIFO; each datagram costs 28 bytes of IPv4+UDP and 2 of PPP on the
 * wire (§5: "PPP framing, +2 bytes per packet"). Returns a fresh object.
 */
export function simpleP2p(delay: Duration = millis(15)): LinkConfig {
  return {
    delay,
    rate: { bytesPerSecond: 10_000_000 / 8, queuePackets: 25, overheadBytes: 28 + 2 },
  };
}

const DEFAULT_TIMEOUT = seconds(60);
const S0 = 'INTEROP-RUNNER.md §3: S0 = simple-p2p --delay=15ms --bandwidth=10Mbps --queue=25';

function symmetric(name: string, citation: string, link: LinkConfig, timeout = DEFAULT_TIMEOUT): Scenario {
  return { name, citation, clientToServer: link, serverToClient: link, timeout };
}

/** The default link of handshake, transfer, multiplexing, chacha20, retry, resumption, zerortt,
 * http3, keyupdate, ecn, ipv6, v2, connectionmigration and goodput. */
export const defaultLink: Scenario = symmetric('simple-p2p', S0, simpleP2p());

/** longrtt: simple-p2p delay=750ms (1.5 s RTT). INTEROP-RUNNER.md §3 row 3. */
export const longrtt: Scenario = symmetric('longrtt', 'INTEROP-RUNNER.md §3 row 3: simple-p2p delay=750ms', simpleP2p(millis(750)));

/** handshakeloss: drop-rate 30 % each way, max 3 consecutive drops, timeout 300 s (§3 row 14). */
export const handshakeloss: Scenario = symmetric(
  'handshakeloss',
  'INTEROP-RUNNER.md §3 row 14 + §5 drop-rate: 30 % each way, burst 3; timeout 300 s',
  { ...simpleP2p(), loss: 0.3, lossBurstCap: 3 },
  seconds(300),
);

/** transferloss: drop-rate 2 % each way, burst ≤ 3 (§3 row 15). */
export const transferloss: Scenario = symmetric(
  'transferloss',
  'INTEROP-RUNNER.md §3 row 15 + §5 drop-rate: 2 % each way, burst 3',
  { ...simpleP2p(), loss: 0.02, lossBurstCap: 3 },
);

/** handshakecorruption: corrupt-rate 30 % each way, burst ≤ 3, timeout 300 s (§3 row 16). One
 * byte within the first 51 payload bytes replaced, Version Negotiation spared (§5 corrupt-rate). */
export const handshakecorruption: Scenario = symmetric(
  'handshakecorruption',
  'INTEROP-RUNNER.md §3 row 16 + §5 corrupt-rate: 30 %, burst 3, one byte in the first 51; timeout 300 s',
  { ...simpleP2p(), corrupt: { probability: 0.3, mode: 'byte-prefix', prefix: 51, burstCap: 3 } },
  seconds(300),
);

/** transfercorruption: corrupt-rate 2 %, burst ≤ 3 (§3 row 17). */
export const transfercorruption: Scenario = symmetric(
  'transfercorruption',
  'INTEROP-RUNNER.md §3 row 17 + §5 corrupt-rate: 2 %, burst 3, one byte in the first 51',
  { ...simpleP2p(), corrupt: { probability: 0.02, mode: 'byte-prefix', prefix: 51, burstCap: 3 } },
);

/** blackhole: open 5 s, dead 2 s, once, both directions: dead for sends in [5 s, 7 s) (§3 row 10). */
export const blackhole: Scenario = symmetric(
  'blackhole',
  'INTEROP-RUNNER.md §3 row 10 + §5 blackhole: on=5s off=2s repeat=1 direction=both',
  { ...simpleP2p(), blackholes: [{ from: instant(5_000_000), to: instant(7_000_000) }] },
);

/** amplificationlimit: datagrams #2..#7 toward the server dropped (§3 row 13). The 9-certificate
 * chain is the test's business, not the network's. */
export const amplificationlimit: Scenario = {
  name: 'amplificationlimit',
  citation: 'INTEROP-RUNNER.md §3 row 13 + §5 droplist: drops_to_server=2,3,4,5,6,7',
  clientToServer: { ...simpleP2p(), droplist: [2, 3, 4, 5, 6, 7] },
  serverToClient: simpleP2p(),
  timeout: DEFAULT_TIMEOUT,
};

/** rebind-port: first rebind at 1 s, then every 5 s, new random client port (§3 row 20). */
export const rebindPort: Scenario = {
  ...symmetric('rebind-port', 'INTEROP-RUNNER.md §3 row 20 + §5 rebind: first-rebind=1s rebind-freq=5s', simpleP2p()),
  nat: { firstRebind: instant(1_000_000), every: seconds(5), mode: 'port' },
};

/** rebind-addr: as rebind-port plus a new random client address in the same /24 (§3 row 21). */
export const rebindAddr: Scenario = {
  ...symmetric('rebind-addr', 'INTEROP-RUNNER.md §3 row 21 + §5 rebind: --rebind-addr', simpleP2p()),
  nat: { firstRebind: instant(1_000_000), every: seconds(5), mode: 'address' },
};

/** Every preset, by the runner's test name(s) that use it. */
export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  handshake: defaultLink,
  transfer: defaultLink,
  multiplexing: defaultLink,
  chacha20: defaultLink,
  retry: defaultLink,
  resumption: defaultLink,
  zerortt: defaultLink,
  http3: defaultLink,
  keyupdate: defaultLink,
  ecn: defaultLink,
  ipv6: defaultLink,
  v2: defaultLink,
  connectionmigration: defaultLink,
  goodput: defaultLink,
  longrtt,
  blackhole,
  amplificationlimit,
  handshakeloss,
  transferloss,
  handshakecorruption,
  transfercorruption,
  'rebind-port': rebindPort,
  'rebind-addr': rebindAddr,
};

/** A network carrying `scenario` between `client` and `server`, seeded with `seed`. */
export function buildNetwork(scenario: Scenario, client: SimAddress, server: SimAddress, seed: number): SimNetwork {
  return addScenarioPath(new SimNetwork({ seed }), scenario, client, server);
}

/** Adds `scenario` between one more `client` and `server` to `net` (both directions, plus the
 * client's NAT); used per client by the interop relay (interop/relay/relay.ts). Returns `net`. */
export function addScenarioPath(net: SimNetwork, scenario: Scenario, client: SimAddress, server: SimAddress): SimNetwork {
  net.setPath(client, server, scenario.clientToServer, scenario.serverToClient);
  if (scenario.nat) net.addNat({ ...scenario.nat, inside: client });
  return net;
}

/** The runner's client and server addresses (INTEROP-RUNNER.md §2.2), port 443 on the server. */
export const RUNNER_CLIENT: SimAddress = '193.167.0.100:50000';
/** The runner's server address (INTEROP-RUNNER.md §2.2, §2.3: UDP port 443). */
export const RUNNER_SERVER: SimAddress = '193.167.100.100:443';
