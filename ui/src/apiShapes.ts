// Turns REST answers into the shapes the views draw. The server wraps lists in an object
// ({ items }, { windows }, …) or returns them bare; both are accepted so a view never breaks on
// an envelope, while unknown records are dropped rather than drawn wrongly.
import type { Anomaly, AnomalyKind, AnomalyStatus, AuditEntry, SensorHealth, SeverityLevel, WindowStats } from './types.ts';

export interface AnomalyPage { items: Anomaly[]; nextCursor?: string }
export interface Evidence { anomaly: Anomaly; windows: WindowStats[]; audit: AuditEntry[]; flows: FlowRow[] }
/** A flow of the subject in the peak window, when the server's evidence carries flows. */
export type FlowRow = Record<string, string | number>;
/** One event: related findings grouped by the server (GET /incidents). */
export interface Incident {
  id: string; sensor: string; status: AnomalyStatus; assignee?: string; start: number; end: number; ongoing: boolean;
  severity: number; level: SeverityLevel; kinds: AnomalyKind[]; hosts: string[]; remotes: string[]; domains: string[];
  headline: Anomaly; findings: number; detectedAt: number;
}
export interface IncidentPage { items: Incident[]; nextCursor?: string }
export interface IncidentDetail { incident: Incident; findings: Anomaly[]; audit: AuditEntry[]; related: Incident[] }
export interface TopHost { host: string; bytesOut: number; bytesIn: number; flows: number; peers: number }
export interface HostPoint { t: number; bytesOut: number; bytesIn: number; durationMs?: number }
export interface BandPoint { t: number; low: number; median: number; high: number; slot: string; maturity: number }
/** The live model's expected range per series ("outbound.bytes" …) and, when asked, for one host. */
export interface Baseline { version: string; series: Map<string, BandPoint[]>; host?: { host: string; known: boolean; points: BandPoint[] } }
export interface ModelVersion { version: string; live: boolean; createdAt?: string; metrics: Record<string, number> }
export interface DatasetInfo { name: string; description?: string; durationMs?: number }

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : fallback;
}

function time(v: unknown): number {
  if (typeof v === 'string' && Number.isNaN(Number(v))) return Date.parse(v);
  return num(v, NaN);
}

/** A bare array, or the first array among the envelope keys. */
export function asArray<T>(v: unknown, ...keys: string[]): T[] {
  if (Array.isArray(v)) return v as T[];
  if (isObj(v)) {
    for (const k of [...keys, 'items', 'data', 'results']) if (Array.isArray(v[k])) return v[k] as T[];
  }
  return [];
}

export function isAnomaly(v: unknown): v is Anomaly {
  return isObj(v) && typeof v.id === 'string' && typeof v.kind === 'string' && typeof v.level === 'string';
}

export function isWindowStats(v: unknown): v is WindowStats {
  return isObj(v) && typeof v.start === 'number' && isObj(v.directions);
}

export function asAnomalyPage(v: unknown): AnomalyPage {
  const items = asArray<unknown>(v, 'anomalies').filter(isAnomaly);
  const cursor = isObj(v) ? v.nextCursor ?? v.cursor : undefined;
  return { items, nextCursor: typeof cursor === 'string' && cursor ? cursor : undefined };
}

export function asEvidence(v: unknown): Evidence {
  const root = isObj(v) ? v : {};
  const anomaly = isAnomaly(root.anomaly) ? root.anomaly : isAnomaly(root) ? root : null;
  if (!anomaly) throw new Error('the server answered without an anomaly record');
  const windows = asArray<unknown>(root.windows ?? root.relatedWindows ?? [], 'windows').filter(isWindowStats);
  const audit = asArray<AuditEntry>(root.audit ?? root.auditEntries ?? [], 'entries');
  const ev = isObj((anomaly as unknown as Obj).evidence) ? (anomaly as unknown as Obj).evidence as Obj : {};
  const flows = asFlows(root.flows ?? (anomaly as unknown as Obj).flows ?? ev.flows);
  return { anomaly, windows, audit, flows };
}

function asFlows(v: unknown): FlowRow[] {
  return asArray<unknown>(v ?? [], 'flows').filter(isObj).map((f) => {
    const row: FlowRow = {};
    for (const [k, val] of Object.entries(f)) if (typeof val === 'string' || (typeof val === 'number' && Number.isFinite(val))) row[k] = val;
    return row;
  });
}

