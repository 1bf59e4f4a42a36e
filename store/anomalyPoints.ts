// Anomaly ⇄ point. The series is (sensor, kind) and the timestamp is the incident start plus a
// sub-millisecond offset derived from the id: writing an updated anomaly (status, growing incident)
// lands on the same point and overwrites it, so the stored point is always the latest state.
import {
  ANOMALY_VERSION, ANOMALY_KINDS, ANOMALY_STATUSES, SEVERITY_LEVELS,
  type Anomaly, type AnomalyKind, type AttackTechnique, type AnomalyStatus, type Contribution, type SeverityLevel,
} from '../model/index.ts';
import { subMsOffset, type StorePoint } from './point.ts';

export function anomalyToPoint(a: Anomaly): StorePoint {
  const fields: StorePoint['fields'] = {
    id: a.id, version: a.version, start: a.start, end: a.end, peakAt: a.peakAt, windows: a.windows,
    ongoing: a.ongoing, detectedAt: a.detectedAt,
    observedFeature: a.observed.feature, observedValue: a.observed.value, observedUnit: a.observed.unit,
    expectedLow: a.expected.low, expectedHigh: a.expected.high, expectedMedian: a.expected.median,
    contributions: JSON.stringify(a.contributions), score: a.score, severity: a.severity, level: a.level,
    maturity: a.maturity, captureLoss: a.captureLoss, summary: a.summary, modelVersion: a.modelVersion,
    status: a.status,
  };
  if (a.subject.localHost !== undefined) fields.localHost = a.subject.localHost;
  if (a.subject.remote !== undefined) fields.remote = a.subject.remote;
  if (a.subject.port !== undefined) fields.port = a.subject.port;
  if (a.subject.domain !== undefined) fields.domain = a.subject.domain;
  if (a.subject.remoteName !== undefined) fields.remoteName = a.subject.remoteName;
  if (a.attack !== undefined) fields.attack = JSON.stringify(a.attack);
  if (a.subject.targets !== undefined) fields.targets = JSON.stringify(a.subject.targets);
  if (a.subject.ports !== undefined) fields.ports = JSON.stringify(a.subject.ports);
  return {
    measurement: 'anomalies',
    tags: { sensor: a.sensor, kind: a.kind },
    fields,
    time: a.start,
    subMsNs: subMsOffset(a.id),
  };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const optStr = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A stored JSON list whose every element passes `ok`; undefined when absent or malformed. */
function jsonList<T>(v: unknown, ok: (e: unknown) => e is T): T[] | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) && parsed.every(ok) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(v as T) ? (v as T) : fallback;
}

/** The stored technique list; absent on points written before the mapping (readers derive it from the kind). */
function parseAttack(v: unknown): AttackTechnique[] | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(v);
    if (!Array.isArray(parsed)) return undefined;
    return parsed.filter((t): t is AttackTechnique => typeof t?.id === 'string' && typeof t.name === 'string' && typeof t.tactic === 'string')
      .map((t) => ({ id: t.id, name: t.name, tactic: t.tactic }));
  } catch {
    return undefined;
  }
}

export function pointToAnomaly(p: StorePoint): Anomaly {
  const f = p.fields;
  let contributions: Contribution[] = [];
  try {
    const parsed: unknown = JSON.parse(str(f.contributions) || '[]');
    if (Array.isArray(parsed)) contributions = parsed as Contribution[];
  } catch {
    contributions = [];
  }
  const subject: Anomaly['subject'] = {};
  const localHost = optStr(f.localHost);
  const remote = optStr(f.remote);
  const domain = optStr(f.domain);
  if (localHost !== undefined) subject.localHost = localHost;
  if (remote !== undefined) subject.remote = remote;
  if (typeof f.port === 'number') subject.port = f.port;
  if (domain !== undefined) subject.domain = domain;
  const remoteName = optStr(f.remoteName);
  if (remoteName !== undefined) subject.remoteName = remoteName;
  const targets = jsonList(f.targets, (v): v is string => typeof v === 'string');
  if (targets) subject.targets = targets;
  const ports = jsonList(f.ports, (v): v is number => Number.isInteger(v));
  if (ports) subject.ports = ports;
  const anomaly: Anomaly = {
    version: ANOMALY_VERSION,
    id: str(f.id),
    sensor: p.tags.sensor ?? '',
    kind: oneOf<AnomalyKind>(p.tags.kind, ANOMALY_KINDS, 'deviation'),
    start: num(f.start) || p.time,
    end: num(f.end),
    peakAt: num(f.peakAt),
    windows: num(f.windows),
    ongoing: f.ongoing === true,
    detectedAt: num(f.detectedAt),
    subject,
    observed: { feature: str(f.observedFeature), value: num(f.observedValue), unit: str(f.observedUnit) },
    expected: { low: num(f.expectedLow), high: num(f.expectedHigh), median: num(f.expectedMedian) },
    contributions,
    score: num(f.score),
    severity: num(f.severity),
    level: oneOf<SeverityLevel>(f.level, SEVERITY_LEVELS, 'info'),
    maturity: num(f.maturity),
    captureLoss: f.captureLoss === true,
    summary: str(f.summary),
    modelVersion: str(f.modelVersion),
    status: oneOf<AnomalyStatus>(f.status, ANOMALY_STATUSES, 'open'),
  };
  const attack = parseAttack(f.attack);
  if (attack !== undefined) anomaly.attack = attack;
  return anomaly;
}
