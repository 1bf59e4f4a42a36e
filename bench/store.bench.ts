// Store throughput: InfluxWriter next to the raw `influx` client writing the same points in one
// batch stream, against a local influxd started the embedded way (temporary directory); and the
// capture pipeline's packets/s with the store on versus off on the same capture (1 s windows).
// Prints numbers and ratios; asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxDB, type IPoint } from 'influx';
import { CaptureFileWriter, CapturePipeline, openFileSource } from '../capture/index.ts';
import { tcpFrame, udpFrame, TCP } from '../datasets/index.ts';
import {
  InfluxWriter, connectStore, startEmbeddedInflux, toLine, windowStatsToPoints, type StoreConnection, type StorePoint,
} from '../store/index.ts';
import { syntheticWindow } from '../test/helpers/storeWindows.ts';

const WINDOWS = 8_000;
const CAPTURE_SECONDS = 240;
const PACKETS_PER_SECOND = 1_500;

const dir = mkdtempSync(join(tmpdir(), 'spanwatch-bench-store-'));
const influx = await startEmbeddedInflux({ dataDir: join(dir, 'influxd') });

function toIPoint(p: StorePoint): IPoint {
  return { measurement: p.measurement, tags: p.tags, fields: p.fields, timestamp: p.time };
}

async function writerRun(conn: StoreConnection, windows: StorePoint[][], maxQueuedPoints?: number): Promise<number> {
  const writer = new InfluxWriter({
    endpoint: conn.endpoint, database: conn.database, retentionPolicies: conn.retentionPolicies, spoolDir: join(dir, `spool-${conn.database}`),
    maxQueuedPoints, log: () => {},
  });
  const t0 = performance.now();
  for (const pts of windows) writer.write(pts);
  await writer.flush();
  const ms = performance.now() - t0;
  await writer.close();
  return ms;
}

async function rawClientRun(conn: StoreConnection, windows: StorePoint[][]): Promise<number> {
  const client = new InfluxDB({ host: '127.0.0.1', port: Number(new URL(influx.url).port), database: conn.database });
  const t0 = performance.now();
  let batch: IPoint[] = [];
  for (const pts of windows) {
    for (const p of pts) batch.push(toIPoint(p));
    if (batch.length >= 5_000) {
      await client.writePoints(batch, { precision: 'ms', retentionPolicy: 'raw' });
      batch = [];
    }
  }
  if (batch.length) await client.writePoints(batch, { precision: 'ms', retentionPolicy: 'raw' });
  return performance.now() - t0;
}

async function buildCapture(path: string, startSec: number): Promise<number> {
  const w = new CaptureFileWriter(path, { format: 'pcap', linkType: 1 });
  let n = 0;
  for (let s = 0; s < CAPTURE_SECONDS; s++) {
    for (let i = 0; i < PACKETS_PER_SECOND; i++) {
      const local = `10.0.${(i >> 6) & 3}.${(i % 60) + 2}`;
      const remote = `198.51.${(i * 7) % 250}.${(i % 200) + 1}`;
      const frame = i % 3 === 0
        ? udpFrame({ src: local, dst: remote, sport: 30_000 + (i % 2000), dport: 53, payload: 40 })
        : tcpFrame({ src: i % 2 ? local : remote, dst: i % 2 ? remote : local, sport: i % 2 ? 40_000 + (i % 3000) : 443, dport: i % 2 ? 443 : 40_000 + (i % 3000), flags: TCP.ACK, payload: 300 + (i % 1000) });
      w.packet(startSec + s, Math.floor((i / PACKETS_PER_SECOND) * 1e9), frame);
      n++;
    }
  }
  await w.close();
  return n;
}

async function pipelineRun(capture: string, onWindow: (w: Parameters<ConstructorParameters<typeof CapturePipeline>[1]>[0]) => void): Promise<number> {
  const t0 = performance.now();
  const pipeline = new CapturePipeline({ sensor: 'bench', windowMs: 1000 }, onWindow);
  await pipeline.run(openFileSource([capture]));
  return performance.now() - t0;
}

