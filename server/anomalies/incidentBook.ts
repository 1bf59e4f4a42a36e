// Incidents and their analyst status, kept in `<var>/incidents.json` so that both survive a
// restart and a re-detection: a replay of the same capture yields the same anomaly ids (they are
// derived from event time), which map back to the incident they joined the first time, with the
// status the analyst gave it. The detector always reports `open`; only this book says otherwise.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ANOMALY_STATUSES, type Anomaly, type AnomalyStatus } from '../../model/index.ts';
import { relatedTo, relationKeys } from './incidentGrouping.ts';

const FILE_VERSION = 1;
/** how many of the newest incidents a new finding is compared with */
const CANDIDATES = 1_000;

export interface IncidentRecord {
  id: string;
  sensor: string;
  status: AnomalyStatus;
  assignee?: string;
  /** event time span of its findings (ms) */
  start: number;
  end: number;
  /** relation keys of its findings (addresses, domains) */
  keys: string[];
  /** its findings, in the order they joined */
  anomalyIds: string[];
}

export interface Admission {
  record: IncidentRecord;
  /** the status the incident had before this finding reopened it (a resolved incident that recurs) */
  reopenedFrom?: AnomalyStatus;
}

export class IncidentBook {
  private readonly byId = new Map<string, IncidentRecord>();
  private readonly byAnomaly = new Map<string, string>();
  /** the newest incidents, oldest first: the candidates a new finding is compared with */
  private readonly recent: IncidentRecord[] = [];

  /** `file` null keeps incidents in memory only (tests, stand-alone tools). */
  constructor(readonly file: string | null, private readonly capacity = 20_000) {
    if (file && existsSync(file)) this.load(file);
  }

  private load(file: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`incidents file ${file} is not valid JSON (${(err as Error).message}); fix it, or move it away to start without analyst statuses`);
    }
    const list = (parsed as { incidents?: unknown }).incidents;
    if (!Array.isArray(list)) throw new Error(`incidents file ${file} has no "incidents" list; fix it, or move it away to start without analyst statuses`);
    for (const [i, r] of list.entries()) {
      if (!isRecord(r)) throw new Error(`incidents file ${file}: entry ${i} is not an incident (id, sensor, status, start, end, keys, anomalyIds); fix or remove it`);
      this.put(r);
    }
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: FILE_VERSION, incidents: [...this.byId.values()] }) + '\n', { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  private put(r: IncidentRecord): void {
    this.byId.set(r.id, r);
    this.recent.push(r);
    if (this.recent.length > CANDIDATES) this.recent.shift();
    for (const id of r.anomalyIds) this.byAnomaly.set(id, r.id);
    while (this.byId.size > this.capacity) {
      const oldest = this.byId.values().next().value as IncidentRecord;
      this.byId.delete(oldest.id);
      for (const id of oldest.anomalyIds) this.byAnomaly.delete(id);
    }
  }

  get(id: string): IncidentRecord | undefined {
    return this.byId.get(id);
  }

  /** The incident a finding belongs to, when it has been admitted. */
  of(anomalyId: string): IncidentRecord | undefined {
    const id = this.byAnomaly.get(anomalyId);
    return id === undefined ? undefined : this.byId.get(id);
  }

  all(): IncidentRecord[] {
    return [...this.byId.values()];
  }

  /** Places a finding (new, or an update of one already placed) in its incident. */
  admit(a: Anomaly): Admission {
    const out = this.place(a);
    if (out.changed) this.save();
    return out.admission;
  }

  /** Places many findings (read back from the store), oldest first, with one write. */
  admitAll(list: readonly Anomaly[]): void {
    let changed = false;
    for (const a of [...list].sort((x, y) => x.start - y.start || (x.id < y.id ? -1 : 1))) changed = this.place(a).changed || changed;
    if (changed) this.save();
  }

  private place(a: Anomaly): { admission: Admission; changed: boolean } {
    const known = this.of(a.id);
    if (known) {
      known.start = Math.min(known.start, a.start);
      known.end = Math.max(known.end, a.end);
      return { admission: { record: known }, changed: false };
    }
    const keys = relationKeys(a);
    let found: IncidentRecord | undefined;
    for (let i = this.recent.length - 1; i >= 0 && !found; i--) {
      const r = this.recent[i]!;
      if (this.byId.get(r.id) === r && relatedTo(r, a)) found = r;
    }
    if (!found) {
      const record: IncidentRecord = { id: `inc-${a.id}`, sensor: a.sensor, status: 'open', start: a.start, end: a.end, keys, anomalyIds: [a.id] };
      this.put(record);
      return { admission: { record }, changed: true };
    }
    found.anomalyIds.push(a.id);
    this.byAnomaly.set(a.id, found.id);
    for (const k of keys) if (!found.keys.includes(k)) found.keys.push(k);
    found.start = Math.min(found.start, a.start);
    found.end = Math.max(found.end, a.end);
    const admission: Admission = { record: found };
    if (found.status === 'resolved') {
      admission.reopenedFrom = found.status;
      found.status = 'open';
    }
    return { admission, changed: true };
  }

  /** Records an analyst's status (and assignee) on an incident. */
  setStatus(id: string, status: AnomalyStatus, assignee?: string): IncidentRecord | undefined {
    const r = this.byId.get(id);
    if (!r) return undefined;
    r.status = status;
    if (assignee !== undefined) r.assignee = assignee;
    this.save();
    return r;
  }
}

function isRecord(v: unknown): v is IncidentRecord {
  const r = v as Partial<IncidentRecord> | null;
  return !!r && typeof r.id === 'string' && typeof r.sensor === 'string' && ANOMALY_STATUSES.includes(r.status as AnomalyStatus)
    && typeof r.start === 'number' && typeof r.end === 'number'
    && Array.isArray(r.keys) && r.keys.every((k) => typeof k === 'string')
    && Array.isArray(r.anomalyIds) && r.anomalyIds.every((k) => typeof k === 'string')
    && (r.assignee === undefined || typeof r.assignee === 'string');
}
