// Periodic services: destinations that several local hosts contact at a steady interval —
// monitoring agents' heartbeats, NTP, update checks. Learned from the beacon candidates of
// training (and online from quiet windows); a host that starts the same heartbeat is not a beacon.
// A service is a remote address and port polled periodically by at least two hosts, or a remote
// network (/24, IPv6 /48) and port polled by at least three (pools that rotate addresses).
import type { BeaconCandidate } from './detectors/beaconing.ts';
import { networksOf } from './ipPrefix.ts';
import { ONLINE_TTL_MS, RecentlySeen } from './onlineDecay.ts';

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

/**
 * Hosts of a service: a count loaded from a model plus hosts seen since (which may repeat loaded
 * ones); a service only learned online counts while it was seen within ONLINE_TTL_MS.
 */
interface ServiceState { base: number; hosts: Set<string>; trained: boolean; seen: number }

export class PeriodicServices {
  private readonly addresses = new Map<string, ServiceState>();
  private readonly networks = new Map<string, ServiceState>();
  /** local|remote|port triples periodic in training */
  private readonly trainedPairs: Set<string>;
  private readonly onlinePairs = new RecentlySeen(MAX_SERVICES);

  constructor(json?: PeriodicServicesJson, periodicPairs: readonly string[] = []) {
    this.trainedPairs = new Set(periodicPairs);
    if (!json) return;
    for (const [k, n] of Object.entries(json.addresses)) this.addresses.set(k, { base: n, hosts: new Set(), trained: true, seen: 0 });
    for (const [k, n] of Object.entries(json.networks)) this.networks.set(k, { base: n, hosts: new Set(), trained: true, seen: 0 });
  }

  /** The pair was periodic before (training, or online), or its destination is a periodic service. */
  covers(c: BeaconCandidate, now: number): boolean {
    if (this.trainedPairs.has(c.key) || this.onlinePairs.has(c.key, now)) return true;
    if (hostsOf(this.addresses.get(`${c.remote}|${c.port}`), now) >= SERVICE_MIN_HOSTS) return true;
    const net = networksOf(c.remote)?.narrow;
    return net !== undefined && hostsOf(this.networks.get(`${net}|${c.port}`), now) >= SERVICE_NETWORK_MIN_HOSTS;
  }

  /** Records a periodic pair (training). */
  learn(c: BeaconCandidate): void {
    this.record(c, 0, true);
  }

  /** Records a periodic pair confirmed as normal between retrains (onlineLearning.ts). */
  learnOnline(c: BeaconCandidate, now: number): void {
    this.onlinePairs.see(c.key, now);
    this.record(c, now, false);
  }

  toJson(): PeriodicServicesJson {
    const out = (m: Map<string, ServiceState>): Record<string, number> =>
      Object.fromEntries([...m.entries()].filter(([, s]) => s.trained).sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, s]) => [k, hostsOf(s, 0)]));
    return { addresses: out(this.addresses), networks: out(this.networks) };
  }

  private record(c: BeaconCandidate, now: number, trained: boolean): void {
    add(this.addresses, `${c.remote}|${c.port}`, c.local, now, trained);
    const net = networksOf(c.remote)?.narrow;
    if (net) add(this.networks, `${net}|${c.port}`, c.local, now, trained);
  }
}

function hostsOf(s: ServiceState | undefined, now: number): number {
  if (!s || (!s.trained && now - s.seen > ONLINE_TTL_MS)) return 0;
  return Math.min(HOSTS_CAP, s.base + s.hosts.size);
}

function add(m: Map<string, ServiceState>, key: string, host: string, now: number, trained: boolean): void {
  let s = m.get(key);
  if (!s) {
    if (m.size >= MAX_SERVICES) return;
    s = { base: 0, hosts: new Set(), trained, seen: now };
    m.set(key, s);
  }
  s.seen = now;
  if (Math.min(HOSTS_CAP, s.base + s.hosts.size) < HOSTS_CAP) s.hosts.add(host);
}
