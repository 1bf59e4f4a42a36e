// ThreadedInfluxWriter (the sensor's writer: encoding on the caller's thread, sending and spooling
// in a worker thread) keeps InfluxWriter's promises: windows read back equal, flush() and close()
// wait for the thread, no loss and no duplicate when influxd is SIGKILLed mid-run, the spool lock,
// and every dropped point reported in capture_health.storeDropped.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InfluxReader, InfluxWriter, ThreadedInfluxWriter, anomalyToPoint, connectStore, parseInfluxUrl, startEmbeddedInflux,
  windowStatsToPoints, type EmbeddedInflux, type InfluxWriterOptions, type StoreConnection,
} from '../../store/index.ts';
import { freshDatabase, type FreshDatabase } from '../helpers/influx.ts';
import { syntheticAnomaly, syntheticWindow } from '../../datasets/synthetic/index.ts';
import { FAULT_SENSOR, expectedSums, faultPoints } from './store-faultWindows.ts';

const start = Math.floor((Date.now() - 5 * 3_600_000) / 1000) * 1000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let dir: string;
let db: FreshDatabase;
let conn: StoreConnection;
let deadUrl: string;

function optionsFor(c: StoreConnection, spool: string, extra: Partial<InfluxWriterOptions> = {}): InfluxWriterOptions {
  return { endpoint: c.endpoint, database: c.database, retentionPolicies: c.retentionPolicies, spoolDir: join(dir, spool), ...extra };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spanwatch-threaded-'));
  db = await freshDatabase('store_threaded');
  conn = await connectStore({ url: db.url, database: db.name });
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  deadUrl = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
  await new Promise<void>((r) => srv.close(() => r()));
});

afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('ThreadedInfluxWriter', () => {
  it('stores windows and anomalies that read back equal; flush() waits for the thread', async () => {
    const writer = await ThreadedInfluxWriter.start(optionsFor(conn, 'rt', { batchSize: 300 }));
    const windows = Array.from({ length: 240 }, (_, i) => syntheticWindow(i % 2 ? 't1' : 't2', start + Math.floor(i / 2) * 1000, i + 1));
    const lines = windows.reduce((a, w) => a + windowStatsToPoints(w).length, 0);
    // host_minutes: one point per sensor, minute and active host, written when the sensor's next
    // minute starts (closed) and at flush (the open one)
    const hostsByMinute = new Map<string, Set<string>>();
    for (const w of windows) {
      const key = `${w.sensor}|${Math.floor(w.start / 60_000)}`;
      const set = hostsByMinute.get(key) ?? new Set<string>();
      for (const h of w.localHosts ?? w.topLocalHosts) set.add(h.host);
      hostsByMinute.set(key, set);
    }
    const lastMinute = new Map<string, number>();
    for (const key of hostsByMinute.keys()) {
      const [sensor, minute] = key.split('|');
      lastMinute.set(sensor!, Math.max(lastMinute.get(sensor!) ?? -Infinity, Number(minute)));
    }
    let closedMinutePoints = 0;
    let allMinutePoints = 0;
    for (const [key, set] of hostsByMinute) {
      const [sensor, minute] = key.split('|');
      allMinutePoints += set.size;
      if (Number(minute) < lastMinute.get(sensor!)!) closedMinutePoints += set.size;
    }
    for (const w of windows) writer.writeWindow(w);
    const anomaly = syntheticAnomaly('thr-1', 't1', start + 5_000);
    writer.write([anomalyToPoint(anomaly)]);
    expect(writer.counters.queued).toBe(lines + closedMinutePoints + 1);
    expect(await writer.flush()).toBe(true);
    expect(writer.counters).toMatchObject({ queued: 0, written: lines + allMinutePoints + 1, dropped: 0, rejected: 0, spooled: 0 });
    await writer.close();
    expect(() => writer.writeWindow(windows[0]!)).toThrow(/write after close/);

    const reader = new InfluxReader(conn);
    const range = { from: start, to: start + 3_600_000, resolution: '1s' as const };
    expect(await reader.windows({ ...range, sensor: 't1' })).toEqual(windows.filter((w) => w.sensor === 't1'));
    expect(await reader.windows({ ...range, sensor: 't2' })).toEqual(windows.filter((w) => w.sensor === 't2'));
    expect(await reader.anomaly('thr-1')).toEqual(anomaly);
  });

  it('refuses a spool another writer holds, with the lock holder named', async () => {
    const holder = new InfluxWriter(optionsFor(conn, 'locked'));
    await expect(ThreadedInfluxWriter.start(optionsFor(conn, 'locked'))).rejects.toThrow(/is in use by process \d+/);
    await holder.close();
    const writer = await ThreadedInfluxWriter.start(optionsFor(conn, 'locked'));
    await writer.close();
  });

  it('reports every dropped point in capture_health.storeDropped, also across a restart, and logs the drops', async () => {
    const logs: string[] = [];
    const spoolDir = 'drops';
    const down = { endpoint: parseInfluxUrl(deadUrl), batchSize: 60, backoffBaseMs: 10, backoffMaxMs: 20, log: (l: string, m: string) => logs.push(`${l}: ${m}`) };
    const first = await ThreadedInfluxWriter.start({ ...optionsFor(conn, spoolDir), ...down, spoolMaxBytes: 150_000 });
    for (let i = 0; i < 150; i++) {
      first.writeWindow(syntheticWindow('drop', start + i * 1000, i + 1));
      if (i % 10 === 9) await sleep(5);
    }
    await first.close(100);
    const dropped = first.counters.dropped;
    expect(dropped).toBeGreaterThan(0);
    expect(logs.some((l) => /^error: SPOOL FULL: .* DROPPED \d+ points/.test(l))).toBe(true);

    // InfluxDB is back: the next start replays the spool and reports what is left to report.
    const next = await ThreadedInfluxWriter.start(optionsFor(conn, spoolDir, { log: () => {} }));
    next.writeWindow(syntheticWindow('drop', start + 600_000, 1));
    await next.close();
    expect(next.counters).toMatchObject({ dropped: 0, spooled: 0 });
    const rows = await conn.client.query<{ sum: number }>(`SELECT sum("storeDropped") FROM "capture_health" WHERE "sensor" = 'drop'`);
    expect(rows[0]?.sum).toBe(dropped);
    // Nothing left to replay or to report.
    expect(readdirSync(join(dir, spoolDir))).toEqual([]);
  });
});

