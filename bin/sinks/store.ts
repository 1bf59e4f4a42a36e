// The store sink: every window and anomaly into InfluxDB through InfluxWriter, with the embedded
// influxd when no URL is given. Opening it checks URL, credentials and database and fails with a
// CliError that says what to fix.
import { join, resolve } from 'node:path';
import type { WindowStats } from '../../capture/index.ts';
import type { Anomaly } from '../../model/index.ts';
import {
  InfluxWriter, StoreError, anomalyToPoint, backfillRollups, connectStore, defaultSpoolDir, startEmbeddedInflux,
  windowStatsToPoints, type EmbeddedInflux, type RetentionDurations, type StoreConnection, type WriterCounters,
} from '../../store/index.ts';
import { CliError } from '../cliError.ts';
import type { RecordSink } from '../sinks.ts';

export interface StoreSinkOptions {
  sensor: string;
  /** InfluxDB URL; the embedded influxd under <varDir>/influxdb when undefined */
  url?: string;
  database: string;
  createDatabase: boolean;
  manageRetention: boolean;
  retention: Partial<RetentionDurations>;
  /** var/ (or $SPANWATCH_VAR): embedded data and the default spool live here */
  varDir: string;
  spoolDir?: string;
  spoolMaxBytes?: number;
}

/** $SPANWATCH_VAR, else ./var */
export function defaultVarDir(): string {
  return resolve(process.env.SPANWATCH_VAR || 'var');
}

/** CQs cover the last 10 minutes; windows older than this when written are rolled up at close. */
const LIVE_HORIZON_MS = 10 * 60_000;

export class StoreSink implements RecordSink {
  private reportedDropped = 0;
  private historyFrom = Infinity;
  private historyTo = -Infinity;
  private readonly openedAt = Date.now();

  private constructor(
    private readonly conn: StoreConnection,
    private readonly writer: InfluxWriter,
    private readonly embedded: EmbeddedInflux | undefined,
  ) {}

  static async open(o: StoreSinkOptions): Promise<StoreSink> {
    let embedded: EmbeddedInflux | undefined;
    try {
      if (o.url === undefined) embedded = await startEmbeddedInflux({ dataDir: join(o.varDir, 'influxdb') });
      const conn = await connectStore({
        url: o.url ?? embedded!.url, database: o.database, createDatabase: o.createDatabase,
        manageRetention: o.manageRetention, retention: o.retention,
      });
      const writer = new InfluxWriter({
        endpoint: conn.endpoint, database: conn.database, retentionPolicies: conn.retentionPolicies,
        spoolDir: o.spoolDir ?? defaultSpoolDir(o.varDir, o.sensor), spoolMaxBytes: o.spoolMaxBytes,
      });
      return new StoreSink(conn, writer, embedded);
    } catch (err) {
      await embedded?.stop();
      if (err instanceof StoreError) throw new CliError(`store: ${err.message}`, err.kind === 'unreachable' ? 1 : 2);
      throw new CliError(`store: ${(err as Error).message}`, 1);
    }
  }

  get counters(): WriterCounters {
    return this.writer.counters;
  }

  window(stats: WindowStats): void {
    const points = windowStatsToPoints(stats);
    const dropped = this.writer.counters.dropped;
    if (dropped !== this.reportedDropped) {
      // The sensor's health record carries what the store lost since the previous window.
      const health = points.find((p) => p.measurement === 'capture_health');
      if (health) health.fields.storeDropped = stats.health.storeDropped + dropped - this.reportedDropped;
      this.reportedDropped = dropped;
    }
    if (stats.start + stats.durationMs < this.openedAt - LIVE_HORIZON_MS) {
      this.historyFrom = Math.min(this.historyFrom, stats.start);
      this.historyTo = Math.max(this.historyTo, stats.start + stats.durationMs);
    }
    this.writer.write(points);
  }

  anomaly(anomaly: Anomaly): void {
    this.writer.write([anomalyToPoint(anomaly)]);
  }

  async close(): Promise<void> {
    try {
      await this.writer.close();
      const c = this.writer.counters;
      if (this.conn.managed && c.spooled === 0 && this.historyTo > this.historyFrom) {
        try {
          await backfillRollups(this.conn.client, this.conn.database, this.historyFrom, this.historyTo);
        } catch (err) {
          process.stderr.write(`spanwatch store warn: rolling up the replayed range failed: ${(err as Error).message}\n`);
        }
      }
      if (c.dropped > 0 || c.rejected > 0) {
        process.stderr.write(`spanwatch store error: ${c.dropped} points dropped (spool full), ${c.rejected} refused by InfluxDB\n`);
      }
    } finally {
      await this.embedded?.stop();
    }
  }
}
