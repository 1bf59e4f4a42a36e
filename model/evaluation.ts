// Evaluation on labelled data: which labelled incidents were found, whether the alarm named the
// right host, which detector found them, how fast and how severe, and how many alarms fell on
// normal traffic per day of the site's calendar — for the model and, side by side, the 3-sigma
// peer — with the project's detection targets next to the measured values.
import type { WindowStats } from '../capture/index.ts';
import { ANOMALY_KINDS, type Anomaly, type AnomalyKind, type SeverityLevel, SEVERITY_LEVELS } from './anomaly.ts';
import { DetectionEngine, type DetectionOptions } from './detectionEngine.ts';
import { ipToBigInt, parsePrefix, prefixContains } from './ipPrefix.ts';
import type { ModelArtifact } from './modelArtifact.ts';
import { ThreeSigmaDetector } from './threeSigma.ts';

/**
 * What a labelled incident is: an anomaly kind (found by that kind's detector), or `role-change`,
 * a host that starts behaving like another kind of host, which no rule names: the model finds it
 * as a deviation of the host's profile.
 */
export type IncidentKind = AnomalyKind | 'role-change';
export const INCIDENT_KINDS: readonly IncidentKind[] = [...ANOMALY_KINDS, 'role-change'];

/** The anomaly kinds that find each incident kind (an incident kind not listed is found by its own kind). */
export const FOUND_AS: Readonly<Partial<Record<IncidentKind, readonly string[]>>> = {
  'role-change': ['host-deviation', 'deviation'],
};

/** Anomaly kinds raised by the learned model (the autoencoder); every other kind is a rule's. */
export const MODEL_KINDS: readonly string[] = ['deviation', 'host-deviation'];

export function foundAs(kind: IncidentKind): readonly string[] {
  return FOUND_AS[kind] ?? [kind];
}

export interface LabelledIncident {
  id: string;
  kind: IncidentKind;
  start: number;
  end: number;
  host?: string;
  remote?: string;
  domain?: string;
  description: string;
}

import { DAY_TYPES, type DayType } from './timeSlots.ts';

export { DAY_TYPES, type DayType };
const DAY_TYPE_NAMES: Record<DayType, string> = { weekday: 'per working day', weekend: 'per weekend day', holiday: 'per holiday' };

export interface LabelledDay {
  date: string;
  type: DayType;
  start: number;
  end: number;
}

/** The labels file written by `spanwatch generate` (fields this evaluation reads). */
export interface EvaluationLabels {
  version: 1;
  seed: number;
  files: string[];
  localNets: string[];
  trainRange: { start: number; end: number };
  incidents: LabelledIncident[];
  normalPeaks: Array<{ start: number; end: number; host: string; description: string }>;
  lookAlikes?: Array<{ id: string; resembles: IncidentKind; start: number; end: number; host: string; description: string }>;
  /** the site's time zone and calendar; without `days`, days are UTC days, Saturday and Sunday weekend */
  timezone?: string;
  days?: LabelledDay[];
  weekdayBaseline?: { trainFiles: string[]; trainRange: { start: number; end: number }; weekendRange: { start: number; end: number }; weekendFiles: string[] };
}

/** Which windows are scored: everything after the training range, or the first weekend after a weekday-only baseline. */
export type EvaluationScope = 'after-training' | 'first-weekend';

export interface KindMetrics {
  incidents: number;
  detected: number;
  /** detected by an alarm whose subject names the incident's host */
  attributed: number;
  recall: number | null;
  alarms: number;
  /** alarms of this kind that overlapped a labelled incident */
  matched: number;
  precision: number | null;
  delayMedianMs: number | null;
  delayMaxMs: number | null;
}

export interface IncidentResult {
  id: string;
  kind: IncidentKind;
  host: string | null;
  /** an alarm of a kind that finds this incident overlapped it */
  detected: boolean;
  /** … and named the incident's host as its subject (true when the label names no host) */
  attributed: boolean;
  delayMs: number | null;
  severity: number | null;
  level: SeverityLevel | null;
  /** anomaly kinds of every alarm overlapping the incident that names its host, or any alarm when the label names no host */
  kindsOnHost: string[];
  /** the learned model raised one of those alarms */
  foundByModel: boolean;
  /** a rule raised one of them */
  foundByRule: boolean;
}

