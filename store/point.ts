// A point as the store sees it, and its InfluxDB line-protocol encoding. Encoding writes bytes into
// a LineBuffer; toLine() is the same encoding as text.
import { LineBuffer } from './lineBuffer.ts';
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

export const COMMA = 0x2c;
export const EQUALS = 0x3d;
export const SPACE = 0x20;
export const NEWLINE = 0x0a;
const QUOTE = 0x22;

const TAG_ESCAPE = /[,= \\]/g;
const MEASUREMENT_ESCAPE = /[, \\]/g;
// Line protocol has no escape for newlines: a string field holding one would break the line.
const NEWLINES = /\r?\n|\r/g;
const MEASUREMENT_SPECIAL = /[, \\]/;
const TAG_SPECIAL = /[,= \\\r\n]/;

/** A tag value (or key), escaped. */
export function escapeTag(s: string): string {
  return TAG_SPECIAL.test(s) ? s.replace(NEWLINES, ' ').replace(TAG_ESCAPE, '\\$&') : s;
}

// Keys come from a small fixed set (the schema); their escaped forms are worth keeping.
const escapedKeys = new Map<string, string>();
export function escapeKey(s: string): string {
  let e = escapedKeys.get(s);
  if (e === undefined) {
    e = escapeTag(s);
    if (escapedKeys.size < 10_000) escapedKeys.set(s, e);
  }
  return e;
}

/** `,key=value` for a tag; nothing for an empty value. */
export function writeTag(out: LineBuffer, key: string, value: string): void {
  if (value === '') return;
  out.byte(COMMA);
  out.text(escapeKey(key));
  out.byte(EQUALS);
  out.text(escapeTag(value));
}

/** A string field's value, quoted and escaped. */
export function writeStringValue(out: LineBuffer, v: string): void {
  out.byte(QUOTE);
  out.escapedText(v);
  out.byte(QUOTE);
}

/**
 * `<sep>key=value` for a field of the given kind (undefined: written as a float), its key already
 * escaped; false, and nothing written, for a number that is not finite.
 */
export function writeField(out: LineBuffer, sep: number, kind: string | undefined, escapedKey: string, v: FieldValue): boolean {
  if (typeof v !== 'string' && typeof v !== 'boolean' && !Number.isFinite(v)) return false;
  out.byte(sep);
  out.text(escapedKey);
  out.byte(EQUALS);
  if (typeof v === 'number') {
    if (kind === 'int') {
      out.int(Math.round(v));
      out.byte(0x69);
    } else {
      out.text(String(v));
    }
  } else if (typeof v === 'string') {
    writeStringValue(out, v);
  } else {
    out.byte(v ? 0x74 : 0x66);
  }
  return true;
}

/** ` <timestamp ns>\n` for a whole millisecond. */
export function writeMsTimestamp(out: LineBuffer, ms: number): void {
  out.byte(SPACE);
  const whole = Math.trunc(ms);
  out.int(whole);
  if (whole !== 0) out.text('000000');
  out.byte(NEWLINE);
}

/** The point's timestamp in nanoseconds, as text (ms × 10⁶ does not fit a double exactly). */
export function nanoTimestamp(p: StorePoint): string {
  const ms = Math.trunc(p.time);
  const sub = p.subMsNs ?? 0;
  return ms === 0 && sub === 0 ? '0' : `${ms}${String(Math.trunc(sub)).padStart(6, '0')}`;
}

/** Appends the point as one line (ending in a newline); false, and nothing written, when it has no writable field. */
export function encodePoint(out: LineBuffer, p: StorePoint): boolean {
  const start = out.length;
  out.text(MEASUREMENT_SPECIAL.test(p.measurement) ? p.measurement.replace(MEASUREMENT_ESCAPE, '\\$&') : p.measurement);
  const tagKeys = Object.keys(p.tags);
  if (tagKeys.length > 1) tagKeys.sort();
  for (const k of tagKeys) {
    const v = p.tags[k];
    if (v !== undefined) writeTag(out, k, v);
  }
  const kinds = fieldKinds(p.measurement);
  let sep = SPACE;
  for (const k in p.fields) {
    if (writeField(out, sep, kinds?.get(k), escapeKey(k), p.fields[k]!)) sep = COMMA;
  }
  if (sep === SPACE) {
    out.truncate(start);
    return false;
  }
  if (p.subMsNs) {
    out.byte(SPACE);
    out.text(nanoTimestamp(p));
    out.byte(NEWLINE);
  } else {
    writeMsTimestamp(out, p.time);
  }
  return true;
}

const scratch = new LineBuffer(4 * 1024);

/** One line of line protocol (precision ns); undefined when the point has no writable field. */
export function toLine(p: StorePoint): string | undefined {
  scratch.reset();
  if (!encodePoint(scratch, p)) return undefined;
  return scratch.toString(0, scratch.length - 1);
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
