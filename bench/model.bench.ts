// Model benchmark: training time on three days of 1 s windows, scoring latency per window next
// to the 3-sigma peer's, and evaluation numbers (model vs 3-sigma) on a generated dataset.
// Prints numbers; asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WindowStats } from '../capture/index.ts';
import { generateDataset, presetOptions } from '../datasets/index.ts';
import { DetectionEngine, EvaluationRun, ModelTrainer, ThreeSigmaDetector, formatEvaluation, trainModel } from '../model/index.ts';
import { windowsFromCaptures } from '../bin/commands/train.ts';
import { DAY_MS, T0, syntheticWindows } from '../test/unit/model-synthetic.ts';

const DAYS = 3;
const WINDOWS = DAYS * 86_400;

async function trainingTime(): Promise<{ ms: number; backend: string; engine: DetectionEngine; peer: ThreeSigmaDetector }> {
  const t = performance.now();
  const model = await trainModel(syntheticWindows({ windows: WINDOWS, windowMs: 1000 }), { seed: 1 });
  const ms = performance.now() - t;
  return { ms, backend: model.meta.backend, engine: new DetectionEngine(model, { now: () => 0 }), peer: new ThreeSigmaDetector(model.meta.moments) };
}

function scoring(engine: DetectionEngine, peer: ThreeSigmaDetector): { model: number; peer: number; n: number } {
  const windows: WindowStats[] = [...syntheticWindows({ windows: 20_000, windowMs: 1000, start: T0 + DAYS * DAY_MS + 8 * 3_600_000, seed: 77 })];
  for (const w of windows.slice(0, 2000)) { engine.process(w); peer.process(w); }
  let t = performance.now();
  for (const w of windows) engine.process(w);
  const model = (performance.now() - t) / windows.length;
  t = performance.now();
  for (const w of windows) peer.process(w);
  const p = (performance.now() - t) / windows.length;
  return { model, peer: p, n: windows.length };
}

async function evaluation(seed: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'model-bench-'));
  try {
    const { labels } = await generateDataset(presetOptions('test', dir, { seed }));
    const trainer = new ModelTrainer({ seed: 1 });
    const later: WindowStats[] = [];
    await windowsFromCaptures(labels.files.map((f) => join(dir, f)), { windowMs: 1000, localNets: labels.localNets, sensor: 'bench' }, (w) => {
      if (w.start + w.durationMs <= labels.trainRange.end) trainer.add(w);
      else later.push(w);
    });
    const model = await trainer.finish();
    const run = new EvaluationRun(labels, model, { ioc: join(dir, labels.iocFile), criticality: join(dir, labels.criticalityFile) });
    for (const w of later) run.add(w);
    return formatEvaluation(run.report());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const train = await trainingTime();
const score = scoring(train.engine, train.peer);
process.stdout.write([
  `training on ${WINDOWS.toLocaleString('en')} windows of 1 s (${DAYS} days): ${(train.ms / 1000).toFixed(1)} s on the ${train.backend} backend (target ≤ 60 s)`,
  `scoring, mean per window over ${score.n.toLocaleString('en')} windows:`,
  `  model (all detectors + autoencoder)  ${(score.model * 1000).toFixed(1)} µs (target ≤ 1000 µs)`,
  `  3-sigma peer                          ${(score.peer * 1000).toFixed(1)} µs`,
  `  ratio model / 3-sigma                 ${(score.model / score.peer).toFixed(1)}×`,
  '',
].join('\n'));
for (const seed of [21]) {
  process.stdout.write(`evaluation on the generated 'test' dataset, seed ${seed}, 1 s windows:\n${await evaluation(seed)}\n`);
}
