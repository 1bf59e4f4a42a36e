// What the server needs from the store, the model registry and the datasets, as small interfaces:
// bin/ wires the real modules in; tests and the in-memory defaults satisfy them too.
import type { WindowStats } from '../capture/index.ts';
import type { AnalystRule, Anomaly, ModelArtifact, TimeRange } from '../model/index.ts';
import type { AnomalyView, AuditAnchor } from './protocol.ts';

import { autoResolution, MAX_QUERY_POINTS, RESOLUTIONS, RESOLUTION_MS, type Resolution, type ResolutionChoice } from '../store/index.ts';

// The resolutions are the store's (1 s windows, 1 min and 1 h roll-ups); `auto` is the store's rule:
// the finest within the query budget (1s ≤ 27.7 h, 1m ≤ 69 d, else 1h).
export type { Resolution, ResolutionChoice };
/** what an API request may ask for: a stored resolution or `auto` */
export const RESOLUTION_CHOICES: readonly ResolutionChoice[] = [...RESOLUTIONS, 'auto'];
export { MAX_QUERY_POINTS, RESOLUTION_MS };

export function resolveResolution(r: ResolutionChoice, from: number, to: number): Resolution {
  return r === 'auto' ? autoResolution(from, to) : r;
}

export interface WindowQuery {
  from: number;
  to: number;
  sensor?: string;
  resolution: ResolutionChoice;
  limit: number;
  /** aborted when the API client went away: the source stops reading */
  signal?: AbortSignal;
}

export interface AnomalyQuery {
  from: number;
  to: number;
  sensor?: string;
  limit: number;
}

/** Read access to stored history (InfluxDB through store/, or the server's recent memory). */
export interface HistorySource {
  windows(q: WindowQuery): Promise<WindowStats[]>;
  anomalies(q: AnomalyQuery): Promise<Anomaly[]>;
  /** one anomaly by id, when the source can look it up directly */
  anomaly?(id: string): Promise<Anomaly | undefined>;
  /** one local host's traffic per window (where it was in the top-K), when the source has an index for it */
  hostSeries?(q: HistoryPointQuery): Promise<HostPoint[]>;
}

export interface HistoryPointQuery {
  from: number;
  to: number;
  sensor?: string;
  host: string;
  resolution: ResolutionChoice;
  signal?: AbortSignal;
}

export interface HostPoint {
  sensor: string;
  start: number;
  durationMs: number;
  bytesOut: number;
  bytesIn: number;
  flows: number;
  peers: number;
  dstPorts?: number;
}

/** Where analyst status changes are written back (the store's anomaly measurement). */
export interface AnomalyWriter {
  writeAnomaly(anomaly: AnomalyView): Promise<void>;
}

export interface ModelVersionInfo {
  version: string;
  createdAt: string;
  live: boolean;
  metrics: Record<string, number>;
  /** 0 … 1: how much of the week the baseline has seen */
  maturity?: number;
}

export interface TrainRequest {
  from: number;
  to: number;
  sensor?: string;
  /** ranges to leave out: the confirmed incidents in [from, to) */
  exclude?: TimeRange[];
  /** accepted analyst rules, recorded in the model */
  rules?: AnalystRule[];
}

export interface TrainResult {
  version: string;
  /** windows left out because they fell into a confirmed incident */
  excludedWindows?: number;
  /** analyst rules recorded in the model */
  rules?: number;
}

export interface ModelRegistry {
  list(): Promise<ModelVersionInfo[]>;
  /** trains a new version; reports progress 0 … 1 with a message */
  train(req: TrainRequest, onProgress: (progress: number, message: string) => void): Promise<TrainResult>;
  promote(version: string): Promise<void>;
  /** makes the previous live version live again; returns it */
  rollback(): Promise<{ version: string }>;
  /** the live version's artifact (for its expected bands); null when no version is live */
  liveModel?(): Promise<ModelArtifact | null>;
}

export interface DatasetInfo {
  name: string;
  description: string;
  files: number;
  labelled: boolean;
}

/** What a replay feeds: the same records a sensor produces. */
export interface ReplayOutput {
  window(stats: WindowStats): void;
  anomaly(anomaly: Anomaly): void;
}

export interface ReplayHandle {
  /** resolves when the dataset has been replayed completely or stopped */
  done: Promise<void>;
  stop(): void;
}

/** Runs a capture pipeline and detection over a dataset's files, never touching the store. */
export interface ReplayRunner {
  datasets(): Promise<DatasetInfo[]>;
  start(dataset: string, speed: number, out: ReplayOutput): Promise<ReplayHandle>;
}

/** Where checkpoints of the audit log are kept outside it (InfluxDB through store/). */
export interface AuditAnchorStore {
  write(anchor: AuditAnchor): Promise<void>;
  latest(ledger: string): Promise<AuditAnchor | null>;
}
