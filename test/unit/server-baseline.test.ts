// GET /api/v1/baseline: the live model's expected bands, through a real models directory
// (saved, promoted and loaded by model/'s artifact store).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedBands, promoteModel, saveModel, trainModel, type ModelArtifact } from '../../model/index.ts';
import { ModelDirectory } from '../../server/index.ts';
import { testServer, type TestServer } from './server-fixtures.ts';
import { syntheticWindows, T0, WORKSTATIONS } from '../../datasets/synthetic/index.ts';

const HOUR = 3_600_000;
const NEXT_DAY = T0 + 86_400_000;

let modelsDir: string;
let first: ModelArtifact;
let second: ModelArtifact;
let t: TestServer;
let bare: TestServer;

beforeAll(async () => {
  modelsDir = mkdtempSync(join(tmpdir(), 'spanwatch-baseline-models-'));
  const windows = [...syntheticWindows({ windows: 1440, windowMs: 60_000 })];
  first = await trainModel(windows, { seed: 1, epochs: 1, now: () => Date.UTC(2026, 10, 20, 1) });
  second = await trainModel(windows.slice(0, 720), { seed: 2, epochs: 1, now: () => Date.UTC(2026, 10, 20, 2) });
  await saveModel(first, modelsDir);
  await saveModel(second, modelsDir);
  t = await testServer({ models: new ModelDirectory(modelsDir, () => []) });
  bare = await testServer();
}, 90_000);

afterAll(async () => {
  await t?.cleanup();
  await bare?.cleanup();
  if (modelsDir) rmSync(modelsDir, { recursive: true, force: true });
});

const url = (q: string) => `/api/v1/baseline?${q}`;

describe('GET /api/v1/baseline', () => {
  it('answers 503 with what to do when no registry is configured or no version is live', async () => {
    const none = await bare.app.inject({ url: url(`from=${NEXT_DAY}&to=${NEXT_DAY + HOUR}`), headers: bare.auth('viewer') });
    expect(none.statusCode).toBe(503);
    expect(none.json().message).toMatch(/--models DIR/);
    const notLive = await t.app.inject({ url: url(`from=${NEXT_DAY}&to=${NEXT_DAY + HOUR}`), headers: t.auth('viewer') });
    expect(notLive.statusCode).toBe(503);
    expect(notLive.json().message).toMatch(/no model version is live.*promote/);
  });

  it('gives a viewer the live model\'s bands in bytes/s and packets/s, higher in working hours', async () => {
    promoteModel(modelsDir, first.meta.version);
    const from = NEXT_DAY;
    const to = NEXT_DAY + 23 * HOUR;
    const res = await t.app.inject({ url: url(`sensor=s1&from=${from}&to=${to}&step=${HOUR}`), headers: t.auth('viewer') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ version: first.meta.version, sensor: 's1', from, to, stepMs: HOUR });
    expect(body.series.map((s: { series: string }) => s.series)).toEqual(['outbound.bytes', 'inbound.bytes', 'internal.bytes', 'outbound.packets', 'inbound.packets', 'internal.packets']);
    // exactly what the model computes for the same query
    const reference = expectedBands(first, { from, to, stepMs: HOUR, series: ['outbound.bytes'] }).series[0]!;
    expect(body.series[0]).toEqual(reference);
    const out = body.series[0].points as Array<{ t: number; low: number; high: number; median: number; slot: string }>;
    expect(out).toHaveLength(24);
    const noon = out.find((p) => p.t === from + 12 * HOUR)!;
    const night = out.find((p) => p.t === from + 3 * HOUR)!;
    expect(noon.median).toBeGreaterThan(night.median);
    expect(noon.slot).toBe('day-type-hour');
  });

  it('adds a host\'s own outbound baseline and picks the series asked for', async () => {
    const host = WORKSTATIONS[0]!;
    const res = await t.app.inject({ url: url(`from=${NEXT_DAY}&to=${NEXT_DAY + 2 * HOUR}&step=${HOUR}&host=${host}&series=outbound.payload`), headers: t.auth('viewer') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.series.map((s: { series: string }) => s.series)).toEqual(['outbound.payload']);
    expect(body.host).toMatchObject({ host, known: true, series: 'host.payloadOut', unit: 'bytes/s' });
    expect(body.host.points.length).toBeGreaterThan(0);
  });

  it('refuses a bad range, too many points and unknown series with 400 and a reason', async () => {
    const backwards = await t.app.inject({ url: url(`from=${NEXT_DAY + HOUR}&to=${NEXT_DAY}`), headers: t.auth('viewer') });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().message).toMatch(/`to` must be after `from`/);
    const dense = await t.app.inject({ url: url(`from=${NEXT_DAY}&to=${NEXT_DAY + 7 * 86_400_000}&step=1000`), headers: t.auth('viewer') });
    expect(dense.statusCode).toBe(400);
    expect(dense.json().message).toMatch(/larger step/);
    const unknown = await t.app.inject({ url: url(`from=${NEXT_DAY}&to=${NEXT_DAY + HOUR}&series=dns.queries`), headers: t.auth('viewer') });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/series/);
  });

  it('follows promotion to another version', async () => {
    promoteModel(modelsDir, second.meta.version);
    const res = await t.app.inject({ url: url(`from=${NEXT_DAY}&to=${NEXT_DAY + HOUR}`), headers: t.auth('viewer') });
    expect(res.statusCode).toBe(200);
    expect(res.json().version).toBe(second.meta.version);
  });

  it('needs a token', async () => {
    expect((await t.app.inject({ url: url(`from=${NEXT_DAY}&to=${NEXT_DAY + HOUR}`) })).statusCode).toBe(401);
  });
});
