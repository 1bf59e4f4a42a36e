// One incident per event: the grouping rule, search by address, prefix or domain, the incident
// API, and the analyst status that lives on the incident — across re-detection of the same
// findings, a rebuilt server on the same var/ directory, and a recurrence that reopens it.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentBook } from '../../server/anomalies/incidentBook.ts';
import { relatedTo, relationKeys } from '../../server/anomalies/incidentGrouping.ts';
import { subjectMatcher } from '../../server/anomalies/subjectSearch.ts';
import { buildServer, type AlertPayload, type AlertSink, type AnalystAction } from '../../server/index.ts';
import { makeAnomaly, testServer, type TestServer } from './server-fixtures.ts';

const T0 = 1_709_800_000_000;
const MIN = 60_000;

/** The exfiltration of the demo day, as four findings of one host, and an unrelated scan at the same time. */
function exfiltration(sensor = 's1') {
  return [
    makeAnomaly({ id: 'ex-spike', sensor, kind: 'outbound-spike', start: T0, end: T0 + 4 * MIN, severity: 72, level: 'high', subject: { localHost: '10.0.0.106', remote: '198.51.100.166' } }),
    makeAnomaly({ id: 'ex-newdst', sensor, kind: 'new-destination', start: T0 + 2000, end: T0 + 4 * MIN, severity: 70, level: 'high', subject: { localHost: '10.0.0.106', remote: '198.51.100.166' } }),
    makeAnomaly({ id: 'ex-echo', sensor, kind: 'outbound-spike', start: T0 + 40_000, end: T0 + 42_000, severity: 50, level: 'medium', subject: { localHost: '10.0.0.10', remote: '198.51.100.166' } }),
    makeAnomaly({ id: 'ex-beacon', sensor, kind: 'beaconing', start: T0 + 7 * MIN, end: T0 + 20 * MIN, severity: 45, level: 'medium', subject: { localHost: '10.0.0.106', remote: '198.51.100.166', port: 443 } }),
    makeAnomaly({ id: 'other-scan', sensor, kind: 'scan', start: T0 + MIN, end: T0 + 2 * MIN, severity: 55, level: 'medium', subject: { localHost: '10.0.0.103', remote: '10.0.0.0/24', port: 445 } }),
  ];
}

describe('grouping findings into incidents', () => {
  it('joins findings that share a host or remote and overlap in time; not others', () => {
    const book = new IncidentBook(null);
    const ids = exfiltration().map((a) => book.admit(a).record.id);
    expect(new Set(ids.slice(0, 4)).size).toBe(1);
    expect(ids[4]).not.toBe(ids[0]);
    expect(book.get(ids[0]!)!.anomalyIds).toEqual(['ex-spike', 'ex-newdst', 'ex-echo', 'ex-beacon']);
    // the same host two hours later is another event
    const later = book.admit(makeAnomaly({ id: 'later', start: T0 + 120 * MIN, end: T0 + 121 * MIN, subject: { localHost: '10.0.0.106' } }));
    expect(later.record.id).not.toBe(ids[0]);
    // another sensor's finding about the same host is not joined
    expect(book.admit(makeAnomaly({ id: 'elsewhere', sensor: 's2', start: T0, end: T0 + MIN, subject: { localHost: '10.0.0.106' } })).record.id).not.toBe(ids[0]);
  });

  it('relates findings by domain, and network-wide findings to each other', () => {
    const client = makeAnomaly({ id: 'dns-client', kind: 'dns-tunnel', subject: { localHost: '10.0.0.109', domain: 'Stats-Sync.example' } });
    const span = { sensor: 's1', start: client.start, end: client.end, keys: relationKeys(client) };
    expect(relatedTo(span, makeAnomaly({ kind: 'threat-intel', subject: { localHost: '10.0.0.2', domain: 'stats-sync.example' } }))).toBe(true);
    const net = makeAnomaly({ kind: 'deviation', subject: {} });
    expect(relationKeys(net)).toEqual(['net:s1']);
    expect(relatedTo({ sensor: 's1', start: net.start, end: net.end, keys: relationKeys(net) }, makeAnomaly({ kind: 'deviation', subject: {} }))).toBe(true);
    expect(relatedTo({ sensor: 's1', start: net.start, end: net.end, keys: relationKeys(net) }, client)).toBe(false);
  });
});

