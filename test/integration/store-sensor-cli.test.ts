// `spanwatch sensor` → InfluxDB: the stored totals per direction equal `spanwatch stats` on the
// same generated capture (and capinfos' packet count); two sensors share one database; bad
// store configuration ends the command with a clear message instead of a retry loop.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureFileWriter } from '../../capture/index.ts';
import { sampleTraffic, tcpFrame, udpFrame, TCP } from '../../datasets/index.ts';
import { InfluxReader, connectStore, type StoreConnection } from '../../store/index.ts';
import { freshDatabase, type FreshDatabase } from '../helpers/influx.ts';

const bin = join(import.meta.dirname, '../../bin/spanwatch');
const startSec = Math.floor(Date.now() / 1000) - 3_600;
let dir: string;
let capture: string;
let db: FreshDatabase;
let conn: StoreConnection;

function spanwatch(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8', env: { ...process.env, SPANWATCH_VAR: join(dir, 'var'), ...env }, timeout: 90_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spanwatch-store-cli-'));
  capture = join(dir, 'mix.pcap');
  const w = new CaptureFileWriter(capture, { format: 'pcap', linkType: 1, nanosecond: true });
  for (const f of sampleTraffic({ startSec })) w.packet(f.tsSec, f.tsNsec, f.frame);
  // Three minutes of steady traffic in all four directions.
  for (let i = 0; i < 3_000; i++) {
    const t = startSec + 10 + i * 0.06;
    const sec = Math.floor(t);
    const nsec = Math.round((t - sec) * 1e9);
    const local = `192.168.1.${(i % 20) + 2}`;
    const remote = `198.51.100.${(i % 40) + 1}`;
    const frame = i % 4 === 0 ? tcpFrame({ src: local, dst: remote, sport: 40_000 + (i % 300), dport: 443, flags: TCP.ACK | TCP.PSH, payload: 200 + (i % 700) })
      : i % 4 === 1 ? tcpFrame({ src: remote, dst: local, sport: 443, dport: 40_000 + (i % 300), flags: TCP.ACK, payload: 1200 })
        : i % 4 === 2 ? udpFrame({ src: local, dst: `192.168.1.${(i % 7) + 100}`, sport: 5000 + (i % 50), dport: 137, payload: 60 })
          : udpFrame({ src: `100.64.${i % 5}.1`, dst: remote, sport: 123, dport: 123, payload: 48 });
    w.packet(sec, nsec, frame);
  }
  await w.close();
  db = await freshDatabase('store_cli');
  conn = await connectStore({ url: db.url, database: db.name });
});

afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('spanwatch sensor with the store', () => {
  it('stores per-direction totals equal to `spanwatch stats` and capinfos, for two sensors in one database', async () => {
    // Both sensors at once, as two SPAN ports would write.
    const runs = ['s1', 's2'].map((sensor) => new Promise<number | null>((resolve) => {
      const child = spawn(bin, ['sensor', '--pcap', capture, '--influx', db.url, '--influx-db', db.name, '--sensor', sensor],
        { env: { ...process.env, SPANWATCH_VAR: join(dir, 'var') }, stdio: ['ignore', 'ignore', 'inherit'] });
      child.once('exit', (code) => resolve(code));
    }));
    expect(await Promise.all(runs)).toEqual([0, 0]);
    const stats = JSON.parse(spanwatch(['stats', capture, '--json']).stdout) as { packets: number; directions: Record<string, { packets: number; bytes: number }> };
    const capinfos = Number(execFileSync('capinfos', ['-M', '-c', '-T', '-r', capture], { encoding: 'utf8' }).trim().split('\t')[1]);
    expect(stats.packets).toBe(capinfos);

    const reader = new InfluxReader(conn);
    const range = { from: (startSec - 60) * 1000, to: (startSec + 600) * 1000 };
    for (const sensor of ['s1', 's2']) {
      const stored = await reader.directionTotals({ ...range, sensor });
      for (const d of ['outbound', 'inbound', 'internal', 'other']) {
        expect({ d, packets: stored[d]?.packets ?? 0, bytes: stored[d]?.bytes ?? 0 })
          .toEqual({ d, packets: stats.directions[d]!.packets, bytes: stats.directions[d]!.bytes });
      }
      expect(Object.values(stored).reduce((a, t) => a + t.packets, 0)).toBe(capinfos);
    }
    expect(await reader.sensors()).toEqual(['s1', 's2']);
    const all = await reader.directionTotals(range);
    expect(all.outbound!.packets).toBe(2 * stats.directions.outbound!.packets);
    const windows = await reader.windows({ ...range, sensor: 's1', resolution: '1s' });
    expect(windows.reduce((a, w) => a + w.health.packetsSeen, 0)).toBe(capinfos);
    const minutes = await reader.windows({ ...range, sensor: 's1', resolution: '1m' });
    expect(minutes.reduce((a, w) => a + w.directions.inbound.bytes, 0)).toBe(stats.directions.inbound!.bytes);
  });

  it('ends with a clear message when InfluxDB is unreachable', () => {
    const r = spanwatch(['sensor', '--pcap', capture, '--influx', 'http://127.0.0.1:9', '--sensor', 'x']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot reach InfluxDB at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
  });

  it('refuses a missing database with --no-create-db, naming it', () => {
    const r = spanwatch(['sensor', '--pcap', capture, '--influx', db.url, '--influx-db', 'no_such_db', '--no-create-db', '--sensor', 'x']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/has no database 'no_such_db'/);
  });

  it('skips the store with --no-store', () => {
    const r = spanwatch(['sensor', '--pcap', capture, '--no-store', '--influx', 'http://127.0.0.1:9', '--sensor', 'nostore', '--jsonl', join(dir, 'w.jsonl')]);
    expect(r.stderr).not.toMatch(/spanwatch(: store| store)|InfluxDB/);
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'w.jsonl'), 'utf8')).toContain('"type":"window"');
    expect(existsSync(join(dir, 'var', 'spool', 'nostore'))).toBe(false);
  });
});
