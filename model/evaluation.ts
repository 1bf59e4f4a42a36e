// Evaluation on labelled data: which labelled incidents were found, how fast and how severe,
// and how many alarms fell on normal traffic — for the model and, side by side, the 3-sigma peer.
import type { WindowStats } from '../capture/index.ts';
import { ANOMALY_KINDS, type Anomaly, type AnomalyKind, type SeverityLevel } from './anomaly.ts';
import { DetectionEngine, type DetectionOptions } from './detectionEngine.ts';
import type { ModelArtifact } from './modelArtifact.ts';
import { ThreeSigmaDetector } from './threeSigma.ts';

/**
 * What a labelled incident is: an anomaly kind (found by that kind's detector), or `role-change`,
 * a host that starts behaving like another kind of host, which no rule names: the model finds it
 * as a deviation of the host's profile.
 */
export type IncidentKind = AnomalyKind | 'role-change';

/** The anomaly kinds that find each incident kind (an incident kind not listed is found by its own kind). */
export const FOUND_AS: Readonly<Partial<Record<IncidentKind, readonly string[]>>> = {
  'role-change': ['host-deviation', 'deviation'],
};

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
}

export interface KindMetrics {
  incidents: number;
  detected: number;
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
  detected: boolean;
  delayMs: number | null;
  severity: number | null;
  level: SeverityLevel | null;
}

export interface SystemMetrics {
  perKind: Partial<Record<IncidentKind, KindMetrics>>;
  alarms: number;
  falseAlarms: number;
  falseAlarmsPerHour: number;
  falseAlarmsPerDay: number;
  normalPeaksFlagged: number;
  lookAlikesFlagged: number;
  incidents: IncidentResult[];
  /** the alarms that overlapped no labelled incident (start, kind, summary) */
  falseAlarmList: Array<{ kind: AnomalyKind; start: number; end: number; summary: string }>;
}

export interface EvaluationReport {
  modelVersion: string;
  windows: number;
  evalStart: number;
  evalEnd: number;
  normalHours: number;
  model: SystemMetrics;
  threeSigma: SystemMetrics;
}

interface Alarm { kind: AnomalyKind; start: number; end: number; severity: number | null; level: SeverityLevel | null; summary: string }

/** Extra time allowed around a labelled incident when matching, ms (plus one window). */
export const MATCH_TOLERANCE_MS = 5_000;

export function evaluate(windows: Iterable<WindowStats>, labels: EvaluationLabels, model: ModelArtifact, opts: DetectionOptions = {}): EvaluationReport {
  const run = new EvaluationRun(labels, model, opts);
  for (const w of windows) run.add(w);
  return run.report();
}

/** Push-style evaluation for sources that call back per window (the capture pipeline). */
export class EvaluationRun {
  private readonly engine: DetectionEngine;
  private readonly peer: ThreeSigmaDetector;
  private readonly last = new Map<string, Anomaly>();
  private count = 0;
  private evalStart = Infinity;
  private evalEnd = -Infinity;

  constructor(private readonly labels: EvaluationLabels, private readonly model: ModelArtifact, opts: DetectionOptions = {}) {
    this.engine = new DetectionEngine(model, { ...opts, now: opts.now ?? (() => 0) });
    this.peer = new ThreeSigmaDetector(model.meta.moments);
  }

  /** Windows inside the training range are skipped: only unseen traffic is scored. */
  add(w: WindowStats): void {
    if (w.start < this.labels.trainRange.end) return;
    this.count++;
    this.evalStart = Math.min(this.evalStart, w.start);
    this.evalEnd = Math.max(this.evalEnd, w.start + w.durationMs);
    for (const a of this.engine.process(w)) this.last.set(a.id, a);
    this.peer.process(w);
  }

  /** Every incident as finally merged (after `report`). */
  anomalies(): Anomaly[] {
    return [...this.last.values()];
  }

