// store/: InfluxDB schema, the lossless writer with its spool, the history reader, retention and
// roll-ups, and the embedded influxd. See docs/store.md.
export { startEmbeddedInflux, INFLUXD_NOT_FOUND, type EmbeddedInflux, type EmbeddedInfluxOptions } from './embedded/embeddedInflux.ts';
export { withFileLockSync } from './dirLock.ts';
export { writeAuditAnchor, latestAuditAnchor, AUDIT_ANCHOR_MEASUREMENT, type StoredAuditAnchor } from './auditAnchors.ts';
export { isAlive } from './embedded/processes.ts';
export { StoreError, parseInfluxUrl, type StoreErrorKind, type InfluxEndpoint } from './connection.ts';
export { connectStore, DEFAULT_DATABASE, type StoreOptions, type StoreConnection } from './connectStore.ts';
export {
  DEFAULT_RETENTION, backfillRollups, retentionToInfluxQl, cqName, cqStatement, ROLLUP_STEPS, type RetentionDurations,
} from './retention.ts';
export * from './schema.ts';
export { toLine, encodePoint, nanoTimestamp, subMsOffset, type StorePoint, type FieldValue, type PointTarget } from './point.ts';
export { windowStatsToPoints, pointsToWindowStats } from './windowPoints.ts';
export { anomalyToPoint, pointToAnomaly } from './anomalyPoints.ts';
export { modelEventToPoint, pointToModelEvent, MODEL_EVENT_KINDS, type ModelEvent, type ModelEventKind } from './modelEvents.ts';
export {
  InfluxWriter, defaultSpoolDir, type InfluxWriterOptions, type StoreWriter, type WriterCounters, type WriterLogLevel,
} from './writer/influxWriter.ts';
export { ThreadedInfluxWriter } from './writer/threadedWriter.ts';
export { encodeWindow } from './windowLines.ts';
export { LineBuffer } from './lineBuffer.ts';
export {
  InfluxReader, type Resolution, type ResolutionChoice, type RangeQuery, type WindowQuery, type AnomalyQuery,
  type AnomalyPage, type HostSample, type DirectionTotals,
} from './reader/influxReader.ts';
export { autoResolution, RESOLUTIONS, RESOLUTION_MS, MAX_QUERY_POINTS } from './reader/resolution.ts';
