// Closing the loop with the analysts: a false-positive verdict proposes a scoped rule; accepting it
// is audited and marks matching anomalies at once; API training leaves confirmed incidents out and
// records the accepted rules in the model, whose detection then drops what they cover.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DetectionEngine, loadModel, readMeta, scopeMatches, type AnalystRule, type Anomaly } from '../../model/index.ts';
import { ModelDirectory } from '../../server/index.ts';
import { makeAnomaly, testServer, type TestServer } from './server-fixtures.ts';
import { T0, normalWindow, rng, syntheticWindows } from '../../datasets/synthetic/index.ts';

const WINDOW_MS = 60_000;

describe('rule scopes', () => {
  const a = (over: Partial<Anomaly>): Anomaly => makeAnomaly(over);
  it('host, remote, prefix (either end), domain (and names under it) and kind must all match', () => {
    const cloud = a({ kind: 'new-destination', subject: { localHost: '10.0.0.7', remote: '198.51.100.23' } });
    expect(scopeMatches({ prefix: '198.51.100.0/24' }, cloud)).toBe(true);
    expect(scopeMatches({ prefix: '198.51.101.0/24' }, cloud)).toBe(false);
    expect(scopeMatches({ prefix: '10.0.0.0/29' }, cloud)).toBe(true);
    expect(scopeMatches({ prefix: '198.51.100.0/24', kind: 'scan' }, cloud)).toBe(false);
    expect(scopeMatches({ host: '10.0.0.7', remote: '198.51.100.23' }, cloud)).toBe(true);
    expect(scopeMatches({ host: '10.0.0.8' }, cloud)).toBe(false);
    const av = a({ kind: 'dns-tunnel', subject: { localHost: '10.0.0.53', domain: '3f9a0c.r.avvendor.example' } });
    expect(scopeMatches({ domain: 'avvendor.example' }, av)).toBe(true);
    expect(scopeMatches({ domain: 'vendor.example' }, av)).toBe(false);
    expect(scopeMatches({ domain: 'avvendor.example' }, cloud)).toBe(false);
  });
});

