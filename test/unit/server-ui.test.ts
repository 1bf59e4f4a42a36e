import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type SpanwatchServer } from '../../server/index.ts';

describe('serving the UI', () => {
  let dir: string;
  let withUi: SpanwatchServer;
  let withoutUi: SpanwatchServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spanwatch-ui-'));
    const ui = join(dir, 'dist');
    mkdirSync(join(ui, 'assets'), { recursive: true });
    writeFileSync(join(ui, 'index.html'), '<!doctype html><title>spanwatch</title><script src="/assets/app.js"></script>');
    writeFileSync(join(ui, 'assets', 'app.js'), 'console.log(1);');
    withUi = await buildServer({ varDir: join(dir, 'var1'), uiDir: ui });
    withoutUi = await buildServer({ varDir: join(dir, 'var2'), uiDir: join(dir, 'missing') });
  });
  afterAll(async () => {
    await withUi.close();
    await withoutUi.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html, assets, and index.html for client-side routes, under the CSP', async () => {
    const root = await withUi.inject({ url: '/' });
    expect(root.statusCode).toBe(200);
    expect(root.body).toContain('<title>spanwatch</title>');
    expect(String(root.headers['content-security-policy'])).toContain("script-src 'self'");
    const js = await withUi.inject({ url: '/assets/app.js' });
    expect(js.body).toBe('console.log(1);');
    expect(js.headers['content-type']).toContain('javascript');
    const deep = await withUi.inject({ url: '/anomalies/abc' });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain('<title>spanwatch</title>');
  });

  it('unknown API paths stay JSON 404s', async () => {
    const res = await withUi.inject({ url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ statusCode: 404, message: 'no route GET /api/v1/nothing-here' });
  });

  it('without a build, / says how to build the UI', async () => {
    const res = await withoutUi.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('npm run build:ui');
  });

  it('publishes the OpenAPI document with every API route', async () => {
    const doc = (await withUi.inject({ url: '/docs/json' })).json() as { paths: Record<string, unknown> };
    for (const p of ['/api/v1/anomalies', '/api/v1/anomalies/{id}/actions', '/api/v1/audit/verify', '/api/v1/suppressions']) expect(Object.keys(doc.paths)).toContain(p);
  });
});
