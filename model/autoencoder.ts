// The autoencoder over the normalised feature vector: trained with TensorFlow.js (seeded
// initialisers, no shuffling, so a seed gives the same weights), scored with a plain forward
// pass over the learned weights — a window costs a few thousand multiply-adds and no tensor
// allocation, and the score is identical whichever backend trained the model.
import type { Tf } from './tfRuntime.ts';
import type * as tfTypes from '@tensorflow/tfjs';

export interface DenseLayer {
  inSize: number;
  outSize: number;
  /** row-major [inSize][outSize] */
  kernel: Float32Array;
  bias: Float32Array;
  relu: boolean;
}

export interface AutoencoderNet {
  layers: DenseLayer[];
}

export interface AutoencoderTraining {
  seed: number;
  epochs: number;
  batchSize: number;
  hidden: number[];
  learningRate: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

export function buildAutoencoder(tf: Tf, inputSize: number, opts: Pick<AutoencoderTraining, 'seed' | 'hidden' | 'learningRate'>): tfTypes.Sequential {
  const model = tf.sequential();
  const sizes = [...opts.hidden, inputSize];
  sizes.forEach((units, i) => {
    model.add(tf.layers.dense({
      units,
      inputShape: i === 0 ? [inputSize] : undefined,
      activation: i === sizes.length - 1 ? 'linear' : 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: opts.seed + i * 7919 }),
      biasInitializer: 'zeros',
    }));
  });
  model.compile({ optimizer: tf.train.adam(opts.learningRate), loss: 'meanSquaredError' });
  return model;
}

export async function trainAutoencoder(tf: Tf, rows: Float32Array, n: number, d: number, opts: AutoencoderTraining): Promise<tfTypes.Sequential> {
  const model = buildAutoencoder(tf, d, opts);
  const x = tf.tensor2d(rows, [n, d]);
  try {
    await model.fit(x, x, {
      epochs: opts.epochs,
      batchSize: opts.batchSize,
      shuffle: false,
      verbose: 0,
      callbacks: {
        onEpochEnd: (epoch: number, logs?: tfTypes.Logs) => { opts.onEpoch?.(epoch + 1, Number(logs?.loss ?? NaN)); },
      },
    });
  } finally {
    x.dispose();
  }
  return model;
}

export function netFromModel(model: tfTypes.LayersModel): AutoencoderNet {
  const layers: DenseLayer[] = [];
  for (const layer of model.layers) {
    const [k, b] = layer.getWeights();
    if (!k || !b) throw new Error(`autoencoder layer ${layer.name} has no kernel/bias: not a dense autoencoder`);
    const [inSize, outSize] = k.shape as [number, number];
    const cfg = layer.getConfig() as { activation?: string };
    layers.push({
      inSize, outSize,
      kernel: Float32Array.from(k.dataSync()),
      bias: Float32Array.from(b.dataSync()),
      relu: cfg.activation === 'relu',
    });
  }
  return { layers };
}

/** Scratch buffers sized for one net, so scoring allocates nothing per window. */
export class AutoencoderScorer {
  private readonly buffers: Float64Array[];
  constructor(readonly net: AutoencoderNet) {
    this.buffers = net.layers.map((l) => new Float64Array(l.outSize));
  }

  /** Mean squared reconstruction error of `x`; per-feature squared errors go to `perFeature`. */
  error(x: Float64Array, perFeature?: Float64Array): number {
    let input: Float64Array = x;
    for (let li = 0; li < this.net.layers.length; li++) {
      const l = this.net.layers[li]!;
      const out = this.buffers[li]!;
      for (let o = 0; o < l.outSize; o++) out[o] = l.bias[o]!;
      for (let i = 0; i < l.inSize; i++) {
        const v = input[i]!;
        if (v === 0) continue;
        const row = i * l.outSize;
        for (let o = 0; o < l.outSize; o++) out[o] += v * l.kernel[row + o]!;
      }
      if (l.relu) for (let o = 0; o < l.outSize; o++) if (out[o]! < 0) out[o] = 0;
      input = out;
    }
    let sum = 0;
    for (let j = 0; j < x.length; j++) {
      const e = (x[j]! - input[j]!) ** 2;
      if (perFeature) perFeature[j] = e;
      sum += e;
    }
    return sum / x.length;
  }
}

export interface SavedModel {
  modelJson: string;
  weights: Uint8Array;
}

export async function serialiseModel(tf: Tf, model: tfTypes.LayersModel): Promise<SavedModel> {
  let saved: SavedModel | null = null;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const { weightData, ...rest } = artifacts;
    const data = weightData instanceof ArrayBuffer ? weightData : weightData ? tf.io.concatenateArrayBuffers(weightData) : new ArrayBuffer(0);
    saved = {
      modelJson: JSON.stringify({ ...rest, weightsManifest: [{ paths: ['weights.bin'], weights: rest.weightSpecs ?? [] }] }),
      weights: new Uint8Array(data),
    };
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  if (!saved) throw new Error('saving the autoencoder produced no artifacts');
  return saved;
}

export async function deserialiseModel(tf: Tf, saved: SavedModel): Promise<tfTypes.LayersModel> {
  const json = JSON.parse(saved.modelJson) as { modelTopology: object; weightsManifest: Array<{ weights: tfTypes.io.WeightsManifestEntry[] }> };
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const buf = saved.weights.buffer.slice(saved.weights.byteOffset, saved.weights.byteOffset + saved.weights.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: buf }));
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - pl) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

export interface ErrorThreshold {
  /** log-normal fit of the held-out reconstruction errors */
  logMean: number;
  logStd: number;
  tailProbability: number;
  threshold: number;
  heldOut: number;
  /** how the limit was set from the held-out errors (recorded by training) */
  calibration?: { method: 'held-out-days' | 'every-fifth-window'; heldOutDays: number; alarmsPerDayBudget: number };
}

export function calibrateThreshold(errors: ArrayLike<number>, tailProbability: number): ErrorThreshold {
  const n = errors.length;
  let s = 0, sq = 0;
  for (let i = 0; i < n; i++) {
    const l = Math.log(Math.max(errors[i]!, 1e-12));
    s += l; sq += l * l;
  }
  const logMean = s / n;
  const logStd = Math.sqrt(Math.max(1e-12, sq / n - logMean * logMean));
  const z = normalQuantile(1 - tailProbability);
  return { logMean, logStd, tailProbability, threshold: Math.exp(logMean + z * logStd), heldOut: n };
}

/** The margin on held-out errors: a single held-out day says little about the next day's worst
 * window, so the fewer days were held out, the wider the margin (1.25 for one day, 1.15 for two). */
export function heldOutMargin(days: number): number {
  return 1.05 + 0.2 / Math.max(1, days);
}