export function isIncident(v: unknown): v is Incident {
  return isObj(v) && typeof v.id === 'string' && typeof v.level === 'string' && typeof v.status === 'string' && isAnomaly(v.headline)
    && Array.isArray(v.kinds) && Array.isArray(v.hosts) && Array.isArray(v.remotes);
}

export function asIncidentPage(v: unknown): IncidentPage {
  const items = asArray<unknown>(v, 'incidents').filter(isIncident).map((i) => ({ ...i, domains: Array.isArray(i.domains) ? i.domains : [] }));
  const cursor = isObj(v) ? v.nextCursor : undefined;
  return { items, nextCursor: typeof cursor === 'string' && cursor ? cursor : undefined };
}

export function asIncidentDetail(v: unknown): IncidentDetail {
  const root = isObj(v) ? v : {};
  if (!isIncident(root.incident)) throw new Error('the server answered without an incident record');
  return {
    incident: { ...root.incident, domains: Array.isArray(root.incident.domains) ? root.incident.domains : [] },
    findings: asArray<unknown>(root.findings ?? []).filter(isAnomaly),
    audit: asArray<AuditEntry>(root.audit ?? [], 'entries'),
    related: asArray<unknown>(root.related ?? []).filter(isIncident).map((i) => ({ ...i, domains: Array.isArray(i.domains) ? i.domains : [] })),
  };
}

export function asSensors(v: unknown): SensorHealth[] {
  const list = asArray<unknown>(v, 'sensors');
  return list.filter((s): s is SensorHealth => isObj(s) && typeof s.sensor === 'string');
}

export function asTopHosts(v: unknown): TopHost[] {
  return asArray<unknown>(v, 'hosts').filter(isObj).map((h) => ({
    host: String(h.host ?? h.ip ?? ''),
    bytesOut: num(h.bytesOut),
    bytesIn: num(h.bytesIn),
    flows: num(h.flows),
    peers: num(h.peers ?? h.peersMax),
  })).filter((h) => h.host !== '');
}

export function asHostTimeline(v: unknown): HostPoint[] {
  const list = asArray<unknown>(v, 'points', 'timeline', 'windows');
  return list.filter(isObj).map((p) => {
    const durationMs = num(p.durationMs, NaN);
    return {
      t: time(p.t ?? p.time ?? p.start),
      bytesOut: num(p.bytesOut),
      bytesIn: num(p.bytesIn),
      ...(durationMs > 0 ? { durationMs } : {}),
    };
  }).filter((p) => Number.isFinite(p.t)).sort((a, b) => a.t - b.t);
}

export function asModels(v: unknown): ModelVersion[] {
  const root = isObj(v) ? v : {};
  const liveVersion = typeof root.live === 'string' ? root.live : typeof root.liveVersion === 'string' ? root.liveVersion : undefined;
  return asArray<unknown>(v, 'versions', 'models').filter(isObj).map((m) => {
    const metrics: Record<string, number> = {};
    const src = isObj(m.metrics) ? m.metrics : isObj(m.evaluation) ? m.evaluation : {};
    for (const [k, val] of Object.entries(src)) if (typeof val === 'number') metrics[k] = val;
    const version = String(m.version ?? m.id ?? '');
    return {
      version,
      live: m.live === true || version === liveVersion,
      createdAt: typeof m.createdAt === 'string' ? m.createdAt : typeof m.created === 'string' ? m.created : undefined,
      metrics,
    };
  }).filter((m) => m.version !== '');
}

function asBandPoints(v: unknown): BandPoint[] {
  return (Array.isArray(v) ? v : []).filter(isObj).map((p) => ({
    t: num(p.t, NaN), low: num(p.low, NaN), median: num(p.median, NaN), high: num(p.high, NaN),
    slot: typeof p.slot === 'string' ? p.slot : 'all', maturity: num(p.maturity),
  })).filter((p) => Number.isFinite(p.t) && Number.isFinite(p.low) && Number.isFinite(p.high) && Number.isFinite(p.median))
    .sort((a, b) => a.t - b.t);
}

export function asBaseline(v: unknown): Baseline {
  const root = isObj(v) ? v : {};
  const series = new Map<string, BandPoint[]>();
  for (const s of asArray<unknown>(root.series)) {
    if (isObj(s) && typeof s.series === 'string') series.set(s.series, asBandPoints(s.points));
  }
  const h = root.host;
  const host = isObj(h) && typeof h.host === 'string' ? { host: h.host, known: h.known === true, points: asBandPoints(h.points) } : undefined;
  return { version: typeof root.version === 'string' ? root.version : '', series, ...(host ? { host } : {}) };
}
