import { describe, expect, it } from 'vitest';
import { ANALYST_ACTIONS } from '../../server/protocol.ts';
import { ANOMALY_KINDS, ANOMALY_STATUSES, SEVERITY_LEVELS, ANOMALY_VERSION, type Anomaly } from '../../model/index.ts';
import { ACTIONS, actionsFor, canAdminister, KINDS, LEVELS, STATUSES } from '../../ui/src/vocabulary.ts';
import { asAnomalyPage, asEvidence, asHostTimeline, asModels, asTopHosts } from '../../ui/src/apiShapes.ts';
import { levelLabel, observedVsExpected, subjectText } from '../../ui/src/anomalyText.ts';
import { formatAge, formatBytes, formatValue } from '../../ui/src/format.ts';
import { parseRoute, routeHash } from '../../ui/src/router.ts';
import { backoffDelay } from '../../ui/src/stream.ts';
import { LEVEL_COLOUR, LEVEL_SHAPE } from '../../ui/src/palette.ts';

const a: Anomaly = {
  version: ANOMALY_VERSION, id: 'x1', sensor: 's1', kind: 'dns-tunnel', start: 0, end: 1000, peakAt: 0, windows: 1,
  ongoing: false, detectedAt: 0, subject: { localHost: '10.0.0.9', remote: '203.0.113.7', port: 53, domain: '<img src=x>.example' },
  observed: { feature: 'dns.nameLengthMean', value: 61.5, unit: 'chars' }, expected: { low: 8, high: 20, median: 12 },
  contributions: [], score: 3, severity: 70, level: 'high', maturity: 0.5, captureLoss: false, summary: 's', modelVersion: 'v1', status: 'open',
};

describe('ui vocabulary and shapes', () => {
  it('offers exactly the contract values', () => {
    expect(LEVELS).toEqual(SEVERITY_LEVELS);
    expect(KINDS).toEqual(ANOMALY_KINDS);
    expect(STATUSES).toEqual(ANOMALY_STATUSES);
    expect(ACTIONS).toEqual(ANALYST_ACTIONS);
    expect(actionsFor('viewer')).toEqual([]);
    expect(actionsFor('analyst')).toEqual(ANALYST_ACTIONS);
    expect(canAdminister('analyst')).toBe(false);
    expect(canAdminister('admin')).toBe(true);
  });

  it('gives every level a distinct colour and shape', () => {
    expect(new Set(LEVELS.map((l) => LEVEL_COLOUR[l])).size).toBe(LEVELS.length);
    expect(new Set(LEVELS.map((l) => LEVEL_SHAPE[l])).size).toBe(LEVELS.length);
    expect(new Set(LEVELS.map((l) => levelLabel(l).split(' ')[0])).size).toBe(LEVELS.length);
  });

  it('reads the server envelopes and drops records that are not what they claim', () => {
    expect(asAnomalyPage({ anomalies: [a, { id: 3 }], nextCursor: 'c2' })).toEqual({ items: [a], nextCursor: 'c2' });
    expect(asAnomalyPage([a]).items).toHaveLength(1);
    const ev = asEvidence({ anomaly: a, relatedWindows: [{ start: 1, directions: {} }, { nope: 1 }], audit: [{ seq: 1 }] });
    expect(ev.anomaly.id).toBe('x1');
    expect(ev.windows).toHaveLength(1);
    expect(ev.audit).toHaveLength(1);
    expect(() => asEvidence({ nothing: true })).toThrow(/without an anomaly/);
    expect(asTopHosts({ hosts: [{ host: 'h', bytesOut: 1, bytesIn: 2, flows: 3, peersMax: 4 }] })).toEqual([{ host: 'h', bytesOut: 1, bytesIn: 2, flows: 3, peers: 4 }]);
    expect(asHostTimeline({ points: [{ start: 20, bytesOut: 1, bytesIn: 2 }, { start: 10, bytesOut: 3, bytesIn: 4 }] }).map((p) => p.t)).toEqual([10, 20]);
    expect(asModels({ models: [{ version: 'v2', live: true, metrics: { recall: 0.9, name: 'x' } }, { version: 'v1' }] }))
      .toEqual([{ version: 'v2', live: true, createdAt: undefined, metrics: { recall: 0.9 } }, { version: 'v1', live: false, createdAt: undefined, metrics: {} }]);
  });

  it('writes subjects and values as plain text', () => {
    expect(subjectText(a)).toBe('10.0.0.9 → 203.0.113.7:53 (<img src=x>.example)');
    expect(observedVsExpected(a)).toBe('61.5 chars, expected 8–20 chars');
    expect(formatBytes(1_500_000)).toBe('1.5 MB');
    expect(formatValue(2048, 'bytes/s')).toBe('2.0 kB/s');
    expect(formatAge(0, 125_000)).toBe('2 min ago');
  });

  it('routes by hash and round-trips ids with odd characters', () => {
    expect(parseRoute('')).toMatchObject({ name: 'live', param: '' });
    expect(parseRoute('#/anomalies')).toMatchObject({ name: 'anomalies', param: '' });
    expect(parseRoute(routeHash('anomaly', 'a/b c#1'))).toMatchObject({ name: 'anomaly', param: 'a/b c#1' });
    expect(parseRoute('#/host/%E0%A4%A')).toMatchObject({ name: 'host', param: '' });
    // a view's state rides in the query, and comes back whole
    const hash = routeHash('anomalies', undefined, { level: 'high', q: '10.0.0.0/24', kind: '' });
    expect(hash).toBe('#/anomalies?level=high&q=10.0.0.0%2F24');
    const back = parseRoute(hash);
    expect([back.name, back.query.get('level'), back.query.get('q'), back.query.has('kind')]).toEqual(['anomalies', 'high', '10.0.0.0/24', false]);
    expect(parseRoute(routeHash('incident', 'inc-a?b', { finding: 'x&y' }))).toMatchObject({ name: 'incident', param: 'inc-a?b' });
    expect(parseRoute(routeHash('incident', 'inc-a?b', { finding: 'x&y' })).query.get('finding')).toBe('x&y');
  });

  it('backs off exponentially with jitter, capped at 10 s', () => {
    expect(backoffDelay(0, () => 1)).toBe(500);
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(3, () => 1)).toBe(4000);
    expect(backoffDelay(20, () => 1)).toBe(10_000);
  });
});
