// Training: windows → a new model version (seasonal baseline, autoencoder, calibrated threshold,
// known remotes, detector limits). Deterministic under a seed: the same windows and seed give the
// same weights, thresholds and meta (apart from the creation time and wall-clock duration).
import { createHash } from 'node:crypto';
import type { WindowStats } from '../capture/index.ts';
import { calibrateThreshold, heldOutMargin, netFromModel, serialiseModel, trainAutoencoder, AutoencoderScorer } from './autoencoder.ts';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_VERSION, HOST_FEATURES, NETWORK_FEATURES } from './features.ts';
import type { AnalystRule } from './analystRules.ts';
import type { ModelArtifact, ModelMeta } from './modelArtifact.ts';
import { fitNormalisation, normalise } from './normalisation.ts';
import { loadTf } from './tfRuntime.ts';
import { TrainingSet, type TimeRange } from './trainingSet.ts';
import { trainHostModel } from './hostModel.ts';
import type { SiteCalendar } from './timeSlots.ts';

export type { TimeRange } from './trainingSet.ts';

export interface TrainProgress {
  phase: 'reading' | 'baseline' | 'training' | 'calibrating' | 'done';
  /** windows read, or epochs done */
  done: number;
  /** known total (epochs while training), else undefined */
  total?: number;
  loss?: number;
}

export interface TrainOptions {
  seed?: number;
  epochs?: number;
  batchSize?: number;
  hidden?: number[];
  learningRate?: number;
  /** rows the autoencoder trains on at most (evenly subsampled) */
  maxTrainRows?: number;
  /** tail probability of the log-normal error fit where the deviation threshold sits */
  tailProbability?: number;
  /** false alarms per day the learned models may raise on held-out normal days (default 1, half each) */
  falseAlarmsPerDay?: number;
  /** windows overlapping these ranges (confirmed incidents) are left out */
  exclude?: readonly TimeRange[];
  /** analysts' accepted rules, recorded in meta.json for detection to honour (expired ones are left out) */
  rules?: readonly AnalystRule[];
  /** where the windows came from (recorded in meta.json) */
  sources?: string[];
  /** fewer windows than this is an error */
  minWindows?: number;
  onProgress?: (p: TrainProgress) => void;
  /** the site's time zone and holidays for every time slot (default UTC, no holidays) */
  calendar?: SiteCalendar;
  /** wall clock for createdAt and the version name */
  now?: () => number;
}

export const DEFAULT_MIN_WINDOWS = 300;
const HELD_OUT_EVERY = 5;

export class TrainingDataError extends Error {
  override name = 'TrainingDataError';
}

export async function trainModel(windows: AsyncIterable<WindowStats> | Iterable<WindowStats>, opts: TrainOptions = {}): Promise<ModelArtifact> {
  const trainer = new ModelTrainer(opts);
  for await (const w of windows) trainer.add(w);
  return trainer.finish();
}

/** Push-style training for sources that call back per window (the capture pipeline). */
export class ModelTrainer {
  private readonly set: TrainingSet;
  private readonly began = Date.now();
  constructor(private readonly opts: TrainOptions = {}) {
    this.set = new TrainingSet(opts.seed ?? 1, opts.exclude ?? [], opts.calendar);
  }

  add(w: WindowStats): void {
    this.set.add(w);
    if (this.set.count > 0 && this.set.count % 10_000 === 0) this.opts.onProgress?.({ phase: 'reading', done: this.set.count });
  }

  get windows(): number {
    return this.set.count;
  }

  finish(): Promise<ModelArtifact> {
    return fit(this.set, this.opts, this.began);
  }
}

