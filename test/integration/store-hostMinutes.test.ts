// host_minutes in a real influxd: a capture with far more active local hosts than a window's
// top-K, replayed by `spanwatch sensor` (the threaded writer) and written again through
// InfluxWriter: every host of every window has its series, its minutes sum to what the windows
// say, the 1 m roll-up equals them, and the host series the API reads adds up to the windows'
// totals for a host that was never in a top-K list as for one that always was.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureFileWriter, type WindowStats } from '../../capture/index.ts';
import { TCP, tcpFrame, udpFrame } from '../../datasets/index.ts';
import { HOST_MINUTES, HOST_STEP_MS, InfluxReader, InfluxWriter, backfillRollups, connectStore, type StoreConnection } from '../../store/index.ts';
import { freshDatabase, type FreshDatabase } from '../helpers/influx.ts';

const bin = join(import.meta.dirname, '../../bin/spanwatch');
// an hour ago, so the sensor rolls the replayed range up itself when it closes
const startSec = Math.floor(Date.now() / 60_000) * 60 - 3_600 + 17;
const HOSTS = 240;
let dir: string;
let db: FreshDatabase;
let conn: StoreConnection;
let windows: WindowStats[];

type Sums = Map<string, { windows: number; bytesOut: number; bytesIn: number; packetsOut: number; flowsStarted: number; dnsQueries: number; bytesToRemote: number }>;

/** Per host, the windows' own figures summed (the truth host_minutes must match). */
function windowSums(list: WindowStats[]): Sums {
  const out: Sums = new Map();
  for (const w of list) {
    for (const h of w.localHosts!) {
      let s = out.get(h.host);
      if (!s) out.set(h.host, (s = { windows: 0, bytesOut: 0, bytesIn: 0, packetsOut: 0, flowsStarted: 0, dnsQueries: 0, bytesToRemote: 0 }));
      s.windows++; s.bytesOut += h.bytesOut; s.bytesIn += h.bytesIn; s.packetsOut += h.packetsOut;
      s.flowsStarted += h.flowsStarted; s.dnsQueries += h.dnsQueries; s.bytesToRemote += h.bytesToRemote ?? 0;
    }
  }
  return out;
}

