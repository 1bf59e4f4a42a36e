// server/: the fastify service — REST API, live stream, auth, audit trail, alert delivery.
export { buildServer, API_PREFIX, CONTENT_SECURITY_POLICY, type ServerOptions, type AlertConfig, type SpanwatchServer, type RouteEntry } from './app.ts';
export { startServer, type StartedServer, type StartOptions } from './startServer.ts';
export type {
  HistorySource, AnomalyWriter, ModelRegistry, ModelVersionInfo, ReplayRunner, ReplayHandle, ReplayOutput,
  DatasetInfo, WindowQuery, AnomalyQuery, Resolution, ResolutionChoice, TrainRequest, AuditAnchorStore,
} from './ports.ts';
export { UserStore, type PublicUser } from './auth/userStore.ts';
export { generateToken, hashToken, TOKEN_PREFIX } from './auth/tokens.ts';
export { isRole } from './auth/roles.ts';
export { AuditLog } from './audit/auditLog.ts';
export { verifyAuditText, parseAuditText } from './audit/auditChain.ts';
export { readAuditKey } from './audit/auditKey.ts';
export { InfluxAuditAnchors } from './adapters/influxAuditAnchors.ts';
export { formatSyslog } from './alerts/syslogSink.ts';
export type { AlertSink } from './alerts/alertDispatcher.ts';
export type { AlertPayload } from './alerts/alertPayload.ts';
export type { LiveFeed } from './liveFeed.ts';
export * from './protocol.ts';
export { InfluxHistory, InfluxAnomalyWriter } from './adapters/influxHistory.ts';
export { ModelDirectory } from './adapters/modelDirectory.ts';
export { DatasetReplays, type DetectorFactory } from './adapters/datasetReplays.ts';
