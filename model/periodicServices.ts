// Periodic services: destinations that several local hosts contact at a steady interval —
// monitoring agents' heartbeats, NTP, update checks. Learned from the beacon candidates of
// training (and online from quiet windows); a host that starts the same heartbeat is not a beacon.
// A service is a remote address and port polled periodically by at least two hosts, or a remote
// network (/24, IPv6 /48) and port polled by at least three (pools that rotate addresses).
import type { BeaconCandidate } from './detectors/beaconing.ts';
import { networksOf } from './ipPrefix.ts';

export interface PeriodicServicesJson {
  /** `remote|port` → local hosts that polled it periodically */
  addresses: Record<string, number>;
  /** `network|port` → local hosts that polled an address of it periodically */
  networks: Record<string, number>;
}

export const SERVICE_MIN_HOSTS = 2;
export const SERVICE_NETWORK_MIN_HOSTS = 3;
/** hosts are counted up to this per service */
const HOSTS_CAP = 64;
const MAX_SERVICES = 50_000;

/** Hosts of a service: a count loaded from a model plus hosts seen since (which may repeat loaded ones). */
interface ServiceState { base: number; hosts: Set<string> }

export class PeriodicServices {
  private readonly addresses = new Map<string, ServiceState>();
  private readonly networks = new Map<string, ServiceState>();

  constructor(json?: PeriodicServicesJson) {
    if (!json) return;
    for (const [k, n] of Object.entries(json.addresses)) this.addresses.set(k, { base: n, hosts: new Set() });
    for (const [k, n] of Object.entries(json.networks)) this.networks.set(k, { base: n, hosts: new Set() });
  }

  covers(remote: string, port: number): boolean {
    if (hostsOf(this.addresses.get(`${remote}|${port}`)) >= SERVICE_MIN_HOSTS) return true;
    const net = networksOf(remote)?.narrow;
    return net !== undefined && hostsOf(this.networks.get(`${net}|${port}`)) >= SERVICE_NETWORK_MIN_HOSTS;
  }

  /** Records a periodic pair (training, and online from quiet windows). */
  learn(c: BeaconCandidate): void {
    add(this.addresses, `${c.remote}|${c.port}`, c.local);
    const net = networksOf(c.remote)?.narrow;
    if (net) add(this.networks, `${net}|${c.port}`, c.local);
  }

  toJson(): PeriodicServicesJson {
    const out = (m: Map<string, ServiceState>): Record<string, number> =>
      Object.fromEntries([...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, s]) => [k, hostsOf(s)]));
    return { addresses: out(this.addresses), networks: out(this.networks) };
  }
}

function hostsOf(s: ServiceState | undefined): number {
  return s ? Math.min(HOSTS_CAP, s.base + s.hosts.size) : 0;
}

function add(m: Map<string, ServiceState>, key: string, host: string): void {
  let s = m.get(key);
  if (!s) {
    if (m.size >= MAX_SERVICES) return;
    s = { base: 0, hosts: new Set() };
    m.set(key, s);
  }
  if (hostsOf(s) < HOSTS_CAP) s.hosts.add(host);
}