  report(): EvaluationReport {
    const { labels, count, evalStart, evalEnd } = this;
    for (const a of this.engine.finish()) this.last.set(a.id, a);
    if (count === 0) throw new Error(`no windows after the training range (ends ${new Date(labels.trainRange.end).toISOString()}); give the capture files of the evaluation days`);
    const windowMs = this.model.meta.windowMs;
    let incidentMs = 0;
    for (const inc of labels.incidents) incidentMs += Math.max(0, Math.min(inc.end, evalEnd) - Math.max(inc.start, evalStart));
    const normalHours = Math.max(1e-9, (evalEnd - evalStart - incidentMs) / 3_600_000);
    const modelAlarms: Alarm[] = [...this.last.values()].map((a) => ({ kind: a.kind, start: a.start, end: a.end, severity: a.severity, level: a.level, summary: a.summary }));
    const peerAlarms: Alarm[] = this.peer.incidents.map((i) => ({ kind: i.kind, start: i.start, end: i.end, severity: null, level: null, summary: `${i.feature} outside mean ± 3σ (|z| = ${i.score.toFixed(1)})` }));
    return {
      modelVersion: this.model.meta.version,
      windows: count,
      evalStart,
      evalEnd,
      normalHours,
      model: score(modelAlarms, labels, normalHours, windowMs),
      threeSigma: score(peerAlarms, labels, normalHours, windowMs),
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

function score(alarms: Alarm[], labels: EvaluationLabels, normalHours: number, windowMs: number): SystemMetrics {
  const tol = MATCH_TOLERANCE_MS + windowMs;
  const incidents: IncidentResult[] = labels.incidents.map((inc) => {
    const hits = alarms.filter((a) => foundAs(inc.kind).includes(a.kind) && overlaps(a, inc, tol));
    if (hits.length === 0) return { id: inc.id, kind: inc.kind, detected: false, delayMs: null, severity: null, level: null };
    const first = Math.min(...hits.map((a) => a.start));
    const top = hits.reduce((m, a) => ((a.severity ?? -1) > (m.severity ?? -1) ? a : m), hits[0]!);
    return { id: inc.id, kind: inc.kind, detected: true, delayMs: Math.max(0, first + windowMs - inc.start), severity: top.severity, level: top.level };
  });
  const falseAlarmList = alarms.filter((a) => !labels.incidents.some((inc) => overlaps(a, inc, tol)));
  const perKind: Partial<Record<IncidentKind, KindMetrics>> = {};
  for (const kind of [...ANOMALY_KINDS, 'role-change'] as IncidentKind[]) {
    const mine = incidents.filter((i) => i.kind === kind);
    const kindAlarms = alarms.filter((a) => a.kind === kind || (FOUND_AS[kind]?.includes(a.kind) ?? false));
    if (mine.length === 0 && kindAlarms.length === 0) continue;
    const matched = kindAlarms.filter((a) => labels.incidents.some((inc) => (foundAs(inc.kind).includes(kind) || inc.kind === kind || kind === 'deviation') && overlaps(a, inc, tol))).length;
    const delays = mine.filter((i) => i.delayMs !== null).map((i) => i.delayMs!);
    perKind[kind] = {
      incidents: mine.length,
      detected: mine.filter((i) => i.detected).length,
      recall: mine.length ? mine.filter((i) => i.detected).length / mine.length : null,
      alarms: kindAlarms.length,
      matched,
      precision: kindAlarms.length ? matched / kindAlarms.length : null,
      delayMedianMs: median(delays),
      delayMaxMs: delays.length ? Math.max(...delays) : null,
    };
  }
  return {
    perKind,
    alarms: alarms.length,
    falseAlarms: falseAlarmList.length,
    falseAlarmsPerHour: falseAlarmList.length / normalHours,
    falseAlarmsPerDay: (falseAlarmList.length / normalHours) * 24,
    normalPeaksFlagged: labels.normalPeaks.filter((p) => alarms.some((a) => overlaps(a, p, 0) && !labels.incidents.some((inc) => overlaps(a, inc, tol)))).length,
    lookAlikesFlagged: (labels.lookAlikes ?? []).filter((l) => alarms.some((a) => foundAs(l.resembles).includes(a.kind) && overlaps(a, l, 0))).length,
    incidents,
    falseAlarmList: falseAlarmList.map((a) => ({ kind: a.kind, start: a.start, end: a.end, summary: a.summary })),
  };
}

/** A fixed-width table of both systems, one row per kind plus totals. */
export function formatEvaluation(r: EvaluationReport): string {
  const pct = (v: number | null): string => (v === null ? '—' : `${Math.round(v * 100)}%`);
  const sec = (v: number | null): string => (v === null ? '—' : `${(v / 1000).toFixed(0)} s`);
  const kinds = ([...ANOMALY_KINDS, 'role-change'] as IncidentKind[]).filter((k) => r.model.perKind[k] || r.threeSigma.perKind[k]);
  const rows = [['kind', 'incidents', 'recall', 'precision', 'delay med', 'delay max', '3σ recall', '3σ precision']];
  for (const k of kinds) {
    const m = r.model.perKind[k];
    const p = r.threeSigma.perKind[k];
    rows.push([k, String(m?.incidents ?? p?.incidents ?? 0), pct(m?.recall ?? null), pct(m?.precision ?? null), sec(m?.delayMedianMs ?? null), sec(m?.delayMaxMs ?? null), pct(p?.recall ?? null), pct(p?.precision ?? null)]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  lines.push('');
  lines.push(`model ${r.modelVersion}: ${r.windows} windows, ${r.normalHours.toFixed(1)} h of normal traffic`);
  for (const [name, s] of [['model', r.model], ['3-sigma', r.threeSigma]] as const) {
    lines.push(`${name.padEnd(8)} alarms ${s.alarms}, false alarms ${s.falseAlarms} (${s.falseAlarmsPerHour.toFixed(2)}/h, ${s.falseAlarmsPerDay.toFixed(1)}/day), normal peaks flagged ${s.normalPeaksFlagged}, look-alikes flagged ${s.lookAlikesFlagged}`);
  }
  lines.push('');
  lines.push('incident                         kind             found  delay   severity');
  for (const i of r.model.incidents) {
    lines.push(`${i.id.slice(0, 32).padEnd(32)} ${i.kind.padEnd(16)} ${i.detected ? 'yes' : 'NO '}    ${sec(i.delayMs).padStart(6)}  ${i.severity === null ? '—' : `${i.severity} ${i.level}`}`);
  }
  return lines.join('\n');
}
