// No loss, no duplicates: influxd SIGKILLed mid-run and restarted on the same data; the writer
// process itself SIGKILLed while its spool holds data, and a new writer replaying that spool.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InfluxWriter, connectStore, parseInfluxUrl, startEmbeddedInflux, type EmbeddedInflux, type StoreConnection,
} from '../../store/index.ts';
import { freshDatabase } from '../helpers/influx.ts';
import { expectedSums, faultPoints, FAULT_SENSOR } from './store-faultWindows.ts';

const WINDOWS = 20_000;
const start = Math.floor((Date.now() - 8 * 3_600_000) / 1000) * 1000;
let dir: string;
let influx: EmbeddedInflux;
let port: number;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function restartInflux(): Promise<void> {
  influx = await startEmbeddedInflux({ dataDir: join(dir, 'influxd'), port });
}

async function totals(conn: StoreConnection): Promise<Record<string, { count: number; sum: number }>> {
  const rows = await conn.client.query<{ direction: string; count: number; sum: number }>(
    `SELECT count("packets") AS count, sum("packets") AS sum FROM "${conn.database}"."raw"."traffic" WHERE "sensor" = '${FAULT_SENSOR}' GROUP BY "direction"`,
  );
  return Object.fromEntries(rows.map((r) => [r.direction, { count: r.count, sum: r.sum }]));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spanwatch-faults-'));
  influx = await startEmbeddedInflux({ dataDir: join(dir, 'influxd') });
  port = Number(new URL(influx.url).port);
});

afterAll(async () => {
  await influx?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('store faults', () => {
  it('keeps every point exactly once when influxd is SIGKILLed mid-run and comes back', async () => {
    const conn = await connectStore({ url: influx.url, database: 'faults_a' });
    const writer = new InfluxWriter({
      endpoint: conn.endpoint, database: conn.database, retentionPolicies: conn.retentionPolicies,
      spoolDir: join(dir, 'spool-a'), batchSize: 1000, maxQueuedPoints: 5000, backoffBaseMs: 50, backoffMaxMs: 500,
      log: () => {},
    });
    let killedAt = -1;
    for (let i = 0; i < WINDOWS; i++) {
      writer.write(faultPoints(start, i));
      if (i % 500 === 499) await sleep(5);
      if (i === 6_000) {
        killedAt = i;
        process.kill(influx.pid, 'SIGKILL');
      }
      if (i === 9_000) await sleep(2_000);
      if (i === 12_000) {
        expect(writer.counters.retried).toBeGreaterThan(0);
        expect(writer.counters.spooled).toBeGreaterThan(0);
        await restartInflux();
      }
    }
    expect(killedAt).toBe(6_000);
    expect(await writer.flush(60_000)).toBe(true);
    await writer.close();
    const c = writer.counters;
    expect(c.dropped).toBe(0);
    expect(c.spooledTotal).toBeGreaterThan(0);
    expect(c.spooled).toBe(0);
    const sums = expectedSums(0, WINDOWS);
    expect(await totals(conn)).toEqual({
      outbound: { count: WINDOWS, sum: sums.outbound },
      inbound: { count: WINDOWS, sum: sums.inbound },
    });
    expect(readdirSync(join(dir, 'spool-a')).filter((f) => f.endsWith('.lp'))).toEqual([]);
  });

  it('replays the spool of a SIGKILLed writer process in a new writer, exactly once', async () => {
    const conn = await connectStore({ url: influx.url, database: 'faults_b' });
    const spoolDir = join(dir, 'spool-b');
    // The first 5 000 windows reach InfluxDB directly; the rest only ever reach the child's spool.
    const direct = new InfluxWriter({
      endpoint: conn.endpoint, database: conn.database, retentionPolicies: conn.retentionPolicies, spoolDir: join(dir, 'spool-b0'),
    });
    for (let i = 0; i < 5_000; i++) direct.write(faultPoints(start, i));
    await direct.close();
    process.kill(influx.pid, 'SIGKILL');
    await sleep(200);

    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'store-spool-child.ts'),
      influx.url, conn.database, spoolDir, String(start), '4000', String(WINDOWS - 4_000)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ready = await new Promise<Record<string, number>>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
      createInterface({ input: child.stdout! }).once('line', (l) => resolve(JSON.parse(l) as Record<string, number>));
    });
    expect(ready.spooled).toBe((WINDOWS - 4_000) * 3);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(readdirSync(spoolDir).some((f) => f.endsWith('.lp'))).toBe(true);

    await restartInflux();
    const replayer = new InfluxWriter({
      endpoint: conn.endpoint, database: conn.database, retentionPolicies: conn.retentionPolicies, spoolDir, log: () => {},
    });
    expect(replayer.counters.spooled).toBe((WINDOWS - 4_000) * 3);
    expect(await replayer.flush(60_000)).toBe(true);
    await replayer.close();
    expect(replayer.counters.written).toBe((WINDOWS - 4_000) * 3);
    const sums = expectedSums(0, WINDOWS);
    expect(await totals(conn)).toEqual({
      outbound: { count: WINDOWS, sum: sums.outbound },
      inbound: { count: WINDOWS, sum: sums.inbound },
    });
    expect(existsSync(join(spoolDir, 'spool.lock'))).toBe(false);
  });

  it('closes quickly while InfluxDB is down, leaving everything in the spool for the next start', async () => {
    const db = await freshDatabase('store_restart');
    const spoolDir = join(dir, 'spool-c');
    try {
      const down = new InfluxWriter({
        endpoint: parseInfluxUrl('http://127.0.0.1:9'), database: db.name, retentionPolicies: { raw: 'raw', events: 'events' },
        spoolDir, backoffBaseMs: 20, backoffMaxMs: 50, log: () => {},
      });
      for (let i = 0; i < 3_000; i++) down.write(faultPoints(start, i));
      await down.close(60_000);
      expect(down.counters).toMatchObject({ written: 0, dropped: 0, spooled: 9_000, queued: 0 });

      const conn = await connectStore({ url: db.url, database: db.name });
      const up = new InfluxWriter({
        endpoint: conn.endpoint, database: conn.database, retentionPolicies: conn.retentionPolicies, spoolDir, log: () => {},
      });
      await up.close();
      expect(up.counters).toMatchObject({ written: 9_000, spooled: 0 });
      const sums = expectedSums(0, 3_000);
      expect(await totals(conn)).toEqual({
        outbound: { count: 3_000, sum: sums.outbound },
        inbound: { count: 3_000, sum: sums.inbound },
      });
    } finally {
      await db.drop();
    }
  });
});
