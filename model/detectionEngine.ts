// The detection engine: one per sensor. Each closed window goes through every detector; the
// findings are merged into incidents and scored. `process` returns new and updated incidents.
import type { WindowStats } from '../capture/index.ts';
import { matchingRule } from './analystRules.ts';
import type { Anomaly, AnomalyKind } from './anomaly.ts';
import { attackTechniques } from './attackTechniques.ts';
import { CriticalityMap } from './criticality.ts';
import { BeaconingDetector } from './detectors/beaconing.ts';
import { DeviationDetector } from './detectors/deviation.ts';
import { DnsTunnelDetector } from './detectors/dnsTunnel.ts';
import { ErrorSurgeDetector } from './detectors/errorSurge.ts';
import type { Detector, Finding, WindowContext } from './detectors/finding.ts';
import { HostSilentDetector } from './detectors/hostSilent.ts';
import { NewDestinationDetector } from './detectors/newDestination.ts';
import { OutboundSpikeDetector } from './detectors/outboundSpike.ts';
import { UploadBudgetDetector } from './detectors/uploadBudget.ts';
import { HostBaselines } from './hostBaselines.ts';
import { HostIndex } from './hostIndex.ts';
import { HostDeviationDetector } from './detectors/hostDeviation.ts';
import { ScanDetector } from './detectors/scan.ts';
import { ThreatIntelDetector } from './detectors/threatIntel.ts';
import { FEATURE_COUNT, activeHosts, extractFeatures, windowCaptureLoss } from './features.ts';
import { IncidentTracker } from './incidentTracker.ts';
import { IocList } from './iocList.ts';
import { LearnedPatterns } from './learnedPatterns.ts';
import { OnlineLearner } from './onlineLearning.ts';
import { loadOnlineState, saveOnlineState } from './onlineState.ts';
import type { ModelArtifact } from './modelArtifact.ts';
import { SeasonalBaseline } from './seasonalBaseline.ts';
import { SharedUploads } from './sharedUploads.ts';
import type { SiteCalendar } from './timeSlots.ts';

export interface DetectionOptions {
  /** IOC list file (IPs, CIDRs, domains); re-read when it changes */
  ioc?: string;
  /** JSON file mapping CIDRs to low/medium/high/critical */
  criticality?: string;
  /** sensor name used in incident ids (default: the windows' own sensor field) */
  sensor?: string;
  /** only these detectors (default: all) */
  kinds?: readonly AnomalyKind[];
  /** the site calendar (time zone, holidays); default: the one the model was trained with */
  calendar?: SiteCalendar;
  /** wall clock for detectedAt and IOC-file re-reads (tests pin it) */
  now?: () => number;
  /** learn the pattern detectors' normal from quiet windows between retrains (onlineLearning.ts; default true) */
  learnOnline?: boolean;
  /** keep what online learning learned in this file across restarts (onlineState.ts): restored at
   * start when it belongs to this model version, written every `saveEveryMs` of wall clock (default
   * 5 min) and at finish() */
  onlineState?: { path: string; log: (line: string) => void; saveEveryMs?: number };
}

const ONLINE_SAVE_EVERY_MS = 300_000;

export class DetectionEngine {
  private readonly detectors: Array<{ kind: AnomalyKind; detector: Detector }> = [];
  private tracker: IncidentTracker | null = null;
  private readonly features = new Float64Array(FEATURE_COUNT);
  private readonly findings: Finding[] = [];
  private readonly criticality: CriticalityMap | null;
  readonly deviation: DeviationDetector;
  private readonly iocs: IocList | null;
  private readonly patterns: LearnedPatterns;
  private readonly online: OnlineLearner | null;
  private lastOnlineSave: number;
  private readonly patternDetectors: { scan: ScanDetector; tunnel: DnsTunnelDetector; beaconing: BeaconingDetector; destinations: NewDestinationDetector };
  private readonly calendar: SiteCalendar;
  private readonly hostIndex = new HostIndex();