describe('false positive → proposed rule → accepted suppression', () => {
  let t: TestServer;
  beforeAll(async () => { t = await testServer(); });
  afterAll(async () => { await t.cleanup(); });

  const feed = (a: Anomaly) => t.app.spanwatch.feed.anomaly(a);
  const fp = (id: string, role: 'analyst' | 'viewer' = 'analyst', note?: string) =>
    t.app.inject({ method: 'POST', url: `/api/v1/anomalies/${id}/false-positive`, headers: t.auth(role), payload: note !== undefined ? { note } : {} });

  it('proposes the narrowest scope for the kind, with a 30-day expiry and the note as reason', async () => {
    feed(makeAnomaly({ id: 'nd-1', kind: 'new-destination', subject: { localHost: '10.0.0.7', remote: '198.51.100.23' } }));
    feed(makeAnomaly({ id: 'dns-1', kind: 'dns-tunnel', subject: { localHost: '10.0.0.53', domain: '3f9a0c.r.avvendor.co.uk' } }));
    feed(makeAnomaly({ id: 'spike-1', kind: 'outbound-spike', subject: { localHost: '10.0.0.20', remote: '203.0.113.9' } }));
    const before = Date.now();
    const nd = await fp('nd-1', 'analyst', 'cloud sync');
    expect(nd.statusCode).toBe(200);
    expect(nd.json().anomaly.status).toBe('false-positive');
    const p = nd.json().proposal;
    expect(p).toMatchObject({ scope: { kind: 'new-destination', prefix: '198.51.100.0/24' }, reason: 'false positive: cloud sync', anomalyId: 'nd-1' });
    expect(p.expiresAt).toBeGreaterThanOrEqual(before + 30 * 86_400_000);
    expect((await fp('dns-1')).json().proposal.scope).toEqual({ kind: 'dns-tunnel', domain: 'avvendor.co.uk' });
    // no body at all is fine too
    const spike = await t.app.inject({ method: 'POST', url: '/api/v1/anomalies/spike-1/false-positive', headers: t.auth('analyst') });
    expect(spike.statusCode).toBe(200);
    expect(spike.json().proposal.scope).toEqual({ kind: 'outbound-spike', host: '10.0.0.20' });
    // the verdict went through the workflow on the finding's incident, audited: open → acknowledged → false-positive
    const incidentId = nd.json().anomaly.incidentId as string;
    expect(incidentId).toBeTruthy();
    const audit = (await t.app.inject({ url: `/api/v1/audit?target=incident:${incidentId}`, headers: t.auth('analyst') })).json().entries;
    expect(audit.map((e: { action: string }) => e.action)).toEqual(['incident.acknowledge', 'incident.false-positive']);
    expect((await fp('nd-1', 'viewer')).statusCode).toBe(403);
    expect((await fp('no-such')).statusCode).toBe(404);
  });

  it('an analyst accepts (edited) the proposal: audited, and the next matching anomaly is suppressed at once', async () => {
    feed(makeAnomaly({ id: 'nd-2', kind: 'new-destination', subject: { localHost: '10.0.0.8', remote: '192.0.2.77' } }));
    const post = (payload: object, role: 'analyst' | 'admin' = 'analyst') => t.app.inject({ method: 'POST', url: '/api/v1/suppressions', headers: t.auth(role), payload });
    // before the verdict there is nothing to accept
    expect((await post({ scope: { prefix: '192.0.2.0/24' }, reason: 'x', anomalyId: 'nd-2' })).statusCode).toBe(409);
    // without an anomaly it is an admin's suppression
    expect((await post({ scope: { kind: 'scan' }, reason: 'x' })).statusCode).toBe(403);
    const proposal = (await fp('nd-2', 'analyst', 'CDN')).json().proposal;
    expect((await post({ ...proposal, scope: { ...proposal.scope, prefix: 'not-a-cidr/99' } })).statusCode).toBe(400);
    const edited = { ...proposal, scope: { kind: 'new-destination', prefix: '192.0.2.0/25' } };
    const res = await post(edited);
    expect(res.statusCode).toBe(201);
    const rule = res.json() as AnalystRule;
    expect(rule).toMatchObject({ scope: edited.scope, anomalyId: 'nd-2', createdBy: 'analyst1', expiresAt: proposal.expiresAt });

    const byTarget = async (target: string) => (await t.app.inject({ url: `/api/v1/audit?target=${target}`, headers: t.auth('analyst') })).json().entries;
    expect((await byTarget(`suppression:${rule.id}`))[0]).toMatchObject({ action: 'suppression.add', user: 'analyst1', details: { anomalyId: 'nd-2', scope: edited.scope } });
    expect((await byTarget('anomaly:nd-2')).map((e: { action: string }) => e.action)).toContain('anomaly.rule-accepted');

    feed(makeAnomaly({ id: 'nd-3', kind: 'new-destination', subject: { localHost: '10.0.0.9', remote: '192.0.2.100' } }));
    feed(makeAnomaly({ id: 'nd-4', kind: 'new-destination', subject: { localHost: '10.0.0.9', remote: '192.0.2.200' } }));
    expect(t.app.spanwatch.book.get('nd-3')!.suppressedBy).toBe(rule.id);
    expect(t.app.spanwatch.book.get('nd-4')!.suppressedBy).toBeUndefined();
  });
});

