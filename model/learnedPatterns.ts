// The patterns the detectors learn beyond the seasonal baseline — local resolvers, the DNS
// domains whose clients normally ask many random names, how far hosts normally fan out, which
// remote networks they send to, which destinations are polled periodically — built in training,
// carried in meta.json (`patterns`), then kept up to date online (onlineLearning.ts).
import type { WindowStats } from '../capture/index.ts';
import { DnsAttribution } from './dnsAttribution.ts';
import { DomainBaseline, type DomainBaselineJson } from './domainBaseline.ts';
import { DnsNameCounter } from './detectors/dnsNameCounter.ts';
import { TUNNEL_FLOORS } from './detectors/dnsTunnel.ts';
import { SCAN_FLOORS } from './detectors/scan.ts';
import { ScanCounter } from './detectors/scanCounter.ts';
import { ScanBaseline, type ScanBaselineJson } from './scanBaseline.ts';
import { DestinationBaseline, type DestinationBaselineJson } from './destinationBaseline.ts';
import { SharedUploads } from './sharedUploads.ts';
import { SharedUploadVolumes } from './detectors/sharedVolume.ts';
import { BeaconTracker, isBeacon } from './detectors/beaconing.ts';
import { PeriodicServices, type PeriodicServicesJson } from './periodicServices.ts';
import { KnownRemotes } from './detectors/newDestination.ts';

export interface LearnedPatternsJson {
  /** local hosts that answer other local hosts' DNS queries (their forwarded copies are not counted as their own) */
  resolvers: string[];
  dns: DomainBaselineJson;
  scans: ScanBaselineJson;
  destinations: DestinationBaselineJson;
  periodicServices: PeriodicServicesJson;
}

const MAX_PERIODIC_PAIRS = 10_000;

/** The runtime form shared by the detectors of one engine (and by training). */
export class LearnedPatterns {
  readonly attribution: DnsAttribution;
  readonly domains: DomainBaseline;
  readonly scans: ScanBaseline;
  readonly destinations: DestinationBaseline;
  readonly services: PeriodicServices;
  readonly known: KnownRemotes;

  /** `knownRemotes` and `periodicPairs` are the model's own lists (meta.json keeps them beside `patterns`). */
  constructor(json?: Partial<LearnedPatternsJson>, knownRemotes: { addresses: string[] } = { addresses: [] }, periodicPairs: readonly string[] = []) {
    this.known = new KnownRemotes(knownRemotes);
    this.attribution = new DnsAttribution(json?.resolvers ?? []);
    this.domains = new DomainBaseline(json?.dns);
    this.scans = new ScanBaseline(json?.scans);
    this.destinations = new DestinationBaseline(json?.destinations);
    this.services = new PeriodicServices(json?.periodicServices, periodicPairs);
  }

  toJson(): LearnedPatternsJson {
    return {
      resolvers: this.attribution.resolvers, dns: this.domains.toJson(TUNNEL_FLOORS), scans: this.scans.toJson(SCAN_FLOORS),
      destinations: this.destinations.toJson(), periodicServices: this.services.toJson(),
    };
  }
}

/** Training: every window's patterns go into a fresh LearnedPatterns. */
export class PatternLearner {
  readonly patterns = new LearnedPatterns();
  private readonly names = new DnsNameCounter();
  private readonly scanCounter = new ScanCounter();
  private readonly beacons = new BeaconTracker();
  private readonly periodic = new Set<string>();
  /** what each host sends to each commonly used network: the destinations learned so far tell
   * those networks from the rest (a network is common within the first hours of a working day) */
  private readonly sharedVolumes = new SharedUploadVolumes(new SharedUploads(this.patterns.destinations));

  add(w: WindowStats): void {
    const { attribution, domains, scans, destinations } = this.patterns;
    for (const c of this.names.add(attribution.clientNames(w), w.start + w.durationMs, w.durationMs)) domains.learn(c, attribution.isResolver(c.client));
    for (const c of this.scanCounter.add(w)) scans.learn(c);
    destinations.learn(w);
    for (const v of this.sharedVolumes.add(w)) destinations.learnHostVolume(v.network.network, v.host, v.bytes);
    for (const c of this.beacons.add(w)) {
      if (!isBeacon(c)) continue;
      if (this.periodic.size < MAX_PERIODIC_PAIRS) this.periodic.add(c.key);
      this.patterns.services.learn(c);
    }
  }

  /** local|remote|port triples that were periodic in training */
  periodicPairs(): string[] {
    return [...this.periodic].sort();
  }
}
