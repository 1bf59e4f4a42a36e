// Server benchmarks, printed against peers measured in the same run:
//  1. latency from a sensor handing a window and its anomaly to the ingest transport until the
//     anomaly arrives at each of 50 WebSocket clients (p50, p99; target p99 ≤ 100 ms on loopback);
//  2. API latency under a bounded keep-alive load loop, next to a bare fastify route.
// Sensor, server and clients share this process (and its event loop): the numbers are an upper
// bound for the server's own share.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import WebSocket from 'ws';
import { ServerSink } from '../bin/sinks/server.ts';
import { emptyWindowStats } from '../capture/index.ts';
import { ANOMALY_VERSION, type Anomaly } from '../model/index.ts';
import { startServer } from '../server/index.ts';

const CLIENTS = 50;
const ANOMALIES = 300;
const LOAD_MS = 3_000;
const CONCURRENCY = 16;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function anomaly(i: number, start: number): Anomaly {
  return {
    version: ANOMALY_VERSION, id: `bench-${i}`, sensor: 'bench', kind: 'outbound-spike', start, end: start + 1000, peakAt: start,
    windows: 1, ongoing: false, detectedAt: Date.now(), subject: { localHost: '10.0.0.5', remote: '203.0.113.9' },
    observed: { feature: 'outbound.bytes', value: 9e6, unit: 'B' }, expected: { low: 0, high: 1e5, median: 4e4 },
    contributions: [{ feature: 'outbound.bytes', observed: 9e6, expected: 4e4, share: 0.9 }], score: 12, severity: 80,
    level: 'high', maturity: 1, captureLoss: false, summary: 'benchmark anomaly', modelVersion: 'bench', status: 'open',
  };
}

async function loadLoop(url: string, headers: Record<string, string>): Promise<{ rps: number; p50: number; p99: number }> {
  const lat: number[] = [];
  const until = performance.now() + LOAD_MS;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < until) {
      const t = performance.now();
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
      lat.push(performance.now() - t);
    }
  }));
  lat.sort((a, b) => a - b);
  return { rps: lat.length / (LOAD_MS / 1000), p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) };
}

