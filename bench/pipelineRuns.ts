// The capture pipeline's rates on one capture file, in a process of its own: ROUNDS runs of a
// fresh pipeline, the best of each rate printed as JSON (the first run also warms up the JIT, as
// any long-running sensor is). Used by capture.bench.ts: `node --import tsx bench/pipelineRuns.ts FILE ROUNDS`.
// BENCH_RING=SIZE (e.g. 512MB) gives the pipeline the evidence packet ring a sensor with a model keeps.
import { readFileSync } from 'node:fs';
import { CapturePipeline, PacketRing, frameRecord, openFileSource } from '../capture/index.ts';
import { parseByteSize } from '../bin/options.ts';

/** one ring for every run, allocated once, as a sensor allocates it at start */
const ring = process.env.BENCH_RING ? new PacketRing({ maxBytes: parseByteSize(process.env.BENCH_RING, 'BENCH_RING'), windowMs: 120_000 }) : null;
if (ring) {
  // filled once before measuring, as on a sensor that has run longer than the ring's window: every
  // page of it is in memory (the first pass through fresh pages costs a page fault each)
  const frame = frameRecord(new Uint8Array(1500), 1, 0);
  while (ring.evictedBySize === 0) ring.add(frame);
}

export interface PipelineResult {
  /** packets per second of wall time */
  wall: number;
  /** packets per second of the main thread's CPU time: the one core the pipeline runs on */
  main: number;
  /** packets per second of the process's CPU time, all threads (file reads, GC helpers) */
  cpu: number;
  packets: number;
  flows: number;
  windows: number;
  /** resident set size after the first run, with its pipeline (and flow table) still alive */
  rssMb: number;
}

/** CPU time the main thread has run, in seconds (Linux schedstat: nanoseconds on the CPU). */
function mainThreadCpuSeconds(): number {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
}

async function pipelineRun(path: string): Promise<PipelineResult> {
  let windows = 0;
  const pipeline = new CapturePipeline({ sensor: 'bench', ...(ring ? { packetRing: ring } : {}) }, () => { windows++; });
  const t = process.hrtime.bigint();
  const c = process.cpuUsage();
  const m = mainThreadCpuSeconds();
  await pipeline.run(openFileSource([path]));
  const main = mainThreadCpuSeconds() - m;
  const cpu = process.cpuUsage(c);
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  const totals = pipeline.totals();
  global.gc?.();
  return {
    wall: totals.packets / s, main: totals.packets / main, cpu: totals.packets / ((cpu.user + cpu.system) / 1e6),
    packets: totals.packets, flows: totals.flows, windows, rssMb: process.memoryUsage().rss / 2 ** 20,
  };
}

const [path, rounds] = process.argv.slice(2);
if (path === undefined) throw new Error('usage: pipelineRuns.ts FILE [ROUNDS]');
let best = await pipelineRun(path);
for (let r = 1; r < Number(rounds ?? 1); r++) {
  const next = await pipelineRun(path);
  best = { ...best, wall: Math.max(best.wall, next.wall), main: Math.max(best.main, next.main), cpu: Math.max(best.cpu, next.cpu) };
}
process.stdout.write(JSON.stringify(best));