describe('API training: confirmed incidents left out, accepted rules recorded and honoured', () => {
  let t: TestServer;
  let modelsDir: string;
  beforeAll(async () => {
    modelsDir = mkdtempSync(join(tmpdir(), 'spanwatch-models-'));
    const registry = new ModelDirectory(modelsDir, (req) => syntheticWindows({ windows: Math.round((req.to - req.from) / WINDOW_MS), windowMs: WINDOW_MS, start: req.from }), { epochs: 1, seed: 1 });
    t = await testServer({ models: registry });
  });
  afterAll(async () => {
    await t.cleanup();
    rmSync(modelsDir, { recursive: true, force: true });
  });

  async function train(from: number, to: number): Promise<{ version: string; message: string }> {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/models/train', headers: t.auth('admin'), payload: { from, to } });
    expect(res.statusCode).toBe(202);
    for (;;) {
      const job = (await t.app.inject({ url: `/api/v1/models/jobs/${res.json().id}`, headers: t.auth('viewer') })).json();
      if (job.state === 'done') return job;
      if (job.state === 'failed') throw new Error(job.message);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('escalated and resolved incidents are left out; open and false-positive ones are not', async () => {
    const act = (id: string, action: string) => t.app.inject({ method: 'POST', url: `/api/v1/anomalies/${id}/actions`, headers: t.auth('analyst'), payload: { action } });
    const incident = (id: string, startWindow: number, windows: number) => {
      t.app.spanwatch.feed.anomaly(makeAnomaly({ id, start: T0 + startWindow * WINDOW_MS, end: T0 + (startWindow + windows) * WINDOW_MS, subject: { localHost: '10.0.0.3' } }));
    };
    incident('esc', 100, 10);
    incident('res', 200, 5);
    incident('fp', 300, 20);
    incident('open', 350, 20);
    for (const [id, actions] of [['esc', ['acknowledge', 'escalate']], ['res', ['acknowledge', 'resolve']], ['fp', ['acknowledge', 'false-positive']]] as const) {
      for (const a of actions) expect((await act(id, a)).statusCode).toBe(200);
    }
    const rule = (await t.app.inject({
      method: 'POST', url: '/api/v1/suppressions', headers: t.auth('analyst'),
      payload: { scope: { kind: 'threat-intel', remote: '203.0.113.250' }, reason: 'false positive: sinkhole test', durationMs: 86_400_000, anomalyId: 'fp' },
    })).json() as AnalystRule;

    const job = await train(T0, T0 + 400 * WINDOW_MS);
    expect(job.message).toContain('15 windows of confirmed incidents left out');
    expect(job.message).toContain('1 analyst rule recorded');
    const meta = readMeta(join(modelsDir, job.version));
    expect(meta.training.excludedWindows).toBe(15);
    expect(meta.training.excludedRanges).toEqual([
      { start: T0 + 100 * WINDOW_MS, end: T0 + 110 * WINDOW_MS },
      { start: T0 + 200 * WINDOW_MS, end: T0 + 205 * WINDOW_MS },
    ]);
    expect(meta.training.windows).toBe(400 - 15);
    expect(meta.rules).toEqual([rule]);
    const audit = (await t.app.inject({ url: `/api/v1/audit?action=model.train`, headers: t.auth('analyst') })).json().entries;
    expect(audit.at(-1).details).toMatchObject({ excludedRanges: 2, rules: [rule.id] });

    // the model drops what the rule covers, and only that
    const iocFile = join(modelsDir, 'ioc.txt');
    writeFileSync(iocFile, '203.0.113.250\n203.0.113.251\n');
    const model = await loadModel(join(modelsDir, job.version));
    const w = normalWindow(T0 + 500 * WINDOW_MS, WINDOW_MS, rng(3));
    for (const remote of ['203.0.113.250', '203.0.113.251']) {
      w.flowStarts.push({ ts: w.start + 10, direction: 'outbound', proto: 'tcp', local: '10.0.0.4', remote, port: 443 });
      w.topRemoteEndpoints.push({ host: remote, bytesOut: 500, bytesIn: 500, packets: 4, flows: 1, localHosts: 1, topPort: 443 });
    }
    const remotesOf = (found: Anomaly[]) => found.filter((a) => a.kind === 'threat-intel').map((a) => a.subject.remote).sort();
    expect(remotesOf(new DetectionEngine({ ...model, meta: { ...model.meta, rules: [] } }, { ioc: iocFile }).process(w))).toEqual(['203.0.113.250', '203.0.113.251']);
    expect(remotesOf(new DetectionEngine(model, { ioc: iocFile }).process(w))).toEqual(['203.0.113.251']);
    // an expired rule no longer counts
    const later = () => rule.expiresAt + 1;
    expect(remotesOf(new DetectionEngine(model, { ioc: iocFile, now: later }).process(w))).toEqual(['203.0.113.250', '203.0.113.251']);
  });
});
