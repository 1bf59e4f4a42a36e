// Model benchmark: training time on three days of 1 s windows, scoring latency per window next
// to the 3-sigma peer's, and evaluation numbers (model vs 3-sigma) on a generated dataset.
// Prints numbers; asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { windowsFromCaptures, type WindowStats } from '../capture/index.ts';
import { generateDataset, presetOptions } from '../datasets/index.ts';
import { DetectionEngine, EvaluationRun, ModelTrainer, ThreeSigmaDetector, formatEvaluation, trainModel } from '../model/index.ts';
import { DAY_MS, T0, syntheticWindows } from '../datasets/synthetic/index.ts';

const DAYS = 3;
const WINDOWS = DAYS * 86_400;

/** Wall and CPU (user + system) milliseconds of `f`; CPU time is what the run costs on an idle machine. */
async function timed<T>(f: () => Promise<T> | T): Promise<{ value: T; wall: number; cpu: number }> {
  const c = process.cpuUsage();
  const t = performance.now();
  const value = await f();
  const used = process.cpuUsage(c);
  return { value, wall: performance.now() - t, cpu: (used.user + used.system) / 1000 };
}

async function trainingTime() {
  // generating the synthetic windows is not training: measure it alone and subtract it
  const gen = await timed(() => { let n = 0; for (const w of syntheticWindows({ windows: WINDOWS, windowMs: 1000 })) n += w.flowStarts.length; return n; });
  const run = await timed(() => trainModel(syntheticWindows({ windows: WINDOWS, windowMs: 1000 }), { seed: 1 }));
  const model = run.value;
  return {
    wall: run.wall - gen.wall, cpu: run.cpu - gen.cpu, genWall: gen.wall, backend: model.meta.backend,
    engine: new DetectionEngine(model, { now: () => 0 }), peer: new ThreeSigmaDetector(model.meta.moments),
  };
}

function scoring(engine: DetectionEngine, peer: ThreeSigmaDetector): { model: number; peer: number; n: number } {
  const windows: WindowStats[] = [...syntheticWindows({ windows: 20_000, windowMs: 1000, start: T0 + DAYS * DAY_MS + 8 * 3_600_000, seed: 77 })];
  for (const w of windows.slice(0, 2000)) { engine.process(w); peer.process(w); }
  let c = process.cpuUsage();
  for (const w of windows) engine.process(w);
  let used = process.cpuUsage(c);
  const model = (used.user + used.system) / 1000 / windows.length;
  c = process.cpuUsage();
  for (const w of windows) peer.process(w);
  used = process.cpuUsage(c);
  const p = (used.user + used.system) / 1000 / windows.length;
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
  `training on ${WINDOWS.toLocaleString('en')} windows of 1 s (${DAYS} days) on the ${train.backend} backend (target ≤ 60 s):`,
  `  ${(train.cpu / 1000).toFixed(1)} s CPU, ${(train.wall / 1000).toFixed(1)} s wall (load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores; generating the windows took another ${(train.genWall / 1000).toFixed(1)} s)`,
  `scoring, mean CPU time per window over ${score.n.toLocaleString('en')} windows:`,
  `  model (all detectors + autoencoder)  ${(score.model * 1000).toFixed(1)} µs (target ≤ 1000 µs)`,
  `  3-sigma peer                          ${(score.peer * 1000).toFixed(1)} µs`,
  `  ratio model / 3-sigma                 ${(score.model / score.peer).toFixed(1)}×`,
  '',
].join('\n'));
for (const seed of [21]) {
  process.stdout.write(`evaluation on the generated 'test' dataset, seed ${seed}, 1 s windows:\n${await evaluation(seed)}\n`);
}
