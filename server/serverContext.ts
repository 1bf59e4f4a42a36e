// Everything the routes share, built once per server by buildServer and handed to each route plugin.
import type { AlertDispatcher } from './alerts/alertDispatcher.ts';
import type { AnomalyActions } from './anomalies/anomalyActions.ts';
import type { AnomalyBook } from './anomalies/anomalyBook.ts';
import type { SuppressionStore } from './anomalies/suppressionStore.ts';
import type { AuditAnchoring } from './audit/auditAnchoring.ts';
import type { AuditLog } from './audit/auditLog.ts';
import type { SocketRegistry } from './auth/socketRegistry.ts';
import type { AddressNames } from './evidence/addressNames.ts';
import type { EvidenceDirectory } from './evidence/evidenceDirectory.ts';
import type { UserStore } from './auth/userStore.ts';
import type { RecentHistory } from './history/recentHistory.ts';
import type { IngestCounters } from './ingest/ingestCounters.ts';
import type { SensorRegistry } from './ingest/sensorRegistry.ts';
import type { LiveFeed } from './liveFeed.ts';
import type { HistorySource, ModelRegistry, ReplayRunner } from './ports.ts';
import type { ReplaySessions } from './replays/replaySessions.ts';
import type { StreamHub } from './stream/streamHub.ts';
import type { StreamClientLimits } from './stream/streamClient.ts';
import type { TrainingJobs } from './training/trainingJobs.ts';

export interface StreamSettings extends StreamClientLimits {
  heartbeatMs: number;
  authTimeoutMs: number;
}

export interface ServerContext {
  users: UserStore;
  /** open stream and ingest sockets per user, closed when the user's token is revoked */
  sockets: SocketRegistry;
  audit: AuditLog;
  anchoring: AuditAnchoring;
  hub: StreamHub;
  book: AnomalyBook;
  actions: AnomalyActions;
  suppressions: SuppressionStore;
  alerts: AlertDispatcher;
  sensors: SensorRegistry;
  recent: RecentHistory;
  /** the store when configured, else the recent memory */
  history: HistorySource;
  feed: LiveFeed;
  /** the pcaps and records sensors wrote around anomalies */
  evidence: EvidenceDirectory;
  /** passive DNS and asset names for addresses */
  names: AddressNames;
  models: ModelRegistry | null;
  training: TrainingJobs | null;
  replayRunner: ReplayRunner | null;
  replays: ReplaySessions | null;
  stream: StreamSettings;
  storeBacklog: () => number;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** refusals and repeats on /api/v1/ingest */
  ingest: IngestCounters;
}
