// The host autoencoder: trained with TensorFlow.js on 15-minute host profiles placed next to the
// host's typical profile, scored with the plain forward pass. Its weights live in meta.json
// (a few thousand numbers). Its threshold is calibrated on held-out whole days to a false-alarm
// budget; without held-out days it falls back on the training errors with a wide margin.
import { AutoencoderScorer, calibrateThreshold, heldOutMargin, netFromModel, trainAutoencoder, type AutoencoderNet } from './autoencoder.ts';
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

export interface HostTrainingRows {
  /** inputs, HOST_INPUT_SIZE per row */
  train: Float32Array;
  trainCount: number;
  heldOut: Float32Array;
  heldOutCount: number;
  heldOutDays: number;
  /** share of all blocks the rows are a sample of */
  sampleShare: number;
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
  let threshold: number;
  let method: HostModelJson['calibration']['method'];
  if (rows.heldOutDays > 0 && rows.heldOutCount > 0) {
    // the budget's worth of held-out blocks may pass: the (budget × days + 1)-th largest error,
    // never below the log-normal tail of all of them
    const held = errorsOf(rows.heldOut, rows.heldOutCount).sort();
    const allowed = Math.floor(opts.alarmsPerDay * rows.heldOutDays * rows.sampleShare);
    const kth = held[Math.max(0, held.length - 1 - allowed)]!;
    threshold = Math.max(kth * heldOutMargin(rows.heldOutDays), calibrateThreshold(held, 1e-6).threshold);
    method = 'held-out-days';
  } else {
    const seen = errorsOf(rows.train, rows.trainCount);
    let max = 0;
    for (const e of seen) if (e > max) max = e;
    threshold = Math.max(max * 1.5, calibrateThreshold(seen, 1e-6).threshold);
    method = 'training-margin';
  }
  return {
    hidden,
    layers: net.layers.map((l) => ({ inSize: l.inSize, outSize: l.outSize, relu: l.relu, kernel: b64(l.kernel), bias: b64(l.bias) })),
    threshold,
    residualScale,
    calibration: { heldOutDays: rows.heldOutDays, heldOutBlocks: rows.heldOutCount, alarmsPerDayBudget: opts.alarmsPerDay, method },
    trainRows: rows.trainCount,
  };
}