export interface DayFalseAlarms {
  date: string;
  type: DayType;
  /** hours of the day that were scored and outside every incident */
  normalHours: number;
  falseAlarms: number;
}

export interface DayTypeFalseAlarms {
  /** scored days of this type, in day equivalents of normal traffic */
  days: number;
  falseAlarms: number;
  perDay: number | null;
}

export interface SystemMetrics {
  perKind: Partial<Record<IncidentKind, KindMetrics>>;
  /** scored hours outside every labelled incident */
  normalHours: number;
  alarms: number;
  falseAlarms: number;
  falseAlarmsPerHour: number;
  falseAlarmsPerDay: number;
  /** false alarms per local day of the scored range */
  days: DayFalseAlarms[];
  byDayType: Record<DayType, DayTypeFalseAlarms>;
  /** alarm chains (merged anomalies) at medium or above that are false alarms */
  falseChainsMediumPlus: number;
  normalPeaksFlagged: number;
  lookAlikesFlagged: number;
  incidents: IncidentResult[];
  /** the alarms that no labelled incident explains (start, kind, subject host, summary) */
  falseAlarmList: Array<{ kind: string; start: number; end: number; host: string | null; level: SeverityLevel | null; summary: string }>;
}

export interface TargetCheck {
  target: string;
  measured: string;
  /** null when this evaluation cannot tell (e.g. the first-weekend check outside that scope) */
  met: boolean | null;
}

export interface EvaluationReport {
  modelVersion: string;
  scope: EvaluationScope;
  windows: number;
  evalStart: number;
  evalEnd: number;
  normalHours: number;
  /** the calendar's time zone as the labels give it (UTC without one) */
  timezone: string;
  model: SystemMetrics;
  threeSigma: SystemMetrics;
  targets: TargetCheck[];
}

/** An alarm as the evaluation sees it: a merged anomaly (or a 3-sigma excursion) reduced to what is scored. */
export interface EvaluatedAlarm {
  kind: string;
  start: number;
  end: number;
  /** event time of the window that first raised it (detection delay counts from here); `start` when absent */
  flaggedAt?: number;
  severity: number | null;
  level: SeverityLevel | null;
  host: string | null;
  remote: string | null;
  summary: string;
}

/** Extra time allowed around a labelled incident when matching, ms (plus one window). */
export const MATCH_TOLERANCE_MS = 5_000;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MEDIUM_RANK = SEVERITY_LEVELS.indexOf('medium');

export function evaluate(windows: Iterable<WindowStats>, labels: EvaluationLabels, model: ModelArtifact, opts: DetectionOptions = {}, scope: EvaluationScope = 'after-training'): EvaluationReport {
  const run = new EvaluationRun(labels, model, opts, scope);
  for (const w of windows) run.add(w);
  return run.report();
}

/** The time range a scope scores. */
export function scopeRange(labels: EvaluationLabels, scope: EvaluationScope): { start: number; end: number } {
  if (scope === 'after-training') return { start: labels.trainRange.end, end: Infinity };
  const b = labels.weekdayBaseline;
  if (!b) throw new Error('the labels have no weekdayBaseline: the first-weekend check needs a dataset that starts with working days and a weekend (the enterprise preset)');
  return b.weekendRange;
}

/** Push-style evaluation for sources that call back per window (the capture pipeline). */
export class EvaluationRun {
  private readonly engine: DetectionEngine;
  private readonly peer: ThreeSigmaDetector;
  private readonly last = new Map<string, Anomaly>();
  /** the window in which each anomaly was first raised: its start may lie earlier (a sum over minutes) */
  private readonly flaggedAt = new Map<string, number>();
  private readonly range: { start: number; end: number };
  private count = 0;
  private evalStart = Infinity;
  private evalEnd = -Infinity;

  constructor(private readonly labels: EvaluationLabels, private readonly model: ModelArtifact, opts: DetectionOptions = {}, readonly scope: EvaluationScope = 'after-training') {
    this.range = scopeRange(labels, scope);
    this.engine = new DetectionEngine(model, { ...opts, now: opts.now ?? (() => 0) });
    this.peer = new ThreeSigmaDetector(model.meta.moments);
  }

