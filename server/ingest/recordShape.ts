// Structural checks on ingested records: enough that the server's own code cannot trip over them.
import type { WindowStats } from '../../capture/index.ts';
import type { Anomaly } from '../../model/index.ts';
import { ANOMALY_KINDS, ANOMALY_STATUSES, SEVERITY_LEVELS } from '../../model/index.ts';
import type { SensorHealth } from '../protocol.ts';

type Rec = Record<string, unknown>;
const isObj = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown, max = 512): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function isWindowStats(d: unknown): d is WindowStats {
  return isObj(d) && isStr(d.sensor, 128) && isNum(d.start) && isNum(d.durationMs) && isObj(d.directions)
    && isObj(d.health) && isObj(d.services) && Array.isArray(d.topLocalHosts) && Array.isArray(d.topRemoteEndpoints)
    && Array.isArray(d.flowStarts) && isObj(d.dns);
}

export function isAnomaly(d: unknown): d is Anomaly {
  return isObj(d) && isStr(d.id, 256) && isStr(d.sensor, 128) && typeof d.kind === 'string'
    && (ANOMALY_KINDS as readonly string[]).includes(d.kind) && isNum(d.start) && isNum(d.end)
    && typeof d.level === 'string' && (SEVERITY_LEVELS as readonly string[]).includes(d.level)
    && typeof d.status === 'string' && (ANOMALY_STATUSES as readonly string[]).includes(d.status)
    && isObj(d.subject) && isNum(d.severity) && typeof d.summary === 'string';
}

export function isSensorHealth(d: unknown): d is SensorHealth {
  return isObj(d) && isStr(d.sensor, 128) && isObj(d.health);
}

export const isWindowRecord = (m: Rec): m is { type: 'window'; data: WindowStats } => m.type === 'window' && isWindowStats(m.data);
export const isAnomalyRecord = (m: Rec): m is { type: 'anomaly'; data: Anomaly } => m.type === 'anomaly' && isAnomaly(m.data);
export const isHealthRecord = (m: Rec): m is { type: 'health'; data: SensorHealth } => m.type === 'health' && isSensorHealth(m.data);
