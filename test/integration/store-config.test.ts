// The embedded influxd (reuse across calls and processes, clear start failures) and bad store
// configuration: unreachable URL, missing database, bad credentials → StoreErrors naming the fix.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INFLUXD_NOT_FOUND, InfluxReader, InfluxWriter, StoreError, connectStore, startEmbeddedInflux, windowStatsToPoints,
  type EmbeddedInflux,
} from '../../store/index.ts';
import { syntheticWindow } from '../../datasets/synthetic/index.ts';
import { freshDatabase } from '../helpers/influx.ts';

let dir: string;
const bin = join(import.meta.dirname, '../../bin/spanwatch');

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

function influxdsOn(dataDir: string): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(join(dataDir, 'influxd.conf')); } catch { return false; }
  }).map(Number);
}

async function storeError(p: Promise<unknown>): Promise<StoreError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error('expected a StoreError');
}

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'spanwatch-store-config-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

describe('embedded influxd', () => {
  it('is started once per data dir and reused by a second start and by another process', async () => {
    const dataDir = join(dir, 'shared');
    const a = await startEmbeddedInflux({ dataDir });
    const b = await startEmbeddedInflux({ dataDir });
    try {
      expect(a.reused).toBe(false);
      expect(b).toMatchObject({ reused: true, pid: a.pid, url: a.url });
      const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'store-embedded-child.ts'), dataDir], { encoding: 'utf8' });
      expect(JSON.parse(out)).toEqual({ pid: a.pid, url: a.url, reused: true });
      expect(influxdsOn(dataDir)).toEqual([a.pid]);
      await a.stop();
      // The child has exited and `a` left; `b` still uses it, so it runs on.
      expect(alive(b.pid)).toBe(true);
      expect((await fetch(`${b.baseUrl}/ping`)).status).toBe(204);
    } finally {
      await a.stop();
      await b.stop();
    }
    expect(alive(a.pid)).toBe(false);
    expect(existsSync(join(dataDir, 'embedded.json'))).toBe(false);
  });

  it('runs with auth on: a generated admin password in credentials.json (0600), kept across restarts', async () => {
    const dataDir = join(dir, 'authed-embedded');
    const first = await startEmbeddedInflux({ dataDir });
    const file = join(dataDir, 'credentials.json');
    const creds = JSON.parse(readFileSync(file, 'utf8')) as { username: string; password: string };
    try {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(creds.username).toBe('spanwatch');
      expect(creds.password).toMatch(/^[0-9a-f]{48}$/);
      expect(first.url).toBe(first.baseUrl.replace('http://', `http://spanwatch:${creds.password}@`));
      const anonymous = await fetch(`${first.baseUrl}/query?q=SHOW%20DATABASES`);
      expect(anonymous.status).toBe(401);
      await connectStore({ url: first.url, database: 'authed_embedded' });
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedInflux({ dataDir });
    try {
      expect(second.reused).toBe(false);
      expect(second.url).toContain(`spanwatch:${creds.password}@`);
      const conn = await connectStore({ url: second.url, database: 'authed_embedded', createDatabase: false });
      expect(await conn.client.getDatabaseNames()).toContain('authed_embedded');
    } finally {
      await second.stop();
    }
  });

  it('is stopped when its only user exits without calling stop()', async () => {
    const dataDir = join(dir, 'solo');
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'store-embedded-child.ts'), dataDir], { encoding: 'utf8' });
    const child = JSON.parse(out) as { pid: number; reused: boolean };
    expect(child.reused).toBe(false);
    for (let i = 0; i < 200 && alive(child.pid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(child.pid)).toBe(false);
    expect(existsSync(join(dataDir, 'embedded.json'))).toBe(false);
  });

  it('reports a start failure with the tail of influxd\'s log', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startEmbeddedInflux({ dataDir: join(dir, 'blocked'), port, startTimeoutMs: 15_000 }))
        .rejects.toThrow(new RegExp(`influxd .* on http://127\\.0\\.0\\.1:${port} (exited|did not answer)[^]*Last lines of .*influxd\\.log:\\n[^]*address already in use`));
    } finally {
      blocker.close();
    }
  });

  it('says how to install influxd when it is missing', async () => {
    const saved = process.env.SPANWATCH_INFLUXD;
    process.env.SPANWATCH_INFLUXD = join(dir, 'no-such-influxd');
    try {
      await expect(startEmbeddedInflux({ dataDir: join(dir, 'none') })).rejects.toThrow(INFLUXD_NOT_FOUND);
    } finally {
      if (saved === undefined) delete process.env.SPANWATCH_INFLUXD;
      else process.env.SPANWATCH_INFLUXD = saved;
    }
  });
});

describe('bad store configuration', () => {
  let authed: EmbeddedInflux;
  let authUrl: (user: string, pass: string) => string;

  beforeAll(async () => {
    authed = await startEmbeddedInflux({ dataDir: join(dir, 'auth') });
    authUrl = (user, pass) => authed.baseUrl.replace('http://', `http://${user}:${pass}@`);
  });

  afterAll(async () => { await authed?.stop(); });

  it('names an unreachable URL', async () => {
    const err = await storeError(connectStore({ url: 'http://127.0.0.1:9', requestTimeoutMs: 3_000 }));
    expect(err.kind).toBe('unreachable');
    expect(err.message).toMatch(/cannot reach InfluxDB at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)\. Is it running\?/);
  });

  it('names a missing database when it may not create it', async () => {
    const db = await freshDatabase('store_cfg');
    try {
      const err = await storeError(connectStore({ url: db.url, database: `${db.name}_missing`, createDatabase: false }));
      expect(err.kind).toBe('database-missing');
      expect(err.message).toContain(`has no database '${db.name}_missing'`);
    } finally {
      await db.drop();
    }
  });

  it('rejects wrong or missing credentials without echoing the password', async () => {
    const wrong = await storeError(connectStore({ url: authUrl('spanwatch', 'nope-pass'), database: 'authdb' }));
    expect(wrong.kind).toBe('auth');
    expect(wrong.message).toMatch(/rejected the credentials \(401/);
    expect(wrong.message).not.toContain('nope-pass');
    const none = await storeError(connectStore({ url: authed.baseUrl, database: 'authdb' }));
    expect(none.kind).toBe('auth');
  });

  it('writes and reads with the right credentials', async () => {
    const conn = await connectStore({ url: authed.url, database: 'authdb' });
    const writer = new InfluxWriter({
      endpoint: conn.endpoint, database: conn.database, retentionPolicies: conn.retentionPolicies, spoolDir: join(dir, 'auth-spool'),
    });
    const start = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const w = syntheticWindow('secure', start, 9);
    writer.write(windowStatsToPoints(w));
    await writer.close();
    expect(writer.counters).toMatchObject({ written: windowStatsToPoints(w).length, retried: 0, spooled: 0 });
    expect(await new InfluxReader(conn).windows({ from: start, to: start + 1000, resolution: '1s' })).toEqual([w]);
  });

  it('makes the sensor exit with the credentials error instead of retrying', () => {
    const r = spawnSync(bin, ['sensor', '--pcap', join(dir, 'none.pcap'), '--influx', authUrl('admin', 'bad'), '--sensor', 'x'],
      { encoding: 'utf8', env: { ...process.env, SPANWATCH_VAR: join(dir, 'var') }, timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/spanwatch: store: InfluxDB at http:\/\/admin:\*\*\*@127\.0\.0\.1:\d+ rejected the credentials/);
  });
});