try {
  const start = Math.floor(Date.now() / 1000) * 1000 - WINDOWS * 1000 - 60_000;
  const windows = Array.from({ length: WINDOWS }, (_, i) => windowStatsToPoints(syntheticWindow('bench', start + i * 1000, i + 1)));
  const points = windows.reduce((a, w) => a + w.length, 0);
  const WRITER = 'InfluxWriter (defaults: the burst spills to the spool)';
  const WRITER_MEM = 'InfluxWriter (memory bound above the burst)';
  const RAW = 'influx client (writePoints, 5000/batch, one stream)';
  const results: { name: string; ms: number }[] = [];
  for (let round = 0; round < 2; round++) {
    const b = await connectStore({ url: influx.url, database: `bench_raw_${round}` });
    results.push({ name: RAW, ms: await rawClientRun(b, windows) });
    const a = await connectStore({ url: influx.url, database: `bench_writer_${round}` });
    results.push({ name: WRITER, ms: await writerRun(a, windows) });
    const m = await connectStore({ url: influx.url, database: `bench_writer_mem_${round}` });
    results.push({ name: WRITER_MEM, ms: await writerRun(m, windows, 10 * points) });
  }
  const best = (name: string): number => Math.min(...results.filter((r) => r.name === name).map((r) => r.ms));
  const rawMs = best(RAW);
  console.log(`points: ${points} (${WINDOWS} windows × ${points / WINDOWS} points) written as one burst, best of 2 rounds`);
  for (const name of [RAW, WRITER, WRITER_MEM]) {
    const ms = best(name);
    console.log(`  ${name.padEnd(56)} ${Math.round(points / (ms / 1000)).toLocaleString('en').padStart(9)} points/s  ratio to raw client ${(rawMs / ms).toFixed(2)}`);
  }

  const capture = join(dir, 'bench.pcap');
  const packets = await buildCapture(capture, Math.floor(Date.now() / 1000) - CAPTURE_SECONDS - 120);
  const storeConn = await connectStore({ url: influx.url, database: 'bench_pipeline' });
  // Wall time, and this process's CPU time (user + system): CPU time is what the store takes from
  // the sensor itself and is far less disturbed by other load on the machine than wall time.
  interface Run { wall: number; cpu: number }
  const measure = async (fn: () => Promise<void>): Promise<Run> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const c = process.cpuUsage(c0);
    return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
  };
  const runs: Record<'off' | 'encode' | 'on', Run[]> = { off: [], encode: [], on: [] };
  const ROUNDS = 5;
  for (let round = 0; round < ROUNDS; round++) {
    runs.off.push(await measure(async () => { await pipelineRun(capture, () => {}); }));
    let chars = 0;
    runs.encode.push(await measure(async () => {
      await pipelineRun(capture, (w) => { for (const p of windowStatsToPoints(w)) chars += toLine(p)?.length ?? 0; });
    }));
    if (chars === 0) throw new Error('nothing encoded');
    runs.on.push(await measure(async () => {
      const writer = new InfluxWriter({
        endpoint: storeConn.endpoint, database: storeConn.database, retentionPolicies: storeConn.retentionPolicies,
        spoolDir: join(dir, `spool-pipeline-${round}`),
      });
      await pipelineRun(capture, (w) => writer.write(windowStatsToPoints(w)));
      await writer.close();
    }));
  }
  const bestOf = (list: Run[], key: keyof Run): number => Math.min(...list.map((r) => r[key]));
  const rate = (ms: number): string => Math.round(packets / (ms / 1000)).toLocaleString('en').padStart(9);
  const cost = (list: Run[], key: keyof Run): string => `${(((bestOf(list, key) - bestOf(runs.off, key)) / bestOf(runs.off, key)) * 100).toFixed(1).padStart(5)} %`;
  console.log(`pipeline: ${packets} packets over ${CAPTURE_SECONDS} windows of 1 s, read at full speed, best of ${ROUNDS}`);
  console.log('                                         wall packets/s   wall cost   CPU packets/s   CPU cost');
  const row = (name: string, list: Run[]): void => {
    console.log(`  ${name.padEnd(38)} ${rate(bestOf(list, 'wall'))}   ${cost(list, 'wall')}    ${rate(bestOf(list, 'cpu'))}   ${cost(list, 'cpu')}`);
  };
  row('store off (--no-store)', runs.off);
  row('points encoded, nothing sent', runs.encode);
  row('store on (incl. final flush)', runs.on);
  console.log('  target: store on costs ≤ 10 % of the pipeline\'s throughput; influxd itself runs in another process');
} finally {
  await influx.stop();
  rmSync(dir, { recursive: true, force: true });
}