  /** Windows outside the scope (by default: inside the training range) are skipped: only unseen traffic is scored. */
  add(w: WindowStats): void {
    if (w.start < this.range.start || w.start >= this.range.end) return;
    this.count++;
    this.evalStart = Math.min(this.evalStart, w.start);
    this.evalEnd = Math.max(this.evalEnd, w.start + w.durationMs);
    for (const a of this.engine.process(w)) {
      this.last.set(a.id, a);
      if (!this.flaggedAt.has(a.id)) this.flaggedAt.set(a.id, w.start);
    }
    this.peer.process(w);
  }

  /** Every incident as finally merged (after `report`). */
  anomalies(): Anomaly[] {
    return [...this.last.values()];
  }

  report(): EvaluationReport {
    const { labels, count, evalStart, evalEnd } = this;
    for (const a of this.engine.finish()) this.last.set(a.id, a);
    if (count === 0) {
      throw new Error(this.scope === 'first-weekend'
        ? `no windows in the first weekend (${new Date(this.range.start).toISOString()} … ${new Date(this.range.end).toISOString()}); give the weekend's capture files (weekdayBaseline.weekendFiles)`
        : `no windows after the training range (ends ${new Date(labels.trainRange.end).toISOString()}); give the capture files of the evaluation days`);
    }
    const windowMs = this.model.meta.windowMs;
    const span = { start: evalStart, end: evalEnd };
    const modelAlarms: EvaluatedAlarm[] = [...this.last.values()].map((a) => ({
      kind: a.kind, start: a.start, end: a.end, flaggedAt: this.flaggedAt.get(a.id) ?? a.start, severity: a.severity, level: a.level,
      host: a.subject.localHost ?? null, remote: a.subject.remote ?? null, summary: a.summary,
    }));
    const peerAlarms: EvaluatedAlarm[] = this.peer.incidents.map((i) => ({
      kind: i.kind, start: i.start, end: i.end, severity: null, level: null, host: null, remote: null,
      summary: `${i.feature} outside mean ± 3σ (|z| = ${i.score.toFixed(1)})`,
    }));
    const model = scoreAlarms(modelAlarms, labels, span, windowMs);
    const threeSigma = scoreAlarms(peerAlarms, labels, span, windowMs);
    return {
      modelVersion: this.model.meta.version,
      scope: this.scope,
      windows: count,
      evalStart,
      evalEnd,
      normalHours: model.normalHours,
      timezone: labels.timezone ?? 'UTC',
      model,
      threeSigma,
      targets: detectionTargets(labels, this.scope, model),
    };
  }
}

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }, tol: number): boolean {
  return a.start < b.end + tol && a.end > b.start - tol;
}