describe('search by address, prefix or domain', () => {
  it('matches local hosts, remotes, remotes given as prefixes, and names under a domain', () => {
    expect(subjectMatcher('10.0.0.106')({ localHost: '10.0.0.106' })).toBe(true);
    expect(subjectMatcher('10.0.0.106')({ localHost: '10.0.0.16' })).toBe(false);
    expect(subjectMatcher('198.51.100.0/24')({ localHost: '10.0.0.1', remote: '198.51.100.166' })).toBe(true);
    expect(subjectMatcher('198.51.101.0/24')({ remote: '198.51.100.166' })).toBe(false);
    expect(subjectMatcher('10.0.0.77')({ localHost: '10.0.0.102', remote: '10.0.0.0/24' })).toBe(true);
    expect(subjectMatcher('2001:db8::/32')({ remote: '2001:db8:0:1::5' })).toBe(true);
    expect(subjectMatcher('2001:db8::5')({ remote: '2001:0db8:0000::5' })).toBe(true);
    expect(subjectMatcher('evil-cdn.example')({ domain: 'update.evil-cdn.example' })).toBe(true);
    expect(subjectMatcher('evil-cdn.example')({ domain: 'notevil-cdn.example' })).toBe(false);
    expect(subjectMatcher('  ')({})).toBe(true);
  });
});

