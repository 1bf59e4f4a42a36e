// Retention policies and continuous queries, created (or altered) idempotently at start.
import type { InfluxDB } from 'influx';
import {
  CQ_SCHEMA_VERSION, MEASUREMENTS, RP_EVENTS, RP_RAW, RP_ROLLUP_1H, RP_ROLLUP_1M, type MeasurementSpec,
} from './schema.ts';
import { StoreError } from './connection.ts';

export interface RetentionDurations {
  /** raw 1 s points; the database's default RP */
  raw: string;
  rollup1m: string;
  rollup1h: string;
  /** anomalies and model events */
  events: string;
}

export const DEFAULT_RETENTION: RetentionDurations = { raw: '7d', rollup1m: '90d', rollup1h: '2y', events: '2y' };

const UNIT_HOURS: Record<string, number> = { h: 1, d: 24, w: 168, y: 8760 };

/** "7d", "90d", "2y", "52w", "48h", "inf" → an InfluxQL duration ("168h", "INF"). */
export function retentionToInfluxQl(text: string, key: string): string {
  const t = text.trim().toLowerCase();
  if (t === 'inf' || t === 'infinite' || t === '0') return 'INF';
  const m = /^(\d+)(h|d|w|y)$/.exec(t);
  if (!m) throw new StoreError(`${key}: '${text}' is not a retention duration; use e.g. 48h, 7d, 90d, 52w, 2y or inf`, 'config');
  const hours = Number(m[1]) * UNIT_HOURS[m[2]!]!;
  if (hours < 1) throw new StoreError(`${key}: InfluxDB keeps data at least 1h (got '${text}')`, 'config');
  return `${hours}h`;
}

function retentionMs(text: string): number {
  const d = retentionToInfluxQl(text, 'retention');
  return d === 'INF' ? Infinity : Number(d.slice(0, -1)) * 3_600_000;
}

const q = (s: string): string => `"${s.replace(/"/g, '\\"')}"`;

function rolledUpFields(m: MeasurementSpec): string {
  const parts = m.fields.filter((f) => f.rollup).map((f) => `${f.rollup}(${q(f.name)}) AS ${q(f.name)}`);
  if (m.name === 'capture_health') parts.push(`count(${q('durationMs')}) AS ${q('windows')}`);
  return parts.join(', ');
}

export interface RollupStep {
  name: '1m' | '1h';
  from: string;
  into: string;
  every: string;
  resampleFor: string;
}

export const ROLLUP_STEPS: readonly RollupStep[] = [
  // RESAMPLE FOR covers windows that arrive late (slow pipeline, short outages replayed from spool).
  { name: '1m', from: RP_RAW, into: RP_ROLLUP_1M, every: '1m', resampleFor: '10m' },
  { name: '1h', from: RP_ROLLUP_1M, into: RP_ROLLUP_1H, every: '1h', resampleFor: '2h' },
];

export function rolledUpMeasurements(): MeasurementSpec[] {
  return MEASUREMENTS.filter((m) => m.rolledUp);
}

export function rollupSelect(db: string, m: MeasurementSpec, step: RollupStep, where = ''): string {
  return `SELECT ${rolledUpFields(m)} INTO ${q(db)}.${q(step.into)}.${q(m.name)} FROM ${q(db)}.${q(step.from)}.${q(m.name)}${where} GROUP BY time(${step.every}), *`;
}

export function cqName(m: MeasurementSpec, step: RollupStep): string {
  return `sw${CQ_SCHEMA_VERSION}_${m.name}_${step.name}`;
}

export function cqStatement(db: string, m: MeasurementSpec, step: RollupStep): string {
  return `CREATE CONTINUOUS QUERY ${q(cqName(m, step))} ON ${q(db)} RESAMPLE EVERY ${step.every} FOR ${step.resampleFor} BEGIN ${rollupSelect(db, m, step)} END`;
}

async function ensureRetentionPolicy(client: InfluxDB, db: string, name: string, duration: string, isDefault: boolean): Promise<void> {
  const existing = await client.showRetentionPolicies(db);
  const verb = existing.some((rp) => rp.name === name) ? 'ALTER' : 'CREATE';
  const stmt = (v: string): string => `${v} RETENTION POLICY ${q(name)} ON ${q(db)} DURATION ${duration} REPLICATION 1${isDefault ? ' DEFAULT' : ''}`;
  try {
    await client.query(stmt(verb));
  } catch (err) {
    // Another sensor created it between our SHOW and CREATE.
    if (verb === 'CREATE' && /already exists/i.test(String(err))) await client.query(stmt('ALTER'));
    else throw err;
  }
}

export async function ensureRetention(client: InfluxDB, db: string, durations: RetentionDurations): Promise<void> {
  await ensureRetentionPolicy(client, db, RP_RAW, retentionToInfluxQl(durations.raw, 'retention raw'), true);
  await ensureRetentionPolicy(client, db, RP_ROLLUP_1M, retentionToInfluxQl(durations.rollup1m, 'retention rollup-1m'), false);
  await ensureRetentionPolicy(client, db, RP_ROLLUP_1H, retentionToInfluxQl(durations.rollup1h, 'retention rollup-1h'), false);
  await ensureRetentionPolicy(client, db, RP_EVENTS, retentionToInfluxQl(durations.events, 'retention events'), false);
  const shown = await client.showContinousQueries(db);
  const have = new Set(shown.map((c) => c.name));
  for (const m of rolledUpMeasurements()) {
    for (const step of ROLLUP_STEPS) {
      if (have.has(cqName(m, step))) continue;
      try {
        await client.query(cqStatement(db, m, step));
      } catch (err) {
        if (!/already exists/i.test(String(err))) throw err;
      }
    }
  }
}

/**
 * Runs the roll-up statements by hand for [from, to): continuous queries only cover the recent
 * past, so history written late (a replayed capture, a long outage drained from the spool) is
 * rolled up here. Idempotent: a bucket written again overwrites itself.
 */
export async function backfillRollups(
  client: InfluxDB, db: string, from: number, to: number, durations: RetentionDurations = DEFAULT_RETENTION,
): Promise<void> {
  const now = Date.now();
  for (const step of ROLLUP_STEPS) {
    const unit = step.name === '1m' ? 60_000 : 3_600_000;
    // InfluxDB refuses roll-up points older than the target RP keeps; leave that part out.
    const kept = retentionMs(step.name === '1m' ? durations.rollup1m : durations.rollup1h);
    const lo = Math.floor(Math.max(from, now - kept + unit) / unit) * unit;
    const hi = Math.ceil(to / unit) * unit;
    if (hi <= lo) continue;
    const where = ` WHERE time >= ${lo}ms AND time < ${hi}ms`;
    for (const m of rolledUpMeasurements()) await client.query(rollupSelect(db, m, step, where));
  }
}
