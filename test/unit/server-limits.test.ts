// The server's limits on what enters it: model version names against one strict pattern wherever
// they enter (API, models directory, CLI --model, training results), and per-user rate limits.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelArtifactError, isModelVersion, liveVersion, promoteModel, resolveModelDir } from '../../model/index.ts';
import type { ModelRegistry, TrainingJob } from '../../server/index.ts';
import { TrainingJobs } from '../../server/training/trainingJobs.ts';
import { testServer, type TestServer } from './server-fixtures.ts';

describe('model version names', () => {
  let t: TestServer;
  let models: string;
  beforeAll(async () => {
    models = mkdtempSync(join(tmpdir(), 'spanwatch-versions-'));
    const registry: ModelRegistry = {
      list: async () => [],
      train: async () => ({ version: 'v1' }),
      promote: async (v) => { promoteModel(models, v); },
      rollback: async () => ({ version: 'v1' }),
    };
    t = await testServer({ models: registry });
  });
  afterAll(async () => {
    await t.cleanup();
    rmSync(models, { recursive: true, force: true });
  });

  it('the API refuses a version that is not a plain name with 400, before the registry sees it', async () => {
    for (const v of ['..%2F..%2Fx', '.hidden', 'v1%2Fx', 'a%20b', 'v1%5Cx', '-v1']) {
      const res = await t.app.inject({ method: 'POST', url: `/api/v1/models/${v}/promote`, headers: t.auth('admin') });
      expect(res.statusCode, v).toBe(400);
      expect(res.json().message).toContain('params.version must match pattern');
    }
    // a well-formed name that does not exist is the registry's 404
    const missing = await t.app.inject({ method: 'POST', url: '/api/v1/models/v20260101-0000-abcdef12/promote', headers: t.auth('admin') });
    expect(missing.statusCode).toBe(404);
  });

  it('a training range is bounded: from=0 is refused before any job starts', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/models/train', headers: t.auth('admin'), payload: { from: 0, to: Date.now() } });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('at most 90 days');
  });

  it('the models directory never joins a bad name into a path: promote, --model, the LIVE pointer', () => {
    expect(() => promoteModel(models, '../../x')).toThrow(ModelArtifactError);
    expect(() => promoteModel(models, '../../x')).toThrow(/not a model version name/);
    // CLI --model: an existing folder is the operator's; anything else must be a version name
    expect(() => resolveModelDir('../no-such-folder/../../etc', models)).toThrow(/not a model version name/);
    expect(() => resolveModelDir('v-missing', models)).toThrow(/not found/);
    mkdirSync(join(models, 'v1'));
    writeFileSync(join(models, 'v1', 'meta.json'), '{}');
    writeFileSync(join(models, 'LIVE'), '../../../etc\nv1\n');
    expect(liveVersion(models)).toBe('v1');
    expect(isModelVersion('v20261203-0833-1a2b3c4d')).toBe(true);
    expect(isModelVersion('x'.repeat(129))).toBe(false);
  });

  it('a training job whose result is not a plain version name fails instead of reporting it', async () => {
    const registry: ModelRegistry = {
      list: async () => [], promote: async () => {}, rollback: async () => ({ version: 'v1' }),
      train: async () => ({ version: '../../elsewhere' }),
    };
    const finished = new Promise<TrainingJob>((resolve) => { new TrainingJobs(registry, () => {}, resolve).start({ from: 0, to: 1 }); });
    const job = await finished;
    expect(job.state).toBe('failed');
    expect(job.version).toBeUndefined();
    expect(job.message).not.toContain('elsewhere');
  });
});

describe('rate limits', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await testServer({ rateLimits: { perWindow: 6, historyPerWindow: 3, windowMs: 60_000 } });
  });
  afterAll(async () => { await t.cleanup(); });

  it('limits each user on its own, history reads tighter than the rest; unauthenticated requests by address', async () => {
    const windows = (role: 'viewer' | 'analyst') => t.app.inject({ url: '/api/v1/windows', headers: t.auth(role) });
    for (let i = 0; i < 3; i++) expect((await windows('viewer')).statusCode).toBe(200);
    const limited = await windows('viewer');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().message).toContain('at most 3 history reads per 60 s for user viewer1');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // another user from the same address is not affected, nor are the viewer's other requests
    expect((await windows('analyst')).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/v1/status', headers: t.auth('viewer') })).statusCode).toBe(200);
    for (let i = 0; i < 6; i++) expect((await t.app.inject({ url: '/api/v1/health' })).statusCode).toBe(200);
    const anonymous = await t.app.inject({ url: '/api/v1/health' });
    expect(anonymous.statusCode).toBe(429);
    expect(anonymous.json().message).toContain('from this address');
    expect((await t.app.inject({ url: '/api/v1/me', headers: t.auth('admin') })).statusCode).toBe(200);
  });
});
