// The host autoencoder: trained with TensorFlow.js on 15-minute host profiles placed next to the
// host's typical profile, scored with the plain forward pass. Its weights live in meta.json
// (a few thousand numbers). Its threshold is calibrated on held-out whole days to a false-alarm
// budget; without held-out days it falls back on the training errors with a wide margin.
import { AutoencoderScorer, heldOutMargin, netFromModel, trainAutoencoder, type AutoencoderNet } from './autoencoder.ts';
import { PROFILE_BEHAVIOUR, PROFILE_SIZE } from './hostProfile.ts';
import type { Tf } from './tfRuntime.ts';

/** model input: the block's profile, then the host's typical behaviour */
export const HOST_INPUT_SIZE = PROFILE_SIZE + PROFILE_BEHAVIOUR;

export interface HostModelJson {
  hidden: number[];
  layers: Array<{ inSize: number; outSize: number; relu: boolean; kernel: string; bias: string }>;
  threshold: number;
  /** per behaviour feature, the mean squared reconstruction error on the training rows (plus a
   *  floor): errors are measured in these units, so a feature that never varies for a host (its
   *  service mix) weighs more than one that always does (its volume) */
  residualScale: number[];
  /** per host, the 90th percentile of its errors on its training blocks (a block's ratio to it is what counts); for hosts never seen, the median */
  hostScale: Record<string, number>;
  defaultScale: number;
  /** how the threshold was set */
  calibration: { heldOutDays: number; heldOutBlocks: number; alarmsPerDayBudget: number; method: 'held-out-days' | 'training-margin' };
  trainRows: number;
}