async function main(): Promise<void> {
  const varDir = mkdtempSync(join(tmpdir(), 'spanwatch-bench-'));
  // the load loops measure the handlers, not the per-user rate limiter's 429s
  const srv = await startServer({ varDir, uiDir: null, port: 0, announceToken: () => {}, rateLimits: { perWindow: 1e9, historyPerWindow: 1e9 } });
  try {
    const ctx = srv.app.spanwatch;
    const viewer = ctx.users.add('bench-viewer', 'viewer');
    const sensorToken = ctx.users.add('bench-sensor', 'sensor', { sensors: ['bench'] });

    // ---- 1. ingest → 50 stream clients ----
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let received = 0;
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => new Promise<WebSocket>((resolve) => {
      const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/api/v1/stream`);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: viewer })));
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as { type: string; data?: { id: string } };
        if (m.type === 'hello') resolve(ws);
        else if (m.type === 'anomaly') {
          const sent = sentAt.get(m.data!.id);
          if (sent === undefined) return;
          latencies.push(performance.now() - sent);
          received++;
        }
      });
    })));
    const sink = new ServerSink({ url: srv.url, token: sensorToken });
    const t0 = Date.parse('2026-01-05T09:00:00Z');
    for (let i = 0; i < ANOMALIES; i++) {
      const w = emptyWindowStats('bench', t0 + i * 1000, 1000);
      w.directions.outbound.packets = 1000;
      const a = anomaly(i, w.start);
      sentAt.set(a.id, performance.now());
      sink.window(w);
      sink.anomaly(a);
      await new Promise((r) => setTimeout(r, 10));
    }
    const deadline = Date.now() + 30_000;
    while (received < ANOMALIES * CLIENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sink.close();
    for (const c of clients) c.terminate();
    latencies.sort((a, b) => a - b);

    // ---- 2. a client that stops reading: memory and queue while 20 000 windows go out ----
    const slow = await new Promise<WebSocket>((resolve) => {
      const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/api/v1/stream`);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: viewer, sensors: ['slow'] })));
      ws.once('message', () => resolve(ws));
    });
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();
    const slowClient = ctx.hub.clientList().find((c) => c.filter.sensors?.has('slow'))!;
    const gcNow = (globalThis as { gc?: () => void }).gc;
    gcNow?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let maxQueue = 0;
    let windowBytes = 0;
    for (let i = 0; i < 20_000; i++) {
      const w = emptyWindowStats('slow', t0 + i * 1000, 1000);
      w.directions.outbound.packets = i;
      if (i === 0) windowBytes = JSON.stringify(w).length;
      ctx.feed.window(w);
      maxQueue = Math.max(maxQueue, slowClient.queueLength);
      if (i % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    gcNow?.();
    const heapGrowth = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    const slowDropped = slowClient.totalDropped;
    slow.terminate();

    // ---- 3. API under load, against a bare fastify route ----
    for (let i = 0; i < 500; i++) ctx.feed.anomaly(anomaly(10_000 + i, t0 + i * 1000));
    const auth = { authorization: `Bearer ${viewer}` };
    const gc = (globalThis as { gc?: () => void }).gc;
    const bare = Fastify();
    bare.get('/api/v1/health', async () => ({ status: 'ok', version: '0', time: Date.now() }));
    await bare.listen({ host: '127.0.0.1', port: 0 });
    const bareAddr = bare.server.address() as { port: number };
    await loadLoop(`http://127.0.0.1:${bareAddr.port}/api/v1/health`, {});
    gc?.();
    const bareLoad = await loadLoop(`http://127.0.0.1:${bareAddr.port}/api/v1/health`, {});
    await bare.close();
    gc?.();
    const healthLoad = await loadLoop(`${srv.url}/api/v1/health`, {});
    gc?.();
    const statusLoad = await loadLoop(`${srv.url}/api/v1/status`, auth);
    gc?.();
    const anomaliesLoad = await loadLoop(`${srv.url}/api/v1/anomalies?limit=50`, auth);

    const f = (n: number) => n.toFixed(2).padStart(8);
    process.stdout.write(`\ningest → stream: ${ANOMALIES} anomalies × ${CLIENTS} clients, ${received} deliveries (expected ${ANOMALIES * CLIENTS})\n`);
    process.stdout.write(`  latency ms   p50 ${f(quantile(latencies, 0.5))}   p99 ${f(quantile(latencies, 0.99))}   max ${f(latencies.at(-1) ?? NaN)}   (target p99 ≤ 100 ms)\n`);
    process.stdout.write(`\nslow client (socket paused): 20 000 windows of ${(windowBytes / 1000).toFixed(1)} kB published (${(20_000 * windowBytes / 1e6).toFixed(0)} MB)\n`);
    process.stdout.write(`  max queue ${maxQueue} (limit 256)   windows dropped ${slowDropped}   heap growth ${heapGrowth.toFixed(1)} MB (includes the bounded history and resume buffers)\n`);
    process.stdout.write(`\nAPI under load (${CONCURRENCY} keep-alive connections, ${LOAD_MS / 1000} s each; same process as the load generator)\n`);
    process.stdout.write(`  route                               req/s      p50 ms    p99 ms   p99 / bare p99\n`);
    const row = (name: string, r: { rps: number; p50: number; p99: number }) =>
      process.stdout.write(`  ${name.padEnd(34)} ${r.rps.toFixed(0).padStart(7)}   ${f(r.p50)}  ${f(r.p99)}   ${(r.p99 / bareLoad.p99).toFixed(2).padStart(6)}\n`);
    row('bare fastify GET /api/v1/health', bareLoad);
    row('spanwatch GET /api/v1/health', healthLoad);
    row('spanwatch GET /api/v1/status', statusLoad);
    row('spanwatch GET /api/v1/anomalies', anomaliesLoad);
  } finally {
    await srv.close();
    rmSync(varDir, { recursive: true, force: true });
  }
}

await main();
