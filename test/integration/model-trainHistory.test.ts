// `spanwatch train` from InfluxDB history: windows written by the store's writer to a real influxd
// are read back for one sensor and range, and the model records them as its training data.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfluxWriter, anomalyToPoint, connectStore, windowStatsToPoints } from '../../store/index.ts';
import { freshDatabase, type FreshDatabase } from '../helpers/influx.ts';
import { syntheticWindows } from '../../datasets/synthetic/index.ts';
import { makeAnomaly } from '../unit/server-fixtures.ts';

const BIN = join(import.meta.dirname, '../../bin/spanwatch');
// recent enough for the raw retention policy: an hour boundary three hours ago
const start = Math.floor((Date.now() - 3 * 3_600_000) / 3_600_000) * 3_600_000;
let db: FreshDatabase;
let dir: string;

beforeAll(async () => {
  db = await freshDatabase('model_history');
  dir = mkdtempSync(join(tmpdir(), 'model-history-'));
  const conn = await connectStore({ url: db.url, database: db.name });
  const writer = new InfluxWriter({ endpoint: conn.endpoint, database: conn.database, retentionPolicies: conn.retentionPolicies, spoolDir: join(dir, 'spool'), batchSize: 1000 });
  for (const sensor of ['office', 'lab']) {
    for (const w of syntheticWindows({ windows: 600, windowMs: 1000, start, seed: sensor === 'office' ? 1 : 2 })) writer.write(windowStatsToPoints({ ...w, sensor }));
  }
  await writer.close();
});
afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('train from history', () => {
  it('reads one sensor\'s windows of the range and trains on them', () => {
    const r = spawnSync(BIN, [
      'train', '--influx', db.url, '--influx-db', db.name, '--sensor', 'office',
      '--from', new Date(start).toISOString(), '--to', String(start + 500_000), '--epochs', '1', '--models', join(dir, 'models'),
    ], { encoding: 'utf8', env: { ...process.env, SPANWATCH_CONFIG: '' } });
    expect(r.stderr).toMatch(/trained v\d{8}-\d{4}-[0-9a-f]{8} on 500 windows/);
    expect(r.status).toBe(0);
    const meta = JSON.parse(readFileSync(join(r.stdout.trim(), 'meta.json'), 'utf8'));
    expect(meta.training.windows).toBe(500);
    expect(meta.training.start).toBe(start);
    expect(meta.training.end).toBe(start + 500_000);
    expect(meta.training.sources[0]).toMatch(/^influx:model_history_[0-9a-f]+\/office@/);
  });
  it('says how much data is needed when the range holds too little', () => {
    const r = spawnSync(BIN, [
      'train', '--influx', db.url, '--influx-db', db.name, '--sensor', 'office',
      '--from', String(start), '--to', String(start + 60_000), '--models', join(dir, 'models'),
    ], { encoding: 'utf8', env: { ...process.env, SPANWATCH_CONFIG: '' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/at least 300 windows .* got only 60 windows/);
  });
  it('leaves out the confirmed incidents stored with the history (escalated, resolved) and records the accepted rules', async () => {
    const conn = await connectStore({ url: db.url, database: db.name });
    const writer = new InfluxWriter({ endpoint: conn.endpoint, database: conn.database, retentionPolicies: conn.retentionPolicies, spoolDir: join(dir, 'spool2') });
    const stored = [
      makeAnomaly({ id: 'resolved-1', sensor: 'office', start: start + 100_000, end: start + 130_000, status: 'resolved' }),
      makeAnomaly({ id: 'escalated-1', sensor: 'office', start: start + 200_000, end: start + 210_000, status: 'escalated' }),
      makeAnomaly({ id: 'fp-1', sensor: 'office', start: start + 300_000, end: start + 350_000, status: 'false-positive' }),
      makeAnomaly({ id: 'open-1', sensor: 'office', start: start + 400_000, end: start + 450_000, status: 'open' }),
      makeAnomaly({ id: 'other-sensor', sensor: 'lab', start: start + 20_000, end: start + 60_000, status: 'escalated' }),
    ];
    writer.write(stored.map((a) => anomalyToPoint(a)));
    await writer.close();
    const rules = join(dir, 'suppressions.json');
    const rule = { id: 'r1', scope: { kind: 'beaconing', remote: '192.0.2.10' }, reason: 'false positive: monitoring agent', expiresAt: Date.now() + 86_400_000, createdBy: 'alice', createdAt: Date.now(), anomalyId: 'fp-1' };
    const expired = { ...rule, id: 'r0', expiresAt: Date.now() - 1000 };
    writeFileSync(rules, JSON.stringify({ suppressions: [expired, rule] }));
    const r = spawnSync(BIN, [
      'train', '--influx', db.url, '--influx-db', db.name, '--sensor', 'office', '--rules', rules,
      '--from', String(start), '--to', String(start + 500_000), '--epochs', '1', '--models', join(dir, 'models-confirmed'),
    ], { encoding: 'utf8', env: { ...process.env, SPANWATCH_CONFIG: '' } });
    expect(r.stderr).toContain('leaving out 2 confirmed incident ranges stored in InfluxDB');
    expect(r.stderr).toContain('recording 1 analyst rule from');
    expect(r.status).toBe(0);
    const meta = JSON.parse(readFileSync(join(r.stdout.trim(), 'meta.json'), 'utf8'));
    expect(meta.training.excludedWindows).toBe(30 + 10);
    expect(meta.training.windows).toBe(500 - 40);
    expect(meta.training.excludedRanges).toEqual([{ start: start + 100_000, end: start + 130_000 }, { start: start + 200_000, end: start + 210_000 }]);
    expect(meta.rules).toEqual([rule]);
  });
});
