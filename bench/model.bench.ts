// Model benchmark: training time on three days of 1 s windows, scoring latency per window next
// to the 3-sigma peer's, and evaluation numbers (model vs 3-sigma) on a generated dataset.
// Prints numbers; asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyWindowStats, windowsFromCaptures, type LocalHostStats, type WindowStats } from '../capture/index.ts';
import { generateDataset, presetOptions } from '../datasets/index.ts';
import { DetectionEngine, EvaluationRun, ModelTrainer, ThreeSigmaDetector, formatEvaluation, trainModel } from '../model/index.ts';
import { DAY_MS, T0, syntheticWindows } from '../datasets/synthetic/index.ts';

const DAYS = 3;
const WINDOWS = DAYS * 86_400;

/** Wall and CPU (user + system) milliseconds of `f`; CPU time is what the run costs on an idle machine. */
async function timed<T>(f: () => Promise<T> | T): Promise<{ value: T; wall: number; cpu: number }> {
  const c = process.cpuUsage();
  const t = performance.now();
  const value = await f();
  const used = process.cpuUsage(c);
  return { value, wall: performance.now() - t, cpu: (used.user + used.system) / 1000 };
}

async function trainingTime() {
  // generating the synthetic windows is not training: measure it alone and subtract it
  const gen = await timed(() => { let n = 0; for (const w of syntheticWindows({ windows: WINDOWS, windowMs: 1000 })) n += w.flowStarts.length; return n; });
  const run = await timed(() => trainModel(syntheticWindows({ windows: WINDOWS, windowMs: 1000 }), { seed: 1 }));
  const model = run.value;
  return {
    wall: run.wall - gen.wall, cpu: run.cpu - gen.cpu, genWall: gen.wall, backend: model.meta.backend,
    engine: new DetectionEngine(model, { now: () => 0 }), peer: new ThreeSigmaDetector(model.meta.moments),
  };
}

function scoring(engine: DetectionEngine, peer: ThreeSigmaDetector): { model: number; peer: number; n: number } {
  const windows: WindowStats[] = [...syntheticWindows({ windows: 20_000, windowMs: 1000, start: T0 + DAYS * DAY_MS + 8 * 3_600_000, seed: 77 })];
  for (const w of windows.slice(0, 2000)) { engine.process(w); peer.process(w); }
  let c = process.cpuUsage();
  for (const w of windows) engine.process(w);
  let used = process.cpuUsage(c);
  const model = (used.user + used.system) / 1000 / windows.length;
  c = process.cpuUsage();
  for (const w of windows) peer.process(w);
  used = process.cpuUsage(c);
  const p = (used.user + used.system) / 1000 / windows.length;
  return { model, peer: p, n: windows.length };
}