function median(v: number[]): number | null {
  if (v.length === 0) return null;
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

/** The incident's remote as a CIDR test (an address, or a network for a sweep). */
function touchesRemote(inc: LabelledIncident, ip: string): boolean {
  if (!inc.remote) return false;
  if (inc.remote === ip) return true;
  const prefix = inc.remote.includes('/') ? parsePrefix(inc.remote) : null;
  const addr = prefix ? ipToBigInt(ip) : null;
  return prefix !== null && addr !== null && prefixContains(prefix, addr);
}

/**
 * An alarm is explained by an incident when their times overlap and the alarm names one of the
 * incident's parties (its host, its remote or a target inside a swept network), names no host at
 * all (a network-wide reading of the same event), or is of a kind that finds the incident (the
 * same event attributed to another host, e.g. the resolver that forwarded a tunnel's queries: it
 * counts against attribution, not as a false alarm). Any other alarm naming another host during an
 * incident is a false alarm like any other.
 */
function explains(inc: LabelledIncident, a: EvaluatedAlarm, tol: number): boolean {
  if (!overlaps(a, inc, tol)) return false;
  if (a.host === null || inc.host === undefined || foundAs(inc.kind).includes(a.kind)) return true;
  return a.host === inc.host || touchesRemote(inc, a.host) || (a.remote !== null && a.remote === inc.host);
}

/** The local days the scored range covers, with the hours of each outside every incident. */
type ScoredDay = LabelledDay & { normalHours: number };

function scoredDays(labels: EvaluationLabels, span: { start: number; end: number }): ScoredDay[] {
  const calendar: LabelledDay[] = labels.days?.length ? labels.days : utcDays(span);
  const out: ScoredDay[] = [];
  for (const d of calendar) {
    const from = Math.max(d.start, span.start);
    const to = Math.min(d.end, span.end);
    if (to <= from) continue;
    out.push({ ...d, normalHours: Math.max(0, to - from - coveredMs(labels.incidents, from, to)) / HOUR_MS });
  }
  return out;
}

/** How much of [from, to) the incidents cover (overlapping incidents counted once). */
function coveredMs(incidents: readonly { start: number; end: number }[], from: number, to: number): number {
  const parts = incidents.map((i) => [Math.max(i.start, from), Math.min(i.end, to)] as const).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let reach = from;
  for (const [a, b] of parts) {
    if (b <= reach) continue;
    total += b - Math.max(a, reach);
    reach = b;
  }
  return total;
}

function utcDays(span: { start: number; end: number }): LabelledDay[] {
  const out: LabelledDay[] = [];
  for (let t = Math.floor(span.start / DAY_MS) * DAY_MS; t < span.end; t += DAY_MS) {
    const dow = new Date(t).getUTCDay();
    out.push({ date: new Date(t).toISOString().slice(0, 10), type: dow === 0 || dow === 6 ? 'weekend' : 'weekday', start: t, end: t + DAY_MS });
  }
  return out;
}

function atLeastMedium(level: SeverityLevel | null): boolean {
  return level !== null && SEVERITY_LEVELS.indexOf(level) >= MEDIUM_RANK;
}

/** Scores alarms against the labels over the scored time span (windows of `windowMs`). */
export function scoreAlarms(alarms: EvaluatedAlarm[], labels: EvaluationLabels, span: { start: number; end: number }, windowMs: number): SystemMetrics {
  const tol = MATCH_TOLERANCE_MS + windowMs;
  const days = scoredDays(labels, span);
  const normalHours = Math.max(1e-9, days.reduce((s, d) => s + d.normalHours, 0));
  const inScope = labels.incidents.filter((inc) => overlaps(inc, span, 0));
  const incidents: IncidentResult[] = inScope.map((inc) => {
    const kinds = foundAs(inc.kind);
    const hits = alarms.filter((a) => kinds.includes(a.kind) && overlaps(a, inc, tol));
    const named = inc.host === undefined ? hits : hits.filter((a) => a.host === inc.host);
    const onHost = alarms.filter((a) => overlaps(a, inc, tol) && (inc.host === undefined || a.host === inc.host));
    const kindsOnHost = [...new Set(onHost.map((a) => a.kind))].sort();
    const base = {
      id: inc.id, kind: inc.kind, host: inc.host ?? null, kindsOnHost,
      foundByModel: onHost.some((a) => MODEL_KINDS.includes(a.kind)), foundByRule: onHost.some((a) => !MODEL_KINDS.includes(a.kind)),
    };
    if (hits.length === 0) return { ...base, detected: false, attributed: false, delayMs: null, severity: null, level: null };
    const best = named.length > 0 ? named : hits;
    const first = Math.min(...best.map((a) => a.flaggedAt ?? a.start));
    const top = best.reduce((m, a) => ((a.severity ?? -1) > (m.severity ?? -1) ? a : m), best[0]!);
    return {
      ...base, detected: true, attributed: named.length > 0, delayMs: Math.max(0, first + windowMs - inc.start), severity: top.severity, level: top.level,
    };
  });
  const falseAlarms = alarms.filter((a) => !labels.incidents.some((inc) => explains(inc, a, tol)));
  const perKind: Partial<Record<IncidentKind, KindMetrics>> = {};
  for (const kind of INCIDENT_KINDS) {
    const mine = incidents.filter((i) => i.kind === kind);
    const kindAlarms = alarms.filter((a) => a.kind === kind);
    if (mine.length === 0 && kindAlarms.length === 0) continue;
    const matched = kindAlarms.filter((a) => labels.incidents.some((inc) => explains(inc, a, tol))).length;
    const delays = mine.filter((i) => i.delayMs !== null).map((i) => i.delayMs!);
    perKind[kind] = {
      incidents: mine.length,
      detected: mine.filter((i) => i.detected).length,
      attributed: mine.filter((i) => i.attributed).length,
      recall: mine.length ? mine.filter((i) => i.detected).length / mine.length : null,
      alarms: kindAlarms.length,
      matched,
      precision: kindAlarms.length ? matched / kindAlarms.length : null,
      delayMedianMs: median(delays),
      delayMaxMs: delays.length ? Math.max(...delays) : null,
    };
  }
  const dayOf = (ms: number): number => days.findIndex((d) => ms >= d.start && ms < d.end);
  const perDay: DayFalseAlarms[] = days.map((d) => ({ date: d.date, type: d.type, normalHours: d.normalHours, falseAlarms: 0 }));
  for (const a of falseAlarms) {
    const i = dayOf(Math.max(a.start, span.start));
    if (i >= 0) perDay[i]!.falseAlarms++;
  }
  const byDayType = {} as Record<DayType, DayTypeFalseAlarms>;
  for (const type of DAY_TYPES) {
    const these = perDay.filter((d) => d.type === type);
    const dayEquivalents = these.reduce((s, d) => s + d.normalHours, 0) / 24;
    const n = these.reduce((s, d) => s + d.falseAlarms, 0);
    byDayType[type] = { days: dayEquivalents, falseAlarms: n, perDay: dayEquivalents > 0 ? n / dayEquivalents : null };
  }
  return {
    perKind,
    normalHours,
    alarms: alarms.length,
    falseAlarms: falseAlarms.length,
    falseAlarmsPerHour: falseAlarms.length / normalHours,
    falseAlarmsPerDay: (falseAlarms.length / normalHours) * 24,
    days: perDay,
    byDayType,
    falseChainsMediumPlus: falseAlarms.filter((a) => atLeastMedium(a.level)).length,
    normalPeaksFlagged: labels.normalPeaks.filter((p) => alarms.some((a) => overlaps(a, p, 0) && !labels.incidents.some((inc) => explains(inc, a, tol)))).length,
    lookAlikesFlagged: (labels.lookAlikes ?? []).filter((l) => alarms.some((a) => foundAs(l.resembles).includes(a.kind) && overlaps(a, l, 0))).length,
    incidents,
    falseAlarmList: falseAlarms.map((a) => ({ kind: a.kind, start: a.start, end: a.end, host: a.host, level: a.level, summary: a.summary })),
  };
}

/** The project's detection targets, each with the value this evaluation measured. */
export function detectionTargets(labels: EvaluationLabels, scope: EvaluationScope, m: SystemMetrics): TargetCheck[] {
  const out: TargetCheck[] = [];
  const perDay = (v: number | null): string => (v === null ? 'no such day scored' : `${v.toFixed(2)}/day`);
  if (scope === 'first-weekend') {
    out.push({
      target: '≤ 1 alarm chain at medium or above on the first weekend after a weekday-only baseline',
      measured: `${m.falseChainsMediumPlus} chain${m.falseChainsMediumPlus === 1 ? '' : 's'} (${m.falseAlarms} false alarm${m.falseAlarms === 1 ? '' : 's'} in all)`,
      met: m.falseChainsMediumPlus <= 1,
    });
    return out;
  }
  const n = m.incidents.length;
  const found = m.incidents.filter((i) => i.detected).length;
  const attributed = m.incidents.filter((i) => i.attributed).length;
  out.push({ target: 'every incident found and attributed to its host', measured: `${attributed}/${n} (found ${found}/${n})`, met: n > 0 && attributed === n });
  for (const type of DAY_TYPES) {
    const t = m.byDayType[type];
    if (t.perDay === null) continue;
    out.push({ target: `≤ 1 false alarm ${DAY_TYPE_NAMES[type]}`, measured: `${t.falseAlarms} in ${t.days.toFixed(1)} days: ${perDay(t.perDay)}`, met: t.perDay <= 1 });
  }
  const modelOnly = [...new Set(m.incidents.filter((i) => i.attributed && i.foundByModel && !i.foundByRule).map((i) => i.kind))];
  out.push({
    target: 'at least one incident kind found by the learned model and by no rule',
    measured: modelOnly.length ? modelOnly.join(', ') : 'none', met: modelOnly.length > 0,
  });
  if (!labels.timezone) {
    out.push({
      target: 'office presets: every incident found, 0 false alarms',
      measured: `${found}/${n} found, ${m.falseAlarms} false alarms`, met: n > 0 && found === n && m.falseAlarms === 0,
    });
  }
  out.push({
    target: '≤ 1 alarm chain at medium or above on the first weekend after a weekday-only baseline',
    measured: labels.weekdayBaseline ? 'run with --first-weekend on a model trained on weekdayBaseline.trainFiles' : 'not applicable (no weekday baseline in these labels)',
    met: null,
  });
  return out;
}

/** A fixed-width table of both systems, one row per kind plus totals, then the incidents, the days and the targets. */
export function formatEvaluation(r: EvaluationReport): string {
  const pct = (v: number | null): string => (v === null ? '—' : `${Math.round(v * 100)}%`);
  const sec = (v: number | null): string => (v === null ? '—' : `${(v / 1000).toFixed(0)} s`);
  const lines: string[] = [];
  const kinds = INCIDENT_KINDS.filter((k) => r.model.perKind[k] || r.threeSigma.perKind[k]);
  const rows = [['kind', 'incidents', 'found', 'attributed', 'precision', 'delay med', 'delay max', '3σ recall', '3σ precision']];
  for (const k of kinds) {
    const m = r.model.perKind[k];
    const p = r.threeSigma.perKind[k];
    const n = m?.incidents ?? p?.incidents ?? 0;
    rows.push([k, String(n), n ? `${m?.detected ?? 0}/${n}` : '—', n ? `${m?.attributed ?? 0}/${n}` : '—', pct(m?.precision ?? null),
      sec(m?.delayMedianMs ?? null), sec(m?.delayMaxMs ?? null), pct(p?.recall ?? null), pct(p?.precision ?? null)]);
  }
  lines.push(...table(rows));
  lines.push('');
  const scope = r.scope === 'first-weekend' ? 'the first weekend after a weekday-only baseline' : 'after the training range';
  lines.push(`model ${r.modelVersion}: ${r.windows} windows ${scope}, ${r.normalHours.toFixed(1)} h of normal traffic (days in ${r.timezone})`);
  for (const [name, s] of [['model', r.model], ['3-sigma', r.threeSigma]] as const) {
    lines.push(`${name.padEnd(8)} alarms ${s.alarms}, false alarms ${s.falseAlarms} (${s.falseAlarmsPerHour.toFixed(2)}/h, ${s.falseAlarmsPerDay.toFixed(1)}/day), medium+ false chains ${s.falseChainsMediumPlus}, normal peaks flagged ${s.normalPeaksFlagged}, look-alikes flagged ${s.lookAlikesFlagged}`);
  }
  if (r.model.incidents.length > 0) {
    lines.push('');
    const inc = [['incident', 'kind', 'host', 'found', 'attributed', 'delay', 'severity', 'found by', 'alarm kinds on the host']];
    for (const i of r.model.incidents) {
      const by = i.foundByModel && i.foundByRule ? 'model+rule' : i.foundByModel ? 'model' : i.foundByRule ? 'rule' : '—';
      inc.push([i.id.slice(0, 24), i.kind, i.host ?? '—', i.detected ? 'yes' : 'NO', i.attributed ? 'yes' : 'NO', sec(i.delayMs),
        i.severity === null ? '—' : `${i.severity} ${i.level}`, by, i.kindsOnHost.join(',') || '—']);
    }
    lines.push(...table(inc, true));
  }
  lines.push('');
  const days = [['day', 'type', 'normal h', 'model false alarms', '3σ false alarms']];
  r.model.days.forEach((d, i) => days.push([d.date, d.type, d.normalHours.toFixed(1), String(d.falseAlarms), String(r.threeSigma.days[i]?.falseAlarms ?? 0)]));
  for (const type of DAY_TYPES) {
    const t = r.model.byDayType[type];
    if (t.perDay !== null) days.push([DAY_TYPE_NAMES[type], '', (t.days * 24).toFixed(1), t.perDay.toFixed(2), (r.threeSigma.byDayType[type].perDay ?? 0).toFixed(2)]);
  }
  lines.push(...table(days, true));
  lines.push('');
  lines.push('targets');
  for (const t of r.targets) lines.push(`  ${t.met === null ? '    ' : t.met ? 'MET ' : 'NOT '} ${t.target}: ${t.measured}`);
  return lines.join('\n');
}

function table(rows: string[][], leftAlign = false): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const lines = rows.map((row) => row.map((c, i) => (i === 0 || leftAlign ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines;
}
