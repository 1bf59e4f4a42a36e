// The engine around the detectors: incidents merge, severity ordering, artifacts on disk
// (round trip, versions, live pointer), determinism under a seed, and bad input.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WindowStats } from '../../capture/index.ts';
import {
  DetectionEngine, FEATURE_VERSION, extractFeatures, ModelArtifactError, TrainingDataError, liveVersion, listModels, loadModel, promoteModel,
  rollbackModel, saveModel, severityOf, trainModel, type Anomaly, type ModelArtifact, type SeverityInput,
} from '../../model/index.ts';
import { DAY_MS, REMOTES, T0, finishWindow, hostStats, normalWindow, rng, syntheticWindows } from '../../datasets/synthetic/index.ts';

const WINDOW_MS = 60_000;
let model: ModelArtifact;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'model-engine-'));
  model = await trainModel([...syntheticWindows({ windows: 2 * 1440, windowMs: WINDOW_MS })], { seed: 3, epochs: 2, now: () => Date.UTC(2026, 10, 28, 1, 30) });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY3 = T0 + 2 * DAY_MS;
function upload(w: WindowStats, host = '10.0.0.7', bytesPerS = 8_000_000): void {
  const b = bytesPerS * 60;
  w.topLocalHosts.push(hostStats(host, b, b / 40));
  w.topRemoteEndpoints.unshift({ host: REMOTES[3]!, bytesOut: b, bytesIn: b / 40, packets: b / 1000, flows: 1, localHosts: 1, topPort: 443 });
}

/** Windows from 10:00 on day 3; windows whose index is in `spike` carry an upload. */
function replay(engine: DetectionEngine, n: number, spike: Set<number>, edit: (w: WindowStats, i: number) => void = (w) => upload(w)): Anomaly[] {
  const r = rng(9);
  const out: Anomaly[] = [];
  for (let i = 0; i < n; i++) {
    const w = normalWindow(DAY3 + 10 * 3_600_000 + i * WINDOW_MS, WINDOW_MS, r);
    if (spike.has(i)) edit(w, i);
    out.push(...engine.process(finishWindow(w)));
  }
  return [...out, ...engine.finish()];
}

describe('incidents', () => {
  it('merges consecutive anomalous windows into one incident with start, end, peak and a final update', () => {
    const out = replay(new DetectionEngine(model, { now: () => 0 }), 12, new Set([3, 4, 5, 6]), (w, i) => upload(w, '10.0.0.7', i === 5 ? 20_000_000 : 6_000_000))
      .filter((a) => a.kind === 'outbound-spike');
    const ids = new Set(out.map((a) => a.id));
    expect(ids.size).toBe(1);
    const first = out[0]!;
    const last = out.at(-1)!;
    expect(first.ongoing).toBe(true);
    expect(last.ongoing).toBe(false);
    const start = DAY3 + 10 * 3_600_000;
    expect(last.start).toBe(start + 3 * WINDOW_MS);
    expect(last.end).toBe(start + 7 * WINDOW_MS);
    expect(last.windows).toBe(4);
    expect(last.peakAt).toBe(start + 5 * WINDOW_MS);
    expect(last.modelVersion).toBe(model.meta.version);
    expect(last.summary.length).toBeGreaterThan(20);
  });
  it('opens a new incident after a quiet gap', () => {
    const out = replay(new DetectionEngine(model, { now: () => 0 }), 14, new Set([2, 3, 9, 10])).filter((a) => a.kind === 'outbound-spike' && !a.ongoing);
    expect(out.length).toBe(2);
    expect(out[0]!.id).not.toBe(out[1]!.id);
  });
});

describe('severity', () => {
  it('is raised by deviation size, persistence and criticality, and lowered by immaturity and capture loss', () => {
    const base: SeverityInput = { kind: 'outbound-spike', strength: 1.5, windows: 2, maturity: 1, criticality: null, captureLoss: false };
    const s = (o: Partial<SeverityInput>): number => severityOf({ ...base, ...o }).severity;
    expect(s({ strength: 16 })).toBeGreaterThan(s({}));
    expect(s({ windows: 20 })).toBeGreaterThan(s({}));
    expect(s({ criticality: 'critical' })).toBeGreaterThan(s({ criticality: 'high' }));
    expect(s({ criticality: 'high' })).toBeGreaterThan(s({}));
    expect(s({ maturity: 0.1 })).toBeLessThan(s({}));
    expect(s({ captureLoss: true })).toBeLessThan(s({}));
    expect(severityOf({ ...base, strength: 1000, windows: 1000, criticality: 'critical' }).level).toBe('critical');
  });
  it('applies the criticality file and the capture-loss mark to an incident', () => {
    const crit = join(dir, 'criticality.json');
    writeFileSync(crit, JSON.stringify([{ cidr: '10.0.0.7/32', criticality: 'critical', name: 'db' }, { cidr: '10.0.0.0/24', criticality: 'low', name: 'office' }]));
    const plain = replay(new DetectionEngine(model, { now: () => 0 }), 6, new Set([2]), (w) => upload(w, '10.0.0.7', 400_000)).find((a) => a.kind === 'outbound-spike')!;
    const critical = replay(new DetectionEngine(model, { criticality: crit, now: () => 0 }), 6, new Set([2]), (w) => upload(w, '10.0.0.7', 400_000)).find((a) => a.kind === 'outbound-spike')!;
    const lossy = replay(new DetectionEngine(model, { now: () => 0 }), 6, new Set([2]), (w) => {
      upload(w, '10.0.0.7', 400_000);
      w.health.packetsDropped = 5000;
      w.health.lossRatio = 0.2;
    }).find((a) => a.kind === 'outbound-spike')!;
    expect(critical.severity).toBeGreaterThan(plain.severity);
    expect(lossy.captureLoss).toBe(true);
    expect(plain.captureLoss).toBe(false);
    expect(lossy.severity).toBeLessThan(plain.severity);
  });
});