describe('the incident API', () => {
  let t: TestServer;
  beforeAll(async () => { t = await testServer(); });
  afterAll(async () => { await t.cleanup(); });
  const get = (url: string) => t.app.inject({ url, headers: t.auth('viewer') }).then((r) => r.json());
  const act = (id: string, action: AnalystAction) => t.app.inject({ method: 'POST', url: `/api/v1/incidents/${encodeURIComponent(id)}/actions`, headers: t.auth('analyst'), payload: { action } });

  it('lists one row per incident with its findings counted, most severe finding as headline', async () => {
    for (const a of exfiltration()) t.app.spanwatch.feed.anomaly(a);
    const { incidents } = await get('/api/v1/incidents?sensor=s1');
    expect(incidents).toHaveLength(2);
    const ex = incidents.find((i: { headline: { id: string } }) => i.headline.id === 'ex-spike');
    expect(ex).toMatchObject({ findings: 4, kinds: ['outbound-spike', 'new-destination', 'beaconing'], hosts: ['10.0.0.106', '10.0.0.10'], remotes: ['198.51.100.166'], status: 'open' });
    // the most severe finding (72) raised by two further kinds (+10)
    expect(ex).toMatchObject({ severity: 82, level: 'critical' });
    // the findings list still works and names the incident
    const { anomalies } = await get('/api/v1/anomalies?sensor=s1&limit=100');
    expect(anomalies).toHaveLength(5);
    expect(new Set(anomalies.filter((a: { id: string }) => a.id.startsWith('ex-')).map((a: { incidentId: string }) => a.incidentId))).toEqual(new Set([ex.id]));
  });

  it('searches incidents by IP, CIDR and finds nothing for an address outside them', async () => {
    const ids = async (q: string) => (await get(`/api/v1/incidents?q=${encodeURIComponent(q)}`)).incidents.map((i: { headline: { id: string } }) => i.headline.id);
    expect(await ids('198.51.100.166')).toEqual(['ex-spike']);
    // 10.0.0.10 is in the exfiltration, and inside the /24 the scan swept
    expect(await ids('10.0.0.10')).toEqual(['other-scan', 'ex-spike']);
    expect(await ids('10.0.0.103')).toEqual(['other-scan']);
    expect(await ids('10.0.0.0/24')).toHaveLength(2);
    expect(await ids('10.0.0.55')).toEqual(['other-scan']);
    expect(await ids('192.0.2.1')).toEqual([]);
    expect((await get('/api/v1/anomalies?q=198.51.100.166&limit=100')).anomalies).toHaveLength(4);
  });

  it('shows one incident with all its findings and the incidents related to it', async () => {
    const { incidents } = await get('/api/v1/incidents?sensor=s1');
    const ex = incidents.find((i: { headline: { id: string } }) => i.headline.id === 'ex-spike');
    const one = await get(`/api/v1/incidents/${encodeURIComponent(ex.id)}`);
    expect(one.findings.map((a: { id: string }) => a.id)).toEqual(['ex-spike', 'ex-newdst', 'ex-echo', 'ex-beacon']);
    expect(one.related).toEqual([]);
    t.app.spanwatch.feed.anomaly(makeAnomaly({ id: 'ex-next-day', start: T0 + 1000 * MIN, end: T0 + 1001 * MIN, subject: { localHost: '10.0.0.106' } }));
    const again = await get(`/api/v1/incidents/${encodeURIComponent(ex.id)}`);
    expect(again.related.map((i: { headline: { id: string } }) => i.headline.id)).toEqual(['ex-next-day']);
    expect((await t.app.inject({ url: '/api/v1/incidents/nope', headers: t.auth('viewer') })).statusCode).toBe(404);
  });

  it('exports the case file of an incident with every finding, audited', async () => {
    const { incidents } = await get('/api/v1/incidents?sensor=s1&q=198.51.100.166');
    const res = await t.app.inject({ url: `/api/v1/incidents/${encodeURIComponent(incidents[0].id)}/case`, headers: t.auth('analyst') });
    expect(res.statusCode).toBe(200);
    const c = res.json();
    expect(c.findings.map((f: { id: string }) => f.id).sort()).toEqual(['ex-beacon', 'ex-echo', 'ex-newdst', 'ex-spike']);
    expect(c.incident.id).toBe(incidents[0].id);
    expect(c.auditChain.ok).toBe(true);
    expect(res.headers['content-disposition']).toContain(`case-${incidents[0].id}.json`);
    const audit = await t.app.spanwatch.audit.entries({ target: `incident:${incidents[0].id}` });
    expect(audit.map((e) => [e.user, e.action, e.details])).toEqual([['analyst1', 'case.export', { findings: 4 }]]);
    expect((await t.app.inject({ url: `/api/v1/incidents/${encodeURIComponent(incidents[0].id)}/case`, headers: t.auth('viewer') })).statusCode).toBe(403);
  });

  it('puts an action on the incident: every finding takes its status, one audit entry', async () => {
    const { incidents } = await get('/api/v1/incidents?sensor=s1&q=10.0.0.106');
    const ex = incidents.find((i: { headline: { id: string } }) => i.headline.id === 'ex-spike');
    expect((await act(ex.id, 'acknowledge')).json().incident.status).toBe('acknowledged');
    // acting through one finding acts on the incident
    const viaFinding = await t.app.inject({ method: 'POST', url: '/api/v1/anomalies/ex-beacon/actions', headers: t.auth('analyst'), payload: { action: 'false-positive' } });
    expect(viaFinding.json().anomaly.status).toBe('false-positive');
    const { anomalies } = await get(`/api/v1/anomalies?incident=${encodeURIComponent(ex.id)}&limit=100`);
    expect(anomalies.map((a: { status: string }) => a.status)).toEqual(['false-positive', 'false-positive', 'false-positive', 'false-positive']);
    const audit = (await get(`/api/v1/incidents/${encodeURIComponent(ex.id)}`)).audit;
    expect(audit.map((e: { action: string; details: { from: string; to: string } }) => [e.action, e.details.from, e.details.to])).toEqual([
      ['case.export', undefined, undefined], ['incident.acknowledge', 'open', 'acknowledged'], ['incident.false-positive', 'acknowledged', 'false-positive'],
    ]);
  });
});

