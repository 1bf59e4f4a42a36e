// The model on a generated labelled dataset with a seed it was not tuned on: the captures go
// through the real capture pipeline, the model trains on the normal days and is scored on the
// incident day against the labels, next to the 3-sigma peer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowsFromCaptures, type WindowStats } from '../../capture/index.ts';
import { generateDataset, presetOptions, type DatasetLabels } from '../../datasets/index.ts';
import { EvaluationRun, ModelTrainer, type EvaluationReport } from '../../model/index.ts';

const WINDOW_MS = 10_000;
let dir: string;
let labels: DatasetLabels;
let report: EvaluationReport;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'model-evaluate-'));
  labels = (await generateDataset(presetOptions('test', dir, { seed: 13 }))).labels;
  const trainer = new ModelTrainer({ seed: 1, epochs: 3 });
  const later: WindowStats[] = [];
  await windowsFromCaptures(labels.files.map((f) => join(dir, f)), { windowMs: WINDOW_MS, localNets: labels.localNets, sensor: 'eval' }, (w) => {
    if (w.start + w.durationMs <= labels.trainRange.end) trainer.add(w);
    else later.push(w);
  });
  const model = await trainer.finish();
  const run = new EvaluationRun(labels, model, { ioc: join(dir, labels.iocFile), criticality: join(dir, labels.criticalityFile) });
  for (const w of later) run.add(w);
  report = run.report();
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('evaluation on a generated office dataset (seed 13)', () => {
  it('detects every labelled incident kind', () => {
    const kinds = [...new Set(labels.incidents.map((i) => i.kind))];
    expect(kinds.length).toBeGreaterThanOrEqual(8);
    const missed = report.model.incidents.filter((i) => !i.detected).map((i) => `${i.id} (${i.kind})`);
    expect(missed).toEqual([]);
    for (const k of kinds) expect(report.model.perKind[k]!.recall).toBe(1);
  });
  it('does not flag the nightly backup or the look-alikes, and raises at most one false alarm per normal day', () => {
    expect(report.model.normalPeaksFlagged).toBe(0);
    expect(report.model.lookAlikesFlagged).toBe(0);
    expect(report.model.falseAlarmsPerDay).toBeLessThanOrEqual(1);
  });
  it('flags burst incidents within seconds and exfiltration at high or critical', () => {
    for (const i of report.model.incidents.filter((x) => x.kind === 'scan' || x.kind === 'dns-tunnel')) {
      expect(i.delayMs).toBeLessThanOrEqual(5_000 + WINDOW_MS);
    }
    const exfil = report.model.incidents.filter((i) => i.kind === 'outbound-spike');
    expect(exfil.length).toBeGreaterThan(0);
    for (const i of exfil) expect(['high', 'critical']).toContain(i.level);
  });
  it('beats the 3-sigma peer on false alarms at no loss of recall', () => {
    expect(report.threeSigma.falseAlarms).toBeGreaterThan(report.model.falseAlarms);
    const recall = (r: EvaluationReport['model']): number => r.incidents.filter((i) => i.detected).length;
    expect(recall(report.model)).toBeGreaterThanOrEqual(recall(report.threeSigma));
  });
});