describe('ThreadedInfluxWriter with influxd SIGKILLed mid-run', () => {
  let influx: EmbeddedInflux;
  afterAll(async () => { await influx?.stop(); });

  it('keeps every point exactly once', async () => {
    const WINDOWS = 8_000;
    influx = await startEmbeddedInflux({ dataDir: join(dir, 'influxd') });
    const port = Number(new URL(influx.url).port);
    const own = await connectStore({ url: influx.url, database: 'threaded_faults' });
    const writer = await ThreadedInfluxWriter.start(optionsFor(own, 'faults', {
      batchSize: 1000, maxQueuedPoints: 5000, backoffBaseMs: 50, backoffMaxMs: 500, log: () => {},
    }));
    for (let i = 0; i < WINDOWS; i++) {
      writer.write(faultPoints(start, i));
      if (i % 500 === 499) await sleep(5);
      if (i === 2_000) process.kill(influx.pid, 'SIGKILL');
      if (i === 4_000) {
        await sleep(1_000);
        expect(writer.counters.retried).toBeGreaterThan(0);
        expect(writer.counters.spooled).toBeGreaterThan(0);
        influx = await startEmbeddedInflux({ dataDir: join(dir, 'influxd'), port });
      }
    }
    expect(await writer.flush(60_000)).toBe(true);
    await writer.close();
    expect(writer.counters).toMatchObject({ dropped: 0, spooled: 0, queued: 0 });
    expect(writer.counters.spooledTotal).toBeGreaterThan(0);
    const rows = await own.client.query<{ direction: string; count: number; sum: number }>(
      `SELECT count("packets") AS count, sum("packets") AS sum FROM "threaded_faults"."raw"."traffic" WHERE "sensor" = '${FAULT_SENSOR}' GROUP BY "direction"`,
    );
    const sums = expectedSums(0, WINDOWS);
    expect(Object.fromEntries(rows.map((r) => [r.direction, { count: r.count, sum: r.sum }]))).toEqual({
      outbound: { count: WINDOWS, sum: sums.outbound },
      inbound: { count: WINDOWS, sum: sums.inbound },
    });
    expect(readdirSync(join(dir, 'faults')).filter((f) => f.endsWith('.lp'))).toEqual([]);
    expect(existsSync(join(dir, 'faults', 'spool.lock'))).toBe(false);
  });
});
