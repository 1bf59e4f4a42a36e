// The server with its real neighbours: `spanwatch sensor --server` replaying a capture into a
// running server and out to a stream client; analyst status written back to a real InfluxDB and
// read again by a fresh server.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { mkdirSync } from 'node:fs';
import { CaptureFileWriter, CapturePipeline, openFileSource } from '../../capture/index.ts';
import { sampleTraffic, tcpFrame, TCP } from '../../datasets/index.ts';
import {
  DatasetReplays, InfluxAnomalyWriter, InfluxHistory, buildServer, startServer, type ServerMessage, type StartedServer,
} from '../../server/index.ts';
import { InfluxReader, InfluxWriter, anomalyToPoint, connectStore, windowStatsToPoints, type StoreConnection } from '../../store/index.ts';
import { freshDatabase, type FreshDatabase } from '../helpers/influx.ts';
import { makeAnomaly, makeWindow } from '../unit/server-fixtures.ts';

const bin = join(import.meta.dirname, '../../bin/spanwatch');
let dir: string;
let db: FreshDatabase;
let conn: StoreConnection;
let writer: InfluxWriter;
let srv: StartedServer;
let sensorToken: string;
let viewerToken: string;
let analystToken: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spanwatch-server-sensor-'));
  db = await freshDatabase('server_sensor');
  conn = await connectStore({ url: db.url, database: db.name });
  writer = new InfluxWriter({ endpoint: conn.endpoint, database: conn.database, retentionPolicies: conn.retentionPolicies, spoolDir: join(dir, 'spool'), flushIntervalMs: 50 });
  srv = await startServer({
    varDir: join(dir, 'var'), uiDir: null, port: 0, announceToken: () => {},
    history: new InfluxHistory(new InfluxReader(conn)), anomalyWriter: new InfluxAnomalyWriter(writer),
  });
  sensorToken = srv.app.spanwatch.users.add('probe', 'sensor', { sensors: ['e2e'] });
  viewerToken = srv.app.spanwatch.users.add('watcher', 'viewer');
  analystToken = srv.app.spanwatch.users.add('ann', 'analyst');
});

afterAll(async () => {
  await srv?.close();
  await writer?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('server with a sensor process and InfluxDB', () => {
  it('a sensor replaying a capture with --server reaches a stream client window for window', async () => {
    const capture = join(dir, 'office.pcap');
    const startSec = Math.floor(Date.now() / 1000) - 600;
    const w = new CaptureFileWriter(capture, { format: 'pcap', linkType: 1, nanosecond: true });
    for (const f of sampleTraffic({ startSec })) w.packet(f.tsSec, f.tsNsec, f.frame);
    for (let i = 0; i < 600; i++) {
      const t = startSec + 5 + i * 0.05;
      w.packet(Math.floor(t), Math.round((t % 1) * 1e9), tcpFrame({ src: '192.168.1.20', dst: '198.51.100.7', sport: 40_000 + (i % 50), dport: 443, flags: TCP.ACK, payload: 400 }));
    }
    await w.close();

    const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/api/v1/stream`);
    const received: ServerMessage[] = [];
    ws.on('message', (d) => received.push(JSON.parse(String(d)) as ServerMessage));
    await new Promise<void>((r) => ws.on('open', () => { ws.send(JSON.stringify({ type: 'auth', token: viewerToken, sensors: ['e2e'] })); r(); }));

    const jsonl = join(dir, 'windows.jsonl');
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(bin, ['sensor', '--pcap', capture, '--no-store', '--sensor', 'e2e', '--jsonl', jsonl, '--server', srv.url],
        { env: { ...process.env, SPANWATCH_SENSOR_TOKEN: sensorToken, SPANWATCH_VAR: join(dir, 'var') }, stdio: ['ignore', 'ignore', 'inherit'] });
      child.once('exit', resolve);
    });
    expect(code).toBe(0);
    const written = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; data: { start: number; directions: { outbound: { packets: number } } } })
      .filter((r) => r.type === 'window');
    expect(written.length).toBeGreaterThan(30);
    await new Promise<void>((resolve) => {
      const t = setInterval(() => { if (received.filter((m) => m.type === 'window').length >= written.length) { clearInterval(t); resolve(); } }, 50);
    });
    const windows = received.filter((m): m is Extract<ServerMessage, { type: 'window' }> => m.type === 'window');
    expect(windows.map((m) => m.data.start)).toEqual(written.map((r) => r.data.start));
    expect(windows.map((m) => m.data.directions.outbound.packets)).toEqual(written.map((r) => r.data.directions.outbound.packets));
    ws.close();
  });

  it('writes analyst status back to InfluxDB; a fresh server reading the store sees it', async () => {
    const a = makeAnomaly({ id: 'stored-1', sensor: 'influx-s', start: Date.now() - 60_000, end: Date.now() - 59_000 });
    writer.write([anomalyToPoint(a)]);
    await writer.flush();
    srv.app.spanwatch.feed.anomaly(a);
    const res = await fetch(`${srv.url}/api/v1/anomalies/stored-1/actions`, {
      method: 'POST', headers: { authorization: `Bearer ${analystToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ action: 'acknowledge', note: 'mine' }),
    });
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    await writer.flush();
    const reader = new InfluxReader(conn);
    expect((await reader.anomaly('stored-1'))?.status).toBe('acknowledged');

    const fresh = await buildServer({ varDir: join(dir, 'var'), uiDir: null, history: new InfluxHistory(reader) });
    try {
      const auth = { authorization: `Bearer ${viewerToken}` };
      const one = await fresh.inject({ url: '/api/v1/anomalies/stored-1', headers: auth });
      expect(one.json().anomaly).toMatchObject({ id: 'stored-1', status: 'acknowledged', sensor: 'influx-s' });
      expect(one.json().audit.map((e: { action: string }) => e.action)).toEqual(['incident.acknowledge']);
      const list = await fresh.inject({ url: '/api/v1/anomalies?sensor=influx-s&status=acknowledged', headers: auth });
      expect(list.json().anomalies.map((x: { id: string }) => x.id)).toEqual(['stored-1']);
    } finally {
      await fresh.close();
    }
  });
});

