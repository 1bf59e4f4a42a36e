// History for training and the API: windows at a chosen resolution (picking the RP), paged so
// that months of 1 s data never sit in memory at once; anomalies; a local host's series; sensors.
// Every query takes `sensor` (one) or leaves it out (all sensors).
import type { IResults } from 'influx';
import type { LocalHostStats, WindowStats } from '../../capture/index.ts';
import type { Anomaly, AnomalyKind, AnomalyStatus, SeverityLevel } from '../../model/index.ts';
import { pointToAnomaly } from '../anomalyPoints.ts';
import { classifyError, StoreError } from '../connection.ts';
import type { StoreConnection } from '../connectStore.ts';
import { pointToModelEvent, type ModelEvent } from '../modelEvents.ts';
import type { StorePoint } from '../point.ts';
import { HOST_MINUTES, HOST_STEP_MS, MEASUREMENTS, RP_EVENTS, RP_RAW, RP_ROLLUP_1H, RP_ROLLUP_1M } from '../schema.ts';
import { pointsToWindowStats } from '../windowPoints.ts';
import { anyOf, ident, literal, source, timeRange } from './influxQl.ts';
import { RESOLUTION_MS, autoResolution, type Resolution, type ResolutionChoice } from './resolution.ts';
import { rowsToPoints } from './rows.ts';

export type { Resolution, ResolutionChoice } from './resolution.ts';

export interface RangeQuery {
  /** ms since the epoch, inclusive */
  from: number;
  /** ms since the epoch, exclusive */
  to: number;
  /** one sensor; all sensors when omitted */
  sensor?: string;
}

export interface WindowQuery extends RangeQuery {
  resolution?: ResolutionChoice;
  /** windows (buckets) per query page; default 3600 (1 h of 1 s windows) */
  pageWindows?: number;
  /** aborts the query in flight and stops the paging once aborted, e.g. when the API client went away */
  signal?: AbortSignal;
}

export interface AnomalyQuery extends RangeQuery {
  status?: AnomalyStatus | readonly AnomalyStatus[];
  level?: SeverityLevel | readonly SeverityLevel[];
  kind?: AnomalyKind | readonly AnomalyKind[];
  /** the subject's local host */
  host?: string;
  minSeverity?: number;
  /** newest first; default 100, at most 10 000 */
  limit?: number;
  offset?: number;
}

export interface AnomalyPage {
  items: Anomaly[];
  /** pass as `offset` for the next page; absent on the last page */
  nextOffset?: number;
}

/** A local host's figures over one window (1 s) or one step of host_minutes: the LocalHostStats fields a host series plots. */
export type HostSample = {
  time: number;
  sensor: string;
  /** what the point covers: the window's length, or the minute (hour) it sums */
  durationMs: number;
  /** windows the host was active in (1 for a window's own point) */
  windows: number;
} & Pick<LocalHostStats, 'bytesOut' | 'bytesIn' | 'packetsOut' | 'packetsIn' | 'flows' | 'flowsStarted' | 'peers' | 'dstPorts'>;

export interface DirectionTotals {
  packets: number;
  bytes: number;
  flowsStarted: number;
}

