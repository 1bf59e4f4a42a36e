// One streaming pass over training windows: feature rows, the seasonal baseline, known remotes,
// local hosts, periodic pairs, pattern maxima and feature moments — everything training needs
// that does not involve the autoencoder.
import { createHash } from 'node:crypto';
import type { WindowStats } from '../capture/index.ts';
import { FEATURE_COUNT, NETWORK_FEATURES, activeHosts, extractFeatures, windowCaptureLoss } from './features.ts';
import { HostBaselineBuilder } from './hostBaselines.ts';
import { HostProfileSet } from './hostProfileSet.ts';
import { SeasonalBaselineBuilder } from './seasonalBaseline.ts';
import { SiteCalendar } from './timeSlots.ts';
import { emptyLimits, type DetectorLimits } from './detectorLimits.ts';
import { PatternLearner } from './learnedPatterns.ts';

export interface TimeRange { start: number; end: number }

const MAX_REMOTES_TRACKED = 200_000;
const MAX_KNOWN_ADDRESSES = 50_000;

export class TrainingSet {
  rows = new Float32Array(FEATURE_COUNT * 1024);
  /** per row, the index of its local calendar day (in order of first appearance) */
  rowDay = new Int32Array(1024);
  readonly days = new Map<string, number>();
  count = 0;
  excluded = 0;
  windowMs = 0;
  first = Infinity;
  last = -Infinity;
  private builder: SeasonalBaselineBuilder | null = null;
  private readonly hash = createHash('sha256');
  private readonly sum = new Float64Array(FEATURE_COUNT);
  private readonly sumSq = new Float64Array(FEATURE_COUNT);
  private readonly remoteBytes = new Map<string, number>();
  private readonly limits = emptyLimits();
  /** resolvers, DNS domains, scan fan-out, destination networks, periodic pairs and services (learnedPatterns.ts) */
  readonly patterns = new PatternLearner();
  private readonly f = new Float64Array(FEATURE_COUNT);

  readonly hostBuilder: HostBaselineBuilder;
  readonly profiles: HostProfileSet;

  constructor(private readonly seed: number, private readonly exclude: readonly TimeRange[], readonly calendar = SiteCalendar.UTC) {
    this.hostBuilder = new HostBaselineBuilder(calendar);
    this.profiles = new HostProfileSet(seed, calendar);
  }

  /** Held-out whole days for calibration: every third calendar day once three or more were seen. */
  isHeldOutDay(day: number): boolean {
    return this.days.size >= 3 && day % 3 === 2;
  }

  get baseline(): SeasonalBaselineBuilder {
    if (!this.builder) throw new Error('no training window was added');
    return this.builder;
  }

  add(w: WindowStats): void {
    if (this.exclude.some((r) => w.start < r.end && w.start + w.durationMs > r.start)) {
      this.excluded++;
      this.hostBuilder.unknown(w);
      return;
    }
    if (this.count === 0) {
      this.windowMs = w.durationMs;
      this.builder = new SeasonalBaselineBuilder(this.seed, w.durationMs, this.calendar);
    } else if (w.durationMs !== this.windowMs) {
      throw new Error(`training windows must all have one length: found ${w.durationMs} ms after ${this.windowMs} ms windows (window starting ${new Date(w.start).toISOString()})`);
    }
    if (w.start < this.first) this.first = w.start;
    if (w.start + w.durationMs > this.last) this.last = w.start + w.durationMs;
    extractFeatures(w, this.f, this.calendar);
    if ((this.count + 1) * FEATURE_COUNT > this.rows.length) {
      const grown = new Float32Array(this.rows.length * 2);
      grown.set(this.rows);
      this.rows = grown;
      const grownDays = new Int32Array(this.rowDay.length * 2);
      grownDays.set(this.rowDay);
      this.rowDay = grownDays;
    }
    const off = this.count * FEATURE_COUNT;
    for (let j = 0; j < FEATURE_COUNT; j++) {
      const v = this.f[j]!;
      this.rows[off + j] = v;
      this.sum[j] += v;
      this.sumSq[j] += v * v;
    }
    this.hash.update(this.rows.subarray(off, off + FEATURE_COUNT));
    const date = this.calendar.slot(w.start).date;
    let day = this.days.get(date);
    if (day === undefined) { day = this.days.size; this.days.set(date, day); }
    this.rowDay[this.count] = day;
    this.count++;
    this.baseline.window(w.start);
    for (let j = 0; j < FEATURE_COUNT; j++) {
      const spec = NETWORK_FEATURES[j]!;
      if (spec.seasonal) this.baseline.add(spec.name, w.start, this.f[j]!);
    }
    for (const h of activeHosts(w)) {
      const syn = (h.tcpSynUnanswered * 1000) / w.durationMs;
      if (syn > this.limits.synUnansweredMax) this.limits.synUnansweredMax = syn;
    }
    // a lossy window says nothing reliable about who was there: neither presence nor absence
    if (windowCaptureLoss(w)) this.hostBuilder.unknown(w);
    else this.hostBuilder.add(w);
    this.profiles.add(w);
    for (const r of w.topRemoteEndpoints) {
      const b = this.remoteBytes.get(r.host);
      if (b !== undefined) this.remoteBytes.set(r.host, b + r.bytesOut + r.bytesIn);
      else if (this.remoteBytes.size < MAX_REMOTES_TRACKED) this.remoteBytes.set(r.host, r.bytesOut + r.bytesIn);
    }
    for (const fs of w.flowStarts) {
      if (fs.direction === 'outbound' && !this.remoteBytes.has(fs.remote) && this.remoteBytes.size < MAX_REMOTES_TRACKED) this.remoteBytes.set(fs.remote, 0);
    }
    this.patterns.add(w);
  }

  /** Rows hashed so far (the data hash recorded in meta.json). */
  dataHash(): string {
    return this.hash.copy().digest('hex');
  }

  moments(): { mean: number[]; std: number[] } {
    const mean: number[] = [];
    const std: number[] = [];
    for (let j = 0; j < FEATURE_COUNT; j++) {
      const m = this.sum[j]! / Math.max(1, this.count);
      mean.push(m);
      std.push(Math.sqrt(Math.max(0, this.sumSq[j]! / Math.max(1, this.count) - m * m)));
    }
    return { mean, std };
  }

  detectorLimits(): DetectorLimits {
    return {
      ...this.limits,
    };
  }

  knownRemotes(): { addresses: string[] } {
    const ranked = [...this.remoteBytes.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return { addresses: ranked.slice(0, MAX_KNOWN_ADDRESSES).map(([h]) => h).sort() };
  }

  periodicPairs(): string[] {
    return this.patterns.periodicPairs();
  }
}
