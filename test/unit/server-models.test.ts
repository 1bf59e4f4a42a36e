import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelDirectory, type TrainingMessage } from '../../server/index.ts';
import { testServer, type TestServer } from './server-fixtures.ts';
import { T0, syntheticWindows } from '../../datasets/synthetic/index.ts';

const WINDOW_MS = 60_000;

describe('model routes over a models directory', () => {
  let t: TestServer;
  let modelsDir: string;
  beforeAll(async () => {
    modelsDir = mkdtempSync(join(tmpdir(), 'spanwatch-models-'));
    let seed = 1;
    const registry = new ModelDirectory(modelsDir, (req) => syntheticWindows({ windows: Math.round((req.to - req.from) / WINDOW_MS), windowMs: WINDOW_MS, start: req.from, seed: seed++ }), { epochs: 1, seed: 1 });
    t = await testServer({ models: registry });
  });
  afterAll(async () => {
    await t.cleanup();
    rmSync(modelsDir, { recursive: true, force: true });
  });

  async function trainOnce(from: number): Promise<string> {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/models/train', headers: t.auth('admin'), payload: { from, to: from + 400 * WINDOW_MS } });
    expect(res.statusCode).toBe(202);
    const jobId = res.json().id as string;
    for (;;) {
      const job = (await t.app.inject({ url: `/api/v1/models/jobs/${jobId}`, headers: t.auth('viewer') })).json();
      if (job.state === 'done') return job.version as string;
      if (job.state === 'failed') throw new Error(job.message);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('trains with progress on the stream, lists, promotes and rolls back, all audited', async () => {
    const v1 = await trainOnce(T0);
    const training = t.app.spanwatch.hub.resume(0).messages.map((m) => m.message).filter((m): m is TrainingMessage => m.type === 'training');
    expect(training.length).toBeGreaterThanOrEqual(2);
    const progress = training.map((m) => m.job.progress);
    expect(progress.every((p, i) => i === 0 || p >= progress[i - 1]!)).toBe(true);
    expect(training.at(-1)!.job).toMatchObject({ state: 'done', progress: 1, version: v1 });

    const v2 = await trainOnce(T0 + 7 * 86_400_000);
    const list = (await t.app.inject({ url: '/api/v1/models', headers: t.auth('viewer') })).json();
    expect(list.models.map((m: { version: string }) => m.version).sort()).toEqual([v1, v2].sort());
    expect(list.models.every((m: { live: boolean }) => !m.live)).toBe(true);
    expect(list.models[0].metrics.trainingWindows).toBeGreaterThan(0);

    const promote = (v: string) => t.app.inject({ method: 'POST', url: `/api/v1/models/${v}/promote`, headers: t.auth('admin') });
    expect((await promote(v1)).statusCode).toBe(200);
    expect((await promote(v2)).statusCode).toBe(200);
    expect((await promote('no-such-version')).statusCode).toBe(404);
    const rb = await t.app.inject({ method: 'POST', url: '/api/v1/models/rollback', headers: t.auth('admin') });
    expect(rb.json()).toEqual({ live: v1 });
    const live = (await t.app.inject({ url: '/api/v1/models', headers: t.auth('viewer') })).json().models.filter((m: { live: boolean }) => m.live);
    expect(live.map((m: { version: string }) => m.version)).toEqual([v1]);
    const status = (await t.app.inject({ url: '/api/v1/status', headers: t.auth('viewer') })).json();
    expect(status.model.version).toBe(v1);

    const audit = (await t.app.inject({ url: '/api/v1/audit?limit=100', headers: t.auth('admin') })).json().entries.map((e: { action: string }) => e.action);
    expect(audit.filter((a: string) => a.startsWith('model.'))).toEqual(['model.train', 'model.train.done', 'model.train', 'model.train.done', 'model.promote', 'model.promote', 'model.rollback']);
  });

  it('refuses a reversed range', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/models/train', headers: t.auth('admin'), payload: { from: 10, to: 5 } });
    expect(res.statusCode).toBe(400);
  });
});
