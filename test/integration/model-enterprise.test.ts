// generate → train → evaluate on the enterprise-test preset, through the real capture pipeline.
// This checks the evaluation, not the detectors: whatever today's detectors find, the report
// covers every labelled incident, its attribution and "found by" agree with the anomaly records
// themselves, false alarms are counted on the site's local days, and the first-weekend check
// scores only the weekend after the weekday baseline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowsFromCaptures, type WindowStats } from '../../capture/index.ts';
import { generateDataset, presetOptions, type DatasetLabels } from '../../datasets/index.ts';
import {
  type Anomaly, EvaluationRun, type EvaluationReport, formatEvaluation, foundAs, MATCH_TOLERANCE_MS, MODEL_KINDS, ModelTrainer, SEVERITY_LEVELS,
} from '../../model/index.ts';

const WINDOW_MS = 10_000;
const TOL = MATCH_TOLERANCE_MS + WINDOW_MS;
let dir: string;
let labels: DatasetLabels;
let report: EvaluationReport;
let anomalies: Anomaly[];
let weekend: EvaluationReport;
let weekendAnomalies: Anomaly[];

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }): boolean => a.start < b.end + TOL && a.end > b.start - TOL;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'model-enterprise-'));
  labels = (await generateDataset(presetOptions('enterprise-test', dir))).labels;
  const baseline = labels.weekdayBaseline!;
  const trainer = new ModelTrainer({ seed: 1, epochs: 2 });
  const weekdays = new ModelTrainer({ seed: 1, epochs: 2 });
  const all: WindowStats[] = [];
  await windowsFromCaptures(labels.files.map((f) => join(dir, f)), { windowMs: WINDOW_MS, localNets: labels.localNets, sensor: 'eval' }, (w) => {
    if (w.start + w.durationMs <= labels.trainRange.end) trainer.add(w);
    if (w.start + w.durationMs <= baseline.trainRange.end) weekdays.add(w);
    all.push(w);
  });
  const opts = { ioc: join(dir, labels.iocFile), criticality: join(dir, labels.criticalityFile) };
  const run = new EvaluationRun(labels, await trainer.finish(), opts);
  const weekendRun = new EvaluationRun(labels, await weekdays.finish(), opts, 'first-weekend');
  for (const w of all) {
    run.add(w);
    weekendRun.add(w);
  }
  report = run.report();
  anomalies = run.anomalies();
  weekend = weekendRun.report();
  weekendAnomalies = weekendRun.anomalies();
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('evaluation on the enterprise-test preset', () => {
  it('scores every labelled incident after the training day, on the site calendar', () => {
    expect(report.scope).toBe('after-training');
    expect(report.timezone).toBe('Europe/Berlin');
    expect(report.evalStart).toBeGreaterThanOrEqual(labels.trainRange.end);
    expect(report.model.incidents.map((i) => i.id).sort()).toEqual(labels.incidents.map((i) => i.id).sort());
    expect(report.model.days.map((d) => [d.date, d.type])).toEqual([['2025-09-26', 'weekday'], ['2025-09-27', 'weekend']]);
    for (const d of report.model.days) {
      expect(d.normalHours).toBeGreaterThan(10);
      expect(d.normalHours).toBeLessThanOrEqual(24);
    }
    expect(report.model.days.reduce((s, d) => s + d.falseAlarms, 0)).toBe(report.model.falseAlarms);
    expect(report.model.byDayType.weekday.falseAlarms).toBe(report.model.days[0]!.falseAlarms);
    expect(report.model.byDayType.weekend.falseAlarms).toBe(report.model.days[1]!.falseAlarms);
    const kinds = Object.keys(report.model.perKind);
    for (const i of labels.incidents) expect(kinds).toContain(i.kind);
  });

  it('attributes and credits each incident exactly as the anomaly records say', () => {
    for (const r of report.model.incidents) {
      const inc = labels.incidents.find((i) => i.id === r.id)!;
      const hits = anomalies.filter((a) => foundAs(inc.kind).includes(a.kind) && overlaps(a, inc));
      const onHost = anomalies.filter((a) => overlaps(a, inc) && a.subject.localHost === inc.host);
      expect(r.host, r.id).toBe(inc.host);
      expect(r.detected, r.id).toBe(hits.length > 0);
      expect(r.attributed, r.id).toBe(hits.some((a) => a.subject.localHost === inc.host));
      expect(r.kindsOnHost, r.id).toEqual([...new Set(onHost.map((a) => a.kind))].sort());
      expect(r.foundByModel, r.id).toBe(onHost.some((a) => MODEL_KINDS.includes(a.kind)));
      expect(r.foundByRule, r.id).toBe(onHost.some((a) => !MODEL_KINDS.includes(a.kind)));
      if (r.detected) expect(hits.map((a) => a.severity)).toContain(r.severity);
    }
    for (const [kind, m] of Object.entries(report.model.perKind)) {
      const mine = report.model.incidents.filter((i) => i.kind === kind);
      expect(m.attributed).toBe(mine.filter((i) => i.attributed).length);
      expect(m.attributed).toBeLessThanOrEqual(m.detected);
    }
  });

  it('lists as false alarms only anomalies that name no party of an overlapping incident', () => {
    expect(report.model.falseAlarmList.length).toBe(report.model.falseAlarms);
    for (const f of report.model.falseAlarmList) {
      expect(anomalies.some((a) => a.kind === f.kind && a.start === f.start && (a.subject.localHost ?? null) === f.host)).toBe(true);
      for (const inc of labels.incidents) {
        if (!overlaps(f, inc)) continue;
        expect(f.host).not.toBeNull();
        expect(f.host).not.toBe(inc.host);
        expect(foundAs(inc.kind)).not.toContain(f.kind);
      }
    }
  });

  it('prints the table, every incident and the targets next to the measured values', () => {
    const text = formatEvaluation(report);
    for (const i of labels.incidents) expect(text).toContain(i.id);
    expect(text).toContain('Europe/Berlin');
    const n = labels.incidents.length;
    const attributed = report.model.incidents.filter((i) => i.attributed).length;
    const found = report.model.incidents.filter((i) => i.detected).length;
    expect(report.targets.find((t) => t.target.startsWith('every incident'))).toEqual({
      target: 'every incident found and attributed to its host', measured: `${attributed}/${n} (found ${found}/${n})`, met: attributed === n,
    });
    expect(report.targets.map((t) => t.target)).toEqual(expect.arrayContaining([
      '≤ 1 false alarm per working day', '≤ 1 false alarm per weekend day', 'at least one incident kind found by the learned model and by no rule',
    ]));
    expect(text).toMatch(/targets\n/);
  });

  it('the first-weekend check scores only the Saturday after the weekday baseline and counts its medium+ chains', () => {
    const range = labels.weekdayBaseline!.weekendRange;
    expect(weekend.scope).toBe('first-weekend');
    expect(weekend.evalStart).toBeGreaterThanOrEqual(range.start);
    expect(weekend.evalEnd).toBeLessThanOrEqual(range.end);
    expect(weekend.model.days.map((d) => d.type)).toEqual(['weekend']);
    expect(weekend.model.incidents.map((i) => i.id).sort()).toEqual(labels.incidents.filter((i) => i.start >= range.start).map((i) => i.id).sort());
    const medium = SEVERITY_LEVELS.indexOf('medium');
    const chains = weekend.model.falseAlarmList.filter((a) => a.level !== null && SEVERITY_LEVELS.indexOf(a.level) >= medium).length;
    expect(weekend.model.falseChainsMediumPlus).toBe(chains);
    expect(weekend.model.falseAlarmList.length).toBeLessThanOrEqual(weekendAnomalies.length);
    expect(weekend.targets).toEqual([expect.objectContaining({ met: chains <= 1 })]);
  });
});
