export * from './anomaly.ts';
export { attackTechniques, type AttackTechnique } from './attackTechniques.ts';
export { FEATURE_VERSION, FEATURE_NAMES, NETWORK_FEATURES, HOST_FEATURES, extractFeatures } from './features.ts';
export type { FeatureSpec } from './features.ts';
export { DetectionEngine, type DetectionOptions } from './detectionEngine.ts';
export { LiveDetection } from './liveDetection.ts';
export { LiveModelWatcher, type LiveModelWatcherOptions } from './liveModelWatcher.ts';
export { trainModel, ModelTrainer, TrainingDataError, DEFAULT_MIN_WINDOWS, type TrainOptions, type TrainProgress, type TimeRange } from './train.ts';
export {
  DEFAULT_MODELS_DIR, ModelArtifactError, saveModel, loadModel, readMeta, resolveModelDir, listModels, liveVersion,
  promoteModel, rollbackModel, type ModelListing,
} from './artifactStore.ts';
export type { ModelArtifact, ModelMeta, TrainingRecord } from './modelArtifact.ts';
export { CriticalityMap, CRITICALITIES, type Criticality, type AssetInfo } from './criticality.ts';
export { parseIocText, IocList } from './iocList.ts';
export { severityOf, incidentSeverity, levelOf, type SeverityInput } from './severity.ts';
export { ipToBigInt, parsePrefix, prefixContains, type IpPrefix } from './ipPrefix.ts';
export {
  evaluate, EvaluationRun, formatEvaluation, foundAs, FOUND_AS, INCIDENT_KINDS, MATCH_TOLERANCE_MS, MODEL_KINDS, scopeRange,
  type DayFalseAlarms, type DayType, type EvaluationLabels, type EvaluationReport, type EvaluationScope, type IncidentKind, type IncidentResult,
  detectionTargets, type EvaluatedAlarm, type KindMetrics, type LabelledIncident, scoreAlarms, type SystemMetrics, type TargetCheck,
} from './evaluation.ts';
export { ThreeSigmaDetector, kindOfFeature } from './threeSigma.ts';
export {
  expectedBands, BandQueryError, BAND_SERIES, HOST_BAND_SERIES, MAX_BAND_POINTS,
  type BandSeries, type BandQuery, type BandPoint, type SeriesBand, type ExpectedBands,
} from './expectedBands.ts';
export { seededRandom } from './seededRandom.ts';
export { MODEL_VERSION_PATTERN, isModelVersion, checkModelVersion } from './modelVersion.ts';
export {
  scopeMatches, matchingRule, isConfirmed, confirmedRanges, isPrefix, CONFIRMED_STATUSES, type AnalystRule, type RuleScope,
} from './analystRules.ts';
export { SiteCalendar, CalendarError, parseHolidays, type CalendarJson, type TimeSlot } from './timeSlots.ts';
