// Query rows (node-influx objects) → StorePoints, separating tags from fields by the schema.
import type { IResults } from 'influx';
import type { FieldValue, StorePoint } from '../point.ts';
import { measurementSpec } from '../schema.ts';

type Row = Record<string, unknown> & { time: Date };

export function rowsToPoints(measurement: string, rows: IResults<Record<string, unknown>> | Row[]): StorePoint[] {
  const tagNames = new Set(measurementSpec(measurement)?.tags ?? []);
  const out: StorePoint[] = [];
  for (const row of rows as Row[]) {
    const tags: Record<string, string> = {};
    const fields: Record<string, FieldValue> = {};
    for (const k in row) {
      if (k === 'time') continue;
      const v = row[k];
      if (v === null || v === undefined) continue;
      if (tagNames.has(k)) tags[k] = String(v);
      else if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') fields[k] = v;
    }
    out.push({ measurement, tags, fields, time: row.time.getTime() });
  }
  return out;
}
