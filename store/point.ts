// A point as the store sees it, and its InfluxDB line-protocol encoding.
import { fieldKinds } from './schema.ts';

export type FieldValue = number | string | boolean;

export type PointTarget = 'raw' | 'events';

export interface StorePoint {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  /** ms since the epoch (event time) */
  time: number;
  /**
   * Nanoseconds below `time` (0 … 999 999). Anomalies and model events use it so that distinct
   * records of one millisecond never overwrite each other, while the same record always lands on
   * the same timestamp (and so overwrites itself).
   */
  subMsNs?: number;
}

const TAG_ESCAPE = /[,= \\]/g;
const MEASUREMENT_ESCAPE = /[, \\]/g;
const STRING_ESCAPE = /["\\]/g;
// Line protocol has no escape for newlines: a string field holding one would break the line.
const NEWLINE = /\r?\n|\r/g;
const MEASUREMENT_SPECIAL = /[, \\]/;
const TAG_SPECIAL = /[,= \\\r\n]/;
const STRING_SPECIAL = /["\\\r\n]/;

function escapeTag(s: string): string {
  return TAG_SPECIAL.test(s) ? s.replace(NEWLINE, ' ').replace(TAG_ESCAPE, '\\$&') : s;
}

// Keys come from a small fixed set (the schema); their escaped forms are worth keeping.
const escapedKeys = new Map<string, string>();
function escapeKey(s: string): string {
  let e = escapedKeys.get(s);
  if (e === undefined) {
    e = escapeTag(s);
    if (escapedKeys.size < 10_000) escapedKeys.set(s, e);
  }
  return e;
}

function encodeField(kinds: Map<string, string> | undefined, name: string, v: FieldValue): string | undefined {
  if (typeof v === 'string') {
    return STRING_SPECIAL.test(v) ? `"${v.replace(STRING_ESCAPE, '\\$&').replace(NEWLINE, '\\n')}"` : `"${v}"`;
  }
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (!Number.isFinite(v)) return undefined;
  return kinds?.get(name) === 'int' ? `${Math.round(v)}i` : String(v);
}

/** The point's timestamp in nanoseconds, as text (ms × 10⁶ does not fit a double exactly). */
export function nanoTimestamp(p: StorePoint): string {
  const ms = Math.trunc(p.time);
  const sub = p.subMsNs ?? 0;
  return ms === 0 && sub === 0 ? '0' : `${ms}${String(Math.trunc(sub)).padStart(6, '0')}`;
}

/** One line of line protocol (precision ns); undefined when the point has no writable field. */
export function toLine(p: StorePoint): string | undefined {
  let line = MEASUREMENT_SPECIAL.test(p.measurement) ? p.measurement.replace(MEASUREMENT_ESCAPE, '\\$&') : p.measurement;
  const tagKeys = Object.keys(p.tags);
  if (tagKeys.length > 1) tagKeys.sort();
  for (const k of tagKeys) {
    const v = p.tags[k];
    if (v === undefined || v === '') continue;
    line += `,${escapeKey(k)}=${escapeTag(v)}`;
  }
  const kinds = fieldKinds(p.measurement);
  let sep = ' ';
  let any = false;
  for (const k in p.fields) {
    const enc = encodeField(kinds, k, p.fields[k]!);
    if (enc === undefined) continue;
    line += `${sep}${escapeKey(k)}=${enc}`;
    sep = ',';
    any = true;
  }
  if (!any) return undefined;
  return `${line} ${nanoTimestamp(p)}`;
}

/** FNV-1a, folded to 0 … 999 999: a stable sub-millisecond offset for an id. */
export function subMsOffset(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % 1_000_000;
}