function f32(text: string): Float32Array {
  const b = Buffer.from(text, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function b64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

export function hostNetFromJson(json: HostModelJson): AutoencoderNet {
  return { layers: json.layers.map((l) => ({ inSize: l.inSize, outSize: l.outSize, relu: l.relu, kernel: f32(l.kernel), bias: f32(l.bias) })) };
}

/** Fills `x` with the model input for a block profile and the host's typical profile. */
export function hostInput(profile: Float64Array, typical: Float64Array, x: Float64Array): Float64Array {
  x.set(profile, 0);
  for (let i = 0; i < PROFILE_BEHAVIOUR; i++) x[PROFILE_SIZE + i] = typical[i]!;
  return x;
}

/** A squared error below this (0.05²) is never more than noise, however steady the feature. */
const RESIDUAL_FLOOR = 0.0025;

/** Reconstruction error of the block's behaviour features only (time is context, not evidence),
 * each squared error divided by that feature's training residual scale. */
export class HostScorer {
  private readonly scorer: AutoencoderScorer;
  readonly perFeature = new Float64Array(HOST_INPUT_SIZE);
  private readonly scale: Float64Array;
  constructor(readonly net: AutoencoderNet, residualScale?: readonly number[]) {
    this.scorer = new AutoencoderScorer(net);
    this.scale = Float64Array.from({ length: PROFILE_BEHAVIOUR }, (_, i) => residualScale?.[i] ?? 1);
  }
  error(x: Float64Array): number {
    this.scorer.error(x, this.perFeature);
    let s = 0;
    for (let i = 0; i < PROFILE_BEHAVIOUR; i++) {
      this.perFeature[i] = this.perFeature[i]! / this.scale[i]!;
      s += this.perFeature[i]!;
    }
    return s / PROFILE_BEHAVIOUR;
  }
}

/** A host's score is the smallest of its last blocks' error ratios over this many blocks (an hour)… */
export const SUSTAIN_BLOCKS = 4;
/** …of which at least this many must exist: a change of role lasts; one odd block does not count. */
export const SUSTAIN_MIN_BLOCKS = 3;
const MIN_SUSTAINED_SCORE = 2;

/** The smallest of a few ratios: the host must have deviated in every block of the hour, so a
 * burst of minutes (a scan, a storm that other detectors name) never carries it. */
function minOf(v: readonly number[]): number {
  let m = Infinity;
  for (const x of v) if (x < m) m = x;
  return m;
}

/**
 * The sustained score of each row: the smallest error ratio (error ÷ the host's scale) of the
 * host's rows within the last SUSTAIN_BLOCKS blocks up to it, or 0 with fewer than SUSTAIN_MIN_BLOCKS.
 */
export function sustainedScores(errors: Float64Array, hosts: readonly string[], blocks: Int32Array, scaleOf: (h: string) => number): Float64Array {
  const order = Array.from(errors.keys()).sort((a, b) => (hosts[a]! < hosts[b]! ? -1 : hosts[a]! > hosts[b]! ? 1 : blocks[a]! - blocks[b]!));
  const out = new Float64Array(errors.length);
  for (let k = 0; k < order.length; k++) {
    const r = order[k]!;
    const ratios: number[] = [];
    for (let j = k; j >= 0; j--) {
      const q = order[j]!;
      if (hosts[q] !== hosts[r] || blocks[r]! - blocks[q]! >= SUSTAIN_BLOCKS) break;
      ratios.push(errors[q]! / scaleOf(hosts[q]!));
    }
    out[r] = ratios.length >= SUSTAIN_MIN_BLOCKS ? minOf(ratios) : 0;
  }
  return out;
}

/** Per host, the error ratios of its last blocks, for the sustained score at detection. */
export class SustainedHostScore {
  private readonly recent = new Map<string, Array<{ block: number; ratio: number }>>();
  constructor(private readonly model: Pick<HostModelJson, 'hostScale' | 'defaultScale'>) {}

  /** Adds a block's error; returns the host's sustained score (0 while too few recent blocks). */
  add(host: string, block: number, error: number): number {
    const ratio = error / (this.model.hostScale[host] ?? this.model.defaultScale);
    const list = (this.recent.get(host) ?? []).filter((e) => block - e.block < SUSTAIN_BLOCKS);
    list.push({ block, ratio });
    this.recent.set(host, list);
    if (list.length < SUSTAIN_MIN_BLOCKS) return 0;
    return minOf(list.map((e) => e.ratio));
  }
}

export interface HostTrainingRows {
  /** inputs, HOST_INPUT_SIZE per row */
  train: Float32Array;
  trainCount: number;
  heldOut: Float32Array;
  heldOutCount: number;
  heldOutDays: number;
  /** share of all blocks the rows are a sample of */
  sampleShare: number;
  /** per held-out row and per training row: host name and block index (for per-host scales and sustained scores) */
  heldOutHost: string[];
  heldOutBlock: Int32Array;
  trainHost: string[];
  trainBlock: Int32Array;
}

export async function trainHostModel(tf: Tf, rows: HostTrainingRows, opts: { seed: number; epochs: number; alarmsPerDay: number }): Promise<HostModelJson> {
  const hidden = [16, 6, 16];
  const model = await trainAutoencoder(tf, rows.train, rows.trainCount, HOST_INPUT_SIZE, {
    seed: opts.seed + 101, epochs: opts.epochs, hidden, learningRate: 0.005,
    batchSize: Math.max(16, Math.min(256, Math.floor(rows.trainCount / 8))),
  });
  const net = netFromModel(model);
  model.dispose();
  const x = new Float64Array(HOST_INPUT_SIZE);
  const raw = new HostScorer(net);
  const sq = new Float64Array(PROFILE_BEHAVIOUR);
  for (let r = 0; r < rows.trainCount; r++) {
    for (let j = 0; j < HOST_INPUT_SIZE; j++) x[j] = rows.train[r * HOST_INPUT_SIZE + j]!;
    raw.error(x);
    for (let i = 0; i < PROFILE_BEHAVIOUR; i++) sq[i] += raw.perFeature[i]!;
  }
  const residualScale = Array.from(sq, (v) => Math.round((v / Math.max(1, rows.trainCount) + RESIDUAL_FLOOR) * 1e7) / 1e7);
  const scorer = new HostScorer(net, residualScale);
  const errorsOf = (data: Float32Array, n: number): Float64Array => {
    const e = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < HOST_INPUT_SIZE; j++) x[j] = data[r * HOST_INPUT_SIZE + j]!;
      e[r] = scorer.error(x);
    }
    return e;
  };
  // each host's own usual error: a busy, varied server always reconstructs worse than a quiet
  // desktop, so a block is judged by how far it is from what that host usually scores
  const trainErr = errorsOf(rows.train, rows.trainCount);
  const perHost = new Map<string, number[]>();
  rows.trainHost.forEach((h, r) => {
    const list = perHost.get(h);
    if (list) list.push(trainErr[r]!);
    else perHost.set(h, [trainErr[r]!]);
  });
  // a host's scale is the 90th percentile of its own training errors: what it scores on a busy
  // but ordinary quarter hour, not on its quietest
  const p90 = (v: number[]): number => { const s = [...v].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(0.9 * s.length))]!; };
  const scales = new Map([...perHost.entries()].map(([h, v]) => [h, p90(v)]));
  const sortedScales = [...scales.values()].sort((a, b) => a - b);
  const defaultScale = Math.max(1e-3, sortedScales[Math.floor(sortedScales.length / 2)] ?? 1);
  const hostScale: Record<string, number> = {};
  for (const [h, v] of [...scales.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) hostScale[h] = Math.round(Math.max(v, 0.25 * defaultScale) * 1e5) / 1e5;
  const scaleOf = (h: string): number => hostScale[h] ?? defaultScale;
  let threshold: number;
  let method: HostModelJson['calibration']['method'];
  if (rows.heldOutDays > 0 && rows.heldOutCount > 0) {
    // the budget's worth of held-out blocks may pass: the (budget × days + 1)-th largest score
    const held = sustainedScores(errorsOf(rows.heldOut, rows.heldOutCount), rows.heldOutHost, rows.heldOutBlock, scaleOf).sort();
    const allowed = Math.floor(opts.alarmsPerDay * rows.heldOutDays * rows.sampleShare);
    const kth = held[Math.max(0, held.length - 1 - allowed)] ?? 0;
    threshold = kth * heldOutMargin(rows.heldOutDays);
    method = 'held-out-days';
  } else {
    const seen = sustainedScores(trainErr, rows.trainHost, rows.trainBlock, scaleOf);
    let max = 0;
    for (const e of seen) if (e > max) max = e;
    threshold = max * 1.5;
    method = 'training-margin';
  }
  // a sustained score of 2 means twice the host's usual error for an hour: never alarm below it
  threshold = Math.max(threshold, MIN_SUSTAINED_SCORE);
  return {
    hidden,
    layers: net.layers.map((l) => ({ inSize: l.inSize, outSize: l.outSize, relu: l.relu, kernel: b64(l.kernel), bias: b64(l.bias) })),
    threshold,
    residualScale,
    hostScale,
    defaultScale,
    calibration: { heldOutDays: rows.heldOutDays, heldOutBlocks: rows.heldOutCount, alarmsPerDayBudget: opts.alarmsPerDay, method },
    trainRows: rows.trainCount,
  };
}
