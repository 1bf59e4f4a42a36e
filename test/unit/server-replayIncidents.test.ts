// A training replay's findings pass through an incident book of the replay's own: they go out on
// the replay channel carrying their incident, GET /replays/:id/incidents lists one row per event
// (related findings grouped as live ones are), and the live book and its statuses stay untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnomalyView, IncidentView } from '../../server/index.ts';
import type { ReplayRunner } from '../../server/ports.ts';
import { makeAnomaly, makeWindow, testServer, type TestServer } from './server-fixtures.ts';

const T0 = 1_709_800_000_000;
const MIN = 60_000;
const SENSOR = 'replay-drill';

/** an exfiltration as three findings of one host (one of them updated), and an unrelated scan */
const FINDINGS = [
  makeAnomaly({ id: 'r-spike', sensor: SENSOR, kind: 'outbound-spike', start: T0, end: T0 + MIN, severity: 72, level: 'high', subject: { localHost: '10.0.0.106', remote: '198.51.100.166' } }),
  makeAnomaly({ id: 'r-newdst', sensor: SENSOR, kind: 'new-destination', start: T0 + 2000, end: T0 + 3 * MIN, severity: 70, level: 'high', subject: { localHost: '10.0.0.106', remote: '198.51.100.166' } }),
  makeAnomaly({ id: 'r-scan', sensor: SENSOR, kind: 'scan', start: T0 + MIN, end: T0 + 2 * MIN, severity: 55, level: 'medium', subject: { localHost: '10.0.0.103', port: 445 } }),
  makeAnomaly({ id: 'r-spike', sensor: SENSOR, kind: 'outbound-spike', start: T0, end: T0 + 4 * MIN, severity: 80, level: 'high', subject: { localHost: '10.0.0.106', remote: '198.51.100.166' }, ongoing: false }),
  makeAnomaly({ id: 'r-beacon', sensor: SENSOR, kind: 'beaconing', start: T0 + 6 * MIN, end: T0 + 20 * MIN, severity: 45, level: 'medium', subject: { localHost: '10.0.0.106', remote: '198.51.100.166', port: 443 } }),
];

/** plays the findings above, one window before each */
const drill: ReplayRunner = {
  async datasets() {
    return [{ name: 'drill', description: 'an exfiltration and a scan', files: 1, labelled: true }];
  },
  async start(_dataset, _speed, out) {
    for (const [i, a] of FINDINGS.entries()) {
      out.window(makeWindow(SENSOR, T0 + i * 1000));
      out.anomaly(a);
    }
    return { done: Promise.resolve(), stop: () => undefined };
  },
};

let t: TestServer;
beforeAll(async () => { t = await testServer({ replays: drill }); });
afterAll(async () => { await t.cleanup(); });

describe('incidents of a training replay', () => {
  it('groups the replayed findings into incidents in a book of their own', async () => {
    const started = await t.app.inject({ method: 'POST', url: '/api/v1/replays', headers: t.auth('analyst'), payload: { dataset: 'drill' } });
    expect(started.statusCode).toBe(201);
    const { id, channel } = started.json() as { id: string; channel: string };
    await expect.poll(async () => (await t.app.inject({ url: `/api/v1/replays/${id}`, headers: t.auth('viewer') })).json().state).toBe('done');
    const info = (await t.app.inject({ url: `/api/v1/replays/${id}`, headers: t.auth('viewer') })).json() as { anomalies: number; incidents: number };
    expect(info).toMatchObject({ anomalies: FINDINGS.length, incidents: 2 });

    const res = await t.app.inject({ url: `/api/v1/replays/${id}/incidents`, headers: t.auth('viewer') });
    expect(res.statusCode).toBe(200);
    const incidents = (res.json() as { incidents: IncidentView[] }).incidents;
    // newest first by event time: the exfiltration (its beacon ends last) started before the scan
    expect(incidents.map((i) => i.findings)).toEqual([1, 3]);
    const [scan, exfil] = incidents as [IncidentView, IncidentView];
    expect(scan.kinds).toEqual(['scan']);
    expect(exfil.hosts).toEqual(['10.0.0.106']);
    expect(exfil.remotes).toEqual(['198.51.100.166']);
    expect(exfil.kinds.sort()).toEqual(['beaconing', 'new-destination', 'outbound-spike']);
    // the headline is the updated spike, with its later end
    expect(exfil.headline).toMatchObject({ id: 'r-spike', severity: 80, end: T0 + 4 * MIN });
    expect(exfil.status).toBe('open');

    // what went out on the replay channel carries the incident each finding joined
    const sent = t.app.spanwatch.hub.channelBacklog(channel).map((m) => m.message).filter((m) => m.type === 'anomaly').map((m) => (m as { data: AnomalyView }).data);
    expect(sent.length).toBe(FINDINGS.length);
    for (const a of sent) expect(a.incidentId).toBe(a.id === 'r-scan' ? scan.id : exfil.id);

    // the live incident book saw none of it
    expect(t.app.spanwatch.book.incidents.all()).toEqual([]);
    const live = (await t.app.inject({ url: '/api/v1/incidents', headers: t.auth('viewer') })).json() as { incidents: IncidentView[] };
    expect(live.incidents).toEqual([]);
  });

  it('answers 404 for a replay it does not know', async () => {
    const res = await t.app.inject({ url: '/api/v1/replays/nope/incidents', headers: t.auth('viewer') });
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toContain('no replay nope');
  });
});
