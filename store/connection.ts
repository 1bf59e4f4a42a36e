// Where the store talks to: URL (credentials allowed in it), database, and the errors that say
// what is wrong with that configuration.
import { InfluxDB } from 'influx';

export type StoreErrorKind = 'unreachable' | 'auth' | 'database-missing' | 'bad-request' | 'server' | 'config';

/** A store failure a person has to act on; the message says what failed and what to do. */
export class StoreError extends Error {
  constructor(message: string, readonly kind: StoreErrorKind, readonly status?: number) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface InfluxEndpoint {
  /** protocol://host:port[/path] without credentials or trailing slash */
  base: string;
  /** the URL as it may be printed (password replaced) */
  redacted: string;
  username?: string;
  password?: string;
  protocol: 'http' | 'https';
  host: string;
  port: number;
  path: string;
}

export function parseInfluxUrl(url: string): InfluxEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StoreError(`'${url}' is not a URL; expected e.g. http://127.0.0.1:8086 or http://user:pass@host:8086`, 'config');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new StoreError(`InfluxDB URL must start with http:// or https:// (got '${u.protocol}')`, 'config');
  }
  const protocol = u.protocol === 'https:' ? 'https' : 'http';
  const port = u.port ? Number(u.port) : protocol === 'https' ? 443 : 8086;
  const path = u.pathname.replace(/\/+$/, '');
  const base = `${protocol}://${u.hostname.includes(':') && !u.hostname.startsWith('[') ? `[${u.hostname}]` : u.hostname}:${port}${path}`;
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  const redacted = username ? base.replace('://', `://${encodeURIComponent(username)}:***@`) : base;
  return { base, redacted, username, password, protocol, host: u.hostname.replace(/^\[|\]$/g, ''), port, path };
}

export function influxClient(ep: InfluxEndpoint, database?: string, requestTimeoutMs = 30_000): InfluxDB {
  return new InfluxDB({
    host: ep.host, port: ep.port, protocol: ep.protocol, path: ep.path || undefined,
    username: ep.username, password: ep.password, database,
    // Retries belong to the writer's own policy; a query that fails should fail now, with its reason.
    pool: { maxRetries: 0, requestTimeout: requestTimeoutMs },
  });
}

export function authHeader(ep: InfluxEndpoint): string | undefined {
  if (ep.username === undefined) return undefined;
  return `Basic ${Buffer.from(`${ep.username}:${ep.password ?? ''}`).toString('base64')}`;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND',
  'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'ABORT_ERR',
]);

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 3 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function statusOf(err: unknown): number | undefined {
  const res = (err as { res?: { statusCode?: number } } | undefined)?.res;
  return typeof res?.statusCode === 'number' ? res.statusCode : undefined;
}

/** Turns any client/network error into a StoreError naming the URL and the fix. */
export function classifyError(err: unknown, ep: InfluxEndpoint, database: string): StoreError {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = errorCode(err);
  const status = statusOf(err);
  if ((code && NETWORK_CODES.has(code)) || /timed? ?out|socket hang up|No host available/i.test(message)) {
    return new StoreError(
      `cannot reach InfluxDB at ${ep.redacted} (${code ?? message}). Is it running? Check --influx / INFLUX_URL, or omit --influx to use the embedded influxd.`,
      'unreachable',
    );
  }
  if (status === 401 || status === 403 || /authorization failed|unable to parse authentication|not authorized|authentication required/i.test(message)) {
    return new StoreError(
      `InfluxDB at ${ep.redacted} rejected the credentials (${status ?? 'auth'}: ${oneLine(message)}). Put a valid user:password in the URL (http://user:pass@host:8086) or INFLUX_URL, and make sure that user may write to '${database}'.`,
      'auth',
      status,
    );
  }
  if (status === 404 || /database not found/i.test(message)) {
    return new StoreError(
      `InfluxDB at ${ep.redacted} has no database '${database}'. Create it (CREATE DATABASE "${database}"), pick another with --influx-db, or let spanwatch create it (drop --no-create-db).`,
      'database-missing',
      status,
    );
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new StoreError(`InfluxDB at ${ep.redacted} refused the request (${status}: ${oneLine(message)})`, 'bad-request', status);
  }
  return new StoreError(`InfluxDB at ${ep.redacted} failed: ${oneLine(message)}`, 'server', status);
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 300);
}