async function evaluation(seed: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'model-bench-'));
  try {
    const { labels } = await generateDataset(presetOptions('test', dir, { seed }));
    const trainer = new ModelTrainer({ seed: 1 });
    const later: WindowStats[] = [];
    await windowsFromCaptures(labels.files.map((f) => join(dir, f)), { windowMs: 1000, localNets: labels.localNets, sensor: 'bench' }, (w) => {
      if (w.start + w.durationMs <= labels.trainRange.end) trainer.add(w);
      else later.push(w);
    });
    const model = await trainer.finish();
    const run = new EvaluationRun(labels, model, { ioc: join(dir, labels.iocFile), criticality: join(dir, labels.criticalityFile) });
    for (const w of later) run.add(w);
    return formatEvaluation(run.report());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A site of `hosts` local hosts in four /24s: workstations active in half the seconds of working
 * hours and a few at night, servers in most seconds; each active host a few kB to a remote, now
 * and then a flow start. Windows are built one at a time (the trainer streams them).
 */
function* siteWindows(hosts: number, windows: number, windowMs: number, start: number, seed: number): Generator<WindowStats> {
  let a = seed >>> 0;
  const r = (): number => { a = (a + 0x6d2b79f5) >>> 0; let t = Math.imul(a ^ (a >>> 15), a | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  const names = Array.from({ length: hosts }, (_, i) => `10.${20 + (i >> 8)}.${(i >> 8) & 3}.${i & 255}`);
  const remotes = Array.from({ length: 200 }, (_, i) => `203.0.${113 + (i >> 8)}.${i & 255}`);
  for (let k = 0; k < windows; k++) {
    const t = start + k * windowMs;
    const hour = Math.floor((t % DAY_MS) / 3_600_000);
    const workday = Math.floor((t - T0) / DAY_MS) % 7 < 5;
    const busy = workday && hour >= 8 && hour < 18;
    const w = emptyWindowStats('bench', t, windowMs);
    const list: LocalHostStats[] = [];
    for (let i = 0; i < hosts; i++) {
      const server = i % 50 === 0;
      if (r() > (server ? 0.9 : busy ? 0.5 : 0.03)) continue;
      const out = 200 + r() * 4000;
      const packets = 2 + Math.floor(r() * 6);
      const remote = remotes[Math.floor(r() * remotes.length)]!;
      list.push({
        host: names[i]!, bytesOut: out, bytesIn: out * 3, packetsOut: packets, packetsIn: packets * 2, flows: 1, flowsStarted: r() < 0.1 ? 1 : 0,
        peers: 1, dstPorts: 1, tcpSyn: 0, tcpSynUnanswered: 0, tcpRstReceived: 0, dnsQueries: 0, dnsNxdomain: 0,
        bytesToRemote: out, packetsToRemote: packets, topRemote: remote,
      });
      if (r() < 0.05) w.flowStarts.push({ ts: t, direction: 'outbound', proto: 'tcp', local: names[i]!, remote, port: server ? 22 : 443 });
    }
    w.localHosts = list;
    w.topLocalHosts = list.slice(0, 20);
    for (const h of list) { w.directions.outbound.bytes += h.bytesOut; w.directions.outbound.packets += h.packetsOut; w.directions.inbound.bytes += h.bytesIn; w.directions.inbound.packets += h.packetsIn; }
    w.health.packetsSeen = w.directions.outbound.packets + w.directions.inbound.packets;
    yield w;
  }
}

/** Training on 7 days of 1 s windows of a 400-host site, streamed; then scoring windows with 2,000 active hosts. */
async function siteCost(): Promise<string> {
  const days = 7;
  const gen = await timed(() => { let n = 0; for (const w of siteWindows(400, days * 86_400, 1000, T0, 5)) n += w.localHosts!.length; return n; });
  const rss0 = process.memoryUsage().rss;
  const run = await timed(() => trainModel(siteWindows(400, days * 86_400, 1000, T0, 5), { seed: 1 }));
  const rss = process.memoryUsage().rss;
  const meta = run.value.meta;
  const hostBytes = JSON.stringify(meta.hostBaselines).length;
  const hostCount = Object.keys(meta.hostBaselines.hosts).length;
  const engine = new DetectionEngine(run.value, { now: () => 0 });
  // 2,000 hosts active in every window: the 400 known ones and 1,600 the model never saw (peer groups)
  const busy = [...siteWindows(2000 * 2, 600, 1000, T0 + 8 * DAY_MS + 10 * 3_600_000, 9)].map((w) => { w.localHosts = w.localHosts!.slice(0, 2000); return w; });
  for (const w of busy.slice(0, 60)) engine.process(w);
  const c = process.cpuUsage();
  for (const w of busy.slice(60)) engine.process(w);
  const used = process.cpuUsage(c);
  const perWindow = (used.user + used.system) / 1000 / (busy.length - 60);
  return [
    `training on 7 days of 1 s windows of a 400-host site (${(days * 86_400).toLocaleString('en')} windows, ${(gen.value / 1e6).toFixed(0)} M host entries, streamed) on the ${meta.backend} backend (target ≤ 180 s):`,
    `  ${(run.cpu / 1000 - gen.cpu / 1000).toFixed(1)} s CPU, ${(run.wall / 1000 - gen.wall / 1000).toFixed(1)} s wall net of generating the windows (${(gen.wall / 1000).toFixed(1)} s); RSS grew ${((rss - rss0) / 1e6).toFixed(0)} MB`,
    `  host baselines: ${hostCount} hosts, ${(hostBytes / hostCount).toFixed(0)} bytes per host in meta.json (target ≤ 2048)`,
    `scoring windows with ${busy[0]!.localHosts!.length} active hosts (400 known, 1,600 unseen), mean CPU per window over ${busy.length - 60}: ${perWindow.toFixed(2)} ms (target ≤ 2 ms)`,
    '',
  ].join('\n');
}

// `--part=site`, `--part=office`, `--part=evaluation` (repeatable) run only those parts; none runs all
const parts = process.argv.slice(2).filter((a) => a.startsWith('--part=')).map((a) => a.slice('--part='.length));
const runs = (part: string): boolean => parts.length === 0 || parts.includes(part);
if (runs('site')) process.stdout.write(await siteCost());
if (runs('office')) {
  const train = await trainingTime();
  const score = scoring(train.engine, train.peer);
  process.stdout.write([
    `training on ${WINDOWS.toLocaleString('en')} windows of 1 s (${DAYS} days) on the ${train.backend} backend (target ≤ 60 s):`,
    `  ${(train.cpu / 1000).toFixed(1)} s CPU, ${(train.wall / 1000).toFixed(1)} s wall (load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores; generating the windows took another ${(train.genWall / 1000).toFixed(1)} s)`,
    `scoring, mean CPU time per window over ${score.n.toLocaleString('en')} windows:`,
    `  model (all detectors + autoencoder)  ${(score.model * 1000).toFixed(1)} µs (target ≤ 1000 µs)`,
    `  3-sigma peer                          ${(score.peer * 1000).toFixed(1)} µs`,
    `  ratio model / 3-sigma                 ${(score.model / score.peer).toFixed(1)}×`,
    '',
  ].join('\n'));
}
if (runs('evaluation')) {
  for (const seed of [21]) {
    process.stdout.write(`evaluation on the generated 'test' dataset, seed ${seed}, 1 s windows:\n${await evaluation(seed)}\n`);
  }
}
