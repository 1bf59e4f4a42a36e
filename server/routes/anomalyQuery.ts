// Filtering and cursor paging of the anomaly and incident lists, newest first (by start, then id),
// and the query string both lists take.
import type { FastifyReply } from 'fastify';
import type { AnomalyView } from '../protocol.ts';
import { ENUMS, nameString, timeRange } from '../schemas.ts';

/** The query string properties /anomalies and /incidents share (each adds its own `q` description and more). */
export const LIST_QUERY_PROPERTIES = {
  status: { type: 'string', enum: ENUMS.status }, level: { type: 'string', enum: ENUMS.level },
  kind: { type: 'string', enum: ENUMS.kind }, sensor: nameString, host: nameString, ...timeRange,
  limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  cursor: { type: 'string', maxLength: 1024 },
} as const;

/** What a list is ordered and paged by. */
interface Listed {
  start: number;
  id: string;
}

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

export const newestFirst = (a: Listed, b: Listed): number => b.start - a.start || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export function encodeCursor(a: Listed): string {
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

/** The 400 answer for a cursor that does not decode. */
export function badCursor(reply: FastifyReply): FastifyReply {
  return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'cursor is not one this server issued; start again without it' });
}

/** One page of `all`, newest first, after `cursor`; `next` is the cursor of the following page, when there is one. */
export function pageNewestFirst<T extends Listed>(all: readonly T[], limit: number, cursor?: { start: number; id: string }): { page: T[]; next?: string } {
  const sorted = [...all].sort(newestFirst);
  const startAt = cursor ? sorted.findIndex((a) => a.start < cursor.start || (a.start === cursor.start && a.id < cursor.id)) : 0;
  if (startAt < 0) return { page: [] };
  const page = sorted.slice(startAt, startAt + limit);
  const more = startAt + limit < sorted.length;
  return more ? { page, next: encodeCursor(page[page.length - 1]!) } : { page };
}