describe('status across re-detection and a restart', () => {
  it('keeps a verdict when the same findings are detected again by a rebuilt server, and audits a reopening', async () => {
    const t = await testServer();
    try {
      for (const a of exfiltration()) t.app.spanwatch.feed.anomaly(a);
      const incidentId = t.app.spanwatch.book.get('ex-spike')!.incidentId!;
      const scanIncident = t.app.spanwatch.book.get('other-scan')!.incidentId!;
      const act = (app: typeof t.app, id: string, action: AnalystAction) => app.inject({ method: 'POST', url: `/api/v1/incidents/${encodeURIComponent(id)}/actions`, headers: t.auth('analyst'), payload: { action } });
      await act(t.app, incidentId, 'acknowledge');
      await act(t.app, incidentId, 'false-positive');
      await act(t.app, scanIncident, 'acknowledge');
      await act(t.app, scanIncident, 'resolve');
      await t.app.close();

      const again = await buildServer({ varDir: t.varDir, uiDir: null });
      await again.ready();
      try {
        // the replay detects the same findings again, each saying `open`
        for (const a of exfiltration()) again.spanwatch.feed.anomaly(a);
        const res = await again.inject({ url: '/api/v1/incidents?sensor=s1', headers: t.auth('viewer') });
        const statuses = Object.fromEntries(res.json().incidents.map((i: { id: string; status: string }) => [i.id, i.status]));
        expect(statuses).toEqual({ [incidentId]: 'false-positive', [scanIncident]: 'resolved' });
        expect(again.spanwatch.book.get('ex-newdst')!.status).toBe('false-positive');
        // a new finding joins the resolved scan incident: it reopens, and the log says so
        again.spanwatch.feed.anomaly(makeAnomaly({ id: 'scan-more', kind: 'scan', start: T0 + 3 * MIN, end: T0 + 4 * MIN, subject: { localHost: '10.0.0.103', port: 22 } }));
        expect(again.spanwatch.book.get('other-scan')!.status).toBe('open');
        await expect.poll(() => again.spanwatch.audit.entries({ target: `incident:${scanIncident}` }).then((e) => e.map((x) => [x.user, x.action])))
          .toEqual([['analyst1', 'incident.acknowledge'], ['analyst1', 'incident.resolve'], ['system', 'incident.reopen']]);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(t.varDir, { recursive: true, force: true });
    }
  });
});

describe('alerts and closed incidents', () => {
  it('does not alert again for findings of a false-positive incident detected again after a restart', async () => {
    const delivered: string[] = [];
    const sink: AlertSink = { name: 'recording', deliver: async (p: AlertPayload) => { delivered.push(p.anomaly.id); }, close: () => undefined };
    const alerts = { level: 'info' as const, sinks: [sink] };
    const t = await testServer({ alerts });
    try {
      const spike = exfiltration()[0]!;
      t.app.spanwatch.feed.anomaly(spike);
      await expect.poll(() => delivered).toEqual(['ex-spike']);
      const id = t.app.spanwatch.book.get('ex-spike')!.incidentId!;
      for (const action of ['acknowledge', 'false-positive'] as const) {
        await t.app.inject({ method: 'POST', url: `/api/v1/incidents/${encodeURIComponent(id)}/actions`, headers: t.auth('analyst'), payload: { action } });
      }
      await t.app.close();
      const again = await buildServer({ varDir: t.varDir, uiDir: null, alerts });
      await again.ready();
      try {
        again.spanwatch.feed.anomaly(spike);
        again.spanwatch.feed.anomaly(makeAnomaly({ id: 'elsewhere-1', start: T0, end: T0 + MIN, subject: { localHost: '10.0.0.200' } }));
        await expect.poll(() => delivered).toEqual(['ex-spike', 'elsewhere-1']);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(t.varDir, { recursive: true, force: true });
    }
  });
});
