// Writer → real influxd → reader: every field back, multi-sensor selection, anomalies with status
// updates, retention policies, continuous queries and a roll-up equal to the raw sums.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InfluxReader, InfluxWriter, anomalyToPoint, backfillRollups, connectStore, cqName, modelEventToPoint,
  windowStatsToPoints, ROLLUP_STEPS, TRAFFIC, type StoreConnection,
} from '../../store/index.ts';
import { freshDatabase, type FreshDatabase } from '../helpers/influx.ts';
import { syntheticAnomaly, syntheticWindow } from '../../datasets/synthetic/index.ts';

const start = Math.floor((Date.now() - 3 * 3_600_000) / 3_600_000) * 3_600_000; // an hour boundary 3 h ago

let db: FreshDatabase;
let conn: StoreConnection;
let spoolRoot: string;

beforeAll(async () => {
  db = await freshDatabase('store_roundtrip');
  conn = await connectStore({ url: db.url, database: db.name });
  spoolRoot = mkdtempSync(join(tmpdir(), 'spanwatch-spool-'));
});

afterAll(async () => {
  await db?.drop();
  rmSync(spoolRoot, { recursive: true, force: true });
});

describe('store round trip', () => {
  it('writes windows of two sensors and reads them back equal, per sensor and all together', async () => {
    const writer = new InfluxWriter({
      endpoint: conn.endpoint, database: conn.database, retentionPolicies: conn.retentionPolicies,
      spoolDir: join(spoolRoot, 'rt'), batchSize: 500,
    });
    const s1 = Array.from({ length: 180 }, (_, i) => syntheticWindow('s1', start + i * 1000, i + 1));
    const s2 = Array.from({ length: 120 }, (_, i) => syntheticWindow('s2', start + i * 1000, i + 1000));
    for (const w of [...s1, ...s2]) writer.write(windowStatsToPoints(w));
    await writer.close();
    expect(writer.counters).toMatchObject({ dropped: 0, rejected: 0, queued: 0, spooled: 0 });

    const reader = new InfluxReader(conn);
    const range = { from: start, to: start + 3_600_000 };
    expect(await reader.windows({ ...range, sensor: 's1', resolution: '1s' })).toEqual(s1);
    const all = await reader.windows({ ...range, resolution: '1s', pageWindows: 50 });
    expect(all.length).toBe(300);
    expect(all.filter((w) => w.sensor === 's2')).toEqual(s2);
    expect(await reader.sensors()).toEqual(['s1', 's2']);

    const totals = await reader.directionTotals({ ...range, sensor: 's1' });
    expect(totals.outbound!.bytes).toBe(s1.reduce((a, w) => a + w.directions.outbound.bytes, 0));

    const host = s1[0]!.topLocalHosts[0]!.host;
    const series = await reader.hostSeries({ ...range, host, sensor: 's1', resolution: '1s' });
    const expected = s1.flatMap((w) => w.topLocalHosts.filter((h) => h.host === host).map((h) => ({ t: w.start, b: h.bytesOut })));
    expect(series.map((p) => ({ t: p.time, b: p.bytesOut }))).toEqual(expected);
  });

  it('creates the retention policies and continuous queries, and ALTERs durations on a second start', async () => {
    const rps = await conn.client.showRetentionPolicies(conn.database);
    const byName = new Map(rps.map((r) => [r.name, r]));
    expect(byName.get('raw')).toMatchObject({ duration: '168h0m0s', default: true });
    expect(byName.get('rollup_1m')?.duration).toBe('2160h0m0s');
    expect(byName.get('rollup_1h')?.duration).toBe('17520h0m0s');
    const cqs = (await conn.client.showContinousQueries(conn.database)).map((c) => c.name);
    expect(cqs).toContain(cqName(TRAFFIC, ROLLUP_STEPS[0]!));
    expect(cqs).toContain(cqName(TRAFFIC, ROLLUP_STEPS[1]!));

    const again = await connectStore({ url: db.url, database: db.name, retention: { raw: '3d', rollup1m: '30d' } });
    const after = new Map((await again.client.showRetentionPolicies(conn.database)).map((r) => [r.name, r]));
    expect(after.get('raw')).toMatchObject({ duration: '72h0m0s', default: true });
    expect(after.get('rollup_1m')?.duration).toBe('720h0m0s');
    expect((await again.client.showContinousQueries(conn.database)).length).toBe(cqs.length);
    await connectStore({ url: db.url, database: db.name });
  });

  it('rolls up to 1 m and 1 h with sums equal to the raw points', async () => {
    await backfillRollups(conn.client, conn.database, start, start + 3_600_000);
    const reader = new InfluxReader(conn);
    const range = { from: start, to: start + 3_600_000, sensor: 's1' };
    const raw = await reader.windows({ ...range, resolution: '1s' });
    const minutes = await reader.windows({ ...range, resolution: '1m' });
    expect(minutes.length).toBe(3);
    for (const m of minutes) {
      const inside = raw.filter((w) => w.start >= m.start && w.start < m.start + 60_000);
      expect(m.directions.outbound.bytes).toBe(inside.reduce((a, w) => a + w.directions.outbound.bytes, 0));
      expect(m.directions.inbound.remoteHosts).toBe(Math.max(...inside.map((w) => w.directions.inbound.remoteHosts)));
      expect(m.services.tls.packets).toBe(inside.reduce((a, w) => a + w.services.tls.packets, 0));
      expect(m.health.packetsSeen).toBe(inside.reduce((a, w) => a + w.health.packetsSeen, 0));
      expect(m.durationMs).toBe(60_000);
    }
    const hours = await reader.windows({ ...range, resolution: '1h' });
    expect(hours.length).toBe(1);
    expect(hours[0]!.directions.other.packets).toBe(raw.reduce((a, w) => a + w.directions.other.packets, 0));
    expect(hours[0]!.durationMs).toBe(180_000);
  });

  it('stores anomalies, overwrites them on update, and filters and pages them', async () => {
    const writer = new InfluxWriter({
      endpoint: conn.endpoint, database: conn.database, retentionPolicies: conn.retentionPolicies, spoolDir: join(spoolRoot, 'an'),
    });
    const list = Array.from({ length: 25 }, (_, i) => ({
      ...syntheticAnomaly(`inc-${i}`, i % 2 ? 's1' : 's2', start + Math.floor(i / 5) * 1000),
      level: i % 3 === 0 ? 'critical' as const : 'medium' as const,
    }));
    writer.write(list.map(anomalyToPoint));
    await writer.flush();
    writer.write([anomalyToPoint({ ...list[4]!, status: 'acknowledged', end: list[4]!.end + 9_000, ongoing: false })]);
    writer.write([modelEventToPoint({ at: start, kind: 'promoted', modelVersion: 'v7', sensor: '', summary: 'v7 is live', detail: { recall: 0.9 } })]);
    await writer.close();

    const reader = new InfluxReader(conn);
    const range = { from: start - 1, to: start + 3_600_000 };
    const one = await reader.anomaly('inc-4');
    expect(one).toEqual({ ...list[4], status: 'acknowledged', end: list[4]!.end + 9_000, ongoing: false });
    const open = await reader.anomalies({ ...range, status: 'open', limit: 1000 });
    expect(open.items.length).toBe(24);
    expect(open.nextOffset).toBeUndefined();
    const crit = await reader.anomalies({ ...range, level: 'critical', sensor: 's2', limit: 1000 });
    expect(crit.items.map((a) => a.id).sort()).toEqual(list.filter((a, i) => i % 2 === 0 && a.level === 'critical').map((a) => a.id).sort());
    const seen: string[] = [];
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const page = await reader.anomalies({ ...range, limit: 10, offset });
      seen.push(...page.items.map((a) => a.id));
      offset = page.nextOffset;
    }
    expect(seen.sort()).toEqual(list.map((a) => a.id).sort());
    const events = await reader.modelEvents(range);
    expect(events).toEqual([{ at: start, kind: 'promoted', modelVersion: 'v7', sensor: '', summary: 'v7 is live', detail: { recall: 0.9 } }]);
  });

  it('works without managed retention (InfluxDB 2.x/3.x v1 endpoints): default RP, 1 s reads only', async () => {
    const plain = await freshDatabase('store_plain');
    try {
      const c = await connectStore({ url: plain.url, database: plain.name, manageRetention: false, createDatabase: false });
      expect(c.retentionPolicies).toEqual({ raw: undefined, events: undefined });
      expect((await c.client.showRetentionPolicies(plain.name)).map((r) => r.name)).toEqual(['autogen']);
      const writer = new InfluxWriter({
        endpoint: c.endpoint, database: c.database, retentionPolicies: c.retentionPolicies, spoolDir: join(spoolRoot, 'plain'),
      });
      const windows = Array.from({ length: 5 }, (_, i) => syntheticWindow('p', start + i * 1000, i + 1));
      for (const w of windows) writer.write(windowStatsToPoints(w));
      writer.write([anomalyToPoint(syntheticAnomaly('p-1', 'p', start))]);
      await writer.close();
      const reader = new InfluxReader(c);
      const range = { from: start, to: start + 10_000 };
      expect(await reader.windows({ ...range, resolution: 'auto' })).toEqual(windows);
      expect((await reader.anomalies(range)).items.map((a) => a.id)).toEqual(['p-1']);
      expect(() => reader.resolve({ ...range, resolution: '1m' })).toThrow(/needs the roll-up retention policies/);
    } finally {
      await plain.drop();
    }
  });
});
