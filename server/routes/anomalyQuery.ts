// Filtering and cursor paging of anomalies, newest first (by incident start, then id).
import type { AnomalyView } from '../protocol.ts';

export interface AnomalyFilter {
  status?: string;
  level?: string;
  kind?: string;
  sensor?: string;
  host?: string;
  from?: number;
  to?: number;
}

export function matchesFilter(a: AnomalyView, f: AnomalyFilter): boolean {
  return (!f.status || a.status === f.status)
    && (!f.level || a.level === f.level)
    && (!f.kind || a.kind === f.kind)
    && (!f.sensor || a.sensor === f.sensor)
    && (!f.host || a.subject.localHost === f.host || a.subject.remote === f.host)
    && (f.from === undefined || a.end >= f.from)
    && (f.to === undefined || a.start < f.to);
}

const newestFirst = (a: AnomalyView, b: AnomalyView): number => b.start - a.start || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export function encodeCursor(a: AnomalyView): string {
  return Buffer.from(JSON.stringify([a.start, a.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { start: number; id: string } | null {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return { start: v[0], id: v[1] };
  } catch {
    // fall through: a cursor that does not decode is reported by the caller
  }
  return null;
}

export function pageAnomalies(all: AnomalyView[], limit: number, cursor?: { start: number; id: string }): { page: AnomalyView[]; next?: string } {
  const sorted = [...all].sort(newestFirst);
  const startAt = cursor ? sorted.findIndex((a) => a.start < cursor.start || (a.start === cursor.start && a.id < cursor.id)) : 0;
  if (startAt < 0) return { page: [] };
  const page = sorted.slice(startAt, startAt + limit);
  const more = startAt + limit < sorted.length;
  return more ? { page, next: encodeCursor(page[page.length - 1]!) } : { page };
}
