// What a trained model is, in memory and in meta.json.
import type { BaselineJson } from './seasonalBaseline.ts';
import type { Normalisation } from './normalisation.ts';
import type { AutoencoderNet, ErrorThreshold, SavedModel } from './autoencoder.ts';
import type { DetectorLimits } from './detectorLimits.ts';
import type { HostBaselineJson } from './hostBaselines.ts';
import type { HostModelJson } from './hostModel.ts';

export interface TrainingRecord {
  /** event time of the first window and the end of the last one, ms */
  start: number;
  end: number;
  windows: number;
  /** windows left out because they fell into an excluded (confirmed-incident) range */
  excludedWindows: number;
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
  /** every local host seen in training, with its compact per-slot baseline, its role and the peer groups */
  hostBaselines: HostBaselineJson;
  /** the host autoencoder (15-minute host profiles against each host's typical profile) */
  hostModel: HostModelJson;
  limits: DetectorLimits;
  /** mean and standard deviation of every feature over the training windows (the 3-sigma peer) */
  moments: { mean: number[]; std: number[] };
  evaluation?: unknown;
}

export interface ModelArtifact {
  meta: ModelMeta;
  net: AutoencoderNet;
  saved: SavedModel;
}
