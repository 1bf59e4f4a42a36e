// The REST client: every call carries the bearer token; failures become ApiError with the
// server's message so views can show it.
import type { AnalystAction, Role, SensorHealth, TrainingJob, WindowStats } from './types.ts';
import { MAX_WINDOWS_PER_REQUEST, type Resolution } from './resolution.ts';
import {
  asArray, asAnomalyPage, asBaseline, asEvidence, asHostTimeline, asIncidentDetail, asIncidentPage, asModels, asSensors, asTopHosts,
  type AnomalyPage, type Baseline, type DatasetInfo, type Evidence, type HostPoint, type Incident, type IncidentDetail, type IncidentPage, type ModelVersion, type TopHost,
} from './apiShapes.ts';

export const API_BASE = '/api/v1';

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Me { user: string; role: Role }

export interface AnomalyQuery {
  status?: string; level?: string; kind?: string; sensor?: string; host?: string; q?: string; incident?: string;
  from?: number; to?: number; limit?: number; cursor?: string;
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A scoped rule as the server proposes it for a false positive, and as it is accepted. */
export interface RuleProposal {
  scope: { host?: string; remote?: string; prefix?: string; domain?: string; kind?: string };
  reason: string;
  expiresAt: number;
  anomalyId: string;
}

export interface BaselineQuery { from: number; to: number; step?: number; sensor?: string; host?: string; series?: readonly string[] }

export interface ApiClient {
  me(): Promise<Me>;
  status(): Promise<SensorHealth[]>;
  windows(sensor: string | undefined, from: number, to: number, resolution: Resolution): Promise<WindowStats[]>;
  anomalies(q: AnomalyQuery): Promise<AnomalyPage>;
  anomaly(id: string): Promise<Evidence>;
  incidents(q: AnomalyQuery): Promise<IncidentPage>;
  incident(id: string): Promise<IncidentDetail>;
  /** a file download with the token (case file, pcap): fetched, then saved through a blob link */
  download(path: string, fallbackName: string): Promise<void>;
  act(id: string, action: AnalystAction, note?: string, assignee?: string): Promise<unknown>;
  /** marks the anomaly false positive; the rule it proposes (not active until accepted) */
  falsePositive(id: string, note?: string): Promise<RuleProposal>;
  /** accepts a proposed (or edited) rule: a suppression; returns its id */
  acceptRule(rule: RuleProposal): Promise<string>;
  topHosts(from?: number, to?: number): Promise<TopHost[]>;
  hostTimeline(host: string, from: number, to: number): Promise<HostPoint[]>;
  /** the live model's expected range over a time range */
  baseline(q: BaselineQuery): Promise<Baseline>;
  models(): Promise<{ models: ModelVersion[]; jobs: TrainingJob[] }>;
  train(from: number, to: number): Promise<TrainingJob | null>;
  promote(version: string): Promise<unknown>;
  rollback(): Promise<unknown>;
  datasets(): Promise<DatasetInfo[]>;
  replay(dataset: string, speed: number): Promise<{ id: string; channel: string }>;
  /** a replay's incidents (its findings grouped by the server), newest first */
  replayIncidents(id: string): Promise<Incident[]>;
}

/** Saves data as a file through a temporary object URL (allowed by the CSP: no navigation, no inline code). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function apiClient(token: string): ApiClient {
  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${API_BASE}${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
    if (!res.ok) {
      const msg = parsed && typeof parsed === 'object' && 'message' in parsed ? String(parsed.message) : res.statusText;
      throw new ApiError(res.status, `${method} ${path} failed (${res.status}): ${msg}`);
    }
    return parsed;
  }
  return {
    async me() {
      const r = await call('GET', '/me') as { user?: string; name?: string; role?: Role };
      return { user: r.user ?? r.name ?? '?', role: r.role ?? 'viewer' };
    },
    async status() { return asSensors(await call('GET', '/status')); },
    async windows(sensor, from, to, resolution) {
      const limit = MAX_WINDOWS_PER_REQUEST;
      return asArray<WindowStats>(await call('GET', `/windows${query({ sensor, from, to, resolution, limit })}`), 'windows');
    },
    async anomalies(q) {
      return asAnomalyPage(await call('GET', `/anomalies${query({ ...q })}`));
    },
    async anomaly(id) { return asEvidence(await call('GET', `/anomalies/${encodeURIComponent(id)}`)); },
    async incidents(q) { return asIncidentPage(await call('GET', `/incidents${query({ ...q })}`)); },
    async incident(id) { return asIncidentDetail(await call('GET', `/incidents/${encodeURIComponent(id)}`)); },
    async download(path, fallbackName) {
      const res = await fetch(`${API_BASE}${path}`, { headers: { Authorization: `Bearer ${token}` } });
      if (!res.ok) throw new ApiError(res.status, `GET ${path} failed (${res.status}): ${res.statusText}`);
      const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
      saveBlob(await res.blob(), name);
    },
    act(id, action, note, assignee) {
      return call('POST', `/anomalies/${encodeURIComponent(id)}/actions`, { action, note, assignee });
    },
    async falsePositive(id, note) {
      const r = await call('POST', `/anomalies/${encodeURIComponent(id)}/false-positive`, note ? { note } : {}) as { proposal?: RuleProposal };
      if (!r?.proposal) throw new ApiError(500, 'the server proposed no rule');
      return r.proposal;
    },
    async acceptRule(rule) {
      const r = await call('POST', '/suppressions', rule) as { id?: string };
      return String(r?.id ?? '');
    },
    async topHosts(from, to) { return asTopHosts(await call('GET', `/hosts/top${query({ from, to })}`)); },
    async hostTimeline(host, from, to) {
      return asHostTimeline(await call('GET', `/hosts/${encodeURIComponent(host)}/timeline${query({ from, to })}`));
    },
    async baseline(q) {
      const series = (q.series ?? []).map((s) => `&series=${encodeURIComponent(s)}`).join('');
      return asBaseline(await call('GET', `/baseline${query({ from: q.from, to: q.to, step: q.step, sensor: q.sensor, host: q.host })}${series}`));
    },
    async models() {
      const r = await call('GET', '/models');
      return { models: asModels(r), jobs: asArray<TrainingJob>(r && typeof r === 'object' && !Array.isArray(r) ? (r as { jobs?: unknown }).jobs : [], 'jobs') };
    },
    async train(from, to) {
      const r = await call('POST', '/models/train', { from, to }) as { job?: TrainingJob } | TrainingJob | null;
      if (r && 'job' in r && r.job) return r.job;
      return r && 'state' in r ? r : null;
    },
    promote(version) { return call('POST', `/models/${encodeURIComponent(version)}/promote`, {}); },
    rollback() { return call('POST', '/models/rollback', {}); },
    async datasets() { return asArray<DatasetInfo>(await call('GET', '/datasets'), 'datasets'); },
    async replay(dataset, speed) {
      const r = await call('POST', '/replays', { dataset, speed }) as { id?: string; channel?: string };
      const id = String(r.id ?? '');
      return { id, channel: r.channel ?? `replay:${id}` };
    },
    async replayIncidents(id) { return asIncidentPage(await call('GET', `/replays/${encodeURIComponent(id)}/incidents`)).items; },
  };
}