async function fit(set: TrainingSet, opts: TrainOptions, began: number): Promise<ModelArtifact> {
  const seed = opts.seed ?? 1;
  const epochs = opts.epochs ?? 10;
  const hidden = opts.hidden ?? [20, 8, 20];
  const minWindows = opts.minWindows ?? DEFAULT_MIN_WINDOWS;
  const now = opts.now ?? Date.now;
  opts.onProgress?.({ phase: 'reading', done: set.count });
  if (set.count < minWindows) {
    const have = set.count === 0 ? 'no windows' : `only ${set.count} windows (${describeSpan(set.last - set.first)})`;
    const excluded = set.excluded ? `; ${set.excluded} more fell into excluded ranges` : '';
    throw new TrainingDataError(
      `training needs at least ${minWindows} windows${set.windowMs ? ` (${describeSpan(minWindows * set.windowMs)} of ${set.windowMs} ms windows)` : ''} and got ${have}${excluded}; ` +
      'give a longer range — a day or more gives every hour of the day a mature baseline, a week gives hour-of-week baselines',
    );
  }

  opts.onProgress?.({ phase: 'baseline', done: set.count });
  const built = set.baseline.build(minSpreadOf);

  const n = set.count;
  const norm = fitNormalisation(set.rows, n, FEATURE_COUNT);
  const trainIdx: number[] = [];
  const heldIdx: number[] = [];
  // calibration on held-out whole days (every third day) once three days exist: a day has its own
  // rhythm that neighbouring windows of training days would leak; shorter data holds out every fifth window
  const wholeDays = set.days.size >= 3;
  const heldOut = (i: number): boolean => (wholeDays ? set.isHeldOutDay(set.rowDay[i]!) : i % HELD_OUT_EVERY === HELD_OUT_EVERY - 1);
  for (let i = 0; i < n; i++) (heldOut(i) ? heldIdx : trainIdx).push(i);
  let heldOutDays = 0;
  for (let d = 0; d < set.days.size; d++) if (wholeDays && set.isHeldOutDay(d)) heldOutDays++;
  // the false-alarm budget is shared by the two learned models: half for each
  const budget = (opts.falseAlarmsPerDay ?? 1) / 2;
  const maxRows = opts.maxTrainRows ?? 40_000;
  const stride = Math.max(1, trainIdx.length / maxRows);
  const picked: number[] = [];
  for (let k = 0; Math.floor(k) < trainIdx.length; k += stride) picked.push(trainIdx[Math.floor(k)]!);
  const x = new Float32Array(picked.length * FEATURE_COUNT);
  picked.forEach((i, r) => normalise(norm, set.rows.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT), x.subarray(r * FEATURE_COUNT, (r + 1) * FEATURE_COUNT)));

  const { tf, backend } = await loadTf();
  const batchSize = opts.batchSize ?? Math.max(16, Math.min(256, Math.floor(picked.length / 8)));
  let finalLoss = NaN;
  const model = await trainAutoencoder(tf, x, picked.length, FEATURE_COUNT, {
    seed, epochs, batchSize, hidden, learningRate: opts.learningRate ?? 0.005,
    onEpoch: (epoch, loss) => { finalLoss = loss; opts.onProgress?.({ phase: 'training', done: epoch, total: epochs, loss }); },
  });
  const net = netFromModel(model);
  const saved = await serialiseModel(tf, model);
  model.dispose();

  opts.onProgress?.({ phase: 'calibrating', done: heldIdx.length });
  const scorer = new AutoencoderScorer(net);
  const z = new Float64Array(FEATURE_COUNT);
  const errors = new Float64Array(heldIdx.length);
  let maxHeld = 0;
  heldIdx.forEach((i, k) => {
    normalise(norm, set.rows.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT), z);
    errors[k] = scorer.error(z);
    if (errors[k]! > maxHeld) maxHeld = errors[k]!;
  });
  const threshold = calibrateThreshold(errors, opts.tailProbability ?? 1e-6);
  // The log-normal tail can sit below errors normal traffic really produced (a nightly backup
  // is rare but normal): the limit lets through at most the budget's share of held-out windows
  // per held-out day (none without whole days), and never sits below the tail.
  const allowed = Math.floor(budget * heldOutDays);
  const sorted = Float64Array.from(errors).sort();
  const kth = sorted.length ? sorted[Math.max(0, sorted.length - 1 - allowed)]! : maxHeld;
  threshold.threshold = Math.max(threshold.threshold, kth * (wholeDays ? heldOutMargin(heldOutDays) : 1.05));
  threshold.calibration = { method: wholeDays ? 'held-out-days' : 'every-fifth-window', heldOutDays, alarmsPerDayBudget: budget };

  const hostBaselines = set.hostBuilder.build();
  Object.assign(hostBaselines, set.profiles.profiles(hostBaselines.roles));
  const hostModel = await trainHostModel(tf, set.profiles.rowsForTraining(), { seed, epochs, alarmsPerDay: budget });

  const dataHash = set.dataHash();
  const created = now();
  const version = versionName(created, createHash('sha256').update(`${dataHash}:${seed}:${FEATURE_VERSION}:${epochs}:${hidden.join(',')}`).digest('hex').slice(0, 8));
  const meta: ModelMeta = {
    version,
    featureVersion: FEATURE_VERSION,
    features: [...FEATURE_NAMES],
    hostFeatures: HOST_FEATURES.map((f) => f.name),
    windowMs: set.windowMs,
    createdAt: new Date(created).toISOString(),
    backend,
    seed,
    training: {
      start: set.first, end: set.last, windows: n, excludedWindows: set.excluded, excludedRanges: [...(opts.exclude ?? [])], sources: opts.sources ?? [],
      dataHash, epochs, finalLoss, durationMs: Date.now() - began, trainRows: picked.length, heldOutRows: heldIdx.length,
    },
    normalisation: norm,
    autoencoder: { hidden, threshold },
    baseline: built,
    knownRemotes: set.knownRemotes(),
    periodicPairs: set.periodicPairs(),
    patterns: set.patterns.patterns.toJson(),
    hostBaselines,
    hostModel,
    limits: set.detectorLimits(),
    moments: set.moments(),
    rules: (opts.rules ?? []).filter((r) => r.expiresAt > created),
  };
  opts.onProgress?.({ phase: 'done', done: n });
  return { meta, net, saved };
}

/** The narrowest band a key's spread may have: volumes vary by at least ×1.5 between windows. */
function minSpreadOf(key: string): number {
  const spec = NETWORK_FEATURES.find((f) => f.name === key);
  if (!spec) return 0.1;
  if (spec.scale === 'log1p-rate') return Math.log(1.5);
  if (spec.scale === 'share') return 0.05;
  return 0.5;
}

function versionName(ms: number, hash8: string): string {
  const d = new Date(ms);
  const p = (v: number): string => String(v).padStart(2, '0');
  return `v${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}-${hash8}`;
}

function describeSpan(ms: number): string {
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${Math.round(ms / 1000)} s`;
}