describe('artifacts', () => {
  it('round-trips through disk with identical scores and anomalies', async () => {
    const models = join(dir, 'models-rt');
    const folder = await saveModel(model, models);
    for (const f of ['model.json', 'weights.bin', 'meta.json']) expect(readFileSync(join(folder, f)).length).toBeGreaterThan(0);
    const meta = JSON.parse(readFileSync(join(folder, 'meta.json'), 'utf8'));
    expect(meta.featureVersion).toBe(FEATURE_VERSION);
    expect(meta.backend).toMatch(/^(wasm|cpu|tensorflow)$/);
    expect(meta.training.windows).toBe(2 * 1440);
    expect(meta.training.dataHash).toMatch(/^[0-9a-f]{64}$/);
    const loaded = await loadModel(folder);
    const a = replay(new DetectionEngine(model, { now: () => 0 }), 30, new Set([4, 5, 20]));
    const b = replay(new DetectionEngine(loaded, { now: () => 0 }), 30, new Set([4, 5, 20]));
    expect(b).toEqual(a);
    const feats = new Float64Array(model.meta.features.length);
    const e1 = new DetectionEngine(model).deviation;
    const e2 = new DetectionEngine(loaded).deviation;
    for (const w of syntheticWindows({ windows: 50, windowMs: WINDOW_MS, start: DAY3, seed: 4 })) {
      extractFeatures(w, feats);
      expect(e2.error(feats)).toBe(e1.error(feats));
    }
  });
  it('keeps versions, a live pointer with history, promotion and rollback', async () => {
    const models = join(dir, 'models-live');
    const other = await trainModel([...syntheticWindows({ windows: 400, windowMs: WINDOW_MS, seed: 5 })], { seed: 4, epochs: 1, now: () => Date.UTC(2026, 10, 28, 2, 0) });
    await saveModel(model, models);
    await saveModel(other, models);
    expect(listModels(models).map((m) => m.version)).toEqual([model.meta.version, other.meta.version].sort());
    expect(liveVersion(models)).toBeNull();
    expect((await loadModel('latest', { modelsDir: models })).meta.version).toBe([model.meta.version, other.meta.version].sort().at(-1));
    promoteModel(models, model.meta.version);
    promoteModel(models, other.meta.version);
    expect(liveVersion(models)).toBe(other.meta.version);
    expect((await loadModel('latest', { modelsDir: models })).meta.version).toBe(other.meta.version);
    expect(rollbackModel(models)).toBe(model.meta.version);
    expect(liveVersion(models)).toBe(model.meta.version);
    expect(() => rollbackModel(models)).toThrow(/nothing to roll back/);
    await expect(saveModel(model, models)).rejects.toThrow(/already exists/);
  });
  it('refuses a model folder from another feature version, naming both versions', async () => {
    const models = join(dir, 'models-fv');
    const folder = await saveModel(model, models);
    const meta = JSON.parse(readFileSync(join(folder, 'meta.json'), 'utf8'));
    meta.featureVersion = FEATURE_VERSION + 1;
    writeFileSync(join(folder, 'meta.json'), JSON.stringify(meta));
    const err = await loadModel(folder).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelArtifactError);
    expect(String((err as Error).message)).toContain(`feature version ${FEATURE_VERSION + 1}`);
    expect(String((err as Error).message)).toContain(`feature version ${FEATURE_VERSION}`);
  });
  it('refuses windows of another length than the model was trained on', () => {
    const engine = new DetectionEngine(model);
    const w = normalWindow(DAY3, 1000, rng(1));
    expect(() => engine.process(w)).toThrow(/60000 ms windows/);
  });
});

describe('training', () => {
  it('is deterministic under a seed', async () => {
    const windows = [...syntheticWindows({ windows: 400, windowMs: WINDOW_MS, seed: 6 })];
    const a = await trainModel(windows, { seed: 11, epochs: 2 });
    const b = await trainModel(windows, { seed: 11, epochs: 2 });
    const c = await trainModel(windows, { seed: 12, epochs: 2 });
    expect(b.net).toEqual(a.net);
    expect(Buffer.from(b.saved.weights).equals(Buffer.from(a.saved.weights))).toBe(true);
    const strip = (m: ModelArtifact): unknown => ({ ...m.meta, createdAt: 0, version: m.meta.version.slice(-8), training: { ...m.meta.training, durationMs: 0 } });
    expect(strip(b)).toEqual(strip(a));
    expect(c.net).not.toEqual(a.net);
  });
  it('leaves out excluded ranges and records them', async () => {
    const windows = [...syntheticWindows({ windows: 400, windowMs: WINDOW_MS, seed: 6 })];
    const m = await trainModel(windows, { seed: 1, epochs: 1, exclude: [{ start: T0, end: T0 + 50 * WINDOW_MS }] });
    expect(m.meta.training.windows).toBe(350);
    expect(m.meta.training.excludedWindows).toBe(50);
  });
  it('says how much data it needs when the range is empty or too short', async () => {
    await expect(trainModel([], {})).rejects.toThrow(TrainingDataError);
    await expect(trainModel([], {})).rejects.toThrow(/at least 300 windows.*no windows/);
    const few = [...syntheticWindows({ windows: 40, windowMs: 1000 })];
    await expect(trainModel(few, {})).rejects.toThrow(/at least 300 windows \(5\.0 min of 1000 ms windows\) and got only 40 windows/);
  });
});
