// Uploads to the networks many of the site's hosts send to every day (cloud storage and CDNs with
// rotating addresses, a device vendor's cloud, SaaS services: `commonNetwork` in
// destinationBaseline.ts) are judged apart from a host's other uploads. In one host's own week a
// large cloud sync is a rare outlier, while across the site it happens every day: measured against
// the host alone it would alarm every few hours, measured against what the other hosts sent there
// it is ordinary. A host's payload in a window goes to the side of the remote that received most
// of it (`LocalHostStats.topRemote`).
import type { LocalHostStats } from '../capture/index.ts';
import type { DestinationBaseline, NetworkVerdict } from './destinationBaseline.ts';

/** verdicts are cached per address for this long, so a long upload costs one lookup a minute */
const CACHE_MS = 60_000;
const MAX_CACHED = 50_000;

export class SharedUploads {
  private readonly cache = new Map<string, NetworkVerdict | null>();
  private cacheEpoch = NaN;

  constructor(private readonly networks: DestinationBaseline) {}

  /** The shared network a host's window upload went to, or null when it went anywhere else. */
  networkOf(h: LocalHostStats, now: number): NetworkVerdict | null {
    return h.topRemote === undefined ? null : this.networkOfRemote(h.topRemote, now);
  }

  /** The shared network of a remote address, or null when it is in any other. */
  networkOfRemote(remote: string, now: number): NetworkVerdict | null {
    // a model that did not learn what one host sends to a shared network cannot judge it apart
    if (!this.networks.knowsHostVolumes) return null;
    const epoch = Math.floor(now / CACHE_MS);
    if (epoch !== this.cacheEpoch || this.cache.size >= MAX_CACHED) {
      this.cache.clear();
      this.cacheEpoch = epoch;
    }
    let v = this.cache.get(remote);
    if (v === undefined) {
      v = this.networks.commonNetwork(remote, now);
      this.cache.set(remote, v);
    }
    return v;
  }

  /** True when the host's window upload went to a shared network. */
  isShared(h: LocalHostStats, now: number): boolean {
    return this.networkOf(h, now) !== null;
  }
}