describe('history from InfluxDB', () => {
  it('serves stored windows and a host timeline through the store reader', async () => {
    const t0 = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;
    for (let i = 0; i < 30; i++) writer.write(windowStatsToPoints(makeWindow('stored', t0 + i * 1000, i + 1)));
    await writer.flush();
    const auth = { authorization: `Bearer ${viewerToken}` };
    const q = `sensor=stored&from=${t0}&to=${t0 + 30_000}`;
    const windows = (await (await fetch(`${srv.url}/api/v1/windows?${q}&resolution=1s`, { headers: auth })).json()) as { windows: { start: number; directions: { outbound: { packets: number } } }[] };
    expect(windows.windows.map((w) => w.start)).toEqual(Array.from({ length: 30 }, (_, i) => t0 + i * 1000));
    expect(windows.windows.map((w) => w.directions.outbound.packets)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const tl = (await (await fetch(`${srv.url}/api/v1/hosts/10.0.0.5/timeline?${q}&resolution=1s`, { headers: auth })).json()) as { points: { start: number; bytesOut: number }[] };
    expect(tl.points.map((p) => p.bytesOut)).toEqual(Array.from({ length: 30 }, (_, i) => (i + 1) * 100));
  });
});

describe('training-mode replays', () => {
  it('replays a dataset on its own channel, leaving the live channel and history untouched', async () => {
    const varDir = join(dir, 'replay-var');
    const dsDir = join(varDir, 'datasets', 'mini');
    mkdirSync(dsDir, { recursive: true });
    const capture = join(dsDir, 'mini.pcap');
    const w = new CaptureFileWriter(capture, { format: 'pcap', linkType: 1, nanosecond: true });
    for (const f of sampleTraffic({ startSec: 1_700_000_000 })) w.packet(f.tsSec, f.tsNsec, f.frame);
    await w.close();
    const reference: number[] = [];
    await new CapturePipeline({ sensor: 'ref' }, (x) => reference.push(x.start)).run(openFileSource([capture]));

    const rs = await startServer({ varDir, uiDir: null, port: 0, announceToken: () => {}, replays: new DatasetReplays(varDir, async () => null) });
    try {
      const token = rs.app.spanwatch.users.add('trainee', 'analyst');
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const list = await (await fetch(`${rs.url}/api/v1/datasets`, { headers: auth })).json() as { datasets: { name: string; files: number }[] };
      expect(list.datasets).toEqual([{ name: 'mini', description: '1 capture file(s) without labels', files: 1, labelled: false }]);
      expect((await fetch(`${rs.url}/api/v1/replays`, { method: 'POST', headers: auth, body: JSON.stringify({ dataset: 'nope' }) })).status).toBe(404);

      const ws = new WebSocket(`${rs.url.replace('http', 'ws')}/api/v1/stream`);
      const got: ServerMessage[] = [];
      ws.on('message', (d) => got.push(JSON.parse(String(d)) as ServerMessage));
      await new Promise<void>((r) => ws.on('open', () => r()));
      ws.send(JSON.stringify({ type: 'auth', token }));
      while (!got.some((m) => m.type === 'hello')) await new Promise((r) => setTimeout(r, 10));
      const res = await fetch(`${rs.url}/api/v1/replays`, { method: 'POST', headers: auth, body: JSON.stringify({ dataset: 'mini', speed: 10_000 }) });
      expect(res.status).toBe(201);
      const replay = await res.json() as { id: string; channel: string };
      expect(replay.channel).toBe(`replay:${replay.id}`);
      ws.send(JSON.stringify({ type: 'subscribe', channels: [replay.channel] }));
      for (;;) {
        const st = await (await fetch(`${rs.url}/api/v1/replays/${replay.id}`, { headers: auth })).json() as { state: string; windows: number };
        if (st.state !== 'running') {
          expect(st).toMatchObject({ state: 'done', windows: reference.length });
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 200));
      const windows = got.filter((m): m is Extract<ServerMessage, { type: 'window' }> => m.type === 'window');
      // subscribing after the replay started still delivers it from the first window
      expect(windows.every((m) => m.channel === replay.channel)).toBe(true);
      expect(windows.map((m) => m.data.start)).toEqual(reference);
      expect(rs.app.spanwatch.feed.windowsIn).toBe(0);
      ws.close();

      const slow = await (await fetch(`${rs.url}/api/v1/replays`, { method: 'POST', headers: auth, body: JSON.stringify({ dataset: 'mini', speed: 0.001 }) })).json() as { id: string };
      const stopped = await fetch(`${rs.url}/api/v1/replays/${slow.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
      expect(stopped.status).toBe(200);
      expect((await stopped.json() as { state: string }).state).toBe('stopped');
      expect((await fetch(`${rs.url}/api/v1/replays/nope`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    } finally {
      await rs.close();
    }
  });
});
