// What a trained model is, in memory and in meta.json.
import type { BaselineJson } from './seasonalBaseline.ts';
import type { Normalisation } from './normalisation.ts';
import type { AutoencoderNet, ErrorThreshold, SavedModel } from './autoencoder.ts';
import type { AnalystRule } from './analystRules.ts';
import type { DetectorLimits } from './detectorLimits.ts';
import type { TimeRange } from './trainingSet.ts';
import type { LearnedPatternsJson } from './learnedPatterns.ts';
import type { HostBaselineJson } from './hostBaselines.ts';
import type { HostModelJson } from './hostModel.ts';

export interface TrainingRecord {
  /** event time of the first window and the end of the last one, ms */
  start: number;
  end: number;
  windows: number;
  /** windows left out because they fell into an excluded (confirmed-incident) range */
  excludedWindows: number;
  /** the ranges left out (confirmed incidents, --exclude); absent in models trained before they were recorded */
  excludedRanges?: TimeRange[];
  sources: string[];
  /** sha256 over the feature rows the model was trained on */
  dataHash: string;
  epochs: number;
  finalLoss: number;
  /** wall-clock training time, ms */
  durationMs: number;
  trainRows: number;
  heldOutRows: number;
}

export interface ModelMeta {
  version: string;
  featureVersion: number;
  features: string[];
  hostFeatures: string[];
  windowMs: number;
  createdAt: string;
  backend: string;
  seed: number;
  training: TrainingRecord;
  normalisation: Normalisation;
  autoencoder: { hidden: number[]; threshold: ErrorThreshold };
  baseline: BaselineJson;
  /** remote addresses seen in training (the busiest first when the list had to be cut) */
  knownRemotes: { addresses: string[] };
  /** local|remote|port triples that connected at regular intervals during training */
  periodicPairs: string[];
  /** resolvers and DNS domains learned from training (absent in models made before they were learned) */
  patterns?: LearnedPatternsJson;
  /** every local host seen in training, with its compact per-slot baseline, its role and the peer groups */
  hostBaselines: HostBaselineJson;
  /** the host autoencoder (15-minute host profiles against each host's typical profile) */
  hostModel: HostModelJson;
  limits: DetectorLimits;
  /** mean and standard deviation of every feature over the training windows (the 3-sigma peer) */
  moments: { mean: number[]; std: number[] };
  /**
   * analysts' rules accepted before training (false positives, scoped, with expiry): detection
   * drops the anomalies they cover until each expires
   */
  rules?: AnalystRule[];
  evaluation?: unknown;
}

export interface ModelArtifact {
  meta: ModelMeta;
  net: AutoencoderNet;
  saved: SavedModel;
}
