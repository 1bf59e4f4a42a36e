// Robust per-feature normalisation for the autoencoder: (x − median) / scale, clipped, where the
// scale comes from the interquartile range (falling back to the standard deviation) so a few
// extreme windows in the training data do not flatten everything else.
export interface Normalisation {
  center: number[];
  scale: number[];
}

const MIN_SCALE = 0.05;
export const NORMALISED_CLIP = 8;

export function fitNormalisation(rows: Float32Array, n: number, d: number): Normalisation {
  const center: number[] = [];
  const scale: number[] = [];
  const col = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    let sum = 0, sq = 0;
    for (let i = 0; i < n; i++) {
      const v = rows[i * d + j]!;
      col[i] = v; sum += v; sq += v * v;
    }
    col.sort();
    const q = (p: number): number => col[Math.min(n - 1, Math.floor(p * (n - 1)))]!;
    const mean = sum / n;
    const std = Math.sqrt(Math.max(0, sq / n - mean * mean));
    const iqr = (q(0.75) - q(0.25)) / 1.349;
    center.push(q(0.5));
    scale.push(Math.max(iqr > 0 ? iqr : std, MIN_SCALE));
  }
  return { center, scale };
}

export function normalise(norm: Normalisation, x: ArrayLike<number>, out: Float64Array | Float32Array): void {
  for (let j = 0; j < out.length; j++) {
    const z = (x[j]! - norm.center[j]!) / norm.scale[j]!;
    out[j] = z > NORMALISED_CLIP ? NORMALISED_CLIP : z < -NORMALISED_CLIP ? -NORMALISED_CLIP : z;
  }
}