async function storedSums(rp: string, sensor: string): Promise<Sums> {
  const rows = await conn.client.query<Record<string, number | string>>(
    `SELECT sum("windows") AS windows, sum("bytesOut") AS bytesOut, sum("bytesIn") AS bytesIn, sum("packetsOut") AS packetsOut, sum("flowsStarted") AS flowsStarted, sum("dnsQueries") AS dnsQueries, sum("bytesToRemote") AS bytesToRemote FROM "${db.name}"."${rp}"."${HOST_MINUTES.name}" WHERE "sensor" = '${sensor}' GROUP BY "host"`,
  );
  const out: Sums = new Map();
  for (const r of rows as unknown as Array<Record<string, number | string>>) {
    out.set(String(r.host), {
      windows: Number(r.windows), bytesOut: Number(r.bytesOut), bytesIn: Number(r.bytesIn), packetsOut: Number(r.packetsOut),
      flowsStarted: Number(r.flowsStarted), dnsQueries: Number(r.dnsQueries), bytesToRemote: Number(r.bytesToRemote),
    });
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spanwatch-host-minutes-'));
  const capture = join(dir, 'site.pcap');
  const w = new CaptureFileWriter(capture, { format: 'pcap', linkType: 1, nanosecond: true });
  // three and a half minutes: host .2 sends the most (always in the top-K); hosts .3–.120 send
  // to the internet and ask DNS, more of them in every window than the top-K holds; hosts
  // .121–.240 only ask DNS, so small that no top-K list ever names them
  let dnsTurn = 0;
  let tcpTurn = 0;
  for (let i = 0; i < 42_000; i++) {
    const t = startSec + i * 0.005;
    const sec = Math.floor(t);
    const nsec = Math.round((t - sec) * 1e9);
    const dnsOnly = i % 4 === 1;
    const host = i % 3 === 0 ? 2 : dnsOnly ? 121 + (dnsTurn++ % (HOSTS - 120)) : 3 + (tcpTurn++ % 118);
    const local = `10.9.${host >> 8}.${host & 255}`;
    const remote = `203.0.113.${(i % 50) + 1}`;
    const frame = dnsOnly || i % 5 === 0 ? udpFrame({ src: local, dst: '10.9.0.1', sport: 30_000 + (i % 900), dport: 53, payload: 40 })
      : i % 5 === 1 ? tcpFrame({ src: remote, dst: local, sport: 443, dport: 40_000 + (i % 300), flags: TCP.ACK, payload: 900 })
        : tcpFrame({ src: local, dst: remote, sport: 40_000 + (i % 300), dport: 443, flags: i % 11 === 0 ? TCP.SYN : TCP.ACK | TCP.PSH, payload: host === 2 ? 1400 : 300 + (i % 500) });
    w.packet(sec, nsec, frame);
  }
  await w.close();
  db = await freshDatabase('host_minutes');
  conn = await connectStore({ url: db.url, database: db.name });
  const jsonl = join(dir, 'windows.jsonl');
  const r = spawnSync(bin, ['sensor', '--pcap', capture, '--influx', db.url, '--influx-db', db.name, '--sensor', 's1', '--local-net', '10.9.0.0/16', '--jsonl', jsonl],
    { encoding: 'utf8', env: { ...process.env, SPANWATCH_VAR: join(dir, 'var') }, timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  windows = readFileSync(jsonl, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; data: WindowStats })
    .filter((l) => l.type === 'window').map((l) => l.data);
}, 180_000);

afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('host_minutes', () => {
  it('gives every active local host of the replayed capture its series, summing to its windows', async () => {
    const truth = windowSums(windows);
    // the point of the measurement: hosts that no window's top-K names
    const topK = new Set(windows.flatMap((w) => w.topLocalHosts.map((h) => h.host)));
    expect(truth.size).toBeGreaterThanOrEqual(HOSTS);
    expect(truth.size - topK.size).toBeGreaterThanOrEqual(100);
    const stored = await storedSums('raw', 's1');
    expect(new Set(stored.keys())).toEqual(new Set(truth.keys()));
    for (const [host, s] of truth) expect(stored.get(host), host).toEqual(s);
    // one point per host and minute it was active in, on minute boundaries
    const points = await conn.client.query<{ time: Date }>(`SELECT "windows" FROM "${db.name}"."raw"."${HOST_MINUTES.name}" WHERE "host" = '10.9.0.2'`);
    expect(points.length).toBe(new Set(windows.map((w) => Math.floor(w.start / HOST_STEP_MS))).size);
    for (const p of points) expect(p.time.getTime() % HOST_STEP_MS).toBe(0);
  });

  it('rolls the minutes up unchanged and up to the hour', async () => {
    // the sensor rolls a replayed range up when it closes; again here (idempotent), so a sensor
    // that had to spool under load does not decide this test
    const from = Math.floor(startSec / 3_600) * 3_600_000;
    await backfillRollups(conn.client, conn.database, from, from + 2 * 3_600_000);
    const truth = windowSums(windows);
    expect(await storedSums('rollup_1m', 's1')).toEqual(truth);
    expect(await storedSums('rollup_1h', 's1')).toEqual(truth);
  });

  it('writes the same series through InfluxWriter (the server\'s writer), the open minute at close', async () => {
    const writer = new InfluxWriter({ endpoint: conn.endpoint, database: conn.database, retentionPolicies: conn.retentionPolicies, spoolDir: join(dir, 'spool') });
    for (const w of windows) writer.writeWindow({ ...w, sensor: 's2' });
    await writer.close();
    expect(writer.counters).toMatchObject({ dropped: 0, rejected: 0 });
    expect(await storedSums('raw', 's2')).toEqual(windowSums(windows));
  });

  it('serves a host series that adds up to the windows for a host never in a top-K list and for one always in it', async () => {
    const reader = new InfluxReader(conn);
    const truth = windowSums(windows);
    // whole hours: a roll-up's point is at the start of its hour
    const from = Math.floor(startSec / 3_600) * 3_600_000;
    const range = { from, to: from + 2 * 3_600_000, sensor: 's1' };
    const topK = new Set(windows.flatMap((w) => w.topLocalHosts.map((h) => h.host)));
    const hidden = [...truth.keys()].find((h) => !topK.has(h))!;
    for (const host of ['10.9.0.2', hidden]) {
      for (const resolution of ['1s', '1m', '1h'] as const) {
        const series = await reader.hostSeries({ ...range, host, resolution });
        expect(series.reduce((a, p) => a + p.bytesOut, 0), `${host} at ${resolution}`).toBe(truth.get(host)!.bytesOut);
        expect(series.reduce((a, p) => a + p.windows, 0), `${host} at ${resolution}`).toBe(truth.get(host)!.windows);
      }
    }
    // at 1 s the busiest host keeps its per-window detail; the hidden one comes per minute
    const busy = await reader.hostSeries({ ...range, host: '10.9.0.2', resolution: '1s' });
    expect(busy.every((p) => p.durationMs === 1_000)).toBe(true);
    const quiet = await reader.hostSeries({ ...range, host: hidden, resolution: '1s' });
    expect(quiet.length).toBeGreaterThan(0);
    expect(quiet.every((p) => p.durationMs === HOST_STEP_MS)).toBe(true);
  });
});
