// new-destination: local hosts send a significant payload to a remote address never seen in
// training, judged by its network rather than the address alone: a new address in a network the
// site uses every day with rotating addresses (cloud storage, CDNs) is ordinary unless it receives
// far more than that network ever did; a new address in a known but narrow network must stay well
// below what that network received; a network never seen needs only a modest upload. Volumes are payload over about the last ten
// minutes (destinationBaseline.ts). Downloads are
// not counted (their ACKs are not payload).
import { DestinationBaseline, RemoteBursts, VOLUME_DECAY_MS, type Burst, type NetworkVerdict } from '../destinationBaseline.ts';
import { RecentlySeen } from '../onlineDecay.ts';
import { contributionsFrom, formatBytes, round, type Detector, type Finding, type WindowContext } from './finding.ts';

/** Payload to one address of a network never seen that counts as significant. */
export const MIN_NEW_DESTINATION_BYTES = 150_000;
/** a new address in a known, narrow network: this many times the most one address of it received */
export const NARROW_HEADROOM = 4;
/** a new address in a shared network: this many times the most one address of it received */
export const SHARED_HEADROOM = 10;
const MAX_ONLINE_ADDRESSES = 100_000;
/**
 * A slow upload sends a chunk now and then; its incident stays open as long as one chunk's volume
 * takes to fade (the volume's time constant), so it is one incident, not one per chunk.
 */
const HOLD_MS = VOLUME_DECAY_MS;

/** Remote addresses seen in training, and those learned online since (forgotten after two weeks unseen). */
export class KnownRemotes {
  private readonly addresses: Set<string>;
  private readonly online = new RecentlySeen(MAX_ONLINE_ADDRESSES);
  constructor(known: { addresses: string[] }) {
    this.addresses = new Set(known.addresses);
  }
  has(ip: string, now: number): boolean {
    return this.addresses.has(ip) || this.online.has(ip, now);
  }
  learnOnline(ip: string, now: number): void {
    if (!this.addresses.has(ip)) this.online.see(ip, now);
  }
}

export function newDestinationLimit(v: NetworkVerdict): number {
  if (v.cls === 'shared') return Math.max(MIN_NEW_DESTINATION_BYTES, SHARED_HEADROOM * v.maxBurst);
  if (v.cls === 'narrow') return Math.max(MIN_NEW_DESTINATION_BYTES, NARROW_HEADROOM * v.maxBurst);
  return MIN_NEW_DESTINATION_BYTES;
}

export class NewDestinationDetector implements Detector {
  private readonly bursts = new RemoteBursts();
  /** bursts of the last window to unknown addresses, for online learning */
  lastBursts: readonly Burst[] = [];

  constructor(private readonly known: KnownRemotes, private readonly networks: DestinationBaseline) {}

  detect(ctx: WindowContext, out: Finding[]): void {
    const bursts = this.bursts.add(ctx.w, (remote) => !this.known.has(remote, ctx.w.start));
    this.lastBursts = bursts;
    for (const b of bursts) {
      if (b.bytes < MIN_NEW_DESTINATION_BYTES) continue;
      const v = this.networks.classify(b.remote, ctx.w.start);
      const limit = newDestinationLimit(v);
      if (b.bytes < limit) continue;
      out.push({
        kind: 'new-destination',
        key: `new-destination|${b.remote}`,
        subject: { remote: b.remote, ...(b.local ? { localHost: b.local } : {}) },
        strength: b.bytes / limit,
        score: round(b.bytes),
        observed: { feature: 'remote.payloadOut', value: round(b.bytes), unit: 'bytes' },
        expected: { low: 0, high: v.maxBurst, median: 0 },
        contributions: contributionsFrom([
          { feature: 'remote.payloadOut', observed: b.bytes, expected: v.maxBurst, excess: 1 },
          { feature: 'network.addressesSeen', observed: v.addresses, expected: 0, excess: 0.01 * v.addresses },
          { feature: 'network.hostsSeen', observed: v.hosts, expected: 0, excess: 0.01 * v.hosts },
        ]),
        maturity: 1,
        summary: `${formatBytes(b.bytes)} sent to ${b.remote}${b.local ? ` by ${b.local}` : ''} within about 10 min, an address never seen in the baseline, ${describe(v)}`,
        holdMs: Math.max(HOLD_MS, 2 * ctx.w.durationMs),
      });
    }
  }
}

function describe(v: NetworkVerdict): string {
  const seen = `${v.addresses} address${v.addresses === 1 ? '' : 'es'} from ${v.hosts} host${v.hosts === 1 ? '' : 's'} on ${v.days} day${v.days === 1 ? '' : 's'}, at most ${formatBytes(v.maxBurst)} to one address in 10 min`;
  if (v.cls === 'new') return `in a network never seen (${v.network})`;
  if (v.cls === 'narrow') return `in ${v.network}, known only narrowly (${seen})`;
  return `in the shared network ${v.network} (${seen}), far above what it ever received`;
}