  constructor(readonly model: ModelArtifact, private readonly opts: DetectionOptions = {}) {
    const meta = model.meta;
    const baseline = new SeasonalBaseline(meta.baseline, opts.calendar);
    this.calendar = baseline.calendar;
    const hosts = new HostBaselines(meta.hostBaselines, baseline.calendar);
    this.criticality = opts.criticality ? CriticalityMap.fromFile(opts.criticality) : null;
    this.iocs = opts.ioc ? new IocList(opts.ioc, opts.now) : null;
    const fresh = (): { patterns: LearnedPatterns; online: OnlineLearner | null } => {
      const patterns = new LearnedPatterns(meta.patterns, meta.knownRemotes, meta.periodicPairs);
      return { patterns, online: opts.learnOnline === false ? null : new OnlineLearner(patterns, opts.onlineState !== undefined) };
    };
    let learned = fresh();
    const saved = learned.online && opts.onlineState ? loadOnlineState(opts.onlineState.path, meta.version, opts.onlineState.log) : null;
    if (saved) {
      try {
        learned.online!.restore(saved);
      } catch (err) {
        opts.onlineState!.log(`online learning: warning: ${opts.onlineState!.path} could not be applied (${(err as Error).message}); learning starts from the model alone`);
        learned = fresh();
      }
    }
    this.patterns = learned.patterns;
    this.online = learned.online;
    this.lastOnlineSave = (opts.now ?? Date.now)();
    const p = this.patternDetectors = {
      scan: new ScanDetector(meta.limits, this.patterns.scans),
      tunnel: new DnsTunnelDetector(this.patterns.domains, this.patterns.attribution),
      beaconing: new BeaconingDetector(this.patterns.services),
      destinations: new NewDestinationDetector(this.patterns.known, this.patterns.destinations),
    };
    this.deviation = new DeviationDetector(model.net, meta.normalisation, meta.autoencoder.threshold.threshold, baseline);
    const shared = new SharedUploads(this.patterns.destinations);
    const all: Array<{ kind: AnomalyKind; detector: Detector }> = [
      { kind: 'threat-intel', detector: this.iocs ? new ThreatIntelDetector(this.iocs) : { detect: () => {} } },
      { kind: 'outbound-spike', detector: new OutboundSpikeDetector(baseline, hosts, shared) },
      { kind: 'outbound-spike', detector: new UploadBudgetDetector(hosts, this.hostIndex, shared) },
      { kind: 'scan', detector: p.scan },
      { kind: 'error-surge', detector: new ErrorSurgeDetector(baseline) },
      { kind: 'host-silent', detector: new HostSilentDetector(hosts, baseline) },
      { kind: 'new-destination', detector: p.destinations },
      { kind: 'dns-tunnel', detector: p.tunnel },
      { kind: 'beaconing', detector: p.beaconing },
      { kind: 'deviation', detector: this.deviation },
      { kind: 'host-deviation', detector: new HostDeviationDetector(meta.hostModel, hosts, this.hostIndex) },
    ];
    for (const d of all) if (!opts.kinds || opts.kinds.includes(d.kind)) this.detectors.push(d);
  }

  process(w: WindowStats): Anomaly[] {
    if (w.durationMs !== this.model.meta.windowMs) {
      throw new Error(`model ${this.model.meta.version} was trained on ${this.model.meta.windowMs} ms windows but this window is ${w.durationMs} ms; run the sensor with --window ${this.model.meta.windowMs}ms or train a model on ${w.durationMs} ms windows`);
    }
    this.tracker ??= new IncidentTracker({
      sensor: this.opts.sensor ?? w.sensor,
      modelVersion: this.model.meta.version,
      criticality: this.criticality,
      now: this.opts.now ?? Date.now,
    });
    extractFeatures(w, this.features, this.calendar);
    const captureLoss = windowCaptureLoss(w);
    const ctx: WindowContext = {
      w, features: this.features, captureLoss, dnsNames: this.patterns.attribution.clientNames(w), hostIds: this.hostIndex.number(activeHosts(w)),
    };
    this.findings.length = 0;
    for (const d of this.detectors) d.detector.detect(ctx, this.findings);
    const p = this.patternDetectors;
    this.online?.observe(ctx, this.findings, {
      domains: p.tunnel.lastCandidates, scans: p.scan.lastCandidates, beacons: p.beaconing.lastCandidates, bursts: p.destinations.lastBursts,
    });
    const state = this.opts.onlineState;
    if (state && (this.opts.now ?? Date.now)() - this.lastOnlineSave >= (state.saveEveryMs ?? ONLINE_SAVE_EVERY_MS)) this.saveOnline();
    return withAttack(this.withoutRuled(this.tracker.update(w, this.findings, captureLoss)));
  }

  /** Anomalies covered by an unexpired analyst rule in the model are known false positives. */
  private withoutRuled(found: Anomaly[]): Anomaly[] {
    const rules = this.model.meta.rules;
    if (rules === undefined || rules.length === 0 || found.length === 0) return found;
    const now = (this.opts.now ?? Date.now)();
    return found.filter((a) => matchingRule(rules, a, now) === null);
  }

  /** IOC-list lines that were neither an address, a CIDR nor a domain (as of the last read). */
  get iocRejected(): readonly string[] {
    return this.iocs?.rejected ?? [];
  }

  finish(): Anomaly[] {
    if (this.opts.onlineState) this.saveOnline();
    return withAttack(this.withoutRuled(this.tracker?.finish() ?? []));
  }

  /** Writes online learning's state; a failure is logged and detection goes on (the next save retries). */
  private saveOnline(): void {
    const state = this.opts.onlineState;
    if (!state || !this.online) return;
    this.lastOnlineSave = (this.opts.now ?? Date.now)();
    try {
      saveOnlineState(state.path, this.model.meta.version, this.online.snapshot(), this.lastOnlineSave);
    } catch (err) {
      state.log(`online learning: warning: cannot write ${state.path} (${(err as Error).message}); what was learned since the last save is lost at a restart`);
    }
  }
}

/** Every anomaly leaves the engine with the ATT&CK techniques of its kind (they follow its headline, which can change as it grows). */
function withAttack(found: Anomaly[]): Anomaly[] {
  for (const a of found) a.attack = attackTechniques(a);
  return found;
}
