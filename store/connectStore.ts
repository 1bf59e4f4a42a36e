// Opening the store: reach InfluxDB, check the credentials and the database, create what is
// missing (database, retention policies, continuous queries). Fails fast with a StoreError that
// says what to fix — a sensor with a wrong URL or password must not sit in a retry loop.
import type { InfluxDB } from 'influx';
import { classifyError, influxClient, parseInfluxUrl, StoreError, type InfluxEndpoint } from './connection.ts';
import { httpStatus } from './httpProbe.ts';
import type { PointTarget } from './point.ts';
import { DEFAULT_RETENTION, ensureRetention, type RetentionDurations } from './retention.ts';
import { RP_EVENTS, RP_RAW } from './schema.ts';

export const DEFAULT_DATABASE = 'spanwatch';

export interface StoreOptions {
  /** http(s)://[user:pass@]host:port — credentials may be in the URL */
  url: string;
  database?: string;
  /** create the database when it is missing (default true) */
  createDatabase?: boolean;
  /**
   * create/alter retention policies and continuous queries (default true). Off for InfluxDB
   * 2.x/3.x v1-compatibility endpoints and for users without admin rights: everything is then
   * written to the database's default retention policy and only 1 s resolution can be read.
   */
  manageRetention?: boolean;
  retention?: Partial<RetentionDurations>;
  requestTimeoutMs?: number;
}

export interface StoreConnection {
  endpoint: InfluxEndpoint;
  database: string;
  client: InfluxDB;
  /** retention policies and roll-ups exist */
  managed: boolean;
  retention: RetentionDurations;
  /** the RP each kind of point is written to (undefined: the database's default) */
  retentionPolicies: Record<PointTarget, string | undefined>;
}

async function ping(ep: InfluxEndpoint, database: string, timeoutMs: number): Promise<void> {
  try {
    await httpStatus(`${ep.base}/ping`, timeoutMs);
  } catch (err) {
    throw classifyError(err, ep, database);
  }
}

export async function connectStore(options: StoreOptions): Promise<StoreConnection> {
  const endpoint = parseInfluxUrl(options.url);
  const database = options.database ?? DEFAULT_DATABASE;
  if (!/^[A-Za-z0-9_.-]+$/.test(database)) {
    throw new StoreError(`database name '${database}' is not allowed; use letters, digits, '_', '-' or '.'`, 'config');
  }
  const timeout = options.requestTimeoutMs ?? 10_000;
  const client = influxClient(endpoint, database, timeout);
  const managed = options.manageRetention ?? true;
  const retention = { ...DEFAULT_RETENTION, ...options.retention };
  await ping(endpoint, database, timeout);
  try {
    const names = await client.getDatabaseNames();
    if (!names.includes(database)) {
      if (options.createDatabase === false) {
        throw new StoreError(
          `InfluxDB at ${endpoint.redacted} has no database '${database}'. Create it (CREATE DATABASE "${database}"), pick another with --influx-db, or let spanwatch create it (drop --no-create-db).`,
          'database-missing',
        );
      }
      await client.createDatabase(database);
    }
    if (managed) await ensureRetention(client, database, retention);
  } catch (err) {
    throw classifyError(err, endpoint, database);
  }
  return {
    endpoint, database, client, managed, retention,
    retentionPolicies: managed ? { raw: RP_RAW, events: RP_EVENTS } : { raw: undefined, events: undefined },
  };
}