const RESOLUTION_RP: Record<Resolution, string> = { '1s': RP_RAW, '1m': RP_ROLLUP_1M, '1h': RP_ROLLUP_1H };
// host_minutes is a per-host series, not part of a window
const WINDOW_MEASUREMENTS = MEASUREMENTS.filter((m) => !m.events && m !== HOST_MINUTES).map((m) => m.name);
const ROLLED_UP_MEASUREMENTS = MEASUREMENTS.filter((m) => m.rolledUp && m !== HOST_MINUTES).map((m) => m.name);
const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export class InfluxReader {
  constructor(private readonly conn: StoreConnection) {}

  /** `auto` as autoResolution says; always '1s' without managed retention. */
  resolve(q: RangeQuery & { resolution?: ResolutionChoice }): Resolution {
    const wanted = q.resolution ?? 'auto';
    if (wanted !== 'auto') {
      if (wanted !== '1s' && !this.conn.managed) {
        throw new StoreError(`resolution ${wanted} needs the roll-up retention policies, which this store does not manage; read '1s'`, 'config');
      }
      return wanted;
    }
    if (!this.conn.managed) return '1s';
    return autoResolution(q.from, q.to);
  }

  /** All windows of the range at once; for long ranges use iterateWindows. */
  async windows(q: WindowQuery): Promise<WindowStats[]> {
    const out: WindowStats[] = [];
    for await (const page of this.iterateWindows(q)) out.push(...page);
    return out;
  }

  /** Pages of windows in time order, one query round per page; q.signal aborts the round in flight and ends the pages. */
  async *iterateWindows(q: WindowQuery): AsyncGenerator<WindowStats[]> {
    const resolution = this.resolve(q);
    const bucket = RESOLUTION_MS[resolution];
    const span = bucket * Math.max(1, q.pageWindows ?? 3_600);
    const rp = this.rp(RESOLUTION_RP[resolution]);
    const measurements = resolution === '1s' ? WINDOW_MEASUREMENTS : ROLLED_UP_MEASUREMENTS;
    for (let a = q.from; a < q.to; a += span) {
      if (q.signal?.aborted) return;
      const b = Math.min(q.to, a + span);
      const where = ` WHERE ${timeRange(a, b)}${anyOf('sensor', q.sensor)}`;
      let results: IResults<Record<string, unknown>>[];
      try {
        results = await this.queryEach(measurements.map((m) => `SELECT * FROM ${source(this.conn.database, rp, m)}${where}`), q.signal);
      } catch (err) {
        if (q.signal?.aborted) return;
        throw err;
      }
      const points: StorePoint[] = [];
      results.forEach((rows, i) => { for (const p of rowsToPoints(measurements[i]!, rows)) points.push(p); });
      const page = pointsToWindowStats(points, bucket);
      if (page.length > 0) yield page;
    }
  }

  /** Packets, bytes and flows started per direction over the range (raw points). */
  async directionTotals(q: RangeQuery): Promise<Record<string, DirectionTotals>> {
    const rows = await this.queryOne(
      `SELECT sum("packets") AS packets, sum("bytes") AS bytes, sum("flowsStarted") AS flowsStarted FROM ${source(this.conn.database, this.rp(RP_RAW), 'traffic')} WHERE ${timeRange(q.from, q.to)}${anyOf('sensor', q.sensor)} GROUP BY "direction"`,
    );
    const out: Record<string, DirectionTotals> = {};
    for (const r of rows as unknown as Record<string, unknown>[]) {
      out[String(r.direction)] = { packets: n(r.packets), bytes: n(r.bytes), flowsStarted: n(r.flowsStarted) };
    }
    return out;
  }

  async anomalies(q: AnomalyQuery): Promise<AnomalyPage> {
    const limit = Math.min(10_000, Math.max(1, q.limit ?? 100));
    const offset = Math.max(0, q.offset ?? 0);
    let where = `${timeRange(q.from, q.to)}${anyOf('sensor', q.sensor)}${anyOf('kind', q.kind)}${anyOf('status', q.status)}${anyOf('level', q.level)}${anyOf('localHost', q.host)}`;
    if (q.minSeverity !== undefined) where += ` AND "severity" >= ${Number(q.minSeverity)}`;
    const rows = await this.queryOne(
      `SELECT * FROM ${source(this.conn.database, this.rp(RP_EVENTS), 'anomalies')} WHERE ${where} ORDER BY time DESC LIMIT ${limit + 1} OFFSET ${offset}`,
    );
    const items = latestById(rowsToPoints('anomalies', rows).map(pointToAnomaly));
    const more = rows.length > limit;
    return { items: items.slice(0, limit), ...(more ? { nextOffset: offset + limit } : {}) };
  }

  /** The stored (latest) state of one anomaly, or undefined. */
  async anomaly(id: string, sensor?: string): Promise<Anomaly | undefined> {
    const rows = await this.queryOne(
      `SELECT * FROM ${source(this.conn.database, this.rp(RP_EVENTS), 'anomalies')} WHERE "id" = ${literal(id)}${anyOf('sensor', sensor)}`,
    );
    return latestById(rowsToPoints('anomalies', rows).map(pointToAnomaly))[0];
  }

  async modelEvents(q: RangeQuery): Promise<ModelEvent[]> {
    const rows = await this.queryOne(
      `SELECT * FROM ${source(this.conn.database, this.rp(RP_EVENTS), 'model_events')} WHERE ${timeRange(q.from, q.to)}${anyOf('sensor', q.sensor)}`,
    );
    return rowsToPoints('model_events', rows).map(pointToModelEvent);
  }

  /**
   * A local host's traffic over the range, whether or not it was ever among a window's top-K: at
   * 1 m and 1 h from host_minutes (every active host, each minute) and its roll-up; at 1 s its
   * windows in local_hosts (top-K only) for every minute where they are all of its active
   * windows, and that minute's host_minutes point where they are not (see `durationMs`).
   */
  async hostSeries(q: RangeQuery & { host: string; resolution?: ResolutionChoice; signal?: AbortSignal }): Promise<HostSample[]> {
    const resolution = this.resolve(q);
    const where = `WHERE ${timeRange(q.from, q.to)} AND "host" = ${literal(q.host)}${anyOf('sensor', q.sensor)}`;
    // minutes are written to raw and rolled up like windows (without managed retention, all in the default RP)
    const minuteRp = resolution === '1s' ? RP_RAW : RESOLUTION_RP[resolution];
    const minuteMs = resolution === '1h' && this.conn.managed ? RESOLUTION_MS['1h'] : HOST_STEP_MS;
    const stmts = [`SELECT * FROM ${source(this.conn.database, this.rp(minuteRp), HOST_MINUTES.name)} ${where}`];
    if (resolution === '1s') stmts.push(`SELECT * FROM ${source(this.conn.database, this.rp(RP_RAW), 'local_hosts')} ${where}`);
    let results: IResults<Record<string, unknown>>[];
    try {
      results = await this.queryEach(stmts, q.signal);
    } catch (err) {
      if (q.signal?.aborted) return [];
      throw err;
    }
    const minutes = rowsToPoints(HOST_MINUTES.name, results[0]!).map((p) => hostSample(p, minuteMs));
    if (resolution !== '1s') return minutes.sort((a, b) => a.time - b.time);
    const seconds = rowsToPoints('local_hosts', results[1]!).map((p) => hostSample(p, 1_000));
    const secondsIn = new Map<string, number>();
    const minuteOf = (s: HostSample): string => `${s.sensor}|${Math.floor(s.time / HOST_STEP_MS)}`;
    for (const s of seconds) secondsIn.set(minuteOf(s), (secondsIn.get(minuteOf(s)) ?? 0) + 1);
    const partial = new Set(minutes.filter((m) => m.windows > (secondsIn.get(minuteOf(m)) ?? 0)).map(minuteOf));
    return [...seconds.filter((s) => !partial.has(minuteOf(s))), ...minutes.filter((m) => partial.has(minuteOf(m)))]
      .sort((a, b) => a.time - b.time);
  }

  /** Sensors that ever wrote a window. */
  async sensors(): Promise<string[]> {
    const rows = await this.queryOne(`SHOW TAG VALUES ON ${ident(this.conn.database)} FROM "capture_health" WITH KEY = "sensor"`);
    return (rows as unknown as { value: string }[]).map((r) => r.value).sort();
  }

  private rp(name: string): string | undefined {
    return this.conn.managed ? name : undefined;
  }

  private async queryOne(stmt: string, signal?: AbortSignal): Promise<IResults<Record<string, unknown>>> {
    return (await this.queryEach([stmt], signal))[0]!;
  }

  /** One HTTP request for all statements; `signal` aborts it (the influx client passes it to the request). */
  private async queryEach(stmts: string[], signal?: AbortSignal): Promise<IResults<Record<string, unknown>>[]> {
    try {
      const res = await this.conn.client.query<Record<string, unknown>>(stmts, { precision: 'ms', ...(signal ? { signal } : {}) });
      return stmts.length === 1 ? [res as unknown as IResults<Record<string, unknown>>] : res;
    } catch (err) {
      throw classifyError(err, this.conn.endpoint, this.conn.database);
    }
  }
}

function hostSample(p: StorePoint, durationMs: number): HostSample {
  const f = p.fields;
  return {
    time: p.time, sensor: p.tags.sensor ?? '', durationMs, windows: f.windows === undefined ? 1 : n(f.windows),
    bytesOut: n(f.bytesOut), bytesIn: n(f.bytesIn), packetsOut: n(f.packetsOut), packetsIn: n(f.packetsIn),
    flows: n(f.flows), flowsStarted: n(f.flowsStarted), peers: n(f.peers), dstPorts: n(f.dstPorts),
  };
}

function latestById(list: Anomaly[]): Anomaly[] {
  const seen = new Map<string, Anomaly>();
  const order: string[] = [];
  for (const a of list) {
    const prior = seen.get(a.id);
    if (!prior) order.push(a.id);
    if (!prior || a.end > prior.end) seen.set(a.id, a);
  }
  return order.map((id) => seen.get(id)!);
}
