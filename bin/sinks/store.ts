// The store sink: every window and anomaly into InfluxDB through ThreadedInfluxWriter (the
// sensor's thread only encodes; sending and spooling run beside it), with the embedded influxd
// when no URL is given. Opening it checks URL, credentials and database and fails with a CliError
// that says what to fix.
import { join, resolve } from 'node:path';
import type { WindowStats } from '../../capture/index.ts';
import type { Anomaly } from '../../model/index.ts';
import {
  StoreError, ThreadedInfluxWriter, anomalyToPoint, backfillRollups, connectStore, defaultSpoolDir, startEmbeddedInflux,
  type EmbeddedInflux, type RetentionDurations, type StoreConnection, type StoreWriter, type WriterCounters,
} from '../../store/index.ts';
import { CliError } from '../cliError.ts';
import { parseByteSize } from '../options.ts';
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
  private historyFrom = Infinity;
  private historyTo = -Infinity;
  private readonly openedAt = Date.now();

  private constructor(
    private readonly conn: StoreConnection,
    private readonly writer: StoreWriter,
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
      const spoolDir = o.spoolDir ?? defaultSpoolDir(o.varDir, o.sensor);
      const writerFor = (dir: string): Promise<StoreWriter> => ThreadedInfluxWriter.start({
        endpoint: conn.endpoint, database: conn.database, retentionPolicies: conn.retentionPolicies,
        spoolDir: dir, spoolMaxBytes: o.spoolMaxBytes,
      });
      let writer: StoreWriter;
      try {
        writer = await writerFor(spoolDir);
      } catch (err) {
        if (!/is in use by process/.test((err as Error).message)) throw err;
        // Two live processes under one sensor name: keep this one's data safe in a private spool.
        const own = `${spoolDir}.${process.pid}`;
        process.stderr.write(`spanwatch store warn: ${(err as Error).message} Spooling to ${own} instead; points of two sensors with one name overwrite each other.\n`);
        writer = await writerFor(own);
      }
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
    if (stats.start + stats.durationMs < this.openedAt - LIVE_HORIZON_MS) {
      this.historyFrom = Math.min(this.historyFrom, stats.start);
      this.historyTo = Math.max(this.historyTo, stats.start + stats.durationMs);
    }
    // The writer adds what it dropped and has not yet reported to the window's storeDropped.
    this.writer.writeWindow(stats);
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
          await backfillRollups(this.conn.client, this.conn.database, this.historyFrom, this.historyTo, this.conn.retention);
        } catch (err) {
          process.stderr.write(`spanwatch store warn: rolling up the replayed range failed: ${(err as Error).message}\n`);
        }
      }
      if (c.dropped > 0 || c.rejected > 0) {
        const lost = [
          c.rejected > 0 ? `${c.rejected} points refused by InfluxDB` : '',
          c.dropped > 0 ? `${c.dropped} points dropped because the spool was full` : '',
        ].filter(Boolean).join(', ');
        process.stderr.write(`spanwatch store error: ${lost}\n`);
      }
    } finally {
      await this.embedded?.stop();
    }
  }
}

/** How long each retention policy keeps its points (shared by `sensor` and `serve`). */
export const retentionFlags = {
  'retention-raw': { type: 'string' },
  'retention-1m': { type: 'string' },
  'retention-1h': { type: 'string' },
  'retention-events': { type: 'string' },
} as const;

/** The sensor's store flags (spread into its options). */
export const storeFlags = {
  'no-store': { type: 'boolean' },
  influx: { type: 'string' },
  'influx-db': { type: 'string' },
  'no-create-db': { type: 'boolean' },
  'no-retention-setup': { type: 'boolean' },
  ...retentionFlags,
  'spool-dir': { type: 'string' },
  'spool-max': { type: 'string' },
} as const;

export const storeHelp = `store (InfluxDB; on by default):
  --no-store           do not write to InfluxDB
  --influx URL         InfluxDB 1.x URL, credentials allowed: http://user:pass@host:8086
                       (env INFLUX_URL); without it spanwatch runs its own influxd on loopback
                       with data under var/influxdb (or $SPANWATCH_VAR/influxdb)
  --influx-db NAME     database (default spanwatch)
  --no-create-db       fail instead of creating a missing database
  --no-retention-setup do not create retention policies / continuous queries (InfluxDB 2.x/3.x
                       v1 endpoints, users without admin rights)
  --retention-raw D    raw 1 s points (default 7d); --retention-1m D (90d), --retention-1h D (2y),
                       --retention-events D (anomalies, model events; 2y); inf = keep forever
  --spool-dir DIR      spool while InfluxDB is down (default var/spool/<sensor>)
  --spool-max SIZE     spool disk limit (default 1GiB); beyond it points are dropped and counted`;

export interface StoreFlagValues {
  influx?: string;
  'influx-db'?: string;
  'no-create-db'?: boolean;
  'no-retention-setup'?: boolean;
  'retention-raw'?: string;
  'retention-1m'?: string;
  'retention-1h'?: string;
  'retention-events'?: string;
  'spool-dir'?: string;
  'spool-max'?: string;
}

/** The retention durations the --retention-* flags set (the rest keep their defaults). */
export function retentionFromFlags(values: StoreFlagValues): Partial<RetentionDurations> {
  const retention: Partial<RetentionDurations> = {};
  if (values['retention-raw'] !== undefined) retention.raw = values['retention-raw'];
  if (values['retention-1m'] !== undefined) retention.rollup1m = values['retention-1m'];
  if (values['retention-1h'] !== undefined) retention.rollup1h = values['retention-1h'];
  if (values['retention-events'] !== undefined) retention.events = values['retention-events'];
  return retention;
}

/** Opens the store sink from the sensor's flags (INFLUX_URL when --influx is absent). */
export function openStoreSink(values: StoreFlagValues, sensor: string): Promise<StoreSink> {
  const url = values.influx ?? (process.env.INFLUX_URL || undefined);
  const retention = retentionFromFlags(values);
  return StoreSink.open({
    sensor,
    url,
    database: values['influx-db'] ?? 'spanwatch',
    createDatabase: !values['no-create-db'],
    manageRetention: !values['no-retention-setup'],
    retention,
    varDir: defaultVarDir(),
    spoolDir: values['spool-dir'],
    spoolMaxBytes: values['spool-max'] !== undefined ? parseByteSize(values['spool-max'], '--spool-max') : undefined,
  });
}
