import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnomalyView, AnalystAction } from '../../server/index.ts';
import { makeAnomaly, makeWindow, testServer, type TestServer } from './server-fixtures.ts';

/** The write-back port the store's writer fills in production; here it records what it was given. */
class RecordingWriter {
  written: AnomalyView[] = [];
  async writeAnomaly(a: AnomalyView): Promise<void> { this.written.push(a); }
}

describe('server anomalies', () => {
  let t: TestServer;
  const writer = new RecordingWriter();
  beforeAll(async () => { t = await testServer({ anomalyWriter: writer }); });
  afterAll(async () => { await t.cleanup(); });

  /** a finding of its own: no other test's finding shares its host or remote, so it is an incident alone */
  let hostSeq = 0;
  const alone = (over: Parameters<typeof makeAnomaly>[0]) => makeAnomaly({ subject: { localHost: `10.7.0.${++hostSeq}`, remote: `198.18.0.${hostSeq}` }, ...over });
  const act = (id: string, action: AnalystAction, extra: Record<string, string> = {}, role: 'analyst' | 'admin' = 'analyst') =>
    t.app.inject({ method: 'POST', url: `/api/v1/anomalies/${id}/actions`, headers: t.auth(role), payload: { action, ...extra } });

  it('walks the workflow: acknowledge → escalate → resolve, with comment/assign keeping the status', async () => {
    t.app.spanwatch.feed.anomaly(alone({ id: 'wf-1' }));
    let r = await act('wf-1', 'escalate');
    expect(r.statusCode).toBe(409);
    expect(r.json().message).toBe('cannot escalate an anomaly that is open: acknowledge it first');
    expect((await act('wf-1', 'acknowledge', { note: 'looking' })).json().anomaly.status).toBe('acknowledged');
    expect((await act('wf-1', 'acknowledge')).statusCode).toBe(409);
    r = await act('wf-1', 'assign', { assignee: 'bob' });
    expect(r.json().anomaly).toMatchObject({ status: 'acknowledged', assignee: 'bob' });
    expect((await act('wf-1', 'comment', { note: 'big upload to unknown host' })).json().anomaly.status).toBe('acknowledged');
    expect((await act('wf-1', 'escalate')).json().anomaly.status).toBe('escalated');
    expect((await act('wf-1', 'resolve')).json().anomaly.status).toBe('resolved');
    r = await act('wf-1', 'false-positive');
    expect(r.statusCode).toBe(409);
    expect(r.json().message).toContain('it is closed (resolved)');
    // status changes (not comment/assign) were written back with the new status
    expect(writer.written.filter((a) => a.id === 'wf-1').map((a) => a.status)).toEqual(['acknowledged', 'escalated', 'resolved']);
  });

  it('false-positive from acknowledged; comment and assign need their field', async () => {
    t.app.spanwatch.feed.anomaly(alone({ id: 'fp-1' }));
    expect((await act('fp-1', 'comment')).statusCode).toBe(400);
    expect((await act('fp-1', 'assign')).statusCode).toBe(400);
    expect((await act('fp-1', 'false-positive')).statusCode).toBe(409);
    await act('fp-1', 'acknowledge');
    expect((await act('fp-1', 'false-positive')).json().anomaly.status).toBe('false-positive');
  });

  it('keeps the analyst status when the detector updates the incident', async () => {
    const first = alone({ id: 'upd-1' });
    t.app.spanwatch.feed.anomaly(first);
    await act('upd-1', 'acknowledge');
    t.app.spanwatch.feed.anomaly({ ...first, windows: 3, ongoing: true, severity: 90 });
    const one = await t.app.inject({ url: '/api/v1/anomalies/upd-1', headers: t.auth('viewer') });
    expect(one.json().anomaly).toMatchObject({ status: 'acknowledged', windows: 3, severity: 90 });
  });

  it('returns one anomaly with related windows and its audit entries; 404 for unknown ids', async () => {
    const start = 1_700_000_100_000;
    for (let i = -2; i < 4; i++) t.app.spanwatch.feed.window(makeWindow('s1', start + i * 1000));
    t.app.spanwatch.feed.window(makeWindow('s1', start + 3_600_000));
    t.app.spanwatch.feed.anomaly(alone({ id: 'ev-1', start, end: start + 2000 }));
    await act('ev-1', 'acknowledge', { note: 'checking' });
    const res = await t.app.inject({ url: '/api/v1/anomalies/ev-1', headers: t.auth('viewer') });
    const body = res.json();
    expect(body.anomaly.contributions[0].feature).toBe('outbound.bytes');
    expect(body.relatedWindows.map((w: { start: number }) => w.start)).toEqual([-2, -1, 0, 1, 2, 3].map((i) => start + i * 1000));
    expect(body.audit.map((e: { action: string; user: string }) => [e.action, e.user])).toEqual([['incident.acknowledge', 'analyst1']]);
    expect(body.audit[0].details).toMatchObject({ from: 'open', to: 'acknowledged', note: 'checking', anomaly: 'ev-1' });
    expect(body.audit[0].target).toBe(`incident:${body.anomaly.incidentId}`);
    expect((await t.app.inject({ url: '/api/v1/anomalies/nope', headers: t.auth('viewer') })).statusCode).toBe(404);
  });

  it('exports a case file with evidence and audit entries', async () => {
    const res = await t.app.inject({ url: '/api/v1/anomalies/wf-1/case', headers: t.auth('analyst') });
    expect(res.statusCode).toBe(200);
    const c = res.json();
    expect(c.anomaly.id).toBe('wf-1');
    expect(c.audit.map((e: { action: string }) => e.action)).toEqual([
      'incident.acknowledge', 'incident.assign', 'incident.comment', 'incident.escalate', 'incident.resolve', 'case.export',
    ]);
    expect(c.auditChain.ok).toBe(true);
    expect(res.headers['content-disposition']).toContain('case-wf-1.json');
  });

  it('filters and pages with a cursor: every anomaly exactly once, newest first', async () => {
    const base = 1_800_000_000_000;
    for (let i = 0; i < 23; i++) {
      t.app.spanwatch.feed.anomaly(makeAnomaly({ id: `pg-${String(i).padStart(2, '0')}`, sensor: 'pager', start: base + i * 1000, end: base + i * 1000 + 500, level: i % 2 ? 'high' : 'low', kind: i % 3 ? 'scan' : 'deviation' }));
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await t.app.inject({ url: `/api/v1/anomalies?sensor=pager&limit=5${cursor ? `&cursor=${cursor}` : ''}`, headers: t.auth('viewer') });
      const body = res.json();
      seen.push(...body.anomalies.map((a: { id: string }) => a.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => `pg-${String(22 - i).padStart(2, '0')}`));
    const high = await t.app.inject({ url: '/api/v1/anomalies?sensor=pager&level=high&kind=scan&limit=100', headers: t.auth('viewer') });
    const expected = Array.from({ length: 23 }, (_, i) => i).filter((i) => i % 2 === 1 && i % 3 !== 0).length;
    expect(high.json().anomalies).toHaveLength(expected);
    const ranged = await t.app.inject({ url: `/api/v1/anomalies?sensor=pager&from=${base + 10_000}&to=${base + 12_000}`, headers: t.auth('viewer') });
    expect(ranged.json().anomalies.map((a: { id: string }) => a.id)).toEqual(['pg-11', 'pg-10']);
    const byHost = await t.app.inject({ url: '/api/v1/anomalies?host=203.0.113.9&sensor=pager&limit=500', headers: t.auth('viewer') });
    expect(byHost.json().anomalies).toHaveLength(23);
  });

  it('rejects bad input with 400 and a message naming the field', async () => {
    const cases: [string, string, unknown, string][] = [
      ['GET', '/api/v1/anomalies?level=severe', undefined, 'querystring.level must be equal to one of the allowed values: info, low, medium, high, critical'],
      ['GET', '/api/v1/anomalies?limit=0', undefined, 'querystring.limit must be >= 1'],
      ['GET', '/api/v1/anomalies?cursor=zzz', undefined, 'cursor is not one this server issued'],
      ['GET', '/api/v1/anomalies?colour=red', undefined, "must NOT have additional properties: 'colour'"],
      ['POST', '/api/v1/anomalies/wf-1/actions', { action: 'delete' }, 'body.action must be equal to one of the allowed values'],
      ['POST', '/api/v1/anomalies/wf-1/actions', { note: 'x' }, "body must have required property 'action'"],
      ['POST', '/api/v1/anomalies/wf-1/actions', { action: 'comment', note: 'x'.repeat(5000) }, 'body.note must NOT have more than 4000 characters'],
      ['GET', '/api/v1/windows?resolution=5s', undefined, 'querystring.resolution must be equal to one of the allowed values: 1s, 1m, 1h, auto'],
    ];
    for (const [method, url, payload, message] of cases) {
      const res = await t.app.inject({ method: method as 'GET', url, headers: t.auth('admin'), payload: payload as object });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().message, url).toContain(message);
    }
    const big = await t.app.inject({ method: 'POST', url: '/api/v1/anomalies/wf-1/actions', headers: { ...t.auth('admin'), 'content-type': 'application/json' }, payload: JSON.stringify({ action: 'comment', note: 'x'.repeat(70_000) }) });
    expect(big.statusCode).toBe(413);
  });

  it('marks anomalies matching an active suppression and audits suppression changes', async () => {
    const add = await t.app.inject({ method: 'POST', url: '/api/v1/suppressions', headers: t.auth('admin'), payload: { scope: { host: '10.9.9.9', kind: 'scan' }, reason: 'vuln scanner', durationMs: 3_600_000 } });
    expect(add.statusCode).toBe(201);
    const sid = add.json().id as string;
    t.app.spanwatch.feed.anomaly(makeAnomaly({ id: 'sup-1', kind: 'scan', subject: { localHost: '10.9.9.9' } }));
    t.app.spanwatch.feed.anomaly(makeAnomaly({ id: 'sup-2', kind: 'outbound-spike', subject: { localHost: '10.9.9.9' } }));
    const one = (id: string) => t.app.inject({ url: `/api/v1/anomalies/${id}`, headers: t.auth('viewer') }).then((r) => r.json().anomaly);
    expect((await one('sup-1')).suppressedBy).toBe(sid);
    expect((await one('sup-2')).suppressedBy).toBeUndefined();
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/suppressions/${sid}`, headers: t.auth('admin') })).statusCode).toBe(200);
    t.app.spanwatch.feed.anomaly(makeAnomaly({ id: 'sup-3', kind: 'scan', subject: { localHost: '10.9.9.9' } }));
    expect((await one('sup-3')).suppressedBy).toBeUndefined();
    const audit = await t.app.inject({ url: `/api/v1/audit?target=suppression:${sid}`, headers: t.auth('admin') });
    expect(audit.json().entries.map((e: { action: string }) => e.action)).toEqual(['suppression.add', 'suppression.remove']);
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/suppressions', headers: t.auth('admin'), payload: { scope: {}, reason: 'x' } });
    expect(bad.statusCode).toBe(400);
  });

  it('serves windows at 1s and rolled up to 1m, a host timeline and top hosts', async () => {
    const base = 1_899_999_960_000; // a whole minute
    for (let i = 0; i < 20; i++) t.app.spanwatch.feed.window(makeWindow('roll', base + i * 6000, i + 1));
    const q = `from=${base}&to=${base + 120_000}&sensor=roll`;
    const fine = await t.app.inject({ url: `/api/v1/windows?${q}`, headers: t.auth('viewer') });
    expect(fine.json().windows).toHaveLength(20);
    const coarse = await t.app.inject({ url: `/api/v1/windows?${q}&resolution=1m`, headers: t.auth('viewer') });
    const packets = coarse.json().windows.map((w: { directions: { outbound: { packets: number } } }) => w.directions.outbound.packets);
    expect(packets).toEqual([55, 155]);
    const tl = await t.app.inject({ url: `/api/v1/hosts/10.0.0.5/timeline?${q}`, headers: t.auth('viewer') });
    expect(tl.json().points).toHaveLength(20);
    const top = await t.app.inject({ url: `/api/v1/hosts/top?${q}`, headers: t.auth('viewer') });
    expect(top.json().hosts[0]).toMatchObject({ host: '10.0.0.5', bytesOut: 210 * 100, windows: 20 });
  });

  it('reports sensors and counters in status; models answer 503 without a registry', async () => {
    const st = (await t.app.inject({ url: '/api/v1/status', headers: t.auth('viewer') })).json();
    expect(st.sensors.map((s: { sensor: string }) => s.sensor).sort()).toEqual(['roll', 's1']);
    expect(st.ingest.windows).toBe(27);
    expect((await t.app.inject({ url: '/api/v1/models', headers: t.auth('viewer') })).statusCode).toBe(503);
  });
});
