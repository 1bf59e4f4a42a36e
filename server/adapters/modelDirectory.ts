// The model registry over a models directory (model/'s artifact store): list, train from stored
// windows, promote, roll back, and the live version's artifact.
import type { WindowStats } from '../../capture/index.ts';
import {
  liveVersion, listModels, loadModel, promoteModel, readMeta, rollbackModel, saveModel, trainModel,
  type ModelArtifact, type TrainOptions, type TrainProgress,
} from '../../model/index.ts';
import type { ModelRegistry, ModelVersionInfo, TrainRequest, TrainResult } from '../ports.ts';

const WEEK_MS = 7 * 86_400_000;

/** Numeric leaves of an evaluation report, flattened to dotted names. */
function numericLeaves(value: unknown, prefix = '', out: Record<string, number> = {}): Record<string, number> {
  if (typeof value === 'number' && Number.isFinite(value)) out[prefix] = value;
  else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) numericLeaves(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

/** Phase → share of the whole job, so one progress bar covers reading, fitting and calibrating. */
function overall(p: TrainProgress, expectedWindows: number): { progress: number; message: string } {
  switch (p.phase) {
    case 'reading': return { progress: 0.3 * Math.min(1, p.done / Math.max(1, expectedWindows)), message: `reading windows (${p.done})` };
    case 'baseline': return { progress: 0.35, message: 'building the seasonal baseline' };
    case 'training': {
      const f = p.total ? p.done / p.total : 0;
      return { progress: 0.4 + 0.5 * f, message: `training epoch ${p.done}${p.total ? `/${p.total}` : ''}${p.loss !== undefined ? ` (loss ${p.loss.toPrecision(3)})` : ''}` };
    }
    case 'calibrating': return { progress: 0.95, message: 'calibrating thresholds' };
    default: return { progress: 1, message: 'done' };
  }
}

export class ModelDirectory implements ModelRegistry {
  /** the live artifact, loaded once per version: loading reads the weights and builds the network */
  private live: { version: string; artifact: Promise<ModelArtifact> } | null = null;

  constructor(
    private readonly modelsDir: string,
    /** the stored windows of a range, in time order */
    private readonly windowsOf: (req: TrainRequest) => AsyncIterable<WindowStats> | Iterable<WindowStats>,
    /** fixed training settings (seed, epochs, …) */
    private readonly trainOptions: Omit<TrainOptions, 'onProgress' | 'sources'> = {},
  ) {}

  async list(): Promise<ModelVersionInfo[]> {
    return listModels(this.modelsDir).map((m) => {
      let evaluation: unknown;
      try {
        evaluation = readMeta(m.dir).evaluation;
      } catch {
        evaluation = undefined;
      }
      return {
        version: m.version,
        createdAt: m.createdAt,
        live: m.live,
        metrics: { trainingWindows: m.windows, trainingStart: m.trainingStart, trainingEnd: m.trainingEnd, ...numericLeaves(evaluation) },
        maturity: Math.min(1, (m.trainingEnd - m.trainingStart) / WEEK_MS),
      };
    });
  }

  async train(req: TrainRequest, onProgress: (progress: number, message: string) => void): Promise<TrainResult> {
    const expected = (req.to - req.from) / 1000;
    const artifact = await trainModel(this.windowsOf(req), {
      ...this.trainOptions,
      exclude: [...(this.trainOptions.exclude ?? []), ...(req.exclude ?? [])],
      rules: [...(this.trainOptions.rules ?? []), ...(req.rules ?? [])],
      sources: [`influx:${new Date(req.from).toISOString()}..${new Date(req.to).toISOString()}${req.sensor ? ` sensor=${req.sensor}` : ''}`],
      onProgress: (p) => {
        const o = overall(p, expected);
        onProgress(o.progress, o.message);
      },
    });
    await saveModel(artifact, this.modelsDir);
    return { version: artifact.meta.version, excludedWindows: artifact.meta.training.excludedWindows, rules: artifact.meta.rules?.length ?? 0 };
  }

  async promote(version: string): Promise<void> {
    promoteModel(this.modelsDir, version);
  }

  async rollback(): Promise<{ version: string }> {
    return { version: rollbackModel(this.modelsDir) };
  }

  async liveModel(): Promise<ModelArtifact | null> {
    const version = liveVersion(this.modelsDir);
    if (!version) return null;
    if (this.live?.version !== version) {
      const artifact = loadModel(version, { modelsDir: this.modelsDir });
      this.live = { version, artifact };
      // a failed load is not cached: the next request tries again
      artifact.catch(() => { if (this.live?.artifact === artifact) this.live = null; });
    }
    return this.live.artifact;
  }
}
